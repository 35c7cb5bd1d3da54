//! `POST /api/v1/recipient/code/send`: send a code by SMS, voice call or e-mail.
//! `POST /api/v1/recipient/code`: one code entry.
//!
//! The recipient's object decides both (and counts); both pass an outer per-IP throttle first
//! (`crate::throttle`).

use signgate_core::outgoing::Language;
use signgate_core::wire::{CodeAttempt, CodeSent, SendCode, VerifiedResponse};
use worker::{Env, Request, Response, Result};

use super::recipient_view::recipient_for;
use crate::http::{self, Failure, MAX_RECIPIENT_BODY, invalid_link, read_json, respond};
use crate::objects::call;
use crate::objects::recipient::RecipientCall;
use crate::throttle::{Throttle, throttled};
use crate::{config, device};

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
    if let Some(failure) = throttled(req, env, Throttle::Sends).await? {
        return Ok(Err(failure));
    }
    let host = sms_host(env, req)?;
    let call_send = RecipientCall::SendCode {
        token,
        channel: input.channel,
        language: input
            .language
            .as_deref()
            .map(Language::from_tag)
            .unwrap_or_default(),
        host,
        presented: device::VERIFIED.presented(req),
    };
    Ok(Ok(http::answer(
        call::<_, CodeSent>(&recipient, &call_send).await?,
    )?))
}

/// The app's host, for a message's WebOTP line.
pub(super) fn sms_host(env: &Env, req: &Request) -> Result<String> {
    Ok(match config::public_origin(env) {
        Some(origin) => worker::Url::parse(&origin)?.host_str().map(str::to_string),
        None => req.url()?.host_str().map(str::to_string),
    }
    .unwrap_or_default())
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
    if let Some(failure) = throttled(req, env, Throttle::Checks).await? {
        return Ok(Err(failure));
    }
    let (cookie, device) = device::new_verification(env, req)?;
    let entry = RecipientCall::CheckCode {
        token,
        code: attempt.code,
        device,
    };
    let answer = call::<_, VerifiedResponse>(&recipient, &entry).await?;
    Ok(Ok(device::verification_answer(answer, &cookie)?))
}
