//! The admin API for the e-sign platform, under `/admin/v1/`. Every request needs
//! `Authorization: Bearer <ADMIN_API_KEY>`, checked before anything else (even before 404, so the
//! API's shape is not probed for free).

mod accounts;
mod agreements;
mod devices;
mod identity_reports;
mod previews;
mod recipients;
mod report;
mod web_forms;
mod webhooks;

use sha2::{Digest, Sha256};
use signgate_core::encoding::constant_time_eq;
use signgate_core::wire::ErrorCode;
use worker::{Env, Method, Request, Response, Result};

use crate::config;
use crate::http::{self, bearer, fail};

pub async fn dispatch(req: Request, env: &Env, path: &[&str]) -> Result<Response> {
    if !authorised(&req, env)? {
        let failure = fail(
            ErrorCode::Unauthorized,
            "Send the admin API key as `Authorization: Bearer <key>`.",
        );
        return Ok(http::error_response(&failure)?.with_headers(challenge()?));
    }
    let method = req.method();
    match (method.clone(), path) {
        (Method::Put, ["v1", "accounts", id]) => accounts::put(req, env, id).await,
        (Method::Get, ["v1", "accounts", id]) => accounts::get(env, id).await,
        (Method::Post, ["v1", "accounts", id, "reset-verifications"]) => {
            accounts::reset_verifications(env, id).await
        }
        (Method::Post, ["v1", "accounts", id, "web-forms"]) => {
            web_forms::create(req, env, id).await
        }
        (Method::Get, ["v1", "accounts", id, "web-forms"]) => web_forms::list(env, id).await,
        (Method::Post, ["v1", "accounts", id, "web-forms", form, "disable"]) => {
            web_forms::disable(env, id, form).await
        }
        (Method::Post, ["v1", "agreements"]) => agreements::create(req, env).await,
        (Method::Get, ["v1", "agreements", id]) => agreements::status(env, id).await,
        (Method::Post, ["v1", "previews"]) => previews::create(req, env).await,
        (Method::Get, ["v1", "agreements", id, "audit"]) => agreements::audit(&req, env, id).await,
        (Method::Get, ["v1", "agreements", id, "report"]) => {
            report::get(env, id, report::Format::Html).await
        }
        (Method::Get, ["v1", "agreements", id, "report.pdf"]) => {
            report::get(env, id, report::Format::Pdf).await
        }
        (Method::Get, ["v1", "agreements", id, "webhooks"]) => webhooks::list(env, id).await,
        (Method::Post, ["v1", "agreements", id, "webhooks", event, "resend"]) => {
            webhooks::resend(env, id, event).await
        }
        (_, ["v1", "agreements", id, "recipients", recipient, rest @ ..]) => {
            recipient_routes(req, env, id, recipient, rest).await
        }
        (
            _,
            ["v1", "accounts", _]
            | ["v1", "accounts", _, "reset-verifications" | "web-forms"]
            | ["v1", "accounts", _, "web-forms", _, "disable"]
            | ["v1", "agreements" | "previews"]
            | ["v1", "agreements", _]
            | [
                "v1",
                "agreements",
                _,
                "audit" | "report" | "report.pdf" | "webhooks",
            ]
            | ["v1", "agreements", _, "webhooks", _, "resend"],
        ) => http::error_response(&fail(
            ErrorCode::MethodNotAllowed,
            format!("{method} is not allowed here."),
        )),
        _ => http::error_response(&fail(ErrorCode::NotFound, "There is nothing here.")),
    }
}

/// `/admin/v1/agreements/{id}/recipients/{recipient}/…`: the sender's changes, the devices, the
/// identity reports.
async fn recipient_routes(
    req: Request,
    env: &Env,
    id: &str,
    recipient: &str,
    path: &[&str],
) -> Result<Response> {
    let method = req.method();
    match (method.clone(), path) {
        (Method::Put, ["method"]) => recipients::change_method(req, env, id, recipient).await,
        (Method::Post, ["replace"]) => recipients::replace(req, env, id, recipient).await,
        (Method::Get, ["devices"]) => devices::list(env, id, recipient).await,
        (Method::Delete, ["devices"]) => devices::revoke(env, id, recipient, None).await,
        (Method::Delete, ["devices", device]) => {
            devices::revoke(env, id, recipient, Some(device)).await
        }
        (Method::Get, ["identity-reports"]) => identity_reports::list(env, id, recipient).await,
        (Method::Delete, ["identity-reports"]) => identity_reports::erase(env, id, recipient).await,
        (Method::Get, ["identity-reports", report, "photos", shot]) => {
            identity_reports::photo(env, id, recipient, report, shot).await
        }
        (
            _,
            ["method" | "replace" | "devices" | "identity-reports"]
            | ["devices", _]
            | ["identity-reports", _, "photos", _],
        ) => http::error_response(&fail(
            ErrorCode::MethodNotAllowed,
            format!("{method} is not allowed here."),
        )),
        _ => http::error_response(&fail(ErrorCode::NotFound, "There is nothing here.")),
    }
}

/// Compares digests, so neither the key's content nor its length leaks through timing.
fn authorised(req: &Request, env: &Env) -> Result<bool> {
    let expected = config::admin_api_key(env)?;
    let presented = bearer(req).unwrap_or_default();
    Ok(constant_time_eq(
        &Sha256::digest(presented.as_bytes()),
        &Sha256::digest(expected.as_bytes()),
    ))
}

fn challenge() -> Result<worker::Headers> {
    let headers = worker::Headers::new();
    headers.set("content-type", "application/json")?;
    headers.set("www-authenticate", "Bearer realm=\"signgate-admin\"")?;
    Ok(headers)
}
