use leptos::{ev::SubmitEvent, prelude::*};
use signgate_core::otp::Channel;
use signgate_core::wire::RecipientView;

use super::send::{SEND_ERROR_ID, SendProblem, first_code_action, send_problem_text};
use super::{ContactLink, Heading, Screen};
use crate::contact::HelpContact;
use crate::i18n::{self, Key, tr};

/// Sends only when the signer presses the button: mail scanners open every link in an e-mail, and
/// each of their visits must not send a code.
#[component]
pub fn EmailCode(
    recipient: RecipientView,
    token: String,
    set_screen: WriteSignal<Screen>,
    reload: Callback<()>,
) -> impl IntoView {
    let lang = i18n::use_lang();
    let contact = HelpContact::of(&recipient);
    let sender = recipient.sender.name.clone();
    let title = recipient.agreement_title.clone();
    let email = recipient.recipient_email.clone();
    let (problem, set_problem) = signal(None::<SendProblem>);
    let send = first_code_action(recipient, token, set_screen, reload, set_problem);
    let pending = send.pending();
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if !pending.get_untracked() {
            // Taken out and put back, so the same problem twice is announced twice.
            set_problem.set(None);
            send.dispatch(Channel::Email);
        }
    };

    view! {
        <div class="screen" data-testid="screen-email-code">
            <Heading key=Key::EmailCodeHeading />
            <p>{move || i18n::sender_line(lang.get(), &sender, title.as_deref())}</p>
            <p>{move || i18n::email_intro(lang.get(), email.as_deref())}</p>
            <form class="stack" on:submit=on_submit>
                <Show when=move || problem.get().is_some()>
                    <p id=SEND_ERROR_ID class="error" role="alert">
                        {move || problem.get().map(|problem| send_problem_text(lang.get(), problem))}
                    </p>
                </Show>
                // Not `disabled` while sending: that would drop the signer's focus off the page.
                <button
                    type="submit"
                    class="button"
                    aria-disabled=move || pending.get().then_some("true")
                >
                    {tr(Key::SendCode)}
                </button>
            </form>
            <p>{tr(Key::Questions)} " " <ContactLink contact /></p>
        </div>
    }
}
