use leptos::prelude::*;

use super::Heading;
use crate::form::i18n::{Key, tr};

/// While the worker reads the link; `aria-busy` tells assistive technology to wait.
#[component]
pub fn Opening() -> impl IntoView {
    view! {
        <div class="screen" data-testid="screen-form-opening" aria-busy="true">
            <Heading>{tr(Key::Opening)}</Heading>
            <div class="spinner" aria-hidden="true"></div>
        </div>
    }
}
