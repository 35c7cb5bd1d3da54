//! The signgate Worker: owns every rule. Routes are thin (parse, call the domain, answer); what must
//! be exact under concurrency lives in the Durable Objects under `objects/`; pure rules live in
//! `signgate-core`.

mod accounts;
mod codes;
mod config;
mod crypto;
mod delivery;
mod device;
mod http;
mod id_check;
mod kba;
mod login;
mod new_agreement;
mod objects;
mod outbound;
mod routes;
mod security;
mod throttle;
mod time_zone;
mod webhook;

pub use objects::agreement::AgreementObject;
pub use objects::dev_outbox::DevOutboxObject;
pub use objects::recipient::RecipientObject;
pub use objects::signer_passkeys::SignerPasskeysObject;
pub use objects::web_forms::WebFormsObject;

use worker::{Context, Env, Request, Response, Result, event};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    console_error_panic_hook::set_once();
    let path = req.path();
    let page = if routes::is_api(&path) {
        security::Page::Api
    } else if path == "/id" || path.starts_with("/id/") {
        security::Page::Camera
    } else {
        security::Page::App
    };
    let response = match routes::dispatch(req, &env).await {
        Ok(response) => response,
        Err(error) => http::internal_error(&error),
    };
    security::harden(response, page)
}
