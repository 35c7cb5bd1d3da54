use leptos::{ev::SubmitEvent, html, prelude::*};
use signgate_core::otp::Channel;
use signgate_core::wire::{ApiError, CodeSent, ErrorCode, WebFormEntered, WebFormView};

use super::{Heading, announcer, line};
use crate::api::Failure;
use crate::codes::{self, CodeProblem, Countdowns, Problem, SendProblem};
use crate::form::i18n::{Key, text, tr};
use crate::form::{Ctx, Next, Refusal, api, next, save_entry};
use crate::i18n::shared::{self, Key as SharedKey};
use crate::i18n::{Lang, code_label, code_sent, resend_in};

const CODE_ERROR: &str = "form-code-error";
const RESEND_WAIT: &str = "form-resend-wait";
const RESEND_ERROR: &str = "form-resend-error";

/// What the worker's answer to one of the entry's calls means.
#[derive(Debug, PartialEq)]
enum Outcome<T> {
    Done(T),
    /// The entry is over (too many wrong codes, or its time ran out): from the entry screen again.
    Ended,
    /// The worker does not know the entry (any more), or its form is gone: the form tells which.
    Gone,
    /// The right code, yet no signing link, for good.
    Refused(Refusal),
    Stay(Problem),
}

/// The code sent to the address typed: typed in here, or a new one asked for. The code screen of
/// the signing page with its engine ([`crate::codes`]), for an entry instead of a link.
#[component]
pub fn CodeEntry(ctx: Ctx, form: WebFormView, entry: String, sent: CodeSent) -> impl IntoView {
    let lang = ctx.lang;
    let code = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<Problem>);
    let notice = RwSignal::new(false);
    let countdowns = Countdowns::new(&sent);
    let send_left = countdowns.send_left;
    let must_wait = move || countdowns.must_wait();
    let destination = RwSignal::new(sent.destination);
    let preview_code = RwSignal::new(sent.preview_code);
    let digits = RwSignal::new(sent.digits);
    let field = NodeRef::<html::Input>::new();
    let resend_button = NodeRef::<html::Button>::new();
    let focus_field = move || {
        if let Some(input) = field.get_untracked() {
            let _ = input.focus();
        }
    };
    let form = StoredValue::new(form);
    let entry = StoredValue::new(entry);

    let confirm = Action::new_local(move |typed: &String| {
        let (token, typed, form) = (entry.get_value(), typed.clone(), form.get_value());
        async move {
            match code_outcome(api::submit_code(&token, &typed).await) {
                Outcome::Done(url) => ctx.go_on(&url),
                Outcome::Stay(Problem::Code(stay)) => {
                    if stay.clears_field() {
                        code.set(String::new());
                    }
                    if stay.needs_new_code() {
                        countdowns.void();
                    }
                    notice.set(false);
                    problem.set(Some(Problem::Code(stay)));
                    // What the signer needs next: a new code, or the field again.
                    match resend_button.get_untracked() {
                        Some(button) if stay.needs_new_code() && send_left.get_untracked() == 0 => {
                            let _ = button.focus();
                        }
                        _ => focus_field(),
                    }
                }
                other => leave(ctx, other, form),
            }
        }
    });
    let pending = confirm.pending();
    let on_submit = move |event: SubmitEvent| {
        // The worker checks the code; the page itself must not be submitted.
        event.prevent_default();
        if !pending.get_untracked() {
            // Taken out and put back, so the same error twice is announced twice.
            problem.set(None);
            confirm.dispatch(code.get_untracked());
        }
    };

    let resend = Action::new_local(move |_: &()| {
        let (token, form) = (entry.get_value(), form.get_value());
        async move {
            match send_outcome(api::send_code(&token, lang.get_untracked()).await) {
                Outcome::Done(sent) => {
                    // A reload now shows this code.
                    save_entry(&token, &sent);
                    countdowns.restart(&sent);
                    destination.set(sent.destination);
                    preview_code.set(sent.preview_code);
                    digits.set(sent.digits);
                    problem.set(None);
                    notice.set(true);
                    focus_field();
                }
                Outcome::Stay(stay) => {
                    if let Problem::Send(SendProblem::TooSoon {
                        retry_after_secs: Some(secs),
                    }) = stay
                    {
                        countdowns.send_in(secs);
                    }
                    problem.set(Some(stay));
                    // A running wait disables the button under the signer's focus.
                    if send_left.get_untracked() > 0 {
                        focus_field();
                    }
                }
                other => leave(ctx, other, form),
            }
        }
    });
    let resending = resend.pending();
    let on_resend = move |_| {
        if !resending.get_untracked() && send_left.get_untracked() == 0 {
            notice.set(false);
            problem.set(None);
            resend.dispatch(());
        }
    };
    // Another address: back to the entry screen, with what was typed.
    let change_address = move |_| ctx.back_to_entry(form.get_value(), false);

    let code_error = move || {
        let problem = Problem::code(problem.get())?;
        Some(code_problem_text(lang.get(), problem, digits.get()))
    };
    let send_error = move || Some(send_problem_text(lang.get(), Problem::send(problem.get())?));

    view! {
        <div class="screen" data-testid="screen-form-code">
            <Heading>{tr(Key::CodeHeading)}</Heading>
            <p id="form-code-sent">
                {move || {
                    destination.with(|to| code_sent(lang.get(), Channel::Email, to))
                }}
                " "
                {shared::tr(SharedKey::EmailMayTakeAWhile)}
            </p>
            {move || {
                preview_code
                    .get()
                    .map(|code| {
                        view! {
                            <p class="preview-code" data-testid="preview-code">
                                {tr(Key::PreviewCode)}
                                " "
                                <strong>{code}</strong>
                            </p>
                        }
                    })
            }}
            {codes::expiry(countdowns)}
            <form class="stack" on:submit=on_submit>
                <div class="field">
                    <label for="form-code">
                        {move || code_label(lang.get(), digits.get())}
                    </label>
                    // No `pattern` and room for "123 456" or "123-456": pasted codes keep their
                    // spaces and dashes, and the worker takes them out.
                    <input
                        id="form-code"
                        name="code"
                        type="text"
                        class="code-input"
                        inputmode="numeric"
                        autocomplete="one-time-code"
                        maxlength="20"
                        required
                        autocapitalize="off"
                        spellcheck="false"
                        aria-invalid=move || code_error().map(|_| "true")
                        aria-describedby=move || code_error().map(|_| CODE_ERROR)
                        bind:value=code
                        node_ref=field
                    />
                </div>
                {line(CODE_ERROR, "error", false, Signal::derive(code_error))}
                // Not `disabled` while checking: that would drop the signer's focus off the page.
                <button type="submit" class="button" aria-disabled=move || pending.get().then_some("true")>
                    {tr(Key::Confirm)}
                </button>
                // Each press of Confirm or "Send a new code" raises one alert.
                {announcer(Signal::derive(move || code_error().or_else(send_error)))}
            </form>
            // Outside the stack: empty, it must not leave a gap.
            <div id="form-code-notice" role="status" class:notice=move || notice.get()>
                {move || {
                    notice.get().then(|| shared::text(lang.get(), SharedKey::NewCodeOnItsWay))
                }}
            </div>
            <div class="stack resend">
                {line(RESEND_ERROR, "error", false, Signal::derive(send_error))}
                // Filled in once the code is of no use (expired, or void), so the way on stands out.
                <button
                    type="button"
                    id="form-resend"
                    class:button=move || countdowns.needs_new_code()
                    disabled=must_wait
                    aria-disabled=move || resending.get().then_some("true")
                    aria-describedby=move || {
                        if must_wait() {
                            Some(RESEND_WAIT)
                        } else {
                            send_error().map(|_| RESEND_ERROR)
                        }
                    }
                    on:click=on_resend
                    node_ref=resend_button
                >
                    {shared::tr(SharedKey::SendNewCode)}
                </button>
                {line(
                    RESEND_WAIT,
                    "hint countdown",
                    false,
                    Signal::derive(move || {
                        must_wait().then(|| resend_in(lang.get(), send_left.get()))
                    }),
                )}
                <button type="button" class="link-button" on:click=change_address>
                    {tr(Key::ChangeAddress)}
                </button>
            </div>
        </div>
    }
}

/// Where an answer that ends the entry takes the signer (`form`: read when the call went out, as
/// this screen may be gone by the answer).
fn leave<T>(ctx: Ctx, outcome: Outcome<T>, form: WebFormView) {
    match outcome {
        Outcome::Ended => ctx.back_to_entry(form, true),
        Outcome::Gone => ctx.entry_gone(),
        Outcome::Refused(why) => ctx.refused(form.sender, why),
        Outcome::Done(_) | Outcome::Stay(_) => {}
    }
}

/// The refusals both of the entry's calls answer alike; `None` for the rest.
fn elsewhere<T>(error: &ApiError) -> Option<Outcome<T>> {
    Some(match error.code {
        ErrorCode::EntryEnded => Outcome::Ended,
        ErrorCode::InvalidLink => Outcome::Gone,
        // The worker has forgotten the entry before it says these.
        ErrorCode::NotEligible => Outcome::Refused(Refusal::NoPasskey),
        ErrorCode::NotAllowed => Outcome::Refused(Refusal::NotAllowed),
        _ => return None,
    })
}

/// What the worker's answer to a code means: on to the signing link, or why not.
fn code_outcome(answer: Result<WebFormEntered, Failure>) -> Outcome<String> {
    let stay = |problem| Outcome::Stay(Problem::Code(problem));
    let error = match answer {
        Ok(entered) => {
            return match next(entered) {
                Some(Next::GoOn(url)) => Outcome::Done(url),
                _ => stay(CodeProblem::Failed),
            };
        }
        Err(Failure::Refused(error)) => error,
        Err(Failure::Unreachable) => return stay(CodeProblem::Unreachable),
    };
    elsewhere(&error).unwrap_or_else(|| stay(CodeProblem::of(&error)))
}

/// What the worker's answer to "send a new code" means.
fn send_outcome(answer: Result<CodeSent, Failure>) -> Outcome<CodeSent> {
    let stay = |problem| Outcome::Stay(Problem::Send(problem));
    let error = match answer {
        Ok(sent) => return Outcome::Done(sent),
        Err(Failure::Refused(error)) => error,
        Err(Failure::Unreachable) => return stay(SendProblem::Unreachable),
    };
    elsewhere(&error).unwrap_or_else(|| stay(SendProblem::of(&error)))
}

/// A code problem in words: the code screens' own, else this page's for a failure.
fn code_problem_text(lang: Lang, problem: CodeProblem, digits: u8) -> String {
    problem
        .text(lang, digits)
        .unwrap_or_else(|| failure_text(lang, problem == CodeProblem::Unreachable))
}

fn send_problem_text(lang: Lang, problem: SendProblem) -> String {
    problem
        .text(lang)
        .unwrap_or_else(|| failure_text(lang, problem == SendProblem::Unreachable))
}

fn failure_text(lang: Lang, unreachable: bool) -> String {
    let key = if unreachable {
        Key::Unreachable
    } else {
        Key::SomethingWentWrong
    };
    text(lang, key).to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(code: ErrorCode, tries_left: Option<u32>, retry: Option<u64>) -> Failure {
        Failure::Refused(ApiError {
            code,
            message: String::new(),
            tries_left,
            retry_after_secs: retry,
        })
    }

    #[test]
    fn a_right_code_goes_on_to_the_signing_link() {
        let entered = WebFormEntered {
            entry_token: None,
            code: None,
            signing_url: Some("https://sign.example/s#abc".into()),
        };
        assert_eq!(
            code_outcome(Ok(entered)),
            Outcome::Done("https://sign.example/s#abc".to_owned())
        );
        let nowhere = WebFormEntered {
            entry_token: None,
            code: None,
            signing_url: None,
        };
        assert_eq!(
            code_outcome(Ok(nowhere)),
            Outcome::Stay(Problem::Code(CodeProblem::Failed))
        );
    }

    #[test]
    fn each_refusal_of_a_code_has_its_place() {
        let refused = |code, tries| code_outcome(Err(refusal(code, tries, None)));
        assert_eq!(
            refused(ErrorCode::WrongCode, Some(2)),
            Outcome::Stay(Problem::Code(CodeProblem::Wrong {
                tries_left: Some(2)
            }))
        );
        assert_eq!(
            refused(ErrorCode::NoCode, None),
            Outcome::Stay(Problem::Code(CodeProblem::NoCode))
        );
        assert_eq!(refused(ErrorCode::EntryEnded, None), Outcome::Ended);
        assert_eq!(refused(ErrorCode::InvalidLink, None), Outcome::Gone);
        assert_eq!(
            refused(ErrorCode::NotEligible, None),
            Outcome::Refused(Refusal::NoPasskey)
        );
        assert_eq!(
            refused(ErrorCode::NotAllowed, None),
            Outcome::Refused(Refusal::NotAllowed)
        );
        assert_eq!(
            code_outcome(Err(Failure::Unreachable)),
            Outcome::Stay(Problem::Code(CodeProblem::Unreachable))
        );
    }

    #[test]
    fn each_refusal_of_a_new_code_has_its_place() {
        let sent = CodeSent {
            channel: Channel::Email,
            destination: "a…@example.com".into(),
            digits: 6,
            expires_in_secs: 600,
            next_send_in_secs: 30,
            preview_code: Some("123456".into()),
        };
        assert_eq!(send_outcome(Ok(sent.clone())), Outcome::Done(sent));
        let refused = |code, retry| send_outcome(Err(refusal(code, None, retry)));
        assert_eq!(
            refused(ErrorCode::ResendTooSoon, Some(25)),
            Outcome::Stay(Problem::Send(SendProblem::TooSoon {
                retry_after_secs: Some(25)
            }))
        );
        assert_eq!(refused(ErrorCode::EntryEnded, None), Outcome::Ended);
        assert_eq!(refused(ErrorCode::InvalidLink, None), Outcome::Gone);
    }

    #[test]
    fn texts_read_as_the_end_to_end_tests_expect() {
        assert_eq!(
            code_problem_text(
                Lang::De,
                CodeProblem::Wrong {
                    tries_left: Some(4)
                },
                6
            ),
            "Der Code ist nicht richtig. Noch 4 Versuche."
        );
        assert_eq!(
            code_problem_text(Lang::En, CodeProblem::Unreachable, 6),
            "signgate could not be reached. Check your connection and try again."
        );
        assert_eq!(
            send_problem_text(Lang::En, SendProblem::Failed),
            "Something went wrong. Please try again."
        );
    }
}
