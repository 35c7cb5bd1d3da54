//! Government-ID verification providers, and where the photos wait for them.
//!
//! The provider checks the document and the selfie; the recipient's object decides from its
//! decision with our own checks (`signgate_core::id_check`). Which provider is configuration:
//!
//! - Veriff's direct-upload API: `VERIFF_API_KEY`, secret `VERIFF_SHARED_SECRET`, optional
//!   `VERIFF_API_BASE` (the local stand-in, `tests/support/veriff.mjs`, in development and tests).
//!
//! A webhook from the provider is only a signal: the decision is always read back from its API.

pub mod photos;
pub mod reports;
mod veriff;

use signgate_core::id_check::{Decision, Document, Shot};
use worker::Env;

pub use veriff::Veriff;

/// The provider this deployment asks.
#[derive(Debug)]
pub enum IdProvider {
    Veriff(Veriff),
}

pub use crate::outbound::Unavailable;

impl IdProvider {
    pub fn from_env(env: &Env) -> Option<IdProvider> {
        Veriff::from_env(env).map(IdProvider::Veriff)
    }

    /// The provider's name in the audit trail.
    pub fn name(&self) -> &'static str {
        match self {
            IdProvider::Veriff(_) => "veriff",
        }
    }

    /// Starts a check of `document` labelled `label` (our ids), hands over the photos and
    /// submits it: the provider's reference for the check.
    pub async fn check(
        &self,
        label: &str,
        document: Document,
        photos: &[(Shot, Vec<u8>)],
    ) -> Result<String, Unavailable> {
        match self {
            IdProvider::Veriff(veriff) => veriff.check(label, document, photos).await,
        }
    }

    /// The decision on `reference`, `None` while the provider has not decided.
    pub async fn decision(&self, reference: &str) -> Result<Option<Decision>, Unavailable> {
        match self {
            IdProvider::Veriff(veriff) => veriff.decision(reference).await,
        }
    }

    /// The check a webhook (`body`, with its `signature` header) is about and the label it was
    /// started with, if the webhook is the provider's own.
    pub fn webhook(&self, body: &[u8], signature: &str) -> Option<(String, String)> {
        match self {
            IdProvider::Veriff(veriff) => veriff.webhook(body, signature),
        }
    }
}
