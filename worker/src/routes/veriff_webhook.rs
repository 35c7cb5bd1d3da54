//! `POST /api/v1/webhooks/veriff`: Veriff's decision webhook. Only a signal: its signature is
//! checked, and the recipient's object named by the session's label reads the decision back
//! from the API itself, so a forged or replayed webhook decides nothing.

use signgate_core::wire::ErrorCode;
use worker::{Env, Request, Response, Result};

use crate::config::RECIPIENTS_BINDING;
use crate::http::{self, fail, read_body};
use crate::id_check::IdProvider;
use crate::objects::recipient::RecipientCall;
use crate::objects::{call, stub};

/// Veriff's decision bodies are a few kilobytes.
const MAX_WEBHOOK_BYTES: usize = 256 * 1024;

pub async fn post(mut req: Request, env: &Env) -> Result<Response> {
    let Some(provider) = IdProvider::from_env(env) else {
        return http::error_response(&fail(ErrorCode::NotFound, "There is nothing here."));
    };
    let body = match read_body(&mut req, MAX_WEBHOOK_BYTES, "application/json").await {
        Ok(body) => body,
        Err(failure) => return http::error_response(&failure),
    };
    let signature = req
        .headers()
        .get("x-hmac-signature")
        .ok()
        .flatten()
        .unwrap_or_default();
    let Some((reference, label)) = provider.webhook(&body, &signature) else {
        return http::error_response(&fail(
            ErrorCode::Unauthorized,
            "The signature does not match.",
        ));
    };
    // Ours, signed, but for no recipient we know (another deployment's): acknowledged.
    let Some(recipient) = label
        .split_once('.')
        .and_then(|(id, _)| stub(env, RECIPIENTS_BINDING, id).ok())
    else {
        return Response::ok("");
    };
    // A refusal (the check ended, the agreement was cancelled) is acknowledged all the same:
    // the webhook has been heard; it decides nothing either way.
    let _heard = call::<_, ()>(&recipient, &RecipientCall::IdSignal { reference }).await?;
    Response::ok("")
}
