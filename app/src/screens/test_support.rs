//! Fixtures the screens' unit tests share, so each test module builds only what is its own.

use signgate_core::wire::{ApiError, ErrorCode, VerifiedResponse};

use crate::api::Failure;
use crate::contact::HelpContact;

/// The sender, as the help link shows them.
pub fn contact() -> HelpContact {
    HelpContact {
        who: "Ada".into(),
        is_support: false,
        href: "mailto:ada@example.com".into(),
    }
}

/// The worker's refusal, with the counts it may add to one.
pub fn refusal(code: ErrorCode, tries_left: Option<u32>, retry_after_secs: Option<u64>) -> Failure {
    Failure::Refused(ApiError {
        code,
        message: String::new(),
        tries_left,
        retry_after_secs,
    })
}

/// A right entry or a finished login, with the grant the continue link must carry.
pub fn verified(continue_url: Option<&str>) -> VerifiedResponse {
    VerifiedResponse {
        grant: "g.r.a.n.t".into(),
        grant_expires_at: 0,
        continue_url: continue_url.map(Into::into),
        signature_name: None,
    }
}
