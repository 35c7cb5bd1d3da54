//! The device page (`/device/`), a build of its own so signers who never manage devices never
//! download it. Opened two ways:
//!
//! - `/device/#<link token>`: from the signing page. A browser that is one of the recipient's
//!   devices lists them (revoke any), adds a passkey, or offers a pairing to another device (a QR
//!   code and a link, then the code that device shows). Any other browser may verify with a
//!   passkey.
//! - `/device/#<link token>&pair=<secret>`: a pairing link, on the other device. It claims the
//!   pairing, shows its code, and goes on to the signing page once the first device confirmed.
//!
//! ```text
//! Opening ──▶ Devices ──▶ Offer ──(the other device's code)──▶ Devices
//!    ├──▶ SignIn ──(passkey: the device's own, or the method's)──▶ signing page
//!    │      └──▶ Recover ──(recovery code, then an e-mail code)──▶ signing page
//!    └──▶ Claimed ──(confirmed on the first device; followed by polling)──▶ signing page
//! ```
//!
//! The worker decides everything; this page only shows it.

mod api;
mod i18n;
mod screens;
mod webauthn;

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use signgate_core::policy::Method;
use signgate_core::wire::{Devices, ErrorCode, PairingOffer, RecipientState};

use crate::api::Failure;
use i18n::{Key, tr};
use screens::{Claimed, DeviceList, Offer, Recover, SignIn};

/// How often a waiting screen asks again.
const POLL_EVERY: Duration = Duration::from_secs(2);

#[derive(Clone, Debug, PartialEq)]
pub enum Stage {
    Opening,
    Devices(Devices),
    Offer(PairingOffer),
    /// This browser claimed a pairing: its code, shown for the seconds the pairing has left.
    Claimed {
        code: String,
        expires_in_secs: u64,
    },
    /// `by_method`: a passkey is the signer's method, and this is its sign-in.
    SignIn {
        by_method: bool,
    },
    /// A signer who lost their devices: the recovery code, then an e-mail code.
    Recover,
    InvalidLink,
    Unreachable,
}

/// What every screen of the page shares.
#[derive(Clone, Copy, Debug)]
pub struct Ctx {
    pub stage: RwSignal<Stage>,
    /// The signing link's token.
    pub token: StoredValue<String>,
    /// A line about what just happened (a passkey added, a device paired).
    pub notice: RwSignal<Option<Key>>,
    /// A sender's preview (its token): the same screens, answered by the preview routes, and
    /// nothing made or changed.
    pub preview: RwSignal<bool>,
}

impl Ctx {
    /// The devices, from one of them; any other browser may sign in with a passkey (the
    /// passkey method's signer must).
    pub fn load(self) {
        self.stage.set(Stage::Opening);
        let token = self.token.get_value();
        let preview = self.preview.get_untracked();
        spawn_local(async move {
            match api::devices(&token).await {
                // A preview of the passkey method opens on its sign-in, as the signer's does.
                Ok(_)
                    if preview
                        && self.notice.get_untracked().is_none()
                        && by_passkey(&token).await =>
                {
                    self.stage.set(Stage::SignIn { by_method: true })
                }
                Ok(devices) => self.stage.set(Stage::Devices(devices)),
                // Not one of the devices: the passkey method's signer, a pairing it claimed (a
                // reload), or a passkey.
                Err(Failure::Refused(e)) if e.code == ErrorCode::Conflict => {
                    if by_passkey(&token).await {
                        return self.stage.set(Stage::SignIn { by_method: true });
                    }
                    self.stage.set(match api::pairing(&token).await {
                        Ok(status) if status.code.is_some() => Stage::Claimed {
                            code: status.code.unwrap_or_default(),
                            expires_in_secs: status.expires_in_secs,
                        },
                        _ => Stage::SignIn { by_method: false },
                    })
                }
                Err(failure) => self.failed(failure),
            }
        });
    }

    /// A refusal about the link, or no answer.
    pub fn failed(self, failure: Failure) {
        self.stage.set(match failure {
            Failure::Refused(_) => Stage::InvalidLink,
            Failure::Unreachable => Stage::Unreachable,
        });
    }

    /// Verified in this browser: the signing page takes it from here (a fresh grant).
    pub fn to_signing_page(self) {
        let _ = window()
            .location()
            .replace(&["/s#", &self.token.get_value()].concat());
    }
}

#[component]
pub fn DeviceApp() -> impl IntoView {
    crate::i18n::provide_lang();
    let ctx = Ctx {
        stage: RwSignal::new(Stage::Opening),
        token: StoredValue::new(String::new()),
        notice: RwSignal::new(None),
        preview: RwSignal::new(false),
    };
    match arrival() {
        Some((token, None)) => {
            ctx.preview
                .set(signgate_core::preview::is_preview_token(&token));
            ctx.token.set_value(token);
            ctx.load();
        }
        Some((token, Some(secret))) => {
            ctx.token.set_value(token.clone());
            spawn_local(async move {
                match api::claim(&token, &secret).await {
                    Ok(status) => ctx.stage.set(Stage::Claimed {
                        code: status.code.unwrap_or_default(),
                        expires_in_secs: status.expires_in_secs,
                    }),
                    Err(Failure::Refused(e)) if e.code == ErrorCode::AlreadyVerified => {
                        ctx.to_signing_page()
                    }
                    Err(failure) => ctx.failed(failure),
                }
            });
        }
        None => ctx.stage.set(Stage::InvalidLink),
    }
    view! {
        <header class="site-header">
            <p class="brand">"signgate"</p>
            <crate::i18n::LanguageSwitcher label=|lang| i18n::text(lang, Key::Language) />
        </header>
        {move || {
            ctx.preview
                .get()
                .then(|| crate::preview_banner(tr(Key::PreviewLabel), tr(Key::PreviewBanner)))
        }}
        <main>
            {move || match ctx.stage.get() {
                Stage::Opening => {
                    view! { <p class="screen" role="status">{tr(Key::Opening)}</p> }.into_any()
                }
                Stage::Devices(devices) => view! { <DeviceList ctx devices /> }.into_any(),
                Stage::Offer(offer) => view! { <Offer ctx offer /> }.into_any(),
                Stage::Claimed { code, expires_in_secs } => {
                    view! { <Claimed ctx code expires_in_secs /> }.into_any()
                }
                Stage::SignIn { by_method } => view! { <SignIn ctx by_method /> }.into_any(),
                Stage::Recover => view! { <Recover ctx /> }.into_any(),
                Stage::InvalidLink => {
                    view! {
                        <div class="screen" data-testid="screen-device-invalid">
                            <h1>{tr(Key::Heading)}</h1>
                            <p>{tr(Key::InvalidLink)}</p>
                        </div>
                    }
                        .into_any()
                }
                Stage::Unreachable => {
                    view! {
                        <div class="screen" data-testid="screen-device-unreachable">
                            <h1>{tr(Key::Heading)}</h1>
                            <p role="alert">{tr(Key::Unreachable)}</p>
                            <button class="button" on:click=move |_| ctx.load()>
                                {tr(Key::TryAgain)}
                            </button>
                        </div>
                    }
                        .into_any()
                }
            }}
        </main>
    }
}

/// Whether the link's signer is to verify here with a passkey, their method.
async fn by_passkey(token: &str) -> bool {
    matches!(
        crate::api::recipient(token).await,
        Ok(view) if view.method == Some(Method::Passkey) && view.state == RecipientState::Pending
    )
}

/// The link token, and a pairing's secret, from the address (which then forgets them: no token
/// stays in history) or, on a reload, from this tab's storage.
fn arrival() -> Option<(String, Option<String>)> {
    let window = window();
    let hash = window.location().hash().unwrap_or_default();
    if let Some(fragment) = hash.strip_prefix('#').filter(|f| !f.is_empty()) {
        let _ = window.history().and_then(|h| {
            h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/device/"))
        });
        let (token, secret) = match fragment.split_once("&pair=") {
            Some((token, secret)) => (token.to_owned(), Some(secret.to_owned())),
            None => (fragment.to_owned(), None),
        };
        if let Some(storage) = window.session_storage().ok().flatten() {
            let _ = storage.set_item(TOKEN_KEY, &token);
        }
        return Some((token, secret));
    }
    let stored = window
        .session_storage()
        .ok()
        .flatten()
        .and_then(|s| s.get_item(TOKEN_KEY).ok().flatten())?;
    Some((stored, None))
}

const TOKEN_KEY: &str = "signgate.device.link";
