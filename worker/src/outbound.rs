//! Requests to outside providers (knowledge questions, ID checks): the whole exchange, body
//! included, within a time, and an answer of bounded size. The recipient's checks wait for
//! these, so a provider that hangs or floods holds no signer up.

use std::time::Duration;

use futures_util::future::{Either, select};
use worker::{Delay, Fetch, Request};

/// A provider could not be asked, or its answer could not be read. Never holds personal data:
/// never the provider's own words, which may repeat what a signer sent.
#[derive(Debug)]
pub struct Unavailable(pub String);

/// Sends `request`; a 2xx answer's body, or why there is none.
pub async fn exchange(
    request: Request,
    within: Duration,
    max_bytes: usize,
) -> Result<Vec<u8>, Unavailable> {
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
        Either::Left((answered, _)) => answered.map_err(Unavailable),
        Either::Right(_) => Err(Unavailable(format!(
            "the provider did not answer in {} s",
            within.as_secs()
        ))),
    }
}
