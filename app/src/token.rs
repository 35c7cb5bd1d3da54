//! The link token: it arrives in the address bar's fragment (`/s#<token>`), which browsers never
//! send to servers. We move it into this tab's session storage at once and take it out of the
//! address bar, so it is not in screenshots, bookmarks or a URL the signer shares, yet a reload in
//! the same tab still works.

use leptos::prelude::window;
use wasm_bindgen::JsValue;

const STORAGE_KEY: &str = "signgate.token";

/// The token of this tab's link, if there is one.
pub fn take() -> Option<String> {
    let window = window();
    let location = window.location();
    // Storage throws in some private modes: the token then lives in memory for this page only.
    let storage = window.session_storage().ok().flatten();
    let hash = location.hash().unwrap_or_default();
    let Some(token) = from_fragment(&hash) else {
        let stored = storage?.get_item(STORAGE_KEY).ok().flatten()?;
        return (!stored.is_empty()).then_some(stored);
    };
    if let Some(storage) = storage {
        let _ = storage.set_item(STORAGE_KEY, token);
    }
    if let (Ok(history), Ok(path)) = (window.history(), location.pathname()) {
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&path));
    }
    Some(token.to_owned())
}

/// The token in `location.hash` (`#abc` → `abc`); `None` when the fragment is empty.
fn from_fragment(hash: &str) -> Option<&str> {
    let token = hash.strip_prefix('#').unwrap_or(hash);
    (!token.is_empty()).then_some(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_token_is_the_fragment_without_its_hash() {
        assert_eq!(from_fragment("#abc-_9"), Some("abc-_9"));
        assert_eq!(from_fragment("#"), None);
        assert_eq!(from_fragment(""), None);
    }
}
