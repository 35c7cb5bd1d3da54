//! The link token: it arrives in the address bar's fragment (`/s#<token>`), which browsers never
//! send to servers. We move it into this tab's session storage at once and take it out of the
//! address bar, so it is not in screenshots, bookmarks or a URL the signer shares, yet a reload in
//! the same tab still works.
//!
//! The web form page (`/f/#<form token>`) keeps its token the same way ([`take_fragment`]).
//!
//! A login hand-off (social provider, platform account) leaves the tab and comes back as
//! `/s#login=<outcome>`. That fragment is no token: the token is still in session storage from
//! before the signer left, which is why the hand-off navigates this same tab.

use leptos::prelude::window;
use signgate_core::wire::LoginOutcome;
use wasm_bindgen::JsValue;
use web_sys::Storage;

const STORAGE_KEY: &str = "signgate.token";
/// A finished login whose grant is not collected yet: a reload while collecting it, or a retry
/// after a network failure, collects it again instead of losing it.
const LOGIN_KEY: &str = "signgate.login";
/// The provider the signer left for, so the page can name it when they come back without signing in.
const PROVIDER_KEY: &str = "signgate.provider";

/// What the tab arrived with.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Arrival {
    /// The link token, from the fragment or, after a reload or a hand-off, from storage.
    pub token: Option<String>,
    /// How a login hand-off ended: just back from the provider, or a finished login still waiting
    /// to be collected.
    pub login: Option<LoginOutcome>,
}

/// What `location.hash` holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Fragment<'a> {
    Empty,
    Token(&'a str),
    Login(LoginOutcome),
}

/// The token of this tab's link, if there is one, and how a login hand-off ended, if it just did.
pub fn take() -> Arrival {
    // Storage throws in some private modes: the token then lives in memory for this page only.
    let storage = session();
    // An outcome goes too: a reload must not tell of the same sign-in again. A finished one that
    // is still to be collected waits in storage instead.
    let hash = take_hash(false);
    let fragment = parse(&hash);
    match fragment {
        Fragment::Token(token) => {
            if let Some(storage) = &storage {
                let _ = storage.set_item(STORAGE_KEY, token);
                // A new link: what the last one was in the middle of is not this one's.
                let _ = storage.remove_item(LOGIN_KEY);
                let _ = storage.remove_item(PROVIDER_KEY);
            }
            Arrival {
                token: Some(token.to_owned()),
                login: None,
            }
        }
        Fragment::Login(outcome) => {
            if let Some(storage) = &storage {
                let _ = match outcome {
                    LoginOutcome::Done => storage.set_item(LOGIN_KEY, outcome.name()),
                    _ => storage.remove_item(LOGIN_KEY),
                };
            }
            Arrival {
                token: stored(STORAGE_KEY),
                login: Some(outcome),
            }
        }
        Fragment::Empty => Arrival {
            token: stored(STORAGE_KEY),
            login: pending_login(),
        },
    }
}

/// The address bar's fragment without its `#` (empty when there is none), taken out of the
/// address at once: no token in history, screenshots or a URL the signer shares. `keep_query`:
/// the query stays (the web form's `?lang=ru`, so a reload keeps a preview's language).
fn take_hash(keep_query: bool) -> String {
    let window = window();
    let location = window.location();
    let hash = location.hash().unwrap_or_default();
    let fragment = hash.strip_prefix('#').unwrap_or(&hash);
    if !fragment.is_empty()
        && let (Ok(history), Ok(path)) = (window.history(), location.pathname())
    {
        let query = keep_query
            .then(|| location.search().ok())
            .flatten()
            .unwrap_or_default();
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&[path, query].concat()));
    }
    fragment.to_owned()
}

/// A page's link token in the address bar's fragment (the web form's `/f/#<token>`), taken out of
/// the address and kept in this tab's session storage under `key`, so a reload in the same tab
/// still finds it ([`stored`]); `None` when the fragment is empty.
pub(crate) fn take_fragment(key: &str) -> Option<String> {
    let token = take_hash(true);
    if token.is_empty() {
        return None;
    }
    if let Some(storage) = session() {
        let _ = storage.set_item(key, &token);
    }
    Some(token)
}

/// What this tab keeps under `key`, if anything.
pub(crate) fn stored(key: &str) -> Option<String> {
    read(session().as_ref(), key)
}

/// Forgets what this tab keeps under `key`.
pub(crate) fn forget(key: &str) {
    if let Some(storage) = session() {
        let _ = storage.remove_item(key);
    }
}

/// The tab's session storage; `None` where the browser refuses it (some private modes): what a
/// page keeps there then lasts until it is reloaded.
pub(crate) fn session() -> Option<Storage> {
    window().session_storage().ok().flatten()
}

/// A finished login not collected yet (only `Done` is ever kept).
pub fn pending_login() -> Option<LoginOutcome> {
    stored(LOGIN_KEY)
        .and_then(|name| LoginOutcome::from_name(&name))
        .filter(|&outcome| outcome == LoginOutcome::Done)
}

/// The worker has answered the collection for good (grant, nothing to collect, link gone).
pub fn forget_login() {
    forget(LOGIN_KEY);
}

/// Just before the tab leaves for `provider` (its id).
pub fn remember_provider(provider: &str) {
    if let Some(storage) = session() {
        let _ = storage.remove_item(LOGIN_KEY);
        let _ = storage.set_item(PROVIDER_KEY, provider);
    }
}

/// The id of the provider the tab last left for.
pub fn remembered_provider() -> Option<String> {
    stored(PROVIDER_KEY)
}

fn read(storage: Option<&Storage>, key: &str) -> Option<String> {
    let value = storage?.get_item(key).ok().flatten()?;
    (!value.is_empty()).then_some(value)
}

/// `#abc` is the token `abc`; `#login=<outcome>` is the end of a hand-off, never a token. An
/// outcome this version does not know counts as a failure: it must not pass for success.
fn parse(hash: &str) -> Fragment<'_> {
    let fragment = hash.strip_prefix('#').unwrap_or(hash);
    if let Some(name) = fragment.strip_prefix("login=") {
        return Fragment::Login(LoginOutcome::from_name(name).unwrap_or(LoginOutcome::Failed));
    }
    if fragment.is_empty() {
        Fragment::Empty
    } else {
        Fragment::Token(fragment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_the_fragment_without_its_hash() {
        assert_eq!(parse("#abc-_9"), Fragment::Token("abc-_9"));
        assert_eq!(parse("#"), Fragment::Empty);
        assert_eq!(parse(""), Fragment::Empty);
    }

    #[test]
    fn a_login_outcome_is_no_token() {
        for outcome in LoginOutcome::ALL {
            assert_eq!(
                parse(&format!("#login={}", outcome.name())),
                Fragment::Login(outcome)
            );
        }
        // Only the exact names: anything else the worker (or someone editing the address) puts
        // there is a failure, never a token and never success.
        for unknown in [
            "#login=",
            "#login=ok",
            "#login=DONE",
            "#login=done&x=1",
            "#login=done ",
        ] {
            assert_eq!(
                parse(unknown),
                Fragment::Login(LoginOutcome::Failed),
                "{unknown}"
            );
        }
        // Tokens are base64url and never contain `=`: these stay tokens for the worker to refuse.
        assert_eq!(parse("#login"), Fragment::Token("login"));
        assert_eq!(parse("#xlogin=done"), Fragment::Token("xlogin=done"));
    }
}
