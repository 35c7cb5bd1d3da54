//! One recipient: the only place their attempts are counted.
//!
//! Password checks are serialised by an in-object async lock held from reading the state to
//! writing the verdict. The PBKDF2 itself awaits WebCrypto, which lets other events in (input
//! gates only cover storage), so without the lock two wrong entries could both read "4 failures"
//! and the limit would slip. Cancellation from the agreement does not take the lock (the lock
//! holder may be the one waiting for the agreement); a check re-reads the state after every await.
//!
//! The agreement decides what spans recipients: a right password or code counts only if the
//! agreement is not cancelled (it answers before anything is saved), and a lock is told to the
//! agreement until the agreement confirms, retried by this object's alarm if need be.
//!
//! Codes (SMS, voice, e-mail) run on [`CodeBook`], the pure engine: this object keeps the book, so
//! its counts are exact, and takes the same lock for sends and entries. The codes' digests are in
//! KV (`crate::codes`); the book alone says which codes may still be entered.

use std::cell::RefCell;
use std::time::Duration;

use futures_util::lock::Mutex;
use serde::{Deserialize, Serialize};
use signgate_core::attempts::{AfterFailure, Attempts, Gate, TryLimit};
use signgate_core::audit::{AuditEvent, AuditKind, RefusalReason, RefusalWindow};
use signgate_core::devices::{DeviceBook, Seen};
use signgate_core::grant::{self, GrantClaims, Reissues};
use signgate_core::id_check::report::ReportShelf;
use signgate_core::id_check::{Document, IdCheckRules, Photo, Shot};
use signgate_core::kba::{KbaRules, Subject};
use signgate_core::login::{Identity, LoginFailure};
use signgate_core::method_setup::PlannedMethod;
use signgate_core::otp::{Channel, CodeBook, CodeRules};
use signgate_core::outgoing::Language;
use signgate_core::policy::{DevicePolicy, Method, Policy};
use signgate_core::token::LinkToken;
use signgate_core::verification::{ExpiryReason, VerificationRules};
use signgate_core::wire::{
    Contact, ErrorCode, KbaAnswered, KbaAnswers, PasskeyAssertion, PasskeyRegistration,
    RecipientState, RecipientStatus, RecipientView, VerifiedResponse,
};
use worker::{DurableObject, Env, Request, Response, Result, State, durable_object};

mod devices;
mod fresh_grant;
mod id_check;
mod kba;
mod login;
mod one_time_codes;
mod pairing;
mod passkey_method;
mod passkeys;
mod preview;
mod recovery;
mod sender_changes;
mod web_form;

pub use devices::Revocation;
pub use id_check::Handoff;
pub use login::{LoginPlan, StartLogin};
pub use passkey_method::passkey_problem;
pub use passkeys::Rp;
pub use recovery::RecoveryStart;
pub use sender_changes::Replacement;

use super::agreement::AgreementCall;
use super::{AuditLog, Reply, call, call_ok, reply, stub};
use crate::config::{self, AGREEMENTS_BINDING, now_ms};
use crate::http::{cancelled, fail, invalid_link, not_counted, wrong_entry};
use crate::login::flow::Flow;
use crate::{accounts, codes, crypto};

/// What the agreement's creator stores about a recipient. The password is only ever a hash.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecipientRecord {
    pub agreement_id: String,
    pub account_id: String,
    pub title: String,
    pub sender: Contact,
    pub name: String,
    pub email: String,
    pub method: Method,
    pub internal: bool,
    /// Snapshot of the policy at creation: the rules a signer started under do not change. The
    /// password's limit; the code methods count by `code_rules`.
    pub try_limit: TryLimit,
    pub token_digest: String,
    pub password_hash: Option<String>,
    pub expires_at: u64,
    pub continue_url: Option<String>,
    /// E.164, for the phone method. Never leaves this object except to the carrier.
    #[serde(default)]
    pub phone: Option<String>,
    /// For the code methods: the policy's code rules at creation.
    #[serde(default)]
    pub code_rules: Option<CodeRules>,
    /// For the e-mail code: how long a verification stays good.
    #[serde(default)]
    pub verification_rules: Option<VerificationRules>,
    /// For the social and platform-account methods.
    #[serde(default)]
    pub login: Option<signgate_core::login::LoginRules>,
    /// For KBA.
    #[serde(default)]
    pub kba: Option<KbaRules>,
    /// For the government ID.
    #[serde(default)]
    pub id_check: Option<IdCheckRules>,
    /// What the signer may do with their devices (pairing, passkeys, recovery), as the policy
    /// said at creation.
    #[serde(default)]
    pub devices: DevicePolicy,
    /// Recovery's e-mail codes, where the policy has recovery.
    #[serde(default)]
    pub recovery_codes: Option<CodeRules>,
    /// The web form this recipient signed up on, if they did.
    #[serde(default)]
    pub web_form_id: Option<String>,
}

/// The part of a recipient's record that belongs to their method, all of it replaced when the
/// sender changes the method: nothing of the old method's setup can linger.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MethodSetup {
    pub method: Method,
    pub try_limit: TryLimit,
    pub password_hash: Option<String>,
    pub phone: Option<String>,
    pub code_rules: Option<CodeRules>,
    pub verification_rules: Option<VerificationRules>,
    pub login: Option<signgate_core::login::LoginRules>,
    pub kba: Option<KbaRules>,
    pub id_check: Option<IdCheckRules>,
}

impl MethodSetup {
    /// The setup of a checked method under `policy` for a recipient at `email`: the password
    /// hashed (the only form it is kept in), the policy's rules as they are now.
    pub async fn build(
        env: &Env,
        policy: &Policy,
        planned: PlannedMethod,
        password: Option<&str>,
        email: &str,
    ) -> Result<Self> {
        let method = planned.method;
        let password_hash = match (password, method) {
            (Some(password), Method::Password) => {
                Some(crypto::hash_new_password(env, password).await?)
            }
            _ => None,
        };
        Ok(Self {
            method,
            try_limit: policy.try_limit(method),
            password_hash,
            phone: planned.phone,
            code_rules: policy.code_rules(method),
            verification_rules: (method == Method::EmailCode)
                .then(|| VerificationRules::from(&policy.email_code)),
            login: policy.login_rules(method, email),
            kba: policy.kba_rules(method),
            id_check: policy.id_check_rules(method).map(|mut rules| {
                if let Some(ms) = config::dev_id_session_ms(env) {
                    rules.session_ms = ms;
                }
                if let Some(ms) = config::dev_id_report_retention_ms(env) {
                    rules.report_retention_ms = ms;
                }
                rules
            }),
        })
    }
}

impl RecipientRecord {
    pub fn new(common: RecipientCommon, setup: MethodSetup) -> Self {
        let RecipientCommon {
            agreement_id,
            account_id,
            title,
            sender,
            name,
            email,
            internal,
            token_digest,
            expires_at,
            continue_url,
            devices,
            recovery_codes,
            web_form_id,
        } = common;
        let mut record = Self {
            agreement_id,
            account_id,
            title,
            sender,
            name,
            email,
            method: setup.method,
            internal,
            try_limit: setup.try_limit,
            token_digest,
            password_hash: None,
            expires_at,
            continue_url,
            phone: None,
            code_rules: None,
            verification_rules: None,
            login: None,
            kba: None,
            id_check: None,
            devices,
            recovery_codes,
            web_form_id,
        };
        record.apply(setup);
        record
    }

    /// Puts `setup` in place of the current method's, whole.
    fn apply(&mut self, setup: MethodSetup) {
        let MethodSetup {
            method,
            try_limit,
            password_hash,
            phone,
            code_rules,
            verification_rules,
            login,
            kba,
            id_check,
        } = setup;
        self.method = method;
        self.try_limit = try_limit;
        self.password_hash = password_hash;
        self.phone = phone;
        self.code_rules = code_rules;
        self.verification_rules = verification_rules;
        self.login = login;
        self.kba = kba;
        self.id_check = id_check;
    }
}

/// What a recipient's record holds besides their method.
#[derive(Debug, Clone)]
pub struct RecipientCommon {
    pub agreement_id: String,
    pub account_id: String,
    pub title: String,
    pub sender: Contact,
    pub name: String,
    pub email: String,
    pub internal: bool,
    pub token_digest: String,
    pub expires_at: u64,
    pub continue_url: Option<String>,
    pub devices: DevicePolicy,
    pub recovery_codes: Option<CodeRules>,
    pub web_form_id: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Progress {
    state: RecipientState,
    attempts: Attempts,
    /// After a lock: has the agreement confirmed it cancelled (and locked every other link)?
    #[serde(default)]
    agreement_told: bool,
    #[serde(default)]
    codes: CodeBook,
    #[serde(default)]
    logins: Vec<login::PendingLogin>,
    #[serde(default)]
    collectable: Option<login::Collectable>,
    /// The name an identity provider vouched for, offered for the signature field.
    #[serde(default)]
    signature_name: Option<String>,
    /// The last login brought the wrong account: the next one asks the provider to sign in anew.
    #[serde(default)]
    login_mismatched: bool,
    /// Refusals being counted rather than written one by one.
    #[serde(default)]
    refusals: Option<RefusalWindow>,
    /// How the recipient was verified (the grant's `amr`), for fresh grants.
    #[serde(default)]
    amr: Option<String>,
    /// The browsers where the verification is active (their cookies' digests, passkeys): only
    /// they may ask for a fresh grant.
    #[serde(default)]
    devices: DeviceBook,
    /// A pairing offered by one of the devices, while it may be used.
    #[serde(default)]
    pairing: Option<signgate_core::pairing::Pairing>,
    /// What the sender is still to hear about the devices, oldest first (`devices::tell_sender`).
    #[serde(default)]
    device_notices: Vec<devices::DeviceNotice>,
    #[serde(default)]
    recovery: recovery::RecoveryProgress,
    /// Before devices were kept: the digest of the one browser the grant went to. Read once into
    /// `devices`, never written.
    #[serde(default, skip_serializing, rename = "device")]
    legacy_device: Option<String>,
    #[serde(default)]
    reissues: Reissues,
    #[serde(default)]
    kba: kba::KbaProgress,
    #[serde(default)]
    id_check: id_check::IdProgress,
    /// Signer Identity Reports kept, until erased. Not the method's: they outlive a change of it.
    #[serde(default)]
    id_reports: ReportShelf,
}

impl Default for Progress {
    fn default() -> Self {
        Self {
            state: RecipientState::Pending,
            attempts: Attempts::default(),
            agreement_told: false,
            codes: CodeBook::default(),
            logins: Vec::new(),
            collectable: None,
            signature_name: None,
            login_mismatched: false,
            refusals: None,
            amr: None,
            devices: DeviceBook::default(),
            pairing: None,
            device_notices: Vec::new(),
            recovery: recovery::RecoveryProgress::default(),
            legacy_device: None,
            reissues: Reissues::default(),
            kba: kba::KbaProgress::default(),
            id_check: id_check::IdProgress::default(),
            id_reports: ReportShelf::default(),
        }
    }
}

#[derive(Debug, Clone)]
struct Loaded {
    record: RecipientRecord,
    progress: Progress,
    audit: AuditLog,
    /// When the link was last opened (in memory only): repeated opens within a minute are one
    /// audit event, so reloading a page cannot fill the storage.
    last_opened_ms: u64,
}

impl Loaded {
    /// What every verification (first, or again in another browser) keeps: how (`amr`) and the
    /// code book after the right code. (Its validity is each device's: `DeviceBook`.)
    fn note_verification(&mut self, amr: &str, codes: Option<CodeBook>) {
        self.progress.amr = Some(amr.to_string());
        if let Some(codes) = codes {
            self.progress.codes = codes;
        }
    }

    /// The recipient's state as the browser that `presented` these verification cookies finds
    /// it: a verification belongs to the devices that earned it, so a browser that is not one
    /// of them (a forwarded link, a second computer) is still to verify, where the method may
    /// be asked again ([`Method::verifies_again`]).
    fn state_in(&self, presented: &[String]) -> RecipientState {
        let state = self.progress.state;
        let elsewhere = state == RecipientState::Verified
            && self.progress.devices.by_cookie(presented).is_none();
        if elsewhere && self.record.method.verifies_again() {
            RecipientState::Pending
        } else {
            state
        }
    }
}

#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum RecipientCall {
    Init {
        record: Box<RecipientRecord>,
    },
    View {
        token: String,
        /// The verification cookies the browser presented: verified elsewhere is not here.
        presented: Vec<String>,
    },
    CheckPassword {
        token: String,
        password: String,
        /// The browser, with its new verification cookie's digest, kept if this verifies.
        device: Seen,
    },
    SendCode {
        token: String,
        channel: Channel,
        language: Language,
        /// The app's host, for the SMS's WebOTP line.
        host: String,
        presented: Vec<String>,
    },
    CheckCode {
        token: String,
        code: String,
        device: Seen,
    },
    /// A web form's entry proved the address with its code, and the form's method is the e-mail
    /// code: the recipient it just became is verified, in the browser that entered it.
    ProvenByWebForm {
        token: String,
        device: Seen,
    },
    StartLogin(Box<StartLogin>),
    RestartLogin {
        claimed: String,
        key: String,
        expires_at: u64,
        flow: Box<Flow>,
    },
    ClaimLogin {
        key: String,
        /// Digests of the binding cookies the callback's request presented.
        browser: Vec<String>,
    },
    CompleteLogin {
        key: String,
        result: std::result::Result<Identity, LoginFailure>,
    },
    CollectLogin {
        token: String,
        /// The login binding digests the browser presented.
        browser: Vec<String>,
        device: Seen,
    },
    /// The signer's data for KBA: the provider's first questions (passed through, never kept).
    StartKba {
        token: String,
        subject: Box<Subject>,
    },
    AnswerKba {
        token: String,
        answers: KbaAnswers,
        device: Seen,
    },
    /// The government ID: the signing link's browser begins (or joins) a session with the digest
    /// of its new capture credential.
    IdStart {
        token: String,
        capturer: String,
    },
    /// A capture credential of the session has the hand-off link sent to a phone.
    IdHandOff {
        capturer: String,
        handoff: Box<Handoff>,
    },
    /// The phone opens the hand-off link (its digest) and joins with its own credential.
    IdOpen {
        digest: String,
        capturer: String,
    },
    /// May this photo be stored, and under which key?
    IdMayTake {
        capturer: String,
        document: Document,
        shot: Shot,
    },
    /// The photo was stored under `key`.
    IdTook {
        capturer: String,
        document: Document,
        photo: Photo,
        key: String,
    },
    IdSubmit {
        capturer: String,
    },
    IdStatus {
        capturer: String,
    },
    /// The provider's webhook named this check: its decision is read back.
    IdSignal {
        reference: String,
    },
    /// Passkeys: options to register one for the browser that presents `presented` (the digests
    /// of its verification cookies), the registration, options to sign in, the sign-in.
    PasskeyCreation {
        token: String,
        presented: Vec<String>,
        rp: Rp,
    },
    PasskeyRegister {
        token: String,
        presented: Vec<String>,
        rp: Rp,
        registration: PasskeyRegistration,
    },
    PasskeyRequest {
        token: String,
        rp: Rp,
    },
    PasskeySignIn {
        token: String,
        browser: Seen,
        rp: Rp,
        assertion: PasskeyAssertion,
    },
    /// The signer's devices, asked from one of them (`presented`: its cookies' digests).
    Devices {
        token: String,
        presented: Vec<String>,
    },
    /// The devices announced to this one were the signer's.
    DevicesSeen {
        token: String,
        presented: Vec<String>,
    },
    /// A recovery's first factor (the recovery code), then its second (an e-mail code).
    RecoveryStart(Box<RecoveryStart>),
    RecoveryFinish {
        token: String,
        presented: Vec<String>,
        code: String,
    },
    /// A verified device offers a pairing whose link's secret has `digest`.
    PairingOffer {
        token: String,
        presented: Vec<String>,
        digest: String,
    },
    PairingClaim {
        token: String,
        digest: String,
        browser: Seen,
    },
    PairingStatus {
        token: String,
        presented: Vec<String>,
    },
    PairingConfirm {
        token: String,
        presented: Vec<String>,
        code: String,
    },
    /// The recipient's devices (admin API).
    AdminDevices,
    RevokeDevices(Revocation),
    /// The Signer Identity Reports kept (admin API).
    IdReports,
    /// Erase them all now (admin API).
    EraseIdReports,
    /// The signing link's browser collects the grant of a passed check.
    IdFinish {
        token: String,
        /// The digest of the capture credential the browser began the check with.
        capturer: String,
        device: Seen,
    },
    /// A verified link asks for a new grant, from a browser presenting these verification
    /// cookie digests.
    FreshGrant {
        token: String,
        presented: Vec<String>,
    },
    /// The sender gives the recipient another method (checked against the policy by the route).
    ChangeMethod {
        setup: Box<MethodSetup>,
        by: Contact,
        /// The address the route checked the change for: a replacement meanwhile refuses it.
        email: String,
    },
    /// Someone else takes the recipient's place, with a link of their own.
    Replace {
        replacement: Box<Replacement>,
    },
    /// What a sender's preview of this recipient shows (read only).
    Preview,
    Cancel,
    Status,
    /// Up to `limit` of the recipient's audit events, from the `from`-th on.
    Audit {
        from: u64,
        limit: u32,
    },
}

impl std::fmt::Debug for RecipientCall {
    /// Names the call only: tokens and passwords never reach a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = match self {
            Self::Init { .. } => "Init",
            Self::View { .. } => "View",
            Self::CheckPassword { .. } => "CheckPassword",
            Self::SendCode { .. } => "SendCode",
            Self::CheckCode { .. } => "CheckCode",
            Self::ProvenByWebForm { .. } => "ProvenByWebForm",
            Self::StartLogin { .. } => "StartLogin",
            Self::RestartLogin { .. } => "RestartLogin",
            Self::ClaimLogin { .. } => "ClaimLogin",
            Self::CompleteLogin { .. } => "CompleteLogin",
            Self::CollectLogin { .. } => "CollectLogin",
            Self::StartKba { .. } => "StartKba",
            Self::AnswerKba { .. } => "AnswerKba",
            Self::IdStart { .. } => "IdStart",
            Self::IdHandOff { .. } => "IdHandOff",
            Self::IdOpen { .. } => "IdOpen",
            Self::IdMayTake { .. } => "IdMayTake",
            Self::IdTook { .. } => "IdTook",
            Self::IdSubmit { .. } => "IdSubmit",
            Self::IdStatus { .. } => "IdStatus",
            Self::IdSignal { .. } => "IdSignal",
            Self::PasskeyCreation { .. } => "PasskeyCreation",
            Self::PasskeyRegister { .. } => "PasskeyRegister",
            Self::PasskeyRequest { .. } => "PasskeyRequest",
            Self::PasskeySignIn { .. } => "PasskeySignIn",
            Self::Devices { .. } => "Devices",
            Self::DevicesSeen { .. } => "DevicesSeen",
            Self::RecoveryStart(_) => "RecoveryStart",
            Self::RecoveryFinish { .. } => "RecoveryFinish",
            Self::PairingOffer { .. } => "PairingOffer",
            Self::PairingClaim { .. } => "PairingClaim",
            Self::PairingStatus { .. } => "PairingStatus",
            Self::PairingConfirm { .. } => "PairingConfirm",
            Self::AdminDevices => "AdminDevices",
            Self::RevokeDevices(_) => "RevokeDevices",
            Self::IdReports => "IdReports",
            Self::EraseIdReports => "EraseIdReports",
            Self::IdFinish { .. } => "IdFinish",
            Self::FreshGrant { .. } => "FreshGrant",
            Self::ChangeMethod { .. } => "ChangeMethod",
            Self::Replace { .. } => "Replace",
            Self::Preview => "Preview",
            Self::Cancel => "Cancel",
            Self::Status => "Status",
            Self::Audit { .. } => "Audit",
        };
        f.write_str(name)
    }
}

/// The view plus what the route needs to complete it from the account.
#[derive(Debug, Serialize, Deserialize)]
pub struct ViewReply {
    pub view: RecipientView,
    pub account_id: String,
    /// Provider ids the recipient may log in with; the route keeps those the deployment has.
    pub login_providers: Vec<String>,
}

const RECORD: &str = "record";
const PROGRESS: &str = "progress";
const REOPEN_WINDOW_MS: u64 = 60_000;
pub(super) const RETRY_TELLING_AFTER_MS: u64 = 10_000;

#[durable_object]
#[allow(
    missing_debug_implementations,
    reason = "holds runtime handles (State, Env) that have no Debug"
)]
pub struct RecipientObject {
    state: State,
    env: Env,
    /// What storage holds, read once per object lifetime.
    cache: RefCell<Option<Loaded>>,
    checking: Mutex<()>,
}

impl DurableObject for RecipientObject {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            cache: RefCell::new(None),
            checking: Mutex::new(()),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let response = self.handle(req).await?;
        // Whatever the call, a device it added or removed is told to the sender now. The answer
        // stands either way (it may hold something shown once); the alarm tells later.
        if let Err(error) = self.tell_sender_of_devices().await {
            worker::console_error!("telling the sender about devices: {error}");
            self.alarm_by(now_ms() + RETRY_TELLING_AFTER_MS).await?;
        }
        // And the account's registry of the signer's passkeys what they registered or lost (the
        // alarm tries again).
        if let Err(error) = self.tell_registry().await {
            worker::console_error!("telling the passkey registry: {error}");
        }
        Ok(response)
    }

    /// Retries telling the agreement about a lock (or a KBA signer the provider cannot ask) until
    /// it confirms, writes the count of a window of refusals once it has ended, closes an ID
    /// check's window and erases identity reports whose retention has ended; tells the
    /// sender about devices it could not be told of before.
    async fn alarm(&self) -> Result<Response> {
        let Some(mut loaded) = self.load().await? else {
            return Response::ok("done");
        };
        let now = now_ms();
        if let Some(repeated) = RefusalWindow::close_if_ended(&mut loaded.progress.refusals, now) {
            loaded = self.save(loaded, vec![repeated]).await?;
        }
        if let Some(window) = loaded.progress.refusals {
            self.alarm_by(window.ends_at()).await?;
        }
        self.tell_agreement_locked(loaded).await?;
        if let Some(loaded) = self.load().await? {
            self.tell_sender_unavailable(loaded).await?;
        }
        self.id_alarm().await?;
        self.erase_due_reports().await?;
        self.tell_sender_of_devices().await?;
        self.tell_registry().await?;
        Response::ok("done")
    }
}

impl RecipientObject {
    /// One call from a route or another object.
    async fn handle(&self, mut req: Request) -> Result<Response> {
        match req.json::<RecipientCall>().await? {
            RecipientCall::Init { record } => reply(&self.init(*record).await?),
            RecipientCall::View { token, presented } => {
                reply(&self.view(&token, &presented).await?)
            }
            RecipientCall::CheckPassword {
                token,
                password,
                device,
            } => {
                let verdict = self
                    .check_password(&token, &password, &device.presented)
                    .await?;
                reply(&self.bind_device(verdict, device).await?)
            }
            RecipientCall::SendCode {
                token,
                channel,
                language,
                host,
                presented,
            } => reply(
                &self
                    .send_code(&token, channel, language, &host, &presented)
                    .await?,
            ),
            RecipientCall::CheckCode {
                token,
                code,
                device,
            } => {
                let verdict = self.check_code(&token, &code, &device.presented).await?;
                reply(&self.bind_device(verdict, device).await?)
            }
            RecipientCall::ProvenByWebForm { token, device } => {
                let verdict = self.proven_by_web_form(&token).await?;
                reply(&self.bind_device(verdict, device).await?)
            }
            RecipientCall::StartLogin(start) => reply(&self.start_login(*start).await?),
            RecipientCall::RestartLogin {
                claimed,
                key,
                expires_at,
                flow,
            } => reply(&self.restart_login(&claimed, key, expires_at, *flow).await?),
            RecipientCall::ClaimLogin { key, browser } => {
                reply(&self.claim_login(&key, &browser).await?)
            }
            RecipientCall::CompleteLogin { key, result } => {
                reply(&self.complete_login(&key, result).await?)
            }
            RecipientCall::CollectLogin {
                token,
                browser,
                device,
            } => {
                let grant = self
                    .collect_login(&token, &browser, &device.presented)
                    .await?;
                reply(&self.bind_device(grant, device).await?)
            }
            RecipientCall::StartKba { token, subject } => {
                reply(&self.start_kba(&token, *subject).await?)
            }
            RecipientCall::AnswerKba {
                token,
                answers,
                device,
            } => {
                let mut answered = self.answer_kba(&token, answers).await?;
                if let Ok(KbaAnswered {
                    verified: Some(verified),
                    ..
                }) = &mut answered
                {
                    if !self.keep_device(device, None).await? {
                        return reply::<()>(&Err(*fresh_grant::passkey_required()));
                    }
                    verified.recovery_code = self.first_recovery_code().await?;
                }
                reply(&answered)
            }
            RecipientCall::IdStart { token, capturer } => {
                reply(&self.id_start(&token, capturer).await?)
            }
            RecipientCall::IdHandOff { capturer, handoff } => {
                reply(&self.id_hand_off(&capturer, *handoff).await?)
            }
            RecipientCall::IdOpen { digest, capturer } => {
                reply(&self.id_open(&digest, capturer).await?)
            }
            RecipientCall::IdMayTake {
                capturer,
                document,
                shot,
            } => reply(&self.id_may_take(&capturer, document, shot).await?),
            RecipientCall::IdTook {
                capturer,
                document,
                photo,
                key,
            } => reply(&self.id_took(&capturer, document, photo, key).await?),
            RecipientCall::IdSubmit { capturer } => reply(&self.id_submit(&capturer).await?),
            RecipientCall::IdStatus { capturer } => reply(&self.id_status(&capturer).await?),
            RecipientCall::IdSignal { reference } => reply(&self.id_signal(&reference).await?),
            RecipientCall::PasskeyCreation {
                token,
                presented,
                rp,
            } => reply(&self.passkey_creation(&token, &presented, rp).await?),
            RecipientCall::PasskeyRegister {
                token,
                presented,
                rp,
                registration,
            } => reply(
                &self
                    .passkey_register(&token, &presented, rp, registration)
                    .await?,
            ),
            RecipientCall::PasskeyRequest { token, rp } => {
                reply(&self.passkey_request(&token, rp).await?)
            }
            RecipientCall::PasskeySignIn {
                token,
                browser,
                rp,
                assertion,
            } => reply(&self.passkey_sign_in(&token, browser, rp, assertion).await?),
            RecipientCall::Devices { token, presented } => {
                reply(&self.signer_devices(&token, &presented).await?)
            }
            RecipientCall::DevicesSeen { token, presented } => {
                reply(&self.devices_seen(&token, &presented).await?)
            }
            RecipientCall::RecoveryStart(start) => reply(&self.recovery_start(*start).await?),
            RecipientCall::RecoveryFinish {
                token,
                presented,
                code,
            } => reply(&self.recovery_finish(&token, &presented, &code).await?),
            RecipientCall::PairingOffer {
                token,
                presented,
                digest,
            } => reply(&self.pairing_offer(&token, &presented, digest).await?),
            RecipientCall::PairingClaim {
                token,
                digest,
                browser,
            } => reply(&self.pairing_claim(&token, &digest, browser).await?),
            RecipientCall::PairingStatus { token, presented } => {
                reply(&self.pairing_status(&token, &presented).await?)
            }
            RecipientCall::PairingConfirm {
                token,
                presented,
                code,
            } => reply(&self.pairing_confirm(&token, &presented, &code).await?),
            RecipientCall::AdminDevices => reply(&self.admin_devices().await?),
            RecipientCall::RevokeDevices(revocation) => {
                reply(&self.revoke_devices(revocation).await?)
            }
            RecipientCall::IdReports => reply(&self.id_reports().await?),
            RecipientCall::EraseIdReports => reply(&self.erase_id_reports().await?),
            RecipientCall::IdFinish {
                token,
                capturer,
                device,
            } => {
                let verdict = self.id_finish(&token, &capturer).await?;
                reply(&self.bind_device(verdict, device).await?)
            }
            RecipientCall::FreshGrant { token, presented } => {
                reply(&self.fresh_grant(&token, &presented).await?)
            }
            RecipientCall::Cancel => {
                self.mark_cancelled().await?;
                reply::<()>(&Ok(()))
            }
            RecipientCall::ChangeMethod { setup, by, email } => {
                reply(&self.change_method(*setup, by, &email).await?)
            }
            RecipientCall::Replace { replacement } => reply(&self.replace(*replacement).await?),
            RecipientCall::Preview => reply(&self.preview().await?),
            RecipientCall::Status => reply(&self.status().await?),
            RecipientCall::Audit { from, limit } => {
                reply::<Vec<AuditEvent>>(&Ok(
                    AuditLog::read(&self.state.storage(), from, limit).await?
                ))
            }
        }
    }

    async fn load(&self) -> Result<Option<Loaded>> {
        if let Some(loaded) = self.cache.borrow().clone() {
            return Ok(Some(loaded));
        }
        let storage = self.state.storage();
        let Some(record) = storage.get::<RecipientRecord>(RECORD).await? else {
            return Ok(None);
        };
        let mut progress = storage.get::<Progress>(PROGRESS).await?.unwrap_or_default();
        if let Some(digest) = progress.legacy_device.take() {
            // Written with the next save; until then read the same way each time.
            let seen = Seen {
                cookie: digest,
                presented: Vec::new(),
                label: Default::default(),
            };
            let amr = fresh_grant::amr_of(&record, &progress);
            progress
                .devices
                .verified(crypto::random_id()?, seen, &amr, now_ms());
        }
        let loaded = Loaded {
            record,
            progress,
            audit: AuditLog::load(&storage).await?,
            last_opened_ms: 0,
        };
        *self.cache.borrow_mut() = Some(loaded.clone());
        Ok(Some(loaded))
    }

    /// Writes the progress and its audit events, then updates the cache.
    async fn save(&self, loaded: Loaded, events: Vec<AuditKind>) -> Result<Loaded> {
        self.state.storage().put(PROGRESS, &loaded.progress).await?;
        self.record_events(loaded, events).await
    }

    /// Appends audit events when nothing else changed, in one storage write.
    async fn record_events(&self, loaded: Loaded, events: Vec<AuditKind>) -> Result<Loaded> {
        self.record_events_with(loaded, events, js_sys::Object::new())
            .await
    }

    /// Appends audit events in one storage write with the other writes `batch` holds.
    async fn record_events_with(
        &self,
        mut loaded: Loaded,
        events: Vec<AuditKind>,
        batch: js_sys::Object,
    ) -> Result<Loaded> {
        let storage = self.state.storage();
        if events.is_empty() {
            if js_sys::Object::keys(&batch).length() > 0 {
                storage.put_multiple_raw(batch).await?;
            }
        } else {
            let events = AuditEvent::all_at(now_ms(), Some(&self.id()), events);
            loaded.audit.append_with(&storage, events, batch).await?;
        }
        *self.cache.borrow_mut() = Some(loaded.clone());
        Ok(loaded)
    }

    /// The recipient behind a presented token, if the token is theirs and still valid.
    /// [`Self::authenticate`] for a call from the browser presenting `presented` (its
    /// verification cookies' digests), with the devices whose verification lapsed gone first and
    /// that browser's device, if it is one, renewed by the use.
    async fn authenticate_in(&self, token: &str, presented: &[String]) -> Result<Reply<Loaded>> {
        let loaded = match self.authenticate(token).await? {
            Ok(loaded) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        Ok(Ok(self
            .renew_or_expire_verification(loaded, now_ms(), presented)
            .await?))
    }

    async fn authenticate(&self, token: &str) -> Result<Reply<Loaded>> {
        let Some(loaded) = self.load().await? else {
            return Ok(Err(*invalid_link()));
        };
        let genuine =
            LinkToken::parse(token).is_some_and(|t| t.matches(&loaded.record.token_digest));
        if !genuine || now_ms() >= loaded.record.expires_at {
            return Ok(Err(*invalid_link()));
        }
        Ok(Ok(loaded))
    }

    async fn init(&self, record: RecipientRecord) -> Result<Reply<()>> {
        if self.load().await?.is_some() {
            return Ok(Err(*fail(
                ErrorCode::InvalidRequest,
                "recipient exists already",
            )));
        }
        self.state.storage().put(RECORD, &record).await?;
        let loaded = Loaded {
            record,
            progress: Progress::default(),
            audit: AuditLog::default(),
            last_opened_ms: 0,
        };
        *self.cache.borrow_mut() = Some(loaded);
        Ok(Ok(()))
    }

    async fn view(&self, token: &str, presented: &[String]) -> Result<Reply<ViewReply>> {
        let mut loaded = match self.authenticate_in(token, presented).await? {
            Ok(loaded) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        let now = now_ms();
        let state = loaded.state_in(presented);
        if now >= loaded.last_opened_ms + REOPEN_WINDOW_MS {
            loaded.last_opened_ms = now;
            let method_shown = (state == RecipientState::Pending).then_some(loaded.record.method);
            loaded = self
                .record_events(loaded, vec![AuditKind::LinkOpened { method_shown }])
                .await?;
        }
        let record = &loaded.record;
        // A cancelled link tells its holder only that, and whom to ask.
        let open = state != RecipientState::Cancelled;
        let view = RecipientView {
            state,
            sender: record.sender.clone(),
            support_contact: None,
            method: open.then_some(record.method),
            recipient_name: open.then(|| record.name.clone()),
            recipient_email: open.then(|| record.email.clone()),
            agreement_title: open.then(|| record.title.clone()),
            tries_left: if open { self.tries_left(&loaded) } else { None },
            providers: Vec::new(),
            phone_last4: open
                .then(|| record.phone.as_deref().map(signgate_core::phone::last4))
                .flatten(),
            codes: if open {
                one_time_codes::code_view(&loaded, now)
            } else {
                None
            },
            preview: false,
            new_devices: open && {
                let devices = &loaded.progress.devices;
                let this = devices.by_cookie(presented).map(|d| d.id.as_str());
                !devices.unseen_by(this).is_empty()
            },
        };
        Ok(Ok(ViewReply {
            view,
            account_id: record.account_id.clone(),
            login_providers: match (&record.login, open) {
                (Some(rules), true) => rules.providers.clone(),
                _ => Vec::new(),
            },
        }))
    }

    async fn check_password(
        &self,
        token: &str,
        password: &str,
        presented: &[String],
    ) -> Result<Reply<VerifiedResponse>> {
        let _one_check_at_a_time = self.checking.lock().await;
        let loaded = match self.authenticate(token).await? {
            Ok(loaded) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        if loaded.record.method != Method::Password {
            return Ok(Err(*fail(
                ErrorCode::WrongMethod,
                "This link does not use a password.",
            )));
        }
        match loaded.state_in(presented) {
            RecipientState::Verified => return Ok(Err(*already_verified())),
            RecipientState::Cancelled => {
                return self.refuse(loaded, RefusalReason::Cancelled).await;
            }
            RecipientState::Pending => {}
        }
        if let Err(problem) = signgate_core::password::check_entry(password) {
            let tries_left = loaded.progress.attempts.tries_left(loaded.record.try_limit);
            return Ok(Err(not_counted(
                ErrorCode::InvalidPassword,
                problem,
                tries_left,
            )));
        }
        if let Gate::Throttled { .. } = loaded.progress.attempts.gate(now_ms()) {
            return self.refuse(loaded, RefusalReason::Throttled).await;
        }

        let stored = loaded.record.password_hash.as_deref().unwrap_or_default();
        let right =
            crypto::password_matches(&config::password_pepper(&self.env)?, stored, password)
                .await?;

        // The agreement may have been cancelled (by another recipient) while we hashed.
        let loaded = self.load().await?.expect("loaded above");
        if loaded.progress.state == RecipientState::Cancelled {
            return self.refuse(loaded, RefusalReason::Cancelled).await;
        }
        if right {
            self.verified(loaded, "pwd").await
        } else {
            self.wrong(loaded, ErrorCode::WrongPassword).await
        }
    }

    /// A right password or code, or a proven identity: the agreement confirms, then the recipient
    /// is verified. `amr` names how in the grant: RFC 8176's `pwd`, `sms`, `tel`, `otp`, `kba`, or `fed`
    /// for a login at an identity provider (RFC 8176 has no value for federation).
    async fn verified(&self, loaded: Loaded, amr: &str) -> Result<Reply<VerifiedResponse>> {
        self.verified_with(loaded, amr, None, None).await
    }

    /// [`Self::verified`], saving `codes` (the book after the right code was accepted) only with a
    /// positive verdict: if the agreement cannot be reached the code stays usable, and a
    /// cancellation locks the book anyway. Writing a book read before the agreement call is safe
    /// because the caller holds the check lock and the state is re-read for a cancellation first.
    async fn verified_with(
        &self,
        loaded: Loaded,
        amr: &str,
        codes: Option<CodeBook>,
        signature_name: Option<String>,
    ) -> Result<Reply<VerifiedResponse>> {
        let method = loaded.record.method;
        // Ready before anything changes: a verified signer always gets their grant.
        let mut response = self.grant(&loaded.record, amr)?;
        response.signature_name = signature_name.clone();
        if loaded.progress.state == RecipientState::Verified {
            return self.verified_again(loaded, amr, codes, response).await;
        }
        let agreement = stub(&self.env, AGREEMENTS_BINDING, &loaded.record.agreement_id)?;
        let verified = AgreementCall::RecipientVerified {
            recipient_id: self.id(),
            method,
        };
        let verdict = call::<_, ()>(&agreement, &verified).await?;
        // Nothing is saved if the agreement cannot answer: the signer may simply try again.
        if let Err(refusal) = verdict {
            if refusal.code != ErrorCode::Cancelled {
                return Err(worker::Error::RustError(refusal.message));
            }
            self.mark_cancelled().await?;
            let loaded = self.load().await?.expect("loaded above");
            return self.refuse(loaded, RefusalReason::Cancelled).await;
        }
        let mut loaded = self.load().await?.expect("loaded above");
        if loaded.progress.state == RecipientState::Cancelled {
            // Cancelled by the agreement while it recorded us: the cancellation stands.
            return self.refuse(loaded, RefusalReason::Cancelled).await;
        }
        loaded.progress.state = RecipientState::Verified;
        loaded.progress.signature_name = signature_name;
        loaded.note_verification(amr, codes);
        self.save(loaded, vec![AuditKind::Verified { method }])
            .await?;
        Ok(Ok(response))
    }

    /// A recipient verified before proves themselves again in another browser: the agreement
    /// knows already, so only this recipient's trail (and, by the caller, its devices) change.
    /// The name a check locked into the signature stays the one of the first verification.
    async fn verified_again(
        &self,
        mut loaded: Loaded,
        amr: &str,
        codes: Option<CodeBook>,
        mut response: VerifiedResponse,
    ) -> Result<Reply<VerifiedResponse>> {
        let method = loaded.record.method;
        loaded.note_verification(amr, codes);
        response.signature_name = loaded.progress.signature_name.clone();
        self.save(loaded, vec![AuditKind::VerifiedOnAnotherDevice { method }])
            .await?;
        Ok(Ok(response))
    }

    /// An entry of the method that does not hold (a password, a passkey's answer): counted, and
    /// the last try locks the link and cancels the agreement. `code` names it to the signer.
    async fn wrong(&self, mut loaded: Loaded, code: ErrorCode) -> Result<Reply<VerifiedResponse>> {
        let method = loaded.record.method;
        let limit = loaded.record.try_limit;
        let outcome = loaded.progress.attempts.record_failure(limit, now_ms());
        let failures = loaded.progress.attempts.failures();
        let tries_left = loaded.progress.attempts.tries_left(limit);
        let failed = AuditKind::VerificationFailed {
            method,
            failures,
            tries_left,
        };
        match outcome {
            AfterFailure::TriesLeft(tries_left) => {
                self.save(loaded, vec![failed]).await?;
                Ok(Err(wrong_entry(code, tries_left)))
            }
            AfterFailure::Locked => {
                loaded.progress.state = RecipientState::Cancelled;
                loaded.progress.agreement_told = false;
                let loaded = self.save(loaded, vec![failed]).await?;
                self.tell_agreement_locked(loaded).await?;
                let mut error = *cancelled();
                error.tries_left = Some(0);
                Ok(Err(error))
            }
            AfterFailure::Refused(Gate::Throttled { .. }) => {
                self.refuse(loaded, RefusalReason::Throttled).await
            }
            AfterFailure::Refused(_) => self.refuse(loaded, RefusalReason::Cancelled).await,
        }
    }

    /// Tells the agreement this recipient is locked, so it cancels and locks every other link. If
    /// the agreement cannot be reached now, the alarm tries again until it confirms.
    async fn tell_agreement_locked(&self, loaded: Loaded) -> Result<()> {
        if loaded.progress.state != RecipientState::Cancelled || loaded.progress.agreement_told {
            return Ok(());
        }
        let agreement = stub(&self.env, AGREEMENTS_BINDING, &loaded.record.agreement_id)?;
        let locked = AgreementCall::RecipientLocked {
            recipient_id: self.id(),
            method: loaded.record.method,
        };
        match call_ok::<_, ()>(&agreement, &locked).await {
            Ok(()) => {
                // Other events ran while we waited (a view may have audited): start from now.
                let mut current = self.load().await?.expect("loaded above");
                current.progress.agreement_told = true;
                self.save(current, Vec::new()).await?;
            }
            Err(error) => {
                worker::console_error!(
                    "telling the agreement about a lock failed, retrying: {error}"
                );
                self.alarm_by(now_ms() + RETRY_TELLING_AFTER_MS).await?;
            }
        }
        Ok(())
    }

    /// Refuses an entry without checking it, so a cancelled link says nothing about the password.
    /// Repeated refusals are counted in a window ([`RefusalWindow`]), whose count the alarm writes
    /// when it ends.
    async fn refuse(
        &self,
        mut loaded: Loaded,
        reason: RefusalReason,
    ) -> Result<Reply<VerifiedResponse>> {
        let now = now_ms();
        let retry_after_ms = match loaded.progress.attempts.gate(now) {
            Gate::Throttled { retry_after_ms } => Some(retry_after_ms),
            _ => None,
        };
        let method = loaded.record.method;
        let window = config::refusal_window_ms(&self.env);
        let events =
            RefusalWindow::refuse(&mut loaded.progress.refusals, method, reason, now, window);
        let window_opened = !events.is_empty();
        let loaded = self.save(loaded, events).await?;
        if let (true, Some(window)) = (window_opened, loaded.progress.refusals) {
            self.alarm_by(window.ends_at()).await?;
        }
        Ok(Err(match reason {
            RefusalReason::Cancelled => *cancelled(),
            RefusalReason::Throttled => {
                let mut error = *fail(
                    ErrorCode::Throttled,
                    "Too many tries in a row. Please wait a moment.",
                );
                error.retry_after_secs = retry_after_ms.map(|ms| ms.div_ceil(1000));
                error
            }
        }))
    }

    /// Makes the alarm ring by `at_ms` at the latest, keeping an earlier one.
    async fn alarm_by(&self, at_ms: u64) -> Result<()> {
        let storage = self.state.storage();
        if storage
            .get_alarm()
            .await?
            .is_some_and(|due| (due as u64) <= at_ms)
        {
            return Ok(());
        }
        storage
            .set_alarm(Duration::from_millis(at_ms.saturating_sub(now_ms())))
            .await
    }

    fn grant(&self, record: &RecipientRecord, amr: &str) -> Result<VerifiedResponse> {
        let now = now_ms() / 1000;
        let claims = GrantClaims {
            iss: grant::ISSUER.into(),
            sub: self.id(),
            agreement_id: record.agreement_id.clone(),
            amr: vec![amr.into()],
            iat: now,
            exp: now + grant::GRANT_LIFETIME_SECS,
            jti: crypto::random_id()?,
        };
        Ok(VerifiedResponse {
            grant: grant::sign(&claims, &config::grant_signing_key(&self.env)?),
            grant_expires_at: claims.exp,
            continue_url: record.continue_url.clone(),
            signature_name: None,
            recovery_code: None,
        })
    }

    /// The agreement was cancelled: this link stops working too, verified or not. Takes no lock
    /// (see the module doc).
    async fn mark_cancelled(&self) -> Result<()> {
        if let Some(mut loaded) = self.load().await?
            && loaded.progress.state != RecipientState::Cancelled
        {
            loaded.progress.state = RecipientState::Cancelled;
            loaded.progress.attempts.lock();
            let voided = loaded.progress.codes.lock();
            loaded.progress.kba.book.lock();
            let photos = Self::id_ended_outside(&mut loaded);
            // A login grant not yet collected must not be handed out any more.
            loaded.progress.collectable = None;
            // The agreement is the one telling us: nothing to tell it back.
            loaded.progress.agreement_told = true;
            self.save(loaded, Vec::new()).await?;
            codes::forget(&self.env, &self.id(), &voided).await;
            crate::id_check::photos::delete(&self.env, photos).await;
        }
        Ok(())
    }

    async fn status(&self) -> Result<Reply<RecipientStatus>> {
        let Some(loaded) = self.load().await? else {
            return Ok(Err(*invalid_link()));
        };
        // An expired verification counts as none, even before the signer comes back.
        let expired = self.verification_expiry(&loaded, now_ms()).await?.is_some();
        let (record, progress) = (&loaded.record, &loaded.progress);
        Ok(Ok(RecipientStatus {
            id: self.id(),
            name: record.name.clone(),
            email: record.email.clone(),
            method: record.method,
            internal: record.internal,
            state: if expired {
                RecipientState::Pending
            } else {
                progress.state
            },
            failures: match (record.code_rules, record.kba, record.id_check) {
                (Some(_), _, _) => progress.codes.failures(),
                (_, Some(_), _) => progress.kba.book.failures(),
                (_, _, Some(_)) => progress.id_check.book.failures(),
                _ => progress.attempts.failures(),
            },
            tries_left: self.tries_left(&loaded),
            phone_last4: record.phone.as_deref().map(signgate_core::phone::last4),
            signature_name: progress.signature_name.clone(),
        }))
    }

    fn id(&self) -> String {
        self.state.id().to_string()
    }

    /// Wrong entries left, as the signer and the sender see it.
    fn tries_left(&self, loaded: &Loaded) -> Option<u32> {
        let (record, progress) = (&loaded.record, &loaded.progress);
        match (&record.code_rules, &record.kba, &record.id_check) {
            (Some(rules), _, _) => Some(progress.codes.tries_left(rules)),
            (_, Some(rules), _) => progress.kba.book.tries_left(rules),
            (_, _, Some(rules)) => progress.id_check.book.tries_left(rules),
            _ => progress.attempts.tries_left(record.try_limit),
        }
    }

    /// Why this recipient's verification no longer holds (e-mail code: maximum age, inactivity,
    /// an account reset), if it is verified and it lapsed on every device it was active on.
    async fn verification_expiry(&self, loaded: &Loaded, now: u64) -> Result<Option<ExpiryReason>> {
        let Some(rules) = loaded.record.verification_rules else {
            return Ok(None);
        };
        if loaded.progress.state != RecipientState::Verified {
            return Ok(None);
        }
        let reset_at =
            accounts::verifications_reset_at(&self.env, &loaded.record.account_id).await?;
        let mut devices = loaded.progress.devices.clone();
        let lapsed = devices.expire(&rules, reset_at, now);
        Ok(lapsed_everywhere(&lapsed, &devices))
    }

    /// A verification that can expire holds on each device for that device's own period: the
    /// asking browser's device (`presented`) is renewed by its use, the devices whose
    /// verification lapsed are removed, and once none is left the recipient is unverified: the
    /// signer verifies again.
    async fn renew_or_expire_verification(
        &self,
        loaded: Loaded,
        now: u64,
        presented: &[String],
    ) -> Result<Loaded> {
        let Some(rules) = loaded.record.verification_rules else {
            return Ok(loaded);
        };
        if loaded.progress.state != RecipientState::Verified {
            return Ok(loaded);
        }
        let reset_at =
            accounts::verifications_reset_at(&self.env, &loaded.record.account_id).await?;
        // Other events ran while KV answered (a cancellation, another visit): act on the present.
        let mut current = self.load().await?.expect("loaded above");
        if current.progress.state != RecipientState::Verified {
            return Ok(current);
        }
        let devices = &mut current.progress.devices;
        let lapsed = devices.expire(&rules, reset_at, now);
        if let Some(asking) = devices.by_cookie(presented).map(|d| d.id.clone()) {
            devices.touch(&asking, now);
        }
        let Some(reason) = lapsed_everywhere(&lapsed, devices) else {
            return self.save(current, lapsed_events(lapsed)).await;
        };
        // The last device lapsed. Nothing is saved before the agreement knows: if it cannot be
        // told now, the next visit finds the same and tries again.
        let agreement = stub(&self.env, AGREEMENTS_BINDING, &current.record.agreement_id)?;
        let unverified = AgreementCall::RecipientUnverified {
            recipient_id: self.id(),
        };
        call_ok::<_, ()>(&agreement, &unverified).await?;
        let mut current = self.load().await?.expect("loaded above");
        if current.progress.state != RecipientState::Verified {
            return Ok(current);
        }
        let mut events = lapsed_events(current.progress.devices.expire(&rules, reset_at, now));
        current.progress.state = RecipientState::Pending;
        let method = current.record.method;
        events.push(AuditKind::VerificationExpired { method, reason });
        self.save(current, events).await
    }
}

/// Whether `lapsed` (taken out of `devices`) were the last devices the verification was active
/// on: why, for the last of them.
fn lapsed_everywhere(
    lapsed: &[(String, ExpiryReason)],
    devices: &DeviceBook,
) -> Option<ExpiryReason> {
    let (_, reason) = lapsed.last()?;
    devices.devices().is_empty().then_some(*reason)
}

fn lapsed_events(lapsed: Vec<(String, ExpiryReason)>) -> Vec<AuditKind> {
    lapsed
        .into_iter()
        .map(|(device, reason)| AuditKind::DeviceExpired { device, reason })
        .collect()
}

fn already_verified() -> crate::http::Failure {
    fail(ErrorCode::AlreadyVerified, "You are verified already.")
}
