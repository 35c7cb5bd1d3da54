//! Signed webhooks to the sender's platform.
//!
//! Header `Signgate-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`.
//! Signing the timestamp with the body lets the receiver refuse replays of old deliveries.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::encoding::{constant_time_eq, from_hex, hex};

pub const SIGNATURE_HEADER: &str = "Signgate-Signature";
/// How old a delivery a receiver should still accept.
pub const DEFAULT_TOLERANCE_SECS: u64 = 300;

fn mac(secret: &[u8], timestamp: u64, body: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

pub fn sign(secret: &[u8], timestamp: u64, body: &[u8]) -> String {
    format!("t={timestamp},v1={}", hex(&mac(secret, timestamp, body)))
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WebhookError {
    Malformed,
    BadSignature,
    TooOld,
}

/// What a receiver does; here for our tests and for platforms written in Rust.
pub fn verify(
    secret: &[u8],
    header: &str,
    body: &[u8],
    now_secs: u64,
    tolerance_secs: u64,
) -> Result<(), WebhookError> {
    let mut timestamp = None;
    let mut signature = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", t)) => timestamp = t.parse::<u64>().ok(),
            Some(("v1", v)) => signature = from_hex(v),
            _ => {}
        }
    }
    let (timestamp, signature) = timestamp.zip(signature).ok_or(WebhookError::Malformed)?;
    if !constant_time_eq(&signature, &mac(secret, timestamp, body)) {
        return Err(WebhookError::BadSignature);
    }
    if now_secs.abs_diff(timestamp) > tolerance_secs {
        return Err(WebhookError::TooOld);
    }
    Ok(())
}

/// How a failed delivery is tried again: `first_gap_ms` after the first failure, doubling, never
/// more than `max_gap_ms` apart, until `give_up_after_ms` have passed since it was queued; then it
/// is undeliverable (audited, and kept for the sender to re-send).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryRules {
    pub first_gap_ms: u64,
    pub max_gap_ms: u64,
    pub give_up_after_ms: u64,
}

impl RetryRules {
    /// 10 s, 20 s, 40 s, … then hourly, for a day: a receiver down for a day still gets every
    /// event, about 30 tries each.
    pub const DEFAULT: Self = Self {
        first_gap_ms: 10_000,
        max_gap_ms: 60 * 60 * 1000,
        give_up_after_ms: 24 * 60 * 60 * 1000,
    };

    /// After the `attempts`-th failed try (1 for the first) at `now` of a delivery queued at
    /// `queued_at`: when to try next, or `None` to give up.
    pub fn next_attempt(&self, queued_at: u64, attempts: u32, now: u64) -> Option<u64> {
        if now >= queued_at.saturating_add(self.give_up_after_ms) {
            return None;
        }
        let doublings = attempts.saturating_sub(1).min(40);
        let gap = self
            .first_gap_ms
            .saturating_mul(1 << doublings)
            .min(self.max_gap_ms);
        Some(now.saturating_add(gap))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_day_of_hourly_tries_after_a_quick_start() {
        let rules = RetryRules::DEFAULT;
        let (mut now, mut attempts, mut gaps) = (0, 0, Vec::new());
        while let Some(next) = rules.next_attempt(0, attempts + 1, now) {
            attempts += 1;
            gaps.push(next - now);
            now = next;
        }
        assert_eq!(&gaps[..3], [10_000, 20_000, 40_000]);
        assert_eq!(gaps.last(), Some(&3_600_000));
        assert!(
            now >= 24 * 3_600_000,
            "the last try is a day after the event"
        );
        assert!((25..=40).contains(&attempts), "{attempts} tries");
    }

    proptest! {
        /// Whatever the receiver does, a delivery is tried until a day has passed and never given
        /// up sooner, and no two tries are more than the cap apart.
        #[test]
        fn never_given_up_before_a_day_and_never_an_hour_idle(
            queued_at in 0u64..1 << 45,
            attempts in 1u32..1_000,
            elapsed in 0u64..3 * 24 * 3_600_000,
        ) {
            let rules = RetryRules::DEFAULT;
            let now = queued_at + elapsed;
            match rules.next_attempt(queued_at, attempts, now) {
                None => prop_assert!(elapsed >= rules.give_up_after_ms),
                Some(next) => {
                    prop_assert!(elapsed < rules.give_up_after_ms);
                    prop_assert!(next > now && next - now <= rules.max_gap_ms);
                }
            }
        }
    }

    #[test]
    fn signatures_verify_and_bind_body_and_time() {
        let header = sign(b"s", 1000, b"{}");
        assert_eq!(verify(b"s", &header, b"{}", 1000, 300), Ok(()));
        assert_eq!(
            verify(b"s", &header, b"{ }", 1000, 300),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify(b"x", &header, b"{}", 1000, 300),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify(b"s", &header, b"{}", 1301, 300),
            Err(WebhookError::TooOld)
        );
        let moved = header.replace("t=1000", "t=1001");
        assert_eq!(
            verify(b"s", &moved, b"{}", 1000, 300),
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            verify(b"s", "nonsense", b"{}", 1000, 300),
            Err(WebhookError::Malformed)
        );
    }
}
