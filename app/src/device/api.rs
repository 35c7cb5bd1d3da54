//! The device page's calls, with the link token; the browser's verification cookie goes along
//! (same origin), which is what makes this browser one of the recipient's devices or not.

use signgate_core::wire::{
    CodeAttempt, CodeSent, Devices, DevicesRevoked, PairingClaim, PairingConfirmation,
    PairingOffer, PairingStatus, PasskeyCreation, PasskeyRegistered, PasskeyRequest, Recovered,
    RecoveryStart, VerifiedResponse,
};

use super::webauthn;
use crate::api::{Failure, Nothing, get, post};
use crate::i18n::Lang;

pub async fn devices(token: &str) -> Result<Devices, Failure> {
    get("/devices", token).await
}

pub async fn revoke(token: &str, device: &str) -> Result<DevicesRevoked, Failure> {
    crate::api::delete(&format!("/devices/{device}"), token).await
}

/// "This was not me": `device` is revoked and the sender told.
pub async fn not_mine(token: &str, device: &str) -> Result<DevicesRevoked, Failure> {
    post(&format!("/devices/{device}/not-mine"), token, &Nothing {}).await
}

/// The devices announced as new were the signer's.
pub async fn seen(token: &str) -> Result<Devices, Failure> {
    post("/devices/seen", token, &Nothing {}).await
}

/// A recovery's first factor: the recovery code; right, an e-mail code is sent.
pub async fn start_recovery(token: &str, code: &str, lang: Lang) -> Result<CodeSent, Failure> {
    let start = RecoveryStart {
        recovery_code: code.to_owned(),
        language: Some(lang.code().to_owned()),
    };
    post("/recovery", token, &start).await
}

/// Its second: the e-mail code. This browser is a device then.
pub async fn finish_recovery(token: &str, code: &str) -> Result<Recovered, Failure> {
    let attempt = CodeAttempt {
        code: code.to_owned(),
    };
    post("/recovery/code", token, &attempt).await
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

/// A preview's sign-in: no authenticator is asked.
pub async fn preview_sign_in(token: &str) -> Result<VerifiedResponse, Failure> {
    post("/passkey", token, &Nothing {}).await
}

/// Verifies this browser with a passkey. `Ok(None)`: the signer cancelled.
pub async fn sign_in(token: &str) -> Result<Option<VerifiedResponse>, Failure> {
    let options: PasskeyRequest = post("/passkey/options", token, &Nothing {}).await?;
    let Some(assertion) = webauthn::get(&options).await else {
        return Ok(None);
    };
    post("/passkey", token, &assertion).await.map(Some)
}
