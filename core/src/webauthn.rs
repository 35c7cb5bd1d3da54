//! Passkeys (WebAuthn Level 3): the relying party's checks of a registration (§7.1) and of an
//! authentication assertion (§7.2), everything but the signature itself, which the worker checks
//! with WebCrypto over the bytes this module prepares ([`Signed`]).
//!
//! What is checked: the client data's type, challenge (single-use, issued by the caller), origin
//! and that it was not made inside another site's frame; the authenticator data's RP id hash, user
//! presence and user verification (always required: the passkey alone re-verifies), the signature
//! counter once the signature holds (a counter that goes back means a cloned authenticator:
//! refused and reported); the
//! credential's key: ES256 (P-256) or RS256 (RSA ≥ 2048 bits). Attestation statements are not
//! checked (the options ask for none): the key is trusted as the signer's because they registered
//! it right after verifying, not because of who made the authenticator.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::cbor::{self, Malformed, Value};
use crate::encoding::{base64url, constant_time_eq};

/// COSE algorithm identifiers (IANA "COSE Algorithms").
pub const ES256: i64 = -7;
pub const RS256: i64 = -257;
/// The algorithms the registration options offer, most preferred first.
pub const ALGORITHMS: [i64; 2] = [ES256, RS256];
/// Credential ids longer than this are refused (the spec's limit).
const MAX_CREDENTIAL_ID: usize = 1023;
/// The smallest RSA modulus taken.
const MIN_RSA_BITS: usize = 2048;

/// Who the credentials are for: the RP id (the app's host) and the app's exact origin.
#[derive(Clone, Copy, Debug)]
pub struct RelyingParty<'a> {
    pub id: &'a str,
    pub origin: &'a str,
}

/// A credential's public key, as WebCrypto imports it (a JWK).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kty")]
pub enum PublicKey {
    /// ECDSA P-256 with SHA-256: `x` and `y` base64url.
    #[serde(rename = "EC")]
    Es256 { crv: String, x: String, y: String },
    /// RSASSA-PKCS1-v1_5 with SHA-256: `n` and `e` base64url.
    #[serde(rename = "RSA")]
    Rs256 { n: String, e: String },
}

impl PublicKey {
    pub fn algorithm(&self) -> i64 {
        match self {
            PublicKey::Es256 { .. } => ES256,
            PublicKey::Rs256 { .. } => RS256,
        }
    }
}

/// A newly registered credential, to keep (nothing in it is secret).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewCredential {
    /// The credential id, base64url.
    pub id: String,
    pub public_key: PublicKey,
    pub sign_count: u32,
    /// The authenticator may sync it to the user's other devices (a multi-device passkey).
    pub backup_eligible: bool,
}

/// What the worker verifies with WebCrypto: `signature` over `message` with the credential's key
/// (for ES256 the signature is already in WebCrypto's raw `r || s` form).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signed {
    pub message: Vec<u8>,
    pub signature: Vec<u8>,
    /// The counter to keep once the signature holds.
    pub sign_count: u32,
}

/// Why a registration or an assertion is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Problem {
    /// The client data is not JSON of the expected shape.
    ClientData,
    /// Made for the other ceremony (`webauthn.get` sent to registration, or the reverse).
    WrongType,
    /// Not the challenge issued (replayed, or another recipient's).
    WrongChallenge,
    WrongOrigin,
    /// Made inside another site's frame.
    CrossOrigin,
    /// The authenticator data or the attestation object cannot be read.
    Malformed,
    /// Made for another relying party.
    WrongRpId,
    UserNotPresent,
    UserNotVerified,
    /// A registration without the new credential's data.
    NoCredential,
    /// A key of a kind or size not taken.
    UnsupportedKey,
    /// The signature counter did not go up: the authenticator may have been cloned.
    CounterWentBack,
}

impl From<Malformed> for Problem {
    fn from(_: Malformed) -> Self {
        Problem::Malformed
    }
}

#[derive(Deserialize)]
struct ClientData {
    #[serde(rename = "type")]
    kind: String,
    challenge: String,
    origin: String,
    #[serde(default, rename = "crossOrigin")]
    cross_origin: Option<bool>,
}

/// §7.1 steps 7-12 and §7.2 steps 11-14: the client data is for this ceremony, this challenge,
/// this origin, and not from another site's frame.
fn check_client_data(
    json: &[u8],
    kind: &str,
    challenge: &[u8],
    rp: RelyingParty<'_>,
) -> Result<(), Problem> {
    let data: ClientData = serde_json::from_slice(json).map_err(|_| Problem::ClientData)?;
    if data.kind != kind {
        return Err(Problem::WrongType);
    }
    if !constant_time_eq(data.challenge.as_bytes(), base64url(challenge).as_bytes()) {
        return Err(Problem::WrongChallenge);
    }
    if data.origin != rp.origin {
        return Err(Problem::WrongOrigin);
    }
    if data.cross_origin == Some(true) {
        return Err(Problem::CrossOrigin);
    }
    Ok(())
}

/// The authenticator data's flags (§6.1).
const USER_PRESENT: u8 = 0x01;
const USER_VERIFIED: u8 = 0x04;
const BACKUP_ELIGIBLE: u8 = 0x08;
const ATTESTED_CREDENTIAL: u8 = 0x40;

/// The authenticator data's fixed part, checked: for this RP, the user present and verified.
struct AuthenticatorData<'a> {
    flags: u8,
    sign_count: u32,
    /// What follows the fixed 37 bytes (the attested credential data, extensions).
    rest: &'a [u8],
}

fn check_authenticator_data<'a>(
    bytes: &'a [u8],
    rp: RelyingParty<'_>,
) -> Result<AuthenticatorData<'a>, Problem> {
    if bytes.len() < 37 {
        return Err(Problem::Malformed);
    }
    let rp_id_hash = Sha256::digest(rp.id.as_bytes());
    if !constant_time_eq(&bytes[..32], &rp_id_hash) {
        return Err(Problem::WrongRpId);
    }
    let flags = bytes[32];
    if flags & USER_PRESENT == 0 {
        return Err(Problem::UserNotPresent);
    }
    if flags & USER_VERIFIED == 0 {
        return Err(Problem::UserNotVerified);
    }
    let sign_count = u32::from_be_bytes(bytes[33..37].try_into().expect("four bytes"));
    Ok(AuthenticatorData {
        flags,
        sign_count,
        rest: &bytes[37..],
    })
}

/// Checks a registration (`navigator.credentials.create`'s response) made for `challenge`.
pub fn check_registration(
    rp: RelyingParty<'_>,
    challenge: &[u8],
    client_data_json: &[u8],
    attestation_object: &[u8],
) -> Result<NewCredential, Problem> {
    check_client_data(client_data_json, "webauthn.create", challenge, rp)?;
    let attestation = cbor::decode_whole(attestation_object)?;
    let auth_data = attestation
        .get("authData")
        .and_then(Value::bytes)
        .ok_or(Problem::Malformed)?;
    let data = check_authenticator_data(auth_data, rp)?;
    if data.flags & ATTESTED_CREDENTIAL == 0 {
        return Err(Problem::NoCredential);
    }
    // The attested credential data: AAGUID (16), the id's length (2), the id, the COSE key.
    let rest = data.rest;
    if rest.len() < 18 {
        return Err(Problem::Malformed);
    }
    let id_len = usize::from(u16::from_be_bytes([rest[16], rest[17]]));
    if id_len > MAX_CREDENTIAL_ID || rest.len() < 18 + id_len {
        return Err(Problem::Malformed);
    }
    let id = &rest[18..18 + id_len];
    // Extensions may follow the key: `decode` leaves them.
    let (key, _extensions) = cbor::decode(&rest[18 + id_len..])?;
    Ok(NewCredential {
        id: base64url(id),
        public_key: cose_key(&key)?,
        sign_count: data.sign_count,
        backup_eligible: data.flags & BACKUP_ELIGIBLE != 0,
    })
}

/// A COSE_Key (RFC 9052/9053) of the two kinds taken.
fn cose_key(key: &Value<'_>) -> Result<PublicKey, Problem> {
    const KTY: i64 = 1;
    const ALG: i64 = 3;
    let int = |label| key.label(label).and_then(Value::integer);
    let bytes = |label| key.label(label).and_then(Value::bytes);
    match (int(KTY), int(ALG)) {
        // EC2, crv P-256 (1), x (-2) and y (-3) of 32 bytes each.
        (Some(2), Some(ES256)) => match (int(-1), bytes(-2), bytes(-3)) {
            (Some(1), Some(x), Some(y)) if x.len() == 32 && y.len() == 32 => Ok(PublicKey::Es256 {
                crv: "P-256".into(),
                x: base64url(x),
                y: base64url(y),
            }),
            _ => Err(Problem::UnsupportedKey),
        },
        // RSA: n (-1) and e (-2).
        (Some(3), Some(RS256)) => match (bytes(-1), bytes(-2)) {
            (Some(n), Some(e)) if significant_bits(n) >= MIN_RSA_BITS && !e.is_empty() => {
                Ok(PublicKey::Rs256 {
                    n: base64url(n),
                    e: base64url(e),
                })
            }
            _ => Err(Problem::UnsupportedKey),
        },
        _ => Err(Problem::UnsupportedKey),
    }
}

fn significant_bits(number: &[u8]) -> usize {
    match number.iter().position(|b| *b != 0) {
        Some(first) => (number.len() - first) * 8 - number[first].leading_zeros() as usize,
        None => 0,
    }
}

/// Checks an assertion (`navigator.credentials.get`'s response) made for `challenge`: what is
/// left to verify is the signature ([`Signed`]), with the credential's `public_key`, and then
/// the counter ([`check_counter`]).
pub fn check_assertion(
    rp: RelyingParty<'_>,
    challenge: &[u8],
    public_key: &PublicKey,
    client_data_json: &[u8],
    authenticator_data: &[u8],
    signature: &[u8],
) -> Result<Signed, Problem> {
    check_client_data(client_data_json, "webauthn.get", challenge, rp)?;
    let data = check_authenticator_data(authenticator_data, rp)?;
    let signature = match public_key {
        PublicKey::Es256 { .. } => der_to_raw(signature).ok_or(Problem::Malformed)?,
        PublicKey::Rs256 { .. } => signature.to_vec(),
    };
    let mut message = authenticator_data.to_vec();
    message.extend_from_slice(&Sha256::digest(client_data_json));
    Ok(Signed {
        message,
        signature,
        sign_count: data.sign_count,
    })
}

/// §7.2 step 22, once the signature holds (before, anyone could raise a false alarm): the counter
/// must go up from the one `kept`, unless both are zero (an authenticator that keeps none, as
/// most synced passkeys). One that does not may be a cloned authenticator.
pub fn check_counter(kept: u32, signed: u32) -> Result<(), Problem> {
    let counted = signed != 0 || kept != 0;
    if counted && signed <= kept {
        return Err(Problem::CounterWentBack);
    }
    Ok(())
}

/// An ECDSA P-256 signature from its DER form (`SEQUENCE { INTEGER r, INTEGER s }`, what
/// authenticators send) into the raw `r || s` of 64 bytes WebCrypto verifies.
fn der_to_raw(der: &[u8]) -> Option<Vec<u8>> {
    let (&[0x30, len], body) = der.split_first_chunk::<2>()? else {
        return None;
    };
    if usize::from(len) != body.len() {
        return None;
    }
    let (r, rest) = der_integer(body)?;
    let (s, rest) = der_integer(rest)?;
    if !rest.is_empty() {
        return None;
    }
    let mut raw = vec![0u8; 64];
    raw[32 - r.len()..32].copy_from_slice(r);
    raw[64 - s.len()..].copy_from_slice(s);
    Some(raw)
}

/// A positive DER INTEGER of at most 32 significant bytes, without its sign byte, and what
/// follows it.
fn der_integer(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&[0x02, len], rest) = input.split_first_chunk::<2>()? else {
        return None;
    };
    let len = usize::from(len);
    if len == 0 || rest.len() < len {
        return None;
    }
    let (mut value, rest) = rest.split_at(len);
    // A negative number is no signature value.
    if value[0] & 0x80 != 0 {
        return None;
    }
    while let [0, tail @ ..] = value {
        value = tail;
    }
    (value.len() <= 32).then_some((value, rest))
}

#[cfg(test)]
mod spec_vectors;

#[cfg(test)]
mod tests {
    use super::spec_vectors::{NONE_ES256, PACKED_ES256, PACKED_RS256, Vector};
    use super::*;
    use crate::encoding::from_hex;
    use p256::ecdsa::signature::Verifier;
    use proptest::prelude::*;

    const RP: RelyingParty<'static> = RelyingParty {
        id: "example.org",
        origin: "https://example.org",
    };

    fn hex(text: &str) -> Vec<u8> {
        from_hex(text).expect("hex")
    }

    fn register(v: &Vector) -> Result<NewCredential, Problem> {
        check_registration(
            RP,
            &hex(v.registration_challenge),
            &hex(v.registration_client_data),
            &hex(v.attestation_object),
        )
    }

    fn assert_with(v: &Vector, key: &PublicKey) -> Result<Signed, Problem> {
        check_assertion(
            RP,
            &hex(v.authentication_challenge),
            key,
            &hex(v.authentication_client_data),
            &hex(v.authenticator_data),
            &hex(v.signature),
        )
    }

    /// ES256 as WebCrypto would check it: `signature` (raw `r || s`) over `message`.
    fn es256_holds(key: &PublicKey, signed: &Signed) -> bool {
        let PublicKey::Es256 { x, y, .. } = key else {
            return false;
        };
        let point = [
            vec![0x04],
            crate::encoding::from_base64url(x).unwrap(),
            crate::encoding::from_base64url(y).unwrap(),
        ]
        .concat();
        let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(&point).unwrap();
        let signature = p256::ecdsa::Signature::from_slice(&signed.signature).unwrap();
        key.verify(&signed.message, &signature).is_ok()
    }

    #[test]
    fn the_specs_es256_credential_registers_and_its_assertion_verifies() {
        let credential = register(&PACKED_ES256).expect("registers");
        assert_eq!(
            credential.id,
            base64url(&hex(PACKED_ES256.credential_id)),
            "the credential id"
        );
        assert_eq!(credential.public_key.algorithm(), ES256);
        assert_eq!(credential.sign_count, 0);
        assert!(credential.backup_eligible);
        let signed = assert_with(&PACKED_ES256, &credential.public_key).expect("checks");
        assert_eq!(signed.signature.len(), 64, "raw r || s");
        assert!(es256_holds(&credential.public_key, &signed));
        // Another message, or another key, does not verify: the check is real.
        let mut other = signed.clone();
        other.message[40] ^= 1;
        assert!(!es256_holds(&credential.public_key, &other));
        let stranger = check_registration(
            RP,
            &hex(NONE_ES256.registration_challenge),
            &hex(NONE_ES256.registration_client_data),
            &with_flags(&hex(NONE_ES256.attestation_object), USER_VERIFIED, 0),
        )
        .expect("registers");
        assert!(!es256_holds(&stranger.public_key, &signed));
    }

    /// `bytes` (an attestation object or authenticator data) with flags set and cleared.
    fn with_flags(bytes: &[u8], set: u8, clear: u8) -> Vec<u8> {
        let mut bytes = bytes.to_vec();
        let rp_id_hash = Sha256::digest(RP.id.as_bytes());
        let at = bytes
            .windows(32)
            .position(|w| w == rp_id_hash.as_slice())
            .expect("the RP id hash");
        bytes[at + 32] = (bytes[at + 32] | set) & !clear;
        bytes
    }

    fn text_replaced(json: &str, from: &str, to: &str) -> Vec<u8> {
        let text = String::from_utf8(hex(json)).unwrap();
        assert!(text.contains(from), "{text}");
        text.replace(from, to).into_bytes()
    }

    #[test]
    fn a_tampered_registration_is_refused_for_what_was_changed() {
        let v = &PACKED_ES256;
        let (challenge, client_data, attestation) = (
            hex(v.registration_challenge),
            hex(v.registration_client_data),
            hex(v.attestation_object),
        );
        let check = |rp: RelyingParty<'_>, challenge: &[u8], client: &[u8], object: &[u8]| {
            check_registration(rp, challenge, client, object)
        };
        let other_site = RelyingParty {
            id: "example.com",
            origin: "https://example.org",
        };
        let other_origin = RelyingParty {
            id: "example.org",
            origin: "https://evil.example.org",
        };
        let crossed = text_replaced(
            v.registration_client_data,
            "\"crossOrigin\":false",
            "\"crossOrigin\":true",
        );
        let as_get = text_replaced(
            v.registration_client_data,
            "webauthn.create",
            "webauthn.get",
        );
        let another_challenge = hex(v.authentication_challenge);
        assert_eq!(
            check(RP, &another_challenge, &client_data, &attestation),
            Err(Problem::WrongChallenge)
        );
        assert_eq!(
            check(other_origin, &challenge, &client_data, &attestation),
            Err(Problem::WrongOrigin)
        );
        assert_eq!(
            check(other_site, &challenge, &client_data, &attestation),
            Err(Problem::WrongRpId)
        );
        assert_eq!(
            check(RP, &challenge, &as_get, &attestation),
            Err(Problem::WrongType)
        );
        assert_eq!(
            check(RP, &challenge, &crossed, &attestation),
            Err(Problem::CrossOrigin)
        );
        assert_eq!(
            check(RP, &challenge, b"{not json", &attestation),
            Err(Problem::ClientData)
        );
        assert_eq!(
            check(
                RP,
                &challenge,
                &client_data,
                &with_flags(&attestation, 0, USER_PRESENT)
            ),
            Err(Problem::UserNotPresent)
        );
        assert_eq!(
            check(
                RP,
                &challenge,
                &client_data,
                &with_flags(&attestation, 0, USER_VERIFIED)
            ),
            Err(Problem::UserNotVerified)
        );
        assert_eq!(
            check(
                RP,
                &challenge,
                &client_data,
                &with_flags(&attestation, 0, ATTESTED_CREDENTIAL)
            ),
            Err(Problem::NoCredential)
        );
        assert_eq!(
            check(
                RP,
                &challenge,
                &client_data,
                &attestation[..attestation.len() - 1]
            ),
            Err(Problem::Malformed)
        );
    }

    #[test]
    fn a_tampered_assertion_is_refused_or_no_longer_verifies() {
        let v = &PACKED_ES256;
        let key = register(v).unwrap().public_key;
        let (challenge, client, data, signature) = (
            hex(v.authentication_challenge),
            hex(v.authentication_client_data),
            hex(v.authenticator_data),
            hex(v.signature),
        );
        let check = |challenge: &[u8], client: &[u8], data: &[u8], signature: &[u8]| {
            check_assertion(RP, challenge, &key, client, data, signature)
        };
        let as_create = text_replaced(
            v.authentication_client_data,
            "webauthn.get",
            "webauthn.create",
        );
        assert_eq!(
            check(&hex(v.registration_challenge), &client, &data, &signature),
            Err(Problem::WrongChallenge)
        );
        assert_eq!(
            check(&challenge, &as_create, &data, &signature),
            Err(Problem::WrongType)
        );
        assert_eq!(
            check(
                &challenge,
                &client,
                &with_flags(&data, 0, USER_VERIFIED),
                &signature
            ),
            Err(Problem::UserNotVerified)
        );
        assert_eq!(
            check(&challenge, &client, &data[..36], &signature),
            Err(Problem::Malformed)
        );
        assert_eq!(
            check(&challenge, &client, &data, &signature[..20]),
            Err(Problem::Malformed)
        );
        // The signature covers the counter: a bumped one no longer verifies.
        let mut counted = data.clone();
        counted[36] = 8;
        let signed = check(&challenge, &client, &counted, &signature).unwrap();
        assert_eq!(signed.sign_count, 8);
        assert!(!es256_holds(&key, &signed));
    }

    #[test]
    fn a_counter_must_go_up_unless_the_authenticator_keeps_none() {
        assert_eq!(check_counter(0, 0), Ok(()), "no counter at all");
        assert_eq!(check_counter(0, 1), Ok(()));
        assert_eq!(check_counter(5, 6), Ok(()));
        assert_eq!(check_counter(7, 7), Err(Problem::CounterWentBack));
        assert_eq!(check_counter(7, 3), Err(Problem::CounterWentBack));
        assert_eq!(
            check_counter(7, 0),
            Err(Problem::CounterWentBack),
            "a clone reset"
        );
    }

    /// A positive integer as DER encodes it: no leading zero bytes but one before a high bit.
    fn der_int(value: &[u8]) -> Vec<u8> {
        let mut v: Vec<u8> = value.iter().copied().skip_while(|b| *b == 0).collect();
        if v.is_empty() || v[0] & 0x80 != 0 {
            v.insert(0, 0);
        }
        [vec![0x02, v.len() as u8], v].concat()
    }

    proptest! {
        /// Any r and s survive DER and come out as WebCrypto's 64 bytes; a changed length byte
        /// or trailing bytes are refused.
        #[test]
        fn der_signatures_become_raw(r in prop::array::uniform32(any::<u8>()), s in prop::array::uniform32(any::<u8>())) {
            let body = [der_int(&r), der_int(&s)].concat();
            let der = [vec![0x30, body.len() as u8], body.clone()].concat();
            prop_assert_eq!(der_to_raw(&der), Some([r, s].concat()));
            let longer = [vec![0x30, body.len() as u8 + 1], body.clone(), vec![0]].concat();
            prop_assert_eq!(der_to_raw(&longer), None);
            let mut wrong = der.clone();
            wrong[1] ^= 1;
            prop_assert_eq!(der_to_raw(&wrong), None);
        }

        /// Any bytes as an attestation object or assertion: refused, never a panic.
        #[test]
        fn any_bytes_are_answered(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
            let v = &PACKED_ES256;
            let challenge = hex(v.registration_challenge);
            let client = hex(v.registration_client_data);
            prop_assert!(check_registration(RP, &challenge, &client, &bytes).is_err());
            let key = register(v).unwrap().public_key;
            let client = hex(v.authentication_client_data);
            let challenge = hex(v.authentication_challenge);
            let _ = check_assertion(RP, &challenge, &key, &client, &bytes, &bytes);
        }
    }

    #[test]
    fn the_specs_rs256_credential_registers_with_its_key() {
        let credential = register(&PACKED_RS256).expect("registers");
        let PublicKey::Rs256 { n, e } = &credential.public_key else {
            panic!("an RSA key");
        };
        assert_eq!(e, "AQAB");
        let modulus = crate::encoding::from_base64url(n).unwrap();
        assert_eq!(significant_bits(&modulus), 3482);
        // Its assertion was made without user verification, which a passkey here must have.
        assert_eq!(
            assert_with(&PACKED_RS256, &credential.public_key),
            Err(Problem::UserNotVerified)
        );
    }

    #[test]
    fn user_verification_is_required() {
        assert_eq!(register(&NONE_ES256), Err(Problem::UserNotVerified));
    }
}
