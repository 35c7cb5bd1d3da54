//! Writing a new agreement and its recipients once every check has passed: the admin API's
//! (`routes/admin/agreements.rs`) and a web form's entry (`objects/web_forms`) alike.

use signgate_core::method_setup::PlannedMethod;
use signgate_core::policy::Policy;
use signgate_core::token::{LinkToken, SECRET_LEN};
use signgate_core::wire::{Contact, CreatedAgreement, CreatedRecipient};
use worker::{Env, Result};

use crate::config::{AGREEMENTS_BINDING, RECIPIENTS_BINDING, now_ms};
use crate::crypto;
use crate::objects::agreement::{AgreementCall, AgreementRecord, WebFormOrigin};
use crate::objects::recipient::{MethodSetup, RecipientCall, RecipientCommon, RecipientRecord};
use crate::objects::{call_ok, stub};

const DAY_MS: u64 = 24 * 60 * 60 * 1000;

/// An agreement to write, checked already.
pub struct NewAgreement<'a> {
    pub account_id: &'a str,
    pub group: Option<&'a str>,
    /// The account's or the group's.
    pub policy: &'a Policy,
    pub title: &'a str,
    pub sender: &'a Contact,
    pub continue_url: Option<&'a str>,
    pub expires_in_days: u32,
    pub web_form: Option<WebFormOrigin>,
    pub recipients: Vec<NewRecipient<'a>>,
}

/// One of its recipients, their method planned under the policy.
pub struct NewRecipient<'a> {
    pub name: &'a str,
    pub email: &'a str,
    pub internal: bool,
    pub method: PlannedMethod,
    /// The password the sender set, for the password method.
    pub password: Option<&'a str>,
}

/// What was written: the answer to the sender, and each recipient's link token (in order).
pub struct Written {
    pub agreement: CreatedAgreement,
    pub tokens: Vec<LinkToken>,
}

/// A new link for the recipient `recipient_id`: their object's id and a fresh secret.
pub fn new_link_token(recipient_id: &str) -> Result<LinkToken> {
    LinkToken::new(recipient_id, crypto::random_bytes::<SECRET_LEN>()?).ok_or_else(|| {
        worker::Error::RustError("the runtime gave an object id that is not 32 bytes of hex".into())
    })
}

/// What the recipient is handed (once: only the secret's digest is kept).
pub fn signing_url(origin: &str, token: &LinkToken) -> String {
    format!("{origin}/s#{}", token.encode())
}

/// Writes the recipients' objects, then the agreement's (which records the creation in its trail
/// and, for a web form's entry, tells the platform who signed up).
pub async fn write(env: &Env, origin: &str, new: NewAgreement<'_>) -> Result<Written> {
    let now = now_ms();
    let expires_at = now + u64::from(new.expires_in_days) * DAY_MS;
    let agreement_id = env
        .durable_object(AGREEMENTS_BINDING)?
        .unique_id()?
        .to_string();
    let web_form_id = new.web_form.as_ref().map(|form| form.form_id.clone());
    let mut created = Vec::with_capacity(new.recipients.len());
    let mut tokens = Vec::with_capacity(new.recipients.len());
    let mut recipient_ids = Vec::with_capacity(new.recipients.len());
    for recipient in new.recipients {
        let recipient_id = env
            .durable_object(RECIPIENTS_BINDING)?
            .unique_id()?
            .to_string();
        let token = new_link_token(&recipient_id)?;
        let setup = MethodSetup::build(
            env,
            new.policy,
            recipient.method,
            recipient.password,
            recipient.email,
        )
        .await?;
        let method = setup.method;
        let common = RecipientCommon {
            agreement_id: agreement_id.clone(),
            account_id: new.account_id.to_owned(),
            title: new.title.to_owned(),
            sender: new.sender.clone(),
            name: recipient.name.to_owned(),
            email: recipient.email.to_owned(),
            internal: recipient.internal,
            token_digest: token.secret_digest(),
            expires_at,
            continue_url: new.continue_url.map(str::to_owned),
            devices: new.policy.devices,
            recovery_codes: new.policy.recovery_code_rules(),
            web_form_id: web_form_id.clone(),
        };
        let record = RecipientRecord::new(common, setup);
        let object = stub(env, RECIPIENTS_BINDING, &recipient_id)?;
        call_ok::<_, ()>(
            &object,
            &RecipientCall::Init {
                record: Box::new(record),
            },
        )
        .await?;
        created.push(CreatedRecipient {
            id: recipient_id.clone(),
            name: recipient.name.to_owned(),
            email: recipient.email.to_owned(),
            method,
            internal: recipient.internal,
            signing_url: signing_url(origin, &token),
        });
        tokens.push(token);
        recipient_ids.push(recipient_id);
    }

    let record = AgreementRecord {
        account_id: new.account_id.to_owned(),
        group: new.group.map(str::to_owned),
        title: new.title.to_owned(),
        sender: new.sender.clone(),
        created_at: now,
        expires_at,
        recipient_ids,
        web_form: new.web_form,
    };
    let agreement = stub(env, AGREEMENTS_BINDING, &agreement_id)?;
    call_ok::<_, ()>(&agreement, &AgreementCall::Init { record }).await?;
    Ok(Written {
        agreement: CreatedAgreement {
            id: agreement_id,
            expires_at,
            recipients: created,
        },
        tokens,
    })
}
