//! `GET /api/v1/recipient` with `Authorization: Bearer <link token>`: what the app shows.

use signgate_core::token::LinkToken;
use signgate_core::wire::{ProviderOption, RecipientView};
use worker::{Env, Request, Response, Result};

use crate::accounts;
use crate::config::RECIPIENTS_BINDING;
use crate::device;
use crate::http::{self, Failure, bearer, invalid_link, respond};
use crate::login::providers;
use crate::objects::recipient::{RecipientCall, ViewReply};
use crate::objects::{call, stub};

pub async fn get(req: Request, env: &Env) -> Result<Response> {
    respond(view(&req, env).await?)
}

async fn view(req: &Request, env: &Env) -> Result<std::result::Result<Response, Failure>> {
    let Some((token, recipient)) = recipient_for(req, env) else {
        return Ok(Err(invalid_link()));
    };
    let presented = device::VERIFIED.presented(req);
    let reply: ViewReply = match call(&recipient, &RecipientCall::View { token, presented }).await?
    {
        Ok(reply) => reply,
        Err(error) => return Ok(Err(Box::new(error))),
    };
    let mut view: RecipientView = reply.view;
    view.support_contact = accounts::load(env, &reply.account_id)
        .await?
        .and_then(|a| a.policy.support_contact);
    if !reply.login_providers.is_empty() {
        // Only what the policy allows and this deployment has set up.
        let configured = providers::all(env)?;
        view.providers = reply
            .login_providers
            .iter()
            .filter_map(|id| configured.get(id))
            .map(|p| ProviderOption {
                id: p.id.clone(),
                name: p.name(env),
            })
            .collect();
    }
    Ok(Ok(http::json(200, &view)?))
}

/// The token from the request and the stub of the recipient object it names. Malformed tokens and
/// ids the runtime rejects are the same as unknown ones: an invalid link.
pub fn recipient_for(req: &Request, env: &Env) -> Option<(String, worker::Stub)> {
    let token = bearer(req)?;
    let parsed = LinkToken::parse(&token)?;
    let recipient = stub(env, RECIPIENTS_BINDING, &parsed.recipient_id()).ok()?;
    Some((token, recipient))
}
