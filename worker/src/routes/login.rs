//! `POST /api/v1/recipient/login/start`: register a hand-off to an identity provider and answer
//! where to send the signer (plus the cookie binding it to this browser).
//! `POST /api/v1/recipient/login/finish`: collect the grant of a finished hand-off, once.

use signgate_core::login::{self, AuthorizationRequest, FLOW_LIFETIME_SECS, flow_key};
use signgate_core::token::LinkToken;
use signgate_core::wire::{ErrorCode, LoginStarted, StartLogin, VerifiedResponse};
use worker::{Env, Request, Response, Result};

use super::recipient_view::recipient_for;
use crate::config::{self, now_ms};
use crate::device;
use crate::http::{self, Failure, MAX_RECIPIENT_BODY, fail, invalid_link, read_json, respond};
use crate::login::flow::{self, Flow};
use crate::login::{oidc, providers};
use crate::objects::recipient::{LoginPlan, RecipientCall};
use crate::objects::{self, call};
use crate::throttle::{Throttle, throttled};

pub const CALLBACK_PATH: &str = "/api/v1/oauth/callback";

pub async fn start(mut req: Request, env: &Env) -> Result<Response> {
    respond(start_login(&mut req, env).await?)
}

pub async fn finish(req: Request, env: &Env) -> Result<Response> {
    let Some((token, recipient)) = recipient_for(&req, env) else {
        return http::error_response(&invalid_link());
    };
    let (cookie, device) = device::new_verification(env, &req)?;
    let collect = RecipientCall::CollectLogin {
        token,
        browser: flow::presented(&req),
        device,
    };
    let answer = call::<_, VerifiedResponse>(&recipient, &collect).await?;
    device::verification_answer(answer, &cookie)
}

/// The link is checked (by the recipient's object, which also registers the flow and keeps its
/// secrets) before any work for the provider: discovery comes last.
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
    // Each start is stored state, an audit event and maybe a fetch: a per-IP throttle first.
    if let Some(failure) = throttled(req, env, Throttle::LoginStarts).await? {
        return Ok(Err(failure));
    }
    let provider = providers::get(env, &input.provider)?;
    let recipient_id = LinkToken::parse(&token)
        .map(|t| t.recipient_id())
        .ok_or_else(|| worker::Error::RustError("token parsed above".into()))?;
    let origin = config::origin(env, req)?;
    let (cookie, browser_digest) = flow::binding(req, origin.starts_with("https://"))?;
    let secrets = flow::secrets(&recipient_id)?;
    let flow = Flow {
        provider: input.provider.clone(),
        code_verifier: secrets.code_verifier.clone(),
        nonce: secrets.nonce.clone(),
        browser_digest,
        redirect_uri: format!("{origin}{CALLBACK_PATH}"),
        // The object decides (a silent first try for the platform account).
        silent: false,
    };
    let started = RecipientCall::StartLogin(Box::new(objects::recipient::StartLogin {
        token,
        configured: provider.is_some(),
        key: flow_key(&secrets.state),
        expires_at: now_ms() + FLOW_LIFETIME_SECS * 1000,
        flow: flow.clone(),
        presented: device::VERIFIED.presented(req),
    }));
    let plan: LoginPlan = match call(&recipient, &started).await? {
        Ok(plan) => plan,
        Err(error) => return Ok(Err(Box::new(error))),
    };
    let provider =
        provider.ok_or_else(|| worker::Error::RustError("checked by the object".into()))?;
    let endpoint = match oidc::authorization_endpoint(&provider).await? {
        Ok(endpoint) => endpoint,
        Err(failure) => {
            // The registered flow expires unused.
            worker::console_error!("login provider {} unavailable: {failure:?}", provider.id);
            return Ok(Err(unavailable()));
        }
    };
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
