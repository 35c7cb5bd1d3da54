//! Code digests in KV, one key per code (`code:<recipient>:<code id>`), with a TTL matching the
//! code's lifetime. Only the digest is stored (see `signgate_core::otp::code_digest`); whether a
//! code may still be entered is decided by the recipient's object, which also checks expiry
//! itself: KV's TTL only cleans up, and cannot be shorter than 60 seconds.

use serde::{Deserialize, Serialize};
use signgate_core::otp::{self, LiveCode, LiveCodeRef};
use worker::{Env, Result};

use crate::config::KV_BINDING;
use crate::crypto;

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
