//! A recipient who signed up on a web form whose method is the e-mail code: the entry's code
//! proved their address already (`objects/web_forms`), so asking for a second one would prove
//! nothing more.

use signgate_core::otp::Channel;
use signgate_core::policy::Method;
use signgate_core::wire::{ErrorCode, RecipientState, VerifiedResponse};
use worker::Result;

use super::RecipientObject;
use crate::http::fail;
use crate::objects::Reply;

impl RecipientObject {
    /// Verified by the entry's code: only a web form's new, pending e-mail-code recipient.
    pub(super) async fn proven_by_web_form(&self, token: &str) -> Result<Reply<VerifiedResponse>> {
        let _one_at_a_time = self.checking.lock().await;
        let loaded = match self.authenticate(token).await? {
            Ok(loaded) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        let record = &loaded.record;
        if record.web_form_id.is_none()
            || record.method != Method::EmailCode
            || loaded.progress.state != RecipientState::Pending
        {
            return Ok(Err(*fail(
                ErrorCode::WrongMethod,
                "Only a web form's new e-mail-code signer is verified by their entry.",
            )));
        }
        self.verified_with(loaded, Channel::Email.amr(), None, None)
            .await
    }
}
