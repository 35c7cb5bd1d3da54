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

#[cfg(test)]
mod tests {
    use super::*;

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
