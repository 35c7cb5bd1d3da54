//! The recipient API of a sender's preview, under `/api/v1/preview/recipient`: the same calls as
//! `/api/v1/recipient`, answered from the signed preview token alone (`signgate_core::preview`).
//! Nothing here reads or writes storage, sends a message or fires a webhook, so a preview cannot
//! reach a recipient's state, the audit trail or anyone's inbox. A link token is refused here,
//! and a preview token on the real routes.

use signgate_core::calendar::date_of;
use signgate_core::kba::Subject;
use signgate_core::policy::Method;
use signgate_core::preview::{self, PREVIEW_GRANT, PreviewAnswer, PreviewSpec, PreviewStep};
use signgate_core::wire::{
    CodeAttempt, DevicesRevoked, ErrorCode, IdHandoffRequest, IdHandoffSent, KbaAnswered,
    KbaAnswers, LoginStarted, PairingConfirmation, PairingOffer, PairingStatus, PasswordAttempt,
    SendCode, StartLogin, VerifiedResponse,
};
use worker::{Env, Method as Verb, Request, Response, Result};

use super::id_check;
use crate::config::{self, now_ms};
use crate::device;
use crate::http::{
    self, Failure, MAX_RECIPIENT_BODY, bearer, fail, invalid_link, not_counted, read_json,
    wrong_entry,
};

pub async fn dispatch(mut req: Request, env: &Env, path: &[&str]) -> Result<Response> {
    let key = preview::key(&config::grant_signing_key(env)?);
    let Some(spec) = bearer(&req).and_then(|t| preview::verify(&t, &key, now_ms() / 1000)) else {
        return http::error_response(&invalid_link());
    };
    let verb = req.method();
    let step = match (verb.clone(), path) {
        (Verb::Get, []) => return http::json(200, &spec.view()),
        (Verb::Post, ["password"]) => read_json::<PasswordAttempt>(&mut req, MAX_RECIPIENT_BODY)
            .await
            .map(|a| answer(env, &req, &spec, PreviewStep::Password(&a.password), &key)),
        (Verb::Post, ["code", "send"]) => read_json::<SendCode>(&mut req, MAX_RECIPIENT_BODY)
            .await
            .map(|s| answer(env, &req, &spec, PreviewStep::SendCode(s.channel), &key)),
        (Verb::Post, ["code"]) => read_json::<CodeAttempt>(&mut req, MAX_RECIPIENT_BODY)
            .await
            .map(|a| answer(env, &req, &spec, PreviewStep::Code(&a.code), &key)),
        (Verb::Post, ["login", "start"]) => read_json::<StartLogin>(&mut req, MAX_RECIPIENT_BODY)
            .await
            .map(|s| answer(env, &req, &spec, PreviewStep::StartLogin(&s.provider), &key)),
        (Verb::Post, ["login", "finish"]) => {
            Ok(answer(env, &req, &spec, PreviewStep::FinishLogin, &key))
        }
        (Verb::Post, ["kba", "start"]) => read_json::<Subject>(&mut req, MAX_RECIPIENT_BODY)
            .await
            .map(|subject| {
                let today = date_of(now_ms());
                let step = PreviewStep::KbaStart {
                    subject: &subject,
                    today: &today,
                };
                answer(env, &req, &spec, step, &key)
            }),
        (Verb::Post, ["kba", "answers"]) => read_json::<KbaAnswers>(&mut req, MAX_RECIPIENT_BODY)
            .await
            .map(|a| answer(env, &req, &spec, PreviewStep::KbaAnswers(&a), &key)),
        // The ID check's calls, the capture calls included (their token is the preview's).
        (Verb::Post, ["id", "start"]) => Ok(answer(env, &req, &spec, PreviewStep::IdStart, &key)),
        (Verb::Post, ["id", "finish"]) => Ok(answer(env, &req, &spec, PreviewStep::IdFinish, &key)),
        (Verb::Post, ["id", "handoff"]) => {
            match read_json::<IdHandoffRequest>(&mut req, MAX_RECIPIENT_BODY).await {
                Ok(request) => id_check::handoff_phone(&request)
                    .map(|_| answer(env, &req, &spec, PreviewStep::IdHandoff, &key)),
                Err(failure) => Err(failure),
            }
        }
        (Verb::Put, ["id", "photos", document, shot]) => {
            // Checked as a real photo is, then dropped: nothing is stored.
            match id_check::photo_request(&req, document, shot) {
                Ok((document, shot, _)) => id_check::read_jpeg(&mut req).await.map(|_| {
                    answer(
                        env,
                        &req,
                        &spec,
                        PreviewStep::IdPhoto { document, shot },
                        &key,
                    )
                }),
                Err(failure) => Err(failure),
            }
        }
        (Verb::Post, ["id", "submit"]) => Ok(answer(env, &req, &spec, PreviewStep::IdSubmit, &key)),
        // The device page: the sender's browser and a sample phone; nothing is changed.
        (Verb::Get, ["devices"]) => Ok(Ok(http::json(
            200,
            &spec.devices(device::label(&req), false),
        ))),
        (Verb::Post, ["devices", "seen"]) => Ok(Ok(http::json(
            200,
            &spec.devices(device::label(&req), true),
        ))),
        (Verb::Delete, ["devices", _]) | (Verb::Post, ["devices", _, "not-mine"]) => {
            Ok(Ok(http::json(200, &DevicesRevoked { revoked: 1 })))
        }
        (Verb::Post, ["pairing"]) => Ok(pairing_offer(env, &req, &spec)),
        (Verb::Get, ["pairing"]) => Ok(Ok(http::json(
            200,
            &PairingStatus {
                expires_in_secs: signgate_core::pairing::PAIRING_MS / 1000,
                claimed_by: Some(preview::sample_phone()),
                code: None,
            },
        ))),
        (Verb::Post, ["pairing", "confirm"]) => {
            read_json::<PairingConfirmation>(&mut req, MAX_RECIPIENT_BODY)
                .await
                .map(|_| Ok(http::json(200, &spec.devices(device::label(&req), true))))
        }
        (Verb::Get, ["id", "status"]) => Ok(answer(env, &req, &spec, PreviewStep::IdStatus, &key)),
        (Verb::Post, ["passkey"]) => Ok(answer(env, &req, &spec, PreviewStep::PasskeySignIn, &key)),
        (
            _,
            []
            | ["password" | "code"]
            | ["code", "send"]
            | ["login" | "kba", "start" | "finish"]
            | ["kba", "answers"]
            | ["id", "start" | "finish" | "handoff" | "submit" | "status"]
            | ["id", "photos", _, _]
            | ["devices" | "pairing"]
            | ["devices", _]
            | ["devices", _, "not-mine"]
            | ["pairing", "confirm"]
            | ["passkey"],
        ) => Err(fail(
            ErrorCode::MethodNotAllowed,
            format!("{verb} is not allowed here."),
        )),
        _ => Err(fail(ErrorCode::NotFound, "There is nothing here.")),
    };
    match step {
        Ok(Ok(response)) => Ok(response?),
        Ok(Err(failure)) | Err(failure) => http::error_response(&failure),
    }
}

/// A pairing offered in a preview: the link opens the same preview's device page.
fn pairing_offer(
    env: &Env,
    req: &Request,
    spec: &PreviewSpec,
) -> std::result::Result<Result<Response>, Failure> {
    if !spec.devices.pairing {
        return Err(fail(
            ErrorCode::NotAllowed,
            "This account's policy has every device verify itself.",
        ));
    }
    Ok(config::origin(env, req).and_then(|origin| {
        let offer = PairingOffer {
            link: format!("{origin}/device/#{}", bearer(req).unwrap_or_default()),
            expires_in_secs: signgate_core::pairing::PAIRING_MS / 1000,
        };
        http::json(200, &offer)
    }))
}

/// A step's answer as the real route would give it.
fn answer(
    env: &Env,
    req: &Request,
    spec: &PreviewSpec,
    step: PreviewStep<'_>,
    key: &[u8],
) -> std::result::Result<Result<Response>, Failure> {
    match spec.answer(step, key) {
        PreviewAnswer::Verified { signature_name } => {
            let verified = VerifiedResponse {
                grant: PREVIEW_GRANT.into(),
                grant_expires_at: spec.expires_at,
                continue_url: None,
                signature_name,
                recovery_code: None,
            };
            // KBA's answers call says "verified" inside its own answer.
            Ok(match spec.method {
                Method::Kba => http::json(
                    200,
                    &KbaAnswered {
                        verified: Some(verified),
                        follow_up: None,
                    },
                ),
                _ => http::json(200, &verified),
            })
        }
        PreviewAnswer::KbaQuestions(round) => Ok(http::json(200, &round)),
        PreviewAnswer::IdStatus(mut status) => {
            status.capture_token = bearer(req);
            Ok(http::json(200, &status))
        }
        // The phone opens the same preview; nothing is sent.
        PreviewAnswer::IdHandoff => Ok(config::origin(env, req).and_then(|origin| {
            let sent = IdHandoffSent {
                link: format!("{origin}/id/#s={}", bearer(req).unwrap_or_default()),
                sent_to: None,
                expires_in_secs: signgate_core::id_check::HANDOFF_MS / 1000,
                next_send_in_secs: 0,
            };
            http::json(200, &sent)
        })),
        PreviewAnswer::CodeSent(sent) => Ok(http::json(200, &sent)),
        PreviewAnswer::LoginSimulated => Ok(config::origin(env, req).and_then(|origin| {
            let authorization_url = format!("{origin}/s#login=done");
            http::json(200, &LoginStarted { authorization_url })
        })),
        PreviewAnswer::Wrong { tries_left } => {
            let code = match spec.method {
                Method::Password => ErrorCode::WrongPassword,
                _ => ErrorCode::WrongCode,
            };
            Err(Box::new(wrong_entry(code, tries_left)))
        }
        PreviewAnswer::Invalid(problem) => {
            let code = match spec.method {
                Method::Password => ErrorCode::InvalidPassword,
                Method::Kba | Method::GovernmentId => {
                    return Err(fail(ErrorCode::InvalidRequest, problem));
                }
                _ => ErrorCode::InvalidCode,
            };
            Err(Box::new(not_counted(code, problem, spec.tries)))
        }
        PreviewAnswer::WrongMethod => Err(fail(
            ErrorCode::WrongMethod,
            "This preview does not use that method.",
        )),
    }
}
