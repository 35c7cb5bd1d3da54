use leptos::prelude::*;
use signgate_core::wire::{LoginOutcome, RecipientView};

use super::{ContactLink, Heading};
use crate::contact::HelpContact;
use crate::i18n::{self, Key, Lang, text, tr};

/// Why a hand-off came back without a login. Nothing is verified on this screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoginFailure {
    /// The signer said no at the provider.
    Denied,
    /// The hand-off took too long, was used already, or began in another browser or window.
    Expired,
    /// The provider's account is not the recipient's.
    Mismatch,
    Failed,
}

impl LoginFailure {
    /// `None` for the outcomes that have screens of their own: done and cancelled.
    pub fn of(outcome: LoginOutcome) -> Option<LoginFailure> {
        match outcome {
            LoginOutcome::Denied => Some(LoginFailure::Denied),
            LoginOutcome::Expired => Some(LoginFailure::Expired),
            LoginOutcome::Mismatch => Some(LoginFailure::Mismatch),
            LoginOutcome::Failed => Some(LoginFailure::Failed),
            LoginOutcome::Done | LoginOutcome::Cancelled => None,
        }
    }
}

/// "Try again" loads the link afresh, which leads back to the providers: the worker may have
/// changed what is on offer, and a fresh view is what the providers screen starts from anyway.
#[component]
pub fn LoginFailed(
    recipient: RecipientView,
    failure: LoginFailure,
    provider: Option<String>,
    reload: Callback<()>,
) -> impl IntoView {
    let lang = i18n::use_lang();
    let contact = HelpContact::of(&recipient);
    let email = recipient.recipient_email;
    let several = recipient.providers.len() > 1;
    let reason = move || {
        reason_text(
            lang.get(),
            failure,
            provider.as_deref(),
            email.as_deref(),
            several,
        )
    };
    view! {
        <div class="screen" data-testid="screen-login-failed">
            <Heading key=Key::LoginFailedHeading />
            <p id="login-failed-reason">{reason}</p>
            <p>
                <button type="button" class="button" on:click=move |_| reload.run(())>
                    {tr(Key::TryAgain)}
                </button>
            </p>
            <p>{tr(Key::Questions)} " " <ContactLink contact /></p>
        </div>
    }
}

/// `provider` names where the signer was, `email` the recipient's address, `several` whether
/// there are other providers to choose from.
fn reason_text(
    lang: Lang,
    failure: LoginFailure,
    provider: Option<&str>,
    email: Option<&str>,
    several: bool,
) -> String {
    match failure {
        LoginFailure::Denied => i18n::login_denied(lang, provider),
        LoginFailure::Expired => text(lang, Key::LoginExpired).to_owned(),
        LoginFailure::Mismatch => i18n::login_mismatch(lang, email),
        LoginFailure::Failed if several => text(lang, Key::LoginDidNotWorkChoose).to_owned(),
        LoginFailure::Failed => text(lang, Key::LoginDidNotWork).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_outcome_but_done_and_cancelled_is_a_failure() {
        for outcome in LoginOutcome::ALL {
            let failure = LoginFailure::of(outcome);
            match outcome {
                LoginOutcome::Done | LoginOutcome::Cancelled => assert_eq!(failure, None),
                _ => assert!(failure.is_some(), "{outcome:?}"),
            }
        }
    }

    #[test]
    fn reasons_are_the_ones_the_end_to_end_tests_expect() {
        let en = |failure, provider, email, several| {
            reason_text(Lang::En, failure, provider, email, several)
        };
        assert_eq!(
            en(LoginFailure::Denied, Some("Google"), None, true),
            "You cancelled the sign-in at Google."
        );
        assert_eq!(
            en(LoginFailure::Denied, None, None, true),
            "The sign-in was cancelled."
        );
        assert_eq!(
            en(LoginFailure::Expired, Some("Google"), None, true),
            "The sign-in took too long or was started in another window. Please try again."
        );
        assert_eq!(
            en(
                LoginFailure::Mismatch,
                Some("Google"),
                Some("bob@example.com"),
                true
            ),
            "The account you signed in with is not the one this agreement was sent to (bob@example.com). Sign in with that account, or ask the sender."
        );
        assert_eq!(
            en(LoginFailure::Mismatch, None, None, true),
            "The account you signed in with is not the one this agreement was sent to. Sign in with that account, or ask the sender."
        );
        assert_eq!(
            en(LoginFailure::Failed, Some("Google"), None, true),
            "The sign-in did not work. Please try again or choose another provider."
        );
        // The platform alone: there is no other provider to choose.
        assert_eq!(
            en(LoginFailure::Failed, Some("Acme Sign"), None, false),
            "The sign-in did not work. Please try again."
        );
        assert_eq!(
            reason_text(Lang::De, LoginFailure::Denied, Some("Google"), None, true),
            "Sie haben die Anmeldung bei Google abgebrochen."
        );
        assert_eq!(
            reason_text(
                Lang::Ru,
                LoginFailure::Mismatch,
                None,
                Some("bob@example.com"),
                true
            ),
            "Учётная запись, через которую вы вошли, не та, на которую отправлено это соглашение (bob@example.com). Войдите через учётную запись с этим адресом или обратитесь к отправителю."
        );
    }
}
