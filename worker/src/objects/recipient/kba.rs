//! Knowledge-based authentication of a recipient. The provider (`crate::kba`) finds the signer,
//! asks the questions and counts wrong answers; [`KbaBook`] (the pure rules) decides. Both calls
//! hold the check lock from reading the book to writing the verdict, provider call included, so
//! of any number of concurrent submissions of a round exactly one is scored; the round is taken
//! in memory and only a verdict is written, so a provider that fails leaves it open to be sent
//! again, never scored twice.
//!
//! Kept: the book and the provider's transaction reference (for the audit trail, as Adobe's
//! report names the LexisNexis token). Not kept: the personal data, the questions, the answers.

use serde::{Deserialize, Serialize};
use signgate_core::audit::{AuditKind, RefusalReason};
use signgate_core::kba::idology::{Answer, Question};
use signgate_core::kba::{ANSWER_WITHIN_MS, KbaBook, KbaRules, Refusal, Stage, Subject, Verdict};
use signgate_core::policy::Method;
use signgate_core::wire::{
    ErrorCode, KbaAnswered, KbaAnswers, KbaQuestion, KbaRound, RecipientState,
};
use worker::Result;

use super::{Loaded, RecipientObject, already_verified};
use crate::config::{AGREEMENTS_BINDING, now_ms};
use crate::crypto;
use crate::http::{Failure, cancelled, fail, wrong_entry};
use crate::kba::{KbaProvider, Unavailable};
use crate::objects::agreement::AgreementCall;
use crate::objects::{Reply, call_ok, stub};

/// A recipient's KBA state.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct KbaProgress {
    pub book: KbaBook,
    /// The provider's transaction of the current try.
    reference: Option<String>,
    /// The name the provider found (the recipient's, as typed), for the signature field.
    #[serde(default)]
    name: Option<String>,
    /// After "not eligible": has the agreement queued the sender's webhook? Retried by the alarm.
    #[serde(default)]
    sender_told: bool,
}

impl KbaProgress {
    /// A "not eligible" the sender has not been told of yet.
    pub fn owes_the_sender(&self) -> bool {
        self.book.is_not_eligible() && !self.sender_told
    }
}

impl RecipientObject {
    fn kba_rules(loaded: &Loaded) -> std::result::Result<KbaRules, Failure> {
        loaded
            .record
            .kba
            .ok_or_else(|| fail(ErrorCode::WrongMethod, "This link does not use questions."))
    }

    /// The recipient as a KBA call finds them: theirs, pending, with the method's rules; a round
    /// whose time ran out is closed first (a failed try).
    async fn kba_ready(&self, token: &str) -> Result<Reply<(Loaded, KbaRules)>> {
        let loaded = match self.authenticate(token).await? {
            Ok(loaded) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        let rules = match Self::kba_rules(&loaded) {
            Ok(rules) => rules,
            Err(e) => return Ok(Err(*e)),
        };
        match loaded.progress.state {
            RecipientState::Verified => return Ok(Err(*already_verified())),
            RecipientState::Cancelled => {
                return self.refused(loaded, RefusalReason::Cancelled).await;
            }
            RecipientState::Pending => {}
        }
        Ok(Ok((loaded, rules)))
    }

    /// `refuse`, for a call whose answer is not a grant.
    async fn refused<T>(&self, loaded: Loaded, reason: RefusalReason) -> Result<Reply<T>> {
        Ok(Err(self
            .refuse(loaded, reason)
            .await?
            .expect_err("a refusal")))
    }

    /// The signer's data: the provider finds them and asks the first questions of a try (or the
    /// follow-ups still owed, when asking for them failed before). A round left open is given up
    /// first, as a failed try: starting again is no way to see other questions for free.
    pub(super) async fn start_kba(&self, token: &str, subject: Subject) -> Result<Reply<KbaRound>> {
        let _one_check_at_a_time = self.checking.lock().await;
        let (mut loaded, rules) = match self.kba_ready(token).await? {
            Ok(ready) => ready,
            Err(e) => return Ok(Err(e)),
        };
        if !subject.is_named(&loaded.record.name) {
            return Ok(Err(*fail(
                ErrorCode::InvalidRequest,
                format!(
                    "first_name, last_name: the name the sender gave for you, {}. If yours is \
                     written otherwise, please ask the sender to correct it.",
                    loaded.record.name
                ),
            )));
        }
        let given_up = given_up(&loaded);
        if let Some(verdict) = loaded.progress.kba.book.abandon(&rules) {
            return self
                .try_failed(loaded, &rules, verdict, true, given_up)
                .await;
        }
        let follow_up = match loaded.progress.kba.book.may_ask(Stage::First) {
            Ok(()) => false,
            Err(Refusal::RoundOpen) => true,
            Err(refusal) => return self.kba_refusal(loaded, refusal).await,
        };
        let Some(provider) = KbaProvider::from_env(&self.env) else {
            return Ok(Err(*fail(
                ErrorCode::NotConfigured,
                "Questions cannot be asked here: no provider is set up. Please ask the sender.",
            )));
        };
        let asked = match (&loaded.progress.kba.reference, follow_up) {
            (Some(reference), true) => provider.follow_ups(reference).await,
            _ => provider.ask(&subject).await,
        };
        // Other events ran while the provider answered (a cancellation): act on the present.
        let current = self.load().await?.expect("loaded above");
        if current.progress.state == RecipientState::Cancelled {
            return self.refused(current, RefusalReason::Cancelled).await;
        }
        loaded = current;
        let stage = if follow_up {
            Stage::FollowUp
        } else {
            Stage::First
        };
        match asked {
            Ok(Answer::Questions {
                id_number,
                questions,
            }) => {
                loaded.progress.kba.name = Some(subject.full_name());
                self.open_round(loaded, &rules, stage, &provider, id_number, questions)
                    .await
            }
            Ok(Answer::NotEligible { id_number }) if !follow_up => {
                self.not_eligible(loaded, &provider, id_number).await
            }
            // The provider answered, and not with the follow-ups: it will not ask them.
            Ok(other) if follow_up => self.follow_ups_refused(loaded, &rules, other).await,
            other => Ok(Err(*provider_failed(other))),
        }
    }

    /// The provider will not ask the follow-ups owed: that try fails rather than leave the
    /// signer stuck between rounds.
    async fn follow_ups_refused<T>(
        &self,
        mut loaded: Loaded,
        rules: &KbaRules,
        answer: Answer,
    ) -> Result<Reply<T>> {
        provider_failed(Ok(answer));
        let given_up = given_up(&loaded);
        match loaded.progress.kba.book.give_up_follow_ups(rules) {
            Some(verdict) => {
                self.try_failed(loaded, rules, verdict, true, given_up)
                    .await
            }
            None => Ok(Err(*provider_failed(Err(Unavailable(
                "no follow-ups owed".into(),
            ))))),
        }
    }

    /// Questions the provider asked: a round of the book, with a fresh id and a deadline.
    async fn open_round(
        &self,
        mut loaded: Loaded,
        rules: &KbaRules,
        stage: Stage,
        provider: &KbaProvider,
        reference: String,
        questions: Vec<Question>,
    ) -> Result<Reply<KbaRound>> {
        let round = crypto::random_id()?;
        let ids: Vec<String> = questions.iter().map(|q| q.kind.clone()).collect();
        let expires_at = now_ms() + ANSWER_WITHIN_MS;
        let book = &mut loaded.progress.kba.book;
        match book.ask(rules, stage, round.clone(), ids, expires_at) {
            Ok(()) => {}
            Err(Refusal::WrongCount) => {
                return Ok(Err(*provider_failed(Err(Unavailable(format!(
                    "it asked {} questions, which this policy's rules cannot score",
                    questions.len()
                ))))));
            }
            // Cancelled (or passed) while the provider was asked.
            Err(refusal) => return self.kba_refusal(loaded, refusal).await,
        }
        let tries_left = book.tries_left(rules);
        let count = questions.len() as u32;
        let events = match stage {
            Stage::First => vec![AuditKind::KbaStarted {
                provider: provider.name().into(),
                reference: reference.clone(),
                questions: count,
                name: loaded.progress.kba.name.clone().unwrap_or_default(),
            }],
            Stage::FollowUp => Vec::new(),
        };
        loaded.progress.kba.reference = Some(reference);
        self.save(loaded, events).await?;
        Ok(Ok(KbaRound {
            round,
            follow_up: stage == Stage::FollowUp,
            questions: questions
                .into_iter()
                .map(|q| KbaQuestion {
                    id: q.kind,
                    prompt: q.prompt,
                    choices: q.choices,
                })
                .collect(),
            expires_in_secs: ANSWER_WITHIN_MS / 1000,
            tries_left,
        }))
    }

    /// The provider cannot ask this signer: the method is closed for them and the sender told.
    async fn not_eligible(
        &self,
        mut loaded: Loaded,
        provider: &KbaProvider,
        reference: Option<String>,
    ) -> Result<Reply<KbaRound>> {
        loaded.progress.kba.book.mark_not_eligible();
        let event = AuditKind::KbaNotEligible {
            provider: provider.name().into(),
            reference,
        };
        let loaded = self.save(loaded, vec![event]).await?;
        self.tell_sender_unavailable(loaded).await?;
        Ok(Err(*not_eligible()))
    }

    /// Has the agreement queue the sender's "method unavailable" webhook; if it cannot be
    /// reached now, the alarm tries again until it can.
    pub(super) async fn tell_sender_unavailable(&self, loaded: Loaded) -> Result<()> {
        if !loaded.progress.kba.owes_the_sender() {
            return Ok(());
        }
        let agreement = stub(&self.env, AGREEMENTS_BINDING, &loaded.record.agreement_id)?;
        let unavailable = AgreementCall::RecipientMethodUnavailable {
            recipient_id: self.id(),
            method: Method::Kba,
        };
        match call_ok::<_, ()>(&agreement, &unavailable).await {
            Ok(()) => {
                let mut current = self.load().await?.expect("loaded above");
                current.progress.kba.sender_told = true;
                self.save(current, Vec::new()).await?;
            }
            Err(error) => {
                worker::console_error!(
                    "telling the agreement about an unavailable method: {error}"
                );
                self.alarm_by(now_ms() + super::RETRY_TELLING_AFTER_MS)
                    .await?;
            }
        }
        Ok(())
    }

    /// The answers to a round: taken (the round closes), scored by the provider, judged by the
    /// book. Follow-ups owed are asked at once.
    pub(super) async fn answer_kba(
        &self,
        token: &str,
        answers: KbaAnswers,
    ) -> Result<Reply<KbaAnswered>> {
        let _one_check_at_a_time = self.checking.lock().await;
        let (mut loaded, rules) = match self.kba_ready(token).await? {
            Ok(ready) => ready,
            Err(e) => return Ok(Err(e)),
        };
        if loaded.progress.kba.book.is_passed() {
            // Passed before, but the agreement did not confirm in time: it is asked again, and
            // this browser gets the grant.
            return self.kba_verified(loaded).await;
        }
        let given_up = given_up(&loaded);
        if let Some(verdict) = loaded.progress.kba.book.expire(&rules, now_ms()) {
            return self
                .try_failed(loaded, &rules, verdict, true, given_up)
                .await;
        }
        let named: Vec<&str> = answers
            .answers
            .iter()
            .map(|a| a.question_id.as_str())
            .collect();
        let taken = match loaded.progress.kba.book.take(&answers.round, &named) {
            Ok(taken) => taken,
            Err(refusal) => return self.kba_refusal(loaded, refusal).await,
        };
        let (Some(reference), Some(provider)) = (
            loaded.progress.kba.reference.clone(),
            KbaProvider::from_env(&self.env),
        ) else {
            return Ok(Err(*provider_failed(Err(Unavailable(
                "no provider or transaction".into(),
            )))));
        };
        // In the order asked: the provider numbers them.
        let chosen: Vec<(String, String)> = taken
            .question_ids
            .iter()
            .filter_map(|id| answers.answers.iter().find(|a| &a.question_id == id))
            .map(|a| (a.question_id.clone(), a.choice.clone()))
            .collect();
        let follow_up = taken.stage == Stage::FollowUp;
        let scored = provider.score(&reference, follow_up, &chosen).await;
        let current = self.load().await?.expect("loaded above");
        if current.progress.state == RecipientState::Cancelled {
            return self.refused(current, RefusalReason::Cancelled).await;
        }
        // Only the round's closing is carried over: the rest is the present state.
        let book = std::mem::take(&mut loaded.progress.kba.book);
        loaded = current;
        loaded.progress.kba.book = book;
        let count = taken.question_ids.len() as u32;
        let (wrong, timed_out) = match scored {
            Ok(Answer::Scored { wrong }) => (wrong.min(taken.question_ids.len()), false),
            Ok(Answer::TimedOut) => (taken.question_ids.len(), true),
            // Unscored: nothing is written, so the round stays open to be sent again.
            other => return Ok(Err(*provider_failed(other))),
        };
        let verdict = loaded.progress.kba.book.score(&rules, &taken, wrong);
        let round = AuditKind::KbaRound {
            reference: reference.clone(),
            follow_up,
            questions: count,
            passed: verdict == Verdict::Passed,
            timed_out,
        };
        match verdict {
            Verdict::Passed => {
                let loaded = self.save(loaded, vec![round]).await?;
                self.kba_verified(loaded).await
            }
            Verdict::FollowUp => {
                let loaded = self.save(loaded, vec![round]).await?;
                let asked = provider.follow_ups(&reference).await;
                let loaded = self.load().await?.unwrap_or(loaded);
                match asked {
                    Ok(Answer::Questions {
                        id_number,
                        questions,
                    }) => {
                        let round = self
                            .open_round(
                                loaded,
                                &rules,
                                Stage::FollowUp,
                                &provider,
                                id_number,
                                questions,
                            )
                            .await?;
                        Ok(round.map(|r| KbaAnswered {
                            verified: None,
                            follow_up: Some(r),
                        }))
                    }
                    Ok(other) => self.follow_ups_refused(loaded, &rules, other).await,
                    // Owed still (the provider may be back in a moment): starting again asks.
                    Err(unavailable) => Ok(Err(*provider_failed(Err(unavailable)))),
                }
            }
            verdict => {
                self.try_failed(loaded, &rules, verdict, timed_out, round)
                    .await
            }
        }
    }

    /// Verified by KBA: the grant, with the name the provider found for the signature field.
    async fn kba_verified(&self, loaded: Loaded) -> Result<Reply<KbaAnswered>> {
        let name = loaded.progress.kba.name.clone();
        let verified = self.verified_with(loaded, "kba", None, name).await?;
        Ok(verified.map(|v| KbaAnswered {
            verified: Some(v),
            follow_up: None,
        }))
    }

    /// A try that failed (wrong answers, or a round given up or out of time), with the event of
    /// its last round: counted, audited, and on the last one the agreement is cancelled.
    async fn try_failed<T>(
        &self,
        mut loaded: Loaded,
        rules: &KbaRules,
        verdict: Verdict,
        expired: bool,
        last_round: AuditKind,
    ) -> Result<Reply<T>> {
        let book = &loaded.progress.kba.book;
        let tries_left = book.tries_left(rules);
        let events = vec![
            last_round,
            AuditKind::VerificationFailed {
                method: Method::Kba,
                failures: book.failures(),
                tries_left,
            },
        ];
        let code = if expired {
            ErrorCode::QuestionsExpired
        } else {
            ErrorCode::WrongAnswers
        };
        if verdict == Verdict::Locked {
            loaded.progress.state = RecipientState::Cancelled;
            loaded.progress.agreement_told = false;
            let loaded = self.save(loaded, events).await?;
            self.tell_agreement_locked(loaded).await?;
            let mut error = *cancelled();
            error.tries_left = Some(0);
            return Ok(Err(error));
        }
        self.save(loaded, events).await?;
        let mut error = wrong_entry(code, tries_left);
        error.message = match code {
            ErrorCode::QuestionsExpired => {
                "The time for the questions ran out; that try counted as failed.".into()
            }
            _ => "Not all answers were right; that try failed.".into(),
        };
        Ok(Err(error))
    }

    /// A submission or a start the book refuses, counting nothing.
    async fn kba_refusal<T>(&self, loaded: Loaded, refusal: Refusal) -> Result<Reply<T>> {
        let failure = match refusal {
            Refusal::Locked => return self.refused(loaded, RefusalReason::Cancelled).await,
            // Passed, but the agreement did not confirm in time: it is asked again.
            Refusal::Passed => {
                return Ok(Err(match self.kba_verified(loaded).await? {
                    Ok(_) => *already_verified(),
                    Err(e) => e,
                }));
            }
            Refusal::NotEligible => not_eligible(),
            Refusal::NotOpen | Refusal::RoundOpen => fail(
                ErrorCode::NoQuestions,
                "No questions are waiting for these answers: they were answered already, or \
                 their time ran out.",
            ),
            Refusal::Mismatch | Refusal::WrongCount => fail(
                ErrorCode::InvalidRequest,
                "answers: exactly one for each question asked",
            ),
        };
        Ok(Err(*failure))
    }
}

/// The event of the open round if it closes unanswered (given up, or out of time).
fn given_up(loaded: &Loaded) -> AuditKind {
    let open = loaded.progress.kba.book.open_round();
    AuditKind::KbaRound {
        reference: loaded.progress.kba.reference.clone().unwrap_or_default(),
        follow_up: open.is_some_and(|o| o.stage == Stage::FollowUp),
        questions: open.map_or(0, |o| o.question_ids.len() as u32),
        passed: false,
        timed_out: true,
    }
}

fn not_eligible() -> Failure {
    fail(
        ErrorCode::NotEligible,
        "Questions cannot be asked for you, so this way of verifying is not available. The \
         sender has been told; please contact them.",
    )
}

/// The provider failed or answered what the call cannot use: nothing was counted.
fn provider_failed(answer: std::result::Result<Answer, Unavailable>) -> Failure {
    let why = match answer {
        Err(Unavailable(why)) => why,
        // Not its words: they may repeat what the signer typed.
        Ok(Answer::Refused { .. }) => {
            "the provider refused the request (its credentials, or a field it would not take)"
                .into()
        }
        Ok(other) => format!("the provider answered out of turn: {:?}", kind_of(&other)),
    };
    worker::console_error!("KBA provider: {why}");
    fail(
        ErrorCode::ProviderUnavailable,
        "The question service is not answering right now. Please try again in a moment.",
    )
}

/// The kind of an answer, for a log line: never its questions.
fn kind_of(answer: &Answer) -> &'static str {
    match answer {
        Answer::Questions { .. } => "questions",
        Answer::NotEligible { .. } => "not eligible",
        Answer::Scored { .. } => "a score",
        Answer::TimedOut => "a timeout",
        Answer::Refused { .. } => "a refusal",
    }
}
