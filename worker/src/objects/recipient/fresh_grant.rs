//! A fresh grant for a verified link: the signer reloaded, or came back after the grant's five
//! minutes, and goes on to the document without proving themselves again. Only in a browser a
//! grant went to (one of the recipient's devices, by its verification cookie,
//! `crate::device::VERIFIED`), only while the verification holds (an e-mail code's can expire),
//! at most `Reissues::PER_HOUR` an hour, each audited, with the `amr` of how that device proved
//! itself. A forwarded link elsewhere gets none.

use signgate_core::audit::AuditKind;
use signgate_core::devices::{Device, Seen};
use signgate_core::policy::{Method, PasskeyUse};
use signgate_core::wire::{ErrorCode, RecipientState, VerifiedResponse};
use worker::Result;

use super::{Progress, RecipientObject, RecipientRecord};
use crate::config::now_ms;
use crate::crypto;
use crate::http::{Failure, cancelled, fail};
use crate::objects::Reply;

impl RecipientObject {
    pub(super) async fn fresh_grant(
        &self,
        token: &str,
        presented: &[String],
    ) -> Result<Reply<VerifiedResponse>> {
        let _one_at_a_time = self.checking.lock().await;
        let mut loaded = match self.authenticate_in(token, presented).await? {
            Ok(loaded) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        let now = now_ms();
        match loaded.progress.state {
            RecipientState::Verified => {}
            RecipientState::Cancelled => return Ok(Err(*cancelled())),
            RecipientState::Pending => {
                return Ok(Err(*fail(
                    ErrorCode::Conflict,
                    "This link is not verified (or no longer): please verify first.",
                )));
            }
        }
        let Some(device) = loaded.progress.devices.by_cookie(presented) else {
            return Ok(Err(*fail(
                ErrorCode::Conflict,
                "This link was verified in another browser: go on to the document there.",
            )));
        };
        if passkey_wanted(&loaded.record, device) {
            return Ok(Err(*passkey_required()));
        }
        // How this device proved itself (a recovered one: by its codes, not the method).
        let amr = device.amr.clone();
        let device = device.id.clone();
        loaded.progress.devices.touch(&device, now);
        if let Err(wait_ms) = loaded.progress.reissues.take(now) {
            let mut error = *fail(
                ErrorCode::Throttled,
                "That is the most fresh grants for one link in an hour. Please wait.",
            );
            error.retry_after_secs = Some(wait_ms.div_ceil(1000));
            return Ok(Err(error));
        }
        let method = loaded.record.method;
        let mut response = self.grant(&loaded.record, &amr)?;
        response.signature_name = loaded.progress.signature_name.clone();
        self.save(loaded, vec![AuditKind::GrantReissued { method }])
            .await?;
        // Withheld with the first grant until the device had a passkey: it comes with this one.
        response.recovery_code = self.first_recovery_code().await?;
        Ok(Ok(response))
    }

    /// A grant earned in the browser `device`: the browser is kept among the recipient's
    /// devices, so it may ask for fresh ones, and gets the grant (the first with the recovery
    /// code) unless the policy wants a passkey it does not have yet. Refusals pass through
    /// untouched.
    pub(super) async fn bind_device(
        &self,
        verdict: Reply<VerifiedResponse>,
        device: Seen,
    ) -> Result<Reply<VerifiedResponse>> {
        let mut verdict = verdict;
        if let Ok(verified) = &mut verdict {
            if !self.keep_device(device, None).await? {
                return Ok(Err(*passkey_required()));
            }
            verified.recovery_code = self.first_recovery_code().await?;
        }
        Ok(verdict)
    }

    /// Keeps `device` among the browsers where the verification is active (verified with the
    /// signer's passkey `account_passkey` of the account, for the passkey method). Whether it may
    /// have its grant ([`passkey_wanted`]).
    pub(super) async fn keep_device(
        &self,
        device: Seen,
        account_passkey: Option<&str>,
    ) -> Result<bool> {
        let Some(mut current) = self.load().await? else {
            return Ok(true);
        };
        let amr = amr_of(&current.record, &current.progress);
        let id = crypto::random_id()?;
        let devices = &mut current.progress.devices;
        let kept = devices.verified(id, device, &amr, now_ms());
        if let Some(credential_id) = account_passkey {
            devices.signed_in_with(&kept, credential_id);
        }
        let wanted = devices
            .devices()
            .iter()
            .find(|d| d.id == kept)
            .is_some_and(|d| passkey_wanted(&current.record, d));
        self.save(current, Vec::new()).await?;
        Ok(!wanted)
    }
}

/// The policy wants a passkey on every device before the document, and `device` has not proved
/// one: it stays a device (it may register one), without a grant.
pub(super) fn passkey_wanted(record: &RecipientRecord, device: &Device) -> bool {
    // A browser a synced passkey signed in has proved one, though the passkey is another's.
    let proved_one = device.passkey.is_some() || device.amr == super::passkeys::AMR;
    record.devices.passkeys == PasskeyUse::Required && !proved_one
}

pub(super) fn passkey_required() -> Failure {
    fail(
        ErrorCode::PasskeyRequired,
        "You are verified. Before the document, add a passkey for this device on the device page.",
    )
}

/// How the recipient verified (the grant's `amr`).
pub(super) fn amr_of(record: &RecipientRecord, progress: &Progress) -> String {
    match &progress.amr {
        Some(amr) => amr.clone(),
        None => earned_by(record.method).to_owned(),
    }
}

/// The `amr` of a verification made before it was kept: the method's usual one.
fn earned_by(method: Method) -> &'static str {
    match method {
        Method::Password => "pwd",
        Method::Phone => "sms",
        Method::EmailCode => "otp",
        Method::Kba => "kba",
        _ => "fed",
    }
}
