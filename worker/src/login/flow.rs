//! A started login's secrets and its browser binding. The secrets live in the recipient's object
//! (see `objects::recipient::login`), which decides single use; the `state` names that object
//! (`signgate_core::login::flow_state`), so the callback needs no lookup in eventually consistent
//! KV. A cookie ties each login to the browser that started it, so a link to someone else's
//! hand-off cannot be completed in another browser (login CSRF). The cookie is one per browser,
//! reused by every login it starts, so a second tab does not unbind the first.

use serde::{Deserialize, Serialize};
use signgate_core::encoding::{base64url, constant_time_eq, hex};
use signgate_core::login::{FLOW_LIFETIME_SECS, flow_state};
use worker::{Request, Result};

use crate::crypto;

pub const COOKIE: &str = "signgate_login";
/// Sent to the login start (which reuses it) and to the callback (which checks it).
const COOKIE_PATH: &str = "/api/v1";

/// What the callback needs to finish a login, kept by the recipient's object until the callback
/// claims it (once).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flow {
    pub provider: String,
    pub code_verifier: String,
    pub nonce: String,
    /// SHA-256 of the browser cookie's value.
    pub browser_digest: String,
    pub redirect_uri: String,
    /// Started with `prompt=none` (platform account, skip if signed in).
    pub silent: bool,
}

impl std::fmt::Debug for Flow {
    /// Never the secrets: a log must not hold what completes a login.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Flow")
            .field("provider", &self.provider)
            .finish_non_exhaustive()
    }
}

/// The fresh secrets of a flow: `state` goes to the provider, the rest stays in the object.
pub struct Secrets {
    pub state: String,
    pub code_verifier: String,
    pub nonce: String,
}

impl std::fmt::Debug for Secrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Secrets").finish_non_exhaustive()
    }
}

/// New secrets for a login of the recipient `recipient_id`.
pub fn secrets(recipient_id: &str) -> Result<Secrets> {
    Ok(Secrets {
        state: flow_state(recipient_id, &crypto::random_bytes::<32>()?),
        code_verifier: base64url(&crypto::random_bytes::<32>()?),
        nonce: base64url(&crypto::random_bytes::<24>()?),
    })
}

/// The browser's binding: its cookie if it has a well-formed one (another tab's login), else a
/// new one. Answers the cookie to set (its lifetime renewed) and the digest a flow keeps.
pub fn binding(req: &Request, secure: bool) -> Result<(String, String)> {
    let value = match cookie_values(req).into_iter().find(|v| {
        v.len() == 43
            && v.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    }) {
        Some(existing) => existing,
        None => base64url(&crypto::random_bytes::<32>()?),
    };
    let cookie = format!(
        "{COOKIE}={value}; Path={COOKIE_PATH}; Max-Age={FLOW_LIFETIME_SECS}; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    );
    Ok((cookie, digest(&value)))
}

/// The digests of the binding cookies a request presents, for the object to compare.
pub fn presented(req: &Request) -> Vec<String> {
    cookie_values(req)
        .iter()
        .take(4)
        .map(|v| digest(v))
        .collect()
}

/// Whether one of `presented` is the binding `flow` was started with.
pub fn same_browser(presented: &[String], flow: &Flow) -> bool {
    presented
        .iter()
        .any(|d| constant_time_eq(d.as_bytes(), flow.browser_digest.as_bytes()))
}

fn cookie_values(req: &Request) -> Vec<String> {
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
        .map(|(_, value)| value.to_string())
        .collect()
}

fn digest(value: &str) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(value.as_bytes()))
}
