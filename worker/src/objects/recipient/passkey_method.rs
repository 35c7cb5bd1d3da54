//! The passkey method: a signer proves themselves with a passkey they registered on an earlier
//! signing for the same account (`crate::objects::signer_passkeys`). The sign-in is the device
//! page's, as for a device's own passkey (`passkeys.rs`); what differs is where the passkey comes
//! from, that an answer which does not hold counts as a try (the last cancels, as every method's
//! does), and that the first sign-in verifies the recipient through the agreement.
//!
//! This object also tells the registry what its devices changed: a passkey registered here joins
//! it, and a revoked device's passkeys (its own, the one it verified with) leave it, before the
//! call that changed them is answered (else the alarm retries). One telling at a time, under the
//! check lock, so the registry hears the changes in the order they were made, and for the person
//! they were made for (a sender's replacement waits for it).

use signgate_core::attempts::Gate;
use signgate_core::audit::RefusalReason;
use signgate_core::devices::{Refusal, Seen};
use signgate_core::policy::Method;
use signgate_core::webauthn::Problem;
use signgate_core::wire::{ErrorCode, RecipientState, VerifiedResponse};
use worker::Result;

use super::passkeys::{AMR, Answer, problem, refused};
use super::{Loaded, RETRY_TELLING_AFTER_MS, RecipientObject, Rp};
use crate::config::now_ms;
use crate::crypto;
use crate::http::fail;
use crate::objects::Reply;
use crate::objects::signer_passkeys::{Registry, Use};

/// A sign-in with a passkey that is not one of this recipient's devices'.
pub(super) struct SigningIn<'a> {
    pub token: &'a str,
    pub browser: Seen,
    pub rp: Rp,
    pub credential_id: &'a str,
    pub answer: Answer,
}

impl RecipientObject {
    /// The passkeys the signer holds with the account, where the link is genuine and a passkey
    /// is its method.
    pub(super) async fn held_for_the_method(&self, token: &str) -> Result<Vec<String>> {
        match self.authenticate(token).await? {
            Ok(loaded) if loaded.record.method == Method::Passkey => {
                self.registry(&loaded)?.credential_ids().await
            }
            _ => Ok(Vec::new()),
        }
    }

    /// `signing_in` under the passkey method, `loaded` holding its challenge taken (`taken`).
    pub(super) async fn passkey_method_sign_in(
        &self,
        loaded: Loaded,
        taken: std::result::Result<(), Refusal>,
        signing_in: SigningIn<'_>,
    ) -> Result<Reply<VerifiedResponse>> {
        let SigningIn {
            token,
            browser,
            rp,
            credential_id,
            answer,
        } = signing_in;
        // The challenge is spent before anything is awaited: no second answer can use it.
        let loaded = self.save(loaded, Vec::new()).await?;
        if let Err(refusal) = taken {
            // Stale or foreign: the page asks again; no try is used.
            return Ok(Err(*refused(refusal)));
        }
        if let Gate::Throttled { .. } = loaded.progress.attempts.gate(now_ms()) {
            return self.refuse(loaded, RefusalReason::Throttled).await;
        }
        let registry = self.registry(&loaded)?;
        let wrong = |why| self.wrong_passkey(token, &browser.presented, why);
        let Some(passkey) = registry.find(credential_id).await? else {
            return wrong(None).await;
        };
        let signed = match answer.check(&rp, &passkey.public_key) {
            Ok(signed) => signed,
            Err(why) => return wrong(Some(why)).await,
        };
        let key = &passkey.public_key;
        if !crypto::signature_holds(key, &signed.message, &signed.signature).await? {
            return wrong(None).await;
        }
        // The counter only once the signature holds: a forgery raises no alarm.
        match registry.used(credential_id, signed.sign_count).await? {
            Use::Kept => {}
            // Forgotten meanwhile: its device was revoked.
            Use::Unknown => return wrong(None).await,
            Use::CounterWentBack => return wrong(Some(Problem::CounterWentBack)).await,
        }
        // A cancellation may have come meanwhile (a sender's change waits for the check lock).
        let loaded = match self.passkey_recipient(token).await? {
            Ok(loaded) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        let verdict = self.verified_with(loaded, AMR, None, None).await?;
        if verdict.is_ok() {
            // A passkey's device, so the policy's wish for one is met; revoking it distrusts
            // the passkey. Its recovery code comes with the signing page's grant, which shows it.
            self.keep_device(browser, Some(credential_id)).await?;
        }
        Ok(verdict)
    }

    /// An answer that does not hold: a try used, with why where it says more than "no". Not on
    /// one of a verified recipient's own devices (`presented`), which cannot lock the link.
    async fn wrong_passkey(
        &self,
        token: &str,
        presented: &[String],
        why: Option<Problem>,
    ) -> Result<Reply<VerifiedResponse>> {
        let loaded = match self.authenticate(token).await? {
            Ok(loaded) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        let refusal = match why {
            Some(why) => problem(why),
            None => fail(
                ErrorCode::PasskeyRefused,
                "That passkey answer does not hold for this link.",
            ),
        };
        match loaded.state_in(presented) {
            RecipientState::Cancelled => self.refuse(loaded, RefusalReason::Cancelled).await,
            RecipientState::Verified => Ok(Err(*refusal)),
            RecipientState::Pending => {
                let mut counted = self.wrong(loaded, ErrorCode::PasskeyRefused).await?;
                if let Err(error) = &mut counted
                    && error.code == ErrorCode::PasskeyRefused
                    && why.is_some()
                {
                    error.message = refusal.message;
                }
                Ok(counted)
            }
        }
    }

    /// The same passkey's counter in the account's registry, for a sign-in with a device's own
    /// passkey: one count for both ways in, so a copy used by turns is caught.
    pub(super) async fn account_counter(
        &self,
        credential_id: &str,
        sign_count: u32,
    ) -> Result<std::result::Result<(), Problem>> {
        let Some(loaded) = self.load().await? else {
            return Ok(Ok(()));
        };
        Ok(
            match self
                .registry(&loaded)?
                .used(credential_id, sign_count)
                .await?
            {
                Use::CounterWentBack => Err(Problem::CounterWentBack),
                // Not there (the registry was not told yet): the device's own counter decides.
                Use::Kept | Use::Unknown => Ok(()),
            },
        )
    }

    /// Tells the account's registry of the signer's passkeys what this recipient's devices
    /// changed, in order; what it does not take waits for the alarm.
    pub(super) async fn tell_registry(&self) -> Result<()> {
        let _in_order = self.checking.lock().await;
        self.flush_registry().await
    }

    /// [`Self::tell_registry`], for a caller holding the check lock.
    pub(super) async fn flush_registry(&self) -> Result<()> {
        let Some(loaded) = self.load().await? else {
            return Ok(());
        };
        let changes = loaded.progress.devices.registry_changes().to_vec();
        if changes.is_empty() {
            return Ok(());
        }
        let told = changes.len();
        // Kept in the queue until the registry has them (each change may be told twice).
        if let Err(error) = self.registry(&loaded)?.apply(changes).await {
            self.alarm_by(now_ms() + RETRY_TELLING_AFTER_MS).await?;
            return Err(error);
        }
        let mut current = self.load().await?.expect("loaded above");
        current.progress.devices.registry_told(told);
        self.save(current, Vec::new()).await?;
        Ok(())
    }

    fn registry(&self, loaded: &Loaded) -> Result<Registry> {
        Registry::of(&self.env, &loaded.record.account_id, &loaded.record.email)
    }
}

/// Why `method` cannot be given to the signer at `email` with `account_id`: the passkey method
/// only to a signer who holds a passkey with the account (else they could never verify). `at`
/// names the field (`recipients[2]`, or empty).
pub async fn passkey_problem(
    env: &worker::Env,
    account_id: &str,
    method: Method,
    email: &str,
    at: &str,
) -> Result<Option<String>> {
    if method != Method::Passkey {
        return Ok(None);
    }
    let held = Registry::of(env, account_id, email)?
        .credential_ids()
        .await?;
    let field = if at.is_empty() {
        "method".to_owned()
    } else {
        format!("{at}.method")
    };
    Ok(held.is_empty().then(|| {
        format!(
            "{field}: {email} holds no passkey with this account yet (one is made on the device \
             page after verifying with another method)"
        )
    }))
}
