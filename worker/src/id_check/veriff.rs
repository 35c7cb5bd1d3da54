//! Veriff's direct-upload API over HTTP (`tests/support/veriff-api.md`): a session, one upload
//! per photo, the submission, and the decision read back. Every request is signed with the
//! shared secret (`signgate_core::id_check::veriff`).

use std::time::Duration;

use signgate_core::id_check::veriff::{
    SUBMIT_BODY, media_body, read_decision, session_body, session_id, signature, signed,
    vendor_data,
};
use signgate_core::id_check::{Decision, Document, Shot};
use wasm_bindgen::JsValue;
use worker::{Env, Headers, Method, Request, RequestInit, RequestRedirect};

use super::Unavailable;
use crate::config::{self, setting};

const DEFAULT_API_BASE: &str = "https://stationapi.veriff.com";
/// Each exchange, body included; an upload of a large photo on a slow link needs more than a
/// question does.
const ANSWER_WITHIN: Duration = Duration::from_secs(20);
const MAX_ANSWER_BYTES: usize = 256 * 1024;

pub struct Veriff {
    api_base: String,
    api_key: String,
    shared_secret: String,
}

impl std::fmt::Debug for Veriff {
    /// Leaves the secret out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Veriff")
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

impl Veriff {
    /// The configured integration; `None` without its key and secret, or with an API base that
    /// is not `https` (plain `http` on loopback only on a development stack).
    pub fn from_env(env: &Env) -> Option<Veriff> {
        Some(Veriff {
            api_base: config::provider_api_base(env, "VERIFF_API_BASE", DEFAULT_API_BASE)?,
            api_key: setting(env, "VERIFF_API_KEY")?,
            shared_secret: setting(env, "VERIFF_SHARED_SECRET")?,
        })
    }

    pub async fn check(
        &self,
        label: &str,
        document: Document,
        photos: &[(Shot, Vec<u8>)],
    ) -> Result<String, Unavailable> {
        let created = self
            .send(Method::Post, "/v1/sessions", session_body(label, document))
            .await?;
        let id = session_id(&created)
            .ok_or_else(|| Unavailable("the new session's answer has no id".into()))?;
        let id = path_safe(&id)?;
        for (shot, jpeg) in photos {
            self.send(
                Method::Post,
                &format!("/v1/sessions/{id}/media"),
                media_body(*shot, jpeg),
            )
            .await?;
        }
        self.send(
            Method::Patch,
            &format!("/v1/sessions/{id}"),
            SUBMIT_BODY.into(),
        )
        .await?;
        Ok(id)
    }

    pub async fn decision(&self, reference: &str) -> Result<Option<Decision>, Unavailable> {
        let path = format!("/v1/sessions/{}/decision", path_safe(reference)?);
        let signed = signature(self.shared_secret.as_bytes(), reference.as_bytes());
        let answer = self.exchange(Method::Get, &path, None, signed).await?;
        read_decision(&answer).map_err(|e| Unavailable(format!("the decision was unreadable: {e}")))
    }

    pub fn webhook(&self, body: &[u8], header: &str) -> Option<(String, String)> {
        if !signed(self.shared_secret.as_bytes(), body, header) {
            return None;
        }
        Some((session_id(body)?, vendor_data(body)?))
    }

    async fn send(&self, method: Method, path: &str, body: String) -> Result<Vec<u8>, Unavailable> {
        let signed = signature(self.shared_secret.as_bytes(), body.as_bytes());
        self.exchange(method, path, Some(body), signed).await
    }

    /// One request with its `signature` (of the body, or of the session id for a GET), answered
    /// within the time, its answer capped.
    async fn exchange(
        &self,
        method: Method,
        path: &str,
        body: Option<String>,
        signature: String,
    ) -> Result<Vec<u8>, Unavailable> {
        let url = format!("{}{path}", self.api_base);
        let request = (|| {
            let headers = Headers::new();
            headers.set("content-type", "application/json")?;
            headers.set("x-auth-client", &self.api_key)?;
            headers.set("x-hmac-signature", &signature)?;
            let mut init = RequestInit::new();
            // Photos of a document never follow a redirect.
            init.with_method(method)
                .with_redirect(RequestRedirect::Manual)
                .with_headers(headers);
            if let Some(body) = body {
                init.with_body(Some(JsValue::from_str(&body)));
            }
            Request::new_with_init(&url, &init)
        })()
        .map_err(|e| Unavailable(format!("the request could not be made: {e}")))?;
        crate::outbound::exchange(request, ANSWER_WITHIN, MAX_ANSWER_BYTES).await
    }
}

/// A reference the provider gave, fit for a URL path (it is the provider's, not the signer's,
/// but it goes into a path all the same).
fn path_safe(reference: &str) -> Result<String, Unavailable> {
    if !reference.is_empty()
        && reference
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        Ok(reference.to_owned())
    } else {
        Err(Unavailable("the provider's reference is not an id".into()))
    }
}
