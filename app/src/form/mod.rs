//! The web form page (`/f/#<form token>`), a build of its own: one public signing link of a
//! sender's (a consent form, an application) that anyone may open. The signer is not known
//! beforehand, so the page asks who they are, the form's password if it has one, proves the
//! e-mail address with a code unless the account's policy turned that off, then sends the signer
//! on to their own signing link (`/s#<token>`) to meet the form's method there.
//!
//! ```text
//! Opening ──▶ Entry ──(a code sent)──▶ Code ──(the right code)──▶ GoingOn ──▶ /s#<their token>
//!    │         │ ▲                      ├──(send a new code)──▶ Code
//!    │         │ └──────────────────────┤ (entry ended, or another
//!    │         │                        │  address: what was typed stays)
//!    │         │                        ├──(entry unknown now)──▶ Opening ──▶ Entry (ended)
//!    │         │                        └──(no passkey, method not allowed)──▶ Refused
//!    │         └──(no e-mail check)──▶ GoingOn
//!    ├──▶ Code (a reload while a code is out, within the entry's 30 minutes)
//!    ├──▶ InvalidLink (disabled, unknown or garbled: all alike)
//!    └──▶ Problem ──(retry)──▶ Opening
//! ```
//!
//! The tab keeps the form's token and, while a code is out, the entry's token with what the code
//! screen shows (the masked address, the code's length and times), never the signer's name or
//! address: those stay in memory. Going on replaces this page in history, so the back button
//! never comes back to a filled-in form that would make a second agreement.
//!
//! A sender's preview (a `p1.` token) walks the same screens under a banner: the preview routes
//! show the code on screen and send nothing. The worker decides everything; this page only shows
//! it.

mod api;
mod i18n;
mod screens;

use leptos::ev;
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::{Deserialize, Serialize};
use signgate_core::web_form::ENTRY_LIFETIME_MS;
use signgate_core::wire::{CodeSent, Contact, ErrorCode, WebFormEntered, WebFormView};

use crate::api::Failure;
use crate::i18n::Lang;
use crate::token;
use i18n::{Key, text, tr};
use screens::{CodeEntry, Entry, GoingOn, InvalidLink, Opening, Problem, Refused};

#[derive(Clone, Debug, PartialEq)]
pub enum Stage {
    Opening,
    /// Who is signing. `ended`: an entry of theirs just ended (too many wrong codes, out of time,
    /// or used), which the page says.
    Entry {
        form: WebFormView,
        ended: bool,
    },
    /// A code went to the address typed; `entry` is the entry's token for its code calls.
    Code {
        form: WebFormView,
        entry: String,
        sent: CodeSent,
    },
    /// On the way to the signer's own signing link.
    GoingOn,
    /// The right code, yet no signing link, for good: `why`, and `sender` to ask.
    Refused {
        sender: Contact,
        why: Refusal,
    },
    InvalidLink,
    Unreachable,
}

/// Why an entry whose address is proven goes no further.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    /// The form's method is a passkey, and this address has none with the sender.
    NoPasskey,
    /// The account's policy no longer allows the form's method.
    NotAllowed,
}

/// What every screen of the page shares.
#[derive(Clone, Copy, Debug)]
pub struct Ctx {
    pub stage: RwSignal<Stage>,
    /// The form's link token (a sender's preview token in a preview).
    pub token: StoredValue<String>,
    pub preview: RwSignal<bool>,
    pub lang: RwSignal<Lang>,
    /// What the signer typed, kept when they come back to the entry screen: in memory only, so a
    /// reload forgets it.
    pub name: RwSignal<String>,
    pub email: RwSignal<String>,
}

/// Where an answer with [`WebFormEntered`] takes the signer.
#[derive(Clone, Debug, PartialEq)]
pub enum Next {
    /// On to their signing link.
    GoOn(String),
    /// A code went out: type it here.
    Code { entry: String, sent: CodeSent },
}

/// What the worker's [`WebFormEntered`] means; `None` for an answer this page cannot follow (no
/// way on, or a signing link that is not a web address).
pub fn next(entered: WebFormEntered) -> Option<Next> {
    if let Some(url) = entered.signing_url {
        return is_page_address(&url).then_some(Next::GoOn(url));
    }
    match (entered.entry_token, entered.code) {
        (Some(entry), Some(sent)) if !entry.is_empty() => Some(Next::Code { entry, sent }),
        _ => None,
    }
}

/// Only web addresses and this site's own paths: a `javascript:` URL must never be followed.
fn is_page_address(url: &str) -> bool {
    signgate_core::validate::is_web_address(url) || (url.starts_with('/') && !url.starts_with("//"))
}

/// `url` with `?lang=<lang>` before its fragment (any `lang` it had replaced), so the signing
/// page opens in the language the signer reads now.
pub fn with_lang(url: &str, lang: &str) -> String {
    let (before, fragment) = match url.split_once('#') {
        Some((before, fragment)) => (before, Some(fragment)),
        None => (url, None),
    };
    let (path, query) = before.split_once('?').unwrap_or((before, ""));
    let mut out = format!("{path}?");
    for pair in query
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("lang="))
    {
        out.push_str(pair);
        out.push('&');
    }
    out.push_str("lang=");
    out.push_str(lang);
    if let Some(fragment) = fragment {
        out.push('#');
        out.push_str(fragment);
    }
    out
}

impl Ctx {
    /// A form link (new, or this tab's again after a reload).
    pub fn open(self, token: String) {
        self.preview
            .set(signgate_core::preview::is_preview_token(&token));
        self.token.set_value(token);
        self.load();
    }

    /// The form's first screen; a code already out for this tab's entry (a reload, or the tab
    /// brought back after the phone put it away while the signer read their mail) is shown again.
    pub fn load(self) {
        self.open_form(false);
    }

    /// The worker no longer knows the entry (used, or forgotten once its time ran out; it cannot
    /// tell those from a made-up one), or its form is gone. The form, loaded again, says which:
    /// still open, the entry screen follows, with what was typed and that the code check ended.
    pub fn entry_gone(self) {
        forget_entry();
        self.open_form(true);
    }

    fn open_form(self, ended: bool) {
        self.stage.set(Stage::Opening);
        let token = self.token.get_value();
        spawn_local(async move {
            let form = match api::form(&token).await {
                Ok(form) => form,
                Err(failure) => return self.failed(failure),
            };
            let now = js_sys::Date::now();
            self.stage.set(match live_entry(now) {
                Some(saved) => {
                    let elapsed = ((now - saved.saved_at_ms) / 1000.0).max(0.0);
                    Stage::Code {
                        form,
                        entry: saved.entry,
                        sent: aged(saved.sent, elapsed as u64),
                    }
                }
                None => Stage::Entry { form, ended },
            });
        });
    }

    /// A refusal about the link itself, or no answer.
    pub fn failed(self, failure: Failure) {
        match failure {
            Failure::Refused(e) if e.code == ErrorCode::InvalidLink => self.link_gone(),
            // A retry may still find the entry's code out: it is kept.
            _ => self.stage.set(Stage::Unreachable),
        }
    }

    /// The form does not work (any more): disabled, unknown or garbled, all alike. This tab
    /// forgets it.
    pub fn link_gone(self) {
        forget_entry();
        token::forget(TOKEN_KEY);
        self.stage.set(Stage::InvalidLink);
    }

    /// Goes where `next` says.
    pub fn follow(self, form: WebFormView, next: Next) {
        match next {
            Next::GoOn(url) => self.go_on(&url),
            Next::Code { entry, sent } => {
                save_entry(&entry, &sent);
                self.stage.set(Stage::Code { form, entry, sent });
            }
        }
    }

    /// Back to the entry screen, what was typed kept; `ended`: the entry is over, and it says so.
    pub fn back_to_entry(self, form: WebFormView, ended: bool) {
        forget_entry();
        self.stage.set(Stage::Entry { form, ended });
    }

    /// The right code, yet the entry goes no further (the worker has forgotten it): whom to ask.
    pub fn refused(self, sender: Contact, why: Refusal) {
        forget_entry();
        self.stage.set(Stage::Refused { sender, why });
    }

    /// On to the signer's own signing link, in the language they read now. `replace`, so the back
    /// button does not come back to a filled-in form that would make a second agreement; this
    /// tab is done with the form's token too.
    pub fn go_on(self, url: &str) {
        forget_entry();
        token::forget(TOKEN_KEY);
        self.stage.set(Stage::GoingOn);
        let href = with_lang(url, self.lang.get_untracked().code());
        let _ = window().location().replace(&href);
    }
}

#[component]
pub fn FormApp() -> impl IntoView {
    let ctx = Ctx {
        stage: RwSignal::new(Stage::Opening),
        token: StoredValue::new(String::new()),
        preview: RwSignal::new(false),
        lang: crate::i18n::provide_lang(),
        name: RwSignal::new(String::new()),
        email: RwSignal::new(String::new()),
    };
    match new_form().or_else(|| token::stored(TOKEN_KEY)) {
        Some(token) => ctx.open(token),
        None => ctx.stage.set(Stage::InvalidLink),
    }
    // Another form's link opened in this tab changes only the fragment: no reload.
    let _ = window_event_listener(ev::hashchange, move |_| {
        if let Some(token) = new_form() {
            ctx.name.set(String::new());
            ctx.email.set(String::new());
            ctx.open(token);
        }
    });
    let ended = Memo::new(move |_| {
        ctx.stage
            .with(|stage| matches!(stage, Stage::Entry { ended: true, .. }))
    });
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
            // Above the screens and always in the page, so screen readers are listening when an
            // entry that has ended sends the signer back to the entry screen.
            <div id="form-status" role="status" class:notice=move || ended.get()>
                {move || ended.get().then(|| text(ctx.lang.get(), Key::EntryEnded))}
            </div>
            {move || match ctx.stage.get() {
                Stage::Opening => view! { <Opening /> }.into_any(),
                Stage::Entry { form, .. } => view! { <Entry ctx form /> }.into_any(),
                Stage::Code { form, entry, sent } => {
                    view! { <CodeEntry ctx form entry sent /> }.into_any()
                }
                Stage::GoingOn => view! { <GoingOn /> }.into_any(),
                Stage::Refused { sender, why } => view! { <Refused sender why /> }.into_any(),
                Stage::InvalidLink => view! { <InvalidLink /> }.into_any(),
                Stage::Unreachable => view! { <Problem ctx /> }.into_any(),
            }}
        </main>
    }
}

/// The form's token, kept in this tab's session storage (never shared with other tabs, gone with
/// the tab) so a reload still works without it in the address bar.
const TOKEN_KEY: &str = "signgate.form";
/// The entry whose code is out, so a reload comes back to typing it.
const ENTRY_KEY: &str = "signgate.form.entry";

/// A form's token in the address's fragment, which then forgets it. A new link's entry is not
/// the last one's.
fn new_form() -> Option<String> {
    let token = token::take_fragment(TOKEN_KEY)?;
    forget_entry();
    Some(token)
}

/// An entry whose code is out, as this tab keeps it: only what the code screen needs after a
/// reload. The signer's name and address are not kept: they stay in the page's memory.
#[derive(Serialize, Deserialize)]
struct SavedEntry {
    /// The entry's token, for its code calls.
    entry: String,
    /// The code last sent: the masked address, the code's length and its times.
    sent: CodeSent,
    /// When `sent` was told, by the wall clock (`Date.now()`), the one clock a reload keeps.
    saved_at_ms: f64,
    /// When the entry began: it lasts [`ENTRY_LIFETIME_MS`] from there.
    began_at_ms: f64,
}

/// Keeps the entry with the code just sent, so a reload shows the newest. The same entry keeps
/// the time it began.
fn save_entry(entry: &str, sent: &CodeSent) {
    let now = js_sys::Date::now();
    let began_at_ms = saved_entry()
        .filter(|saved| saved.entry == entry)
        .map_or(now, |saved| saved.began_at_ms);
    let saved = SavedEntry {
        entry: entry.to_owned(),
        sent: sent.clone(),
        saved_at_ms: now,
        began_at_ms,
    };
    if let (Some(storage), Some(json)) = (token::session(), crate::api::json(&saved)) {
        let _ = storage.set_item(ENTRY_KEY, &json);
    }
}

fn saved_entry() -> Option<SavedEntry> {
    crate::api::read(&token::stored(ENTRY_KEY)?)
}

/// The entry kept, unless its time has run out by `now_ms` (it is then forgotten).
fn live_entry(now_ms: f64) -> Option<SavedEntry> {
    let saved = saved_entry().filter(|saved| within_lifetime(saved.began_at_ms, now_ms));
    if saved.is_none() {
        forget_entry();
    }
    saved
}

/// Whether an entry begun at `began_at_ms` may still be going at `now_ms`.
fn within_lifetime(began_at_ms: f64, now_ms: f64) -> bool {
    now_ms - began_at_ms < ENTRY_LIFETIME_MS as f64
}

fn forget_entry() {
    token::forget(ENTRY_KEY);
}

/// A code told `elapsed_secs` ago, as it stands now.
fn aged(sent: CodeSent, elapsed_secs: u64) -> CodeSent {
    CodeSent {
        expires_in_secs: sent.expires_in_secs.saturating_sub(elapsed_secs),
        next_send_in_secs: sent.next_send_in_secs.saturating_sub(elapsed_secs),
        ..sent
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use signgate_core::otp::Channel;

    fn sent() -> CodeSent {
        CodeSent {
            channel: Channel::Email,
            destination: "a…@example.com".into(),
            digits: 6,
            expires_in_secs: 600,
            next_send_in_secs: 30,
            preview_code: None,
        }
    }

    fn entered(entry: Option<&str>, code: Option<CodeSent>, url: Option<&str>) -> WebFormEntered {
        WebFormEntered {
            entry_token: entry.map(Into::into),
            code,
            signing_url: url.map(Into::into),
        }
    }

    #[test]
    fn an_entry_goes_on_to_its_signing_link_or_its_code() {
        assert_eq!(
            next(entered(None, None, Some("https://sign.example/s#abc"))),
            Some(Next::GoOn("https://sign.example/s#abc".into()))
        );
        assert_eq!(
            next(entered(Some("e.n.t"), Some(sent()), None)),
            Some(Next::Code {
                entry: "e.n.t".into(),
                sent: sent()
            })
        );
        assert_eq!(next(entered(None, Some(sent()), None)), None);
        assert_eq!(next(entered(None, None, None)), None);
        assert_eq!(
            next(entered(None, None, Some("javascript:alert(1)//#x"))),
            None
        );
        assert_eq!(next(entered(None, None, Some("//evil.example/s#x"))), None);
        assert_eq!(
            next(entered(None, None, Some("/s#abc"))),
            Some(Next::GoOn("/s#abc".into()))
        );
    }

    #[test]
    fn the_signing_page_opens_in_the_language_read_now() {
        assert_eq!(
            with_lang("https://sign.example/s#abc", "de"),
            "https://sign.example/s?lang=de#abc"
        );
        assert_eq!(
            with_lang("https://sign.example/s?lang=ru#p1.x.y", "de"),
            "https://sign.example/s?lang=de#p1.x.y"
        );
        assert_eq!(
            with_lang("https://sign.example/s?x=1#abc", "ru"),
            "https://sign.example/s?x=1&lang=ru#abc"
        );
        assert_eq!(with_lang("/s", "en"), "/s?lang=en");
    }

    #[test]
    fn an_entry_kept_over_a_reload_lasts_its_lifetime() {
        let began = 1_000_000.0;
        assert!(within_lifetime(began, began + 29.0 * 60_000.0));
        assert!(!within_lifetime(began, began + 30.0 * 60_000.0));
    }

    #[test]
    fn a_code_kept_over_a_reload_counts_down_meanwhile() {
        let later = aged(sent(), 45);
        assert_eq!((later.expires_in_secs, later.next_send_in_secs), (555, 0));
        assert_eq!(aged(sent(), 10_000).expires_in_secs, 0);
    }
}
