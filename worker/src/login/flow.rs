//! A started login: its secrets in KV for ten minutes under a digest of `state` (single use is
//! decided by the recipient's object, which KV's eventual consistency cannot be trusted with, so
//! the entry simply expires and a replay always reaches the object, which refuses and audits it),
//! and a cookie that ties it to the browser that started it, so a link to someone else's
//! hand-off cannot be completed in another browser.

use serde::{Deserialize, Serialize};
use signgate_core::encoding::{base64url, constant_time_eq, hex};
use signgate_core::login::{FLOW_LIFETIME_SECS, flow_key};
use worker::{Env, Request, Result};

use crate::config::KV_BINDING;
use crate::crypto;

pub const COOKIE: &str = "signgate_login";
/// The cookie is only ever sent to the callback.
const COOKIE_PATH: &str = "/api/v1/oauth";

#[derive(Clone, Serialize, Deserialize)]
pub struct Flow {
    pub recipient_id: String,
    pub provider: String,
    pub code_verifier: String,
    pub nonce: String,
    /// SHA-256 of the browser cookie's value.
    pub browser_digest: String,
    pub redirect_uri: String,
    /// Started with `prompt=none` (platform account, skip if signed in).
    pub silent: bool,
    pub expires_at: u64,
}

impl std::fmt::Debug for Flow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flow")
            .field("recipient_id", &self.recipient_id)
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

/// The fresh secrets of a flow: `state` goes to the provider, the rest stays here.
pub struct Secrets {
    pub state: String,
    pub code_verifier: String,
    pub nonce: String,
}

impl std::fmt::Debug for Secrets {
    /// Never the values: a log must not hold what completes a login.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets").finish_non_exhaustive()
    }
}

pub fn secrets() -> Result<Secrets> {
    Ok(Secrets {
        state: base64url(&crypto::random_bytes::<32>()?),
        code_verifier: base64url(&crypto::random_bytes::<32>()?),
        nonce: base64url(&crypto::random_bytes::<24>()?),
    })
}

fn key(state_key: &str) -> String {
    format!("login:{state_key}")
}

pub async fn store(env: &Env, state: &str, flow: &Flow) -> Result<()> {
    env.kv(KV_BINDING)?
        .put(&key(&flow_key(state)), serde_json::to_string(flow)?)?
        .expiration_ttl(FLOW_LIFETIME_SECS)
        .execute()
        .await?;
    Ok(())
}

pub async fn load(env: &Env, state: &str) -> Result<Option<Flow>> {
    Ok(env
        .kv(KV_BINDING)?
        .get(&key(&flow_key(state)))
        .json()
        .await?)
}

/// A new browser binding: the cookie to set and the digest the flow keeps.
pub fn new_binding(secure: bool) -> Result<(String, String)> {
    let value = base64url(&crypto::random_bytes::<32>()?);
    let digest = hex(&sha256(value.as_bytes()));
    let cookie = format!(
        "{COOKIE}={value}; Path={COOKIE_PATH}; Max-Age={FLOW_LIFETIME_SECS}; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    );
    Ok((cookie, digest))
}

/// Whether the request comes from the browser that started `flow`.
pub fn same_browser(req: &Request, flow: &Flow) -> bool {
    let cookies = req
        .headers()
        .get("cookie")
        .ok()
        .flatten()
        .unwrap_or_default();
    cookies
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .filter(|(name, _)| *name == COOKIE)
        .any(|(_, value)| {
            constant_time_eq(
                hex(&sha256(value.as_bytes())).as_bytes(),
                flow.browser_digest.as_bytes(),
            )
        })
}

/// Clears the binding once the callback has used it.
pub fn clear_cookie() -> String {
    format!("{COOKIE}=; Path={COOKIE_PATH}; Max-Age=0; HttpOnly; SameSite=Lax")
}

fn sha256(bytes: &[u8]) -> Vec<u8> {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).to_vec()
}
