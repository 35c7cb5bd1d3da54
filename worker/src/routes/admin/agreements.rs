//! `POST /admin/v1/agreements`: create an agreement and its recipients, answer their signing links.
//! `GET /admin/v1/agreements/{id}`: its state. `GET /admin/v1/agreements/{id}/audit`: its trail.
//!
//! Creation checks everything first and writes nothing until the whole request is valid.

use signgate_core::method_setup::{self, Confirmation, PlannedMethod};
use signgate_core::policy::Account;
use signgate_core::validate;
use signgate_core::wire::{
    AUDIT_PAGE_DEFAULT, AUDIT_PAGE_MAX, AgreementStatus, AuditTrail, CreateAgreement,
    DEFAULT_EXPIRY_DAYS, ErrorCode, MAX_EXPIRY_DAYS, MAX_RECIPIENTS,
};
use worker::{Env, Request, Response, Result};

use crate::accounts;
use crate::config::{self, AGREEMENTS_BINDING};
use crate::http::{self, MAX_ADMIN_BODY, fail, read_json};
use crate::new_agreement::{self, NewAgreement, NewRecipient};
use crate::objects::agreement::{AgreementCall, AgreementSummary};
use crate::objects::recipient::passkey_problem;
use crate::objects::{call, stub};

/// A recipient that passed every check, ready to be written.
struct Planned {
    index: usize,
    internal: bool,
    method: PlannedMethod,
}

pub async fn create(mut req: Request, env: &Env) -> Result<Response> {
    let input: CreateAgreement = match read_json(&mut req, MAX_ADMIN_BODY).await {
        Ok(input) => input,
        Err(failure) => return http::error_response(&failure),
    };
    let account = if accounts::valid_id(&input.account_id) {
        accounts::load(env, &input.account_id).await?
    } else {
        None
    };
    let Some(account) = account else {
        return http::error_response(&fail(
            ErrorCode::InvalidRequest,
            "account_id: no account has this id",
        ));
    };
    let planned = match plan(&input, &account, config::allow_loopback_http(env)) {
        Ok(planned) => planned,
        Err(problems) => {
            return http::error_response(&fail(ErrorCode::InvalidRequest, problems.join("; ")));
        }
    };
    let policy = account.policy_for(input.group.as_deref());
    let mut problems = Vec::new();
    for plan in &planned {
        let (at, email) = (
            format!("recipients[{}]", plan.index),
            &input.recipients[plan.index].email,
        );
        let method = plan.method.method;
        problems.extend(passkey_problem(env, &input.account_id, method, email, &at).await?);
    }
    if !problems.is_empty() {
        return http::error_response(&fail(ErrorCode::InvalidRequest, problems.join("; ")));
    }

    let origin = config::origin(env, &req)?;
    let new = NewAgreement {
        account_id: &input.account_id,
        group: input.group.as_deref(),
        policy,
        title: &input.title,
        sender: &input.sender,
        continue_url: input.continue_url.as_deref(),
        expires_in_days: input.expires_in_days.unwrap_or(DEFAULT_EXPIRY_DAYS),
        web_form: None,
        recipients: planned
            .into_iter()
            .map(|plan| {
                let recipient = &input.recipients[plan.index];
                NewRecipient {
                    name: &recipient.name,
                    email: &recipient.email,
                    internal: plan.internal,
                    method: plan.method,
                    password: recipient.password.as_deref(),
                }
            })
            .collect(),
    };
    let written = new_agreement::write(env, &origin, new).await?;
    http::json(201, &written.agreement)
}

/// Every check of a creation request, with every problem found (not just the first).
fn plan(
    input: &CreateAgreement,
    account: &Account,
    allow_loopback_http: bool,
) -> std::result::Result<Vec<Planned>, Vec<String>> {
    let mut problems = Vec::new();
    let mut note = |result: std::result::Result<(), String>| {
        if let Err(problem) = result {
            problems.push(problem);
        }
    };
    note(validate::text(
        "title",
        &input.title,
        validate::MAX_TITLE_LEN,
    ));
    validate::person("sender", &input.sender.name, &input.sender.email)
        .into_iter()
        .for_each(|problem| note(Err(problem)));
    if let Some(url) = &input.continue_url {
        note(validate::url("continue_url", url, allow_loopback_http));
        if url.contains('#') {
            note(Err(
                "continue_url must not have a #fragment: the grant is passed in it".into(),
            ));
        }
    }
    if let Some(days) = input.expires_in_days
        && !(1..=MAX_EXPIRY_DAYS).contains(&days)
    {
        note(Err(format!(
            "expires_in_days must be 1 to {MAX_EXPIRY_DAYS}"
        )));
    }
    if let Some(group) = &input.group
        && !account.groups.contains_key(group)
    {
        note(Err(format!("group: the account has no group {group:?}")));
    }
    if input.recipients.is_empty() || input.recipients.len() > MAX_RECIPIENTS {
        note(Err(format!("recipients: 1 to {MAX_RECIPIENTS} are needed")));
    }
    let policy = account.policy_for(input.group.as_deref());
    let mut planned = Vec::new();
    for (index, recipient) in input.recipients.iter().enumerate() {
        let at = format!("recipients[{index}]");
        validate::person(&at, &recipient.name, &recipient.email)
            .into_iter()
            .for_each(|problem| note(Err(problem)));
        let internal = account.is_internal(&recipient.email);
        match method_setup::plan(
            policy,
            internal,
            &recipient.method_request(),
            Confirmation::IfGiven,
            &at,
        ) {
            Ok(method) => planned.push(Planned {
                index,
                internal,
                method,
            }),
            Err(found) => found.into_iter().for_each(|problem| note(Err(problem))),
        }
    }
    if problems.is_empty() {
        Ok(planned)
    } else {
        Err(problems)
    }
}

pub fn agreement(env: &Env, id: &str) -> Option<worker::Stub> {
    stub(env, AGREEMENTS_BINDING, id).ok()
}

/// The agreement `id`, if it has the recipient `recipient_id`: an id from another agreement is
/// not found here.
pub async fn agreement_with(
    env: &Env,
    id: &str,
    recipient_id: &str,
) -> Result<std::result::Result<AgreementSummary, http::Failure>> {
    let Some(agreement) = agreement(env, id) else {
        return Ok(Err(http::agreement_not_found()));
    };
    let summary = match call::<_, AgreementSummary>(&agreement, &AgreementCall::Record).await? {
        Ok(summary) => summary,
        Err(refusal) => return Ok(Err(Box::new(refusal))),
    };
    if !summary
        .record
        .recipient_ids
        .iter()
        .any(|r| r == recipient_id)
    {
        return Ok(Err(fail(
            ErrorCode::NotFound,
            "The agreement has no recipient with this id.",
        )));
    }
    Ok(Ok(summary))
}

pub async fn status(env: &Env, id: &str) -> Result<Response> {
    let Some(agreement) = agreement(env, id) else {
        return http::error_response(&http::agreement_not_found());
    };
    http::answer(call::<_, AgreementStatus>(&agreement, &AgreementCall::Status).await?)
}

/// `?limit=` (1 to 500, default 100) and `?cursor=` (from the last page's `next_cursor`).
pub async fn audit(req: &Request, env: &Env, id: &str) -> Result<Response> {
    let Some(agreement) = agreement(env, id) else {
        return http::error_response(&http::agreement_not_found());
    };
    let (mut cursor, mut limit) = (None, AUDIT_PAGE_DEFAULT);
    for (name, value) in req.url()?.query_pairs() {
        match name.as_ref() {
            "cursor" => cursor = Some(value.into_owned()),
            "limit" => match value.parse() {
                Ok(n) if (1..=AUDIT_PAGE_MAX).contains(&n) => limit = n,
                _ => {
                    return http::error_response(&fail(
                        ErrorCode::InvalidRequest,
                        format!("limit: a whole number from 1 to {AUDIT_PAGE_MAX}"),
                    ));
                }
            },
            other => {
                return http::error_response(&fail(
                    ErrorCode::InvalidRequest,
                    format!("unknown query parameter {other:?} (known: cursor, limit)"),
                ));
            }
        }
    }
    http::answer(call::<_, AuditTrail>(&agreement, &AgreementCall::Audit { cursor, limit }).await?)
}
