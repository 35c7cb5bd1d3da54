//! `POST /api/v1/recipient/login/start`: register a hand-off to an identity provider and answer
//! where to send the signer (plus a cookie binding it to this browser).
//! `POST /api/v1/recipient/login/finish`: collect the grant of a finished hand-off, once.

use signgate_core::login::{self, AuthorizationRequest, FLOW_LIFETIME_SECS, flow_key};
use signgate_core::token::LinkToken;
use signgate_core::wire::{ErrorCode, LoginStarted, StartLogin, VerifiedResponse};
use worker::{Env, Request, Response, Result};

use super::recipient_view::recipient_for;
use crate::config::{self, now_ms};
use crate::http::{self, Failure, MAX_RECIPIENT_BODY, fail, invalid_link, read_json, respond};
use crate::login::flow::{self, Flow};
use crate::login::{oidc, providers};
use crate::objects::call;
use crate::objects::recipient::{LoginPlan, RecipientCall};
use crate::throttle::{Throttle, throttled};

pub const CALLBACK_PATH: &str = "/api/v1/oauth/callback";

pub async fn start(mut req: Request, env: &Env) -> Result<Response> {
    respond(start_login(&mut req, env).await?)
}

pub async fn finish(req: Request, env: &Env) -> Result<Response> {
    let Some((token, recipient)) = recipient_for(&req, env) else {
        return http::error_response(&invalid_link());
    };
    http::answer(
        call::<_, VerifiedResponse>(&recipient, &RecipientCall::CollectLogin { token }).await?,
    )
}

async fn start_login(
    req: &mut Request,
    env: &Env,
) -> Result<std::result::Result<Response, Failure>> {
    let Some((token, recipient)) = recipient_for(req, env) else {
        return Ok(Err(invalid_link()));
    };
    let input: StartLogin = match read_json(req, MAX_RECIPIENT_BODY).await {
        Ok(input) => input,
        Err(failure) => return Ok(Err(failure)),
    };
    // Each start is a KV write, an audit event and maybe a fetch: the per-IP throttle of sends
    // covers starts too.
    if let Some(failure) = throttled(req, env, Throttle::LoginStarts).await? {
        return Ok(Err(failure));
    }
    let Some(provider) = providers::get(env, &input.provider)? else {
        return Ok(Err(fail(
            ErrorCode::NotConfigured,
            "Signing in this way is not set up here. Please choose another way or ask the sender.",
        )));
    };
    let endpoint = match oidc::authorization_endpoint(&provider).await? {
        Ok(endpoint) => endpoint,
        Err(failure) => {
            worker::console_error!("login provider {} unavailable: {failure:?}", provider.id);
            return Ok(Err(unavailable()));
        }
    };
    let secrets = flow::secrets()?;
    let key = flow_key(&secrets.state);
    let expires_at = now_ms() + FLOW_LIFETIME_SECS * 1000;
    let started = RecipientCall::StartLogin {
        token: token.clone(),
        provider: provider.id.clone(),
        key,
        expires_at,
    };
    let plan: LoginPlan = match call(&recipient, &started).await? {
        Ok(plan) => plan,
        Err(error) => return Ok(Err(Box::new(error))),
    };
    let origin = config::origin(env, req)?;
    let (cookie, browser_digest) = flow::new_binding(origin.starts_with("https://"))?;
    let recipient_id = LinkToken::parse(&token)
        .map(|t| t.recipient_id())
        .ok_or_else(|| worker::Error::RustError("token parsed above".into()))?;
    let flow = Flow {
        recipient_id,
        provider: provider.id.clone(),
        code_verifier: secrets.code_verifier.clone(),
        nonce: secrets.nonce.clone(),
        browser_digest,
        redirect_uri: format!("{origin}{CALLBACK_PATH}"),
        silent: plan.prompt.as_deref() == Some("none"),
        expires_at,
    };
    flow::store(env, &secrets.state, &flow).await?;
    let authorization_url = authorization_url(&provider, &endpoint, &flow, &secrets.state, &plan);
    let mut response = http::json(200, &LoginStarted { authorization_url })?;
    response.headers_mut().set("set-cookie", &cookie)?;
    Ok(Ok(response))
}

/// The provider's authorization URL for a stored flow.
pub fn authorization_url(
    provider: &providers::Provider,
    endpoint: &str,
    flow: &Flow,
    state: &str,
    plan: &LoginPlan,
) -> String {
    let challenge = login::pkce_challenge(&flow.code_verifier);
    AuthorizationRequest {
        endpoint,
        client_id: &provider.config.client_id,
        redirect_uri: &flow.redirect_uri,
        scope: provider
            .config
            .scope
            .as_deref()
            .unwrap_or("openid email profile"),
        state,
        nonce: provider.config.is_oidc().then_some(flow.nonce.as_str()),
        code_challenge: &challenge,
        login_hint: plan.login_hint.as_deref(),
        prompt: plan.prompt.as_deref(),
    }
    .url()
}

pub fn unavailable() -> Failure {
    fail(
        ErrorCode::ProviderUnavailable,
        "The sign-in service cannot be reached just now. Please try again in a moment.",
    )
}
