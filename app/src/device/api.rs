//! The device page's calls, with the link token; the browser's verification cookie goes along
//! (same origin), which is what makes this browser one of the recipient's devices or not.

use signgate_core::wire::{
    Devices, DevicesRevoked, PairingClaim, PairingConfirmation, PairingOffer, PairingStatus,
    PasskeyCreation, PasskeyRegistered, PasskeyRequest, VerifiedResponse,
};

use super::webauthn;
use crate::api::{Failure, Nothing, get, post};

pub async fn devices(token: &str) -> Result<Devices, Failure> {
    get("/devices", token).await
}

pub async fn revoke(token: &str, device: &str) -> Result<DevicesRevoked, Failure> {
    crate::api::delete(&format!("/devices/{device}"), token).await
}

pub async fn offer(token: &str) -> Result<PairingOffer, Failure> {
    post("/pairing", token, &Nothing {}).await
}

pub async fn pairing(token: &str) -> Result<PairingStatus, Failure> {
    get("/pairing", token).await
}

pub async fn claim(token: &str, secret: &str) -> Result<PairingStatus, Failure> {
    let claim = PairingClaim {
        secret: secret.to_owned(),
    };
    post("/pairing/claim", token, &claim).await
}

pub async fn confirm(token: &str, code: &str) -> Result<Devices, Failure> {
    let confirmation = PairingConfirmation {
        code: code.to_owned(),
    };
    post("/pairing/confirm", token, &confirmation).await
}

/// Makes a passkey for this device and registers it. `Ok(None)`: the signer cancelled.
pub async fn register_passkey(token: &str) -> Result<Option<PasskeyRegistered>, Failure> {
    let options: PasskeyCreation = post("/passkey/register/options", token, &Nothing {}).await?;
    let Some(registration) = webauthn::create(&options).await else {
        return Ok(None);
    };
    post("/passkey/register", token, &registration)
        .await
        .map(Some)
}

/// Verifies this browser with a passkey. `Ok(None)`: the signer cancelled.
pub async fn sign_in(token: &str) -> Result<Option<VerifiedResponse>, Failure> {
    let options: PasskeyRequest = post("/passkey/options", token, &Nothing {}).await?;
    let Some(assertion) = webauthn::get(&options).await else {
        return Ok(None);
    };
    post("/passkey", token, &assertion).await.map(Some)
}
