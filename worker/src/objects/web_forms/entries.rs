//! A signer's entry on a web form: who they are, the form password (with its rest), then, unless
//! the policy turns it off, an e-mail code on the same [`CodeBook`] engine the code methods use.
//! An entry becomes an agreement only once it is complete, so a stranger who never proves an
//! address leaves nothing in the sender's account; until then it is kept here, by the digest of
//! its own token, for [`ENTRY_LIFETIME_MS`].
//!
//! Every call runs under the object's check lock, so each verdict is counted before the next
//! entry is looked at.

use std::time::Duration;

use serde::{Deserialize, Serialize};
use signgate_core::method_setup::PlannedMethod;
use signgate_core::otp::{AfterWrong, Channel, CodeBook, CodeRules, EntryGate, SendRefusal};
use signgate_core::outgoing::{self, CodeContext, Language};
use signgate_core::policy::{Method, Policy};
use signgate_core::token::{LinkToken, SECRET_LEN};
use signgate_core::web_form::{
    self, AfterWrong as AfterWrongPassword, Capped, ENTRY_LIFETIME_MS, Guesses,
};
use signgate_core::wire::{CodeSent, Contact, DEFAULT_EXPIRY_DAYS, ErrorCode, WebFormEntry};
use worker::Result;

use super::{Enter, WebForm, WebFormsObject};
use crate::config::{self, now_ms};
use crate::delivery::Courier;
use crate::http::{Failure, fail, invalid_link, not_counted, wrong_entry};
use crate::new_agreement::{self, NewAgreement, NewRecipient};
use crate::objects::Reply;
use crate::objects::agreement::WebFormOrigin;
use crate::objects::recipient::passkey_problem;
use crate::{accounts, codes, crypto, device};

const ENTRY_PREFIX: &str = "entry:";
const WAIT_FOR_CODE: &str = "Please wait a little before asking for another code.";
/// An address's wrong codes of the last day (`web_form::Guesses`), by the address's digest.
const GUESSES_PREFIX: &str = "guesses:";

/// An entry still proving its address.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Entry {
    /// Names its codes' digests in KV (`code:entry-<id>:…`).
    id: String,
    form_id: String,
    name: String,
    email: String,
    language: Language,
    /// The policy's e-mail code rules when the entry began.
    rules: CodeRules,
    book: CodeBook,
    expires_at: u64,
}

impl Entry {
    fn code_scope(&self) -> String {
        format!("entry-{}", self.id)
    }
}

/// Where an entry stands after a call.
#[derive(Debug, Serialize, Deserialize)]
pub enum EntryStep {
    /// A code went to the address: the entry's token, for the code calls.
    CodeSent { entry_token: String, sent: CodeSent },
    /// The agreement is made: the signer's link token. `verified`: the form's method is the
    /// e-mail code, which the entry's code was, so the caller marks the recipient verified.
    Done {
        signing_token: String,
        verified: bool,
    },
}

impl WebFormsObject {
    pub(super) async fn enter(&self, enter: Enter) -> Result<Reply<EntryStep>> {
        let Enter {
            digest,
            entry,
            client,
            host,
            origin,
        } = enter;
        // A made-up link is turned away before it waits for the lock.
        if self.enabled(&digest).await?.is_none() {
            return Ok(Err(*invalid_link()));
        }
        let _one_at_a_time = self.checking.lock().await;
        let Some(form) = self.enabled(&digest).await? else {
            return Ok(Err(*invalid_link()));
        };
        let Some(policy) = self.policy_of(&form).await? else {
            return Ok(Err(*invalid_link()));
        };
        let problems = web_form::entry_problems(
            &entry.name,
            &entry.email,
            entry.password.as_deref(),
            form.password_hash.is_some(),
        );
        if !problems.is_empty() {
            return Ok(Err(*fail(
                ErrorCode::InvalidRequest,
                web_form::joined(&problems),
            )));
        }
        if let Some(refusal) = self.check_form_password(&form, &entry).await? {
            return Ok(Err(*refusal));
        }
        let person = Contact {
            name: entry.name.trim().to_owned(),
            email: entry.email.trim().to_owned(),
        };
        let email_check = policy.web_forms.email_check;
        if email_check {
            if Courier::for_channel(&self.env, Channel::Email).is_none() {
                return Ok(Err(*not_configured()));
            }
            if let Some(refusal) = self.guessed_too_often(&person.email).await? {
                return Ok(Err(*refusal));
            }
        }
        // Entries are capped whether or not a code goes out: without the e-mail check each one is
        // an agreement at once.
        if let Some(refusal) = self.take_send(&form.id, &person.email, &client).await? {
            return Ok(Err(*refusal));
        }
        if !email_check {
            return self
                .complete(&form.id, &policy, person, false, &origin)
                .await;
        }
        let language = entry.language.as_deref().map(Language::from_tag);
        self.begin_entry(&form, &policy, person, language.unwrap_or_default(), &host)
            .await
    }

    /// An entry still to prove its address: kept by its token's digest, its first code sent.
    async fn begin_entry(
        &self,
        form: &WebForm,
        policy: &Policy,
        person: Contact,
        language: Language,
        host: &str,
    ) -> Result<Reply<EntryStep>> {
        let rules = policy
            .code_rules(Method::EmailCode)
            .ok_or_else(|| worker::Error::RustError("the e-mail code has no rules".into()))?;
        // No code outlives its entry; tests and local development may shorten it further.
        let rules = CodeRules {
            lifetime_ms: config::dev_code_lifetime_ms(&self.env)
                .map_or(rules.lifetime_ms, |dev| dev.min(rules.lifetime_ms))
                .min(ENTRY_LIFETIME_MS),
            ..rules
        };
        let object_id = self.state.id().to_string();
        let token = LinkToken::new(&object_id, crypto::random_bytes::<SECRET_LEN>()?)
            .ok_or_else(|| worker::Error::RustError("an object id that is no link's".into()))?;
        let pending = Entry {
            id: crypto::random_id()?,
            form_id: form.id.clone(),
            name: person.name,
            email: person.email,
            language,
            rules,
            book: CodeBook::default(),
            expires_at: now_ms() + ENTRY_LIFETIME_MS,
        };
        let key = entry_key(&token.secret_digest());
        self.forget_ended_by(pending.expires_at).await?;
        match self.send_code(form, pending.clone(), &key, host).await? {
            Ok(sent) => Ok(Ok(EntryStep::CodeSent {
                entry_token: token.encode(),
                sent,
            })),
            Err(refusal) => {
                // Its token was never handed out: nobody could use the entry.
                self.forget(&key, &pending).await?;
                Ok(Err(refusal))
            }
        }
    }

    pub(super) async fn resend(
        &self,
        entry_digest: &str,
        client: &str,
        language: Language,
        host: &str,
    ) -> Result<Reply<CodeSent>> {
        let key = entry_key(entry_digest);
        if self.state.storage().get::<Entry>(&key).await?.is_none() {
            return Ok(Err(*invalid_link()));
        }
        let _one_at_a_time = self.checking.lock().await;
        let (form, mut entry) = match self.entry_and_form(&key).await? {
            Ok(found) => found,
            Err(refusal) => return Ok(Err(*refusal)),
        };
        // The entry's own wait first: a send it would refuse takes nothing from the caps.
        let wait_ms = entry.book.next_send_in_ms(&entry.rules, now_ms());
        if wait_ms > 0 {
            return Ok(Err(codes::resend_too_soon(WAIT_FOR_CODE, wait_ms)));
        }
        if let Some(refusal) = self.take_send(&form.id, &entry.email, client).await? {
            return Ok(Err(*refusal));
        }
        entry.language = language;
        self.send_code(&form, entry, &key, host).await
    }

    pub(super) async fn check_code(
        &self,
        entry_digest: &str,
        typed: &str,
        origin: &str,
    ) -> Result<Reply<EntryStep>> {
        let key = entry_key(entry_digest);
        // A made-up entry token is turned away before it waits for the lock.
        if self.state.storage().get::<Entry>(&key).await?.is_none() {
            return Ok(Err(*invalid_link()));
        }
        let _one_at_a_time = self.checking.lock().await;
        let (form, entry) = match self.entry_and_form(&key).await? {
            Ok(found) => found,
            Err(refusal) => return Ok(Err(*refusal)),
        };
        let tries_left = entry.book.tries_left(&entry.rules);
        let typed = match signgate_core::otp::normalize_entry(typed, entry.rules.digits) {
            Ok(typed) => typed,
            Err(problem) => {
                return Ok(Err(not_counted(
                    ErrorCode::InvalidCode,
                    problem,
                    Some(tries_left),
                )));
            }
        };
        if let Some(refusal) = self.guessed_too_often(&entry.email).await? {
            self.forget(&key, &entry).await?;
            return Ok(Err(*refusal));
        }
        let now = now_ms();
        match entry.book.gate(now) {
            EntryGate::Locked => return self.end(&key, &entry).await,
            EntryGate::NoCode => return Ok(Err(*codes::no_code())),
            EntryGate::Open => {}
        }
        let candidates: Vec<_> = entry.book.candidates(now).cloned().collect();
        let scope = entry.code_scope();
        let matched = match codes::matching(&self.env, &scope, &candidates, &typed, now).await? {
            Ok(matched) => matched,
            Err(e) => return Ok(Err(e)),
        };
        let mut book = entry.book.clone();
        if let Some(id) = matched {
            if book.accept(&id, now_ms()).is_none() {
                return Ok(Err(*codes::no_code()));
            }
            // The entry is used up before anything is made: should making the agreement fail
            // half-way, its code cannot make another.
            self.forget(&key, &entry).await?;
            let Some(policy) = self.policy_of(&form).await? else {
                return Ok(Err(*invalid_link()));
            };
            let person = Contact {
                name: entry.name.clone(),
                email: entry.email.clone(),
            };
            return self.complete(&form.id, &policy, person, true, origin).await;
        }
        self.count_wrong_code(&entry.email).await?;
        match book.record_wrong(&entry.rules, now) {
            AfterWrong::TriesLeft(left) => {
                self.save_entry(&key, &Entry { book, ..entry }).await?;
                Ok(Err(wrong_entry(ErrorCode::WrongCode, Some(left))))
            }
            AfterWrong::Voided { voided } => {
                self.save_entry(&key, &Entry { book, ..entry }).await?;
                codes::forget(&self.env, &scope, &voided).await;
                Ok(Err(codes::codes_voided()))
            }
            AfterWrong::Locked { .. } | AfterWrong::Refused(EntryGate::Locked) => {
                self.end(&key, &entry).await
            }
            AfterWrong::Refused(_) => Ok(Err(*codes::no_code())),
        }
    }

    /// The policy the form follows now: the account's or its group's.
    async fn policy_of(&self, form: &WebForm) -> Result<Option<Policy>> {
        Ok(accounts::load(&self.env, &form.account_id)
            .await?
            .map(|account| account.policy_for(form.group.as_deref()).clone()))
    }

    /// The form password, where the form has one: `Some` refusal when it is wrong or the form
    /// rests. Counted on the form as it is after the (slow) comparison.
    async fn check_form_password(
        &self,
        form: &WebForm,
        entry: &WebFormEntry,
    ) -> Result<Option<Failure>> {
        let (Some(stored), Some(typed)) = (&form.password_hash, &entry.password) else {
            return Ok(None);
        };
        if let Err(until) = form.gate.gate(now_ms()) {
            return Ok(Some(resting(until)));
        }
        let pepper = config::password_pepper(&self.env)?;
        let right = crypto::password_matches(&pepper, stored, typed).await?;
        let Some(mut form) = self.form(&form.id).await? else {
            return Ok(Some(invalid_link()));
        };
        let now = now_ms();
        if right {
            if form.gate != Default::default() {
                form.gate.right();
                self.save_form(&form).await?;
            }
            return Ok(None);
        }
        let after = form.gate.wrong(now);
        self.save_form(&form).await?;
        Ok(Some(match after {
            AfterWrongPassword::TriesLeft(left) => {
                Box::new(wrong_entry(ErrorCode::WrongPassword, Some(left)))
            }
            AfterWrongPassword::Resting { until } => resting(until),
        }))
    }

    /// Takes one send (or entry) from the form's caps: `Some` refusal when a cap is met.
    async fn take_send(&self, form_id: &str, email: &str, client: &str) -> Result<Option<Failure>> {
        let Some(mut form) = self
            .form(form_id)
            .await?
            .filter(|f| f.disabled_at.is_none())
        else {
            return Ok(Some(invalid_link()));
        };
        let address = address_digest(email);
        match form.sends.take(&address, client, now_ms()) {
            Ok(()) => {
                self.save_form(&form).await?;
                Ok(None)
            }
            Err((capped, until)) => {
                let message = match capped {
                    Capped::Address => {
                        "That is the most sign-ups for one address in an hour. Please use a code \
                         you have, or wait."
                    }
                    Capped::Ip | Capped::Link => {
                        "This form has had many sign-ups from here in the last hour. Please wait a \
                         little and try again."
                    }
                };
                let mut refusal = fail(ErrorCode::ResendTooSoon, message);
                refusal.retry_after_secs = Some(until.saturating_sub(now_ms()).div_ceil(1000));
                Ok(Some(refusal))
            }
        }
    }

    /// Issues a code on the entry's book and sends it: stored (as a digest) and live before it
    /// goes out; a send that fails is withdrawn.
    async fn send_code(
        &self,
        form: &WebForm,
        mut entry: Entry,
        key: &str,
        host: &str,
    ) -> Result<Reply<CodeSent>> {
        let Some(courier) = Courier::for_channel(&self.env, Channel::Email) else {
            return Ok(Err(*not_configured()));
        };
        let now = now_ms();
        let code_id = crypto::random_id()?;
        let issued = match entry
            .book
            .issue(&entry.rules, code_id.clone(), Channel::Email, now)
        {
            Ok(issued) => issued,
            Err(SendRefusal::Locked) => return self.end(key, &entry).await,
            Err(
                SendRefusal::Cooldown { retry_after_ms }
                | SendRefusal::HourlyCap { retry_after_ms },
            ) => return Ok(Err(codes::resend_too_soon(WAIT_FOR_CODE, retry_after_ms))),
        };
        let code = codes::generate(entry.rules.digits)?;
        let pepper = config::code_pepper(&self.env)?;
        let scope = entry.code_scope();
        codes::store(&self.env, &pepper, &scope, &issued.code, &code, now).await?;
        self.save_entry(key, &entry).await?;
        codes::forget(&self.env, &scope, &issued.voided).await;

        let message = outgoing::message(
            Channel::Email,
            &entry.email,
            &CodeContext {
                language: entry.language,
                code: &code,
                lifetime_minutes: entry.rules.lifetime_ms.div_ceil(60_000),
                host,
                agreement_title: &form.title,
                sender_name: &form.sender.name,
            },
        );
        if let Err(refused) = courier.deliver(&self.env, &message).await? {
            worker::console_error!("a web form's code could not be delivered: {}", refused.0);
            entry.book.withdraw(&code_id);
            self.save_entry(key, &entry).await?;
            codes::forget(&self.env, &scope, &[code_id]).await;
            return Ok(Err(*fail(
                ErrorCode::DeliveryFailed,
                "The code could not be sent. Please check the address, or try again in a moment.",
            )));
        }
        Ok(Ok(CodeSent {
            channel: Channel::Email,
            destination: outgoing::masked_destination(Channel::Email, &entry.email),
            digits: entry.rules.digits,
            expires_in_secs: issued.code.expires_at.saturating_sub(now).div_ceil(1000),
            next_send_in_secs: entry.book.next_send_in_ms(&entry.rules, now).div_ceil(1000),
            preview_code: None,
        }))
    }

    /// The entry is complete: its own agreement, with the signer its one recipient, on the form's
    /// method as the policy allows it now.
    async fn complete(
        &self,
        form_id: &str,
        policy: &Policy,
        signer: Contact,
        email_proven: bool,
        origin: &str,
    ) -> Result<Reply<EntryStep>> {
        // As the form is now: one disabled meanwhile makes nothing more.
        let Some(form) = self
            .form(form_id)
            .await?
            .filter(|f| f.disabled_at.is_none())
        else {
            return Ok(Err(*invalid_link()));
        };
        // The policy may have changed since the form was made: it decides now.
        if let Err(problem) = policy.choose_method(false, Some(form.method)) {
            worker::console_log!("a web form's method is no longer allowed: {problem}");
            return Ok(Err(*fail(
                ErrorCode::NotAllowed,
                "This form cannot be used just now. Please contact its sender.",
            )));
        }
        // Only once the address is proven: an unproven one must not learn whether that address
        // holds a passkey with this sender (its signing link then finds none).
        if email_proven
            && passkey_problem(
                &self.env,
                &form.account_id,
                form.method,
                &signer.email,
                "email",
            )
            .await?
            .is_some()
        {
            return Ok(Err(*fail(
                ErrorCode::NotEligible,
                "This form asks for a passkey you made with this sender before, and this address \
                 has none. Please contact the sender.",
            )));
        }
        let web_form = WebFormOrigin {
            form_id: form.id.clone(),
            signer: signer.clone(),
            email_proven,
        };
        let new = NewAgreement {
            account_id: &form.account_id,
            group: form.group.as_deref(),
            policy,
            title: &form.title,
            sender: &form.sender,
            continue_url: None,
            expires_in_days: DEFAULT_EXPIRY_DAYS,
            web_form: Some(web_form),
            // Its signers are strangers to the account: none is one of its own people.
            recipients: vec![NewRecipient {
                name: &signer.name,
                email: &signer.email,
                internal: false,
                method: PlannedMethod {
                    method: form.method,
                    phone: None,
                },
                password: None,
            }],
        };
        let written = new_agreement::write(&self.env, origin, new).await?;
        let token = written
            .tokens
            .first()
            .ok_or_else(|| worker::Error::RustError("an agreement without its recipient".into()))?;
        Ok(Ok(EntryStep::Done {
            signing_token: token.encode(),
            verified: email_proven && form.method == Method::EmailCode,
        }))
    }

    /// The entry at `key` and its form, while both may still be used.
    async fn entry_and_form(
        &self,
        key: &str,
    ) -> Result<std::result::Result<(WebForm, Entry), Failure>> {
        let Some(entry) = self.state.storage().get::<Entry>(key).await? else {
            return Ok(Err(invalid_link()));
        };
        if entry.expires_at <= now_ms() {
            self.forget(key, &entry).await?;
            return Ok(Err(ended()));
        }
        match self.form(&entry.form_id).await? {
            Some(form) if form.disabled_at.is_none() => Ok(Ok((form, entry))),
            _ => Ok(Err(invalid_link())),
        }
    }

    /// `Some` refusal while `email` has had its share of wrong codes today.
    async fn guessed_too_often(&self, email: &str) -> Result<Option<Failure>> {
        let guesses: Guesses = self
            .state
            .storage()
            .get(&guesses_key(email))
            .await?
            .unwrap_or_default();
        Ok(guesses.gate(now_ms()).err().map(|until| {
            let mut refusal = fail(
                ErrorCode::Throttled,
                "Too many wrong codes for this address today. Please try again tomorrow.",
            );
            refusal.retry_after_secs = Some(until.saturating_sub(now_ms()).div_ceil(1000));
            refusal
        }))
    }

    async fn count_wrong_code(&self, email: &str) -> Result<()> {
        let storage = self.state.storage();
        let key = guesses_key(email);
        let mut guesses: Guesses = storage.get(&key).await?.unwrap_or_default();
        guesses.wrong(now_ms());
        storage.put(&key, &guesses).await
    }

    async fn save_entry(&self, key: &str, entry: &Entry) -> Result<()> {
        self.state.storage().put(key, entry).await
    }

    /// Ends an entry: it is forgotten, with its codes; the signer begins again from the form.
    async fn end<T>(&self, key: &str, entry: &Entry) -> Result<Reply<T>> {
        self.forget(key, entry).await?;
        Ok(Err(*ended()))
    }

    async fn forget(&self, key: &str, entry: &Entry) -> Result<()> {
        self.state.storage().delete(key).await?;
        let codes: Vec<String> = entry.book.live(0).map(|c| c.id.clone()).collect();
        codes::forget(&self.env, &entry.code_scope(), &codes).await;
        Ok(())
    }

    /// Makes sure the alarm rings by `at`, to forget entries that ran out.
    async fn forget_ended_by(&self, at: u64) -> Result<()> {
        let storage = self.state.storage();
        let due = storage.get_alarm().await?;
        if due.is_none_or(|due| due as u64 > at) {
            let offset = Duration::from_millis(at.saturating_sub(now_ms()));
            storage.set_alarm(offset).await?;
        }
        Ok(())
    }

    /// The alarm: every entry out of time is forgotten, and every address's count of wrong
    /// codes older than a day; the alarm rings again for the rest.
    pub(super) async fn forget_ended_entries(&self) -> Result<()> {
        let _one_at_a_time = self.checking.lock().await;
        let storage = self.state.storage();
        let counts = storage
            .list_with_options(worker::ListOptions::new().prefix(GUESSES_PREFIX))
            .await?;
        for key in counts.keys() {
            let key = key?.as_string().unwrap_or_default();
            let spent = storage
                .get::<Guesses>(&key)
                .await?
                .is_none_or(|guesses| guesses.is_spent(now_ms()));
            if spent {
                storage.delete(&key).await?;
            }
        }
        let map = storage
            .list_with_options(worker::ListOptions::new().prefix(ENTRY_PREFIX))
            .await?;
        let now = now_ms();
        let mut next: Option<u64> = None;
        for key in map.keys() {
            let key = key?.as_string().unwrap_or_default();
            let Some(entry) = storage.get::<Entry>(&key).await? else {
                continue;
            };
            if entry.expires_at <= now {
                self.forget(&key, &entry).await?;
            } else {
                next = Some(next.map_or(entry.expires_at, |n| n.min(entry.expires_at)));
            }
        }
        if let Some(next) = next {
            storage
                .set_alarm(Duration::from_millis(next.saturating_sub(now)))
                .await?;
        }
        Ok(())
    }
}

fn ended() -> Failure {
    fail(
        ErrorCode::EntryEnded,
        "This sign-up is over (too many wrong codes, or its time ran out). Please begin again.",
    )
}

fn entry_key(digest: &str) -> String {
    format!("{ENTRY_PREFIX}{digest}")
}

/// An address as the caps and counts know it: its digest, in lower case.
fn address_digest(email: &str) -> String {
    device::digest(&email.trim().to_lowercase())
}

fn guesses_key(email: &str) -> String {
    format!("{GUESSES_PREFIX}{}", address_digest(email))
}

fn not_configured() -> Failure {
    fail(
        ErrorCode::NotConfigured,
        "Codes cannot be sent by e-mail here yet. Please ask the sender.",
    )
}

fn resting(until: u64) -> Failure {
    let mut refusal = fail(
        ErrorCode::FormResting,
        "Too many wrong form passwords: this form rests for a while. Please try again later.",
    );
    refusal.retry_after_secs = Some(until.saturating_sub(now_ms()).div_ceil(1000));
    refusal
}
