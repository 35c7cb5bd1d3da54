//! Secrets and settings from the environment (Worker secrets in production, `.dev.vars` or
//! `--var` locally), and the clock.

use worker::{Env, Result};

pub const KV_BINDING: &str = "KV";
pub const RECIPIENTS_BINDING: &str = "RECIPIENTS";
pub const AGREEMENTS_BINDING: &str = "AGREEMENTS";
pub const ASSETS_BINDING: &str = "ASSETS";
pub const DEV_OUTBOX_BINDING: &str = "DEV_OUTBOX";
pub const SIGNER_PASSKEYS_BINDING: &str = "SIGNER_PASSKEYS";
pub const WEB_FORMS_BINDING: &str = "WEB_FORMS";
/// Cloudflare's rate limiter: sends per client IP, an outer throttle only (per location,
/// approximate); the exact per-recipient limits live in the recipient's object.
pub const SEND_LIMITER_BINDING: &str = "CODE_SEND_LIMITER";
pub const CHECK_LIMITER_BINDING: &str = "CHECK_LIMITER";

/// Stored in every hash. Rotating the pepper (not built yet) would keep the old one under its
/// version so old hashes still check.
pub const PEPPER_VERSION: u32 = 1;

fn secret(env: &Env, name: &str) -> Result<String> {
    let value = setting(env, name)
        .ok_or_else(|| worker::Error::RustError(format!("the secret {name} is not set")))?;
    if value.len() < 16 {
        return Err(worker::Error::RustError(format!(
            "the secret {name} must have at least 16 characters"
        )));
    }
    Ok(value)
}

pub fn admin_api_key(env: &Env) -> Result<String> {
    secret(env, "ADMIN_API_KEY")
}

pub fn password_pepper(env: &Env) -> Result<Vec<u8>> {
    secret(env, "PASSWORD_PEPPER").map(String::into_bytes)
}

/// Code digests use the same pepper as passwords, under their own HMAC domain
/// (`signgate_core::otp::code_digest`).
pub fn code_pepper(env: &Env) -> Result<Vec<u8>> {
    password_pepper(env)
}

pub fn grant_signing_key(env: &Env) -> Result<Vec<u8>> {
    secret(env, "GRANT_SIGNING_KEY").map(String::into_bytes)
}

pub fn webhook_secret(env: &Env) -> Result<Vec<u8>> {
    secret(env, "WEBHOOK_SECRET").map(String::into_bytes)
}

fn flag(env: &Env, name: &str) -> bool {
    env.var(name).is_ok_and(|v| v.to_string() == "true")
}

/// Plain-http webhook and continue URLs to loopback hosts: local development and tests only.
pub fn allow_loopback_http(env: &Env) -> bool {
    flag(env, "DEV_ALLOW_LOOPBACK_HTTP")
}

/// Codes by every channel go to the dev outbox (a page of the running stack that shows them to
/// anyone) instead of a carrier or mail service. Local development and tests only, so it takes
/// two settings: `CODE_DELIVERY=outbox` and the development flag `DEV_ALLOW_LOOPBACK_HTTP`.
pub fn dev_outbox_enabled(env: &Env) -> bool {
    allow_loopback_http(env)
        && env
            .var("CODE_DELIVERY")
            .is_ok_and(|v| v.to_string() == "outbox")
}

/// Local development and tests only: codes live this many seconds instead of the policy's
/// minutes, so expiry can be tried without waiting ten minutes.
pub fn dev_code_lifetime_ms(env: &Env) -> Option<u64> {
    dev_seconds_ms(env, "DEV_CODE_LIFETIME_SECONDS")
}

/// Local development and tests only: an ID check's window lasts this many seconds instead of the
/// policy's minutes, so its closing can be tried without waiting a quarter of an hour.
pub fn dev_id_session_ms(env: &Env) -> Option<u64> {
    dev_seconds_ms(env, "DEV_ID_SESSION_SECONDS")
}

/// Local development and tests only: Signer Identity Reports are kept this many seconds instead
/// of the policy's days, so their erasure by retention can be tried.
pub fn dev_id_report_retention_ms(env: &Env) -> Option<u64> {
    dev_seconds_ms(env, "DEV_ID_REPORT_RETENTION_SECONDS")
}

/// How failed webhooks are retried. Tests may make a day last `DEV_WEBHOOK_GIVE_UP_SECONDS`
/// (retries a second apart), on a development stack only.
pub fn webhook_retry_rules(env: &Env) -> signgate_core::webhook::RetryRules {
    match dev_seconds_ms(env, "DEV_WEBHOOK_GIVE_UP_SECONDS") {
        Some(give_up_after_ms) => signgate_core::webhook::RetryRules {
            first_gap_ms: 1000,
            max_gap_ms: 1000,
            give_up_after_ms,
        },
        None => signgate_core::webhook::RetryRules::DEFAULT,
    }
}

/// How long repeated refusals of a link are counted before their count is written: an hour, or
/// `DEV_REFUSAL_WINDOW_SECONDS` on a development stack (tests).
pub fn refusal_window_ms(env: &Env) -> u64 {
    dev_seconds_ms(env, "DEV_REFUSAL_WINDOW_SECONDS")
        .unwrap_or(signgate_core::audit::RefusalWindow::LENGTH_MS)
}

/// A fault a test injects by name (`DEV_FAULT`), on a development stack only: the code fails at
/// that point as a crash would, to prove what survives it.
pub fn dev_fault(env: &Env, name: &str) -> bool {
    allow_loopback_http(env) && setting(env, "DEV_FAULT").is_some_and(|fault| fault == name)
}

/// An optional setting (a var or a secret); `None` when unset or empty.
pub fn setting(env: &Env, name: &str) -> Option<String> {
    env.secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))
        .ok()
        .filter(|v| !v.is_empty())
}

/// PBKDF2 iterations for new password hashes. Production Workers cap WebCrypto at 100,000.
pub fn pbkdf2_iterations(env: &Env) -> u32 {
    positive_number(env, "PASSWORD_PBKDF2_ITERATIONS")
        .and_then(|n| u32::try_from(n).ok())
        .unwrap_or(signgate_core::password::PBKDF2_ITERATIONS)
}

/// A test's shortened time (`DEV_…_SECONDS`) in milliseconds, on a development stack only: a
/// production Worker with a stray `DEV_` setting keeps the real times.
fn dev_seconds_ms(env: &Env, name: &str) -> Option<u64> {
    positive_number(env, name)
        .filter(|_| allow_loopback_http(env))
        .map(|secs| secs * 1000)
}

/// A setting that must be a whole number above zero; `None` when unset or anything else.
fn positive_number(env: &Env, name: &str) -> Option<u64> {
    setting(env, name)
        .and_then(|v| v.parse().ok())
        .filter(|n| *n > 0)
}

/// The origin signing links point at; the request's own origin when unset.
pub fn public_origin(env: &Env) -> Option<String> {
    env.var("PUBLIC_ORIGIN")
        .ok()
        .map(|v| v.to_string().trim_end_matches('/').to_string())
        .filter(|v| !v.is_empty())
}

/// The origin links and callbacks point at: `PUBLIC_ORIGIN`, or the request's own.
pub fn origin(env: &Env, req: &worker::Request) -> Result<String> {
    match public_origin(env) {
        Some(origin) => Ok(origin),
        None => Ok(req.url()?.origin().ascii_serialization()),
    }
}

/// A provider's API base from `name`, or `default`, without its trailing slash; `None` unless it
/// is `https` (plain `http` to loopback only on a development stack): what signers send a
/// provider never goes anywhere else.
pub fn provider_api_base(env: &Env, name: &str, default: &str) -> Option<String> {
    let base = setting(env, name)
        .unwrap_or_else(|| default.into())
        .trim_end_matches('/')
        .to_string();
    signgate_core::validate::url(name, &base, allow_loopback_http(env)).ok()?;
    Some(base)
}

pub fn now_ms() -> u64 {
    worker::Date::now().as_millis()
}
