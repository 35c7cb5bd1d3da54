//! The Durable Objects, and the one way the Worker talks to them: a JSON call in, a
//! `Result<T, ApiError>` out.
//!
//! - [`recipient::RecipientObject`], one per recipient: the link's secret digest, the method, the
//!   exact attempt count and the recipient's own audit events.
//! - [`agreement::AgreementObject`], one per agreement: its recipients, cancellation (fanned out to
//!   every recipient), webhook deliveries with retries (alarms), and the agreement's audit events.
//! - [`dev_outbox::DevOutboxObject`], one per deployment, local development and tests only: the
//!   code messages that would have been sent.
//! - [`signer_passkeys::SignerPasskeysObject`], one per account and signer's address: the passkeys
//!   the passkey method accepts, with their exact counters.
//! - [`web_forms::WebFormsObject`], one per account: its web forms, with their exact limits.

pub mod agreement;
pub mod dev_outbox;
pub mod recipient;
pub mod signer_passkeys;
pub mod web_forms;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use signgate_core::audit::AuditEvent;
use signgate_core::wire::ApiError;
use wasm_bindgen::JsValue;
use worker::{Env, Method, Request, RequestInit, Response, Result, Storage, Stub};

/// What an object answers: a value or the API error the route passes on.
pub type Reply<T> = std::result::Result<T, ApiError>;

pub async fn call<C: Serialize, T: DeserializeOwned>(stub: &Stub, call: &C) -> Result<Reply<T>> {
    let mut init = RequestInit::new();
    init.with_method(Method::Post)
        .with_body(Some(JsValue::from_str(&serde_json::to_string(call)?)));
    let request = Request::new_with_init("https://object/", &init)?;
    let mut response = stub.fetch_with_request(request).await?;
    response.json().await
}

/// A call whose refusal is a failure of ours (an internal call that must succeed).
pub async fn call_ok<C: Serialize, T: DeserializeOwned>(stub: &Stub, message: &C) -> Result<T> {
    call(stub, message)
        .await?
        .map_err(|refusal| worker::Error::RustError(refusal.message))
}

pub fn reply<T: Serialize>(reply: &Reply<T>) -> Result<Response> {
    Response::from_json(reply)
}

/// The one object of a binding that has a single instance per deployment.
pub fn stub_by_name(env: &Env, binding: &str, name: &str) -> Result<Stub> {
    env.durable_object(binding)?.id_from_name(name)?.get_stub()
}

pub fn stub(env: &Env, binding: &str, hex_id: &str) -> Result<Stub> {
    env.durable_object(binding)?
        .id_from_string(hex_id)?
        .get_stub()
}

/// An object's audit events, one storage key each (`audit:<seq>`), so appending never rewrites
/// the trail.
#[derive(Debug, Default, Clone, Copy, Serialize, Deserialize)]
pub struct AuditLog {
    next: u64,
}

const AUDIT_PREFIX: &str = "audit:";
const AUDIT_NEXT: &str = "audit_next";

impl AuditLog {
    pub async fn load(storage: &Storage) -> Result<Self> {
        Ok(Self {
            next: storage.get(AUDIT_NEXT).await?.unwrap_or(0),
        })
    }

    /// Appends events in one storage batch together with the other writes `batch` holds.
    pub async fn append_with(
        &mut self,
        storage: &Storage,
        events: Vec<AuditEvent>,
        batch: js_sys::Object,
    ) -> Result<()> {
        for event in events {
            let key = format!("{AUDIT_PREFIX}{:012}", self.next);
            js_sys::Reflect::set(&batch, &key.into(), &serde_wasm(&event)?)?;
            self.next += 1;
        }
        js_sys::Reflect::set(&batch, &AUDIT_NEXT.into(), &JsValue::from(self.next as f64))?;
        storage.put_multiple_raw(batch).await
    }

    /// Up to `limit` events from the `from`-th on (counting from 0), in the order they happened.
    pub async fn read(storage: &Storage, from: u64, limit: u32) -> Result<Vec<AuditEvent>> {
        let start = format!("{AUDIT_PREFIX}{from:012}");
        let options = worker::ListOptions::new()
            .prefix(AUDIT_PREFIX)
            .start(&start)
            .limit(limit as usize);
        let map = storage.list_with_options(options).await?;
        let mut events = Vec::new();
        for value in map.values() {
            events.push(serde_wasm_bindgen::from_value(value?)?);
        }
        Ok(events)
    }
}

/// Adds `key` → `value` to a batch that one `put_multiple` writes, all or nothing.
pub fn batch_put<T: Serialize>(batch: &js_sys::Object, key: &str, value: &T) -> Result<()> {
    js_sys::Reflect::set(batch, &key.into(), &serde_wasm(value)?)?;
    Ok(())
}

fn serde_wasm<T: Serialize>(value: &T) -> Result<JsValue> {
    Ok(serde_wasm_bindgen::to_value(value)?)
}
