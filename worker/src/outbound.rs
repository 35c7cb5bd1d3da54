//! Requests to outside providers (knowledge questions, ID checks): the whole exchange, body
//! included, within a time, and an answer of bounded size. The recipient's checks wait for
//! these, so a provider that hangs or floods holds no signer up.

use std::time::Duration;

use futures_util::future::{Either, select};
use worker::{Delay, Fetch, Request};

/// Sends `request`; a 2xx answer's body, or why there is none (never the provider's own words,
/// which may repeat what a signer sent).
pub async fn exchange(
    request: Request,
    within: Duration,
    max_bytes: usize,
) -> Result<Vec<u8>, String> {
    let exchange = async move {
        let mut response = Fetch::Request(request)
            .send()
            .await
            .map_err(|e| format!("the provider could not be reached: {e}"))?;
        let status = response.status_code();
        if !(200..300).contains(&status) {
            return Err(format!("the provider answered HTTP {status}"));
        }
        let declared: Option<usize> = response
            .headers()
            .get("content-length")
            .ok()
            .flatten()
            .and_then(|length| length.parse().ok());
        if declared.is_some_and(|length| length > max_bytes) {
            return Err("the provider's answer is too large".into());
        }
        let bytes = response
            .bytes()
            .await
            .map_err(|e| format!("the provider's answer was cut off: {e}"))?;
        if bytes.len() > max_bytes {
            return Err("the provider's answer is too large".into());
        }
        Ok(bytes)
    };
    match select(Box::pin(exchange), Box::pin(Delay::from(within))).await {
        Either::Left((answered, _)) => answered,
        Either::Right(_) => Err(format!(
            "the provider did not answer in {} s",
            within.as_secs()
        )),
    }
}
