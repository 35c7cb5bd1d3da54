//! `GET /admin/v1/agreements/{id}/report`: the audit report as a page for a browser, and
//! `GET /admin/v1/agreements/{id}/report.pdf` as the file kept with the signed document. Both are
//! made here, from the agreement's state and its whole trail, read page by page.

use signgate_core::audit::AuditEvent;
use signgate_core::wire::{AUDIT_PAGE_MAX, AgreementStatus, AuditTrail};
use worker::{Env, Response, Result};

use super::agreements::agreement;
use crate::accounts;
use crate::config::now_ms;
use crate::http;
use crate::objects::agreement::AgreementCall;
use crate::objects::call;
use crate::security::REPORT_POLICY;
use crate::time_zone::LocalTime;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Html,
    Pdf,
}

pub async fn get(env: &Env, id: &str, format: Format) -> Result<Response> {
    let Some(stub) = agreement(env, id) else {
        return http::error_response(&http::agreement_not_found());
    };
    let status = match call::<_, AgreementStatus>(&stub, &AgreementCall::Status).await? {
        Ok(status) => status,
        Err(refusal) => return http::error_response(&refusal),
    };
    let mut events: Vec<AuditEvent> = Vec::new();
    let mut cursor = None;
    loop {
        let page = AgreementCall::Audit {
            cursor: cursor.take(),
            limit: AUDIT_PAGE_MAX,
        };
        let page = match call::<_, AuditTrail>(&stub, &page).await? {
            Ok(page) => page,
            Err(refusal) => return http::error_response(&refusal),
        };
        events.extend(page.events);
        match page.next_cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let zone = accounts::load(env, &status.account_id)
        .await?
        .and_then(|account| account.time_zone)
        .unwrap_or_else(|| "UTC".to_string());
    // Checked when the account was saved; a zone the runtime stopped knowing falls back to UTC.
    let local = LocalTime::new(&zone).or_else(|| LocalTime::new("UTC"));
    let format_local = |ms: u64| match &local {
        Some(local) => local.format(ms),
        None => signgate_report::utc(ms),
    };
    let report = signgate_report::build(&status, &events, &zone, &format_local, now_ms());
    let headers = worker::Headers::new();
    let body = match format {
        Format::Html => {
            headers.set("content-type", "text/html; charset=utf-8")?;
            headers.set("content-security-policy", REPORT_POLICY)?;
            signgate_report::html(&report).into_bytes()
        }
        Format::Pdf => {
            headers.set("content-type", "application/pdf")?;
            headers.set(
                "content-disposition",
                &format!("inline; filename=\"audit-report-{}.pdf\"", status.id),
            )?;
            signgate_report::pdf(&report)
        }
    };
    Ok(Response::from_bytes(body)?.with_headers(headers))
}
