//! An ID token from an identity provider: its JWS form, then the claims checks and the identity.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signgate_core::login::{self, Expected, Identity};

fuzz_target!(|text: &str| {
    let Some(jws) = login::parse_jws(text) else {
        return;
    };
    let expected = Expected {
        issuer: "https://issuer.example",
        client_id: "client",
        nonce: "nonce",
        now_secs: 1_800_000_000,
    };
    let _ = login::check_id_token(&jws.claims, &expected);
    let _ = login::expected_issuer("https://issuer.example", &jws.claims);
    let identity = Identity::from_id_token("google", &jws.claims);
    let _ = identity.signature_name();
    let _ = login::matches_recipient(&identity, "ada@example.com", true);
});
