//! Talking to a provider: discovery and keys (cached in the isolate), the code exchange with PKCE,
//! the ID token's signature through WebCrypto and its claims through `signgate_core::login`, or a
//! plain OAuth 2.0 provider's profile.

use std::cell::RefCell;
use std::collections::BTreeMap;

use js_sys::{Object, Reflect};
use serde::Deserialize;
use signgate_core::encoding::base64;
use signgate_core::login::{self, Expected, Identity, LoginFailure, TokenProblem};
use signgate_core::validate;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use worker::{Fetch, Headers, Method, Request, RequestInit, RequestRedirect, Result};

use super::providers::Provider;
use crate::config::now_ms;

/// Discovery documents and key sets change rarely; providers rotate keys with overlap.
const CACHE_MS: u64 = 10 * 60 * 1000;
/// An unknown `kid` makes us fetch the keys again, at most this often.
const REFETCH_KEYS_AFTER_MS: u64 = 30 * 1000;

#[derive(Clone, Debug, Deserialize)]
struct Discovery {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
}

thread_local! {
    static DISCOVERY: RefCell<BTreeMap<String, (u64, Discovery)>> = const { RefCell::new(BTreeMap::new()) };
    static KEYS: RefCell<BTreeMap<String, (u64, Vec<serde_json::Value>)>> = const { RefCell::new(BTreeMap::new()) };
}

type Verdict<T> = std::result::Result<T, LoginFailure>;

fn provider_failure(detail: impl Into<String>) -> LoginFailure {
    LoginFailure::Provider {
        detail: detail.into(),
    }
}

async fn get_json(url: &str, bearer: Option<&str>) -> Result<Verdict<serde_json::Value>> {
    let headers = Headers::new();
    headers.set("accept", "application/json")?;
    if let Some(token) = bearer {
        headers.set("authorization", &format!("Bearer {token}"))?;
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Get)
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual);
    read_json(
        Fetch::Request(Request::new_with_init(url, &init)?)
            .send()
            .await,
    )
    .await
}

async fn read_json(response: Result<worker::Response>) -> Result<Verdict<serde_json::Value>> {
    let mut response = match response {
        Ok(response) => response,
        Err(error) => return Ok(Err(provider_failure(format!("unreachable: {error}")))),
    };
    let status = response.status_code();
    let body: Option<serde_json::Value> = response.json().await.ok();
    if !(200..300).contains(&status) {
        // OAuth errors carry a code such as invalid_grant; nothing else of the body is kept.
        let code = body
            .as_ref()
            .and_then(|b| b.get("error"))
            .and_then(|e| e.as_str())
            .map(|e| format!(" ({})", e.chars().take(40).collect::<String>()))
            .unwrap_or_default();
        return Ok(Err(provider_failure(format!("HTTP {status}{code}"))));
    }
    Ok(body.ok_or_else(|| provider_failure("the answer is not JSON")))
}

async fn discovery(provider: &Provider, issuer: &str) -> Result<Verdict<Discovery>> {
    let now = now_ms();
    let cached = DISCOVERY.with_borrow(|c| {
        c.get(issuer)
            .filter(|(at, _)| now < at + CACHE_MS)
            .map(|(_, d)| d.clone())
    });
    if let Some(found) = cached {
        return Ok(Ok(found));
    }
    let url = format!(
        "{}/.well-known/openid-configuration",
        issuer.trim_end_matches('/')
    );
    let document = match get_json(&url, None).await? {
        Ok(document) => document,
        Err(failure) => return Ok(Err(failure)),
    };
    let Ok(found) = serde_json::from_value::<Discovery>(document) else {
        return Ok(Err(provider_failure(
            "the discovery document lacks endpoints",
        )));
    };
    // OpenID Connect Discovery 4.3: the document must name the issuer it was fetched for (or,
    // multi-tenant, its template on the same host).
    if !login::discovery_matches(issuer, &found.issuer) {
        return Ok(Err(provider_failure(
            "the discovery document names another issuer",
        )));
    }
    // Its endpoints get the client secret and decide which keys count: the same rules as
    // configured URLs (https; plain http to loopback in development only).
    for url in [
        &found.authorization_endpoint,
        &found.token_endpoint,
        &found.jwks_uri,
    ] {
        if validate::url("endpoint", url, provider.allow_loopback_http).is_err() {
            return Ok(Err(provider_failure(
                "the discovery document names an unsafe endpoint",
            )));
        }
    }
    DISCOVERY.with_borrow_mut(|c| c.insert(issuer.to_string(), (now, found.clone())));
    Ok(Ok(found))
}

/// Where to send the signer, for an OpenID or a plain OAuth 2.0 provider.
pub async fn authorization_endpoint(provider: &Provider) -> Result<Verdict<String>> {
    match &provider.config.issuer {
        Some(issuer) => Ok(discovery(provider, issuer)
            .await?
            .map(|d| d.authorization_endpoint)),
        None => Ok(provider
            .config
            .authorization_endpoint
            .clone()
            .ok_or_else(|| provider_failure("no authorization endpoint"))),
    }
}

/// The signing key for `kid` from the provider's key set.
async fn key(jwks_uri: &str, kid: Option<&str>) -> Result<Verdict<serde_json::Value>> {
    let now = now_ms();
    let pick = |keys: &[serde_json::Value]| login::signing_key(keys, kid).cloned();
    let cached = KEYS.with_borrow(|c| c.get(jwks_uri).cloned());
    if let Some((at, keys)) = &cached {
        let fresh = now < at + CACHE_MS;
        if let Some(found) = pick(keys).filter(|_| fresh) {
            return Ok(Ok(found));
        }
        if fresh && now < at + REFETCH_KEYS_AFTER_MS {
            return Ok(Err(LoginFailure::Token {
                problem: TokenProblem::Signature,
            }));
        }
    }
    let set = match get_json(jwks_uri, None).await? {
        Ok(set) => set,
        Err(failure) => return Ok(Err(failure)),
    };
    let keys = login::jwks_keys(&set);
    let found = pick(&keys);
    KEYS.with_borrow_mut(|c| c.insert(jwks_uri.to_string(), (now, keys)));
    Ok(found.ok_or(LoginFailure::Token {
        problem: TokenProblem::Signature,
    }))
}

fn set(object: &Object, name: &str, value: impl Into<JsValue>) -> Result<()> {
    Reflect::set(object, &name.into(), &value.into())?;
    Ok(())
}

/// Checks a JWS signature with WebCrypto: RS256 (RSASSA-PKCS1-v1_5) or ES256 (ECDSA P-256).
async fn signature_holds(
    jwk: &serde_json::Value,
    alg: &str,
    input: &[u8],
    sig: &[u8],
) -> Result<bool> {
    let (import, verify) = (Object::new(), Object::new());
    match alg {
        "RS256" => {
            set(&import, "name", "RSASSA-PKCS1-v1_5")?;
            set(&import, "hash", "SHA-256")?;
            set(&verify, "name", "RSASSA-PKCS1-v1_5")?;
        }
        "ES256" => {
            set(&import, "name", "ECDSA")?;
            set(&import, "namedCurve", "P-256")?;
            set(&verify, "name", "ECDSA")?;
            set(&verify, "hash", "SHA-256")?;
        }
        _ => return Ok(false),
    }
    // Only the public parts, so a key set that leaks more cannot change what is imported.
    let public = Object::new();
    for field in ["kty", "n", "e", "crv", "x", "y"] {
        if let Some(value) = jwk.get(field).and_then(|v| v.as_str()) {
            set(&public, field, value)?;
        }
    }
    let subtle = crate::crypto::subtle()?;
    let usages = js_sys::Array::of1(&JsValue::from_str("verify"));
    let imported = match subtle.import_key_with_object("jwk", &public, &import, false, &usages) {
        Ok(promise) => JsFuture::from(promise).await,
        Err(error) => Err(error),
    };
    let Ok(key) = imported else {
        return Ok(false);
    };
    let key: web_sys::CryptoKey = key.unchecked_into();
    let promise = subtle.verify_with_object_and_u8_array_and_u8_array(&verify, &key, sig, input)?;
    Ok(JsFuture::from(promise).await?.as_bool().unwrap_or(false))
}

/// Exchanges the authorization code (with the PKCE verifier) and turns the answer into who the
/// signer is, or why it proves nothing.
pub async fn identity(
    provider: &Provider,
    code: &str,
    code_verifier: &str,
    redirect_uri: &str,
    nonce: &str,
) -> Result<Verdict<Identity>> {
    let config = &provider.config;
    let (token_endpoint, discovered) = match &config.issuer {
        Some(issuer) => match discovery(provider, issuer).await? {
            Ok(d) => (d.token_endpoint.clone(), Some(d)),
            Err(failure) => return Ok(Err(failure)),
        },
        None => match &config.token_endpoint {
            Some(endpoint) => (endpoint.clone(), None),
            None => return Ok(Err(provider_failure("no token endpoint"))),
        },
    };
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("grant_type", "authorization_code")
        .append_pair("code", code)
        .append_pair("redirect_uri", redirect_uri)
        .append_pair("code_verifier", code_verifier);
    let headers = Headers::new();
    headers.set("content-type", "application/x-www-form-urlencoded")?;
    headers.set("accept", "application/json")?;
    if config.client_secret_post == Some(true) {
        form.append_pair("client_id", &config.client_id)
            .append_pair("client_secret", &provider.client_secret);
    } else {
        // RFC 6749 2.3.1: both parts form-encoded before Basic.
        let encode = |s: &str| form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        let credentials = format!(
            "{}:{}",
            encode(&config.client_id),
            encode(&provider.client_secret)
        );
        headers.set(
            "authorization",
            &format!("Basic {}", base64(credentials.as_bytes())),
        )?;
        form.append_pair("client_id", &config.client_id);
    }
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_headers(headers)
        .with_redirect(RequestRedirect::Manual)
        .with_body(Some(JsValue::from_str(&form.finish())));
    let tokens = match read_json(
        Fetch::Request(Request::new_with_init(&token_endpoint, &init)?)
            .send()
            .await,
    )
    .await?
    {
        Ok(tokens) => tokens,
        Err(failure) => return Ok(Err(failure)),
    };
    match discovered {
        Some(discovery) => id_token_identity(provider, &discovery, &tokens, nonce).await,
        None => profile_identity(provider, &tokens).await,
    }
}

async fn id_token_identity(
    provider: &Provider,
    discovery: &Discovery,
    tokens: &serde_json::Value,
    nonce: &str,
) -> Result<Verdict<Identity>> {
    let token_problem = |problem| Ok(Err(LoginFailure::Token { problem }));
    let Some(jws) = tokens
        .get("id_token")
        .and_then(|t| t.as_str())
        .and_then(login::parse_jws)
    else {
        return token_problem(TokenProblem::Malformed);
    };
    if !login::ALGORITHMS.contains(&jws.alg.as_str()) {
        return token_problem(TokenProblem::Algorithm);
    }
    let jwk = match key(&discovery.jwks_uri, jws.kid.as_deref()).await? {
        Ok(jwk) => jwk,
        Err(failure) => return Ok(Err(failure)),
    };
    if !signature_holds(&jwk, &jws.alg, jws.signing_input.as_bytes(), &jws.signature).await? {
        return token_problem(TokenProblem::Signature);
    }
    let Some(issuer) = login::expected_issuer(&discovery.issuer, &jws.claims) else {
        return token_problem(TokenProblem::Issuer);
    };
    let expected = Expected {
        issuer: &issuer,
        client_id: &provider.config.client_id,
        nonce,
        now_secs: now_ms() / 1000,
    };
    if let Err(problem) = login::check_id_token(&jws.claims, &expected) {
        return token_problem(problem);
    }
    Ok(Ok(Identity::from_id_token(&provider.id, &jws.claims)))
}

async fn profile_identity(
    provider: &Provider,
    tokens: &serde_json::Value,
) -> Result<Verdict<Identity>> {
    let (Some(access_token), Some(endpoint), Some(fields)) = (
        tokens.get("access_token").and_then(|t| t.as_str()),
        provider.config.profile_endpoint.as_deref(),
        provider.config.profile.as_ref(),
    ) else {
        return Ok(Err(LoginFailure::Token {
            problem: TokenProblem::Malformed,
        }));
    };
    let profile = match get_json(endpoint, Some(access_token)).await? {
        Ok(profile) => profile,
        Err(failure) => return Ok(Err(failure)),
    };
    Ok(Identity::from_profile(&provider.id, fields, &profile)
        .map_err(|problem| LoginFailure::Token { problem }))
}
