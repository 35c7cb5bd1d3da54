//! Login hand-offs over OAuth 2.0 / OpenID Connect: the providers, the authorization request
//! (PKCE S256, `state`, `nonce`), the checks of an ID token's claims, and what counts as the
//! recipient's identity. The signature itself is checked by the worker (WebCrypto) before the
//! claims are looked at; everything else is here, pure.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::encoding::{base64url, from_base64url};

/// Social providers senders may choose from; the first three are on unless an account says
/// otherwise, the others when an account turns them on.
pub const SOCIAL_PROVIDERS: &[&str] =
    &["google", "linkedin", "facebook", "microsoft", "yahoo", "x"];
pub const DEFAULT_SOCIAL_PROVIDERS: &[&str] = &["google", "linkedin", "facebook"];
/// The e-sign platform's own identity provider (the platform-account method).
pub const PLATFORM: &str = "platform";

/// How long a started login may take before its `state` is refused.
pub const FLOW_LIFETIME_SECS: u64 = 10 * 60;
/// Clock difference tolerated between the provider and us.
pub const CLOCK_SKEW_SECS: u64 = 120;
/// An ID token issued longer ago than this is refused even if it has not expired.
pub const MAX_TOKEN_AGE_SECS: u64 = 10 * 60;

/// The policy a login recipient was created under.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRules {
    /// Provider ids this recipient may use ([`PLATFORM`] for the platform account).
    pub providers: Vec<String>,
    pub require_email_match: bool,
    /// Sent as `login_hint` (platform account, unless the account turned it off).
    pub login_hint: Option<String>,
    /// Ask with `prompt=none` first (platform account: skip if already signed in).
    pub silent_first: bool,
}

/// Where a provider's endpoints come from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProviderConfig {
    /// The name on the button ("Google").
    #[serde(default)]
    pub name: Option<String>,
    pub client_id: String,
    /// OpenID Connect: endpoints and keys from `<issuer>/.well-known/openid-configuration`.
    #[serde(default)]
    pub issuer: Option<String>,
    /// Plain OAuth 2.0 (Facebook, X): explicit endpoints and where the profile is.
    #[serde(default)]
    pub authorization_endpoint: Option<String>,
    #[serde(default)]
    pub token_endpoint: Option<String>,
    #[serde(default)]
    pub profile_endpoint: Option<String>,
    #[serde(default)]
    pub profile: Option<ProfileFields>,
    #[serde(default)]
    pub scope: Option<String>,
    /// Send the client secret in the token request's body (`client_secret_post`, as Facebook
    /// wants) instead of HTTP Basic (`client_secret_basic`, which every OAuth server must accept).
    #[serde(default)]
    pub client_secret_post: Option<bool>,
}

/// JSON pointers into a plain OAuth 2.0 provider's profile answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileFields {
    pub subject: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// A profile link, or (with `link_prefix`) the part after it.
    #[serde(default)]
    pub link: Option<String>,
    #[serde(default)]
    pub link_prefix: Option<String>,
    /// The provider hands out only addresses it has confirmed (Facebook does), so a present
    /// address counts as verified. Off unless set: an unconfirmed address must never match.
    #[serde(default)]
    pub emails_verified: bool,
}

/// The well-known providers' endpoints; a deployment only adds its client id (and may override any
/// of this, as the tests do to stand a local provider in for them).
pub fn builtin(id: &str) -> Option<ProviderConfig> {
    let oidc = |name: &str, issuer: &str, scope: &str| ProviderConfig {
        name: Some(name.into()),
        client_id: String::new(),
        issuer: Some(issuer.into()),
        authorization_endpoint: None,
        token_endpoint: None,
        profile_endpoint: None,
        profile: None,
        scope: Some(scope.into()),
        client_secret_post: None,
    };
    Some(match id {
        "google" => oidc(
            "Google",
            "https://accounts.google.com",
            "openid email profile",
        ),
        // LinkedIn takes the client secret in the body only.
        "linkedin" => ProviderConfig {
            client_secret_post: Some(true),
            ..oidc(
                "LinkedIn",
                "https://www.linkedin.com/oauth",
                "openid email profile",
            )
        },
        // Personal and work accounts: the discovery document names `{tenantid}` in its issuer,
        // filled in from each token's `tid` (see `expected_issuer`).
        "microsoft" => oidc(
            "Microsoft",
            "https://login.microsoftonline.com/common/v2.0",
            "openid email profile",
        ),
        "yahoo" => oidc(
            "Yahoo",
            "https://api.login.yahoo.com",
            "openid email profile",
        ),
        "facebook" => ProviderConfig {
            name: Some("Facebook".into()),
            client_id: String::new(),
            issuer: None,
            authorization_endpoint: Some("https://www.facebook.com/v19.0/dialog/oauth".into()),
            token_endpoint: Some("https://graph.facebook.com/v19.0/oauth/access_token".into()),
            profile_endpoint: Some(
                "https://graph.facebook.com/v19.0/me?fields=id,name,email,link".into(),
            ),
            profile: Some(ProfileFields {
                subject: "/id".into(),
                name: Some("/name".into()),
                email: Some("/email".into()),
                link: Some("/link".into()),
                link_prefix: None,
                emails_verified: true,
            }),
            scope: Some("public_profile email".into()),
            client_secret_post: Some(true),
        },
        "x" => ProviderConfig {
            name: Some("X".into()),
            client_id: String::new(),
            issuer: None,
            authorization_endpoint: Some("https://x.com/i/oauth2/authorize".into()),
            token_endpoint: Some("https://api.x.com/2/oauth2/token".into()),
            profile_endpoint: Some("https://api.x.com/2/users/me".into()),
            profile: Some(ProfileFields {
                subject: "/data/id".into(),
                name: Some("/data/name".into()),
                email: None,
                link: Some("/data/username".into()),
                link_prefix: Some("https://x.com/".into()),
                emails_verified: false,
            }),
            scope: Some("users.read tweet.read".into()),
            client_secret_post: None,
        },
        _ => return None,
    })
}

impl ProviderConfig {
    /// `override_` over the built-in provider `id` (fields it sets win).
    pub fn merged(id: &str, override_: ProviderConfig) -> ProviderConfig {
        let Some(base) = builtin(id) else {
            return override_;
        };
        ProviderConfig {
            name: override_.name.or(base.name),
            client_id: override_.client_id,
            issuer: override_.issuer.or(base.issuer),
            authorization_endpoint: override_
                .authorization_endpoint
                .or(base.authorization_endpoint),
            token_endpoint: override_.token_endpoint.or(base.token_endpoint),
            profile_endpoint: override_.profile_endpoint.or(base.profile_endpoint),
            profile: override_.profile.or(base.profile),
            scope: override_.scope.or(base.scope),
            client_secret_post: override_.client_secret_post.or(base.client_secret_post),
        }
    }

    pub fn is_oidc(&self) -> bool {
        self.issuer.is_some()
    }

    pub fn display_name(&self, id: &str) -> String {
        self.name.clone().unwrap_or_else(|| id.to_string())
    }

    /// Problems that make the configuration unusable (for the worker's start-up check).
    pub fn problems(&self, id: &str) -> Vec<String> {
        let mut problems = Vec::new();
        if self.client_id.trim().is_empty() {
            problems.push(format!("{id}: client_id is empty"));
        }
        if !self.is_oidc()
            && (self.authorization_endpoint.is_none()
                || self.token_endpoint.is_none()
                || self.profile_endpoint.is_none()
                || self.profile.is_none())
        {
            problems.push(format!(
                "{id}: give an issuer (OpenID Connect) or the authorization, token and profile \
                 endpoints and the profile fields (OAuth 2.0)"
            ));
        }
        problems
    }
}

/// The PKCE S256 challenge of a verifier (RFC 7636).
pub fn pkce_challenge(verifier: &str) -> String {
    base64url(&Sha256::digest(verifier.as_bytes()))
}

/// A login's `state`: the id of the recipient's object, which alone decides the login (so the
/// callback finds it without a lookup in a store that may lag), and 256 random bits:
/// `<64 hex>.<43 base64url>`.
pub fn flow_state(recipient_id: &str, random: &[u8; 32]) -> String {
    format!("{recipient_id}.{}", base64url(random))
}

/// The recipient's object id a `state` names, if the `state` has the form [`flow_state`] gives.
pub fn state_recipient(state: &str) -> Option<&str> {
    let (id, random) = state.split_once('.')?;
    let hex = |c: u8| c.is_ascii_digit() || (b'a'..=b'f').contains(&c);
    let url_safe = |c: u8| c.is_ascii_alphanumeric() || c == b'-' || c == b'_';
    (id.len() == 64 && id.bytes().all(hex) && random.len() == 43 && random.bytes().all(url_safe))
        .then_some(id)
}

/// The query of the provider's answer at the callback, as names and values; `None` when a name
/// is given twice, which is an attack on whichever copy a parser picks.
pub fn callback_params(query: &str) -> Option<std::collections::BTreeMap<String, String>> {
    let mut params = std::collections::BTreeMap::new();
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        if params
            .insert(name.into_owned(), value.into_owned())
            .is_some()
        {
            return None;
        }
    }
    Some(params)
}

/// The keys of a provider's key set (JWKS, RFC 7517); none when it is not one.
pub fn jwks_keys(set: &serde_json::Value) -> Vec<serde_json::Value> {
    set.get("keys")
        .and_then(|keys| keys.as_array())
        .cloned()
        .unwrap_or_default()
}

/// The key that checks a token signed with `kid`: a signing key (`use` absent or `sig`) with
/// that `kid`, or the first signing key when the token names none.
pub fn signing_key<'a>(
    keys: &'a [serde_json::Value],
    kid: Option<&str>,
) -> Option<&'a serde_json::Value> {
    keys.iter()
        .filter(|k| {
            k.get("use")
                .and_then(|u| u.as_str())
                .is_none_or(|u| u == "sig")
        })
        .find(|k| kid.is_none() || k.get("kid").and_then(|v| v.as_str()) == kid)
}

/// The key a started login is stored under: a digest, so the store never holds a usable `state`.
pub fn flow_key(state: &str) -> String {
    crate::encoding::hex(&Sha256::digest(state.as_bytes()))
}

/// Everything the authorization request carries.
#[derive(Clone, Debug)]
pub struct AuthorizationRequest<'a> {
    pub endpoint: &'a str,
    pub client_id: &'a str,
    pub redirect_uri: &'a str,
    pub scope: &'a str,
    pub state: &'a str,
    /// OpenID Connect only.
    pub nonce: Option<&'a str>,
    pub code_challenge: &'a str,
    pub login_hint: Option<&'a str>,
    /// `none`: come straight back if the signer is signed in there already; `login`: make them
    /// sign in again (after the wrong account came back).
    pub prompt: Option<&'a str>,
}

impl AuthorizationRequest<'_> {
    pub fn url(&self) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        query
            .append_pair("response_type", "code")
            .append_pair("client_id", self.client_id)
            .append_pair("redirect_uri", self.redirect_uri)
            .append_pair("scope", self.scope)
            .append_pair("state", self.state)
            .append_pair("code_challenge", self.code_challenge)
            .append_pair("code_challenge_method", "S256");
        if let Some(nonce) = self.nonce {
            query.append_pair("nonce", nonce);
        }
        if let Some(hint) = self.login_hint {
            query.append_pair("login_hint", hint);
        }
        if let Some(prompt) = self.prompt {
            query.append_pair("prompt", prompt);
        }
        let separator = if self.endpoint.contains('?') {
            '&'
        } else {
            '?'
        };
        format!("{}{separator}{}", self.endpoint, query.finish())
    }
}

/// A compact JWS split into what the signature check needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Jws {
    pub alg: String,
    pub kid: Option<String>,
    /// `<header>.<payload>`, the bytes that were signed.
    pub signing_input: String,
    pub signature: Vec<u8>,
    pub claims: serde_json::Value,
}

pub fn parse_jws(token: &str) -> Option<Jws> {
    let mut parts = token.split('.');
    let (header, payload, signature) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || token.len() > 16 * 1024 {
        return None;
    }
    let header: serde_json::Value = serde_json::from_slice(&from_base64url(header)?).ok()?;
    let claims: serde_json::Value = serde_json::from_slice(&from_base64url(payload)?).ok()?;
    if !claims.is_object() {
        return None;
    }
    Some(Jws {
        alg: header.get("alg")?.as_str()?.to_string(),
        kid: header
            .get("kid")
            .and_then(|k| k.as_str())
            .map(str::to_string),
        signing_input: format!("{}.{}", token.split('.').next()?, payload),
        signature: from_base64url(signature)?,
        claims,
    })
}

/// Why an ID token (or a profile) does not prove who the signer is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum TokenProblem {
    Malformed,
    /// `alg` is not one we accept (never `none`, never HMAC with a public key).
    Algorithm,
    Signature,
    Issuer,
    Audience,
    Expired,
    IssuedInFuture,
    TooOld,
    Nonce,
    NoSubject,
}

/// What the token has to match.
#[derive(Clone, Copy, Debug)]
pub struct Expected<'a> {
    pub issuer: &'a str,
    pub client_id: &'a str,
    pub nonce: &'a str,
    pub now_secs: u64,
}

/// Whether two URLs share scheme, host and port (`https://host:port`, the first three `/` parts).
fn same_origin(a: &str, b: &str) -> bool {
    let origin = |url: &str| url.split('/').take(3).collect::<Vec<_>>().join("/");
    origin(a) == origin(b)
}

/// Whether a discovery document fetched from `configured` may stand for it: the same issuer, or a
/// multi-tenant one (Microsoft's `common`) whose document names a `{tenantid}` template on the same
/// host.
pub fn discovery_matches(configured: &str, discovered: &str) -> bool {
    if configured == discovered {
        return true;
    }
    discovered.contains("{tenantid}") && same_origin(configured, discovered)
}

/// Whether the `iss` parameter of an authorization response (RFC 9207) names the configured
/// issuer: the same, or for a multi-tenant issuer (`…/common/…`, `…/organizations/…`,
/// `…/consumers/…`) a tenant on the same host.
pub fn response_issuer_matches(configured: &str, iss: &str) -> bool {
    let multi_tenant = ["/common/", "/organizations/", "/consumers/"]
        .iter()
        .any(|segment| configured.contains(segment));
    iss == configured || (multi_tenant && same_origin(iss, configured))
}

/// The `iss` an ID token must carry: the discovered issuer, with a multi-tenant template filled
/// in from the token's own `tid` (a tenant id is a GUID; anything else fails).
pub fn expected_issuer(discovered: &str, claims: &serde_json::Value) -> Option<String> {
    if !discovered.contains("{tenantid}") {
        return Some(discovered.to_string());
    }
    let tid = claims.get("tid")?.as_str()?;
    let is_guid = tid.len() == 36
        && tid.chars().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    is_guid.then(|| discovered.replace("{tenantid}", tid))
}

/// Providers whose names are vouched for (LinkedIn's profile name, the platform's own account):
/// only those are offered for the signature field.
pub const NAME_VOUCHING_PROVIDERS: &[&str] = &["linkedin", PLATFORM];

/// Signature algorithms the worker can check.
pub const ALGORITHMS: &[&str] = &["RS256", "ES256"];

/// Checks an ID token's claims (OpenID Connect Core 3.1.3.7). The signature must have been
/// checked already.
pub fn check_id_token(
    claims: &serde_json::Value,
    expected: &Expected<'_>,
) -> Result<(), TokenProblem> {
    let text = |name: &str| claims.get(name).and_then(|v| v.as_str());
    let number = |name: &str| claims.get(name).and_then(|v| v.as_u64());
    if text("iss") != Some(expected.issuer) {
        return Err(TokenProblem::Issuer);
    }
    let audience_ok = match claims.get("aud") {
        Some(serde_json::Value::String(aud)) => aud == expected.client_id,
        Some(serde_json::Value::Array(auds)) => {
            auds.iter().any(|a| a.as_str() == Some(expected.client_id))
                && (auds.len() == 1 || text("azp") == Some(expected.client_id))
        }
        _ => false,
    };
    // An `azp`, if present, must be us too (OpenID Connect Core 3.1.3.7, steps 4 and 5).
    if !audience_ok || text("azp").is_some_and(|azp| azp != expected.client_id) {
        return Err(TokenProblem::Audience);
    }
    let exp = number("exp").ok_or(TokenProblem::Malformed)?;
    let iat = number("iat").ok_or(TokenProblem::Malformed)?;
    if expected.now_secs >= exp.saturating_add(CLOCK_SKEW_SECS) {
        return Err(TokenProblem::Expired);
    }
    if iat > expected.now_secs.saturating_add(CLOCK_SKEW_SECS) {
        return Err(TokenProblem::IssuedInFuture);
    }
    if expected.now_secs > iat.saturating_add(MAX_TOKEN_AGE_SECS + CLOCK_SKEW_SECS) {
        return Err(TokenProblem::TooOld);
    }
    let nonce_ok = text("nonce").is_some_and(|n| {
        crate::encoding::constant_time_eq(n.as_bytes(), expected.nonce.as_bytes())
    });
    if !nonce_ok {
        return Err(TokenProblem::Nonce);
    }
    if text("sub").is_none_or(str::is_empty) {
        return Err(TokenProblem::NoSubject);
    }
    Ok(())
}

/// Why a hand-off did not verify the signer (audited; shown to the signer as a [`LoginOutcome`]).
///
/// [`LoginOutcome`]: crate::wire::LoginOutcome
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(tag = "failure", rename_all = "snake_case")]
pub enum LoginFailure {
    /// The signer declined at the provider (`access_denied`).
    Denied,
    /// The flow is unknown or its time ran out.
    Expired,
    /// The flow was used already (a replayed `state`).
    Replayed,
    /// The callback came to another browser than the one that started the flow.
    OtherBrowser,
    /// The provider answered with an error or could not be reached.
    Provider {
        detail: String,
    },
    /// The ID token or profile did not prove anything.
    Token {
        problem: TokenProblem,
    },
    /// A real identity, but not the recipient's (the e-mail must match).
    Mismatch,
    Cancelled,
}

impl LoginFailure {
    pub fn outcome(&self) -> crate::wire::LoginOutcome {
        use crate::wire::LoginOutcome;
        match self {
            LoginFailure::Denied => LoginOutcome::Denied,
            LoginFailure::Expired | LoginFailure::Replayed | LoginFailure::OtherBrowser => {
                LoginOutcome::Expired
            }
            LoginFailure::Provider { .. } | LoginFailure::Token { .. } => LoginOutcome::Failed,
            LoginFailure::Mismatch => LoginOutcome::Mismatch,
            LoginFailure::Cancelled => LoginOutcome::Cancelled,
        }
    }
}

/// Who the provider says the signer is.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub provider: String,
    pub subject: String,
    #[serde(default)]
    pub name: Option<String>,
    #[serde(default)]
    pub email: Option<String>,
    /// Only a verified address can match the recipient's.
    #[serde(default)]
    pub email_verified: bool,
    #[serde(default)]
    pub profile_url: Option<String>,
}

impl Identity {
    /// From a checked ID token's claims.
    pub fn from_id_token(provider: &str, claims: &serde_json::Value) -> Identity {
        let text = |name: &str| {
            claims
                .get(name)
                .and_then(|v| v.as_str())
                .map(str::to_string)
        };
        Identity {
            provider: provider.into(),
            subject: text("sub").unwrap_or_default(),
            name: text("name"),
            email: text("email"),
            // Some providers send "true" as a string.
            email_verified: matches!(
                claims.get("email_verified"),
                Some(serde_json::Value::Bool(true))
            ) || text("email_verified").as_deref() == Some("true"),
            profile_url: text("profile"),
        }
    }

    /// From a plain OAuth 2.0 provider's profile answer.
    pub fn from_profile(
        provider: &str,
        fields: &ProfileFields,
        profile: &serde_json::Value,
    ) -> Result<Identity, TokenProblem> {
        let at = |pointer: &Option<String>| {
            pointer
                .as_deref()
                .and_then(|p| profile.pointer(p))
                .and_then(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .or_else(|| v.as_u64().map(|n| n.to_string()))
                })
        };
        let subject = at(&Some(fields.subject.clone())).ok_or(TokenProblem::NoSubject)?;
        let email = at(&fields.email);
        Ok(Identity {
            provider: provider.into(),
            subject,
            name: at(&fields.name),
            email_verified: fields.emails_verified && email.is_some(),
            email,
            profile_url: at(&fields.link)
                .map(|link| format!("{}{link}", fields.link_prefix.as_deref().unwrap_or(""))),
        })
    }
}

impl Identity {
    /// The name to offer for the signature field, if this provider vouches for names.
    pub fn signature_name(&self) -> Option<String> {
        NAME_VOUCHING_PROVIDERS
            .contains(&self.provider.as_str())
            .then(|| self.name.clone())
            .flatten()
    }
}

/// Whether the identity may stand for the recipient.
pub fn matches_recipient(identity: &Identity, recipient_email: &str, require_email: bool) -> bool {
    !require_email
        || (identity.email_verified
            && identity
                .email
                .as_deref()
                .is_some_and(|e| e.trim().eq_ignore_ascii_case(recipient_email.trim())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_queries_with_a_repeated_name_are_refused() {
        let params = callback_params("state=a%2Eb&code=c+d&iss=x").unwrap();
        assert_eq!(params["state"], "a.b");
        assert_eq!(params["code"], "c d");
        assert_eq!(callback_params("code=1&state=s&code=2"), None);
        assert_eq!(callback_params("").unwrap().len(), 0);
    }

    #[test]
    fn the_signing_key_is_picked_by_kid_and_use() {
        let set = serde_json::json!({ "keys": [
            { "kid": "a", "use": "enc" },
            { "kid": "a", "use": "sig", "n": "1" },
            { "kid": "b" },
        ] });
        let keys = jwks_keys(&set);
        assert_eq!(signing_key(&keys, Some("a")).unwrap()["n"], "1");
        assert_eq!(signing_key(&keys, Some("b")).unwrap()["kid"], "b");
        assert_eq!(signing_key(&keys, None).unwrap()["n"], "1");
        assert_eq!(signing_key(&keys, Some("c")), None);
        assert!(jwks_keys(&serde_json::json!({ "keys": 3 })).is_empty());
    }

    #[test]
    fn a_state_names_its_recipient_and_nothing_else_passes() {
        let id = "ab".repeat(32);
        let state = flow_state(&id, &[7; 32]);
        assert_eq!(state.len(), 108);
        assert_eq!(state_recipient(&state), Some(id.as_str()));
        for bad in [
            String::new(),
            ".".into(),
            "x".repeat(43),
            format!("{}.{}", "AB".repeat(32), "a".repeat(43)),
            format!("{}.{}", "ab".repeat(31), "a".repeat(43)),
            format!("{id}.{}", "a".repeat(42)),
            format!("{id}.{}=", "a".repeat(42)),
            format!("{id}.{}.", "a".repeat(42)),
            format!("../{id}.{}", "a".repeat(43)),
        ] {
            assert_eq!(state_recipient(&bad), None, "{bad:?}");
        }
    }
    use serde_json::json;

    fn claims() -> serde_json::Value {
        json!({"iss": "https://idp.example", "aud": "client-1", "exp": 2_000, "iat": 1_000,
               "nonce": "n-1", "sub": "248289761001", "email": "Ada@Example.com",
               "email_verified": true, "name": "Ada Lovelace"})
    }

    const EXPECTED: Expected<'static> = Expected {
        issuer: "https://idp.example",
        client_id: "client-1",
        nonce: "n-1",
        now_secs: 1_100,
    };

    #[test]
    fn a_good_token_passes_and_each_wrong_claim_is_named() {
        assert_eq!(check_id_token(&claims(), &EXPECTED), Ok(()));
        let with = |key: &str, value: serde_json::Value| {
            let mut c = claims();
            c[key] = value;
            check_id_token(&c, &EXPECTED)
        };
        assert_eq!(
            with("iss", json!("https://evil.example")),
            Err(TokenProblem::Issuer)
        );
        assert_eq!(with("aud", json!("client-2")), Err(TokenProblem::Audience));
        assert_eq!(
            with("aud", json!(["client-1", "client-2"])),
            Err(TokenProblem::Audience)
        );
        assert_eq!(with("azp", json!("client-2")), Err(TokenProblem::Audience));
        assert_eq!(with("nonce", json!("n-2")), Err(TokenProblem::Nonce));
        assert_eq!(with("sub", json!("")), Err(TokenProblem::NoSubject));
        let at = |now_secs| {
            check_id_token(
                &claims(),
                &Expected {
                    now_secs,
                    ..EXPECTED
                },
            )
        };
        assert_eq!(at(2_000 + CLOCK_SKEW_SECS), Err(TokenProblem::Expired));
        assert_eq!(
            at(1_000 - CLOCK_SKEW_SECS - 1),
            Err(TokenProblem::IssuedInFuture)
        );
        let mut old = claims();
        old["exp"] = json!(100_000);
        let late = Expected {
            now_secs: 1_000 + MAX_TOKEN_AGE_SECS + CLOCK_SKEW_SECS + 1,
            ..EXPECTED
        };
        assert_eq!(check_id_token(&old, &late), Err(TokenProblem::TooOld));
        let mut multi = claims();
        multi["aud"] = json!(["client-1", "client-2"]);
        multi["azp"] = json!("client-1");
        assert_eq!(check_id_token(&multi, &EXPECTED), Ok(()));
        let mut no_nonce = claims();
        no_nonce.as_object_mut().unwrap().remove("nonce");
        assert_eq!(
            check_id_token(&no_nonce, &EXPECTED),
            Err(TokenProblem::Nonce)
        );
    }

    #[test]
    fn identities_and_the_email_match() {
        let ada = Identity::from_id_token("google", &claims());
        assert_eq!(ada.subject, "248289761001");
        assert!(ada.email_verified);
        assert!(matches_recipient(&ada, "ada@example.com", true));
        assert!(!matches_recipient(&ada, "bob@example.com", true));
        assert!(matches_recipient(&ada, "bob@example.com", false));
        let unverified = Identity {
            email_verified: false,
            ..ada
        };
        assert!(!matches_recipient(&unverified, "ada@example.com", true));

        let x = builtin("x").unwrap();
        let profile = json!({"data": {"id": "42", "name": "Ada", "username": "ada"}});
        let who = Identity::from_profile("x", x.profile.as_ref().unwrap(), &profile).unwrap();
        assert_eq!(who.profile_url.as_deref(), Some("https://x.com/ada"));
        assert_eq!(who.email, None);
        let facebook = builtin("facebook").unwrap();
        let fields = facebook.profile.as_ref().unwrap();
        let with_mail = json!({"id": "7", "email": "ada@example.com"});
        assert!(
            Identity::from_profile("facebook", fields, &with_mail)
                .unwrap()
                .email_verified
        );
        let unvouched = ProfileFields {
            emails_verified: false,
            ..fields.clone()
        };
        assert!(
            !Identity::from_profile("other", &unvouched, &with_mail)
                .unwrap()
                .email_verified
        );
        let nobody =
            Identity::from_profile("facebook", facebook.profile.as_ref().unwrap(), &json!({}));
        assert_eq!(nobody, Err(TokenProblem::NoSubject));
    }

    #[test]
    fn multi_tenant_issuers_are_filled_in_from_the_token() {
        let template = "https://login.microsoftonline.com/{tenantid}/v2.0";
        assert!(discovery_matches(
            "https://login.microsoftonline.com/common/v2.0",
            template
        ));
        assert!(!discovery_matches(
            "https://evil.example/common/v2.0",
            template
        ));
        assert!(!discovery_matches(
            "https://idp.example",
            "https://idp.example/other"
        ));
        let tid = "9188040d-6c67-4c5b-b112-36a304b66dad";
        assert_eq!(
            expected_issuer(template, &json!({"tid": tid})).as_deref(),
            Some("https://login.microsoftonline.com/9188040d-6c67-4c5b-b112-36a304b66dad/v2.0")
        );
        assert_eq!(expected_issuer(template, &json!({"tid": "../evil"})), None);
        assert_eq!(expected_issuer(template, &json!({})), None);
        let common = "https://login.microsoftonline.com/common/v2.0";
        assert!(response_issuer_matches(
            common,
            &format!("https://login.microsoftonline.com/{tid}/v2.0")
        ));
        assert!(!response_issuer_matches(
            common,
            "https://evil.example/x/v2.0"
        ));
        assert!(!response_issuer_matches(
            "https://idp.example",
            "https://idp.example/other"
        ));
        assert_eq!(
            expected_issuer("https://idp.example", &json!({})).as_deref(),
            Some("https://idp.example")
        );
    }

    #[test]
    fn names_for_the_signature_come_only_from_providers_that_vouch_for_them() {
        let ada = Identity::from_id_token("linkedin", &claims());
        assert_eq!(ada.signature_name().as_deref(), Some("Ada Lovelace"));
        let google = Identity {
            provider: "google".into(),
            ..ada
        };
        assert_eq!(google.signature_name(), None);
    }

    #[test]
    fn jws_parts_and_the_authorization_url() {
        let header = base64url(br#"{"alg":"RS256","kid":"k1"}"#);
        let payload = base64url(br#"{"sub":"1"}"#);
        let jws = parse_jws(&format!("{header}.{payload}.c2ln")).unwrap();
        assert_eq!(
            (jws.alg.as_str(), jws.kid.as_deref()),
            ("RS256", Some("k1"))
        );
        assert_eq!(jws.signing_input, format!("{header}.{payload}"));
        assert_eq!(jws.signature, b"sig");
        assert_eq!(parse_jws("a.b"), None);
        assert_eq!(parse_jws(&format!("{header}.{payload}.c2ln.x")), None);

        // RFC 7636 appendix B.
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        let url = AuthorizationRequest {
            endpoint: "https://idp.example/auth",
            client_id: "c",
            redirect_uri: "https://sign.example/api/v1/oauth/callback",
            scope: "openid email",
            state: "s",
            nonce: Some("n"),
            code_challenge: "ch",
            login_hint: Some("ada+1@example.com"),
            prompt: Some("none"),
        }
        .url();
        assert!(url.starts_with("https://idp.example/auth?response_type=code&client_id=c&"));
        assert!(
            url.contains("redirect_uri=https%3A%2F%2Fsign.example%2Fapi%2Fv1%2Foauth%2Fcallback")
        );
        assert!(url.contains("login_hint=ada%2B1%40example.com"));
        assert!(url.contains("code_challenge_method=S256") && url.ends_with("&prompt=none"));
    }

    #[test]
    fn providers_merge_over_the_builtin_ones() {
        let local = ProviderConfig {
            name: None,
            client_id: "google-client".into(),
            issuer: Some("http://127.0.0.1:9090".into()),
            authorization_endpoint: None,
            token_endpoint: None,
            profile_endpoint: None,
            profile: None,
            scope: None,
            client_secret_post: None,
        };
        let google = ProviderConfig::merged("google", local);
        assert_eq!(google.display_name("google"), "Google");
        assert_eq!(google.issuer.as_deref(), Some("http://127.0.0.1:9090"));
        assert!(google.problems("google").is_empty());
        let empty = ProviderConfig::merged(
            "facebook",
            ProviderConfig {
                client_id: " ".into(),
                ..google
            },
        );
        assert_eq!(empty.problems("facebook").len(), 1);
    }
}
