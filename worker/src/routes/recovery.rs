//! Recovery for a signer who lost their devices, with the link token (the recipient's object
//! checks, counts and decides):
//!
//! - `POST /api/v1/recipient/recovery` with `{recovery_code, language?}`: the first factor, from a
//!   browser that is not one of the recipient's devices. Right, an e-mail code is sent (the answer
//!   is the code methods' `CodeSent`) and the browser gets the verification cookie it must come
//!   back with.
//! - `POST /api/v1/recipient/recovery/code` with `{code}`: the second factor, from that browser.
//!   Right, the browser is a device (it then asks for a fresh grant), and the answer holds the new
//!   recovery code, shown this once.

use signgate_core::outgoing::Language;
use signgate_core::recovery;
use signgate_core::wire::{CodeAttempt, CodeSent, Recovered, RecoveryStart};
use worker::{Env, Request, Response, Result};

use super::recipient_view::recipient_for;
use crate::device;
use crate::http::{self, Failure, MAX_RECIPIENT_BODY, invalid_link, read_json, respond};
use crate::objects::call;
use crate::objects::recipient::{self, RecipientCall};
use crate::throttle::{Throttle, throttled};

type Outcome = std::result::Result<Response, Failure>;

pub async fn start(mut req: Request, env: &Env) -> Result<Response> {
    respond(start_recovery(&mut req, env).await?)
}

pub async fn finish(mut req: Request, env: &Env) -> Result<Response> {
    respond(finish_recovery(&mut req, env).await?)
}

async fn start_recovery(req: &mut Request, env: &Env) -> Result<Outcome> {
    let Some((token, recipient)) = recipient_for(req, env) else {
        return Ok(Err(invalid_link()));
    };
    let input: RecoveryStart = match read_json(req, MAX_RECIPIENT_BODY).await {
        Ok(input) => input,
        Err(failure) => return Ok(Err(failure)),
    };
    // A right code sends a message: the senders' throttle, as for the code methods.
    if let Some(failure) = throttled(req, env, Throttle::Sends).await? {
        return Ok(Err(failure));
    }
    let (cookie, browser) = device::new_verification(env, req)?;
    let start = recipient::RecoveryStart {
        token,
        digest: recovery::normalize(&input.recovery_code).map(|code| device::digest(&code)),
        browser,
        language: input
            .language
            .as_deref()
            .map(Language::from_tag)
            .unwrap_or_default(),
        host: super::code::sms_host(env, req)?,
    };
    let sent =
        call::<_, CodeSent>(&recipient, &RecipientCall::RecoveryStart(Box::new(start))).await?;
    Ok(Ok(device::verification_answer(sent, &cookie)?))
}

async fn finish_recovery(req: &mut Request, env: &Env) -> Result<Outcome> {
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
    let finish = RecipientCall::RecoveryFinish {
        token,
        presented: device::VERIFIED.presented(req),
        code: attempt.code,
    };
    Ok(Ok(http::answer(
        call::<_, Recovered>(&recipient, &finish).await?,
    )?))
}
