use std::time::Duration;

use leptos::{ev::SubmitEvent, html, prelude::*};
use signgate_core::wire::{CodeSent, ErrorCode, WebFormEntered, WebFormView};

use super::{Heading, line};
use crate::api::Failure;
use crate::form::i18n::{self, Key, text, tr};
use crate::form::{Ctx, Next, api, next};
use crate::i18n::Lang;

const CODE_ERROR: &str = "form-code-error";
const RESEND_WAIT: &str = "form-resend-wait";
const RESEND_ERROR: &str = "form-resend-error";
/// Well under a second, so the shown second never lags the clock by a whole one.
const TICK: Duration = Duration::from_millis(250);

/// Why the signer is still on this screen after pressing Confirm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum CodeProblem {
    Wrong {
        tries_left: Option<u32>,
    },
    /// Too many wrong entries voided every code sent so far.
    Voided,
    /// No code is valid: expired, voided or replaced.
    NoCode,
    /// What was typed cannot be a code; the worker did not count it as a try.
    NotACode,
    Throttled {
        retry_after_secs: Option<u64>,
    },
    Unreachable,
    Failed,
}

impl CodeProblem {
    /// The code the signer holds is of no use any more: only a new one helps.
    fn needs_new_code(self) -> bool {
        matches!(self, CodeProblem::Voided | CodeProblem::NoCode)
    }

    /// The field held a code that did not work: clear it for the next.
    fn clears_field(self) -> bool {
        matches!(
            self,
            CodeProblem::Wrong { .. } | CodeProblem::Voided | CodeProblem::NoCode
        )
    }
}

/// Why no new code was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SendProblem {
    TooSoon { retry_after_secs: Option<u64> },
    Throttled { retry_after_secs: Option<u64> },
    DeliveryFailed,
    Unreachable,
    Failed,
}

#[derive(Debug, PartialEq)]
enum Outcome<T, P> {
    Done(T),
    /// The entry is over (too many wrong codes, or its time ran out): from the entry screen again.
    Ended,
    InvalidLink,
    Stay(P),
}

/// The code sent to the address typed: typed in here, or a new one asked for.
#[component]
pub fn CodeEntry(ctx: Ctx, form: WebFormView, entry: String, sent: CodeSent) -> impl IntoView {
    let lang = ctx.lang;
    let code = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<CodeProblem>);
    let send_problem = RwSignal::new(None::<SendProblem>);
    let notice = RwSignal::new(false);
    let destination = RwSignal::new(sent.destination);
    let preview_code = RwSignal::new(sent.preview_code);
    let digits = RwSignal::new(sent.digits);
    let valid_for = RwSignal::new(sent.expires_in_secs);
    // The wait for a new code on the page's own monotonic clock: a throttled background tab
    // catches up on its next tick instead of counting ticks.
    let now = ticking_clock();
    let send_at = RwSignal::new(deadline(now.get_untracked(), sent.next_send_in_secs));
    // A memo: the page changes once a second, not on every tick.
    let send_left = Memo::new(move |_| secs_left(send_at.get(), now.get()));
    let must_wait = move || send_left.get() > 0;
    let needs_new_code = move || problem.get().is_some_and(CodeProblem::needs_new_code);
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
        // Read now: after the answer, this screen may be gone (another link opened meanwhile).
        let (token, typed, form) = (entry.get_value(), typed.clone(), form.get_value());
        async move {
            match code_outcome(api::submit_code(&token, &typed).await) {
                Outcome::Done(url) => ctx.go_on(&url),
                Outcome::Ended => ctx.back_to_entry(form, true),
                Outcome::InvalidLink => ctx.link_gone(),
                Outcome::Stay(stay) => {
                    if stay.clears_field() {
                        code.set(String::new());
                    }
                    notice.set(false);
                    problem.set(Some(stay));
                    // What the signer needs next: a new code, or the field again.
                    match resend_button.get_untracked() {
                        Some(button) if stay.needs_new_code() && send_left.get_untracked() == 0 => {
                            let _ = button.focus();
                        }
                        _ => focus_field(),
                    }
                }
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
                    ctx.save_entry(&token, &sent);
                    let at = now_ms();
                    now.set(at);
                    send_at.set(deadline(at, sent.next_send_in_secs));
                    valid_for.set(sent.expires_in_secs);
                    destination.set(sent.destination);
                    preview_code.set(sent.preview_code);
                    digits.set(sent.digits);
                    problem.set(None);
                    notice.set(true);
                    focus_field();
                }
                Outcome::Ended => ctx.back_to_entry(form, true),
                Outcome::InvalidLink => ctx.link_gone(),
                Outcome::Stay(stay) => {
                    if let SendProblem::TooSoon {
                        retry_after_secs: Some(secs),
                    } = stay
                    {
                        send_at.set(deadline(now_ms(), secs));
                    }
                    send_problem.set(Some(stay));
                    // A running wait disables the button under the signer's focus.
                    if send_left.get_untracked() > 0 {
                        focus_field();
                    }
                }
            }
        }
    });
    let resending = resend.pending();
    let on_resend = move |_| {
        if !resending.get_untracked() && send_left.get_untracked() == 0 {
            notice.set(false);
            send_problem.set(None);
            resend.dispatch(());
        }
    };
    // Another address: back to the entry screen, with what was typed.
    let change_address = move |_| ctx.back_to_entry(form.get_value(), false);

    view! {
        <div class="screen" data-testid="screen-form-code">
            <Heading>{tr(Key::CodeHeading)}</Heading>
            <p id="form-code-sent">
                {move || destination.with(|to| i18n::code_sent(lang.get(), to))}
                {move || {
                    let secs = valid_for.get();
                    (secs > 0).then(|| [" ", &i18n::code_valid_for(lang.get(), secs)].concat())
                }}
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
            <form class="stack" on:submit=on_submit>
                <div class="field">
                    <label for="form-code">
                        {move || crate::i18n::code_label(lang.get(), digits.get())}
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
                        aria-invalid=move || problem.get().map(|_| "true")
                        aria-describedby=move || problem.get().map(|_| CODE_ERROR)
                        bind:value=code
                        node_ref=field
                    />
                </div>
                {line(
                    CODE_ERROR,
                    "error",
                    true,
                    Signal::derive(move || {
                        problem.get().map(|p| code_problem_text(lang.get(), p, digits.get()))
                    }),
                )}
                // Not `disabled` while checking: that would drop the signer's focus off the page.
                <button type="submit" class="button" aria-disabled=move || pending.get().then_some("true")>
                    {tr(Key::Confirm)}
                </button>
            </form>
            // Outside the stack: empty, it must not leave a gap.
            <div id="form-code-notice" role="status" class:notice=move || notice.get()>
                {move || notice.get().then(|| text(lang.get(), Key::NewCodeOnItsWay))}
            </div>
            <div class="stack resend">
                {line(
                    RESEND_ERROR,
                    "error",
                    true,
                    Signal::derive(move || {
                        send_problem.get().map(|problem| send_problem_text(lang.get(), problem))
                    }),
                )}
                // Filled in once the code is of no use, so the way on stands out.
                <button
                    type="button"
                    id="form-resend"
                    class:button=needs_new_code
                    disabled=must_wait
                    aria-disabled=move || resending.get().then_some("true")
                    aria-describedby=move || must_wait().then_some(RESEND_WAIT)
                    on:click=on_resend
                    node_ref=resend_button
                >
                    {tr(Key::SendNewCode)}
                </button>
                {line(
                    RESEND_WAIT,
                    "hint countdown",
                    false,
                    Signal::derive(move || {
                        must_wait().then(|| crate::i18n::resend_in(lang.get(), send_left.get()))
                    }),
                )}
                <button type="button" class="link-button" on:click=change_address>
                    {tr(Key::ChangeAddress)}
                </button>
            </div>
        </div>
    }
}

/// The refusals both calls answer alike; `None` for the rest.
fn ended_or_gone<T, P>(code: ErrorCode) -> Option<Outcome<T, P>> {
    match code {
        ErrorCode::EntryEnded => Some(Outcome::Ended),
        ErrorCode::InvalidLink => Some(Outcome::InvalidLink),
        _ => None,
    }
}

/// What the worker's answer to a code means: on to the signing link, or why not.
fn code_outcome(answer: Result<WebFormEntered, Failure>) -> Outcome<String, CodeProblem> {
    let error = match answer {
        Ok(entered) => {
            return match next(entered) {
                Some(Next::GoOn(url)) => Outcome::Done(url),
                _ => Outcome::Stay(CodeProblem::Failed),
            };
        }
        Err(Failure::Refused(error)) => error,
        Err(Failure::Unreachable) => return Outcome::Stay(CodeProblem::Unreachable),
    };
    if let Some(outcome) = ended_or_gone(error.code) {
        return outcome;
    }
    Outcome::Stay(match error.code {
        ErrorCode::WrongCode => CodeProblem::Wrong {
            tries_left: error.tries_left,
        },
        ErrorCode::CodesVoided => CodeProblem::Voided,
        ErrorCode::NoCode => CodeProblem::NoCode,
        ErrorCode::InvalidCode => CodeProblem::NotACode,
        ErrorCode::Throttled => CodeProblem::Throttled {
            retry_after_secs: error.retry_after_secs.filter(|&secs| secs > 0),
        },
        _ => CodeProblem::Failed,
    })
}

/// What the worker's answer to "send a new code" means.
fn send_outcome(answer: Result<CodeSent, Failure>) -> Outcome<CodeSent, SendProblem> {
    let error = match answer {
        Ok(sent) => return Outcome::Done(sent),
        Err(Failure::Refused(error)) => error,
        Err(Failure::Unreachable) => return Outcome::Stay(SendProblem::Unreachable),
    };
    if let Some(outcome) = ended_or_gone(error.code) {
        return outcome;
    }
    let retry_after_secs = error.retry_after_secs.filter(|&secs| secs > 0);
    Outcome::Stay(match error.code {
        ErrorCode::ResendTooSoon => SendProblem::TooSoon { retry_after_secs },
        ErrorCode::Throttled => SendProblem::Throttled { retry_after_secs },
        ErrorCode::DeliveryFailed => SendProblem::DeliveryFailed,
        _ => SendProblem::Failed,
    })
}

fn code_problem_text(lang: Lang, problem: CodeProblem, digits: u8) -> String {
    match problem {
        CodeProblem::Wrong { tries_left } => {
            let left = tries_left.map(|n| crate::i18n::tries_left(lang, n));
            [text(lang, Key::WrongCode), &left.unwrap_or_default()].concat()
        }
        CodeProblem::Voided => text(lang, Key::CodesVoided).to_owned(),
        CodeProblem::NoCode => text(lang, Key::NoValidCode).to_owned(),
        CodeProblem::NotACode => crate::i18n::not_a_code(lang, digits),
        CodeProblem::Throttled { retry_after_secs } => i18n::throttled(lang, retry_after_secs),
        CodeProblem::Unreachable => text(lang, Key::Unreachable).to_owned(),
        CodeProblem::Failed => text(lang, Key::SomethingWentWrong).to_owned(),
    }
}

fn send_problem_text(lang: Lang, problem: SendProblem) -> String {
    match problem {
        SendProblem::TooSoon {
            retry_after_secs: Some(secs),
        } => crate::i18n::resend_in(lang, secs),
        SendProblem::TooSoon {
            retry_after_secs: None,
        } => text(lang, Key::ResendNotYet).to_owned(),
        SendProblem::Throttled { retry_after_secs } => i18n::throttled(lang, retry_after_secs),
        SendProblem::DeliveryFailed => text(lang, Key::SendFailed).to_owned(),
        SendProblem::Unreachable => text(lang, Key::Unreachable).to_owned(),
        SendProblem::Failed => text(lang, Key::SomethingWentWrong).to_owned(),
    }
}

/// The page's monotonic clock in milliseconds, ticking while this screen is shown.
fn ticking_clock() -> RwSignal<f64> {
    let now = RwSignal::new(now_ms());
    if let Ok(ticker) = set_interval_with_handle(move || now.set(now_ms()), TICK) {
        on_cleanup(move || ticker.clear());
    }
    now
}

fn now_ms() -> f64 {
    window()
        .performance()
        .map_or_else(js_sys::Date::now, |clock| clock.now())
}

fn deadline(now_ms: f64, secs: u64) -> f64 {
    now_ms + secs as f64 * 1000.0
}

/// Whole seconds, rounded up: "0 seconds" only once the wait is really over.
fn secs_left(deadline_ms: f64, now_ms: f64) -> u64 {
    ((deadline_ms - now_ms) / 1000.0).ceil().max(0.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;
    use signgate_core::otp::Channel;
    use signgate_core::wire::ApiError;

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
            Outcome::Stay(CodeProblem::Failed)
        );
    }

    #[test]
    fn each_refusal_of_a_code_has_its_place() {
        let refused = |code, tries| code_outcome(Err(refusal(code, tries, None)));
        assert_eq!(
            refused(ErrorCode::WrongCode, Some(2)),
            Outcome::Stay(CodeProblem::Wrong {
                tries_left: Some(2)
            })
        );
        assert_eq!(
            refused(ErrorCode::CodesVoided, None),
            Outcome::Stay(CodeProblem::Voided)
        );
        assert_eq!(
            refused(ErrorCode::NoCode, None),
            Outcome::Stay(CodeProblem::NoCode)
        );
        assert_eq!(
            refused(ErrorCode::InvalidCode, None),
            Outcome::Stay(CodeProblem::NotACode)
        );
        assert_eq!(refused(ErrorCode::EntryEnded, None), Outcome::Ended);
        assert_eq!(refused(ErrorCode::InvalidLink, None), Outcome::InvalidLink);
        assert_eq!(
            code_outcome(Err(Failure::Unreachable)),
            Outcome::Stay(CodeProblem::Unreachable)
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
            Outcome::Stay(SendProblem::TooSoon {
                retry_after_secs: Some(25)
            })
        );
        assert_eq!(
            refused(ErrorCode::DeliveryFailed, None),
            Outcome::Stay(SendProblem::DeliveryFailed)
        );
        assert_eq!(refused(ErrorCode::EntryEnded, None), Outcome::Ended);
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
            "Dieser Code ist nicht richtig. Noch 4 Versuche."
        );
        assert_eq!(
            send_problem_text(
                Lang::En,
                SendProblem::TooSoon {
                    retry_after_secs: Some(25)
                }
            ),
            "You can request a new code in 25 seconds."
        );
        assert!(CodeProblem::Voided.needs_new_code());
        assert!(!CodeProblem::NotACode.clears_field());
        assert_eq!(secs_left(deadline(0.0, 30), 500.0), 30);
    }
}
