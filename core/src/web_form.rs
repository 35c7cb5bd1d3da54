//! Web forms: one public signing link for signers nobody named in advance (a consent form, an
//! application), as the seed's "веб-формы". Anyone may open it, so it asks who they are, proves
//! their e-mail address with a code unless the policy turns that off, and then leads to a method
//! that needs nothing known about the signer beforehand. Each completed entry becomes its own
//! agreement.
//!
//! A public link invites abuse. The rules here, which the form's object keeps exactly:
//! - a form password has its own try limit, which rests the link for a while (it cancels nothing:
//!   there is nothing of anyone's to cancel yet);
//! - e-mail codes are capped per link, per address and per client address, each per hour.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::policy::{Method, Policy};
use crate::wire::CreateWebForm;

/// Wrong form passwords in a row before the link rests.
pub const MAX_WRONG_PASSWORDS: u32 = 5;
/// How long it rests.
pub const REST_MS: u64 = 15 * 60_000;
/// E-mail codes a form sends in an hour, in all.
pub const SENDS_PER_LINK_PER_HOUR: usize = 60;
/// … to one address.
pub const SENDS_PER_ADDRESS_PER_HOUR: usize = 5;
/// … for one client address (IP).
pub const SENDS_PER_IP_PER_HOUR: usize = 10;
const HOUR_MS: u64 = 3_600_000;

/// Whether a web form may lead to `method`: only a method that needs nothing about the signer
/// known in advance (no password the sender set, no phone number).
pub fn leads_to(method: Method) -> bool {
    matches!(
        method,
        Method::EmailCode
            | Method::Social
            | Method::PlatformAccount
            | Method::Kba
            | Method::GovernmentId
            | Method::Passkey
    )
}

/// Checks a sender's request for a web form under `policy` (the account's or its group's):
/// every problem named, so they can all be fixed at once. The method it leads to.
pub fn plan(policy: &Policy, request: &CreateWebForm) -> Result<Method, Vec<String>> {
    let mut problems = Vec::new();
    if let Err(problem) =
        crate::validate::text("title", &request.title, crate::validate::MAX_TITLE_LEN)
    {
        problems.push(problem);
    }
    problems.extend(crate::validate::person(
        "sender",
        &request.sender.name,
        &request.sender.email,
    ));
    // Its signers are not known beforehand: none of them is one of the account's own people.
    let method = match policy.choose_method(false, request.method) {
        Ok(method) if leads_to(method) => Some(method),
        Ok(method) => {
            problems.push(format!(
                "method: a web form cannot lead to {:?}, which needs something known about the \
                 signer beforehand (use email_code, social, platform_account, kba, \
                 government_id or passkey)",
                method.name()
            ));
            None
        }
        Err(problem) => {
            problems.push(format!("method: {problem}"));
            None
        }
    };
    match (&request.password, &request.password_confirmation) {
        (Some(password), again) => {
            if let Err(problem) = crate::password::check_new(password, &policy.password.strength) {
                problems.push(format!("password: {problem}"));
            }
            match again {
                Some(again) if again != password => {
                    problems.push("password_confirmation: the two passwords differ".into())
                }
                None => problems.push(
                    "password_confirmation: type the password a second time, to be sure of it"
                        .into(),
                ),
                _ => {}
            }
        }
        (None, Some(_)) => problems.push("password_confirmation: only with a password".into()),
        (None, None) => {}
    }
    match method {
        Some(method) if problems.is_empty() => Ok(method),
        _ => Err(problems),
    }
}

/// Which of an entry's fields a problem is with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EntryField {
    Name,
    Email,
    Password,
}

/// One problem with what a signer typed on a form: the field, whether it was left empty, and
/// the problem in words (the worker's answer joins them; the form's page names them by field in
/// the signer's language).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryProblem {
    pub field: EntryField,
    pub missing: bool,
    pub message: String,
}

impl std::fmt::Display for EntryProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

/// Checks what a signer typed on a form (`password`: the form has one): every problem named.
/// The form password's own check (right or wrong) comes after, and only when this passes.
pub fn entry_problems(
    name: &str,
    email: &str,
    typed_password: Option<&str>,
    password: bool,
) -> Vec<EntryProblem> {
    let mut problems = Vec::new();
    if let Err(message) = crate::validate::text("name", name, crate::validate::MAX_NAME_LEN) {
        problems.push(EntryProblem {
            field: EntryField::Name,
            missing: name.trim().is_empty(),
            message,
        });
    }
    if let Err(problem) = crate::validate::email(email) {
        problems.push(EntryProblem {
            field: EntryField::Email,
            missing: email.trim().is_empty(),
            message: format!("email: {problem}"),
        });
    }
    match (typed_password, password) {
        (Some(typed), true) => {
            if let Err(problem) = crate::password::check_entry(typed) {
                problems.push(EntryProblem {
                    field: EntryField::Password,
                    missing: typed.is_empty(),
                    message: format!("password: {problem}"),
                });
            }
        }
        (None, true) => problems.push(EntryProblem {
            field: EntryField::Password,
            missing: true,
            message: "password: this form asks for its password".into(),
        }),
        // Nothing to check it against: a password typed for a form without one is no secret
        // worth refusing over, and is dropped unread.
        (_, false) => {}
    }
    problems
}

/// The problems as one answer's message.
pub fn joined(problems: &[EntryProblem]) -> String {
    problems
        .iter()
        .map(|p| p.message.as_str())
        .collect::<Vec<_>>()
        .join("; ")
}

/// How long an entry may take to prove its address, from its first code: after that it is
/// forgotten and the signer begins again.
pub const ENTRY_LIFETIME_MS: u64 = 30 * 60_000;

/// The form password's limit: wrong ones in a row rest the link, then it opens again.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PasswordGate {
    wrong: u32,
    resting_until: Option<u64>,
}

/// What a wrong form password did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterWrong {
    TriesLeft(u32),
    /// The link rests until then.
    Resting {
        until: u64,
    },
}

impl PasswordGate {
    /// `Err(until)` while the link rests.
    pub fn gate(&self, now: u64) -> Result<(), u64> {
        match self.resting_until {
            Some(until) if now < until => Err(until),
            _ => Ok(()),
        }
    }

    pub fn wrong(&mut self, now: u64) -> AfterWrong {
        if self.resting_until.is_some_and(|until| now >= until) {
            *self = Self::default();
        }
        self.wrong += 1;
        if self.wrong >= MAX_WRONG_PASSWORDS {
            let until = now + REST_MS;
            *self = Self {
                wrong: 0,
                resting_until: Some(until),
            };
            return AfterWrong::Resting { until };
        }
        AfterWrong::TriesLeft(MAX_WRONG_PASSWORDS - self.wrong)
    }

    /// A right password: the count starts again.
    pub fn right(&mut self) {
        self.wrong = 0;
    }
}

/// Wrong entry codes one address may collect in a day, over every entry on every form of the
/// account: an entry ends after too many wrong codes, but a new one could begin at once, so this
/// is what bounds guessing a stranger's code (and with it, an agreement in their name).
pub const WRONG_CODES_PER_ADDRESS_PER_DAY: usize = 20;
const DAY_MS: u64 = 24 * HOUR_MS;

/// The wrong entry codes of one address in the last day.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Guesses(Vec<u64>);

impl Guesses {
    /// `Err(until)` while the address has had its share of wrong codes.
    pub fn gate(&self, now: u64) -> Result<(), u64> {
        let recent: Vec<u64> = self
            .0
            .iter()
            .copied()
            .filter(|&at| at + DAY_MS > now)
            .collect();
        if recent.len() >= WRONG_CODES_PER_ADDRESS_PER_DAY {
            return Err(recent[recent.len() - WRONG_CODES_PER_ADDRESS_PER_DAY] + DAY_MS);
        }
        Ok(())
    }

    /// One more wrong code at `now`; what is older than a day is forgotten.
    pub fn wrong(&mut self, now: u64) {
        self.0.retain(|&at| at + DAY_MS > now);
        self.0.push(now);
    }

    /// Nothing within the day: the record may go.
    pub fn is_spent(&self, now: u64) -> bool {
        self.0.iter().all(|&at| at + DAY_MS <= now)
    }
}

/// Which cap a send met.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Capped {
    Link,
    Address,
    Ip,
}

/// The sends of the last hour: the form's, and each address's and client's (by digest).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SendCaps {
    link: Vec<u64>,
    by_key: BTreeMap<String, Vec<u64>>,
}

impl SendCaps {
    /// Takes one send for `address` and `ip` (digests) at `now`, unless a cap is met: then which,
    /// and when the first send that holds it back leaves the hour. The link's cap bounds
    /// everything kept.
    pub fn take(&mut self, address: &str, ip: &str, now: u64) -> Result<(), (Capped, u64)> {
        let recent = |stamps: &mut Vec<u64>| stamps.retain(|&at| at + HOUR_MS > now);
        recent(&mut self.link);
        self.by_key.retain(|_, stamps| {
            recent(stamps);
            !stamps.is_empty()
        });
        let address_key = format!("a:{address}");
        let ip_key = format!("i:{ip}");
        let full = |stamps: Option<&Vec<u64>>, cap: usize| {
            stamps
                .filter(|s| s.len() >= cap)
                .and_then(|s| s.first())
                .map(|first| first + HOUR_MS)
        };
        let checks = [
            (
                Capped::Link,
                full(Some(&self.link), SENDS_PER_LINK_PER_HOUR),
            ),
            (
                Capped::Address,
                full(self.by_key.get(&address_key), SENDS_PER_ADDRESS_PER_HOUR),
            ),
            (
                Capped::Ip,
                full(self.by_key.get(&ip_key), SENDS_PER_IP_PER_HOUR),
            ),
        ];
        // Named by the first cap met, waited for until the last one met lets go.
        let met: Vec<(Capped, u64)> = checks
            .into_iter()
            .filter_map(|(capped, until)| until.map(|u| (capped, u)))
            .collect();
        if let (Some(&(capped, _)), Some(until)) = (met.first(), met.iter().map(|m| m.1).max()) {
            return Err((capped, until));
        }
        self.link.push(now);
        self.by_key.entry(address_key).or_default().push(now);
        self.by_key.entry(ip_key).or_default().push(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn request(method: Option<Method>) -> CreateWebForm {
        CreateWebForm {
            group: None,
            title: "Consent to treatment".into(),
            sender: crate::wire::Contact {
                name: "Dr Sam".into(),
                email: "sam@clinic.example".into(),
            },
            method,
            password: None,
            password_confirmation: None,
        }
    }

    #[test]
    fn a_form_is_planned_under_the_policy_with_every_problem_named() {
        let mut policy = Policy::default();
        policy.methods.allowed.push(Method::Kba);
        assert_eq!(plan(&policy, &request(Some(Method::Kba))), Ok(Method::Kba));
        assert_eq!(
            plan(&policy, &request(Some(Method::EmailCode))),
            Ok(Method::EmailCode)
        );
        let problems = plan(&policy, &request(None)).unwrap_err();
        assert!(
            problems[0].contains("cannot lead to \"password\""),
            "the default, a password, needs a person: {problems:?}"
        );
        let problems = plan(&policy, &request(Some(Method::Social))).unwrap_err();
        assert!(problems[0].contains("does not allow"), "{problems:?}");

        let mut bad = request(Some(Method::EmailCode));
        bad.title = String::new();
        bad.sender.email = "nobody".into();
        bad.password = Some("Harbour2027".into());
        bad.password_confirmation = Some("Harbour2028".into());
        let problems = plan(&policy, &bad).unwrap_err().join("; ");
        for field in [
            "title",
            "sender",
            "password_confirmation: the two passwords differ",
        ] {
            assert!(problems.contains(field), "{field} in {problems}");
        }
        let mut weak = request(Some(Method::EmailCode));
        weak.password = Some("abc".into());
        weak.password_confirmation = Some("abc".into());
        assert!(plan(&policy, &weak).unwrap_err()[0].starts_with("password: "));
        let mut right = request(Some(Method::EmailCode));
        right.password = Some("Harbour2027".into());
        right.password_confirmation = Some("Harbour2027".into());
        assert_eq!(plan(&policy, &right), Ok(Method::EmailCode));
    }

    #[test]
    fn an_entry_names_every_problem_and_asks_for_the_password_only_where_there_is_one() {
        let fields = |problems: Vec<EntryProblem>| -> Vec<(EntryField, bool)> {
            problems.iter().map(|p| (p.field, p.missing)).collect()
        };
        assert!(entry_problems("Ada", "ada@example.com", None, false).is_empty());
        assert!(entry_problems("Ada", "ada@example.com", Some("x"), false).is_empty());
        assert!(entry_problems("Ada", "ada@example.com", Some("x"), true).is_empty());
        let all = entry_problems(" ", "ada", None, true);
        assert_eq!(
            fields(all.clone()),
            [
                (EntryField::Name, true),
                (EntryField::Email, false),
                (EntryField::Password, true)
            ]
        );
        let joined = all
            .iter()
            .map(|p| p.to_string())
            .collect::<Vec<_>>()
            .join("; ");
        for field in ["name", "email", "password: this form asks"] {
            assert!(joined.contains(field), "{field} in {joined}");
        }
        assert_eq!(
            fields(entry_problems("Ada", "", Some(""), true)),
            [(EntryField::Email, true), (EntryField::Password, true)]
        );
    }

    #[test]
    fn an_address_gets_so_many_wrong_codes_a_day_whatever_the_entries() {
        let mut guesses = Guesses::default();
        for i in 0..WRONG_CODES_PER_ADDRESS_PER_DAY as u64 {
            assert_eq!(guesses.gate(i), Ok(()));
            guesses.wrong(i);
        }
        assert_eq!(guesses.gate(100), Err(DAY_MS));
        assert_eq!(guesses.gate(DAY_MS), Ok(()), "the first one is a day old");
        assert!(!guesses.is_spent(DAY_MS));
        assert!(guesses.is_spent(DAY_MS + WRONG_CODES_PER_ADDRESS_PER_DAY as u64));
    }

    #[test]
    fn only_methods_that_need_nothing_in_advance() {
        assert!(leads_to(Method::EmailCode));
        assert!(leads_to(Method::GovernmentId));
        assert!(
            !leads_to(Method::Password),
            "the sender sets it for a person"
        );
        assert!(!leads_to(Method::Phone), "a number known beforehand");
        assert!(!leads_to(Method::EmailLink));
    }

    #[test]
    fn wrong_passwords_rest_the_link_then_it_opens_again() {
        let mut gate = PasswordGate::default();
        for left in (1..MAX_WRONG_PASSWORDS).rev() {
            assert_eq!(gate.wrong(0), AfterWrong::TriesLeft(left));
        }
        assert_eq!(
            gate.wrong(10),
            AfterWrong::Resting {
                until: 10 + REST_MS
            }
        );
        assert_eq!(gate.gate(10 + REST_MS - 1), Err(10 + REST_MS));
        assert_eq!(gate.gate(10 + REST_MS), Ok(()));
        assert_eq!(
            gate.wrong(10 + REST_MS),
            AfterWrong::TriesLeft(MAX_WRONG_PASSWORDS - 1)
        );
        gate.right();
        assert_eq!(
            gate.wrong(10 + REST_MS),
            AfterWrong::TriesLeft(MAX_WRONG_PASSWORDS - 1)
        );
    }

    #[test]
    fn sends_are_capped_per_address_per_ip_and_per_link() {
        let mut caps = SendCaps::default();
        for _ in 0..SENDS_PER_ADDRESS_PER_HOUR {
            caps.take("ada", "ip1", 0).unwrap();
        }
        assert_eq!(caps.take("ada", "ip2", 5), Err((Capped::Address, HOUR_MS)));
        for i in SENDS_PER_ADDRESS_PER_HOUR..SENDS_PER_IP_PER_HOUR {
            caps.take(&format!("someone{i}"), "ip1", 0).unwrap();
        }
        assert_eq!(caps.take("bob", "ip1", 5), Err((Capped::Ip, HOUR_MS)));
        // Many clients, many addresses: the link's own cap.
        for i in SENDS_PER_IP_PER_HOUR..SENDS_PER_LINK_PER_HOUR {
            caps.take(&format!("p{i}"), &format!("c{i}"), 0).unwrap();
        }
        assert_eq!(caps.take("new", "fresh", 1), Err((Capped::Link, HOUR_MS)));
        // An hour on, all open again, and nothing old is kept.
        caps.take("ada", "ip1", HOUR_MS).unwrap();
        assert_eq!(caps.link.len(), 1);
        assert_eq!(caps.by_key.len(), 2);
    }

    proptest! {
        /// Whatever the sends: within any hour no address, client or the link goes over its cap,
        /// and a refused send is counted nowhere.
        #[test]
        fn no_hour_holds_more_than_its_caps(
            sends in proptest::collection::vec((0u8..8, 0u8..12, 0u64..600), 1..300)
        ) {
            let mut caps = SendCaps::default();
            let mut now = 0;
            let mut taken: Vec<(u8, u8, u64)> = Vec::new();
            for (address, ip, step) in sends {
                now += step * 1000;
                let before = caps.clone();
                match caps.take(&address.to_string(), &ip.to_string(), now) {
                    Ok(()) => taken.push((address, ip, now)),
                    Err(_) => {
                        let mut pruned = before;
                        pruned.link.retain(|&at| at + HOUR_MS > now);
                        prop_assert_eq!(caps.link.clone(), pruned.link);
                    }
                }
                let hour: Vec<_> = taken.iter().filter(|t| t.2 + HOUR_MS > now).collect();
                prop_assert!(hour.len() <= SENDS_PER_LINK_PER_HOUR);
                for key in 0..12u8 {
                    prop_assert!(hour.iter().filter(|t| t.0 == key).count() <= SENDS_PER_ADDRESS_PER_HOUR);
                    prop_assert!(hour.iter().filter(|t| t.1 == key).count() <= SENDS_PER_IP_PER_HOUR);
                }
            }
        }
    }
}
