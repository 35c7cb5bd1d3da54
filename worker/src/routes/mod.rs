//! Which route answers a request. Each route is one small file: parse, call the domain, answer.

mod admin;
mod health;
mod password;
mod recipient_view;

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
        ["api", "health"] | ["api", "v1", "recipient"] | ["api", "v1", "recipient", "password"] => {
            http::error_response(&fail(
                ErrorCode::MethodNotAllowed,
                format!("{method} is not allowed here."),
            ))
        }
        ["api", ..] => http::error_response(&fail(ErrorCode::NotFound, "There is nothing here.")),
        ["admin", rest @ ..] => admin::dispatch(req, env, rest).await,
        _ => env.assets(ASSETS_BINDING)?.fetch_request(req).await,
    }
}
