//! A fresh grant for a verified link: the signer reloaded, or came back after the grant's five
//! minutes, and goes on to the document without proving themselves again. Only in a browser a
//! grant went to (one of the recipient's devices, by its verification cookie,
//! `crate::device::VERIFIED`), only while the verification holds (an e-mail code's can expire), at most `Reissues::PER_HOUR` an hour, each
//! audited. A forwarded link elsewhere gets none.

use signgate_core::audit::AuditKind;
use signgate_core::devices::Seen;
use signgate_core::policy::Method;
use signgate_core::wire::{ErrorCode, RecipientState, VerifiedResponse};
use worker::Result;

use super::{Progress, RecipientObject, RecipientRecord};
use crate::config::now_ms;
use crate::crypto;
use crate::http::{cancelled, fail};
use crate::objects::Reply;

impl RecipientObject {
    pub(super) async fn fresh_grant(
        &self,
        token: &str,
        presented: &[String],
    ) -> Result<Reply<VerifiedResponse>> {
        let _one_at_a_time = self.checking.lock().await;
        let loaded = match self.authenticate(token).await? {
            Ok(loaded) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        let now = now_ms();
        let mut loaded = self.renew_or_expire_verification(loaded, now).await?;
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
        let amr = amr_of(&loaded.record, &loaded.progress);
        let mut response = self.grant(&loaded.record, &amr)?;
        response.signature_name = loaded.progress.signature_name.clone();
        self.save(loaded, vec![AuditKind::GrantReissued { method }])
            .await?;
        Ok(Ok(response))
    }

    /// A grant went to the browser `device`: kept among the recipient's devices, so it may ask
    /// for fresh ones. Refusals pass through untouched.
    pub(super) async fn bind_device(
        &self,
        verdict: Reply<VerifiedResponse>,
        device: Seen,
    ) -> Result<Reply<VerifiedResponse>> {
        if verdict.is_ok() {
            self.keep_device(device).await?;
        }
        Ok(verdict)
    }

    /// Keeps `device` among the browsers where the verification is active.
    pub(super) async fn keep_device(&self, device: Seen) -> Result<()> {
        if let Some(mut current) = self.load().await? {
            let amr = amr_of(&current.record, &current.progress);
            let id = crypto::random_id()?;
            current
                .progress
                .devices
                .verified(id, device, &amr, now_ms());
            self.save(current, Vec::new()).await?;
        }
        Ok(())
    }
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
