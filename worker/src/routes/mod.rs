//! Which route answers a request. Each route is one small file: parse, call the domain, answer.

mod admin;
mod code;
mod dev_outbox;
mod devices;
mod grant;
mod health;
mod id_check;
mod kba;
mod login;
mod oauth_callback;
mod pairing;
mod passkey;
mod password;
mod preview;
mod preview_form;
mod recipient_view;
mod recovery;
mod veriff_webhook;
mod web_form;
mod web_form_entry;

use signgate_core::wire::ErrorCode;
use worker::{Env, Method, Request, Response, Result};

use crate::config::ASSETS_BINDING;
use crate::http::{self, fail, segments};

/// API answers are JSON and never cached; everything else is the app.
pub fn is_api(path: &str) -> bool {
    matches!(segments(path).first(), Some(&"api") | Some(&"admin"))
}

pub async fn dispatch(req: Request, env: &Env) -> Result<Response> {
    let path = req.path();
    let method = req.method();
    let segments = segments(&path);
    match segments.as_slice() {
        ["api", "health"] if method == Method::Get => health::get(),
        ["api", "v1", "recipient"] if method == Method::Get => recipient_view::get(req, env).await,
        ["api", "v1", "recipient", "password"] if method == Method::Post => {
            password::post(req, env).await
        }
        ["api", "v1", "recipient", "code"] if method == Method::Post => code::check(req, env).await,
        ["api", "v1", "recipient", "code", "send"] if method == Method::Post => {
            code::send(req, env).await
        }
        ["api", "v1", "recipient", "login", "start"] if method == Method::Post => {
            login::start(req, env).await
        }
        ["api", "v1", "recipient", "login", "finish"] if method == Method::Post => {
            login::finish(req, env).await
        }
        ["api", "v1", "recipient", "kba", "start"] if method == Method::Post => {
            kba::start(req, env).await
        }
        ["api", "v1", "recipient", "kba", "answers"] if method == Method::Post => {
            kba::answers(req, env).await
        }
        ["api", "v1", "recipient", "id", "start"] if method == Method::Post => {
            id_check::start(req, env).await
        }
        ["api", "v1", "recipient", "id", "finish"] if method == Method::Post => {
            id_check::finish(req, env).await
        }
        ["api", "v1", "id", "handoff"] if method == Method::Post => {
            id_check::hand_off(req, env).await
        }
        ["api", "v1", "id", "handoff", "open"] if method == Method::Post => {
            id_check::open_handoff(req, env).await
        }
        ["api", "v1", "id", "photos", document, shot] if method == Method::Put => {
            let (document, shot) = (document.to_string(), shot.to_string());
            id_check::photo(req, env, &document, &shot).await
        }
        ["api", "v1", "id", "submit"] if method == Method::Post => id_check::submit(req, env).await,
        ["api", "v1", "id", "status"] if method == Method::Get => id_check::status(req, env).await,
        ["api", "v1", "webhooks", "veriff"] if method == Method::Post => {
            veriff_webhook::post(req, env).await
        }
        ["api", "v1", "recipient", "grant"] if method == Method::Post => {
            grant::post(req, env).await
        }
        ["api", "v1", "recipient", "devices"] if method == Method::Get => {
            devices::list(req, env).await
        }
        ["api", "v1", "recipient", "devices", "seen"] if method == Method::Post => {
            devices::seen(req, env).await
        }
        ["api", "v1", "recipient", "devices", device] if method == Method::Delete => {
            let device = device.to_string();
            devices::revoke(req, env, &device, false).await
        }
        ["api", "v1", "recipient", "devices", device, "not-mine"] if method == Method::Post => {
            let device = device.to_string();
            devices::revoke(req, env, &device, true).await
        }
        ["api", "v1", "recipient", "recovery"] if method == Method::Post => {
            recovery::start(req, env).await
        }
        ["api", "v1", "recipient", "recovery", "code"] if method == Method::Post => {
            recovery::finish(req, env).await
        }
        ["api", "v1", "recipient", "pairing"] if method == Method::Post => {
            pairing::offer(req, env).await
        }
        ["api", "v1", "recipient", "pairing"] if method == Method::Get => {
            pairing::status(req, env).await
        }
        ["api", "v1", "recipient", "pairing", "claim"] if method == Method::Post => {
            pairing::claim(req, env).await
        }
        ["api", "v1", "recipient", "pairing", "confirm"] if method == Method::Post => {
            pairing::confirm(req, env).await
        }
        ["api", "v1", "recipient", "passkey", "register", "options"] if method == Method::Post => {
            passkey::creation(req, env).await
        }
        ["api", "v1", "recipient", "passkey", "register"] if method == Method::Post => {
            passkey::register(req, env).await
        }
        ["api", "v1", "recipient", "passkey", "options"] if method == Method::Post => {
            passkey::request(req, env).await
        }
        ["api", "v1", "recipient", "passkey"] if method == Method::Post => {
            passkey::sign_in(req, env).await
        }
        ["api", "v1", "form"] if method == Method::Get => web_form::view(req, env).await,
        ["api", "v1", "form", "entry"] if method == Method::Post => {
            web_form_entry::enter(req, env).await
        }
        ["api", "v1", "form", "entry", "send"] if method == Method::Post => {
            web_form_entry::send(req, env).await
        }
        ["api", "v1", "form", "entry", "code"] if method == Method::Post => {
            web_form_entry::check(req, env).await
        }
        ["api", "v1", "oauth", "callback"] if method == Method::Get => {
            oauth_callback::get(req, env).await
        }
        ["api", "health"]
        | ["api", "v1", "form"]
        | ["api", "v1", "form", "entry"]
        | ["api", "v1", "form", "entry", "send" | "code"]
        | ["api", "v1", "oauth", "callback"]
        | ["api", "v1", "recipient", "login", "start" | "finish"]
        | ["api", "v1", "recipient", "kba", "start" | "answers"]
        | ["api", "v1", "recipient", "id", "start" | "finish"]
        | ["api", "v1", "id", "handoff" | "submit" | "status"]
        | ["api", "v1", "id", "handoff", "open"]
        | ["api", "v1", "id", "photos", _, _]
        | ["api", "v1", "webhooks", "veriff"]
        | ["api", "v1", "recipient"]
        | [
            "api",
            "v1",
            "recipient",
            "password" | "code" | "grant" | "passkey",
        ]
        | ["api", "v1", "recipient", "passkey", "options" | "register"]
        | ["api", "v1", "recipient", "passkey", "register", "options"]
        | ["api", "v1", "recipient", "code", "send"] => http::error_response(&fail(
            ErrorCode::MethodNotAllowed,
            format!("{method} is not allowed here."),
        )),
        ["api", "v1", "preview", "recipient", rest @ ..] => preview::dispatch(req, env, rest).await,
        ["api", "v1", "preview", "form", rest @ ..] => preview_form::form(req, env, rest).await,
        ["api", ..] => http::error_response(&fail(ErrorCode::NotFound, "There is nothing here.")),
        ["admin", rest @ ..] => admin::dispatch(req, env, rest).await,
        ["dev", "outbox"] if method == Method::Get => dev_outbox::page(env).await,
        ["dev", "outbox.json"] if method == Method::Get => dev_outbox::json(env).await,
        _ => env.assets(ASSETS_BINDING)?.fetch_request(req).await,
    }
}
