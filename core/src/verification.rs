//! How long a successful e-mail-code verification stays good (Cryptshare): at most a maximum
//! period after it was made, and only while it is used at least once per inactivity period. An
//! account-wide reset voids every verification made before it.

use serde::{Deserialize, Serialize};

use crate::policy::EmailCodePolicy;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerificationRules {
    /// `None`: no maximum.
    pub max_age_ms: Option<u64>,
    /// `None`: no inactivity limit.
    pub idle_ms: Option<u64>,
}

impl From<&EmailCodePolicy> for VerificationRules {
    fn from(policy: &EmailCodePolicy) -> Self {
        let ms = |minutes: u32| u64::from(minutes) * 60_000;
        Self {
            max_age_ms: policy.verification_max_age_minutes.map(ms),
            idle_ms: policy.verification_idle_minutes.map(ms),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verification {
    pub verified_at: u64,
    pub last_used_at: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum ExpiryReason {
    MaxAge,
    Inactivity,
    /// An administrator reset the account's verifications.
    Reset,
}

impl Verification {
    pub fn new(now_ms: u64) -> Self {
        Self {
            verified_at: now_ms,
            last_used_at: now_ms,
        }
    }

    /// Why it no longer holds at `now`, if it does not. `reset_at`: the account's last reset.
    pub fn expired(
        &self,
        rules: &VerificationRules,
        reset_at: Option<u64>,
        now_ms: u64,
    ) -> Option<ExpiryReason> {
        if reset_at.is_some_and(|reset| self.verified_at <= reset) {
            Some(ExpiryReason::Reset)
        } else if rules
            .max_age_ms
            .is_some_and(|max| now_ms >= self.verified_at.saturating_add(max))
        {
            Some(ExpiryReason::MaxAge)
        } else if rules
            .idle_ms
            .is_some_and(|idle| now_ms >= self.last_used_at.saturating_add(idle))
        {
            Some(ExpiryReason::Inactivity)
        } else {
            None
        }
    }

    /// A use renews the inactivity period (never the maximum).
    pub fn touch(&mut self, now_ms: u64) {
        self.last_used_at = self.last_used_at.max(now_ms);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RULES: VerificationRules = VerificationRules {
        max_age_ms: Some(1_000),
        idle_ms: Some(300),
    };

    #[test]
    fn each_use_renews_inactivity_but_not_the_maximum() {
        let mut v = Verification::new(0);
        for now in [200, 400, 600, 800] {
            assert_eq!(v.expired(&RULES, None, now), None);
            v.touch(now);
        }
        assert_eq!(v.expired(&RULES, None, 1_000), Some(ExpiryReason::MaxAge));
        let v = Verification::new(0);
        assert_eq!(v.expired(&RULES, None, 299), None);
        assert_eq!(v.expired(&RULES, None, 300), Some(ExpiryReason::Inactivity));
    }

    #[test]
    fn limits_can_be_off_and_a_reset_voids_older_verifications() {
        let v = Verification::new(100);
        let off = VerificationRules::default();
        assert_eq!(v.expired(&off, None, u64::MAX), None);
        assert_eq!(v.expired(&off, Some(100), 101), Some(ExpiryReason::Reset));
        assert_eq!(v.expired(&off, Some(99), 101), None);
        let defaults = VerificationRules::from(&EmailCodePolicy::default());
        assert_eq!(defaults.idle_ms, Some(24 * 60 * 60_000));
    }
}
