use leptos::prelude::*;
use leptos::task::spawn_local;
use signgate_core::wire::{ErrorCode, PairingOffer};

use crate::api::Failure;
use crate::device::i18n::{self, Key, tr};
use crate::device::{Ctx, POLL_EVERY, Stage, api};
use crate::qr;

/// A pairing offered: its link and QR code, then, once another browser claimed it, the code that
/// browser shows, typed here to confirm.
#[component]
pub fn Offer(ctx: Ctx, offer: PairingOffer) -> impl IntoView {
    let lang = crate::i18n::use_lang();
    let claimed_by = RwSignal::new(None);
    let wrong = RwSignal::new(false);
    let code = RwSignal::new(String::new());
    // Who claimed it, asked every few seconds until someone has (or the offer ends).
    let poll = set_interval_with_handle(
        move || {
            if claimed_by.get_untracked().is_some() {
                return;
            }
            let token = ctx.token.get_value();
            spawn_local(async move {
                match api::pairing(&token).await {
                    Ok(status) => claimed_by.set(status.claimed_by),
                    // Ended (its five minutes): the list again.
                    Err(Failure::Refused(e)) if e.code == ErrorCode::Conflict => ctx.load(),
                    Err(_) => {}
                }
            });
        },
        POLL_EVERY,
    )
    .ok();
    on_cleanup(move || {
        if let Some(poll) = poll {
            poll.clear();
        }
    });
    let confirm = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        let token = ctx.token.get_value();
        let typed = code.get_untracked();
        spawn_local(async move {
            match api::confirm(&token, &typed).await {
                Ok(devices) => {
                    ctx.notice.set(Some(Key::Paired));
                    ctx.stage.set(Stage::Devices(devices));
                }
                Err(Failure::Refused(e)) if e.code == ErrorCode::WrongCode => {
                    if e.tries_left == Some(0) {
                        ctx.load();
                    } else {
                        wrong.set(true);
                    }
                }
                Err(failure) => ctx.failed(failure),
            }
        });
    };
    let link = offer.link;
    let (href, shown) = (link.clone(), link.clone());
    view! {
        <div class="screen" data-testid="screen-device-offer">
            <h1>{tr(Key::AnotherDevice)}</h1>
            <p>{tr(Key::OfferIntro)}</p>
            {qr::svg(&link, tr(Key::QrLabel), "pairing-qr")}
            <p class="link-text"><a href=href>{shown}</a></p>
            {move || match claimed_by.get() {
                None => view! { <p role="status">{tr(Key::WaitingForOther)}</p> }.into_any(),
                Some(label) => {
                    view! {
                        <form on:submit=confirm>
                            <p role="status">
                                {move || i18n::label_name(lang.get(), &label)}
                            </p>
                            <label for="pairing-code">{tr(Key::TypeItsCode)}</label>
                            <input
                                id="pairing-code"
                                inputmode="numeric"
                                autocomplete="one-time-code"
                                maxlength="7"
                                aria-invalid=move || wrong.get().to_string()
                                aria-describedby="pairing-error"
                                on:input=move |ev| code.set(event_target_value(&ev))
                            />
                            <p id="pairing-error" role="alert">
                                {move || wrong.get().then(|| tr(Key::WrongCode)())}
                            </p>
                            <button class="button" type="submit">{tr(Key::Confirm)}</button>
                        </form>
                    }
                        .into_any()
                }
            }}
        </div>
    }
}
