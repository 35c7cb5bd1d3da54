//! Accounts live in KV: read on most requests, written rarely by the platform, and a minute of
//! propagation delay after a policy change is acceptable (nothing is counted here).

use signgate_core::policy::Account;
use worker::{Env, Result};

use crate::config::KV_BINDING;

fn key(account_id: &str) -> String {
    format!("account:{account_id}")
}

pub async fn load(env: &Env, account_id: &str) -> Result<Option<Account>> {
    Ok(env
        .kv(KV_BINDING)?
        .get(&key(account_id))
        .cache_ttl(60)
        .json()
        .await?)
}

pub async fn save(env: &Env, account_id: &str, account: &Account) -> Result<()> {
    env.kv(KV_BINDING)?
        .put(&key(account_id), serde_json::to_string(account)?)?
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
