//! The audit trail: every event of an agreement, never a code or a password.

use serde::{Deserialize, Serialize};

use crate::login::LoginFailure;
use crate::otp::Channel;
use crate::policy::Method;
use crate::verification::ExpiryReason;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEvent {
    /// Milliseconds since the Unix epoch.
    pub at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recipient_id: Option<String>,
    #[serde(flatten)]
    pub kind: AuditKind,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AuditKind {
    AgreementCreated {
        recipients: usize,
    },
    /// The signer opened their link; `method_shown` is the method put before them (none when the
    /// link was already verified or cancelled). Reopening within a minute is the same event.
    LinkOpened {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        method_shown: Option<Method>,
    },
    /// A code went out; `destination` is masked (`…4567`, `a…@example.com`).
    CodeSent {
        channel: Channel,
        destination: String,
    },
    /// The carrier or mail service refused a code; the code was withdrawn.
    CodeDeliveryFailed {
        channel: Channel,
        error: String,
    },
    /// Too many wrong entries voided every outstanding code (e-mail code).
    CodesVoided {
        method: Method,
    },
    /// A verification ran out (maximum age, inactivity, or an account reset): verify again.
    VerificationExpired {
        method: Method,
        reason: ExpiryReason,
    },
    /// The signer was sent to an identity provider.
    LoginStarted {
        provider: String,
    },
    /// A hand-off that did not verify the signer.
    LoginFailed {
        provider: String,
        #[serde(flatten)]
        failure: LoginFailure,
    },
    /// Who the provider vouched for (recorded whether or not it matched the recipient).
    IdentityProven {
        provider: String,
        subject: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        email: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        profile_url: Option<String>,
    },
    /// A wrong entry that counted.
    VerificationFailed {
        method: Method,
        failures: u32,
        tries_left: Option<u32>,
    },
    Verified {
        method: Method,
    },
    /// An entry refused without being checked (locked, cancelled or throttled).
    AttemptRefused {
        method: Method,
        reason: RefusalReason,
    },
    AgreementCancelled {
        reason: CancelReason,
    },
    WebhookDelivered {
        event: String,
        status: u16,
    },
    WebhookFailed {
        event: String,
        attempt: u32,
        error: String,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefusalReason {
    Cancelled,
    Throttled,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CancelReason {
    TooManyFailedAttempts,
}
