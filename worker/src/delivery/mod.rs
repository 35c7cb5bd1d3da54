//! Getting a code to the signer: a carrier for SMS and voice, a mail service for e-mail, or (in
//! local development and tests) the dev outbox. Which one is configuration, not code:
//!
//! - `CODE_DELIVERY=outbox`: every channel goes to the dev outbox (see `objects::dev_outbox`).
//! - SMS and voice: a Twilio-style API (`TWILIO_ACCOUNT_SID`, secret `TWILIO_AUTH_TOKEN`,
//!   `TWILIO_FROM`, optional `TWILIO_API_BASE`).
//! - E-mail: an HTTP mail API taking `{from, to, subject, text}` with a bearer key
//!   (`EMAIL_API_URL`, secret `EMAIL_API_KEY`, `EMAIL_FROM`).

mod email_api;
mod twilio;

use signgate_core::otp::Channel;
use signgate_core::outgoing::Outgoing;
use worker::{Env, Response, Result};

pub use email_api::EmailApi;
pub use twilio::Twilio;

use crate::config;
use crate::objects::dev_outbox;

/// Where messages of one channel go.
#[derive(Debug)]
pub enum Courier {
    DevOutbox,
    Twilio(Twilio),
    EmailApi(EmailApi),
}

/// Why a message was not taken. Never holds the destination or the message: it goes to the audit.
#[derive(Debug)]
pub struct Refused(pub String);

impl Courier {
    /// The courier configured for `channel`, if any.
    pub fn for_channel(env: &Env, channel: Channel) -> Option<Courier> {
        if config::dev_outbox_enabled(env) {
            return Some(Courier::DevOutbox);
        }
        match channel {
            Channel::Sms | Channel::Voice => Twilio::from_env(env).map(Courier::Twilio),
            Channel::Email => EmailApi::from_env(env).map(Courier::EmailApi),
        }
    }

    /// Hands the message over. `Err(Refused)` when the service said no or could not be reached;
    /// `Err(worker::Error)` only for faults of our own.
    pub async fn deliver(
        &self,
        env: &Env,
        message: &Outgoing,
    ) -> Result<std::result::Result<(), Refused>> {
        let response = match self {
            Courier::DevOutbox => return dev_outbox::put(env, message).await.map(Ok),
            Courier::Twilio(twilio) => twilio.send(message).await,
            Courier::EmailApi(api) => api.send(message).await,
        };
        Ok(match response {
            Ok(response) => accepted(response).await,
            Err(error) => Err(Refused(format!(
                "the service could not be reached: {error}"
            ))),
        })
    }
}

/// A 2xx is accepted; anything else is a refusal, named by status and the service's own error
/// code when it gives one (never its message, which may repeat the phone number).
async fn accepted(mut response: Response) -> std::result::Result<(), Refused> {
    let status = response.status_code();
    if (200..300).contains(&status) {
        return Ok(());
    }
    let code = response
        .json::<serde_json::Value>()
        .await
        .ok()
        .and_then(|body| body.get("code").cloned())
        .filter(|code| code.is_number() || code.is_string())
        .map(|code| format!(" (error {})", code.to_string().trim_matches('"')))
        .unwrap_or_default();
    Err(Refused(format!("the service answered HTTP {status}{code}")))
}
