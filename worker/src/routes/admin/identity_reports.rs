//! A recipient's Signer Identity Reports (government ID, when the account keeps them):
//!
//! - `GET /admin/v1/agreements/{id}/recipients/{recipient_id}/identity-reports`: every report
//!   kept, oldest first.
//! - `GET …/identity-reports/{report}/photos/{shot}`: one of a report's photos (JPEG).
//! - `DELETE …/identity-reports`: erases them all with their photos now, in the audit trail.
//!
//! The recipient's object says which reports exist: one whose retention has ended is not served
//! even if its erasure has not run yet.

use signgate_core::id_check::Shot;
use signgate_core::id_check::report::{IdentityReports, KeptReport, ReportsErased};
use signgate_core::wire::ErrorCode;
use worker::{Env, Response, Result};

use super::devices::recipient;
use crate::http::{self, Failure, fail, respond};
use crate::id_check::reports;
use crate::objects::call;
use crate::objects::recipient::RecipientCall;

pub async fn list(env: &Env, agreement_id: &str, recipient_id: &str) -> Result<Response> {
    respond(listed(env, agreement_id, recipient_id).await?)
}

pub async fn photo(
    env: &Env,
    agreement_id: &str,
    recipient_id: &str,
    report_id: &str,
    shot: &str,
) -> Result<Response> {
    respond(photo_of(env, agreement_id, recipient_id, report_id, shot).await?)
}

pub async fn erase(env: &Env, agreement_id: &str, recipient_id: &str) -> Result<Response> {
    let recipient = match recipient(env, agreement_id, recipient_id).await? {
        Ok(recipient) => recipient,
        Err(failure) => return http::error_response(&failure),
    };
    let erased = call::<_, u32>(&recipient, &RecipientCall::EraseIdReports).await?;
    http::answer(erased.map(|erased| ReportsErased { erased }))
}

type Outcome = std::result::Result<Response, Failure>;

async fn listed(env: &Env, agreement_id: &str, recipient_id: &str) -> Result<Outcome> {
    let kept = match kept(env, agreement_id, recipient_id).await? {
        Ok(kept) => kept,
        Err(failure) => return Ok(Err(failure)),
    };
    let mut listed = IdentityReports::default();
    for report in kept {
        match reports::read(env, agreement_id, &report.id).await? {
            Some(report) => listed.reports.push(report),
            None => worker::console_error!("identity report {} is listed, not stored", report.id),
        }
    }
    Ok(Ok(http::json(200, &listed)?))
}

async fn photo_of(
    env: &Env,
    agreement_id: &str,
    recipient_id: &str,
    report_id: &str,
    shot: &str,
) -> Result<Outcome> {
    let Some(shot) = Shot::parse(shot) else {
        return Ok(Err(not_found()));
    };
    let kept = match kept(env, agreement_id, recipient_id).await? {
        Ok(kept) => kept,
        Err(failure) => return Ok(Err(failure)),
    };
    let listed = kept
        .iter()
        .any(|r| r.id == report_id && r.photos.contains(&shot));
    if !listed {
        return Ok(Err(not_found()));
    }
    let Some(jpeg) = reports::photo(env, agreement_id, report_id, shot).await? else {
        return Ok(Err(not_found()));
    };
    let headers = worker::Headers::new();
    headers.set("content-type", "image/jpeg")?;
    Ok(Ok(Response::from_bytes(jpeg)?.with_headers(headers)))
}

async fn kept(
    env: &Env,
    agreement_id: &str,
    recipient_id: &str,
) -> Result<std::result::Result<Vec<KeptReport>, Failure>> {
    let recipient = match recipient(env, agreement_id, recipient_id).await? {
        Ok(recipient) => recipient,
        Err(failure) => return Ok(Err(failure)),
    };
    Ok(
        call::<_, Vec<KeptReport>>(&recipient, &RecipientCall::IdReports)
            .await?
            .map_err(Box::new),
    )
}

fn not_found() -> Failure {
    fail(
        ErrorCode::NotFound,
        "This recipient has no such report photo.",
    )
}
