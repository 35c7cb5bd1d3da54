use std::time::Duration;

use leptos::{ev::SubmitEvent, html, prelude::*, task::spawn_local};
use signgate_core::otp::Channel;
use signgate_core::wire::{CodeSent, ErrorCode, RecipientView, VerifiedResponse};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, CredentialRequestOptions};

use super::send::{SendOutcome, SendProblem, send_outcome, send_problem_text};
use super::{ContactLink, Elsewhere, Heading, Screen, elsewhere, line};
use crate::api::{self, Failure};
use crate::contact::HelpContact;
use crate::i18n::{self, Key, Lang, text, tr};

const ERROR_ID: &str = "code-error";
const HINT_ID: &str = "code-hint";
const RESEND_WAIT_ID: &str = "resend-wait";
const RESEND_ERROR_ID: &str = "resend-error";
/// From here on the signer is warned: a minute is about what it takes to switch apps and type.
pub(super) const WARN_BEFORE_SECS: u64 = 60;
/// Well under a second, so the shown second never lags the clock by a whole one.
const TICK: Duration = Duration::from_millis(250);

/// Why the signer is still on this screen after pressing Verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum EntryError {
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
    Failed,
}

impl EntryError {
    /// The code the signer holds is of no use any more: only a new one helps.
    fn needs_new_code(self) -> bool {
        matches!(self, EntryError::Voided | EntryError::NoCode)
    }

    /// The field held a code that did not work: clear it for the next.
    fn clears_field(self) -> bool {
        matches!(
            self,
            EntryError::Wrong { .. } | EntryError::Voided | EntryError::NoCode
        )
    }
}

/// One error at a time, shown where it happened: under the field or by the resend button.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Problem {
    Entry(EntryError),
    Send(SendProblem),
}

#[derive(Debug, PartialEq)]
enum Outcome {
    /// Boxed: a screen is large, and most answers keep the signer where they are.
    Next(Box<Screen>),
    /// The sender changed the method since the page loaded: load the link again.
    Reload,
    Stay(EntryError),
}

/// One screen for codes by text message, call and e-mail.
#[component]
pub fn Code(
    recipient: RecipientView,
    sent: CodeSent,
    token: String,
    set_screen: WriteSignal<Screen>,
    reload: Callback<()>,
) -> impl IntoView {
    let lang = i18n::use_lang();
    let contact = HelpContact::of(&recipient);
    let channel = sent.channel;
    let code = RwSignal::new(String::new());
    let (problem, set_problem) = signal(None::<Problem>);
    let tries_left = RwSignal::new(recipient.tries_left);
    let (notice, set_notice) = signal(false);
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

    // Deadlines on the page's own monotonic clock: the worker counts in seconds from its answer
    // because the phone's wall clock may be wrong, and a throttled background tab catches up on
    // its next tick instead of counting ticks.
    let now = ticking_clock();
    let expires_at = RwSignal::new(Some(deadline(now.get_untracked(), sent.expires_in_secs)));
    let send_at = RwSignal::new(deadline(now.get_untracked(), sent.next_send_in_secs));
    // Memos: the page changes once a second, not on every tick.
    let expiry_left = Memo::new(move |_| expires_at.get().map(|at| secs_left(at, now.get())));
    let send_left = Memo::new(move |_| secs_left(send_at.get(), now.get()));
    // Changes only when the code enters its last minute and when it expires, so the status
    // region is announced twice at most, not every second.
    let warning = Memo::new(move |_| expiry_warning(expiry_left.get()));
    let needs_new_code = move || matches!(expiry_left.get(), None | Some(0));
    let must_wait = move || send_left.get() > 0;

    let otp = StoredValue::new_local(None::<AbortController>);
    on_cleanup(move || stop_listening(otp));

    let verify = Action::new_local({
        let (token, contact) = (token.clone(), contact.clone());
        move |typed: &String| {
            let (token, typed, contact) = (token.clone(), typed.clone(), contact.clone());
            async move {
                match outcome(api::submit_code(&token, &typed).await, &contact) {
                    Outcome::Next(screen) => set_screen.set(*screen),
                    Outcome::Reload => reload.run(()),
                    Outcome::Stay(error) => {
                        match error {
                            EntryError::Wrong {
                                tries_left: Some(n),
                            } => tries_left.set(Some(n)),
                            // The count starts again for new codes; the worker has not said how.
                            EntryError::Voided => tries_left.set(None),
                            _ => {}
                        }
                        if error.clears_field() {
                            code.set(String::new());
                        }
                        if error.needs_new_code() {
                            expires_at.set(None);
                        }
                        set_notice.set(false);
                        set_problem.set(Some(Problem::Entry(error)));
                        // Pressing Verify disabled the button under the signer's focus: give it
                        // to what they need next.
                        let resend_ready = send_left.get_untracked() == 0;
                        match resend_button.get_untracked() {
                            Some(button) if error.needs_new_code() && resend_ready => {
                                let _ = button.focus();
                            }
                            _ => focus_field(),
                        }
                    }
                }
            }
        }
    });
    let pending = verify.pending();
    let submit = move || {
        if !pending.get_untracked() {
            // Taken out and put back, so the same error twice is announced twice.
            set_problem.set(None);
            verify.dispatch(code.get_untracked());
        }
    };
    let on_submit = move |event: SubmitEvent| {
        // The worker checks the code; the page itself must not be submitted.
        event.prevent_default();
        // Typed by hand: a text message arriving now must not replace it.
        stop_listening(otp);
        submit();
    };
    let listen = move || {
        if channel == Channel::Sms {
            listen_for_sms(otp, move |received| {
                if code.try_set(received).is_none() {
                    submit();
                }
            });
        }
    };
    listen();

    let resend = Action::new_local({
        let contact = contact.clone();
        move |_: &()| {
            let (token, contact) = (token.clone(), contact.clone());
            async move {
                let answer = api::send_code(&token, channel, lang.get_untracked()).await;
                match send_outcome(answer, &contact) {
                    SendOutcome::Sent(sent) => {
                        let at = now_ms();
                        now.set(at);
                        expires_at.set(Some(deadline(at, sent.expires_in_secs)));
                        send_at.set(deadline(at, sent.next_send_in_secs));
                        destination.set(sent.destination);
                        preview_code.set(sent.preview_code);
                        digits.set(sent.digits);
                        set_problem.set(None);
                        set_notice.set(true);
                        focus_field();
                        listen();
                    }
                    SendOutcome::Next(screen) => set_screen.set(*screen),
                    SendOutcome::Reload => reload.run(()),
                    SendOutcome::Stay(problem) => {
                        if let SendProblem::TooSoon {
                            retry_after_secs: Some(secs),
                        } = problem
                        {
                            send_at.set(deadline(now_ms(), secs));
                        }
                        set_problem.set(Some(Problem::Send(problem)));
                        // A running countdown disables the button under the signer's focus.
                        if send_left.get_untracked() > 0 {
                            focus_field();
                        }
                    }
                }
            }
        }
    });
    let resending = resend.pending();
    let on_resend = move |_| {
        if !resending.get_untracked() && send_left.get_untracked() == 0 {
            set_notice.set(false);
            set_problem.set(None);
            resend.dispatch(());
        }
    };

    let entry_error = move || match problem.get() {
        Some(Problem::Entry(error)) => Some(error),
        _ => None,
    };
    let send_error = move || match problem.get() {
        Some(Problem::Send(problem)) => Some(problem),
        _ => None,
    };
    // Shown until the first answer, which says it again: a signer who comes back after wrong
    // tries sees what is left before typing.
    let described_by = move || match (entry_error(), tries_left.get()) {
        (Some(_), _) => Some(ERROR_ID),
        (None, Some(_)) => Some(HINT_ID),
        (None, None) => None,
    };
    let other_channel = (channel != Channel::Email).then(|| {
        view! {
            <button
                type="button"
                id="other-channel"
                class="link-button"
                on:click=move |_| set_screen.set(Screen::Phone(recipient.clone()))
            >
                {tr(Key::OtherChannel)}
            </button>
        }
    });
    let email_delay =
        (channel == Channel::Email).then(|| view! { " " {tr(Key::EmailMayTakeAWhile)} });

    view! {
        <div class="screen" data-testid="screen-code">
            <Heading key=Key::CodeHeading />
            <p id="code-sent">
                {move || destination.with(|to| i18n::code_sent(lang.get(), channel, to))}
                {email_delay}
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
            {line(
                "code-expiry",
                "countdown",
                false,
                Signal::derive(move || {
                    expiry_left
                        .get()
                        .filter(|&secs| secs > 0)
                        .map(|secs| i18n::code_expires_in(lang.get(), secs))
                }),
            )}
            // Always in the page, so screen readers are listening before the text arrives.
            <div id="code-expiry-warning" role="status" class:notice=move || warning.get().is_some()>
                {move || warning.get().map(|key| text(lang.get(), key))}
            </div>
            <form class="stack" on:submit=on_submit>
                <div class="field">
                    <label for="code">{move || i18n::code_label(lang.get(), digits.get())}</label>
                    // No `pattern` and room for "123 456" or "123-456": pasted codes keep their
                    // spaces and dashes, and the worker takes them out.
                    <input
                        id="code"
                        name="code"
                        type="text"
                        class="code-input"
                        inputmode="numeric"
                        autocomplete="one-time-code"
                        maxlength="20"
                        required
                        autocapitalize="off"
                        spellcheck="false"
                        aria-invalid=move || entry_error().map(|_| "true")
                        aria-describedby=described_by
                        bind:value=code
                        node_ref=field
                    />
                    {line(
                        HINT_ID,
                        "hint",
                        false,
                        Signal::derive(move || {
                            let n = tries_left.get().filter(|_| entry_error().is_none())?;
                            Some(i18n::tries_left(lang.get(), n).trim().to_owned())
                        }),
                    )}
                </div>
                {line(
                    ERROR_ID,
                    "error",
                    true,
                    Signal::derive(move || {
                        entry_error().map(|error| entry_error_text(lang.get(), error, digits.get()))
                    }),
                )}
                <button type="submit" class="button" disabled=move || pending.get()>
                    {tr(Key::Verify)}
                </button>
            </form>
            // Outside the stack: empty, it must not leave a gap.
            <div id="code-notice" role="status" class:notice=move || notice.get()>
                {move || notice.get().then(|| text(lang.get(), Key::NewCodeOnItsWay))}
            </div>
            <div class="stack resend">
                {line(
                    RESEND_ERROR_ID,
                    "error",
                    true,
                    Signal::derive(move || {
                        send_error().map(|problem| send_problem_text(lang.get(), problem))
                    }),
                )}
                // Filled in once the code is of no use, so the way on stands out.
                <button
                    type="button"
                    id="resend"
                    class:button=needs_new_code
                    disabled=must_wait
                    aria-disabled=move || resending.get().then_some("true")
                    aria-describedby=move || must_wait().then_some(RESEND_WAIT_ID)
                    on:click=on_resend
                    node_ref=resend_button
                >
                    {tr(Key::SendNewCode)}
                </button>
                {line(
                    RESEND_WAIT_ID,
                    "hint countdown",
                    false,
                    Signal::derive(move || {
                        must_wait().then(|| i18n::resend_in(lang.get(), send_left.get()))
                    }),
                )}
                {other_channel}
            </div>
            <p>{tr(Key::NoCodeReceived)} " " <ContactLink contact /></p>
        </div>
    }
}

/// What the worker's answer to a code means for the signer.
fn outcome(answer: Result<VerifiedResponse, Failure>, contact: &HelpContact) -> Outcome {
    let error = match answer {
        Ok(verified) => return Outcome::Next(Box::new(Screen::verified(&verified))),
        Err(Failure::Refused(error)) => error,
        Err(Failure::Unreachable) => return Outcome::Stay(EntryError::Failed),
    };
    match elsewhere(error.code, contact) {
        Some(Elsewhere::Screen(screen)) => return Outcome::Next(screen),
        Some(Elsewhere::Reload) => return Outcome::Reload,
        None => {}
    }
    match error.code {
        ErrorCode::WrongCode => Outcome::Stay(EntryError::Wrong {
            tries_left: error.tries_left,
        }),
        ErrorCode::CodesVoided => Outcome::Stay(EntryError::Voided),
        ErrorCode::NoCode => Outcome::Stay(EntryError::NoCode),
        ErrorCode::InvalidCode => Outcome::Stay(EntryError::NotACode),
        ErrorCode::Throttled => Outcome::Stay(EntryError::Throttled {
            retry_after_secs: error.retry_after_secs.filter(|&secs| secs > 0),
        }),
        _ => Outcome::Stay(EntryError::Failed),
    }
}

fn entry_error_text(lang: Lang, error: EntryError, digits: u8) -> String {
    match error {
        EntryError::Wrong { tries_left } => {
            let remaining = tries_left.map(|n| i18n::tries_left(lang, n));
            format!(
                "{}{}",
                text(lang, Key::WrongCode),
                remaining.unwrap_or_default()
            )
        }
        EntryError::Voided => text(lang, Key::CodesVoided).to_owned(),
        EntryError::NoCode => text(lang, Key::NoValidCode).to_owned(),
        EntryError::NotACode => i18n::not_a_code(lang, digits),
        EntryError::Throttled { retry_after_secs } => i18n::throttled(lang, retry_after_secs),
        EntryError::Failed => text(lang, Key::SomethingWentWrong).to_owned(),
    }
}

/// What the status region under the countdown says, by the seconds the code has left.
fn expiry_warning(left: Option<u64>) -> Option<Key> {
    match left? {
        0 => Some(Key::CodeExpired),
        secs if secs <= WARN_BEFORE_SECS => Some(Key::CodeExpiresSoon),
        _ => None,
    }
}

/// The page's monotonic clock in milliseconds, ticking while the calling screen is shown (the code
/// screen's countdowns, the knowledge questions' time).
pub(super) fn ticking_clock() -> RwSignal<f64> {
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

pub(super) fn deadline(now_ms: f64, secs: u64) -> f64 {
    now_ms + secs as f64 * 1000.0
}

/// Whole seconds, rounded up: "0:00" only once the time is really up.
pub(super) fn secs_left(deadline_ms: f64, now_ms: f64) -> u64 {
    ((deadline_ms - now_ms) / 1000.0).ceil().max(0.0) as u64
}

/// WebOTP: where the browser offers it (Chrome on Android), the code from the text message is
/// handed to the page with the signer's consent, so nobody has to copy it. Everywhere else this
/// does nothing: the signer types the code as usual.
fn listen_for_sms(
    slot: StoredValue<Option<AbortController>, LocalStorage>,
    on_code: impl FnOnce(String) + 'static,
) {
    stop_listening(slot);
    let window = window();
    let key = |name: &str| JsValue::from_str(name);
    if !js_sys::Reflect::has(&window, &key("OTPCredential")).unwrap_or(false) {
        return;
    }
    let Ok(controller) = AbortController::new() else {
        return;
    };
    // web-sys has no `otp` member: set `{otp: {transport: ["sms"]}}` by hand.
    let otp = js_sys::Object::new();
    let options = CredentialRequestOptions::new();
    let transport = js_sys::Array::of1(&key("sms"));
    if js_sys::Reflect::set(&otp, &key("transport"), &transport).is_err()
        || js_sys::Reflect::set(&options, &key("otp"), &otp).is_err()
    {
        return;
    }
    options.set_signal(&controller.signal());
    let Ok(promise) = window.navigator().credentials().get_with_options(&options) else {
        return;
    };
    slot.set_value(Some(controller));
    spawn_local(async move {
        // Aborted, declined or unsupported: all end here, without a word to the console.
        let Ok(credential) = JsFuture::from(promise).await else {
            return;
        };
        let code = js_sys::Reflect::get(&credential, &key("code"))
            .ok()
            .and_then(|code| code.as_string())
            .filter(|code| !code.is_empty());
        if let Some(code) = code {
            on_code(code);
        }
    });
}

fn stop_listening(slot: StoredValue<Option<AbortController>, LocalStorage>) {
    slot.try_update_value(|controller| {
        if let Some(controller) = controller.take() {
            controller.abort();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screens::test_support::{contact, refusal, verified};

    fn refused(code: ErrorCode, tries_left: Option<u32>) -> Outcome {
        outcome(Err(refusal(code, tries_left, None)), &contact())
    }

    #[test]
    fn a_right_code_goes_on_with_the_grant() {
        assert_eq!(
            outcome(Ok(verified(Some("https://sign.example/d/1"))), &contact()),
            Outcome::Next(Box::new(Screen::Verified {
                continue_href: Some("https://sign.example/d/1#grant=g.r.a.n.t".into()),
                signature_name: None,
                recovery_code: None,
            }))
        );
    }

    #[test]
    fn each_refusal_has_its_place() {
        assert_eq!(
            refused(ErrorCode::WrongCode, Some(2)),
            Outcome::Stay(EntryError::Wrong {
                tries_left: Some(2)
            })
        );
        assert_eq!(
            refused(ErrorCode::CodesVoided, None),
            Outcome::Stay(EntryError::Voided)
        );
        assert_eq!(
            refused(ErrorCode::NoCode, None),
            Outcome::Stay(EntryError::NoCode)
        );
        assert_eq!(
            refused(ErrorCode::InvalidCode, Some(3)),
            Outcome::Stay(EntryError::NotACode)
        );
        assert_eq!(
            refused(ErrorCode::Cancelled, Some(0)),
            Outcome::Next(Box::new(Screen::Cancelled(contact())))
        );
        assert_eq!(
            refused(ErrorCode::AlreadyVerified, None),
            Outcome::Next(Box::new(Screen::already_verified()))
        );
        assert_eq!(
            refused(ErrorCode::InvalidLink, None),
            Outcome::Next(Box::new(Screen::InvalidLink))
        );
        assert_eq!(refused(ErrorCode::WrongMethod, None), Outcome::Reload);
        assert_eq!(
            refused(ErrorCode::Internal, None),
            Outcome::Stay(EntryError::Failed)
        );
        assert_eq!(
            outcome(Err(Failure::Unreachable), &contact()),
            Outcome::Stay(EntryError::Failed)
        );
    }

    #[test]
    fn only_codes_of_no_further_use_ask_for_a_new_one() {
        assert!(EntryError::Voided.needs_new_code());
        assert!(EntryError::NoCode.needs_new_code());
        assert!(!EntryError::Wrong { tries_left: None }.needs_new_code());
        assert!(!EntryError::NotACode.needs_new_code());
        // A typo that was not counted stays, to be fixed rather than typed again.
        assert!(!EntryError::NotACode.clears_field());
        assert!(EntryError::Wrong { tries_left: None }.clears_field());
    }

    #[test]
    fn error_texts_are_the_ones_the_end_to_end_tests_expect() {
        let wrong = |n| EntryError::Wrong { tries_left: n };
        assert_eq!(
            entry_error_text(Lang::En, wrong(Some(2)), 6),
            "That code is not right. 2 tries left."
        );
        assert_eq!(
            entry_error_text(Lang::En, wrong(Some(1)), 6),
            "That code is not right. 1 try left."
        );
        assert_eq!(
            entry_error_text(Lang::Ru, wrong(Some(3)), 6),
            "Код неверный. Осталось 3 попытки."
        );
        assert_eq!(
            entry_error_text(Lang::En, EntryError::NotACode, 6),
            "A code has 6 digits. Please check what you typed. This did not count as a try."
        );
        assert_eq!(
            entry_error_text(Lang::En, EntryError::NoCode, 6),
            "No code is valid at the moment: it may have expired. Please request a new code."
        );
        assert_eq!(
            entry_error_text(Lang::En, EntryError::Voided, 6),
            "That code is not right. After too many wrong entries, the codes sent so far no longer work. Please request a new code."
        );
    }

    #[test]
    fn the_warning_comes_in_the_last_minute_and_at_expiry() {
        assert_eq!(expiry_warning(Some(61)), None);
        assert_eq!(expiry_warning(Some(60)), Some(Key::CodeExpiresSoon));
        assert_eq!(expiry_warning(Some(1)), Some(Key::CodeExpiresSoon));
        assert_eq!(expiry_warning(Some(0)), Some(Key::CodeExpired));
        // Voided codes are explained by the error instead.
        assert_eq!(expiry_warning(None), None);
        assert_eq!(
            text(Lang::En, Key::CodeExpiresSoon),
            "Your code expires soon. Enter it now or request a new one."
        );
        assert_eq!(
            text(Lang::En, Key::CodeExpired),
            "Your code has expired. Please request a new one with “Send a new code”."
        );
    }

    #[test]
    fn countdowns_round_up_to_the_second() {
        let start = 1_000.0;
        let at = deadline(start, 581);
        assert_eq!(secs_left(at, start), 581);
        assert_eq!(secs_left(at, start + 0.5), 581);
        assert_eq!(secs_left(at, start + 1_000.0), 580);
        assert_eq!(secs_left(at, at - 1.0), 1);
        assert_eq!(secs_left(at, at), 0);
        assert_eq!(secs_left(at, at + 5_000.0), 0);
        assert_eq!(
            i18n::code_expires_in(Lang::En, secs_left(at, start)),
            "The code expires in 9:41."
        );
    }
}
