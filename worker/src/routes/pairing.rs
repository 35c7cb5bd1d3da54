//! Continuing on another device, with the link token (the recipient's object checks and decides):
//!
//! - `POST /api/v1/recipient/pairing`: a verified browser (its verification cookie) offers a
//!   one-time link, `/device/#<link token>&pair=<secret>`, for a QR code;
//! - `POST /api/v1/recipient/pairing/claim` with `{secret}`: the browser that opened the link
//!   claims it, gets the code to type on the first device, and a verification cookie that counts
//!   only once that code is confirmed;
//! - `GET /api/v1/recipient/pairing`: the pairing as the asking side sees it;
//! - `POST /api/v1/recipient/pairing/confirm` with `{code}`: the offering device confirms, and the
//!   other browser is a device of the recipient (it then asks for a fresh grant).

use signgate_core::encoding::base64url;
use signgate_core::wire::{
    Devices, PairingClaim, PairingConfirmation, PairingOffer, PairingStatus,
};
use worker::{Env, Request, Response, Result};

use super::recipient_view::recipient_for;
use crate::device;
use crate::http::{self, Failure, MAX_RECIPIENT_BODY, invalid_link, read_json, respond};
use crate::objects::call;
use crate::objects::recipient::RecipientCall;
use crate::{config, crypto};

type Outcome = std::result::Result<Response, Failure>;

pub async fn offer(req: Request, env: &Env) -> Result<Response> {
    let Some((token, recipient)) = recipient_for(&req, env) else {
        return http::error_response(&invalid_link());
    };
    let secret = base64url(&crypto::random_bytes::<32>()?);
    let offer = RecipientCall::PairingOffer {
        token: token.clone(),
        presented: device::VERIFIED.presented(&req),
        digest: device::digest(&secret),
    };
    let offered = call::<_, u64>(&recipient, &offer).await?;
    let origin = config::origin(env, &req)?;
    http::answer(offered.map(|expires_in_secs| PairingOffer {
        link: format!("{origin}/device/#{token}&pair={secret}"),
        expires_in_secs,
    }))
}

pub async fn status(req: Request, env: &Env) -> Result<Response> {
    let Some((token, recipient)) = recipient_for(&req, env) else {
        return http::error_response(&invalid_link());
    };
    let status = RecipientCall::PairingStatus {
        token,
        presented: device::VERIFIED.presented(&req),
    };
    http::answer(call::<_, PairingStatus>(&recipient, &status).await?)
}

pub async fn claim(mut req: Request, env: &Env) -> Result<Response> {
    respond(claimed(&mut req, env).await?)
}

pub async fn confirm(mut req: Request, env: &Env) -> Result<Response> {
    respond(confirmed(&mut req, env).await?)
}

async fn claimed(req: &mut Request, env: &Env) -> Result<Outcome> {
    let Some((token, recipient)) = recipient_for(req, env) else {
        return Ok(Err(invalid_link()));
    };
    let input: PairingClaim = match read_json(req, MAX_RECIPIENT_BODY).await {
        Ok(input) => input,
        Err(failure) => return Ok(Err(failure)),
    };
    let (cookie, browser) = device::new_verification(env, req)?;
    let claim = RecipientCall::PairingClaim {
        token,
        digest: device::digest(&input.secret),
        browser,
    };
    let answer = call::<_, PairingStatus>(&recipient, &claim).await?;
    Ok(Ok(device::verification_answer(answer, &cookie)?))
}

async fn confirmed(req: &mut Request, env: &Env) -> Result<Outcome> {
    let Some((token, recipient)) = recipient_for(req, env) else {
        return Ok(Err(invalid_link()));
    };
    let input: PairingConfirmation = match read_json(req, MAX_RECIPIENT_BODY).await {
        Ok(input) => input,
        Err(failure) => return Ok(Err(failure)),
    };
    let confirm = RecipientCall::PairingConfirm {
        token,
        presented: device::VERIFIED.presented(req),
        code: input.code,
    };
    Ok(Ok(http::answer(
        call::<_, Devices>(&recipient, &confirm).await?,
    )?))
}
