//! A preview link's token: signed and self-contained, so a forged or tampered one must be refused.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signgate_core::preview;

fuzz_target!(|text: &str| {
    let key = preview::key(b"fuzzing key");
    let _ = preview::is_preview_token(text);
    // Nothing the fuzzer makes up can carry a valid signature under our key.
    assert!(preview::verify(text, &key, 1_800_000_000).is_none());
});
