//! Continuing on another device: a verified device offers a one-time link (a QR code and a link),
//! another browser claims it and is shown a code, and the signer types that code on the offering
//! device to confirm. Only then is the new browser one of the recipient's devices
//! ([`crate::devices`]), so a link or QR code seen over a shoulder is not enough: whoever claims it
//! first holds a code only their own screen shows, and the signer's own phone, second, is refused
//! (and tells them so).
//!
//! ```text
//!   offered ── claimed by a browser (once) ──▶ claimed ── its code typed on the offering device ──▶ paired
//!      │                                          │── a wrong code (MAX_WRONG_CODES) ──▶ void
//!      └──────────── PAIRING_MS after the offer, either way ──────────────────────────────▶ void
//! ```
//!
//! One pairing per recipient at a time: a new offer replaces the last. The link's secret is kept as
//! a digest. Time, the digest and the code are passed in.

use serde::{Deserialize, Serialize};

use crate::devices::{DeviceLabel, Seen};
use crate::encoding::constant_time_eq;

/// How long a pairing link works, and a claim waits for its confirmation: both from the offer.
pub const PAIRING_MS: u64 = 5 * 60_000;
/// Wrong codes typed on the offering device before the pairing is void.
pub const MAX_WRONG_CODES: u32 = 3;
/// Digits of the confirmation code.
pub const CODE_DIGITS: usize = 6;

/// A pairing offered by one of the recipient's devices. Persisted in the recipient's object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pairing {
    /// The digest of the link's secret.
    digest: String,
    /// The device that offered it: only it confirms.
    pub from: String,
    expires_at: u64,
    claim: Option<Claim>,
    wrong_codes: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Claim {
    browser: Seen,
    code: String,
}

/// Why a pairing call is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No such link: unknown, claimed already, or expired (one answer for all three).
    Invalid,
    /// Nothing to confirm yet: no browser has claimed the link.
    NotClaimed,
    /// Not the device that offered it.
    NotYours,
    /// A wrong code; `tries_left` 0 means the pairing is void now.
    WrongCode { tries_left: u32 },
}

/// What the offering device sees while it waits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Offered {
    pub expires_in_ms: u64,
    /// The browser that claimed the link, as lists name it.
    pub claimed_by: Option<DeviceLabel>,
}

impl Pairing {
    /// A new pairing offered by the device `from`, its link's secret known by `digest`.
    pub fn offer(from: String, digest: String, now: u64) -> Self {
        Self {
            digest,
            from,
            expires_at: now + PAIRING_MS,
            claim: None,
            wrong_codes: 0,
        }
    }

    /// Whether it may still be claimed or confirmed at `now`.
    pub fn is_live(&self, now: u64) -> bool {
        now < self.expires_at && self.wrong_codes < MAX_WRONG_CODES
    }

    /// The browser `browser` opened the link whose secret has `digest`: it is the one to pair,
    /// once, and shows `code` (random, passed in) for the signer to type on the offering device.
    pub fn claim(
        &mut self,
        digest: &str,
        browser: Seen,
        code: String,
        now: u64,
    ) -> Result<(), Refusal> {
        let genuine = constant_time_eq(digest.as_bytes(), self.digest.as_bytes());
        if !genuine || !self.is_live(now) || self.claim.is_some() {
            return Err(Refusal::Invalid);
        }
        self.claim = Some(Claim { browser, code });
        Ok(())
    }

    /// The device `device` typed `code`: the claiming browser, to become a device, if it is the
    /// offering device and the code is the claimant's. A wrong code counts; the caller drops the
    /// pairing once it is no longer live.
    pub fn confirm(&mut self, device: &str, code: &str, now: u64) -> Result<Seen, Refusal> {
        if !self.is_live(now) {
            return Err(Refusal::Invalid);
        }
        if device != self.from {
            return Err(Refusal::NotYours);
        }
        let claim = self.claim.as_ref().ok_or(Refusal::NotClaimed)?;
        let typed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        if !constant_time_eq(typed.as_bytes(), claim.code.as_bytes()) {
            self.wrong_codes += 1;
            return Err(Refusal::WrongCode {
                tries_left: MAX_WRONG_CODES - self.wrong_codes,
            });
        }
        let browser = claim.browser.clone();
        self.expires_at = now;
        Ok(browser)
    }

    /// What the offering device sees, while the pairing is live.
    pub fn offered(&self, now: u64) -> Option<Offered> {
        self.is_live(now).then(|| Offered {
            expires_in_ms: self.expires_at - now,
            claimed_by: self.claim.as_ref().map(|c| c.browser.label.clone()),
        })
    }

    /// The code the claiming browser shows, to that browser alone (by the verification cookie
    /// it was given when it claimed).
    pub fn code_for(&self, presented: &[String], now: u64) -> Option<&str> {
        let claim = self.claim.as_ref().filter(|_| self.is_live(now))?;
        presented
            .iter()
            .any(|p| constant_time_eq(p.as_bytes(), claim.browser.cookie.as_bytes()))
            .then_some(claim.code.as_str())
    }
}

/// A confirmation code from random bytes (passed in): [`CODE_DIGITS`] decimal digits.
pub fn code_from(random: [u8; 8]) -> String {
    let n = u64::from_le_bytes(random) % 10u64.pow(CODE_DIGITS as u32);
    format!("{n:0width$}", width = CODE_DIGITS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn browser(cookie: &str) -> Seen {
        Seen {
            cookie: cookie.into(),
            presented: Vec::new(),
            label: DeviceLabel::from_user_agent("Mozilla/5.0 (Linux; Android 14) Chrome/130", None),
        }
    }

    #[test]
    fn claimed_once_then_confirmed_with_the_claimants_code_by_the_offering_device() {
        let mut p = Pairing::offer("desk".into(), "d1".into(), 0);
        assert_eq!(p.offered(1).unwrap().claimed_by, None);
        assert_eq!(p.confirm("desk", "123456", 1), Err(Refusal::NotClaimed));
        p.claim("d1", browser("phone"), "123456".into(), 10)
            .unwrap();
        assert_eq!(
            p.claim("d1", browser("thief"), "999999".into(), 11),
            Err(Refusal::Invalid),
            "used once"
        );
        assert_eq!(
            p.offered(12).unwrap().claimed_by.unwrap().platform,
            "Android"
        );
        assert_eq!(p.code_for(&["phone".into()], 12), Some("123456"));
        assert_eq!(p.code_for(&["thief".into()], 12), None);
        assert_eq!(p.confirm("other", "123456", 13), Err(Refusal::NotYours));
        assert_eq!(p.confirm("desk", "123 456", 14).unwrap().cookie, "phone");
        assert!(!p.is_live(14), "done");
        assert_eq!(p.confirm("desk", "123456", 15), Err(Refusal::Invalid));
    }

    #[test]
    fn a_wrong_secret_or_a_late_claim_is_refused_alike() {
        let mut p = Pairing::offer("desk".into(), "d1".into(), 0);
        assert_eq!(
            p.claim("d2", browser("x"), "1".into(), 1),
            Err(Refusal::Invalid)
        );
        assert_eq!(
            p.claim("d1", browser("x"), "1".into(), PAIRING_MS),
            Err(Refusal::Invalid)
        );
        assert_eq!(p.offered(PAIRING_MS), None);
    }

    #[test]
    fn three_wrong_codes_void_it() {
        let mut p = Pairing::offer("desk".into(), "d1".into(), 0);
        p.claim("d1", browser("phone"), "123456".into(), 1).unwrap();
        for left in (0..MAX_WRONG_CODES).rev() {
            assert_eq!(
                p.confirm("desk", "000000", 2),
                Err(Refusal::WrongCode { tries_left: left })
            );
        }
        assert_eq!(p.confirm("desk", "123456", 3), Err(Refusal::Invalid));
        assert_eq!(p.code_for(&["phone".into()], 3), None);
    }

    #[test]
    fn codes_have_six_digits() {
        assert_eq!(code_from([0; 8]), "000000");
        assert_eq!(code_from(u64::MAX.to_le_bytes()), "551615");
    }

    proptest! {
        /// Whatever is typed and whenever, a browser is paired only with its own code, by the
        /// offering device, within the time, and at most once.
        #[test]
        fn pairs_only_with_the_code_in_time_and_once(
            steps in prop::collection::vec(
                (any::<bool>(), prop::sample::select(vec!["123456", "000000", "12345"]), 0u64..400_000),
                1..12,
            ),
        ) {
            let mut p = Pairing::offer("desk".into(), "d1".into(), 0);
            p.claim("d1", browser("phone"), "123456".into(), 0).unwrap();
            let mut paired = 0;
            let mut wrong = 0;
            let mut now = 0;
            for (mine, code, later) in steps {
                now += later / 4;
                let device = if mine { "desk" } else { "other" };
                let live_before = p.is_live(now);
                if let Ok(b) = p.confirm(device, code, now) {
                    prop_assert!(mine && code == "123456" && live_before && now < PAIRING_MS);
                    prop_assert!(wrong < MAX_WRONG_CODES);
                    prop_assert_eq!(b.cookie, "phone");
                    paired += 1;
                } else if mine && live_before && code != "123456" {
                    wrong += 1;
                }
            }
            prop_assert!(paired <= 1);
        }
    }
}
