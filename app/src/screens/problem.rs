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
    /// The knowledge-question provider cannot find or ask this signer. The worker has told the
    /// sender, who can choose another method.
    KbaUnavailable(HelpContact),
}

/// One screen for the dead ends: a retry where one may help, else whom to ask.
#[component]
pub fn Problem(kind: ProblemKind, on_retry: Callback<()>) -> impl IntoView {
    let (testid, heading, text, contact) = match kind {
        ProblemKind::Unreachable => (
            "screen-problem",
            Key::ProblemHeading,
            Key::ProblemText,
            None,
        ),
        ProblemKind::NotAvailable(contact) => (
            "screen-problem",
            Key::NotAvailableHeading,
            Key::NotAvailableText,
            Some(contact),
        ),
        ProblemKind::KbaUnavailable(contact) => (
            "screen-kba-unavailable",
            Key::KbaUnavailableHeading,
            Key::KbaUnavailableText,
            Some(contact),
        ),
    };
    let way_on = match contact {
        Some(contact) => view! {
            <p>
                <ContactLink contact />
            </p>
        }
        .into_any(),
        None => view! {
            <button type="button" class="button" on:click=move |_| on_retry.run(())>
                {tr(Key::Retry)}
            </button>
        }
        .into_any(),
    };
    view! {
        <div class="screen" data-testid=testid>
            <Heading key=heading />
            <p>{tr(text)}</p>
            {way_on}
        </div>
    }
}
