use leptos::prelude::*;
use signgate_core::id_check::Document;

use super::Heading;
use crate::capture::i18n::{self, Key, tr};
use crate::capture::{Ctx, Stage};

/// Which document: a passport (one page) or a card (both sides).
#[component]
pub fn DocumentChoice(ctx: Ctx) -> impl IntoView {
    let lang = crate::i18n::use_lang();
    let (chosen, set_chosen) = signal(Document::Passport);
    let expires = ctx.status.get_untracked().map_or(0, |s| s.expires_in_secs);
    let option = move |document: Document| {
        let hint = if document == Document::Passport {
            Key::OnePage
        } else {
            Key::BothSides
        };
        view! {
            <label class="choice">
                <input
                    type="radio"
                    name="document"
                    value=document.name()
                    prop:checked=move || chosen.get() == document
                    on:change=move |_| set_chosen.set(document)
                />
                {tr(i18n::document(document))}
                <span class="hint">" (" {tr(hint)} ")"</span>
            </label>
        }
    };
    let go = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        ctx.stage.set(Stage::Shot {
            document: chosen.get_untracked(),
            index: 0,
        });
    };
    view! {
        <form class="screen" data-testid="screen-id-document" on:submit=go>
            <Heading key=Key::Heading />
            <p>{tr(Key::Why)}</p>
            {(expires > 0).then(|| view! { <p>{move || i18n::finish_within(lang.get(), expires)}</p> })}
            <fieldset class="choices">
                <legend>{tr(Key::ChooseDocument)}</legend>
                {Document::ALL.map(option)}
            </fieldset>
            <button type="submit">{tr(Key::Continue)}</button>
        </form>
    }
}
