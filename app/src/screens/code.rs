use leptos::{ev::SubmitEvent, html, prelude::*, task::spawn_local};
use signgate_core::otp::Channel;
use signgate_core::wire::{CodeSent, RecipientView, VerifiedResponse};
use wasm_bindgen::JsValue;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, CredentialRequestOptions};

use super::send::{SendOutcome, send_outcome, send_problem_text};
use super::{ContactLink, Elsewhere, Heading, Screen, elsewhere, line};
use crate::api::{self, Failure};
use crate::codes::{self, CodeProblem, Countdowns, Problem, SendProblem};
use crate::contact::HelpContact;
use crate::i18n::shared::{self, Key as SharedKey};
use crate::i18n::{self, Key, Lang, text, tr};

const ERROR_ID: &str = "code-error";
const HINT_ID: &str = "code-hint";
const RESEND_WAIT_ID: &str = "resend-wait";
const RESEND_ERROR_ID: &str = "resend-error";

#[derive(Debug, PartialEq)]
enum Outcome {
    /// Boxed: a screen is large, and most answers keep the signer where they are.
    Next(Box<Screen>),
    /// The sender changed the method since the page loaded: load the link again.
    Reload,
    Stay(CodeProblem),
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
    let countdowns = Countdowns::new(&sent);
    let send_left = countdowns.send_left;
    let must_wait = move || countdowns.must_wait();
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
                            CodeProblem::Wrong {
                                tries_left: Some(n),
                            } => tries_left.set(Some(n)),
                            // The count starts again for new codes; the worker has not said how.
                            CodeProblem::Voided => tries_left.set(None),
                            _ => {}
                        }
                        if error.clears_field() {
                            code.set(String::new());
                        }
                        if error.needs_new_code() {
                            countdowns.void();
                        }
                        set_notice.set(false);
                        set_problem.set(Some(Problem::Code(error)));
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
                        countdowns.restart(&sent);
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
                            countdowns.send_in(secs);
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

    let entry_error = move || Problem::code(problem.get());
    let send_error = move || Problem::send(problem.get());
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
    let email_delay = (channel == Channel::Email)
        .then(|| view! { " " {shared::tr(SharedKey::EmailMayTakeAWhile)} });

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
            {codes::expiry(countdowns)}
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
                {move || {
                    notice.get().then(|| shared::text(lang.get(), SharedKey::NewCodeOnItsWay))
                }}
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
                    class:button=move || countdowns.needs_new_code()
                    disabled=must_wait
                    aria-disabled=move || resending.get().then_some("true")
                    aria-describedby=move || must_wait().then_some(RESEND_WAIT_ID)
                    on:click=on_resend
                    node_ref=resend_button
                >
                    {shared::tr(SharedKey::SendNewCode)}
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
        Err(Failure::Unreachable) => return Outcome::Stay(CodeProblem::Failed),
    };
    match elsewhere(error.code, contact) {
        Some(Elsewhere::Screen(screen)) => Outcome::Next(screen),
        Some(Elsewhere::Reload) => Outcome::Reload,
        None => Outcome::Stay(CodeProblem::of(&error)),
    }
}

fn entry_error_text(lang: Lang, error: CodeProblem, digits: u8) -> String {
    error
        .text(lang, digits)
        .unwrap_or_else(|| text(lang, Key::SomethingWentWrong).to_owned())
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
    use signgate_core::wire::ErrorCode;

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
            refused(ErrorCode::InvalidCode, Some(3)),
            Outcome::Stay(CodeProblem::NotACode)
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
            Outcome::Stay(CodeProblem::Failed)
        );
        assert_eq!(
            outcome(Err(Failure::Unreachable), &contact()),
            Outcome::Stay(CodeProblem::Failed)
        );
    }
}
