//! Asking the worker for a code: the phone, e-mail and code screens all do it the same way.

use leptos::{ev::SubmitEvent, prelude::*};
use signgate_core::otp::Channel;
use signgate_core::wire::{CodeSent, RecipientView};

use super::{Elsewhere, Screen, elsewhere, line};
use crate::api::{self, Failure};
use crate::codes::SendProblem;
use crate::contact::HelpContact;
use crate::i18n::{self, Key, Lang, text, tr};

/// The id of the alert that says why no code was sent.
const SEND_ERROR_ID: &str = "send-error";

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
    match elsewhere(error.code, contact) {
        Some(Elsewhere::Screen(screen)) => SendOutcome::Next(screen),
        Some(Elsewhere::Reload) => SendOutcome::Reload,
        None => SendOutcome::Stay(SendProblem::of(&error)),
    }
}

/// Why no code was sent, in the signer's words; a failure in this page's own.
pub fn send_problem_text(lang: Lang, problem: SendProblem) -> String {
    problem
        .text(lang)
        .unwrap_or_else(|| text(lang, Key::SomethingWentWrong).to_owned())
}

/// The phone and e-mail screens' form for the first code: `children` (the phone's choice of how)
/// go above why no code was sent and the button. Once the code is out, the code screen follows.
#[component]
pub fn SendForm(
    recipient: RecipientView,
    token: String,
    set_screen: WriteSignal<Screen>,
    reload: Callback<()>,
    /// How the code goes, read when the signer presses the button.
    #[prop(into)]
    channel: Signal<Channel>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    let lang = i18n::use_lang();
    let contact = HelpContact::of(&recipient);
    let (problem, set_problem) = signal(None::<SendProblem>);
    let send = Action::new_local(move |&channel: &Channel| {
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
    });
    let pending = send.pending();
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if !pending.get_untracked() {
            // Taken out and put back, so the same problem twice is announced twice.
            set_problem.set(None);
            send.dispatch(channel.get_untracked());
        }
    };

    view! {
        <form class="stack" on:submit=on_submit>
            {children.map(|children| children())}
            {line(
                SEND_ERROR_ID,
                "error",
                true,
                Signal::derive(move || {
                    problem.get().map(|problem| send_problem_text(lang.get(), problem))
                }),
            )}
            // Not `disabled` while sending: that would drop the signer's focus off the page.
            <button type="submit" class="button" aria-disabled=move || pending.get().then_some("true")>
                {tr(Key::SendCode)}
            </button>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screens::test_support::{contact, refusal};
    use signgate_core::wire::ErrorCode;

    fn refused(code: ErrorCode, retry_after_secs: Option<u64>) -> SendOutcome {
        send_outcome(Err(refusal(code, None, retry_after_secs)), &contact())
    }

    #[test]
    fn a_sent_code_goes_on_and_each_refusal_has_its_place() {
        let sent = CodeSent {
            channel: Channel::Sms,
            destination: "…4567".into(),
            digits: 6,
            expires_in_secs: 600,
            next_send_in_secs: 30,
            preview_code: None,
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
