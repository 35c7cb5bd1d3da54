//! The sender's changes to a pending recipient after sending, both at once for the signer:
//!
//! - `PUT /admin/v1/agreements/{id}/recipients/{recipient_id}/method`: another method (with what it
//!   needs). Answers the recipient's status.
//! - `POST /admin/v1/agreements/{id}/recipients/{recipient_id}/replace`: another person
//!   (delegation), with a method of their own. Answers their new link, once.
//!
//! Both are checked against the policy of the agreement's account or group as it is now, exactly
//! as a new recipient would be; the recipient's object then refuses a verified or cancelled
//! recipient and makes the change whole.

use signgate_core::method_setup::{self, Confirmation};
use signgate_core::policy::{Account, Policy};
use signgate_core::validate;
use signgate_core::wire::{
    ChangeMethod, Contact, CreatedRecipient, ErrorCode, RecipientStatus, ReplaceRecipient,
};
use worker::{Env, Request, Response, Result, Stub};

use super::agreements::agreement_with;
use crate::accounts;
use crate::config::{self, RECIPIENTS_BINDING};
use crate::http::{self, Failure, MAX_ADMIN_BODY, fail, read_json, respond};
use crate::new_agreement::{new_link_token, signing_url};
use crate::objects::agreement::AgreementSummary;
use crate::objects::recipient::{MethodSetup, RecipientCall, Replacement, passkey_problem};
use crate::objects::{call, call_ok, stub};

type Outcome = std::result::Result<Response, Failure>;

pub async fn change_method(
    mut req: Request,
    env: &Env,
    agreement_id: &str,
    recipient_id: &str,
) -> Result<Response> {
    respond(change(&mut req, env, agreement_id, recipient_id).await?)
}

pub async fn replace(
    mut req: Request,
    env: &Env,
    agreement_id: &str,
    recipient_id: &str,
) -> Result<Response> {
    respond(replace_recipient(&mut req, env, agreement_id, recipient_id).await?)
}

async fn change(
    req: &mut Request,
    env: &Env,
    agreement_id: &str,
    recipient_id: &str,
) -> Result<Outcome> {
    let (input, target, by) = match begin::<ChangeMethod>(
        req,
        env,
        agreement_id,
        recipient_id,
        |i| i.by.clone(),
    )
    .await?
    {
        Ok(begun) => begun,
        Err(failure) => return Ok(Err(failure)),
    };
    let current: RecipientStatus = call_ok(&target.recipient, &RecipientCall::Status).await?;
    let policy = target.policy();
    let planned = match method_setup::plan(
        policy,
        current.internal,
        &input.method_request(),
        Confirmation::Required,
        "",
    ) {
        Ok(planned) => planned,
        Err(problems) => return Ok(Err(invalid(problems))),
    };
    let account_id = &target.summary.record.account_id;
    let method = planned.method;
    if let Some(problem) = passkey_problem(env, account_id, method, &current.email, "").await? {
        return Ok(Err(invalid(vec![problem])));
    }
    let setup = MethodSetup::build(
        env,
        policy,
        planned,
        input.password.as_deref(),
        &current.email,
    )
    .await?;
    let changed = RecipientCall::ChangeMethod {
        setup: Box::new(setup),
        by,
        email: current.email,
    };
    Ok(Ok(http::answer(
        call::<_, RecipientStatus>(&target.recipient, &changed).await?,
    )?))
}

async fn replace_recipient(
    req: &mut Request,
    env: &Env,
    agreement_id: &str,
    recipient_id: &str,
) -> Result<Outcome> {
    let (input, target, by) =
        match begin::<ReplaceRecipient>(req, env, agreement_id, recipient_id, |i| i.by.clone())
            .await?
        {
            Ok(begun) => begun,
            Err(failure) => return Ok(Err(failure)),
        };
    let new = &input.recipient;
    let mut problems = validate::person("recipient", &new.name, &new.email);
    let internal = target.account.is_internal(&new.email);
    let policy = target.policy();
    let planned = method_setup::plan(
        policy,
        internal,
        &new.method_request(),
        Confirmation::Required,
        "recipient",
    );
    if let Ok(planned) = &planned {
        let account_id = &target.summary.record.account_id;
        let held = passkey_problem(env, account_id, planned.method, &new.email, "recipient");
        problems.extend(held.await?);
    }
    let planned = match (planned, problems.is_empty()) {
        (Ok(planned), true) => planned,
        (planned, _) => {
            problems.extend(planned.err().unwrap_or_default());
            return Ok(Err(invalid(problems)));
        }
    };
    let setup =
        MethodSetup::build(env, policy, planned, new.password.as_deref(), &new.email).await?;
    let method = setup.method;
    let token = new_link_token(recipient_id)?;
    let replacement = Replacement {
        name: new.name.clone(),
        email: new.email.clone(),
        internal,
        setup,
        token_digest: token.secret_digest(),
        by,
    };
    let replaced = RecipientCall::Replace {
        replacement: Box::new(replacement),
    };
    if let Err(refusal) = call::<_, ()>(&target.recipient, &replaced).await? {
        return Ok(Err(Box::new(refusal)));
    }
    let created = CreatedRecipient {
        id: recipient_id.to_string(),
        name: new.name.clone(),
        email: new.email.clone(),
        method,
        internal,
        signing_url: signing_url(&config::origin(env, req)?, &token),
    };
    Ok(Ok(http::json(200, &created)?))
}

/// What both changes start from: the request, the recipient it is for, and who asked.
async fn begin<T: serde::de::DeserializeOwned>(
    req: &mut Request,
    env: &Env,
    agreement_id: &str,
    recipient_id: &str,
    by: impl Fn(&T) -> Option<Contact>,
) -> Result<std::result::Result<(T, Target, Contact), Failure>> {
    let input: T = match read_json(req, MAX_ADMIN_BODY).await {
        Ok(input) => input,
        Err(failure) => return Ok(Err(failure)),
    };
    let target = match Target::find(env, agreement_id, recipient_id).await? {
        Ok(target) => target,
        Err(failure) => return Ok(Err(failure)),
    };
    Ok(target
        .who_asked(by(&input))
        .map(|asked| (input, target, asked)))
}

/// The recipient a change is for, in its agreement, under its account.
struct Target {
    summary: AgreementSummary,
    account: Account,
    recipient: Stub,
}

impl Target {
    async fn find(
        env: &Env,
        agreement_id: &str,
        recipient_id: &str,
    ) -> Result<std::result::Result<Target, Failure>> {
        let summary = match agreement_with(env, agreement_id, recipient_id).await? {
            Ok(summary) => summary,
            Err(failure) => return Ok(Err(failure)),
        };
        if summary.cancelled {
            return Ok(Err(http::cancelled()));
        }
        let account = accounts::load(env, &summary.record.account_id)
            .await?
            .ok_or_else(|| worker::Error::RustError("an agreement's account is gone".into()))?;
        Ok(Ok(Target {
            recipient: stub(env, RECIPIENTS_BINDING, recipient_id)?,
            summary,
            account,
        }))
    }

    /// The policy as it is now, for the agreement's group (the account's if the group is gone).
    fn policy(&self) -> &Policy {
        self.account
            .policy_for(self.summary.record.group.as_deref())
    }

    /// Who the audit trail names for the change: whom the caller names, or the sender.
    fn who_asked(&self, by: Option<Contact>) -> std::result::Result<Contact, Failure> {
        let Some(by) = by else {
            return Ok(self.summary.record.sender.clone());
        };
        let problems = validate::person("by", &by.name, &by.email);
        if problems.is_empty() {
            Ok(by)
        } else {
            Err(invalid(problems))
        }
    }
}

fn invalid(problems: Vec<String>) -> Failure {
    fail(ErrorCode::InvalidRequest, problems.join("; "))
}
