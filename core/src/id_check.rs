//! The government-ID check as one pure state machine: its sessions (each try is one, with its own
//! 15-minute window), the phone hand-off link, the photos a document needs, the try limit, and the
//! verdict on what the provider decided, with our own checks on what it read
//! ([`crate::id_document`]). Time, ids and digests are passed in.
//!
//! ```text
//!   begin ──▶ capturing ──(every photo the document needs)── submit ──▶ checking
//!     │  └─ hand-off link (SMS + QR, 5 min, once) ─▶ the phone joins the session          │
//!     │                                                                                    ▼
//!     │                         passed ◀── approved, and our checks agree ── the provider decides
//!     │                                       └─ anything else: the try fails (the last locks)
//!     └─ the window closes first (15 min): the try fails
//! ```
//!
//! Who may add photos is a list of capture credentials (digests): the browser that began the
//! session and the phone that opened its hand-off link. A session ends once: passed, failed, out of
//! time or cancelled; its photos are then to be deleted ([`Ended::photos`]).

pub mod report;
pub mod veriff;

use serde::{Deserialize, Serialize};

use crate::attempts::TryLimit;
use crate::encoding::constant_time_eq;
use crate::id_document::{Date, DocumentData, DocumentKind, NameRule, read_aamva, read_mrz};
use crate::otp::{SendRefusal, forget_old_sends, send_refusal};

/// How long a hand-off link (SMS and QR code) may be opened, once.
pub const HANDOFF_MS: u64 = 5 * 60_000;
/// Times one session's photos may be handed to the provider: a provider that keeps failing (or
/// refusing what it was sent) is not asked without end; the session then waits for its window.
pub const MAX_HANDOVERS: u32 = 3;
/// Browsers that may add photos to one session (the one that began it, phones that joined):
/// enough for a phone that reloads, never unbounded.
const MAX_CAPTURERS: usize = 8;

/// The policy's limits, fixed when the agreement is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdCheckRules {
    pub max_tries: TryLimit,
    /// A session's window: from beginning to the provider's decision.
    pub session_ms: u64,
    pub name_rule: NameRule,
    /// Whether a decided check's Signer Identity Report is kept ([`report`]), and for how long.
    pub keep_report: bool,
    #[serde(default = "default_report_retention_ms")]
    pub report_retention_ms: u64,
    /// The hand-off SMS follows the resend rules of the code methods.
    pub send_cooldown_ms: u64,
    pub max_sends_per_hour: u32,
}

fn default_report_retention_ms() -> u64 {
    u64::from(crate::policy::GovernmentIdPolicy::default().identity_report_days) * 86_400_000
}

impl IdCheckRules {
    fn lock_after(&self) -> u32 {
        match self.max_tries {
            TryLimit::Limited(n) => n,
            TryLimit::Unlimited => TryLimit::MAX,
        }
    }
}

/// The document a signer photographs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Document {
    Passport,
    DrivingLicence,
    IdCard,
    ResidencePermit,
}

/// One photo of a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Shot {
    DocumentFront,
    DocumentBack,
    /// The selfie.
    Face,
    /// A second selfie with the head turned: the simple liveness prompt.
    FaceTurned,
}

impl Document {
    pub const ALL: [Document; 4] = [
        Document::Passport,
        Document::DrivingLicence,
        Document::IdCard,
        Document::ResidencePermit,
    ];

    /// The photos this document needs: a passport's data page alone; a card's two sides.
    pub fn shots(self) -> &'static [Shot] {
        match self {
            Document::Passport => &[Shot::DocumentFront, Shot::Face, Shot::FaceTurned],
            _ => &[
                Shot::DocumentFront,
                Shot::DocumentBack,
                Shot::Face,
                Shot::FaceTurned,
            ],
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Document::Passport => "passport",
            Document::DrivingLicence => "driving_licence",
            Document::IdCard => "id_card",
            Document::ResidencePermit => "residence_permit",
        }
    }
}

impl Shot {
    pub fn name(self) -> &'static str {
        match self {
            Shot::DocumentFront => "document_front",
            Shot::DocumentBack => "document_back",
            Shot::Face => "face",
            Shot::FaceTurned => "face_turned",
        }
    }

    pub fn parse(text: &str) -> Option<Shot> {
        [
            Shot::DocumentFront,
            Shot::DocumentBack,
            Shot::Face,
            Shot::FaceTurned,
        ]
        .into_iter()
        .find(|shot| shot.name() == text)
    }
}

/// A photo received: which, and whether it came from the live camera (not the phone's own camera
/// app, which could hand over any picture).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Photo {
    pub shot: Shot,
    pub live: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Handoff {
    digest: String,
    expires_at: u64,
    opened: bool,
}

/// One try: from beginning to its end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    /// Random; names the photos' keys, nothing personal.
    pub id: String,
    pub expires_at: u64,
    handoff: Option<Handoff>,
    capturers: Vec<String>,
    pub document: Option<Document>,
    photos: Vec<Photo>,
    /// The provider's reference once the photos were handed over.
    checking: Option<String>,
    /// Times the photos were handed to the provider (the last may have failed).
    #[serde(default)]
    handovers: u32,
}

impl Session {
    pub fn photos(&self) -> &[Photo] {
        &self.photos
    }

    pub fn phone_opened(&self) -> bool {
        self.handoff.as_ref().is_some_and(|h| h.opened)
    }

    pub fn checking(&self) -> Option<&str> {
        self.checking.as_deref()
    }

    /// Every photo the chosen document needs has arrived.
    pub fn complete(&self) -> bool {
        self.document.is_some_and(|document| {
            document
                .shots()
                .iter()
                .all(|shot| self.photos.iter().any(|p| p.shot == *shot))
        })
    }

    /// Whether every photo came from the live camera.
    pub fn live(&self) -> bool {
        self.photos.iter().all(|p| p.live)
    }

    /// Whether `capturer` (a capture credential's digest) began or joined this session.
    pub fn may_capture(&self, capturer: &str) -> bool {
        self.capturers
            .iter()
            .any(|known| constant_time_eq(known.as_bytes(), capturer.as_bytes()))
    }
}

/// Why a call is refused without counting anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    Locked,
    Passed,
    /// No session, or not one this credential may act in, or it has ended.
    NoSession,
    /// The hand-off link is unknown, opened already, or out of time: one answer for all three.
    HandoffInvalid,
    /// The photos were handed over: nothing may change until the provider decides.
    Checking,
    /// The photo is not one the document needs.
    NotNeeded,
    /// Not every photo the document needs has arrived.
    Incomplete,
    /// The provider was asked [`MAX_HANDOVERS`] times in this session already.
    ProviderTries,
    Send(SendRefusal),
}

/// Why a try failed, as the signer is told (never the provider's scores).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    /// The document has expired.
    DocumentExpired,
    /// The name on the document is not the recipient's.
    NameMismatch,
    /// What the document's machine-readable zone or barcode says does not hold together.
    DocumentUnreadable,
    /// The document is not one that can be accepted, or is damaged.
    DocumentNotAccepted,
    /// The selfie is not the person on the document.
    FaceMismatch,
    /// The face could not be seen clearly.
    FaceUnclear,
    /// The document could not be seen whole and sharp.
    PhotoUnclear,
    /// The provider could not verify the person (its reasons stay with it).
    NotVerified,
    /// The window closed before a decision.
    OutOfTime,
}

/// A session that ended: its photos are to be deleted, and the try's verdict is to be acted on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ended {
    pub session: Session,
    pub verdict: Verdict,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Passed(Found),
    Failed {
        why: Failure,
        tries_left: Option<u32>,
    },
    /// Failed, and it was the last try: the agreement is to be cancelled.
    Locked {
        why: Failure,
    },
    /// Cancelled from outside (the agreement): nothing counted.
    Cancelled,
}

/// What a passed check found: the name goes into the signature field, unchangeable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Found {
    pub name: String,
    pub document: Document,
    pub reference: String,
    pub live: bool,
}

/// One recipient's ID checks. Persisted in the recipient's Durable Object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdCheckBook {
    session: Option<Session>,
    /// When hand-off messages were sent in the last hour.
    sends: Vec<u64>,
    failures: u32,
    locked: bool,
    passed: Option<Found>,
}

impl IdCheckBook {
    pub fn failures(&self) -> u32 {
        self.failures
    }

    pub fn is_locked(&self) -> bool {
        self.locked
    }

    pub fn passed(&self) -> Option<&Found> {
        self.passed.as_ref()
    }

    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    pub fn tries_left(&self, rules: &IdCheckRules) -> Option<u32> {
        match rules.max_tries {
            TryLimit::Limited(n) => Some(n.saturating_sub(self.failures)),
            TryLimit::Unlimited => None,
        }
    }

    fn gate(&self) -> Result<(), Refusal> {
        if self.locked {
            Err(Refusal::Locked)
        } else if self.passed.is_some() {
            Err(Refusal::Passed)
        } else {
            Ok(())
        }
    }

    /// The session a browser begins or joins with its capture credential: the open one while its
    /// window lasts (a reload continues it), else a new one with `id`. An elapsed window must be
    /// closed first ([`Self::expire`]: it costs a try); until then this refuses.
    pub fn begin(
        &mut self,
        rules: &IdCheckRules,
        now: u64,
        id: String,
        capturer: String,
    ) -> Result<&Session, Refusal> {
        self.gate()?;
        if self.session.as_ref().is_some_and(|s| now >= s.expires_at) {
            return Err(Refusal::NoSession);
        }
        if self.session.is_none() {
            self.session = Some(Session {
                id,
                expires_at: now.saturating_add(rules.session_ms),
                handoff: None,
                capturers: Vec::new(),
                document: None,
                photos: Vec::new(),
                checking: None,
                handovers: 0,
            });
        }
        let session = self.session.as_mut().expect("open or begun");
        join(session, capturer);
        Ok(session)
    }

    /// Ends the session if its window closed by `now`: a failed try.
    pub fn expire(&mut self, rules: &IdCheckRules, now: u64) -> Option<Ended> {
        match &self.session {
            Some(session) if now >= session.expires_at => {
                Some(self.fail(rules, Failure::OutOfTime))
            }
            _ => None,
        }
    }

    /// How long until a hand-off message may be sent (0: now).
    pub fn next_send_in_ms(&self, rules: &IdCheckRules, now: u64) -> u64 {
        match send_refusal(
            &self.sends,
            rules.send_cooldown_ms,
            rules.max_sends_per_hour,
            now,
        ) {
            Some(SendRefusal::Cooldown { retry_after_ms })
            | Some(SendRefusal::HourlyCap { retry_after_ms }) => retry_after_ms,
            _ => 0,
        }
    }

    /// A new hand-off link (its secret's `digest`) for the session `capturer` is in; it replaces
    /// any earlier link. `by_sms`: a message goes out with it, so the resend rules apply (a link
    /// for a QR code costs nothing to send). Returns when the link stops working.
    pub fn hand_off(
        &mut self,
        rules: &IdCheckRules,
        now: u64,
        capturer: &str,
        digest: String,
        by_sms: bool,
    ) -> Result<u64, Refusal> {
        self.capturing(now, capturer)?;
        if by_sms {
            if let Some(refusal) = send_refusal(
                &self.sends,
                rules.send_cooldown_ms,
                rules.max_sends_per_hour,
                now,
            ) {
                return Err(Refusal::Send(refusal));
            }
            forget_old_sends(&mut self.sends, now);
            self.sends.push(now);
        }
        let session = self.session.as_mut().expect("capturing");
        let expires_at = now.saturating_add(HANDOFF_MS).min(session.expires_at);
        session.handoff = Some(Handoff {
            digest,
            expires_at,
            opened: false,
        });
        Ok(expires_at)
    }

    /// The phone opens the hand-off link (its secret's `digest`): once, within its time, while
    /// the session lasts; the phone joins with its own capture credential.
    pub fn open_handoff(
        &mut self,
        now: u64,
        digest: &str,
        capturer: String,
    ) -> Result<&Session, Refusal> {
        self.gate()?;
        let Some(session) = self
            .session
            .as_mut()
            .filter(|s| now < s.expires_at && s.checking.is_none())
        else {
            return Err(Refusal::HandoffInvalid);
        };
        match &mut session.handoff {
            Some(handoff)
                if !handoff.opened
                    && now < handoff.expires_at
                    && constant_time_eq(handoff.digest.as_bytes(), digest.as_bytes()) =>
            {
                handoff.opened = true;
            }
            _ => return Err(Refusal::HandoffInvalid),
        }
        join(session, capturer);
        Ok(session)
    }

    /// The session `capturer` may add photos to at `now`.
    pub fn capturing(&self, now: u64, capturer: &str) -> Result<&Session, Refusal> {
        self.gate()?;
        match &self.session {
            Some(s) if now < s.expires_at && s.may_capture(capturer) => match s.checking {
                Some(_) => Err(Refusal::Checking),
                None => Ok(s),
            },
            _ => Err(Refusal::NoSession),
        }
    }

    /// Whether `shot` of `document` may be added now (asked before storing it).
    pub fn may_take(
        &self,
        now: u64,
        capturer: &str,
        document: Document,
        shot: Shot,
    ) -> Result<&Session, Refusal> {
        let session = self.capturing(now, capturer)?;
        if document.shots().contains(&shot) {
            Ok(session)
        } else {
            Err(Refusal::NotNeeded)
        }
    }

    /// Records a stored photo (a retake replaces the earlier one). Choosing another document
    /// drops the photos of the first; returned, to be deleted.
    pub fn took(
        &mut self,
        now: u64,
        capturer: &str,
        document: Document,
        photo: Photo,
    ) -> Result<Vec<Shot>, Refusal> {
        self.may_take(now, capturer, document, photo.shot)?;
        let session = self.session.as_mut().expect("capturing");
        let mut dropped = Vec::new();
        if session.document != Some(document) {
            dropped = session
                .photos
                .iter()
                .map(|p| p.shot)
                .filter(|shot| !document.shots().contains(shot))
                .collect();
            session
                .photos
                .retain(|p| document.shots().contains(&p.shot));
            session.document = Some(document);
        }
        session.photos.retain(|p| p.shot != photo.shot);
        session.photos.push(photo);
        Ok(dropped)
    }

    /// Whether the photos may be handed to the provider: all there, in a session's window, and
    /// the provider not asked too often already.
    pub fn may_submit(&self, now: u64, capturer: &str) -> Result<&Session, Refusal> {
        let session = self.capturing(now, capturer)?;
        if !session.complete() {
            Err(Refusal::Incomplete)
        } else if session.handovers >= MAX_HANDOVERS {
            Err(Refusal::ProviderTries)
        } else {
            Ok(session)
        }
    }

    /// The photos are about to go to the provider: counted before the call (which may fail, or
    /// never answer), so a provider that keeps failing is asked [`MAX_HANDOVERS`] times at most.
    pub fn hand_over(&mut self, now: u64, capturer: &str) -> Result<Session, Refusal> {
        self.may_submit(now, capturer)?;
        let session = self.session.as_mut().expect("capturing");
        session.handovers += 1;
        Ok(session.clone())
    }

    /// The photos were handed over; the provider knows the check as `reference`. From now on the
    /// session waits for the decision: no photo changes, and no other check can start, so the
    /// provider never checks more tries than the limit.
    pub fn submitted(
        &mut self,
        now: u64,
        capturer: &str,
        reference: String,
    ) -> Result<(), Refusal> {
        // Not `may_submit`: this hand-over was counted already.
        if !self.capturing(now, capturer)?.complete() {
            return Err(Refusal::Incomplete);
        }
        self.session.as_mut().expect("capturing").checking = Some(reference);
        Ok(())
    }

    /// The provider's decision on `reference`, judged ([`judge`]): the session ends on anything
    /// but "still deciding". A decision for another reference (an earlier try) changes nothing.
    pub fn decide(
        &mut self,
        rules: &IdCheckRules,
        reference: &str,
        outcome: Outcome,
    ) -> Option<Ended> {
        let session = self.session.as_ref()?;
        if session.checking.as_deref() != Some(reference) || self.gate().is_err() {
            return None;
        }
        match outcome {
            Outcome::Waiting => None,
            Outcome::Failed(why) => Some(self.fail(rules, why)),
            Outcome::Passed { name, document } => {
                let session = self.session.take().expect("checked above");
                let found = Found {
                    name,
                    document,
                    reference: reference.to_owned(),
                    live: session.live(),
                };
                self.passed = Some(found.clone());
                Some(Ended {
                    session,
                    verdict: Verdict::Passed(found),
                })
            }
        }
    }

    /// The agreement was cancelled: the session ends, counting nothing; nothing more may start.
    pub fn lock(&mut self) -> Option<Ended> {
        self.locked = true;
        self.session.take().map(|session| Ended {
            session,
            verdict: Verdict::Cancelled,
        })
    }

    fn fail(&mut self, rules: &IdCheckRules, why: Failure) -> Ended {
        let session = self.session.take().expect("a session to fail");
        self.failures += 1;
        let verdict = if self.failures >= rules.lock_after() {
            self.locked = true;
            Verdict::Locked { why }
        } else {
            Verdict::Failed {
                why,
                tries_left: self.tries_left(rules),
            }
        };
        Ended { session, verdict }
    }
}

fn join(session: &mut Session, capturer: String) {
    if !session.may_capture(&capturer) {
        if session.capturers.len() == MAX_CAPTURERS {
            session.capturers.remove(0);
        }
        session.capturers.push(capturer);
    }
}

/// What the provider decided, in its own terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ProviderStatus {
    Approved,
    Declined,
    ResubmissionRequested,
    Expired,
    Abandoned,
    /// A person at the provider is looking: still deciding.
    Review,
}

impl ProviderStatus {
    pub const ALL: [ProviderStatus; 6] = [
        ProviderStatus::Approved,
        ProviderStatus::Declined,
        ProviderStatus::ResubmissionRequested,
        ProviderStatus::Expired,
        ProviderStatus::Abandoned,
        ProviderStatus::Review,
    ];

    /// The provider's word for it (Veriff's).
    pub fn name(self) -> &'static str {
        match self {
            ProviderStatus::Approved => "approved",
            ProviderStatus::Declined => "declined",
            ProviderStatus::ResubmissionRequested => "resubmission_requested",
            ProviderStatus::Expired => "expired",
            ProviderStatus::Abandoned => "abandoned",
            ProviderStatus::Review => "review",
        }
    }
}

/// A decision as the provider gives it: its status, its reason code, what it read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    pub status: ProviderStatus,
    pub reason_code: Option<u32>,
    pub read: Read,
}

/// What the provider read from the document. Any of it may be missing.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Read {
    pub document: Option<Document>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub number: Option<String>,
    pub valid_until: Option<Date>,
    /// The machine-readable zone's lines or the PDF417 barcode's text, when the provider passes
    /// it on: then it is the authority, checked digit by digit.
    pub machine_text: Option<String>,
}

/// A decision judged.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Waiting,
    Passed { name: String, document: Document },
    Failed(Failure),
}

/// Judges the provider's decision with our own checks: an approval passes only if what was read
/// holds together (check digits), has not expired by `today`, and names the recipient.
/// `chosen`: the document the signer said they photographed (and the photos taken were of): the
/// provider's reading must be of that kind, or a passport's one page could pass for a card.
pub fn judge(
    decision: &Decision,
    chosen: Document,
    recipient_name: &str,
    rule: NameRule,
    today: Date,
) -> Outcome {
    examine(decision, chosen, recipient_name, rule, today).outcome
}

/// One of our checks on a decision, as the Signer Identity Report lists them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Check {
    /// The provider approved the document and the selfie.
    ProviderApproved,
    /// The provider read a document of the kind the signer chose.
    DocumentKind,
    /// The machine-readable zone or the barcode parses, and its check digits hold.
    MachineReadable,
    /// The provider's reading of the document number is the zone's.
    NumberAgrees,
    NotExpired,
    NameMatches,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum CheckResult {
    Passed,
    Failed,
    /// Nothing to check it on (a provider that did not pass the zone's text on).
    NotPossible,
}

/// A check as it ran, with what it found when that helps a reader (never a score).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct CheckRun {
    pub check: Check,
    pub result: CheckResult,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// A decision judged, with the checks that ran (in order, up to the first that failed) and what
/// the zone or barcode says, for the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Examination {
    pub outcome: Outcome,
    pub checks: Vec<CheckRun>,
    pub data: Option<DocumentData>,
}

impl Examination {
    /// Records `check`; a failed one ends the examination with `failure`.
    fn check(
        &mut self,
        check: Check,
        passed: bool,
        detail: Option<String>,
        failure: Failure,
    ) -> Result<(), Failure> {
        if !passed {
            return Err(self.failed(check, detail, failure));
        }
        self.record(check, CheckResult::Passed, detail);
        Ok(())
    }

    /// Records `check` as failed: the examination ends with `failure`.
    fn failed(&mut self, check: Check, detail: Option<String>, failure: Failure) -> Failure {
        self.record(check, CheckResult::Failed, detail);
        failure
    }

    fn record(&mut self, check: Check, result: CheckResult, detail: Option<String>) {
        self.checks.push(CheckRun {
            check,
            result,
            detail,
        });
    }
}

/// [`judge`], keeping every check's result.
pub fn examine(
    decision: &Decision,
    chosen: Document,
    recipient_name: &str,
    rule: NameRule,
    today: Date,
) -> Examination {
    let mut exam = Examination {
        outcome: Outcome::Waiting,
        checks: Vec::new(),
        data: None,
    };
    let code = decision.reason_code;
    let provider_failure = match decision.status {
        ProviderStatus::Review => return exam,
        ProviderStatus::Approved => None,
        ProviderStatus::Declined if code == Some(103) => Some(Failure::FaceMismatch),
        ProviderStatus::ResubmissionRequested => Some(match code {
            Some(202) => Failure::FaceUnclear,
            Some(205 | 206) => Failure::DocumentNotAccepted,
            Some(207) => Failure::DocumentExpired,
            _ => Failure::PhotoUnclear,
        }),
        ProviderStatus::Declined => Some(Failure::NotVerified),
        ProviderStatus::Expired | ProviderStatus::Abandoned => Some(Failure::OutOfTime),
    };
    let detail = Some(match code {
        Some(code) => format!("{} ({code})", decision.status.name()),
        None => decision.status.name().to_owned(),
    });
    let approved = exam.check(
        Check::ProviderApproved,
        provider_failure.is_none(),
        detail,
        provider_failure.unwrap_or(Failure::NotVerified),
    );
    exam.outcome = match approved.and_then(|()| {
        own_checks(
            &mut exam,
            &decision.read,
            chosen,
            recipient_name,
            rule,
            today,
        )
    }) {
        Ok((name, document)) => Outcome::Passed { name, document },
        Err(why) => Outcome::Failed(why),
    };
    exam
}

fn own_checks(
    exam: &mut Examination,
    read: &Read,
    chosen: Document,
    recipient_name: &str,
    rule: NameRule,
    today: Date,
) -> Result<(String, Document), Failure> {
    let Some(document) = read.document else {
        let not_said = Some("the provider did not say which document it read".to_owned());
        return Err(exam.failed(Check::DocumentKind, not_said, Failure::DocumentUnreadable));
    };
    let kind = Some(format!(
        "read {}, chosen {}",
        document.name(),
        chosen.name()
    ));
    exam.check(
        Check::DocumentKind,
        same_kind(document, chosen),
        kind,
        Failure::DocumentNotAccepted,
    )?;
    let data = match &read.machine_text {
        Some(text) => {
            let parsed = match document {
                Document::DrivingLicence if text.starts_with('@') => read_aamva(text),
                _ => read_mrz(text, today),
            };
            let data = parsed.map_err(|problem| {
                let detail = Some(problem.to_string());
                exam.failed(Check::MachineReadable, detail, Failure::DocumentUnreadable)
            })?;
            exam.record(Check::MachineReadable, CheckResult::Passed, None);
            // The provider's own reading must be the zone's: else one of them is wrong.
            if let Some(number) = read.number.as_deref() {
                exam.check(
                    Check::NumberAgrees,
                    same_number(number, &data.number),
                    None,
                    Failure::DocumentUnreadable,
                )?;
            }
            data
        }
        None => {
            let no_text = Some("the provider passed no zone or barcode text on".to_owned());
            exam.record(Check::MachineReadable, CheckResult::NotPossible, no_text);
            let (Some(surname), Some(expiry)) = (read.last_name.clone(), read.valid_until) else {
                let (check, what) = match read.valid_until {
                    None => (Check::NotExpired, "expiry date"),
                    Some(_) => (Check::NameMatches, "surname"),
                };
                let missing = Some(format!("the provider read no {what}"));
                return Err(exam.failed(check, missing, Failure::DocumentUnreadable));
            };
            DocumentData {
                kind: match document {
                    Document::Passport => DocumentKind::Passport,
                    Document::DrivingLicence => DocumentKind::DrivingLicence,
                    Document::IdCard | Document::ResidencePermit => DocumentKind::IdCard,
                },
                issuer: String::new(),
                number: read.number.clone().unwrap_or_default(),
                surname,
                given_names: read.first_name.clone().unwrap_or_default(),
                birth: (0, 0, 0),
                expiry,
            }
        }
    };
    exam.data = Some(data.clone());
    exam.check(
        Check::NotExpired,
        !data.expired(today),
        None,
        Failure::DocumentExpired,
    )?;
    exam.check(
        Check::NameMatches,
        data.names(recipient_name, rule),
        None,
        Failure::NameMismatch,
    )?;
    Ok((data.full_name(), document))
}

/// Whether the provider read the kind of document chosen: an ID card and a residence permit are
/// the same card format (TD1), so either reading fits either choice.
fn same_kind(read: Document, chosen: Document) -> bool {
    let card = |d| matches!(d, Document::IdCard | Document::ResidencePermit);
    read == chosen || (card(read) && card(chosen))
}

/// Document numbers compared as printed: case, spaces and the MRZ's filler aside.
fn same_number(a: &str, b: &str) -> bool {
    let plain = |s: &str| -> String {
        s.chars()
            .filter(char::is_ascii_alphanumeric)
            .map(|c| c.to_ascii_uppercase())
            .collect()
    };
    plain(a) == plain(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MINUTE: u64 = 60_000;
    const TODAY: Date = (2026, 11, 30);

    fn rules() -> IdCheckRules {
        IdCheckRules {
            max_tries: TryLimit::Limited(5),
            session_ms: 15 * MINUTE,
            name_rule: NameRule::Lenient,
            keep_report: false,
            report_retention_ms: 30 * 24 * 60 * MINUTE,
            send_cooldown_ms: 30_000,
            max_sends_per_hour: 5,
        }
    }

    /// A passport's three photos, taken live by `capturer`.
    fn photograph(book: &mut IdCheckBook, now: u64, capturer: &str) {
        for shot in Document::Passport.shots() {
            let photo = Photo {
                shot: *shot,
                live: true,
            };
            book.took(now, capturer, Document::Passport, photo).unwrap();
        }
    }

    fn submitted(book: &mut IdCheckBook, now: u64, reference: &str) {
        book.begin(&rules(), now, format!("s-{reference}"), "desk".into())
            .unwrap();
        photograph(book, now, "desk");
        book.submitted(now, "desk", reference.into()).unwrap();
    }

    #[test]
    fn a_passport_needs_one_page_and_a_card_both_sides() {
        assert_eq!(Document::Passport.shots().len(), 3);
        for card in [
            Document::DrivingLicence,
            Document::IdCard,
            Document::ResidencePermit,
        ] {
            assert!(card.shots().contains(&Shot::DocumentBack));
        }
        for shot in [Shot::DocumentFront, Shot::FaceTurned] {
            assert_eq!(Shot::parse(shot.name()), Some(shot));
        }
        assert_eq!(Shot::parse("passport"), None);
    }

    #[test]
    fn the_phone_joins_by_a_link_that_works_once_and_for_five_minutes() {
        let mut book = IdCheckBook::default();
        book.begin(&rules(), 0, "s1".into(), "desk".into()).unwrap();
        assert_eq!(
            book.capturing(0, "phone"),
            Err(Refusal::NoSession),
            "a stranger's credential"
        );
        let expires = book
            .hand_off(&rules(), 0, "desk", "link1".into(), true)
            .unwrap();
        assert_eq!(expires, HANDOFF_MS);
        assert_eq!(
            book.open_handoff(MINUTE, "link2", "phone".into()),
            Err(Refusal::HandoffInvalid)
        );
        assert!(book.open_handoff(MINUTE, "link1", "phone".into()).is_ok());
        assert!(book.session().unwrap().phone_opened());
        assert!(book.capturing(MINUTE, "phone").is_ok());
        assert_eq!(
            book.open_handoff(MINUTE, "link1", "thief".into()),
            Err(Refusal::HandoffInvalid),
            "opened once"
        );
        // Sent again after the cooldown: a new link; a stale one is refused the same way.
        assert_eq!(
            book.hand_off(&rules(), 10_000, "desk", "link3".into(), true),
            Err(Refusal::Send(SendRefusal::Cooldown {
                retry_after_ms: 20_000
            }))
        );
        book.hand_off(&rules(), 30_000, "desk", "link3".into(), true)
            .unwrap();
        assert_eq!(
            book.open_handoff(30_000 + HANDOFF_MS, "link3", "phone2".into()),
            Err(Refusal::HandoffInvalid)
        );
    }

    #[test]
    fn sends_follow_the_hourly_cap_across_sessions() {
        let mut book = IdCheckBook::default();
        let r = rules();
        for i in 0..5 {
            let now = i * 31_000;
            book.begin(&r, now, "s".into(), "desk".into()).unwrap();
            book.hand_off(&r, now, "desk", format!("l{i}"), true)
                .unwrap();
        }
        assert!(matches!(
            book.hand_off(&r, 5 * 31_000, "desk", "l5".into(), true),
            Err(Refusal::Send(SendRefusal::HourlyCap { .. }))
        ));
        // A link for the QR code sends nothing: the cap does not hold it back.
        assert!(
            book.hand_off(&r, 5 * 31_000, "desk", "qr".into(), false)
                .is_ok()
        );
        assert_eq!(book.next_send_in_ms(&r, 60 * MINUTE), 0);
    }

    #[test]
    fn photos_must_be_the_documents_and_all_there_before_submitting() {
        let mut book = IdCheckBook::default();
        book.begin(&rules(), 0, "s1".into(), "desk".into()).unwrap();
        let back = Photo {
            shot: Shot::DocumentBack,
            live: true,
        };
        assert_eq!(
            book.took(0, "desk", Document::Passport, back),
            Err(Refusal::NotNeeded)
        );
        book.took(0, "desk", Document::IdCard, back).unwrap();
        assert_eq!(book.may_submit(0, "desk").err(), Some(Refusal::Incomplete));
        // Switching to a passport drops the card's back, to be deleted.
        let front = Photo {
            shot: Shot::DocumentFront,
            live: false,
        };
        assert_eq!(
            book.took(0, "desk", Document::Passport, front),
            Ok(vec![Shot::DocumentBack])
        );
        photograph(&mut book, 0, "desk");
        assert_eq!(book.session().unwrap().photos().len(), 3, "retakes replace");
        assert!(book.session().unwrap().live(), "the retaken front is live");
        book.submitted(0, "desk", "ref1".into()).unwrap();
        assert_eq!(
            book.took(0, "desk", Document::Passport, front),
            Err(Refusal::Checking)
        );
        assert_eq!(
            book.hand_off(&rules(), 0, "desk", "l".into(), true),
            Err(Refusal::Checking)
        );
    }

    #[test]
    fn five_failures_lock_and_the_window_counts_as_one() {
        let r = rules();
        let mut book = IdCheckBook::default();
        for i in 0..4u64 {
            submitted(&mut book, i * 20 * MINUTE, &format!("r{i}"));
            let ended = book
                .decide(&r, &format!("r{i}"), Outcome::Failed(Failure::FaceMismatch))
                .unwrap();
            assert_eq!(
                ended.verdict,
                Verdict::Failed {
                    why: Failure::FaceMismatch,
                    tries_left: Some(4 - i as u32)
                }
            );
        }
        let start = 100 * MINUTE;
        book.begin(&r, start, "s5".into(), "desk".into()).unwrap();
        assert_eq!(book.expire(&r, start + 15 * MINUTE - 1), None);
        let ended = book.expire(&r, start + 15 * MINUTE).unwrap();
        assert_eq!(
            ended.verdict,
            Verdict::Locked {
                why: Failure::OutOfTime
            }
        );
        assert_eq!(ended.session.id, "s5");
        assert_eq!(
            book.begin(&r, start + 16 * MINUTE, "s6".into(), "desk".into())
                .err(),
            Some(Refusal::Locked)
        );
    }

    #[test]
    fn a_decision_counts_once_and_only_for_its_own_check() {
        let r = rules();
        let mut book = IdCheckBook::default();
        submitted(&mut book, 0, "r1");
        assert_eq!(book.decide(&r, "r1", Outcome::Waiting), None);
        assert_eq!(
            book.decide(&r, "other", Outcome::Failed(Failure::NotVerified)),
            None
        );
        let passed = Outcome::Passed {
            name: "ADA LOVELACE".into(),
            document: Document::Passport,
        };
        let ended = book.decide(&r, "r1", passed.clone()).unwrap();
        assert!(matches!(ended.verdict, Verdict::Passed(ref f) if f.live && f.reference == "r1"));
        assert_eq!(book.decide(&r, "r1", passed), None, "decided once");
        assert_eq!(book.failures(), 0);
        assert_eq!(
            book.begin(&r, MINUTE, "s2".into(), "desk".into()).err(),
            Some(Refusal::Passed)
        );
    }

    #[test]
    fn a_reload_continues_the_session_and_cancellation_ends_it() {
        let r = rules();
        let mut book = IdCheckBook::default();
        book.begin(&r, 0, "s1".into(), "desk".into()).unwrap();
        let again = book.begin(&r, MINUTE, "s2".into(), "desk2".into()).unwrap();
        assert_eq!(again.id, "s1");
        assert!(book.capturing(MINUTE, "desk").is_ok());
        let ended = book.lock().unwrap();
        assert_eq!(ended.verdict, Verdict::Cancelled);
        assert_eq!(book.failures(), 0);
        assert_eq!(book.capturing(MINUTE, "desk").err(), Some(Refusal::Locked));
    }

    const TD3: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
                       L898902C36UTO7408122F1204159ZE184226B<<<<<10";

    fn approved(read: Read) -> Decision {
        Decision {
            status: ProviderStatus::Approved,
            reason_code: None,
            read,
        }
    }

    fn passport(machine_text: Option<String>) -> Read {
        Read {
            document: Some(Document::Passport),
            first_name: Some("ANNA MARIA".into()),
            last_name: Some("ERIKSSON".into()),
            number: Some("L898902C3".into()),
            valid_until: Some((2012, 4, 15)),
            machine_text,
        }
    }

    #[test]
    fn an_approval_passes_only_what_holds_together_is_valid_and_names_the_recipient() {
        let on = |read: Read, name: &str, today: Date| {
            judge(
                &approved(read),
                Document::Passport,
                name,
                NameRule::Lenient,
                today,
            )
        };
        let in_2011 = (2011, 1, 1);
        assert_eq!(
            on(passport(Some(TD3.into())), "Anna Eriksson", in_2011),
            Outcome::Passed {
                name: "ANNA MARIA ERIKSSON".into(),
                document: Document::Passport
            }
        );
        assert_eq!(
            on(passport(Some(TD3.into())), "Anna Eriksson", TODAY),
            Outcome::Failed(Failure::DocumentExpired)
        );
        let forged = TD3.replace("7408122F", "7508122F");
        assert_eq!(
            on(passport(Some(forged)), "Anna Eriksson", in_2011),
            Outcome::Failed(Failure::DocumentUnreadable),
            "a broken check digit is no pass, whatever the provider said"
        );
        let mut other_number = passport(Some(TD3.into()));
        other_number.number = Some("X1234567".into());
        assert_eq!(
            on(other_number, "Anna Eriksson", in_2011),
            Outcome::Failed(Failure::DocumentUnreadable)
        );
        assert_eq!(
            on(passport(Some(TD3.into())), "Bob Eriksson", in_2011),
            Outcome::Failed(Failure::NameMismatch)
        );
        // Without a machine-readable text: the provider's fields, still dated and named.
        assert_eq!(
            on(passport(None), "Anna Maria Eriksson", in_2011),
            Outcome::Passed {
                name: "ANNA MARIA ERIKSSON".into(),
                document: Document::Passport
            }
        );
        let mut undated = passport(None);
        undated.valid_until = None;
        assert_eq!(
            on(undated, "Anna Eriksson", in_2011),
            Outcome::Failed(Failure::DocumentUnreadable)
        );
    }

    #[test]
    fn the_provider_must_have_read_the_document_chosen() {
        let licence = Read {
            document: Some(Document::DrivingLicence),
            ..passport(None)
        };
        let as_passport = judge(
            &approved(licence),
            Document::Passport,
            "Anna Eriksson",
            NameRule::Lenient,
            (2011, 1, 1),
        );
        assert_eq!(as_passport, Outcome::Failed(Failure::DocumentNotAccepted));
        let permit = Read {
            document: Some(Document::ResidencePermit),
            ..passport(None)
        };
        assert!(matches!(
            judge(
                &approved(permit),
                Document::IdCard,
                "Anna Eriksson",
                NameRule::Lenient,
                (2011, 1, 1)
            ),
            Outcome::Passed { .. }
        ));
    }

    #[test]
    fn a_provider_is_asked_three_times_at_most_in_a_session() {
        let mut book = IdCheckBook::default();
        book.begin(&rules(), 0, "s1".into(), "desk".into()).unwrap();
        photograph(&mut book, 0, "desk");
        for _ in 0..MAX_HANDOVERS {
            assert!(book.hand_over(0, "desk").is_ok(), "each failed");
        }
        assert_eq!(
            book.hand_over(0, "desk").err(),
            Some(Refusal::ProviderTries)
        );
        assert_eq!(book.failures(), 0, "nothing counted as a try");
    }

    #[test]
    fn a_licence_barcode_is_read_as_aamva() {
        let barcode = "@\n\u{1e}\rANSI 636014080002DL00410278ZC03190008DLDAQD1234562\n\
            DCSLOVELACE\nDACADA\nDADKING\nDBD08242015\nDBB12101985\nDBA12102030\nDBC2\n";
        let read = Read {
            document: Some(Document::DrivingLicence),
            number: Some("D1234562".into()),
            machine_text: Some(barcode.into()),
            ..Read::default()
        };
        assert_eq!(
            judge(
                &approved(read),
                Document::DrivingLicence,
                "Ada Lovelace",
                NameRule::Lenient,
                TODAY
            ),
            Outcome::Passed {
                name: "ADA KING LOVELACE".into(),
                document: Document::DrivingLicence
            }
        );
    }

    #[test]
    fn the_providers_refusals_become_advice_without_its_scores() {
        let with = |status, code| {
            judge(
                &Decision {
                    status,
                    reason_code: code,
                    read: Read::default(),
                },
                Document::Passport,
                "Ada Lovelace",
                NameRule::Lenient,
                TODAY,
            )
        };
        use ProviderStatus::*;
        assert_eq!(
            with(Declined, Some(103)),
            Outcome::Failed(Failure::FaceMismatch)
        );
        assert_eq!(
            with(Declined, Some(106)),
            Outcome::Failed(Failure::NotVerified)
        );
        assert_eq!(
            with(ResubmissionRequested, Some(202)),
            Outcome::Failed(Failure::FaceUnclear)
        );
        assert_eq!(
            with(ResubmissionRequested, Some(204)),
            Outcome::Failed(Failure::PhotoUnclear)
        );
        assert_eq!(
            with(ResubmissionRequested, Some(206)),
            Outcome::Failed(Failure::DocumentNotAccepted)
        );
        assert_eq!(with(Review, None), Outcome::Waiting);
        assert_eq!(with(Abandoned, None), Outcome::Failed(Failure::OutOfTime));
        assert_eq!(
            with(Approved, None),
            Outcome::Failed(Failure::DocumentUnreadable),
            "an approval that read nothing"
        );
    }

    #[derive(Clone, Debug)]
    enum Event {
        Begin(u64),
        Photos(u64),
        Submit(u64, u8),
        Decide(u8, bool),
        Expire(u64),
    }

    fn event() -> impl Strategy<Value = Event> {
        prop_oneof![
            (0u64..40).prop_map(Event::Begin),
            (0u64..40).prop_map(Event::Photos),
            ((0u64..40), (0u8..4)).prop_map(|(t, r)| Event::Submit(t, r)),
            ((0u8..4), any::<bool>()).prop_map(|(r, ok)| Event::Decide(r, ok)),
            (0u64..40).prop_map(Event::Expire),
        ]
    }

    proptest! {
        /// Whatever arrives in whatever order: no more checks reach a verdict than the limit
        /// allows, failures never exceed it, and after a lock or a pass nothing more begins.
        #[test]
        fn never_more_tries_than_the_limit(events in prop::collection::vec(event(), 1..80)) {
            let r = rules();
            let mut book = IdCheckBook::default();
            let mut now = 0;
            let mut verdicts = 0;
            for event in events {
                match event {
                    Event::Begin(t) => {
                        now += t * MINUTE;
                        if book.begin(&r, now, "x".into(), "desk".into()) == Err(Refusal::NoSession) {
                            verdicts += usize::from(book.expire(&r, now).is_some());
                        }
                        let _ = book.begin(&r, now, format!("s{now}"), "desk".into());
                    }
                    Event::Photos(t) => {
                        now += t * 1000;
                        if book.capturing(now, "desk").is_ok() {
                            photograph(&mut book, now, "desk");
                        }
                    }
                    Event::Submit(t, reference) => {
                        now += t * 1000;
                        let _ = book.submitted(now, "desk", format!("r{reference}"));
                    }
                    Event::Decide(reference, ok) => {
                        let outcome = if ok {
                            Outcome::Passed { name: "A B".into(), document: Document::Passport }
                        } else {
                            Outcome::Failed(Failure::NotVerified)
                        };
                        verdicts += usize::from(book.decide(&r, &format!("r{reference}"), outcome).is_some());
                    }
                    Event::Expire(t) => {
                        now += t * MINUTE;
                        verdicts += usize::from(book.expire(&r, now).is_some());
                    }
                }
                prop_assert!(book.failures() <= 5);
                prop_assert!(verdicts <= 5);
                if book.is_locked() || book.passed().is_some() {
                    prop_assert!(book.begin(&r, now, "x".into(), "desk".into()).is_err());
                }
            }
        }
    }
}
