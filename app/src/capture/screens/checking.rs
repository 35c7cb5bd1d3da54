use leptos::prelude::*;

use super::Heading;
use crate::capture::i18n::{Key, tr};

/// The photos are with the provider; the page polls until it decides.
#[component]
pub fn Checking() -> impl IntoView {
    view! {
        <div class="screen" data-testid="screen-id-checking">
            <Heading key=Key::Checking />
            <p role="status" class="spinner">{tr(Key::CheckingNote)}</p>
        </div>
    }
}
