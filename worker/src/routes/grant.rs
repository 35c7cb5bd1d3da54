//! `POST /api/v1/recipient/grant`: a fresh grant for a verified link (a reload, or back after the
//! grant's five minutes), in the browser that verified (its verification cookie). The recipient's
//! object decides and counts; the per-IP throttle of entries comes first.

use signgate_core::wire::VerifiedResponse;
use worker::{Env, Request, Response, Result};

use super::recipient_view::recipient_for;
use crate::device;
use crate::http::{self, invalid_link};
use crate::objects::call;
use crate::objects::recipient::RecipientCall;
use crate::throttle::{Throttle, throttled};

pub async fn post(req: Request, env: &Env) -> Result<Response> {
    let Some((token, recipient)) = recipient_for(&req, env) else {
        return http::error_response(&invalid_link());
    };
    if let Some(failure) = throttled(&req, env, Throttle::Checks).await? {
        return http::error_response(&failure);
    }
    let fresh = RecipientCall::FreshGrant {
        token,
        presented: device::VERIFIED.presented(&req),
    };
    http::answer(call::<_, VerifiedResponse>(&recipient, &fresh).await?)
}
