//! The calls the app makes to the worker. The link token is the bearer credential.

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use signgate_core::kba::Subject;
use signgate_core::otp::Channel;
use signgate_core::wire::{
    ApiError, CodeAttempt, CodeSent, ErrorCode, KbaAnswered, KbaAnswers, KbaRound, LoginStarted,
    PasswordAttempt, RecipientView, SendCode, StartLogin, VerifiedResponse,
};
use web_sys::RequestCache;

use crate::i18n::Lang;

#[derive(Debug)]
pub enum Failure {
    /// The worker answered with one of its errors.
    Refused(ApiError),
    /// No answer, or one that is not the worker's (offline, a proxy's error page).
    Unreachable,
}

/// The recipient API, the signing page's.
const RECIPIENT: &str = "/recipient";

/// Where `call` (`/password`) of the API at `base` (`/recipient`, `/form`) goes for `token`: a
/// sender's preview has routes of its own, which answer from the preview token alone and never
/// touch a real link or form.
pub(crate) fn api_path(base: &str, token: &str, call: &str) -> String {
    let preview = if signgate_core::preview::is_preview_token(token) {
        "/preview"
    } else {
        ""
    };
    ["/api/v1", preview, base, call].concat()
}

/// What this link is for and where the signer stands.
pub async fn recipient(token: &str) -> Result<RecipientView, Failure> {
    // The state changes as the signer acts: never answer from a cache.
    let request = authorized(Request::get(&api_path(RECIPIENT, token, "")), token)
        .cache(RequestCache::NoStore);
    parse(exchange(request.build()).await)
}

pub async fn submit_password(token: &str, password: &str) -> Result<VerifiedResponse, Failure> {
    let attempt = PasswordAttempt {
        password: password.to_owned(),
    };
    post("/password", token, &attempt).await
}

/// Sends a new code by `channel`; its message is in the page's language.
pub async fn send_code(token: &str, channel: Channel, language: Lang) -> Result<CodeSent, Failure> {
    let body = SendCode {
        channel,
        language: Some(language.code().to_owned()),
    };
    post("/code/send", token, &body).await
}

/// As typed or pasted: the worker strips the spaces and dashes people copy along with a code.
pub async fn submit_code(token: &str, code: &str) -> Result<VerifiedResponse, Failure> {
    let attempt = CodeAttempt {
        code: code.to_owned(),
    };
    post("/code", token, &attempt).await
}

/// Starts a hand-off to `provider` (its id). The answer also sets a cookie binding the hand-off to
/// this browser: a same-origin request keeps it, as fetch sends and stores same-origin cookies.
pub async fn start_login(token: &str, provider: &str) -> Result<LoginStarted, Failure> {
    let body = StartLogin {
        provider: provider.to_owned(),
    };
    post("/login/start", token, &body).await
}

/// Collects the grant of a finished hand-off; there is one to collect once.
pub async fn finish_login(token: &str) -> Result<VerifiedResponse, Failure> {
    post("/login/finish", token, &Nothing {}).await
}

/// Knowledge questions: the signer's details go to the provider, which finds the first questions.
pub async fn start_kba(token: &str, subject: &Subject) -> Result<KbaRound, Failure> {
    post("/kba/start", token, subject).await
}

/// The answers to a round: verified, two follow-up questions, or a refusal (a failed try).
pub async fn answer_kba(token: &str, answers: &KbaAnswers) -> Result<KbaAnswered, Failure> {
    post("/kba/answers", token, answers).await
}

/// `{}`: the worker takes JSON bodies only, and some calls have nothing to say.
#[derive(serde::Serialize)]
pub(crate) struct Nothing {}

/// A fresh grant for a link verified before (a reload, or back after the grant expired).
pub async fn fresh_grant(token: &str) -> Result<VerifiedResponse, Failure> {
    post("/grant", token, &Nothing {}).await
}

/// A JSON POST with the link token to the recipient API's `call` (`/password`), read as every
/// answer is. Only the body's encoding and the answer's decoding depend on the types: the request
/// itself is one function for every call, so each call adds little to the signer's download.
pub(crate) async fn post<T: DeserializeOwned>(
    call: &str,
    token: &str,
    body: &impl Serialize,
) -> Result<T, Failure> {
    passkey_first(
        post_at(&api_path(RECIPIENT, token, call), token, body).await,
        token,
    )
}

/// A JSON POST with `token` to the API's `path` (`/api/v1/form/entry`): the pages whose calls are
/// not the recipient API's use this and [`get_at`], with the same one request function.
pub(crate) async fn post_at<T: DeserializeOwned>(
    path: &str,
    token: &str,
    body: &impl Serialize,
) -> Result<T, Failure> {
    let Some(body) = json(body) else {
        return Err(Failure::Unreachable);
    };
    parse(send_json(path, token, body).await)
}

/// The account wants a passkey on this device before the document: the device page (which
/// holds the passkey code) adds one and sends the signer back. Every grant's answer passes here.
pub(crate) fn passkey_first<T>(answer: Result<T, Failure>, token: &str) -> Result<T, Failure> {
    if let Err(Failure::Refused(e)) = &answer
        && e.code == ErrorCode::PasskeyRequired
    {
        let _ = leptos::prelude::window()
            .location()
            .replace(&["/device/#", token].concat());
    }
    answer
}

/// A GET of the recipient API's `call` with the link token, never from a cache.
pub(crate) async fn get<T: DeserializeOwned>(call: &str, token: &str) -> Result<T, Failure> {
    get_at(&api_path(RECIPIENT, token, call), token).await
}

/// A GET of the API's `path` with `token`, never from a cache.
pub(crate) async fn get_at<T: DeserializeOwned>(path: &str, token: &str) -> Result<T, Failure> {
    let request = authorized(Request::get(path), token).cache(RequestCache::NoStore);
    parse(exchange(request.build()).await)
}

pub(crate) async fn delete<T: DeserializeOwned>(call: &str, token: &str) -> Result<T, Failure> {
    let request = authorized(Request::delete(&api_path(RECIPIENT, token, call)), token);
    parse(exchange(request.build()).await)
}

async fn send_json(path: &str, token: &str, body: String) -> Answer {
    let request = authorized(Request::post(path), token)
        .header("Content-Type", "application/json")
        .body(body);
    exchange(request).await
}

fn authorized(request: RequestBuilder, token: &str) -> RequestBuilder {
    request.header("Authorization", &format!("Bearer {token}"))
}

/// An answer's status and text, or `None` when there was no answer at all.
type Answer = Option<(bool, String)>;

async fn exchange(request: Result<Request, gloo_net::Error>) -> Answer {
    let response: Response = request.ok()?.send().await.ok()?;
    let text = response.text().await.ok()?;
    Some((response.ok(), text))
}

/// The worker's answer: the expected body, one of its errors, or neither (offline, a proxy's
/// error page).
pub(crate) fn parse<T: DeserializeOwned>(answer: Answer) -> Result<T, Failure> {
    let (ok, text) = answer.ok_or(Failure::Unreachable)?;
    if ok {
        return read(&text).ok_or(Failure::Unreachable);
    }
    Err(read::<ApiError>(&text).map_or(Failure::Unreachable, Failure::Refused))
}

/// JSON text through the browser's own parser (`JSON.parse`), which the signer already has: a
/// JSON parser of our own in the download would weigh more.
pub(crate) fn read<T: DeserializeOwned>(text: &str) -> Option<T> {
    serde_wasm_bindgen::from_value(js_sys::JSON::parse(text).ok()?).ok()
}

/// `body` as JSON text, by the browser's `JSON.stringify`.
pub(crate) fn json(body: &impl Serialize) -> Option<String> {
    let value = body
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .ok()?;
    js_sys::JSON::stringify(&value).ok()?.as_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preview_calls_the_preview_routes_and_a_link_the_real_ones() {
        assert_eq!(
            api_path(RECIPIENT, "p1.eyJ9.sig", "/code/send"),
            "/api/v1/preview/recipient/code/send"
        );
        assert_eq!(
            api_path(RECIPIENT, "p1.eyJ9.sig", ""),
            "/api/v1/preview/recipient"
        );
        assert_eq!(
            api_path(RECIPIENT, &"A".repeat(86), "/password"),
            "/api/v1/recipient/password"
        );
    }
}
