//! Recovery when a signer's devices are lost (SecSign's recovery over two channels). Two factors,
//! both needed, each with its own try limit:
//!
//! 1. the recovery code shown once when the recipient first verified: what the signer kept;
//! 2. then, in the browser that gave it, a one-time code sent to their e-mail address (the code
//!    engine, [`crate::otp`], with a book of its own): they still hold the mailbox.
//!
//! ```text
//!  issued ── the right recovery code, in browser B ──▶ proven in B ── the right e-mail code in B,
//!    │                                                   │            within STEP_MS ──▶ recovered
//!    └── MAX_WRONG_RECOVERY_CODES wrong ──▶ locked ◀──────┘ the e-mail codes' own limit
//! ```
//!
//! The first code goes out with the recipient's first grant (not with the verification: a grant
//! the policy withholds until the device has a passkey would take it along unseen). Recovered, B
//! becomes a device (announced to the others and to the sender like any new one)
//! and the code is spent: a new one is shown there once. Locked ends recovery for this recipient
//! and cancels nothing: where the method may be asked again the signer still can verify, and the
//! sender can always send a new link. The code is kept as a digest (made by the caller, peppered);
//! time and randomness are passed in.

use serde::{Deserialize, Serialize};

use crate::devices::Seen;
use crate::encoding::constant_time_eq;

/// Wrong recovery codes before recovery is locked.
pub const MAX_WRONG_RECOVERY_CODES: u32 = 5;
/// Wrong e-mail codes before recovery is locked: that factor's own limit.
pub const MAX_WRONG_EMAIL_CODES: u32 = 5;
/// How long after the recovery code the e-mail code may complete the recovery.
pub const STEP_MS: u64 = 15 * 60_000;
/// Crockford's base32: no I, L, O or U, so nothing reads as something else.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Characters of a code: 16 of 32 symbols, 80 bits.
const CODE_CHARS: usize = 16;

/// A recovery code from 10 random bytes (80 bits), in four groups to copy: `7KQ2-M9XD-…`.
pub fn code_from(random: [u8; 10]) -> String {
    let bits = random
        .iter()
        .fold(0u128, |bits, byte| bits << 8 | u128::from(*byte));
    let symbols: Vec<char> = (0..CODE_CHARS)
        .rev()
        .map(|i| char::from(ALPHABET[((bits >> (i * 5)) & 31) as usize]))
        .collect();
    symbols
        .chunks(4)
        .map(|group| group.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("-")
}

/// What the signer typed, as the code it can be (Crockford's reading: any case, O for 0, I and L
/// for 1, spaces and dashes ignored), or `None` when it cannot be one: that is not counted.
pub fn normalize(typed: &str) -> Option<String> {
    let mut code = String::with_capacity(CODE_CHARS);
    for c in typed.chars() {
        let c = match c.to_ascii_uppercase() {
            ' ' | '-' => continue,
            'O' => '0',
            'I' | 'L' => '1',
            c => c,
        };
        if !c.is_ascii() || !ALPHABET.contains(&(c as u8)) {
            return None;
        }
        code.push(c);
    }
    (code.len() == CODE_CHARS).then_some(code)
}

/// A recipient's recovery: the code's digest while it is unspent, the wrong tries, and the browser
/// that proved it. Persisted in the recipient's object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recovery {
    /// Whether a code was ever issued: the first goes with the first grant.
    #[serde(default)]
    issued: bool,
    digest: Option<String>,
    wrong: u32,
    proven: Option<Proven>,
    locked: bool,
}

/// A browser that gave the right recovery code, and until when it may give the e-mail code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proven {
    browser: Seen,
    until: u64,
}

/// Why a recovery step is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// No code to recover with: none was issued, or it was spent.
    NoCode,
    /// A factor's tries ran out: no recovery any more.
    Locked,
    /// `tries_left` 0: locked now.
    WrongCode { tries_left: u32 },
    /// This browser has not given the recovery code (or took too long since).
    NotProven,
}

impl Recovery {
    /// A new code (its digest) replaces any earlier one: the first verification's, or the one
    /// shown after a recovery.
    pub fn issue(&mut self, digest: String) {
        self.issued = true;
        self.digest = Some(digest);
        self.proven = None;
    }

    /// Whether the recipient's first code is still to be issued (and shown).
    pub fn first_is_due(&self) -> bool {
        !self.issued
    }

    /// Whether a code may still be used.
    pub fn is_open(&self) -> bool {
        self.digest.is_some() && !self.locked
    }

    pub fn tries_left(&self) -> u32 {
        MAX_WRONG_RECOVERY_CODES.saturating_sub(self.wrong)
    }

    /// The recovery code, by its digest, typed in `browser` at `now`: right, that browser may
    /// give the e-mail code for [`STEP_MS`] (the proof it replaces is returned, to be put back
    /// with [`Self::restore`] if the e-mail code cannot go out); wrong, it counts.
    pub fn prove(
        &mut self,
        digest: &str,
        browser: Seen,
        now: u64,
    ) -> Result<Option<Proven>, Refusal> {
        if self.locked {
            return Err(Refusal::Locked);
        }
        let Some(kept) = &self.digest else {
            return Err(Refusal::NoCode);
        };
        if !constant_time_eq(kept.as_bytes(), digest.as_bytes()) {
            self.wrong += 1;
            if self.wrong >= MAX_WRONG_RECOVERY_CODES {
                self.lock();
            }
            return Err(Refusal::WrongCode {
                tries_left: self.tries_left(),
            });
        }
        Ok(self.proven.replace(Proven {
            browser,
            until: now + STEP_MS,
        }))
    }

    /// Puts back the proof [`Self::prove`] replaced: the new one came to nothing (no e-mail code
    /// went out, and that browser was given no cookie), so the earlier browser keeps its step.
    pub fn restore(&mut self, earlier: Option<Proven>) {
        if !self.locked {
            self.proven = earlier;
        }
    }

    /// Whether the browser presenting `presented` (its cookies' digests) proved the code and may
    /// give the e-mail code at `now`.
    pub fn proven_in(&self, presented: &[String], now: u64) -> Result<(), Refusal> {
        if self.locked {
            return Err(Refusal::Locked);
        }
        match &self.proven {
            Some(proven)
                if now < proven.until
                    && presented.iter().any(|p| {
                        constant_time_eq(p.as_bytes(), proven.browser.cookie.as_bytes())
                    }) =>
            {
                Ok(())
            }
            _ => Err(Refusal::NotProven),
        }
    }

    /// The e-mail code was right in the browser presenting `presented`: recovered. That browser
    /// (to become a device); the code is spent.
    pub fn recovered(&mut self, presented: &[String], now: u64) -> Result<Seen, Refusal> {
        self.proven_in(presented, now)?;
        let proven = self.proven.take().ok_or(Refusal::NotProven)?;
        self.digest = None;
        Ok(proven.browser)
    }

    /// A factor's tries ran out: recovery ends.
    pub fn lock(&mut self) {
        self.locked = true;
        self.proven = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::devices::DeviceLabel;
    use proptest::prelude::*;

    fn browser(cookie: &str) -> Seen {
        Seen {
            cookie: cookie.into(),
            presented: Vec::new(),
            label: DeviceLabel::default(),
        }
    }

    #[test]
    fn codes_are_eighty_bits_in_four_groups_and_read_forgivingly() {
        let code = code_from([0xff; 10]);
        assert_eq!(code, "ZZZZ-ZZZZ-ZZZZ-ZZZZ");
        assert_eq!(code_from([0; 10]), "0000-0000-0000-0000");
        let code = code_from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        assert_eq!(code.len(), 19);
        let plain = code.replace('-', "");
        assert_eq!(normalize(&code).as_deref(), Some(plain.as_str()));
        assert_eq!(
            normalize(&code.to_lowercase().replace('-', " ")).as_deref(),
            Some(plain.as_str())
        );
        assert_eq!(
            normalize("OIL0-0000-0000-0000").as_deref(),
            Some("0110000000000000")
        );
        assert_eq!(normalize("ZZZZ-ZZZZ-ZZZZ-ZZZ"), None, "too short");
        assert_eq!(normalize("ZZZZ-ZZZZ-ZZZZ-ZZZU"), None, "U is not in it");
        assert_eq!(normalize("ZZZZ-ZZZZ-ZZZZ-ZZZЖ"), None);
    }

    #[test]
    fn both_factors_in_one_browser_in_time_recover_once() {
        let mut recovery = Recovery::default();
        assert!(recovery.first_is_due());
        assert_eq!(
            recovery.prove("d", browser("b"), 0),
            Err(Refusal::NoCode),
            "none issued"
        );
        recovery.issue("right".into());
        assert!(!recovery.first_is_due());
        assert_eq!(
            recovery.prove("wrong", browser("b"), 0),
            Err(Refusal::WrongCode { tries_left: 4 })
        );
        assert_eq!(
            recovery.proven_in(&["b".into()], 0),
            Err(Refusal::NotProven)
        );
        assert_eq!(recovery.prove("right", browser("a"), 0), Ok(None));
        let first = recovery.prove("right", browser("b"), 0).unwrap();
        // Had b's e-mail code not gone out, a keeps its step.
        let mut unsent = recovery.clone();
        unsent.restore(Some(first.clone().unwrap()));
        assert_eq!(unsent.proven_in(&["a".into()], 1), Ok(()));
        assert_eq!(unsent.proven_in(&["b".into()], 1), Err(Refusal::NotProven));
        assert_eq!(
            recovery.proven_in(&["other".into()], 1),
            Err(Refusal::NotProven),
            "another browser"
        );
        assert_eq!(
            recovery.proven_in(&["b".into()], STEP_MS),
            Err(Refusal::NotProven),
            "too late"
        );
        assert_eq!(recovery.recovered(&["b".into()], 1).unwrap().cookie, "b");
        assert!(!recovery.is_open(), "spent");
        assert_eq!(
            recovery.recovered(&["b".into()], 2),
            Err(Refusal::NotProven),
            "once"
        );
        assert_eq!(
            recovery.prove("right", browser("b"), 3),
            Err(Refusal::NoCode)
        );
        recovery.issue("next".into());
        assert!(recovery.is_open());
    }

    #[test]
    fn the_codes_limit_or_the_e_mail_codes_ends_recovery() {
        let mut recovery = Recovery::default();
        recovery.issue("right".into());
        for left in (0..MAX_WRONG_RECOVERY_CODES).rev() {
            assert_eq!(
                recovery.prove("wrong", browser("b"), 0),
                Err(Refusal::WrongCode { tries_left: left })
            );
        }
        assert_eq!(
            recovery.prove("right", browser("b"), 0),
            Err(Refusal::Locked)
        );
        let mut recovery = Recovery::default();
        recovery.issue("right".into());
        recovery.prove("right", browser("b"), 0).unwrap();
        recovery.lock();
        assert_eq!(recovery.recovered(&["b".into()], 1), Err(Refusal::Locked));
    }

    proptest! {
        /// Whatever is typed, in whichever browser and when: a recovery happens only after the
        /// right code in that browser within STEP_MS, never after the limit of wrong codes, and
        /// at most once per issued code.
        #[test]
        fn recovery_needs_the_right_code_in_the_same_browser_in_time(
            steps in prop::collection::vec((any::<bool>(), any::<bool>(), 0u8..3, 0u64..40), 0..40),
        ) {
            let mut recovery = Recovery::default();
            recovery.issue("right".into());
            let (mut wrong, mut proven, mut recoveries) = (0u32, None::<(u8, u64)>, 0);
            let mut now = 0;
            for (prove, right, b, minutes) in steps {
                now += minutes * 60_000;
                let name = format!("b{b}");
                if prove {
                    let got = recovery.prove(if right { "right" } else { "wrong" }, browser(&name), now);
                    if got.is_ok() {
                        prop_assert!(right && wrong < MAX_WRONG_RECOVERY_CODES && recoveries == 0);
                        proven = Some((b, now));
                    } else if right {
                        prop_assert!(wrong >= MAX_WRONG_RECOVERY_CODES || recoveries > 0);
                    } else if recoveries == 0 && wrong < MAX_WRONG_RECOVERY_CODES {
                        wrong += 1;
                    }
                } else if recovery.recovered(&[name], now).is_ok() {
                    let (in_browser, at) = proven.expect("proven first");
                    prop_assert_eq!(in_browser, b);
                    prop_assert!(now < at + STEP_MS);
                    recoveries += 1;
                }
                prop_assert!(recoveries <= 1);
            }
        }
    }
}
