//! The outer per-IP throttles (Cloudflare's rate limiter, per location and approximate) in front
//! of the recipient objects' exact counts: one client cannot pump messages through many links, nor
//! make the objects write for it faster than a person types.

use signgate_core::wire::ErrorCode;
use worker::{Env, Request, Result};

use crate::config::{CHECK_LIMITER_BINDING, SEND_LIMITER_BINDING};
use crate::http::{Failure, fail};

/// The limiters' period (wrangler.toml): what a refused client is told to wait at most.
const LIMITER_PERIOD_SECS: u64 = 60;

#[derive(Clone, Copy)]
pub enum Throttle {
    /// Code sends (20 a minute): each is a message to a person.
    Sends,
    /// Login starts (20 a minute, counted apart from sends): each is stored state and maybe a
    /// fetch from the provider.
    LoginStarts,
    /// Entries checked against a secret: passwords and codes (60 a minute).
    Checks,
}

/// `Some(429)` when the client's address (an IPv6 one by its /64) has had its share of
/// `throttle` this minute.
pub async fn throttled(req: &Request, env: &Env, throttle: Throttle) -> Result<Option<Failure>> {
    let address = req.headers().get("cf-connecting-ip")?.unwrap_or_default();
    let client = signgate_core::client::throttle_key(&address);
    let (binding, what) = match throttle {
        Throttle::Sends => (SEND_LIMITER_BINDING, "send"),
        Throttle::LoginStarts => (SEND_LIMITER_BINDING, "login"),
        Throttle::Checks => (CHECK_LIMITER_BINDING, "check"),
    };
    let limiter = env.rate_limiter(binding)?;
    if limiter.limit(format!("{what}:{client}")).await?.success {
        return Ok(None);
    }
    let mut failure = fail(
        ErrorCode::Throttled,
        "Too many requests from your network. Please wait a minute.",
    );
    failure.retry_after_secs = Some(LIMITER_PERIOD_SECS);
    Ok(Some(failure))
}
