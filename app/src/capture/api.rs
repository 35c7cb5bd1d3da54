//! The ID check's calls. The signing link's token begins and finishes; everything in between
//! carries the session's capture token. Uploads go by `XMLHttpRequest`, the one browser API that
//! reports an upload's progress.

use gloo_net::http::Request;
use signgate_core::id_check::{Document, Shot};
use signgate_core::outgoing::Language;
use signgate_core::wire::{IdFinish, IdHandoffRequest, IdHandoffSent, IdStatus, VerifiedResponse};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{Blob, ProgressEvent, RequestCache, XmlHttpRequest};

use crate::api::{Failure, parse};

/// Where an ID call (`start`, `photos/…`) with `bearer` goes: the signing link's two under the
/// recipient API, the capture calls under their own; a sender's preview (whose token is also its
/// capture token) has routes of its own that answer from the token alone.
fn path(bearer: &str, call: &str) -> String {
    if signgate_core::preview::is_preview_token(bearer) {
        format!("/api/v1/preview/recipient/id/{call}")
    } else if matches!(call, "start" | "finish") {
        format!("/api/v1/recipient/id/{call}")
    } else {
        format!("/api/v1/id/{call}")
    }
}

pub async fn start(link: &str) -> Result<IdStatus, Failure> {
    post(&path(link, "start"), link, None).await
}

/// Collects a passed check's grant, with the capture token the check began with.
pub async fn finish(link: &str, capture: &str) -> Result<VerifiedResponse, Failure> {
    let body = crate::api::json(&IdFinish {
        capture_token: capture.to_owned(),
    })
    .ok_or(Failure::Unreachable)?;
    crate::api::passkey_first(post(&path(link, "finish"), link, Some(body)).await, link)
}

/// The phone opens the hand-off link's token: its own capture token comes back.
pub async fn open(handoff: &str) -> Result<IdStatus, Failure> {
    post(&path(handoff, "handoff/open"), handoff, None).await
}

/// A new hand-off link: by SMS (to `phone`, or the number the sender gave), or with `sms` off
/// only for the QR code.
pub async fn hand_off(
    capture: &str,
    phone: Option<String>,
    sms: bool,
    language: Language,
) -> Result<IdHandoffSent, Failure> {
    let body = crate::api::json(&IdHandoffRequest {
        phone,
        sms,
        language,
    })
    .ok_or(Failure::Unreachable)?;
    post(&path(capture, "handoff"), capture, Some(body)).await
}

pub async fn submit(capture: &str) -> Result<IdStatus, Failure> {
    post(&path(capture, "submit"), capture, None).await
}

pub async fn status(capture: &str) -> Result<IdStatus, Failure> {
    let request = Request::get(&path(capture, "status"))
        .header("Authorization", &format!("Bearer {capture}"))
        .cache(RequestCache::NoStore)
        .build();
    parse(answer(request).await)
}

async fn post<T: serde::de::DeserializeOwned>(
    path: &str,
    bearer: &str,
    json: Option<String>,
) -> Result<T, Failure> {
    let builder = Request::post(path).header("Authorization", &format!("Bearer {bearer}"));
    let request = match json {
        Some(body) => builder
            .header("Content-Type", "application/json")
            .body(body),
        None => builder.build(),
    };
    parse(answer(request).await)
}

async fn answer(request: Result<Request, gloo_net::Error>) -> Option<(bool, String)> {
    let response = request.ok()?.send().await.ok()?;
    let text = response.text().await.ok()?;
    Some((response.ok(), text))
}

/// Uploads one photo (a JPEG), calling `progress` with the share sent (0 to 100).
pub async fn upload(
    capture: &str,
    document: Document,
    shot: Shot,
    live: bool,
    jpeg: &Blob,
    progress: impl Fn(u32) + 'static,
) -> Result<IdStatus, Failure> {
    let call = format!("photos/{}/{}?live={live}", document.name(), shot.name());
    let url = path(capture, &call);
    let xhr = XmlHttpRequest::new().map_err(|_| Failure::Unreachable)?;
    let (done, ended) = one_shot();
    let sent = (|| {
        xhr.open("PUT", &url)?;
        xhr.set_request_header("Authorization", &format!("Bearer {capture}"))?;
        xhr.set_request_header("Content-Type", "image/jpeg")?;
        let on_progress = Closure::<dyn Fn(ProgressEvent)>::new(move |event: ProgressEvent| {
            if event.length_computable() && event.total() > 0.0 {
                progress((event.loaded() / event.total() * 100.0) as u32);
            }
        });
        xhr.upload()?
            .set_onprogress(Some(on_progress.as_ref().unchecked_ref()));
        on_progress.forget();
        let on_end = Closure::once(done);
        xhr.set_onloadend(Some(on_end.as_ref().unchecked_ref()));
        on_end.forget();
        xhr.send_with_opt_blob(Some(jpeg))
    })();
    if sent.is_err() {
        return Err(Failure::Unreachable);
    }
    ended.await;
    let status = xhr.status().unwrap_or(0);
    if status == 0 {
        return Err(Failure::Unreachable);
    }
    let text = xhr.response_text().ok().flatten().unwrap_or_default();
    parse(Some(((200..300).contains(&status), text)))
}

/// A one-shot signal from a browser callback to the task awaiting it.
fn one_shot() -> (impl FnOnce(), impl std::future::Future<Output = ()>) {
    let mut resolve = None;
    let promise = js_sys::Promise::new(&mut |res, _reject| resolve = Some(res));
    let fire = move || {
        if let Some(resolve) = resolve {
            let _ = resolve.call0(&wasm_bindgen::JsValue::NULL);
        }
    };
    (fire, async move {
        let _ = wasm_bindgen_futures::JsFuture::from(promise).await;
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preview_calls_its_own_routes() {
        let link = "A".repeat(86);
        assert_eq!(path(&link, "start"), "/api/v1/recipient/id/start");
        assert_eq!(path(&link, "submit"), "/api/v1/id/submit");
        assert_eq!(
            path("p1.eyJ9.sig", "start"),
            "/api/v1/preview/recipient/id/start"
        );
        assert_eq!(
            path("p1.eyJ9.sig", "status"),
            "/api/v1/preview/recipient/id/status"
        );
    }
}
