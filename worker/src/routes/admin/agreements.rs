//! `POST /admin/v1/agreements`: create an agreement and its recipients, answer their signing links.
//! `GET /admin/v1/agreements/{id}`: its state. `GET /admin/v1/agreements/{id}/audit`: its trail.
//!
//! Creation checks everything first and writes nothing until the whole request is valid.

use signgate_core::audit::AuditEvent;
use signgate_core::policy::{Account, Method};
use signgate_core::token::{LinkToken, SECRET_LEN};
use signgate_core::verification::VerificationRules;
use signgate_core::wire::{
    AgreementStatus, AuditTrail, CreateAgreement, CreatedAgreement, CreatedRecipient,
    DEFAULT_EXPIRY_DAYS, ErrorCode, MAX_EXPIRY_DAYS, MAX_RECIPIENTS,
};
use signgate_core::{password, phone, validate};
use worker::{Env, Request, Response, Result};

use crate::config::{self, AGREEMENTS_BINDING, PEPPER_VERSION, RECIPIENTS_BINDING, now_ms};
use crate::http::{self, MAX_ADMIN_BODY, fail, read_json};
use crate::objects::agreement::{AgreementCall, AgreementRecord};
use crate::objects::recipient::{RecipientCall, RecipientRecord};
use crate::objects::{call, call_ok, stub};
use crate::{accounts, crypto};

const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// A recipient that passed every check, ready to be written.
struct Planned {
    index: usize,
    method: Method,
    internal: bool,
    /// E.164, for the phone method.
    phone: Option<String>,
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

    let now = now_ms();
    let expires_at = now + u64::from(input.expires_in_days.unwrap_or(DEFAULT_EXPIRY_DAYS)) * DAY_MS;
    let agreement_id = env
        .durable_object(AGREEMENTS_BINDING)?
        .unique_id()?
        .to_string();
    let origin = match config::public_origin(env) {
        Some(origin) => origin,
        None => req.url()?.origin().ascii_serialization(),
    };
    let (pepper, iterations) = (
        config::password_pepper(env)?,
        config::pbkdf2_iterations(env),
    );

    let mut created = Vec::with_capacity(planned.len());
    let mut recipient_ids = Vec::with_capacity(planned.len());
    for plan in planned {
        let recipient = &input.recipients[plan.index];
        let recipient_id = env
            .durable_object(RECIPIENTS_BINDING)?
            .unique_id()?
            .to_string();
        let token = LinkToken::new(&recipient_id, crypto::random_bytes::<SECRET_LEN>()?)
            .ok_or_else(|| {
                worker::Error::RustError(
                    "the runtime gave an object id that is not 32 bytes of hex".into(),
                )
            })?;
        let password_hash = match (&recipient.password, plan.method) {
            (Some(password), Method::Password) => {
                Some(crypto::hash_password(&pepper, PEPPER_VERSION, iterations, password).await?)
            }
            _ => None,
        };
        let record = RecipientRecord {
            agreement_id: agreement_id.clone(),
            account_id: input.account_id.clone(),
            title: input.title.clone(),
            sender: input.sender.clone(),
            name: recipient.name.clone(),
            email: recipient.email.clone(),
            method: plan.method,
            internal: plan.internal,
            try_limit: policy.try_limit(plan.method),
            token_digest: token.secret_digest(),
            password_hash,
            expires_at,
            continue_url: input.continue_url.clone(),
            phone: plan.phone,
            code_rules: policy.code_rules(plan.method),
            verification_rules: (plan.method == Method::EmailCode)
                .then(|| VerificationRules::from(&policy.email_code)),
            login: policy.login_rules(plan.method, &recipient.email),
        };
        let object = stub(env, RECIPIENTS_BINDING, &recipient_id)?;
        call_ok::<_, ()>(
            &object,
            &RecipientCall::Init {
                record: Box::new(record),
            },
        )
        .await?;
        created.push(CreatedRecipient {
            id: recipient_id.clone(),
            name: recipient.name.clone(),
            email: recipient.email.clone(),
            method: plan.method,
            internal: plan.internal,
            signing_url: format!("{origin}/s#{}", token.encode()),
        });
        recipient_ids.push(recipient_id);
    }

    let record = AgreementRecord {
        account_id: input.account_id.clone(),
        title: input.title.clone(),
        sender: input.sender.clone(),
        created_at: now,
        expires_at,
        recipient_ids,
    };
    let agreement = stub(env, AGREEMENTS_BINDING, &agreement_id)?;
    call_ok::<_, ()>(&agreement, &AgreementCall::Init { record }).await?;
    http::json(
        201,
        &CreatedAgreement {
            id: agreement_id,
            expires_at,
            recipients: created,
        },
    )
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
    note(validate::text(
        "sender.name",
        &input.sender.name,
        validate::MAX_NAME_LEN,
    ));
    note(validate::email(&input.sender.email).map_err(|e| format!("sender.email: {e}")));
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
        note(validate::text(
            &format!("{at}.name"),
            &recipient.name,
            validate::MAX_NAME_LEN,
        ));
        note(validate::email(&recipient.email).map_err(|e| format!("{at}.email: {e}")));
        let internal = account.is_internal(&recipient.email);
        let method = match policy.choose_method(internal, recipient.method) {
            Ok(method) => method,
            Err(problem) => {
                note(Err(format!("{at}.method: {problem}")));
                continue;
            }
        };
        match (method, &recipient.password) {
            (Method::Password, Some(pw)) => note(
                password::check_new(pw, &policy.password.strength)
                    .map_err(|p| format!("{at}.password: {p}")),
            ),
            (Method::Password, None) => note(Err(format!(
                "{at}.password: the password method needs a password"
            ))),
            (_, Some(_)) => note(Err(format!(
                "{at}.password: only the password method takes a password"
            ))),
            (_, None) => {}
        }
        let phone = match (method, &recipient.phone) {
            (Method::Phone, Some(number)) => {
                match phone::normalize(number, &policy.phone.default_country_code) {
                    Ok(e164) => Some(e164),
                    Err(problem) => {
                        note(Err(format!("{at}.phone: {problem}")));
                        None
                    }
                }
            }
            (Method::Phone, None) => {
                note(Err(format!(
                    "{at}.phone: the phone method needs the recipient's phone number"
                )));
                None
            }
            (_, Some(_)) => {
                note(Err(format!(
                    "{at}.phone: only the phone method takes a phone number"
                )));
                None
            }
            (_, None) => None,
        };
        planned.push(Planned {
            index,
            method,
            internal,
            phone,
        });
    }
    if problems.is_empty() {
        Ok(planned)
    } else {
        Err(problems)
    }
}

fn agreement(env: &Env, id: &str) -> Option<worker::Stub> {
    stub(env, AGREEMENTS_BINDING, id).ok()
}

pub async fn status(env: &Env, id: &str) -> Result<Response> {
    let Some(agreement) = agreement(env, id) else {
        return http::error_response(&http::agreement_not_found());
    };
    http::answer(call::<_, AgreementStatus>(&agreement, &AgreementCall::Status).await?)
}

pub async fn audit(env: &Env, id: &str) -> Result<Response> {
    let Some(agreement) = agreement(env, id) else {
        return http::error_response(&http::agreement_not_found());
    };
    let events = call::<_, Vec<AuditEvent>>(&agreement, &AgreementCall::Audit).await?;
    http::answer(events.map(|events| AuditTrail {
        agreement_id: id.to_string(),
        events,
    }))
}
