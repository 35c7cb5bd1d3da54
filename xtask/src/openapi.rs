//! `cargo xtask openapi`: the API contract, `public/openapi.json` (OpenAPI 3.1), served by the
//! Worker at `/openapi.json`. The operations are listed here, next to the route table they mirror;
//! every body is the JSON Schema of the wire type the route reads or answers, generated from that
//! type (`signgate-core`'s `schema` feature), so a changed type changes the contract. The test
//! below fails when the committed file is not what this generates, and the schemathesis run in the
//! test command fails when a route answers outside it.

use schemars::Schema;
use schemars::generate::{SchemaGenerator, SchemaSettings};
use serde_json::{Map, Value, json};
use signgate_core::id_check::report::{IdentityReports, ReportsErased};
use signgate_core::kba::Subject;
use signgate_core::policy::Account;
use signgate_core::wire::{
    AgreementStatus, ApiError, AuditTrail, ChangeMethod, CodeAttempt, CodeSent, CreateAgreement,
    CreatePreview, CreateWebForm, CreatedAgreement, CreatedRecipient, Devices, DevicesRevoked,
    IdFinish, IdHandoffRequest, IdHandoffSent, IdStatus, KbaAnswered, KbaAnswers, KbaRound,
    LoginStarted, PairingClaim, PairingConfirmation, PairingOffer, PairingStatus, PasskeyAssertion,
    PasskeyCreation, PasskeyRegistered, PasskeyRegistration, PasskeyRequest, PasswordAttempt,
    PreviewCreated, RecipientStatus, RecipientView, Recovered, RecoveryStart, ReplaceRecipient,
    SendCode, StartLogin, VerificationsReset, VerifiedResponse, WebFormCreated, WebFormEntered,
    WebFormEntry, WebFormSummary, WebFormView, WebForms, WebhookDeliveries, WebhookDelivery,
};

use crate::{Result, root};

pub const PATH: &str = "public/openapi.json";

/// Who may call an operation.
#[derive(Clone, Copy)]
enum Auth {
    /// `Authorization: Bearer <ADMIN_API_KEY>`.
    Admin,
    /// `Authorization: Bearer <link token>` (from a signing link's fragment).
    Link,
    /// `Authorization: Bearer <preview token>` (from a preview link's fragment).
    Preview,
    /// `Authorization: Bearer <capture token>` (an ID check's, from its start or hand-off).
    Capture,
    /// `Authorization: Bearer <hand-off token>` (from an ID check's phone link, `/id#<token>`).
    Handoff,
    /// `Authorization: Bearer <form token>` (from a web form's public link, `/f/#<token>`).
    Form,
    /// `Authorization: Bearer <entry token>` (a web form's entry, from its first call).
    Entry,
    None,
}

/// What a successful answer carries.
enum Body {
    Json(Schema),
    Html,
    Pdf,
    Jpeg,
    /// A redirect to the app (`/s#login=<outcome>`) or back to the provider.
    Redirect,
}

struct Operation {
    method: &'static str,
    path: &'static str,
    id: &'static str,
    summary: &'static str,
    auth: Auth,
    parameters: Vec<Value>,
    request: Option<Schema>,
    /// The request body's media type (`application/json` unless said).
    request_type: &'static str,
    status: u16,
    answer: Body,
}

fn operations(g: &mut SchemaGenerator) -> Vec<Operation> {
    let agreement_id = path_param("id", "The agreement's id.", json!({ "type": "string" }));
    let recipient_id = path_param(
        "recipient",
        "The recipient's id.",
        json!({ "type": "string" }),
    );
    let account_id = path_param(
        "id",
        "The account's id: 1-64 letters, digits, - or _.",
        json!({ "type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$" }),
    );
    let event_id = path_param(
        "event",
        "The webhook event's id.",
        json!({ "type": "string" }),
    );
    let device_id = path_param("device", "The device's id.", json!({ "type": "string" }));
    let shot = path_param(
        "shot",
        "document_front, document_back, face or face_turned.",
        json!({ "type": "string" }),
    );
    let op = |method, path, id, summary, auth, request, status, answer| Operation {
        method,
        path,
        id,
        summary,
        auth,
        parameters: Vec::new(),
        request,
        request_type: "application/json",
        status,
        answer,
    };
    let mut all = vec![
        op(
            "get",
            "/api/health",
            "health",
            "Whether the Worker answers.",
            Auth::None,
            None,
            200,
            Body::Json(health()),
        ),
        // A web form's public link.
        op(
            "get",
            "/api/v1/form",
            "webFormView",
            "What a signer opening a web form's link is shown first. A disabled form and one \
             never made answer alike.",
            Auth::Form,
            None,
            200,
            Body::Json(g.subschema_for::<WebFormView>()),
        ),
        op(
            "post",
            "/api/v1/form/entry",
            "webFormEnter",
            "A signer's entry on a web form: their name and e-mail address, and the form password \
             where there is one. A code goes to the address (the entry's token answered for the \
             next calls), or, where the policy turns the e-mail check off, the signer's own \
             agreement is made at once (its signing link answered).",
            Auth::Form,
            Some(g.subschema_for::<WebFormEntry>()),
            200,
            Body::Json(g.subschema_for::<WebFormEntered>()),
        ),
        op(
            "post",
            "/api/v1/form/entry/send",
            "webFormSendCode",
            "Another e-mail code for an entry (capped per form, address and client).",
            Auth::Entry,
            Some(g.subschema_for::<SendCode>()),
            200,
            Body::Json(g.subschema_for::<CodeSent>()),
        ),
        op(
            "post",
            "/api/v1/form/entry/code",
            "webFormCode",
            "The entry's code: right, the signer's own agreement is made and its signing link \
             answered (for an e-mail-code form this browser is verified already).",
            Auth::Entry,
            Some(g.subschema_for::<CodeAttempt>()),
            200,
            Body::Json(g.subschema_for::<WebFormEntered>()),
        ),
        // The recipient API (the signer's app), with the link token.
        op(
            "get",
            "/api/v1/recipient",
            "recipientView",
            "What the signer sees for their link, in this browser: a link verified in another \
             browser is `pending` here when its method may be asked again (a verification \
             belongs to the devices that earned it).",
            Auth::Link,
            None,
            200,
            Body::Json(g.subschema_for::<RecipientView>()),
        ),
        op(
            "post",
            "/api/v1/recipient/password",
            "checkPassword",
            "One password entry.",
            Auth::Link,
            Some(g.subschema_for::<PasswordAttempt>()),
            200,
            Body::Json(g.subschema_for::<VerifiedResponse>()),
        ),
        op(
            "post",
            "/api/v1/recipient/code/send",
            "sendCode",
            "Send a one-time code by SMS, voice call or e-mail.",
            Auth::Link,
            Some(g.subschema_for::<SendCode>()),
            200,
            Body::Json(g.subschema_for::<CodeSent>()),
        ),
        op(
            "post",
            "/api/v1/recipient/code",
            "checkCode",
            "One code entry.",
            Auth::Link,
            Some(g.subschema_for::<CodeAttempt>()),
            200,
            Body::Json(g.subschema_for::<VerifiedResponse>()),
        ),
        op(
            "post",
            "/api/v1/recipient/login/start",
            "startLogin",
            "Start a hand-off to an identity provider (sets the browser's binding cookie).",
            Auth::Link,
            Some(g.subschema_for::<StartLogin>()),
            200,
            Body::Json(g.subschema_for::<LoginStarted>()),
        ),
        op(
            "post",
            "/api/v1/recipient/login/finish",
            "finishLogin",
            "Collect the grant of a finished hand-off, once.",
            Auth::Link,
            None,
            200,
            Body::Json(g.subschema_for::<VerifiedResponse>()),
        ),
        op(
            "post",
            "/api/v1/recipient/grant",
            "freshGrant",
            "A fresh grant for a verified link (ten an hour).",
            Auth::Link,
            None,
            200,
            Body::Json(g.subschema_for::<VerifiedResponse>()),
        ),
        op(
            "get",
            "/api/v1/recipient/devices",
            "signerDevices",
            "The signer's devices, asked from one of them (its verification cookie).",
            Auth::Link,
            None,
            200,
            Body::Json(g.subschema_for::<Devices>()),
        ),
        op(
            "delete",
            "/api/v1/recipient/devices/{device}",
            "signerRevokeDevice",
            "Revoke one of the signer's devices, from one of them.",
            Auth::Link,
            None,
            200,
            Body::Json(g.subschema_for::<DevicesRevoked>()),
        ),
        op(
            "post",
            "/api/v1/recipient/devices/{device}/not-mine",
            "signerDisownDevice",
            "\"This was not me\": from another of the signer's devices, revoke a device the \
             signer does not know; the sender gets a recipient.device_disowned webhook.",
            Auth::Link,
            None,
            200,
            Body::Json(g.subschema_for::<DevicesRevoked>()),
        ),
        op(
            "post",
            "/api/v1/recipient/devices/seen",
            "signerDevicesSeen",
            "The devices announced as new to this one (marked `new` in its list) were the \
             signer's: no longer announced here.",
            Auth::Link,
            None,
            200,
            Body::Json(g.subschema_for::<Devices>()),
        ),
        op(
            "post",
            "/api/v1/recipient/recovery",
            "startRecovery",
            "A signer who lost their devices gives the recovery code shown at their first \
             verification, in a browser that is not a device: right, an e-mail code is sent \
             (five wrong recovery codes close recovery).",
            Auth::Link,
            Some(g.subschema_for::<RecoveryStart>()),
            200,
            Body::Json(g.subschema_for::<CodeSent>()),
        ),
        op(
            "post",
            "/api/v1/recipient/recovery/code",
            "finishRecovery",
            "The e-mail code, in the browser that gave the recovery code (within 15 minutes): \
             that browser is a device now, and the new recovery code is shown this once. Five \
             wrong e-mail codes close recovery.",
            Auth::Link,
            Some(g.subschema_for::<CodeAttempt>()),
            200,
            Body::Json(g.subschema_for::<Recovered>()),
        ),
        op(
            "post",
            "/api/v1/recipient/pairing",
            "offerPairing",
            "From a verified browser (its cookie): a one-time link, for five minutes, that pairs \
             another browser once it is confirmed here with the code that browser shows.",
            Auth::Link,
            None,
            200,
            Body::Json(g.subschema_for::<PairingOffer>()),
        ),
        op(
            "get",
            "/api/v1/recipient/pairing",
            "pairingStatus",
            "The pairing as this browser sees it: the offering one, which browser claimed the \
             link; the claiming one, the code to type on the other.",
            Auth::Link,
            None,
            200,
            Body::Json(g.subschema_for::<PairingStatus>()),
        ),
        op(
            "post",
            "/api/v1/recipient/pairing/claim",
            "claimPairing",
            "The browser that opened a pairing link claims it (once) and gets its code and a \
             verification cookie that counts once the code is confirmed.",
            Auth::Link,
            Some(g.subschema_for::<PairingClaim>()),
            200,
            Body::Json(g.subschema_for::<PairingStatus>()),
        ),
        op(
            "post",
            "/api/v1/recipient/pairing/confirm",
            "confirmPairing",
            "The offering browser types the other's code: that browser is a device now. Three \
             wrong codes void the pairing.",
            Auth::Link,
            Some(g.subschema_for::<PairingConfirmation>()),
            200,
            Body::Json(g.subschema_for::<Devices>()),
        ),
        op(
            "post",
            "/api/v1/recipient/passkey/register/options",
            "passkeyCreationOptions",
            "Options to make a passkey, for a browser where the link verified (its cookie).",
            Auth::Link,
            None,
            200,
            Body::Json(g.subschema_for::<PasskeyCreation>()),
        ),
        op(
            "post",
            "/api/v1/recipient/passkey/register",
            "registerPasskey",
            "Register the passkey the browser made for its device.",
            Auth::Link,
            Some(g.subschema_for::<PasskeyRegistration>()),
            200,
            Body::Json(g.subschema_for::<PasskeyRegistered>()),
        ),
        op(
            "post",
            "/api/v1/recipient/passkey/options",
            "passkeyRequestOptions",
            "Options to sign in with one of the link's passkeys.",
            Auth::Link,
            None,
            200,
            Body::Json(g.subschema_for::<PasskeyRequest>()),
        ),
        op(
            "post",
            "/api/v1/recipient/passkey",
            "passkeySignIn",
            "A passkey's answer: a grant, and this browser verified.",
            Auth::Link,
            Some(g.subschema_for::<PasskeyAssertion>()),
            200,
            Body::Json(g.subschema_for::<VerifiedResponse>()),
        ),
        op(
            "post",
            "/api/v1/recipient/kba/start",
            "startKba",
            "The signer's data for knowledge questions (passed to the provider, never kept).",
            Auth::Link,
            Some(g.subschema_for::<Subject>()),
            200,
            Body::Json(g.subschema_for::<KbaRound>()),
        ),
        op(
            "post",
            "/api/v1/recipient/kba/answers",
            "answerKba",
            "One round's answers: verified, two follow-ups, or a failed try.",
            Auth::Link,
            Some(g.subschema_for::<KbaAnswers>()),
            200,
            Body::Json(g.subschema_for::<KbaAnswered>()),
        ),
        // The government-ID check: begun and finished with the link token, done in between with
        // a capture token (the phone's from the hand-off link).
        op(
            "post",
            "/api/v1/recipient/id/start",
            "startIdCheck",
            "Begin (or join) an ID check session: answers this browser's capture token.",
            Auth::Link,
            None,
            200,
            Body::Json(g.subschema_for::<IdStatus>()),
        ),
        op(
            "post",
            "/api/v1/recipient/id/finish",
            "finishIdCheck",
            "Collect the grant of a passed ID check, with the name on the document.",
            Auth::Link,
            Some(g.subschema_for::<IdFinish>()),
            200,
            Body::Json(g.subschema_for::<VerifiedResponse>()),
        ),
        op(
            "post",
            "/api/v1/id/handoff",
            "sendIdHandoff",
            "Send the session's phone link by SMS (5 minutes, once); answers it for a QR code.",
            Auth::Capture,
            Some(g.subschema_for::<IdHandoffRequest>()),
            200,
            Body::Json(g.subschema_for::<IdHandoffSent>()),
        ),
        op(
            "post",
            "/api/v1/id/handoff/open",
            "openIdHandoff",
            "The phone opens the link: answers its own capture token.",
            Auth::Handoff,
            None,
            200,
            Body::Json(g.subschema_for::<IdStatus>()),
        ),
        Operation {
            request_type: "image/jpeg",
            ..op(
                "put",
                "/api/v1/id/photos/{document}/{shot}",
                "putIdPhoto",
                "One photo (a JPEG, at most 4 MB); a retake replaces it.",
                Auth::Capture,
                Some(
                    serde_json::from_value(json!({ "type": "string", "format": "binary" }))
                        .expect("a schema"),
                ),
                200,
                Body::Json(g.subschema_for::<IdStatus>()),
            )
        },
        op(
            "post",
            "/api/v1/id/submit",
            "submitIdCheck",
            "Hand the photos to the verification provider.",
            Auth::Capture,
            None,
            200,
            Body::Json(g.subschema_for::<IdStatus>()),
        ),
        op(
            "get",
            "/api/v1/id/status",
            "idCheckStatus",
            "Where the session stands (the provider's decision read when due).",
            Auth::Capture,
            None,
            200,
            Body::Json(g.subschema_for::<IdStatus>()),
        ),
        op(
            "post",
            "/api/v1/webhooks/veriff",
            "veriffWebhook",
            "Veriff's decision webhook (X-HMAC-SIGNATURE over the body): a signal only.",
            Auth::None,
            Some(serde_json::from_value(json!({ "type": "object" })).expect("a schema")),
            200,
            Body::Html,
        ),
        // A sender's preview: the same calls with a preview token; nothing is stored or sent.
        op(
            "get",
            "/api/v1/preview/form",
            "previewWebFormView",
            "A web form's preview: its first screen.",
            Auth::Preview,
            None,
            200,
            Body::Json(g.subschema_for::<WebFormView>()),
        ),
        op(
            "post",
            "/api/v1/preview/form/entry",
            "previewWebFormEnter",
            "An entry on a previewed form: checked, its code shown, nothing made.",
            Auth::Preview,
            Some(g.subschema_for::<WebFormEntry>()),
            200,
            Body::Json(g.subschema_for::<WebFormEntered>()),
        ),
        op(
            "post",
            "/api/v1/preview/form/entry/send",
            "previewWebFormSendCode",
            "A previewed form's code again: shown, not sent.",
            Auth::Preview,
            Some(g.subschema_for::<SendCode>()),
            200,
            Body::Json(g.subschema_for::<CodeSent>()),
        ),
        op(
            "post",
            "/api/v1/preview/form/entry/code",
            "previewWebFormCode",
            "A previewed form's code typed: on to the method's preview.",
            Auth::Preview,
            Some(g.subschema_for::<CodeAttempt>()),
            200,
            Body::Json(g.subschema_for::<WebFormEntered>()),
        ),
        op(
            "get",
            "/api/v1/preview/recipient",
            "previewView",
            "A preview's view.",
            Auth::Preview,
            None,
            200,
            Body::Json(g.subschema_for::<RecipientView>()),
        ),
        op(
            "post",
            "/api/v1/preview/recipient/password",
            "previewPassword",
            "A password entry in a preview.",
            Auth::Preview,
            Some(g.subschema_for::<PasswordAttempt>()),
            200,
            Body::Json(g.subschema_for::<VerifiedResponse>()),
        ),
        op(
            "post",
            "/api/v1/preview/recipient/code/send",
            "previewSendCode",
            "A code in a preview: shown, not sent.",
            Auth::Preview,
            Some(g.subschema_for::<SendCode>()),
            200,
            Body::Json(g.subschema_for::<CodeSent>()),
        ),
        op(
            "post",
            "/api/v1/preview/recipient/code",
            "previewCode",
            "A code entry in a preview.",
            Auth::Preview,
            Some(g.subschema_for::<CodeAttempt>()),
            200,
            Body::Json(g.subschema_for::<VerifiedResponse>()),
        ),
        op(
            "post",
            "/api/v1/preview/recipient/login/start",
            "previewStartLogin",
            "A hand-off in a preview: straight back, as if the provider said yes.",
            Auth::Preview,
            Some(g.subschema_for::<StartLogin>()),
            200,
            Body::Json(g.subschema_for::<LoginStarted>()),
        ),
        op(
            "post",
            "/api/v1/preview/recipient/login/finish",
            "previewFinishLogin",
            "The end of a preview's hand-off.",
            Auth::Preview,
            None,
            200,
            Body::Json(g.subschema_for::<VerifiedResponse>()),
        ),
        op(
            "post",
            "/api/v1/preview/recipient/kba/start",
            "previewStartKba",
            "Sample questions in a preview: the data is checked, sent nowhere.",
            Auth::Preview,
            Some(g.subschema_for::<Subject>()),
            200,
            Body::Json(g.subschema_for::<KbaRound>()),
        ),
        op(
            "post",
            "/api/v1/preview/recipient/kba/answers",
            "previewAnswerKba",
            "Answers in a preview: any complete set verifies.",
            Auth::Preview,
            Some(g.subschema_for::<KbaAnswers>()),
            200,
            Body::Json(g.subschema_for::<KbaAnswered>()),
        ),
        // A previewed ID check: the preview token is also its capture token.
        op(
            "post",
            "/api/v1/preview/recipient/id/start",
            "previewStartIdCheck",
            "A previewed ID check's session (its capture token is the preview token).",
            Auth::Preview,
            None,
            200,
            Body::Json(g.subschema_for::<IdStatus>()),
        ),
        op(
            "post",
            "/api/v1/preview/recipient/id/handoff",
            "previewIdHandoff",
            "A phone link to the same preview; nothing is sent.",
            Auth::Preview,
            Some(g.subschema_for::<IdHandoffRequest>()),
            200,
            Body::Json(g.subschema_for::<IdHandoffSent>()),
        ),
        Operation {
            request_type: "image/jpeg",
            ..op(
                "put",
                "/api/v1/preview/recipient/id/photos/{document}/{shot}",
                "previewPutIdPhoto",
                "A photo checked as a real one is, then dropped.",
                Auth::Preview,
                Some(
                    serde_json::from_value(json!({ "type": "string", "format": "binary" }))
                        .expect("a schema"),
                ),
                200,
                Body::Json(g.subschema_for::<IdStatus>()),
            )
        },
        op(
            "post",
            "/api/v1/preview/recipient/id/submit",
            "previewSubmitIdCheck",
            "The sandbox passes any complete set of photos.",
            Auth::Preview,
            None,
            200,
            Body::Json(g.subschema_for::<IdStatus>()),
        ),
        op(
            "get",
            "/api/v1/preview/recipient/id/status",
            "previewIdCheckStatus",
            "A previewed session's status.",
            Auth::Preview,
            None,
            200,
            Body::Json(g.subschema_for::<IdStatus>()),
        ),
        op(
            "post",
            "/api/v1/preview/recipient/id/finish",
            "previewFinishIdCheck",
            "The preview's end: not a grant, and the sandbox's name.",
            Auth::Preview,
            None,
            200,
            Body::Json(g.subschema_for::<VerifiedResponse>()),
        ),
        op(
            "get",
            "/api/v1/preview/recipient/devices",
            "previewDevices",
            "The device page in a preview: the sender's browser and a sample phone, announced as new.",
            Auth::Preview,
            None,
            200,
            Body::Json(g.subschema_for::<Devices>()),
        ),
        op(
            "post",
            "/api/v1/preview/recipient/devices/seen",
            "previewDevicesSeen",
            "\"Yes, they are mine\" in a preview: the list without the announcement.",
            Auth::Preview,
            None,
            200,
            Body::Json(g.subschema_for::<Devices>()),
        ),
        op(
            "delete",
            "/api/v1/preview/recipient/devices/{device}",
            "previewRevokeDevice",
            "Removing a device in a preview: answered, nothing changed.",
            Auth::Preview,
            None,
            200,
            Body::Json(g.subschema_for::<DevicesRevoked>()),
        ),
        op(
            "post",
            "/api/v1/preview/recipient/devices/{device}/not-mine",
            "previewDisownDevice",
            "\"This was not me\" in a preview: answered, nothing changed, nobody told.",
            Auth::Preview,
            None,
            200,
            Body::Json(g.subschema_for::<DevicesRevoked>()),
        ),
        op(
            "post",
            "/api/v1/preview/recipient/pairing",
            "previewOfferPairing",
            "A pairing in a preview: its link opens the same preview.",
            Auth::Preview,
            None,
            200,
            Body::Json(g.subschema_for::<PairingOffer>()),
        ),
        op(
            "get",
            "/api/v1/preview/recipient/pairing",
            "previewPairingStatus",
            "A preview's pairing, claimed at once by a sample phone.",
            Auth::Preview,
            None,
            200,
            Body::Json(g.subschema_for::<PairingStatus>()),
        ),
        op(
            "post",
            "/api/v1/preview/recipient/pairing/confirm",
            "previewConfirmPairing",
            "Any code confirms a preview's pairing: the list again.",
            Auth::Preview,
            Some(g.subschema_for::<PairingConfirmation>()),
            200,
            Body::Json(g.subschema_for::<Devices>()),
        ),
        op(
            "post",
            "/api/v1/preview/recipient/passkey",
            "previewPasskeySignIn",
            "The passkey method's sign-in in a preview: no authenticator is asked; ends verified.",
            Auth::Preview,
            None,
            200,
            Body::Json(g.subschema_for::<VerifiedResponse>()),
        ),
        // The admin API (the e-sign platform), with the admin key.
        op(
            "put",
            "/admin/v1/accounts/{id}",
            "putAccount",
            "Create or replace an account: its policy, groups, webhook URL.",
            Auth::Admin,
            Some(g.subschema_for::<Account>()),
            200,
            Body::Json(g.subschema_for::<Account>()),
        ),
        op(
            "get",
            "/admin/v1/accounts/{id}",
            "getAccount",
            "An account.",
            Auth::Admin,
            None,
            200,
            Body::Json(g.subschema_for::<Account>()),
        ),
        op(
            "post",
            "/admin/v1/accounts/{id}/web-forms",
            "createWebForm",
            "A web form: one public signing link for signers nobody named in advance, shown once.",
            Auth::Admin,
            Some(g.subschema_for::<CreateWebForm>()),
            201,
            Body::Json(g.subschema_for::<WebFormCreated>()),
        ),
        op(
            "get",
            "/admin/v1/accounts/{id}/web-forms",
            "listWebForms",
            "The account's web forms (without their links).",
            Auth::Admin,
            None,
            200,
            Body::Json(g.subschema_for::<WebForms>()),
        ),
        op(
            "post",
            "/admin/v1/accounts/{id}/web-forms/{form}/disable",
            "disableWebForm",
            "The form's link stops working, for good.",
            Auth::Admin,
            None,
            200,
            Body::Json(g.subschema_for::<WebFormSummary>()),
        ),
        op(
            "post",
            "/admin/v1/accounts/{id}/reset-verifications",
            "resetVerifications",
            "Void every e-mail-code verification of the account.",
            Auth::Admin,
            None,
            200,
            Body::Json(g.subschema_for::<VerificationsReset>()),
        ),
        op(
            "post",
            "/admin/v1/agreements",
            "createAgreement",
            "Create an agreement: answers each recipient's signing link, once.",
            Auth::Admin,
            Some(g.subschema_for::<CreateAgreement>()),
            201,
            Body::Json(g.subschema_for::<CreatedAgreement>()),
        ),
        op(
            "get",
            "/admin/v1/agreements/{id}",
            "agreementStatus",
            "An agreement's state and its recipients'.",
            Auth::Admin,
            None,
            200,
            Body::Json(g.subschema_for::<AgreementStatus>()),
        ),
        op(
            "get",
            "/admin/v1/agreements/{id}/audit",
            "auditTrail",
            "A page of the audit trail.",
            Auth::Admin,
            None,
            200,
            Body::Json(g.subschema_for::<AuditTrail>()),
        ),
        op(
            "get",
            "/admin/v1/agreements/{id}/report",
            "auditReport",
            "The audit report as a page.",
            Auth::Admin,
            None,
            200,
            Body::Html,
        ),
        op(
            "get",
            "/admin/v1/agreements/{id}/report.pdf",
            "auditReportPdf",
            "The audit report as a PDF.",
            Auth::Admin,
            None,
            200,
            Body::Pdf,
        ),
        op(
            "get",
            "/admin/v1/agreements/{id}/webhooks",
            "undeliveredWebhooks",
            "The agreement's webhook events not delivered yet, or given up.",
            Auth::Admin,
            None,
            200,
            Body::Json(g.subschema_for::<WebhookDeliveries>()),
        ),
        op(
            "post",
            "/admin/v1/agreements/{id}/webhooks/{event}/resend",
            "resendWebhook",
            "Deliver an event again, from a fresh day of retries.",
            Auth::Admin,
            None,
            200,
            Body::Json(g.subschema_for::<WebhookDelivery>()),
        ),
        op(
            "put",
            "/admin/v1/agreements/{id}/recipients/{recipient}/method",
            "changeMethod",
            "Give a pending recipient another method (or the same one anew).",
            Auth::Admin,
            Some(g.subschema_for::<ChangeMethod>()),
            200,
            Body::Json(g.subschema_for::<RecipientStatus>()),
        ),
        op(
            "post",
            "/admin/v1/agreements/{id}/recipients/{recipient}/replace",
            "replaceRecipient",
            "Put another person in a pending recipient's place: answers the new link, once.",
            Auth::Admin,
            Some(g.subschema_for::<ReplaceRecipient>()),
            200,
            Body::Json(g.subschema_for::<CreatedRecipient>()),
        ),
        op(
            "get",
            "/admin/v1/agreements/{id}/recipients/{recipient}/devices",
            "recipientDevices",
            "Where a recipient's verification is active.",
            Auth::Admin,
            None,
            200,
            Body::Json(g.subschema_for::<Devices>()),
        ),
        op(
            "delete",
            "/admin/v1/agreements/{id}/recipients/{recipient}/devices",
            "revokeAllDevices",
            "Revoke all of a recipient's devices (audited).",
            Auth::Admin,
            None,
            200,
            Body::Json(g.subschema_for::<DevicesRevoked>()),
        ),
        op(
            "delete",
            "/admin/v1/agreements/{id}/recipients/{recipient}/devices/{device}",
            "revokeDevice",
            "Revoke one of a recipient's devices (audited).",
            Auth::Admin,
            None,
            200,
            Body::Json(g.subschema_for::<DevicesRevoked>()),
        ),
        op(
            "get",
            "/admin/v1/agreements/{id}/recipients/{recipient}/identity-reports",
            "identityReports",
            "A recipient's Signer Identity Reports (government ID), when the account keeps them.",
            Auth::Admin,
            None,
            200,
            Body::Json(g.subschema_for::<IdentityReports>()),
        ),
        op(
            "delete",
            "/admin/v1/agreements/{id}/recipients/{recipient}/identity-reports",
            "eraseIdentityReports",
            "Erase a recipient's Signer Identity Reports and their photos now (audited).",
            Auth::Admin,
            None,
            200,
            Body::Json(g.subschema_for::<ReportsErased>()),
        ),
        op(
            "get",
            "/admin/v1/agreements/{id}/recipients/{recipient}/identity-reports/{report}/photos/{shot}",
            "identityReportPhoto",
            "One photo of a Signer Identity Report.",
            Auth::Admin,
            None,
            200,
            Body::Jpeg,
        ),
        op(
            "post",
            "/admin/v1/previews",
            "createPreview",
            "A preview link: a recipient's method, or a method under an account's policy.",
            Auth::Admin,
            Some(g.subschema_for::<CreatePreview>()),
            201,
            Body::Json(g.subschema_for::<PreviewCreated>()),
        ),
        op(
            "get",
            "/api/v1/oauth/callback",
            "oauthCallback",
            "Where identity providers send the signer back.",
            Auth::None,
            None,
            303,
            Body::Redirect,
        ),
    ];
    for operation in &mut all {
        operation.parameters = match operation.path {
            "/admin/v1/accounts/{id}"
            | "/admin/v1/accounts/{id}/reset-verifications"
            | "/admin/v1/accounts/{id}/web-forms" => vec![account_id.clone()],
            "/admin/v1/accounts/{id}/web-forms/{form}/disable" => vec![
                account_id.clone(),
                path_param("form", "The web form's id.", json!({ "type": "string" })),
            ],
            "/admin/v1/agreements/{id}/webhooks/{event}/resend" => {
                vec![agreement_id.clone(), event_id.clone()]
            }
            path if path.ends_with("/photos/{shot}") && path.contains("{report}") => vec![
                agreement_id.clone(),
                recipient_id.clone(),
                path_param("report", "The report's id.", json!({ "type": "string" })),
                shot.clone(),
            ],
            "/admin/v1/agreements/{id}/recipients/{recipient}/devices/{device}" => {
                vec![
                    agreement_id.clone(),
                    recipient_id.clone(),
                    device_id.clone(),
                ]
            }
            "/api/v1/recipient/devices/{device}"
            | "/api/v1/recipient/devices/{device}/not-mine"
            | "/api/v1/preview/recipient/devices/{device}"
            | "/api/v1/preview/recipient/devices/{device}/not-mine" => vec![device_id.clone()],
            path if path.contains("{recipient}") => {
                vec![agreement_id.clone(), recipient_id.clone()]
            }
            path if path.contains("{id}") => vec![agreement_id.clone()],
            "/api/v1/id/photos/{document}/{shot}"
            | "/api/v1/preview/recipient/id/photos/{document}/{shot}" => vec![
                path_param(
                    "document",
                    "passport, driving_licence, id_card or residence_permit.",
                    json!({ "type": "string" }),
                ),
                shot.clone(),
            ],
            _ => Vec::new(),
        };
        match operation.id {
            "auditTrail" => operation.parameters.extend([
                query_param(
                    "limit",
                    "Events on the page: 1 to 500 (100).",
                    json!({ "type": "integer", "minimum": 1, "maximum": 500 }),
                ),
                query_param(
                    "cursor",
                    "Where the last page's `next_cursor` left off.",
                    json!({ "type": "string" }),
                ),
            ]),
            "putIdPhoto" | "previewPutIdPhoto" => operation.parameters.push(json!({ "name": "live", "in": "query",
                "required": true, "schema": { "type": "string", "enum": ["true", "false"] },
                "description": "Whether the live camera took it (false: the phone's camera app)." })),
            "oauthCallback" => operation.parameters.extend(
                [
                    ("state", "Names the login."),
                    ("code", "The provider's code."),
                    ("error", "The provider's refusal."),
                    ("iss", "The provider (RFC 9207)."),
                ]
                .map(|(name, about)| query_param(name, about, json!({ "type": "string" }))),
            ),
            _ => {}
        }
    }
    all
}

fn path_param(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "path", "required": true, "description": description, "schema": schema })
}

fn query_param(name: &str, description: &str, schema: Value) -> Value {
    json!({ "name": name, "in": "query", "required": false, "description": description, "schema": schema })
}

fn health() -> Schema {
    serde_json::from_value(json!({
        "type": "object",
        "properties": { "ok": { "type": "boolean", "const": true } },
        "required": ["ok"],
    }))
    .expect("a schema")
}

/// The whole document.
pub fn document() -> Value {
    let settings = SchemaSettings::draft2020_12().with(|s| {
        s.definitions_path = "/components/schemas".into();
        s.meta_schema = None;
    });
    let mut g = settings.into_generator();
    let error = g.subschema_for::<ApiError>();
    let mut paths = Map::new();
    for operation in operations(&mut g) {
        let entry = paths
            .entry(operation.path)
            .or_insert_with(|| json!({}))
            .as_object_mut()
            .expect("a path item");
        entry.insert(operation.method.into(), describe(operation, &error));
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "signgate",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Recipient authentication for e-signature. The admin API is for the \
                e-sign platform; the recipient API is what the signer's app calls with the token \
                from their signing link. Every refusal is an `ApiError` with a stable `code`.",
            "license": { "name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later" },
        },
        "paths": paths,
        "components": {
            "schemas": g.take_definitions(true),
            "securitySchemes": {
                "adminKey": { "type": "http", "scheme": "bearer",
                    "description": "The deployment's ADMIN_API_KEY." },
                "linkToken": { "type": "http", "scheme": "bearer",
                    "description": "The token in a signing link's fragment (`/s#<token>`)." },
                "previewToken": { "type": "http", "scheme": "bearer",
                    "description": "The token in a preview link's fragment (`/s#p1.…`)." },
                "captureToken": { "type": "http", "scheme": "bearer",
                    "description": "An ID check's capture token (from its start or hand-off)." },
                "handoffToken": { "type": "http", "scheme": "bearer",
                    "description": "The token in an ID check's phone link (`/id#<token>`)." },
                "formToken": { "type": "http", "scheme": "bearer",
                    "description": "The token in a web form's public link (`/f/#<token>`)." },
                "entryToken": { "type": "http", "scheme": "bearer",
                    "description": "A web form entry's token, from its first call." },
            },
        },
    })
}

fn describe(operation: Operation, error: &Schema) -> Value {
    let json_error = json!({ "description": "Refused: the code says why.",
        "content": { "application/json": { "schema": error } } });
    let success = match operation.answer {
        Body::Json(schema) => json!({ "description": "Done.",
            "content": { "application/json": { "schema": schema } } }),
        Body::Html => json!({ "description": "The page.",
            "content": { "text/html": { "schema": { "type": "string" } } } }),
        Body::Jpeg => json!({ "description": "The photo.",
            "content": { "image/jpeg": { "schema": { "type": "string", "format": "binary" } } } }),
        Body::Pdf => json!({ "description": "The file.",
            "content": { "application/pdf": { "schema": { "type": "string", "format": "binary" } } } }),
        Body::Redirect => json!({ "description": "On to the app or the provider.",
            "headers": { "Location": { "required": true, "schema": { "type": "string" } } } }),
    };
    let mut responses = Map::new();
    responses.insert(operation.status.to_string(), success);
    responses.insert("4XX".into(), json_error.clone());
    responses.insert("5XX".into(), json_error);
    let mut described = json!({
        "operationId": operation.id,
        "summary": operation.summary,
        "responses": responses,
    });
    let object = described.as_object_mut().expect("an operation");
    if !operation.parameters.is_empty() {
        object.insert("parameters".into(), operation.parameters.into());
    }
    if let Some(schema) = operation.request {
        object.insert(
            "requestBody".into(),
            json!({ "required": true,
            "content": { operation.request_type: { "schema": schema } } }),
        );
    }
    let security = match operation.auth {
        Auth::Admin => json!([{ "adminKey": [] }]),
        Auth::Link => json!([{ "linkToken": [] }]),
        Auth::Preview => json!([{ "previewToken": [] }]),
        Auth::Capture => json!([{ "captureToken": [] }]),
        Auth::Handoff => json!([{ "handoffToken": [] }]),
        Auth::Form => json!([{ "formToken": [] }]),
        Auth::Entry => json!([{ "entryToken": [] }]),
        Auth::None => json!([]),
    };
    object.insert("security".into(), security);
    described
}

fn render() -> String {
    serde_json::to_string_pretty(&document()).expect("JSON") + "\n"
}

/// Writes the contract where the app's build picks it up.
pub fn write() -> Result {
    let path = root().join(PATH);
    std::fs::write(&path, render()).map_err(|e| format!("{}: {e}", path.display()))?;
    println!("xtask: wrote {PATH}");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_contract_is_the_one_the_wire_types_make() {
        let committed = std::fs::read_to_string(root().join(PATH)).unwrap_or_default();
        assert!(
            committed == render(),
            "{PATH} is out of date with the wire types: run `cargo xtask openapi` and commit it"
        );
    }

    #[test]
    fn every_operation_is_described_once_with_its_refusals() {
        let document = document();
        let paths = document["paths"].as_object().unwrap();
        let mut ids = std::collections::BTreeSet::new();
        for item in paths.values() {
            for operation in item.as_object().unwrap().values() {
                assert!(ids.insert(operation["operationId"].as_str().unwrap().to_string()));
                assert!(operation["responses"]["5XX"].is_object());
            }
        }
        assert_eq!(ids.len(), 85);
        // Every $ref points at a schema that is there.
        let text = document.to_string();
        for reference in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
            let name = reference.split('"').next().unwrap();
            assert!(
                document["components"]["schemas"][name].is_object(),
                "{name}"
            );
        }
    }
}
