//! View pieces the screens of the signing page and the web form page share.

use leptos::{html, prelude::*};

/// The screen's one `<h1>`. It takes focus when it appears, so screen-reader and keyboard users
/// start reading the new screen at its top instead of being left on a vanished button.
#[component]
pub(crate) fn Heading(children: Children) -> impl IntoView {
    let heading = NodeRef::<html::H1>::new();
    heading.on_load(|h1| {
        let _ = h1.focus();
    });
    view! { <h1 tabindex="-1" node_ref=heading>{children()}</h1> }
}

/// A paragraph shown while `text` has something to say (an error, a hint, a countdown). One
/// function with plain arguments for every such line of every screen: each `<Show>` or closure
/// of its own would be code of its own in the signer's download. `alert`: announced at once.
pub(crate) fn line(
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

/// A live region out of sight that is in the page as long as its screen: only its text comes and
/// goes, so screen readers, listening from the start, read each new text once. One per screen
/// and `alert`: each press of a button raises one alert, however many fields it is about (they
/// name their problems through `aria-describedby`). Out of the layout, it leaves no gap.
pub(crate) fn announcer(text: Signal<Option<String>>) -> impl IntoView {
    view! { <div role="alert" class="visually-hidden">{move || text.get()}</div> }
}
