use leptos::prelude::*;

use super::Heading;
use crate::form::i18n::{Key, tr};

/// While the browser leaves for the signer's own signing link.
#[component]
pub fn GoingOn() -> impl IntoView {
    view! {
        <div class="screen" data-testid="screen-form-going-on" aria-busy="true">
            <Heading>{tr(Key::GoingOn)}</Heading>
            <div class="spinner" aria-hidden="true"></div>
        </div>
    }
}
