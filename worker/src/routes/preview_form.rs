//! A sender's preview of a web form, under `/api/v1/preview/form`: the same calls as
//! `/api/v1/form`, answered from the signed preview token alone (`signgate_core::preview`), as
//! the method's preview is (`routes/preview.rs`). Nothing is stored, sent or counted; the "entry
//! token" is the preview token itself, and the signing link it ends on opens the method's preview.

use signgate_core::preview::{self, FormAnswer};
use signgate_core::wire::{CodeAttempt, ErrorCode, SendCode, WebFormEntered, WebFormEntry};
use worker::{Env, Method as Verb, Request, Response, Result};

use crate::config::{self, now_ms};
use crate::http::{
    self, Failure, MAX_RECIPIENT_BODY, bearer, fail, invalid_link, not_counted, read_json, respond,
    wrong_entry,
};

pub async fn form(mut req: Request, env: &Env, path: &[&str]) -> Result<Response> {
    let key = preview::key(&config::grant_signing_key(env)?);
    let Some((token, spec)) = bearer(&req).and_then(|token| {
        let spec = preview::verify(&token, &key, now_ms() / 1000)?;
        Some((token, spec))
    }) else {
        return http::error_response(&invalid_link());
    };
    let Some(view) = spec.form_view() else {
        // A method's preview is no form's.
        return http::error_response(&invalid_link());
    };
    let verb = req.method();
    let (step, answer) = match (verb.clone(), path) {
        (Verb::Get, []) => return http::json(200, &view),
        (Verb::Post, ["entry"]) => {
            match read_json::<WebFormEntry>(&mut req, MAX_RECIPIENT_BODY).await {
                Ok(entry) => (Step::Entry, spec.form_entry(&entry, &key)),
                Err(failure) => return respond(Err(failure)),
            }
        }
        (Verb::Post, ["entry", "send"]) => {
            match read_json::<SendCode>(&mut req, MAX_RECIPIENT_BODY).await {
                Ok(_) => (Step::Send, spec.form_resend(&key)),
                Err(failure) => return respond(Err(failure)),
            }
        }
        (Verb::Post, ["entry", "code"]) => {
            match read_json::<CodeAttempt>(&mut req, MAX_RECIPIENT_BODY).await {
                Ok(attempt) => (Step::Code, spec.form_code_entry(&attempt.code, &key)),
                Err(failure) => return respond(Err(failure)),
            }
        }
        (_, [] | ["entry"] | ["entry", "send" | "code"]) => {
            return respond(Err(fail(
                ErrorCode::MethodNotAllowed,
                format!("{verb} is not allowed here."),
            )));
        }
        _ => return respond(Err(fail(ErrorCode::NotFound, "There is nothing here."))),
    };
    respond(as_real(env, &req, &token, step, answer)?)
}

/// Which of the form's calls a preview answers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    Entry,
    Send,
    Code,
}

/// A preview's answer as the real route would give it.
fn as_real(
    env: &Env,
    req: &Request,
    token: &str,
    step: Step,
    answer: FormAnswer,
) -> Result<std::result::Result<Response, Failure>> {
    Ok(match answer {
        FormAnswer::CodeSent(sent) => {
            // A resend answers the code alone.
            if step == Step::Send {
                Ok(http::json(200, &sent)?)
            } else {
                let entered = WebFormEntered {
                    entry_token: Some(token.to_owned()),
                    code: Some(sent),
                    signing_url: None,
                };
                Ok(http::json(200, &entered)?)
            }
        }
        FormAnswer::Entered => {
            let entered = WebFormEntered {
                entry_token: None,
                code: None,
                signing_url: Some(format!("{}/s#{token}", config::origin(env, req)?)),
            };
            Ok(http::json(200, &entered)?)
        }
        // Nothing is counted: no tries are named.
        FormAnswer::Wrong => Err(Box::new(wrong_entry(ErrorCode::WrongCode, None))),
        FormAnswer::WrongStep => Err(fail(
            ErrorCode::WrongMethod,
            "This form does not ask for that.",
        )),
        FormAnswer::Invalid(problem) if step == Step::Code => {
            Err(Box::new(not_counted(ErrorCode::InvalidCode, problem, None)))
        }
        FormAnswer::Invalid(problems) => Err(fail(ErrorCode::InvalidRequest, problems)),
    })
}
