//! Accounts live in KV: read on most requests, written rarely by the platform, and a minute of
//! propagation delay after a policy change is acceptable (nothing is counted here). KV itself may
//! serve a read from its cache for up to a minute, so the isolate keeps its own copy for as long
//! and a signer's request usually costs no KV round trip at all.

use std::cell::RefCell;
use std::collections::BTreeMap;

use signgate_core::policy::Account;
use worker::{Env, Result};

use crate::config::{KV_BINDING, now_ms};

const CACHE_MS: u64 = 60_000;
/// Bounds the memory one isolate spends on accounts.
const CACHE_ENTRIES: usize = 256;

type Cache = BTreeMap<String, (u64, Option<Account>)>;

thread_local! {
    static CACHE: RefCell<Cache> = const { RefCell::new(BTreeMap::new()) };
}

fn key(account_id: &str) -> String {
    format!("account:{account_id}")
}

pub async fn load(env: &Env, account_id: &str) -> Result<Option<Account>> {
    let now = now_ms();
    let cached = CACHE.with_borrow(|cache| {
        cache
            .get(account_id)
            .filter(|(at, _)| now < at + CACHE_MS)
            .map(|(_, account)| account.clone())
    });
    if let Some(account) = cached {
        return Ok(account);
    }
    let account: Option<Account> = env
        .kv(KV_BINDING)?
        .get(&key(account_id))
        .cache_ttl(60)
        .json()
        .await?;
    remember(account_id, now, account.clone());
    Ok(account)
}

pub async fn save(env: &Env, account_id: &str, account: &Account) -> Result<()> {
    env.kv(KV_BINDING)?
        .put(&key(account_id), serde_json::to_string(account)?)?
        .execute()
        .await?;
    remember(account_id, now_ms(), Some(account.clone()));
    Ok(())
}

fn remember(account_id: &str, now: u64, account: Option<Account>) {
    CACHE.with_borrow_mut(|cache| {
        if cache.len() >= CACHE_ENTRIES {
            cache.retain(|_, (at, _)| now < *at + CACHE_MS);
        }
        if cache.len() < CACHE_ENTRIES || cache.contains_key(account_id) {
            cache.insert(account_id.to_string(), (now, account));
        }
    });
}

fn reset_key(account_id: &str) -> String {
    format!("account-reset:{account_id}")
}

/// When an administrator last voided every verification of the account. Read from KV on visits of
/// verified e-mail-code recipients only; a reset reaches every location within about a minute.
pub async fn verifications_reset_at(env: &Env, account_id: &str) -> Result<Option<u64>> {
    let value = env
        .kv(KV_BINDING)?
        .get(&reset_key(account_id))
        .text()
        .await?;
    Ok(value.and_then(|v| v.parse().ok()))
}

pub async fn reset_verifications(env: &Env, account_id: &str, at_ms: u64) -> Result<()> {
    env.kv(KV_BINDING)?
        .put(&reset_key(account_id), at_ms.to_string())?
        .execute()
        .await?;
    Ok(())
}

/// Account ids are chosen by the platform: keep them to a safe alphabet.
pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
