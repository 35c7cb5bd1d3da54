//! A signing link's token, as every recipient route reads it from `Authorization: Bearer`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signgate_core::token::LinkToken;

fuzz_target!(|text: &str| {
    if let Some(token) = LinkToken::parse(text) {
        // Only the one spelling is accepted, and it names a well-formed object id.
        assert_eq!(token.encode(), text);
        let id = token.recipient_id();
        assert!(id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(!token.matches(""));
    }
});
