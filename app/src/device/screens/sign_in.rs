use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::device::i18n::{Key, tr};
use crate::device::{Ctx, Stage, api, webauthn};

/// A browser that is not one of the recipient's devices: a passkey may verify it, or the signer
/// goes back to verify the way they did before, or recovers with their recovery code.
#[component]
pub fn SignIn(ctx: Ctx) -> impl IntoView {
    let failed = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let use_passkey = move |_| {
        busy.set(true);
        let token = ctx.token.get_value();
        spawn_local(async move {
            match api::sign_in(&token).await {
                Ok(Some(_)) => ctx.to_signing_page(),
                // Cancelled, no passkey here, or none for this link.
                _ => failed.set(true),
            }
            busy.set(false);
        });
    };
    let signing = ["/s#", &ctx.token.get_value()].concat();
    view! {
        <div class="screen" data-testid="screen-device-sign-in">
            <h1>{tr(Key::SignInHeading)}</h1>
            <p>{tr(Key::SignInIntro)}</p>
            {webauthn::available()
                .then(|| {
                    view! {
                        <p>
                            <button class="button" on:click=use_passkey disabled=busy>
                                {tr(Key::UsePasskey)}
                            </button>
                        </p>
                    }
                })}
            <p role="alert">{move || failed.get().then(|| tr(Key::NoPasskey)())}</p>
            <p>
                <a href=signing>{tr(Key::ToSigning)}</a>
            </p>
            <p>
                <button class="link-button" on:click=move |_| ctx.stage.set(Stage::Recover)>
                    {tr(Key::LostDevices)}
                </button>
            </p>
        </div>
    }
}
