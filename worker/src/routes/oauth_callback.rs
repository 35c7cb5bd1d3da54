//! `GET /api/v1/oauth/callback`: where identity providers send the signer back. Every ending is a
//! redirect to the app, `/s#login=<outcome>` (the link token stays in the tab's session storage),
//! except a silent platform login that found no session, which goes back to the provider once
//! more with a prompt.

use signgate_core::login::{self, FLOW_LIFETIME_SECS, Identity, LoginFailure, flow_key};
use signgate_core::wire::{ErrorCode, LoginOutcome};
use worker::{Env, Request, Response, Result, Stub};

use super::login::authorization_url;
use crate::config::{RECIPIENTS_BINDING, now_ms};
use crate::http;
use crate::login::flow::{self, Flow};
use crate::login::{oidc, providers};
use crate::objects::recipient::{LoginPlan, RecipientCall};
use crate::objects::{call, stub};
use crate::throttle::{Throttle, throttled};

/// Errors that mean "not signed in there" after `prompt=none` (OpenID Connect Core 3.1.2.6).
const NEEDS_PROMPT: &[&str] = &[
    "login_required",
    "interaction_required",
    "consent_required",
    "account_selection_required",
];

enum Next {
    /// Back to the app with how it ended.
    App(LoginOutcome),
    /// Back to the provider (the silent attempt needs a prompt).
    Provider(String),
}

pub async fn get(req: Request, env: &Env) -> Result<Response> {
    // Each answer may write to a recipient's object: the per-IP throttle of entries comes first.
    if let Some(failure) = throttled(&req, env, Throttle::Checks).await? {
        return http::error_response(&failure);
    }
    // Whatever fails in here, the signer lands on a clear screen, not on a bare error.
    let next = handle(&req, env).await.unwrap_or_else(|error| {
        worker::console_error!("login callback failed: {error}");
        Next::App(LoginOutcome::Failed)
    });
    let location = match next {
        Next::App(outcome) => format!("/s#login={}", outcome.name()),
        Next::Provider(url) => url,
    };
    let mut response = Response::empty()?.with_status(303);
    // The binding cookie stays: another tab's login in this browser may still need it.
    response.headers_mut().set("location", &location)?;
    Ok(response)
}

async fn handle(req: &Request, env: &Env) -> Result<Next> {
    let Some(params) = login::callback_params(req.url()?.query().unwrap_or_default()) else {
        return Ok(Next::App(LoginOutcome::Failed));
    };
    let Some(state) = params.get("state") else {
        return Ok(Next::App(LoginOutcome::Expired));
    };
    // The state names the recipient's object, which holds the flow and lets it be claimed once,
    // by the browser that started it.
    let Some(recipient_id) = login::state_recipient(state) else {
        return Ok(Next::App(LoginOutcome::Expired));
    };
    let key = flow_key(state);
    let recipient = stub(env, RECIPIENTS_BINDING, recipient_id)?;
    let claim = RecipientCall::ClaimLogin {
        key: key.clone(),
        browser: flow::presented(req),
    };
    let flow: Flow = match call(&recipient, &claim).await? {
        Ok(flow) => flow,
        Err(refusal) => {
            return Ok(Next::App(match refusal.code {
                ErrorCode::Cancelled => LoginOutcome::Cancelled,
                _ => LoginOutcome::Expired,
            }));
        }
    };
    let Some(provider) = providers::get(env, &flow.provider)? else {
        let failure = LoginFailure::Provider {
            detail: "the provider is no longer set up".into(),
        };
        return complete(&recipient, key, Err(failure)).await;
    };

    if let Some(error) = params.get("error") {
        // Only the registered error code is kept (it goes to the audit trail).
        let error: String = error
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(40)
            .collect();
        if flow.silent && NEEDS_PROMPT.contains(&error.as_str()) {
            return restart(&recipient, recipient_id, &key, &provider, &flow).await;
        }
        let failure = match error.as_str() {
            "access_denied" => LoginFailure::Denied,
            _ => LoginFailure::Provider {
                detail: format!("the provider answered {error}"),
            },
        };
        return complete(&recipient, key, Err(failure)).await;
    }
    // RFC 9207: an `iss` in the answer must be the provider's (no mix-up with another one).
    if let (Some(iss), Some(issuer)) = (params.get("iss"), provider.config.issuer.as_ref())
        && !signgate_core::login::response_issuer_matches(issuer, iss)
    {
        let failure = LoginFailure::Provider {
            detail: "the answer names another issuer".into(),
        };
        return complete(&recipient, key, Err(failure)).await;
    }
    let Some(code) = params.get("code") else {
        let failure = LoginFailure::Provider {
            detail: "the answer has no code".into(),
        };
        return complete(&recipient, key, Err(failure)).await;
    };
    let identity = oidc::identity(
        &provider,
        code,
        &flow.code_verifier,
        &flow.redirect_uri,
        &flow.nonce,
    )
    .await
    .unwrap_or_else(|error| {
        // A fault of ours (WebCrypto, a malformed URL): audited as a failed hand-off.
        Err(LoginFailure::Provider {
            detail: format!("the answer could not be checked: {error}"),
        })
    });
    complete(&recipient, key, identity).await
}

async fn complete(
    recipient: &Stub,
    key: String,
    result: std::result::Result<Identity, LoginFailure>,
) -> Result<Next> {
    let outcome = call::<_, LoginOutcome>(recipient, &RecipientCall::CompleteLogin { key, result })
        .await?
        .unwrap_or(LoginOutcome::Failed);
    Ok(Next::App(outcome))
}

/// The silent attempt found no session: the same provider again, with a prompt, in a new flow
/// bound to the same browser.
async fn restart(
    recipient: &Stub,
    recipient_id: &str,
    claimed: &str,
    provider: &providers::Provider,
    old: &Flow,
) -> Result<Next> {
    let endpoint = match oidc::authorization_endpoint(provider).await? {
        Ok(endpoint) => endpoint,
        Err(failure) => return complete(recipient, claimed.to_string(), Err(failure)).await,
    };
    let secrets = flow::secrets(recipient_id)?;
    let flow = Flow {
        code_verifier: secrets.code_verifier.clone(),
        nonce: secrets.nonce.clone(),
        silent: false,
        ..old.clone()
    };
    let again = RecipientCall::RestartLogin {
        claimed: claimed.to_string(),
        key: flow_key(&secrets.state),
        expires_at: now_ms() + FLOW_LIFETIME_SECS * 1000,
        flow: Box::new(flow.clone()),
    };
    let plan: LoginPlan = match call(recipient, &again).await? {
        Ok(plan) => plan,
        Err(_) => return Ok(Next::App(LoginOutcome::Expired)),
    };
    Ok(Next::Provider(authorization_url(
        provider,
        &endpoint,
        &flow,
        &secrets.state,
        &plan,
    )))
}
