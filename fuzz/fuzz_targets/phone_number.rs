//! A phone number as a sender types it, with the policy's default country code.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signgate_core::phone;

fuzz_target!(|input: (&str, &str)| {
    let (number, country) = input;
    let _ = phone::valid_country_code(country);
    if let Ok(e164) = phone::normalize(number, country) {
        // E.164: a plus and at most 15 digits; the masked forms never panic.
        assert!(e164.starts_with('+'));
        assert!(e164[1..].bytes().all(|b| b.is_ascii_digit()) && e164.len() <= 16);
        let _ = (phone::last4(&e164), phone::masked(&e164));
    }
});
