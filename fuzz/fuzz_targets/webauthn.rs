//! A passkey's registration and assertion as a browser (or anyone) posts them: the CBOR of the
//! attestation object, the authenticator data, the DER signature and the client data are all the
//! caller's bytes. Any of them: an answer, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signgate_core::encoding::from_base64url;
use signgate_core::webauthn::{PublicKey, RelyingParty, check_assertion, check_registration};

const RP: RelyingParty<'static> = RelyingParty {
    id: "example.org",
    origin: "https://example.org",
};

fuzz_target!(|input: (&[u8], &[u8], &[u8])| {
    let (client_data, object, signature) = input;
    if let Ok(credential) = check_registration(RP, b"challenge", client_data, object) {
        let id = from_base64url(&credential.id).expect("base64url");
        assert!(id.len() <= 1023 && id.len() < object.len());
    }
    let key = PublicKey::Es256 {
        crv: "P-256".into(),
        x: String::new(),
        y: String::new(),
    };
    if let Ok(signed) = check_assertion(RP, b"challenge", &key, client_data, object, signature) {
        assert_eq!(signed.signature.len(), 64);
        assert_eq!(signed.message.len(), object.len() + 32);
    }
});
