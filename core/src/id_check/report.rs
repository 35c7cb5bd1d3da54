//! The Signer Identity Report: when the account keeps it, what a decided ID check found (the
//! document, what was read from it, our checks and their results, the photos, when, and the
//! provider's reference), kept with the agreement until the account's retention period ends or an
//! administrator erases it. Off by default: then only the outcome and the provider's reference
//! stay, in the audit trail.
//!
//! This module makes the report and keeps the list of a recipient's reports with the moment each
//! is to be erased; where the report and its photos are stored is the worker's part.

use serde::{Deserialize, Serialize};

use super::{CheckRun, Decision, Document, Examination, Failure, Outcome, Session, Shot};
use crate::id_document::Date;

/// The longest retention an account may set: ten years.
pub const MAX_RETENTION_DAYS: u32 = 3650;

/// What was read from the document: the zone's or barcode's fields when they could be read (they
/// are the authority), else the provider's reading.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct Extracted {
    /// The document the provider read.
    pub document: Option<Document>,
    pub surname: Option<String>,
    pub given_names: Option<String>,
    pub number: Option<String>,
    /// The issuing state (ICAO 9303 alpha-3, or `USA`/`CAN` for a licence), when the zone says.
    pub issuer: Option<String>,
    /// `YYYY-MM-DD`.
    pub date_of_birth: Option<String>,
    /// `YYYY-MM-DD`.
    pub expiry: Option<String>,
    /// The machine-readable zone's lines or the barcode's text, as the provider passed them on.
    pub machine_text: Option<String>,
}

/// One decided ID check, as kept for the account.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IdentityReport {
    /// Random (the check's session); the report's photos are under it.
    pub id: String,
    pub agreement_id: String,
    /// The recipient's name as the sender gave it: what the document's name was checked against.
    pub recipient_name: String,
    pub provider: String,
    /// The provider's reference for the check.
    pub reference: String,
    /// The document the signer chose and photographed.
    pub document: Document,
    /// Whether every photo came from the live camera (not the phone's camera app).
    pub live: bool,
    /// Milliseconds since the Unix epoch.
    pub decided_at: u64,
    pub passed: bool,
    /// Why it failed, as the signer was told.
    pub failure: Option<Failure>,
    /// The name locked into the signature field (passed only).
    pub signature_name: Option<String>,
    pub extracted: Extracted,
    /// Our checks in the order they ran, up to the first that failed. The first is the
    /// provider's decision (its status and reason code).
    pub checks: Vec<CheckRun>,
    /// The photos kept with the report.
    pub photos: Vec<Shot>,
    /// When it is erased, by the account's retention period (milliseconds since the Unix epoch).
    pub erase_at: u64,
}

impl IdentityReport {
    /// The report of `session`, which the provider decided (`decision`, examined as `exam`) at
    /// `now`, to be kept for `retention_ms`.
    pub fn new(
        about: ReportSubject<'_>,
        session: &Session,
        decision: &Decision,
        exam: &Examination,
        now: u64,
        retention_ms: u64,
    ) -> Self {
        let read = &decision.read;
        let data = exam.data.as_ref();
        let date = |date: Date| {
            let (year, month, day) = date;
            (year > 0).then(|| format!("{year:04}-{month:02}-{day:02}"))
        };
        let nonempty = |text: &String| (!text.is_empty()).then(|| text.clone());
        let extracted = Extracted {
            document: read.document,
            surname: data
                .and_then(|d| nonempty(&d.surname))
                .or_else(|| read.last_name.clone()),
            given_names: data
                .and_then(|d| nonempty(&d.given_names))
                .or_else(|| read.first_name.clone()),
            number: data
                .and_then(|d| nonempty(&d.number))
                .or_else(|| read.number.clone()),
            issuer: data.and_then(|d| nonempty(&d.issuer)),
            date_of_birth: data.and_then(|d| date(d.birth)),
            expiry: data.map(|d| d.expiry).or(read.valid_until).and_then(date),
            machine_text: read.machine_text.clone(),
        };
        let (passed, failure, signature_name) = match &exam.outcome {
            Outcome::Passed { name, .. } => (true, None, Some(name.clone())),
            Outcome::Failed(why) => (false, Some(*why), None),
            Outcome::Waiting => (false, None, None),
        };
        Self {
            id: session.id.clone(),
            agreement_id: about.agreement_id.to_owned(),
            recipient_name: about.recipient_name.to_owned(),
            provider: about.provider.to_owned(),
            reference: session.checking().unwrap_or_default().to_owned(),
            document: session.document.unwrap_or(Document::Passport),
            live: session.live(),
            decided_at: now,
            passed,
            failure,
            signature_name,
            extracted,
            checks: exam.checks.clone(),
            photos: session.photos().iter().map(|p| p.shot).collect(),
            erase_at: now.saturating_add(retention_ms),
        }
    }
}

/// Whose check a report is about, and who checked it.
#[derive(Clone, Copy, Debug)]
pub struct ReportSubject<'a> {
    pub agreement_id: &'a str,
    pub recipient_name: &'a str,
    pub provider: &'a str,
}

/// A recipient's reports, as the admin API answers them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct IdentityReports {
    pub reports: Vec<IdentityReport>,
}

/// What an erasure on request removed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct ReportsErased {
    pub erased: u32,
}

/// Why reports were erased, for the audit trail.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Erasure {
    /// An administrator asked, through the admin API.
    OnRequest,
    /// The account's retention period ended.
    Retention,
}

/// A report kept: where it is and when it goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeptReport {
    pub id: String,
    pub photos: Vec<Shot>,
    pub erase_at: u64,
}

/// A recipient's kept reports. Persisted in the recipient's Durable Object, which erases each when
/// its time comes (by alarm) or when asked; a report leaves the shelf only once it is erased.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportShelf {
    kept: Vec<KeptReport>,
}

impl ReportShelf {
    pub fn keep(&mut self, report: &IdentityReport) {
        self.kept.push(KeptReport {
            id: report.id.clone(),
            photos: report.photos.clone(),
            erase_at: report.erase_at,
        });
    }

    /// The reports kept at `now`, oldest first: one whose time has come is not shown even if its
    /// erasure has not run yet.
    pub fn kept(&self, now: u64) -> impl Iterator<Item = &KeptReport> {
        self.kept.iter().filter(move |r| r.erase_at > now)
    }

    /// Whether `id` is a report kept at `now`.
    pub fn has(&self, now: u64, id: &str) -> bool {
        self.kept(now).any(|r| r.id == id)
    }

    /// The reports whose time has come by `now`, to erase (then [`ReportShelf::forget`]).
    pub fn due(&self, now: u64) -> Vec<KeptReport> {
        self.kept
            .iter()
            .filter(|r| r.erase_at <= now)
            .cloned()
            .collect()
    }

    /// Every report, to erase on request.
    pub fn all(&self) -> Vec<KeptReport> {
        self.kept.clone()
    }

    /// Takes the reports `erased` off the shelf, once they are.
    pub fn forget(&mut self, erased: &[KeptReport]) {
        self.kept.retain(|r| !erased.iter().any(|e| e.id == r.id));
    }

    /// When the next erasure is due.
    pub fn next_erasure(&self) -> Option<u64> {
        self.kept.iter().map(|r| r.erase_at).min()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id_check::{
        Check, CheckResult, IdCheckBook, IdCheckRules, Photo, ProviderStatus, Read, examine,
    };
    use crate::id_document::NameRule;
    use proptest::prelude::*;

    const DAY: u64 = 86_400_000;
    /// A TD3 passport zone (ICAO 9303 part 4's example), valid until 2012-04-15.
    const ERIKSSON: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
                            L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    /// A day the example passport was valid.
    const TODAY: Date = (2011, 1, 1);

    fn decided_session(document: Document) -> Session {
        let rules = IdCheckRules {
            max_tries: crate::attempts::TryLimit::Limited(5),
            session_ms: 15 * 60_000,
            name_rule: NameRule::Lenient,
            keep_report: true,
            report_retention_ms: 30 * DAY,
            send_cooldown_ms: 30_000,
            max_sends_per_hour: 5,
        };
        let mut book = IdCheckBook::default();
        book.begin(&rules, 0, "s1".into(), "desk".into()).unwrap();
        for shot in document.shots() {
            let photo = Photo {
                shot: *shot,
                live: true,
            };
            book.took(1, "desk", document, photo).unwrap();
        }
        book.hand_over(2, "desk").unwrap();
        book.submitted(3, "desk", "ref-1".into()).unwrap();
        book.session().unwrap().clone()
    }

    fn subject() -> ReportSubject<'static> {
        ReportSubject {
            agreement_id: "ag-1",
            recipient_name: "Anna Eriksson",
            provider: "veriff",
        }
    }

    fn approved(machine_text: Option<&str>) -> Decision {
        Decision {
            status: ProviderStatus::Approved,
            reason_code: None,
            read: Read {
                document: Some(Document::Passport),
                first_name: Some("ANNA MARIA".into()),
                last_name: Some("ERIKSSON".into()),
                number: Some("L898902C3".into()),
                valid_until: Some((2012, 4, 15)),
                machine_text: machine_text.map(str::to_owned),
            },
        }
    }

    fn report(decision: &Decision, recipient: &str) -> IdentityReport {
        let session = decided_session(Document::Passport);
        let exam = examine(
            decision,
            Document::Passport,
            recipient,
            NameRule::Lenient,
            TODAY,
        );
        let about = ReportSubject {
            recipient_name: recipient,
            ..subject()
        };
        IdentityReport::new(about, &session, decision, &exam, 10 * DAY, 30 * DAY)
    }

    fn results(report: &IdentityReport) -> Vec<(Check, CheckResult)> {
        report.checks.iter().map(|c| (c.check, c.result)).collect()
    }

    #[test]
    fn a_passed_check_reports_what_the_zone_says_and_every_check() {
        let report = report(&approved(Some(ERIKSSON)), "Anna Eriksson");
        assert!(report.passed);
        assert_eq!(
            report.signature_name.as_deref(),
            Some("ANNA MARIA ERIKSSON")
        );
        assert_eq!(report.reference, "ref-1");
        assert_eq!(report.photos, Document::Passport.shots());
        assert_eq!(report.erase_at, 40 * DAY);
        let read = &report.extracted;
        assert_eq!(read.issuer.as_deref(), Some("UTO"));
        assert_eq!(read.date_of_birth.as_deref(), Some("1974-08-12"));
        assert_eq!(read.expiry.as_deref(), Some("2012-04-15"));
        assert_eq!(read.number.as_deref(), Some("L898902C3"));
        use CheckResult::Passed;
        assert_eq!(
            results(&report),
            vec![
                (Check::ProviderApproved, Passed),
                (Check::DocumentKind, Passed),
                (Check::MachineReadable, Passed),
                (Check::NumberAgrees, Passed),
                (Check::NotExpired, Passed),
                (Check::NameMatches, Passed),
            ]
        );
    }

    #[test]
    fn a_failed_check_reports_the_check_that_failed_last() {
        let report = report(&approved(Some(ERIKSSON)), "Ada Lovelace");
        assert!(!report.passed);
        assert_eq!(report.failure, Some(Failure::NameMismatch));
        assert_eq!(report.signature_name, None);
        assert_eq!(
            report.checks.last().map(|c| (c.check, c.result)),
            Some((Check::NameMatches, CheckResult::Failed))
        );
    }

    #[test]
    fn a_broken_check_digit_is_named_in_the_report() {
        let broken = ERIKSSON.replace("L898902C36", "L898902C37");
        let report = report(&approved(Some(&broken)), "Anna Eriksson");
        assert_eq!(report.failure, Some(Failure::DocumentUnreadable));
        let last = report.checks.last().unwrap();
        assert_eq!(
            (last.check, last.result),
            (Check::MachineReadable, CheckResult::Failed)
        );
        assert!(last.detail.as_deref().unwrap().contains("check digit"));
        // What could not be believed is still shown as the provider read it.
        assert_eq!(report.extracted.number.as_deref(), Some("L898902C3"));
        assert_eq!(report.extracted.date_of_birth, None);
    }

    #[test]
    fn without_the_zone_the_report_says_it_could_not_be_checked() {
        let report = report(&approved(None), "Anna Eriksson");
        assert!(report.passed);
        assert!(report.checks.contains(&CheckRun {
            check: Check::MachineReadable,
            result: CheckResult::NotPossible,
            detail: Some("the provider passed no zone or barcode text on".into()),
        }));
        assert_eq!(report.extracted.expiry.as_deref(), Some("2012-04-15"));
        assert_eq!(report.extracted.date_of_birth, None);
    }

    #[test]
    fn a_declined_check_reports_the_providers_status_and_code() {
        let declined = Decision {
            status: ProviderStatus::Declined,
            reason_code: Some(103),
            ..approved(None)
        };
        let report = report(&declined, "Anna Eriksson");
        assert_eq!(report.failure, Some(Failure::FaceMismatch));
        assert_eq!(
            report.checks,
            vec![CheckRun {
                check: Check::ProviderApproved,
                result: CheckResult::Failed,
                detail: Some("declined (103)".into()),
            }]
        );
    }

    fn kept(id: &str, erase_at: u64) -> KeptReport {
        KeptReport {
            id: id.into(),
            photos: vec![Shot::DocumentFront],
            erase_at,
        }
    }

    proptest! {
        /// Whatever is kept, erasing by time takes exactly the reports due, none is shown after
        /// its time, and the next alarm is the earliest still kept.
        #[test]
        fn retention_erases_exactly_what_is_due(
            times in prop::collection::vec(1u64..1_000, 0..12),
            now in 0u64..1_000,
        ) {
            let mut shelf = ReportShelf::default();
            for (i, at) in times.iter().enumerate() {
                shelf.kept.push(kept(&i.to_string(), *at));
            }
            prop_assert_eq!(shelf.kept(now).count(), times.iter().filter(|t| **t > now).count());
            let due = shelf.due(now);
            prop_assert!(due.iter().all(|r| r.erase_at <= now));
            shelf.forget(&due);
            prop_assert_eq!(due.len() + shelf.kept.len(), times.len());
            prop_assert!(shelf.kept.iter().all(|r| r.erase_at > now));
            prop_assert_eq!(
                shelf.next_erasure(),
                times.iter().copied().filter(|t| *t > now).min()
            );
            shelf.forget(&shelf.all());
            prop_assert_eq!(shelf.next_erasure(), None);
        }
    }

    #[test]
    fn a_report_is_not_shown_once_its_time_has_come() {
        let mut shelf = ReportShelf::default();
        shelf.kept.push(kept("a", 100));
        assert!(shelf.has(99, "a"));
        assert!(!shelf.has(100, "a"));
        assert!(!shelf.has(99, "b"));
    }
}
