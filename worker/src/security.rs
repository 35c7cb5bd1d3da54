//! Security headers on every response the Worker gives, app and API alike.

use worker::{Headers, Response, Result};

/// Only what the app needs: its own scripts and WebAssembly (`wasm-unsafe-eval` lets the runtime
/// compile the module, nothing else), its own styles, and calls to its own origin.
pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; manifest-src 'self'; \
base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The ID check's page (`/id/`) also shows the photos it took (`blob:` addresses of its own).
pub const CAMERA_PAGE_POLICY: &str = "default-src 'none'; script-src 'self' 'wasm-unsafe-eval'; \
style-src 'self'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; \
manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Every page but one may not use the camera (or the microphone, or the rest).
const NO_CAMERA: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=()";
/// The ID check's page may use this origin's camera, nothing else.
const OWN_CAMERA: &str = "camera=(self), microphone=(), geolocation=(), payment=(), usb=()";

/// What a response is, for its headers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    /// An API answer: never cached.
    Api,
    /// The ID check's page: the camera.
    Camera,
    /// The app and everything else.
    App,
}

/// The audit report's page: no script and nothing from anywhere, only its own inline style.
pub const REPORT_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; \
form-action 'none'; frame-ancestors 'none'";

const HEADERS: &[(&str, &str)] = &[
    ("content-security-policy", CONTENT_SECURITY_POLICY),
    (
        "strict-transport-security",
        "max-age=63072000; includeSubDomains",
    ),
    ("x-content-type-options", "nosniff"),
    ("referrer-policy", "no-referrer"),
    ("x-frame-options", "DENY"),
    ("cross-origin-opener-policy", "same-origin"),
    ("cross-origin-resource-policy", "same-origin"),
];

/// Adds the headers. Responses fetched from the assets binding have immutable headers, so they are
/// copied into a fresh set.
pub fn harden(response: Response, page: Page) -> Result<Response> {
    let headers = Headers::new();
    for (name, value) in response.headers().entries() {
        headers.set(&name, &value)?;
    }
    // Only the audit report's page keeps a policy of its own; any other is replaced.
    let own_policy = headers.get("content-security-policy")?.as_deref() == Some(REPORT_POLICY);
    for (name, value) in HEADERS {
        if !(own_policy && *name == "content-security-policy") {
            headers.set(name, value)?;
        }
    }
    let camera = page == Page::Camera;
    headers.set(
        "permissions-policy",
        if camera { OWN_CAMERA } else { NO_CAMERA },
    )?;
    if camera && !own_policy {
        headers.set("content-security-policy", CAMERA_PAGE_POLICY)?;
    }
    if page == Page::Api {
        // Answers carry links, grants and audit trails: never cache them anywhere.
        headers.set("cache-control", "no-store")?;
    }
    let status = response.status_code();
    let (_, body) = response.into_parts();
    Ok(Response::builder()
        .with_status(status)
        .with_headers(headers)
        .body(body))
}
