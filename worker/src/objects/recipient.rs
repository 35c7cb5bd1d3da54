//! One recipient: the only place their attempts are counted.
//!
//! Password checks are serialised by an in-object async lock held from reading the state to
//! writing the verdict. The PBKDF2 itself awaits WebCrypto, which lets other events in (input
//! gates only cover storage), so without the lock two wrong entries could both read "4 failures"
//! and the limit would slip. Cancellation from the agreement does not take the lock (the lock
//! holder may be the one waiting for the agreement); a check re-reads the state after every await.
//!
//! The agreement decides what spans recipients: a right password counts only if the agreement is
//! not cancelled (it answers before anything is saved), and a lock is told to the agreement until
//! the agreement confirms, retried by this object's alarm if need be.

use std::cell::RefCell;
use std::time::Duration;

use futures_util::lock::Mutex;
use serde::{Deserialize, Serialize};
use signgate_core::attempts::{AfterFailure, Attempts, Gate, TryLimit};
use signgate_core::audit::{AuditEvent, AuditKind, RefusalReason};
use signgate_core::grant::{self, GrantClaims};
use signgate_core::policy::Method;
use signgate_core::token::LinkToken;
use signgate_core::wire::{
    Contact, ErrorCode, RecipientState, RecipientStatus, RecipientView, VerifiedResponse,
};
use worker::{DurableObject, Env, Request, Response, Result, State, durable_object};

use super::agreement::AgreementCall;
use super::{AuditLog, Reply, call, call_ok, reply, stub};
use crate::config::{self, AGREEMENTS_BINDING, now_ms};
use crate::crypto;
use crate::http::{cancelled, fail, invalid_link};

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
    /// Snapshot of the policy at creation: the rules a signer started under do not change.
    pub try_limit: TryLimit,
    pub token_digest: String,
    pub password_hash: Option<String>,
    pub expires_at: u64,
    pub continue_url: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Progress {
    state: RecipientState,
    attempts: Attempts,
    /// After a lock: has the agreement confirmed it cancelled (and locked every other link)?
    #[serde(default)]
    agreement_told: bool,
}

impl Default for Progress {
    fn default() -> Self {
        Self {
            state: RecipientState::Pending,
            attempts: Attempts::default(),
            agreement_told: false,
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
    Init { record: Box<RecipientRecord> },
    View { token: String },
    CheckPassword { token: String, password: String },
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
        let state = loaded.progress.state;
        let now = now_ms();
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
            tries_left: if open {
                loaded.progress.attempts.tries_left(record.try_limit)
            } else {
                None
            },
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
            RecipientState::Verified => {
                return Ok(Err(*fail(
                    ErrorCode::AlreadyVerified,
                    "You are verified already.",
                )));
            }
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
            self.verified(loaded).await
        } else {
            self.wrong(loaded).await
        }
    }

    async fn verified(&self, loaded: Loaded) -> Result<Reply<VerifiedResponse>> {
        let method = Method::Password;
        // Ready before anything changes: a verified signer always gets their grant.
        let response = self.grant(&loaded.record, "pwd")?;
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
        self.record_events(
            loaded,
            vec![AuditKind::AttemptRefused {
                method: Method::Password,
                reason,
            }],
        )
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
            // The agreement is the one telling us: nothing to tell it back.
            loaded.progress.agreement_told = true;
            self.save(loaded, Vec::new()).await?;
        }
        Ok(())
    }

    async fn status(&self) -> Result<Reply<RecipientStatus>> {
        let Some(loaded) = self.load().await? else {
            return Ok(Err(*invalid_link()));
        };
        let (record, progress) = (&loaded.record, &loaded.progress);
        Ok(Ok(RecipientStatus {
            id: self.id(),
            name: record.name.clone(),
            email: record.email.clone(),
            method: record.method,
            internal: record.internal,
            state: progress.state,
            failures: progress.attempts.failures(),
            tries_left: progress.attempts.tries_left(record.try_limit),
        }))
    }

    fn id(&self) -> String {
        self.state.id().to_string()
    }
}
