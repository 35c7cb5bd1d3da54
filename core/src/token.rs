//! The signing-link token: `/s#<token>`.
//!
//! A token is 64 random bytes, base64url: the first 32 are the id of the recipient's Durable
//! Object (random, from the runtime), the last 32 a secret from the CSPRNG. The object stores only
//! SHA-256 of the secret. Carrying the object id means a link resolves at the strongly consistent
//! object itself, never through eventually consistent KV, so a link works the moment it is made.

use sha2::{Digest, Sha256};

use crate::encoding::{base64url, constant_time_eq, from_base64url, from_hex, hex};

pub const ID_LEN: usize = 32;
pub const SECRET_LEN: usize = 32;

#[derive(Clone, PartialEq, Eq)]
pub struct LinkToken {
    recipient_id: [u8; ID_LEN],
    secret: [u8; SECRET_LEN],
}

impl std::fmt::Debug for LinkToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LinkToken")
            .field("recipient_id", &self.recipient_id())
            .finish_non_exhaustive()
    }
}

impl LinkToken {
    /// `recipient_id` is the object id in hex as the runtime prints it; `secret` comes from the CSPRNG.
    pub fn new(recipient_id: &str, secret: [u8; SECRET_LEN]) -> Option<Self> {
        let id: [u8; ID_LEN] = from_hex(recipient_id)?.try_into().ok()?;
        Some(Self {
            recipient_id: id,
            secret,
        })
    }

    /// Reads a token from a link; anything malformed is simply no token.
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() != 86 {
            return None;
        }
        let bytes = from_base64url(text)?;
        let (id, secret) = bytes.split_at_checked(ID_LEN)?;
        Some(Self {
            recipient_id: id.try_into().ok()?,
            secret: secret.try_into().ok()?,
        })
    }

    pub fn encode(&self) -> String {
        let mut bytes = Vec::with_capacity(ID_LEN + SECRET_LEN);
        bytes.extend_from_slice(&self.recipient_id);
        bytes.extend_from_slice(&self.secret);
        base64url(&bytes)
    }

    pub fn recipient_id(&self) -> String {
        hex(&self.recipient_id)
    }

    /// What the recipient's object stores instead of the secret.
    pub fn secret_digest(&self) -> String {
        hex(&Sha256::digest(self.secret))
    }

    /// Does this token's secret match the stored digest?
    pub fn matches(&self, stored_digest: &str) -> bool {
        constant_time_eq(self.secret_digest().as_bytes(), stored_digest.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ID: &str = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

    #[test]
    fn a_token_round_trips_and_matches_only_its_own_digest() {
        let token = LinkToken::new(ID, [42; 32]).unwrap();
        let text = token.encode();
        assert_eq!(text.len(), 86);
        let back = LinkToken::parse(&text).unwrap();
        assert_eq!(back.recipient_id(), ID);
        assert!(back.matches(&token.secret_digest()));
        let other = LinkToken::new(ID, [43; 32]).unwrap();
        assert!(!other.matches(&token.secret_digest()));
        assert!(!format!("{token:?}").contains(&token.secret_digest()));
    }

    #[test]
    fn malformed_tokens_are_no_tokens() {
        for bad in ["", "abc", &"A".repeat(85), &"!".repeat(86), &"A".repeat(87)] {
            assert!(LinkToken::parse(bad).is_none(), "{bad}");
        }
        assert!(LinkToken::new("not hex", [0; 32]).is_none());
        assert!(LinkToken::new("abcd", [0; 32]).is_none());
    }
}
