//! Government ID and selfie. The signer's browser begins a session (a try) and may hand it to a
//! phone by a one-time link; whoever holds a capture credential of the session adds photos, which
//! wait in R2; the submission hands them to the provider; its decision, judged with our own
//! checks (`signgate_core::id_check`), ends the session. All under the check lock, so of any
//! number of concurrent submissions one reaches the provider, and never more tries than the limit.
//!
//! However a session ends (passed, failed, out of time by the alarm, cancelled), its photos are
//! deleted. Kept: the book, and in the audit the provider's reference and the outcome; never an
//! image, a document number or a date of birth.

use serde::{Deserialize, Serialize};
use signgate_core::audit::AuditKind;
use signgate_core::calendar::day_of;
use signgate_core::id_check::report::{Erasure, IdentityReport, KeptReport, ReportSubject};
use signgate_core::id_check::{
    Decision, Document, Ended, Examination, Failure, IdCheckBook, IdCheckRules, Photo, Refusal,
    Session, Shot, Verdict, examine,
};
use signgate_core::otp::SendRefusal;
use signgate_core::outgoing::{self, Language};
use signgate_core::policy::Method;
use signgate_core::wire::{
    ErrorCode, IdHandoffSent, IdStage, IdStatus, RecipientState, VerifiedResponse,
};
use worker::Result;

use super::{Loaded, RecipientObject, already_verified};
use crate::config::now_ms;
use crate::crypto;
use crate::delivery::Courier;
use crate::http::{Failure as HttpFailure, cancelled, fail, invalid_link};
use crate::id_check::{IdProvider, Unavailable, photos, reports};
use crate::objects::Reply;

/// The grant's `amr` for this method (RFC 8176 has no value for a document check).
const AMR: &str = "government_id";
/// Status polls read the provider's decision at most this often (webhooks read it at once).
const READ_DECISION_EVERY_MS: u64 = 2_000;
/// An erasure that R2 refused is tried again this much later.
const RETRY_ERASURE_AFTER_MS: u64 = 60_000;

/// A recipient's ID checks.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct IdProgress {
    pub book: IdCheckBook,
    /// The session that ended last, so the browsers in it can still learn how it ended.
    previous: Option<Session>,
    last_failure: Option<Failure>,
    last_read_ms: u64,
}

/// A provider's decision that ended a session, with our checks on it: what a report is made of.
struct Decided {
    provider: &'static str,
    decision: Decision,
    exam: Examination,
}

/// What a phone's hand-off message needs besides the number.
#[derive(Serialize, Deserialize)]
pub struct Handoff {
    /// The link with its secret, for the SMS only; the book keeps its digest.
    pub link: String,
    pub digest: String,
    pub phone: Option<String>,
    pub sms: bool,
    pub language: Language,
}

impl std::fmt::Debug for Handoff {
    /// Leaves out the link's secret and the number.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handoff")
            .field("sms", &self.sms)
            .field("language", &self.language)
            .finish_non_exhaustive()
    }
}

impl RecipientObject {
    fn id_rules(loaded: &Loaded) -> std::result::Result<IdCheckRules, HttpFailure> {
        loaded.record.id_check.ok_or_else(|| {
            fail(
                ErrorCode::WrongMethod,
                "This link does not use a government ID.",
            )
        })
    }

    /// The recipient as an ID call finds them: an ID recipient, not cancelled, with a session
    /// whose window closed ended first (a failed try).
    async fn id_ready(&self, loaded: Loaded) -> Result<Reply<(Loaded, IdCheckRules)>> {
        let rules = match Self::id_rules(&loaded) {
            Ok(rules) => rules,
            Err(e) => return Ok(Err(*e)),
        };
        // A capture or hand-off token lives no longer than the signing link it came from.
        if now_ms() >= loaded.record.expires_at {
            return Ok(Err(*invalid_link()));
        }
        let loaded = self.close_elapsed(loaded, &rules).await?;
        if loaded.progress.state == RecipientState::Cancelled {
            return Ok(Err(*cancelled()));
        }
        Ok(Ok((loaded, rules)))
    }

    /// Loads the recipient for a call made with a capture credential (no link token).
    async fn id_loaded(&self) -> Result<Reply<(Loaded, IdCheckRules)>> {
        match self.load().await? {
            Some(loaded) => self.id_ready(loaded).await,
            None => Ok(Err(*invalid_link())),
        }
    }

    /// The recipient for a call with the signing link's token: theirs, not verified yet.
    async fn id_by_link(&self, token: &str) -> Result<Reply<(Loaded, IdCheckRules)>> {
        let loaded = match self.authenticate(token).await? {
            Ok(loaded) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        if loaded.progress.state == RecipientState::Verified {
            return Ok(Err(*already_verified()));
        }
        self.id_ready(loaded).await
    }

    /// The signing link's browser begins a session, or joins the one in progress.
    pub(super) async fn id_start(&self, token: &str, capturer: String) -> Result<Reply<IdStatus>> {
        let _one_check_at_a_time = self.checking.lock().await;
        let (mut loaded, rules) = match self.id_by_link(token).await? {
            Ok(ready) => ready,
            Err(e) => return Ok(Err(e)),
        };
        let now = now_ms();
        if loaded.progress.id_check.book.passed().is_some() {
            // Passed, the grant not collected yet (a reload in between): the page collects it.
            return Ok(Ok(id_status(&loaded, &rules, now)));
        }
        let id = crypto::random_id()?;
        let expires_at = match loaded
            .progress
            .id_check
            .book
            .begin(&rules, now, id, capturer)
        {
            Ok(session) => session.expires_at,
            Err(refusal) => return Ok(Err(*id_refusal(refusal))),
        };
        let loaded = self.save(loaded, Vec::new()).await?;
        self.alarm_by(expires_at).await?;
        Ok(Ok(id_status(&loaded, &rules, now)))
    }

    /// A new hand-off link: sent to a phone (the number given, or the sender's), or with `sms`
    /// off only answered, for the QR code.
    pub(super) async fn id_hand_off(
        &self,
        capturer: &str,
        handoff: Handoff,
    ) -> Result<Reply<IdHandoffSent>> {
        let _one_check_at_a_time = self.checking.lock().await;
        let (mut loaded, rules) = match self.id_loaded().await? {
            Ok(ready) => ready,
            Err(e) => return Ok(Err(e)),
        };
        let delivery = if handoff.sms {
            let Some(to) = handoff.phone.or_else(|| loaded.record.phone.clone()) else {
                return Ok(Err(*fail(
                    ErrorCode::InvalidRequest,
                    "phone: the mobile number to send the link to",
                )));
            };
            let Some(courier) = Courier::for_channel(&self.env, signgate_core::otp::Channel::Sms)
            else {
                return Ok(Err(*fail(
                    ErrorCode::NotConfigured,
                    "Text messages cannot be sent here: scan the QR code with the phone instead.",
                )));
            };
            Some((to, courier))
        } else {
            None
        };
        let now = now_ms();
        let book = &mut loaded.progress.id_check.book;
        let by_sms = delivery.is_some();
        let expires_at = match book.hand_off(&rules, now, capturer, handoff.digest, by_sms) {
            Ok(expires_at) => expires_at,
            Err(refusal) => return Ok(Err(*id_refusal(refusal))),
        };
        let next_send_in_secs = book.next_send_in_ms(&rules, now).div_ceil(1000);
        let sent_to = match delivery {
            None => {
                self.save(loaded, Vec::new()).await?;
                None
            }
            Some((to, courier)) => {
                let minutes = (expires_at - now).div_ceil(60_000);
                let message = outgoing::handoff_sms(&to, handoff.language, &handoff.link, minutes);
                let sent_to = signgate_core::phone::masked(&to);
                let event = AuditKind::IdHandoffSent {
                    to: sent_to.clone(),
                };
                // Counted before it goes out: a message that fails still waits for the cooldown.
                self.save(loaded, vec![event]).await?;
                if let Err(refused) = courier.deliver(&self.env, &message).await? {
                    worker::console_error!(
                        "an ID hand-off link could not be delivered: {}",
                        refused.0
                    );
                    return Ok(Err(*fail(
                        ErrorCode::DeliveryFailed,
                        "The text message could not be sent. Check the number, or scan the QR code.",
                    )));
                }
                Some(sent_to)
            }
        };
        Ok(Ok(IdHandoffSent {
            link: handoff.link,
            sent_to,
            expires_in_secs: (expires_at - now) / 1000,
            next_send_in_secs,
        }))
    }

    /// The phone opened the hand-off link: it joins the session with its own credential.
    pub(super) async fn id_open(&self, digest: &str, capturer: String) -> Result<Reply<IdStatus>> {
        let _one_check_at_a_time = self.checking.lock().await;
        let (mut loaded, rules) = match self.id_loaded().await? {
            Ok(ready) => ready,
            Err(e) => return Ok(Err(e)),
        };
        let now = now_ms();
        if let Err(refusal) = loaded
            .progress
            .id_check
            .book
            .open_handoff(now, digest, capturer)
        {
            return Ok(Err(*id_refusal(refusal)));
        }
        let loaded = self.save(loaded, vec![AuditKind::IdHandoffOpened]).await?;
        Ok(Ok(id_status(&loaded, &rules, now)))
    }

    /// Where a photo may be stored, asked before it is.
    pub(super) async fn id_may_take(
        &self,
        capturer: &str,
        document: Document,
        shot: Shot,
    ) -> Result<Reply<String>> {
        let _one_check_at_a_time = self.checking.lock().await;
        let (loaded, _) = match self.id_loaded().await? {
            Ok(ready) => ready,
            Err(e) => return Ok(Err(e)),
        };
        Ok(
            match loaded
                .progress
                .id_check
                .book
                .may_take(now_ms(), capturer, document, shot)
            {
                Ok(session) => Ok(photos::key(&session.id, shot)),
                Err(refusal) => Err(*id_refusal(refusal)),
            },
        )
    }

    /// A photo was stored under `key`: recorded, or deleted again if the session moved on
    /// meanwhile.
    pub(super) async fn id_took(
        &self,
        capturer: &str,
        document: Document,
        photo: Photo,
        key: String,
    ) -> Result<Reply<IdStatus>> {
        let _one_check_at_a_time = self.checking.lock().await;
        let (mut loaded, rules) = match self.id_loaded().await? {
            Ok(ready) => ready,
            Err(e) => {
                photos::delete(&self.env, vec![key]).await;
                return Ok(Err(e));
            }
        };
        let now = now_ms();
        let book = &mut loaded.progress.id_check.book;
        let still_wanted = book
            .may_take(now, capturer, document, photo.shot)
            .is_ok_and(|session| photos::key(&session.id, photo.shot) == key);
        if !still_wanted {
            photos::delete(&self.env, vec![key]).await;
            return Ok(Err(*fail(
                ErrorCode::NoIdSession,
                "This photo is no longer wanted: the check moved on. Please start again.",
            )));
        }
        let dropped = match book.took(now, capturer, document, photo) {
            Ok(dropped) => dropped,
            Err(refusal) => return Ok(Err(*id_refusal(refusal))),
        };
        let session_id = book.session().expect("taking photos").id.clone();
        let loaded = self.save(loaded, Vec::new()).await?;
        let dropped = dropped
            .into_iter()
            .map(|s| photos::key(&session_id, s))
            .collect();
        photos::delete(&self.env, dropped).await;
        Ok(Ok(id_status(&loaded, &rules, now)))
    }

    /// Hands the photos to the provider: from then on the session waits for its decision.
    pub(super) async fn id_submit(&self, capturer: &str) -> Result<Reply<IdStatus>> {
        let _one_check_at_a_time = self.checking.lock().await;
        let (mut loaded, _) = match self.id_loaded().await? {
            Ok(ready) => ready,
            Err(e) => return Ok(Err(e)),
        };
        let Some(provider) = IdProvider::from_env(&self.env) else {
            return Ok(Err(*fail(
                ErrorCode::NotConfigured,
                "Documents cannot be checked here: no provider is set up. Please ask the sender.",
            )));
        };
        // Counted and written before the provider is asked: one that fails or never answers is
        // asked a bounded number of times.
        let session = match loaded.progress.id_check.book.hand_over(now_ms(), capturer) {
            Ok(session) => session,
            Err(refusal) => return Ok(Err(*id_refusal(refusal))),
        };
        self.save(loaded, Vec::new()).await?;
        let document = session
            .document
            .expect("a complete session has its document");
        let mut images = Vec::new();
        for shot in document.shots() {
            match photos::get(&self.env, &photos::key(&session.id, *shot)).await? {
                Some(jpeg) => images.push((*shot, jpeg)),
                None => {
                    return Ok(Err(*fail(
                        ErrorCode::PhotosNotReady,
                        format!(
                            "The {} photo is missing: please take it again.",
                            shot.name()
                        ),
                    )));
                }
            }
        }
        // The label brings the provider's webhook back to this object and this session.
        let label = format!("{}.{}", self.id(), session.id);
        let checked = provider.check(&label, document, &images).await;
        drop(images);
        // Other events ran while the provider answered (a cancellation): act on the present.
        let (mut loaded, rules) = match self.id_loaded().await? {
            Ok(ready) => ready,
            Err(e) => return Ok(Err(e)),
        };
        let reference = match checked {
            Ok(reference) => reference,
            Err(unavailable) => return Ok(Err(*provider_failed(unavailable))),
        };
        let now = now_ms();
        let book = &mut loaded.progress.id_check.book;
        if let Err(refusal) = book.submitted(now, capturer, reference.clone()) {
            return Ok(Err(*id_refusal(refusal)));
        }
        let event = AuditKind::IdCheckSubmitted {
            provider: provider.name().into(),
            reference,
            document,
            live: session.live(),
        };
        let loaded = self.save(loaded, vec![event]).await?;
        // A provider that decides at once spares the signer a poll.
        let loaded = self.read_decision(loaded, &rules, &provider).await?;
        Ok(Ok(id_status(&loaded, &rules, now_ms())))
    }

    /// Where the session `capturer` is or was in stands; reads the provider's decision when it
    /// is due.
    pub(super) async fn id_status(&self, capturer: &str) -> Result<Reply<IdStatus>> {
        let _one_check_at_a_time = self.checking.lock().await;
        let Some(loaded) = self.load().await? else {
            return Ok(Err(*invalid_link()));
        };
        let rules = match Self::id_rules(&loaded) {
            Ok(rules) => rules,
            Err(e) => return Ok(Err(*e)),
        };
        let mut loaded = self.close_elapsed(loaded, &rules).await?;
        let progress = &loaded.progress.id_check;
        let in_current = progress
            .book
            .session()
            .is_some_and(|s| s.may_capture(capturer));
        let in_previous = progress
            .previous
            .as_ref()
            .is_some_and(|s| s.may_capture(capturer));
        if !in_current && !in_previous {
            return Ok(Err(*no_session()));
        }
        if !in_current {
            // A browser of a session that ended (a phone, after the desktop began again): how
            // its own session ended, not the new one's progress.
            return Ok(Ok(id_status_of(&loaded, &rules, now_ms(), None)));
        }
        let due = now_ms() >= progress.last_read_ms + READ_DECISION_EVERY_MS;
        if due
            && progress
                .book
                .session()
                .is_some_and(|s| s.checking().is_some())
            && let Some(provider) = IdProvider::from_env(&self.env)
        {
            loaded = self.read_decision(loaded, &rules, &provider).await?;
        }
        Ok(Ok(id_status(&loaded, &rules, now_ms())))
    }

    /// The provider signalled a decision on `reference` (a webhook): it is read back at once.
    pub(super) async fn id_signal(&self, reference: &str) -> Result<Reply<()>> {
        let _one_check_at_a_time = self.checking.lock().await;
        let (loaded, rules) = match self.id_loaded().await? {
            Ok(ready) => ready,
            Err(e) => return Ok(Err(e)),
        };
        let ours = loaded
            .progress
            .id_check
            .book
            .session()
            .and_then(Session::checking)
            == Some(reference);
        if let (true, Some(provider)) = (ours, IdProvider::from_env(&self.env)) {
            self.read_decision(loaded, &rules, &provider).await?;
        }
        Ok(Ok(()))
    }

    /// The signing link's browser collects the grant of a passed check, with the name on the
    /// document for the signature field: a browser that took part in the check (`capturer`, its
    /// capture credential's digest), not any holder of the link.
    pub(super) async fn id_finish(
        &self,
        token: &str,
        capturer: &str,
    ) -> Result<Reply<VerifiedResponse>> {
        let _one_check_at_a_time = self.checking.lock().await;
        let (loaded, _) = match self.id_by_link(token).await? {
            Ok(ready) => ready,
            Err(e) => return Ok(Err(e)),
        };
        let Some(found) = loaded.progress.id_check.book.passed().cloned() else {
            return Ok(Err(*fail(
                ErrorCode::NoIdSession,
                "No passed check is waiting: take the photos first.",
            )));
        };
        // The passed session is the last one that ended: no other can begin after a pass.
        let took_part = loaded
            .progress
            .id_check
            .previous
            .as_ref()
            .is_some_and(|session| session.may_capture(capturer));
        if !took_part {
            return Ok(Err(*fail(
                ErrorCode::NoIdSession,
                "This check was done in another browser: go on to the document there.",
            )));
        }
        self.verified_with(loaded, AMR, None, Some(found.name))
            .await
    }

    /// Ends a session whose window closed, from the alarm.
    pub(super) async fn id_alarm(&self) -> Result<()> {
        let _one_check_at_a_time = self.checking.lock().await;
        if let Some(loaded) = self.load().await?
            && let Ok(rules) = Self::id_rules(&loaded)
        {
            let loaded = self.close_elapsed(loaded, &rules).await?;
            if let Some(session) = loaded.progress.id_check.book.session() {
                // Rung for something else first: the one alarm must still close this window.
                self.alarm_by(session.expires_at).await?;
            }
        }
        Ok(())
    }

    /// The agreement was cancelled, or the sender changed the method: the session in progress
    /// ends, counting nothing; its photos' keys, to delete.
    pub(super) fn id_ended_outside(loaded: &mut Loaded) -> Vec<String> {
        match loaded.progress.id_check.book.lock() {
            Some(ended) => photos::session_keys(&ended.session),
            None => Vec::new(),
        }
    }

    /// Ends the session if its window has closed: a failed try.
    async fn close_elapsed(&self, mut loaded: Loaded, rules: &IdCheckRules) -> Result<Loaded> {
        match loaded.progress.id_check.book.expire(rules, now_ms()) {
            Some(ended) => self.id_ended(loaded, rules, ended).await,
            None => Ok(loaded),
        }
    }

    /// Reads the provider's decision on the session being checked and acts on it.
    async fn read_decision(
        &self,
        mut loaded: Loaded,
        rules: &IdCheckRules,
        provider: &IdProvider,
    ) -> Result<Loaded> {
        let Some(reference) = loaded
            .progress
            .id_check
            .book
            .session()
            .and_then(Session::checking)
            .map(str::to_owned)
        else {
            return Ok(loaded);
        };
        let decision = provider.decision(&reference).await;
        let (current, _) = match self.id_loaded().await? {
            Ok(ready) => ready,
            Err(_) => return Ok(self.load().await?.expect("loaded above")),
        };
        loaded = current;
        loaded.progress.id_check.last_read_ms = now_ms();
        let decision = match decision {
            Ok(Some(decision)) => decision,
            Ok(None) => return self.save(loaded, Vec::new()).await,
            Err(Unavailable(why)) => {
                worker::console_error!("ID provider: {why}");
                return self.save(loaded, Vec::new()).await;
            }
        };
        let chosen = loaded
            .progress
            .id_check
            .book
            .session()
            .and_then(|s| s.document)
            .unwrap_or(Document::Passport);
        let exam = examine(
            &decision,
            chosen,
            &loaded.record.name,
            rules.name_rule,
            day_of(now_ms()),
        );
        match loaded
            .progress
            .id_check
            .book
            .decide(rules, &reference, exam.outcome.clone())
        {
            Some(ended) => {
                let decided = Decided {
                    provider: provider.name(),
                    decision,
                    exam,
                };
                self.id_ended_with(loaded, rules, ended, Some(decided))
                    .await
            }
            None => self.save(loaded, Vec::new()).await,
        }
    }

    /// A session ended without a decision (its window closed).
    async fn id_ended(&self, loaded: Loaded, rules: &IdCheckRules, ended: Ended) -> Result<Loaded> {
        self.id_ended_with(loaded, rules, ended, None).await
    }

    /// A session ended: the outcome audited, a failed try counted (the last one cancelling the
    /// agreement), the report kept if the account keeps them, its photos deleted.
    async fn id_ended_with(
        &self,
        mut loaded: Loaded,
        rules: &IdCheckRules,
        ended: Ended,
        decided: Option<Decided>,
    ) -> Result<Loaded> {
        let Ended { session, verdict } = ended;
        let report = decided.filter(|_| rules.keep_report).map(|decided| {
            let about = ReportSubject {
                agreement_id: &loaded.record.agreement_id,
                recipient_name: &loaded.record.name,
                provider: decided.provider,
            };
            let (decision, exam) = (&decided.decision, &decided.exam);
            IdentityReport::new(
                about,
                &session,
                decision,
                exam,
                now_ms(),
                rules.report_retention_ms,
            )
        });
        let keys = photos::session_keys(&session);
        let reference = session.checking().map(str::to_owned);
        let progress = &mut loaded.progress.id_check;
        let mut events = Vec::new();
        match &verdict {
            Verdict::Passed(found) => events.push(AuditKind::IdCheckEnded {
                reference,
                failure: None,
                name: Some(found.name.clone()),
            }),
            Verdict::Failed { why, .. } | Verdict::Locked { why } => {
                progress.last_failure = Some(*why);
                events.push(AuditKind::IdCheckEnded {
                    reference,
                    failure: Some(*why),
                    name: None,
                });
                events.push(AuditKind::VerificationFailed {
                    method: Method::GovernmentId,
                    failures: progress.book.failures(),
                    tries_left: progress.book.tries_left(rules),
                });
            }
            Verdict::Cancelled => {}
        }
        progress.previous = Some(session);
        let locked = matches!(verdict, Verdict::Locked { .. });
        if locked {
            loaded.progress.state = RecipientState::Cancelled;
            loaded.progress.agreement_told = false;
        }
        let loaded = self.save(loaded, events).await?;
        if let Some(report) = report {
            self.keep_report(report).await?;
        }
        photos::delete(&self.env, keys).await;
        if locked {
            self.tell_agreement_locked(loaded).await?;
        }
        // Other events ran during the awaits (a cancellation): the present state, never a copy.
        Ok(self.load().await?.expect("saved above"))
    }

    /// Keeps a decided check's report with copies of its photos (before they are deleted), listed
    /// for erasure. One R2 refused is logged and not listed: the check's outcome stands anyway.
    async fn keep_report(&self, report: IdentityReport) -> Result<()> {
        if let Err(error) = reports::keep(&self.env, &report).await {
            worker::console_error!("a Signer Identity Report could not be kept: {error}");
            return Ok(());
        }
        let Some(mut loaded) = self.load().await? else {
            return Ok(());
        };
        loaded.progress.id_reports.keep(&report);
        let event = AuditKind::IdReportKept {
            report: report.id,
            reference: report.reference,
            erase_at: report.erase_at,
        };
        self.save(loaded, vec![event]).await?;
        self.alarm_by(report.erase_at).await
    }

    /// The reports kept now, for the admin API.
    pub(super) async fn id_reports(&self) -> Result<Reply<Vec<KeptReport>>> {
        let Some(loaded) = self.load().await? else {
            return Ok(Err(*invalid_link()));
        };
        Ok(Ok(loaded
            .progress
            .id_reports
            .kept(now_ms())
            .cloned()
            .collect()))
    }

    /// Erases every report on an administrator's request: how many.
    pub(super) async fn erase_id_reports(&self) -> Result<Reply<u32>> {
        let _one_check_at_a_time = self.checking.lock().await;
        let Some(loaded) = self.load().await? else {
            return Ok(Err(*invalid_link()));
        };
        let all = loaded.progress.id_reports.all();
        if let Err(error) = self.erase_reports(loaded, &all, Erasure::OnRequest).await {
            worker::console_error!("Signer Identity Reports could not be erased: {error}");
            return Ok(Err(*fail(
                ErrorCode::Internal,
                "The reports could not be erased just now; nothing was changed. Please try again.",
            )));
        }
        Ok(Ok(all.len() as u32))
    }

    /// Erases the reports whose retention has ended, from the alarm, and sets it for the next.
    pub(super) async fn erase_due_reports(&self) -> Result<()> {
        let _one_check_at_a_time = self.checking.lock().await;
        let Some(loaded) = self.load().await? else {
            return Ok(());
        };
        let now = now_ms();
        let due = loaded.progress.id_reports.due(now);
        let next = match self.erase_reports(loaded, &due, Erasure::Retention).await {
            Ok(loaded) => loaded.progress.id_reports.next_erasure(),
            Err(error) => {
                worker::console_error!("Signer Identity Reports due could not be erased: {error}");
                Some(now + RETRY_ERASURE_AFTER_MS)
            }
        };
        match next {
            Some(at) => self.alarm_by(at).await,
            None => Ok(()),
        }
    }

    /// Erases `reports` from R2, then takes them off the shelf with an audit event. Raised if R2
    /// refused: they stay listed.
    async fn erase_reports(
        &self,
        loaded: Loaded,
        erased: &[KeptReport],
        by: Erasure,
    ) -> Result<Loaded> {
        if erased.is_empty() {
            return Ok(loaded);
        }
        reports::erase(&self.env, &loaded.record.agreement_id, erased).await?;
        // Other events ran during the await: the present state.
        let mut loaded = self.load().await?.expect("loaded above");
        loaded.progress.id_reports.forget(erased);
        let event = AuditKind::IdReportsErased {
            reports: erased.iter().map(|r| r.id.clone()).collect(),
            by,
        };
        self.save(loaded, vec![event]).await
    }
}

/// What the signer's screens show of the check at `now`.
fn id_status(loaded: &Loaded, rules: &IdCheckRules, now: u64) -> IdStatus {
    id_status_of(loaded, rules, now, loaded.progress.id_check.book.session())
}

/// The same, for `session` (none: the last one ended).
fn id_status_of(
    loaded: &Loaded,
    rules: &IdCheckRules,
    now: u64,
    session: Option<&Session>,
) -> IdStatus {
    let progress = &loaded.progress.id_check;
    let book = &progress.book;
    let stage = if book.passed().is_some() {
        IdStage::Passed
    } else if loaded.progress.state == RecipientState::Cancelled || book.is_locked() {
        IdStage::Cancelled
    } else {
        match session {
            Some(s) if s.checking().is_some() => IdStage::Checking,
            Some(_) => IdStage::Capturing,
            None => IdStage::Failed,
        }
    };
    IdStatus {
        stage,
        capture_token: None,
        document: session.and_then(|s| s.document),
        photos: session
            .map(|s| s.photos().iter().map(|p| p.shot).collect())
            .unwrap_or_default(),
        phone_opened: session.is_some_and(Session::phone_opened),
        expires_in_secs: session.map_or(0, |s| s.expires_at.saturating_sub(now) / 1000),
        tries_left: book.tries_left(rules),
        failure: match stage {
            IdStage::Failed | IdStage::Cancelled => progress.last_failure,
            _ => None,
        },
        next_send_in_secs: book.next_send_in_ms(rules, now).div_ceil(1000),
    }
}

fn no_session() -> HttpFailure {
    fail(
        ErrorCode::NoIdSession,
        "This check has ended or is not yours. Please start again from the signing link.",
    )
}

/// A call the book refuses, counting nothing.
fn id_refusal(refusal: Refusal) -> HttpFailure {
    match refusal {
        Refusal::Locked => cancelled(),
        Refusal::Passed => already_verified(),
        Refusal::NoSession => no_session(),
        // One answer for a link unknown, used or stale.
        Refusal::HandoffInvalid => invalid_link(),
        Refusal::Checking => fail(
            ErrorCode::PhotosNotReady,
            "The photos are being checked; nothing can change until the result is in.",
        ),
        Refusal::NotNeeded => fail(
            ErrorCode::InvalidRequest,
            "shot: this document does not need that photo",
        ),
        Refusal::Incomplete => fail(
            ErrorCode::PhotosNotReady,
            "Not every photo the document needs has arrived yet.",
        ),
        Refusal::ProviderTries => fail(
            ErrorCode::ProviderUnavailable,
            "The document check service failed several times. Please try again later; this try \
             ends when its time runs out.",
        ),
        Refusal::Send(SendRefusal::Cooldown { retry_after_ms })
        | Refusal::Send(SendRefusal::HourlyCap { retry_after_ms }) => {
            let mut failure = fail(
                ErrorCode::ResendTooSoon,
                "Another text message cannot be sent yet.",
            );
            failure.retry_after_secs = Some(retry_after_ms.div_ceil(1000));
            failure
        }
        Refusal::Send(SendRefusal::Locked) => cancelled(),
    }
}

fn provider_failed(unavailable: Unavailable) -> HttpFailure {
    worker::console_error!("ID provider: {}", unavailable.0);
    fail(
        ErrorCode::ProviderUnavailable,
        "The document check service is not answering right now. Nothing was counted; please \
         try again in a moment.",
    )
}
