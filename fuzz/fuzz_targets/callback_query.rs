//! The query a provider (or anyone) sends to the OAuth callback, and the `state` and `iss` in it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signgate_core::login;

fuzz_target!(|query: &str| {
    let Some(params) = login::callback_params(query) else {
        return;
    };
    if let Some(state) = params.get("state") {
        if let Some(id) = login::state_recipient(state) {
            assert!(id.len() == 64 && state.len() == 108);
        }
        let _ = login::flow_key(state);
    }
    if let Some(iss) = params.get("iss") {
        let _ = login::response_issuer_matches("https://issuer.example", iss);
    }
});
