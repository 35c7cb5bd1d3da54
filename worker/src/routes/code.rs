//! `POST /api/v1/recipient/code/send`: send a code by SMS, voice call or e-mail.
//! `POST /api/v1/recipient/code`: one code entry.
//!
//! The recipient's object decides both (and counts); sends also pass an outer per-IP throttle
//! first, so one client cannot pump messages through many links.

use signgate_core::outgoing::Language;
use signgate_core::wire::{CodeAttempt, CodeSent, ErrorCode, SendCode, VerifiedResponse};
use worker::{Env, Request, Response, Result};

use super::recipient_view::recipient_for;
use crate::config::{self, SEND_LIMITER_BINDING};
use crate::http::{self, Failure, MAX_RECIPIENT_BODY, fail, invalid_link, read_json, respond};
use crate::objects::call;
use crate::objects::recipient::RecipientCall;

/// The limiter's period (wrangler.toml): what a refused client is told to wait at most.
const LIMITER_PERIOD_SECS: u64 = 60;

pub async fn send(mut req: Request, env: &Env) -> Result<Response> {
    respond(send_code(&mut req, env).await?)
}

pub async fn check(mut req: Request, env: &Env) -> Result<Response> {
    respond(check_code(&mut req, env).await?)
}

async fn send_code(req: &mut Request, env: &Env) -> Result<std::result::Result<Response, Failure>> {
    let Some((token, recipient)) = recipient_for(req, env) else {
        return Ok(Err(invalid_link()));
    };
    let input: SendCode = match read_json(req, MAX_RECIPIENT_BODY).await {
        Ok(input) => input,
        Err(failure) => return Ok(Err(failure)),
    };
    if let Some(failure) = throttled(req, env, "send").await? {
        return Ok(Err(failure));
    }
    let host = match config::public_origin(env) {
        Some(origin) => worker::Url::parse(&origin)?.host_str().map(str::to_string),
        None => req.url()?.host_str().map(str::to_string),
    }
    .unwrap_or_default();
    let call_send = RecipientCall::SendCode {
        token,
        channel: input.channel,
        language: input
            .language
            .as_deref()
            .map(Language::from_tag)
            .unwrap_or_default(),
        host,
    };
    Ok(Ok(http::answer(
        call::<_, CodeSent>(&recipient, &call_send).await?,
    )?))
}

/// The outer per-IP throttle (Cloudflare's rate limiter, per location) on requests that make the
/// worker send or store something for a stranger: code sends and login starts.
pub async fn throttled(req: &Request, env: &Env, what: &str) -> Result<Option<Failure>> {
    let client = req
        .headers()
        .get("cf-connecting-ip")?
        .unwrap_or_else(|| "unknown".into());
    let limiter = env.rate_limiter(SEND_LIMITER_BINDING)?;
    if limiter.limit(format!("{what}:{client}")).await?.success {
        return Ok(None);
    }
    let mut failure = fail(
        ErrorCode::Throttled,
        "Too many requests from your network. Please wait a minute.",
    );
    failure.retry_after_secs = Some(LIMITER_PERIOD_SECS);
    Ok(Some(failure))
}

async fn check_code(
    req: &mut Request,
    env: &Env,
) -> Result<std::result::Result<Response, Failure>> {
    let Some((token, recipient)) = recipient_for(req, env) else {
        return Ok(Err(invalid_link()));
    };
    let attempt: CodeAttempt = match read_json(req, MAX_RECIPIENT_BODY).await {
        Ok(attempt) => attempt,
        Err(failure) => return Ok(Err(failure)),
    };
    let entry = RecipientCall::CheckCode {
        token,
        code: attempt.code,
    };
    Ok(Ok(http::answer(
        call::<_, VerifiedResponse>(&recipient, &entry).await?,
    )?))
}
