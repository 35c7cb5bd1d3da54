//! The web form page's screens, one file each.

mod code;
mod entry;
mod going_on;
mod invalid_link;
mod opening;
mod problem;

pub use code::CodeEntry;
pub use entry::Entry;
pub use going_on::GoingOn;
pub use invalid_link::InvalidLink;
pub use opening::Opening;
pub use problem::Problem;

use leptos::{html, prelude::*};

/// The screen's one `<h1>`, focused when it appears (as on the other pages), so screen-reader and
/// keyboard users start reading the new screen at its top.
#[component]
fn Heading(children: Children) -> impl IntoView {
    let heading = NodeRef::<html::H1>::new();
    heading.on_load(|h1| {
        let _ = h1.focus();
    });
    view! { <h1 tabindex="-1" node_ref=heading>{children()}</h1> }
}

/// A paragraph shown while `text` has something to say (an error, a hint, a wait), as the main
/// app's: one function for every such line. `alert`: announced at once.
fn line(
    id: &'static str,
    class: &'static str,
    alert: bool,
    text: Signal<Option<String>>,
) -> impl IntoView {
    move || {
        text.get().map(|text| {
            view! { <p id=id class=class role=alert.then_some("alert")>{text}</p> }
        })
    }
}
