//! One-time codes by SMS, voice call and e-mail: one pure state machine for all three.
//!
//! ```text
//!   issue ──▶ live codes (at most `max_valid`; the oldest is voided to make room)
//!               │ a right entry for a live, unexpired code ──▶ accepted: every code voided
//!               │ a wrong entry ──▶ counted, once per code it was compared with
//!               │     e-mail: every `void_after` wrong entries void all live codes
//!               │     any method: `lock_after` consecutive wrong entries lock (the agreement is
//!               │     cancelled), and so does the [`GUESS_BUDGET`]
//!               └ expiry (checked on every step; the stores' TTLs only clean up)
//!   sends: a cooldown between two, and at most `max_sends_per_hour` in any hour
//! ```
//!
//! The book holds no secret: a code's digest (HMAC with a pepper, bound to the recipient, the
//! method and the code's own id, so to the request that issued it) is stored apart from it, and
//! the caller tells the book which live code an entry matched. The book alone decides whether that
//! code is still good, so single use and expiry do not depend on the digest store.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::encoding::hex;
use crate::policy::Method;

/// Where a code goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Sms,
    Voice,
    Email,
}

impl Channel {
    pub fn method(self) -> Method {
        match self {
            Channel::Sms | Channel::Voice => Method::Phone,
            Channel::Email => Method::EmailCode,
        }
    }

    /// The authentication method reference (RFC 8176) a grant names after this channel.
    pub fn amr(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Voice => "tel",
            Channel::Email => "otp",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Voice => "voice",
            Channel::Email => "email",
        }
    }
}

/// Codes one recipient may be guessed against in all, however many are live at once: an entry
/// is compared with every live code, so with N live codes it is N guesses, and without this budget
/// the odds would grow with N (10 live 5-digit codes and 100 wrong entries: 1 %). Spent, the method
/// locks. With it, no recipient's odds are worse than 100 / 10^digits (NIST SP 800-63B's 100
/// failures against one code): 1 in 1,000 at the policy's fewest 5 digits, 1 in 10,000 at 6.
pub const GUESS_BUDGET: u32 = crate::attempts::TryLimit::MAX;

pub const MIN_DIGITS: u8 = 5;
pub const MAX_DIGITS: u8 = 8;
const HOUR_MS: u64 = 60 * 60 * 1000;

/// The limits a recipient's codes live under, fixed when the agreement is created.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeRules {
    pub digits: u8,
    pub lifetime_ms: u64,
    /// Codes valid at once; a new one voids the oldest beyond this.
    pub max_valid: u32,
    /// Consecutive wrong entries that lock the method (and cancel the agreement).
    pub lock_after: u32,
    /// Wrong entries that void every live code (Cryptshare's e-mail rule); `None`: never.
    pub void_after: Option<u32>,
    pub cooldown_ms: u64,
    pub max_sends_per_hour: u32,
}

/// A code that was sent and may still be entered. Its digest is stored elsewhere, under `id`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LiveCode {
    pub id: String,
    pub channel: Channel,
    pub expires_at: u64,
}

/// Why a code cannot be sent now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendRefusal {
    Locked,
    /// Too soon after the last code.
    Cooldown {
        retry_after_ms: u64,
    },
    /// The hourly cap is reached.
    HourlyCap {
        retry_after_ms: u64,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issued {
    /// The new code, as it is now live (its digest is stored under its id).
    pub code: LiveCode,
    /// Older codes this one pushed out (their digests can be deleted).
    pub voided: Vec<String>,
}

/// Whether an entry can be checked at all.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryGate {
    Open,
    /// No live code: nothing to guess, so nothing is counted. A new code must be requested.
    NoCode,
    Locked,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AfterWrong {
    /// Wrong entries left before codes are voided or the method locks.
    TriesLeft(u32),
    /// That many wrong entries voided every live code; a new one must be requested.
    Voided {
        voided: Vec<String>,
    },
    Locked {
        voided: Vec<String>,
    },
    /// The gate was not open: nothing was counted.
    Refused(EntryGate),
}

/// One recipient's codes and counts. Persisted in the recipient's Durable Object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodeBook {
    live: Vec<LiveCode>,
    /// When codes were sent in the last hour.
    sends: Vec<u64>,
    /// Consecutive wrong entries (a right one ends the method anyway).
    failures: u32,
    /// What those wrong entries cost: the codes each was compared with, summed.
    #[serde(default)]
    guesses: u32,
    wrong_since_void: u32,
    locked: bool,
}

impl CodeBook {
    pub fn is_locked(&self) -> bool {
        self.locked
    }

    pub fn failures(&self) -> u32 {
        self.failures
    }

    /// Live codes that have not expired at `now`: the ones an entry is compared with.
    pub fn live(&self, now_ms: u64) -> impl Iterator<Item = &LiveCode> {
        self.live.iter().filter(move |c| now_ms < c.expires_at)
    }

    /// The codes an entry is compared with at `now`: the live ones, newest first, but never more
    /// than the guesses left, so the [`GUESS_BUDGET`] holds exactly.
    pub fn candidates(&self, now_ms: u64) -> impl Iterator<Item = &LiveCode> {
        let left = GUESS_BUDGET.saturating_sub(self.guesses) as usize;
        self.live
            .iter()
            .rev()
            .filter(move |c| now_ms < c.expires_at)
            .take(left)
    }

    /// Wrong entries left before something happens (codes voided or the method locked), each
    /// entry costing as many guesses as there are codes live now.
    pub fn tries_left(&self, rules: &CodeRules) -> u32 {
        let per_entry = (self.live.len() as u32).max(1);
        let to_lock = rules.lock_after.saturating_sub(self.failures).min(
            GUESS_BUDGET
                .saturating_sub(self.guesses)
                .div_ceil(per_entry),
        );
        match rules.void_after {
            Some(n) => to_lock.min(n.saturating_sub(self.wrong_since_void)),
            None => to_lock,
        }
    }

    /// How long until a code may be sent (0: now). Ignores the lock.
    pub fn next_send_in_ms(&self, rules: &CodeRules, now_ms: u64) -> u64 {
        match self.send_refusal(rules, now_ms) {
            Some(SendRefusal::Cooldown { retry_after_ms })
            | Some(SendRefusal::HourlyCap { retry_after_ms }) => retry_after_ms,
            _ => 0,
        }
    }

    fn send_refusal(&self, rules: &CodeRules, now_ms: u64) -> Option<SendRefusal> {
        send_refusal(
            &self.sends,
            rules.cooldown_ms,
            rules.max_sends_per_hour,
            now_ms,
        )
    }

    /// Records a new code with the caller's fresh random `id`, if one may be sent now.
    pub fn issue(
        &mut self,
        rules: &CodeRules,
        id: String,
        channel: Channel,
        now_ms: u64,
    ) -> Result<Issued, SendRefusal> {
        if self.locked {
            return Err(SendRefusal::Locked);
        }
        if let Some(refusal) = self.send_refusal(rules, now_ms) {
            return Err(refusal);
        }
        self.forget_old(now_ms);
        if self.live.is_empty() {
            // Wrong entries are counted against outstanding codes: with none left (expired or
            // voided), a new round starts. The lock still counts every failure in a row.
            self.wrong_since_void = 0;
        }
        let mut voided = Vec::new();
        let keep = rules.max_valid.max(1) as usize - 1;
        while self.live.len() > keep {
            voided.push(self.live.remove(0).id);
        }
        let code = LiveCode {
            id,
            channel,
            expires_at: now_ms.saturating_add(rules.lifetime_ms),
        };
        self.live.push(code.clone());
        self.sends.push(now_ms);
        Ok(Issued { code, voided })
    }

    /// The code `id` could not be delivered: it must not be entered.
    pub fn withdraw(&mut self, id: &str) {
        self.live.retain(|c| c.id != id);
    }

    pub fn gate(&self, now_ms: u64) -> EntryGate {
        if self.locked {
            EntryGate::Locked
        } else if self.live(now_ms).next().is_none() {
            EntryGate::NoCode
        } else {
            EntryGate::Open
        }
    }

    /// An entry matched the digest of code `id`. Accepted only if that code is live and unexpired;
    /// then every code is voided (used once, and the method is done). Returns its channel.
    pub fn accept(&mut self, id: &str, now_ms: u64) -> Option<Channel> {
        if self.locked {
            return None;
        }
        let channel = self.candidates(now_ms).find(|c| c.id == id)?.channel;
        self.live.clear();
        self.failures = 0;
        self.guesses = 0;
        self.wrong_since_void = 0;
        Some(channel)
    }

    /// Counts a wrong entry compared with the [`Self::candidates`] at `now_ms`, if the gate is
    /// open.
    pub fn record_wrong(&mut self, rules: &CodeRules, now_ms: u64) -> AfterWrong {
        let gate = self.gate(now_ms);
        if gate != EntryGate::Open {
            return AfterWrong::Refused(gate);
        }
        let compared = self.candidates(now_ms).count() as u32;
        self.failures += 1;
        self.guesses += compared;
        self.wrong_since_void += 1;
        if self.failures >= rules.lock_after || self.guesses >= GUESS_BUDGET {
            return AfterWrong::Locked {
                voided: self.lock(),
            };
        }
        if rules.void_after.is_some_and(|n| self.wrong_since_void >= n) {
            self.wrong_since_void = 0;
            return AfterWrong::Voided {
                voided: self.live.drain(..).map(|c| c.id).collect(),
            };
        }
        AfterWrong::TriesLeft(self.tries_left(rules))
    }

    /// Locks the method (too many wrong entries, or the agreement was cancelled); returns the ids
    /// of the codes that were live.
    pub fn lock(&mut self) -> Vec<String> {
        self.locked = true;
        self.wrong_since_void = 0;
        self.live.drain(..).map(|c| c.id).collect()
    }

    /// The sender changed the method: every code is void and the tries are full again, but the
    /// sends of the last hour still count, so changing the method is no way around the caps on
    /// messages to one recipient. Returns the ids of the codes that were live.
    pub fn start_over(&mut self) -> Vec<String> {
        let voided = self.live.drain(..).map(|c| c.id).collect();
        *self = Self {
            sends: std::mem::take(&mut self.sends),
            ..Self::default()
        };
        voided
    }

    /// Drops expired codes and sends older than an hour, so the book stays small.
    fn forget_old(&mut self, now_ms: u64) {
        self.live.retain(|c| now_ms < c.expires_at);
        forget_old_sends(&mut self.sends, now_ms);
    }
}

/// Whether a message may be sent at `now`, given when earlier ones were (`sends`): a cooldown
/// after the last, and at most `max_per_hour` in any hour. The rule of every message a signer
/// can have sent to them (codes, and the ID check's hand-off link).
pub fn send_refusal(
    sends: &[u64],
    cooldown_ms: u64,
    max_per_hour: u32,
    now_ms: u64,
) -> Option<SendRefusal> {
    let recent: Vec<u64> = sends
        .iter()
        .copied()
        .filter(|&at| now_ms < at.saturating_add(HOUR_MS))
        .collect();
    let cooldown_ends = recent
        .iter()
        .max()
        .map(|&last| last.saturating_add(cooldown_ms));
    let cap_ends = (recent.len() >= max_per_hour as usize)
        .then(|| recent.iter().min().map(|&first| first + HOUR_MS))
        .flatten();
    match (cap_ends, cooldown_ends) {
        (Some(ends), _) => Some(SendRefusal::HourlyCap {
            retry_after_ms: ends.saturating_sub(now_ms),
        }),
        (None, Some(ends)) if now_ms < ends => Some(SendRefusal::Cooldown {
            retry_after_ms: ends - now_ms,
        }),
        _ => None,
    }
}

/// Drops the send times older than an hour at `now`: they no longer count.
pub fn forget_old_sends(sends: &mut Vec<u64>, now_ms: u64) {
    sends.retain(|&at| now_ms < at.saturating_add(HOUR_MS));
}

/// A code of `digits` decimal digits from uniformly random 32-bit words: the first word below the
/// largest multiple of 10^digits is used, so every code is equally likely (no modulo bias).
/// `None` if every word fell above it (each does with probability < 2.4 %): draw more.
pub fn code_from_random(digits: u8, words: &[u32]) -> Option<String> {
    let digits = digits.clamp(MIN_DIGITS, MAX_DIGITS);
    let space = 10u64.pow(u32::from(digits));
    let zone = (1u64 << 32) / space * space;
    let word = words.iter().map(|&w| u64::from(w)).find(|&w| w < zone)?;
    Some(format!("{:0width$}", word % space, width = digits as usize))
}

/// What is stored for a code: HMAC-SHA256 under the pepper over the recipient, the method, the
/// code's id and the code. The same digits sent to another recipient, for another method or by
/// another request give another digest.
pub fn code_digest(
    pepper: &[u8],
    recipient_id: &str,
    code: &LiveCodeRef<'_>,
    entry: &str,
) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(pepper).expect("HMAC takes keys of any length");
    for part in [
        "signgate-code-v1",
        recipient_id,
        code.channel.method().name(),
        code.id,
        entry,
    ] {
        mac.update(part.as_bytes());
        mac.update(&[0]);
    }
    hex(&mac.finalize().into_bytes())
}

/// The parts of a code its digest is bound to.
#[derive(Clone, Copy, Debug)]
pub struct LiveCodeRef<'a> {
    pub id: &'a str,
    pub channel: Channel,
}

impl<'a> From<&'a LiveCode> for LiveCodeRef<'a> {
    fn from(code: &'a LiveCode) -> Self {
        Self {
            id: &code.id,
            channel: code.channel,
        }
    }
}

/// Why an entry cannot be a code (not counted as a try).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryProblem {
    Empty,
    NotDigits,
    WrongLength { digits: u8 },
}

impl std::fmt::Display for EntryProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Empty => write!(f, "the code is empty"),
            Self::NotDigits => write!(f, "a code has only digits"),
            Self::WrongLength { digits } => write!(f, "the code has {digits} digits"),
        }
    }
}

/// The digits of an entry, with the spaces and dashes people type or paste removed.
pub fn normalize_entry(entry: &str, digits: u8) -> Result<String, EntryProblem> {
    if entry.len() > 64 {
        return Err(EntryProblem::WrongLength { digits });
    }
    let cleaned: String = entry
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '-')
        .collect();
    if cleaned.is_empty() {
        return Err(EntryProblem::Empty);
    }
    if !cleaned.chars().all(|c| c.is_ascii_digit()) {
        return Err(EntryProblem::NotDigits);
    }
    if cleaned.len() != digits as usize {
        return Err(EntryProblem::WrongLength { digits });
    }
    Ok(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn phone_rules() -> CodeRules {
        CodeRules {
            digits: 6,
            lifetime_ms: 600_000,
            max_valid: 3,
            lock_after: 5,
            void_after: None,
            cooldown_ms: 30_000,
            max_sends_per_hour: 5,
        }
    }

    fn email_rules() -> CodeRules {
        CodeRules {
            lock_after: 100,
            void_after: Some(10),
            ..phone_rules()
        }
    }

    fn issue(book: &mut CodeBook, rules: &CodeRules, id: &str, now: u64) -> Issued {
        book.issue(rules, id.into(), Channel::Sms, now).unwrap()
    }

    #[test]
    fn starting_over_voids_codes_and_restores_tries_but_keeps_the_send_caps() {
        let rules = phone_rules();
        let mut book = CodeBook::default();
        issue(&mut book, &rules, "a", 0);
        issue(&mut book, &rules, "b", 30_000);
        for at in [31_000, 32_000, 33_000, 34_000] {
            book.record_wrong(&rules, at);
        }
        assert_eq!(book.tries_left(&rules), 1);
        assert_eq!(book.start_over(), ["a", "b"]);
        assert_eq!(book.tries_left(&rules), 5);
        assert_eq!(book.gate(35_000), EntryGate::NoCode);
        // The cooldown of the last send still holds: a change is no way to pump messages.
        assert_eq!(
            book.issue(&rules, "c".into(), Channel::Sms, 35_000),
            Err(SendRefusal::Cooldown {
                retry_after_ms: 25_000
            })
        );
        // A locked book starts over unlocked.
        book.lock();
        book.start_over();
        assert!(!book.is_locked());
        assert!(book.issue(&rules, "d".into(), Channel::Sms, 60_000).is_ok());
    }

    #[test]
    fn codes_are_uniform_digits_of_the_asked_length() {
        assert_eq!(code_from_random(6, &[42]).as_deref(), Some("000042"));
        assert_eq!(
            code_from_random(8, &[123_456_789]).as_deref(),
            Some("23456789")
        );
        // The words at and above the last whole multiple of 10^6 would favour low codes: skipped.
        let zone = (1u64 << 32) / 1_000_000 * 1_000_000;
        assert_eq!(code_from_random(6, &[zone as u32]), None);
        assert_eq!(
            code_from_random(6, &[u32::MAX, zone as u32 - 1]).as_deref(),
            Some("999999")
        );
    }

    #[test]
    fn entries_are_cleaned_and_checked_before_counting() {
        assert_eq!(normalize_entry(" 123 456 ", 6).as_deref(), Ok("123456"));
        assert_eq!(normalize_entry("123-456", 6).as_deref(), Ok("123456"));
        assert_eq!(normalize_entry("", 6), Err(EntryProblem::Empty));
        assert_eq!(normalize_entry("12345a", 6), Err(EntryProblem::NotDigits));
        assert_eq!(normalize_entry("١٢٣٤٥٦", 6), Err(EntryProblem::NotDigits));
        assert_eq!(
            normalize_entry("12345", 6),
            Err(EntryProblem::WrongLength { digits: 6 })
        );
    }

    #[test]
    fn digests_bind_the_code_to_recipient_method_and_request() {
        let code = |id, channel| LiveCodeRef { id, channel };
        let base = code_digest(b"pepper", "r1", &code("c1", Channel::Sms), "123456");
        assert_eq!(base.len(), 64);
        assert_eq!(
            base,
            code_digest(b"pepper", "r1", &code("c1", Channel::Voice), "123456")
        );
        for other in [
            code_digest(b"pepper", "r2", &code("c1", Channel::Sms), "123456"),
            code_digest(b"pepper", "r1", &code("c2", Channel::Sms), "123456"),
            code_digest(b"pepper", "r1", &code("c1", Channel::Email), "123456"),
            code_digest(b"pepper", "r1", &code("c1", Channel::Sms), "123457"),
            code_digest(b"other!", "r1", &code("c1", Channel::Sms), "123456"),
        ] {
            assert_ne!(base, other);
        }
    }

    #[test]
    fn with_one_valid_code_each_new_code_voids_the_previous() {
        let rules = CodeRules {
            max_valid: 1,
            cooldown_ms: 0,
            ..email_rules()
        };
        let mut book = CodeBook::default();
        issue(&mut book, &rules, "a", 0);
        assert_eq!(
            issue(&mut book, &rules, "b", 1).voided,
            vec!["a".to_string()]
        );
        assert_eq!(book.accept("a", 2), None);
        assert_eq!(book.accept("b", 2), Some(Channel::Sms));
    }

    #[test]
    fn an_older_code_still_valid_is_accepted_and_success_voids_the_rest() {
        let rules = CodeRules {
            cooldown_ms: 0,
            ..email_rules()
        };
        let mut book = CodeBook::default();
        issue(&mut book, &rules, "a", 0);
        issue(&mut book, &rules, "b", 1);
        assert_eq!(book.accept("a", 2), Some(Channel::Sms));
        assert_eq!(book.accept("b", 2), None, "success voids every other code");
        assert_eq!(book.gate(2), EntryGate::NoCode);
    }

    #[test]
    fn ten_wrong_email_entries_void_every_code_and_nothing_more_is_counted() {
        let rules = email_rules();
        let mut book = CodeBook::default();
        issue(&mut book, &rules, "a", 0);
        for left in (1..10).rev() {
            assert_eq!(book.record_wrong(&rules, 1), AfterWrong::TriesLeft(left));
        }
        assert_eq!(
            book.record_wrong(&rules, 1),
            AfterWrong::Voided {
                voided: vec!["a".into()]
            }
        );
        assert_eq!(
            book.record_wrong(&rules, 1),
            AfterWrong::Refused(EntryGate::NoCode)
        );
        assert_eq!(book.accept("a", 1), None);
        assert!(!book.is_locked());
        // A new code starts a new round of ten.
        issue(&mut book, &rules, "b", 60_000);
        assert_eq!(book.tries_left(&rules), 10);
    }

    #[test]
    fn five_wrong_phone_entries_lock() {
        let rules = phone_rules();
        let mut book = CodeBook::default();
        issue(&mut book, &rules, "a", 0);
        for left in (1..5).rev() {
            assert_eq!(book.record_wrong(&rules, 1), AfterWrong::TriesLeft(left));
        }
        assert_eq!(
            book.record_wrong(&rules, 1),
            AfterWrong::Locked {
                voided: vec!["a".into()]
            }
        );
        assert_eq!(book.gate(1), EntryGate::Locked);
        assert_eq!(
            book.issue(&rules, "b".into(), Channel::Sms, 10 * HOUR_MS),
            Err(SendRefusal::Locked)
        );
    }

    #[test]
    fn email_locks_after_a_hundred_consecutive_wrong_entries() {
        let rules = CodeRules {
            cooldown_ms: 0,
            max_sends_per_hour: 1_000,
            ..email_rules()
        };
        let mut book = CodeBook::default();
        let mut outcome = AfterWrong::TriesLeft(0);
        for round in 0..10u64 {
            issue(&mut book, &rules, &format!("c{round}"), round);
            for _ in 0..10 {
                outcome = book.record_wrong(&rules, round);
            }
        }
        assert!(matches!(outcome, AfterWrong::Locked { .. }));
        assert_eq!(book.failures(), 100);
    }

    #[test]
    fn many_live_codes_do_not_buy_more_than_the_guess_budget() {
        // The policy's worst case: 5 digits, 10 live codes, e-mail's 100-failure lock.
        let rules = CodeRules {
            digits: 5,
            max_valid: 10,
            cooldown_ms: 0,
            max_sends_per_hour: 1_000,
            ..email_rules()
        };
        let mut book = CodeBook::default();
        for i in 0..10u64 {
            issue(&mut book, &rules, &format!("c{i}"), i);
        }
        // Each entry is 10 guesses: 10 entries, not 100, spend the budget.
        assert_eq!(book.tries_left(&rules), 10);
        assert_eq!(book.candidates(10).count(), 10);
        for _ in 0..9 {
            assert!(matches!(
                book.record_wrong(&rules, 10),
                AfterWrong::TriesLeft(_)
            ));
        }
        assert_eq!(book.tries_left(&rules), 1);
        assert!(matches!(
            book.record_wrong(&rules, 10),
            AfterWrong::Locked { .. }
        ));
        assert_eq!(book.failures(), 10);
        assert_eq!(book.accept("c9", 10), None);
    }

    #[test]
    fn the_last_guesses_are_spent_on_the_newest_codes_only() {
        let rules = CodeRules {
            max_valid: 3,
            lock_after: 100,
            cooldown_ms: 0,
            max_sends_per_hour: 1_000,
            ..phone_rules()
        };
        let mut book = CodeBook::default();
        issue(&mut book, &rules, "a", 0);
        for _ in 0..99 {
            book.record_wrong(&rules, 0);
        }
        issue(&mut book, &rules, "b", 1);
        issue(&mut book, &rules, "c", 2);
        // One guess is left: the newest code alone is compared, and an older one is not taken.
        let compared: Vec<_> = book.candidates(3).map(|c| c.id.as_str()).collect();
        assert_eq!(compared, ["c"]);
        assert_eq!(book.accept("a", 3), None);
        assert!(matches!(
            book.record_wrong(&rules, 3),
            AfterWrong::Locked { .. }
        ));
    }

    #[test]
    fn a_typo_with_several_live_codes_costs_one_phone_try() {
        let rules = phone_rules();
        let mut book = CodeBook::default();
        for (i, id) in ["a", "b", "c"].into_iter().enumerate() {
            issue(&mut book, &rules, id, i as u64 * 30_000);
        }
        assert_eq!(book.tries_left(&rules), 5);
        assert_eq!(book.record_wrong(&rules, 60_000), AfterWrong::TriesLeft(4));
    }

    #[test]
    fn sends_wait_for_the_cooldown_and_the_hourly_cap() {
        let rules = phone_rules();
        let mut book = CodeBook::default();
        issue(&mut book, &rules, "a", 0);
        assert_eq!(
            book.issue(&rules, "b".into(), Channel::Sms, 10_000),
            Err(SendRefusal::Cooldown {
                retry_after_ms: 20_000
            })
        );
        assert_eq!(book.next_send_in_ms(&rules, 10_000), 20_000);
        for i in 1..5u64 {
            issue(&mut book, &rules, &format!("c{i}"), i * 30_000);
        }
        assert_eq!(
            book.issue(&rules, "f".into(), Channel::Voice, 200_000),
            Err(SendRefusal::HourlyCap {
                retry_after_ms: HOUR_MS - 200_000
            })
        );
        assert!(
            book.issue(&rules, "f".into(), Channel::Voice, HOUR_MS)
                .is_ok()
        );
    }

    #[test]
    fn expired_codes_are_refused_and_leave_nothing_to_guess() {
        let rules = phone_rules();
        let mut book = CodeBook::default();
        let issued = issue(&mut book, &rules, "a", 0);
        assert_eq!(issued.code.expires_at, 600_000);
        assert_eq!(book.gate(599_999), EntryGate::Open);
        assert_eq!(book.gate(600_000), EntryGate::NoCode);
        assert_eq!(book.accept("a", 600_000), None);
        assert_eq!(
            book.record_wrong(&rules, 600_000),
            AfterWrong::Refused(EntryGate::NoCode)
        );
        assert_eq!(book.failures(), 0);
    }

    #[derive(Clone, Debug)]
    enum Step {
        Wait(u64),
        Send,
        EnterRight(usize),
        EnterWrong,
    }

    fn step() -> impl Strategy<Value = Step> {
        prop_oneof![
            (0u64..400_000).prop_map(Step::Wait),
            Just(Step::Send),
            (0usize..8).prop_map(Step::EnterRight),
            Just(Step::EnterWrong),
        ]
    }

    fn rules() -> impl Strategy<Value = CodeRules> {
        (
            1u32..=10,
            prop_oneof![1u32..=8, Just(crate::attempts::TryLimit::MAX)],
            prop::option::of(1u32..=10),
            0u64..60_000,
            1u32..=6,
        )
            .prop_map(
                |(max_valid, lock_after, void_after, cooldown_ms, max_sends_per_hour)| CodeRules {
                    digits: 6,
                    lifetime_ms: 600_000,
                    max_valid,
                    lock_after,
                    void_after,
                    cooldown_ms,
                    max_sends_per_hour,
                },
            )
    }

    /// What the engine should do, written down independently of it.
    #[derive(Default)]
    struct Model {
        live: Vec<(String, u64)>,
        failures: u32,
        guesses: u32,
        round: u32,
        locked: bool,
    }

    impl Model {
        fn live_at(&self, now: u64) -> Vec<String> {
            self.live
                .iter()
                .filter(|(_, exp)| now < *exp)
                .map(|(id, _)| id.clone())
                .collect()
        }

        /// The codes an entry is compared with: the newest live ones, as many as guesses remain.
        fn compared_at(&self, now: u64) -> Vec<String> {
            let mut live = self.live_at(now);
            live.reverse();
            live.truncate((GUESS_BUDGET - self.guesses) as usize);
            live
        }
    }

    proptest! {
        /// Whatever happens in whatever order, the engine does what the model says: never more
        /// than N valid codes (the oldest pushed out first), a code accepted only while it is
        /// live, unexpired and unused and the method unlocked, and exactly the wrong entries the
        /// rules count (never more than the lock limit), each compared with at most the guesses
        /// left (never more than the budget in all), voiding and locking when they say.
        #[test]
        fn the_engine_follows_the_rules(rules in rules(), steps in prop::collection::vec(step(), 0..120)) {
            let mut book = CodeBook::default();
            let mut model = Model::default();
            let mut now = 0u64;
            let mut sent: Vec<String> = Vec::new();
            for step in steps {
                match step {
                    Step::Wait(ms) => now += ms,
                    Step::Send => {
                        let id = format!("c{}", sent.len());
                        match book.issue(&rules, id.clone(), Channel::Email, now) {
                            Ok(issued) => {
                                prop_assert!(!model.locked);
                                model.live.retain(|(_, exp)| now < *exp);
                                if model.live.is_empty() {
                                    model.round = 0;
                                }
                                let mut pushed_out = Vec::new();
                                while model.live.len() >= rules.max_valid as usize {
                                    pushed_out.push(model.live.remove(0).0);
                                }
                                prop_assert_eq!(issued.voided, pushed_out);
                                prop_assert_eq!(issued.code.expires_at, now + rules.lifetime_ms);
                                model.live.push((id.clone(), issued.code.expires_at));
                                sent.push(id);
                            }
                            Err(SendRefusal::Locked) => prop_assert!(model.locked),
                            Err(_) => prop_assert!(!model.locked),
                        }
                    }
                    Step::EnterRight(pick) => {
                        if let Some(id) = sent.get(pick % sent.len().max(1)).cloned() {
                            let expected = !model.locked && model.compared_at(now).contains(&id);
                            prop_assert_eq!(book.accept(&id, now).is_some(), expected, "accepting {}", id);
                            if expected {
                                model.live.clear();
                                model.failures = 0;
                                model.guesses = 0;
                                model.round = 0;
                            }
                        }
                    }
                    Step::EnterWrong => {
                        let before = book.clone();
                        let outcome = book.record_wrong(&rules, now);
                        if model.locked {
                            prop_assert_eq!(outcome, AfterWrong::Refused(EntryGate::Locked));
                            prop_assert_eq!(&book, &before);
                        } else if model.live_at(now).is_empty() {
                            prop_assert_eq!(outcome, AfterWrong::Refused(EntryGate::NoCode));
                            prop_assert_eq!(&book, &before);
                        } else {
                            let compared = model.compared_at(now);
                            prop_assert_eq!(
                                before.candidates(now).map(|c| c.id.clone()).collect::<Vec<_>>(),
                                compared.clone()
                            );
                            model.failures += 1;
                            model.guesses += compared.len() as u32;
                            model.round += 1;
                            if model.failures >= rules.lock_after || model.guesses >= GUESS_BUDGET {
                                prop_assert!(matches!(outcome, AfterWrong::Locked { .. }), "{:?}", outcome);
                                model.locked = true;
                                model.live.clear();
                            } else if rules.void_after.is_some_and(|n| model.round >= n) {
                                prop_assert!(matches!(outcome, AfterWrong::Voided { .. }), "{:?}", outcome);
                                model.live.clear();
                                model.round = 0;
                            } else {
                                prop_assert!(matches!(outcome, AfterWrong::TriesLeft(_)), "{:?}", outcome);
                            }
                        }
                    }
                }
                prop_assert!(model.live_at(now).len() <= rules.max_valid as usize);
                prop_assert_eq!(book.failures(), model.failures);
                prop_assert!(model.failures <= rules.lock_after);
                prop_assert!(model.guesses <= GUESS_BUDGET, "never more guesses than the budget");
            }
        }
    }
}
