//! signgate's rules and wire types.
//!
//! Everything here is pure: no I/O, no clock, no randomness of its own. Time (`now_ms`, `now_secs`)
//! and random bytes are parameters, so every rule is tested natively and deterministically. The
//! worker supplies the clock, WebCrypto and storage; the app shares the wire types.

pub mod attempts;
pub mod audit;
pub mod calendar;
pub mod cbor;
pub mod client;
pub mod devices;
pub mod encoding;
pub mod grant;
pub mod id_check;
pub mod id_document;
pub mod kba;
pub mod login;
pub mod method_setup;
pub mod otp;
pub mod outgoing;
pub mod pairing;
pub mod password;
pub mod phone;
pub mod policy;
pub mod preview;
pub mod recovery;
pub mod signer_passkeys;
pub mod token;
pub mod validate;
pub mod verification;
pub mod web_form;
pub mod webauthn;
pub mod webhook;
pub mod wire;
