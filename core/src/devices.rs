//! A recipient's devices: each browser where their verification is active, known by the digest
//! of its verification cookie and, once the signer registers one, by a passkey that re-verifies
//! it alone ([`crate::webauthn`]). Passkey ceremonies run on challenges this book issues: each is
//! random (passed in), bound to the recipient (it lives in their book), to its purpose and, for a
//! registration, to the device registering; it works once and for [`CHALLENGE_MS`]. A passkey
//! stays with the device that registered it; a synced passkey signing in on another browser
//! verifies that browser as a device of its own.
//!
//! Nothing here is secret: cookie digests, public keys, counters. Time and randomness are passed
//! in.

use serde::{Deserialize, Serialize};

use crate::encoding::constant_time_eq;
use crate::verification::{ExpiryReason, Verification, VerificationRules};
use crate::webauthn::{NewCredential, PublicKey};

/// How long a passkey challenge may be answered.
pub const CHALLENGE_MS: u64 = 5 * 60_000;
/// Devices one recipient may have: a new one beyond it replaces the one unused longest.
pub const MAX_DEVICES: usize = 10;
/// Challenges outstanding at once (tabs, retries); a new one beyond it replaces the oldest.
const MAX_CHALLENGES: usize = 4;

/// A registered passkey: its id (base64url), public key and signature counter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Passkey {
    pub credential_id: String,
    pub public_key: PublicKey,
    pub sign_count: u32,
    /// A multi-device (synced) passkey.
    pub backup_eligible: bool,
}

/// What a device is called in lists: from its user agent, and where it was (if the runtime says).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
pub struct DeviceLabel {
    pub browser: String,
    pub platform: String,
    /// City and country, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub place: Option<String>,
}

impl DeviceLabel {
    /// The browser and platform a `User-Agent` names (the common ones; anything else is
    /// "Browser" on "Unknown"), and the place the runtime gave, if any.
    pub fn from_user_agent(user_agent: &str, place: Option<String>) -> Self {
        let has = |needle: &str| user_agent.contains(needle);
        // Order matters: every Chromium browser also says "Chrome", and Chrome says "Safari".
        let browser = [
            ("Edg/", "Edge"),
            ("OPR/", "Opera"),
            ("SamsungBrowser/", "Samsung Internet"),
            ("Firefox/", "Firefox"),
            ("FxiOS/", "Firefox"),
            ("CriOS/", "Chrome"),
            ("Chrome/", "Chrome"),
            ("Safari/", "Safari"),
        ]
        .into_iter()
        .find(|(needle, _)| has(needle))
        .map_or("Browser", |(_, name)| name);
        let platform = [
            ("iPhone", "iOS"),
            ("iPad", "iPadOS"),
            ("Android", "Android"),
            ("CrOS", "ChromeOS"),
            ("Windows", "Windows"),
            ("Mac OS X", "macOS"),
            ("Linux", "Linux"),
        ]
        .into_iter()
        .find(|(needle, _)| has(needle))
        .map_or("Unknown", |(_, name)| name);
        Self {
            browser: browser.into(),
            platform: platform.into(),
            place: place.filter(|p| !p.is_empty()),
        }
    }
}

/// A browser as a request shows it: the digest of the verification cookie it is to get, the
/// digests of the ones it presented (it may have verified before), and its label.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seen {
    pub cookie: String,
    pub presented: Vec<String>,
    pub label: DeviceLabel,
}

/// A device where the recipient's verification is active.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Device {
    /// Random, shown in lists (it opens nothing).
    pub id: String,
    /// The digest of its verification cookie, while it has one.
    cookie: Option<String>,
    pub passkey: Option<Passkey>,
    pub label: DeviceLabel,
    pub first_used: u64,
    pub last_used: u64,
    /// When it last proved itself (a method, a passkey) or was paired; before this was kept,
    /// its first use. How long that holds is [`VerificationRules`]' for each device alone.
    #[serde(default)]
    verified_at: Option<u64>,
    /// How it last verified (the grant's `amr`).
    pub amr: String,
    /// Devices added since this one was last shown the list: announced to it until the signer
    /// says whether they were theirs.
    #[serde(default)]
    unseen: Vec<String>,
    /// The signer's passkey with the account (the passkey method's) this device verified with:
    /// distrusted with the device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    signed_in_with: Option<String>,
}

/// What a challenge is for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Purpose {
    /// Registering a passkey for the device `device`.
    Register { device: String },
    /// Signing in with a passkey.
    Assert,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Challenge {
    /// base64url, as the client data carries it.
    value: String,
    purpose: Purpose,
    expires_at: u64,
}

/// Why a passkey call is refused (counting nothing).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// Unknown, used, expired, for another purpose or another device.
    Challenge,
    /// No device of this recipient has this credential (or the device is gone).
    UnknownCredential,
    /// The device already has a passkey, or another device has this one.
    AlreadyRegistered,
    UnknownDevice,
}

/// A recipient's devices and outstanding passkey challenges. Persisted in the recipient's object.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceBook {
    devices: Vec<Device>,
    challenges: Vec<Challenge>,
    /// Devices added beside others, or after every earlier one was removed, the sender not yet
    /// told (a webhook each).
    #[serde(default)]
    untold: Vec<String>,
    /// Whether the recipient ever had a device: every one after the first is news.
    #[serde(default)]
    had_devices: bool,
    /// What the account's registry of the signer's passkeys is still to hear, oldest first
    /// ([`crate::signer_passkeys`]): a passkey registered, a revoked device's passkey.
    #[serde(default)]
    registry: Vec<crate::signer_passkeys::Change>,
}

impl Device {
    /// When its verification was made.
    fn since(&self) -> u64 {
        self.verified_at.unwrap_or(self.first_used)
    }

    /// As lists and webhooks show it (for nobody's list in particular).
    pub fn view(&self) -> crate::wire::DeviceView {
        crate::wire::DeviceView {
            id: self.id.clone(),
            browser: self.label.browser.clone(),
            platform: self.label.platform.clone(),
            place: self.label.place.clone(),
            first_used: self.first_used,
            last_used: self.last_used,
            passkey: self.passkey.is_some(),
            current: false,
            new: false,
        }
    }
}

impl DeviceBook {
    pub fn devices(&self) -> &[Device] {
        &self.devices
    }

    /// The devices as lists show them, newest use first; `current` marks the asking browser's,
    /// and the ones announced to it as new.
    pub fn views(&self, current: Option<&str>) -> crate::wire::Devices {
        let unseen = self.unseen_by(current);
        let mut devices: Vec<_> = self
            .devices
            .iter()
            .map(|d| crate::wire::DeviceView {
                current: current == Some(d.id.as_str()),
                new: unseen.contains(&d.id),
                ..d.view()
            })
            .collect();
        devices.sort_by_key(|d| std::cmp::Reverse(d.last_used));
        crate::wire::Devices {
            devices,
            policy: None,
            passkey_wanted: false,
        }
    }

    /// The devices added since `device` (an id) last saw the list, still there.
    pub fn unseen_by(&self, device: Option<&str>) -> Vec<String> {
        let asking = device.and_then(|id| self.devices.iter().find(|d| d.id == id));
        asking.map_or_else(Vec::new, |d| d.unseen.clone())
    }

    /// The signer, on `device`, says the devices announced to it were theirs (or has removed
    /// the ones that were not): announced no more there.
    pub fn seen(&mut self, device: &str) {
        if let Some(device) = self.device_mut(device) {
            device.unseen.clear();
        }
    }

    /// New devices the sender is to be told of, each once: taken, the caller tells.
    pub fn take_untold(&mut self) -> Vec<Device> {
        let untold = std::mem::take(&mut self.untold);
        self.devices
            .iter()
            .filter(|d| untold.contains(&d.id))
            .cloned()
            .collect()
    }

    /// The device whose verification cookie is among `presented` (digests).
    pub fn by_cookie(&self, presented: &[String]) -> Option<&Device> {
        self.devices.iter().find(|d| {
            d.cookie.as_deref().is_some_and(|kept| {
                presented
                    .iter()
                    .any(|p| constant_time_eq(p.as_bytes(), kept.as_bytes()))
            })
        })
    }

    /// A browser verified by a method: the device it already is (by a cookie it presented) is
    /// renewed with its new cookie, or a new one (`id`) is added. Its id.
    pub fn verified(&mut self, id: String, seen: Seen, amr: &str, now: u64) -> String {
        let Seen {
            cookie,
            presented,
            label,
        } = seen;
        if let Some(known) = self.by_cookie(&presented) {
            let known = known.id.clone();
            let device = self.device_mut(&known).expect("found above");
            device.cookie = Some(cookie);
            device.last_used = now;
            device.verified_at = Some(now);
            device.amr = amr.to_owned();
            device.label = label;
            return known;
        }
        if self.devices.len() >= MAX_DEVICES {
            let oldest = self
                .devices
                .iter()
                .enumerate()
                .min_by_key(|(_, d)| d.last_used)
                .map(|(i, _)| i)
                .expect("a full book");
            let removed = self.devices.remove(oldest);
            self.forget(&removed.id);
        }
        // Every device after the first is announced to the others and to the sender: a
        // verification used somewhere new may not be the signer's (after every device was
        // removed, too: a recovery that revoked the rest, say).
        for other in &mut self.devices {
            other.unseen.push(id.clone());
        }
        if self.had_devices || !self.devices.is_empty() {
            self.untold.push(id.clone());
        }
        self.had_devices = true;
        self.devices.push(Device {
            id: id.clone(),
            cookie: Some(cookie),
            passkey: None,
            label,
            first_used: now,
            last_used: now,
            verified_at: Some(now),
            amr: amr.to_owned(),
            unseen: Vec::new(),
            signed_in_with: None,
        });
        id
    }

    /// The device `id` verified with the signer's passkey `credential_id` of the account.
    pub fn signed_in_with(&mut self, id: &str, credential_id: &str) {
        if let Some(device) = self.device_mut(id) {
            device.signed_in_with = Some(credential_id.to_owned());
        }
    }

    /// The device `id` was paired by the device `from`: its verification is `from`'s, as old,
    /// so pairing never makes a verification last longer; and `from`, which confirmed it, needs
    /// no announcement of it.
    pub fn verified_as(&mut self, id: &str, from: &str) {
        let Some(pairing) = self.device_mut(from) else {
            return;
        };
        pairing.unseen.retain(|d| d != id);
        let since = pairing.since();
        if let Some(device) = self.device_mut(id) {
            device.verified_at = Some(since);
        }
    }

    /// Removes the devices whose verification no longer holds under `rules` at `now` (an
    /// account reset at `reset_at` voids those made before it): each with why.
    pub fn expire(
        &mut self,
        rules: &VerificationRules,
        reset_at: Option<u64>,
        now: u64,
    ) -> Vec<(String, ExpiryReason)> {
        let expired: Vec<_> = self
            .devices
            .iter()
            .filter_map(|d| {
                let verification = Verification {
                    verified_at: d.since(),
                    last_used_at: d.last_used,
                };
                let reason = verification.expired(rules, reset_at, now)?;
                Some((d.id.clone(), reason))
            })
            .collect();
        for (id, _) in &expired {
            self.remove(id);
        }
        expired
    }

    /// The device `id` was used now (a fresh grant).
    pub fn touch(&mut self, id: &str, now: u64) {
        if let Some(device) = self.device_mut(id) {
            device.last_used = now;
        }
    }

    /// Revokes the device `id`: its cookie and its passkey open nothing any more, here or (its
    /// holder distrusted) for the account's passkey method.
    pub fn revoke(&mut self, id: &str) -> Option<Device> {
        let device = self.remove(id)?;
        self.distrust(&device);
        Some(device)
    }

    /// Removes the device `id` (a lapsed verification: its passkey is still the signer's).
    fn remove(&mut self, id: &str) -> Option<Device> {
        let at = self.devices.iter().position(|d| d.id == id)?;
        let device = self.devices.remove(at);
        self.forget(&device.id);
        Some(device)
    }

    /// The registry is to forget the passkeys of the revoked `device`: its own, and the one it
    /// verified with.
    fn distrust(&mut self, device: &Device) {
        let own = device.passkey.as_ref().map(|p| &p.credential_id);
        for credential_id in own.into_iter().chain(&device.signed_in_with) {
            self.registry.push(crate::signer_passkeys::Change::Forget {
                credential_id: credential_id.clone(),
            });
        }
    }

    /// What the registry is to hear, oldest first: it stays here until the registry has it.
    pub fn registry_changes(&self) -> &[crate::signer_passkeys::Change] {
        &self.registry
    }

    /// The registry took the first `count` changes.
    pub fn registry_told(&mut self, count: usize) {
        self.registry.drain(..count.min(self.registry.len()));
    }

    /// Nothing refers to the device `id` any more: its challenges, its announcements.
    fn forget(&mut self, id: &str) {
        self.challenges.retain(|c| match &c.purpose {
            Purpose::Register { device } => device != id,
            Purpose::Assert => true,
        });
        for other in &mut self.devices {
            other.unseen.retain(|d| d != id);
        }
        self.untold.retain(|d| d != id);
    }

    /// Revokes every device: their ids.
    pub fn revoke_all(&mut self) -> Vec<String> {
        self.challenges.clear();
        self.untold.clear();
        let revoked = std::mem::take(&mut self.devices);
        for device in &revoked {
            self.distrust(device);
        }
        revoked.into_iter().map(|d| d.id).collect()
    }

    /// Keeps a challenge (`value`, base64url of fresh random bytes) for `purpose`.
    pub fn challenge(&mut self, value: String, purpose: Purpose, now: u64) {
        self.challenges.retain(|c| c.expires_at > now);
        if self.challenges.len() >= MAX_CHALLENGES {
            self.challenges.remove(0);
        }
        self.challenges.push(Challenge {
            value,
            purpose,
            expires_at: now + CHALLENGE_MS,
        });
    }

    /// Uses up the challenge `value` if it is outstanding for `purpose` at `now`. Used or not,
    /// a presented challenge is gone: a second answer to it is always refused.
    pub fn take_challenge(
        &mut self,
        value: &str,
        purpose: &Purpose,
        now: u64,
    ) -> Result<(), Refusal> {
        let at = self
            .challenges
            .iter()
            .position(|c| constant_time_eq(c.value.as_bytes(), value.as_bytes()))
            .ok_or(Refusal::Challenge)?;
        let challenge = self.challenges.remove(at);
        if challenge.expires_at <= now || challenge.purpose != *purpose {
            return Err(Refusal::Challenge);
        }
        Ok(())
    }

    /// Gives the device `id` the passkey `credential` (checked by [`crate::webauthn`]).
    pub fn register(&mut self, id: &str, credential: NewCredential) -> Result<(), Refusal> {
        if self.by_credential(&credential.id).is_some() {
            return Err(Refusal::AlreadyRegistered);
        }
        let device = self.device_mut(id).ok_or(Refusal::UnknownDevice)?;
        if device.passkey.is_some() {
            return Err(Refusal::AlreadyRegistered);
        }
        let passkey = Passkey {
            credential_id: credential.id,
            public_key: credential.public_key,
            sign_count: credential.sign_count,
            backup_eligible: credential.backup_eligible,
        };
        device.passkey = Some(passkey.clone());
        self.registry
            .push(crate::signer_passkeys::Change::Add { passkey });
        Ok(())
    }

    /// The device holding the passkey `credential_id`.
    pub fn by_credential(&self, credential_id: &str) -> Option<&Device> {
        self.devices.iter().find(|d| {
            d.passkey
                .as_ref()
                .is_some_and(|p| p.credential_id == credential_id)
        })
    }

    /// The passkeys a sign-in may use (for the options' `allowCredentials`).
    pub fn passkeys(&self) -> impl Iterator<Item = &Passkey> {
        self.devices.iter().filter_map(|d| d.passkey.as_ref())
    }

    /// The passkey `credential_id` signed in (its signature verified) in the browser `seen`: the
    /// passkey's counter kept, and the browser verified as the device it already is (a cookie it
    /// presented); else, for a device-bound passkey, as the device holding it (the authenticator
    /// is that device: its cookie was cleared or expired); else as a new one (`id`), since a
    /// synced passkey may sign in on another device. The browser's device id.
    pub fn signed_in(
        &mut self,
        credential_id: &str,
        sign_count: u32,
        id: String,
        seen: Seen,
        now: u64,
    ) -> Result<String, Refusal> {
        let holder = self
            .by_credential(credential_id)
            .ok_or(Refusal::UnknownCredential)?
            .id
            .clone();
        let known = self.by_cookie(&seen.presented).is_some();
        let device = self.device_mut(&holder).expect("found above");
        let passkey = device.passkey.as_mut().expect("found above");
        passkey.sign_count = sign_count;
        if !known && !passkey.backup_eligible {
            device.cookie = Some(seen.cookie);
            device.label = seen.label;
            device.last_used = now;
            device.verified_at = Some(now);
            device.amr = "hwk".into();
            return Ok(holder);
        }
        Ok(self.verified(id, seen, "hwk", now))
    }

    fn device_mut(&mut self, id: &str) -> Option<&mut Device> {
        self.devices.iter_mut().find(|d| d.id == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const MINUTE: u64 = 60_000;

    fn label() -> DeviceLabel {
        DeviceLabel {
            browser: "Firefox".into(),
            platform: "Linux".into(),
            place: None,
        }
    }

    /// A browser getting `cookie`, presenting `presented`.
    fn seen(cookie: &str, presented: &[&str]) -> Seen {
        Seen {
            cookie: cookie.into(),
            presented: presented.iter().map(|p| p.to_string()).collect(),
            label: label(),
        }
    }

    fn credential(id: &str) -> NewCredential {
        NewCredential {
            id: id.into(),
            public_key: PublicKey::Es256 {
                crv: "P-256".into(),
                x: "x".into(),
                y: "y".into(),
            },
            sign_count: 0,
            backup_eligible: true,
        }
    }

    #[test]
    fn a_verified_browser_is_known_by_its_cookie_and_only_by_it() {
        let mut book = DeviceBook::default();
        let desk = book.verified("d1".into(), seen("cookie-1", &[]), "pwd", 0);
        assert_eq!(book.by_cookie(&["cookie-1".into()]).unwrap().id, desk);
        assert!(book.by_cookie(&["cookie-2".into()]).is_none());
        // The same browser again (it presents its cookie) is the same device, with a new cookie.
        let again = book.verified("d9".into(), seen("cookie-1b", &["cookie-1"]), "otp", MINUTE);
        assert_eq!(again, desk);
        assert_eq!(book.devices().len(), 1);
        assert_eq!(book.devices()[0].amr, "otp");
        assert!(
            book.by_cookie(&["cookie-1".into()]).is_none(),
            "the old cookie is spent"
        );
        let phone = book.verified("d2".into(), seen("cookie-2", &["forged"]), "pwd", MINUTE);
        assert_eq!(book.devices().len(), 2);
        assert!(book.revoke(&phone).is_some());
        assert!(book.by_cookie(&["cookie-2".into()]).is_none(), "revoked");
        assert!(book.revoke(&phone).is_none());
    }

    #[test]
    fn a_device_added_beside_others_is_announced_to_each_and_told_once() {
        let mut book = DeviceBook::default();
        let desk = book.verified("d1".into(), seen("c1", &[]), "pwd", 0);
        assert!(
            book.take_untold().is_empty(),
            "the first device is the verification itself"
        );
        let phone = book.verified("d2".into(), seen("c2", &[]), "pwd", MINUTE);
        assert_eq!(book.unseen_by(Some(&desk)), vec![phone.clone()]);
        assert!(book.unseen_by(Some(&phone)).is_empty(), "not to itself");
        let list = book.views(Some(&desk)).devices;
        assert!(list.iter().any(|d| d.id == phone && d.new));
        assert!(list.iter().all(|d| d.id == phone || !d.new));
        let told: Vec<_> = book.take_untold().into_iter().map(|d| d.id).collect();
        assert_eq!(told, vec![phone.clone()]);
        assert!(book.take_untold().is_empty(), "told once");

        // The same browser verifying again is no news.
        book.verified("d9".into(), seen("c2b", &["c2"]), "otp", 2 * MINUTE);
        assert!(book.take_untold().is_empty());
        assert_eq!(book.unseen_by(Some(&desk)), vec![phone.clone()]);
        book.seen(&desk);
        assert!(book.unseen_by(Some(&desk)).is_empty());

        // A device removed before anyone looked is announced and told no more.
        let tablet = book.verified("d3".into(), seen("c3", &[]), "pwd", 3 * MINUTE);
        assert_eq!(book.unseen_by(Some(&phone)), vec![tablet.clone()]);
        book.revoke(&tablet);
        assert!(book.unseen_by(Some(&desk)).is_empty());
        assert!(book.unseen_by(Some(&phone)).is_empty());
        assert!(book.take_untold().is_empty());

        // After every device was removed, the next one is news to the sender all the same.
        book.revoke_all();
        let after = book.verified("d5".into(), seen("c5", &[]), "otp", 4 * MINUTE);
        let told: Vec<_> = book.take_untold().into_iter().map(|d| d.id).collect();
        assert_eq!(told, vec![after]);
    }

    #[test]
    fn each_device_holds_its_verification_for_its_own_period() {
        let rules = VerificationRules {
            max_age_ms: Some(60 * MINUTE),
            idle_ms: Some(10 * MINUTE),
        };
        let mut book = DeviceBook::default();
        let desk = book.verified("d1".into(), seen("c1", &[]), "otp", 0);
        let phone = book.verified("d2".into(), seen("c2", &[]), "otp", 30 * MINUTE);
        let paired = book.verified("d3".into(), seen("c3", &[]), "otp", 30 * MINUTE);
        book.verified_as(&paired, &desk);
        assert_eq!(
            book.unseen_by(Some(&desk)),
            vec![phone.clone()],
            "it paired it"
        );
        for at in [5, 14, 23, 32, 41, 50] {
            book.touch(&desk, at * MINUTE);
            book.touch(&paired, at * MINUTE);
        }
        book.touch(&phone, 55 * MINUTE);
        // The desk and the device it paired reach their maximum together; the phone, verified
        // later, holds on.
        assert_eq!(
            book.expire(&rules, None, 60 * MINUTE),
            vec![(desk, ExpiryReason::MaxAge), (paired, ExpiryReason::MaxAge)]
        );
        assert_eq!(book.devices().len(), 1);
        assert_eq!(
            book.expire(&rules, None, 60 * MINUTE + 10 * MINUTE),
            vec![(phone.clone(), ExpiryReason::Inactivity)]
        );
        // A reset voids every verification made before it.
        let again = book.verified("d4".into(), seen("c4", &[]), "otp", 100 * MINUTE);
        assert_eq!(
            book.expire(
                &VerificationRules::default(),
                Some(100 * MINUTE),
                101 * MINUTE
            ),
            vec![(again, ExpiryReason::Reset)]
        );
    }

    #[test]
    fn the_registry_hears_of_passkeys_registered_and_of_revoked_devices_not_of_lapsed_ones() {
        use crate::signer_passkeys::Change;
        let ids = |changes: Vec<Change>| -> Vec<(bool, String)> {
            changes
                .iter()
                .map(|c| {
                    (
                        matches!(c, Change::Add { .. }),
                        c.credential_id().to_owned(),
                    )
                })
                .collect()
        };
        let mut book = DeviceBook::default();
        let desk = book.verified("d1".into(), seen("c1", &[]), "pwd", 0);
        let phone = book.verified("d2".into(), seen("c2", &[]), "pwd", 0);
        let tablet = book.verified("d3".into(), seen("c3", &[]), "pwd", 0);
        for (device, key) in [(&desk, "k1"), (&phone, "k2"), (&tablet, "k3")] {
            book.register(device, credential(key)).unwrap();
        }
        // Kept until the registry has them, in order: told only what it took.
        let take = |book: &mut DeviceBook, count: usize| {
            let told = ids(book.registry_changes()[..count].to_vec());
            book.registry_told(count);
            told
        };
        assert_eq!(
            ids(book.registry_changes().to_vec()),
            [
                (true, "k1".into()),
                (true, "k2".into()),
                (true, "k3".into())
            ]
        );
        book.revoke(&phone);
        assert_eq!(take(&mut book, 3).len(), 3);
        assert_eq!(
            take(&mut book, 1),
            [(false, "k2".into())],
            "after its addition"
        );
        assert!(book.registry_changes().is_empty());
        // A lapsed device's passkey stays the signer's; a revoked one's is forgotten.
        let rules = VerificationRules {
            max_age_ms: Some(MINUTE),
            idle_ms: None,
        };
        book.touch(&desk, 2 * MINUTE);
        let _ = book.verified("d4".into(), seen("c4", &[]), "pwd", 2 * MINUTE);
        assert_eq!(book.expire(&rules, None, 2 * MINUTE).len(), 2);
        assert!(book.registry_changes().is_empty());
        book.revoke_all();
        assert!(book.registry_changes().is_empty(), "none had a passkey");
        // A device that verified with the account's passkey takes it along when revoked.
        let laptop = book.verified("d5".into(), seen("c5", &[]), "hwk", 3 * MINUTE);
        book.signed_in_with(&laptop, "k9");
        book.revoke(&laptop);
        assert_eq!(take(&mut book, 1), [(false, "k9".into())]);
    }

    #[test]
    fn devices_are_named_from_their_user_agents() {
        let named = |ua: &str| {
            let label = DeviceLabel::from_user_agent(ua, Some("Berlin, DE".into()));
            (label.browser, label.platform)
        };
        let cases = [
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
                ("Safari", "iOS"),
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36",
                ("Chrome", "Android"),
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 Edg/126.0.0.0",
                ("Edge", "Windows"),
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.5; rv:127.0) Gecko/20100101 Firefox/127.0",
                ("Firefox", "macOS"),
            ),
            ("curl/8.5.0", ("Browser", "Unknown")),
        ];
        for (ua, (browser, platform)) in cases {
            assert_eq!(
                named(ua),
                (browser.to_string(), platform.to_string()),
                "{ua}"
            );
        }
        assert_eq!(
            DeviceLabel::from_user_agent("", Some(String::new())).place,
            None
        );
    }

    #[test]
    fn a_passkey_belongs_to_one_device_and_signs_in_a_browser_as_it() {
        let mut book = DeviceBook::default();
        let desk = book.verified("d1".into(), seen("cookie-1", &[]), "pwd", 0);
        assert_eq!(
            book.register("nope", credential("k1")),
            Err(Refusal::UnknownDevice)
        );
        book.register(&desk, credential("k1")).unwrap();
        assert_eq!(
            book.register(&desk, credential("k2")),
            Err(Refusal::AlreadyRegistered)
        );
        let phone = book.verified("d2".into(), seen("cookie-2", &[]), "pwd", 0);
        assert_eq!(
            book.register(&phone, credential("k1")),
            Err(Refusal::AlreadyRegistered),
            "another device's passkey"
        );
        // On the same browser (its cookie presented): the same device, its counter kept.
        let same = book
            .signed_in(
                "k1",
                3,
                "d3".into(),
                seen("cookie-1b", &["cookie-1"]),
                MINUTE,
            )
            .unwrap();
        assert_eq!(same, desk);
        let device = book.by_cookie(&["cookie-1b".into()]).unwrap();
        assert_eq!(device.passkey.as_ref().unwrap().sign_count, 3);
        assert_eq!(device.amr, "hwk");
        // A browser without a cookie (a synced passkey elsewhere): a device of its own.
        let elsewhere = book
            .signed_in("k1", 4, "d4".into(), seen("cookie-4", &[]), MINUTE)
            .unwrap();
        assert_eq!(elsewhere, "d4");
        assert_eq!(book.by_cookie(&["cookie-1b".into()]).unwrap().id, desk);
        assert_eq!(
            book.signed_in("k9", 1, "d5".into(), seen("c", &[]), MINUTE),
            Err(Refusal::UnknownCredential)
        );
        // A device-bound passkey in a browser without a cookie: its own device, cookie renewed.
        let bound = book.verified("d6".into(), seen("cookie-6", &[]), "pwd", 0);
        book.register(
            &bound,
            NewCredential {
                backup_eligible: false,
                ..credential("k6")
            },
        )
        .unwrap();
        let again = book
            .signed_in("k6", 1, "d7".into(), seen("cookie-6b", &[]), MINUTE)
            .unwrap();
        assert_eq!(again, bound);
        assert_eq!(book.by_cookie(&["cookie-6b".into()]).unwrap().id, bound);
        assert!(
            book.by_cookie(&["cookie-6".into()]).is_none(),
            "the old cookie is gone"
        );
        book.revoke(&desk);
        assert!(
            book.passkeys().all(|p| p.credential_id != "k1"),
            "a revoked device's passkey opens nothing"
        );
    }

    #[test]
    fn challenges_work_once_for_their_purpose_and_in_time() {
        let mut book = DeviceBook::default();
        let register = Purpose::Register {
            device: "d1".into(),
        };
        book.challenge("c1".into(), register.clone(), 0);
        assert_eq!(
            book.take_challenge("c1", &Purpose::Assert, MINUTE),
            Err(Refusal::Challenge),
            "another purpose"
        );
        assert_eq!(
            book.take_challenge("c1", &register, MINUTE),
            Err(Refusal::Challenge),
            "gone once presented"
        );
        book.challenge("c2".into(), register.clone(), 0);
        let other_device = Purpose::Register {
            device: "d2".into(),
        };
        assert_eq!(
            book.take_challenge("c2", &other_device, MINUTE),
            Err(Refusal::Challenge)
        );
        book.challenge("c3".into(), Purpose::Assert, 0);
        assert_eq!(
            book.take_challenge("c3", &Purpose::Assert, CHALLENGE_MS),
            Err(Refusal::Challenge),
            "expired"
        );
        book.challenge("c4".into(), Purpose::Assert, 0);
        assert_eq!(book.take_challenge("c4", &Purpose::Assert, MINUTE), Ok(()));
        assert_eq!(
            book.take_challenge("c4", &Purpose::Assert, MINUTE),
            Err(Refusal::Challenge),
            "replayed"
        );
    }

    proptest! {
        /// However many browsers verify, the book holds at most MAX_DEVICES, keeps the ones used
        /// last, and every cookie names at most one device.
        #[test]
        fn devices_are_bounded_and_cookies_unique(
            uses in prop::collection::vec(0u8..16, 0..60),
        ) {
            let mut book = DeviceBook::default();
            // Sixteen browsers, each presenting the cookie it was given last time.
            for (at, browser) in uses.iter().enumerate() {
                let cookie = format!("c{browser}");
                book.verified(format!("d{at}"), seen(&cookie, &[&cookie]), "pwd", at as u64);
            }
            prop_assert!(book.devices().len() <= MAX_DEVICES);
            let mut cookies: Vec<_> = book.devices().iter().filter_map(|d| d.cookie.clone()).collect();
            let count = cookies.len();
            cookies.sort();
            cookies.dedup();
            prop_assert_eq!(cookies.len(), count);
            if let Some(last) = uses.last() {
                let last = format!("c{last}");
                prop_assert!(book.by_cookie(&[last]).is_some());
            }
        }

        /// Of any challenges issued (each random, so each value once), one is taken at most once,
        /// only for its purpose, only in time; never more are outstanding than the cap.
        #[test]
        fn a_challenge_is_taken_at_most_once(
            issued in prop::collection::vec((any::<bool>(), 0u64..20), 0..20),
            taken in prop::collection::vec((0usize..20, any::<bool>(), 0u64..20), 0..20),
        ) {
            let mut book = DeviceBook::default();
            let purpose = |register: bool| if register {
                Purpose::Register { device: "d".into() }
            } else {
                Purpose::Assert
            };
            for (i, (register, minute)) in issued.iter().enumerate() {
                book.challenge(format!("c{i}"), purpose(*register), minute * MINUTE);
                prop_assert!(book.challenges.len() <= MAX_CHALLENGES);
            }
            let mut used = std::collections::HashSet::new();
            for (i, register, minute) in &taken {
                let now = minute * MINUTE;
                if book.take_challenge(&format!("c{i}"), &purpose(*register), now).is_ok() {
                    let (issued_for, issued_at) = issued[*i];
                    prop_assert_eq!(issued_for, *register);
                    prop_assert!(issued_at * MINUTE + CHALLENGE_MS > now);
                    prop_assert!(used.insert(*i), "a challenge taken twice");
                }
            }
        }
    }
}
