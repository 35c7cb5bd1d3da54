//! One agreement: its recipients, whether it is cancelled, webhook deliveries and its audit events.
//!
//! Cancellation is decided here once (the first locked recipient wins) and fanned out to every
//! recipient object, so a cancelled agreement refuses all of its links. Its state, audit event and
//! webhook are one storage write. Webhooks go through an outbox in storage and the object's alarm,
//! so a slow or failing receiver never delays a signer; failed deliveries are retried for a day
//! (`RetryRules`), then kept as undeliverable for the sender to list and re-send.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::time::Duration;

use futures_util::future::join_all;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use signgate_core::audit::{AuditEvent, AuditKind, CancelReason, Cursor, merge_page};
use signgate_core::policy::Method;
use signgate_core::webhook::RetryRules;
use signgate_core::wire::{
    AgreementState, AgreementStatus, AuditTrail, Contact, DeliveryState, DeviceView, ErrorCode,
    RecipientStatus, WebhookDeliveries, WebhookDelivery, WebhookKind, WebhookPayload,
};
use worker::{DurableObject, Env, Request, Response, Result, State, durable_object};

use super::recipient::RecipientCall;
use super::{AuditLog, Reply, batch_put, call_ok, reply, stub};
use crate::config::{self, RECIPIENTS_BINDING, now_ms};
use crate::{accounts, crypto, http, webhook};

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AgreementRecord {
    pub account_id: String,
    /// The sender's group: its policy applies instead of the account's.
    #[serde(default)]
    pub group: Option<String>,
    pub title: String,
    pub sender: Contact,
    pub created_at: u64,
    pub expires_at: u64,
    pub recipient_ids: Vec<String>,
    /// When the agreement is an entry on a web form.
    #[serde(default)]
    pub web_form: Option<WebFormOrigin>,
}

/// The web form an agreement is an entry on, and who signed up on it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WebFormOrigin {
    pub form_id: String,
    pub signer: Contact,
    /// Whether a code proved the signer's address (the policy may turn the check off).
    pub email_proven: bool,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Progress {
    cancelled: Option<CancelReason>,
    verified: BTreeSet<String>,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum AgreementCall {
    Init {
        record: AgreementRecord,
    },
    RecipientVerified {
        recipient_id: String,
        method: Method,
    },
    RecipientLocked {
        recipient_id: String,
        method: Method,
    },
    /// The recipient cannot use their method (KBA: the provider cannot ask them): the sender is
    /// told, to choose another.
    RecipientMethodUnavailable {
        recipient_id: String,
        method: Method,
    },
    /// Tell the sender about one of the recipient's devices (added, or disowned by the signer).
    RecipientDevice {
        recipient_id: String,
        kind: WebhookKind,
        device: DeviceView,
    },
    /// The recipient's verification ran out: they have to verify again.
    RecipientUnverified {
        recipient_id: String,
    },
    Status,
    /// The record and whether the agreement is cancelled, for the sender's changes.
    Record,
    /// A page of the trail: `limit` events after `cursor` (from the start when absent).
    Audit {
        cursor: Option<String>,
        limit: u32,
    },
    /// The events not delivered (yet).
    Webhooks,
    /// Deliver an undelivered event again, from a fresh day of retries.
    ResendWebhook {
        event_id: String,
    },
}

/// What the sender's changes need to know about the agreement.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AgreementSummary {
    pub record: AgreementRecord,
    pub cancelled: bool,
}

/// A webhook waiting to be delivered, or given up; deleted once delivered.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Delivery {
    payload: WebhookPayload,
    attempts: u32,
    due_at: u64,
    /// When it was queued or re-sent: its day of retries counts from here (0 in deliveries queued
    /// before this was kept: from the event's time).
    #[serde(default)]
    queued_at: u64,
    #[serde(default)]
    last_error: Option<String>,
    #[serde(default)]
    undeliverable: bool,
}

impl Delivery {
    fn new(payload: WebhookPayload, now: u64) -> Self {
        Self {
            payload,
            attempts: 0,
            due_at: now,
            queued_at: now,
            last_error: None,
            undeliverable: false,
        }
    }

    fn key(&self) -> String {
        outbox_key(&self.payload.id)
    }

    fn wire(&self) -> WebhookDelivery {
        WebhookDelivery {
            event: self.payload.clone(),
            state: if self.undeliverable {
                DeliveryState::Undeliverable
            } else {
                DeliveryState::Retrying
            },
            attempts: self.attempts,
            last_error: self.last_error.clone(),
            next_attempt_at: (!self.undeliverable).then_some(self.due_at),
        }
    }
}

fn outbox_key(event_id: &str) -> String {
    format!("{OUTBOX_PREFIX}{event_id}")
}

const RECORD: &str = "record";
const PROGRESS: &str = "progress";
const OUTBOX_PREFIX: &str = "outbox:";

#[durable_object]
#[allow(
    missing_debug_implementations,
    reason = "holds runtime handles (State, Env) that have no Debug"
)]
pub struct AgreementObject {
    state: State,
    env: Env,
    audit: RefCell<Option<AuditLog>>,
}

impl DurableObject for AgreementObject {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            audit: RefCell::new(None),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        match req.json::<AgreementCall>().await? {
            AgreementCall::Init { record } => reply(&self.init(record).await?),
            AgreementCall::RecipientVerified {
                recipient_id,
                method,
            } => reply(&self.recipient_verified(recipient_id, method).await?),
            AgreementCall::RecipientLocked {
                recipient_id,
                method,
            } => reply(&self.recipient_locked(recipient_id, method).await?),
            AgreementCall::RecipientMethodUnavailable {
                recipient_id,
                method,
            } => reply(&self.method_unavailable(recipient_id, method).await?),
            AgreementCall::RecipientDevice {
                recipient_id,
                kind,
                device,
            } => reply(&self.recipient_device(recipient_id, kind, device).await?),
            AgreementCall::RecipientUnverified { recipient_id } => {
                reply(&self.recipient_unverified(&recipient_id).await?)
            }
            AgreementCall::Status => reply(&self.status().await?),
            AgreementCall::Record => reply(&self.summary().await?),
            AgreementCall::Audit { cursor, limit } => {
                reply(&self.audit_trail(cursor.as_deref(), limit).await?)
            }
            AgreementCall::Webhooks => reply(&self.webhooks().await?),
            AgreementCall::ResendWebhook { event_id } => {
                reply(&self.resend_webhook(&event_id).await?)
            }
        }
    }

    async fn alarm(&self) -> Result<Response> {
        if let Err(error) = self.deliver_due_webhooks().await {
            // The runtime retries a failed alarm; say why it failed.
            worker::console_error!("webhook delivery failed: {error}");
            return Err(error);
        }
        Response::ok("delivered")
    }
}

impl AgreementObject {
    async fn record(&self) -> Result<Option<AgreementRecord>> {
        self.state.storage().get(RECORD).await
    }

    async fn progress(&self) -> Result<Progress> {
        Ok(self
            .state
            .storage()
            .get(PROGRESS)
            .await?
            .unwrap_or_default())
    }

    async fn audit(&self, recipient_id: Option<String>, kind: AuditKind) -> Result<()> {
        self.audit_with(recipient_id, vec![kind], js_sys::Object::new())
            .await
    }

    /// Appends audit events in one storage write with the other writes `batch` holds.
    async fn audit_with(
        &self,
        recipient_id: Option<String>,
        kinds: Vec<AuditKind>,
        batch: js_sys::Object,
    ) -> Result<()> {
        let storage = self.state.storage();
        let cached = *self.audit.borrow();
        let log = match cached {
            Some(log) => log,
            None => AuditLog::load(&storage).await?,
        };
        let events = AuditEvent::all_at(now_ms(), recipient_id.as_deref(), kinds);
        // The cache moves on only once the write is done: a failed one leaves no gap.
        let mut written = log;
        written.append_with(&storage, events, batch).await?;
        *self.audit.borrow_mut() = Some(written);
        Ok(())
    }

    async fn init(&self, record: AgreementRecord) -> Result<Reply<()>> {
        if self.record().await?.is_some() {
            return Ok(Err(*http::fail(
                ErrorCode::InvalidRequest,
                "agreement exists already",
            )));
        }
        let recipients = record.recipient_ids.len();
        self.state.storage().put(RECORD, &record).await?;
        self.audit(None, AuditKind::AgreementCreated { recipients })
            .await?;
        if let Some(form) = &record.web_form {
            let entry = AuditKind::WebFormEntry {
                web_form_id: form.form_id.clone(),
                email_proven: form.email_proven,
            };
            self.audit(None, entry).await?;
            // The platform hears who signed up, with the recipient to follow.
            let mut delivery = self.queued(
                &record,
                WebhookKind::WebFormEntry,
                record.recipient_ids.first().cloned(),
                None,
                None,
            )?;
            delivery.payload.web_form_id = Some(form.form_id.clone());
            delivery.payload.signer = Some(form.signer.clone());
            self.state.storage().put(&delivery.key(), &delivery).await?;
            self.deliver_soon().await?;
        }
        Ok(Ok(()))
    }

    /// A recipient proved who they are. Refused once the agreement is cancelled: the agreement
    /// decides, so a right password racing a cancellation can never win after it.
    async fn recipient_verified(&self, recipient_id: String, method: Method) -> Result<Reply<()>> {
        let mut progress = self.progress().await?;
        if progress.cancelled.is_some() {
            return Ok(Err(*http::cancelled()));
        }
        if progress.verified.insert(recipient_id.clone()) {
            let Some(record) = self.record().await? else {
                return Ok(Err(*http::agreement_not_found()));
            };
            let delivery = self.queued(
                &record,
                WebhookKind::RecipientVerified,
                Some(recipient_id),
                Some(method),
                None,
            )?;
            // The state and its webhook in one write.
            let batch = js_sys::Object::new();
            batch_put(&batch, PROGRESS, &progress)?;
            batch_put(&batch, &delivery.key(), &delivery)?;
            self.state.storage().put_multiple_raw(batch).await?;
            self.deliver_soon().await?;
        }
        Ok(Ok(()))
    }

    /// Queues the sender's webhook; the recipient has audited it already.
    async fn method_unavailable(&self, recipient_id: String, method: Method) -> Result<Reply<()>> {
        let Some(record) = self.record().await? else {
            return Ok(Err(*http::agreement_not_found()));
        };
        if self.progress().await?.cancelled.is_some() {
            return Ok(Ok(()));
        }
        let delivery = self.queued(
            &record,
            WebhookKind::RecipientMethodUnavailable,
            Some(recipient_id),
            Some(method),
            None,
        )?;
        self.state.storage().put(&delivery.key(), &delivery).await?;
        self.deliver_soon().await?;
        Ok(Ok(()))
    }

    /// Queues the sender's webhook about a device; the recipient has audited it already. Sent
    /// after a cancellation too: a stranger's device is worth knowing of either way.
    async fn recipient_device(
        &self,
        recipient_id: String,
        kind: WebhookKind,
        device: DeviceView,
    ) -> Result<Reply<()>> {
        let Some(record) = self.record().await? else {
            return Ok(Err(*http::agreement_not_found()));
        };
        let mut delivery = self.queued(&record, kind, Some(recipient_id), None, None)?;
        delivery.payload.device = Some(device);
        self.state.storage().put(&delivery.key(), &delivery).await?;
        self.deliver_soon().await?;
        Ok(Ok(()))
    }

    async fn recipient_unverified(&self, recipient_id: &str) -> Result<Reply<()>> {
        let mut progress = self.progress().await?;
        if progress.verified.remove(recipient_id) {
            self.state.storage().put(PROGRESS, &progress).await?;
        }
        Ok(Ok(()))
    }

    /// A recipient ran out of tries: cancel once (audit, webhook), then lock every other link. The
    /// locking runs on every call, so a recipient that retries after a failed fan-out completes it.
    async fn recipient_locked(&self, recipient_id: String, method: Method) -> Result<Reply<()>> {
        let Some(record) = self.record().await? else {
            return Ok(Err(*http::agreement_not_found()));
        };
        let mut progress = self.progress().await?;
        if progress.cancelled.is_none() {
            let reason = CancelReason::TooManyFailedAttempts;
            progress.cancelled = Some(reason);
            let delivery = self.queued(
                &record,
                WebhookKind::AgreementCancelled,
                Some(recipient_id.clone()),
                Some(method),
                Some(reason),
            )?;
            // State, audit event and webhook in one write: a crash before it leaves nothing
            // done (the recipient tells us again), a crash after it leaves everything owed.
            let batch = js_sys::Object::new();
            batch_put(&batch, PROGRESS, &progress)?;
            batch_put(&batch, &delivery.key(), &delivery)?;
            self.audit_with(
                Some(recipient_id.clone()),
                vec![AuditKind::AgreementCancelled { reason }],
                batch,
            )
            .await?;
            if config::dev_fault(&self.env, "agreement_cancel_written") {
                return Err(worker::Error::RustError(
                    "injected fault: the agreement object stops after writing its cancellation"
                        .into(),
                ));
            }
        }
        // On every call, also a recipient's retry after a crash: the outbox is being worked.
        self.deliver_soon().await?;
        let others = record
            .recipient_ids
            .iter()
            .filter(|id| **id != recipient_id);
        self.each_recipient::<()>(others, &RecipientCall::Cancel)
            .await?;
        Ok(Ok(()))
    }

    /// The same call to several recipients at once; any failure fails the whole.
    async fn each_recipient<'a, T: DeserializeOwned>(
        &self,
        ids: impl Iterator<Item = &'a String>,
        message: &RecipientCall,
    ) -> Result<Vec<T>> {
        let calls = ids.map(|id| async move {
            call_ok::<_, T>(&stub(&self.env, RECIPIENTS_BINDING, id)?, message).await
        });
        join_all(calls).await.into_iter().collect()
    }

    async fn status(&self) -> Result<Reply<AgreementStatus>> {
        let Some(record) = self.record().await? else {
            return Ok(Err(*http::agreement_not_found()));
        };
        let progress = self.progress().await?;
        let recipients: Vec<RecipientStatus> = self
            .each_recipient(record.recipient_ids.iter(), &RecipientCall::Status)
            .await?;
        // From the recipients' own answers: a verification that expired counts as none there.
        let state = match progress.cancelled {
            Some(_) => AgreementState::Cancelled,
            None if recipients
                .iter()
                .all(|r| r.state == signgate_core::wire::RecipientState::Verified) =>
            {
                AgreementState::Verified
            }
            None => AgreementState::Pending,
        };
        Ok(Ok(AgreementStatus {
            id: self.state.id().to_string(),
            account_id: record.account_id,
            title: record.title,
            state,
            cancel_reason: progress.cancelled,
            created_at: record.created_at,
            expires_at: record.expires_at,
            recipients,
            web_form_id: record.web_form.map(|form| form.form_id),
        }))
    }

    async fn summary(&self) -> Result<Reply<AgreementSummary>> {
        let Some(record) = self.record().await? else {
            return Ok(Err(*http::agreement_not_found()));
        };
        let cancelled = self.progress().await?.cancelled.is_some();
        Ok(Ok(AgreementSummary { record, cancelled }))
    }

    /// A page of the trail: the recipients' events and the agreement's, in time order. Each object
    /// stamps its own events, so order across objects is as good as their clocks. Each source is
    /// read from where the cursor left it, `limit + 1` events at most, so a page takes memory in
    /// proportion to its size, however long the trail.
    async fn audit_trail(&self, cursor: Option<&str>, limit: u32) -> Result<Reply<AuditTrail>> {
        let Some(record) = self.record().await? else {
            return Ok(Err(*http::agreement_not_found()));
        };
        let sources = record.recipient_ids.len() + 1;
        let cursor = match cursor {
            None => Cursor::start(sources),
            Some(text) => match Cursor::parse(text, sources) {
                Some(cursor) => cursor,
                None => {
                    return Ok(Err(*http::fail(
                        ErrorCode::InvalidRequest,
                        "cursor: not one this trail handed out",
                    )));
                }
            },
        };
        let read = limit + 1;
        let calls = record
            .recipient_ids
            .iter()
            .zip(&cursor.0)
            .map(|(id, &from)| async move {
                let recipient = stub(&self.env, RECIPIENTS_BINDING, id)?;
                call_ok::<_, Vec<AuditEvent>>(
                    &recipient,
                    &RecipientCall::Audit { from, limit: read },
                )
                .await
            });
        let mut next = join_all(calls)
            .await
            .into_iter()
            .collect::<Result<Vec<_>>>()?;
        // The agreement's own events last, so that at equal times a cause precedes its consequence.
        let own_from = cursor.0[sources - 1];
        next.push(AuditLog::read(&self.state.storage(), own_from, read).await?);
        let (events, after) = merge_page(next, &cursor, limit as usize);
        Ok(Ok(AuditTrail {
            agreement_id: self.state.id().to_string(),
            events,
            next_cursor: after.map(|c| c.encode()),
        }))
    }

    /// A new webhook for the outbox, due now.
    fn queued(
        &self,
        record: &AgreementRecord,
        kind: WebhookKind,
        recipient_id: Option<String>,
        method: Option<Method>,
        reason: Option<CancelReason>,
    ) -> Result<Delivery> {
        let now = now_ms();
        let payload = WebhookPayload {
            id: crypto::random_id()?,
            kind,
            created_at: now,
            account_id: record.account_id.clone(),
            agreement_id: self.state.id().to_string(),
            recipient_id,
            method,
            reason,
            device: None,
            web_form_id: None,
            signer: None,
        };
        Ok(Delivery::new(payload, now))
    }

    /// Rings the alarm now, to deliver what is due.
    async fn deliver_soon(&self) -> Result<()> {
        // An offset from now (workers-rs reads a bare number as one).
        self.state.storage().set_alarm(Duration::ZERO).await
    }

    async fn outbox(&self) -> Result<Vec<Delivery>> {
        let entries = self
            .state
            .storage()
            .list_with_options(worker::ListOptions::new().prefix(OUTBOX_PREFIX))
            .await?;
        let mut deliveries = Vec::new();
        for value in entries.values() {
            deliveries.push(serde_wasm_bindgen::from_value(value?)?);
        }
        Ok(deliveries)
    }

    /// Tries every due delivery. One that fails, even for want of the account's settings, is
    /// rescheduled without stopping the others, and the alarm is always set for the next due.
    async fn deliver_due_webhooks(&self) -> Result<()> {
        let rules = config::webhook_retry_rules(&self.env);
        let mut next_due: Option<u64> = None;
        for delivery in self.outbox().await? {
            if delivery.undeliverable {
                continue;
            }
            let due_at = if delivery.due_at <= now_ms() {
                let key = delivery.key();
                match self.attempt(delivery, &rules).await {
                    Ok(next) => next,
                    Err(error) => {
                        worker::console_error!("webhook {key}: {error}; trying again soon");
                        Some(now_ms() + rules.first_gap_ms)
                    }
                }
            } else {
                Some(delivery.due_at)
            };
            next_due = next_due.into_iter().chain(due_at).min();
        }
        // A webhook queued while this ran has set an earlier alarm: keep the earlier one.
        let storage = self.state.storage();
        let pending = storage.get_alarm().await?.map(|at| at as u64);
        if let Some(due) = next_due.into_iter().chain(pending).min() {
            storage
                .set_alarm(Duration::from_millis(due.saturating_sub(now_ms())))
                .await?;
        }
        Ok(())
    }

    /// One try of one delivery; when it is due next, if it is still owed.
    async fn attempt(&self, mut delivery: Delivery, rules: &RetryRules) -> Result<Option<u64>> {
        let event = delivery.payload.kind.name().to_string();
        let recipient_id = delivery.payload.recipient_id.clone();
        // A test's injected fault: the first read of the account's settings fails.
        let settings = if delivery.attempts == 0
            && config::dev_fault(&self.env, "webhook_settings_unreadable")
        {
            Err(worker::Error::RustError("injected fault".into()))
        } else {
            accounts::load(&self.env, &delivery.payload.account_id).await
        };
        let url = match settings {
            Ok(account) => account.and_then(|a| a.webhook_url),
            Err(error) => {
                let error = format!("the account's settings could not be read: {error}");
                return self.failed(delivery, rules, error).await;
            }
        };
        let Some(url) = url else {
            // Nowhere to send it: kept, so it can be re-sent once the account has a URL.
            delivery.undeliverable = true;
            delivery.last_error = Some("the account has no webhook URL".into());
            let reason = delivery.last_error.clone().unwrap_or_default();
            let batch = js_sys::Object::new();
            batch_put(&batch, &delivery.key(), &delivery)?;
            let undeliverable = AuditKind::WebhookUndeliverable {
                event,
                attempts: delivery.attempts,
                reason,
            };
            self.audit_with(recipient_id, vec![undeliverable], batch)
                .await?;
            return Ok(None);
        };
        let sent = webhook::deliver(&self.env, &url, &delivery.payload).await;
        // Other events ran while the receiver answered: a re-send by the sender replaced this
        // delivery, and it stands (it is due now).
        let stored = self
            .state
            .storage()
            .get::<Delivery>(&delivery.key())
            .await?;
        if stored.is_some_and(|current| current.queued_at != delivery.queued_at) {
            return Ok(Some(now_ms()));
        }
        match sent {
            Ok(status) => {
                self.state.storage().delete(&delivery.key()).await?;
                self.audit(recipient_id, AuditKind::WebhookDelivered { event, status })
                    .await?;
                Ok(None)
            }
            Err(error) => self.failed(delivery, rules, error).await,
        }
    }

    /// Counts a failed try: audited, and retried with backoff until the day is over, then kept as
    /// undeliverable.
    async fn failed(
        &self,
        mut delivery: Delivery,
        rules: &RetryRules,
        error: String,
    ) -> Result<Option<u64>> {
        let now = now_ms();
        delivery.attempts += 1;
        let event = delivery.payload.kind.name().to_string();
        let recipient_id = delivery.payload.recipient_id.clone();
        let queued_at = match delivery.queued_at {
            0 => delivery.payload.created_at,
            at => at,
        };
        let next = rules.next_attempt(queued_at, delivery.attempts, now);
        let mut events = vec![AuditKind::WebhookFailed {
            event: event.clone(),
            attempt: delivery.attempts,
            error: error.clone(),
        }];
        delivery.last_error = Some(error.clone());
        match next {
            Some(due_at) => delivery.due_at = due_at,
            None => {
                delivery.undeliverable = true;
                events.push(AuditKind::WebhookUndeliverable {
                    event,
                    attempts: delivery.attempts,
                    reason: format!("no success in a day of tries; the last: {error}"),
                });
            }
        }
        // The delivery and what happened to it in one write.
        let batch = js_sys::Object::new();
        batch_put(&batch, &delivery.key(), &delivery)?;
        self.audit_with(recipient_id, events, batch).await?;
        Ok(next)
    }

    async fn webhooks(&self) -> Result<Reply<WebhookDeliveries>> {
        if self.record().await?.is_none() {
            return Ok(Err(*http::agreement_not_found()));
        }
        Ok(Ok(WebhookDeliveries {
            agreement_id: self.state.id().to_string(),
            deliveries: self.outbox().await?.iter().map(Delivery::wire).collect(),
        }))
    }

    async fn resend_webhook(&self, event_id: &str) -> Result<Reply<WebhookDelivery>> {
        let storage = self.state.storage();
        let Some(mut delivery) = storage.get::<Delivery>(&outbox_key(event_id)).await? else {
            return Ok(Err(*http::fail(
                ErrorCode::NotFound,
                "No undelivered event of this agreement has this id.",
            )));
        };
        // A fresh day of retries, from the quick first ones.
        let now = now_ms();
        delivery.undeliverable = false;
        delivery.attempts = 0;
        delivery.due_at = now;
        delivery.queued_at = now;
        let batch = js_sys::Object::new();
        batch_put(&batch, &delivery.key(), &delivery)?;
        let resent = AuditKind::WebhookResent {
            event: delivery.payload.kind.name().to_string(),
        };
        self.audit_with(delivery.payload.recipient_id.clone(), vec![resent], batch)
            .await?;
        self.deliver_soon().await?;
        Ok(Ok(delivery.wire()))
    }
}
