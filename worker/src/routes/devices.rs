//! The signer's devices, from one of them (its verification cookie), with the link token:
//! `GET /api/v1/recipient/devices` lists where the verification is active;
//! `DELETE /api/v1/recipient/devices/{id}` revokes one (this one too, if the signer wants);
//! `POST /api/v1/recipient/devices/{id}/not-mine` revokes one announced as new that the signer
//! does not know, and tells the sender; `POST /api/v1/recipient/devices/seen` says the ones
//! announced were the signer's.

use signgate_core::wire::{Devices, DevicesRevoked};
use worker::{Env, Request, Response, Result};

use super::recipient_view::recipient_for;
use crate::device;
use crate::http::{self, invalid_link};
use crate::objects::call;
use crate::objects::recipient::{RecipientCall, Revocation};

pub async fn list(req: Request, env: &Env) -> Result<Response> {
    let Some((token, recipient)) = recipient_for(&req, env) else {
        return http::error_response(&invalid_link());
    };
    let list = RecipientCall::Devices {
        token,
        presented: device::VERIFIED.presented(&req),
    };
    http::answer(call::<_, Devices>(&recipient, &list).await?)
}

pub async fn seen(req: Request, env: &Env) -> Result<Response> {
    let Some((token, recipient)) = recipient_for(&req, env) else {
        return http::error_response(&invalid_link());
    };
    let seen = RecipientCall::DevicesSeen {
        token,
        presented: device::VERIFIED.presented(&req),
    };
    http::answer(call::<_, Devices>(&recipient, &seen).await?)
}

/// Revokes `device`; `not_mine`: the signer did not know it ("this was not me").
pub async fn revoke(req: Request, env: &Env, device: &str, not_mine: bool) -> Result<Response> {
    let Some((token, recipient)) = recipient_for(&req, env) else {
        return http::error_response(&invalid_link());
    };
    let revoke = RecipientCall::RevokeDevices(Revocation::Signer {
        token,
        presented: device::VERIFIED.presented(&req),
        device: device.to_owned(),
        not_mine,
    });
    http::answer(call::<_, DevicesRevoked>(&recipient, &revoke).await?)
}
