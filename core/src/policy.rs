//! Account and group policy: which methods senders may choose and the limits of each.
//!
//! Defaults are the brief's numbers; where a seed product is laxer than a standard, the stricter
//! value is the default and the seed's stays available as a setting.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::attempts::TryLimit;
use crate::otp::CodeRules;
use crate::password::PasswordStrength;

/// How a recipient proves who they are, after opening the e-mail link.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Method {
    /// Having the mailbox is all (allowed only when the policy does not demand a second factor).
    EmailLink,
    Password,
    /// A code by SMS or voice call; the signer picks the channel.
    Phone,
    EmailCode,
    Social,
    PlatformAccount,
    Kba,
    GovernmentId,
    /// A passkey the signer registered on an earlier signing for the same account
    /// ([`crate::signer_passkeys`]); given only to a signer who holds one.
    Passkey,
}

impl Method {
    /// Methods this build can run end to end. Others are in the model so policies can name them.
    pub const AVAILABLE: &[Method] = &[
        Method::Password,
        Method::Phone,
        Method::EmailCode,
        Method::Social,
        Method::PlatformAccount,
        Method::Kba,
        Method::GovernmentId,
        Method::Passkey,
    ];

    pub fn is_available(self) -> bool {
        Self::AVAILABLE.contains(&self)
    }

    /// Whether a browser that is not one of a verified recipient's devices proves itself again
    /// with this method. A password, a code and a login may be asked for again at no cost; a
    /// set of knowledge questions and a document check are spent once (the questions would
    /// repeat, the document's name is locked into the signature), so another browser joins
    /// those by a passkey or by pairing.
    pub fn verifies_again(self) -> bool {
        !matches!(self, Method::Kba | Method::GovernmentId)
    }

    /// The name on the wire (`"email_code"`).
    pub fn name(self) -> &'static str {
        match self {
            Method::EmailLink => "email_link",
            Method::Password => "password",
            Method::Phone => "phone",
            Method::EmailCode => "email_code",
            Method::Social => "social",
            Method::PlatformAccount => "platform_account",
            Method::Kba => "kba",
            Method::GovernmentId => "government_id",
            Method::Passkey => "passkey",
        }
    }
}

/// The whole policy of an account (or of one of its groups).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Policy {
    pub methods: MethodChoice,
    /// Recipients whose address is in the account's internal domains (users of the same account)
    /// get these instead, as in Adobe Sign's "internal recipients" settings; `None`: the same as
    /// everyone else.
    pub internal_methods: Option<MethodChoice>,
    /// E-mail alone is not enough: senders must pick a second factor. It covers internal
    /// recipients too: being a colleague proves nothing about who holds a forwarded link.
    pub require_second_factor: bool,
    pub password: PasswordPolicy,
    pub phone: PhonePolicy,
    pub email_code: EmailCodePolicy,
    pub platform_account: PlatformAccountPolicy,
    pub social: SocialPolicy,
    pub kba: KbaPolicy,
    pub government_id: GovernmentIdPolicy,
    pub devices: DevicePolicy,
    pub passkey: PasskeyMethodPolicy,
    pub web_forms: WebFormPolicy,
    /// Shown to signers instead of the sender's address when set (an e-mail address or phone).
    pub support_contact: Option<String>,
    /// Accounts saved before internal recipients had settings of their own carry one switch for
    /// both: still read, so a stored `false` keeps meaning "senders may not change the method";
    /// never written.
    #[serde(default, skip_serializing, rename = "senders_may_change_method")]
    legacy_senders_may_change: Option<bool>,
}

impl Default for Policy {
    fn default() -> Self {
        Self {
            methods: MethodChoice::default(),
            internal_methods: None,
            require_second_factor: true,
            password: PasswordPolicy::default(),
            phone: PhonePolicy::default(),
            email_code: EmailCodePolicy::default(),
            platform_account: PlatformAccountPolicy::default(),
            social: SocialPolicy::default(),
            kba: KbaPolicy::default(),
            government_id: GovernmentIdPolicy::default(),
            devices: DevicePolicy::default(),
            passkey: PasskeyMethodPolicy::default(),
            web_forms: WebFormPolicy::default(),
            support_contact: None,
            legacy_senders_may_change: None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct MethodChoice {
    pub allowed: Vec<Method>,
    pub default: Method,
    /// Senders may pick another allowed method than the default (when creating an agreement and
    /// after sending); otherwise every recipient gets the default.
    pub senders_may_change: bool,
}

impl Default for MethodChoice {
    fn default() -> Self {
        Self {
            allowed: vec![Method::Password, Method::Phone, Method::EmailCode],
            default: Method::Password,
            senders_may_change: true,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct PasswordPolicy {
    pub max_tries: TryLimit,
    pub strength: PasswordStrength,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            max_tries: TryLimit::Limited(5),
            strength: PasswordStrength::default(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct PhonePolicy {
    pub max_tries: TryLimit,
    /// 5 to 8; Adobe uses 5, we default to NIST's 6 (≈ 20 bits).
    pub code_digits: u8,
    pub code_lifetime_minutes: u32,
    /// E.164 country calling code used when a number has none, e.g. "49".
    pub default_country_code: String,
    pub max_valid_codes: u32,
    pub resend: ResendPolicy,
}

impl Default for PhonePolicy {
    fn default() -> Self {
        Self {
            max_tries: TryLimit::Limited(5),
            code_digits: 6,
            code_lifetime_minutes: 10,
            default_country_code: "1".into(),
            max_valid_codes: 3,
            resend: ResendPolicy::default(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct EmailCodePolicy {
    /// Wrong entries that void every outstanding code (Cryptshare: 10).
    pub max_wrong_entries: u32,
    pub max_valid_codes: u32,
    pub code_digits: u8,
    /// 1 to 1440.
    pub code_lifetime_minutes: u32,
    /// How long a successful verification stays valid at most (`None`: no maximum).
    pub verification_max_age_minutes: Option<u32>,
    /// How long it stays valid without use (`None`: no limit).
    pub verification_idle_minutes: Option<u32>,
    pub resend: ResendPolicy,
}

/// How often codes may be sent to one recipient, so nobody can pump messages through us.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct ResendPolicy {
    /// Between two codes (1 to 3600).
    pub cooldown_seconds: u32,
    /// In any hour (1 to 20).
    pub max_per_hour: u32,
}

impl Default for ResendPolicy {
    fn default() -> Self {
        Self {
            cooldown_seconds: 30,
            max_per_hour: 5,
        }
    }
}

impl Default for EmailCodePolicy {
    fn default() -> Self {
        Self {
            max_wrong_entries: 10,
            max_valid_codes: 3,
            code_digits: 6,
            code_lifetime_minutes: 10,
            verification_max_age_minutes: Some(30 * 24 * 60),
            verification_idle_minutes: Some(24 * 60),
            resend: ResendPolicy::default(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct PlatformAccountPolicy {
    /// Send the recipient's address as `login_hint`.
    pub prefill_email: bool,
    /// Ask the platform with `prompt=none` first: a signer with a session there comes straight back.
    pub skip_if_signed_in: bool,
    /// The platform account's verified address must be the recipient's.
    pub require_email_match: bool,
}

impl Default for PlatformAccountPolicy {
    fn default() -> Self {
        Self {
            prefill_email: true,
            skip_if_signed_in: true,
            require_email_match: true,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct SocialPolicy {
    /// Of [`crate::login::SOCIAL_PROVIDERS`].
    pub providers: Vec<String>,
    /// The provider's verified address must be the recipient's.
    pub require_email_match: bool,
}

impl Default for SocialPolicy {
    fn default() -> Self {
        Self {
            providers: crate::login::DEFAULT_SOCIAL_PROVIDERS
                .iter()
                .map(|p| p.to_string())
                .collect(),
            require_email_match: false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct KbaPolicy {
    /// Strict: 4 questions all right (or exactly 3, then 2 more); default: 3 (or exactly 2, then 2 more).
    pub strict: bool,
    pub max_tries: TryLimit,
}

impl Default for KbaPolicy {
    fn default() -> Self {
        Self {
            strict: false,
            max_tries: TryLimit::Limited(3),
        }
    }
}

/// The account's (or group's) web forms ([`crate::web_form`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct WebFormPolicy {
    /// A signer proves their e-mail address with a code before the form's method. Off where the
    /// forms need no strong authentication (the seed's setting); a form password is not
    /// affected.
    pub email_check: bool,
}

impl Default for WebFormPolicy {
    fn default() -> Self {
        Self { email_check: true }
    }
}

/// The passkey method: a signer proves themselves with a passkey they made on an earlier signing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct PasskeyMethodPolicy {
    /// Answers that do not hold (a signature, a counter gone back, a passkey not theirs). A
    /// signer who cancels the browser's dialog uses none.
    pub max_tries: TryLimit,
}

impl Default for PasskeyMethodPolicy {
    fn default() -> Self {
        Self {
            max_tries: TryLimit::Limited(5),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct GovernmentIdPolicy {
    pub max_tries: TryLimit,
    /// The whole check must finish within this many minutes of opening the link.
    pub session_minutes: u32,
    /// Keep a Signer Identity Report of every decided check (the document's data, our checks, the
    /// photos) with the agreement, for `identity_report_days`. Off: only the outcome and the
    /// provider's reference are kept.
    pub keep_identity_report: bool,
    /// The account's retention period for those reports (1 to 3650 days); each is erased then.
    pub identity_report_days: u32,
    /// How closely the name on the document must match the recipient's: `lenient` lets a middle
    /// name be missing on either side; `strict` wants the same words.
    pub name_match: crate::id_document::NameRule,
}

impl Default for GovernmentIdPolicy {
    fn default() -> Self {
        Self {
            max_tries: TryLimit::Limited(5),
            session_minutes: 15,
            keep_identity_report: false,
            identity_report_days: 30,
            name_match: crate::id_document::NameRule::Lenient,
        }
    }
}

/// What a verified signer may do with their devices (SecSign's continuing on another device):
/// snapshotted into each recipient when the agreement is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct DevicePolicy {
    pub passkeys: PasskeyUse,
    /// A verified device may pair another (a QR code or a one-time link, confirmed with the code
    /// the new device shows). Off: every further device proves itself, by the method again or
    /// by a passkey; a signer whose method is spent once (questions, a document) then has only
    /// passkeys.
    pub pairing: bool,
    /// A recovery code is shown once at the first verification; with it and an e-mail code a
    /// signer who lost every device makes a new one ([`crate::recovery`]).
    pub recovery: bool,
    /// A recovery revokes every other device (whoever else had one is out).
    pub recovery_revokes_others: bool,
}

impl Default for DevicePolicy {
    fn default() -> Self {
        Self {
            passkeys: PasskeyUse::Offered,
            pairing: true,
            recovery: false,
            recovery_revokes_others: false,
        }
    }
}

/// Whether a verified signer registers a passkey for their device.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum PasskeyUse {
    /// Offered on the device page; a cookie keeps the device where the signer declines.
    Offered,
    /// The document waits: a device gets no grant until it has a passkey of its own.
    Required,
    /// No passkeys for this account's signers.
    Off,
}

/// An account: its policy, its groups' policies, and what makes a recipient internal.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(default, deny_unknown_fields)]
pub struct Account {
    pub name: String,
    pub policy: Policy,
    /// A group's policy replaces the account's for that group's senders.
    pub groups: BTreeMap<String, Policy>,
    /// Recipients with an address in these domains are internal (users of the same account).
    pub internal_domains: Vec<String>,
    /// Where the sender's platform receives signed webhooks.
    pub webhook_url: Option<String>,
    /// The IANA time zone the audit report gives local times in (`Europe/Berlin`); UTC when
    /// absent.
    pub time_zone: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MethodProblem {
    NotAllowed(Method),
    SenderMayNotChange { default: Method },
    SecondFactorRequired,
    NotAvailable(Method),
}

impl std::fmt::Display for MethodProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = |m: &Method| serde_json::to_string(m).unwrap_or_default();
        match self {
            Self::NotAllowed(m) => write!(
                f,
                "the account's policy does not allow the method {}",
                name(m)
            ),
            Self::SenderMayNotChange { default } => {
                write!(
                    f,
                    "senders may not change the method; the policy's default is {}",
                    name(default)
                )
            }
            Self::SecondFactorRequired => write!(
                f,
                "the account requires a second factor: e-mail alone is not allowed"
            ),
            Self::NotAvailable(m) => write!(
                f,
                "the method {} is not available in this version of signgate",
                name(m)
            ),
        }
    }
}

impl Account {
    /// The policy that applies to a sender in `group` (the account's when the group has none).
    pub fn policy_for(&self, group: Option<&str>) -> &Policy {
        group
            .and_then(|g| self.groups.get(g))
            .unwrap_or(&self.policy)
    }

    pub fn is_internal(&self, email: &str) -> bool {
        crate::validate::email_domain(email).is_some_and(|domain| {
            self.internal_domains
                .iter()
                .any(|d| d.eq_ignore_ascii_case(&domain))
        })
    }

    /// Problems that make the account's configuration unusable, for the admin API.
    pub fn problems(&self) -> Vec<String> {
        let mut problems = Vec::new();
        for (name, policy) in std::iter::once(("policy", &self.policy))
            .chain(self.groups.iter().map(|(g, p)| (g.as_str(), p)))
        {
            let choices = std::iter::once(("methods", &policy.methods)).chain(
                policy
                    .internal_methods
                    .iter()
                    .map(|c| ("internal_methods", c)),
            );
            for (field, choice) in choices {
                for problem in policy.choice_problems(choice) {
                    problems.push(format!("{name}.{field}: {problem}"));
                }
            }
            if !(5..=8).contains(&policy.phone.code_digits)
                || !(5..=8).contains(&policy.email_code.code_digits)
            {
                problems.push(format!("{name}: codes have 5 to 8 digits"));
            }
            if !(1..=1440).contains(&policy.email_code.code_lifetime_minutes) {
                problems.push(format!("{name}: e-mail codes live 1 to 1440 minutes"));
            }
            if !(1..=10).contains(&policy.phone.code_lifetime_minutes) {
                problems.push(format!("{name}: phone codes live 1 to 10 minutes"));
            }
            if !(4..=64).contains(&policy.password.strength.min_length) {
                problems.push(format!("{name}: the minimum password length is 4 to 64"));
            }
            for provider in &policy.social.providers {
                if !crate::login::SOCIAL_PROVIDERS.contains(&provider.as_str()) {
                    problems.push(format!(
                        "{name}: unknown social provider {provider:?} (known: {})",
                        crate::login::SOCIAL_PROVIDERS.join(", ")
                    ));
                }
            }
            if !crate::phone::valid_country_code(&policy.phone.default_country_code) {
                problems.push(format!(
                    "{name}: the default country code is 1 to 3 digits, such as \"49\""
                ));
            }
            if !(1..=10).contains(&policy.phone.max_valid_codes)
                || !(1..=10).contains(&policy.email_code.max_valid_codes)
            {
                problems.push(format!("{name}: 1 to 10 codes may be valid at once"));
            }
            if !(1..=TryLimit::MAX).contains(&policy.email_code.max_wrong_entries) {
                problems.push(format!(
                    "{name}: e-mail codes are voided after 1 to {} wrong entries",
                    TryLimit::MAX
                ));
            }
            let id = &policy.government_id;
            if !(1..=60).contains(&id.session_minutes) {
                problems.push(format!("{name}: an ID check's window is 1 to 60 minutes"));
            }
            let max_days = crate::id_check::report::MAX_RETENTION_DAYS;
            if !(1..=max_days).contains(&id.identity_report_days) {
                problems.push(format!(
                    "{name}: identity reports are kept 1 to {max_days} days"
                ));
            }
            for resend in [policy.phone.resend, policy.email_code.resend] {
                if !(1..=3600).contains(&resend.cooldown_seconds)
                    || !(1..=20).contains(&resend.max_per_hour)
                {
                    problems.push(format!(
                        "{name}: resending waits 1 to 3600 seconds, at most 1 to 20 codes an hour"
                    ));
                }
            }
        }
        problems
    }
}

impl Policy {
    /// The method a recipient gets: the sender's choice if the policy allows it, else the default.
    pub fn choose_method(
        &self,
        internal: bool,
        requested: Option<Method>,
    ) -> Result<Method, MethodProblem> {
        let choice = self.choice(internal);
        let method = requested.unwrap_or(choice.default);
        let may_change = choice.senders_may_change && self.legacy_senders_may_change != Some(false);
        if method != choice.default && !may_change {
            return Err(MethodProblem::SenderMayNotChange {
                default: choice.default,
            });
        }
        // E-mail alone is named as such even where it is not in the allowed set.
        if method == Method::EmailLink {
            self.usable(method)?;
        }
        if !choice.allowed.contains(&method) {
            return Err(MethodProblem::NotAllowed(method));
        }
        self.usable(method)?;
        Ok(method)
    }

    /// The methods senders choose from for an internal or an external recipient.
    pub fn choice(&self, internal: bool) -> &MethodChoice {
        match (&self.internal_methods, internal) {
            (Some(choice), true) => choice,
            _ => &self.methods,
        }
    }

    /// Why no recipient could be given a method from `choice` (or only at the sender's whim): a
    /// policy like that is refused when it is saved, not discovered when every recipient is.
    fn choice_problems(&self, choice: &MethodChoice) -> Vec<String> {
        let mut problems = Vec::new();
        if choice.allowed.is_empty() {
            problems.push("no method is allowed".to_string());
        } else if !choice.allowed.iter().any(|m| self.usable(*m).is_ok()) {
            problems.push(format!(
                "none of the allowed methods can be used ({})",
                if self.require_second_factor
                    && choice.allowed.iter().all(|m| *m == Method::EmailLink)
                {
                    MethodProblem::SecondFactorRequired.to_string()
                } else {
                    "this version of signgate runs only password, phone, email_code, social, \
                     platform_account, kba, government_id and passkey"
                        .to_string()
                }
            ));
        }
        if !choice.allowed.contains(&choice.default) {
            problems.push("the default method must be one of the allowed methods".to_string());
        } else if let Err(problem) = self.usable(choice.default) {
            problems.push(format!("the default method cannot be used: {problem}"));
        }
        if choice.allowed.contains(&Method::Social) && self.social.providers.is_empty() {
            problems.push("social login is allowed but social.providers is empty".to_string());
        }
        if choice.allowed.contains(&Method::Passkey) && self.devices.passkeys == PasskeyUse::Off {
            problems.push("the passkey method is allowed but devices.passkeys is off".to_string());
        }
        problems
    }

    /// Whether `method` can be given to anyone under this policy at all.
    fn usable(&self, method: Method) -> Result<(), MethodProblem> {
        if method == Method::EmailLink && self.require_second_factor {
            return Err(MethodProblem::SecondFactorRequired);
        }
        if !method.is_available() {
            return Err(MethodProblem::NotAvailable(method));
        }
        Ok(())
    }

    /// Recovery's e-mail codes, where the policy has recovery: the e-mail code's rules, with
    /// recovery's own limit of wrong entries.
    pub fn recovery_code_rules(&self) -> Option<CodeRules> {
        let rules = self.code_rules(Method::EmailCode)?;
        self.devices.recovery.then_some(CodeRules {
            lock_after: crate::recovery::MAX_WRONG_EMAIL_CODES,
            void_after: None,
            ..rules
        })
    }

    /// The rules of the code methods (`None` for the others).
    ///
    /// Any code method locks after its try limit, and never later than NIST's 100 consecutive
    /// failures: an "unlimited" phone limit and the e-mail code (which voids codes every
    /// `max_wrong_entries` instead) both stop there.
    pub fn code_rules(&self, method: Method) -> Option<CodeRules> {
        let minutes = |m: u32| u64::from(m) * 60_000;
        let lock_after = match self.try_limit(method) {
            TryLimit::Limited(n) if method == Method::Phone => n,
            _ => TryLimit::MAX,
        };
        let (digits, lifetime, max_valid, void_after, resend) = match method {
            Method::Phone => {
                let p = &self.phone;
                (
                    p.code_digits,
                    p.code_lifetime_minutes,
                    p.max_valid_codes,
                    None,
                    p.resend,
                )
            }
            Method::EmailCode => {
                let p = &self.email_code;
                let void_after = Some(p.max_wrong_entries);
                (
                    p.code_digits,
                    p.code_lifetime_minutes,
                    p.max_valid_codes,
                    void_after,
                    p.resend,
                )
            }
            _ => return None,
        };
        Some(CodeRules {
            digits,
            lifetime_ms: minutes(lifetime),
            max_valid,
            lock_after,
            void_after,
            cooldown_ms: u64::from(resend.cooldown_seconds) * 1000,
            max_sends_per_hour: resend.max_per_hour,
        })
    }

    /// The rules of the login methods for a recipient at `email` (`None` for the others).
    pub fn login_rules(&self, method: Method, email: &str) -> Option<crate::login::LoginRules> {
        match method {
            Method::Social => Some(crate::login::LoginRules {
                providers: self.social.providers.clone(),
                require_email_match: self.social.require_email_match,
                login_hint: None,
                silent_first: false,
            }),
            Method::PlatformAccount => {
                let platform = &self.platform_account;
                Some(crate::login::LoginRules {
                    providers: vec![crate::login::PLATFORM.to_string()],
                    require_email_match: platform.require_email_match,
                    login_hint: platform.prefill_email.then(|| email.to_string()),
                    silent_first: platform.skip_if_signed_in,
                })
            }
            _ => None,
        }
    }

    /// The KBA rules (`None` for the other methods).
    pub fn kba_rules(&self, method: Method) -> Option<crate::kba::KbaRules> {
        (method == Method::Kba).then_some(crate::kba::KbaRules {
            strict: self.kba.strict,
            max_tries: self.kba.max_tries,
        })
    }

    pub fn id_check_rules(&self, method: Method) -> Option<crate::id_check::IdCheckRules> {
        let p = &self.government_id;
        (method == Method::GovernmentId).then_some(crate::id_check::IdCheckRules {
            max_tries: p.max_tries,
            session_ms: u64::from(p.session_minutes) * 60_000,
            name_rule: p.name_match,
            keep_report: p.keep_identity_report,
            report_retention_ms: u64::from(p.identity_report_days) * 86_400_000,
            send_cooldown_ms: u64::from(self.phone.resend.cooldown_seconds) * 1000,
            max_sends_per_hour: self.phone.resend.max_per_hour,
        })
    }

    pub fn try_limit(&self, method: Method) -> TryLimit {
        match method {
            Method::EmailLink | Method::Social | Method::PlatformAccount => TryLimit::Unlimited,
            Method::Password => self.password.max_tries,
            Method::Phone => self.phone.max_tries,
            Method::EmailCode => TryLimit::Limited(self.email_code.max_wrong_entries),
            Method::Kba => self.kba.max_tries,
            Method::GovernmentId => self.government_id.max_tries,
            Method::Passkey => self.passkey.max_tries,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_brief() {
        let p = Policy::default();
        assert_eq!(p.password.max_tries, TryLimit::Limited(5));
        assert_eq!(p.phone.code_digits, 6);
        assert_eq!(p.phone.code_lifetime_minutes, 10);
        assert_eq!(p.email_code.max_valid_codes, 3);
        assert_eq!(p.email_code.max_wrong_entries, 10);
        assert_eq!(p.government_id.session_minutes, 15);
        assert!(Account::default().problems().is_empty());
    }

    #[test]
    fn choosing_a_method_respects_the_policy() {
        let mut p = Policy::default();
        assert_eq!(p.choose_method(false, None), Ok(Method::Password));
        assert_eq!(
            p.choose_method(false, Some(Method::Kba)),
            Err(MethodProblem::NotAllowed(Method::Kba))
        );
        assert_eq!(
            p.choose_method(false, Some(Method::EmailLink)),
            Err(MethodProblem::SecondFactorRequired)
        );
        assert_eq!(
            p.choose_method(false, Some(Method::Phone)),
            Ok(Method::Phone)
        );
        p.methods.allowed.push(Method::GovernmentId);
        assert_eq!(
            p.choose_method(false, Some(Method::GovernmentId)),
            Ok(Method::GovernmentId)
        );
        p.methods.senders_may_change = false;
        assert_eq!(
            p.choose_method(false, Some(Method::Phone)),
            Err(MethodProblem::SenderMayNotChange {
                default: Method::Password
            })
        );
        // Naming the default is no change.
        assert_eq!(
            p.choose_method(false, Some(Method::Password)),
            Ok(Method::Password)
        );
        p.internal_methods = Some(MethodChoice {
            allowed: vec![Method::EmailLink],
            default: Method::EmailLink,
            senders_may_change: true,
        });
        p.require_second_factor = false;
        assert_eq!(
            p.choose_method(true, None),
            Err(MethodProblem::NotAvailable(Method::EmailLink))
        );
    }

    #[test]
    fn internal_recipients_have_their_own_choice_or_everyones() {
        let mut p = Policy::default();
        p.methods.allowed = vec![Method::Phone];
        p.methods.default = Method::Phone;
        p.methods.senders_may_change = false;
        // Without settings of their own, internal recipients get everyone's.
        assert_eq!(p.choose_method(true, None), Ok(Method::Phone));
        assert_eq!(
            p.choose_method(true, Some(Method::Password)),
            Err(MethodProblem::SenderMayNotChange {
                default: Method::Phone
            })
        );
        p.internal_methods = Some(MethodChoice {
            allowed: vec![Method::PlatformAccount, Method::Password],
            default: Method::PlatformAccount,
            senders_may_change: true,
        });
        assert_eq!(p.choose_method(true, None), Ok(Method::PlatformAccount));
        assert_eq!(
            p.choose_method(true, Some(Method::Password)),
            Ok(Method::Password)
        );
        // An external recipient stays under everyone's rules.
        assert_eq!(
            p.choose_method(false, Some(Method::Password)),
            Err(MethodProblem::SenderMayNotChange {
                default: Method::Phone
            })
        );
    }

    /// Each policy here could be saved before, and then refused every recipient it applied to.
    #[test]
    fn a_policy_no_recipient_could_satisfy_is_refused() {
        let problems_of = |edit: &dyn Fn(&mut Policy)| {
            let mut policy = Policy::default();
            edit(&mut policy);
            Account {
                policy,
                ..Default::default()
            }
            .problems()
            .join("; ")
        };
        let email_alone = MethodChoice {
            allowed: vec![Method::EmailLink],
            default: Method::EmailLink,
            senders_may_change: true,
        };
        let problems = problems_of(&|p| p.internal_methods = Some(email_alone.clone()));
        assert!(
            problems.contains("policy.internal_methods: none of the allowed methods can be used")
                && problems.contains("second factor"),
            "{problems}"
        );
        let problems = problems_of(&|p| {
            p.methods.allowed.push(Method::EmailLink);
            p.methods.default = Method::EmailLink;
        });
        assert!(
            problems.contains("policy.methods: the default method cannot be used")
                && problems.contains("second factor"),
            "{problems}"
        );
        let problems = problems_of(&|p| p.methods.allowed.clear());
        assert!(problems.contains("no method is allowed"), "{problems}");
        let problems = problems_of(&|p| {
            p.require_second_factor = false;
            p.methods.allowed = vec![Method::EmailLink];
            p.methods.default = Method::EmailLink;
        });
        assert!(
            problems.contains("none of the allowed methods can be used")
                && problems.contains("cannot be used: the method \"email_link\" is not available"),
            "{problems}"
        );
        let problems = problems_of(&|p| {
            p.methods.allowed.push(Method::Social);
            p.social.providers.clear();
        });
        assert!(problems.contains("social.providers is empty"), "{problems}");
        let problems = problems_of(&|p| {
            p.methods.allowed.push(Method::Passkey);
            p.devices.passkeys = PasskeyUse::Off;
        });
        assert!(problems.contains("devices.passkeys is off"), "{problems}");
        assert!(problems_of(&|p| p.methods.allowed.push(Method::Passkey)).is_empty());
        // Groups are checked alike, under their own name.
        let mut group = Policy::default();
        group.methods.default = Method::Social;
        let account = Account {
            groups: BTreeMap::from([("legal".to_string(), group)]),
            ..Default::default()
        };
        assert_eq!(
            account.problems(),
            ["legal.methods: the default method must be one of the allowed methods"]
        );
        // Without the second-factor rule, e-mail alone passes the check of satisfiability but
        // is still not a method this version runs.
        let problems = problems_of(&|p| {
            p.require_second_factor = false;
            p.internal_methods = Some(email_alone.clone());
        });
        assert!(problems.contains("not available"), "{problems}");
        assert!(!problems.contains("second factor"), "{problems}");
        // Unavailable methods beside usable ones are harmless.
        assert_eq!(
            problems_of(&|p| {
                p.require_second_factor = false;
                p.methods.allowed.push(Method::EmailLink);
            }),
            ""
        );
    }

    #[test]
    fn code_rules_follow_each_methods_policy() {
        let mut p = Policy::default();
        let phone = p.code_rules(Method::Phone).unwrap();
        assert_eq!((phone.digits, phone.lifetime_ms), (6, 600_000));
        assert_eq!((phone.lock_after, phone.void_after), (5, None));
        assert_eq!((phone.cooldown_ms, phone.max_sends_per_hour), (30_000, 5));
        let email = p.code_rules(Method::EmailCode).unwrap();
        assert_eq!(
            (email.lock_after, email.void_after, email.max_valid),
            (100, Some(10), 3)
        );
        p.phone.max_tries = TryLimit::Unlimited;
        assert_eq!(p.code_rules(Method::Phone).unwrap().lock_after, 100);
        assert_eq!(p.code_rules(Method::Password), None);
        p.phone.default_country_code = "0049".into();
        p.email_code.resend.max_per_hour = 0;
        let account = Account {
            policy: p,
            ..Default::default()
        };
        let problems = account.problems().join("; ");
        assert!(problems.contains("country code"), "{problems}");
        assert!(problems.contains("codes an hour"), "{problems}");
    }

    #[test]
    fn login_rules_follow_the_social_and_platform_policies() {
        let mut p = Policy::default();
        let social = p.login_rules(Method::Social, "ada@example.com").unwrap();
        assert_eq!(social.providers, ["google", "linkedin", "facebook"]);
        assert_eq!(
            (social.login_hint, social.require_email_match),
            (None, false)
        );
        let platform = p
            .login_rules(Method::PlatformAccount, "ada@example.com")
            .unwrap();
        assert_eq!(platform.providers, ["platform"]);
        assert_eq!(platform.login_hint.as_deref(), Some("ada@example.com"));
        assert!(platform.silent_first && platform.require_email_match);
        p.platform_account.prefill_email = false;
        p.platform_account.skip_if_signed_in = false;
        let plain = p
            .login_rules(Method::PlatformAccount, "ada@example.com")
            .unwrap();
        assert_eq!((plain.login_hint, plain.silent_first), (None, false));
        assert_eq!(p.login_rules(Method::Password, "ada@example.com"), None);
        p.social.providers.push("myspace".into());
        let problems = Account {
            policy: p,
            ..Default::default()
        }
        .problems()
        .join("; ");
        assert!(
            problems.contains("unknown social provider \"myspace\""),
            "{problems}"
        );
    }

    #[test]
    fn an_id_checks_window_and_report_retention_are_bounded() {
        let problems = |days: u32, minutes: u32| {
            let mut policy = Policy::default();
            policy.government_id.identity_report_days = days;
            policy.government_id.session_minutes = minutes;
            Account {
                policy,
                ..Default::default()
            }
            .problems()
        };
        assert!(problems(1, 1).is_empty());
        assert!(problems(3650, 60).is_empty());
        assert_eq!(problems(0, 15).len(), 1);
        assert_eq!(problems(3651, 15).len(), 1);
        assert_eq!(problems(30, 0).len(), 1);
        assert_eq!(problems(30, 61).len(), 1);
        let rules = Policy::default()
            .id_check_rules(Method::GovernmentId)
            .expect("the method's rules");
        assert_eq!(rules.report_retention_ms, 30 * 86_400_000);
        assert!(!rules.keep_report, "off by default");
    }

    #[test]
    fn groups_and_internal_domains() {
        let strict = Policy {
            password: PasswordPolicy {
                max_tries: TryLimit::Limited(3),
                ..Default::default()
            },
            ..Default::default()
        };
        let account = Account {
            groups: BTreeMap::from([("legal".to_string(), strict)]),
            internal_domains: vec!["acme.example".into()],
            ..Default::default()
        };
        assert_eq!(
            account.policy_for(Some("legal")).password.max_tries,
            TryLimit::Limited(3)
        );
        assert_eq!(
            account.policy_for(Some("sales")).password.max_tries,
            TryLimit::Limited(5)
        );
        assert!(account.is_internal("bob@ACME.example"));
        assert!(!account.is_internal("bob@acme.example.evil"));
    }

    #[test]
    fn an_account_saved_with_the_one_old_switch_keeps_its_meaning() {
        let old: Policy = serde_json::from_str(r#"{"senders_may_change_method": false}"#).unwrap();
        assert_eq!(
            old.choose_method(false, Some(Method::Phone)),
            Err(MethodProblem::SenderMayNotChange {
                default: Method::Password
            })
        );
        assert!(
            !serde_json::to_string(&old)
                .unwrap()
                .contains("senders_may_change_method"),
            "never written back"
        );
        let old: Policy = serde_json::from_str(r#"{"senders_may_change_method": true}"#).unwrap();
        assert_eq!(
            old.choose_method(false, Some(Method::Phone)),
            Ok(Method::Phone)
        );
    }

    #[test]
    fn unknown_policy_fields_are_refused() {
        assert!(serde_json::from_str::<Policy>(r#"{"pasword": {}}"#).is_err());
        let p: Policy =
            serde_json::from_str(r#"{"password": {"max_tries": "unlimited"}}"#).unwrap();
        assert_eq!(p.password.max_tries, TryLimit::Unlimited);
    }
}
