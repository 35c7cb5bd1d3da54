//! The login methods (social providers, the platform account) of a recipient. The worker's routes
//! talk to the provider; this object decides: which providers this recipient may use, that each
//! started login is claimed once and by the browser that started it, whether the identity stands
//! for the recipient, and the verdict. It keeps each login's secrets until that one claim.

use serde::{Deserialize, Serialize};
use signgate_core::audit::AuditKind;
use signgate_core::login::{Identity, LoginFailure, LoginRules, matches_recipient};
use signgate_core::wire::{ErrorCode, LoginOutcome, RecipientState, VerifiedResponse};
use worker::Result;

use super::{Loaded, RecipientObject, already_verified};
use crate::config::now_ms;
use crate::device;
use crate::http::{cancelled, fail};
use crate::login::flow::{self, Flow};
use crate::objects::Reply;

/// A login this recipient started and the provider has not answered yet.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    /// Digest of the flow's `state`.
    key: String,
    provider: String,
    expires_at: u64,
    /// The callback took it: it can be completed once, never claimed again.
    claimed: bool,
    /// Completed; kept until it expires so a replay is recognised (and audited) as one.
    #[serde(default)]
    completed: bool,
    /// The secrets, until the callback claims them.
    #[serde(default)]
    flow: Option<Flow>,
    /// A replay of its answer was audited (once is enough).
    #[serde(default)]
    replay_audited: bool,
    /// The binding digest of the browser that claimed it: only that browser collects the grant.
    #[serde(default)]
    browser: Option<String>,
}

/// A grant waiting for the app to collect it after the hand-off.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Collectable {
    response: VerifiedResponse,
    expires_at: u64,
    /// The login binding digest of the browser the login came back to.
    #[serde(default)]
    browser: String,
}

/// What the route needs to send the signer to the provider.
#[derive(Debug, Serialize, Deserialize)]
pub struct LoginPlan {
    pub login_hint: Option<String>,
    /// `none` (a silent attempt first) or `login` (sign in again: the last account was the wrong
    /// one, and a provider session would only bring it back).
    pub prompt: Option<String>,
}

/// A login the signer starts: the route made its secrets and checked nothing yet.
#[derive(Debug, Serialize, Deserialize)]
pub struct StartLogin {
    pub token: String,
    /// Whether this deployment has the provider set up (`flow.provider`).
    pub configured: bool,
    /// Digest of the flow's `state`.
    pub key: String,
    pub expires_at: u64,
    pub flow: Flow,
    /// The verification cookies the browser presented.
    pub presented: Vec<String>,
}

/// Logins kept at once: a few tabs or retries, not an unbounded list.
const MAX_PENDING: usize = 5;

impl RecipientObject {
    fn login_rules(loaded: &Loaded) -> std::result::Result<&LoginRules, crate::http::Failure> {
        loaded.record.login.as_ref().ok_or_else(|| {
            fail(
                ErrorCode::WrongMethod,
                "This link does not use a login provider.",
            )
        })
    }

    /// Registers a login the signer starts with `provider`, with its secrets. The link is checked
    /// first, then the provider: allowed for this recipient, then `configured` here.
    pub(super) async fn start_login(&self, start: StartLogin) -> Result<Reply<LoginPlan>> {
        let loaded = match self.authenticate(&start.token).await? {
            Ok(loaded) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        let rules = match Self::login_rules(&loaded) {
            Ok(rules) => rules.clone(),
            Err(e) => return Ok(Err(*e)),
        };
        let provider = start.flow.provider.clone();
        if !rules.providers.contains(&provider) {
            return Ok(Err(*fail(
                ErrorCode::WrongMethod,
                "This link cannot be used with that sign-in service.",
            )));
        }
        match loaded.state_in(&start.presented) {
            RecipientState::Verified => return Ok(Err(*already_verified())),
            RecipientState::Cancelled => return Ok(Err(*cancelled())),
            RecipientState::Pending => {}
        }
        if !start.configured {
            return Ok(Err(*fail(
                ErrorCode::NotConfigured,
                "Signing in this way is not set up here. Please choose another way or ask the sender.",
            )));
        }
        let prompt = if loaded.progress.login_mismatched {
            Some("login".to_string())
        } else {
            rules.silent_first.then(|| "none".to_string())
        };
        let mut flow = start.flow;
        flow.silent = prompt.as_deref() == Some("none");
        self.register(loaded, start.key, start.expires_at, flow, true)
            .await?;
        Ok(Ok(LoginPlan {
            login_hint: rules.login_hint.clone(),
            prompt,
        }))
    }

    /// A silent attempt came back "not signed in": the same provider again, with a prompt. Only
    /// for a flow this object saw claimed.
    pub(super) async fn restart_login(
        &self,
        claimed: &str,
        key: String,
        expires_at: u64,
        flow: Flow,
    ) -> Result<Reply<LoginPlan>> {
        let Some(mut loaded) = self.load().await? else {
            return Ok(Err(*crate::http::invalid_link()));
        };
        let Some(old) = loaded
            .progress
            .logins
            .iter_mut()
            .find(|l| l.key == claimed && l.claimed && !l.completed)
        else {
            return Ok(Err(*fail(ErrorCode::NoLogin, "No such login.")));
        };
        // The silent try is over: the new login takes its place.
        old.completed = true;
        let provider = old.provider.clone();
        if flow.provider != provider || flow.silent {
            return Ok(Err(*fail(ErrorCode::NoLogin, "Not that login.")));
        }
        if loaded.progress.state != RecipientState::Pending {
            return Ok(Err(*cancelled()));
        }
        let login_hint = loaded
            .record
            .login
            .as_ref()
            .and_then(|r| r.login_hint.clone());
        self.register(loaded, key, expires_at, flow, false).await?;
        Ok(Ok(LoginPlan {
            login_hint,
            prompt: None,
        }))
    }

    async fn register(
        &self,
        mut loaded: Loaded,
        key: String,
        expires_at: u64,
        flow: Flow,
        audit: bool,
    ) -> Result<()> {
        let provider = flow.provider.clone();
        let now = now_ms();
        let logins = &mut loaded.progress.logins;
        logins.retain(|l| now < l.expires_at);
        // Room for the new one: never at the cost of a login the provider is answering right now.
        while logins.len() >= MAX_PENDING {
            match logins.iter().position(|l| !l.claimed || l.completed) {
                Some(oldest) => logins.remove(oldest),
                None => logins.remove(0),
            };
        }
        logins.push(PendingLogin {
            key,
            provider: provider.clone(),
            expires_at,
            claimed: false,
            completed: false,
            flow: Some(flow),
            replay_audited: false,
            browser: None,
        });
        let events = if audit {
            vec![AuditKind::LoginStarted { provider }]
        } else {
            Vec::new()
        };
        self.save(loaded, events).await?;
        Ok(())
    }

    /// The provider answered for the flow `key`, in a browser presenting the binding digests
    /// `browser`: its secrets are handed out now, once. Later answers with the same `state` (a
    /// replay) are refused and audited; an answer in another browser ends the login, audited.
    pub(super) async fn claim_login(&self, key: &str, browser: &[String]) -> Result<Reply<Flow>> {
        let Some(mut loaded) = self.load().await? else {
            return Ok(Err(*crate::http::invalid_link()));
        };
        let now = now_ms();
        // An expired login is gone: a replay of its `state` finds nothing and writes nothing.
        loaded.progress.logins.retain(|l| now < l.expires_at);
        let Some(index) = loaded.progress.logins.iter().position(|l| l.key == key) else {
            return Ok(Err(failure_error(LoginFailure::Expired)));
        };
        let login = &mut loaded.progress.logins[index];
        let provider = login.provider.clone();
        if login.claimed {
            // Audited once per login: replaying the same answer cannot grow the trail.
            if !login.replay_audited {
                login.replay_audited = true;
                self.record_failure(loaded, &provider, LoginFailure::Replayed)
                    .await?;
            }
            return Ok(Err(failure_error(LoginFailure::Replayed)));
        }
        // Verified meanwhile (elsewhere: this browser's start was let through) is no reason to
        // stop: this browser verifies too.
        if loaded.progress.state == RecipientState::Cancelled {
            return Ok(Err(*cancelled()));
        }
        let login = &mut loaded.progress.logins[index];
        let Some(secrets) = login.flow.take() else {
            return Ok(Err(failure_error(LoginFailure::Expired)));
        };
        if !flow::same_browser(browser, &secrets) {
            // Gone for good: not even the right browser can use this answer afterwards.
            loaded.progress.logins.remove(index);
            self.record_failure(loaded, &provider, LoginFailure::OtherBrowser)
                .await?;
            return Ok(Err(failure_error(LoginFailure::Expired)));
        }
        login.claimed = true;
        login.browser = Some(secrets.browser_digest.clone());
        self.save(loaded, Vec::new()).await?;
        Ok(Ok(secrets))
    }

    /// How a claimed login ended. A failure is audited; an identity is audited and judged.
    pub(super) async fn complete_login(
        &self,
        key: &str,
        result: std::result::Result<Identity, LoginFailure>,
    ) -> Result<Reply<LoginOutcome>> {
        // As for passwords and codes: the verdict waits on the agreement, and a method change or
        // replacement by the sender must not slip in between and be verified by this login.
        let _one_check_at_a_time = self.checking.lock().await;
        let Some(mut loaded) = self.load().await? else {
            return Ok(Err(*crate::http::invalid_link()));
        };
        let Some(login) = loaded
            .progress
            .logins
            .iter_mut()
            .find(|l| l.key == key && l.claimed && !l.completed)
        else {
            return Ok(Ok(LoginOutcome::Expired));
        };
        login.completed = true;
        let provider = login.provider.clone();
        let browser = login.browser.clone().unwrap_or_default();
        let identity = match result {
            Ok(identity) => identity,
            Err(failure) => {
                let outcome = failure.outcome();
                self.record_failure(loaded, &provider, failure).await?;
                return Ok(Ok(outcome));
            }
        };
        let proven = AuditKind::IdentityProven {
            provider: provider.clone(),
            subject: identity.subject.clone(),
            name: identity.name.clone(),
            email: identity.email.clone(),
            profile_url: identity.profile_url.clone(),
        };
        let require_email = loaded
            .record
            .login
            .as_ref()
            .is_some_and(|r| r.require_email_match);
        if !matches_recipient(&identity, &loaded.record.email, require_email) {
            let failed = AuditKind::LoginFailed {
                provider,
                failure: LoginFailure::Mismatch,
            };
            loaded.progress.login_mismatched = true;
            self.save(loaded, vec![proven, failed]).await?;
            return Ok(Ok(LoginOutcome::Mismatch));
        }
        if loaded.progress.state == RecipientState::Cancelled {
            self.save(loaded, vec![proven]).await?;
            return Ok(Ok(LoginOutcome::Cancelled));
        }
        let loaded = self.save(loaded, vec![proven]).await?;
        let verdict = self
            .verified_with(loaded, "fed", None, identity.signature_name())
            .await?;
        let Ok(response) = verdict else {
            return Ok(Ok(LoginOutcome::Cancelled));
        };
        // The app collects the grant when the browser is back on the signing page.
        let mut current = self.load().await?.expect("loaded above");
        current.progress.collectable = Some(Collectable {
            expires_at: response.grant_expires_at * 1000,
            response,
            browser,
        });
        self.save(current, Vec::new()).await?;
        Ok(Ok(LoginOutcome::Done))
    }

    async fn record_failure(
        &self,
        loaded: Loaded,
        provider: &str,
        failure: LoginFailure,
    ) -> Result<()> {
        let failed = AuditKind::LoginFailed {
            provider: provider.to_string(),
            failure,
        };
        self.save(loaded, vec![failed]).await?;
        Ok(())
    }

    /// The grant of a finished login, once, to the browser the login came back to (its login
    /// binding `browser`): a forwarded link polling for it finds nothing.
    pub(super) async fn collect_login(
        &self,
        token: &str,
        browser: &[String],
        presented: &[String],
    ) -> Result<Reply<VerifiedResponse>> {
        let mut loaded = match self.authenticate(token).await? {
            Ok(loaded) => loaded,
            Err(e) => return Ok(Err(e)),
        };
        if loaded.progress.state == RecipientState::Cancelled {
            return Ok(Err(*cancelled()));
        }
        let now = now_ms();
        let mine = |w: &Collectable| now < w.expires_at && device::matches(browser, &w.browser);
        if loaded.progress.collectable.as_ref().is_some_and(mine) {
            let waiting = loaded.progress.collectable.take().expect("checked above");
            self.save(loaded, Vec::new()).await?;
            return Ok(Ok(waiting.response));
        }
        if loaded.state_in(presented) == RecipientState::Verified {
            return Ok(Err(*already_verified()));
        }
        Ok(Err(*fail(
            ErrorCode::NoLogin,
            "No finished sign-in is waiting here. Please start again.",
        )))
    }
}

fn failure_error(failure: LoginFailure) -> signgate_core::wire::ApiError {
    let message = match failure {
        LoginFailure::Replayed => "This sign-in was used already.",
        _ => "This sign-in has expired. Please start again.",
    };
    *fail(ErrorCode::NoLogin, message)
}
