//! Cookies that bind something to the browser it happened in: a login hand-off (so its answer
//! cannot be completed in another browser) and a verification (so only the browser that verified
//! may ask for a fresh grant). The cookie holds 256 random bits; the server keeps only their
//! SHA-256 and compares digests in constant time.

use signgate_core::devices::{DeviceLabel, Seen};
use signgate_core::encoding::{base64url, constant_time_eq, hex};
use signgate_core::wire::{ApiError, ErrorCode};
use worker::{Env, Request, Response, Result};

use crate::{config, crypto};

/// One kind of binding: its cookie's name, path and lifetime.
#[derive(Clone, Copy, Debug)]
pub struct Binding {
    pub name: &'static str,
    pub path: &'static str,
    pub max_age_secs: u64,
}

/// A login hand-off: sent to the start (which reuses it, so a second tab keeps the first's) and
/// to the callback.
pub const LOGIN: Binding = Binding {
    name: "signgate_login",
    path: "/api/v1",
    max_age_secs: signgate_core::login::FLOW_LIFETIME_SECS,
};

/// A verification: sent to the recipient API, where a fresh grant is asked for.
pub const VERIFIED: Binding = Binding {
    name: "signgate_verified",
    path: "/api/v1/recipient",
    max_age_secs: 30 * 24 * 60 * 60,
};

impl Binding {
    /// The browser's cookie if it has a well-formed one (`reuse`), else a new one: the
    /// `Set-Cookie` value (its lifetime renewed) and the digest the server keeps.
    pub fn issue(&self, req: &Request, secure: bool, reuse: bool) -> Result<(String, String)> {
        let existing = reuse
            .then(|| {
                self.values(req).into_iter().find(|v| {
                    v.len() == 43
                        && v.bytes()
                            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
                })
            })
            .flatten();
        let value = match existing {
            Some(value) => value,
            None => base64url(&crypto::random_bytes::<32>()?),
        };
        let cookie = format!(
            "{}={value}; Path={}; Max-Age={}; HttpOnly; SameSite=Lax{}",
            self.name,
            self.path,
            self.max_age_secs,
            if secure { "; Secure" } else { "" }
        );
        Ok((cookie, digest(&value)))
    }

    /// The digests of this binding's cookies a request presents (a few at most).
    pub fn presented(&self, req: &Request) -> Vec<String> {
        self.values(req).iter().take(4).map(|v| digest(v)).collect()
    }

    fn values(&self, req: &Request) -> Vec<String> {
        let cookies = req
            .headers()
            .get("cookie")
            .ok()
            .flatten()
            .unwrap_or_default();
        cookies
            .split(';')
            .filter_map(|c| c.trim().split_once('='))
            .filter(|(name, _)| *name == self.name)
            .map(|(_, value)| value.to_string())
            .collect()
    }
}

/// A new verification binding for the browser of `req`: the cookie to set if the answer is a
/// grant, and the browser as the recipient's object sees it (the new cookie's digest, the ones it
/// presented, its label).
pub fn new_verification(env: &Env, req: &Request) -> Result<(String, Seen)> {
    let secure = config::origin(env, req)?.starts_with("https://");
    let (cookie, digest) = VERIFIED.issue(req, secure, false)?;
    let seen = Seen {
        cookie: digest,
        presented: VERIFIED.presented(req),
        label: label(req),
    };
    Ok((cookie, seen))
}

/// What the browser of `req` is called in device lists: its user agent, and the city the
/// runtime places it in.
pub fn label(req: &Request) -> DeviceLabel {
    let user_agent = req
        .headers()
        .get("user-agent")
        .ok()
        .flatten()
        .unwrap_or_default();
    let place = req.cf().and_then(|cf| match (cf.city(), cf.country()) {
        (Some(city), Some(country)) => Some(format!("{city}, {country}")),
        (city, country) => city.or(country),
    });
    DeviceLabel::from_user_agent(&user_agent, place)
}

/// The answer to a call that may make the asking browser one of the recipient's devices, with
/// its verification cookie set when it did ([`binds`]).
pub fn verification_answer<T: serde::Serialize>(
    reply: std::result::Result<T, ApiError>,
    cookie: &str,
) -> Result<Response> {
    let binds = binds(&reply);
    with_cookie(crate::http::answer(reply)?, cookie, binds)
}

/// Whether an answer made the browser a device: a grant, or a grant withheld until the device
/// has a passkey (it keeps the cookie, which is what lets it add one).
pub fn binds<T>(reply: &std::result::Result<T, ApiError>) -> bool {
    match reply {
        Ok(_) => true,
        Err(e) => e.code == ErrorCode::PasskeyRequired,
    }
}

/// `response`, with the verification cookie set if `binds`.
pub fn with_cookie(mut response: Response, cookie: &str, binds: bool) -> Result<Response> {
    if binds {
        response.headers_mut().set("set-cookie", cookie)?;
    }
    Ok(response)
}

/// Whether one of `presented` is `kept`.
pub fn matches(presented: &[String], kept: &str) -> bool {
    presented
        .iter()
        .any(|d| constant_time_eq(d.as_bytes(), kept.as_bytes()))
}

pub fn digest(value: &str) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(value.as_bytes()))
}
