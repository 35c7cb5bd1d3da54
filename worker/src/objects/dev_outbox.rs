//! The dev outbox: in local development and tests, code messages are kept here instead of being
//! sent, and shown on `/dev/outbox` (only when `CODE_DELIVERY=outbox`). One object for the whole
//! deployment, holding the newest messages only. Its storage is its own, so everything else the
//! Worker stores can be checked for plaintext codes without finding these.

use serde::{Deserialize, Serialize};
use signgate_core::otp::Channel;
use signgate_core::outgoing::Outgoing;
use worker::{DurableObject, Env, Request, Response, Result, State, durable_object};

use super::{call_ok, reply, stub_by_name};
use crate::config::{DEV_OUTBOX_BINDING, now_ms};

/// Older messages are dropped beyond this many.
const KEEP: u64 = 200;
const PREFIX: &str = "msg:";
const NEXT: &str = "next";

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct OutboxMessage {
    pub at: u64,
    pub channel: Channel,
    pub to: String,
    pub subject: String,
    pub body: String,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum OutboxCall {
    Put {
        message: OutboxMessage,
    },
    /// Newest first.
    List,
}

pub async fn put(env: &Env, message: &Outgoing) -> Result<()> {
    let message = OutboxMessage {
        at: now_ms(),
        channel: message.channel,
        to: message.to.clone(),
        subject: message.subject.clone(),
        body: message.body.clone(),
    };
    call_ok(&outbox(env)?, &OutboxCall::Put { message }).await
}

pub async fn list(env: &Env) -> Result<Vec<OutboxMessage>> {
    call_ok(&outbox(env)?, &OutboxCall::List).await
}

fn outbox(env: &Env) -> Result<worker::Stub> {
    stub_by_name(env, DEV_OUTBOX_BINDING, "outbox")
}

#[durable_object]
#[allow(
    missing_debug_implementations,
    reason = "holds a runtime handle (State) that has no Debug"
)]
pub struct DevOutboxObject {
    state: State,
}

impl DurableObject for DevOutboxObject {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let storage = self.state.storage();
        match req.json::<OutboxCall>().await? {
            OutboxCall::Put { message } => {
                let next: u64 = storage.get(NEXT).await?.unwrap_or(0);
                storage
                    .put(&format!("{PREFIX}{next:012}"), &message)
                    .await?;
                storage.put(NEXT, next + 1).await?;
                if next >= KEEP {
                    storage
                        .delete(&format!("{PREFIX}{:012}", next - KEEP))
                        .await?;
                }
                reply::<()>(&Ok(()))
            }
            OutboxCall::List => {
                let map = storage
                    .list_with_options(worker::ListOptions::new().prefix(PREFIX).reverse(true))
                    .await?;
                let mut messages = Vec::new();
                for value in map.values() {
                    messages.push(serde_wasm_bindgen::from_value::<OutboxMessage>(value?)?);
                }
                reply::<Vec<OutboxMessage>>(&Ok(messages))
            }
        }
    }
}
