//! An account's web forms ([`signgate_core::web_form`]): one object per account, so its list is
//! exact and each form's limits (the form password's, the caps on e-mail codes) are counted in
//! one place. A form's public link carries this object's id and a secret whose digest names the
//! form here; a disabled form and one never made answer alike. The entries still proving their
//! address are kept here too (`entries`), until they become agreements or run out of time.

mod entries;

use futures_util::lock::Mutex;
use serde::{Deserialize, Serialize};
use signgate_core::policy::Method;
use signgate_core::web_form::{PasswordGate, SendCaps};
use signgate_core::wire::{CodeSent, Contact, WebFormEntry, WebFormSummary, WebForms};
use worker::{DurableObject, Env, Request, Response, Result, State, Stub, durable_object};

pub use entries::EntryStep;

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

#[derive(Serialize, Deserialize)]
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
    /// The form `id`, enabled or not (the sender's preview).
    Get {
        id: String,
    },
    /// A signer's entry on the form whose link's secret has `digest`.
    Enter(Box<Enter>),
    /// Another e-mail code for the entry whose token's secret has `entry`.
    Resend {
        entry: String,
        client: String,
        language: signgate_core::outgoing::Language,
        host: String,
    },
    /// The entry's code typed.
    CheckCode {
        entry: String,
        code: String,
        origin: String,
    },
}

impl std::fmt::Debug for WebFormsCall {
    /// The call's name only: codes, passwords and token digests stay out of every log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Self::Create { .. } => "Create",
            Self::List => "List",
            Self::Disable { .. } => "Disable",
            Self::Open { .. } => "Open",
            Self::Get { .. } => "Get",
            Self::Enter(_) => "Enter",
            Self::Resend { .. } => "Resend",
            Self::CheckCode { .. } => "CheckCode",
        })
    }
}

/// A signer's entry, with what the object needs to send a code and make the agreement.
#[derive(Serialize, Deserialize)]
pub struct Enter {
    pub digest: String,
    pub entry: WebFormEntry,
    /// The client's address, digested: the caps count per client.
    pub client: String,
    /// The app's host (the message names it) and origin (the signing link's).
    pub host: String,
    pub origin: String,
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

    pub async fn get(&self, id: &str) -> Result<Reply<WebForm>> {
        call(&self.0, &WebFormsCall::Get { id: id.to_owned() }).await
    }

    pub async fn enter(&self, enter: Enter) -> Result<Reply<EntryStep>> {
        call(&self.0, &WebFormsCall::Enter(Box::new(enter))).await
    }

    pub async fn resend(
        &self,
        entry: String,
        client: String,
        language: signgate_core::outgoing::Language,
        host: String,
    ) -> Result<Reply<CodeSent>> {
        let resend = WebFormsCall::Resend {
            entry,
            client,
            language,
            host,
        };
        call(&self.0, &resend).await
    }

    pub async fn check_code(
        &self,
        entry: String,
        code: String,
        origin: String,
    ) -> Result<Reply<EntryStep>> {
        let check = WebFormsCall::CheckCode {
            entry,
            code,
            origin,
        };
        call(&self.0, &check).await
    }
}

#[durable_object]
#[allow(
    missing_debug_implementations,
    reason = "holds a runtime handle (State) that has no Debug"
)]
pub struct WebFormsObject {
    state: State,
    env: Env,
    /// Entries are checked one at a time: a form password's or a code's verdict is counted before
    /// the next is looked at, so parallel guesses get no more tries than sequential ones.
    checking: Mutex<()>,
}

impl DurableObject for WebFormsObject {
    fn new(state: State, env: Env) -> Self {
        Self {
            state,
            env,
            checking: Mutex::new(()),
        }
    }

    /// Forgets the entries whose time ran out.
    async fn alarm(&self) -> Result<Response> {
        self.forget_ended_entries().await?;
        Response::empty()
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
                    return reply::<()>(&Err(*no_such_form()));
                };
                if form.disabled_at.is_none() {
                    form.disabled_at = Some(crate::config::now_ms());
                    storage.put(&key, &form).await?;
                }
                reply(&Ok(form.summary()))
            }
            WebFormsCall::Open { digest } => match self.enabled(&digest).await? {
                Some(form) => reply(&Ok(form)),
                // Disabled or never made: the same to an outsider.
                None => reply::<()>(&Err(*invalid_link())),
            },
            WebFormsCall::Get { id } => match self.form(&id).await? {
                Some(form) => reply(&Ok(form)),
                None => reply::<()>(&Err(*no_such_form())),
            },
            WebFormsCall::Enter(enter) => reply(&self.enter(*enter).await?),
            WebFormsCall::Resend {
                entry,
                client,
                language,
                host,
            } => reply(&self.resend(&entry, &client, language, &host).await?),
            WebFormsCall::CheckCode {
                entry,
                code,
                origin,
            } => reply(&self.check_code(&entry, &code, &origin).await?),
        }
    }
}

impl WebFormsObject {
    async fn form(&self, id: &str) -> Result<Option<WebForm>> {
        self.state
            .storage()
            .get::<WebForm>(&format!("{FORM_PREFIX}{id}"))
            .await
    }

    async fn save_form(&self, form: &WebForm) -> Result<()> {
        self.state
            .storage()
            .put(&format!("{FORM_PREFIX}{}", form.id), form)
            .await
    }

    /// The enabled form whose link's secret has `digest`.
    async fn enabled(&self, digest: &str) -> Result<Option<WebForm>> {
        let id: Option<String> = self
            .state
            .storage()
            .get(&format!("{DIGEST_PREFIX}{digest}"))
            .await?;
        let form = match id {
            Some(id) => self.form(&id).await?,
            None => None,
        };
        Ok(form.filter(|form| form.disabled_at.is_none()))
    }
}

fn no_such_form() -> crate::http::Failure {
    fail(
        signgate_core::wire::ErrorCode::NotFound,
        "This account has no web form with this id.",
    )
}
