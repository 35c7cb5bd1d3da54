//! The passkeys a signer holds with one account ([`signgate_core::signer_passkeys`]): one object
//! per account and address, so its counters are exact however many agreements ask at once. The
//! recipients' objects tell it what changed; the passkey method's sign-ins read and use it.

use serde::{Deserialize, Serialize};
use signgate_core::devices::Passkey;
use signgate_core::signer_passkeys::{Change, Refused, SignerPasskeys};
use worker::{DurableObject, Env, Request, Response, Result, State, Stub, durable_object};

use super::{call_ok, reply, stub_by_name};
use crate::config::{SIGNER_PASSKEYS_BINDING, now_ms};

const KEPT: &str = "passkeys";

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum RegistryCall {
    Apply {
        changes: Vec<Change>,
    },
    CredentialIds,
    Find {
        credential_id: String,
    },
    Used {
        credential_id: String,
        sign_count: u32,
    },
}

/// How a signed sign-in's counter was taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Use {
    Kept,
    /// Forgotten while the signature was checked (its device revoked).
    Unknown,
    CounterWentBack,
}

/// The registry of `email`'s passkeys with `account_id` (the address as typed in any case).
pub struct Registry(Stub);

impl Registry {
    pub fn of(env: &Env, account_id: &str, email: &str) -> Result<Self> {
        let name = format!("{account_id}\n{}", email.trim().to_lowercase());
        Ok(Self(stub_by_name(env, SIGNER_PASSKEYS_BINDING, &name)?))
    }

    pub async fn apply(&self, changes: Vec<Change>) -> Result<()> {
        call_ok(&self.0, &RegistryCall::Apply { changes }).await
    }

    pub async fn credential_ids(&self) -> Result<Vec<String>> {
        call_ok(&self.0, &RegistryCall::CredentialIds).await
    }

    pub async fn find(&self, credential_id: &str) -> Result<Option<Passkey>> {
        let find = RegistryCall::Find {
            credential_id: credential_id.to_owned(),
        };
        call_ok(&self.0, &find).await
    }

    pub async fn used(&self, credential_id: &str, sign_count: u32) -> Result<Use> {
        let used = RegistryCall::Used {
            credential_id: credential_id.to_owned(),
            sign_count,
        };
        call_ok(&self.0, &used).await
    }
}

#[durable_object]
#[allow(
    missing_debug_implementations,
    reason = "holds a runtime handle (State) that has no Debug"
)]
pub struct SignerPasskeysObject {
    state: State,
}

impl DurableObject for SignerPasskeysObject {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    /// The call is read first; then the passkeys are read, changed and written with no other
    /// await between, so the runtime runs no other call in the middle (its input gate is closed
    /// only while storage is awaited, not while a body is read).
    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let call = req.json::<RegistryCall>().await?;
        let storage = self.state.storage();
        let mut kept: SignerPasskeys = storage.get(KEPT).await?.unwrap_or_default();
        match call {
            RegistryCall::Apply { changes } => {
                let now = now_ms();
                for change in changes {
                    kept.apply(change, now);
                }
                storage.put(KEPT, &kept).await?;
                reply::<()>(&Ok(()))
            }
            RegistryCall::CredentialIds => reply(&Ok(kept.credential_ids())),
            RegistryCall::Find { credential_id } => reply(&Ok(kept.find(&credential_id).cloned())),
            RegistryCall::Used {
                credential_id,
                sign_count,
            } => {
                let verdict = match kept.used(&credential_id, sign_count, now_ms()) {
                    Ok(()) => {
                        storage.put(KEPT, &kept).await?;
                        Use::Kept
                    }
                    Err(Refused::Unknown) => Use::Unknown,
                    Err(Refused::CounterWentBack) => Use::CounterWentBack,
                };
                reply(&Ok(verdict))
            }
        }
    }
}
