//! A started login's secrets and its browser binding. The secrets live in the recipient's object
//! (see `objects::recipient::login`), which decides single use; the `state` names that object
//! (`signgate_core::login::flow_state`), so the callback needs no lookup in eventually consistent
//! KV. A cookie ties each login to the browser that started it, so a link to someone else's
//! hand-off cannot be completed in another browser (login CSRF). The cookie is one per browser,
//! reused by every login it starts, so a second tab does not unbind the first.

use serde::{Deserialize, Serialize};
use signgate_core::encoding::base64url;
use signgate_core::login::flow_state;
use worker::{Request, Result};

use crate::{crypto, device};

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

/// The browser's login binding (reused from another tab's login if it has one): the cookie to
/// set and the digest a flow keeps.
pub fn binding(req: &Request, secure: bool) -> Result<(String, String)> {
    device::LOGIN.issue(req, secure, true)
}

/// The digests of the login binding cookies a request presents, for the object to compare.
pub fn presented(req: &Request) -> Vec<String> {
    device::LOGIN.presented(req)
}

/// Whether one of `presented` is the binding `flow` was started with.
pub fn same_browser(presented: &[String], flow: &Flow) -> bool {
    device::matches(presented, &flow.browser_digest)
}
