//! Request and response bodies of the worker's APIs, shared by the worker and the app.

use serde::{Deserialize, Serialize};

use crate::audit::{AuditEvent, CancelReason};
use crate::otp::Channel;
use crate::policy::Method;

// ---- errors -------------------------------------------------------------------------------------

/// Every error the worker returns: a stable code for programs, a message for people.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tries_left: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_secs: Option<u64>,
}

// The wire names are written once, in `ErrorCode::name`, which serialising and reading both go
// through: serde's derive would carry each name twice more in every wasm binary that reads
// errors, and the signer's app counts its bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(
    feature = "schema",
    derive(schemars::JsonSchema),
    serde(rename_all = "snake_case")
)]
pub enum ErrorCode {
    MalformedJson,
    InvalidRequest,
    BodyTooLarge,
    UnsupportedMediaType,
    Unauthorized,
    NotFound,
    MethodNotAllowed,
    /// Unknown, malformed or expired link token.
    InvalidLink,
    WrongPassword,
    /// What was typed cannot be a password (not counted as a try).
    InvalidPassword,
    /// The agreement is cancelled; nothing more is checked.
    Cancelled,
    AlreadyVerified,
    /// The thing changed since the caller read it (a recipient replaced meanwhile, links expired).
    Conflict,
    Throttled,
    /// The recipient's method is not the one this request is for.
    WrongMethod,
    WrongCode,
    /// What was typed cannot be a code (not counted as a try).
    InvalidCode,
    /// No code is valid now (none sent, expired, or voided): request a new one.
    NoCode,
    /// That wrong entry was one too many: every code is void; request a new one.
    CodesVoided,
    /// A new code cannot be sent yet; `retry_after_secs` says when.
    ResendTooSoon,
    /// The carrier or mail service did not take the message.
    DeliveryFailed,
    /// This deployment has no way to send codes by that channel, or no such login provider.
    NotConfigured,
    /// No finished login is waiting to be collected.
    NoLogin,
    /// The identity provider cannot be reached or answered nonsense.
    ProviderUnavailable,
    /// Not all knowledge questions were answered right: the try failed (which ones is never said).
    WrongAnswers,
    /// The knowledge-question provider cannot find or ask this signer: ask the sender.
    NotEligible,
    /// The questions' time ran out, or they were left unanswered: that try counted as failed.
    QuestionsExpired,
    /// No questions are waiting for these answers (answered already, or never asked).
    NoQuestions,
    /// No ID check session this credential may act in: it ended (passed, failed, out of time) or
    /// never included it. Begin again from the signing link.
    NoIdSession,
    /// The ID check's photos are not all there, or were handed over and are being checked.
    PhotosNotReady,
    /// A passkey's answer did not hold (challenge, origin, signature, or a cloned authenticator).
    PasskeyRefused,
    /// The account's policy wants a passkey on this device before the document: register one
    /// (the device page), then go on.
    PasskeyRequired,
    /// The account's policy does not allow this (pairing, passkeys).
    NotAllowed,
    /// A web form rests after too many wrong form passwords; `retry_after_secs` says how long.
    FormResting,
    /// A web form's entry is over (too many wrong codes, or its time ran out): begin again from
    /// the form.
    EntryEnded,
    Internal,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 36] = [
        Self::MalformedJson,
        Self::InvalidRequest,
        Self::BodyTooLarge,
        Self::UnsupportedMediaType,
        Self::Unauthorized,
        Self::NotFound,
        Self::MethodNotAllowed,
        Self::InvalidLink,
        Self::WrongPassword,
        Self::InvalidPassword,
        Self::Cancelled,
        Self::AlreadyVerified,
        Self::Conflict,
        Self::Throttled,
        Self::WrongMethod,
        Self::WrongCode,
        Self::InvalidCode,
        Self::NoCode,
        Self::CodesVoided,
        Self::ResendTooSoon,
        Self::DeliveryFailed,
        Self::NotConfigured,
        Self::NoLogin,
        Self::ProviderUnavailable,
        Self::WrongAnswers,
        Self::NotEligible,
        Self::QuestionsExpired,
        Self::NoQuestions,
        Self::NoIdSession,
        Self::PhotosNotReady,
        Self::PasskeyRefused,
        Self::PasskeyRequired,
        Self::NotAllowed,
        Self::FormResting,
        Self::EntryEnded,
        Self::Internal,
    ];

    /// The name on the wire (`"invalid_link"`).
    pub fn name(self) -> &'static str {
        match self {
            Self::MalformedJson => "malformed_json",
            Self::InvalidRequest => "invalid_request",
            Self::BodyTooLarge => "body_too_large",
            Self::UnsupportedMediaType => "unsupported_media_type",
            Self::Unauthorized => "unauthorized",
            Self::NotFound => "not_found",
            Self::MethodNotAllowed => "method_not_allowed",
            Self::InvalidLink => "invalid_link",
            Self::WrongPassword => "wrong_password",
            Self::InvalidPassword => "invalid_password",
            Self::Cancelled => "cancelled",
            Self::AlreadyVerified => "already_verified",
            Self::Conflict => "conflict",
            Self::Throttled => "throttled",
            Self::WrongMethod => "wrong_method",
            Self::WrongCode => "wrong_code",
            Self::InvalidCode => "invalid_code",
            Self::NoCode => "no_code",
            Self::CodesVoided => "codes_voided",
            Self::ResendTooSoon => "resend_too_soon",
            Self::DeliveryFailed => "delivery_failed",
            Self::NotConfigured => "not_configured",
            Self::NoLogin => "no_login",
            Self::ProviderUnavailable => "provider_unavailable",
            Self::WrongAnswers => "wrong_answers",
            Self::NotEligible => "not_eligible",
            Self::QuestionsExpired => "questions_expired",
            Self::NoQuestions => "no_questions",
            Self::NoIdSession => "no_id_session",
            Self::PhotosNotReady => "photos_not_ready",
            Self::PasskeyRefused => "passkey_refused",
            Self::PasskeyRequired => "passkey_required",
            Self::NotAllowed => "not_allowed",
            Self::FormResting => "form_resting",
            Self::EntryEnded => "entry_ended",
            Self::Internal => "internal",
        }
    }

    pub fn status(self) -> u16 {
        match self {
            Self::MalformedJson | Self::InvalidRequest => 400,
            Self::Unauthorized => 401,
            Self::WrongPassword
            | Self::WrongCode
            | Self::CodesVoided
            | Self::WrongAnswers
            | Self::PasskeyRefused
            | Self::PasskeyRequired
            | Self::NotAllowed => 403,
            Self::NotFound | Self::InvalidLink => 404,
            Self::MethodNotAllowed => 405,
            Self::Cancelled
            | Self::AlreadyVerified
            | Self::Conflict
            | Self::WrongMethod
            | Self::NoCode
            | Self::NoLogin
            | Self::NotEligible
            | Self::QuestionsExpired
            | Self::NoQuestions
            | Self::NoIdSession
            | Self::PhotosNotReady
            | Self::EntryEnded => 409,
            Self::BodyTooLarge => 413,
            Self::UnsupportedMediaType => 415,
            Self::InvalidPassword | Self::InvalidCode => 422,
            Self::Throttled | Self::ResendTooSoon | Self::FormResting => 429,
            Self::Internal => 500,
            Self::DeliveryFailed | Self::ProviderUnavailable => 502,
            Self::NotConfigured => 503,
        }
    }
}

impl Serialize for ErrorCode {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

impl<'de> Deserialize<'de> for ErrorCode {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        ErrorCode::ALL
            .into_iter()
            .find(|code| code.name() == name)
            .ok_or_else(|| serde::de::Error::custom("an unknown error code"))
    }
}

// ---- recipient API (the app) --------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum RecipientState {
    Pending,
    Verified,
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Contact {
    pub name: String,
    pub email: String,
}

/// What the app shows for a link. A cancelled link reveals only the state and whom to contact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RecipientView {
    /// As the asking browser finds it: verified elsewhere may be pending here.
    pub state: RecipientState,
    pub sender: Contact,
    /// Replaces the sender's address as the contact when the account sets one.
    #[serde(default)]
    pub support_contact: Option<String>,
    #[serde(default)]
    pub method: Option<Method>,
    #[serde(default)]
    pub recipient_name: Option<String>,
    #[serde(default)]
    pub recipient_email: Option<String>,
    #[serde(default)]
    pub agreement_title: Option<String>,
    #[serde(default)]
    pub tries_left: Option<u32>,
    /// The last four digits of the phone number (phone method).
    #[serde(default)]
    pub phone_last4: Option<String>,
    /// Where the signer stands with codes (code methods).
    #[serde(default)]
    pub codes: Option<CodeView>,
    /// The identity providers the signer may log in with (social and platform-account methods).
    #[serde(default)]
    pub providers: Vec<ProviderOption>,
    /// A sender's preview: nothing is sent, nothing counts (see `crate::preview`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub preview: bool,
    /// Devices added to the verification since this device last saw its list: the signer
    /// should check them on the device page.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub new_devices: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ProviderOption {
    /// `google`, `linkedin`, `facebook`, `microsoft`, `yahoo`, `x`, or `platform`.
    pub id: String,
    /// What the button says: "Google", or the platform's name.
    pub name: String,
}

/// Start a login hand-off with `provider`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct StartLogin {
    pub provider: String,
}

/// Where to send the signer: the provider's authorization page. The answer also sets a cookie
/// that binds the hand-off to this browser.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct LoginStarted {
    pub authorization_url: String,
}

/// How a hand-off ended, as the callback tells the app in `/s#login=<outcome>`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum LoginOutcome {
    /// Verified: collect the grant with `POST /api/v1/recipient/login/finish`.
    Done,
    /// The signer said no at the provider.
    Denied,
    /// The hand-off was unknown, expired, replayed or started in another browser.
    Expired,
    /// The provider's account is not the recipient's (e-mail match required).
    Mismatch,
    /// The provider failed, or its answer did not prove anything (bad token).
    Failed,
    Cancelled,
}

impl LoginOutcome {
    pub const ALL: [LoginOutcome; 6] = [
        LoginOutcome::Done,
        LoginOutcome::Denied,
        LoginOutcome::Expired,
        LoginOutcome::Mismatch,
        LoginOutcome::Failed,
        LoginOutcome::Cancelled,
    ];

    pub fn name(self) -> &'static str {
        match self {
            LoginOutcome::Done => "done",
            LoginOutcome::Denied => "denied",
            LoginOutcome::Expired => "expired",
            LoginOutcome::Mismatch => "mismatch",
            LoginOutcome::Failed => "failed",
            LoginOutcome::Cancelled => "cancelled",
        }
    }

    pub fn from_name(name: &str) -> Option<LoginOutcome> {
        Self::ALL.into_iter().find(|o| o.name() == name)
    }
}

/// The code methods' state, in seconds from the answer (the signer's clock may be wrong).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CodeView {
    pub digits: u8,
    /// How long the newest valid code has left; `None`: no code is valid.
    #[serde(default)]
    pub expires_in_secs: Option<u64>,
    /// The channel of the newest valid code.
    #[serde(default)]
    pub channel: Option<Channel>,
    /// 0: a new code can be sent now.
    pub next_send_in_secs: u64,
}

/// Ask for a code by `channel`, with messages in `language` (a BCP 47 tag; English otherwise).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct SendCode {
    pub channel: Channel,
    #[serde(default)]
    pub language: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CodeSent {
    pub channel: Channel,
    /// `…4567` or `a…@example.com`.
    pub destination: String,
    pub digits: u8,
    pub expires_in_secs: u64,
    pub next_send_in_secs: u64,
    /// A preview shows its code on the screen instead of sending it; never set on a real link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview_code: Option<String>,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CodeAttempt {
    pub code: String,
}

impl std::fmt::Debug for CodeAttempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CodeAttempt").finish_non_exhaustive()
    }
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PasswordAttempt {
    pub password: String,
}

impl std::fmt::Debug for PasswordAttempt {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PasswordAttempt").finish_non_exhaustive()
    }
}

/// The answer to a right entry: a grant the platform can verify, and where to go on.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VerifiedResponse {
    pub grant: String,
    /// Unix seconds.
    pub grant_expires_at: u64,
    #[serde(default)]
    pub continue_url: Option<String>,
    /// A name the identity provider vouches for, offered for the signature field.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_name: Option<String>,
    /// The recovery code, shown this once (at the first verification, where the policy has
    /// recovery): with it and an e-mail code the signer gets back in on a new device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_code: Option<String>,
}

/// The first factor of a recovery (`POST /api/v1/recipient/recovery`): the recovery code, and the
/// language of the e-mail code's message (a BCP 47 tag; English otherwise).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct RecoveryStart {
    pub recovery_code: String,
    #[serde(default)]
    pub language: Option<String>,
}

impl std::fmt::Debug for RecoveryStart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RecoveryStart").finish_non_exhaustive()
    }
}

/// A recovery completed (`POST /api/v1/recipient/recovery/code`): this browser is a device now;
/// the new recovery code, shown this once, replaces the spent one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Recovered {
    pub recovery_code: String,
}

/// What the browser's `navigator.credentials.create` needs to make a passkey for this recipient
/// (`POST /api/v1/recipient/passkey/register/options`, from a verified browser). Byte fields are
/// base64url.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PasskeyCreation {
    pub challenge: String,
    pub rp_id: String,
    pub rp_name: String,
    /// The user handle: random per recipient, naming nobody.
    pub user_id: String,
    pub user_name: String,
    pub user_display_name: String,
    /// COSE algorithms, most preferred first (ES256, RS256).
    pub algorithms: Vec<i64>,
    /// The recipient's passkeys already registered, not to be made twice on one authenticator.
    pub exclude_credentials: Vec<String>,
    pub timeout_ms: u64,
}

/// The browser's answer to [`PasskeyCreation`] (`POST /api/v1/recipient/passkey/register`),
/// byte fields base64url.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PasskeyRegistration {
    pub challenge: String,
    pub client_data_json: String,
    pub attestation_object: String,
}

/// A passkey registered: the device it belongs to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PasskeyRegistered {
    pub device_id: String,
}

/// What `navigator.credentials.get` needs (`POST /api/v1/recipient/passkey/options`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PasskeyRequest {
    pub challenge: String,
    pub rp_id: String,
    pub allow_credentials: Vec<String>,
    pub timeout_ms: u64,
}

/// The browser's answer to [`PasskeyRequest`] (`POST /api/v1/recipient/passkey`), byte fields
/// base64url: a grant for this browser if it holds one of the recipient's passkeys.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct PasskeyAssertion {
    pub challenge: String,
    pub credential_id: String,
    pub client_data_json: String,
    pub authenticator_data: String,
    pub signature: String,
}

/// A device where a recipient's verification is active, as lists show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeviceView {
    pub id: String,
    pub browser: String,
    pub platform: String,
    /// City and country, when the runtime knew them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub first_used: u64,
    pub last_used: u64,
    /// It holds a passkey (else only its verification cookie).
    pub passkey: bool,
    /// The device asking (the signer's list only).
    #[serde(default)]
    pub current: bool,
    /// Added since the asking device last saw the list: was it the signer? (The signer's list
    /// only.)
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub new: bool,
}

/// A recipient's devices (`GET /api/v1/recipient/devices`, and the admin API's).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Devices {
    pub devices: Vec<DeviceView>,
    /// What the account's policy lets the signer do with them (the signer's list only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<crate::policy::DevicePolicy>,
    /// The policy wants a passkey on the asking device before it gets a grant, and it has not
    /// proved one (the signer's list only).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub passkey_wanted: bool,
}

/// A pairing offered by a verified device (`POST /api/v1/recipient/pairing`): the one-time link
/// for the other device, as a link and for a QR code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PairingOffer {
    pub link: String,
    pub expires_in_secs: u64,
}

/// A pairing as one side sees it (`GET /api/v1/recipient/pairing`): the offering device learns
/// which browser claimed the link; the claiming browser gets the code to type on the other.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PairingStatus {
    pub expires_in_secs: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claimed_by: Option<crate::devices::DeviceLabel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

/// The other device opened the pairing link (`POST /api/v1/recipient/pairing/claim`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PairingClaim {
    /// The `pair` part of the link.
    pub secret: String,
}

/// The code the other device shows, typed on the offering one
/// (`POST /api/v1/recipient/pairing/confirm`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PairingConfirmation {
    pub code: String,
}

/// What a revocation removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DevicesRevoked {
    pub revoked: u32,
}

/// One knowledge question, as the provider asked it. The answer key never leaves the provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct KbaQuestion {
    pub id: String,
    pub prompt: String,
    /// Pick exactly one; the provider's "None of the above" is one of them when it offers it.
    pub choices: Vec<String>,
}

/// Questions to answer (`POST /api/v1/recipient/kba/start`, or the follow-ups after one wrong).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct KbaRound {
    /// Names this round in the answers: answers to any other round are refused.
    pub round: String,
    /// The two follow-up questions after exactly one wrong answer.
    #[serde(default)]
    pub follow_up: bool,
    pub questions: Vec<KbaQuestion>,
    /// Time left to answer, from this answer.
    pub expires_in_secs: u64,
    /// Tries left, this one included (`None`: unlimited); 1: this is the last.
    #[serde(default)]
    pub tries_left: Option<u32>,
}

/// `POST /api/v1/recipient/kba/answers`: one choice for each question of `round`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct KbaAnswers {
    pub round: String,
    pub answers: Vec<KbaAnswer>,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct KbaAnswer {
    pub question_id: String,
    /// The chosen choice's text, as it was offered.
    pub choice: String,
}

impl std::fmt::Debug for KbaAnswers {
    /// The round only: the choices say things about the signer's life.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KbaAnswers")
            .field("round", &self.round)
            .finish_non_exhaustive()
    }
}

impl std::fmt::Debug for KbaAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KbaAnswer")
            .field("question_id", &self.question_id)
            .finish_non_exhaustive()
    }
}

impl KbaAnswers {
    /// The most answers a round can have (strict mode asks four).
    pub const MAX: usize = 8;

    /// What makes this answer set malformed (its match with the questions asked is the
    /// recipient's object's to check).
    pub fn problem(&self) -> Option<String> {
        let short = |s: &str, max: usize| {
            !s.is_empty() && s.chars().count() <= max && !s.chars().any(char::is_control)
        };
        if !short(&self.round, 64) {
            return Some("round: the round's id, as the questions named it".into());
        }
        if self.answers.is_empty() || self.answers.len() > Self::MAX {
            return Some(format!(
                "answers: one for each question, at most {}",
                Self::MAX
            ));
        }
        self.answers
            .iter()
            .find(|a| !short(&a.question_id, 64) || !short(&a.choice, 200))
            .map(|_| "answers: each names a question_id and one of its choices".into())
    }
}

/// The answer to a round's answers: verified, or two follow-up questions to answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct KbaAnswered {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verified: Option<VerifiedResponse>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub follow_up: Option<KbaRound>,
}

// ---- admin API (the e-sign platform) ------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateAgreement {
    pub account_id: String,
    #[serde(default)]
    pub group: Option<String>,
    pub title: String,
    pub sender: Contact,
    pub recipients: Vec<NewRecipient>,
    /// Links stop working after this many days (default 30, at most 365).
    #[serde(default)]
    pub expires_in_days: Option<u32>,
    /// Where a verified signer goes on; the grant is appended as `#grant=…`.
    #[serde(default)]
    pub continue_url: Option<String>,
}

/// A web form to create (`POST /admin/v1/accounts/{id}/web-forms`): one public link for signers
/// nobody named in advance ([`crate::web_form`]).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreateWebForm {
    /// Whose policy the form follows (the account's when absent).
    #[serde(default)]
    pub group: Option<String>,
    pub title: String,
    /// Whom signers are told the form is from, to contact.
    pub sender: Contact,
    /// What a signer meets after the e-mail step (the policy's default when absent): one that
    /// needs nothing known about the signer beforehand.
    #[serde(default)]
    pub method: Option<Method>,
    /// A password every signer types before anything else; set once, kept only as a hash;
    /// write-only.
    #[serde(default)]
    pub password: Option<String>,
    #[serde(default)]
    pub password_confirmation: Option<String>,
}

impl std::fmt::Debug for CreateWebForm {
    /// Leaves the password out, so no log ever holds it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CreateWebForm")
            .field("group", &self.group)
            .field("title", &self.title)
            .field("method", &self.method)
            .finish_non_exhaustive()
    }
}

/// A web form as the admin API lists it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WebFormSummary {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub title: String,
    pub sender: Contact,
    pub method: Method,
    /// Whether signers type a form password first.
    pub password: bool,
    pub enabled: bool,
    /// Unix milliseconds.
    pub created_at: u64,
}

/// A web form just made: its public link, shown this once (only its secret's digest is kept).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WebFormCreated {
    #[serde(flatten)]
    pub form: WebFormSummary,
    pub url: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WebForms {
    pub forms: Vec<WebFormSummary>,
}

/// What a signer opening a web form's link is shown first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WebFormView {
    pub title: String,
    pub sender: Contact,
    /// A form password comes first.
    pub password: bool,
    /// The signer proves their e-mail address with a code (the policy may turn this off).
    pub email_check: bool,
    /// What they meet after that.
    pub method: Method,
}

/// `POST /api/v1/form/entry` (with the form's link token): who is signing.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct WebFormEntry {
    pub name: String,
    pub email: String,
    /// The form password, where the form has one.
    #[serde(default)]
    pub password: Option<String>,
    /// The e-mail code's language (`en`, `de`, `ru`).
    #[serde(default)]
    pub language: Option<String>,
}

impl std::fmt::Debug for WebFormEntry {
    /// Leaves the password out, so no log ever holds it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebFormEntry")
            .field("name", &self.name)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

/// Where an entry stands: its e-mail address still to prove with the code just sent (then
/// `entry_token` and `code`), or done (then `signing_url`: the signer's own agreement).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WebFormEntered {
    /// For the entry's code calls (`/api/v1/form/entry/send`, `/api/v1/form/entry/code`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry_token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeSent>,
    /// The signer's signing link, to go on with the form's method. When the method is the
    /// e-mail code, the entry's code was it: this browser is verified already.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signing_url: Option<String>,
}

pub const DEFAULT_EXPIRY_DAYS: u32 = 30;
pub const MAX_EXPIRY_DAYS: u32 = 365;
pub const MAX_RECIPIENTS: usize = 50;

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct NewRecipient {
    pub name: String,
    pub email: String,
    /// The policy's default when absent.
    #[serde(default)]
    pub method: Option<Method>,
    /// For the password method only; write-only: never returned or logged.
    #[serde(default)]
    pub password: Option<String>,
    /// The password typed a second time; checked against `password` when present.
    #[serde(default)]
    pub password_confirmation: Option<String>,
    /// For the phone method: the number codes go to (national numbers get the policy's default
    /// country code). Only its last four digits are ever shown.
    #[serde(default)]
    pub phone: Option<String>,
}

impl NewRecipient {
    pub fn method_request(&self) -> crate::method_setup::MethodRequest<'_> {
        crate::method_setup::MethodRequest {
            method: self.method,
            password: self.password.as_deref(),
            password_confirmation: self.password_confirmation.as_deref(),
            phone: self.phone.as_deref(),
        }
    }
}

/// `PUT /admin/v1/agreements/{id}/recipients/{recipient_id}/method`: give a pending recipient
/// another method, at once. What the method needs comes along: a password typed twice, a number.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ChangeMethod {
    pub method: Method,
    #[serde(default)]
    pub password: Option<String>,
    /// Required with a password: the sender typed it twice.
    #[serde(default)]
    pub password_confirmation: Option<String>,
    #[serde(default)]
    pub phone: Option<String>,
    /// Who asked, for the audit trail; the agreement's sender when absent.
    #[serde(default)]
    pub by: Option<Contact>,
}

impl ChangeMethod {
    pub fn method_request(&self) -> crate::method_setup::MethodRequest<'_> {
        crate::method_setup::MethodRequest {
            method: Some(self.method),
            password: self.password.as_deref(),
            password_confirmation: self.password_confirmation.as_deref(),
            phone: self.phone.as_deref(),
        }
    }
}

impl std::fmt::Debug for ChangeMethod {
    /// Leaves the password out, so no log ever holds it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChangeMethod")
            .field("method", &self.method)
            .field("phone", &self.phone.as_deref().map(crate::phone::masked))
            .field("by", &self.by)
            .finish_non_exhaustive()
    }
}

/// `POST /admin/v1/agreements/{id}/recipients/{recipient_id}/replace`: someone else signs in the
/// recipient's place (delegation). The old link stops working; the answer holds the new one, once.
/// A phone method needs the new person's number: the old one is never carried over.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct ReplaceRecipient {
    pub recipient: NewRecipient,
    /// Who asked, for the audit trail; the agreement's sender when absent.
    #[serde(default)]
    pub by: Option<Contact>,
}

impl std::fmt::Debug for NewRecipient {
    /// Leaves the password out, so no log ever holds it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NewRecipient")
            .field("name", &self.name)
            .field("email", &self.email)
            .field("method", &self.method)
            .field("phone", &self.phone.as_deref().map(crate::phone::masked))
            .finish_non_exhaustive()
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreatedAgreement {
    pub id: String,
    pub expires_at: u64,
    pub recipients: Vec<CreatedRecipient>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CreatedRecipient {
    pub id: String,
    pub name: String,
    pub email: String,
    pub method: Method,
    pub internal: bool,
    /// `<origin>/s#<token>`: hand this to the recipient; it is not stored and cannot be shown again.
    pub signing_url: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum AgreementState {
    /// Some recipients have not verified yet.
    Pending,
    /// Every recipient has verified.
    Verified,
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AgreementStatus {
    pub id: String,
    pub account_id: String,
    pub title: String,
    pub state: AgreementState,
    #[serde(default)]
    pub cancel_reason: Option<CancelReason>,
    pub created_at: u64,
    pub expires_at: u64,
    pub recipients: Vec<RecipientStatus>,
    /// The web form whose entry this agreement is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_form_id: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct RecipientStatus {
    pub id: String,
    pub name: String,
    pub email: String,
    pub method: Method,
    /// A user of the same account (internal recipients may have their own methods).
    pub internal: bool,
    pub state: RecipientState,
    pub failures: u32,
    #[serde(default)]
    pub tries_left: Option<u32>,
    #[serde(default)]
    pub phone_last4: Option<String>,
    /// The name an identity provider vouched for (login methods), for the signature field.
    #[serde(default)]
    pub signature_name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct AuditTrail {
    pub agreement_id: String,
    pub events: Vec<AuditEvent>,
    /// Pass as `?cursor=` for the events after these; `None`: this page is the last.
    #[serde(default)]
    pub next_cursor: Option<String>,
}

/// Audit events per page when the caller does not say, and the most it may ask for.
pub const AUDIT_PAGE_DEFAULT: u32 = 100;
pub const AUDIT_PAGE_MAX: u32 = 500;

/// `POST /admin/v1/previews`: a short-lived link that shows a method's real screens with nothing
/// sent and nothing counted. Either for an existing recipient (`agreement_id` and
/// `recipient_id`), or for a `method` under an account's (or group's) policy, without any agreement.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct CreatePreview {
    #[serde(default)]
    pub agreement_id: Option<String>,
    #[serde(default)]
    pub recipient_id: Option<String>,
    #[serde(default)]
    pub account_id: Option<String>,
    #[serde(default)]
    pub group: Option<String>,
    #[serde(default)]
    pub method: Option<Method>,
    /// Without an agreement: what the screens name (samples when absent).
    #[serde(default)]
    pub title: Option<String>,
    #[serde(default)]
    pub sender: Option<Contact>,
    #[serde(default)]
    pub recipient: Option<Contact>,
    /// The language the screens open in (`en`, `de`, `ru`); the switcher still works.
    #[serde(default)]
    pub language: Option<String>,
    /// With `account_id`: a preview of this web form, from its first screen.
    #[serde(default)]
    pub web_form_id: Option<String>,
    /// 60 to 86,400; an hour when absent.
    #[serde(default)]
    pub expires_in_secs: Option<u64>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct PreviewCreated {
    /// `<origin>/s?lang=de#p1.…`: opens the real screens, marked as a preview.
    pub preview_url: String,
    pub method: Method,
    /// Unix seconds.
    pub expires_at: u64,
}

/// `POST /admin/v1/accounts/{id}/reset-verifications`: every e-mail-code verification made before
/// `reset_at` (milliseconds since the Unix epoch) no longer counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct VerificationsReset {
    pub reset_at: u64,
}

// ---- webhooks -----------------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WebhookPayload {
    /// Unique per event; deliveries of the same event (retries) share it.
    pub id: String,
    #[serde(rename = "type")]
    pub kind: WebhookKind,
    /// Milliseconds since the Unix epoch.
    pub created_at: u64,
    pub account_id: String,
    pub agreement_id: String,
    #[serde(default)]
    pub recipient_id: Option<String>,
    #[serde(default)]
    pub method: Option<Method>,
    #[serde(default)]
    pub reason: Option<CancelReason>,
    /// The device a `recipient.device_*` event is about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<DeviceView>,
    /// A `web_form.entry`'s form and who signed up (as they typed it; `email_proven` on the
    /// agreement's trail says whether a code proved the address).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_form_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signer: Option<Contact>,
}

/// `GET /admin/v1/agreements/{id}/webhooks`: the agreement's events not delivered (yet).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WebhookDeliveries {
    pub agreement_id: String,
    pub deliveries: Vec<WebhookDelivery>,
}

/// One event on its way to the account's webhook URL, or given up.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct WebhookDelivery {
    pub event: WebhookPayload,
    pub state: DeliveryState,
    /// Tries so far.
    pub attempts: u32,
    #[serde(default)]
    pub last_error: Option<String>,
    /// Milliseconds since the Unix epoch; none once undeliverable.
    #[serde(default)]
    pub next_attempt_at: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryState {
    /// Being tried, with backoff.
    Retrying,
    /// Given up (a day of failures, or no webhook URL): `POST …/webhooks/{event_id}/resend`
    /// tries again.
    Undeliverable,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub enum WebhookKind {
    #[serde(rename = "agreement.cancelled")]
    AgreementCancelled,
    #[serde(rename = "recipient.verified")]
    RecipientVerified,
    /// The recipient cannot use their method (the knowledge-question provider cannot find or ask
    /// them): the sender should choose another.
    #[serde(rename = "recipient.method_unavailable")]
    RecipientMethodUnavailable,
    /// The recipient's verification is now active on another device too (`device`): a second
    /// browser verified, was paired, or signed in with a synced passkey.
    #[serde(rename = "recipient.device_added")]
    RecipientDeviceAdded,
    /// The signer said a device (`device`) was not theirs, from another of their devices: it was
    /// removed. Someone else may hold the signing link.
    #[serde(rename = "recipient.device_disowned")]
    RecipientDeviceDisowned,
    /// Someone signed up on a web form (`web_form_id`, `signer`): this agreement is their entry,
    /// its one recipient them.
    #[serde(rename = "web_form.entry")]
    WebFormEntry,
}

impl WebhookKind {
    pub fn name(self) -> &'static str {
        match self {
            Self::AgreementCancelled => "agreement.cancelled",
            Self::RecipientVerified => "recipient.verified",
            Self::RecipientMethodUnavailable => "recipient.method_unavailable",
            Self::RecipientDeviceAdded => "recipient.device_added",
            Self::RecipientDeviceDisowned => "recipient.device_disowned",
            Self::WebFormEntry => "web_form.entry",
        }
    }
}

/// Where a recipient's government-ID check stands, as the desktop and the phone follow it
/// (`POST /api/v1/recipient/id/start`, `POST /api/v1/id/handoff/open`, `GET /api/v1/id/status`,
/// and the photo and submit calls).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IdStatus {
    pub stage: IdStage,
    /// The credential of this browser's capture (`Authorization: Bearer …` on the `/api/v1/id`
    /// calls): in the answers that begin or join a session only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capture_token: Option<String>,
    #[serde(default)]
    pub document: Option<crate::id_check::Document>,
    /// The photos received so far.
    #[serde(default)]
    pub photos: Vec<crate::id_check::Shot>,
    /// The phone opened the hand-off link.
    #[serde(default)]
    pub phone_opened: bool,
    /// Time left in this session's window (0 once it ended).
    #[serde(default)]
    pub expires_in_secs: u64,
    /// Tries left, a session in progress included (`None`: unlimited).
    #[serde(default)]
    pub tries_left: Option<u32>,
    /// Why the last try failed (`stage` `failed` or `cancelled`): what to do differently.
    #[serde(default)]
    pub failure: Option<crate::id_check::Failure>,
    /// When a hand-off message may be sent again.
    #[serde(default)]
    pub next_send_in_secs: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum IdStage {
    /// Photos are being taken.
    Capturing,
    /// The photos were handed over; the provider is deciding.
    Checking,
    /// Verified: the signing link's browser collects its grant (`POST /api/v1/recipient/id/finish`).
    Passed,
    /// The last try failed; another may begin from the signing link.
    Failed,
    /// The last try was the last: the agreement is cancelled.
    Cancelled,
}

/// The signing link's browser collects a passed ID check's grant
/// (`POST /api/v1/recipient/id/finish`): with the capture token it was given when it began the
/// check, so only a browser that took part in it may.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct IdFinish {
    pub capture_token: String,
}

/// `POST /api/v1/id/handoff`: a new hand-off link, sent to a phone by SMS (without `phone`, to the
/// number the sender gave) or, with `sms: false`, only answered, for the QR code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct IdHandoffRequest {
    #[serde(default)]
    pub phone: Option<String>,
    #[serde(default = "yes")]
    pub sms: bool,
    /// The language of the message: the one the signer reads the screens in.
    #[serde(default)]
    pub language: crate::outgoing::Language,
}

fn yes() -> bool {
    true
}

/// A new hand-off link (the same link for the SMS and the QR code); any earlier one stops working.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IdHandoffSent {
    pub link: String,
    /// The number it went to, masked; none when it was only answered.
    #[serde(default)]
    pub sent_to: Option<String>,
    pub expires_in_secs: u64,
    pub next_send_in_secs: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every code goes out under its snake-case name (what the contract's schema says) and comes
    /// back as itself; a name no code has is refused.
    #[test]
    fn error_codes_keep_their_wire_names() {
        for code in ErrorCode::ALL {
            let debug = format!("{code:?}");
            let mut snake = String::new();
            for (i, c) in debug.chars().enumerate() {
                if c.is_ascii_uppercase() && i > 0 {
                    snake.push('_');
                }
                snake.push(c.to_ascii_lowercase());
            }
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{snake}\""));
            assert_eq!(serde_json::from_str::<ErrorCode>(&json).unwrap(), code);
        }
        let mut names: Vec<_> = ErrorCode::ALL.iter().map(|c| c.name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ErrorCode::ALL.len());
        assert!(serde_json::from_str::<ErrorCode>("\"teapot\"").is_err());
        assert!(serde_json::from_str::<ErrorCode>("7").is_err());
    }
}
