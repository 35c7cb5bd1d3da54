//! The screens are a state machine, not URLs: the signer's link is the only address they have.
//!
//! ```text
//! Opening ──▶ Password ──────────────────────▶ Verified
//!    │            └────────────────────────────▶ Cancelled
//!    ├──▶ Phone ──(send)──▶ Code ──▶ Verified / Cancelled
//!    │      ▲                 │ └──(send a new code)──▶ Code
//!    │      └──(other way)────┘
//!    ├──▶ EmailCode ──(send)──▶ Code
//!    ├──▶ Code (a code sent before a reload is still valid)
//!    ├──▶ Kba ──(details)──▶ KbaQuestions ──(all right)──▶ Verified
//!    │     ▲  │                  │ └──(one wrong)──▶ KbaQuestions (two more)
//!    │     └──┼──(a failed try)──┘
//!    │        └──(not eligible)──▶ Problem
//!    ├──▶ Providers ──(start)──▶ the provider's page, in this tab ─┐
//!    ├──▶ Verified / Cancelled / InvalidLink                       │
//!    └──▶ Problem ──(retry)──▶ Opening                             │
//!                                                                  │
//! back at /s#login=<outcome> ◀─────────────────────────────────────┘
//!    ├──(done)──▶ SigningIn ──(finish)──▶ Verified, or Opening if there is nothing to collect
//!    └──(any other)──▶ Opening ──▶ LoginFailed ──(try again)──▶ Opening
//!                         └──▶ Verified / Cancelled when the link says so
//! ```
//!
//! Phone, EmailCode, Code, Kba, KbaQuestions and Providers also end in Verified, Cancelled or
//! InvalidLink when the worker says so, and go back to Opening to load the link again if the sender
//! has changed the method meanwhile. While a finished login waits to be collected (its grant must not be lost to a
//! network failure or a reload), Problem's retry and a reload go to SigningIn instead of Opening.

mod cancelled;
mod code;
mod email_code;
mod invalid_link;
mod kba;
mod kba_questions;
mod login_failed;
mod opening;
mod password;
mod phone;
mod problem;
mod providers;
mod send;
mod signing_in;
#[cfg(test)]
mod test_support;
mod verified;

pub use cancelled::Cancelled;
pub use code::Code;
pub use email_code::EmailCode;
pub use invalid_link::InvalidLink;
pub use kba::{Kba, KbaProblem};
pub use kba_questions::KbaQuestions;
pub use login_failed::{LoginFailed, LoginFailure};
pub use opening::Opening;
pub use password::Password;
pub use phone::Phone;
pub use problem::{Problem, ProblemKind};
pub use providers::Providers;
pub use signing_in::SigningIn;
pub use verified::Verified;

use leptos::prelude::*;
use signgate_core::kba::Subject;
use signgate_core::otp::Channel;
use signgate_core::policy::Method;
use signgate_core::wire::{
    CodeSent, ErrorCode, KbaRound, LoginOutcome, RecipientState, RecipientView, VerifiedResponse,
};

use signgate_core::validate::is_web_address;

use crate::api::Failure;
use crate::contact::HelpContact;
use crate::i18n::{self, Key};
use crate::ui::line;

#[derive(Clone, Debug, PartialEq)]
pub enum Screen {
    Opening,
    Password(RecipientView),
    /// The signer picks a text message or a voice call.
    Phone(RecipientView),
    /// Nothing is sent until the signer asks: mail scanners open links too.
    EmailCode(RecipientView),
    /// A code is out: `sent` says where it went, when it expires and when the next may be sent.
    Code {
        recipient: RecipientView,
        sent: CodeSent,
    },
    /// The signer picks a social provider, or goes on to the platform's own sign-in.
    Providers(RecipientView),
    /// Knowledge questions: the signer's details, for the provider to find their questions.
    /// `subject`: the details typed before, in memory only, when a failed try comes back here;
    /// `problem`: why it came back.
    Kba {
        recipient: RecipientView,
        subject: Option<Subject>,
        problem: Option<KbaProblem>,
    },
    /// A round of questions (the first, or the two follow-ups), with the details they came from.
    KbaQuestions {
        recipient: RecipientView,
        subject: Subject,
        round: KbaRound,
    },
    /// Back from the provider with a finished login: its grant is being collected.
    SigningIn,
    /// Back from the provider without a login; `provider` names it when the page knows which.
    LoginFailed {
        recipient: RecipientView,
        failure: LoginFailure,
        provider: Option<String>,
    },
    /// `continue_href` is where the signer goes on, with the grant in its fragment;
    /// `signature_name` the name an identity provider vouched for; `recovery_code` the code to
    /// keep, shown this once.
    Verified {
        continue_href: Option<String>,
        signature_name: Option<String>,
        recovery_code: Option<String>,
    },
    Cancelled(HelpContact),
    /// The government ID: the check runs on a page of its own (`/id/`), with the camera code
    /// only its signers download.
    IdCheck,
    /// The passkey method: its sign-in is the device page's (`/device/`), which holds the
    /// WebAuthn code only signers who use passkeys download.
    Passkey,
    InvalidLink,
    Problem(ProblemKind),
}

impl Screen {
    /// Where the signer lands once the worker has told us about the link.
    pub fn after_load(loaded: Result<RecipientView, Failure>) -> Screen {
        match loaded {
            Ok(view) => match (view.state, view.method) {
                (RecipientState::Pending, Some(Method::Password)) => Screen::Password(view),
                (RecipientState::Pending, Some(method @ (Method::Phone | Method::EmailCode))) => {
                    match outstanding(&view, method) {
                        Some(sent) => Screen::Code {
                            recipient: view,
                            sent,
                        },
                        None if method == Method::Phone => Screen::Phone(view),
                        None => Screen::EmailCode(view),
                    }
                }
                (RecipientState::Pending, Some(Method::Social | Method::PlatformAccount)) => {
                    Screen::Providers(view)
                }
                (RecipientState::Pending, Some(Method::GovernmentId)) => Screen::IdCheck,
                (RecipientState::Pending, Some(Method::Passkey)) => Screen::Passkey,
                (RecipientState::Pending, Some(Method::Kba)) => Screen::Kba {
                    recipient: view,
                    subject: None,
                    problem: None,
                },
                (RecipientState::Pending, _) => {
                    Screen::Problem(ProblemKind::NotAvailable(HelpContact::of(&view)))
                }
                (RecipientState::Verified, _) => Screen::already_verified(),
                (RecipientState::Cancelled, _) => Screen::Cancelled(HelpContact::of(&view)),
            },
            Err(Failure::Refused(error)) if error.code == ErrorCode::InvalidLink => {
                Screen::InvalidLink
            }
            Err(_) => Screen::Problem(ProblemKind::Unreachable),
        }
    }

    /// Where the signer lands when they come back from a provider without a finished login
    /// (`provider`: the id of the one they left for). The link is loaded first: it may have been
    /// verified or cancelled meanwhile, or the sender may have changed the method.
    pub fn after_return(
        loaded: Result<RecipientView, Failure>,
        outcome: LoginOutcome,
        provider: Option<&str>,
    ) -> Screen {
        match (Screen::after_load(loaded), LoginFailure::of(outcome)) {
            (Screen::Providers(recipient), Some(failure)) => {
                let provider = provider_name(&recipient, provider);
                Screen::LoginFailed {
                    recipient,
                    failure,
                    provider,
                }
            }
            (screen, _) => screen,
        }
    }

    /// A right entry or a finished login: on to the platform's page, when there is one to go to.
    pub fn verified(verified: &VerifiedResponse) -> Screen {
        let signature_name = verified
            .signature_name
            .as_deref()
            .map(str::trim)
            .filter(|name| !name.is_empty());
        Screen::Verified {
            continue_href: continue_href(verified),
            signature_name: signature_name.map(str::to_owned),
            recovery_code: verified.recovery_code.clone(),
        }
    }

    /// Verified before, or by another tab: the grant went there, so there is nowhere to go on to.
    pub fn already_verified() -> Screen {
        Screen::Verified {
            continue_href: None,
            signature_name: None,
            recovery_code: None,
        }
    }
}

/// Where a refusal about the link itself takes the signer: it means the same whatever they were
/// doing, so no screen can keep them where they are.
#[derive(Debug, PartialEq)]
enum Elsewhere {
    /// Boxed: a screen is large.
    Screen(Box<Screen>),
    /// The link no longer works the way the page thinks (the sender changed the method, or no
    /// longer allows the provider): load it again.
    Reload,
}

/// The refusals every screen that acts on the link answers alike, so a screen's own mapping only
/// has to handle what is particular to it; `None` for those.
fn elsewhere(code: ErrorCode, contact: &HelpContact) -> Option<Elsewhere> {
    let screen = match code {
        ErrorCode::Cancelled => Screen::Cancelled(contact.clone()),
        ErrorCode::AlreadyVerified => Screen::already_verified(),
        ErrorCode::InvalidLink => Screen::InvalidLink,
        ErrorCode::WrongMethod => return Some(Elsewhere::Reload),
        _ => return None,
    };
    Some(Elsewhere::Screen(Box::new(screen)))
}

/// The name of the provider the signer left for; with only one on offer (the platform), that one.
fn provider_name(view: &RecipientView, id: Option<&str>) -> Option<String> {
    let chosen = match (id, view.providers.as_slice()) {
        (Some(id), providers) => providers.iter().find(|option| option.id == id),
        (None, [only]) => Some(only),
        (None, _) => None,
    };
    chosen.map(|option| option.name.clone())
}

/// The code a reload finds still valid, told as if it had just been sent, so the signer can type
/// it in rather than wait for (and pay for) another.
fn outstanding(view: &RecipientView, method: Method) -> Option<CodeSent> {
    let codes = view.codes.as_ref()?;
    let expires_in_secs = codes.expires_in_secs.filter(|&secs| secs > 0)?;
    let fallback = match method {
        Method::Phone => Channel::Sms,
        _ => Channel::Email,
    };
    let channel = codes
        .channel
        .filter(|channel| channel.method() == method)
        .unwrap_or(fallback);
    // Masked the way the worker masks it when it answers a send.
    let destination = match channel {
        Channel::Sms | Channel::Voice => view.phone_last4.clone(),
        Channel::Email => view.recipient_email.clone(),
    }
    .map(|to| signgate_core::outgoing::masked_destination(channel, &to));
    Some(CodeSent {
        channel,
        destination: destination.unwrap_or_default(),
        digits: codes.digits,
        expires_in_secs,
        next_send_in_secs: codes.next_send_in_secs,
        preview_code: None,
    })
}

/// The platform's page with the grant in its fragment, which stays out of server logs. Only web
/// addresses: a `javascript:` URL must never become a link.
fn continue_href(verified: &VerifiedResponse) -> Option<String> {
    let url = verified.continue_url.as_deref()?;
    is_web_address(url).then(|| format!("{url}#grant={}", verified.grant))
}

/// The screen's one `<h1>` (it takes focus when it appears), in this page's words.
#[component]
fn Heading(key: Key) -> impl IntoView {
    view! { <crate::ui::Heading>{i18n::tr(key)}</crate::ui::Heading> }
}

/// A link to whom the signer can ask for help.
#[component]
fn ContactLink(contact: HelpContact) -> impl IntoView {
    let lang = i18n::use_lang();
    let HelpContact {
        who,
        is_support,
        href,
    } = contact;
    view! { <a href=href>{move || i18n::contact(lang.get(), &who, is_support)}</a> }
}

#[cfg(test)]
mod tests {
    use super::*;
    use signgate_core::wire::{CodeView, Contact, ProviderOption};
    use test_support::{contact, refusal, verified};

    fn view(state: RecipientState, method: Option<Method>) -> RecipientView {
        RecipientView {
            state,
            sender: Contact {
                name: "Ada".into(),
                email: "ada@example.com".into(),
            },
            support_contact: None,
            method,
            recipient_name: None,
            recipient_email: None,
            agreement_title: None,
            tries_left: None,
            phone_last4: None,
            codes: None,
            providers: Vec::new(),
            preview: false,
            new_devices: false,
        }
    }

    fn with_codes(
        method: Method,
        expires_in_secs: Option<u64>,
        channel: Option<Channel>,
    ) -> RecipientView {
        RecipientView {
            phone_last4: Some("4567".into()),
            recipient_email: Some("bob@example.com".into()),
            codes: Some(CodeView {
                digits: 6,
                expires_in_secs,
                channel,
                next_send_in_secs: 20,
            }),
            ..view(RecipientState::Pending, Some(method))
        }
    }

    #[test]
    fn the_recipients_state_picks_the_screen() {
        let pending = view(RecipientState::Pending, Some(Method::Password));
        assert_eq!(
            Screen::after_load(Ok(pending.clone())),
            Screen::Password(pending)
        );
        assert_eq!(
            Screen::after_load(Ok(view(RecipientState::Verified, None))),
            Screen::already_verified()
        );
        assert!(matches!(
            Screen::after_load(Ok(view(RecipientState::Cancelled, None))),
            Screen::Cancelled(_)
        ));
        let kba = view(RecipientState::Pending, Some(Method::Kba));
        assert_eq!(
            Screen::after_load(Ok(kba.clone())),
            Screen::Kba {
                recipient: kba,
                subject: None,
                problem: None,
            }
        );
        assert!(matches!(
            Screen::after_load(Ok(view(
                RecipientState::Pending,
                Some(Method::GovernmentId)
            ))),
            Screen::IdCheck
        ));
        assert!(matches!(
            Screen::after_load(Ok(view(RecipientState::Pending, Some(Method::Passkey)))),
            Screen::Passkey
        ));
        assert!(matches!(
            Screen::after_load(Ok(view(RecipientState::Pending, None))),
            Screen::Problem(ProblemKind::NotAvailable(_))
        ));
    }

    #[test]
    fn code_methods_ask_first_unless_a_valid_code_is_out() {
        let phone = view(RecipientState::Pending, Some(Method::Phone));
        assert_eq!(Screen::after_load(Ok(phone.clone())), Screen::Phone(phone));
        let email = view(RecipientState::Pending, Some(Method::EmailCode));
        assert_eq!(
            Screen::after_load(Ok(email.clone())),
            Screen::EmailCode(email)
        );
        // Codes voided or expired: nothing to type in, so ask again.
        let none_valid = with_codes(Method::Phone, None, None);
        assert_eq!(
            Screen::after_load(Ok(none_valid.clone())),
            Screen::Phone(none_valid)
        );
        let none_valid = with_codes(Method::EmailCode, Some(0), Some(Channel::Email));
        assert_eq!(
            Screen::after_load(Ok(none_valid.clone())),
            Screen::EmailCode(none_valid)
        );
    }

    #[test]
    fn a_reload_with_a_valid_code_goes_straight_to_entering_it() {
        let voice = with_codes(Method::Phone, Some(300), Some(Channel::Voice));
        assert_eq!(
            Screen::after_load(Ok(voice.clone())),
            Screen::Code {
                recipient: voice,
                sent: CodeSent {
                    channel: Channel::Voice,
                    destination: "…4567".into(),
                    digits: 6,
                    expires_in_secs: 300,
                    next_send_in_secs: 20,
                    preview_code: None,
                },
            }
        );
        let Screen::Code { sent, .. } =
            Screen::after_load(Ok(with_codes(Method::EmailCode, Some(60), None)))
        else {
            panic!("a valid e-mail code goes to the code screen");
        };
        assert_eq!(sent.channel, Channel::Email);
        assert_eq!(sent.destination, "b…@example.com");
        // A channel that does not fit the method is the worker's slip: fall back to the method's.
        let Screen::Code { sent, .. } = Screen::after_load(Ok(with_codes(
            Method::Phone,
            Some(60),
            Some(Channel::Email),
        ))) else {
            panic!("a valid phone code goes to the code screen");
        };
        assert_eq!(sent.channel, Channel::Sms);
    }

    fn with_providers(method: Method, providers: &[(&str, &str)]) -> RecipientView {
        RecipientView {
            recipient_email: Some("bob@example.com".into()),
            providers: providers
                .iter()
                .map(|&(id, name)| ProviderOption {
                    id: id.into(),
                    name: name.into(),
                })
                .collect(),
            ..view(RecipientState::Pending, Some(method))
        }
    }

    fn social() -> RecipientView {
        with_providers(
            Method::Social,
            &[("google", "Google"), ("linkedin", "LinkedIn")],
        )
    }

    #[test]
    fn login_methods_offer_their_providers() {
        let social = social();
        assert_eq!(
            Screen::after_load(Ok(social.clone())),
            Screen::Providers(social)
        );
        let platform = with_providers(Method::PlatformAccount, &[("platform", "Acme Sign")]);
        assert_eq!(
            Screen::after_load(Ok(platform.clone())),
            Screen::Providers(platform)
        );
        // Nothing usable is still the providers screen: it says so and whom to ask.
        let none = with_providers(Method::Social, &[]);
        assert_eq!(
            Screen::after_load(Ok(none.clone())),
            Screen::Providers(none)
        );
    }

    #[test]
    fn coming_back_without_a_login_says_why() {
        for (outcome, failure) in [
            (LoginOutcome::Denied, LoginFailure::Denied),
            (LoginOutcome::Expired, LoginFailure::Expired),
            (LoginOutcome::Mismatch, LoginFailure::Mismatch),
            (LoginOutcome::Failed, LoginFailure::Failed),
        ] {
            assert_eq!(
                Screen::after_return(Ok(social()), outcome, Some("linkedin")),
                Screen::LoginFailed {
                    recipient: social(),
                    failure,
                    provider: Some("LinkedIn".into()),
                }
            );
        }
        // A provider the link no longer offers, or none remembered among several: not named.
        for provider in [Some("facebook"), None] {
            let Screen::LoginFailed { provider, .. } =
                Screen::after_return(Ok(social()), LoginOutcome::Denied, provider)
            else {
                panic!("a denied login goes to the failure screen");
            };
            assert_eq!(provider, None);
        }
        // The platform is the only one on offer: it is the one the signer left for.
        let platform = with_providers(Method::PlatformAccount, &[("platform", "Acme Sign")]);
        let Screen::LoginFailed { provider, .. } =
            Screen::after_return(Ok(platform), LoginOutcome::Denied, None)
        else {
            panic!("a denied login goes to the failure screen");
        };
        assert_eq!(provider.as_deref(), Some("Acme Sign"));
    }

    #[test]
    fn the_link_wins_over_what_the_fragment_says() {
        for outcome in LoginOutcome::ALL {
            assert_eq!(
                Screen::after_return(
                    Ok(view(RecipientState::Verified, Some(Method::Social))),
                    outcome,
                    None
                ),
                Screen::already_verified()
            );
            assert!(matches!(
                Screen::after_return(
                    Ok(view(RecipientState::Cancelled, Some(Method::Social))),
                    outcome,
                    None
                ),
                Screen::Cancelled(_)
            ));
            assert_eq!(
                Screen::after_return(
                    Err(refusal(ErrorCode::InvalidLink, None, None)),
                    outcome,
                    None
                ),
                Screen::InvalidLink
            );
            assert_eq!(
                Screen::after_return(Err(Failure::Unreachable), outcome, None),
                Screen::Problem(ProblemKind::Unreachable)
            );
        }
        // The sender switched the recipient to a password meanwhile.
        let password = view(RecipientState::Pending, Some(Method::Password));
        assert_eq!(
            Screen::after_return(Ok(password.clone()), LoginOutcome::Mismatch, Some("google")),
            Screen::Password(password)
        );
        // `cancelled` on a link still pending: the link is right, the signer may try again.
        assert_eq!(
            Screen::after_return(Ok(social()), LoginOutcome::Cancelled, None),
            Screen::Providers(social())
        );
    }

    #[test]
    fn a_vouched_name_goes_along_to_the_verified_screen() {
        let mut verified = verified(Some("https://sign.example/d/1"));
        verified.signature_name = Some(" Ada Lovelace ".into());
        assert_eq!(
            Screen::verified(&verified),
            Screen::Verified {
                continue_href: Some("https://sign.example/d/1#grant=g.r.a.n.t".into()),
                signature_name: Some("Ada Lovelace".into()),
                recovery_code: None,
            }
        );
        verified.signature_name = Some("  ".into());
        assert!(matches!(
            Screen::verified(&verified),
            Screen::Verified {
                signature_name: None,
                ..
            }
        ));
    }

    #[test]
    fn only_web_addresses_become_continue_links() {
        assert_eq!(continue_href(&verified(Some("javascript:alert(1)"))), None);
        assert_eq!(
            continue_href(&verified(Some("javascript:alert(1)//https://x"))),
            None
        );
        assert_eq!(
            continue_href(&verified(Some("HTTP://localhost:8787/x"))).as_deref(),
            Some("HTTP://localhost:8787/x#grant=g.r.a.n.t")
        );
        assert_eq!(continue_href(&verified(None)), None);
    }

    #[test]
    fn refusals_about_the_link_mean_the_same_on_every_screen() {
        let screen = |screen| Some(Elsewhere::Screen(Box::new(screen)));
        assert_eq!(
            elsewhere(ErrorCode::Cancelled, &contact()),
            screen(Screen::Cancelled(contact()))
        );
        assert_eq!(
            elsewhere(ErrorCode::AlreadyVerified, &contact()),
            screen(Screen::already_verified())
        );
        assert_eq!(
            elsewhere(ErrorCode::InvalidLink, &contact()),
            screen(Screen::InvalidLink)
        );
        assert_eq!(
            elsewhere(ErrorCode::WrongMethod, &contact()),
            Some(Elsewhere::Reload)
        );
        for code in [
            ErrorCode::Throttled,
            ErrorCode::NoLogin,
            ErrorCode::Internal,
        ] {
            assert_eq!(elsewhere(code, &contact()), None, "{code:?}");
        }
    }

    #[test]
    fn only_an_invalid_link_says_so_other_failures_offer_a_retry() {
        assert_eq!(
            Screen::after_load(Err(refusal(ErrorCode::InvalidLink, None, None))),
            Screen::InvalidLink
        );
        for failure in [
            refusal(ErrorCode::Internal, None, None),
            Failure::Unreachable,
        ] {
            assert_eq!(
                Screen::after_load(Err(failure)),
                Screen::Problem(ProblemKind::Unreachable)
            );
        }
    }
}
