//! The screens are a state machine, not URLs: the signer's link is the only address they have.
//!
//! ```text
//! Opening ──▶ Password ──▶ Verified
//!    │            └──────▶ Cancelled
//!    ├──▶ Verified / Cancelled / InvalidLink
//!    └──▶ Problem ──(retry)──▶ Opening
//! ```

mod cancelled;
mod invalid_link;
mod opening;
mod password;
mod problem;
mod verified;

pub use cancelled::Cancelled;
pub use invalid_link::InvalidLink;
pub use opening::Opening;
pub use password::Password;
pub use problem::{Problem, ProblemKind};
pub use verified::Verified;

use leptos::{html, prelude::*};
use signgate_core::policy::Method;
use signgate_core::wire::{ErrorCode, RecipientState, RecipientView};

use crate::api::Failure;
use crate::contact::HelpContact;
use crate::i18n::{self, Key};

#[derive(Clone, Debug, PartialEq)]
pub enum Screen {
    Opening,
    Password(RecipientView),
    /// `continue_href` is where the signer goes on, with the grant in its fragment.
    Verified {
        continue_href: Option<String>,
    },
    Cancelled(HelpContact),
    InvalidLink,
    Problem(ProblemKind),
}

impl Screen {
    /// Where the signer lands once the worker has told us about the link.
    pub fn after_load(loaded: Result<RecipientView, Failure>) -> Screen {
        match loaded {
            Ok(view) => match (view.state, view.method) {
                (RecipientState::Pending, Some(Method::Password)) => Screen::Password(view),
                (RecipientState::Pending, _) => {
                    Screen::Problem(ProblemKind::NotAvailable(HelpContact::of(&view)))
                }
                (RecipientState::Verified, _) => Screen::Verified {
                    continue_href: None,
                },
                (RecipientState::Cancelled, _) => Screen::Cancelled(HelpContact::of(&view)),
            },
            Err(Failure::Refused(error)) if error.code == ErrorCode::InvalidLink => {
                Screen::InvalidLink
            }
            Err(_) => Screen::Problem(ProblemKind::Unreachable),
        }
    }
}

/// The screen's one `<h1>`. It takes focus when it appears, so screen-reader and keyboard users
/// start reading the new screen at its top instead of being left on a vanished button.
#[component]
fn Heading(key: Key) -> impl IntoView {
    let heading = NodeRef::<html::H1>::new();
    heading.on_load(|h1| {
        let _ = h1.focus();
    });
    view! { <h1 tabindex="-1" node_ref=heading>{i18n::tr(key)}</h1> }
}

/// A link to whom the signer can ask for help.
#[component]
fn ContactLink(contact: HelpContact) -> impl IntoView {
    let lang = i18n::use_lang();
    let HelpContact {
        who,
        is_support,
        href,
    } = contact;
    view! { <a href=href>{move || i18n::contact(lang.get(), &who, is_support)}</a> }
}

#[cfg(test)]
mod tests {
    use super::*;
    use signgate_core::wire::{ApiError, Contact};

    fn view(state: RecipientState, method: Option<Method>) -> RecipientView {
        RecipientView {
            state,
            sender: Contact {
                name: "Ada".into(),
                email: "ada@example.com".into(),
            },
            support_contact: None,
            method,
            recipient_name: None,
            recipient_email: None,
            agreement_title: None,
            tries_left: None,
        }
    }

    fn refused(code: ErrorCode) -> Failure {
        Failure::Refused(ApiError {
            code,
            message: String::new(),
            tries_left: None,
            retry_after_secs: None,
        })
    }

    #[test]
    fn the_recipients_state_picks_the_screen() {
        let pending = view(RecipientState::Pending, Some(Method::Password));
        assert_eq!(
            Screen::after_load(Ok(pending.clone())),
            Screen::Password(pending)
        );
        assert!(matches!(
            Screen::after_load(Ok(view(RecipientState::Verified, None))),
            Screen::Verified {
                continue_href: None
            }
        ));
        assert!(matches!(
            Screen::after_load(Ok(view(RecipientState::Cancelled, None))),
            Screen::Cancelled(_)
        ));
        assert!(matches!(
            Screen::after_load(Ok(view(RecipientState::Pending, Some(Method::Phone)))),
            Screen::Problem(ProblemKind::NotAvailable(_))
        ));
    }

    #[test]
    fn only_an_invalid_link_says_so_other_failures_offer_a_retry() {
        assert_eq!(
            Screen::after_load(Err(refused(ErrorCode::InvalidLink))),
            Screen::InvalidLink
        );
        for failure in [refused(ErrorCode::Internal), Failure::Unreachable] {
            assert_eq!(
                Screen::after_load(Err(failure)),
                Screen::Problem(ProblemKind::Unreachable)
            );
        }
    }
}
