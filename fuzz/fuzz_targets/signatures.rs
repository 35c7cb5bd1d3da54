//! What the platform checks with our helpers: a grant (JWT) and a webhook's signature header.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signgate_core::{grant, webhook};

fuzz_target!(|input: (&str, &[u8])| {
    let (text, body) = input;
    // Made-up input never verifies under our key.
    assert!(grant::verify(text, b"grant key", 1_800_000_000).is_err());
    assert!(webhook::verify(b"webhook secret", text, body, 1_800_000_000, 300).is_err());
});
