//! An account's web forms ([`signgate_core::web_form`]): one object per account, so its list is
//! exact and each form's limits (the form password's, the caps on e-mail codes) are counted in
//! one place. A form's public link carries this object's id and a secret whose digest names the
//! form here; a disabled form and one never made answer alike.

use serde::{Deserialize, Serialize};
use signgate_core::policy::Method;
use signgate_core::web_form::{PasswordGate, SendCaps};
use signgate_core::wire::{Contact, WebFormSummary, WebForms};
use worker::{DurableObject, Env, Request, Response, Result, State, Stub, durable_object};

use super::{Reply, call, call_ok, reply, stub_by_name};
use crate::config::WEB_FORMS_BINDING;
use crate::http::{fail, invalid_link};

const FORM_PREFIX: &str = "form:";
const DIGEST_PREFIX: &str = "digest:";

/// A web form as its object keeps it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct WebForm {
    pub id: String,
    pub account_id: String,
    pub group: Option<String>,
    pub title: String,
    pub sender: Contact,
    pub method: Method,
    /// Like a recipient's password: only ever a hash.
    pub password_hash: Option<String>,
    /// The digest of the link's secret.
    pub token_digest: String,
    pub created_at: u64,
    pub disabled_at: Option<u64>,
    #[serde(default)]
    pub gate: PasswordGate,
    #[serde(default)]
    pub sends: SendCaps,
}

impl WebForm {
    pub fn summary(&self) -> WebFormSummary {
        WebFormSummary {
            id: self.id.clone(),
            group: self.group.clone(),
            title: self.title.clone(),
            sender: self.sender.clone(),
            method: self.method,
            password: self.password_hash.is_some(),
            enabled: self.disabled_at.is_none(),
            created_at: self.created_at,
        }
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum WebFormsCall {
    Create {
        form: Box<WebForm>,
    },
    List,
    Disable {
        id: String,
    },
    /// The enabled form whose link's secret has this digest.
    Open {
        digest: String,
    },
}

/// The web forms of `account_id`.
pub struct AccountForms(Stub);

impl AccountForms {
    pub fn of(env: &Env, account_id: &str) -> Result<Self> {
        Ok(Self(stub_by_name(env, WEB_FORMS_BINDING, account_id)?))
    }

    /// The object's id, which the forms' links carry.
    pub fn object_id(env: &Env, account_id: &str) -> Result<String> {
        Ok(env
            .durable_object(WEB_FORMS_BINDING)?
            .id_from_name(account_id)?
            .to_string())
    }

    /// The object a form's link names.
    pub fn at(env: &Env, object_id: &str) -> Result<Self> {
        Ok(Self(super::stub(env, WEB_FORMS_BINDING, object_id)?))
    }

    pub async fn create(&self, form: WebForm) -> Result<()> {
        let create = WebFormsCall::Create {
            form: Box::new(form),
        };
        call_ok(&self.0, &create).await
    }

    pub async fn list(&self) -> Result<WebForms> {
        call_ok(&self.0, &WebFormsCall::List).await
    }

    pub async fn disable(&self, id: &str) -> Result<Reply<WebFormSummary>> {
        let disable = WebFormsCall::Disable { id: id.to_owned() };
        call(&self.0, &disable).await
    }

    pub async fn open(&self, digest: &str) -> Result<Reply<WebForm>> {
        let open = WebFormsCall::Open {
            digest: digest.to_owned(),
        };
        call(&self.0, &open).await
    }
}

#[durable_object]
#[allow(
    missing_debug_implementations,
    reason = "holds a runtime handle (State) that has no Debug"
)]
pub struct WebFormsObject {
    state: State,
}

impl DurableObject for WebFormsObject {
    fn new(state: State, _env: Env) -> Self {
        Self { state }
    }

    /// The call is read first; every change is then read and written with no other await
    /// between (the runtime runs no other call in the middle).
    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let call = req.json::<WebFormsCall>().await?;
        let storage = self.state.storage();
        match call {
            WebFormsCall::Create { form } => {
                storage
                    .put(&format!("{DIGEST_PREFIX}{}", form.token_digest), &form.id)
                    .await?;
                storage
                    .put(&format!("{FORM_PREFIX}{}", form.id), &*form)
                    .await?;
                reply::<()>(&Ok(()))
            }
            WebFormsCall::List => {
                let map = storage
                    .list_with_options(worker::ListOptions::new().prefix(FORM_PREFIX))
                    .await?;
                let mut forms = Vec::new();
                for value in map.values() {
                    let form: WebForm = serde_wasm_bindgen::from_value(value?)?;
                    forms.push(form.summary());
                }
                forms.sort_by_key(|f| f.created_at);
                reply(&Ok(WebForms { forms }))
            }
            WebFormsCall::Disable { id } => {
                let key = format!("{FORM_PREFIX}{id}");
                let Some(mut form) = storage.get::<WebForm>(&key).await? else {
                    return reply::<()>(&Err(*fail(
                        signgate_core::wire::ErrorCode::NotFound,
                        "This account has no web form with this id.",
                    )));
                };
                if form.disabled_at.is_none() {
                    form.disabled_at = Some(crate::config::now_ms());
                    storage.put(&key, &form).await?;
                }
                reply(&Ok(form.summary()))
            }
            WebFormsCall::Open { digest } => {
                let id: Option<String> = storage.get(&format!("{DIGEST_PREFIX}{digest}")).await?;
                let form = match id {
                    Some(id) => {
                        storage
                            .get::<WebForm>(&format!("{FORM_PREFIX}{id}"))
                            .await?
                    }
                    None => None,
                };
                match form {
                    Some(form) if form.disabled_at.is_none() => reply(&Ok(form)),
                    // Disabled or never made: the same to an outsider.
                    _ => reply::<()>(&Err(*invalid_link())),
                }
            }
        }
    }
}
