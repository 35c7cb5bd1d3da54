//! `GET /admin/v1/agreements/{id}/webhooks`: the agreement's events not delivered yet (being
//! retried) or given up (undeliverable).
//! `POST /admin/v1/agreements/{id}/webhooks/{event_id}/resend`: deliver one again, from a fresh day
//! of retries (after the platform fixed its receiver, or set a webhook URL).

use signgate_core::wire::{WebhookDeliveries, WebhookDelivery};
use worker::{Env, Response, Result};

use super::agreements::agreement;
use crate::http;
use crate::objects::agreement::AgreementCall;
use crate::objects::call;

pub async fn list(env: &Env, id: &str) -> Result<Response> {
    let Some(agreement) = agreement(env, id) else {
        return http::error_response(&http::agreement_not_found());
    };
    http::answer(call::<_, WebhookDeliveries>(&agreement, &AgreementCall::Webhooks).await?)
}

pub async fn resend(env: &Env, id: &str, event_id: &str) -> Result<Response> {
    let Some(agreement) = agreement(env, id) else {
        return http::error_response(&http::agreement_not_found());
    };
    let resend = AgreementCall::ResendWebhook {
        event_id: event_id.to_string(),
    };
    http::answer(call::<_, WebhookDelivery>(&agreement, &resend).await?)
}
