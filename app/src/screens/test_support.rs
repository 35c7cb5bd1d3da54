//! Fixtures the screens' unit tests share, so each test module builds only what is its own.

use signgate_core::kba::Subject;
use signgate_core::policy::Method;
use signgate_core::wire::{
    ApiError, Contact, ErrorCode, RecipientState, RecipientView, VerifiedResponse,
};

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
        recovery_code: None,
    }
}

/// A KBA link whose help contact is [`contact`].
pub fn recipient() -> RecipientView {
    RecipientView {
        state: RecipientState::Pending,
        sender: Contact {
            name: "Ada".into(),
            email: "ada@example.com".into(),
        },
        support_contact: None,
        method: Some(Method::Kba),
        recipient_name: Some("Ada Lovelace".into()),
        recipient_email: None,
        agreement_title: None,
        tries_left: Some(3),
        phone_last4: None,
        codes: None,
        providers: Vec::new(),
        preview: false,
        new_devices: false,
    }
}

/// The details the local IDology stand-in knows.
pub fn subject() -> Subject {
    Subject {
        first_name: "Ada".into(),
        last_name: "Lovelace".into(),
        address: "12 Analytical Way".into(),
        city: "Springfield".into(),
        state: "IL".into(),
        zip: "62701".into(),
        date_of_birth: "1985-12-10".into(),
        ssn_last4: Some("1234".into()),
    }
}
