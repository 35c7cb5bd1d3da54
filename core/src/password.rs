//! The sender-set password: what a password may be, and how its hash is written down.
//!
//! Stored as PBKDF2-HMAC-SHA256 over HMAC-SHA256(pepper, password). The Workers runtime caps
//! WebCrypto PBKDF2 at 100,000 iterations (OWASP asks 600,000), so a secret pepper and the try limit
//! make up the difference: a stolen database alone cannot be attacked offline. The parameters live
//! in the hash string (`$pbkdf2-sha256$v=1$i=100000,p=1$salt$hash`): checks use the stored
//! iterations, so new hashes can use more later without breaking old ones.
//! The PBKDF2 itself runs in the worker (WebCrypto); everything around it is here.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::encoding::{base64url, from_base64url};

/// Iterations used for new hashes: the most the Workers runtime allows.
pub const PBKDF2_ITERATIONS: u32 = 100_000;
pub const SALT_LEN: usize = 16;
pub const HASH_LEN: usize = 32;
/// Longer passwords are refused before any hashing, so nobody can make us hash megabytes.
pub const MAX_LEN: usize = 64;

/// The strength an account demands of passwords senders set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct PasswordStrength {
    pub min_length: u8,
    /// At least one letter and one digit.
    pub require_letters_and_digits: bool,
}

impl Default for PasswordStrength {
    fn default() -> Self {
        Self {
            min_length: 8,
            require_letters_and_digits: true,
        }
    }
}

/// Why a password cannot be used. Shown to the sender when they set it, or to the signer when
/// what they typed cannot be a password at all (such entries are not counted as tries).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PasswordProblem {
    Empty,
    TooShort {
        min: u8,
    },
    TooLong {
        max: usize,
    },
    /// Only the letters A–Z, a–z and the digits 0–9 are allowed.
    NotLettersAndDigits,
    NeedsLettersAndDigits,
}

impl std::fmt::Display for PasswordProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Empty => write!(f, "the password is empty"),
            Self::TooShort { min } => write!(f, "the password must have at least {min} characters"),
            Self::TooLong { max } => write!(f, "the password must have at most {max} characters"),
            Self::NotLettersAndDigits => write!(
                f,
                "the password may contain only the letters A-Z, a-z and the digits 0-9"
            ),
            Self::NeedsLettersAndDigits => {
                write!(f, "the password must contain both letters and digits")
            }
        }
    }
}

/// Checks what a signer typed: could it be a password at all? (No strength rules: those bind the
/// sender, and telling the signer about them would help a guesser.)
pub fn check_entry(password: &str) -> Result<(), PasswordProblem> {
    if password.is_empty() {
        return Err(PasswordProblem::Empty);
    }
    if password.len() > MAX_LEN {
        return Err(PasswordProblem::TooLong { max: MAX_LEN });
    }
    if !password.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(PasswordProblem::NotLettersAndDigits);
    }
    Ok(())
}

/// Checks a password a sender sets against the account's strength policy.
pub fn check_new(password: &str, strength: &PasswordStrength) -> Result<(), PasswordProblem> {
    check_entry(password)?;
    if password.len() < usize::from(strength.min_length) {
        return Err(PasswordProblem::TooShort {
            min: strength.min_length,
        });
    }
    let has_letter = password.bytes().any(|b| b.is_ascii_alphabetic());
    let has_digit = password.bytes().any(|b| b.is_ascii_digit());
    if strength.require_letters_and_digits && !(has_letter && has_digit) {
        return Err(PasswordProblem::NeedsLettersAndDigits);
    }
    Ok(())
}

/// The PBKDF2 input: HMAC-SHA256 keyed with the pepper (a Worker secret), so the stored hash is
/// useless without it.
pub fn peppered(pepper: &[u8], password: &str) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(pepper).expect("HMAC takes keys of any length");
    mac.update(password.as_bytes());
    mac.finalize().into_bytes().into()
}

/// A stored password hash with the parameters that made it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordHash {
    pub iterations: u32,
    /// Which pepper made it, so a future pepper rotation can tell old hashes from new.
    pub pepper_version: u32,
    pub salt: Vec<u8>,
    pub hash: Vec<u8>,
}

const PREFIX: &str = "$pbkdf2-sha256$v=1$";

impl PasswordHash {
    pub fn encode(&self) -> String {
        format!(
            "{PREFIX}i={},p={}${}${}",
            self.iterations,
            self.pepper_version,
            base64url(&self.salt),
            base64url(&self.hash)
        )
    }

    pub fn parse(text: &str) -> Option<Self> {
        let rest = text.strip_prefix(PREFIX)?;
        let mut parts = rest.split('$');
        let (params, salt, hash) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let (iterations, pepper_version) = params.split_once(',')?;
        let hash = Self {
            iterations: iterations.strip_prefix("i=")?.parse().ok()?,
            pepper_version: pepper_version.strip_prefix("p=")?.parse().ok()?,
            salt: from_base64url(salt)?,
            hash: from_base64url(hash)?,
        };
        (hash.iterations > 0 && !hash.salt.is_empty() && hash.hash.len() == HASH_LEN)
            .then_some(hash)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_must_be_letters_and_digits_of_sane_length() {
        assert_eq!(check_entry(""), Err(PasswordProblem::Empty));
        assert_eq!(
            check_entry("abc 123"),
            Err(PasswordProblem::NotLettersAndDigits)
        );
        assert_eq!(
            check_entry("äbc123"),
            Err(PasswordProblem::NotLettersAndDigits)
        );
        assert_eq!(
            check_entry(&"a".repeat(65)),
            Err(PasswordProblem::TooLong { max: 64 })
        );
        assert_eq!(check_entry("x"), Ok(()));
    }

    #[test]
    fn new_passwords_meet_the_strength_policy() {
        let strength = PasswordStrength::default();
        assert_eq!(
            check_new("abc123", &strength),
            Err(PasswordProblem::TooShort { min: 8 })
        );
        assert_eq!(
            check_new("abcdefgh", &strength),
            Err(PasswordProblem::NeedsLettersAndDigits)
        );
        assert_eq!(
            check_new("12345678", &strength),
            Err(PasswordProblem::NeedsLettersAndDigits)
        );
        assert_eq!(check_new("Sunrise2026", &strength), Ok(()));
        let lax = PasswordStrength {
            min_length: 4,
            require_letters_and_digits: false,
        };
        assert_eq!(check_new("abcd", &lax), Ok(()));
    }

    #[test]
    fn the_pepper_changes_the_input() {
        assert_ne!(
            peppered(b"one", "Sunrise2026"),
            peppered(b"two", "Sunrise2026")
        );
        assert_eq!(
            peppered(b"one", "Sunrise2026"),
            peppered(b"one", "Sunrise2026")
        );
    }

    #[test]
    fn hash_strings_round_trip_and_keep_their_parameters() {
        let hash = PasswordHash {
            iterations: 100_000,
            pepper_version: 1,
            salt: vec![7; 16],
            hash: vec![9; 32],
        };
        let text = hash.encode();
        assert!(text.starts_with("$pbkdf2-sha256$v=1$i=100000,p=1$"));
        assert_eq!(PasswordHash::parse(&text), Some(hash.clone()));
        for bad in [
            "",
            "$pbkdf2-sha256$v=1$i=0,p=1$AAAA$AAAA",
            "$bcrypt$x",
            &format!("{text}$more"),
        ] {
            assert_eq!(PasswordHash::parse(bad), None, "{bad}");
        }
    }
}
