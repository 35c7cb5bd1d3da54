//! E-mail through an HTTP mail API (the shape Resend and similar services take): a JSON POST of
//! `{from, to: [..], subject, text}` with `Authorization: Bearer <key>`.

use serde::Serialize;
use signgate_core::outgoing::Outgoing;
use wasm_bindgen::JsValue;
use worker::{
    Env, Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Response, Result,
};

use crate::config::setting;

#[derive(Clone)]
pub struct EmailApi {
    url: String,
    key: String,
    from: String,
}

impl std::fmt::Debug for EmailApi {
    /// Leaves the key out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailApi")
            .field("url", &self.url)
            .field("from", &self.from)
            .finish_non_exhaustive()
    }
}

#[derive(Serialize)]
struct Mail<'a> {
    from: &'a str,
    to: [&'a str; 1],
    subject: &'a str,
    text: &'a str,
}

impl EmailApi {
    pub fn from_env(env: &Env) -> Option<EmailApi> {
        Some(EmailApi {
            url: setting(env, "EMAIL_API_URL")?,
            key: setting(env, "EMAIL_API_KEY")?,
            from: setting(env, "EMAIL_FROM")?,
        })
    }

    pub async fn send(&self, message: &Outgoing) -> Result<Response> {
        let mail = Mail {
            from: &self.from,
            to: [&message.to],
            subject: &message.subject,
            text: &message.body,
        };
        let headers = Headers::new();
        headers.set("content-type", "application/json")?;
        headers.set("authorization", &format!("Bearer {}", self.key))?;
        let mut init = RequestInit::new();
        // A service that redirects is misconfigured: never resend a code somewhere else.
        init.with_method(Method::Post)
            .with_redirect(RequestRedirect::Manual)
            .with_headers(headers)
            .with_body(Some(JsValue::from_str(&serde_json::to_string(&mail)?)));
        Fetch::Request(Request::new_with_init(&self.url, &init)?)
            .send()
            .await
    }
}
