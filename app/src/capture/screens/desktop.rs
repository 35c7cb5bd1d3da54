use leptos::prelude::*;
use leptos::task::spawn_local;
use signgate_core::outgoing::Language;
use signgate_core::wire::IdHandoffSent;

use super::Heading;
use crate::api::Failure;
use crate::capture::i18n::{self, Key, tr};
use crate::capture::{Ctx, Stage, api};
use crate::i18n::Lang;
use crate::qr;

/// A desktop signer: the link goes to their phone by SMS and as a QR code, and this screen
/// follows the phone (link opened, photos received) until the check moves on; or this device's
/// own camera, if it has one.
#[component]
pub fn Desktop(ctx: Ctx) -> impl IntoView {
    let lang = crate::i18n::use_lang();
    let phone = RwSignal::new(String::new());
    let sent = RwSignal::new(None::<IdHandoffSent>);
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let hand_off = move |sms: bool| {
        let number = phone.get_untracked().trim().to_owned();
        let capture = ctx.capture.get_value();
        let language = match lang.get_untracked() {
            Lang::En => Language::En,
            Lang::De => Language::De,
            Lang::Ru => Language::Ru,
        };
        busy.set(true);
        spawn_local(async move {
            let number = (!number.is_empty()).then_some(number);
            match api::hand_off(&capture, number, sms, language).await {
                Ok(link) => {
                    problem.set(None);
                    sent.set(Some(link));
                }
                Err(Failure::Refused(error))
                    if error.code.status() < 500 && error.code.status() != 409 =>
                {
                    problem.set(Some(error.message));
                }
                Err(failure) => ctx.failed(failure),
            }
            busy.set(false);
        });
    };
    let send = move |event: leptos::ev::SubmitEvent| {
        event.prevent_default();
        hand_off(true);
    };
    let following = move || {
        let status = ctx.status.get()?;
        let lang = lang.get();
        let of = status.document.map_or(0, |d| d.shots().len());
        let line = if !status.photos.is_empty() && of > 0 {
            i18n::photos_received(lang, status.photos.len(), of)
        } else if status.phone_opened {
            i18n::text(lang, Key::PhoneOpened).to_owned()
        } else if sent.get().is_some() {
            i18n::text(lang, Key::WaitingForPhone).to_owned()
        } else {
            return None;
        };
        Some(view! { <p role="status" id="phone-progress">{line}</p> })
    };
    let banner = move || {
        sent.get().map(|link| {
            let minutes = link.expires_in_secs.div_ceil(60);
            let told = link.sent_to.clone().map(|to| {
                view! {
                    <p role="status" class="banner">
                        {move || i18n::link_sent(lang.get(), &to, minutes)}
                    </p>
                }
            });
            let code = qr::svg(&link.link, tr(Key::QrLabel), "handoff-qr").map(|svg| {
                view! {
                    <p>{tr(Key::OrScan)}</p>
                    {svg}
                }
            });
            view! { {told} {code} }
        })
    };
    let hint = ctx.status.get_untracked().map_or(0, |s| s.expires_in_secs);
    view! {
        <div class="screen" data-testid="screen-id-desktop">
            <Heading key=Key::Heading />
            <p>{tr(Key::Why)}</p>
            {(hint > 0).then(|| view! { <p>{move || i18n::finish_within(lang.get(), hint)}</p> })}
            <p>{tr(Key::PhoneEasiest)}</p>
            <form on:submit=send>
                <label for="phone">{tr(Key::PhoneLabel)}</label>
                <input
                    id="phone"
                    type="tel"
                    autocomplete="tel"
                    aria-describedby="phone-hint"
                    bind:value=phone
                />
                <p id="phone-hint" class="hint">{tr(Key::PhoneHint)}</p>
                <button type="submit" disabled=move || busy.get()>
                    {move || if sent.get().is_some() { tr(Key::SendAgain)() } else { tr(Key::SendLink)() }}
                </button>
            </form>
            {move || problem.get().map(|text| view! { <p role="alert" class="error">{text}</p> })}
            {move || sent.get().is_none().then(|| view! {
                <p><button type="button" on:click=move |_| hand_off(false)>{tr(Key::ShowCode)}</button></p>
            })}
            {banner}
            {following}
            <p>
                <button type="button" on:click=move |_| ctx.stage.set(Stage::Document)>
                    {tr(Key::UseThisDevice)}
                </button>
            </p>
        </div>
    }
}
