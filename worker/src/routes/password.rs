//! `POST /api/v1/recipient/password` with the link token: one password entry. The recipient's
//! object decides (and counts); this route parses, passes the per-IP throttle and passes the
//! answer on.

use signgate_core::wire::{PasswordAttempt, VerifiedResponse};
use worker::{Env, Request, Response, Result};

use super::recipient_view::recipient_for;
use crate::device;
use crate::http::{Failure, MAX_RECIPIENT_BODY, invalid_link, read_json, respond};
use crate::objects::call;
use crate::objects::recipient::RecipientCall;
use crate::throttle::{Throttle, throttled};

pub async fn post(mut req: Request, env: &Env) -> Result<Response> {
    respond(check(&mut req, env).await?)
}

async fn check(req: &mut Request, env: &Env) -> Result<std::result::Result<Response, Failure>> {
    let Some((token, recipient)) = recipient_for(req, env) else {
        return Ok(Err(invalid_link()));
    };
    let attempt: PasswordAttempt = match read_json(req, MAX_RECIPIENT_BODY).await {
        Ok(attempt) => attempt,
        Err(failure) => return Ok(Err(failure)),
    };
    if let Some(failure) = throttled(req, env, Throttle::Checks).await? {
        return Ok(Err(failure));
    }
    let (cookie, device) = device::new_verification(env, req)?;
    let entry = RecipientCall::CheckPassword {
        token,
        password: attempt.password,
        device,
    };
    let answer = call::<_, VerifiedResponse>(&recipient, &entry).await?;
    Ok(Ok(device::verification_answer(answer, &cookie)?))
}
