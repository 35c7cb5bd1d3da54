use leptos::prelude::*;
use leptos::task::spawn_local;
use signgate_core::policy::PasskeyUse;
use signgate_core::wire::{DeviceView, Devices};

use crate::device::i18n::{self, Key, tr};
use crate::device::{Ctx, Stage, api, webauthn};

/// How often an open list asks whether a device was added elsewhere, to announce it live.
const LIVE_EVERY: std::time::Duration = std::time::Duration::from_secs(10);

/// The recipient's devices, from one of them: remove any, add a passkey for this one, or go on
/// on another device. A device added elsewhere since this one last looked is announced: the
/// signer says it was theirs, or that it was not (it is removed, and the sender told).
#[component]
pub fn DeviceList(ctx: Ctx, devices: Devices) -> impl IntoView {
    let busy = RwSignal::new(false);
    // What the list shows that another device can change: which devices, which new, which with
    // a passkey (not their times, which the asking itself moves). Only a change re-draws it, so
    // focus and a screen reader's place stay put.
    let gist = |devices: &Devices| -> Vec<(String, bool, bool)> {
        (devices.devices.iter())
            .map(|d| (d.id.clone(), d.new, d.passkey))
            .collect()
    };
    let shown = StoredValue::new(gist(&devices));
    // Nothing joins a preview: its list is not watched.
    let live = (!ctx.preview.get_untracked())
        .then(|| {
            set_interval_with_handle(
                move || {
                    let token = ctx.token.get_value();
                    spawn_local(async move {
                        if let Ok(now) = api::devices(&token).await
                            && !busy.get_untracked()
                            && gist(&now) != shown.get_value()
                        {
                            ctx.stage.set(Stage::Devices(now));
                        }
                    });
                },
                LIVE_EVERY,
            )
        })
        .and_then(Result::ok);
    on_cleanup(move || {
        if let Some(live) = live {
            live.clear();
        }
    });
    let announced = devices.devices.iter().any(|d| d.new);
    let were_mine = move |_| {
        busy.set(true);
        let token = ctx.token.get_value();
        spawn_local(async move {
            match api::seen(&token).await {
                Ok(devices) => ctx.stage.set(Stage::Devices(devices)),
                Err(failure) => ctx.failed(failure),
            }
            busy.set(false);
        });
    };
    let policy = devices.policy.unwrap_or_default();
    let without_passkey = devices.devices.iter().any(|d| d.current && !d.passkey);
    // The worker refuses this device a grant until it has a passkey: no way on but adding one.
    let passkey_first = devices.passkey_wanted;
    let can_add = webauthn::available() && without_passkey && policy.passkeys != PasskeyUse::Off;
    let add_passkey = move |_| {
        if ctx.preview.get_untracked() {
            ctx.notice.set(Some(Key::PreviewNoPasskey));
            return;
        }
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
            {move || ctx.notice.get().map(|key| view! { <p role="status" class="notice">{tr(key)}</p> })}
            {passkey_first.then(|| view! { <p class="notice">{tr(Key::PasskeyFirst)}</p> })}
            {announced
                .then(|| {
                    view! {
                        <div class="notice" role="alert" data-testid="new-devices">
                            <p>{tr(Key::NewDevices)}</p>
                            <button class="button" on:click=were_mine disabled=busy>
                                {tr(Key::WasMe)}
                            </button>
                        </div>
                    }
                })}
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
            {policy
                .pairing
                .then(|| {
                    view! {
                        <p>
                            <button class="link-button" on:click=pair disabled=busy>
                                {tr(Key::AnotherDevice)}
                            </button>
                        </p>
                    }
                })}
            {(!passkey_first)
                .then(|| {
                    view! {
                        <p>
                            <a href=["/s#", &ctx.token.get_value()].concat()>{tr(Key::ToDocument)}</a>
                        </p>
                    }
                })}
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
        new,
        ..
    } = device;
    let name = move || {
        let lang = lang.get();
        let mut name = i18n::device_name(lang, &browser, &platform, place.as_deref());
        let marks = [
            (new, Key::New),
            (current, Key::ThisDevice),
            (passkey, Key::WithPasskey),
        ];
        for (shown, key) in marks {
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
    // A device announced as new is disowned ("this was not me": the sender is told); any
    // other is only removed.
    let remove = move |_| {
        let token = ctx.token.get_value();
        let id = id.clone();
        spawn_local(async move {
            let removed = if new {
                api::not_mine(&token, &id).await
            } else {
                api::revoke(&token, &id).await
            };
            match removed {
                Ok(_) if ctx.preview.get_untracked() => {
                    ctx.notice.set(Some(Key::PreviewUnchanged));
                }
                // This very device too: the page then offers to verify it again.
                Ok(_) => {
                    ctx.notice.set(new.then_some(Key::Disowned));
                    ctx.load();
                }
                Err(failure) => ctx.failed(failure),
            }
        });
    };
    let action = if new { Key::NotMe } else { Key::Remove };
    let label = name.clone();
    view! {
        <li>
            <span>{name}</span>
            <br />
            <small>{when}</small>
            <button class="link-button" on:click=remove aria-label=move || [i18n::text(lang.get(), action), ": ", &label()].concat()>
                {tr(action)}
            </button>
        </li>
    }
}
