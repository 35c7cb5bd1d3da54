use leptos::prelude::*;

use super::Heading;
use crate::i18n::{Key, tr};

/// Shown while the worker checks the link; `aria-busy` tells assistive technology to wait.
#[component]
pub fn Opening() -> impl IntoView {
    view! {
        <div class="screen" data-testid="screen-opening" aria-busy="true">
            <Heading key=Key::OpeningHeading />
            <div class="spinner" aria-hidden="true"></div>
            <p>{tr(Key::OpeningText)}</p>
        </div>
    }
}
