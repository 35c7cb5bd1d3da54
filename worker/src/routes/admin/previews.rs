//! `POST /admin/v1/previews`: a sender's preview link, for an existing recipient or for a method
//! under an account's policy. It is signed and self-contained (`signgate_core::preview`): making
//! one writes nothing, and opening one reads nothing but the token.

use signgate_core::policy::{Account, Method};
use signgate_core::preview::{self, DEFAULT_LIFETIME_SECS, MAX_LIFETIME_SECS, PreviewSpec};
use signgate_core::validate;
use signgate_core::wire::{Contact, CreatePreview, ErrorCode, PreviewCreated};
use worker::{Env, Request, Response, Result};

use super::agreements::agreement_with;
use crate::config::{self, RECIPIENTS_BINDING, now_ms};
use crate::http::{self, Failure, MAX_ADMIN_BODY, fail, read_json, respond};
use crate::login::providers;
use crate::objects::recipient::RecipientCall;
use crate::objects::{call, stub};
use crate::{accounts, crypto};

/// What a preview without an agreement names where a real one names the people.
const SAMPLE_TITLE: &str = "Sample agreement";
const SAMPLE_PHONE_LAST4: &str = "0123";

type Outcome<T> = std::result::Result<T, Failure>;

pub async fn create(mut req: Request, env: &Env) -> Result<Response> {
    respond(create_preview(&mut req, env).await?)
}

async fn create_preview(req: &mut Request, env: &Env) -> Result<Outcome<Response>> {
    let input: CreatePreview = match read_json(req, MAX_ADMIN_BODY).await {
        Ok(input) => input,
        Err(failure) => return Ok(Err(failure)),
    };
    let lifetime = input.expires_in_secs.unwrap_or(DEFAULT_LIFETIME_SECS);
    if !(60..=MAX_LIFETIME_SECS).contains(&lifetime) {
        return Ok(Err(invalid(format!(
            "expires_in_secs: 60 to {MAX_LIFETIME_SECS}"
        ))));
    }
    let language = match input.language.as_deref() {
        None => None,
        Some(tag @ ("en" | "de" | "ru")) => Some(tag),
        Some(_) => return Ok(Err(invalid("language: one of en, de, ru"))),
    };
    let found = match (&input.agreement_id, &input.recipient_id) {
        (Some(agreement_id), Some(recipient_id)) if no_sample(&input) => {
            of_recipient(env, agreement_id, recipient_id).await?
        }
        (None, None) => of_method(env, &input).await?,
        _ => Err(invalid(
            "name either agreement_id and recipient_id (an existing recipient), or account_id and \
             method (optionally group, title, sender, recipient), not both",
        )),
    };
    let (mut spec, account) = match found {
        Ok(found) => found,
        Err(failure) => return Ok(Err(failure)),
    };
    // As the recipient's view shows it (`routes/recipient_view.rs`): the account's contact.
    spec.support_contact = account.policy.support_contact.clone();
    // Only the providers this deployment has, by the names their buttons carry.
    let configured = providers::all(env)?;
    spec.providers = spec
        .providers
        .iter()
        .filter_map(|(id, _)| configured.get(id))
        .map(|p| (p.id.clone(), p.name(env)))
        .collect();
    spec.expires_at = now_ms() / 1000 + lifetime;
    spec.nonce = crypto::random_id()?;
    let token = preview::sign(&spec, &preview::key(&config::grant_signing_key(env)?));
    let query = language.map_or(String::new(), |tag| format!("?lang={tag}"));
    let created = PreviewCreated {
        preview_url: format!("{}/s{query}#{token}", config::origin(env, req)?),
        method: spec.method,
        expires_at: spec.expires_at,
    };
    Ok(Ok(http::json(201, &created)?))
}

fn no_sample(input: &CreatePreview) -> bool {
    input.account_id.is_none()
        && input.group.is_none()
        && input.method.is_none()
        && input.title.is_none()
        && input.sender.is_none()
        && input.recipient.is_none()
}

type Found = Outcome<(PreviewSpec, Account)>;

/// What an existing recipient would see now.
async fn of_recipient(env: &Env, agreement_id: &str, recipient_id: &str) -> Result<Found> {
    let summary = match agreement_with(env, agreement_id, recipient_id).await? {
        Ok(summary) => summary,
        Err(failure) => return Ok(Err(failure)),
    };
    let recipient = stub(env, RECIPIENTS_BINDING, recipient_id)?;
    let spec = match call::<_, PreviewSpec>(&recipient, &RecipientCall::Preview).await? {
        Ok(spec) => spec,
        Err(refusal) => return Ok(Err(Box::new(refusal))),
    };
    let account = accounts::load(env, &summary.record.account_id)
        .await?
        .ok_or_else(|| worker::Error::RustError("an agreement's account is gone".into()))?;
    Ok(Ok((spec, account)))
}

/// What a recipient given `method` under the account's (or group's) policy would see.
async fn of_method(env: &Env, input: &CreatePreview) -> Result<Found> {
    let (Some(account_id), Some(method)) = (&input.account_id, input.method) else {
        return Ok(Err(invalid(
            "a preview without an agreement needs account_id and method",
        )));
    };
    let account = if accounts::valid_id(account_id) {
        accounts::load(env, account_id).await?
    } else {
        None
    };
    let Some(account) = account else {
        return Ok(Err(invalid("account_id: no account has this id")));
    };
    if let Some(group) = &input.group
        && !account.groups.contains_key(group)
    {
        return Ok(Err(invalid(format!(
            "group: the account has no group {group:?}"
        ))));
    }
    let sender = input.sender.clone().unwrap_or_else(|| Contact {
        name: account.name.clone(),
        email: "sender@example.com".into(),
    });
    let recipient = input.recipient.clone().unwrap_or_else(|| Contact {
        name: "Alex Example".into(),
        email: "alex@example.com".into(),
    });
    let title = input.title.clone().unwrap_or_else(|| SAMPLE_TITLE.into());
    let mut problems: Vec<String> = validate::text("title", &title, validate::MAX_TITLE_LEN)
        .err()
        .into_iter()
        .chain(validate::person("sender", &sender.name, &sender.email))
        .chain(validate::person(
            "recipient",
            &recipient.name,
            &recipient.email,
        ))
        .collect();
    let policy = account.policy_for(input.group.as_deref());
    let internal = account.is_internal(&recipient.email);
    if let Err(problem) = policy.choose_method(internal, Some(method)) {
        problems.push(format!("method: {problem}"));
    }
    if !problems.is_empty() {
        return Ok(Err(invalid(problems.join("; "))));
    }
    let spec = PreviewSpec {
        method,
        phone_last4: (method == Method::Phone).then(|| SAMPLE_PHONE_LAST4.into()),
        tries: preview::full_tries(policy.code_rules(method).as_ref(), policy.try_limit(method)),
        code_digits: policy.code_rules(method).map(|rules| rules.digits),
        providers: policy
            .login_rules(method, &recipient.email)
            .map(|rules| rules.providers)
            .unwrap_or_default()
            .into_iter()
            .map(|id| (id.clone(), id))
            .collect(),
        kba_questions: policy
            .kba_rules(method)
            .map(|rules| rules.first_questions() as u8),
        devices: policy.devices,
        sender,
        support_contact: None,
        title,
        recipient_name: recipient.name,
        recipient_email: recipient.email,
        expires_at: 0,
        nonce: String::new(),
    };
    Ok(Ok((spec, account)))
}

fn invalid(message: impl Into<String>) -> Failure {
    fail(ErrorCode::InvalidRequest, message)
}
