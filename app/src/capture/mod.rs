//! The government-ID check's page (`/id/`), a build of its own so only signers who photograph
//! an ID download the camera code. Opened two ways:
//!
//! - `/id/#s=<signing link token>`: the main app sends an ID recipient here. A desktop offers
//!   the phone hand-off (SMS and QR code) and follows the phone live; a phone goes straight on
//!   to the photos.
//! - `/id/#h=<hand-off token>`: the phone opens the link it was sent, once.
//!
//! ```text
//! Opening ──▶ Desktop ──(the phone takes the photos; followed by polling)──▶ Checking
//!    │           └──(this device's camera)──▶ Document
//!    └──▶ Document ──▶ Shot × (2 or 3 + the two selfies) ──(submit)──▶ Checking
//! Checking ──▶ Passed (the link's browser collects the grant) / Failed ──(try again)──▶ Opening
//!                                                              └──▶ Cancelled (the last try)
//! ```
//!
//! The worker decides everything; this page only shows where the session stands.

mod api;
mod i18n;
mod media;
mod screens;

use std::time::Duration;

use leptos::prelude::*;
use leptos::task::spawn_local;
use signgate_core::id_check::{Document, Failure as Why};
use signgate_core::wire::{ErrorCode, IdStage, IdStatus, VerifiedResponse};

use crate::api::Failure;
use i18n::{Key, tr};
use screens::{Checking, Desktop, DocumentChoice, Outcome, ShotScreen};

/// How often a waiting screen asks where the session stands.
const POLL_EVERY: Duration = Duration::from_secs(2);

/// How this page was opened.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Arrival {
    /// With the signing link's token: the signer's own browser.
    Link(String),
    /// With a hand-off link's token: the phone.
    Handoff(String),
    /// A reload of the phone's page: its capture token, from this tab's storage.
    Capture(String),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Stage {
    Opening,
    Desktop,
    Document,
    Shot {
        document: Document,
        index: usize,
    },
    Checking,
    /// Verified: the grant (the signing link's browser), or none (the phone).
    Passed(Option<VerifiedResponse>),
    Failed {
        why: Option<Why>,
        tries_left: Option<u32>,
    },
    Cancelled,
    InvalidLink,
    Unreachable,
}

/// What every screen of the page shares.
#[derive(Clone, Copy, Debug)]
pub struct Ctx {
    pub stage: RwSignal<Stage>,
    pub status: RwSignal<Option<IdStatus>>,
    /// The session's capture token.
    pub capture: StoredValue<String>,
    /// The signing link's token, when this browser holds it.
    pub link: StoredValue<Option<String>>,
}

impl Ctx {
    /// Moves on from a new status: a decision ends any screen; otherwise the screen stays.
    pub fn follow(self, status: IdStatus) {
        let next = match status.stage {
            IdStage::Passed => None,
            IdStage::Failed => Some(Stage::Failed {
                why: status.failure,
                tries_left: status.tries_left,
            }),
            IdStage::Cancelled => Some(Stage::Cancelled),
            IdStage::Checking => Some(Stage::Checking),
            IdStage::Capturing => None,
        };
        let passed = status.stage == IdStage::Passed;
        self.status.set(Some(status));
        if passed {
            self.passed();
        } else if let Some(next) = next
            && self.stage.get_untracked() != next
        {
            self.stage.set(next);
        }
    }

    /// A refusal or no answer: where the signer can go from here.
    pub fn failed(self, failure: Failure) {
        // A second collection (a poll while the first was on its way) finds the grant gone to
        // the first: the first's screen, with its way on, stays.
        if matches!(&failure, Failure::Refused(e) if e.code == ErrorCode::AlreadyVerified)
            && matches!(self.stage.get_untracked(), Stage::Passed(Some(_)))
        {
            return;
        }
        self.stage.set(match failure {
            Failure::Refused(e) if e.code == ErrorCode::Cancelled => Stage::Cancelled,
            Failure::Refused(e)
                if matches!(e.code, ErrorCode::InvalidLink | ErrorCode::NoIdSession) =>
            {
                Stage::InvalidLink
            }
            Failure::Refused(e) if e.code == ErrorCode::AlreadyVerified => Stage::Passed(None),
            _ => Stage::Unreachable,
        });
    }

    /// Passed: the signing link's browser collects the grant; a phone is done.
    fn passed(self) {
        if matches!(self.stage.get_untracked(), Stage::Passed(_)) {
            return;
        }
        let Some(link) = self.link.get_value() else {
            self.stage.set(Stage::Passed(None));
            return;
        };
        let capture = self.capture.get_value();
        spawn_local(async move {
            match api::finish(&link, &capture).await {
                Ok(verified) => self.stage.set(Stage::Passed(Some(verified))),
                Err(failure) => self.failed(failure),
            }
        });
    }

    /// Where a signer with the signing link begins (again): a new session, or the one running.
    pub fn begin(self) {
        let Some(link) = self.link.get_value() else {
            self.stage.set(Stage::InvalidLink);
            return;
        };
        self.stage.set(Stage::Opening);
        spawn_local(async move {
            match api::start(&link).await {
                Ok(status) => {
                    self.capture
                        .set_value(status.capture_token.clone().unwrap_or_default());
                    let capturing = status.stage == IdStage::Capturing;
                    self.follow(status);
                    if capturing {
                        self.stage.set(if is_phone() {
                            Stage::Document
                        } else {
                            Stage::Desktop
                        });
                    }
                }
                Err(failure) => self.failed(failure),
            }
        });
    }
}

#[component]
pub fn CaptureApp() -> impl IntoView {
    crate::i18n::provide_lang();
    let ctx = Ctx {
        stage: RwSignal::new(Stage::Opening),
        status: RwSignal::new(None),
        capture: StoredValue::new(String::new()),
        link: StoredValue::new(None),
    };
    match arrival() {
        Some(Arrival::Link(link)) => {
            ctx.link.set_value(Some(link));
            ctx.begin();
        }
        Some(Arrival::Handoff(handoff)) => spawn_local(async move {
            match api::open(&handoff).await {
                Ok(status) => {
                    let capture = status.capture_token.clone().unwrap_or_default();
                    remember(CAPTURE_KEY, &capture);
                    ctx.capture.set_value(capture);
                    ctx.follow(status);
                    ctx.stage.set(Stage::Document);
                }
                Err(failure) => ctx.failed(failure),
            }
        }),
        Some(Arrival::Capture(capture)) => spawn_local(async move {
            match api::status(&capture).await {
                Ok(status) => {
                    ctx.capture.set_value(capture);
                    let capturing = status.stage == IdStage::Capturing;
                    ctx.follow(status);
                    if capturing {
                        ctx.stage.set(Stage::Document);
                    }
                }
                Err(failure) => ctx.failed(failure),
            }
        }),
        None => ctx.stage.set(Stage::InvalidLink),
    }
    // The desktop follows the phone, and every screen that waits follows the provider.
    if let Ok(poll) = set_interval_with_handle(
        move || {
            let waiting = matches!(ctx.stage.get_untracked(), Stage::Desktop | Stage::Checking);
            let capture = ctx.capture.get_value();
            if waiting && !capture.is_empty() {
                spawn_local(async move {
                    match api::status(&capture).await {
                        Ok(status) => ctx.follow(status),
                        Err(Failure::Unreachable) => {}
                        Err(failure) => ctx.failed(failure),
                    }
                });
            }
        },
        POLL_EVERY,
    ) {
        on_cleanup(move || poll.clear());
    }
    // A sender's preview: the real screens under a banner; the worker keeps and sends nothing.
    let previewing = ctx
        .link
        .get_value()
        .is_some_and(|link| signgate_core::preview::is_preview_token(&link));
    view! {
        <header class="site-header">
            <p class="brand">"signgate"</p>
            <crate::i18n::LanguageSwitcher label=|lang| i18n::text(lang, Key::Language) />
        </header>
        {previewing.then(|| view! {
            <aside class="preview-banner" aria-label=tr(Key::PreviewLabel) data-testid="preview-banner">
                <p>{tr(Key::PreviewBanner)}</p>
            </aside>
        })}
        <main>
            {move || match ctx.stage.get() {
                Stage::Opening => view! { <p class="screen" role="status">{tr(Key::Opening)}</p> }.into_any(),
                Stage::Desktop => view! { <Desktop ctx /> }.into_any(),
                Stage::Document => view! { <DocumentChoice ctx /> }.into_any(),
                Stage::Shot { document, index } => {
                    view! { <ShotScreen ctx document index /> }.into_any()
                }
                Stage::Checking => view! { <Checking /> }.into_any(),
                other => view! { <Outcome ctx stage=other /> }.into_any(),
            }}
        </main>
    }
}

/// The token this page was opened with, taken out of the address. A reload finds it in this
/// tab's session storage (never shared with other tabs, gone with the tab): the signing link's
/// token, or the phone's capture token (its hand-off link works once).
fn arrival() -> Option<Arrival> {
    let window = window();
    let hash = window.location().hash().unwrap_or_default();
    let from_hash = hash
        .strip_prefix("#s=")
        .map(|t| Arrival::Link(t.to_owned()))
        .or_else(|| {
            hash.strip_prefix("#h=")
                .map(|t| Arrival::Handoff(t.to_owned()))
        });
    if let Some(arrival) = from_hash {
        let _ = window
            .history()
            .and_then(|h| h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some("/id/")));
        if let Arrival::Link(link) = &arrival {
            remember(LINK_KEY, link);
        }
        return Some(arrival);
    }
    let stored = |key| {
        window
            .session_storage()
            .ok()
            .flatten()
            .and_then(|s| s.get_item(key).ok().flatten())
    };
    stored(LINK_KEY)
        .map(Arrival::Link)
        .or_else(|| stored(CAPTURE_KEY).map(Arrival::Capture))
}

const LINK_KEY: &str = "signgate.id.link";
const CAPTURE_KEY: &str = "signgate.id.capture";

fn remember(key: &str, token: &str) {
    if let Some(storage) = window().session_storage().ok().flatten() {
        let _ = storage.set_item(key, token);
    }
}

/// A phone (a coarse pointer): it takes the photos itself instead of handing off.
fn is_phone() -> bool {
    window()
        .match_media("(pointer: coarse)")
        .ok()
        .flatten()
        .is_some_and(|query| query.matches())
}
