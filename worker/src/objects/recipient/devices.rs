//! A recipient's devices, listed and revoked: by the signer from one of their verified browsers,
//! or by the platform through the admin API. A revoked device's cookie and passkey open nothing
//! any more (it must verify again); each revocation is audited.

use serde::{Deserialize, Serialize};
use signgate_core::audit::{AuditKind, Revoker};
use signgate_core::wire::{Devices, DevicesRevoked, ErrorCode};
use worker::Result;

use super::{Loaded, RecipientObject};
use crate::http::{Failure, fail, invalid_link};
use crate::objects::Reply;

/// Which devices to revoke, and who asks.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Revocation {
    /// The signer, from the browser presenting `presented` (its cookies' digests).
    Signer {
        token: String,
        presented: Vec<String>,
        device: String,
    },
    /// The admin API: one device, or all (`None`).
    Admin { device: Option<String> },
}

impl RecipientObject {
    /// The recipient and the asking browser's device, for a signer's call: a browser that is not
    /// one of their devices sees nothing of the others.
    async fn signer_device(
        &self,
        token: &str,
        presented: &[String],
    ) -> Result<Reply<(Loaded, String)>> {
        let loaded = match self.authenticate(token).await? {
            Ok(loaded) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        Ok(device_of(&loaded, presented).map(|device| (loaded, device)))
    }

    /// The signer's devices, from one of them.
    pub(super) async fn signer_devices(
        &self,
        token: &str,
        presented: &[String],
    ) -> Result<Reply<Devices>> {
        Ok(self
            .signer_device(token, presented)
            .await?
            .map(|(loaded, current)| loaded.progress.devices.views(Some(&current))))
    }

    /// The recipient's devices, for the admin API.
    pub(super) async fn admin_devices(&self) -> Result<Reply<Devices>> {
        Ok(match self.load().await? {
            Some(loaded) => Ok(loaded.progress.devices.views(None)),
            None => Err(*invalid_link()),
        })
    }

    pub(super) async fn revoke_devices(
        &self,
        revocation: Revocation,
    ) -> Result<Reply<DevicesRevoked>> {
        let _one_check_at_a_time = self.checking.lock().await;
        let (mut loaded, device, by) = match revocation {
            Revocation::Signer {
                token,
                presented,
                device,
            } => match self.signer_device(&token, &presented).await? {
                Ok((loaded, _)) => (loaded, Some(device), Revoker::Signer),
                Err(e) => return Ok(Err(e)),
            },
            Revocation::Admin { device } => match self.load().await? {
                Some(loaded) => (loaded, device, Revoker::Admin),
                None => return Ok(Err(*invalid_link())),
            },
        };
        let book = &mut loaded.progress.devices;
        let revoked: Vec<String> = match device {
            Some(device) => match book.revoke(&device) {
                Some(revoked) => vec![revoked.id],
                None => return Ok(Err(*no_such_device())),
            },
            None => book.revoke_all(),
        };
        let count = revoked.len() as u32;
        let events = if revoked.is_empty() {
            Vec::new()
        } else {
            vec![AuditKind::DevicesRevoked {
                devices: revoked,
                by,
            }]
        };
        self.save(loaded, events).await?;
        Ok(Ok(DevicesRevoked { revoked: count }))
    }
}

/// The device of the browser that presents `presented` (its verification cookies' digests).
pub(super) fn device_of(
    loaded: &Loaded,
    presented: &[String],
) -> std::result::Result<String, signgate_core::wire::ApiError> {
    match loaded.progress.devices.by_cookie(presented) {
        Some(device) => Ok(device.id.clone()),
        None => Err(*fail(
            ErrorCode::Conflict,
            "This browser is not one where you verified: verify here first.",
        )),
    }
}

fn no_such_device() -> Failure {
    fail(
        ErrorCode::NotFound,
        "This recipient has no device with this id.",
    )
}
