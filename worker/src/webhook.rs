//! Delivering one signed webhook (the signature scheme is in `signgate_core::webhook`).

use signgate_core::webhook::{SIGNATURE_HEADER, sign};
use signgate_core::wire::WebhookPayload;
use wasm_bindgen::JsValue;
use worker::{Env, Fetch, Headers, Method, Request, RequestInit, RequestRedirect};

use crate::config::{self, now_ms};

/// Sends the payload; `Ok(status)` for a 2xx answer, otherwise why it failed.
pub async fn deliver(env: &Env, url: &str, payload: &WebhookPayload) -> Result<u16, String> {
    let attempt = async {
        let body = serde_json::to_string(payload)?;
        let signature = sign(
            &config::webhook_secret(env)?,
            now_ms() / 1000,
            body.as_bytes(),
        );
        let headers = Headers::new();
        headers.set("content-type", "application/json")?;
        headers.set(SIGNATURE_HEADER, &signature)?;
        headers.set("signgate-event", payload.kind.name())?;
        headers.set("signgate-event-id", &payload.id)?;
        let mut init = RequestInit::new();
        init.with_method(Method::Post)
            .with_headers(headers)
            .with_body(Some(JsValue::from_str(&body)))
            // A redirect is a failure, not an invitation to post the event elsewhere.
            .with_redirect(RequestRedirect::Manual);
        Fetch::Request(Request::new_with_init(url, &init)?)
            .send()
            .await
    };
    match attempt.await {
        Ok(response) if (200..300).contains(&response.status_code()) => Ok(response.status_code()),
        Ok(response) => Err(format!("the receiver answered {}", response.status_code())),
        Err(error) => Err(format!("the request failed: {error}")),
    }
}
