//! `PUT /admin/v1/accounts/{id}`: create or replace an account (policy, groups, internal domains,
//! webhook URL). `GET` reads it back. `POST /admin/v1/accounts/{id}/reset-verifications` voids
//! every e-mail-code verification of the account made until now: those signers verify again.

use signgate_core::policy::Account;
use signgate_core::validate;
use signgate_core::wire::{ErrorCode, VerificationsReset};
use worker::{Env, Request, Response, Result};

use crate::http::{self, MAX_ADMIN_BODY, fail, read_json};
use crate::{accounts, config};

pub async fn put(mut req: Request, env: &Env, id: &str) -> Result<Response> {
    if !accounts::valid_id(id) {
        return http::error_response(&fail(
            ErrorCode::InvalidRequest,
            "Account ids are 1-64 letters, digits, - or _.",
        ));
    }
    let account: Account = match read_json(&mut req, MAX_ADMIN_BODY).await {
        Ok(account) => account,
        Err(failure) => return http::error_response(&failure),
    };
    let mut problems = account.problems();
    if let Err(problem) = validate::text("name", &account.name, validate::MAX_NAME_LEN) {
        problems.push(problem);
    }
    if let Some(url) = &account.webhook_url
        && let Err(problem) = validate::url("webhook_url", url, config::allow_loopback_http(env))
    {
        problems.push(problem);
    }
    if let Some(zone) = &account.time_zone
        && crate::time_zone::LocalTime::new(zone).is_none()
    {
        problems.push(format!(
            "time_zone: {zone:?} is not an IANA time zone such as \"Europe/Berlin\""
        ));
    }
    if !problems.is_empty() {
        return http::error_response(&fail(ErrorCode::InvalidRequest, problems.join("; ")));
    }
    accounts::save(env, id, &account).await?;
    http::json(200, &account)
}

pub async fn reset_verifications(env: &Env, id: &str) -> Result<Response> {
    let exists = accounts::valid_id(id) && accounts::load(env, id).await?.is_some();
    if !exists {
        return http::error_response(&fail(ErrorCode::NotFound, "No account has this id."));
    }
    let reset_at = config::now_ms();
    accounts::reset_verifications(env, id, reset_at).await?;
    http::json(200, &VerificationsReset { reset_at })
}

pub async fn get(env: &Env, id: &str) -> Result<Response> {
    // Checked before KV is asked: it refuses keys over 512 bytes with an error.
    let account = if accounts::valid_id(id) {
        accounts::load(env, id).await?
    } else {
        None
    };
    match account {
        Some(account) => http::json(200, &account),
        None => http::error_response(&fail(ErrorCode::NotFound, "No account has this id.")),
    }
}
