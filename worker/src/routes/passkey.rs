//! Passkeys, with the link token (the recipient's object checks and decides):
//!
//! - `POST /api/v1/recipient/passkey/register/options` and `…/register`: a browser where the
//!   recipient verified (its verification cookie) makes a passkey for itself.
//! - `POST /api/v1/recipient/passkey/options` and `POST /api/v1/recipient/passkey`: a passkey
//!   alone verifies its device again; the answer is a grant, and the browser's new verification
//!   cookie.
//!
//! The relying party is the app's origin (`PUBLIC_ORIGIN`, else the request's) and its host.

use signgate_core::wire::{
    PasskeyAssertion, PasskeyCreation, PasskeyRegistered, PasskeyRegistration, PasskeyRequest,
    VerifiedResponse,
};
use worker::{Env, Request, Response, Result};

use super::recipient_view::recipient_for;
use crate::config::{self, setting};
use crate::device;
use crate::http::{self, Failure, MAX_RECIPIENT_BODY, invalid_link, read_json, respond};
use crate::objects::call;
use crate::objects::recipient::{RecipientCall, Rp};
use crate::throttle::{Throttle, throttled};

type Outcome = std::result::Result<Response, Failure>;

pub async fn creation(req: Request, env: &Env) -> Result<Response> {
    let Some((token, recipient)) = recipient_for(&req, env) else {
        return http::error_response(&invalid_link());
    };
    let options = RecipientCall::PasskeyCreation {
        token,
        presented: device::VERIFIED.presented(&req),
        rp: rp(env, &req)?,
    };
    http::answer(call::<_, PasskeyCreation>(&recipient, &options).await?)
}

pub async fn register(mut req: Request, env: &Env) -> Result<Response> {
    respond(registered(&mut req, env).await?)
}

pub async fn request(req: Request, env: &Env) -> Result<Response> {
    let Some((token, recipient)) = recipient_for(&req, env) else {
        return http::error_response(&invalid_link());
    };
    if let Some(failure) = throttled(&req, env, Throttle::Checks).await? {
        return http::error_response(&failure);
    }
    let options = RecipientCall::PasskeyRequest {
        token,
        rp: rp(env, &req)?,
    };
    http::answer(call::<_, PasskeyRequest>(&recipient, &options).await?)
}

pub async fn sign_in(mut req: Request, env: &Env) -> Result<Response> {
    respond(signed_in(&mut req, env).await?)
}

async fn registered(req: &mut Request, env: &Env) -> Result<Outcome> {
    let Some((token, recipient)) = recipient_for(req, env) else {
        return Ok(Err(invalid_link()));
    };
    let registration: PasskeyRegistration = match read_json(req, MAX_RECIPIENT_BODY).await {
        Ok(registration) => registration,
        Err(failure) => return Ok(Err(failure)),
    };
    let register = RecipientCall::PasskeyRegister {
        token,
        presented: device::VERIFIED.presented(req),
        rp: rp(env, req)?,
        registration,
    };
    Ok(Ok(http::answer(
        call::<_, PasskeyRegistered>(&recipient, &register).await?,
    )?))
}

async fn signed_in(req: &mut Request, env: &Env) -> Result<Outcome> {
    let Some((token, recipient)) = recipient_for(req, env) else {
        return Ok(Err(invalid_link()));
    };
    let assertion: PasskeyAssertion = match read_json(req, MAX_RECIPIENT_BODY).await {
        Ok(assertion) => assertion,
        Err(failure) => return Ok(Err(failure)),
    };
    if let Some(failure) = throttled(req, env, Throttle::Checks).await? {
        return Ok(Err(failure));
    }
    let (cookie, browser) = device::new_verification(env, req)?;
    let sign_in = RecipientCall::PasskeySignIn {
        token,
        browser,
        rp: rp(env, req)?,
        assertion,
    };
    let answer = call::<_, VerifiedResponse>(&recipient, &sign_in).await?;
    Ok(Ok(device::verification_answer(answer, &cookie)?))
}

/// The relying party of `req`: the app's origin and its host.
fn rp(env: &Env, req: &Request) -> Result<Rp> {
    let origin = config::origin(env, req)?;
    let id = worker::Url::parse(&origin)?
        .host_str()
        .unwrap_or_default()
        .to_owned();
    let name = setting(env, "PLATFORM_NAME").unwrap_or_else(|| "signgate".into());
    Ok(Rp { id, origin, name })
}
