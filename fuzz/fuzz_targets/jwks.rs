//! A provider's key set (JWKS) and the pick of the key that checks a token.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signgate_core::login;

fuzz_target!(|data: &[u8]| {
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let (kid, set) = rest.split_at(usize::from(split).min(rest.len()));
    let Ok(set) = serde_json::from_slice::<serde_json::Value>(set) else {
        return;
    };
    let keys = login::jwks_keys(&set);
    let kid = std::str::from_utf8(kid).ok();
    if let Some(key) = login::signing_key(&keys, kid) {
        // Never a key marked for anything but signatures.
        assert!(
            key.get("use")
                .and_then(|u| u.as_str())
                .is_none_or(|u| u == "sig")
        );
    }
});
