//! Randomness, PBKDF2 and passkey signatures through the runtime's WebCrypto (the CSPRNG, a native,
//! constant-cost PBKDF2, ECDSA and RSA; the pure parts are in `signgate_core::password` and
//! `signgate_core::webauthn`).

use js_sys::{Object, Reflect, Uint8Array};
use signgate_core::password::{self, HASH_LEN, PasswordHash, SALT_LEN};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{Crypto, WorkerGlobalScope};
use worker::{Error, Result};

fn crypto() -> Result<Crypto> {
    let scope: WorkerGlobalScope = js_sys::global().unchecked_into();
    scope.crypto().map_err(Error::from)
}

pub fn subtle() -> Result<web_sys::SubtleCrypto> {
    Ok(crypto()?.subtle())
}

pub fn random_bytes<const N: usize>() -> Result<[u8; N]> {
    let mut bytes = [0u8; N];
    crypto()?.get_random_values_with_u8_array(&mut bytes)?;
    Ok(bytes)
}

pub fn random_id() -> Result<String> {
    Ok(signgate_core::encoding::hex(&random_bytes::<16>()?))
}

async fn pbkdf2(input: &[u8], salt: &[u8], iterations: u32) -> Result<Vec<u8>> {
    let subtle = crypto()?.subtle();
    let key_usages = js_sys::Array::of1(&JsValue::from_str("deriveBits"));
    let key = subtle.import_key_with_str(
        "raw",
        &Uint8Array::from(input),
        "PBKDF2",
        false,
        &key_usages,
    )?;
    let key: web_sys::CryptoKey = JsFuture::from(key).await?.unchecked_into();
    let params = Object::new();
    Reflect::set(&params, &"name".into(), &"PBKDF2".into())?;
    Reflect::set(&params, &"hash".into(), &"SHA-256".into())?;
    Reflect::set(&params, &"salt".into(), &Uint8Array::from(salt))?;
    Reflect::set(&params, &"iterations".into(), &JsValue::from(iterations))?;
    let bits = subtle.derive_bits_with_object(&params, &key, (HASH_LEN * 8) as u32)?;
    let bits = JsFuture::from(bits).await?;
    Ok(Uint8Array::new(&bits).to_vec())
}

/// A new password (a recipient's, a web form's) hashed with this deployment's pepper and cost.
pub async fn hash_new_password(env: &worker::Env, password: &str) -> Result<String> {
    let pepper = crate::config::password_pepper(env)?;
    let iterations = crate::config::pbkdf2_iterations(env);
    hash_password(&pepper, crate::config::PEPPER_VERSION, iterations, password).await
}

/// Hashes a new password with a fresh salt.
async fn hash_password(
    pepper: &[u8],
    pepper_version: u32,
    iterations: u32,
    password: &str,
) -> Result<String> {
    let salt = random_bytes::<SALT_LEN>()?;
    let hash = pbkdf2(&password::peppered(pepper, password), &salt, iterations).await?;
    Ok(PasswordHash {
        iterations,
        pepper_version,
        salt: salt.to_vec(),
        hash,
    }
    .encode())
}

/// Checks an entry against a stored hash, with the stored hash's own parameters.
pub async fn password_matches(pepper: &[u8], stored: &str, entry: &str) -> Result<bool> {
    let stored = PasswordHash::parse(stored)
        .ok_or_else(|| Error::RustError("stored password hash is unreadable".into()))?;
    let hash = pbkdf2(
        &password::peppered(pepper, entry),
        &stored.salt,
        stored.iterations,
    )
    .await?;
    Ok(signgate_core::encoding::constant_time_eq(
        &hash,
        &stored.hash,
    ))
}

/// Whether `signature` over `message` holds for a passkey's `key` (ES256: ECDSA P-256 with
/// SHA-256 and a raw `r || s` signature; RS256: RSASSA-PKCS1-v1_5 with SHA-256).
pub async fn signature_holds(
    key: &signgate_core::webauthn::PublicKey,
    message: &[u8],
    signature: &[u8],
) -> Result<bool> {
    use signgate_core::webauthn::PublicKey;
    let subtle = subtle()?;
    let jwk = serde_wasm_bindgen::to_value(key)?;
    let (import, verify) = (Object::new(), Object::new());
    match key {
        PublicKey::Es256 { .. } => {
            Reflect::set(&import, &"name".into(), &"ECDSA".into())?;
            Reflect::set(&import, &"namedCurve".into(), &"P-256".into())?;
            Reflect::set(&verify, &"name".into(), &"ECDSA".into())?;
            Reflect::set(&verify, &"hash".into(), &"SHA-256".into())?;
        }
        PublicKey::Rs256 { .. } => {
            Reflect::set(&import, &"name".into(), &"RSASSA-PKCS1-v1_5".into())?;
            Reflect::set(&import, &"hash".into(), &"SHA-256".into())?;
            Reflect::set(&verify, &"name".into(), &"RSASSA-PKCS1-v1_5".into())?;
        }
    }
    let usages = js_sys::Array::of1(&JsValue::from_str("verify"));
    // A key WebCrypto will not import (a point off the curve) verifies nothing.
    let imported =
        match subtle.import_key_with_object("jwk", jwk.unchecked_ref(), &import, false, &usages) {
            Ok(promise) => JsFuture::from(promise).await,
            Err(error) => Err(error),
        };
    let Ok(key) = imported else {
        return Ok(false);
    };
    let key: web_sys::CryptoKey = key.unchecked_into();
    let holds =
        subtle.verify_with_object_and_u8_array_and_u8_array(&verify, &key, signature, message)?;
    Ok(JsFuture::from(holds).await?.as_bool() == Some(true))
}
