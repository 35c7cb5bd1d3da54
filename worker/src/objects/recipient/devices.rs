//! A recipient's devices, listed and revoked: by the signer from one of their verified browsers,
//! or by the platform through the admin API. A revoked device's cookie and passkey open nothing
//! any more (it must verify again); each revocation is audited.
//!
//! A device added beside others is announced to each of them (its list marks it new until the
//! signer says it was theirs, or that it was not: then it is revoked) and to the sender, by a
//! webhook, as is a device the signer disowned. Those notices wait in the recipient's progress
//! until the agreement has queued them, retried by the alarm.

use serde::{Deserialize, Serialize};
use signgate_core::audit::{AuditKind, Revoker};
use signgate_core::wire::{DeviceView, Devices, DevicesRevoked, ErrorCode, WebhookKind};
use worker::Result;

use super::{Loaded, RETRY_TELLING_AFTER_MS, RecipientObject};
use crate::config::{AGREEMENTS_BINDING, now_ms};
use crate::http::{Failure, fail, invalid_link};
use crate::objects::agreement::AgreementCall;
use crate::objects::{Reply, call_ok, stub};

/// What the sender is to hear about a device.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DeviceNotice {
    kind: WebhookKind,
    device: DeviceView,
}

/// Which devices to revoke, and who asks.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub enum Revocation {
    /// The signer, from the browser presenting `presented` (its cookies' digests). `not_mine`:
    /// "this was not me", about another device announced to this one.
    Signer {
        token: String,
        presented: Vec<String>,
        device: String,
        #[serde(default)]
        not_mine: bool,
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
        // A device whose verification lapsed is one no more: it sees nothing of the others.
        let loaded = match self.authenticate_in(token, presented).await? {
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
            .map(|(loaded, current)| loaded.signers_devices(&current)))
    }

    /// The signer, on one of their devices, says the devices announced to it were theirs.
    pub(super) async fn devices_seen(
        &self,
        token: &str,
        presented: &[String],
    ) -> Result<Reply<Devices>> {
        let _one_check_at_a_time = self.checking.lock().await;
        let (mut loaded, current) = match self.signer_device(token, presented).await? {
            Ok(found) => found,
            Err(e) => return Ok(Err(e)),
        };
        loaded.progress.devices.seen(&current);
        let loaded = self.save(loaded, Vec::new()).await?;
        Ok(Ok(loaded.signers_devices(&current)))
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
        let mut not_mine = false;
        let (mut loaded, device, by) = match revocation {
            Revocation::Signer {
                token,
                presented,
                device,
                not_mine: disowned,
            } => match self.signer_device(&token, &presented).await? {
                // "Not mine" is an answer to an announcement: only about a device announced to
                // this one (so a stranger's device cannot disown the signer's own).
                Ok((loaded, current))
                    if disowned
                        && !loaded
                            .progress
                            .devices
                            .unseen_by(Some(&current))
                            .contains(&device) =>
                {
                    return Ok(Err(*fail(
                        ErrorCode::Conflict,
                        "Only a device announced to this one as new can be disowned here: remove \
                         it instead.",
                    )));
                }
                Ok((loaded, _)) => {
                    not_mine = disowned;
                    (loaded, Some(device), Revoker::Signer)
                }
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
                Some(revoked) if not_mine => {
                    let device = revoked.id.clone();
                    loaded.progress.device_notices.push(DeviceNotice {
                        kind: WebhookKind::RecipientDeviceDisowned,
                        device: revoked.view(),
                    });
                    self.save(loaded, vec![AuditKind::DeviceDisowned { device }])
                        .await?;
                    return Ok(Ok(DevicesRevoked { revoked: 1 }));
                }
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

impl Loaded {
    /// The devices as the signer's device `current` lists them, with what the policy allows.
    pub(super) fn signers_devices(&self, current: &str) -> Devices {
        let book = &self.progress.devices;
        Devices {
            policy: Some(self.record.devices),
            passkey_wanted: (book.devices().iter())
                .find(|d| d.id == current)
                .is_some_and(|d| super::fresh_grant::passkey_wanted(&self.record, d)),
            ..book.views(Some(current))
        }
    }
}

impl RecipientObject {
    /// Tells the sender, through the agreement, of the devices added beside others and of those
    /// the signer disowned, each once. What the agreement does not take now waits for the alarm.
    pub(super) async fn tell_sender_of_devices(&self) -> Result<()> {
        let Some(mut loaded) = self.load().await? else {
            return Ok(());
        };
        let added = loaded.progress.devices.take_untold();
        if added.is_empty() && loaded.progress.device_notices.is_empty() {
            return Ok(());
        }
        let mut owed = std::mem::take(&mut loaded.progress.device_notices);
        owed.extend(added.iter().map(|device| DeviceNotice {
            kind: WebhookKind::RecipientDeviceAdded,
            device: device.view(),
        }));
        let agreement_id = loaded.record.agreement_id.clone();
        // Taken out before the calls: a call arriving meanwhile finds none to send again.
        self.save(loaded, Vec::new()).await?;
        let agreement = stub(&self.env, AGREEMENTS_BINDING, &agreement_id)?;
        while let Some(notice) = owed.first() {
            let told = AgreementCall::RecipientDevice {
                recipient_id: self.id(),
                kind: notice.kind,
                device: notice.device.clone(),
            };
            if let Err(error) = call_ok::<_, ()>(&agreement, &told).await {
                worker::console_error!("telling the sender about a device: {error}");
                // Back in line, before any that came meanwhile; the alarm tries again.
                let mut current = self.load().await?.expect("loaded above");
                owed.append(&mut current.progress.device_notices);
                current.progress.device_notices = owed;
                self.save(current, Vec::new()).await?;
                return self.alarm_by(now_ms() + RETRY_TELLING_AFTER_MS).await;
            }
            owed.remove(0);
        }
        Ok(())
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
