//! Passkeys: a browser where the recipient verified registers one for itself; afterwards a passkey
//! alone verifies its device again (a cleared cookie, a grant long expired). The ceremonies'
//! checks are `signgate_core::webauthn`'s, their challenges and the devices are the recipient's
//! `DeviceBook`; the signature is checked here with WebCrypto. All under the check lock, so a
//! challenge is used once and a counter read and written without another sign-in in between.
//! Where a passkey is the recipient's method, a sign-in may also use the signer's passkeys with
//! the account, before any verification (`passkey_method.rs`).

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use signgate_core::audit::AuditKind;
use signgate_core::devices::{Purpose, Refusal, Seen};
use signgate_core::encoding::{base64url, from_base64url};
use signgate_core::policy::{Method, PasskeyUse};
use signgate_core::webauthn::{self, Problem, PublicKey, RelyingParty, Signed};
use signgate_core::wire::{
    ErrorCode, PasskeyAssertion, PasskeyCreation, PasskeyRegistered, PasskeyRegistration,
    PasskeyRequest, RecipientState, VerifiedResponse,
};
use worker::Result;

use super::devices::device_of;
use super::{Loaded, RecipientObject};
use crate::config::now_ms;
use crate::crypto;
use crate::http::{Failure, cancelled, fail};
use crate::objects::Reply;

/// How long the browser gives the signer to use their authenticator.
const TIMEOUT_MS: u64 = signgate_core::devices::CHALLENGE_MS;
/// The `amr` of a passkey sign-in (RFC 8176: proof of a hardware-secured key).
pub const AMR: &str = "hwk";

/// Who the passkeys are for, as the request's origin says (`PUBLIC_ORIGIN` when set).
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Rp {
    /// The origin's host: the RP id.
    pub id: String,
    pub origin: String,
    /// Shown by the authenticator.
    pub name: String,
}

impl Rp {
    fn party(&self) -> RelyingParty<'_> {
        RelyingParty {
            id: &self.id,
            origin: &self.origin,
        }
    }
}

impl RecipientObject {
    /// The recipient, verified and not cancelled: passkeys are registered after a verification
    /// and stand for it, and a pairing is offered from it.
    async fn verified_recipient(&self, token: &str) -> Result<Reply<Loaded>> {
        // Devices whose verification lapsed are gone first: they neither offer nor register.
        Ok(self.authenticate_in(token, &[]).await?.and_then(verified))
    }

    /// The recipient for a passkey sign-in: verified (a passkey stands for that), or still to
    /// verify where a passkey is their method; and the account's policy has passkeys.
    pub(super) async fn passkey_recipient(&self, token: &str) -> Result<Reply<Loaded>> {
        let loaded = self.authenticate_in(token, &[]).await?;
        Ok(loaded
            .and_then(|loaded| match loaded.progress.state {
                RecipientState::Pending if loaded.record.method == Method::Passkey => Ok(loaded),
                _ => verified(loaded),
            })
            .and_then(passkeys_allowed))
    }

    /// The recipient, verified, and the device of the browser presenting `presented`: for a
    /// registration, or a pairing offered from it.
    pub(super) async fn verified_device(
        &self,
        token: &str,
        presented: &[String],
    ) -> Result<Reply<(Loaded, String)>> {
        let loaded = match self.verified_recipient(token).await? {
            Ok(loaded) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        Ok(device_of(&loaded, presented).map(|device| (loaded, device)))
    }

    /// [`Self::verified_device`], for registering a passkey.
    async fn passkey_device(
        &self,
        token: &str,
        presented: &[String],
    ) -> Result<Reply<(Loaded, String)>> {
        Ok(self
            .verified_device(token, presented)
            .await?
            .and_then(|(loaded, device)| passkeys_allowed(loaded).map(|l| (l, device))))
    }

    /// Options for `navigator.credentials.create`, for a browser where the recipient verified
    /// (it presents its verification cookie).
    pub(super) async fn passkey_creation(
        &self,
        token: &str,
        presented: &[String],
        rp: Rp,
    ) -> Result<Reply<PasskeyCreation>> {
        let _one_check_at_a_time = self.checking.lock().await;
        let (mut loaded, device) = match self.passkey_device(token, presented).await? {
            Ok(found) => found,
            Err(e) => return Ok(Err(e)),
        };
        let challenge = base64url(&crypto::random_bytes::<32>()?);
        let purpose = Purpose::Register { device };
        let devices = &mut loaded.progress.devices;
        devices.challenge(challenge.clone(), purpose, now_ms());
        let creation = PasskeyCreation {
            challenge,
            rp_id: rp.id,
            rp_name: rp.name,
            user_id: self.user_handle(),
            user_name: loaded.record.email.clone(),
            user_display_name: loaded.record.name.clone(),
            algorithms: webauthn::ALGORITHMS.to_vec(),
            exclude_credentials: devices
                .passkeys()
                .map(|p| p.credential_id.clone())
                .collect(),
            timeout_ms: TIMEOUT_MS,
        };
        self.save(loaded, Vec::new()).await?;
        Ok(Ok(creation))
    }

    /// Registers the passkey the browser made for its device.
    pub(super) async fn passkey_register(
        &self,
        token: &str,
        presented: &[String],
        rp: Rp,
        registration: PasskeyRegistration,
    ) -> Result<Reply<PasskeyRegistered>> {
        let _one_check_at_a_time = self.checking.lock().await;
        let (mut loaded, device) = match self.passkey_device(token, presented).await? {
            Ok(found) => found,
            Err(e) => return Ok(Err(e)),
        };
        let (Some(client_data), Some(object), Some(challenge)) = (
            from_base64url(&registration.client_data_json),
            from_base64url(&registration.attestation_object),
            from_base64url(&registration.challenge),
        ) else {
            return Ok(Err(*not_base64url()));
        };
        let devices = &mut loaded.progress.devices;
        let purpose = Purpose::Register {
            device: device.clone(),
        };
        // Spent whatever follows: a registration is answered once.
        let taken = devices.take_challenge(&registration.challenge, &purpose, now_ms());
        let checked = taken
            .map_err(refused)
            .and_then(|()| {
                webauthn::check_registration(rp.party(), &challenge, &client_data, &object)
                    .map_err(problem)
            })
            .and_then(|credential| devices.register(&device, credential).map_err(refused));
        if let Err(failure) = checked {
            self.save(loaded, Vec::new()).await?;
            return Ok(Err(*failure));
        }
        let event = AuditKind::PasskeyRegistered {
            device: device.clone(),
        };
        self.save(loaded, vec![event]).await?;
        Ok(Ok(PasskeyRegistered { device_id: device }))
    }

    /// Options for `navigator.credentials.get`: the recipient's passkeys.
    pub(super) async fn passkey_request(
        &self,
        token: &str,
        rp: Rp,
    ) -> Result<Reply<PasskeyRequest>> {
        let _one_check_at_a_time = self.checking.lock().await;
        // Asked before the state is read: nothing read goes stale over the call.
        let held = self.held_for_the_method(token).await?;
        let mut loaded = match self.passkey_recipient(token).await? {
            Ok(loaded) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        let devices = &mut loaded.progress.devices;
        let mut allow_credentials: Vec<String> = devices
            .passkeys()
            .map(|p| p.credential_id.clone())
            .collect();
        for id in held {
            if !allow_credentials.contains(&id) {
                allow_credentials.push(id);
            }
        }
        if allow_credentials.is_empty() {
            return Ok(Err(*fail(
                ErrorCode::Conflict,
                if loaded.record.method == Method::Passkey {
                    "You hold no passkey for this sender any more: ask them for another way to \
                     verify."
                } else {
                    "No passkey is registered for this link: verify with your method instead."
                },
            )));
        }
        let challenge = base64url(&crypto::random_bytes::<32>()?);
        devices.challenge(challenge.clone(), Purpose::Assert, now_ms());
        self.save(loaded, Vec::new()).await?;
        Ok(Ok(PasskeyRequest {
            challenge,
            rp_id: rp.id,
            allow_credentials,
            timeout_ms: TIMEOUT_MS,
        }))
    }

    /// A passkey's answer: if it holds, its device verified again in this browser, with a grant.
    pub(super) async fn passkey_sign_in(
        &self,
        token: &str,
        browser: Seen,
        rp: Rp,
        assertion: PasskeyAssertion,
    ) -> Result<Reply<VerifiedResponse>> {
        let _one_check_at_a_time = self.checking.lock().await;
        let mut loaded = match self.passkey_recipient(token).await? {
            Ok(loaded) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        let Some(answer) = Answer::of(&assertion) else {
            return Ok(Err(*not_base64url()));
        };
        let now = now_ms();
        let devices = &mut loaded.progress.devices;
        let taken = devices.take_challenge(&assertion.challenge, &Purpose::Assert, now);
        let Some(device) = devices.by_credential(&assertion.credential_id).cloned() else {
            if loaded.record.method == Method::Passkey {
                let signing_in = super::passkey_method::SigningIn {
                    token,
                    browser,
                    rp,
                    credential_id: &assertion.credential_id,
                    answer,
                };
                return self.passkey_method_sign_in(loaded, taken, signing_in).await;
            }
            self.save(loaded, Vec::new()).await?;
            return Ok(Err(*refused(Refusal::UnknownCredential)));
        };
        let passkey = device.passkey.as_ref().expect("found by its passkey");
        if let Err(refusal) = taken {
            self.save(loaded, Vec::new()).await?;
            return Ok(Err(*refused(refusal)));
        }
        let signed = match answer.check(&rp, &passkey.public_key) {
            Ok(signed) => signed,
            Err(why) => {
                self.save(loaded, Vec::new()).await?;
                return Ok(Err(*problem(why)));
            }
        };
        // The challenge is spent before WebCrypto is awaited: no second answer can use it.
        self.save(loaded, Vec::new()).await?;
        let holds =
            crypto::signature_holds(&passkey.public_key, &signed.message, &signed.signature)
                .await?;
        if !holds {
            return Ok(Err(*fail(
                ErrorCode::PasskeyRefused,
                "That passkey's signature does not hold.",
            )));
        }
        // The counter only once the signature holds: a forged answer raises no alarm. The
        // account's registry counts the same passkey for the passkey method: both must go up.
        let by_account = self
            .account_counter(&assertion.credential_id, signed.sign_count)
            .await?;
        // Other events ran while WebCrypto answered (a cancellation, a revocation): the present.
        let mut loaded = match self.passkey_recipient(token).await? {
            Ok(loaded) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        let kept = loaded
            .progress
            .devices
            .by_credential(&assertion.credential_id)
            .and_then(|d| d.passkey.as_ref())
            .map(|p| p.sign_count);
        let Some(kept) = kept else {
            // Revoked while WebCrypto answered.
            return Ok(Err(*refused(Refusal::UnknownCredential)));
        };
        if let Err(why) = webauthn::check_counter(kept, signed.sign_count).and(by_account) {
            let suspected = AuditKind::PasskeyCloneSuspected { device: device.id };
            self.save(loaded, vec![suspected]).await?;
            return Ok(Err(*problem(why)));
        }
        let id = crypto::random_id()?;
        let devices = &mut loaded.progress.devices;
        let signed_in = devices.signed_in(
            &assertion.credential_id,
            signed.sign_count,
            id,
            browser,
            now,
        );
        let Ok(device) = signed_in else {
            return Ok(Err(*refused(Refusal::UnknownCredential)));
        };
        let mut response = self.grant(&loaded.record, AMR)?;
        response.signature_name = loaded.progress.signature_name.clone();
        self.save(loaded, vec![AuditKind::PasskeySignedIn { device }])
            .await?;
        Ok(Ok(response))
    }

    /// The WebAuthn user handle: names the recipient's object to the authenticator, nobody else
    /// (a digest of its id, which is random).
    fn user_handle(&self) -> String {
        base64url(&Sha256::digest(self.id().as_bytes())[..16])
    }
}

/// `loaded`, if verified and not cancelled.
fn verified(loaded: Loaded) -> std::result::Result<Loaded, signgate_core::wire::ApiError> {
    match loaded.progress.state {
        RecipientState::Verified => Ok(loaded),
        RecipientState::Cancelled => Err(*cancelled()),
        RecipientState::Pending => Err(*fail(
            ErrorCode::Conflict,
            "This link is not verified (or no longer): verify with your method first.",
        )),
    }
}

/// `loaded`, unless the account's policy has no passkeys.
fn passkeys_allowed(loaded: Loaded) -> std::result::Result<Loaded, signgate_core::wire::ApiError> {
    if loaded.record.devices.passkeys == PasskeyUse::Off {
        return Err(*fail(
            ErrorCode::NotAllowed,
            "This account's policy has no passkeys: verify with your method.",
        ));
    }
    Ok(loaded)
}

/// A passkey's answer to a sign-in, decoded.
pub(super) struct Answer {
    client_data: Vec<u8>,
    data: Vec<u8>,
    signature: Vec<u8>,
    challenge: Vec<u8>,
}

impl Answer {
    fn of(assertion: &PasskeyAssertion) -> Option<Self> {
        Some(Self {
            client_data: from_base64url(&assertion.client_data_json)?,
            data: from_base64url(&assertion.authenticator_data)?,
            signature: from_base64url(&assertion.signature)?,
            challenge: from_base64url(&assertion.challenge)?,
        })
    }

    /// [`webauthn::check_assertion`] for `rp` with the passkey's `key`: what WebCrypto checks.
    pub(super) fn check(&self, rp: &Rp, key: &PublicKey) -> std::result::Result<Signed, Problem> {
        webauthn::check_assertion(
            rp.party(),
            &self.challenge,
            key,
            &self.client_data,
            &self.data,
            &self.signature,
        )
    }
}

fn not_base64url() -> Failure {
    fail(
        ErrorCode::InvalidRequest,
        "challenge, client_data_json, attestation_object, authenticator_data and signature are \
         base64url",
    )
}

pub(super) fn refused(refusal: Refusal) -> Failure {
    fail(
        ErrorCode::PasskeyRefused,
        match refusal {
            Refusal::Challenge => "That passkey answer is for no open request: please try again.",
            Refusal::UnknownCredential => "That passkey is not registered for this link.",
            Refusal::AlreadyRegistered => "This browser has a passkey for this link already.",
            Refusal::UnknownDevice => "This browser is not verified for this link.",
        },
    )
}

pub(super) fn problem(problem: Problem) -> Failure {
    fail(
        ErrorCode::PasskeyRefused,
        match problem {
            Problem::CounterWentBack => {
                "That passkey's counter went back: it may have been copied. It was refused."
            }
            Problem::UserNotVerified => {
                "The passkey must check it is you (a PIN, a fingerprint or a face)."
            }
            Problem::UnsupportedKey => "That kind of passkey is not supported: ES256 or RS256.",
            _ => "That passkey answer does not hold for this site and request.",
        },
    )
}
