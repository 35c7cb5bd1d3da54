use leptos::prelude::*;

use super::Heading;
use crate::form::Ctx;
use crate::form::i18n::{Key, tr};

/// The worker could not be reached (or failed) while opening the form: trying again may help.
#[component]
pub fn Problem(ctx: Ctx) -> impl IntoView {
    view! {
        <div class="screen" data-testid="screen-form-problem">
            <Heading>{tr(Key::ProblemHeading)}</Heading>
            <p>{tr(Key::Unreachable)}</p>
            <button type="button" class="button" on:click=move |_| ctx.load()>
                {tr(Key::Retry)}
            </button>
        </div>
    }
}
