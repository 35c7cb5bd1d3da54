//! What a sender asks for one recipient's method, checked against the policy: when an agreement is
//! created, when the method is changed after sending, and when a recipient is replaced. One place,
//! so the three can never disagree about what a method needs.

use crate::policy::{Method, Policy};
use crate::{password, phone};

/// A method and what it needs, as the sender sent it.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct MethodRequest<'a> {
    /// The policy's default when absent.
    pub method: Option<Method>,
    pub password: Option<&'a str>,
    /// The password typed a second time.
    pub password_confirmation: Option<&'a str>,
    pub phone: Option<&'a str>,
}

impl std::fmt::Debug for MethodRequest<'_> {
    /// Leaves the password out, so no log ever holds it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MethodRequest")
            .field("method", &self.method)
            .field("phone", &self.phone.map(phone::masked))
            .finish_non_exhaustive()
    }
}

/// Whether the sender must have typed a password twice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Confirmation {
    /// Creating an agreement: checked when given (the platform's own form may have done it).
    IfGiven,
    /// Changing a method or replacing a recipient: the admin API is the only check left.
    Required,
}

/// A request that passed every check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedMethod {
    pub method: Method,
    /// E.164, for the phone method.
    pub phone: Option<String>,
}

/// Checks `request` for a recipient (internal or not) under `policy`. Every problem is named,
/// each prefixed with `at` (`recipients[2]`, or empty), so a sender can fix them all at once.
pub fn plan(
    policy: &Policy,
    internal: bool,
    request: &MethodRequest<'_>,
    confirmation: Confirmation,
    at: &str,
) -> Result<PlannedMethod, Vec<String>> {
    let field = |name: &str| {
        if at.is_empty() {
            name.to_string()
        } else {
            format!("{at}.{name}")
        }
    };
    let method = policy
        .choose_method(internal, request.method)
        .map_err(|problem| vec![format!("{}: {problem}", field("method"))])?;
    let mut problems = Vec::new();
    match (method, request.password) {
        (Method::Password, Some(pw)) => {
            if let Err(problem) = password::check_new(pw, &policy.password.strength) {
                problems.push(format!("{}: {problem}", field("password")));
            }
            match (request.password_confirmation, confirmation) {
                (Some(again), _) if again != pw => problems.push(format!(
                    "{}: the two passwords differ",
                    field("password_confirmation")
                )),
                (None, Confirmation::Required) => problems.push(format!(
                    "{}: type the password a second time, to be sure of it",
                    field("password_confirmation")
                )),
                _ => {}
            }
        }
        (Method::Password, None) => problems.push(format!(
            "{}: the password method needs a password",
            field("password")
        )),
        (_, Some(_)) => problems.push(format!(
            "{}: only the password method takes a password",
            field("password")
        )),
        (_, None) => {}
    }
    if request.password.is_none() && request.password_confirmation.is_some() {
        problems.push(format!(
            "{}: only with a password",
            field("password_confirmation")
        ));
    }
    let phone = match (method, request.phone) {
        // For the ID check, optional: where its phone link goes unless the signer types another.
        (Method::Phone | Method::GovernmentId, Some(number)) => {
            match phone::normalize(number, &policy.phone.default_country_code) {
                Ok(e164) => Some(e164),
                Err(problem) => {
                    problems.push(format!("{}: {problem}", field("phone")));
                    None
                }
            }
        }
        (Method::Phone, None) => {
            problems.push(format!(
                "{}: the phone method needs the recipient's phone number",
                field("phone")
            ));
            None
        }
        (_, Some(_)) => {
            problems.push(format!(
                "{}: only the phone and government-ID methods take a phone number",
                field("phone")
            ));
            None
        }
        (_, None) => None,
    };
    if problems.is_empty() {
        Ok(PlannedMethod { method, phone })
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(method: Method) -> MethodRequest<'static> {
        MethodRequest {
            method: Some(method),
            ..Default::default()
        }
    }

    #[test]
    fn a_password_must_be_typed_twice_when_changing() {
        let policy = Policy::default();
        let once = MethodRequest {
            password: Some("Sunrise2026"),
            ..request(Method::Password)
        };
        assert!(plan(&policy, false, &once, Confirmation::IfGiven, "").is_ok());
        assert_eq!(
            plan(&policy, false, &once, Confirmation::Required, ""),
            Err(vec![
                "password_confirmation: type the password a second time, to be sure of it".into()
            ])
        );
        let differing = MethodRequest {
            password_confirmation: Some("Sunrise2025"),
            ..once
        };
        for confirmation in [Confirmation::IfGiven, Confirmation::Required] {
            assert_eq!(
                plan(&policy, false, &differing, confirmation, "recipients[1]"),
                Err(vec![
                    "recipients[1].password_confirmation: the two passwords differ".into()
                ])
            );
        }
        let twice = MethodRequest {
            password_confirmation: Some("Sunrise2026"),
            ..once
        };
        assert_eq!(
            plan(&policy, false, &twice, Confirmation::Required, ""),
            Ok(PlannedMethod {
                method: Method::Password,
                phone: None
            })
        );
    }

    #[test]
    fn each_method_gets_what_it_needs_and_nothing_else() {
        let mut policy = Policy::default();
        policy.phone.default_country_code = "49".into();
        let phone = MethodRequest {
            phone: Some("0170 5550123"),
            ..request(Method::Phone)
        };
        assert_eq!(
            plan(&policy, false, &phone, Confirmation::Required, ""),
            Ok(PlannedMethod {
                method: Method::Phone,
                phone: Some("+491705550123".into())
            })
        );
        let problems = plan(
            &policy,
            false,
            &request(Method::Phone),
            Confirmation::Required,
            "",
        )
        .unwrap_err();
        assert_eq!(
            problems,
            ["phone: the phone method needs the recipient's phone number"]
        );
        let crossed = MethodRequest {
            password: Some("Sunrise2026"),
            phone: Some("+491705550123"),
            ..request(Method::EmailCode)
        };
        let problems = plan(&policy, false, &crossed, Confirmation::IfGiven, "").unwrap_err();
        assert_eq!(
            problems,
            [
                "password: only the password method takes a password",
                "phone: only the phone and government-ID methods take a phone number"
            ]
        );
        let stray = MethodRequest {
            password_confirmation: Some("x"),
            ..request(Method::EmailCode)
        };
        assert_eq!(
            plan(&policy, false, &stray, Confirmation::IfGiven, "").unwrap_err(),
            ["password_confirmation: only with a password"]
        );
    }

    #[test]
    fn the_policy_decides_the_method_first() {
        let mut policy = Policy::default();
        policy.methods.senders_may_change = false;
        let problems = plan(
            &policy,
            false,
            &request(Method::EmailCode),
            Confirmation::Required,
            "",
        )
        .unwrap_err();
        assert_eq!(
            problems,
            ["method: senders may not change the method; the policy's default is \"password\""]
        );
    }
}
