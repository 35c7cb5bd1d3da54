use leptos::prelude::*;

use super::Heading;
use crate::form::i18n::{Key, tr};

/// A disabled form, a link never made and a garbled one look the same: telling them apart would
/// help a guesser.
#[component]
pub fn InvalidLink() -> impl IntoView {
    view! {
        <div class="screen" data-testid="screen-form-invalid">
            <Heading>{tr(Key::InvalidHeading)}</Heading>
            <p>{tr(Key::InvalidText)}</p>
        </div>
    }
}
