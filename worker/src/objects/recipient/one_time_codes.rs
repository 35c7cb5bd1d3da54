//! The code methods (SMS, voice call, e-mail) of a recipient: sending and checking codes on the
//! pure [`CodeBook`] engine, under the object's check lock.

use signgate_core::audit::{AuditKind, RefusalReason};
use signgate_core::otp::{
    AfterWrong, Channel, CodeBook, CodeRules, EntryGate, LiveCode, SendRefusal,
};
use signgate_core::outgoing::{self, CodeContext, Language};
use signgate_core::wire::{CodeSent, CodeView, ErrorCode, RecipientState, VerifiedResponse};
use worker::Result;

use super::{Loaded, RecipientObject, already_verified};
use crate::config::{self, now_ms};
use crate::delivery::Courier;
use crate::http::{cancelled, fail, not_counted, wrong_entry};
use crate::objects::Reply;
use crate::{codes, crypto};

impl RecipientObject {
    /// Sends a new code by `channel`, if the rules allow one now.
    pub(super) async fn send_code(
        &self,
        token: &str,
        channel: Channel,
        language: Language,
        host: &str,
        presented: &[String],
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
        match loaded.state_in(presented) {
            RecipientState::Verified => return Ok(Err(*already_verified())),
            RecipientState::Cancelled => return Ok(Err(*cancelled())),
            RecipientState::Pending => {}
        }
        let destination = match channel {
            Channel::Sms | Channel::Voice => loaded.record.phone.clone(),
            Channel::Email => Some(loaded.record.email.clone()),
        }
        .ok_or_else(|| worker::Error::RustError("a phone recipient without a number".into()))?;

        let message = Outgoing {
            channel,
            destination,
            language,
            host,
        };
        self.send_from(loaded, Book::Method, rules, message).await
    }

    /// Issues a code in `book` under `rules` and sends it: the code is stored (as a digest) and
    /// live before it goes out; a send that fails is withdrawn. Under the check lock.
    pub(super) async fn send_from(
        &self,
        loaded: Loaded,
        book: Book,
        rules: CodeRules,
        message: Outgoing<'_>,
    ) -> Result<Reply<CodeSent>> {
        let Outgoing {
            channel,
            destination,
            language,
            host,
        } = message;
        let Some(courier) = Courier::for_channel(&self.env, channel) else {
            return Ok(Err(*fail(
                ErrorCode::NotConfigured,
                format!(
                    "Codes cannot be sent by {} here yet. Please ask the sender.",
                    channel.name()
                ),
            )));
        };
        // Tests and local development may shorten the lifetime, never lengthen it.
        let rules = CodeRules {
            lifetime_ms: config::dev_code_lifetime_ms(&self.env)
                .map_or(rules.lifetime_ms, |dev| dev.min(rules.lifetime_ms)),
            ..rules
        };
        let now = now_ms();
        let code_id = crypto::random_id()?;
        let mut loaded = loaded;
        let issued = match book.of(&mut loaded.progress).issue(
            &rules,
            code_id.clone(),
            channel,
            now,
        ) {
            Ok(issued) => issued,
            Err(SendRefusal::Locked) => return Ok(Err(*cancelled())),
            Err(SendRefusal::Cooldown { retry_after_ms }) => {
                return Ok(Err(codes::resend_too_soon(
                    "Please wait a little before asking for another code.",
                    retry_after_ms,
                )));
            }
            Err(SendRefusal::HourlyCap { retry_after_ms }) => {
                return Ok(Err(codes::resend_too_soon(
                    "That is the most codes we send in an hour. Please use one you have, or wait.",
                    retry_after_ms,
                )));
            }
        };
        let code = codes::generate(rules.digits)?;
        let pepper = config::code_pepper(&self.env)?;
        codes::store(&self.env, &pepper, &self.id(), &issued.code, &code, now).await?;
        // The code is live before it goes out: once it arrives it can be entered. The book read
        // before KV's await is still current (sends and checks hold the lock) unless the agreement
        // cancelled meanwhile; then the locked book stays.
        let mut current = self.load().await?.expect("loaded above");
        if current.progress.state == RecipientState::Cancelled {
            codes::forget(&self.env, &self.id(), &[code_id]).await;
            return Ok(Err(*cancelled()));
        }
        *book.of(&mut current.progress) = book.of(&mut loaded.progress).clone();
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
                let next_send_in_ms = book
                    .of(&mut current.progress)
                    .next_send_in_ms(&rules, now_ms());
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
                    expires_in_secs: issued
                        .code
                        .expires_at
                        .saturating_sub(now_ms())
                        .div_ceil(1000),
                    next_send_in_secs: next_send_in_ms.div_ceil(1000),
                    preview_code: None,
                }))
            }
            Err(refused) => {
                worker::console_error!("a code could not be delivered: {}", refused.0);
                book.of(&mut current.progress).withdraw(&code_id);
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
    pub(super) async fn check_code(
        &self,
        token: &str,
        entry: &str,
        presented: &[String],
    ) -> Result<Reply<VerifiedResponse>> {
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
        match loaded.state_in(presented) {
            RecipientState::Verified => return Ok(Err(*already_verified())),
            RecipientState::Cancelled => {
                return self.refuse(loaded, RefusalReason::Cancelled).await;
            }
            RecipientState::Pending => {}
        }
        let entry = match signgate_core::otp::normalize_entry(entry, rules.digits) {
            Ok(entry) => entry,
            Err(problem) => {
                let tries_left = self.tries_left(&loaded);
                return Ok(Err(not_counted(
                    ErrorCode::InvalidCode,
                    problem,
                    tries_left,
                )));
            }
        };
        let now = now_ms();
        match loaded.progress.codes.gate(now) {
            EntryGate::Locked => return self.refuse(loaded, RefusalReason::Cancelled).await,
            EntryGate::NoCode => return Ok(Err(*codes::no_code())),
            EntryGate::Open => {}
        }

        let compared_at = now;
        let candidates: Vec<_> = loaded.progress.codes.candidates(now).cloned().collect();
        let matched = match self.matching(&candidates, &entry, now).await? {
            Ok(matched) => matched,
            Err(e) => return Ok(Err(e)),
        };

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
                return Ok(Err(*codes::no_code()));
            };
            let response = self
                .verified_with(loaded, channel.amr(), Some(book), None)
                .await?;
            if response.is_ok() {
                let used: Vec<String> = candidates.into_iter().map(|c| c.id).collect();
                codes::forget(&self.env, &self.id(), &used).await;
            }
            return Ok(response);
        }
        self.wrong_code(loaded, &rules, compared_at).await
    }

    /// Which of `candidates` `entry` is, if any ([`codes::matching`]).
    pub(super) async fn matching(
        &self,
        candidates: &[LiveCode],
        entry: &str,
        now: u64,
    ) -> Result<Reply<Option<String>>> {
        codes::matching(&self.env, &self.id(), candidates, entry, now).await
    }

    /// Counts a wrong entry that was compared with the candidates at `compared_at`.
    async fn wrong_code(
        &self,
        mut loaded: Loaded,
        rules: &CodeRules,
        compared_at: u64,
    ) -> Result<Reply<VerifiedResponse>> {
        let method = loaded.record.method;
        let outcome = loaded.progress.codes.record_wrong(rules, compared_at);
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
                Ok(Err(wrong_entry(ErrorCode::WrongCode, Some(tries_left))))
            }
            AfterWrong::Voided { voided } => {
                self.save(loaded, vec![failed, AuditKind::CodesVoided { method }])
                    .await?;
                codes::forget(&self.env, &self.id(), &voided).await;
                Ok(Err(codes::codes_voided()))
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
            AfterWrong::Refused(EntryGate::NoCode) => Ok(Err(*codes::no_code())),
            AfterWrong::Refused(_) => self.refuse(loaded, RefusalReason::Cancelled).await,
        }
    }
}

/// Which of a recipient's code books: their method's, or recovery's e-mail codes.
#[derive(Clone, Copy, Debug)]
pub(super) enum Book {
    Method,
    Recovery,
}

impl Book {
    pub(super) fn of(self, progress: &mut super::Progress) -> &mut CodeBook {
        match self {
            Book::Method => &mut progress.codes,
            Book::Recovery => &mut progress.recovery.codes,
        }
    }
}

/// A code's message: by which channel, to whom, in which language, for which host (WebOTP).
#[derive(Debug)]
pub(super) struct Outgoing<'a> {
    pub channel: Channel,
    pub destination: String,
    pub language: Language,
    pub host: &'a str,
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
pub(super) fn code_view(loaded: &Loaded, now: u64) -> Option<CodeView> {
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
