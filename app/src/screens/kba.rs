//! Knowledge questions, first step: the signer's details, with which the identity provider finds
//! questions only they can answer. What is typed is kept nowhere: a failed try brings it back to
//! this form from memory (the screen state), never from storage.

use leptos::{ev::SubmitEvent, html, prelude::*, task::spawn_local};
use signgate_core::kba::{Subject, US_STATES};
use signgate_core::wire::{ErrorCode, KbaRound, RecipientView};

use super::{ContactLink, Elsewhere, Heading, ProblemKind, Screen, elsewhere, line};
use crate::api::{self, Failure};
use crate::contact::HelpContact;
use crate::i18n::{self, Key, Lang, text, tr};

/// The error's id on both KBA screens (never shown together).
pub(super) const ERROR_ID: &str = "kba-error";
const HINT_ID: &str = "kba-hint";

/// Why the signer is on a KBA screen again, or still.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KbaProblem {
    /// Not all answers were right: the try failed. Which ones is never said.
    Wrong {
        tries_left: Option<u32>,
    },
    /// Questions were left unanswered past their time: the try failed.
    Expired {
        tries_left: Option<u32>,
    },
    /// The questions answered are no longer open (an old page).
    Stale,
    /// The worker refused the details as malformed.
    CheckDetails,
    Throttled {
        retry_after_secs: Option<u64>,
    },
    /// The identity provider cannot be reached, or none is set up.
    Later,
    Failed,
}

#[derive(Debug, PartialEq)]
pub(super) enum Outcome {
    /// Boxed: a screen is large, and many answers keep the signer where they are.
    Next(Box<Screen>),
    /// The sender changed the method meanwhile: load the link again.
    Reload,
    Stay(KbaProblem),
}

/// A field of the form; `pattern` marks the fields of digits, which get a numeric keyboard.
struct Field {
    name: &'static str,
    label: Key,
    autocomplete: &'static str,
    /// The input's type, or `select` for the state.
    kind: &'static str,
    maxlength: &'static str,
    pattern: Option<&'static str>,
}

const fn field(name: &'static str, label: Key, autocomplete: &'static str) -> Field {
    Field {
        name,
        label,
        autocomplete,
        kind: "text",
        maxlength: "60",
        pattern: None,
    }
}

/// Where the state's `<select>` stands among [`FIELDS`].
const STATE: usize = 4;

/// In the order of [`values_of`]. The SSN's is the one optional field (`autocomplete="off"`).
const FIELDS: [Field; 8] = [
    field("first_name", Key::KbaFirstName, "given-name"),
    field("last_name", Key::KbaLastName, "family-name"),
    Field {
        maxlength: "120",
        ..field("address", Key::KbaAddress, "address-line1")
    },
    field("city", Key::KbaCity, "address-level2"),
    Field {
        kind: "select",
        ..field("state", Key::KbaState, "address-level1")
    },
    Field {
        maxlength: "10",
        pattern: Some(r"\d{5}(-\d{4})?"),
        ..field("zip", Key::KbaZip, "postal-code")
    },
    Field {
        kind: "date",
        ..field("date_of_birth", Key::KbaBirthDate, "bday")
    },
    Field {
        maxlength: "4",
        pattern: Some(r"\d{4}"),
        ..field("ssn_last4", Key::KbaSsn, "off")
    },
];

/// A real `<form>` with the autofill names browsers know, so most of it fills itself in.
#[component]
pub fn Kba(
    recipient: RecipientView,
    subject: Option<Subject>,
    problem: Option<KbaProblem>,
    token: String,
    set_screen: WriteSignal<Screen>,
    reload: Callback<()>,
) -> impl IntoView {
    let lang = i18n::use_lang();
    let contact = HelpContact::of(&recipient);
    let values = initial_values(&recipient, subject.as_ref()).map(RwSignal::new);
    let (error, set_error) = signal(problem);
    let button = NodeRef::<html::Button>::new();
    let tries_left = recipient.tries_left;
    let sender = recipient.sender.name.clone();
    let title = recipient.agreement_title.clone();

    // A plain task rather than an `Action`: one less generic instantiation in the signer's download.
    let pending = RwSignal::new(false);
    let on_submit = move |event: SubmitEvent| {
        // The worker passes the details on; the page itself must not be submitted.
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        // Taken out and put back, so the same error twice is announced twice.
        set_error.set(None);
        pending.set(true);
        let subject = subject_of(values.map(|value| value.get_untracked()));
        let (token, recipient) = (token.clone(), recipient.clone());
        spawn_local(async move {
            let outcome = started(api::start_kba(&token, &subject).await, recipient, subject);
            pending.set(false);
            if let Some(problem) = go(outcome, set_screen, reload) {
                set_error.set(Some(problem));
                refocus(button);
            }
        });
    };
    let described_by = move || match (error.get(), tries_left) {
        (Some(_), _) => Some(ERROR_ID),
        (None, Some(_)) => Some(HINT_ID),
        (None, None) => None,
    };

    // One view type for every text field (no type-erased variants: each costs the download).
    let input = |(field, value): (&Field, RwSignal<String>)| {
        view! {
            <div class="field">
                <label for=field.name>{tr(field.label)}</label>
                <input
                    id=field.name
                    name=field.name
                    type=field.kind
                    autocomplete=field.autocomplete
                    inputmode=field.pattern.map(|_| "numeric")
                    maxlength=field.maxlength
                    pattern=field.pattern
                    required={field.autocomplete != "off"}
                    bind:value=value
                />
            </div>
        }
    };
    let (before, after) = FIELDS.split_at(STATE);
    let before = before.iter().zip(values).map(input).collect_view();
    let after = after[1..]
        .iter()
        .zip(values[STATE + 1..].iter().copied())
        .map(input)
        .collect_view();
    let state = values[STATE];
    let chosen = state.get_untracked();
    let state_field = &FIELDS[STATE];
    let states = view! {
        <div class="field">
            <label for=state_field.name>{tr(state_field.label)}</label>
            <select
                id=state_field.name
                name=state_field.name
                autocomplete=state_field.autocomplete
                required
                on:change=move |event| state.set(event_target_value(&event))
            >
                <option value="">"–"</option>
                {US_STATES
                    .iter()
                    .map(|&code| view! { <option selected={chosen == code}>{code}</option> })
                    .collect_view()}
            </select>
        </div>
    };

    view! {
        <div class="screen" data-testid="screen-kba">
            <Heading key=Key::KbaHeading />
            <p>{move || i18n::sender_line(lang.get(), &sender, title.as_deref())}</p>
            <p>{tr(Key::KbaIntro)}</p>
            <p class="note">{tr(Key::KbaPrivacy)}</p>
            <form class="stack" on:submit=on_submit>
                {before}
                {states}
                {after}
                // Until the first answer, which says it again.
                {line(
                    HINT_ID,
                    "hint",
                    false,
                    Signal::derive(move || {
                        let n = tries_left.filter(|_| error.get().is_none())?;
                        Some(i18n::tries_left(lang.get(), n).trim().to_owned())
                    }),
                )}
                {error_line(error)}
                <button
                    type="submit"
                    class="button"
                    disabled=pending
                    aria-describedby=described_by
                    node_ref=button
                >
                    {tr(Key::Continue)}
                </button>
            </form>
            <p>{tr(Key::Questions)} " " <ContactLink contact /></p>
        </div>
    }
}

/// What the worker's answer to the details means for the signer.
fn started(
    answer: Result<KbaRound, Failure>,
    recipient: RecipientView,
    subject: Subject,
) -> Outcome {
    match answer {
        Ok(round) => Outcome::Next(Box::new(Screen::KbaQuestions {
            recipient,
            subject,
            round,
        })),
        Err(failure) => refused(failure, &recipient, None),
    }
}

/// What a refusal means on either KBA screen. `answered`: the details the questions came from,
/// when the refusal answers the questions; a failed or stale round goes back to the form with them.
pub(super) fn refused(
    failure: Failure,
    recipient: &RecipientView,
    answered: Option<&Subject>,
) -> Outcome {
    let error = match failure {
        Failure::Refused(error) => error,
        Failure::Unreachable => return Outcome::Stay(KbaProblem::Failed),
    };
    let contact = HelpContact::of(recipient);
    match elsewhere(error.code, &contact) {
        Some(Elsewhere::Screen(screen)) => return Outcome::Next(screen),
        Some(Elsewhere::Reload) => return Outcome::Reload,
        None => {}
    }
    let tries_left = error.tries_left;
    let problem = match error.code {
        ErrorCode::NotEligible => {
            let screen = Screen::Problem(ProblemKind::KbaUnavailable(contact));
            return Outcome::Next(Box::new(screen));
        }
        ErrorCode::WrongAnswers => KbaProblem::Wrong { tries_left },
        ErrorCode::QuestionsExpired => KbaProblem::Expired { tries_left },
        ErrorCode::NoQuestions => KbaProblem::Stale,
        ErrorCode::InvalidRequest if answered.is_none() => KbaProblem::CheckDetails,
        ErrorCode::Throttled => KbaProblem::Throttled {
            retry_after_secs: error.retry_after_secs.filter(|&secs| secs > 0),
        },
        ErrorCode::ProviderUnavailable | ErrorCode::NotConfigured => KbaProblem::Later,
        _ => KbaProblem::Failed,
    };
    match answered {
        Some(subject) if problem.ends_round() => {
            Outcome::Next(Box::new(back_to_form(recipient, subject, problem)))
        }
        _ => Outcome::Stay(problem),
    }
}

impl KbaProblem {
    /// The questions on screen are of no more use: only new ones, from the form, help.
    fn ends_round(self) -> bool {
        matches!(
            self,
            KbaProblem::Wrong { .. } | KbaProblem::Expired { .. } | KbaProblem::Stale
        )
    }
}

/// The form again after a round that failed or went stale, with the details typed before.
pub(super) fn back_to_form(
    recipient: &RecipientView,
    subject: &Subject,
    problem: KbaProblem,
) -> Screen {
    let mut recipient = recipient.clone();
    if let KbaProblem::Wrong { tries_left } | KbaProblem::Expired { tries_left } = problem {
        recipient.tries_left = tries_left.or(recipient.tries_left);
    }
    Screen::Kba {
        recipient,
        subject: Some(subject.clone()),
        problem: Some(problem),
    }
}

/// Acts on an outcome that leaves the screen; one that keeps the signer here is handed back.
pub(super) fn go(
    outcome: Outcome,
    set_screen: WriteSignal<Screen>,
    reload: Callback<()>,
) -> Option<KbaProblem> {
    match outcome {
        Outcome::Next(screen) => set_screen.set(*screen),
        Outcome::Reload => reload.run(()),
        Outcome::Stay(problem) => return Some(problem),
    }
    None
}

/// Pressing the button disabled it under the signer's focus: give it back once it works again.
pub(super) fn refocus(button: NodeRef<html::Button>) {
    request_animation_frame(move || {
        if let Some(button) = button.try_get_untracked().flatten() {
            let _ = button.focus();
        }
    });
}

/// Why the signer is (still) here, announced as it appears; the same on both KBA screens.
pub(super) fn error_line(error: ReadSignal<Option<KbaProblem>>) -> impl IntoView {
    let lang = i18n::use_lang();
    line(
        ERROR_ID,
        "error",
        true,
        Signal::derive(move || error.get().map(|problem| error_text(lang.get(), problem))),
    )
}

fn error_text(lang: Lang, problem: KbaProblem) -> String {
    let (key, tries_left) = match problem {
        KbaProblem::Wrong { tries_left } => (Key::KbaWrong, tries_left),
        KbaProblem::Expired { tries_left } => (Key::KbaExpired, tries_left),
        KbaProblem::Stale => (Key::KbaStale, None),
        KbaProblem::CheckDetails => return text(lang, Key::KbaCheckDetails).to_owned(),
        KbaProblem::Throttled { retry_after_secs } => {
            return i18n::throttled(lang, retry_after_secs);
        }
        KbaProblem::Later => return text(lang, Key::KbaLater).to_owned(),
        KbaProblem::Failed => return text(lang, Key::SomethingWentWrong).to_owned(),
    };
    let tries = tries_left.map(|n| i18n::tries_left(lang, n));
    format!(
        "{}{} {}",
        text(lang, key),
        tries.unwrap_or_default(),
        text(lang, Key::KbaAgain)
    )
}

/// What the form starts with: the details typed before, else the name the sender gave.
fn initial_values(recipient: &RecipientView, subject: Option<&Subject>) -> [String; 8] {
    if let Some(subject) = subject {
        return values_of(subject);
    }
    let mut values = <[String; 8]>::default();
    (values[0], values[1]) = split_name(recipient.recipient_name.as_deref().unwrap_or_default());
    values
}

fn values_of(subject: &Subject) -> [String; 8] {
    let subject = subject.clone();
    [
        subject.first_name,
        subject.last_name,
        subject.address,
        subject.city,
        subject.state,
        subject.zip,
        subject.date_of_birth,
        subject.ssn_last4.unwrap_or_default(),
    ]
}

fn subject_of(values: [String; 8]) -> Subject {
    let [
        first_name,
        last_name,
        address,
        city,
        state,
        zip,
        date_of_birth,
        ssn,
    ] = values.map(|value| value.trim().to_owned());
    Subject {
        first_name,
        last_name,
        address,
        city,
        state,
        zip,
        date_of_birth,
        ssn_last4: (!ssn.is_empty()).then_some(ssn),
    }
}

/// The sender's name for the signer, split at the last space: given names, then the family name.
fn split_name(name: &str) -> (String, String) {
    let name = name.trim();
    match name.rsplit_once(' ') {
        Some((first, last)) => (first.trim_end().to_owned(), last.to_owned()),
        None => (name.to_owned(), String::new()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screens::test_support::{contact, recipient, refusal, subject};

    fn round() -> KbaRound {
        KbaRound {
            round: "r1".into(),
            follow_up: false,
            questions: Vec::new(),
            expires_in_secs: 300,
            tries_left: Some(2),
        }
    }

    fn refused_start(code: ErrorCode, tries_left: Option<u32>, retry: Option<u64>) -> Outcome {
        started(
            Err(refusal(code, tries_left, retry)),
            recipient(),
            subject(),
        )
    }

    #[test]
    fn details_taken_lead_to_the_questions() {
        assert_eq!(
            started(Ok(round()), recipient(), subject()),
            Outcome::Next(Box::new(Screen::KbaQuestions {
                recipient: recipient(),
                subject: subject(),
                round: round(),
            }))
        );
    }

    #[test]
    fn each_refusal_of_the_details_has_its_place() {
        assert_eq!(
            refused_start(ErrorCode::NotEligible, None, None),
            Outcome::Next(Box::new(Screen::Problem(ProblemKind::KbaUnavailable(
                contact()
            ))))
        );
        // An earlier round left unanswered counted: stay, say so, and submit again.
        assert_eq!(
            refused_start(ErrorCode::QuestionsExpired, Some(1), None),
            Outcome::Stay(KbaProblem::Expired {
                tries_left: Some(1)
            })
        );
        assert_eq!(
            refused_start(ErrorCode::InvalidRequest, None, None),
            Outcome::Stay(KbaProblem::CheckDetails)
        );
        for code in [ErrorCode::ProviderUnavailable, ErrorCode::NotConfigured] {
            assert_eq!(
                refused_start(code, None, None),
                Outcome::Stay(KbaProblem::Later)
            );
        }
        assert_eq!(
            refused_start(ErrorCode::Throttled, None, Some(30)),
            Outcome::Stay(KbaProblem::Throttled {
                retry_after_secs: Some(30)
            })
        );
        assert_eq!(
            refused_start(ErrorCode::Cancelled, Some(0), None),
            Outcome::Next(Box::new(Screen::Cancelled(contact())))
        );
        assert_eq!(
            refused_start(ErrorCode::AlreadyVerified, None, None),
            Outcome::Next(Box::new(Screen::already_verified()))
        );
        assert_eq!(
            refused_start(ErrorCode::InvalidLink, None, None),
            Outcome::Next(Box::new(Screen::InvalidLink))
        );
        assert_eq!(
            refused_start(ErrorCode::WrongMethod, None, None),
            Outcome::Reload
        );
        assert_eq!(
            refused_start(ErrorCode::Internal, None, None),
            Outcome::Stay(KbaProblem::Failed)
        );
        assert_eq!(
            started(Err(Failure::Unreachable), recipient(), subject()),
            Outcome::Stay(KbaProblem::Failed)
        );
    }

    #[test]
    fn names_split_at_the_last_space() {
        let split = |name| split_name(name);
        assert_eq!(split("Ada Lovelace"), ("Ada".into(), "Lovelace".into()));
        assert_eq!(
            split(" Mary Ann  Smith "),
            ("Mary Ann".into(), "Smith".into())
        );
        assert_eq!(split("Cher"), ("Cher".into(), String::new()));
        assert_eq!(split(""), (String::new(), String::new()));
    }

    #[test]
    fn the_form_starts_from_the_name_or_from_the_details_kept() {
        let mut view = recipient();
        view.recipient_name = Some("Ada King Lovelace".into());
        let fresh = initial_values(&view, None);
        assert_eq!(fresh[..3], ["Ada King", "Lovelace", ""]);
        let kept = initial_values(&view, Some(&subject()));
        assert_eq!(kept, values_of(&subject()));
        assert_eq!(subject_of(kept), subject());
        // Spaces around go; an empty SSN field is no SSN.
        let mut typed = values_of(&subject()).map(|value| format!(" {value} "));
        typed[7] = "  ".into();
        let read = subject_of(typed);
        assert_eq!(read.zip, "62701");
        assert_eq!(read.ssn_last4, None);
    }

    #[test]
    fn the_fields_have_their_autofill_names_and_unique_ids() {
        let names: Vec<_> = FIELDS.iter().map(|field| field.autocomplete).collect();
        assert_eq!(
            names,
            [
                "given-name",
                "family-name",
                "address-line1",
                "address-level2",
                "address-level1",
                "postal-code",
                "bday",
                "off"
            ]
        );
        let mut ids: Vec<_> = FIELDS.iter().map(|field| field.name).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), FIELDS.len());
        assert!(!ids.contains(&ERROR_ID) && !ids.contains(&HINT_ID));
    }

    #[test]
    fn error_texts_read_right() {
        let wrong = KbaProblem::Wrong {
            tries_left: Some(2),
        };
        assert_eq!(
            error_text(Lang::En, wrong),
            "Not all answers were right. 2 tries left. Submit your details again for new questions."
        );
        assert_eq!(
            error_text(Lang::De, wrong),
            "Nicht alle Antworten waren richtig. Noch 2 Versuche. Senden Sie Ihre Angaben erneut, um neue Fragen zu erhalten."
        );
        assert_eq!(
            error_text(Lang::Ru, wrong),
            "Не все ответы верны. Осталось 2 попытки. Отправьте данные ещё раз, чтобы получить новые вопросы."
        );
        assert_eq!(
            error_text(
                Lang::En,
                KbaProblem::Expired {
                    tries_left: Some(1)
                }
            ),
            "The questions were not answered in time, so that try failed. 1 try left. Submit your details again for new questions."
        );
        assert_eq!(
            error_text(Lang::De, KbaProblem::Expired { tries_left: None }),
            "Die Fragen wurden nicht rechtzeitig beantwortet, daher ist dieser Versuch gescheitert. Senden Sie Ihre Angaben erneut, um neue Fragen zu erhalten."
        );
        assert_eq!(
            error_text(Lang::En, KbaProblem::Stale),
            "Those questions are no longer open. Submit your details again for new questions."
        );
        assert_eq!(
            error_text(Lang::En, KbaProblem::CheckDetails),
            "These details could not be used. Please check them and try again."
        );
        assert_eq!(
            error_text(Lang::De, KbaProblem::Later),
            "Die Identitätsprüfung ist gerade nicht verfügbar. Bitte versuchen Sie es später erneut."
        );
        assert_eq!(
            error_text(
                Lang::En,
                KbaProblem::Throttled {
                    retry_after_secs: Some(30)
                }
            ),
            "Too many tries in a short time. Please wait 30 seconds and try again."
        );
    }
}
