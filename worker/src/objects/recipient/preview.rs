//! What a sender's preview of this recipient shows, read from the record. Nothing is written: a
//! preview never touches the recipient's state or audit trail.

use signgate_core::preview::{self, PreviewSpec};
use worker::Result;

use super::RecipientObject;
use crate::http::fail;
use crate::objects::Reply;

impl RecipientObject {
    /// The recipient's screens as they would be now, with every try still to come. The route
    /// names the providers, and sets the expiry and the nonce.
    pub(super) async fn preview(&self) -> Result<Reply<PreviewSpec>> {
        let Some(loaded) = self.load().await? else {
            return Ok(Err(*fail(
                signgate_core::wire::ErrorCode::NotFound,
                "No such recipient.",
            )));
        };
        let record = &loaded.record;
        Ok(Ok(PreviewSpec {
            method: record.method,
            sender: record.sender.clone(),
            support_contact: None,
            title: record.title.clone(),
            recipient_name: record.name.clone(),
            recipient_email: record.email.clone(),
            phone_last4: record.phone.as_deref().map(signgate_core::phone::last4),
            tries: preview::full_tries(record.code_rules.as_ref(), record.try_limit),
            code_digits: record.code_rules.map(|rules| rules.digits),
            providers: record
                .login
                .iter()
                .flat_map(|rules| rules.providers.iter())
                .map(|id| (id.clone(), id.clone()))
                .collect(),
            kba_questions: record.kba.map(|rules| rules.first_questions() as u8),
            devices: record.devices,
            web_form: None,
            expires_at: 0,
            nonce: String::new(),
        }))
    }
}
