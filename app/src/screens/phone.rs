use leptos::prelude::*;
use signgate_core::otp::Channel;
use signgate_core::wire::RecipientView;

use super::send::SendForm;
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
            <SendForm recipient token set_screen reload channel>
                <fieldset class="choices">
                    <legend>{tr(Key::ChannelLegend)}</legend>
                    {choice(Channel::Sms, Key::ChannelSms)}
                    {choice(Channel::Voice, Key::ChannelVoice)}
                </fieldset>
            </SendForm>
            <p>{tr(Key::NotYourNumber)} " " <ContactLink contact /></p>
        </div>
    }
}
