//! Attempt limiting as a pure state machine.
//!
//! ```text
//!            failure (failures + 1 < limit)
//!          ┌──────────────┐
//!          v              │
//!   ┌──────────────────────────┐   failure (failures + 1 == limit)   ┌────────┐
//!   │ Open { failures }        │ ──────────────────────────────────> │ Locked │  every attempt refused,
//!   └──────────────────────────┘                                     └────────┘  even a right one
//!          │ after THROTTLE_AFTER consecutive failures, each further attempt waits
//!          v 2^(n - THROTTLE_AFTER) seconds (capped): this is what keeps "unlimited" safe
//! ```
//!
//! The caller persists [`Attempts`] (in the recipient's Durable Object, so the count is exact under
//! concurrency) and asks [`Attempts::gate`] before doing the expensive check.

use serde::{Deserialize, Serialize};

/// How many wrong entries a method allows before it locks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(try_from = "TryLimitRepr", into = "TryLimitRepr")]
pub enum TryLimit {
    /// Lock after this many wrong entries (1..=[`TryLimit::MAX`]).
    Limited(u32),
    /// No limit of the account's own: attempts are throttled, and still lock at NIST's
    /// [`TryLimit::MAX`] consecutive failures, so a link that lives a year is no endless oracle.
    Unlimited,
}

impl TryLimit {
    /// NIST SP 800-63B caps consecutive failures at 100 per account.
    pub const MAX: u32 = 100;
}

#[derive(Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(untagged)]
enum TryLimitRepr {
    Count(u32),
    Word(String),
}

impl TryFrom<TryLimitRepr> for TryLimit {
    type Error = String;
    fn try_from(repr: TryLimitRepr) -> Result<Self, Self::Error> {
        match repr {
            TryLimitRepr::Count(n) if (1..=TryLimit::MAX).contains(&n) => Ok(TryLimit::Limited(n)),
            TryLimitRepr::Count(n) => Err(format!(
                "a try limit must be between 1 and {} (got {n}), or \"unlimited\"",
                TryLimit::MAX
            )),
            TryLimitRepr::Word(w) if w == "unlimited" => Ok(TryLimit::Unlimited),
            TryLimitRepr::Word(w) => Err(format!(
                "unknown try limit {w:?}: use a number or \"unlimited\""
            )),
        }
    }
}

impl From<TryLimit> for TryLimitRepr {
    fn from(limit: TryLimit) -> Self {
        match limit {
            TryLimit::Limited(n) => TryLimitRepr::Count(n),
            TryLimit::Unlimited => TryLimitRepr::Word("unlimited".into()),
        }
    }
}

/// Consecutive failures after which each further attempt has to wait.
pub const THROTTLE_AFTER: u32 = 5;
/// The longest wait between two attempts.
pub const MAX_THROTTLE_MS: u64 = 15 * 60 * 1000;

/// Whether an attempt may be checked now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Gate {
    Open,
    Throttled { retry_after_ms: u64 },
    Locked,
}

/// What a recorded failure led to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterFailure {
    /// More tries remain (`None`: unlimited).
    TriesLeft(Option<u32>),
    /// That was the last one: the method is locked now.
    Locked,
    /// The gate was not open, so nothing was counted.
    Refused(Gate),
}

/// The persisted attempt state of one method for one recipient.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attempts {
    failures: u32,
    last_failure_ms: u64,
    locked: bool,
}

impl Attempts {
    pub fn failures(&self) -> u32 {
        self.failures
    }

    pub fn is_locked(&self) -> bool {
        self.locked
    }

    /// Tries left before locking; `None` when the limit is unlimited.
    pub fn tries_left(&self, limit: TryLimit) -> Option<u32> {
        match limit {
            TryLimit::Limited(n) => Some(n.saturating_sub(self.failures)),
            TryLimit::Unlimited => None,
        }
    }

    pub fn gate(&self, now_ms: u64) -> Gate {
        if self.locked {
            return Gate::Locked;
        }
        if self.failures >= THROTTLE_AFTER {
            let wait = throttle_ms(self.failures);
            let allowed_at = self.last_failure_ms.saturating_add(wait);
            if now_ms < allowed_at {
                return Gate::Throttled {
                    retry_after_ms: allowed_at - now_ms,
                };
            }
        }
        Gate::Open
    }

    /// Count one wrong entry, unless the gate is closed (then nothing changes).
    pub fn record_failure(&mut self, limit: TryLimit, now_ms: u64) -> AfterFailure {
        let gate = self.gate(now_ms);
        if gate != Gate::Open {
            return AfterFailure::Refused(gate);
        }
        self.failures += 1;
        self.last_failure_ms = now_ms;
        let lock_at = match limit {
            TryLimit::Limited(n) => n,
            TryLimit::Unlimited => TryLimit::MAX,
        };
        if self.failures >= lock_at {
            self.locked = true;
            return AfterFailure::Locked;
        }
        AfterFailure::TriesLeft(self.tries_left(limit))
    }

    /// Lock from outside (the agreement was cancelled for another reason).
    pub fn lock(&mut self) {
        self.locked = true;
    }
}

/// 2^(failures - THROTTLE_AFTER) seconds, capped at [`MAX_THROTTLE_MS`].
fn throttle_ms(failures: u32) -> u64 {
    let exponent = failures.saturating_sub(THROTTLE_AFTER).min(20);
    (1000u64 << exponent).min(MAX_THROTTLE_MS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn five_wrong_entries_lock_and_the_sixth_is_refused() {
        let mut a = Attempts::default();
        let limit = TryLimit::Limited(5);
        for left in (1..5).rev() {
            assert_eq!(
                a.record_failure(limit, 0),
                AfterFailure::TriesLeft(Some(left))
            );
        }
        assert_eq!(a.record_failure(limit, 0), AfterFailure::Locked);
        assert_eq!(a.gate(u64::MAX), Gate::Locked);
        assert_eq!(
            a.record_failure(limit, 0),
            AfterFailure::Refused(Gate::Locked)
        );
        assert_eq!(a.failures(), 5);
    }

    /// NIST SP 800-63B-4: an "unlimited" limit still locks at 100 consecutive failures, however
    /// patiently they are spread over the throttle's waits.
    #[test]
    fn unlimited_locks_at_the_hundredth_consecutive_failure() {
        let mut a = Attempts::default();
        let mut now = 0;
        for _ in 1..TryLimit::MAX {
            now += MAX_THROTTLE_MS;
            assert_eq!(
                a.record_failure(TryLimit::Unlimited, now),
                AfterFailure::TriesLeft(None)
            );
        }
        now += MAX_THROTTLE_MS;
        assert_eq!(
            a.record_failure(TryLimit::Unlimited, now),
            AfterFailure::Locked
        );
        assert_eq!(a.gate(u64::MAX), Gate::Locked);
        assert_eq!(a.failures(), TryLimit::MAX);
    }

    #[test]
    fn unlimited_throttles_with_growing_waits() {
        let mut a = Attempts::default();
        let mut now = 0;
        for _ in 0..THROTTLE_AFTER {
            assert_eq!(
                a.record_failure(TryLimit::Unlimited, now),
                AfterFailure::TriesLeft(None)
            );
        }
        assert_eq!(
            a.gate(now),
            Gate::Throttled {
                retry_after_ms: 1000
            }
        );
        assert!(matches!(
            a.record_failure(TryLimit::Unlimited, now + 999),
            AfterFailure::Refused(_)
        ));
        now += 1000;
        assert_eq!(
            a.record_failure(TryLimit::Unlimited, now),
            AfterFailure::TriesLeft(None)
        );
        assert_eq!(
            a.gate(now),
            Gate::Throttled {
                retry_after_ms: 2000
            }
        );
        for _ in 0..40 {
            now += MAX_THROTTLE_MS;
            a.record_failure(TryLimit::Unlimited, now);
        }
        assert_eq!(
            a.gate(now),
            Gate::Throttled {
                retry_after_ms: MAX_THROTTLE_MS
            }
        );
        assert!(!a.is_locked());
    }

    #[test]
    fn try_limits_read_as_numbers_or_unlimited() {
        let five: TryLimit = serde_json::from_str("5").unwrap();
        assert_eq!(five, TryLimit::Limited(5));
        let free: TryLimit = serde_json::from_str("\"unlimited\"").unwrap();
        assert_eq!(free, TryLimit::Unlimited);
        assert!(serde_json::from_str::<TryLimit>("0").is_err());
        assert!(serde_json::from_str::<TryLimit>("101").is_err());
        assert!(serde_json::from_str::<TryLimit>("\"lots\"").is_err());
        assert_eq!(
            serde_json::to_string(&TryLimit::Unlimited).unwrap(),
            "\"unlimited\""
        );
    }

    proptest! {
        /// Whatever the order and timing of attempts, never more than `limit` failures are counted,
        /// and once locked nothing is ever counted again.
        #[test]
        fn never_counts_more_than_the_limit(limit in 1u32..=12, steps in prop::collection::vec(0u64..5_000, 0..80)) {
            let limit = TryLimit::Limited(limit);
            let mut a = Attempts::default();
            let mut now = 0u64;
            let mut was_locked = false;
            for step in steps {
                now += step;
                let before = a;
                let outcome = a.record_failure(limit, now);
                if was_locked {
                    prop_assert_eq!(outcome, AfterFailure::Refused(Gate::Locked));
                    prop_assert_eq!(a, before);
                }
                let TryLimit::Limited(max) = limit else { unreachable!() };
                prop_assert!(a.failures() <= max);
                was_locked = a.is_locked();
            }
        }

        /// A refused attempt changes nothing; an open one counts exactly one.
        #[test]
        fn each_open_attempt_counts_exactly_one(steps in prop::collection::vec(0u64..3_000, 0..60)) {
            let mut a = Attempts::default();
            let mut now = 0u64;
            for step in steps {
                now += step;
                let before = a;
                match a.record_failure(TryLimit::Unlimited, now) {
                    AfterFailure::Refused(_) => prop_assert_eq!(a, before),
                    _ => prop_assert_eq!(a.failures(), before.failures() + 1),
                }
            }
        }
    }
}
