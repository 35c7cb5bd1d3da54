//! A recipient's devices for the platform:
//!
//! - `GET /admin/v1/agreements/{id}/recipients/{recipient_id}/devices`: where the verification is
//!   active.
//! - `DELETE …/devices/{device_id}`: revokes one; `DELETE …/devices`: all. Audited.

use signgate_core::wire::{Devices, DevicesRevoked};
use worker::{Env, Response, Result, Stub};

use super::agreements::agreement_with;
use crate::config::RECIPIENTS_BINDING;
use crate::http::{self, Failure};
use crate::objects::recipient::{RecipientCall, Revocation};
use crate::objects::{call, stub};

pub async fn list(env: &Env, agreement_id: &str, recipient_id: &str) -> Result<Response> {
    match recipient(env, agreement_id, recipient_id).await? {
        Ok(recipient) => {
            http::answer(call::<_, Devices>(&recipient, &RecipientCall::AdminDevices).await?)
        }
        Err(failure) => http::error_response(&failure),
    }
}

/// Revokes `device`, or every device when `None`.
pub async fn revoke(
    env: &Env,
    agreement_id: &str,
    recipient_id: &str,
    device: Option<&str>,
) -> Result<Response> {
    let recipient = match recipient(env, agreement_id, recipient_id).await? {
        Ok(recipient) => recipient,
        Err(failure) => return http::error_response(&failure),
    };
    let revoke = RecipientCall::RevokeDevices(Revocation::Admin {
        device: device.map(str::to_owned),
    });
    http::answer(call::<_, DevicesRevoked>(&recipient, &revoke).await?)
}

/// The recipient `recipient_id` of the agreement: one of another agreement is not found here.
pub async fn recipient(
    env: &Env,
    agreement_id: &str,
    recipient_id: &str,
) -> Result<std::result::Result<Stub, Failure>> {
    Ok(
        match agreement_with(env, agreement_id, recipient_id).await? {
            Ok(_) => Ok(stub(env, RECIPIENTS_BINDING, recipient_id)?),
            Err(failure) => Err(failure),
        },
    )
}
