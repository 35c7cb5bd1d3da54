use leptos::prelude::*;
use leptos::task::spawn_local;
use signgate_core::wire::{DeviceView, Devices};

use crate::device::i18n::{self, Key, tr};
use crate::device::{Ctx, Stage, api, webauthn};

/// The recipient's devices, from one of them: remove any, add a passkey for this one, or go on
/// on another device.
#[component]
pub fn DeviceList(ctx: Ctx, devices: Devices) -> impl IntoView {
    let busy = RwSignal::new(false);
    let can_add = webauthn::available() && devices.devices.iter().any(|d| d.current && !d.passkey);
    let add_passkey = move |_| {
        busy.set(true);
        let token = ctx.token.get_value();
        spawn_local(async move {
            match api::register_passkey(&token).await {
                Ok(Some(_)) => {
                    ctx.notice.set(Some(Key::PasskeyAdded));
                    ctx.load();
                }
                Ok(None) => ctx.notice.set(Some(Key::NothingMade)),
                Err(failure) => ctx.failed(failure),
            }
            busy.set(false);
        });
    };
    let pair = move |_| {
        busy.set(true);
        ctx.notice.set(None);
        let token = ctx.token.get_value();
        spawn_local(async move {
            match api::offer(&token).await {
                Ok(offer) => ctx.stage.set(Stage::Offer(offer)),
                Err(failure) => ctx.failed(failure),
            }
        });
    };
    let rows = devices
        .devices
        .into_iter()
        .map(|device| view! { <Row ctx device /> })
        .collect_view();
    view! {
        <div class="screen" data-testid="screen-device-list">
            <h1>{tr(Key::Heading)}</h1>
            {move || ctx.notice.get().map(|key| view! { <p role="status" class="banner">{tr(key)}</p> })}
            <p>{tr(Key::Intro)}</p>
            <ul class="devices">{rows}</ul>
            {can_add
                .then(|| {
                    view! {
                        <p>
                            <button class="button" on:click=add_passkey disabled=busy>
                                {tr(Key::AddPasskey)}
                            </button>
                        </p>
                    }
                })}
            <p>
                <button class="link-button" on:click=pair disabled=busy>
                    {tr(Key::AnotherDevice)}
                </button>
            </p>
        </div>
    }
}

#[component]
fn Row(ctx: Ctx, device: DeviceView) -> impl IntoView {
    let lang = crate::i18n::use_lang();
    let DeviceView {
        id,
        browser,
        platform,
        place,
        last_used,
        passkey,
        current,
        ..
    } = device;
    let name = move || {
        let lang = lang.get();
        let mut name = i18n::device_name(lang, &browser, &platform, place.as_deref());
        for (shown, key) in [(current, Key::ThisDevice), (passkey, Key::WithPasskey)] {
            if shown {
                name = [&name, ", ", i18n::text(lang, key)].concat();
            }
        }
        name
    };
    let when = move || {
        let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(last_used as f64));
        let shown: String = date
            .to_locale_string(lang.get().code(), &wasm_bindgen::JsValue::UNDEFINED)
            .into();
        [i18n::text(lang.get(), Key::LastUsed), ": ", &shown].concat()
    };
    let remove = move |_| {
        let token = ctx.token.get_value();
        let id = id.clone();
        spawn_local(async move {
            match api::revoke(&token, &id).await {
                // This very device too: the page then offers to verify it again.
                Ok(_) => ctx.load(),
                Err(failure) => ctx.failed(failure),
            }
        });
    };
    let label = name.clone();
    view! {
        <li>
            <span>{name}</span>
            <br />
            <small>{when}</small>
            <button class="link-button" on:click=remove aria-label=move || [i18n::text(lang.get(), Key::Remove), ": ", &label()].concat()>
                {tr(Key::Remove)}
            </button>
        </li>
    }
}
