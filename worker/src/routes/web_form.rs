//! `GET /api/v1/form` with a web form's link token (`/f/#<token>`): what a signer opening it is
//! shown first. A disabled form and one never made answer alike (`404 invalid_link`).

use signgate_core::token::LinkToken;
use signgate_core::wire::WebFormView;
use worker::{Env, Request, Response, Result};

use crate::accounts;
use crate::http::{self, bearer, invalid_link};
use crate::objects::web_forms::AccountForms;

pub async fn view(req: Request, env: &Env) -> Result<Response> {
    let Some(token) = bearer(&req).and_then(|t| LinkToken::parse(&t)) else {
        return http::error_response(&invalid_link());
    };
    // An id the runtime did not make for this kind of object is no link either.
    let Ok(forms) = AccountForms::at(env, &token.recipient_id()) else {
        return http::error_response(&invalid_link());
    };
    let form = match forms.open(&token.secret_digest()).await? {
        Ok(form) => form,
        Err(refusal) => return http::error_response(&refusal),
    };
    let Some(account) = accounts::load(env, &form.account_id).await? else {
        return http::error_response(&invalid_link());
    };
    // The account's setting as it is now: a change applies to every form at once.
    let policy = account.policy_for(form.group.as_deref());
    http::json(
        200,
        &WebFormView {
            title: form.title,
            sender: form.sender,
            password: form.password_hash.is_some(),
            email_check: policy.web_forms.email_check,
            method: form.method,
        },
    )
}
