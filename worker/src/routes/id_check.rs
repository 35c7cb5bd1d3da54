//! The government-ID check's routes. The signing link's browser begins a session and collects
//! the grant; everything in between is done with a capture credential (`Authorization: Bearer`),
//! which the signing link's browser gets when it begins and the phone when it opens the hand-off
//! link, so a phone holds no more than the photos of one session.
//!
//! - `POST /api/v1/recipient/id/start` (signing link) → the session, with a capture credential
//! - `POST /api/v1/recipient/id/finish` (signing link, `{capture_token}` of a browser that took
//!   part in the check) → the grant of a passed check
//! - `POST /api/v1/id/handoff` → a hand-off link (`/id/#h=<token>`), by SMS and for the QR code
//! - `POST /api/v1/id/handoff/open` (hand-off link) → the session, with the phone's credential
//! - `PUT /api/v1/id/photos/{document}/{shot}?live=…` (a JPEG) → the session
//! - `POST /api/v1/id/submit` → the session, being checked
//! - `GET /api/v1/id/status` → the session (followed live by both screens)
//!
//! The photos go to R2 here, between two calls of the recipient's object: it says where one may
//! be stored, and records it (or has it deleted, if the session moved on meanwhile).

use signgate_core::id_check::{Document, Photo, Shot};
use signgate_core::token::LinkToken;
use signgate_core::wire::{
    ErrorCode, IdFinish, IdHandoffRequest, IdHandoffSent, IdStatus, VerifiedResponse,
};
use worker::{Env, Request, Response, Result, Stub};

use super::recipient_view::recipient_for;
use crate::config::{self, RECIPIENTS_BINDING};
use crate::http::{
    self, Failure, MAX_RECIPIENT_BODY, bearer, fail, invalid_link, read_body, read_json, respond,
};
use crate::id_check::photos::{self, MAX_PHOTO_BYTES, is_jpeg};
use crate::objects::recipient::{Handoff, RecipientCall};
use crate::objects::{call, stub};
use crate::throttle::{Throttle, throttled};
use crate::{crypto, device};

type Outcome = std::result::Result<Response, Failure>;

pub async fn start(req: Request, env: &Env) -> Result<Response> {
    let Some((token, recipient)) = recipient_for(&req, env) else {
        return http::error_response(&invalid_link());
    };
    let (capture, capturer) = new_credential(&recipient_id(&token))?;
    let begun =
        call::<_, IdStatus>(&recipient, &RecipientCall::IdStart { token, capturer }).await?;
    http::answer(begun.map(|status| with_credential(status, capture)))
}

pub async fn finish(mut req: Request, env: &Env) -> Result<Response> {
    respond(finished(&mut req, env).await?)
}

async fn finished(req: &mut Request, env: &Env) -> Result<Outcome> {
    let Some((token, recipient)) = recipient_for(req, env) else {
        return Ok(Err(invalid_link()));
    };
    let body: IdFinish = match read_json(req, MAX_RECIPIENT_BODY).await {
        Ok(body) => body,
        Err(failure) => return Ok(Err(failure)),
    };
    // The capture token must be this recipient's, like the link.
    let capturer = LinkToken::parse(&body.capture_token)
        .filter(|capture| capture.recipient_id() == recipient_id(&token))
        .map(|capture| capture.secret_digest());
    let Some(capturer) = capturer else {
        return Ok(Err(fail(
            ErrorCode::InvalidRequest,
            "capture_token: the one this browser was given when it began the check",
        )));
    };
    let (cookie, device) = device::new_verification(env, req)?;
    let finish = RecipientCall::IdFinish {
        token,
        capturer,
        device,
    };
    let finished = call::<_, VerifiedResponse>(&recipient, &finish).await?;
    Ok(Ok(device::verification_answer(finished, &cookie)?))
}

pub async fn hand_off(mut req: Request, env: &Env) -> Result<Response> {
    respond(send_handoff(&mut req, env).await?)
}

async fn send_handoff(req: &mut Request, env: &Env) -> Result<Outcome> {
    let Some((recipient, capturer, id)) = capture(req, env) else {
        return Ok(Err(invalid_link()));
    };
    let request: IdHandoffRequest = match read_json(req, MAX_RECIPIENT_BODY).await {
        Ok(request) => request,
        Err(failure) => return Ok(Err(failure)),
    };
    let phone = match handoff_phone(&request) {
        Ok(phone) => phone,
        Err(failure) => return Ok(Err(failure)),
    };
    if request.sms
        && let Some(failure) = throttled(req, env, Throttle::Sends).await?
    {
        return Ok(Err(failure));
    }
    let secret = crypto::random_bytes()?;
    let link_token = LinkToken::new(&id, secret).ok_or_else(|| worker::Error::from("bad id"))?;
    let handoff = Handoff {
        link: format!(
            "{}/id/#h={}",
            config::origin(env, req)?,
            link_token.encode()
        ),
        digest: link_token.secret_digest(),
        phone,
        sms: request.sms,
        language: request.language,
    };
    let sent = RecipientCall::IdHandOff {
        capturer,
        handoff: Box::new(handoff),
    };
    Ok(Ok(http::answer(
        call::<_, IdHandoffSent>(&recipient, &sent).await?,
    )?))
}

pub async fn open_handoff(req: Request, env: &Env) -> Result<Response> {
    // The hand-off link's token has the shape of a signing link's.
    let Some((token, recipient)) = recipient_for(&req, env) else {
        return http::error_response(&invalid_link());
    };
    if let Some(failure) = throttled(&req, env, Throttle::Checks).await? {
        return http::error_response(&failure);
    }
    let Some(link) = LinkToken::parse(&token) else {
        return http::error_response(&invalid_link());
    };
    let (capture, capturer) = new_credential(&link.recipient_id())?;
    let open = RecipientCall::IdOpen {
        digest: link.secret_digest(),
        capturer,
    };
    let opened = call::<_, IdStatus>(&recipient, &open).await?;
    http::answer(opened.map(|status| with_credential(status, capture)))
}

pub async fn photo(mut req: Request, env: &Env, document: &str, shot: &str) -> Result<Response> {
    respond(store_photo(&mut req, env, document, shot).await?)
}

async fn store_photo(req: &mut Request, env: &Env, document: &str, shot: &str) -> Result<Outcome> {
    let Some((recipient, capturer, _)) = capture(req, env) else {
        return Ok(Err(invalid_link()));
    };
    let (document, shot, live) = match photo_request(req, document, shot) {
        Ok(request) => request,
        Err(failure) => return Ok(Err(failure)),
    };
    if let Some(failure) = throttled(req, env, Throttle::Checks).await? {
        return Ok(Err(failure));
    }
    // Where it may go, before anything is read or stored.
    let may = RecipientCall::IdMayTake {
        capturer: capturer.clone(),
        document,
        shot,
    };
    let key = match call::<_, String>(&recipient, &may).await? {
        Ok(key) => key,
        Err(refused) => return Ok(Ok(http::error_response(&refused)?)),
    };
    let jpeg = match read_jpeg(req).await {
        Ok(jpeg) => jpeg,
        Err(failure) => return Ok(Err(failure)),
    };
    photos::put(env, &key, jpeg).await?;
    let took = RecipientCall::IdTook {
        capturer,
        document,
        photo: Photo { shot, live },
        key,
    };
    Ok(Ok(http::answer(
        call::<_, IdStatus>(&recipient, &took).await?,
    )?))
}

/// What a photo's address and query say: which document, which photo, and whether the live
/// camera took it.
pub fn photo_request(
    req: &Request,
    document: &str,
    shot: &str,
) -> std::result::Result<(Document, Shot, bool), Failure> {
    let document = Document::ALL
        .into_iter()
        .find(|d| d.name() == document)
        .ok_or_else(|| {
            fail(
                ErrorCode::NotFound,
                "document: passport, driving_licence, id_card or residence_permit",
            )
        })?;
    let shot = Shot::parse(shot).ok_or_else(|| {
        fail(
            ErrorCode::NotFound,
            "shot: document_front, document_back, face or face_turned",
        )
    })?;
    let live = match query(req, "live").as_deref() {
        Some("true") => true,
        Some("false") => false,
        _ => {
            return Err(fail(
                ErrorCode::InvalidRequest,
                "live: true (the live camera) or false (a picture from the phone's camera app)",
            ));
        }
    };
    Ok((document, shot, live))
}

/// The photo in the body: a JPEG of at most [`MAX_PHOTO_BYTES`].
pub async fn read_jpeg(req: &mut Request) -> std::result::Result<Vec<u8>, Failure> {
    let jpeg = read_body(req, MAX_PHOTO_BYTES, "image/jpeg").await?;
    if is_jpeg(&jpeg) {
        Ok(jpeg)
    } else {
        Err(fail(
            ErrorCode::UnsupportedMediaType,
            "The photo must be a JPEG image.",
        ))
    }
}

/// The phone number a hand-off message goes to, if one was typed: E.164 with its country code.
pub fn handoff_phone(request: &IdHandoffRequest) -> std::result::Result<Option<String>, Failure> {
    match request
        .phone
        .as_deref()
        .map(|p| signgate_core::phone::normalize(p, ""))
    {
        Some(Err(problem)) => Err(fail(
            ErrorCode::InvalidRequest,
            format!("phone: {problem} (write it with its country code, +49 …)"),
        )),
        Some(Ok(phone)) => Ok(Some(phone)),
        None => Ok(None),
    }
}

pub async fn submit(req: Request, env: &Env) -> Result<Response> {
    let Some((recipient, capturer, _)) = capture(&req, env) else {
        return http::error_response(&invalid_link());
    };
    if let Some(failure) = throttled(&req, env, Throttle::Checks).await? {
        return http::error_response(&failure);
    }
    http::answer(call::<_, IdStatus>(&recipient, &RecipientCall::IdSubmit { capturer }).await?)
}

pub async fn status(req: Request, env: &Env) -> Result<Response> {
    let Some((recipient, capturer, _)) = capture(&req, env) else {
        return http::error_response(&invalid_link());
    };
    http::answer(call::<_, IdStatus>(&recipient, &RecipientCall::IdStatus { capturer }).await?)
}

/// The recipient, the digest and the recipient id of the request's capture credential.
fn capture(req: &Request, env: &Env) -> Option<(Stub, String, String)> {
    let token = LinkToken::parse(&bearer(req)?)?;
    let id = token.recipient_id();
    let recipient = stub(env, RECIPIENTS_BINDING, &id).ok()?;
    Some((recipient, token.secret_digest(), id))
}

/// A new capture credential of the recipient `id`: the token for the browser, its digest for
/// the object.
fn new_credential(id: &str) -> Result<(String, String)> {
    let token = LinkToken::new(id, crypto::random_bytes()?)
        .ok_or_else(|| worker::Error::from("a recipient id that is not one"))?;
    Ok((token.encode(), token.secret_digest()))
}

fn recipient_id(token: &str) -> String {
    LinkToken::parse(token).map_or_else(String::new, |t| t.recipient_id())
}

fn with_credential(mut status: IdStatus, capture: String) -> IdStatus {
    status.capture_token = Some(capture);
    status
}

fn query(req: &Request, name: &str) -> Option<String> {
    req.url()
        .ok()?
        .query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}
