use leptos::prelude::*;
use signgate_core::otp::Channel;
use signgate_core::wire::RecipientView;

use super::send::SendForm;
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

    view! {
        <div class="screen" data-testid="screen-email-code">
            <Heading key=Key::EmailCodeHeading />
            <p>{move || i18n::sender_line(lang.get(), &sender, title.as_deref())}</p>
            <p>{move || i18n::email_intro(lang.get(), email.as_deref())}</p>
            <SendForm recipient token set_screen reload channel=Channel::Email />
            <p>{tr(Key::Questions)} " " <ContactLink contact /></p>
        </div>
    }
}
