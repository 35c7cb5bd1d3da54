//! The signer's side of signgate: open the link, prove who you are, go on to the document.
//!
//! The app only shows what the worker decides: every rule (tries, cancelling, grants) lives there.

mod api;
pub mod capture;
mod codes;
mod contact;
pub mod device;
pub mod form;
mod i18n;
mod qr;
mod screens;
mod token;
mod ui;

use leptos::{prelude::*, task::spawn_local};
use signgate_core::wire::LoginOutcome;

use i18n::{Key, tr};
use screens::{
    Cancelled, Code, EmailCode, InvalidLink, Kba, KbaQuestions, LoginFailed, Opening, Password,
    Phone, Problem, Providers, Screen, SigningIn, Verified,
};

/// The banner over a sender's preview (the signing page's and the device page's): `label` names
/// the landmark, `text` says nothing is sent or kept.
pub(crate) fn preview_banner(
    label: impl Fn() -> &'static str + Send + Sync + 'static,
    text: impl Fn() -> &'static str + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <aside class="preview-banner" aria-label=label data-testid="preview-banner">
            <p>{text}</p>
        </aside>
    }
}

#[component]
pub fn App() -> impl IntoView {
    let lang = i18n::provide_lang();
    let arrival = token::take();
    let (screen, set_screen) = signal(Screen::InvalidLink);
    // Without a token the invalid-link screen stays, so no call below ever sends an empty one.
    let has_token = arrival.token.is_some();
    let token = StoredValue::new(arrival.token.unwrap_or_default());
    // A sender's preview: the real screens under a banner that says nothing is sent or counted.
    let previewing = RwSignal::new(signgate_core::preview::is_preview_token(&token.get_value()));
    // A device was added to the verification elsewhere since this one last looked.
    let new_devices = RwSignal::new(false);

    // `login`: how a hand-off to a provider ended, when the signer is just back from one. A
    // finished login is collected first; any other outcome is told once the link is loaded,
    // unless the link itself says otherwise (verified, cancelled).
    let begin = Callback::new(move |login: Option<LoginOutcome>| {
        if login == Some(LoginOutcome::Done) {
            set_screen.set(Screen::SigningIn);
            return;
        }
        set_screen.set(Screen::Opening);
        let token = token.get_value();
        previewing.set(signgate_core::preview::is_preview_token(&token));
        spawn_local(async move {
            let loaded = api::recipient(&token).await;
            new_devices.set(matches!(&loaded, Ok(view) if view.new_devices));
            let screen = match login {
                Some(outcome) => {
                    Screen::after_return(loaded, outcome, token::remembered_provider().as_deref())
                }
                None => Screen::after_load(loaded),
            };
            // Verified before (a reload, or back later): a fresh grant to go on with, if the
            // worker still gives one.
            let screen = match screen {
                Screen::Verified { .. } => match api::fresh_grant(&token).await {
                    Ok(verified) => Screen::verified(&verified),
                    Err(_) => screen,
                },
                other => other,
            };
            set_screen.set(screen);
        });
    });
    if has_token {
        begin.run(arrival.login);
    }
    // From the start again. A finished login that could not be collected is collected now, not
    // lost to a plain load of the link.
    let retry = Callback::new(move |()| begin.run(token::pending_login()));
    // Opening another link in a tab already on `/s` changes only the fragment: the browser does
    // not reload, so pick the new token up here.
    let _ = window_event_listener(leptos::ev::hashchange, move |_| {
        let arrival = token::take();
        if let Some(new_token) = arrival.token {
            token.set_value(new_token);
            begin.run(arrival.login);
        }
    });

    view! {
        <header class="site-header">
            <p class="brand">"signgate"</p>
            <i18n::LanguageSwitcher label=|lang| i18n::text(lang, Key::Language) />
        </header>
        {move || {
            previewing.get().then(|| preview_banner(tr(Key::PreviewLabel), tr(Key::PreviewBanner)))
        }}
        <main>
            {move || match screen.get() {
                Screen::Opening => view! { <Opening /> }.into_any(),
                Screen::Password(recipient) => {
                    view! { <Password recipient token=token.get_value() set_screen reload=retry /> }
                        .into_any()
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
                Screen::Providers(recipient) => {
                    view! { <Providers recipient token=token.get_value() set_screen reload=retry /> }
                        .into_any()
                }
                Screen::Kba { recipient, subject, problem } => {
                    let token = token.get_value();
                    view! { <Kba recipient subject problem token set_screen reload=retry /> }.into_any()
                }
                Screen::KbaQuestions { recipient, subject, round } => {
                    let token = token.get_value();
                    view! { <KbaQuestions recipient subject round token set_screen reload=retry /> }
                        .into_any()
                }
                Screen::SigningIn => {
                    view! { <SigningIn token=token.get_value() set_screen reload=retry /> }.into_any()
                }
                Screen::LoginFailed { recipient, failure, provider } => {
                    view! { <LoginFailed recipient failure provider reload=retry /> }.into_any()
                }
                Screen::Verified { continue_href, signature_name, recovery_code } => {
                    // A preview's too: its device page shows sample devices and changes nothing.
                    let devices_href = Some(["/device/#", &token.get_value()].concat());
                    let new_devices = new_devices.get_untracked();
                    view! {
                        <Verified continue_href signature_name devices_href new_devices recovery_code />
                    }
                        .into_any()
                }
                Screen::Cancelled(contact) => view! { <Cancelled contact /> }.into_any(),
                // Pages of their own, a preview's too (its token calls the preview routes).
                Screen::IdCheck => page_of_its_own("/id/?lang=", "#s=", lang, token),
                Screen::Passkey => page_of_its_own("/device/?lang=", "#", lang, token),
                Screen::InvalidLink => view! { <InvalidLink /> }.into_any(),
                Screen::Problem(kind) => view! { <Problem kind on_retry=retry /> }.into_any(),
            }}
        </main>
    }
}

/// Sends the signer to a page of its own (`page`, which takes `?lang=`), the link token after
/// `fragment`, in the language they read now (a preview's `?lang=de` included). The page is
/// replaced at once, so nothing is shown meanwhile.
fn page_of_its_own(
    page: &str,
    fragment: &str,
    lang: RwSignal<i18n::Lang>,
    token: StoredValue<String>,
) -> AnyView {
    let code = lang.get_untracked().code();
    let _ = window()
        .location()
        .replace(&[page, code, fragment, &token.get_value()].concat());
    ().into_any()
}
