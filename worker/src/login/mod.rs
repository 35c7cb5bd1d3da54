//! Login hand-offs (social providers, the platform account) over OAuth 2.0 / OpenID Connect.
//!
//! ```text
//! app ── POST login/start ──▶ worker: the recipient's object checks the link and keeps the flow's
//!   secrets; then the provider's discovery
//!   ◀── authorization URL (its `state` names the object) + the browser's binding cookie
//! browser ──▶ provider (signgate never sees the credentials) ──▶ GET /api/v1/oauth/callback
//! worker: flow claimed once in the object named by `state`, by the same browser; code
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
