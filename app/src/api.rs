//! The two calls the app makes to the worker. The link token is the bearer credential.

use gloo_net::http::{Request, RequestBuilder, Response};
use serde::de::DeserializeOwned;
use signgate_core::wire::{ApiError, PasswordAttempt, RecipientView, VerifiedResponse};
use web_sys::RequestCache;

#[derive(Debug)]
pub enum Failure {
    /// The worker answered with one of its errors.
    Refused(ApiError),
    /// No answer, or one that is not the worker's (offline, a proxy's error page).
    Unreachable,
}

/// What this link is for and where the signer stands.
pub async fn recipient(token: &str) -> Result<RecipientView, Failure> {
    // The state changes as the signer acts: never answer from a cache.
    let request = authorized(Request::get("/api/v1/recipient"), token).cache(RequestCache::NoStore);
    read(request.send().await).await
}

pub async fn submit_password(token: &str, password: &str) -> Result<VerifiedResponse, Failure> {
    let attempt = PasswordAttempt {
        password: password.to_owned(),
    };
    let request = authorized(Request::post("/api/v1/recipient/password"), token)
        .json(&attempt)
        .map_err(|_| Failure::Unreachable)?;
    read(request.send().await).await
}

fn authorized(request: RequestBuilder, token: &str) -> RequestBuilder {
    request.header("Authorization", &format!("Bearer {token}"))
}

async fn read<T: DeserializeOwned>(
    response: Result<Response, gloo_net::Error>,
) -> Result<T, Failure> {
    let response = response.map_err(|_| Failure::Unreachable)?;
    if response.ok() {
        return response.json().await.map_err(|_| Failure::Unreachable);
    }
    match response.json::<ApiError>().await {
        Ok(error) => Err(Failure::Refused(error)),
        Err(_) => Err(Failure::Unreachable),
    }
}
