//! Login hand-offs (social providers, the platform account) over OAuth 2.0 / OpenID Connect.
//!
//! ```text
//! app ── POST login/start ──▶ worker: recipient object registers the flow; KV keeps its secrets
//!   ◀── authorization URL + a cookie binding the flow to this browser
//! browser ──▶ provider (signgate never sees the credentials) ──▶ GET /api/v1/oauth/callback
//! worker: flow from KV, cookie checked, flow claimed once in the recipient's object, code
//!   exchanged (PKCE), ID token checked (JWKS signature via WebCrypto, iss, aud, exp, iat, nonce)
//!   or the profile read (plain OAuth 2.0), identity judged by the object ──▶ /s#login=<outcome>
//! app ── POST login/finish ──▶ the grant, once
//! ```
//!
//! Providers are configuration (`providers`), not code: the well-known ones' endpoints are built
//! into `signgate_core::login`, a deployment adds client ids (`OAUTH_PROVIDERS`) and secrets
//! (`OAUTH_<ID>_CLIENT_SECRET`).

pub mod flow;
pub mod oidc;
pub mod providers;
