//! `POST /api/v1/recipient/kba/start`: the signer's data → the provider's first questions.
//! `POST /api/v1/recipient/kba/answers`: one round's answers → verified, follow-ups, or a failed try.
//!
//! The recipient's object decides both (and counts); the data is checked here first, so a
//! malformed form never reaches the provider. Starts pass the per-IP throttle of sends (each is a
//! paid lookup of a person), answers that of checks.

use signgate_core::calendar::date_of;
use signgate_core::kba::Subject;
use signgate_core::wire::{ErrorCode, KbaAnswered, KbaAnswers, KbaRound};
use worker::{Env, Request, Response, Result};

use super::recipient_view::recipient_for;
use crate::config::now_ms;
use crate::device;
use crate::http::{self, Failure, MAX_RECIPIENT_BODY, fail, invalid_link, read_json, respond};
use crate::objects::call;
use crate::objects::recipient::RecipientCall;
use crate::throttle::{Throttle, throttled};

pub async fn start(mut req: Request, env: &Env) -> Result<Response> {
    respond(start_kba(&mut req, env).await?)
}

pub async fn answers(mut req: Request, env: &Env) -> Result<Response> {
    respond(answer_kba(&mut req, env).await?)
}

async fn start_kba(req: &mut Request, env: &Env) -> Result<std::result::Result<Response, Failure>> {
    let Some((token, recipient)) = recipient_for(req, env) else {
        return Ok(Err(invalid_link()));
    };
    let subject: Subject = match read_json(req, MAX_RECIPIENT_BODY).await {
        Ok(subject) => subject,
        Err(failure) => return Ok(Err(failure)),
    };
    let problems = subject.problems(&date_of(now_ms()));
    if !problems.is_empty() {
        return Ok(Err(fail(ErrorCode::InvalidRequest, problems.join("; "))));
    }
    if let Some(failure) = throttled(req, env, Throttle::Sends).await? {
        return Ok(Err(failure));
    }
    let start = RecipientCall::StartKba {
        token,
        subject: Box::new(subject),
    };
    Ok(Ok(http::answer(
        call::<_, KbaRound>(&recipient, &start).await?,
    )?))
}

async fn answer_kba(
    req: &mut Request,
    env: &Env,
) -> Result<std::result::Result<Response, Failure>> {
    let Some((token, recipient)) = recipient_for(req, env) else {
        return Ok(Err(invalid_link()));
    };
    let answers: KbaAnswers = match read_json(req, MAX_RECIPIENT_BODY).await {
        Ok(answers) => answers,
        Err(failure) => return Ok(Err(failure)),
    };
    if let Some(problem) = answers.problem() {
        return Ok(Err(fail(ErrorCode::InvalidRequest, problem)));
    }
    if let Some(failure) = throttled(req, env, Throttle::Checks).await? {
        return Ok(Err(failure));
    }
    let (cookie, device) = device::new_verification(env, req)?;
    let call_answers = RecipientCall::AnswerKba {
        token,
        answers,
        device,
    };
    let answered = call::<_, KbaAnswered>(&recipient, &call_answers).await?;
    // A round answered is not yet a verification: only the last one's grant binds.
    let binds = match &answered {
        Ok(answered) => answered.verified.is_some(),
        Err(_) => device::binds(&answered),
    };
    Ok(Ok(device::with_cookie(
        http::answer(answered)?,
        &cookie,
        binds,
    )?))
}
