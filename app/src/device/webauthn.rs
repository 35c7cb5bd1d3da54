//! `navigator.credentials.create` and `.get` for the worker's options, and their answers in the
//! wire's base64url fields. Built with `Reflect` on plain objects: the typed `web-sys` builders
//! for WebAuthn cost more of the download than the few fields they set.

use js_sys::{Array, ArrayBuffer, Object, Reflect, Uint8Array};
use signgate_core::encoding::{base64url, from_base64url};
use signgate_core::wire::{PasskeyAssertion, PasskeyCreation, PasskeyRegistration, PasskeyRequest};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

/// Whether this browser can make and use passkeys at all.
pub fn available() -> bool {
    Reflect::has(&leptos::prelude::window(), &"PublicKeyCredential".into()).unwrap_or(false)
}

/// A passkey made for this device (the signer confirmed it with their screen lock), or `None`
/// when they cancelled or the browser refused.
pub async fn create(options: &PasskeyCreation) -> Option<PasskeyRegistration> {
    let rp = object(&[
        ("id", options.rp_id.as_str().into()),
        ("name", options.rp_name.as_str().into()),
    ]);
    let user = object(&[
        ("id", bytes(&options.user_id)?),
        ("name", options.user_name.as_str().into()),
        ("displayName", options.user_display_name.as_str().into()),
    ]);
    let algorithms: Array = options
        .algorithms
        .iter()
        .map(|&alg| {
            object(&[
                ("type", "public-key".into()),
                ("alg", JsValue::from_f64(alg as f64)),
            ])
        })
        .collect();
    let exclude = descriptors(&options.exclude_credentials)?;
    let selection = object(&[
        ("residentKey", "preferred".into()),
        ("userVerification", "required".into()),
    ]);
    let public_key = object(&[
        ("challenge", bytes(&options.challenge)?),
        ("rp", rp.into()),
        ("user", user.into()),
        ("pubKeyCredParams", algorithms.into()),
        ("excludeCredentials", exclude.into()),
        ("authenticatorSelection", selection.into()),
        ("timeout", JsValue::from_f64(options.timeout_ms as f64)),
    ]);
    let request = object(&[("publicKey", public_key.into())]).unchecked_into();
    let (_, response) = answer(credentials().create_with_options(&request)).await?;
    Some(PasskeyRegistration {
        challenge: options.challenge.clone(),
        client_data_json: field(&response, "clientDataJSON")?,
        attestation_object: field(&response, "attestationObject")?,
    })
}

/// The signer's passkey for this recipient signs the challenge, or `None`.
pub async fn get(options: &PasskeyRequest) -> Option<PasskeyAssertion> {
    let public_key = object(&[
        ("challenge", bytes(&options.challenge)?),
        ("rpId", options.rp_id.as_str().into()),
        (
            "allowCredentials",
            descriptors(&options.allow_credentials)?.into(),
        ),
        ("userVerification", "required".into()),
        ("timeout", JsValue::from_f64(options.timeout_ms as f64)),
    ]);
    let request = object(&[("publicKey", public_key.into())]).unchecked_into();
    let (credential, response) = answer(credentials().get_with_options(&request)).await?;
    Some(PasskeyAssertion {
        challenge: options.challenge.clone(),
        credential_id: field(&credential, "rawId")?,
        client_data_json: field(&response, "clientDataJSON")?,
        authenticator_data: field(&response, "authenticatorData")?,
        signature: field(&response, "signature")?,
    })
}

fn credentials() -> web_sys::CredentialsContainer {
    leptos::prelude::window().navigator().credentials()
}

/// The credential a WebAuthn call's promise gives, and its `response`; `None` if the signer
/// cancelled or the browser refused.
async fn answer(call: Result<js_sys::Promise, JsValue>) -> Option<(JsValue, JsValue)> {
    let credential = JsFuture::from(call.ok()?).await.ok()?;
    let response = Reflect::get(&credential, &"response".into()).ok()?;
    Some((credential, response))
}

fn object(fields: &[(&str, JsValue)]) -> Object {
    let object = Object::new();
    for (name, value) in fields {
        let _ = Reflect::set(&object, &(*name).into(), value);
    }
    object
}

/// base64url from the worker, as the bytes WebAuthn takes.
fn bytes(text: &str) -> Option<JsValue> {
    Some(Uint8Array::from(from_base64url(text)?.as_slice()).into())
}

fn descriptors(ids: &[String]) -> Option<Array> {
    ids.iter()
        .map(|id| Some(object(&[("type", "public-key".into()), ("id", bytes(id)?)]).into()))
        .collect::<Option<Vec<JsValue>>>()
        .map(|all| all.into_iter().collect())
}

/// An `ArrayBuffer` field of a WebAuthn answer, as base64url.
fn field(from: &JsValue, name: &str) -> Option<String> {
    let buffer: ArrayBuffer = Reflect::get(from, &name.into()).ok()?.dyn_into().ok()?;
    Some(base64url(&Uint8Array::new(&buffer).to_vec()))
}
