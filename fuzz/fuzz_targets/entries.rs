//! What a signer types: a code (spaces and dashes allowed) and a password.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signgate_core::{otp, password};

fuzz_target!(|input: (u8, &str)| {
    let (digits, entry) = input;
    let digits = 5 + digits % 4;
    if let Ok(cleaned) = otp::normalize_entry(entry, digits) {
        assert_eq!(cleaned.len(), usize::from(digits));
        assert!(cleaned.bytes().all(|b| b.is_ascii_digit()));
    }
    let _ = password::check_entry(entry);
});
