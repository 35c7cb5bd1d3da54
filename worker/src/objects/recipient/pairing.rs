//! Continuing on another device ([`signgate_core::pairing`]): a verified device offers a one-time
//! link; the browser that opens it first claims it and is shown a code; the signer types that
//! code on the offering device, and the new browser becomes one of the recipient's devices, with
//! the verification of the one that paired it. Each step is under the object's check lock.

use signgate_core::audit::AuditKind;
use signgate_core::devices::Seen;
use signgate_core::pairing::{self, Pairing, Refusal};
use signgate_core::wire::{Devices, ErrorCode, PairingStatus, RecipientState};
use worker::Result;

use super::devices::device_of;
use super::fresh_grant::amr_of;
use super::{RecipientObject, already_verified};
use crate::config::now_ms;
use crate::crypto;
use crate::http::{Failure, fail, wrong_entry};
use crate::objects::Reply;

impl RecipientObject {
    /// The device of the browser presenting `presented` offers a pairing whose link's secret has
    /// `digest`, replacing any earlier one. Its lifetime in seconds.
    pub(super) async fn pairing_offer(
        &self,
        token: &str,
        presented: &[String],
        digest: String,
    ) -> Result<Reply<u64>> {
        let _one_check_at_a_time = self.checking.lock().await;
        let (mut loaded, device) = match self.verified_device(token, presented).await? {
            Ok(found) => found,
            Err(e) => return Ok(Err(e)),
        };
        if !loaded.record.devices.pairing {
            return Ok(Err(*fail(
                ErrorCode::NotAllowed,
                "This account's policy has every device verify itself: open your signing link \
                 on the other device and verify there.",
            )));
        }
        loaded.progress.pairing = Some(Pairing::offer(device, digest, now_ms()));
        self.save(loaded, Vec::new()).await?;
        Ok(Ok(pairing::PAIRING_MS / 1000))
    }

    /// The browser `browser` opened a pairing link: it holds the code to type on the other device.
    pub(super) async fn pairing_claim(
        &self,
        token: &str,
        digest: &str,
        browser: Seen,
    ) -> Result<Reply<PairingStatus>> {
        let _one_check_at_a_time = self.checking.lock().await;
        let mut loaded = match self.authenticate(token).await? {
            Ok(loaded) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        // A device already (not `state_in`: a method that is not asked again shows every
        // browser "verified", and pairing is exactly how those join).
        if loaded
            .progress
            .devices
            .by_cookie(&browser.presented)
            .is_some()
        {
            return Ok(Err(*already_verified()));
        }
        let now = now_ms();
        let code = pairing::code_from(crypto::random_bytes()?);
        let claimed = match (loaded.progress.state, loaded.progress.pairing.as_mut()) {
            (RecipientState::Verified, Some(pairing)) => {
                pairing.claim(digest, browser, code.clone(), now)
            }
            _ => Err(Refusal::Invalid),
        };
        if let Err(refusal) = claimed {
            return Ok(Err(*refused(refusal)));
        }
        let left_ms = (loaded.progress.pairing.as_ref())
            .and_then(|p| p.offered(now))
            .map_or(0, |offered| offered.expires_in_ms);
        let status = PairingStatus {
            expires_in_secs: left_ms.div_ceil(1000),
            claimed_by: None,
            code: Some(code),
        };
        self.save(loaded, Vec::new()).await?;
        Ok(Ok(status))
    }

    /// The pairing as the asking browser sees it: the offering device, who claimed it; the
    /// claiming browser, its code.
    pub(super) async fn pairing_status(
        &self,
        token: &str,
        presented: &[String],
    ) -> Result<Reply<PairingStatus>> {
        let loaded = match self.authenticate(token).await? {
            Ok(loaded) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        let now = now_ms();
        let Some(pairing) = &loaded.progress.pairing else {
            return Ok(Err(*no_pairing()));
        };
        let mine = device_of(&loaded, presented).is_ok_and(|d| d == pairing.from);
        let status = match (mine, pairing.offered(now)) {
            (true, Some(offered)) => PairingStatus {
                expires_in_secs: offered.expires_in_ms.div_ceil(1000),
                claimed_by: offered.claimed_by,
                code: None,
            },
            (false, Some(offered)) => match pairing.code_for(presented, now) {
                Some(code) => PairingStatus {
                    expires_in_secs: offered.expires_in_ms.div_ceil(1000),
                    claimed_by: None,
                    code: Some(code.to_owned()),
                },
                None => return Ok(Err(*no_pairing())),
            },
            (_, None) => return Ok(Err(*no_pairing())),
        };
        Ok(Ok(status))
    }

    /// The offering device typed `code`: with the claimant's code, the claimant is a device.
    pub(super) async fn pairing_confirm(
        &self,
        token: &str,
        presented: &[String],
        code: &str,
    ) -> Result<Reply<Devices>> {
        let _one_check_at_a_time = self.checking.lock().await;
        let (mut loaded, device) = match self.verified_device(token, presented).await? {
            Ok(found) => found,
            Err(e) => return Ok(Err(e)),
        };
        let now = now_ms();
        let Some(pairing) = loaded.progress.pairing.as_mut() else {
            return Ok(Err(*no_pairing()));
        };
        let confirmed = pairing.confirm(&device, code, now);
        let live = pairing.is_live(now);
        if !live {
            loaded.progress.pairing = None;
        }
        let browser = match confirmed {
            Ok(browser) => browser,
            Err(refusal) => {
                self.save(loaded, Vec::new()).await?;
                return Ok(Err(*refused(refusal)));
            }
        };
        let amr = amr_of(&loaded.record, &loaded.progress);
        let book = &mut loaded.progress.devices;
        let paired = book.verified(crypto::random_id()?, browser, &amr, now);
        book.verified_as(&paired, &device);
        let devices = loaded.signers_devices(&device);
        let event = AuditKind::DevicePaired {
            device: paired,
            from: device,
        };
        self.save(loaded, vec![event]).await?;
        Ok(Ok(devices))
    }
}

fn no_pairing() -> Failure {
    fail(
        ErrorCode::Conflict,
        "No pairing is waiting here: start again from your other device.",
    )
}

fn refused(refusal: Refusal) -> Failure {
    match refusal {
        // One answer for a link unknown, used or stale.
        Refusal::Invalid => fail(
            ErrorCode::InvalidLink,
            "This pairing link has expired or was used already. Ask your other device for a new one.",
        ),
        Refusal::NotClaimed => fail(
            ErrorCode::Conflict,
            "No other device has opened the link yet.",
        ),
        Refusal::NotYours => fail(
            ErrorCode::Conflict,
            "Only the device that showed the link confirms it.",
        ),
        Refusal::WrongCode { tries_left } => {
            Box::new(wrong_entry(ErrorCode::WrongCode, Some(tries_left)))
        }
    }
}
