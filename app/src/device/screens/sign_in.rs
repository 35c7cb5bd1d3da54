use leptos::prelude::*;
use leptos::task::spawn_local;
use signgate_core::wire::ErrorCode;

use crate::api::Failure;
use crate::device::i18n::{Key, tr};
use crate::device::{Ctx, Stage, api, webauthn};

/// A browser that is not one of the recipient's devices: a passkey may verify it, or the signer
/// goes back to verify the way they did before, or recovers with their recovery code. Where a
/// passkey is the signer's method (`by_method`), it is the only way: a passkey they made on an
/// earlier signing for the same account, and an answer that does not hold uses a try.
#[component]
pub fn SignIn(ctx: Ctx, by_method: bool) -> impl IntoView {
    let lang = crate::i18n::use_lang();
    let (heading, intro, no_luck) = if by_method {
        (Key::MethodHeading, Key::MethodIntro, Key::MethodFailed)
    } else {
        (Key::SignInHeading, Key::SignInIntro, Key::NoPasskey)
    };
    // Why it did not work, and the tries left where the answer used one.
    let failed = RwSignal::new(None::<(Key, Option<u32>)>);
    let busy = RwSignal::new(false);
    let use_passkey = move |_| {
        busy.set(true);
        let token = ctx.token.get_value();
        spawn_local(async move {
            if ctx.preview.get_untracked() {
                // No authenticator is asked: the sender's browser holds none of the signer's.
                match api::preview_sign_in(&token).await {
                    Ok(_) => {
                        ctx.notice.set(Some(Key::PreviewSignedIn));
                        ctx.load();
                    }
                    Err(failure) => ctx.failed(failure),
                }
                busy.set(false);
                return;
            }
            match api::sign_in(&token).await {
                Ok(Some(_)) => ctx.to_signing_page(),
                // The signing page says why (cancelled, say) and what to do.
                Err(Failure::Refused(e)) if e.code == ErrorCode::Cancelled => ctx.to_signing_page(),
                // Every passkey the signer had with the sender was revoked.
                Err(Failure::Refused(e)) if by_method && e.code == ErrorCode::Conflict => {
                    failed.set(Some((Key::NoPasskeyLeft, None)))
                }
                Err(Failure::Refused(e)) => failed.set(Some((no_luck, e.tries_left))),
                // Cancelled in the browser's dialog, no passkey there, or no answer.
                _ => failed.set(Some((no_luck, None))),
            }
            busy.set(false);
        });
    };
    let signing = ["/s#", &ctx.token.get_value()].concat();
    let usable = webauthn::available() || ctx.preview.get_untracked();
    let problem = move || {
        failed.get().map(|(why, tries)| {
            let tries = tries.map(|n| crate::i18n::tries_left(lang.get(), n));
            view! { {tr(why)} " " {tries} }
        })
    };
    view! {
        <div class="screen" data-testid="screen-device-sign-in">
            <h1>{tr(heading)}</h1>
            <p>{tr(intro)}</p>
            {usable
                .then(|| {
                    view! {
                        <p>
                            <button class="button" on:click=use_passkey disabled=busy>
                                {tr(Key::UsePasskey)}
                            </button>
                        </p>
                    }
                })}
            {(by_method && !usable).then(|| view! { <p role="alert">{tr(Key::NoPasskeySupport)}</p> })}
            <p role="alert">{problem}</p>
            {(!by_method)
                .then(|| {
                    view! {
                        <p>
                            <a href=signing>{tr(Key::ToSigning)}</a>
                        </p>
                        <p>
                            <button
                                class="link-button"
                                on:click=move |_| ctx.stage.set(Stage::Recover)
                            >
                                {tr(Key::LostDevices)}
                            </button>
                        </p>
                    }
                })}
        </div>
    }
}
