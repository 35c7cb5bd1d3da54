use leptos::{ev::SubmitEvent, prelude::*};
use signgate_core::otp::Channel;
use signgate_core::wire::RecipientView;

use super::send::{SEND_ERROR_ID, SendProblem, first_code_action, send_problem_text};
use super::{ContactLink, Heading, Screen};
use crate::contact::HelpContact;
use crate::i18n::{self, Key, tr};

/// The signer picks how the code comes: a text message, or a call for phones that cannot get one.
#[component]
pub fn Phone(
    recipient: RecipientView,
    token: String,
    set_screen: WriteSignal<Screen>,
    reload: Callback<()>,
) -> impl IntoView {
    let lang = i18n::use_lang();
    let contact = HelpContact::of(&recipient);
    let sender = recipient.sender.name.clone();
    let title = recipient.agreement_title.clone();
    let last4 = recipient.phone_last4.clone();
    let (channel, set_channel) = signal(Channel::Sms);
    let (problem, set_problem) = signal(None::<SendProblem>);
    let send = first_code_action(recipient, token, set_screen, reload, set_problem);
    let pending = send.pending();
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if !pending.get_untracked() {
            // Taken out and put back, so the same problem twice is announced twice.
            set_problem.set(None);
            send.dispatch(channel.get_untracked());
        }
    };
    let choice = move |value: Channel, key: Key| {
        view! {
            <label class="choice">
                <input
                    type="radio"
                    name="channel"
                    value=value.name()
                    prop:checked=move || channel.get() == value
                    on:change=move |_| set_channel.set(value)
                />
                {tr(key)}
            </label>
        }
    };

    view! {
        <div class="screen" data-testid="screen-phone">
            <Heading key=Key::PhoneHeading />
            <p>{move || i18n::sender_line(lang.get(), &sender, title.as_deref())}</p>
            <p>{move || i18n::phone_intro(lang.get(), last4.as_deref())}</p>
            <form class="stack" on:submit=on_submit>
                <fieldset class="choices">
                    <legend>{tr(Key::ChannelLegend)}</legend>
                    {choice(Channel::Sms, Key::ChannelSms)}
                    {choice(Channel::Voice, Key::ChannelVoice)}
                </fieldset>
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
            <p>{tr(Key::NotYourNumber)} " " <ContactLink contact /></p>
        </div>
    }
}
