use leptos::prelude::*;

use super::Heading;
use crate::i18n::{Key, tr};

#[component]
pub fn Verified(continue_href: Option<String>) -> impl IntoView {
    let next_step = match continue_href {
        Some(href) => view! {
            <p>{tr(Key::VerifiedContinue)}</p>
            <p>
                <a class="button" href=href>
                    {tr(Key::ContinueToDocument)}
                </a>
            </p>
        }
        .into_any(),
        None => view! { <p>{tr(Key::VerifiedDone)}</p> }.into_any(),
    };
    view! {
        <div class="screen" data-testid="screen-verified">
            <Heading key=Key::VerifiedHeading />
            {next_step}
        </div>
    }
}
