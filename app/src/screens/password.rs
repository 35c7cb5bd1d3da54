use leptos::{ev::SubmitEvent, html, prelude::*};
use signgate_core::wire::{ErrorCode, RecipientView, VerifiedResponse};

use super::{ContactLink, Elsewhere, Heading, Screen, elsewhere, line};
use crate::api::{self, Failure};
use crate::contact::HelpContact;
use crate::i18n::{self, Key, Lang, text, tr};

const ERROR_ID: &str = "password-error";
const HINT_ID: &str = "password-hint";

/// Why the signer is still on this screen after pressing Verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum PasswordError {
    Wrong {
        tries_left: Option<u32>,
    },
    /// What was typed cannot be a password; the worker did not count it as a try.
    NotAPassword,
    Throttled {
        retry_after_secs: Option<u64>,
    },
    Failed,
}

#[derive(Debug, PartialEq)]
enum Outcome {
    /// Boxed: a screen is large, and most answers keep the signer where they are.
    Next(Box<Screen>),
    Stay(PasswordError),
    /// The sender changed the method meanwhile: load the link again to meet the new one.
    Reload,
}

/// A real `<form>` with the username beside the password, so password managers fill it in.
#[component]
pub fn Password(
    recipient: RecipientView,
    token: String,
    set_screen: WriteSignal<Screen>,
    reload: Callback<()>,
) -> impl IntoView {
    let lang = i18n::use_lang();
    let contact = HelpContact::of(&recipient);
    let password = RwSignal::new(String::new());
    let (shown, set_shown) = signal(false);
    let (error, set_error) = signal(None::<PasswordError>);
    let field = NodeRef::<html::Input>::new();

    let verify = Action::new_local({
        let contact = contact.clone();
        move |typed: &String| {
            let (token, typed, contact) = (token.clone(), typed.clone(), contact.clone());
            async move {
                match outcome(api::submit_password(&token, &typed).await, &contact) {
                    Outcome::Next(screen) => set_screen.set(*screen),
                    Outcome::Reload => reload.run(()),
                    Outcome::Stay(problem) => {
                        if matches!(problem, PasswordError::Wrong { .. }) {
                            password.set(String::new());
                        }
                        set_error.set(Some(problem));
                        // Pressing Verify disabled the button under the signer's focus: give it back.
                        if let Some(input) = field.get_untracked() {
                            let _ = input.focus();
                        }
                    }
                }
            }
        }
    });
    let pending = verify.pending();
    let on_submit = move |event: SubmitEvent| {
        // The worker checks the password; the page itself must not be submitted.
        event.prevent_default();
        if !pending.get_untracked() {
            verify.dispatch(password.get_untracked());
        }
    };

    // Shown until the first answer, which says it again: a signer who comes back after wrong
    // tries sees what is left before typing.
    let tries_left = recipient.tries_left;
    let described_by = move || match (error.get(), tries_left) {
        (Some(_), _) => Some(ERROR_ID),
        (None, Some(_)) => Some(HINT_ID),
        (None, None) => None,
    };
    let sender = recipient.sender.name;
    let title = recipient.agreement_title;
    let username = recipient.recipient_email.map(|email| {
        view! {
            <label for="username" class="visually-hidden">
                {tr(Key::EmailLabel)}
            </label>
            // Out of the tab order: it is read-only and only there for password managers.
            <input
                id="username"
                class="visually-hidden"
                type="email"
                name="username"
                autocomplete="username"
                value=email
                readonly
                tabindex="-1"
            />
        }
    });

    view! {
        <div class="screen" data-testid="screen-password">
            <Heading key=Key::PasswordHeading />
            <p>{move || i18n::sender_line(lang.get(), &sender, title.as_deref())}</p>
            <p>{tr(Key::PasswordIntro)}</p>
            <form class="stack" on:submit=on_submit>
                {username}
                <div class="field">
                    <label for="password">{tr(Key::PasswordLabel)}</label>
                    <div class="password-row">
                        <input
                            id="password"
                            name="password"
                            type=move || if shown.get() { "text" } else { "password" }
                            autocomplete="current-password"
                            required
                            maxlength="64"
                            autocapitalize="off"
                            spellcheck="false"
                            aria-invalid=move || error.get().map(|_| "true")
                            aria-describedby=described_by
                            bind:value=password
                            node_ref=field
                        />
                        <button
                            type="button"
                            class="toggle"
                            aria-controls="password"
                            aria-pressed=move || if shown.get() { "true" } else { "false" }
                            on:click=move |_| set_shown.update(|shown| *shown = !*shown)
                        >
                            {move || {
                                let key = if shown.get() { Key::HidePassword } else { Key::ShowPassword };
                                text(lang.get(), key)
                            }}
                        </button>
                    </div>
                    {line(
                        HINT_ID,
                        "hint",
                        false,
                        Signal::derive(move || {
                            let n = tries_left.filter(|_| error.get().is_none())?;
                            Some(i18n::tries_left(lang.get(), n).trim().to_string())
                        }),
                    )}
                </div>
                {line(
                    ERROR_ID,
                    "error",
                    true,
                    Signal::derive(move || error.get().map(|error| error_text(lang.get(), error))),
                )}
                <button type="submit" class="button" disabled=move || pending.get()>
                    {tr(Key::Verify)}
                </button>
            </form>
            <p>{tr(Key::NoPassword)} " " <ContactLink contact /></p>
        </div>
    }
}

/// What the worker's answer to a password means for the signer.
fn outcome(answer: Result<VerifiedResponse, Failure>, contact: &HelpContact) -> Outcome {
    let error = match answer {
        Ok(verified) => return Outcome::Next(Box::new(Screen::verified(&verified))),
        Err(Failure::Refused(error)) => error,
        Err(Failure::Unreachable) => return Outcome::Stay(PasswordError::Failed),
    };
    match elsewhere(error.code, contact) {
        Some(Elsewhere::Screen(screen)) => return Outcome::Next(screen),
        Some(Elsewhere::Reload) => return Outcome::Reload,
        None => {}
    }
    match error.code {
        ErrorCode::WrongPassword => Outcome::Stay(PasswordError::Wrong {
            tries_left: error.tries_left,
        }),
        ErrorCode::InvalidPassword => Outcome::Stay(PasswordError::NotAPassword),
        ErrorCode::Throttled => Outcome::Stay(PasswordError::Throttled {
            retry_after_secs: error.retry_after_secs.filter(|&secs| secs > 0),
        }),
        _ => Outcome::Stay(PasswordError::Failed),
    }
}

fn error_text(lang: Lang, error: PasswordError) -> String {
    match error {
        PasswordError::Wrong { tries_left } => {
            let remaining = tries_left.map(|n| i18n::tries_left(lang, n));
            format!(
                "{}{}",
                text(lang, Key::WrongPassword),
                remaining.unwrap_or_default()
            )
        }
        PasswordError::NotAPassword => text(lang, Key::InvalidPassword).to_owned(),
        PasswordError::Throttled { retry_after_secs } => i18n::throttled(lang, retry_after_secs),
        PasswordError::Failed => text(lang, Key::SomethingWentWrong).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screens::test_support::{contact, refusal, verified};

    fn refused(code: ErrorCode, tries_left: Option<u32>, retry_after_secs: Option<u64>) -> Outcome {
        outcome(Err(refusal(code, tries_left, retry_after_secs)), &contact())
    }

    #[test]
    fn a_right_password_goes_on_with_the_grant_in_the_fragment() {
        assert_eq!(
            outcome(Ok(verified(Some("https://sign.example/d/1"))), &contact()),
            Outcome::Next(Box::new(Screen::Verified {
                continue_href: Some("https://sign.example/d/1#grant=g.r.a.n.t".into()),
                signature_name: None,
                recovery_code: None,
            }))
        );
        assert_eq!(
            outcome(Ok(verified(None)), &contact()),
            Outcome::Next(Box::new(Screen::already_verified()))
        );
    }

    #[test]
    fn each_refusal_has_its_place() {
        assert_eq!(
            refused(ErrorCode::WrongPassword, Some(2), None),
            Outcome::Stay(PasswordError::Wrong {
                tries_left: Some(2)
            })
        );
        assert_eq!(
            refused(ErrorCode::InvalidPassword, None, None),
            Outcome::Stay(PasswordError::NotAPassword)
        );
        assert_eq!(
            refused(ErrorCode::Throttled, None, Some(30)),
            Outcome::Stay(PasswordError::Throttled {
                retry_after_secs: Some(30)
            })
        );
        assert_eq!(
            refused(ErrorCode::Cancelled, None, None),
            Outcome::Next(Box::new(Screen::Cancelled(contact())))
        );
        assert_eq!(
            refused(ErrorCode::AlreadyVerified, None, None),
            Outcome::Next(Box::new(Screen::already_verified()))
        );
        assert_eq!(
            refused(ErrorCode::InvalidLink, None, None),
            Outcome::Next(Box::new(Screen::InvalidLink))
        );
        // The sender switched the method after sending: on to the new one.
        assert_eq!(refused(ErrorCode::WrongMethod, None, None), Outcome::Reload);
        assert_eq!(
            refused(ErrorCode::Internal, None, None),
            Outcome::Stay(PasswordError::Failed)
        );
        assert_eq!(
            outcome(Err(Failure::Unreachable), &contact()),
            Outcome::Stay(PasswordError::Failed)
        );
    }

    #[test]
    fn error_texts_are_the_ones_the_end_to_end_tests_expect() {
        let wrong = |n| PasswordError::Wrong { tries_left: n };
        assert_eq!(
            error_text(Lang::En, wrong(Some(1))),
            "That password is not right. 1 try left."
        );
        assert_eq!(
            error_text(Lang::En, wrong(Some(4))),
            "That password is not right. 4 tries left."
        );
        assert_eq!(
            error_text(Lang::De, wrong(Some(2))),
            "Das Passwort ist nicht richtig. Noch 2 Versuche."
        );
        assert_eq!(
            error_text(Lang::En, wrong(None)),
            "That password is not right."
        );
        assert_eq!(
            error_text(Lang::En, PasswordError::Failed),
            "Something went wrong. Please try again."
        );
    }
}
