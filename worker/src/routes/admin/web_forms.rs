//! The admin API's web forms (`signgate_core::web_form`), one public signing link each for
//! signers nobody named in advance:
//!
//! - `POST /admin/v1/accounts/{id}/web-forms`: a new form; answers its link, shown once.
//! - `GET /admin/v1/accounts/{id}/web-forms`: the account's forms.
//! - `POST /admin/v1/accounts/{id}/web-forms/{form}/disable`: its link stops working (for good).

use signgate_core::token::LinkToken;
use signgate_core::web_form;
use signgate_core::wire::{CreateWebForm, ErrorCode, WebFormCreated};
use worker::{Env, Request, Response, Result};

use crate::config::{self, now_ms};
use crate::http::{self, Failure, MAX_ADMIN_BODY, fail, read_json, respond};
use crate::objects::web_forms::{AccountForms, WebForm};
use crate::{accounts, crypto};

type Outcome = std::result::Result<Response, Failure>;

pub async fn create(mut req: Request, env: &Env, account_id: &str) -> Result<Response> {
    respond(created(&mut req, env, account_id).await?)
}

pub async fn list(env: &Env, account_id: &str) -> Result<Response> {
    if account(env, account_id).await?.is_none() {
        return http::error_response(&no_account());
    }
    http::json(200, &AccountForms::of(env, account_id)?.list().await?)
}

pub async fn disable(env: &Env, account_id: &str, form: &str) -> Result<Response> {
    if account(env, account_id).await?.is_none() {
        return http::error_response(&no_account());
    }
    http::answer(AccountForms::of(env, account_id)?.disable(form).await?)
}

async fn created(req: &mut Request, env: &Env, account_id: &str) -> Result<Outcome> {
    let Some(account) = account(env, account_id).await? else {
        return Ok(Err(no_account()));
    };
    let input: CreateWebForm = match read_json(req, MAX_ADMIN_BODY).await {
        Ok(input) => input,
        Err(failure) => return Ok(Err(failure)),
    };
    if let Some(group) = &input.group
        && !account.groups.contains_key(group)
    {
        let problem = format!("group: the account has no group {group:?}");
        return Ok(Err(fail(ErrorCode::InvalidRequest, problem)));
    }
    let method = match web_form::plan(account.policy_for(input.group.as_deref()), &input) {
        Ok(method) => method,
        Err(problems) => return Ok(Err(fail(ErrorCode::InvalidRequest, problems.join("; ")))),
    };
    let password_hash = match &input.password {
        Some(password) => Some(crypto::hash_new_password(env, password).await?),
        None => None,
    };
    let object_id = AccountForms::object_id(env, account_id)?;
    let token = LinkToken::new(&object_id, crypto::random_bytes()?)
        .ok_or_else(|| worker::Error::RustError("an object id that is not 32 bytes".into()))?;
    let form = WebForm {
        id: crypto::random_id()?,
        account_id: account_id.to_owned(),
        group: input.group.clone(),
        title: input.title.clone(),
        sender: input.sender.clone(),
        method,
        password_hash,
        token_digest: token.secret_digest(),
        created_at: now_ms(),
        disabled_at: None,
        gate: Default::default(),
        sends: Default::default(),
    };
    let created = WebFormCreated {
        form: form.summary(),
        url: format!("{}/f/#{}", config::origin(env, req)?, token.encode()),
    };
    AccountForms::of(env, account_id)?.create(form).await?;
    Ok(Ok(http::json(201, &created)?))
}

async fn account(env: &Env, id: &str) -> Result<Option<signgate_core::policy::Account>> {
    if !accounts::valid_id(id) {
        return Ok(None);
    }
    accounts::load(env, id).await
}

fn no_account() -> Failure {
    fail(ErrorCode::NotFound, "There is no account with this id.")
}
