//! Knowledge-question providers: who finds the signer in public records, asks the questions and
//! counts the wrong answers. The recipient's object decides everything from those counts
//! (`signgate_core::kba`). Which provider is configuration:
//!
//! - IDology ExpectID IQ: `IDOLOGY_USERNAME`, secret `IDOLOGY_PASSWORD`, optional
//!   `IDOLOGY_API_BASE` (the local stand-in, `tests/support/idology.mjs`, in development and tests).
//!
//! The signer's personal data goes to the provider and nowhere else: it is not stored, logged or
//! put in an error message.

mod idology;

use signgate_core::kba::Subject;
use signgate_core::kba::idology::Answer;
use worker::Env;

pub use idology::Idology;

/// The provider this deployment asks.
#[derive(Debug)]
pub enum KbaProvider {
    Idology(Idology),
}

pub use crate::outbound::Unavailable;

impl KbaProvider {
    pub fn from_env(env: &Env) -> Option<KbaProvider> {
        Idology::from_env(env).map(KbaProvider::Idology)
    }

    /// The provider's name in the audit trail.
    pub fn name(&self) -> &'static str {
        match self {
            KbaProvider::Idology(_) => "idology",
        }
    }

    /// Finds the signer and asks the first questions.
    pub async fn ask(&self, subject: &Subject) -> Result<Answer, Unavailable> {
        match self {
            KbaProvider::Idology(idology) => idology.ask(subject).await,
        }
    }

    /// Scores `answers` (`(question id, chosen text)`) to the round of transaction `reference`.
    pub async fn score(
        &self,
        reference: &str,
        follow_up: bool,
        answers: &[(String, String)],
    ) -> Result<Answer, Unavailable> {
        match self {
            KbaProvider::Idology(idology) => idology.score(reference, follow_up, answers).await,
        }
    }

    /// Asks the two follow-up questions of transaction `reference`.
    pub async fn follow_ups(&self, reference: &str) -> Result<Answer, Unavailable> {
        match self {
            KbaProvider::Idology(idology) => idology.follow_ups(reference).await,
        }
    }
}
