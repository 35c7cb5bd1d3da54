use leptos::{ev::SubmitEvent, html, prelude::*};
use signgate_core::web_form::{EntryField, entry_problems};
use signgate_core::wire::{ErrorCode, WebFormEntered, WebFormEntry, WebFormView};

use super::{Heading, announcer, line};
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
    /// One of the hourly caps on entries: for this address, from this client, or on this form.
    TooManySignUps {
        retry_after_secs: Option<u64>,
    },
    DeliveryFailed,
    /// The form's method is a passkey, and this address has none with the sender.
    NotEligible,
    /// The policy no longer allows the form's method, or no code can be sent from here: only the
    /// sender can help.
    Unavailable,
    Throttled {
        retry_after_secs: Option<u64>,
    },
    /// Refused as typed, by a rule the page does not know (yet).
    Invalid,
    Unreachable,
    Failed,
}

impl Problem {
    /// Trying again will not help: the sender is named, with a link to write to them.
    fn asks_sender(self) -> bool {
        matches!(self, Problem::NotEligible | Problem::Unavailable)
    }
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
pub fn Entry(ctx: Ctx, form: WebFormView) -> impl IntoView {
    let lang = ctx.lang;
    let has_password = form.password;
    let email_check = form.email_check;
    let password = RwSignal::new(String::new());
    let shown = RwSignal::new(false);
    let problem = RwSignal::new(None::<Problem>);
    let name_field = NodeRef::<html::Input>::new();
    let email_field = NodeRef::<html::Input>::new();
    let password_field = NodeRef::<html::Input>::new();
    // The first field a problem is about takes the focus, and reads its problem out; others leave
    // it on Continue, and the alert says them.
    let show = move |stay: Problem| {
        problem.set(Some(stay));
        let field = match stay {
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
                        show(stay);
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
        let fields = check(&name, &email, typed.as_deref(), has_password);
        if !fields.is_empty() {
            // Put back once the page has taken it out.
            request_animation_frame(move || show(Problem::Fields(fields)));
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
    // One alert for each press of Continue: every field's problem at once, or the one above it.
    let alert = move || match problem.get()? {
        Problem::Fields(fields) => Some(
            [fields.name, fields.email, fields.password]
                .into_iter()
                .flatten()
                .map(|key| text(lang.get(), key))
                .collect::<Vec<_>>()
                .join(" "),
        ),
        Problem::WrongPassword { .. } => password_error(),
        other => problem_text(lang.get(), other),
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
    let contact_sender = move || {
        problem.get().filter(|p| p.asks_sender()).map(|_| {
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
                {line(PASSWORD_ERROR, "error", false, Signal::derive(password_error))}
            </div>
        }
    });

    view! {
        <div class="screen" data-testid="screen-form-entry">
            <Heading>{title}</Heading>
            <p>{tr(Key::From)} " " {sender.name} " (" {sender_link} ")"</p>
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
                        false,
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
                        false,
                        Signal::derive(move || said(fields().email)),
                    )}
                </div>
                {password_row}
                {line(
                    PROBLEM_ID,
                    "error",
                    false,
                    Signal::derive(move || problem.get().and_then(|p| problem_text(lang.get(), p))),
                )}
                {contact_sender}
                // Not `disabled` while sending: that would drop the signer's focus off the page.
                <button type="submit" class="button" aria-disabled=move || pending.get().then_some("true")>
                    {tr(Key::Continue)}
                </button>
                {announcer(Signal::derive(alert))}
            </form>
        </div>
    }
}

/// Checks what was typed by the worker's own rules (the core's), so a slip is named at once, in
/// the signer's language, and costs no request. `password`: what was typed, where the form has
/// one (`has_password`).
fn check(name: &str, email: &str, password: Option<&str>, has_password: bool) -> Fields {
    let mut fields = Fields::default();
    for problem in entry_problems(name, email, password, has_password) {
        let (field, missing, malformed) = match problem.field {
            EntryField::Name => (&mut fields.name, Key::NameMissing, Key::NameInvalid),
            EntryField::Email => (&mut fields.email, Key::EmailMissing, Key::EmailInvalid),
            EntryField::Password => (
                &mut fields.password,
                Key::PasswordMissing,
                Key::PasswordMalformed,
            ),
        };
        *field = Some(if problem.missing { missing } else { malformed });
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
        // The page checked the fields by the same rules before sending: this is for one it does
        // not know yet, so it names no field.
        ErrorCode::InvalidRequest => Problem::Invalid,
        ErrorCode::WrongPassword => Problem::WrongPassword {
            tries_left: error.tries_left,
        },
        ErrorCode::FormResting => Problem::Resting { retry_after_secs },
        ErrorCode::ResendTooSoon => Problem::TooManySignUps { retry_after_secs },
        ErrorCode::DeliveryFailed => Problem::DeliveryFailed,
        ErrorCode::NotEligible => Problem::NotEligible,
        ErrorCode::NotAllowed | ErrorCode::NotConfigured => Problem::Unavailable,
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
        Problem::TooManySignUps { retry_after_secs } => {
            Some(i18n::too_many_sign_ups(lang, retry_after_secs))
        }
        Problem::DeliveryFailed => fixed(Key::DeliveryFailed),
        Problem::NotEligible => fixed(Key::NotEligible),
        Problem::Unavailable => fixed(Key::FormUnavailable),
        Problem::Throttled { retry_after_secs } => {
            Some(crate::i18n::throttled(lang, retry_after_secs))
        }
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
        assert!(check("Ada Lovelace", "ada@example.com", None, false).is_empty());
        assert!(check("Ada Lovelace", "ada@example.com", Some("Harbour2027"), true).is_empty());
        assert_eq!(
            check(" ", "", Some(""), true),
            Fields {
                name: Some(Key::NameMissing),
                email: Some(Key::EmailMissing),
                password: Some(Key::PasswordMissing),
            }
        );
        assert_eq!(
            check(&"x".repeat(201), "ada@", Some("not valid!"), true),
            Fields {
                name: Some(Key::NameInvalid),
                email: Some(Key::EmailInvalid),
                password: Some(Key::PasswordMalformed),
            }
        );
        // No password asked: whatever the field would hold is not checked.
        assert!(
            check("Ada", "ada@example.com", Some("not valid!"), false)
                .password
                .is_none()
        );
    }

    #[test]
    fn a_refusal_of_what_the_page_let_through_names_no_field() {
        assert_eq!(
            refused(
                ErrorCode::InvalidRequest,
                "name must not be empty; email: \"x\" is not an e-mail address",
                None,
                None
            ),
            Outcome::Stay(Problem::Invalid)
        );
        assert_eq!(
            problem_text(Lang::En, Problem::Invalid).as_deref(),
            Some("Please check what you typed and try again.")
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
            Outcome::Stay(Problem::TooManySignUps {
                retry_after_secs: None
            })
        );
        assert_eq!(
            refused(ErrorCode::NotEligible, "", None, None),
            Outcome::Stay(Problem::NotEligible)
        );
        // Only the sender can help with these: trying again cannot.
        for code in [ErrorCode::NotAllowed, ErrorCode::NotConfigured] {
            assert_eq!(
                refused(code, "", None, None),
                Outcome::Stay(Problem::Unavailable)
            );
        }
        assert!(Problem::Unavailable.asks_sender() && Problem::NotEligible.asks_sender());
        assert!(!Problem::Failed.asks_sender());
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
