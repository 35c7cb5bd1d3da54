//! IDology ExpectID IQ over its HTTP API (`tests/support/idology-api.md`): form-encoded POSTs with
//! the account's credentials, answered in XML that `signgate_core::kba::idology` reads.

use std::time::Duration;

use signgate_core::kba::Subject;
use signgate_core::kba::idology::{Answer, read};
use wasm_bindgen::JsValue;
use worker::{Env, Headers, Method, Request, RequestInit, RequestRedirect};

use super::Unavailable;
use crate::config::{self, setting};

const DEFAULT_API_BASE: &str = "https://web.idologylive.com/api";
/// A provider that does not answer within this holds no signer up any longer (the recipient's
/// checks wait for it).
const ANSWER_WITHIN: Duration = Duration::from_secs(15);
/// An answer declared larger is not read (the reader refuses more than 64 KB anyway).
const MAX_ANSWER_BYTES: usize = 64 * 1024;

pub struct Idology {
    api_base: String,
    username: String,
    password: String,
}

impl std::fmt::Debug for Idology {
    /// Leaves the password out.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Idology")
            .field("api_base", &self.api_base)
            .field("username", &self.username)
            .finish_non_exhaustive()
    }
}

impl Idology {
    /// The configured account; `None` without credentials, or with an API base that is not
    /// `https` (plain `http` on loopback only on a development stack).
    pub fn from_env(env: &Env) -> Option<Idology> {
        Some(Idology {
            api_base: config::provider_api_base(env, "IDOLOGY_API_BASE", DEFAULT_API_BASE)?,
            username: setting(env, "IDOLOGY_USERNAME")?,
            password: setting(env, "IDOLOGY_PASSWORD")?,
        })
    }

    pub async fn ask(&self, subject: &Subject) -> Result<Answer, Unavailable> {
        let mut born = subject.date_of_birth.split('-');
        let (year, month, day) = (born.next(), born.next(), born.next());
        let mut fields = vec![
            ("firstName", subject.first_name.as_str()),
            ("lastName", subject.last_name.as_str()),
            ("address", subject.address.as_str()),
            ("city", subject.city.as_str()),
            ("state", subject.state.as_str()),
            // The API takes five digits.
            ("zip", subject.zip.get(..5).unwrap_or(&subject.zip)),
            ("dobYear", year.unwrap_or_default()),
            ("dobMonth", month.unwrap_or_default()),
            ("dobDay", day.unwrap_or_default()),
        ];
        if let Some(last4) = &subject.ssn_last4 {
            fields.push(("ssnLast4", last4));
        }
        self.post("idiq.svc", &fields).await
    }

    pub async fn score(
        &self,
        reference: &str,
        follow_up: bool,
        answers: &[(String, String)],
    ) -> Result<Answer, Unavailable> {
        let names: Vec<(String, String)> = (1..=answers.len())
            .map(|n| (format!("question{n}Type"), format!("question{n}Answer")))
            .collect();
        let mut fields = vec![("idNumber", reference)];
        for ((kind, answer), (kind_name, answer_name)) in answers.iter().zip(&names) {
            fields.push((kind_name, kind));
            fields.push((answer_name, answer));
        }
        let path = if follow_up {
            "idliveq-challenge-answers.svc"
        } else {
            "idliveq-answers.svc"
        };
        self.post(path, &fields).await
    }

    pub async fn follow_ups(&self, reference: &str) -> Result<Answer, Unavailable> {
        self.post("idliveq-challenge.svc", &[("idNumber", reference)])
            .await
    }

    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Result<Answer, Unavailable> {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("username", &self.username)
            .append_pair("password", &self.password)
            .extend_pairs(fields)
            .finish();
        let url = format!("{}/{path}", self.api_base);
        let request = (|| {
            let headers = Headers::new();
            headers.set("content-type", "application/x-www-form-urlencoded")?;
            let mut init = RequestInit::new();
            // A provider that redirects is misconfigured: personal data never follows it.
            init.with_method(Method::Post)
                .with_redirect(RequestRedirect::Manual)
                .with_headers(headers)
                .with_body(Some(JsValue::from_str(&body)));
            Request::new_with_init(&url, &init)
        })()
        .map_err(|e| Unavailable(format!("the request could not be made: {e}")))?;
        let answer = crate::outbound::exchange(request, ANSWER_WITHIN, MAX_ANSWER_BYTES).await?;
        let text = String::from_utf8(answer)
            .map_err(|_| Unavailable("the provider's answer is not UTF-8".into()))?;
        read(&text).map_err(|e| Unavailable(format!("the provider's answer was unreadable: {e:?}")))
    }
}
