//! Secrets and settings from the environment (Worker secrets in production, `.dev.vars` or
//! `--var` locally), and the clock.

use worker::{Env, Result};

pub const KV_BINDING: &str = "KV";
pub const RECIPIENTS_BINDING: &str = "RECIPIENTS";
pub const AGREEMENTS_BINDING: &str = "AGREEMENTS";
pub const ASSETS_BINDING: &str = "ASSETS";

/// Stored in every hash. Rotating the pepper (not built yet) would keep the old one under its
/// version so old hashes still check.
pub const PEPPER_VERSION: u32 = 1;

fn secret(env: &Env, name: &str) -> Result<String> {
    let value = env
        .secret(name)
        .map(|s| s.to_string())
        .or_else(|_| env.var(name).map(|v| v.to_string()))?;
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

/// PBKDF2 iterations for new password hashes. Production Workers cap WebCrypto at 100,000.
pub fn pbkdf2_iterations(env: &Env) -> u32 {
    env.var("PASSWORD_PBKDF2_ITERATIONS")
        .ok()
        .and_then(|v| v.to_string().parse().ok())
        .filter(|n| *n > 0)
        .unwrap_or(signgate_core::password::PBKDF2_ITERATIONS)
}

/// The origin signing links point at; the request's own origin when unset.
pub fn public_origin(env: &Env) -> Option<String> {
    env.var("PUBLIC_ORIGIN")
        .ok()
        .map(|v| v.to_string().trim_end_matches('/').to_string())
        .filter(|v| !v.is_empty())
}

pub fn now_ms() -> u64 {
    worker::Date::now().as_millis()
}
