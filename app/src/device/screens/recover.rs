use leptos::prelude::*;
use leptos::task::spawn_local;
use signgate_core::wire::ErrorCode;

use crate::api::Failure;
use crate::device::i18n::{Key, tr};
use crate::device::{Ctx, api};

/// Where a recovery stands on this screen.
#[derive(Clone, Debug, PartialEq)]
enum Step {
    /// The recovery code is asked for.
    RecoveryCode,
    /// It was right: the code sent to `destination` (the e-mail address, masked) is asked for.
    EmailCode { destination: String },
    /// Recovered: this browser is a device; the new recovery code, shown this once.
    Recovered { recovery_code: String },
}

/// A signer who lost their devices: the recovery code they kept, then a code sent to their e-mail,
/// both here; then the new recovery code, and on to the document.
#[component]
pub fn Recover(ctx: Ctx) -> impl IntoView {
    let lang = crate::i18n::use_lang();
    let step = RwSignal::new(Step::RecoveryCode);
    let typed = RwSignal::new(String::new());
    // Why the last entry was refused.
    let problem = RwSignal::new(None::<Key>);
    let busy = RwSignal::new(false);
    let submit = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        busy.set(true);
        let token = ctx.token.get_value();
        let entry = typed.get_untracked();
        let current = step.get_untracked();
        spawn_local(async move {
            let next = match current {
                Step::RecoveryCode => api::start_recovery(&token, &entry, lang.get_untracked())
                    .await
                    .map(|sent| Step::EmailCode {
                        destination: sent.destination,
                    }),
                _ => api::finish_recovery(&token, &entry)
                    .await
                    .map(|done| Step::Recovered {
                        recovery_code: done.recovery_code,
                    }),
            };
            match next {
                Ok(next) => {
                    typed.set(String::new());
                    problem.set(None);
                    step.set(next);
                }
                Err(Failure::Refused(e)) if e.code != ErrorCode::InvalidLink => {
                    problem.set(Some(match e.code {
                        ErrorCode::WrongCode => Key::RecoveryWrong,
                        ErrorCode::InvalidCode => Key::RecoveryMalformed,
                        ErrorCode::NotAllowed => Key::RecoveryClosed,
                        // Not proven here (any more), no e-mail code live: from the start.
                        _ => {
                            step.set(Step::RecoveryCode);
                            Key::RecoveryAgain
                        }
                    }));
                }
                Err(failure) => ctx.failed(failure),
            }
            busy.set(false);
        });
    };
    let form = move |label: Key, autocomplete: &'static str| {
        view! {
            <form on:submit=submit>
                <label for="recovery-entry">{tr(label)}</label>
                <input
                    id="recovery-entry"
                    autocomplete=autocomplete
                    autocapitalize="characters"
                    spellcheck="false"
                    prop:value=move || typed.get()
                    aria-invalid=move || problem.get().is_some().to_string()
                    aria-describedby="recovery-problem"
                    on:input=move |ev| typed.set(event_target_value(&ev))
                />
                <p id="recovery-problem" role="alert">{move || problem.get().map(|key| tr(key)())}</p>
                <button class="button" type="submit" disabled=busy>{tr(Key::Confirm)}</button>
            </form>
        }
    };
    let signing = ["/s#", &ctx.token.get_value()].concat();
    view! {
        <div class="screen" data-testid="screen-device-recover">
            <h1>{tr(Key::RecoverHeading)}</h1>
            {move || match step.get() {
                Step::RecoveryCode => {
                    view! {
                        <p>{tr(Key::RecoverIntro)}</p>
                        {form(Key::RecoveryCodeLabel, "off")}
                    }
                        .into_any()
                }
                Step::EmailCode { destination } => {
                    view! {
                        <p role="status">{tr(Key::EmailCodeSent)} " " <strong>{destination}</strong></p>
                        {form(Key::EmailCodeLabel, "one-time-code")}
                    }
                        .into_any()
                }
                Step::Recovered { recovery_code } => {
                    let signing = signing.clone();
                    view! {
                        <p role="status">{tr(Key::Recovered)}</p>
                        <p class="notice" data-testid="recovery-code">
                            {tr(Key::NewRecoveryCode)} <br /> <strong class="pairing-code">{recovery_code}</strong>
                        </p>
                        <p><a class="button" href=signing>{tr(Key::ToDocument)}</a></p>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}
