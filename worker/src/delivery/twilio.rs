//! SMS and voice calls through a Twilio-style REST API: form-encoded POSTs with HTTP Basic
//! credentials to `/2010-04-01/Accounts/{sid}/Messages.json` (SMS) and `/Calls.json` (a call that
//! reads the TwiML the message carries).

use signgate_core::encoding::base64;
use signgate_core::otp::Channel;
use signgate_core::outgoing::Outgoing;
use wasm_bindgen::JsValue;
use worker::{
    Env, Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Response, Result,
};

use crate::config::setting;

const DEFAULT_API_BASE: &str = "https://api.twilio.com";

#[derive(Clone)]
pub struct Twilio {
    api_base: String,
    account_sid: String,
    auth_token: String,
    from: String,
}

impl std::fmt::Debug for Twilio {
    /// Leaves the token out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Twilio")
            .field("api_base", &self.api_base)
            .field("account_sid", &self.account_sid)
            .finish_non_exhaustive()
    }
}

impl Twilio {
    pub fn from_env(env: &Env) -> Option<Twilio> {
        Some(Twilio {
            api_base: setting(env, "TWILIO_API_BASE")
                .unwrap_or_else(|| DEFAULT_API_BASE.into())
                .trim_end_matches('/')
                .to_string(),
            account_sid: setting(env, "TWILIO_ACCOUNT_SID")?,
            auth_token: setting(env, "TWILIO_AUTH_TOKEN")?,
            from: setting(env, "TWILIO_FROM")?,
        })
    }

    pub async fn send(&self, message: &Outgoing) -> Result<Response> {
        let (resource, content) = match message.channel {
            Channel::Voice => ("Calls.json", "Twiml"),
            _ => ("Messages.json", "Body"),
        };
        let url = format!(
            "{}/2010-04-01/Accounts/{}/{resource}",
            self.api_base, self.account_sid
        );
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("To", &message.to)
            .append_pair("From", &self.from)
            .append_pair(content, &message.body)
            .finish();
        let headers = Headers::new();
        headers.set("content-type", "application/x-www-form-urlencoded")?;
        let credentials = base64(format!("{}:{}", self.account_sid, self.auth_token).as_bytes());
        headers.set("authorization", &format!("Basic {credentials}"))?;
        let mut init = RequestInit::new();
        // A service that redirects is misconfigured: never resend a code somewhere else.
        init.with_method(Method::Post)
            .with_redirect(RequestRedirect::Manual)
            .with_headers(headers)
            .with_body(Some(JsValue::from_str(&body)));
        Fetch::Request(Request::new_with_init(&url, &init)?)
            .send()
            .await
    }
}
