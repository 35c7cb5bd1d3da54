//! The signer's side of signgate: open the link, prove who you are, go on to the document.
//!
//! The app only shows what the worker decides: every rule (tries, cancelling, grants) lives there.

mod api;
mod contact;
mod i18n;
mod screens;
mod token;

use leptos::{prelude::*, task::spawn_local};

use i18n::{Key, Lang, tr};
use screens::{
    Cancelled, Code, EmailCode, InvalidLink, Opening, Password, Phone, Problem, Screen, Verified,
};

#[component]
pub fn App() -> impl IntoView {
    i18n::provide_lang();
    let token = token::take();
    let (screen, set_screen) = signal(if token.is_some() {
        Screen::Opening
    } else {
        Screen::InvalidLink
    });
    // Without a token the invalid-link screen stays, so no call below ever sends an empty one.
    let token = StoredValue::new(token.unwrap_or_default());

    let load = move || {
        let token = token.get_value();
        spawn_local(async move {
            set_screen.set(Screen::after_load(api::recipient(&token).await));
        });
    };
    if screen.with_untracked(|screen| *screen == Screen::Opening) {
        load();
    }
    let retry = Callback::new(move |()| {
        set_screen.set(Screen::Opening);
        load();
    });
    // Opening another link in a tab already on `/s` changes only the fragment: the browser does
    // not reload, so pick the new token up here.
    let _ = window_event_listener(leptos::ev::hashchange, move |_| {
        if let Some(new_token) = token::take() {
            token.set_value(new_token);
            retry.run(());
        }
    });

    view! {
        <header class="site-header">
            <p class="brand">"signgate"</p>
            <LanguageSwitcher />
        </header>
        <main>
            {move || match screen.get() {
                Screen::Opening => view! { <Opening /> }.into_any(),
                Screen::Password(recipient) => {
                    view! { <Password recipient token=token.get_value() set_screen /> }.into_any()
                }
                Screen::Phone(recipient) => {
                    view! { <Phone recipient token=token.get_value() set_screen reload=retry /> }
                        .into_any()
                }
                Screen::EmailCode(recipient) => {
                    view! { <EmailCode recipient token=token.get_value() set_screen reload=retry /> }
                        .into_any()
                }
                Screen::Code { recipient, sent } => {
                    view! { <Code recipient sent token=token.get_value() set_screen reload=retry /> }
                        .into_any()
                }
                Screen::Verified { continue_href } => view! { <Verified continue_href /> }.into_any(),
                Screen::Cancelled(contact) => view! { <Cancelled contact /> }.into_any(),
                Screen::InvalidLink => view! { <InvalidLink /> }.into_any(),
                Screen::Problem(kind) => view! { <Problem kind on_retry=retry /> }.into_any(),
            }}
        </main>
    }
}

#[component]
fn LanguageSwitcher() -> impl IntoView {
    let lang = i18n::use_lang();
    let choose = move |event| {
        if let Some(chosen) = Lang::from_tag(&event_target_value(&event)) {
            lang.set(chosen);
            i18n::remember(chosen);
        }
    };
    view! {
        <div class="language">
            <label for="language">{tr(Key::Language)}</label>
            <select id="language" on:change=choose>
                {Lang::ALL
                    .map(|option| {
                        view! {
                            <option
                                value=option.code()
                                lang=option.code()
                                prop:selected=move || lang.get() == option
                            >
                                {option.endonym()}
                            </option>
                        }
                    })}
            </select>
        </div>
    }
}
