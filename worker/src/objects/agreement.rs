//! One agreement: its recipients, whether it is cancelled, webhook deliveries and its audit events.
//!
//! Cancellation is decided here once (the first locked recipient wins) and fanned out to every
//! recipient object, so a cancelled agreement refuses all of its links. Webhooks go through an
//! outbox in storage and the object's alarm, so a slow or failing receiver never delays a signer
//! and deliveries are retried with backoff.

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::time::Duration;

use futures_util::future::join_all;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use signgate_core::audit::{AuditEvent, AuditKind, CancelReason, Cursor, merge_page};
use signgate_core::policy::Method;
use signgate_core::wire::{
    AgreementState, AgreementStatus, AuditTrail, Contact, ErrorCode, RecipientStatus, WebhookKind,
    WebhookPayload,
};
use worker::{DurableObject, Env, Request, Response, Result, State, durable_object};

use super::recipient::RecipientCall;
use super::{AuditLog, Reply, call_ok, reply, stub};
use crate::config::{RECIPIENTS_BINDING, now_ms};
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
}

/// What the sender's changes need to know about the agreement.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AgreementSummary {
    pub record: AgreementRecord,
    pub cancelled: bool,
}

/// A webhook waiting to be delivered.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Delivery {
    payload: WebhookPayload,
    attempts: u32,
    due_at: u64,
}

const RECORD: &str = "record";
const PROGRESS: &str = "progress";
const OUTBOX_PREFIX: &str = "outbox:";
/// Deliveries are tried this often before they are given up (and audited as failed).
const MAX_DELIVERY_ATTEMPTS: u32 = 8;

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
            AgreementCall::RecipientUnverified { recipient_id } => {
                reply(&self.recipient_unverified(&recipient_id).await?)
            }
            AgreementCall::Status => reply(&self.status().await?),
            AgreementCall::Record => reply(&self.summary().await?),
            AgreementCall::Audit { cursor, limit } => {
                reply(&self.audit_trail(cursor.as_deref(), limit).await?)
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
        let storage = self.state.storage();
        let cached = *self.audit.borrow();
        let mut log = match cached {
            Some(log) => log,
            None => AuditLog::load(&storage).await?,
        };
        log.append(
            &storage,
            vec![AuditEvent {
                at: now_ms(),
                recipient_id,
                kind,
            }],
        )
        .await?;
        *self.audit.borrow_mut() = Some(log);
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
            self.state.storage().put(PROGRESS, &progress).await?;
            self.enqueue(
                WebhookKind::RecipientVerified,
                Some(recipient_id),
                Some(method),
                None,
            )
            .await?;
        }
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
            self.state.storage().put(PROGRESS, &progress).await?;
            self.audit(
                Some(recipient_id.clone()),
                AuditKind::AgreementCancelled { reason },
            )
            .await?;
            self.enqueue(
                WebhookKind::AgreementCancelled,
                Some(recipient_id.clone()),
                Some(method),
                Some(reason),
            )
            .await?;
        }
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

    async fn enqueue(
        &self,
        kind: WebhookKind,
        recipient_id: Option<String>,
        method: Option<Method>,
        reason: Option<CancelReason>,
    ) -> Result<()> {
        let Some(record) = self.record().await? else {
            return Ok(());
        };
        let now = now_ms();
        let payload = WebhookPayload {
            id: crypto::random_id()?,
            kind,
            created_at: now,
            account_id: record.account_id,
            agreement_id: self.state.id().to_string(),
            recipient_id,
            method,
            reason,
        };
        let key = format!("{OUTBOX_PREFIX}{}", payload.id);
        self.state
            .storage()
            .put(
                &key,
                &Delivery {
                    payload,
                    attempts: 0,
                    due_at: now,
                },
            )
            .await?;
        // An offset from now (workers-rs reads a bare number as one): deliver straight away.
        self.state.storage().set_alarm(Duration::ZERO).await
    }

    async fn deliver_due_webhooks(&self) -> Result<()> {
        let storage = self.state.storage();
        let outbox = storage
            .list_with_options(worker::ListOptions::new().prefix(OUTBOX_PREFIX))
            .await?;
        let mut next_due: Option<u64> = None;
        for entry in outbox.entries() {
            let entry: js_sys::Array = entry?.into();
            let key = entry.get(0).as_string().unwrap_or_default();
            let mut delivery: Delivery = serde_wasm_bindgen::from_value(entry.get(1))?;
            if delivery.due_at > now_ms() {
                next_due = Some(next_due.map_or(delivery.due_at, |d| d.min(delivery.due_at)));
                continue;
            }
            let event = delivery.payload.kind.name().to_string();
            let recipient_id = delivery.payload.recipient_id.clone();
            let Some(url) = accounts::load(&self.env, &delivery.payload.account_id)
                .await?
                .and_then(|a| a.webhook_url)
            else {
                storage.delete(&key).await?;
                continue;
            };
            delivery.attempts += 1;
            match webhook::deliver(&self.env, &url, &delivery.payload).await {
                Ok(status) => {
                    storage.delete(&key).await?;
                    self.audit(recipient_id, AuditKind::WebhookDelivered { event, status })
                        .await?;
                }
                Err(error) => {
                    let attempt = delivery.attempts;
                    self.audit(
                        recipient_id,
                        AuditKind::WebhookFailed {
                            event,
                            attempt,
                            error,
                        },
                    )
                    .await?;
                    if attempt >= MAX_DELIVERY_ATTEMPTS {
                        storage.delete(&key).await?;
                    } else {
                        // 10 s, 20 s, 40 s, … about 21 minutes for the last.
                        delivery.due_at = now_ms() + 10_000 * (1 << (attempt - 1));
                        next_due =
                            Some(next_due.map_or(delivery.due_at, |d| d.min(delivery.due_at)));
                        storage.put(&key, &delivery).await?;
                    }
                }
            }
        }
        // A webhook queued while this ran has set an earlier alarm: keep the earlier one.
        let pending = storage.get_alarm().await?.map(|at| at as u64);
        if let Some(due) = next_due.into_iter().chain(pending).min() {
            storage
                .set_alarm(Duration::from_millis(due.saturating_sub(now_ms())))
                .await?;
        }
        Ok(())
    }
}
