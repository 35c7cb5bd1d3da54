//! Recovery when a signer lost their devices ([`signgate_core::recovery`]): the recovery code
//! shown once at the first verification, then an e-mail code in the same browser (sent and
//! checked on a code book of its own, by the code engine), each factor with its own try limit.
//! Passing makes the browser a device, announced like any new one; the policy may revoke every
//! other device. Each step is under the object's check lock.

use serde::{Deserialize, Serialize};
use signgate_core::audit::{AuditKind, RecoveryFactor, Revoker};
use signgate_core::devices::Seen;
use signgate_core::otp::{AfterWrong, Channel, CodeBook, CodeRules, EntryGate};
use signgate_core::outgoing::Language;
use signgate_core::recovery::{self, Recovery, Refusal};
use signgate_core::wire::{CodeSent, ErrorCode, RecipientState, Recovered};
use worker::Result;

use super::one_time_codes::{Book, Outgoing};
use super::{Loaded, RecipientObject, already_verified};
use crate::config::now_ms;
use crate::http::{Failure, cancelled, fail, not_counted, wrong_entry};
use crate::objects::Reply;
use crate::{codes, crypto, device};

/// A recipient's recovery: the code and its tries, and recovery's own e-mail codes.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct RecoveryProgress {
    #[serde(default)]
    recovery: Recovery,
    #[serde(default)]
    pub codes: CodeBook,
}

/// The first factor, as the route passes it on.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RecoveryStart {
    pub token: String,
    /// The digest of the recovery code typed, or `None` when what was typed cannot be one.
    pub digest: Option<String>,
    /// The browser, with the digest of the verification cookie it is given: it proves the
    /// code there, and the e-mail code must come from it.
    pub browser: Seen,
    pub language: Language,
    pub host: String,
}

impl RecipientObject {
    /// The recipient's first recovery code, with the first grant that reaches a browser (where the
    /// policy has recovery): shown this once.
    pub(super) async fn first_recovery_code(&self) -> Result<Option<String>> {
        let Some(mut loaded) = self.load().await? else {
            return Ok(None);
        };
        if !loaded.progress.recovery.recovery.first_is_due() {
            return Ok(None);
        }
        let code = self.new_recovery_code(&mut loaded)?;
        if code.is_some() {
            self.save(loaded, Vec::new()).await?;
        }
        Ok(code)
    }

    /// A new recovery code for the recipient, where the policy has recovery: kept as a digest,
    /// returned to be shown this once.
    pub(super) fn new_recovery_code(&self, loaded: &mut Loaded) -> Result<Option<String>> {
        if loaded.record.recovery_codes.is_none() {
            return Ok(None);
        }
        let code = recovery::code_from(crypto::random_bytes()?);
        let normal = recovery::normalize(&code).expect("made to be one");
        loaded
            .progress
            .recovery
            .recovery
            .issue(device::digest(&normal));
        Ok(Some(code))
    }

    /// The recovery code, typed in a browser that is not one of the recipient's devices: right,
    /// an e-mail code is sent for the second factor.
    pub(super) async fn recovery_start(&self, start: RecoveryStart) -> Result<Reply<CodeSent>> {
        let _one_check_at_a_time = self.checking.lock().await;
        let RecoveryStart {
            token,
            digest,
            browser,
            language,
            host,
        } = start;
        let (mut loaded, rules) = match self.recovering(&token, &browser.presented).await? {
            Ok(found) => found,
            Err(e) => return Ok(Err(e)),
        };
        let progress = &mut loaded.progress.recovery;
        let Some(digest) = digest else {
            return Ok(Err(not_counted(
                ErrorCode::InvalidCode,
                "A recovery code is 16 letters and digits, as it was shown: 7KQ2-M9XD-….",
                Some(progress.recovery.tries_left()),
            )));
        };
        let earlier = match progress.recovery.prove(&digest, browser, now_ms()) {
            Ok(earlier) => earlier,
            Err(refusal) => {
                let events = match refusal {
                    Refusal::WrongCode { tries_left } => vec![AuditKind::RecoveryFailed {
                        factor: RecoveryFactor::RecoveryCode,
                        tries_left,
                    }],
                    _ => Vec::new(),
                };
                self.save(loaded, events).await?;
                return Ok(Err(refused(refusal)));
            }
        };
        // Kept before the send, which works on the state as it finds it after storing the code.
        let loaded = self.save(loaded, Vec::new()).await?;
        let message = Outgoing {
            channel: Channel::Email,
            destination: loaded.record.email.clone(),
            language,
            host: &host,
        };
        let sent = self
            .send_from(loaded, Book::Recovery, rules, message)
            .await?;
        if sent.is_err() {
            // No code went out and this browser gets no cookie: a browser that proved the code
            // before keeps its step (and the code it may have received).
            let mut current = self.load().await?.expect("loaded above");
            current.progress.recovery.recovery.restore(earlier);
            self.save(current, Vec::new()).await?;
        }
        Ok(sent)
    }

    /// The e-mail code, from the browser that gave the recovery code: right, that browser is a
    /// device now (the policy may revoke every other one), and a new recovery code replaces the
    /// spent one.
    pub(super) async fn recovery_finish(
        &self,
        token: &str,
        presented: &[String],
        entry: &str,
    ) -> Result<Reply<Recovered>> {
        let _one_check_at_a_time = self.checking.lock().await;
        let (loaded, rules) = match self.recovering(token, presented).await? {
            Ok(found) => found,
            Err(e) => return Ok(Err(e)),
        };
        let now = now_ms();
        let progress = &loaded.progress.recovery;
        if let Err(refusal) = progress.recovery.proven_in(presented, now) {
            return Ok(Err(refused(refusal)));
        }
        let entry = match signgate_core::otp::normalize_entry(entry, rules.digits) {
            Ok(entry) => entry,
            Err(problem) => {
                let tries_left = Some(progress.codes.tries_left(&rules));
                return Ok(Err(not_counted(
                    ErrorCode::InvalidCode,
                    problem,
                    tries_left,
                )));
            }
        };
        match progress.codes.gate(now) {
            EntryGate::Open => {}
            EntryGate::Locked => return Ok(Err(refused(Refusal::Locked))),
            EntryGate::NoCode => {
                return Ok(Err(*fail(
                    ErrorCode::NoCode,
                    "No e-mail code is valid now: give your recovery code again for a new one.",
                )));
            }
        }
        let candidates: Vec<_> = progress.codes.candidates(now).cloned().collect();
        let matched = match self.matching(&candidates, &entry, now).await? {
            Ok(matched) => matched,
            Err(e) => return Ok(Err(e)),
        };
        // Other events ran while KV answered (a cancellation): decide on the present.
        let current = self.load().await?.expect("loaded above");
        let mut loaded = match may_recover(current, presented) {
            Ok((loaded, _)) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        let progress = &mut loaded.progress.recovery;
        let Some(id) = matched else {
            let outcome = progress.codes.record_wrong(&rules, now);
            if let AfterWrong::Refused(_) = outcome {
                // The codes expired while KV answered: nothing was counted.
                return Ok(Err(*fail(
                    ErrorCode::NoCode,
                    "That code expired meanwhile: give your recovery code again for a new one.",
                )));
            }
            let tries_left = match &outcome {
                AfterWrong::TriesLeft(n) => *n,
                _ => 0,
            };
            if let AfterWrong::Locked { .. } = &outcome {
                progress.recovery.lock();
            }
            let failed = AuditKind::RecoveryFailed {
                factor: RecoveryFactor::EmailCode,
                tries_left,
            };
            // Saved before KV is awaited: nothing else may write in between.
            self.save(loaded, vec![failed]).await?;
            if let AfterWrong::Locked { voided } = &outcome {
                codes::forget(&self.env, &self.id(), voided).await;
            }
            return Ok(Err(match outcome {
                AfterWrong::Locked { .. } => refused(Refusal::Locked),
                _ => wrong_entry(ErrorCode::WrongCode, Some(tries_left)),
            }));
        };
        if progress.codes.accept(&id, now).is_none() {
            return Ok(Err(*fail(
                ErrorCode::NoCode,
                "That code expired meanwhile: give your recovery code again for a new one.",
            )));
        }
        let browser = match progress.recovery.recovered(presented, now) {
            Ok(browser) => browser,
            Err(refusal) => return Ok(Err(refused(refusal))),
        };
        let book = &mut loaded.progress.devices;
        let revoked = if loaded.record.devices.recovery_revokes_others {
            book.revoke_all()
        } else {
            Vec::new()
        };
        let device = book.verified(crypto::random_id()?, browser, "otp", now);
        let Some(recovery_code) = self.new_recovery_code(&mut loaded)? else {
            return Ok(Err(*recovery_off()));
        };
        let mut events = vec![AuditKind::DeviceRecovered {
            device,
            revoked: revoked.clone(),
        }];
        if !revoked.is_empty() {
            events.push(AuditKind::DevicesRevoked {
                devices: revoked,
                by: Revoker::Recovery,
            });
        }
        self.save(loaded, events).await?;
        let used: Vec<String> = candidates.into_iter().map(|c| c.id).collect();
        codes::forget(&self.env, &self.id(), &used).await;
        Ok(Ok(Recovered { recovery_code }))
    }

    /// The recipient, for a recovery from the browser presenting `presented`, and recovery's
    /// e-mail code rules ([`may_recover`]).
    async fn recovering(
        &self,
        token: &str,
        presented: &[String],
    ) -> Result<Reply<(Loaded, CodeRules)>> {
        Ok(match self.authenticate_in(token, presented).await? {
            Ok(loaded) => may_recover(loaded, presented),
            Err(e) => Err(e),
        })
    }
}

/// Whether the recipient may be recovered from the browser presenting `presented`: the policy has
/// recovery (its rules), they are verified (there is a verification to recover) and not
/// cancelled, and that browser is not a device already.
fn may_recover(loaded: Loaded, presented: &[String]) -> Reply<(Loaded, CodeRules)> {
    let Some(rules) = loaded.record.recovery_codes else {
        return Err(*recovery_off());
    };
    match loaded.progress.state {
        RecipientState::Cancelled => return Err(*cancelled()),
        RecipientState::Pending => {
            return Err(*fail(
                ErrorCode::Conflict,
                "This link is not verified yet: there is nothing to recover. Verify with your \
                 method.",
            ));
        }
        RecipientState::Verified => {}
    }
    if loaded.progress.devices.by_cookie(presented).is_some() {
        return Err(*already_verified());
    }
    Ok((loaded, rules))
}

fn recovery_off() -> Failure {
    fail(
        ErrorCode::NotAllowed,
        "This account's policy has no recovery: verify with your method, or ask the sender for a \
         new link.",
    )
}

fn refused(refusal: Refusal) -> signgate_core::wire::ApiError {
    match refusal {
        Refusal::WrongCode { tries_left } if tries_left > 0 => {
            wrong_entry(ErrorCode::WrongCode, Some(tries_left))
        }
        Refusal::WrongCode { .. } | Refusal::Locked => *fail(
            ErrorCode::NotAllowed,
            "Recovery is closed for this link: too many wrong codes. Ask the sender for a new link.",
        ),
        Refusal::NoCode => *fail(
            ErrorCode::Conflict,
            "There is no recovery code for this link (it was used). Verify with your method, or \
             ask the sender.",
        ),
        Refusal::NotProven => *fail(
            ErrorCode::Conflict,
            "Give your recovery code in this browser first (it holds for 15 minutes).",
        ),
    }
}
