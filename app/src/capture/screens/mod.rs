//! The ID page's screens, one file each.

mod checking;
mod desktop;
mod document;
mod outcome;
mod shot;

use leptos::prelude::*;

pub use checking::Checking;
pub use desktop::Desktop;
pub use document::DocumentChoice;
pub use outcome::Outcome;
pub use shot::ShotScreen;

use super::i18n::{Key, tr};

/// The screen's one `<h1>` (it takes focus when it appears, as on the other pages), in this
/// page's words.
#[component]
fn Heading(key: Key) -> impl IntoView {
    view! { <crate::ui::Heading>{tr(key)}</crate::ui::Heading> }
}
