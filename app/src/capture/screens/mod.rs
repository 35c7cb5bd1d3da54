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

/// The screen's one `<h1>`, focused when it appears (as in the main app).
#[component]
fn Heading(key: Key) -> impl IntoView {
    let heading = NodeRef::<leptos::html::H1>::new();
    heading.on_load(|h1| {
        let _ = h1.focus();
    });
    view! { <h1 tabindex="-1" node_ref=heading>{tr(key)}</h1> }
}
