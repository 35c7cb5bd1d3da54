//! The code engine of both code screens, the signing page's (text message, call, e-mail) and the
//! web form's (e-mail): why a code was not taken, why no new one was sent, the code's countdowns
//! and its expiry warning. Their words are [`crate::i18n::shared`], a table both pages carry;
//! a general failure each page says in its own.

use std::time::Duration;

use leptos::prelude::*;
use signgate_core::wire::{ApiError, CodeSent, ErrorCode};

use crate::i18n::shared::{Key, text};
use crate::i18n::{self, Lang};
use crate::ui::line;

/// From here on the signer is warned: a minute is about what it takes to switch apps and type.
pub(crate) const WARN_BEFORE_SECS: u64 = 60;
/// Well under a second, so the shown second never lags the clock by a whole one.
const TICK: Duration = Duration::from_millis(250);

/// Why the signer is still on a code screen after sending a code in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum CodeProblem {
    Wrong {
        tries_left: Option<u32>,
    },
    /// Too many wrong entries voided every code sent so far.
    Voided,
    /// No code is valid: expired, voided or replaced.
    NoCode,
    /// What was typed cannot be a code; the worker did not count it as a try.
    NotACode,
    Throttled {
        retry_after_secs: Option<u64>,
    },
    /// No answer (offline, a proxy's error page).
    Unreachable,
    Failed,
}

impl CodeProblem {
    /// A refusal of a typed code, once the screen has taken the refusals it answers itself (the
    /// link's, the entry's).
    pub(crate) fn of(error: &ApiError) -> CodeProblem {
        match error.code {
            ErrorCode::WrongCode => CodeProblem::Wrong {
                tries_left: error.tries_left,
            },
            ErrorCode::CodesVoided => CodeProblem::Voided,
            ErrorCode::NoCode => CodeProblem::NoCode,
            ErrorCode::InvalidCode => CodeProblem::NotACode,
            ErrorCode::Throttled => CodeProblem::Throttled {
                retry_after_secs: retry_after(error),
            },
            _ => CodeProblem::Failed,
        }
    }

    /// The code the signer holds is of no use any more: only a new one helps.
    pub(crate) fn needs_new_code(self) -> bool {
        matches!(self, CodeProblem::Voided | CodeProblem::NoCode)
    }

    /// The field held a code that did not work: clear it for the next.
    pub(crate) fn clears_field(self) -> bool {
        matches!(
            self,
            CodeProblem::Wrong { .. } | CodeProblem::Voided | CodeProblem::NoCode
        )
    }

    /// In the signer's words (`digits`: the code's length); `None` for a failure, which each page
    /// says in its own.
    pub(crate) fn text(self, lang: Lang, digits: u8) -> Option<String> {
        Some(match self {
            CodeProblem::Wrong { tries_left } => {
                let left = tries_left.map(|n| i18n::tries_left(lang, n));
                [text(lang, Key::WrongCode), &left.unwrap_or_default()].concat()
            }
            CodeProblem::Voided => text(lang, Key::CodesVoided).to_owned(),
            CodeProblem::NoCode => text(lang, Key::NoValidCode).to_owned(),
            CodeProblem::NotACode => i18n::not_a_code(lang, digits),
            CodeProblem::Throttled { retry_after_secs } => i18n::throttled(lang, retry_after_secs),
            CodeProblem::Unreachable | CodeProblem::Failed => return None,
        })
    }
}

/// Why no code was sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SendProblem {
    /// The last code is too recent; `None` when the worker did not say for how long.
    TooSoon {
        retry_after_secs: Option<u64>,
    },
    /// Too many requests from this network.
    Throttled {
        retry_after_secs: Option<u64>,
    },
    /// The carrier or mail service did not take it: another try may work.
    DeliveryFailed,
    NotConfigured,
    /// No answer (offline, a proxy's error page).
    Unreachable,
    Failed,
}

impl SendProblem {
    /// A refusal of "send a code", once the screen has taken the refusals it answers itself.
    pub(crate) fn of(error: &ApiError) -> SendProblem {
        let retry_after_secs = retry_after(error);
        match error.code {
            ErrorCode::ResendTooSoon => SendProblem::TooSoon { retry_after_secs },
            ErrorCode::Throttled => SendProblem::Throttled { retry_after_secs },
            ErrorCode::DeliveryFailed => SendProblem::DeliveryFailed,
            ErrorCode::NotConfigured => SendProblem::NotConfigured,
            _ => SendProblem::Failed,
        }
    }

    /// In the signer's words; `None` for a failure, which each page says in its own.
    pub(crate) fn text(self, lang: Lang) -> Option<String> {
        Some(match self {
            SendProblem::TooSoon {
                retry_after_secs: Some(secs),
            } => i18n::resend_in(lang, secs),
            SendProblem::TooSoon {
                retry_after_secs: None,
            } => text(lang, Key::ResendNotYet).to_owned(),
            SendProblem::Throttled { retry_after_secs } => i18n::throttled(lang, retry_after_secs),
            SendProblem::DeliveryFailed => text(lang, Key::DeliveryFailed).to_owned(),
            SendProblem::NotConfigured => text(lang, Key::NotConfigured).to_owned(),
            SendProblem::Unreachable | SendProblem::Failed => return None,
        })
    }
}

/// A code screen's one problem at a time, shown where it happened: under the field or by the
/// resend button.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Problem {
    Code(CodeProblem),
    Send(SendProblem),
}

impl Problem {
    pub(crate) fn code(problem: Option<Problem>) -> Option<CodeProblem> {
        match problem? {
            Problem::Code(problem) => Some(problem),
            Problem::Send(_) => None,
        }
    }

    pub(crate) fn send(problem: Option<Problem>) -> Option<SendProblem> {
        match problem? {
            Problem::Send(problem) => Some(problem),
            Problem::Code(_) => None,
        }
    }
}

/// A wait the worker named; none when it said nothing or nothing to wait.
fn retry_after(error: &ApiError) -> Option<u64> {
    error.retry_after_secs.filter(|&secs| secs > 0)
}

/// A code's two countdowns on the page's own monotonic clock: until it expires, and until
/// another may be sent. The worker counts in seconds from its answer because the phone's wall
/// clock may be wrong, and a throttled background tab catches up on its next tick instead of
/// counting ticks. Memos: the page changes once a second, not on every tick.
#[derive(Clone, Copy)]
pub(crate) struct Countdowns {
    now: RwSignal<f64>,
    expires_at: RwSignal<Option<f64>>,
    send_at: RwSignal<f64>,
    /// Seconds until the code expires; `None` once it is of no use (voided, or none valid).
    pub expiry_left: Memo<Option<u64>>,
    /// Seconds until another code may be sent.
    pub send_left: Memo<u64>,
}

impl Countdowns {
    /// The countdowns of the code `sent`, ticking while the calling screen is shown.
    pub(crate) fn new(sent: &CodeSent) -> Countdowns {
        let now = ticking_clock();
        let at = now.get_untracked();
        let expires_at = RwSignal::new(Some(deadline(at, sent.expires_in_secs)));
        let send_at = RwSignal::new(deadline(at, sent.next_send_in_secs));
        Countdowns {
            now,
            expires_at,
            send_at,
            expiry_left: Memo::new(move |_| expires_at.get().map(|at| secs_left(at, now.get()))),
            send_left: Memo::new(move |_| secs_left(send_at.get(), now.get())),
        }
    }

    /// A new code is out: both count from now.
    pub(crate) fn restart(self, sent: &CodeSent) {
        let at = now_ms();
        self.now.set(at);
        self.expires_at
            .set(Some(deadline(at, sent.expires_in_secs)));
        self.send_at.set(deadline(at, sent.next_send_in_secs));
    }

    /// The worker says the next code may go in `secs`.
    pub(crate) fn send_in(self, secs: u64) {
        self.send_at.set(deadline(now_ms(), secs));
    }

    /// The code is of no use any more (voided, or none valid).
    pub(crate) fn void(self) {
        self.expires_at.set(None);
    }

    /// Expired or of no use: only a new code helps, so "Send a new code" stands out.
    pub(crate) fn needs_new_code(self) -> bool {
        matches!(self.expiry_left.get(), None | Some(0))
    }

    /// Another code may not be sent yet.
    pub(crate) fn must_wait(self) -> bool {
        self.send_left.get() > 0
    }
}

/// The code's countdown, then a status region that warns in its last minute and says when it has
/// expired: always in the page, so screen readers are listening before the text arrives, and it
/// changes twice at most, not every second.
pub(crate) fn expiry(countdowns: Countdowns) -> impl IntoView {
    let lang = i18n::use_lang();
    let left = countdowns.expiry_left;
    let warning = Memo::new(move |_| expiry_warning(left.get()));
    view! {
        {line(
            "code-expiry",
            "countdown",
            false,
            Signal::derive(move || {
                left.get()
                    .filter(|&secs| secs > 0)
                    .map(|secs| i18n::code_expires_in(lang.get(), secs))
            }),
        )}
        <div id="code-expiry-warning" role="status" class:notice=move || warning.get().is_some()>
            {move || warning.get().map(|key| text(lang.get(), key))}
        </div>
    }
}

/// What the status region under the countdown says, by the seconds the code has left.
fn expiry_warning(left: Option<u64>) -> Option<Key> {
    match left? {
        0 => Some(Key::CodeExpired),
        secs if secs <= WARN_BEFORE_SECS => Some(Key::CodeExpiresSoon),
        _ => None,
    }
}

/// The page's monotonic clock in milliseconds, ticking while the calling screen is shown (the code
/// screens' countdowns, the knowledge questions' time).
pub(crate) fn ticking_clock() -> RwSignal<f64> {
    let now = RwSignal::new(now_ms());
    if let Ok(ticker) = set_interval_with_handle(move || now.set(now_ms()), TICK) {
        on_cleanup(move || ticker.clear());
    }
    now
}

fn now_ms() -> f64 {
    window()
        .performance()
        .map_or_else(js_sys::Date::now, |clock| clock.now())
}

pub(crate) fn deadline(now_ms: f64, secs: u64) -> f64 {
    now_ms + secs as f64 * 1000.0
}

/// Whole seconds, rounded up: "0:00" only once the time is really up.
pub(crate) fn secs_left(deadline_ms: f64, now_ms: f64) -> u64 {
    ((deadline_ms - now_ms) / 1000.0).ceil().max(0.0) as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(code: ErrorCode, tries_left: Option<u32>, retry: Option<u64>) -> ApiError {
        ApiError {
            code,
            message: String::new(),
            tries_left,
            retry_after_secs: retry,
        }
    }

    #[test]
    fn each_refusal_of_a_code_has_its_place() {
        let of = |code, tries| CodeProblem::of(&refusal(code, tries, None));
        assert_eq!(
            of(ErrorCode::WrongCode, Some(2)),
            CodeProblem::Wrong {
                tries_left: Some(2)
            }
        );
        assert_eq!(of(ErrorCode::CodesVoided, None), CodeProblem::Voided);
        assert_eq!(of(ErrorCode::NoCode, None), CodeProblem::NoCode);
        assert_eq!(of(ErrorCode::InvalidCode, Some(3)), CodeProblem::NotACode);
        assert_eq!(of(ErrorCode::Internal, None), CodeProblem::Failed);
        assert_eq!(
            CodeProblem::of(&refusal(ErrorCode::Throttled, None, Some(0))),
            CodeProblem::Throttled {
                retry_after_secs: None
            }
        );
    }

    #[test]
    fn each_refusal_of_a_new_code_has_its_place() {
        let of = |code, retry| SendProblem::of(&refusal(code, None, retry));
        assert_eq!(
            of(ErrorCode::ResendTooSoon, Some(25)),
            SendProblem::TooSoon {
                retry_after_secs: Some(25)
            }
        );
        assert_eq!(
            of(ErrorCode::Throttled, Some(0)),
            SendProblem::Throttled {
                retry_after_secs: None
            }
        );
        assert_eq!(
            of(ErrorCode::DeliveryFailed, None),
            SendProblem::DeliveryFailed
        );
        assert_eq!(
            of(ErrorCode::NotConfigured, None),
            SendProblem::NotConfigured
        );
        assert_eq!(of(ErrorCode::Internal, None), SendProblem::Failed);
    }

    #[test]
    fn only_codes_of_no_further_use_ask_for_a_new_one() {
        assert!(CodeProblem::Voided.needs_new_code());
        assert!(CodeProblem::NoCode.needs_new_code());
        assert!(!CodeProblem::Wrong { tries_left: None }.needs_new_code());
        assert!(!CodeProblem::NotACode.needs_new_code());
        // A typo that was not counted stays, to be fixed rather than typed again.
        assert!(!CodeProblem::NotACode.clears_field());
        assert!(CodeProblem::Wrong { tries_left: None }.clears_field());
    }

    #[test]
    fn problems_read_as_the_end_to_end_tests_expect() {
        let wrong = |n| CodeProblem::Wrong { tries_left: n };
        let said = |lang, problem: CodeProblem| problem.text(lang, 6).unwrap();
        assert_eq!(
            said(Lang::En, wrong(Some(2))),
            "That code is not right. 2 tries left."
        );
        assert_eq!(
            said(Lang::En, wrong(Some(1))),
            "That code is not right. 1 try left."
        );
        assert_eq!(
            said(Lang::Ru, wrong(Some(3))),
            "Код неверный. Осталось 3 попытки."
        );
        assert_eq!(
            said(Lang::De, wrong(Some(4))),
            "Der Code ist nicht richtig. Noch 4 Versuche."
        );
        assert_eq!(
            said(Lang::En, CodeProblem::NotACode),
            "A code has 6 digits. Please check what you typed. This did not count as a try."
        );
        assert_eq!(
            said(Lang::En, CodeProblem::NoCode),
            "No code is valid at the moment: it may have expired. Please request a new code."
        );
        assert_eq!(
            said(Lang::En, CodeProblem::Voided),
            "That code is not right. After too many wrong entries, the codes sent so far no longer work. Please request a new code."
        );
        // Each page says a failure in its own words.
        assert_eq!(CodeProblem::Failed.text(Lang::En, 6), None);
        assert_eq!(SendProblem::Unreachable.text(Lang::En), None);
        let send = |problem: SendProblem| problem.text(Lang::En).unwrap();
        assert_eq!(
            send(SendProblem::TooSoon {
                retry_after_secs: Some(25)
            }),
            "You can request a new code in 25 seconds."
        );
        assert_eq!(
            send(SendProblem::Throttled {
                retry_after_secs: Some(30)
            }),
            "Too many tries in a short time. Please wait 30 seconds and try again."
        );
        assert_eq!(
            send(SendProblem::DeliveryFailed),
            "We could not send the code. Please try again in a moment."
        );
    }

    #[test]
    fn the_warning_comes_in_the_last_minute_and_at_expiry() {
        assert_eq!(expiry_warning(Some(61)), None);
        assert_eq!(expiry_warning(Some(60)), Some(Key::CodeExpiresSoon));
        assert_eq!(expiry_warning(Some(1)), Some(Key::CodeExpiresSoon));
        assert_eq!(expiry_warning(Some(0)), Some(Key::CodeExpired));
        // Voided codes are explained by the error instead.
        assert_eq!(expiry_warning(None), None);
        assert_eq!(
            text(Lang::En, Key::CodeExpiresSoon),
            "Your code expires soon. Enter it now or request a new one."
        );
        assert_eq!(
            text(Lang::En, Key::CodeExpired),
            "Your code has expired. Please request a new one with “Send a new code”."
        );
    }

    #[test]
    fn countdowns_round_up_to_the_second() {
        let start = 1_000.0;
        let at = deadline(start, 581);
        assert_eq!(secs_left(at, start), 581);
        assert_eq!(secs_left(at, start + 0.5), 581);
        assert_eq!(secs_left(at, start + 1_000.0), 580);
        assert_eq!(secs_left(at, at - 1.0), 1);
        assert_eq!(secs_left(at, at), 0);
        assert_eq!(secs_left(at, at + 5_000.0), 0);
        assert_eq!(
            i18n::code_expires_in(Lang::En, secs_left(at, start)),
            "The code expires in 9:41."
        );
    }
}
