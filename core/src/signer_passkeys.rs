//! The passkeys a signer holds with one account: the passkey method's registry (as Documenso's
//! account passkeys). A passkey registered on any of the account's signings for an address is
//! kept here for that address, so a later agreement may ask its signer for a passkey alone.
//!
//! The registry is per account and address, never wider: a passkey earned under one account's
//! policy proves nothing to another's. Recipients' objects tell it what changed, in order: a
//! registration adds its passkey; a revocation (the signer's, an admin's, "this was not me", a
//! recovery that revoked the rest) forgets it, because whoever held that device is distrusted. A
//! verification that merely lapsed forgets nothing: the passkey is still the signer's.

use serde::{Deserialize, Serialize};

use crate::devices::Passkey;
use crate::webauthn::{self, Problem};

/// Passkeys kept per account and address; a new one beyond it drops the one used longest ago.
pub const MAX_PASSKEYS: usize = 20;

/// What a recipient's object tells the registry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "change", rename_all = "snake_case")]
pub enum Change {
    /// A device registered this passkey.
    Add { passkey: Passkey },
    /// The device holding it was revoked.
    Forget { credential_id: String },
}

impl Change {
    pub fn credential_id(&self) -> &str {
        match self {
            Change::Add { passkey } => &passkey.credential_id,
            Change::Forget { credential_id } => credential_id,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Kept {
    passkey: Passkey,
    last_used: u64,
}

/// One account's passkeys for one address.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignerPasskeys {
    kept: Vec<Kept>,
}

/// Why a passkey's sign-in is refused once its signature held.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refused {
    /// Forgotten meanwhile (its device was revoked), or never here.
    Unknown,
    /// [`webauthn::check_counter`]: it may have been cloned.
    CounterWentBack,
}

impl SignerPasskeys {
    pub fn apply(&mut self, change: Change, now: u64) {
        match change {
            Change::Add { passkey } => {
                // A credential id is the authenticator's to choose: one already here keeps its
                // key, so nobody can take over another's passkey by naming its id.
                if self.find(&passkey.credential_id).is_some() {
                    return;
                }
                if self.kept.len() >= MAX_PASSKEYS
                    && let Some(stalest) = self
                        .kept
                        .iter()
                        .enumerate()
                        .min_by_key(|(_, k)| k.last_used)
                        .map(|(i, _)| i)
                {
                    self.kept.remove(stalest);
                }
                self.kept.push(Kept {
                    passkey,
                    last_used: now,
                });
            }
            Change::Forget { credential_id } => {
                self.kept
                    .retain(|k| k.passkey.credential_id != credential_id);
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.kept.is_empty()
    }

    /// The ids a sign-in may use (the options' `allowCredentials`).
    pub fn credential_ids(&self) -> Vec<String> {
        self.kept
            .iter()
            .map(|k| k.passkey.credential_id.clone())
            .collect()
    }

    pub fn find(&self, credential_id: &str) -> Option<&Passkey> {
        self.kept
            .iter()
            .map(|k| &k.passkey)
            .find(|p| p.credential_id == credential_id)
    }

    /// The passkey `credential_id` signed with `sign_count` (its signature held): its counter
    /// must have gone up ([`webauthn::check_counter`]), and is kept.
    pub fn used(&mut self, credential_id: &str, sign_count: u32, now: u64) -> Result<(), Refused> {
        let kept = self
            .kept
            .iter_mut()
            .find(|k| k.passkey.credential_id == credential_id)
            .ok_or(Refused::Unknown)?;
        match webauthn::check_counter(kept.passkey.sign_count, sign_count) {
            Err(Problem::CounterWentBack) => Err(Refused::CounterWentBack),
            _ => {
                kept.passkey.sign_count = sign_count;
                kept.last_used = now;
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::webauthn::PublicKey;
    use proptest::prelude::*;

    fn passkey(id: &str, key: u8) -> Passkey {
        Passkey {
            credential_id: id.to_owned(),
            public_key: PublicKey::Es256 {
                crv: "P-256".into(),
                x: format!("x{key}"),
                y: format!("y{key}"),
            },
            sign_count: 0,
            backup_eligible: false,
        }
    }

    fn add(id: &str, key: u8) -> Change {
        Change::Add {
            passkey: passkey(id, key),
        }
    }

    #[test]
    fn a_registration_adds_and_a_revocation_forgets() {
        let mut keys = SignerPasskeys::default();
        assert!(keys.is_empty());
        keys.apply(add("a", 1), 10);
        keys.apply(add("b", 2), 20);
        assert_eq!(keys.credential_ids(), ["a", "b"]);
        keys.apply(
            Change::Forget {
                credential_id: "a".into(),
            },
            30,
        );
        assert_eq!(keys.credential_ids(), ["b"]);
        assert_eq!(keys.used("a", 1, 40), Err(Refused::Unknown));
    }

    #[test]
    fn a_credential_id_already_kept_keeps_its_key() {
        let mut keys = SignerPasskeys::default();
        keys.apply(add("a", 1), 10);
        keys.apply(add("a", 9), 20);
        assert_eq!(keys.find("a"), Some(&passkey("a", 1)));
        assert_eq!(keys.credential_ids().len(), 1);
    }

    #[test]
    fn beyond_the_most_the_one_used_longest_ago_goes() {
        let mut keys = SignerPasskeys::default();
        for i in 0..MAX_PASSKEYS {
            keys.apply(add(&format!("k{i}"), 1), i as u64);
        }
        keys.used("k0", 0, 1_000).unwrap();
        keys.apply(add("new", 1), 2_000);
        assert_eq!(keys.credential_ids().len(), MAX_PASSKEYS);
        assert!(keys.find("k0").is_some(), "used lately, kept");
        assert!(keys.find("k1").is_none(), "the stalest went");
        assert!(keys.find("new").is_some());
    }

    #[test]
    fn a_counter_that_goes_back_is_refused_and_not_kept() {
        let mut keys = SignerPasskeys::default();
        keys.apply(add("a", 1), 0);
        assert_eq!(keys.used("a", 5, 1), Ok(()));
        assert_eq!(keys.used("a", 5, 2), Err(Refused::CounterWentBack));
        assert_eq!(keys.used("a", 3, 3), Err(Refused::CounterWentBack));
        assert_eq!(keys.find("a").unwrap().sign_count, 5);
        assert_eq!(keys.used("a", 6, 4), Ok(()));
    }

    proptest! {
        /// Whatever the order of registrations, revocations and sign-ins: a passkey is usable
        /// only while added and not forgotten since, its kept counter never goes down, a use is
        /// accepted only with a counter above the kept one (or both zero), and at most
        /// `MAX_PASSKEYS` are kept.
        #[test]
        fn the_registry_holds_its_rules(
            steps in proptest::collection::vec((0u8..3, 0u8..4, 0u32..6), 1..80)
        ) {
            let mut keys = SignerPasskeys::default();
            let mut present = std::collections::BTreeSet::new();
            for (now, (op, id, count)) in steps.into_iter().enumerate() {
                let now = now as u64;
                let id = format!("k{id}");
                match op {
                    0 => {
                        keys.apply(add(&id, 1), now);
                        present.insert(id);
                    }
                    1 => {
                        keys.apply(Change::Forget { credential_id: id.clone() }, now);
                        present.remove(&id);
                    }
                    _ => {
                        let before = keys.find(&id).map(|p| p.sign_count);
                        let used = keys.used(&id, count, now);
                        let after = keys.find(&id).map(|p| p.sign_count);
                        match before {
                            None => prop_assert_eq!(used, Err(Refused::Unknown)),
                            Some(kept) => {
                                let rises = count > kept || (count == 0 && kept == 0);
                                prop_assert_eq!(used.is_ok(), rises);
                                prop_assert_eq!(after, Some(if rises { count } else { kept }));
                            }
                        }
                    }
                }
                prop_assert_eq!(
                    keys.credential_ids().into_iter().collect::<std::collections::BTreeSet<_>>(),
                    present.clone()
                );
                prop_assert!(keys.credential_ids().len() <= MAX_PASSKEYS);
            }
        }
    }
}
