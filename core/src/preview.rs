//! The sender's preview: the real screens of a method, walked with nothing sent and nothing counted.
//!
//! A preview link carries everything its screens show in a signed, short-lived token
//! (`p1.<payload>.<mac>`), so answering it needs no storage at all: it cannot reach a recipient's
//! state, the audit trail or a webhook, because the preview routes never touch them. It can never
//! become a real link either: a link token is 64 bytes of base64url and never contains a `.`, the
//! recipient routes parse only link tokens, the preview routes only preview tokens, and the MAC key
//! is derived for previews alone. What a preview "verifies" ends in [`PREVIEW_GRANT`], which no
//! grant check accepts.
//!
//! Every method has a preview: [`PreviewStep`] answers each step of each method's flow, and its
//! `match`es name every [`Method`], so a method added later does not build until it has one.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

use crate::attempts::TryLimit;
use crate::encoding::{base64url, constant_time_eq, from_base64url};
use crate::otp::{Channel, code_from_random};
use crate::policy::Method;
use crate::wire::{CodeSent, CodeView, Contact, IdStage, RecipientState, RecipientView};

const PREFIX: &str = "p1.";
/// How long a preview link works when the sender does not say (at most a day).
pub const DEFAULT_LIFETIME_SECS: u64 = 3600;
pub const MAX_LIFETIME_SECS: u64 = 24 * 3600;
/// What a preview hands out where a real flow hands out a grant: not a JWT, so no platform can
/// mistake it for one.
pub const PREVIEW_GRANT: &str = "preview-only-not-a-grant";

/// What a preview shows: the screens' content, as the recipient would see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewSpec {
    pub method: Method,
    pub sender: Contact,
    pub support_contact: Option<String>,
    pub title: String,
    pub recipient_name: String,
    pub recipient_email: String,
    pub phone_last4: Option<String>,
    /// The method's full tries (`None`: unlimited); a preview never uses one up.
    pub tries: Option<u32>,
    /// The code methods' length of code.
    pub code_digits: Option<u8>,
    /// The login methods' providers: `(id, name on the button)`.
    pub providers: Vec<(String, String)>,
    /// KBA: how many questions a try asks first (3, or 4 when strict).
    #[serde(default)]
    pub kba_questions: Option<u8>,
    /// What the device page offers (the account's device policy).
    #[serde(default)]
    pub devices: crate::policy::DevicePolicy,
    /// A web form's preview: its first screens, before the method's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web_form: Option<WebFormPreview>,
    /// Unix seconds.
    pub expires_at: u64,
    /// Random, so each preview link has its own code.
    pub nonce: String,
}

/// What a previewed web form asks before its method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebFormPreview {
    pub password: bool,
    pub email_check: bool,
    /// The e-mail code's length, as the policy says.
    pub code_digits: u8,
}

/// A previewed web form's answer to an entry or its code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FormAnswer {
    /// The code "sent": shown on the screen (`preview_code`).
    CodeSent(CodeSent),
    /// On to the method's preview.
    Entered,
    /// A wrong code: nothing is counted.
    Wrong,
    /// Not a form's preview, or the form asks no code.
    WrongStep,
    /// What was typed would be refused on the real form too.
    Invalid(String),
}

/// The tries a recipient starts with: a code method's rules, or the try limit of the others
/// (`None`: unlimited). A preview shows these, and never uses one up.
pub fn full_tries(code_rules: Option<&crate::otp::CodeRules>, limit: TryLimit) -> Option<u32> {
    match code_rules {
        Some(rules) => Some(crate::otp::CodeBook::default().tries_left(rules)),
        None => crate::attempts::Attempts::default().tries_left(limit),
    }
}

/// The key preview tokens are signed with: derived from the grant key, for previews alone.
pub fn key(grant_signing_key: &[u8]) -> Vec<u8> {
    mac(grant_signing_key, b"signgate preview token key v1")
}

fn mac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

pub fn sign(spec: &PreviewSpec, key: &[u8]) -> String {
    let payload = base64url(&serde_json::to_vec(spec).expect("a preview serialises"));
    let signed = format!("{PREFIX}{payload}");
    let tag = base64url(&mac(key, signed.as_bytes()));
    format!("{signed}.{tag}")
}

/// Whether a bearer token is a preview token at all (not whether it is valid).
pub fn is_preview_token(token: &str) -> bool {
    token.starts_with(PREFIX)
}

/// The preview a token stands for, if it is one of ours and has not expired.
pub fn verify(token: &str, key: &[u8], now_secs: u64) -> Option<PreviewSpec> {
    let (signed, tag) = token.rsplit_once('.')?;
    let payload = signed.strip_prefix(PREFIX)?;
    if !constant_time_eq(&from_base64url(tag)?, &mac(key, signed.as_bytes())) {
        return None;
    }
    let spec: PreviewSpec = serde_json::from_slice(&from_base64url(payload)?).ok()?;
    (now_secs < spec.expires_at).then_some(spec)
}

impl PreviewSpec {
    /// The preview's one code: fixed for the link, so "sending" again shows the same one.
    pub fn code(&self, key: &[u8]) -> Option<String> {
        self.derived_code("code", self.code_digits?, key)
    }

    /// A code of `digits` fixed for this link and `purpose` (the method's, a form's): MACed from
    /// the link's nonce, so no two links or purposes share one.
    fn derived_code(&self, purpose: &str, digits: u8, key: &[u8]) -> Option<String> {
        let words: Vec<u32> = mac(key, format!("{purpose}:{}", self.nonce).as_bytes())
            .chunks_exact(4)
            .map(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]))
            .collect();
        code_from_random(digits, &words)
    }

    /// What the app is shown on opening the link: a pending recipient, full tries.
    pub fn view(&self) -> RecipientView {
        RecipientView {
            state: RecipientState::Pending,
            sender: self.sender.clone(),
            support_contact: self.support_contact.clone(),
            method: Some(self.method),
            recipient_name: Some(self.recipient_name.clone()),
            recipient_email: Some(self.recipient_email.clone()),
            agreement_title: Some(self.title.clone()),
            tries_left: self.tries,
            phone_last4: self.phone_last4.clone(),
            codes: self.code_digits.map(|digits| CodeView {
                digits,
                expires_in_secs: None,
                channel: None,
                next_send_in_secs: 0,
            }),
            providers: self
                .providers
                .iter()
                .map(|(id, name)| crate::wire::ProviderOption {
                    id: id.clone(),
                    name: name.clone(),
                })
                .collect(),
            preview: true,
            new_devices: false,
        }
    }
}

impl PreviewSpec {
    /// The device page's list in a preview: the sender's own browser (`this`) as the signer's
    /// device, and a phone that joined later, announced as new until `seen`. Nothing is kept.
    pub fn devices(&self, this: crate::devices::DeviceLabel, seen: bool) -> crate::wire::Devices {
        let at = self.expires_at.saturating_sub(3600) * 1000;
        let device = |id: &str, label: crate::devices::DeviceLabel, minutes_ago: u64| {
            crate::wire::DeviceView {
                id: id.into(),
                browser: label.browser,
                platform: label.platform,
                place: label.place,
                first_used: at.saturating_sub(minutes_ago * 60_000),
                last_used: at.saturating_sub(minutes_ago * 60_000),
                passkey: false,
                current: false,
                new: false,
            }
        };
        crate::wire::Devices {
            devices: vec![
                crate::wire::DeviceView {
                    current: true,
                    ..device(PREVIEW_DEVICE, this, 0)
                },
                crate::wire::DeviceView {
                    new: !seen,
                    ..device(PREVIEW_PHONE, sample_phone(), 5)
                },
            ],
            policy: Some(self.devices),
            passkey_wanted: false,
        }
    }
}

/// The phone a preview's list shows joined later, and a preview's pairing is claimed by.
pub fn sample_phone() -> crate::devices::DeviceLabel {
    crate::devices::DeviceLabel {
        browser: "Safari".into(),
        platform: "iOS".into(),
        place: None,
    }
}

/// The devices of a preview's list.
pub const PREVIEW_DEVICE: &str = "preview-this-device";
pub const PREVIEW_PHONE: &str = "preview-phone";

/// A step of a method's flow, as the preview answers it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreviewStep<'a> {
    Password(&'a str),
    SendCode(Channel),
    Code(&'a str),
    StartLogin(&'a str),
    FinishLogin,
    /// The signer's data for KBA, checked against `today` (`YYYY-MM-DD`) as a real link checks it.
    KbaStart {
        subject: &'a crate::kba::Subject,
        today: &'a str,
    },
    KbaAnswers(&'a crate::wire::KbaAnswers),
    /// The ID check: its session begun, the phone link made, a photo sent (checked as a real one
    /// is, then dropped), the photos submitted, its status, the grant collected.
    IdStart,
    IdHandoff,
    IdPhoto {
        document: crate::id_check::Document,
        shot: crate::id_check::Shot,
    },
    IdSubmit,
    IdStatus,
    IdFinish,
    /// The passkey method's sign-in: no authenticator is asked.
    PasskeySignIn,
}

/// How the preview answers a step: what a real link would answer, minus every side effect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PreviewAnswer {
    /// The flow ends verified (with [`PREVIEW_GRANT`]); `signature_name` as a provider would vouch.
    Verified { signature_name: Option<String> },
    /// A code "sent": shown on the screen instead (`sent.preview_code`).
    CodeSent(CodeSent),
    /// A login "handed off": straight back to the app (`/s#login=done`) as if the provider had
    /// said yes; no provider is called.
    LoginSimulated,
    /// Sample knowledge questions (no provider is asked).
    KbaQuestions(crate::wire::KbaRound),
    /// Where a previewed ID check stands (its capture token is the preview token itself).
    IdStatus(crate::wire::IdStatus),
    /// A phone link that opens the same preview (nothing is sent).
    IdHandoff,
    /// A wrong entry: the tries stay full.
    Wrong { tries_left: Option<u32> },
    /// Not something this method's screens ask.
    WrongMethod,
    /// What was typed cannot be a password or code (as on a real link, not counted).
    Invalid(String),
}

impl PreviewSpec {
    pub fn answer(&self, step: PreviewStep<'_>, key: &[u8]) -> PreviewAnswer {
        use PreviewStep as S;
        let wrong_method = PreviewAnswer::WrongMethod;
        match self.method {
            Method::Password => match step {
                S::Password(typed) => match crate::password::check_entry(typed) {
                    // The sender set the password; a preview does not know it (only its hash is
                    // kept), so any well-formed one shows what happens next.
                    Ok(()) => PreviewAnswer::Verified {
                        signature_name: None,
                    },
                    Err(problem) => PreviewAnswer::Invalid(problem.to_string()),
                },
                _ => wrong_method,
            },
            Method::Phone | Method::EmailCode => match step {
                S::SendCode(channel) if channel.method() == self.method => {
                    let (Some(code), Some(digits)) = (self.code(key), self.code_digits) else {
                        return wrong_method;
                    };
                    let destination = match channel {
                        Channel::Email => self.recipient_email.clone(),
                        _ => self.phone_last4.clone().unwrap_or_default(),
                    };
                    PreviewAnswer::CodeSent(CodeSent {
                        channel,
                        destination: crate::outgoing::masked_destination(channel, &destination),
                        digits,
                        expires_in_secs: 600,
                        next_send_in_secs: 0,
                        preview_code: Some(code),
                    })
                }
                S::Code(typed) => {
                    let (Some(code), Some(digits)) = (self.code(key), self.code_digits) else {
                        return wrong_method;
                    };
                    match crate::otp::normalize_entry(typed, digits) {
                        Ok(entry) if constant_time_eq(entry.as_bytes(), code.as_bytes()) => {
                            PreviewAnswer::Verified {
                                signature_name: None,
                            }
                        }
                        Ok(_) => PreviewAnswer::Wrong {
                            tries_left: self.tries,
                        },
                        Err(problem) => PreviewAnswer::Invalid(problem.to_string()),
                    }
                }
                _ => wrong_method,
            },
            Method::Social | Method::PlatformAccount => match step {
                S::StartLogin(provider) if self.providers.iter().any(|(id, _)| id == provider) => {
                    PreviewAnswer::LoginSimulated
                }
                S::FinishLogin => PreviewAnswer::Verified {
                    signature_name: Some(self.recipient_name.clone()),
                },
                _ => wrong_method,
            },
            Method::Kba => {
                let Some(count) = self.kba_questions else {
                    return wrong_method;
                };
                match step {
                    // The signer's data goes nowhere: it is only checked as a real link checks it.
                    S::KbaStart { subject, today } => match subject.problems(today).as_slice() {
                        [] => PreviewAnswer::KbaQuestions(sample_round(count, self.tries)),
                        problems => PreviewAnswer::Invalid(problems.join("; ")),
                    },
                    S::KbaAnswers(answers) => {
                        let round = sample_round(count, self.tries);
                        let mut named: Vec<&str> = answers
                            .answers
                            .iter()
                            .map(|a| a.question_id.as_str())
                            .collect();
                        named.sort_unstable();
                        let mut asked: Vec<&str> =
                            round.questions.iter().map(|q| q.id.as_str()).collect();
                        asked.sort_unstable();
                        if answers.round == round.round && named == asked {
                            PreviewAnswer::Verified {
                                signature_name: None,
                            }
                        } else {
                            PreviewAnswer::Invalid(
                                "answers: one for each question asked, each once".into(),
                            )
                        }
                    }
                    _ => wrong_method,
                }
            }
            // The stand-in's sandbox: any photos of the right kinds pass, and the document names
            // the recipient as a document prints a name.
            Method::GovernmentId => match step {
                S::IdStart | S::IdStatus => self.id_status(IdStage::Capturing, None, Vec::new()),
                S::IdPhoto { document, shot } if document.shots().contains(&shot) => {
                    self.id_status(IdStage::Capturing, Some(document), vec![shot])
                }
                S::IdPhoto { .. } => {
                    PreviewAnswer::Invalid("shot: this document does not need that photo".into())
                }
                S::IdHandoff => PreviewAnswer::IdHandoff,
                S::IdSubmit => self.id_status(IdStage::Passed, None, Vec::new()),
                S::IdFinish => PreviewAnswer::Verified {
                    signature_name: Some(self.recipient_name.to_uppercase()),
                },
                _ => wrong_method,
            },
            // The sender's browser holds none of the signer's passkeys: the sign-in is shown,
            // and its button goes on as the signer's passkey would.
            Method::Passkey => match step {
                S::PasskeySignIn => PreviewAnswer::Verified {
                    signature_name: None,
                },
                _ => wrong_method,
            },
            // A method this version cannot run has no screens to preview; the admin API refuses
            // to make previews of it.
            Method::EmailLink => wrong_method,
        }
    }
}

impl PreviewSpec {
    fn id_status(
        &self,
        stage: IdStage,
        document: Option<crate::id_check::Document>,
        photos: Vec<crate::id_check::Shot>,
    ) -> PreviewAnswer {
        PreviewAnswer::IdStatus(crate::wire::IdStatus {
            stage,
            capture_token: None,
            document,
            photos,
            phone_opened: false,
            expires_in_secs: PREVIEW_ID_SESSION_SECS,
            tries_left: self.tries,
            failure: None,
            next_send_in_secs: 0,
        })
    }
}

impl PreviewSpec {
    /// A previewed web form's first screen.
    pub fn form_view(&self) -> Option<crate::wire::WebFormView> {
        let form = self.web_form?;
        Some(crate::wire::WebFormView {
            title: self.title.clone(),
            sender: self.sender.clone(),
            password: form.password,
            email_check: form.email_check,
            method: self.method,
        })
    }

    /// The form's e-mail code: its own, not the method's.
    fn form_code(&self, key: &[u8]) -> Option<String> {
        self.derived_code("form-code", self.web_form?.code_digits, key)
    }

    /// The form's code "sent" to `to`: shown on the screen instead.
    fn form_code_sent(&self, to: &str, key: &[u8]) -> FormAnswer {
        match (self.web_form, self.form_code(key)) {
            (Some(form), Some(code)) if form.email_check => FormAnswer::CodeSent(CodeSent {
                channel: Channel::Email,
                destination: crate::outgoing::masked_destination(Channel::Email, to),
                digits: form.code_digits,
                expires_in_secs: 600,
                next_send_in_secs: 0,
                preview_code: Some(code),
            }),
            _ => FormAnswer::WrongStep,
        }
    }

    /// An entry on a previewed form: checked as the real form checks it; the sender set the form
    /// password and a preview keeps no copy of it, so any well-formed one goes on.
    pub fn form_entry(&self, entry: &crate::wire::WebFormEntry, key: &[u8]) -> FormAnswer {
        let Some(form) = self.web_form else {
            return FormAnswer::WrongStep;
        };
        let problems = crate::web_form::entry_problems(
            &entry.name,
            &entry.email,
            entry.password.as_deref(),
            form.password,
        );
        if !problems.is_empty() {
            return FormAnswer::Invalid(crate::web_form::joined(&problems));
        }
        if !form.email_check {
            return FormAnswer::Entered;
        }
        self.form_code_sent(&entry.email, key)
    }

    /// The form's code "sent" again: the same one.
    pub fn form_resend(&self, key: &[u8]) -> FormAnswer {
        self.form_code_sent(&self.recipient_email, key)
    }

    /// The form's code typed.
    pub fn form_code_entry(&self, typed: &str, key: &[u8]) -> FormAnswer {
        let (Some(form), Some(code)) = (self.web_form, self.form_code(key)) else {
            return FormAnswer::WrongStep;
        };
        if !form.email_check {
            return FormAnswer::WrongStep;
        }
        match crate::otp::normalize_entry(typed, form.code_digits) {
            Ok(entry) if constant_time_eq(entry.as_bytes(), code.as_bytes()) => FormAnswer::Entered,
            Ok(_) => FormAnswer::Wrong,
            Err(problem) => FormAnswer::Invalid(problem.to_string()),
        }
    }
}

/// A previewed ID check's window, as the default policy's.
const PREVIEW_ID_SESSION_SECS: u64 = 15 * 60;

/// What a preview shows for KBA: questions of the kind a provider asks, about no one.
fn sample_round(count: u8, tries_left: Option<u32>) -> crate::wire::KbaRound {
    const NONE: &str = "None of the above";
    let samples: [(&str, &str, [&str; 4]); 4] = [
        (
            "sample.county",
            "In which county have you lived?",
            ["CLARK", "FRANKLIN", "MARION", "WASHINGTON"],
        ),
        (
            "sample.street",
            "On which street have you lived?",
            ["ELM ST", "OAK AVE", "PINE RD", "MAPLE DR"],
        ),
        (
            "sample.vehicle",
            "Which of these vehicles have you owned?",
            ["FORD FOCUS", "HONDA CIVIC", "TOYOTA CAMRY", "VW GOLF"],
        ),
        (
            "sample.year",
            "In which year was your home built?",
            ["1968", "1974", "1989", "2001"],
        ),
    ];
    crate::wire::KbaRound {
        round: "preview".into(),
        follow_up: false,
        questions: samples
            .iter()
            .take(usize::from(count))
            .map(|(id, prompt, choices)| crate::wire::KbaQuestion {
                id: (*id).into(),
                prompt: (*prompt).into(),
                choices: choices.iter().chain([&NONE]).map(|c| (*c).into()).collect(),
            })
            .collect(),
        expires_in_secs: crate::kba::ANSWER_WITHIN_MS / 1000,
        tries_left,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_preview_takes_the_right_photos_and_passes_with_the_name_in_capitals() {
        use crate::id_check::{Document, Shot};
        let spec = PreviewSpec {
            method: Method::GovernmentId,
            sender: Contact {
                name: "Sam".into(),
                email: "sam@example.com".into(),
            },
            support_contact: None,
            title: "Lease".into(),
            recipient_name: "Alex Example".into(),
            recipient_email: "alex@example.com".into(),
            phone_last4: None,
            tries: Some(5),
            code_digits: None,
            providers: Vec::new(),
            kba_questions: None,
            devices: Default::default(),
            web_form: None,
            expires_at: 1,
            nonce: String::new(),
        };
        let photo = |document, shot| spec.answer(PreviewStep::IdPhoto { document, shot }, b"k");
        assert!(matches!(
            photo(Document::IdCard, Shot::DocumentBack),
            PreviewAnswer::IdStatus(s) if s.photos == [Shot::DocumentBack] && s.tries_left == Some(5)
        ));
        assert!(matches!(
            photo(Document::Passport, Shot::DocumentBack),
            PreviewAnswer::Invalid(_)
        ));
        assert!(matches!(
            spec.answer(PreviewStep::IdSubmit, b"k"),
            PreviewAnswer::IdStatus(s) if s.stage == IdStage::Passed
        ));
        assert_eq!(
            spec.answer(PreviewStep::IdFinish, b"k"),
            PreviewAnswer::Verified {
                signature_name: Some("ALEX EXAMPLE".into())
            }
        );
        assert_eq!(
            spec.answer(PreviewStep::Password("x"), b"k"),
            PreviewAnswer::WrongMethod
        );
    }

    const KEY: &[u8] = b"a grant signing key of some length";

    fn spec(method: Method) -> PreviewSpec {
        PreviewSpec {
            method,
            sender: Contact {
                name: "Sam".into(),
                email: "sam@acme.example".into(),
            },
            support_contact: None,
            title: "Lease".into(),
            recipient_name: "Ada".into(),
            recipient_email: "ada@example.com".into(),
            phone_last4: (method == Method::Phone).then(|| "0123".into()),
            tries: Some(5),
            code_digits: matches!(method, Method::Phone | Method::EmailCode).then_some(6),
            providers: vec![("google".into(), "Google".into())],
            kba_questions: (method == Method::Kba).then_some(3),
            devices: Default::default(),
            web_form: None,
            expires_at: 2_000,
            nonce: "n1".into(),
        }
    }

    #[test]
    fn the_device_page_previews_the_senders_browser_and_a_phone_announced_until_seen() {
        let mut spec = spec(Method::Password);
        spec.devices.pairing = false;
        let this = crate::devices::DeviceLabel {
            browser: "Firefox".into(),
            platform: "Linux".into(),
            place: None,
        };
        let list = spec.devices(this.clone(), false);
        let shown: Vec<_> = list
            .devices
            .iter()
            .map(|d| (d.browser.as_str(), d.current, d.new))
            .collect();
        assert_eq!(shown, [("Firefox", true, false), ("Safari", false, true)]);
        assert_eq!(list.policy, Some(spec.devices));
        assert!(spec.devices(this, true).devices.iter().all(|d| !d.new));
    }

    #[test]
    fn a_token_is_accepted_only_whole_unexpired_and_under_the_preview_key() {
        let key = key(KEY);
        let token = sign(&spec(Method::Password), &key);
        assert!(is_preview_token(&token));
        assert_eq!(verify(&token, &key, 1_999), Some(spec(Method::Password)));
        assert_eq!(verify(&token, &key, 2_000), None, "expired");
        // Signed with the grant key itself (not the derived one): refused.
        assert_eq!(verify(&sign(&spec(Method::Password), KEY), &key, 0), None);
        // Any change to the payload breaks the MAC.
        let (signed, tag) = token.rsplit_once('.').unwrap();
        let mut other = spec(Method::Password);
        other.tries = None;
        let forged_payload = sign(&other, &key);
        let (forged_signed, _) = forged_payload.rsplit_once('.').unwrap();
        assert_eq!(verify(&format!("{forged_signed}.{tag}"), &key, 0), None);
        assert_eq!(verify(signed, &key, 0), None);
        assert_eq!(verify(&token[1..], &key, 0), None);
        // No preview token is a link token, and no link token a preview token.
        assert!(crate::token::LinkToken::parse(&token).is_none());
        let link = crate::token::LinkToken::new(&"ab".repeat(32), [7; 32]).unwrap();
        assert!(!is_preview_token(&link.encode()));
        assert_eq!(verify(&link.encode(), &key, 0), None);
    }

    #[test]
    fn the_code_flow_shows_the_code_and_never_uses_a_try() {
        let key = key(KEY);
        for method in [Method::Phone, Method::EmailCode] {
            let spec = spec(method);
            let channel = if method == Method::Phone {
                Channel::Voice
            } else {
                Channel::Email
            };
            let PreviewAnswer::CodeSent(sent) = spec.answer(PreviewStep::SendCode(channel), &key)
            else {
                panic!("a code is 'sent'");
            };
            let code = sent.preview_code.clone().unwrap();
            assert_eq!(code.len(), 6);
            assert_eq!(sent.channel, channel);
            // The same code every time for the same link; another link has another.
            assert_eq!(spec.code(&key), Some(code.clone()));
            let mut other = spec.clone();
            other.nonce = "n2".into();
            assert_ne!(other.code(&key), Some(code.clone()));
            for _ in 0..10 {
                assert_eq!(
                    spec.answer(PreviewStep::Code("000000"), &key),
                    if code == "000000" {
                        PreviewAnswer::Verified {
                            signature_name: None,
                        }
                    } else {
                        PreviewAnswer::Wrong {
                            tries_left: Some(5),
                        }
                    }
                );
            }
            let spaced = format!("{} {}", &code[..3], &code[3..]);
            assert_eq!(
                spec.answer(PreviewStep::Code(&spaced), &key),
                PreviewAnswer::Verified {
                    signature_name: None
                }
            );
            assert!(matches!(
                spec.answer(PreviewStep::Code("12"), &key),
                PreviewAnswer::Invalid(_)
            ));
            assert_eq!(
                spec.answer(PreviewStep::Password("Sunrise2026"), &key),
                PreviewAnswer::WrongMethod
            );
        }
        // A channel of the other code method is not this link's.
        assert_eq!(
            spec(Method::Phone).answer(PreviewStep::SendCode(Channel::Email), &key),
            PreviewAnswer::WrongMethod
        );
    }

    #[test]
    fn password_and_login_previews_walk_to_the_end() {
        let key = key(KEY);
        let password = spec(Method::Password);
        assert_eq!(
            password.answer(PreviewStep::Password("Anything1"), &key),
            PreviewAnswer::Verified {
                signature_name: None
            }
        );
        assert!(matches!(
            password.answer(PreviewStep::Password("not a password!"), &key),
            PreviewAnswer::Invalid(_)
        ));
        let social = spec(Method::Social);
        assert_eq!(
            social.answer(PreviewStep::StartLogin("google"), &key),
            PreviewAnswer::LoginSimulated
        );
        assert_eq!(
            social.answer(PreviewStep::StartLogin("facebook"), &key),
            PreviewAnswer::WrongMethod
        );
        assert_eq!(
            social.answer(PreviewStep::FinishLogin, &key),
            PreviewAnswer::Verified {
                signature_name: Some("Ada".into())
            }
        );
        let view = social.view();
        assert!(view.preview);
        assert_eq!(view.providers[0].name, "Google");
    }

    #[test]
    fn the_kba_preview_asks_sample_questions_and_takes_any_complete_answers() {
        let key = key(KEY);
        let kba = spec(Method::Kba);
        let subject = crate::kba::tests::subject();
        let today = "2026-11-30";
        let PreviewAnswer::KbaQuestions(round) = kba.answer(
            PreviewStep::KbaStart {
                subject: &subject,
                today,
            },
            &key,
        ) else {
            panic!("questions are asked");
        };
        assert_eq!(round.questions.len(), 3);
        assert!(round.questions.iter().all(|q| q.choices.len() == 5));
        let bad = crate::kba::Subject {
            zip: "1".into(),
            ..subject.clone()
        };
        assert!(matches!(
            kba.answer(
                PreviewStep::KbaStart {
                    subject: &bad,
                    today
                },
                &key
            ),
            PreviewAnswer::Invalid(_)
        ));
        let mut answers = crate::wire::KbaAnswers {
            round: round.round.clone(),
            answers: round
                .questions
                .iter()
                .map(|q| crate::wire::KbaAnswer {
                    question_id: q.id.clone(),
                    choice: q.choices[0].clone(),
                })
                .collect(),
        };
        assert_eq!(
            kba.answer(PreviewStep::KbaAnswers(&answers), &key),
            PreviewAnswer::Verified {
                signature_name: None
            }
        );
        answers.answers.pop();
        assert!(matches!(
            kba.answer(PreviewStep::KbaAnswers(&answers), &key),
            PreviewAnswer::Invalid(_)
        ));
        assert_eq!(
            spec(Method::Password).answer(PreviewStep::KbaAnswers(&answers), &key),
            PreviewAnswer::WrongMethod
        );
    }

    #[test]
    fn a_previewed_form_checks_the_entry_shows_its_own_code_and_counts_nothing() {
        let key = KEY.to_vec();
        let mut form = spec(Method::Kba);
        assert_eq!(form.form_view(), None, "a method's preview is no form's");
        form.web_form = Some(WebFormPreview {
            password: true,
            email_check: true,
            code_digits: 6,
        });
        assert!(
            form.form_view()
                .is_some_and(|v| v.password && v.method == Method::Kba)
        );
        let mut entry = crate::wire::WebFormEntry {
            name: "Bo".into(),
            email: "bo@example.com".into(),
            password: None,
            language: None,
        };
        assert!(
            matches!(form.form_entry(&entry, &key), FormAnswer::Invalid(p) if p.contains("password"))
        );
        entry.password = Some("anything".into());
        let FormAnswer::CodeSent(sent) = form.form_entry(&entry, &key) else {
            panic!("the code is shown");
        };
        let code = sent.preview_code.expect("on the screen");
        assert_eq!(code.len(), 6);
        assert!(
            form.code(&key)
                .is_none_or(|method_code| method_code != code),
            "the form's code is not the method's"
        );
        let wrong = if code == "000000" { "111111" } else { "000000" };
        for _ in 0..20 {
            assert_eq!(form.form_code_entry(wrong, &key), FormAnswer::Wrong);
        }
        assert_eq!(form.form_code_entry(&code, &key), FormAnswer::Entered);
        assert!(
            matches!(form.form_resend(&key), FormAnswer::CodeSent(s) if s.preview_code == Some(code.clone()))
        );

        form.web_form = Some(WebFormPreview {
            password: false,
            email_check: false,
            code_digits: 6,
        });
        entry.password = None;
        assert_eq!(form.form_entry(&entry, &key), FormAnswer::Entered);
        assert_eq!(form.form_code_entry(&code, &key), FormAnswer::WrongStep);
    }
}
