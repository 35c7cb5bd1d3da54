//! A signer's entry on a web form, decided and counted by the account's forms object
//! (`objects/web_forms`):
//! - `POST /api/v1/form/entry` with the form's link token: who they are, the form password; a
//!   code goes to their address, or (the policy's e-mail check off) their agreement is made;
//! - `POST /api/v1/form/entry/send` with the entry's token: another code;
//! - `POST /api/v1/form/entry/code` with the entry's token: the code; the agreement is made.
//!
//! All pass the outer per-IP throttles first (`crate::throttle`).

use signgate_core::outgoing::Language;
use signgate_core::token::LinkToken;
use signgate_core::wire::{CodeAttempt, SendCode, VerifiedResponse, WebFormEntered, WebFormEntry};
use worker::{Env, Request, Response, Result};

use super::code::sms_host;
use crate::http::{self, Failure, MAX_RECIPIENT_BODY, bearer, invalid_link, read_json, respond};
use crate::new_agreement::signing_url;
use crate::objects::recipient::RecipientCall;
use crate::objects::web_forms::{AccountForms, Enter, EntryStep};
use crate::objects::{Reply, call, stub};
use crate::throttle::{Throttle, throttled};
use crate::{config, device};

type Outcome = std::result::Result<Response, Failure>;

pub async fn enter(mut req: Request, env: &Env) -> Result<Response> {
    respond(entering(&mut req, env).await?)
}

pub async fn send(mut req: Request, env: &Env) -> Result<Response> {
    respond(sending(&mut req, env).await?)
}

pub async fn check(mut req: Request, env: &Env) -> Result<Response> {
    respond(checking(&mut req, env).await?)
}

async fn entering(req: &mut Request, env: &Env) -> Result<Outcome> {
    let Some((token, forms)) = forms_for(req, env) else {
        return Ok(Err(invalid_link()));
    };
    let entry: WebFormEntry = match read_json(req, MAX_RECIPIENT_BODY).await {
        Ok(entry) => entry,
        Err(failure) => return Ok(Err(failure)),
    };
    if let Some(failure) = throttled(req, env, Throttle::Sends).await? {
        return Ok(Err(failure));
    }
    let enter = Enter {
        digest: token.secret_digest(),
        entry,
        client: client_of(req)?,
        host: sms_host(env, req)?,
        origin: config::origin(env, req)?,
    };
    let step = forms.enter(enter).await?;
    answer(req, env, step).await
}

async fn sending(req: &mut Request, env: &Env) -> Result<Outcome> {
    let Some((token, forms)) = forms_for(req, env) else {
        return Ok(Err(invalid_link()));
    };
    let input: SendCode = match read_json(req, MAX_RECIPIENT_BODY).await {
        Ok(input) => input,
        Err(failure) => return Ok(Err(failure)),
    };
    if let Some(failure) = throttled(req, env, Throttle::Sends).await? {
        return Ok(Err(failure));
    }
    let language = input
        .language
        .as_deref()
        .map(Language::from_tag)
        .unwrap_or_default();
    let sent = forms
        .resend(
            token.secret_digest(),
            client_of(req)?,
            language,
            sms_host(env, req)?,
        )
        .await?;
    Ok(Ok(http::answer(sent)?))
}

async fn checking(req: &mut Request, env: &Env) -> Result<Outcome> {
    let Some((token, forms)) = forms_for(req, env) else {
        return Ok(Err(invalid_link()));
    };
    let attempt: CodeAttempt = match read_json(req, MAX_RECIPIENT_BODY).await {
        Ok(attempt) => attempt,
        Err(failure) => return Ok(Err(failure)),
    };
    if let Some(failure) = throttled(req, env, Throttle::Checks).await? {
        return Ok(Err(failure));
    }
    let step = forms
        .check_code(
            token.secret_digest(),
            attempt.code,
            config::origin(env, req)?,
        )
        .await?;
    answer(req, env, step).await
}

/// The entry's step as the browser is told it. When the entry's code was the form's method (the
/// e-mail code), this browser becomes the recipient's verified device at once.
async fn answer(req: &Request, env: &Env, step: Reply<EntryStep>) -> Result<Outcome> {
    let entered = match step {
        Err(refusal) => return Ok(Err(Box::new(refusal))),
        Ok(EntryStep::CodeSent { entry_token, sent }) => WebFormEntered {
            entry_token: Some(entry_token),
            code: Some(sent),
            signing_url: None,
        },
        Ok(EntryStep::Done {
            signing_token,
            verified,
        }) => {
            let Some(token) = LinkToken::parse(&signing_token) else {
                return Err(worker::Error::RustError(
                    "a new link that does not parse".into(),
                ));
            };
            let entered = WebFormEntered {
                entry_token: None,
                code: None,
                signing_url: Some(signing_url(&config::origin(env, req)?, &token)),
            };
            if verified {
                let (cookie, device) = device::new_verification(env, req)?;
                let recipient = stub(env, config::RECIPIENTS_BINDING, &token.recipient_id())?;
                let proven = RecipientCall::ProvenByWebForm {
                    token: signing_token,
                    device,
                };
                // The agreement stands whatever this answers: the signer always gets their link.
                // Unverified here (which should not happen), it asks for the e-mail code again.
                let binds = match call::<_, VerifiedResponse>(&recipient, &proven).await {
                    Ok(verdict) => device::binds(&verdict),
                    Err(error) => {
                        worker::console_error!(
                            "a web form's entry was not marked verified: {error}"
                        );
                        false
                    }
                };
                return Ok(Ok(device::with_cookie(
                    http::json(200, &entered)?,
                    &cookie,
                    binds,
                )?));
            }
            entered
        }
    };
    Ok(Ok(http::json(200, &entered)?))
}

/// The forms object a form's or an entry's token names (both carry its id).
fn forms_for(req: &Request, env: &Env) -> Option<(LinkToken, AccountForms)> {
    let token = LinkToken::parse(&bearer(req)?)?;
    // An id the runtime did not make for this kind of object is no link either.
    let forms = AccountForms::at(env, &token.recipient_id()).ok()?;
    Some((token, forms))
}

/// The client's address, as the caps count it (an IPv6 one by its /64), digested.
fn client_of(req: &Request) -> Result<String> {
    let address = req.headers().get("cf-connecting-ip")?.unwrap_or_default();
    Ok(device::digest(&signgate_core::client::throttle_key(
        &address,
    )))
}
