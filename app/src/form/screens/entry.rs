use leptos::{ev::SubmitEvent, html, prelude::*};
use signgate_core::password::{PasswordProblem, check_entry};
use signgate_core::validate;
use signgate_core::wire::{ErrorCode, WebFormEntered, WebFormEntry, WebFormView};

use super::{Heading, line};
use crate::api::Failure;
use crate::form::i18n::{self, Key, text, tr};
use crate::form::{Ctx, Next, api, next};
use crate::i18n::Lang;

const NAME_ERROR: &str = "form-name-error";
const EMAIL_HINT: &str = "form-email-hint";
const EMAIL_ERROR: &str = "form-email-error";
const PASSWORD_HINT: &str = "form-password-hint";
const PASSWORD_ERROR: &str = "form-password-error";
const PROBLEM_ID: &str = "form-problem";

/// What is wrong with each field, in the signer's words.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Fields {
    name: Option<Key>,
    email: Option<Key>,
    password: Option<Key>,
}

impl Fields {
    fn is_empty(self) -> bool {
        self == Fields::default()
    }
}

/// Why the signer is still on this screen after pressing Continue.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Problem {
    /// Told next to the fields.
    Fields(Fields),
    /// Told next to the password field.
    WrongPassword {
        tries_left: Option<u32>,
    },
    /// Too many wrong form passwords in a row: the form rests.
    Resting {
        retry_after_secs: Option<u64>,
    },
    /// Too many codes for this address, from here or on this form this hour.
    TooManyCodes {
        retry_after_secs: Option<u64>,
    },
    DeliveryFailed,
    /// The form's method is a passkey, and this address has none with the sender.
    NotEligible,
    Throttled {
        retry_after_secs: Option<u64>,
    },
    /// Refused as typed, for a reason the page cannot place.
    Invalid,
    Unreachable,
    Failed,
}

#[derive(Debug, PartialEq)]
enum Outcome {
    Next(Next),
    InvalidLink,
    Stay(Problem),
}

/// Who is signing: name, e-mail address and the form's password if it has one. A real `<form>`
/// with autocomplete, so the browser fills in the name and address.
#[component]
pub fn Entry(ctx: Ctx, form: WebFormView, ended: bool) -> impl IntoView {
    let lang = ctx.lang;
    let has_password = form.password;
    let email_check = form.email_check;
    let password = RwSignal::new(String::new());
    let shown = RwSignal::new(false);
    let problem = RwSignal::new(None::<Problem>);
    let name_field = NodeRef::<html::Input>::new();
    let email_field = NodeRef::<html::Input>::new();
    let password_field = NodeRef::<html::Input>::new();
    // The first field a problem is about takes the focus; others leave it on Continue, and the
    // alert is read out.
    let focus_on = move |problem: Problem| {
        let field = match problem {
            Problem::Fields(fields) if fields.name.is_some() => name_field.get_untracked(),
            Problem::Fields(fields) if fields.email.is_some() => email_field.get_untracked(),
            Problem::Fields(_) | Problem::WrongPassword { .. } => password_field.get_untracked(),
            _ => None,
        };
        if let Some(field) = field {
            let _ = field.focus();
        }
    };

    let send = Action::new_local({
        let form = form.clone();
        move |entry: &WebFormEntry| {
            let (entry, form, token) = (entry.clone(), form.clone(), ctx.token.get_value());
            async move {
                match outcome(api::enter(&token, &entry).await) {
                    Outcome::Next(next) => ctx.follow(form, next),
                    Outcome::InvalidLink => ctx.link_gone(),
                    Outcome::Stay(stay) => {
                        if matches!(stay, Problem::WrongPassword { .. }) {
                            password.set(String::new());
                        }
                        problem.set(Some(stay));
                        focus_on(stay);
                    }
                }
            }
        }
    });
    let pending = send.pending();
    let on_submit = move |event: SubmitEvent| {
        // The worker takes the entry; the page itself must not be submitted.
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        // Mobile keyboards add a space after a suggested word: it is no part of a name or address.
        let name = ctx.name.get_untracked().trim().to_owned();
        let email = ctx.email.get_untracked().trim().to_owned();
        let typed = has_password.then(|| password.get_untracked());
        // Taken out and put back, so the same problem twice is announced twice.
        problem.set(None);
        let fields = check(&name, &email, typed.as_deref());
        if !fields.is_empty() {
            problem.set(Some(Problem::Fields(fields)));
            focus_on(Problem::Fields(fields));
            return;
        }
        send.dispatch(WebFormEntry {
            name,
            email,
            password: typed,
            language: Some(lang.get_untracked().code().to_owned()),
        });
    };

    let fields = move || match problem.get() {
        Some(Problem::Fields(fields)) => fields,
        _ => Fields::default(),
    };
    let said = move |key: Option<Key>| key.map(|key| text(lang.get(), key).to_owned());
    let password_error = move || match problem.get()? {
        Problem::Fields(fields) => said(fields.password),
        Problem::WrongPassword { tries_left } => {
            let left = tries_left.map(|n| crate::i18n::tries_left(lang.get(), n));
            Some(
                [
                    text(lang.get(), Key::WrongPassword),
                    &left.unwrap_or_default(),
                ]
                .concat(),
            )
        }
        _ => None,
    };
    let described_by = |hint: Option<&'static str>, error: Option<&'static str>| {
        let ids: Vec<&str> = hint.into_iter().chain(error).collect();
        (!ids.is_empty()).then(|| ids.join(" "))
    };

    let WebFormView { title, sender, .. } = form;
    let mailto = format!("mailto:{}", sender.email);
    let sender_link = view! { <a href=mailto.clone()>{sender.email}</a> };
    let sender_name = StoredValue::new(sender.name.clone());
    let ask_sender =
        move || sender_name.with_value(|name| crate::i18n::contact(lang.get(), name, false));
    let not_eligible = move || {
        (problem.get() == Some(Problem::NotEligible)).then(|| {
            let href = mailto.clone();
            view! {
                <p>
                    <a href=href>{ask_sender}</a>
                </p>
            }
        })
    };
    let toggle_text = move || {
        text(
            lang.get(),
            if shown.get() {
                Key::HidePassword
            } else {
                Key::ShowPassword
            },
        )
    };
    let password_row = has_password.then(|| {
        view! {
            <div class="field">
                <label for="form-password">{tr(Key::PasswordLabel)}</label>
                <p id=PASSWORD_HINT class="hint">
                    {tr(Key::PasswordHint)}
                    {move || {
                        ctx.preview.get().then(|| [" ", text(lang.get(), Key::PreviewPassword)].concat())
                    }}
                </p>
                <div class="password-row">
                    // The form's shared password, not the signer's own: nothing for a password
                    // manager to keep.
                    <input
                        id="form-password"
                        name="form-password"
                        type=move || if shown.get() { "text" } else { "password" }
                        autocomplete="off"
                        required
                        maxlength="64"
                        autocapitalize="off"
                        spellcheck="false"
                        aria-invalid=move || password_error().map(|_| "true")
                        aria-describedby=move || {
                            let error = password_error().map(|_| PASSWORD_ERROR);
                            described_by(Some(PASSWORD_HINT), error)
                        }
                        bind:value=password
                        node_ref=password_field
                    />
                    <button
                        type="button"
                        class="toggle"
                        aria-controls="form-password"
                        aria-pressed=move || if shown.get() { "true" } else { "false" }
                        on:click=move |_| shown.update(|shown| *shown = !*shown)
                    >
                        {toggle_text}
                    </button>
                </div>
                {line(PASSWORD_ERROR, "error", true, Signal::derive(password_error))}
            </div>
        }
    });

    view! {
        <div class="screen" data-testid="screen-form-entry">
            <Heading>{title}</Heading>
            <p>{tr(Key::From)} " " {sender.name} " (" {sender_link} ")"</p>
            {ended.then(|| view! { <p class="notice" role="status">{tr(Key::EntryEnded)}</p> })}
            <p>{tr(Key::EntryIntro)}</p>
            // The page checks the fields itself, in the signer's language.
            <form class="stack" novalidate on:submit=on_submit>
                <div class="field">
                    <label for="form-name">{tr(Key::NameLabel)}</label>
                    <input
                        id="form-name"
                        name="name"
                        type="text"
                        autocomplete="name"
                        autocapitalize="words"
                        spellcheck="false"
                        required
                        aria-invalid=move || fields().name.map(|_| "true")
                        aria-describedby=move || fields().name.map(|_| NAME_ERROR)
                        bind:value=ctx.name
                        node_ref=name_field
                    />
                    {line(
                        NAME_ERROR,
                        "error",
                        true,
                        Signal::derive(move || said(fields().name)),
                    )}
                </div>
                <div class="field">
                    <label for="form-email">{tr(Key::EmailLabel)}</label>
                    <input
                        id="form-email"
                        name="email"
                        type="email"
                        autocomplete="email"
                        autocapitalize="off"
                        spellcheck="false"
                        required
                        aria-invalid=move || fields().email.map(|_| "true")
                        aria-describedby=move || {
                            described_by(
                                email_check.then_some(EMAIL_HINT),
                                fields().email.map(|_| EMAIL_ERROR),
                            )
                        }
                        bind:value=ctx.email
                        node_ref=email_field
                    />
                    {email_check.then(|| view! { <p id=EMAIL_HINT class="hint">{tr(Key::CodeWillBeSent)}</p> })}
                    {line(
                        EMAIL_ERROR,
                        "error",
                        true,
                        Signal::derive(move || said(fields().email)),
                    )}
                </div>
                {password_row}
                {line(
                    PROBLEM_ID,
                    "error",
                    true,
                    Signal::derive(move || problem.get().and_then(|p| problem_text(lang.get(), p))),
                )}
                {not_eligible}
                // Not `disabled` while sending: that would drop the signer's focus off the page.
                <button type="submit" class="button" aria-disabled=move || pending.get().then_some("true")>
                    {tr(Key::Continue)}
                </button>
            </form>
        </div>
    }
}

/// Checks what was typed by the worker's own rules (the core's), so a slip is named at once, in
/// the signer's language, and costs no request. `password`: what was typed, where the form has one.
fn check(name: &str, email: &str, password: Option<&str>) -> Fields {
    Fields {
        name: match validate::text("name", name, validate::MAX_NAME_LEN) {
            Ok(()) => None,
            Err(_) if name.trim().is_empty() => Some(Key::NameMissing),
            Err(_) => Some(Key::NameInvalid),
        },
        email: match validate::email(email) {
            Ok(()) => None,
            Err(_) if email.trim().is_empty() => Some(Key::EmailMissing),
            Err(_) => Some(Key::EmailInvalid),
        },
        password: password.and_then(|typed| match check_entry(typed) {
            Ok(()) => None,
            Err(PasswordProblem::Empty) => Some(Key::PasswordMissing),
            Err(_) => Some(Key::PasswordMalformed),
        }),
    }
}

/// The fields an `invalid_request` names (`name must not be empty; email: "x" is not an e-mail
/// address`). The page checked them before sending: this is for a rule it does not know yet.
fn named_in(message: &str) -> Fields {
    let mut fields = Fields::default();
    for problem in message.split(';').map(str::trim) {
        let missing = problem.contains("empty") || problem.contains("asks for");
        if problem.starts_with("name") {
            fields.name = Some(if missing {
                Key::NameMissing
            } else {
                Key::NameInvalid
            });
        } else if problem.starts_with("email") {
            fields.email = Some(Key::EmailInvalid);
        } else if problem.starts_with("password") {
            fields.password = Some(if missing {
                Key::PasswordMissing
            } else {
                Key::PasswordMalformed
            });
        }
    }
    fields
}

/// What the worker's answer to an entry means for the signer.
fn outcome(answer: Result<WebFormEntered, Failure>) -> Outcome {
    let error = match answer {
        Ok(entered) => return next(entered).map_or(Outcome::Stay(Problem::Failed), Outcome::Next),
        Err(Failure::Refused(error)) => error,
        Err(Failure::Unreachable) => return Outcome::Stay(Problem::Unreachable),
    };
    let retry_after_secs = error.retry_after_secs.filter(|&secs| secs > 0);
    Outcome::Stay(match error.code {
        ErrorCode::InvalidLink => return Outcome::InvalidLink,
        ErrorCode::InvalidRequest | ErrorCode::InvalidPassword => {
            let mut fields = named_in(&error.message);
            if error.code == ErrorCode::InvalidPassword {
                fields.password = Some(Key::PasswordMalformed);
            }
            if fields.is_empty() {
                Problem::Invalid
            } else {
                Problem::Fields(fields)
            }
        }
        ErrorCode::WrongPassword => Problem::WrongPassword {
            tries_left: error.tries_left,
        },
        ErrorCode::FormResting => Problem::Resting { retry_after_secs },
        ErrorCode::ResendTooSoon => Problem::TooManyCodes { retry_after_secs },
        ErrorCode::DeliveryFailed => Problem::DeliveryFailed,
        ErrorCode::NotEligible => Problem::NotEligible,
        ErrorCode::Throttled => Problem::Throttled { retry_after_secs },
        _ => Problem::Failed,
    })
}

/// What is said above the button; a field's problem is said next to the field instead.
fn problem_text(lang: Lang, problem: Problem) -> Option<String> {
    let fixed = |key| Some(text(lang, key).to_owned());
    match problem {
        Problem::Fields(_) | Problem::WrongPassword { .. } => None,
        Problem::Resting { retry_after_secs } => Some(i18n::resting(lang, retry_after_secs)),
        Problem::TooManyCodes { retry_after_secs } => {
            Some(i18n::too_many_codes(lang, retry_after_secs))
        }
        Problem::DeliveryFailed => fixed(Key::DeliveryFailed),
        Problem::NotEligible => fixed(Key::NotEligible),
        Problem::Throttled { retry_after_secs } => Some(i18n::throttled(lang, retry_after_secs)),
        Problem::Invalid => fixed(Key::CheckEntry),
        Problem::Unreachable => fixed(Key::Unreachable),
        Problem::Failed => fixed(Key::SomethingWentWrong),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use signgate_core::otp::Channel;
    use signgate_core::wire::{ApiError, CodeSent};

    fn refused(
        code: ErrorCode,
        message: &str,
        tries_left: Option<u32>,
        retry: Option<u64>,
    ) -> Outcome {
        outcome(Err(Failure::Refused(ApiError {
            code,
            message: message.into(),
            tries_left,
            retry_after_secs: retry,
        })))
    }

    #[test]
    fn the_page_checks_the_fields_as_the_worker_does() {
        assert!(check("Ada Lovelace", "ada@example.com", None).is_empty());
        assert!(check("Ada Lovelace", "ada@example.com", Some("Harbour2027")).is_empty());
        assert_eq!(
            check(" ", "", Some("")),
            Fields {
                name: Some(Key::NameMissing),
                email: Some(Key::EmailMissing),
                password: Some(Key::PasswordMissing),
            }
        );
        assert_eq!(
            check(&"x".repeat(201), "ada@", Some("not valid!")),
            Fields {
                name: Some(Key::NameInvalid),
                email: Some(Key::EmailInvalid),
                password: Some(Key::PasswordMalformed),
            }
        );
        // No password asked: whatever the field would hold is not checked.
        assert!(check("Ada", "ada@example.com", None).password.is_none());
    }

    #[test]
    fn the_workers_refusal_names_the_fields() {
        assert_eq!(
            refused(
                ErrorCode::InvalidRequest,
                "name must not be empty; email: \"x\" is not an e-mail address",
                None,
                None
            ),
            Outcome::Stay(Problem::Fields(Fields {
                name: Some(Key::NameMissing),
                email: Some(Key::EmailInvalid),
                password: None,
            }))
        );
        assert_eq!(
            refused(
                ErrorCode::InvalidRequest,
                "password: this form asks for its password",
                None,
                None
            ),
            Outcome::Stay(Problem::Fields(Fields {
                password: Some(Key::PasswordMissing),
                ..Fields::default()
            }))
        );
        assert_eq!(
            refused(ErrorCode::InvalidRequest, "body: unknown field", None, None),
            Outcome::Stay(Problem::Invalid)
        );
    }

    #[test]
    fn each_refusal_has_its_place() {
        assert_eq!(
            refused(ErrorCode::WrongPassword, "", Some(4), None),
            Outcome::Stay(Problem::WrongPassword {
                tries_left: Some(4)
            })
        );
        assert_eq!(
            refused(ErrorCode::FormResting, "", None, Some(900)),
            Outcome::Stay(Problem::Resting {
                retry_after_secs: Some(900)
            })
        );
        assert_eq!(
            refused(ErrorCode::ResendTooSoon, "", None, Some(0)),
            Outcome::Stay(Problem::TooManyCodes {
                retry_after_secs: None
            })
        );
        assert_eq!(
            refused(ErrorCode::NotEligible, "", None, None),
            Outcome::Stay(Problem::NotEligible)
        );
        assert_eq!(
            refused(ErrorCode::DeliveryFailed, "", None, None),
            Outcome::Stay(Problem::DeliveryFailed)
        );
        assert_eq!(
            refused(ErrorCode::InvalidLink, "", None, None),
            Outcome::InvalidLink
        );
        assert_eq!(
            refused(ErrorCode::Internal, "", None, None),
            Outcome::Stay(Problem::Failed)
        );
        assert_eq!(
            outcome(Err(Failure::Unreachable)),
            Outcome::Stay(Problem::Unreachable)
        );
    }

    #[test]
    fn an_entry_goes_on_to_the_code_or_the_signing_link() {
        let sent = CodeSent {
            channel: Channel::Email,
            destination: "a…@example.com".into(),
            digits: 6,
            expires_in_secs: 600,
            next_send_in_secs: 30,
            preview_code: None,
        };
        let entered = WebFormEntered {
            entry_token: Some("e.n.t".into()),
            code: Some(sent.clone()),
            signing_url: None,
        };
        assert_eq!(
            outcome(Ok(entered)),
            Outcome::Next(Next::Code {
                entry: "e.n.t".into(),
                sent
            })
        );
        let without_check = WebFormEntered {
            entry_token: None,
            code: None,
            signing_url: Some("https://sign.example/s#abc".into()),
        };
        assert_eq!(
            outcome(Ok(without_check)),
            Outcome::Next(Next::GoOn("https://sign.example/s#abc".into()))
        );
    }

    #[test]
    fn every_problem_is_said_once_in_its_place() {
        for problem in [
            Problem::Fields(Fields::default()),
            Problem::WrongPassword {
                tries_left: Some(1),
            },
        ] {
            assert_eq!(
                problem_text(Lang::En, problem),
                None,
                "{problem:?} is by its field"
            );
        }
        assert_eq!(
            problem_text(Lang::En, Problem::Unreachable).as_deref(),
            Some("signgate could not be reached. Check your connection and try again.")
        );
    }
}
