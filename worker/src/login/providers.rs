//! The login providers this deployment has set up: `OAUTH_PROVIDERS` (JSON: provider id →
//! `signgate_core::login::ProviderConfig`, merged over the built-in endpoints) and a Worker secret
//! `OAUTH_<ID>_CLIENT_SECRET` each. `PLATFORM_NAME` names the platform's own provider.

use std::cell::RefCell;
use std::collections::BTreeMap;

use signgate_core::login::{self, ProviderConfig};
use signgate_core::validate;
use worker::{Env, Result};

use crate::config::{self, setting};

/// A provider ready to use.
#[derive(Clone, Debug)]
pub struct Provider {
    pub id: String,
    pub config: ProviderConfig,
    pub client_secret: String,
    /// Development only: plain-http loopback endpoints (the local OpenID provider).
    pub allow_loopback_http: bool,
}

impl Provider {
    pub fn name(&self, env: &Env) -> String {
        match (self.id.as_str(), setting(env, "PLATFORM_NAME")) {
            (login::PLATFORM, Some(name)) => name,
            _ => self.config.display_name(&self.id),
        }
    }
}

type Providers = BTreeMap<String, Provider>;

thread_local! {
    /// The providers as read from `OAUTH_PROVIDERS`, kept with the text they came from: settings
    /// change only with a deploy (new isolates), so views and hand-offs do not parse, check and
    /// log them again on every request.
    static READ: RefCell<Option<(String, Providers)>> = const { RefCell::new(None) };
}

/// Every configured provider, by id. A provider whose configuration is unusable is left out (and
/// logged), so one mistake does not take the others down.
pub fn all(env: &Env) -> Result<Providers> {
    let Some(json) = setting(env, "OAUTH_PROVIDERS") else {
        return Ok(BTreeMap::new());
    };
    let cached = READ.with_borrow(|read| {
        read.as_ref()
            .filter(|(text, _)| *text == json)
            .map(|(_, providers)| providers.clone())
    });
    if let Some(providers) = cached {
        return Ok(providers);
    }
    let providers = read(env, &json)?;
    READ.with_borrow_mut(|read| *read = Some((json, providers.clone())));
    Ok(providers)
}

fn read(env: &Env, json: &str) -> Result<Providers> {
    let configs: BTreeMap<String, ProviderConfig> = serde_json::from_str(json)
        .map_err(|e| worker::Error::RustError(format!("OAUTH_PROVIDERS is not valid: {e}")))?;
    let loopback = config::allow_loopback_http(env);
    let mut providers = BTreeMap::new();
    for (id, given) in configs {
        let config = ProviderConfig::merged(&id, given);
        let mut problems = config.problems(&id);
        for url in [
            &config.issuer,
            &config.authorization_endpoint,
            &config.token_endpoint,
            &config.profile_endpoint,
        ]
        .into_iter()
        .flatten()
        {
            if let Err(problem) = validate::url(&id, url, loopback) {
                problems.push(problem);
            }
        }
        let secret = setting(
            env,
            &format!("OAUTH_{}_CLIENT_SECRET", id.to_ascii_uppercase()),
        );
        if secret.is_none() {
            problems.push(format!(
                "{id}: the secret OAUTH_{}_CLIENT_SECRET is not set",
                id.to_ascii_uppercase()
            ));
        }
        match (problems.is_empty(), secret) {
            (true, Some(client_secret)) => {
                providers.insert(
                    id.clone(),
                    Provider {
                        id,
                        config,
                        client_secret,
                        allow_loopback_http: loopback,
                    },
                );
            }
            _ => worker::console_error!("login provider left out: {}", problems.join("; ")),
        }
    }
    Ok(providers)
}

pub fn get(env: &Env, id: &str) -> Result<Option<Provider>> {
    Ok(all(env)?.remove(id))
}
