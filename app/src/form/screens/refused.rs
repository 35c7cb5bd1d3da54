use leptos::prelude::*;
use signgate_core::wire::Contact;

use super::Heading;
use crate::form::Refusal;
use crate::form::i18n::{Key, tr};

/// The right code, yet no signing link, for good: the entry is gone, and only the sender can
/// help (another method, or a passkey made with them first).
#[component]
pub fn Refused(sender: Contact, why: Refusal) -> impl IntoView {
    let lang = crate::i18n::use_lang();
    let Contact { name, email } = sender;
    let reason = match why {
        Refusal::NoPasskey => Key::NotEligible,
        Refusal::NotAllowed => Key::FormUnavailable,
    };
    view! {
        <div class="screen" data-testid="screen-form-refused">
            <Heading>{tr(Key::RefusedHeading)}</Heading>
            <p>{tr(reason)}</p>
            <p>
                <a href=format!("mailto:{email}")>
                    {move || crate::i18n::contact(lang.get(), &name, false)}
                </a>
            </p>
        </div>
    }
}
