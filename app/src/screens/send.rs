//! Asking the worker for a code: the phone, e-mail and code screens all do it the same way.

use leptos::prelude::*;
use signgate_core::otp::Channel;
use signgate_core::wire::{CodeSent, ErrorCode, RecipientView};

use super::Screen;
use crate::api::{self, Failure};
use crate::contact::HelpContact;
use crate::i18n::{self, Key, Lang, text};

/// The id of the alert that says why no code was sent.
pub const SEND_ERROR_ID: &str = "send-error";

/// Why no code was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SendProblem {
    /// The last code is too recent; `None` when the worker did not say for how long.
    TooSoon {
        retry_after_secs: Option<u64>,
    },
    /// Too many requests from this network.
    Throttled {
        retry_after_secs: Option<u64>,
    },
    /// The carrier or mail service did not take it: another try may work.
    DeliveryFailed,
    NotConfigured,
    Failed,
}

#[derive(Debug, PartialEq)]
pub enum SendOutcome {
    Sent(CodeSent),
    /// Boxed: a screen is large, and most answers keep the signer where they are.
    Next(Box<Screen>),
    /// The sender changed the method since the page loaded: load the link again.
    Reload,
    Stay(SendProblem),
}

/// What the worker's answer to "send a code" means for the signer.
pub fn send_outcome(answer: Result<CodeSent, Failure>, contact: &HelpContact) -> SendOutcome {
    let error = match answer {
        Ok(sent) => return SendOutcome::Sent(sent),
        Err(Failure::Refused(error)) => error,
        Err(Failure::Unreachable) => return SendOutcome::Stay(SendProblem::Failed),
    };
    let retry_after_secs = error.retry_after_secs.filter(|&secs| secs > 0);
    match error.code {
        ErrorCode::ResendTooSoon => SendOutcome::Stay(SendProblem::TooSoon { retry_after_secs }),
        ErrorCode::Throttled => SendOutcome::Stay(SendProblem::Throttled { retry_after_secs }),
        ErrorCode::DeliveryFailed => SendOutcome::Stay(SendProblem::DeliveryFailed),
        ErrorCode::NotConfigured => SendOutcome::Stay(SendProblem::NotConfigured),
        ErrorCode::Cancelled => SendOutcome::Next(Box::new(Screen::Cancelled(contact.clone()))),
        ErrorCode::AlreadyVerified => SendOutcome::Next(Box::new(Screen::already_verified())),
        ErrorCode::InvalidLink => SendOutcome::Next(Box::new(Screen::InvalidLink)),
        ErrorCode::WrongMethod => SendOutcome::Reload,
        _ => SendOutcome::Stay(SendProblem::Failed),
    }
}

pub fn send_problem_text(lang: Lang, problem: SendProblem) -> String {
    match problem {
        SendProblem::TooSoon {
            retry_after_secs: Some(secs),
        } => i18n::resend_in(lang, secs),
        SendProblem::TooSoon {
            retry_after_secs: None,
        } => text(lang, Key::ResendNotYet).to_owned(),
        SendProblem::Throttled { retry_after_secs } => i18n::throttled(lang, retry_after_secs),
        SendProblem::DeliveryFailed => text(lang, Key::DeliveryFailed).to_owned(),
        SendProblem::NotConfigured => text(lang, Key::NotConfigured).to_owned(),
        SendProblem::Failed => text(lang, Key::SomethingWentWrong).to_owned(),
    }
}

/// The first code of the phone and e-mail screens: once it is out, the code screen follows.
pub fn first_code_action(
    recipient: RecipientView,
    token: String,
    set_screen: WriteSignal<Screen>,
    reload: Callback<()>,
    set_problem: WriteSignal<Option<SendProblem>>,
) -> Action<Channel, ()> {
    let lang = i18n::use_lang();
    let contact = HelpContact::of(&recipient);
    Action::new_local(move |&channel: &Channel| {
        let (token, recipient, contact) = (token.clone(), recipient.clone(), contact.clone());
        async move {
            let answer = api::send_code(&token, channel, lang.get_untracked()).await;
            match send_outcome(answer, &contact) {
                SendOutcome::Sent(sent) => set_screen.set(Screen::Code { recipient, sent }),
                SendOutcome::Next(screen) => set_screen.set(*screen),
                SendOutcome::Reload => reload.run(()),
                SendOutcome::Stay(problem) => set_problem.set(Some(problem)),
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use signgate_core::wire::ApiError;

    fn contact() -> HelpContact {
        HelpContact {
            who: "Ada".into(),
            is_support: false,
            href: "mailto:ada@example.com".into(),
        }
    }

    fn refused(code: ErrorCode, retry_after_secs: Option<u64>) -> SendOutcome {
        let error = ApiError {
            code,
            message: String::new(),
            tries_left: None,
            retry_after_secs,
        };
        send_outcome(Err(Failure::Refused(error)), &contact())
    }

    #[test]
    fn a_sent_code_goes_on_and_each_refusal_has_its_place() {
        let sent = CodeSent {
            channel: Channel::Sms,
            destination: "…4567".into(),
            digits: 6,
            expires_in_secs: 600,
            next_send_in_secs: 30,
        };
        assert_eq!(
            send_outcome(Ok(sent.clone()), &contact()),
            SendOutcome::Sent(sent)
        );
        assert_eq!(
            refused(ErrorCode::ResendTooSoon, Some(25)),
            SendOutcome::Stay(SendProblem::TooSoon {
                retry_after_secs: Some(25)
            })
        );
        assert_eq!(
            refused(ErrorCode::Throttled, Some(0)),
            SendOutcome::Stay(SendProblem::Throttled {
                retry_after_secs: None
            })
        );
        assert_eq!(
            refused(ErrorCode::DeliveryFailed, None),
            SendOutcome::Stay(SendProblem::DeliveryFailed)
        );
        assert_eq!(
            refused(ErrorCode::NotConfigured, None),
            SendOutcome::Stay(SendProblem::NotConfigured)
        );
        assert_eq!(
            refused(ErrorCode::Cancelled, None),
            SendOutcome::Next(Box::new(Screen::Cancelled(contact())))
        );
        assert_eq!(
            refused(ErrorCode::AlreadyVerified, None),
            SendOutcome::Next(Box::new(Screen::already_verified()))
        );
        assert_eq!(
            refused(ErrorCode::InvalidLink, None),
            SendOutcome::Next(Box::new(Screen::InvalidLink))
        );
        assert_eq!(refused(ErrorCode::WrongMethod, None), SendOutcome::Reload);
        assert_eq!(
            refused(ErrorCode::Internal, None),
            SendOutcome::Stay(SendProblem::Failed)
        );
        assert_eq!(
            send_outcome(Err(Failure::Unreachable), &contact()),
            SendOutcome::Stay(SendProblem::Failed)
        );
    }

    #[test]
    fn send_problems_say_what_to_do() {
        assert_eq!(
            send_problem_text(
                Lang::En,
                SendProblem::TooSoon {
                    retry_after_secs: Some(25)
                }
            ),
            "You can request a new code in 25 seconds."
        );
        assert_eq!(
            send_problem_text(
                Lang::En,
                SendProblem::Throttled {
                    retry_after_secs: Some(30)
                }
            ),
            "Too many tries in a short time. Please wait 30 seconds and try again."
        );
        assert_eq!(
            send_problem_text(Lang::En, SendProblem::DeliveryFailed),
            "We could not send the code. Please try again in a moment."
        );
    }
}
