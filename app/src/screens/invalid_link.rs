use leptos::prelude::*;

use super::Heading;
use crate::i18n::{Key, tr};

/// Unknown, malformed or expired links look the same: telling them apart would help a guesser.
#[component]
pub fn InvalidLink() -> impl IntoView {
    view! {
        <div class="screen" data-testid="screen-invalid-link">
            <Heading key=Key::InvalidLinkHeading />
            <p>{tr(Key::InvalidLinkText)}</p>
            <p>{tr(Key::InvalidLinkHint)}</p>
        </div>
    }
}
