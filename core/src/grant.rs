//! The access grant a verified recipient receives: a JWT signed with HS256, so the e-sign platform
//! can check it with any JWT library and the shared `GRANT_SIGNING_KEY`.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::encoding::{base64url, constant_time_eq, from_base64url};

/// Short on purpose: the platform trades the grant for its own session straight away.
pub const GRANT_LIFETIME_SECS: u64 = 300;
pub const ISSUER: &str = "signgate";
const HEADER: &str = r#"{"alg":"HS256","typ":"JWT"}"#;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct GrantClaims {
    pub iss: String,
    /// The recipient id.
    pub sub: String,
    pub agreement_id: String,
    /// How the recipient proved who they are (RFC 8176 values, e.g. `pwd`).
    pub amr: Vec<String>,
    pub iat: u64,
    pub exp: u64,
    /// Unique per grant, so the platform can refuse a replay.
    pub jti: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GrantError {
    Malformed,
    BadSignature,
    Expired,
    WrongIssuer,
}

fn mac(key: &[u8], signing_input: &str) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(signing_input.as_bytes());
    mac.finalize().into_bytes().to_vec()
}

pub fn sign(claims: &GrantClaims, key: &[u8]) -> String {
    let payload = serde_json::to_vec(claims).expect("claims serialise");
    let signing_input = format!("{}.{}", base64url(HEADER.as_bytes()), base64url(&payload));
    let signature = base64url(&mac(key, &signing_input));
    format!("{signing_input}.{signature}")
}

pub fn verify(token: &str, key: &[u8], now_secs: u64) -> Result<GrantClaims, GrantError> {
    let (signing_input, signature) = token.rsplit_once('.').ok_or(GrantError::Malformed)?;
    let (header, payload) = signing_input.split_once('.').ok_or(GrantError::Malformed)?;
    // Only our own header is accepted: no `alg: none`, no algorithm confusion.
    if from_base64url(header).as_deref() != Some(HEADER.as_bytes()) {
        return Err(GrantError::Malformed);
    }
    let signature = from_base64url(signature).ok_or(GrantError::Malformed)?;
    if !constant_time_eq(&signature, &mac(key, signing_input)) {
        return Err(GrantError::BadSignature);
    }
    let payload = from_base64url(payload).ok_or(GrantError::Malformed)?;
    let claims: GrantClaims =
        serde_json::from_slice(&payload).map_err(|_| GrantError::Malformed)?;
    if claims.iss != ISSUER {
        return Err(GrantError::WrongIssuer);
    }
    if now_secs >= claims.exp {
        return Err(GrantError::Expired);
    }
    Ok(claims)
}

/// Fresh grants a verified link may ask for (a reload, or coming back after the five minutes):
/// at most [`Self::PER_HOUR`] in any hour, so a verified link is no grant mill.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reissues {
    /// When grants were reissued in the last hour.
    at: Vec<u64>,
}

impl Reissues {
    pub const PER_HOUR: usize = 10;
    const HOUR_MS: u64 = 60 * 60 * 1000;

    /// One more at `now` if the hour allows it; otherwise how long until it does.
    pub fn take(&mut self, now: u64) -> Result<(), u64> {
        self.at.retain(|&at| now < at.saturating_add(Self::HOUR_MS));
        if self.at.len() >= Self::PER_HOUR {
            let oldest = self.at.iter().min().copied().unwrap_or(now);
            return Err(oldest.saturating_add(Self::HOUR_MS).saturating_sub(now));
        }
        self.at.push(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Whatever the timing, no hour ever holds more than `PER_HOUR` reissues, and a refusal
        /// names a wait after which one is allowed.
        #[test]
        fn no_hour_holds_more_than_the_cap(gaps in prop::collection::vec(0u64..900_000, 0..200)) {
            let mut reissues = Reissues::default();
            let (mut now, mut granted) = (0u64, Vec::new());
            for gap in gaps {
                now += gap;
                match reissues.take(now) {
                    Ok(()) => granted.push(now),
                    Err(wait) => {
                        prop_assert!(wait > 0 && wait <= Reissues::HOUR_MS);
                        let mut later = reissues.clone();
                        prop_assert!(later.take(now + wait).is_ok());
                    }
                }
                let in_hour = granted.iter().filter(|&&at| now < at + Reissues::HOUR_MS).count();
                prop_assert!(in_hour <= Reissues::PER_HOUR);
            }
        }
    }

    fn claims() -> GrantClaims {
        GrantClaims {
            iss: ISSUER.into(),
            sub: "r1".into(),
            agreement_id: "a1".into(),
            amr: vec!["pwd".into()],
            iat: 1000,
            exp: 1000 + GRANT_LIFETIME_SECS,
            jti: "j1".into(),
        }
    }

    #[test]
    fn a_grant_verifies_until_it_expires() {
        let token = sign(&claims(), b"key");
        assert_eq!(verify(&token, b"key", 1000), Ok(claims()));
        assert_eq!(verify(&token, b"key", 1300), Err(GrantError::Expired));
    }

    #[test]
    fn forged_or_altered_grants_fail() {
        let token = sign(&claims(), b"key");
        assert_eq!(
            verify(&token, b"other", 1000),
            Err(GrantError::BadSignature)
        );
        let mut forged = claims();
        forged.sub = "r2".into();
        let forged_payload = base64url(&serde_json::to_vec(&forged).unwrap());
        let parts: Vec<&str> = token.split('.').collect();
        let tampered = format!("{}.{}.{}", parts[0], forged_payload, parts[2]);
        assert_eq!(
            verify(&tampered, b"key", 1000),
            Err(GrantError::BadSignature)
        );
        let none_alg = format!("{}.{}.", base64url(br#"{"alg":"none"}"#), parts[1]);
        assert_eq!(verify(&none_alg, b"key", 1000), Err(GrantError::Malformed));
        assert_eq!(verify("garbage", b"key", 1000), Err(GrantError::Malformed));
    }
}
