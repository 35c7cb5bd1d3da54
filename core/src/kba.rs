//! Knowledge-based authentication: the scoring of Adobe's rules and the try limit, as one pure
//! state machine. The provider asks the questions and says how many answers were wrong; these
//! rules alone decide.
//!
//! ```text
//!   default: 3 questions ── 0 wrong ──▶ passed
//!                        ── 1 wrong ──▶ 2 follow-ups ── 0 wrong ──▶ passed
//!                        │                          └─ else ─────▶ the try fails
//!                        └─ more ───▶ the try fails
//!   strict:  the same with 4 questions (exactly 3 right → 2 follow-ups)
//!   a failed try counts against the limit; the last one locks (the agreement is cancelled)
//! ```
//!
//! Each round is bound to the try that asked it (`round`, a fresh random id from the caller) and
//! to the exact questions asked; it is scored once: a second submission of the same round, or one
//! of an earlier round, is refused without counting. Which answers were wrong is never kept.

pub mod idology;

use serde::{Deserialize, Serialize};

use crate::attempts::TryLimit;

/// How many questions a try asks first, and how many follow-ups.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KbaRules {
    pub strict: bool,
    pub max_tries: TryLimit,
}

pub const FOLLOW_UPS: usize = 2;

impl KbaRules {
    pub fn first_questions(&self) -> usize {
        if self.strict { 4 } else { 3 }
    }

    fn lock_after(&self) -> u32 {
        match self.max_tries {
            TryLimit::Limited(n) => n,
            TryLimit::Unlimited => TryLimit::MAX,
        }
    }
}

/// Which round of a try the questions belong to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    First,
    FollowUp,
}

/// Questions asked and not answered yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenRound {
    pub round: String,
    pub stage: Stage,
    pub question_ids: Vec<String>,
    /// Milliseconds since the Unix epoch: answers after this are too late.
    #[serde(default)]
    pub expires_at: u64,
}

/// How long a signer has to answer a round (IDology's default window; the provider's own clock
/// may be shorter, and then its timeout counts the same).
pub const ANSWER_WITHIN_MS: u64 = 5 * 60_000;

/// What a round's score led to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Passed,
    /// Exactly one wrong among the first questions: two more must be asked (the caller asks the
    /// provider, then [`KbaBook::ask`] with [`Stage::FollowUp`]).
    FollowUp,
    /// The try failed; this many tries are left (`None`: unlimited, still bounded).
    Failed {
        tries_left: Option<u32>,
    },
    /// The try failed and it was the last: the agreement is to be cancelled.
    Locked,
}

/// Why a submission or a question set is refused without counting anything.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Refusal {
    Locked,
    Passed,
    /// No round is open, or this is not the open one (a replay, or a stale page).
    NotOpen,
    /// A round is open already: answer it first (questions are not asked again to fish).
    RoundOpen,
    /// The answers do not name the questions asked, each exactly once.
    Mismatch,
    /// The provider could not find the signer, or cannot ask them: the method is not available
    /// for this recipient.
    NotEligible,
    /// The provider asked a different number of questions than the rules need.
    WrongCount,
}

/// One recipient's KBA state. Persisted in the recipient's Durable Object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct KbaBook {
    /// The one round that may be answered: any other round id (a replay, a stale page) is refused.
    open: Option<OpenRound>,
    /// The last first round had exactly one wrong answer: follow-ups may be asked.
    follow_up: bool,
    failures: u32,
    locked: bool,
    passed: bool,
    #[serde(default)]
    not_eligible: bool,
}

impl KbaBook {
    pub fn failures(&self) -> u32 {
        self.failures
    }

    pub fn is_locked(&self) -> bool {
        self.locked
    }

    pub fn open_round(&self) -> Option<&OpenRound> {
        self.open.as_ref()
    }

    pub fn is_passed(&self) -> bool {
        self.passed
    }

    pub fn is_not_eligible(&self) -> bool {
        self.not_eligible
    }

    /// The provider cannot ask this signer: no round is asked again (each lookup is a query of
    /// public records about a person, not to be repeated at will); the sender chooses another
    /// method.
    pub fn mark_not_eligible(&mut self) {
        self.not_eligible = true;
        self.open = None;
        self.follow_up = false;
    }

    pub fn tries_left(&self, rules: &KbaRules) -> Option<u32> {
        match rules.max_tries {
            TryLimit::Limited(n) => Some(n.saturating_sub(self.failures)),
            TryLimit::Unlimited => None,
        }
    }

    /// Whether `stage` may be asked now (before calling the provider, which charges per call).
    pub fn may_ask(&self, stage: Stage) -> Result<(), Refusal> {
        self.gate()?;
        match (&self.open, stage) {
            (Some(_), _) => Err(Refusal::RoundOpen),
            (None, Stage::FollowUp) if !self.follow_up => Err(Refusal::NotOpen),
            (None, Stage::First) if self.follow_up => Err(Refusal::RoundOpen),
            _ => Ok(()),
        }
    }

    /// Records questions the provider asked for `round` (a fresh id), to be answered by
    /// `expires_at`: the first round of a new try, or the follow-ups of the try whose first round
    /// asked for them.
    pub fn ask(
        &mut self,
        rules: &KbaRules,
        stage: Stage,
        round: String,
        question_ids: Vec<String>,
        expires_at: u64,
    ) -> Result<(), Refusal> {
        self.may_ask(stage)?;
        let expected = match stage {
            Stage::First => rules.first_questions(),
            Stage::FollowUp => FOLLOW_UPS,
        };
        if question_ids.len() != expected || has_duplicates(&question_ids) {
            return Err(Refusal::WrongCount);
        }
        self.open = Some(OpenRound {
            round,
            stage,
            question_ids,
            expires_at,
        });
        Ok(())
    }

    /// Closes the open round if its time ran out at `now`: it counts as a failed try
    /// ([`Self::abandon`]).
    pub fn expire(&mut self, rules: &KbaRules, now: u64) -> Option<Verdict> {
        match &self.open {
            Some(open) if now >= open.expires_at => self.abandon(rules),
            _ => None,
        }
    }

    /// Takes the answers to `round` for scoring: they must name exactly the questions asked. The
    /// round is closed at once, so it can never be scored twice, whatever happens next.
    pub fn take(&mut self, round: &str, answered_ids: &[&str]) -> Result<OpenRound, Refusal> {
        self.gate()?;
        let open = match &self.open {
            Some(open) if open.round == round => open,
            _ => return Err(Refusal::NotOpen),
        };
        let mut asked: Vec<&str> = open.question_ids.iter().map(String::as_str).collect();
        let mut answered = answered_ids.to_vec();
        asked.sort_unstable();
        answered.sort_unstable();
        if asked != answered {
            return Err(Refusal::Mismatch);
        }
        Ok(self.open.take().expect("matched above"))
    }

    /// The provider's count of wrong answers for a round [`Self::take`]n.
    pub fn score(&mut self, rules: &KbaRules, taken: &OpenRound, wrong: usize) -> Verdict {
        let passed = wrong == 0;
        match (taken.stage, passed) {
            (_, true) => {
                self.passed = true;
                self.follow_up = false;
                Verdict::Passed
            }
            (Stage::First, false) if wrong == 1 => {
                self.follow_up = true;
                Verdict::FollowUp
            }
            _ => {
                self.follow_up = false;
                self.failures += 1;
                if self.failures >= rules.lock_after() {
                    self.locked = true;
                    Verdict::Locked
                } else {
                    Verdict::Failed {
                        tries_left: self.tries_left(rules),
                    }
                }
            }
        }
    }

    /// The follow-ups owed cannot be had (the provider will not ask them): the try counts as
    /// failed, so a signer is never stuck between rounds. `None` when none are owed.
    pub fn give_up_follow_ups(&mut self, rules: &KbaRules) -> Option<Verdict> {
        if !self.follow_up || self.open.is_some() {
            return None;
        }
        let owed = OpenRound {
            round: String::new(),
            stage: Stage::FollowUp,
            question_ids: Vec::new(),
            expires_at: 0,
        };
        Some(self.score(rules, &owed, FOLLOW_UPS))
    }

    /// The open round ran out of time (or the provider could not go on): it is closed unscored,
    /// and a try whose questions were seen counts as failed, so waiting out a hard question is
    /// no way to see new ones for free.
    pub fn abandon(&mut self, rules: &KbaRules) -> Option<Verdict> {
        self.open.take()?;
        let taken = OpenRound {
            round: String::new(),
            stage: Stage::FollowUp,
            question_ids: Vec::new(),
            expires_at: 0,
        };
        Some(self.score(rules, &taken, FOLLOW_UPS))
    }

    /// The agreement was cancelled: nothing more is asked or scored.
    pub fn lock(&mut self) {
        self.locked = true;
        self.open = None;
        self.follow_up = false;
    }

    fn gate(&self) -> Result<(), Refusal> {
        if self.locked {
            Err(Refusal::Locked)
        } else if self.passed {
            Err(Refusal::Passed)
        } else if self.not_eligible {
            Err(Refusal::NotEligible)
        } else {
            Ok(())
        }
    }
}

/// What the provider needs to find the signer in public records (IDology's subject fields). It
/// is passed through to the provider and never stored or logged.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(deny_unknown_fields)]
pub struct Subject {
    pub first_name: String,
    pub last_name: String,
    /// Street and number.
    pub address: String,
    pub city: String,
    /// Two letters (USPS): a state, DC or a territory.
    pub state: String,
    /// `12345` or `12345-6789`.
    pub zip: String,
    /// `YYYY-MM-DD`.
    pub date_of_birth: String,
    /// The last four digits of the SSN, if the signer gives them.
    #[serde(default)]
    pub ssn_last4: Option<String>,
}

impl std::fmt::Debug for Subject {
    /// Never the data: a log must not hold who the signer is.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subject").finish_non_exhaustive()
    }
}

/// The USPS codes the provider covers: the states, DC and the territories.
pub const US_STATES: &[&str] = &[
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM",
    "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA",
    "WV", "WI", "WY", "AS", "GU", "MP", "PR", "VI",
];

impl Subject {
    /// Whether the name typed is the recipient's, the one the sender gave: the first given name
    /// and every part of the family name are words of it (case and punctuation aside). A middle
    /// name may be left out; another person's name may not be put in, so a forwarded link does
    /// not let its holder pass with their own identity.
    pub fn is_named(&self, recipient_name: &str) -> bool {
        crate::validate::is_same_person(&self.first_name, &self.last_name, recipient_name)
    }

    /// The name as typed, for the audit trail and the signature field.
    pub fn full_name(&self) -> String {
        format!("{} {}", self.first_name.trim(), self.last_name.trim())
    }

    /// Everything wrong with what the signer typed, named so they can fix it all at once. `today`
    /// is `YYYY-MM-DD` (the caller's clock): a birth date must be a real day before it.
    pub fn problems(&self, today: &str) -> Vec<String> {
        let mut problems = Vec::new();
        for (field, value, max) in [
            ("first_name", &self.first_name, 60),
            ("last_name", &self.last_name, 60),
            ("address", &self.address, 120),
            ("city", &self.city, 60),
        ] {
            if let Err(problem) = crate::validate::text(field, value, max) {
                problems.push(problem);
            }
        }
        if !US_STATES.contains(&self.state.as_str()) {
            problems.push("state: a two-letter US state, DC or territory code".into());
        }
        let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
        let zip_ok = match self.zip.split_once('-') {
            Some((five, four)) => {
                five.len() == 5 && digits(five) && four.len() == 4 && digits(four)
            }
            None => self.zip.len() == 5 && digits(&self.zip),
        };
        if !zip_ok {
            problems.push("zip: 5 digits, or 5 and 4 (12345-6789)".into());
        }
        if !is_past_date(&self.date_of_birth, today) {
            problems.push("date_of_birth: a real date before today, YYYY-MM-DD".into());
        }
        if let Some(last4) = &self.ssn_last4
            && !(last4.len() == 4 && digits(last4))
        {
            problems.push("ssn_last4: the last 4 digits of the SSN".into());
        }
        problems
    }
}

/// Whether `date` is a real `YYYY-MM-DD` day after 1900 and before `today` (the same form).
fn is_past_date(date: &str, today: &str) -> bool {
    let parse = |d: &str| -> Option<(u32, u32, u32)> {
        let mut parts = d.split('-');
        let (y, m, day) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || y.len() != 4 || m.len() != 2 || day.len() != 2 {
            return None;
        }
        let (y, m, day): (u32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, day.parse().ok()?);
        (y >= 1900 && crate::calendar::is_real_day(y, m, day)).then_some((y, m, day))
    };
    matches!((parse(date), parse(today)), (Some(born), Some(now)) if born < now)
}

fn has_duplicates(ids: &[String]) -> bool {
    let mut sorted: Vec<&String> = ids.iter().collect();
    sorted.sort_unstable();
    sorted.windows(2).any(|w| w[0] == w[1])
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rules(strict: bool, tries: u32) -> KbaRules {
        KbaRules {
            strict,
            max_tries: TryLimit::Limited(tries),
        }
    }

    /// A deadline no test reaches.
    const LATER: u64 = u64::MAX;

    fn ids(prefix: &str, n: usize) -> Vec<String> {
        (0..n).map(|i| format!("{prefix}{i}")).collect()
    }

    /// Asks a round and answers it with `wrong` wrong answers.
    fn round(
        book: &mut KbaBook,
        rules: &KbaRules,
        stage: Stage,
        id: &str,
        wrong: usize,
    ) -> Verdict {
        let n = match stage {
            Stage::First => rules.first_questions(),
            Stage::FollowUp => FOLLOW_UPS,
        };
        let questions = ids(id, n);
        book.ask(rules, stage, id.into(), questions.clone(), LATER)
            .unwrap();
        let answered: Vec<&str> = questions.iter().map(String::as_str).collect();
        let taken = book.take(id, &answered).unwrap();
        book.score(rules, &taken, wrong)
    }

    #[test]
    fn every_branch_of_both_modes() {
        for strict in [false, true] {
            let rules = rules(strict, 3);
            let n = rules.first_questions();
            assert_eq!(n, if strict { 4 } else { 3 });
            // n/n right: passed.
            let mut book = KbaBook::default();
            assert_eq!(
                round(&mut book, &rules, Stage::First, "a", 0),
                Verdict::Passed
            );
            // n-1 right, then 2/2: passed; then 1/2: the try fails.
            let mut book = KbaBook::default();
            assert_eq!(
                round(&mut book, &rules, Stage::First, "a", 1),
                Verdict::FollowUp
            );
            assert_eq!(
                round(&mut book, &rules, Stage::FollowUp, "b", 0),
                Verdict::Passed
            );
            let mut book = KbaBook::default();
            assert_eq!(
                round(&mut book, &rules, Stage::First, "a", 1),
                Verdict::FollowUp
            );
            assert_eq!(
                round(&mut book, &rules, Stage::FollowUp, "b", 1),
                Verdict::Failed {
                    tries_left: Some(2)
                }
            );
            // n-2 right (1/3, 2/4): the try fails at once.
            let mut book = KbaBook::default();
            assert_eq!(
                round(&mut book, &rules, Stage::First, "a", 2),
                Verdict::Failed {
                    tries_left: Some(2)
                }
            );
        }
    }

    #[test]
    fn the_last_failed_try_locks_and_unlimited_still_stops_at_a_hundred() {
        let limited = rules(false, 2);
        let mut book = KbaBook::default();
        round(&mut book, &limited, Stage::First, "a", 3);
        assert_eq!(
            round(&mut book, &limited, Stage::First, "b", 2),
            Verdict::Locked
        );
        assert_eq!(
            book.ask(&limited, Stage::First, "c".into(), ids("c", 3), LATER),
            Err(Refusal::Locked)
        );
        let unlimited = KbaRules {
            strict: false,
            max_tries: TryLimit::Unlimited,
        };
        let mut book = KbaBook::default();
        for i in 0..99 {
            let verdict = round(&mut book, &unlimited, Stage::First, &format!("r{i}"), 3);
            assert_eq!(verdict, Verdict::Failed { tries_left: None });
        }
        assert_eq!(
            round(&mut book, &unlimited, Stage::First, "last", 3),
            Verdict::Locked
        );
    }

    #[test]
    fn answers_must_name_the_questions_asked_each_once() {
        let rules = rules(false, 3);
        let mut book = KbaBook::default();
        book.ask(&rules, Stage::First, "a".into(), ids("q", 3), LATER)
            .unwrap();
        for bad in [
            &["q0", "q1"][..],
            &["q0", "q1", "q1"],
            &["q0", "q1", "x"],
            &["q0", "q1", "q2", "q3"],
        ] {
            assert_eq!(book.take("a", bad), Err(Refusal::Mismatch), "{bad:?}");
        }
        assert_eq!(book.take("b", &["q0", "q1", "q2"]), Err(Refusal::NotOpen));
        assert!(book.take("a", &["q2", "q0", "q1"]).is_ok());
        // The same answers again: a replay.
        assert_eq!(book.take("a", &["q0", "q1", "q2"]), Err(Refusal::NotOpen));
        assert_eq!(
            book.ask(&rules, Stage::First, "c".into(), ids("c", 2), LATER),
            Err(Refusal::WrongCount)
        );
        assert_eq!(
            book.ask(
                &rules,
                Stage::First,
                "c".into(),
                vec!["x".into(), "x".into(), "y".into()],
                LATER
            ),
            Err(Refusal::WrongCount)
        );
    }

    #[test]
    fn follow_ups_only_after_exactly_one_wrong_and_abandoning_counts_as_a_failure() {
        let rules = rules(false, 3);
        let mut book = KbaBook::default();
        assert_eq!(
            book.ask(&rules, Stage::FollowUp, "f".into(), ids("f", 2), LATER),
            Err(Refusal::NotOpen)
        );
        round(&mut book, &rules, Stage::First, "a", 1);
        assert_eq!(
            book.ask(&rules, Stage::First, "b".into(), ids("b", 3), LATER),
            Err(Refusal::RoundOpen),
            "owed follow-ups are not skipped by starting over"
        );
        book.ask(&rules, Stage::FollowUp, "f".into(), ids("f", 2), LATER)
            .unwrap();
        assert_eq!(
            book.abandon(&rules),
            Some(Verdict::Failed {
                tries_left: Some(2)
            })
        );
        assert_eq!(book.abandon(&rules), None);
        assert!(
            book.ask(&rules, Stage::First, "b".into(), ids("b", 3), LATER)
                .is_ok()
        );
    }

    #[test]
    fn a_round_answered_too_late_is_a_failed_try_and_not_eligible_ends_the_method() {
        let rules = rules(false, 2);
        let mut book = KbaBook::default();
        book.ask(&rules, Stage::First, "a".into(), ids("q", 3), 1_000)
            .unwrap();
        assert_eq!(book.expire(&rules, 999), None, "still in time");
        assert_eq!(
            book.expire(&rules, 1_000),
            Some(Verdict::Failed {
                tries_left: Some(1)
            })
        );
        assert_eq!(
            book.take("a", &["q0", "q1", "q2"]),
            Err(Refusal::NotOpen),
            "answers after the deadline are not scored"
        );
        assert_eq!(book.expire(&rules, 5_000), None, "closed once");
        assert_eq!(book.may_ask(Stage::First), Ok(()));
        book.mark_not_eligible();
        assert_eq!(book.may_ask(Stage::First), Err(Refusal::NotEligible));
        assert_eq!(book.failures(), 1, "not being found is no failed try");
    }

    #[test]
    fn the_name_must_be_the_recipients_give_or_take_a_middle_name() {
        let named = |first: &str, last: &str, recipient: &str| {
            Subject {
                first_name: first.into(),
                last_name: last.into(),
                ..subject()
            }
            .is_named(recipient)
        };
        assert!(named("Ada", "Lovelace", "Ada Lovelace"));
        assert!(named("ADA", "lovelace", "Ada Lovelace"));
        assert!(named("Ada", "Lovelace", "Ada King Lovelace"));
        assert!(named("Ada King", "Lovelace", "Ada King Lovelace"));
        assert!(named("Mary-Ann", "O'Neil", "Mary-Ann O'Neil"));
        assert!(named("Анна", "Каренина", "Анна Каренина"));
        assert!(!named("Bob", "Smith", "Ada Lovelace"));
        assert!(!named("Ada", "Smith", "Ada Lovelace"));
        assert!(!named("Ada", "Lovelace Smith", "Ada Lovelace"));
        assert!(!named("", "Lovelace", "Ada Lovelace"));
        assert!(!named("Ada", "", "Ada Lovelace"));
        assert_eq!(subject().full_name(), "Ada Lovelace");
    }

    #[test]
    fn follow_ups_that_cannot_be_had_fail_the_try() {
        let rules = rules(false, 2);
        let mut book = KbaBook::default();
        assert_eq!(book.give_up_follow_ups(&rules), None, "none owed");
        round(&mut book, &rules, Stage::First, "a", 1);
        assert_eq!(
            book.give_up_follow_ups(&rules),
            Some(Verdict::Failed {
                tries_left: Some(1)
            })
        );
        assert_eq!(book.give_up_follow_ups(&rules), None, "given up once");
        assert_eq!(book.may_ask(Stage::First), Ok(()), "a new try may start");
    }

    /// The stand-in's identity, as a signer would type it.
    pub(crate) fn subject() -> Subject {
        Subject {
            first_name: "Ada".into(),
            last_name: "Lovelace".into(),
            address: "12 Analytical Way".into(),
            city: "Springfield".into(),
            state: "IL".into(),
            zip: "62701".into(),
            date_of_birth: "1985-12-10".into(),
            ssn_last4: Some("1234".into()),
        }
    }

    #[test]
    fn a_subject_is_checked_field_by_field_and_never_logged() {
        assert_eq!(subject().problems("2026-11-30"), Vec::<String>::new());
        let plus4 = Subject {
            zip: "62701-1234".into(),
            ssn_last4: None,
            ..subject()
        };
        assert!(plus4.problems("2026-11-30").is_empty());
        let leap = Subject {
            date_of_birth: "2000-02-29".into(),
            ..subject()
        };
        assert!(leap.problems("2026-11-30").is_empty());
        let bad = Subject {
            state: "XX".into(),
            zip: "6270".into(),
            date_of_birth: "2027-01-01".into(),
            ssn_last4: Some("12a4".into()),
            first_name: String::new(),
            ..subject()
        };
        let problems = bad.problems("2026-11-30").join("; ");
        for field in ["first_name", "state", "zip", "date_of_birth", "ssn_last4"] {
            assert!(problems.contains(field), "{field} in {problems}");
        }
        for date in [
            "1900-02-29",
            "1985-13-01",
            "1985-1-01",
            "85-12-10",
            "1899-12-31",
            "2026-11-30",
        ] {
            let subject = Subject {
                date_of_birth: date.into(),
                ..subject()
            };
            assert_eq!(subject.problems("2026-11-30").len(), 1, "{date}");
        }
        assert_eq!(format!("{:?}", subject()), "Subject { .. }");
    }

    #[derive(Clone, Debug)]
    enum Step {
        AskFirst,
        AskFollowUp,
        /// Answer the round asked `back` rounds ago (0: the latest) with `wrong` wrong.
        Answer {
            back: usize,
            wrong: usize,
        },
        Abandon,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            Just(Step::AskFirst),
            Just(Step::AskFollowUp),
            (0usize..3, 0usize..5).prop_map(|(back, wrong)| Step::Answer { back, wrong }),
            Just(Step::Abandon),
        ]
    }

    proptest! {
        /// Whatever arrives in whatever order (replays, stale rounds, abandoned ones), each round
        /// is scored at most once, failures never pass the limit, and the book locks exactly
        /// when they reach it.
        #[test]
        fn a_round_is_scored_once(
            strict in any::<bool>(),
            tries in 1u32..6,
            steps in prop::collection::vec(step(), 0..80),
        ) {
            let rules = rules(strict, tries);
            let mut book = KbaBook::default();
            let mut asked: Vec<(String, Vec<String>)> = Vec::new();
            let mut scored = std::collections::BTreeSet::new();
            for (i, step) in steps.into_iter().enumerate() {
                let id = format!("r{i}");
                match step {
                    Step::AskFirst | Step::AskFollowUp => {
                        let stage = if matches!(step, Step::AskFirst) { Stage::First } else { Stage::FollowUp };
                        let n = if stage == Stage::First { rules.first_questions() } else { FOLLOW_UPS };
                        let questions = ids(&id, n);
                        if book.ask(&rules, stage, id.clone(), questions.clone(), LATER).is_ok() {
                            asked.push((id, questions));
                        }
                    }
                    Step::Answer { back, wrong } => {
                        let Some((round_id, questions)) = asked.iter().rev().nth(back).cloned() else { continue };
                        let answered: Vec<&str> = questions.iter().map(String::as_str).collect();
                        if let Ok(taken) = book.take(&round_id, &answered) {
                            prop_assert!(scored.insert(round_id.clone()), "{} scored twice", round_id);
                            let wrong = wrong.min(taken.question_ids.len());
                            book.score(&rules, &taken, wrong);
                        }
                    }
                    Step::Abandon => {
                        book.abandon(&rules);
                    }
                }
                prop_assert!(book.failures() <= tries);
                prop_assert_eq!(book.is_locked(), book.failures() >= tries);
            }
        }
    }
}
