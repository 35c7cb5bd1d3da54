//! What the sender changes about a pending recipient after sending: the method, or the person
//! (delegation). The route has checked the request against the policy; this object decides whether
//! the recipient can still be changed and makes the change whole, under the check lock, so no
//! password check, code or login of the old method can finish after it.

use serde::{Deserialize, Serialize};
use signgate_core::audit::AuditKind;
use signgate_core::phone;
use signgate_core::policy::Method;
use signgate_core::wire::{Contact, ErrorCode, RecipientState, RecipientStatus};
use worker::Result;

use super::{Loaded, MethodSetup, PROGRESS, Progress, RECORD, RecipientObject};
use crate::codes;
use crate::http::{cancelled, fail};
use crate::objects::{Reply, batch_put};

/// Someone else in the recipient's place: who, their method, and the digest of their new link.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Replacement {
    pub name: String,
    pub email: String,
    pub internal: bool,
    pub setup: MethodSetup,
    pub token_digest: String,
    pub by: Contact,
}

impl RecipientObject {
    pub(super) async fn change_method(
        &self,
        setup: MethodSetup,
        by: Contact,
        checked_for: &str,
    ) -> Result<Reply<RecipientStatus>> {
        let _no_check_meanwhile = self.checking.lock().await;
        let mut loaded = match self.changeable().await? {
            Ok(loaded) if setup.method == Method::Passkey && !passkeys_snapshotted(&loaded) => {
                return Ok(Err(*no_passkeys_then()));
            }
            Ok(loaded) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        // The policy was applied to the person the route read (internal or not, their address
        // as login hint): if someone else took their place since, that no longer holds.
        if loaded.record.email != checked_for {
            return Ok(Err(*fail(
                ErrorCode::Conflict,
                "The recipient was replaced meanwhile. Read the agreement again and retry.",
            )));
        }
        let changed = AuditKind::MethodChanged {
            from: loaded.record.method,
            to: setup.method,
            by,
            phone: setup.phone.as_deref().map(phone::masked),
        };
        loaded.record.apply(setup);
        self.start_over(loaded, true, changed).await?;
        self.status().await
    }

    pub(super) async fn replace(&self, replacement: Replacement) -> Result<Reply<()>> {
        let _no_check_meanwhile = self.checking.lock().await;
        let passkey = replacement.setup.method == Method::Passkey;
        let mut loaded = match self.changeable().await? {
            Ok(loaded) if passkey && !passkeys_snapshotted(&loaded) => {
                return Ok(Err(*no_passkeys_then()));
            }
            Ok(loaded) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        let Replacement {
            name,
            email,
            internal,
            setup,
            token_digest,
            by,
        } = replacement;
        let replaced = AuditKind::RecipientReplaced {
            from: Contact {
                name: std::mem::replace(&mut loaded.record.name, name.clone()),
                email: std::mem::replace(&mut loaded.record.email, email.clone()),
            },
            to: Contact { name, email },
            method: setup.method,
            by,
            phone: setup.phone.as_deref().map(phone::masked),
        };
        loaded.record.internal = internal;
        // The old link's secret is gone with its digest: it stops working now.
        loaded.record.token_digest = token_digest;
        loaded.record.apply(setup);
        // The new person's first visit is an event of its own.
        loaded.last_opened_ms = 0;
        self.start_over(loaded, false, replaced).await?;
        Ok(Ok(()))
    }

    /// The recipient, if the sender may still change them: pending, and the link not expired.
    /// What the account's passkey registry is still to hear of this person's devices is told
    /// first (the caller holds the check lock), so none of it is lost or told of someone else.
    async fn changeable(&self) -> Result<Reply<Loaded>> {
        self.flush_registry().await?;
        let Some(loaded) = self.load().await? else {
            return Ok(Err(*fail(ErrorCode::NotFound, "No such recipient.")));
        };
        match loaded.progress.state {
            RecipientState::Pending => {}
            RecipientState::Verified => {
                return Ok(Err(*fail(
                    ErrorCode::AlreadyVerified,
                    "The recipient has verified already: their method can no longer be changed.",
                )));
            }
            RecipientState::Cancelled => return Ok(Err(*cancelled())),
        }
        if crate::config::now_ms() >= loaded.record.expires_at {
            return Ok(Err(*fail(
                ErrorCode::Conflict,
                "The agreement's links have expired: there is nothing left to change.",
            )));
        }
        Ok(Ok(loaded))
    }

    /// Writes the changed record with a fresh start: outstanding codes void (their digests
    /// deleted), login flows of the old method unknown (so their callbacks are refused), full
    /// tries. The same person keeps the record of codes sent this hour, so changing the method is
    /// no way around the caps on messages; a new person starts without it.
    async fn start_over(
        &self,
        mut loaded: Loaded,
        same_person: bool,
        event: AuditKind,
    ) -> Result<()> {
        let mut codes = std::mem::take(&mut loaded.progress.codes);
        let voided = codes.start_over();
        // An ID check in progress ends with the method: its photos go too.
        let photos = Self::id_ended_outside(&mut loaded);
        loaded.progress = Progress {
            id_reports: std::mem::take(&mut loaded.progress.id_reports),
            codes: if same_person {
                codes
            } else {
                Default::default()
            },
            ..Progress::default()
        };
        // Record, progress and the audit event in one write: a half-changed recipient never exists.
        let batch = js_sys::Object::new();
        batch_put(&batch, RECORD, &loaded.record)?;
        batch_put(&batch, PROGRESS, &loaded.progress)?;
        self.record_events_with(loaded, vec![event], batch).await?;
        codes::forget(&self.env, &self.id(), &voided).await;
        crate::id_check::photos::delete(&self.env, photos).await;
        Ok(())
    }
}

/// Whether the device policy the recipient was made with has passkeys.
fn passkeys_snapshotted(loaded: &Loaded) -> bool {
    loaded.record.devices.passkeys != signgate_core::policy::PasskeyUse::Off
}

fn no_passkeys_then() -> crate::http::Failure {
    fail(
        ErrorCode::InvalidRequest,
        "method: this agreement was made when the account had no passkeys, so its signer cannot \
         use one",
    )
}
