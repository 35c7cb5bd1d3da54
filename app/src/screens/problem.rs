use leptos::prelude::*;

use super::{ContactLink, Heading};
use crate::contact::HelpContact;
use crate::i18n::{Key, tr};

#[derive(Clone, Debug, PartialEq)]
pub enum ProblemKind {
    /// The worker could not be reached or failed: trying again may help.
    Unreachable,
    /// The sender chose a method this version cannot run yet: only the sender can help.
    NotAvailable(HelpContact),
}

#[component]
pub fn Problem(kind: ProblemKind, on_retry: Callback<()>) -> impl IntoView {
    let content = match kind {
        ProblemKind::Unreachable => view! {
            <Heading key=Key::ProblemHeading />
            <p>{tr(Key::ProblemText)}</p>
            <button type="button" class="button" on:click=move |_| on_retry.run(())>
                {tr(Key::Retry)}
            </button>
        }
        .into_any(),
        ProblemKind::NotAvailable(contact) => view! {
            <Heading key=Key::NotAvailableHeading />
            <p>{tr(Key::NotAvailableText)}</p>
            <p>
                <ContactLink contact />
            </p>
        }
        .into_any(),
    };
    view! {
        <div class="screen" data-testid="screen-problem">
            {content}
        </div>
    }
}
