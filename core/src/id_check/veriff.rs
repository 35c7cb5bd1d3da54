//! Veriff's direct-upload API (`tests/support/veriff-api.md`), the pure half: the bodies sent,
//! their HMAC signatures, and the decision read back. The worker's adapter does the HTTP.

use hmac::{Hmac, Mac};
use serde::Deserialize;
use sha2::Sha256;

use super::{Decision, Document, ProviderStatus, Read, Shot};
use crate::encoding::{base64, constant_time_eq, hex};
use crate::id_document::Date;

/// `X-HMAC-SIGNATURE`: lowercase hex HMAC-SHA256 of a POST's or PATCH's raw body, or of the
/// session id for a GET.
pub fn signature(secret: &[u8], message: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(message);
    hex(&mac.finalize().into_bytes())
}

/// Whether `header` signs `message` (Veriff's hex may come in either case).
pub fn signed(secret: &[u8], message: &[u8], header: &str) -> bool {
    constant_time_eq(
        signature(secret, message).as_bytes(),
        header.trim().to_ascii_lowercase().as_bytes(),
    )
}

/// A new session for `document`, labelled with our own ids (nothing personal).
pub fn session_body(label: &str, document: Document) -> String {
    let kind = match document {
        Document::Passport => "PASSPORT",
        Document::DrivingLicence => "DRIVERS_LICENSE",
        Document::IdCard => "ID_CARD",
        Document::ResidencePermit => "RESIDENCE_PERMIT",
    };
    serde_json::json!({ "verification": { "vendorData": label, "document": { "type": kind } } })
        .to_string()
}

/// Where Veriff expects a photo: the turned-head selfie is the second face capture.
pub fn context(shot: Shot) -> &'static str {
    match shot {
        Shot::DocumentFront => "document-front",
        Shot::DocumentBack => "document-back",
        Shot::Face => "face",
        Shot::FaceTurned => "face-pre",
    }
}

/// One photo, as a JPEG data URI.
pub fn media_body(shot: Shot, jpeg: &[u8]) -> String {
    let content = format!("data:image/jpeg;base64,{}", base64(jpeg));
    serde_json::json!({ "image": { "context": context(shot), "content": content } }).to_string()
}

pub const SUBMIT_BODY: &str = r#"{"verification":{"status":"submitted"}}"#;

#[derive(Deserialize)]
struct Envelope {
    verification: Option<Verification>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Verification {
    id: Option<String>,
    #[serde(default)]
    vendor_data: Option<String>,
    status: Option<String>,
    #[serde(default)]
    reason_code: Option<ReasonCode>,
    #[serde(default)]
    person: Option<Person>,
    #[serde(default)]
    document: Option<DocumentRead>,
    #[serde(default)]
    additional_verified_data: Option<Additional>,
}

/// A number in the schema, a string in some answers.
#[derive(Deserialize)]
#[serde(untagged)]
enum ReasonCode {
    Number(u32),
    Text(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Person {
    first_name: Option<String>,
    last_name: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct DocumentRead {
    number: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    valid_until: Option<String>,
}

/// Not in Veriff's published schema: an integration that passes the machine-readable zone or
/// the licence barcode's text has it checked by us too (the local stand-in does).
#[derive(Deserialize)]
struct Additional {
    mrz: Option<String>,
    barcode: Option<String>,
}

/// The session id an answer (a new session, or a webhook) names.
pub fn session_id(json: &[u8]) -> Option<String> {
    serde_json::from_slice::<Envelope>(json)
        .ok()?
        .verification?
        .id
        .filter(|id| !id.is_empty() && id.len() <= 100)
}

/// The label a session was created with ([`session_body`]), as a webhook repeats it.
pub fn vendor_data(json: &[u8]) -> Option<String> {
    serde_json::from_slice::<Envelope>(json)
        .ok()?
        .verification?
        .vendor_data
}

/// A decision answer: `Ok(None)` while Veriff has not decided; `Err` for what cannot be read.
pub fn read_decision(json: &[u8]) -> Result<Option<Decision>, String> {
    // Only where it went wrong: serde's message may quote a value (a name) from the answer.
    let envelope: Envelope = serde_json::from_slice(json).map_err(|e| {
        format!(
            "not a decision ({:?} at line {}, column {})",
            e.classify(),
            e.line(),
            e.column()
        )
    })?;
    let Some(verification) = envelope.verification else {
        return Ok(None);
    };
    let status = match verification.status.as_deref() {
        // Old integrations answer `{}` before deciding.
        None => return Ok(None),
        Some(text) => ProviderStatus::ALL
            .into_iter()
            .find(|status| status.name() == text)
            .ok_or_else(|| format!("an unknown status {text:?}"))?,
    };
    let reason_code = match verification.reason_code {
        Some(ReasonCode::Number(n)) => Some(n),
        Some(ReasonCode::Text(text)) => text.trim().parse().ok(),
        None => None,
    };
    let person = verification.person;
    let document = verification.document;
    let additional = verification.additional_verified_data;
    let read = Read {
        document: document
            .as_ref()
            .and_then(|d| d.kind.as_deref())
            .and_then(document_kind),
        first_name: person.as_ref().and_then(|p| p.first_name.clone()),
        last_name: person.and_then(|p| p.last_name),
        number: document.as_ref().and_then(|d| d.number.clone()),
        valid_until: document
            .and_then(|d| d.valid_until)
            .and_then(|text| iso_date(&text)),
        machine_text: additional.and_then(|a| a.mrz.or(a.barcode)),
    };
    Ok(Some(Decision {
        status,
        reason_code,
        read,
    }))
}

fn document_kind(kind: &str) -> Option<Document> {
    match kind {
        "PASSPORT" => Some(Document::Passport),
        "ID_CARD" => Some(Document::IdCard),
        "DRIVERS_LICENSE" => Some(Document::DrivingLicence),
        "RESIDENCE_PERMIT" => Some(Document::ResidencePermit),
        _ => None,
    }
}

/// `YYYY-MM-DD`.
fn iso_date(text: &str) -> Option<Date> {
    let mut parts = text.splitn(3, '-').map(|p| p.parse::<u32>().ok());
    let date = (parts.next()??, parts.next()??, parts.next()??);
    crate::calendar::is_real_day(date.0, date.1, date.2).then_some(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_are_lowercase_hex_hmac_sha256() {
        // RFC 4231 test case 2.
        assert_eq!(
            signature(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        let upper = signature(b"k", b"body").to_uppercase();
        assert!(signed(b"k", b"body", &upper));
        assert!(!signed(b"k", b"body!", &upper));
        assert!(!signed(b"other", b"body", &upper));
    }

    #[test]
    fn a_decision_reads_with_its_document_and_a_string_reason_code() {
        let approved = br#"{"status":"success","verification":{"id":"c30b","code":9001,
            "status":"approved","reason":null,"reasonCode":null,
            "person":{"firstName":"ADA","lastName":"LOVELACE","dateOfBirth":"1985-12-10"},
            "document":{"type":"DRIVERS_LICENSE","number":"D1234562","country":"US",
            "validUntil":"2030-12-10"},"additionalVerifiedData":{"barcode":"@..."}},
            "technicalData":{"ip":"0.0.0.0"}}"#;
        let decision = read_decision(approved).unwrap().unwrap();
        assert_eq!(decision.status, ProviderStatus::Approved);
        assert_eq!(decision.read.document, Some(Document::DrivingLicence));
        assert_eq!(decision.read.valid_until, Some((2030, 12, 10)));
        assert_eq!(decision.read.machine_text.as_deref(), Some("@..."));
        assert_eq!(session_id(approved).as_deref(), Some("c30b"));
        let labelled = br#"{"verification":{"id":"c30b","vendorData":"r.s"}}"#;
        assert_eq!(vendor_data(labelled).as_deref(), Some("r.s"));
        let declined = br#"{"verification":{"id":"x","status":"declined","reasonCode":"103",
            "person":null,"document":null}}"#;
        let decision = read_decision(declined).unwrap().unwrap();
        assert_eq!(decision.reason_code, Some(103));
        assert_eq!(decision.read, Read::default());
        assert_eq!(read_decision(br#"{"verification":null}"#), Ok(None));
        assert!(read_decision(br#"{"verification":{"status":"odd"}}"#).is_err());
        assert!(read_decision(b"<html>").is_err());
    }

    #[test]
    fn photos_go_as_data_uris_in_their_context() {
        let body = media_body(Shot::DocumentBack, &[0xff, 0xd8, 0xff]);
        assert_eq!(
            body,
            r#"{"image":{"content":"data:image/jpeg;base64,/9j/","context":"document-back"}}"#
        );
    }
}
