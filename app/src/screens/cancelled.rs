use leptos::prelude::*;

use super::{ContactLink, Heading};
use crate::contact::HelpContact;
use crate::i18n::{Key, tr};

#[component]
pub fn Cancelled(contact: HelpContact) -> impl IntoView {
    view! {
        <div class="screen" data-testid="screen-cancelled">
            <Heading key=Key::CancelledHeading />
            <p>{tr(Key::CancelledText)}</p>
            <p>{tr(Key::Questions)} " " <ContactLink contact /></p>
        </div>
    }
}
