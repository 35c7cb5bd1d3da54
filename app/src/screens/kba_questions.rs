//! Knowledge questions, second step: a round of the provider's questions on one screen, each a
//! native radio group, against the provider's clock.

use leptos::{ev::SubmitEvent, html, prelude::*, task::spawn_local};
use signgate_core::kba::Subject;
use signgate_core::wire::{KbaAnswer, KbaAnswered, KbaAnswers, KbaRound, RecipientView};

use super::kba::{ERROR_ID, KbaProblem, Outcome, back_to_form, error_line, go, refocus, refused};
use super::{Heading, Screen, line};
use crate::api::{self, Failure};
use crate::codes::{WARN_BEFORE_SECS, deadline, secs_left, ticking_clock};
use crate::i18n::{self, Key, Lang, text, tr};

const TRIES_ID: &str = "kba-tries";

#[component]
pub fn KbaQuestions(
    recipient: RecipientView,
    subject: Subject,
    round: KbaRound,
    token: String,
    set_screen: WriteSignal<Screen>,
    reload: Callback<()>,
) -> impl IntoView {
    let lang = i18n::use_lang();
    // Counted on the page's own clock from the worker's answer, as the code screen counts.
    let now = ticking_clock();
    let ends = deadline(now.get_untracked(), round.expires_in_secs);
    let left = Memo::new(move |_| secs_left(ends, now.get()));
    let time_up = move || left.get() == 0;
    // Changes at a minute left and at zero only, so the status region speaks twice at most.
    let warning = Memo::new(move |_| match left.get() {
        0 => Some(Key::KbaTimeUp),
        secs if secs <= WARN_BEFORE_SECS => Some(Key::KbaTimeSoon),
        _ => None,
    });
    let (error, set_error) = signal(None::<KbaProblem>);
    let button = NodeRef::<html::Button>::new();
    // The follow-ups replace a round on the same screen, whose elements the page reuses: the
    // choices made in the last round must not stay ticked (nothing here would know of them).
    let form = NodeRef::<html::Form>::new();
    form.on_load(|form| form.reset());
    let chosen = StoredValue::new(vec![None::<usize>; round.questions.len()]);
    let tries_left = round.tries_left;
    let heading = if round.follow_up {
        Key::KbaFollowUpHeading
    } else {
        Key::KbaQuestionsHeading
    };
    // Labels around the radios: no ids to clash, and the whole row is the target.
    let questions = round
        .questions
        .iter()
        .enumerate()
        .map(|(asked, question)| {
            let choices = question
                .choices
                .iter()
                .enumerate()
                .map(|(choice, label)| {
                    let choose = move |_| chosen.update_value(|chosen| chosen[asked] = Some(choice));
                    view! {
                        <label class="choice">
                            <input type="radio" name=question.id.clone() required on:change=choose />
                            {label.clone()}
                        </label>
                    }
                })
                .collect_view();
            view! {
                <fieldset class="choices">
                    <legend>{question.prompt.clone()}</legend>
                    {choices}
                </fieldset>
            }
        })
        .collect_view();
    let round = StoredValue::new(round);

    // A plain task rather than an `Action`: one less generic instantiation in the signer's download.
    let pending = RwSignal::new(false);
    let on_submit = move |event: SubmitEvent| {
        event.prevent_default();
        if pending.get_untracked() {
            return;
        }
        set_error.set(None);
        pending.set(true);
        let answers =
            round.with_value(|round| chosen.with_value(|chosen| answers_of(round, chosen)));
        let (token, recipient, subject) = (token.clone(), recipient.clone(), subject.clone());
        spawn_local(async move {
            let outcome = answered(
                api::answer_kba(&token, &answers).await,
                &recipient,
                &subject,
            );
            pending.set(false);
            if let Some(problem) = go(outcome, set_screen, reload) {
                if left.get_untracked() == 0 {
                    // The round is over, whatever else went wrong: on to new questions. How
                    // many tries that left, the worker says when the details come again.
                    let problem = KbaProblem::Expired { tries_left: None };
                    set_screen.set(back_to_form(&recipient, &subject, problem));
                } else {
                    set_error.set(Some(problem));
                    refocus(button);
                }
            }
        });
    };

    view! {
        <div class="screen" data-testid="screen-kba-questions">
            <Heading key=heading />
            <p>{tr(Key::KbaQuestionsIntro)}</p>
            <p id="kba-time" class="countdown">
                {move || format!("{} {}", text(lang.get(), Key::KbaTimeLeft), i18n::clock(left.get()))}
            </p>
            // Always in the page, so screen readers are listening before the text arrives.
            <div role="status" class:notice=move || warning.get().is_some()>
                {move || warning.get().map(|key| text(lang.get(), key))}
            </div>
            // Once the time is up, unanswered questions must not hold the signer here.
            <form class="stack" on:submit=on_submit novalidate=time_up node_ref=form>
                {questions}
                {line(
                    TRIES_ID,
                    "hint",
                    false,
                    Signal::derive(move || tries_left.map(|n| tries_line(lang.get(), n))),
                )}
                {error_line(error)}
                <button
                    type="submit"
                    class="button"
                    disabled=pending
                    aria-describedby=move || {
                        if error.get().is_some() { Some(ERROR_ID) } else { tries_left.map(|_| TRIES_ID) }
                    }
                    node_ref=button
                >
                    {move || text(lang.get(), if time_up() { Key::Continue } else { Key::KbaSubmit })}
                </button>
            </form>
        </div>
    }
}

/// What the worker's answer to a round means for the signer.
fn answered(
    answer: Result<KbaAnswered, Failure>,
    recipient: &RecipientView,
    subject: &Subject,
) -> Outcome {
    let next = |screen| Outcome::Next(Box::new(screen));
    match answer {
        Ok(KbaAnswered {
            verified: Some(verified),
            ..
        }) => next(Screen::verified(&verified)),
        Ok(KbaAnswered {
            follow_up: Some(round),
            ..
        }) => next(Screen::KbaQuestions {
            recipient: recipient.clone(),
            subject: subject.clone(),
            round,
        }),
        Ok(_) => Outcome::Stay(KbaProblem::Failed),
        Err(failure) => refused(failure, recipient, Some(subject)),
    }
}

/// The choices made so far, by the text offered (as the worker takes them).
fn answers_of(round: &KbaRound, chosen: &[Option<usize>]) -> KbaAnswers {
    KbaAnswers {
        round: round.round.clone(),
        answers: round
            .questions
            .iter()
            .zip(chosen)
            .filter_map(|(question, &choice)| {
                Some(KbaAnswer {
                    question_id: question.id.clone(),
                    choice: question.choices.get(choice?)?.clone(),
                })
            })
            .collect(),
    }
}

/// What is at stake: the tries left, this one included (as the worker counts them when it asks),
/// or that this is the last.
fn tries_line(lang: Lang, tries_left: u32) -> String {
    match tries_left {
        0 | 1 => text(lang, Key::KbaLastTry).to_owned(),
        n => i18n::tries_left(lang, n).trim().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screens::ProblemKind;
    use crate::screens::test_support::{contact, recipient, refusal, subject, verified};
    use signgate_core::wire::{ErrorCode, KbaQuestion};

    fn round(follow_up: bool) -> KbaRound {
        let question = |id: &str| KbaQuestion {
            id: id.into(),
            prompt: format!("{id}?"),
            choices: vec!["A".into(), "B".into(), "None of the above".into()],
        };
        KbaRound {
            round: "r1".into(),
            follow_up,
            questions: vec![question("q1"), question("q2")],
            expires_in_secs: 300,
            tries_left: Some(2),
        }
    }

    fn refused_answers(code: ErrorCode, tries_left: Option<u32>) -> Outcome {
        answered(
            Err(refusal(code, tries_left, None)),
            &recipient(),
            &subject(),
        )
    }

    fn form_again(problem: KbaProblem) -> Outcome {
        Outcome::Next(Box::new(back_to_form(&recipient(), &subject(), problem)))
    }

    #[test]
    fn right_answers_verify_and_one_wrong_asks_two_more() {
        let answer = |verified, follow_up| {
            let answered = KbaAnswered {
                verified,
                follow_up,
            };
            super::answered(Ok(answered), &recipient(), &subject())
        };
        assert_eq!(
            answer(Some(verified(Some("https://sign.example/d/1"))), None),
            Outcome::Next(Box::new(Screen::Verified {
                continue_href: Some("https://sign.example/d/1#grant=g.r.a.n.t".into()),
                signature_name: None,
                recovery_code: None,
            }))
        );
        assert_eq!(
            answer(None, Some(round(true))),
            Outcome::Next(Box::new(Screen::KbaQuestions {
                recipient: recipient(),
                subject: subject(),
                round: round(true),
            }))
        );
        assert_eq!(answer(None, None), Outcome::Stay(KbaProblem::Failed));
    }

    #[test]
    fn a_failed_or_stale_round_goes_back_to_the_form_with_the_details() {
        let wrong = KbaProblem::Wrong {
            tries_left: Some(1),
        };
        assert_eq!(
            refused_answers(ErrorCode::WrongAnswers, Some(1)),
            form_again(wrong)
        );
        let Outcome::Next(screen) = refused_answers(ErrorCode::WrongAnswers, Some(1)) else {
            panic!("wrong answers go back to the form");
        };
        let Screen::Kba {
            recipient: view,
            subject: kept,
            problem,
        } = *screen
        else {
            panic!("wrong answers go back to the form");
        };
        assert_eq!(kept, Some(subject()), "the details come back from memory");
        assert_eq!(problem, Some(wrong));
        assert_eq!(view.tries_left, Some(1));

        assert_eq!(
            refused_answers(ErrorCode::QuestionsExpired, Some(2)),
            form_again(KbaProblem::Expired {
                tries_left: Some(2)
            })
        );
        assert_eq!(
            refused_answers(ErrorCode::NoQuestions, None),
            form_again(KbaProblem::Stale)
        );
    }

    #[test]
    fn other_refusals_of_answers_have_their_place() {
        // The last try failed: the agreement is cancelled.
        assert_eq!(
            refused_answers(ErrorCode::Cancelled, Some(0)),
            Outcome::Next(Box::new(Screen::Cancelled(contact())))
        );
        assert_eq!(
            refused_answers(ErrorCode::NotEligible, None),
            Outcome::Next(Box::new(Screen::Problem(ProblemKind::KbaUnavailable(
                contact()
            ))))
        );
        assert_eq!(
            refused_answers(ErrorCode::ProviderUnavailable, None),
            Outcome::Stay(KbaProblem::Later)
        );
        assert_eq!(
            refused_answers(ErrorCode::Throttled, None),
            Outcome::Stay(KbaProblem::Throttled {
                retry_after_secs: None
            })
        );
        // Not the details' fault here: the answers are the page's own.
        assert_eq!(
            refused_answers(ErrorCode::InvalidRequest, None),
            Outcome::Stay(KbaProblem::Failed)
        );
        assert_eq!(
            refused_answers(ErrorCode::WrongMethod, None),
            Outcome::Reload
        );
        assert_eq!(
            answered(Err(Failure::Unreachable), &recipient(), &subject()),
            Outcome::Stay(KbaProblem::Failed)
        );
    }

    #[test]
    fn answers_name_each_question_answered_with_the_choice_offered() {
        let answers = answers_of(&round(false), &[Some(2), Some(0)]);
        assert_eq!(answers.round, "r1");
        let pairs: Vec<_> = answers
            .answers
            .iter()
            .map(|a| (a.question_id.as_str(), a.choice.as_str()))
            .collect();
        assert_eq!(pairs, [("q1", "None of the above"), ("q2", "A")]);
        // Time ran out with a question open: only what was chosen.
        assert_eq!(answers_of(&round(false), &[None, Some(1)]).answers.len(), 1);
    }

    #[test]
    fn the_tries_count_this_one_and_the_last_is_named() {
        assert_eq!(tries_line(Lang::En, 3), "3 tries left.");
        assert_eq!(tries_line(Lang::En, 1), "This is your last try.");
        assert_eq!(tries_line(Lang::De, 2), "Noch 2 Versuche.");
        assert_eq!(tries_line(Lang::De, 1), "Dies ist Ihr letzter Versuch.");
        assert_eq!(tries_line(Lang::Ru, 1), "Это ваша последняя попытка.");
    }
}
