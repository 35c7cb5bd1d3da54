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

use futures_util::future::join_all;
use futures_util::lock::Mutex;
use serde::{Deserialize, Serialize};
use signgate_core::attempts::{AfterFailure, Attempts, Gate, TryLimit};
use signgate_core::audit::{AuditEvent, AuditKind, RefusalReason};
use signgate_core::grant::{self, GrantClaims};
use signgate_core::otp::{AfterWrong, Channel, CodeBook, CodeRules, EntryGate, SendRefusal};
use signgate_core::outgoing::{self, CodeContext, Language};
use signgate_core::policy::Method;
use signgate_core::token::LinkToken;
use signgate_core::verification::{ExpiryReason, Verification, VerificationRules};
use signgate_core::wire::{
    CodeSent, CodeView, Contact, ErrorCode, RecipientState, RecipientStatus, RecipientView,
    VerifiedResponse,
};
use worker::{DurableObject, Env, Request, Response, Result, State, durable_object};

use super::agreement::AgreementCall;
use super::{AuditLog, Reply, call, call_ok, reply, stub};
use crate::config::{self, AGREEMENTS_BINDING, now_ms};
use crate::delivery::Courier;
use crate::http::{cancelled, fail, invalid_link};
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
    /// When a verification that can expire was made and last used.
    #[serde(default)]
    verification: Option<Verification>,
}

impl Default for Progress {
    fn default() -> Self {
        Self {
            state: RecipientState::Pending,
            attempts: Attempts::default(),
            agreement_told: false,
            codes: CodeBook::default(),
            verification: None,
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

#[derive(Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum RecipientCall {
    Init {
        record: Box<RecipientRecord>,
    },
    View {
        token: String,
    },
    CheckPassword {
        token: String,
        password: String,
    },
    SendCode {
        token: String,
        channel: Channel,
        language: Language,
        /// The app's host, for the SMS's WebOTP line.
        host: String,
    },
    CheckCode {
        token: String,
        code: String,
    },
    Cancel,
    Status,
    Audit,
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
            Self::Cancel => "Cancel",
            Self::Status => "Status",
            Self::Audit => "Audit",
        };
        f.write_str(name)
    }
}

/// The view plus what the route needs to complete it from the account.
#[derive(Debug, Serialize, Deserialize)]
pub struct ViewReply {
    pub view: RecipientView,
    pub account_id: String,
}

const RECORD: &str = "record";
const PROGRESS: &str = "progress";
const REOPEN_WINDOW_MS: u64 = 60_000;
const RETRY_TELLING_AFTER: Duration = Duration::from_secs(10);

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

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        match req.json::<RecipientCall>().await? {
            RecipientCall::Init { record } => reply(&self.init(*record).await?),
            RecipientCall::View { token } => reply(&self.view(&token).await?),
            RecipientCall::CheckPassword { token, password } => {
                reply(&self.check_password(&token, &password).await?)
            }
            RecipientCall::SendCode {
                token,
                channel,
                language,
                host,
            } => reply(&self.send_code(&token, channel, language, &host).await?),
            RecipientCall::CheckCode { token, code } => {
                reply(&self.check_code(&token, &code).await?)
            }
            RecipientCall::Cancel => {
                self.mark_cancelled().await?;
                reply::<()>(&Ok(()))
            }
            RecipientCall::Status => reply(&self.status().await?),
            RecipientCall::Audit => {
                reply::<Vec<AuditEvent>>(&Ok(AuditLog::read(&self.state.storage()).await?))
            }
        }
    }

    /// Retries telling the agreement about a lock until it confirms.
    async fn alarm(&self) -> Result<Response> {
        if let Some(loaded) = self.load().await? {
            self.tell_agreement_locked(loaded).await?;
        }
        Response::ok("done")
    }
}

impl RecipientObject {
    async fn load(&self) -> Result<Option<Loaded>> {
        if let Some(loaded) = self.cache.borrow().clone() {
            return Ok(Some(loaded));
        }
        let storage = self.state.storage();
        let Some(record) = storage.get::<RecipientRecord>(RECORD).await? else {
            return Ok(None);
        };
        let progress = storage.get::<Progress>(PROGRESS).await?.unwrap_or_default();
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
    async fn record_events(&self, mut loaded: Loaded, events: Vec<AuditKind>) -> Result<Loaded> {
        let storage = self.state.storage();
        if !events.is_empty() {
            let at = now_ms();
            let recipient_id = Some(self.id());
            let events = events
                .into_iter()
                .map(|kind| AuditEvent {
                    at,
                    recipient_id: recipient_id.clone(),
                    kind,
                })
                .collect();
            loaded.audit.append(&storage, events).await?;
        }
        *self.cache.borrow_mut() = Some(loaded.clone());
        Ok(loaded)
    }

    /// The recipient behind a presented token, if the token is theirs and still valid.
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

    async fn view(&self, token: &str) -> Result<Reply<ViewReply>> {
        let mut loaded = match self.authenticate(token).await? {
            Ok(loaded) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        let now = now_ms();
        loaded = self.renew_or_expire_verification(loaded, now).await?;
        let state = loaded.progress.state;
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
            phone_last4: open
                .then(|| record.phone.as_deref().map(signgate_core::phone::last4))
                .flatten(),
            codes: if open { code_view(&loaded, now) } else { None },
        };
        Ok(Ok(ViewReply {
            view,
            account_id: record.account_id.clone(),
        }))
    }

    async fn check_password(&self, token: &str, password: &str) -> Result<Reply<VerifiedResponse>> {
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
        match loaded.progress.state {
            RecipientState::Verified => return Ok(Err(*already_verified())),
            RecipientState::Cancelled => {
                return self.refuse(loaded, RefusalReason::Cancelled).await;
            }
            RecipientState::Pending => {}
        }
        if let Err(problem) = signgate_core::password::check_entry(password) {
            let mut error = *fail(
                ErrorCode::InvalidPassword,
                format!("Not counted as a try: {problem}."),
            );
            error.tries_left = loaded.progress.attempts.tries_left(loaded.record.try_limit);
            return Ok(Err(error));
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
            self.wrong(loaded).await
        }
    }

    /// A right password or code: the agreement confirms, then the recipient is verified. `amr`
    /// names how (RFC 8176) in the grant.
    async fn verified(&self, loaded: Loaded, amr: &str) -> Result<Reply<VerifiedResponse>> {
        self.verified_with(loaded, amr, None).await
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
    ) -> Result<Reply<VerifiedResponse>> {
        let method = loaded.record.method;
        // Ready before anything changes: a verified signer always gets their grant.
        let response = self.grant(&loaded.record, amr)?;
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
        if let Some(codes) = codes {
            loaded.progress.codes = codes;
        }
        if loaded.record.verification_rules.is_some() {
            loaded.progress.verification = Some(Verification::new(now_ms()));
        }
        self.save(loaded, vec![AuditKind::Verified { method }])
            .await?;
        Ok(Ok(response))
    }

    async fn wrong(&self, mut loaded: Loaded) -> Result<Reply<VerifiedResponse>> {
        let method = Method::Password;
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
                let mut error = *fail(ErrorCode::WrongPassword, "That password is not right.");
                error.tries_left = tries_left;
                Ok(Err(error))
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
                self.state.storage().set_alarm(RETRY_TELLING_AFTER).await?;
            }
        }
        Ok(())
    }

    /// Refuses an entry without checking it, so a cancelled link says nothing about the password.
    async fn refuse(
        &self,
        loaded: Loaded,
        reason: RefusalReason,
    ) -> Result<Reply<VerifiedResponse>> {
        let retry_after_ms = match loaded.progress.attempts.gate(now_ms()) {
            Gate::Throttled { retry_after_ms } => Some(retry_after_ms),
            _ => None,
        };
        let method = loaded.record.method;
        self.record_events(loaded, vec![AuditKind::AttemptRefused { method, reason }])
            .await?;
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
            // The agreement is the one telling us: nothing to tell it back.
            loaded.progress.agreement_told = true;
            self.save(loaded, Vec::new()).await?;
            codes::forget(&self.env, &self.id(), &voided).await;
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
            failures: match record.code_rules {
                Some(_) => progress.codes.failures(),
                None => progress.attempts.failures(),
            },
            tries_left: self.tries_left(&loaded),
            phone_last4: record.phone.as_deref().map(signgate_core::phone::last4),
        }))
    }

    fn id(&self) -> String {
        self.state.id().to_string()
    }

    /// Wrong entries left, as the signer and the sender see it.
    fn tries_left(&self, loaded: &Loaded) -> Option<u32> {
        let (record, progress) = (&loaded.record, &loaded.progress);
        match &record.code_rules {
            Some(rules) => Some(progress.codes.tries_left(rules)),
            None => progress.attempts.tries_left(record.try_limit),
        }
    }

    /// Why this recipient's verification no longer holds (e-mail code: maximum age, inactivity,
    /// an account reset), if it is verified and it does not.
    async fn verification_expiry(&self, loaded: &Loaded, now: u64) -> Result<Option<ExpiryReason>> {
        let (Some(rules), Some(verification)) = (
            loaded.record.verification_rules,
            loaded.progress.verification,
        ) else {
            return Ok(None);
        };
        if loaded.progress.state != RecipientState::Verified {
            return Ok(None);
        }
        let reset_at =
            accounts::verifications_reset_at(&self.env, &loaded.record.account_id).await?;
        Ok(verification.expired(&rules, reset_at, now))
    }

    /// A verification that can expire is renewed by each visit, or, once expired, undone: the
    /// signer verifies again.
    async fn renew_or_expire_verification(&self, loaded: Loaded, now: u64) -> Result<Loaded> {
        if loaded.progress.verification.is_none() {
            return Ok(loaded);
        }
        let expiry = self.verification_expiry(&loaded, now).await?;
        // Other events ran while KV answered (a cancellation, another visit): act on the present.
        let mut current = self.load().await?.expect("loaded above");
        let verified = current.progress.state == RecipientState::Verified;
        let (true, Some(mut verification)) = (verified, current.progress.verification) else {
            return Ok(current);
        };
        let Some(reason) = expiry else {
            verification.touch(now);
            current.progress.verification = Some(verification);
            return self.save(current, Vec::new()).await;
        };
        let agreement = stub(&self.env, AGREEMENTS_BINDING, &current.record.agreement_id)?;
        let unverified = AgreementCall::RecipientUnverified {
            recipient_id: self.id(),
        };
        call_ok::<_, ()>(&agreement, &unverified).await?;
        let mut current = self.load().await?.expect("loaded above");
        if current.progress.state != RecipientState::Verified {
            return Ok(current);
        }
        current.progress.state = RecipientState::Pending;
        current.progress.verification = None;
        let method = current.record.method;
        self.save(
            current,
            vec![AuditKind::VerificationExpired { method, reason }],
        )
        .await
    }

    /// Sends a new code by `channel`, if the rules allow one now.
    async fn send_code(
        &self,
        token: &str,
        channel: Channel,
        language: Language,
        host: &str,
    ) -> Result<Reply<CodeSent>> {
        let _one_at_a_time = self.checking.lock().await;
        let loaded = match self.authenticate(token).await? {
            Ok(loaded) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        let rules = match code_rules_for(&loaded, channel) {
            Ok(rules) => rules,
            Err(e) => return Ok(Err(*e)),
        };
        match loaded.progress.state {
            RecipientState::Verified => return Ok(Err(*already_verified())),
            RecipientState::Cancelled => return Ok(Err(*cancelled())),
            RecipientState::Pending => {}
        }
        let Some(courier) = Courier::for_channel(&self.env, channel) else {
            return Ok(Err(*fail(
                ErrorCode::NotConfigured,
                format!(
                    "Codes cannot be sent by {} here yet. Please ask the sender.",
                    channel.name()
                ),
            )));
        };
        let destination = match channel {
            Channel::Sms | Channel::Voice => loaded.record.phone.clone(),
            Channel::Email => Some(loaded.record.email.clone()),
        }
        .ok_or_else(|| worker::Error::RustError("a phone recipient without a number".into()))?;

        // Tests and local development may shorten the lifetime, never lengthen it.
        let rules = CodeRules {
            lifetime_ms: config::dev_code_lifetime_ms(&self.env)
                .map_or(rules.lifetime_ms, |dev| dev.min(rules.lifetime_ms)),
            ..rules
        };
        let now = now_ms();
        let code_id = crypto::random_id()?;
        let mut loaded = loaded;
        let issued = match loaded
            .progress
            .codes
            .issue(&rules, code_id.clone(), channel, now)
        {
            Ok(issued) => issued,
            Err(SendRefusal::Locked) => return Ok(Err(*cancelled())),
            Err(SendRefusal::Cooldown { retry_after_ms }) => {
                return Ok(Err(resend_too_soon(
                    "Please wait a little before asking for another code.",
                    retry_after_ms,
                )));
            }
            Err(SendRefusal::HourlyCap { retry_after_ms }) => {
                return Ok(Err(resend_too_soon(
                    "That is the most codes we send in an hour. Please use one you have, or wait.",
                    retry_after_ms,
                )));
            }
        };
        let code = codes::generate(rules.digits)?;
        let live = loaded
            .progress
            .codes
            .live(now)
            .find(|c| c.id == code_id)
            .cloned()
            .expect("just issued");
        let pepper = config::code_pepper(&self.env)?;
        codes::store(&self.env, &pepper, &self.id(), &live, &code, now).await?;
        // The code is live before it goes out: once it arrives it can be entered. The book read
        // before KV's await is still current (sends and checks hold the lock) unless the agreement
        // cancelled meanwhile; then the locked book stays.
        let mut current = self.load().await?.expect("loaded above");
        if current.progress.state == RecipientState::Cancelled {
            codes::forget(&self.env, &self.id(), &[code_id]).await;
            return Ok(Err(*cancelled()));
        }
        current.progress.codes = loaded.progress.codes;
        self.save(current, Vec::new()).await?;
        codes::forget(&self.env, &self.id(), &issued.voided).await;

        let record = &loaded.record;
        let message = outgoing::message(
            channel,
            &destination,
            &CodeContext {
                language,
                code: &code,
                lifetime_minutes: rules.lifetime_ms.div_ceil(60_000),
                host,
                agreement_title: &record.title,
                sender_name: &record.sender.name,
            },
        );
        let masked = outgoing::masked_destination(channel, &destination);
        let delivered = courier.deliver(&self.env, &message).await?;
        let mut current = self.load().await?.expect("loaded above");
        let cancelled_meanwhile = current.progress.state == RecipientState::Cancelled;
        match delivered {
            Ok(()) if cancelled_meanwhile => {
                // It went out, but cancelling locked the book: say so, and that it was sent.
                let sent = AuditKind::CodeSent {
                    channel,
                    destination: masked,
                };
                self.save(current, vec![sent]).await?;
                Ok(Err(*cancelled()))
            }
            Ok(()) => {
                let next_send_in_ms = current.progress.codes.next_send_in_ms(&rules, now_ms());
                self.save(
                    current,
                    vec![AuditKind::CodeSent {
                        channel,
                        destination: masked.clone(),
                    }],
                )
                .await?;
                Ok(Ok(CodeSent {
                    channel,
                    destination: masked,
                    digits: rules.digits,
                    expires_in_secs: issued.expires_at.saturating_sub(now_ms()).div_ceil(1000),
                    next_send_in_secs: next_send_in_ms.div_ceil(1000),
                }))
            }
            Err(refused) => {
                worker::console_error!("a code could not be delivered: {}", refused.0);
                current.progress.codes.withdraw(&code_id);
                self.save(
                    current,
                    vec![AuditKind::CodeDeliveryFailed {
                        channel,
                        error: refused.0,
                    }],
                )
                .await?;
                codes::forget(&self.env, &self.id(), &[code_id]).await;
                Ok(Err(*fail(
                    ErrorCode::DeliveryFailed,
                    "The code could not be sent. Please try again in a moment, or choose another way.",
                )))
            }
        }
    }

    /// One code entry: compared with every live code (an older one still valid counts).
    async fn check_code(&self, token: &str, entry: &str) -> Result<Reply<VerifiedResponse>> {
        let _one_at_a_time = self.checking.lock().await;
        let loaded = match self.authenticate(token).await? {
            Ok(loaded) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        let Some(rules) = loaded.record.code_rules else {
            return Ok(Err(*fail(
                ErrorCode::WrongMethod,
                "This link does not use codes.",
            )));
        };
        match loaded.progress.state {
            RecipientState::Verified => return Ok(Err(*already_verified())),
            RecipientState::Cancelled => {
                return self.refuse(loaded, RefusalReason::Cancelled).await;
            }
            RecipientState::Pending => {}
        }
        let entry = match signgate_core::otp::normalize_entry(entry, rules.digits) {
            Ok(entry) => entry,
            Err(problem) => {
                let mut error = *fail(
                    ErrorCode::InvalidCode,
                    format!("Not counted as a try: {problem}."),
                );
                error.tries_left = self.tries_left(&loaded);
                return Ok(Err(error));
            }
        };
        let now = now_ms();
        match loaded.progress.codes.gate(now) {
            EntryGate::Locked => return self.refuse(loaded, RefusalReason::Cancelled).await,
            EntryGate::NoCode => return Ok(Err(*no_code())),
            EntryGate::Open => {}
        }

        let pepper = config::code_pepper(&self.env)?;
        let candidates: Vec<_> = loaded.progress.codes.live(now).cloned().collect();
        let id = self.id();
        // Every live code is compared, matched or not (so timing says nothing about which), and
        // their digests are read from KV at once.
        let verdicts = join_all(
            candidates
                .iter()
                .map(|code| codes::matches(&self.env, &pepper, &id, code.into(), &entry, now)),
        )
        .await;
        let (mut matched, mut unreadable) = (None, false);
        for (code, verdict) in candidates.iter().zip(verdicts) {
            match verdict? {
                Some(true) => matched = matched.or(Some(code.id.clone())),
                Some(false) => {}
                None => unreadable = true,
            }
        }

        if unreadable {
            // No verdict at all, so a guess gains nothing while a digest is missing.
            worker::console_error!("a live code's digest could not be read from KV");
            return Ok(Err(*fail(
                ErrorCode::Internal,
                "Your code could not be checked just now. Please try again in a moment; this did \
                 not count as a try.",
            )));
        }

        // Other events ran while KV answered: decide on the current state.
        let loaded = self.load().await?.expect("loaded above");
        if loaded.progress.state == RecipientState::Cancelled {
            return self.refuse(loaded, RefusalReason::Cancelled).await;
        }
        let now = now_ms();
        if let Some(id) = matched {
            let mut book = loaded.progress.codes.clone();
            let Some(channel) = book.accept(&id, now) else {
                // Expired or voided while we compared: as good as no code.
                return Ok(Err(*no_code()));
            };
            let response = self
                .verified_with(loaded, channel.amr(), Some(book))
                .await?;
            if response.is_ok() {
                let used: Vec<String> = candidates.into_iter().map(|c| c.id).collect();
                codes::forget(&self.env, &self.id(), &used).await;
            }
            return Ok(response);
        }
        self.wrong_code(loaded, &rules, now).await
    }

    async fn wrong_code(
        &self,
        mut loaded: Loaded,
        rules: &CodeRules,
        now: u64,
    ) -> Result<Reply<VerifiedResponse>> {
        let method = loaded.record.method;
        let outcome = loaded.progress.codes.record_wrong(rules, now);
        let tries_left = match outcome {
            AfterWrong::TriesLeft(n) => n,
            _ => 0,
        };
        let failed = AuditKind::VerificationFailed {
            method,
            failures: loaded.progress.codes.failures(),
            tries_left: Some(tries_left),
        };
        match outcome {
            AfterWrong::TriesLeft(tries_left) => {
                self.save(loaded, vec![failed]).await?;
                let mut error = *fail(ErrorCode::WrongCode, "That code is not right.");
                error.tries_left = Some(tries_left);
                Ok(Err(error))
            }
            AfterWrong::Voided { voided } => {
                self.save(loaded, vec![failed, AuditKind::CodesVoided { method }])
                    .await?;
                codes::forget(&self.env, &self.id(), &voided).await;
                let mut error = *fail(
                    ErrorCode::CodesVoided,
                    "That code is not right, and that was too many wrong codes: every code sent \
                     to you is void now. Please ask for a new one.",
                );
                error.tries_left = Some(0);
                Ok(Err(error))
            }
            AfterWrong::Locked { voided } => {
                loaded.progress.state = RecipientState::Cancelled;
                loaded.progress.agreement_told = false;
                let loaded = self.save(loaded, vec![failed]).await?;
                codes::forget(&self.env, &self.id(), &voided).await;
                self.tell_agreement_locked(loaded).await?;
                let mut error = *cancelled();
                error.tries_left = Some(0);
                Ok(Err(error))
            }
            AfterWrong::Refused(EntryGate::NoCode) => Ok(Err(*no_code())),
            AfterWrong::Refused(_) => self.refuse(loaded, RefusalReason::Cancelled).await,
        }
    }
}

/// The rules for sending by `channel`, if this recipient's method uses it.
fn code_rules_for(
    loaded: &Loaded,
    channel: Channel,
) -> std::result::Result<CodeRules, crate::http::Failure> {
    match loaded.record.code_rules {
        Some(rules) if channel.method() == loaded.record.method => Ok(rules),
        _ => Err(fail(
            ErrorCode::WrongMethod,
            format!("This link does not get codes by {}.", channel.name()),
        )),
    }
}

/// What the code screens need: the newest live code's time left and when a new one may be sent.
fn code_view(loaded: &Loaded, now: u64) -> Option<CodeView> {
    let rules = loaded.record.code_rules?;
    let book = &loaded.progress.codes;
    let newest = book.live(now).max_by_key(|c| c.expires_at);
    Some(CodeView {
        digits: rules.digits,
        expires_in_secs: newest.map(|c| (c.expires_at - now).div_ceil(1000)),
        channel: newest.map(|c| c.channel),
        next_send_in_secs: book.next_send_in_ms(&rules, now).div_ceil(1000),
    })
}

fn already_verified() -> crate::http::Failure {
    fail(ErrorCode::AlreadyVerified, "You are verified already.")
}

fn no_code() -> crate::http::Failure {
    fail(
        ErrorCode::NoCode,
        "No code is valid now (it expired or was replaced). Please ask for a new one.",
    )
}

fn resend_too_soon(message: &str, retry_after_ms: u64) -> signgate_core::wire::ApiError {
    let mut error = *fail(ErrorCode::ResendTooSoon, message);
    error.retry_after_secs = Some(retry_after_ms.div_ceil(1000));
    error
}
