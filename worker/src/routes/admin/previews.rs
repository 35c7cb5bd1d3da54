//! `POST /admin/v1/previews`: a sender's preview link, for an existing recipient or for a method
//! under an account's policy. It is signed and self-contained (`signgate_core::preview`): making
//! one writes nothing, and opening one reads nothing but the token.

use signgate_core::policy::{Account, Method, Policy};
use signgate_core::preview::{
    self, DEFAULT_LIFETIME_SECS, MAX_LIFETIME_SECS, PreviewSpec, WebFormPreview,
};
use signgate_core::validate;
use signgate_core::wire::{Contact, CreatePreview, ErrorCode, PreviewCreated};
use worker::{Env, Request, Response, Result};

use super::agreements::agreement_with;
use crate::config::{self, RECIPIENTS_BINDING, now_ms};
use crate::http::{self, Failure, MAX_ADMIN_BODY, fail, read_json, respond};
use crate::login::providers;
use crate::objects::recipient::RecipientCall;
use crate::objects::web_forms::AccountForms;
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
        // A web form's preview opens on the form's own page.
        preview_url: format!(
            "{}/{}{query}#{token}",
            config::origin(env, req)?,
            if spec.web_form.is_some() { "f/" } else { "s" }
        ),
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
        && input.web_form_id.is_none()
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
    let Some(account_id) = &input.account_id else {
        return Ok(Err(invalid(
            "a preview without an agreement needs account_id, and method or web_form_id",
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
    let method = match (input.method, &input.web_form_id) {
        (None, Some(form_id)) => {
            return of_web_form(env, input, account_id, account, form_id).await;
        }
        (Some(method), None) => method,
        _ => {
            return Ok(Err(invalid(
                "name either method (a method's screens) or web_form_id (a web form's), one of \
                 them",
            )));
        }
    };
    let sender = input.sender.clone().unwrap_or_else(|| Contact {
        name: account.name.clone(),
        email: "sender@example.com".into(),
    });
    let title = input.title.clone().unwrap_or_else(|| SAMPLE_TITLE.into());
    let recipient = sample_recipient(input);
    let policy = account.policy_for(input.group.as_deref());
    let internal = account.is_internal(&recipient.email);
    let spec = match sample_spec(policy, internal, method, sender, title, recipient) {
        Ok(spec) => spec,
        Err(problems) => return Ok(Err(invalid(problems.join("; ")))),
    };
    Ok(Ok((spec, account)))
}

/// What a stranger opening the account's web form `form_id` would see, from its first screen:
/// the form's title, sender and method, its password and e-mail check as they are now.
async fn of_web_form(
    env: &Env,
    input: &CreatePreview,
    account_id: &str,
    account: Account,
    form_id: &str,
) -> Result<Found> {
    if input.group.is_some() || input.title.is_some() || input.sender.is_some() {
        return Ok(Err(invalid(
            "a web form's preview shows the form's own group, title and sender: name \
             account_id and web_form_id (and optionally recipient, language)",
        )));
    }
    let form = match AccountForms::of(env, account_id)?.get(form_id).await? {
        Ok(form) => form,
        Err(refusal) => return Ok(Err(Box::new(refusal))),
    };
    let policy = account.policy_for(form.group.as_deref());
    let recipient = sample_recipient(input);
    let mut spec = match sample_spec(
        policy,
        false,
        form.method,
        form.sender.clone(),
        form.title.clone(),
        recipient,
    ) {
        Ok(spec) => spec,
        Err(problems) => return Ok(Err(invalid(problems.join("; ")))),
    };
    let email_code = policy
        .code_rules(Method::EmailCode)
        .ok_or_else(|| worker::Error::RustError("the e-mail code has no rules".into()))?;
    spec.web_form = Some(WebFormPreview {
        password: form.password_hash.is_some(),
        email_check: policy.web_forms.email_check,
        code_digits: email_code.digits,
    });
    Ok(Ok((spec, account)))
}

fn sample_recipient(input: &CreatePreview) -> Contact {
    input.recipient.clone().unwrap_or_else(|| Contact {
        name: "Alex Example".into(),
        email: "alex@example.com".into(),
    })
}

/// The screens of `method` under `policy`, naming these people: every problem named.
fn sample_spec(
    policy: &Policy,
    internal: bool,
    method: Method,
    sender: Contact,
    title: String,
    recipient: Contact,
) -> std::result::Result<PreviewSpec, Vec<String>> {
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
    if let Err(problem) = policy.choose_method(internal, Some(method)) {
        problems.push(format!("method: {problem}"));
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(PreviewSpec {
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
        web_form: None,
        sender,
        support_contact: None,
        title,
        recipient_name: recipient.name,
        recipient_email: recipient.email,
        expires_at: 0,
        nonce: String::new(),
    })
}

fn invalid(message: impl Into<String>) -> Failure {
    fail(ErrorCode::InvalidRequest, message)
}
