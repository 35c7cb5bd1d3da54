//! Request parsing and error answers shared by every route. Bad input always ends here as a 4xx
//! with a stable code, before anything is changed.

use serde::Serialize;
use serde::de::DeserializeOwned;
use signgate_core::wire::{ApiError, ErrorCode};
use worker::{Request, Response, Result};

/// The largest body the recipient API reads (a password is at most 64 characters).
pub const MAX_RECIPIENT_BODY: usize = 4 * 1024;
/// The largest body the admin API reads (50 recipients with long names fit easily).
pub const MAX_ADMIN_BODY: usize = 256 * 1024;

/// A failed request: what the route answers instead of a result.
pub type Failure = Box<ApiError>;

pub fn fail(code: ErrorCode, message: impl Into<String>) -> Failure {
    Box::new(ApiError {
        code,
        message: message.into(),
        tries_left: None,
        retry_after_secs: None,
    })
}

/// Unknown, malformed, expired and foreign tokens all get this one answer.
pub fn invalid_link() -> Failure {
    fail(
        ErrorCode::InvalidLink,
        "This link is not valid or has expired. Ask the sender for a new one.",
    )
}

/// The same answer whatever was entered, so a cancelled link says nothing about the password.
pub fn cancelled() -> Failure {
    fail(
        ErrorCode::Cancelled,
        "This agreement has been cancelled. The sender has been told.",
    )
}

/// A wrong password (`WrongPassword`) or code (`WrongCode`), and the tries left: the same words on
/// a real link and in a preview.
pub fn wrong_entry(code: ErrorCode, tries_left: Option<u32>) -> ApiError {
    let message = match code {
        ErrorCode::WrongPassword => "That password is not right.",
        ErrorCode::PasskeyRefused => "That passkey answer does not hold for this link.",
        _ => "That code is not right.",
    };
    let mut error = *fail(code, message);
    error.tries_left = tries_left;
    error
}

/// What was typed cannot be a password (`InvalidPassword`) or code (`InvalidCode`): refused
/// without being counted, with the tries still left.
pub fn not_counted(
    code: ErrorCode,
    problem: impl std::fmt::Display,
    tries_left: Option<u32>,
) -> ApiError {
    let mut error = *fail(code, format!("Not counted as a try: {problem}."));
    error.tries_left = tries_left;
    error
}

pub fn agreement_not_found() -> Failure {
    fail(ErrorCode::NotFound, "No agreement has this id.")
}

pub fn json<T: Serialize>(status: u16, body: &T) -> Result<Response> {
    Ok(Response::from_json(body)?.with_status(status))
}

pub fn error_response(error: &ApiError) -> Result<Response> {
    json(error.code.status(), error)
}

/// An object's reply as the route's answer: 200 with the value, or the object's own error.
pub fn answer<T: Serialize>(reply: std::result::Result<T, ApiError>) -> Result<Response> {
    match reply {
        Ok(value) => json(200, &value),
        Err(error) => error_response(&error),
    }
}

/// What a route returns: a response, or a failure to be answered as JSON.
pub fn respond(outcome: std::result::Result<Response, Failure>) -> Result<Response> {
    outcome.or_else(|failure| error_response(&failure))
}

/// A 500 that says nothing about the inside; the details go to the log.
pub fn internal_error(error: &worker::Error) -> Response {
    worker::console_error!("internal error: {error}");
    let body = fail(
        ErrorCode::Internal,
        "Something went wrong on our side. Please try again.",
    );
    error_response(&body)
        .unwrap_or_else(|_| Response::error("internal error", 500).expect("plain response"))
}

/// Reads a JSON body of at most `max` bytes into `T`, telling malformed JSON from wrong fields.
pub async fn read_json<T: DeserializeOwned>(
    req: &mut Request,
    max: usize,
) -> std::result::Result<T, Failure> {
    let bytes = read_body(req, max, "application/json").await?;
    serde_json::from_slice(&bytes).map_err(|e| match e.classify() {
        serde_json::error::Category::Data => fail(
            ErrorCode::InvalidRequest,
            format!("The body does not fit: {e}"),
        ),
        _ => fail(
            ErrorCode::MalformedJson,
            format!("The body is not valid JSON: {e}"),
        ),
    })
}

/// Reads a body of `content_type` of at most `max` bytes: a declared length over it is refused
/// before reading, and a body without one is cut off at it.
pub async fn read_body(
    req: &mut Request,
    max: usize,
    content_type: &str,
) -> std::result::Result<Vec<u8>, Failure> {
    let declared_type = req
        .headers()
        .get("content-type")
        .ok()
        .flatten()
        .unwrap_or_default();
    if !declared_type.to_ascii_lowercase().starts_with(content_type) {
        return Err(fail(
            ErrorCode::UnsupportedMediaType,
            format!("Send the body as {content_type}."),
        ));
    }
    let too_large = || {
        fail(
            ErrorCode::BodyTooLarge,
            format!("The body must be at most {max} bytes."),
        )
    };
    let declared = req
        .headers()
        .get("content-length")
        .ok()
        .flatten()
        .and_then(|v| v.parse::<usize>().ok());
    if declared.is_some_and(|n| n > max) {
        return Err(too_large());
    }
    read_at_most(req, max).await?.ok_or_else(too_large)
}

/// The body, read chunk by chunk and dropped as soon as it passes `max` bytes (`None`), so a body
/// without a length, or with a false one, cannot hold more than `max` of the isolate's memory.
async fn read_at_most(
    req: &mut Request,
    max: usize,
) -> std::result::Result<Option<Vec<u8>>, Failure> {
    use futures_util::StreamExt;
    let unreadable = || fail(ErrorCode::MalformedJson, "The body could not be read.");
    if req.inner().body().is_none() {
        return Ok(Some(Vec::new()));
    }
    let mut stream = req.stream().map_err(|_| unreadable())?;
    let mut bytes = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|_| unreadable())?;
        if bytes.len() + chunk.len() > max {
            return Ok(None);
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Some(bytes))
}

/// The credential after `Authorization: Bearer `.
pub fn bearer(req: &Request) -> Option<String> {
    let value = req.headers().get("authorization").ok().flatten()?;
    let (scheme, credential) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| credential.trim().to_string())
}

/// `/a/b/c` → `["a", "b", "c"]`.
pub fn segments(path: &str) -> Vec<&str> {
    path.split('/').filter(|s| !s.is_empty()).collect()
}
