//! Code digests in KV, one key per code (`code:<recipient>:<code id>`), with a TTL matching the
//! code's lifetime. Only the digest is stored (see `signgate_core::otp::code_digest`); whether a
//! code may still be entered is decided by the recipient's object, which also checks expiry
//! itself: KV's TTL only cleans up, and cannot be shorter than 60 seconds.

use futures_util::future::join_all;
use serde::{Deserialize, Serialize};
use signgate_core::otp::{self, LiveCode, LiveCodeRef};
use signgate_core::wire::{ApiError, ErrorCode};
use worker::{Env, Result};

use crate::config::{self, KV_BINDING};
use crate::crypto;
use crate::http::{Failure, fail};
use crate::objects::Reply;

/// KV refuses shorter TTLs.
const MIN_TTL_SECS: u64 = 60;

#[derive(Serialize, Deserialize)]
struct Stored {
    digest: String,
    expires_at: u64,
}

fn key(recipient_id: &str, code_id: &str) -> String {
    format!("code:{recipient_id}:{code_id}")
}

/// A fresh code of `digits` digits from the runtime's CSPRNG.
pub fn generate(digits: u8) -> Result<String> {
    loop {
        let bytes = crypto::random_bytes::<16>()?;
        let words: Vec<u32> = bytes
            .chunks_exact(4)
            .map(|w| u32::from_le_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        if let Some(code) = otp::code_from_random(digits, &words) {
            return Ok(code);
        }
    }
}

pub async fn store(
    env: &Env,
    pepper: &[u8],
    recipient_id: &str,
    code: &LiveCode,
    plaintext: &str,
    now_ms: u64,
) -> Result<()> {
    let stored = Stored {
        digest: otp::code_digest(pepper, recipient_id, &code.into(), plaintext),
        expires_at: code.expires_at,
    };
    let ttl = code
        .expires_at
        .saturating_sub(now_ms)
        .div_ceil(1000)
        .max(MIN_TTL_SECS);
    env.kv(KV_BINDING)?
        .put(
            &key(recipient_id, &code.id),
            serde_json::to_string(&stored)?,
        )?
        .expiration_ttl(ttl)
        .execute()
        .await?;
    Ok(())
}

/// Whether `entry` is the code `code`: `None` when its digest cannot be read (KV is eventually
/// consistent across locations; the caller must not count that as a wrong entry).
pub async fn matches(
    env: &Env,
    pepper: &[u8],
    recipient_id: &str,
    code: LiveCodeRef<'_>,
    entry: &str,
    now_ms: u64,
) -> Result<Option<bool>> {
    let stored: Option<Stored> = env
        .kv(KV_BINDING)?
        .get(&key(recipient_id, code.id))
        .json()
        .await?;
    Ok(stored.map(|stored| {
        let digest = otp::code_digest(pepper, recipient_id, &code, entry);
        now_ms < stored.expires_at
            && signgate_core::encoding::constant_time_eq(
                digest.as_bytes(),
                stored.digest.as_bytes(),
            )
    }))
}

/// Deletes digests of codes that can no longer be entered. Best effort: the TTL removes any that
/// stay, and the recipient's object would refuse them anyway.
pub async fn forget(env: &Env, recipient_id: &str, code_ids: &[String]) {
    let Ok(kv) = env.kv(KV_BINDING) else { return };
    for id in code_ids {
        if let Err(error) = kv.delete(&key(recipient_id, id)).await {
            worker::console_error!("deleting a used code's digest failed: {error}");
        }
    }
}

/// Which of `candidates` (the live codes of `scope`: a recipient, a web form's entry) `entry` is,
/// if any. Every candidate is compared, matched or not (so timing says nothing about which),
/// their digests read from KV at once; if one cannot be read there is no verdict at all, so a
/// guess gains nothing while a digest is missing.
pub async fn matching(
    env: &Env,
    scope: &str,
    candidates: &[LiveCode],
    entry: &str,
    now: u64,
) -> Result<Reply<Option<String>>> {
    let pepper = config::code_pepper(env)?;
    let verdicts = join_all(
        candidates
            .iter()
            .map(|code| matches(env, &pepper, scope, code.into(), entry, now)),
    )
    .await;
    let (mut matched, mut unreadable) = (None, false);
    for (code, verdict) in candidates.iter().zip(verdicts) {
        match verdict? {
            Some(true) => matched = matched.or(Some(code.id.clone())),
            Some(false) => {}
            None => unreadable = true,
        }
    }
    if unreadable {
        worker::console_error!("a live code's digest could not be read from KV");
        return Ok(Err(*fail(
            ErrorCode::Internal,
            "Your code could not be checked just now. Please try again in a moment; this did \
             not count as a try.",
        )));
    }
    Ok(Ok(matched))
}

pub fn no_code() -> Failure {
    fail(
        ErrorCode::NoCode,
        "No code is valid now (it expired or was replaced). Please ask for a new one.",
    )
}

/// That wrong entry was one too many: every code is void.
pub fn codes_voided() -> ApiError {
    let mut error = *fail(
        ErrorCode::CodesVoided,
        "That code is not right, and that was too many wrong codes: every code sent to you is \
         void now. Please ask for a new one.",
    );
    error.tries_left = Some(0);
    error
}

pub fn resend_too_soon(message: &str, retry_after_ms: u64) -> ApiError {
    let mut error = *fail(ErrorCode::ResendTooSoon, message);
    error.retry_after_secs = Some(retry_after_ms.div_ceil(1000));
    error
}
