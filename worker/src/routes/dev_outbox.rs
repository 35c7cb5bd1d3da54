//! `GET /dev/outbox` (a page) and `GET /dev/outbox.json`: the code messages the dev outbox kept
//! instead of sending them, newest first. Not found unless `CODE_DELIVERY=outbox`.

use signgate_core::wire::ErrorCode;
use worker::{Env, Response, Result};

use crate::config;
use crate::http::{self, fail};
use crate::objects::dev_outbox::{self, OutboxMessage};

fn not_enabled() -> Result<Response> {
    http::error_response(&fail(ErrorCode::NotFound, "There is nothing here."))
}

pub async fn json(env: &Env) -> Result<Response> {
    if !config::dev_outbox_enabled(env) {
        return not_enabled();
    }
    let messages = dev_outbox::list(env).await?;
    http::json(200, &serde_json::json!({ "messages": messages }))
}

pub async fn page(env: &Env) -> Result<Response> {
    if !config::dev_outbox_enabled(env) {
        return not_enabled();
    }
    let messages = dev_outbox::list(env).await?;
    let mut html = String::from(
        "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>Dev outbox · signgate</title><h1>Dev outbox</h1>\
         <p>Codes that would have been sent by SMS, voice call or e-mail. Newest first; reload \
         for new ones. This page exists only when <code>CODE_DELIVERY=outbox</code>.</p>",
    );
    if messages.is_empty() {
        html.push_str("<p>Nothing has been sent yet.</p>");
    }
    for message in &messages {
        html.push_str(&article(message));
    }
    let mut response = Response::from_html(html)?;
    response.headers_mut().set("cache-control", "no-store")?;
    Ok(response)
}

fn article(m: &OutboxMessage) -> String {
    let at = worker::Date::new(worker::DateInit::Millis(m.at)).to_string();
    format!(
        "<article><h2>{} to {}</h2><p><time>{}</time>{}</p><pre>{}</pre></article>",
        m.channel.name(),
        escape(&m.to),
        escape(&at),
        if m.subject.is_empty() {
            String::new()
        } else {
            format!(" · {}", escape(&m.subject))
        },
        escape(&m.body),
    )
}

/// Titles and names in messages are senders' input.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
