use leptos::{prelude::*, task::spawn_local};
use signgate_core::wire::{ErrorCode, VerifiedResponse};

use super::{Heading, ProblemKind, Screen};
use crate::api::{self, Failure};
use crate::i18n::{Key, tr};

#[derive(Debug, PartialEq)]
enum Finished {
    /// Boxed: a screen is large.
    Next(Box<Screen>),
    /// Nothing (more) to collect: the link's own state says where the signer stands.
    Reload,
    /// No answer worth acting on: the login stays waiting, and Retry collects it.
    Failed,
}

/// Back from the provider with a finished login: collects its grant (once) and moves on.
#[component]
pub fn SigningIn(
    token: String,
    set_screen: WriteSignal<Screen>,
    reload: Callback<()>,
) -> impl IntoView {
    spawn_local(async move {
        match finished(api::finish_login(&token).await) {
            Finished::Next(screen) => {
                crate::token::forget_login();
                set_screen.set(*screen);
            }
            Finished::Reload => {
                crate::token::forget_login();
                reload.run(());
            }
            Finished::Failed => set_screen.set(Screen::Problem(ProblemKind::Unreachable)),
        }
    });
    view! {
        <div class="screen" data-testid="screen-signing-in" aria-busy="true">
            <Heading key=Key::SigningInHeading />
            <div class="spinner" aria-hidden="true"></div>
            <p role="status">{tr(Key::OpeningText)}</p>
        </div>
    }
}

/// What the worker's answer to "collect the login" means for the signer.
fn finished(answer: Result<VerifiedResponse, Failure>) -> Finished {
    let error = match answer {
        Ok(verified) => return Finished::Next(Box::new(Screen::verified(&verified))),
        Err(Failure::Refused(error)) => error,
        Err(Failure::Unreachable) => return Finished::Failed,
    };
    match error.code {
        // Collected already (a reload after it), verified another way, or cancelled meanwhile:
        // the view tells which, and the cancelled screen needs its contact from there. Hence
        // not the other screens' rule (`super::elsewhere`): this one has no view to go by.
        ErrorCode::NoLogin
        | ErrorCode::AlreadyVerified
        | ErrorCode::Cancelled
        | ErrorCode::WrongMethod => Finished::Reload,
        ErrorCode::InvalidLink => Finished::Next(Box::new(Screen::InvalidLink)),
        _ => Finished::Failed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screens::test_support::{refusal, verified};

    fn refused(code: ErrorCode) -> Finished {
        finished(Err(refusal(code, None, None)))
    }

    #[test]
    fn the_grant_goes_on_with_the_vouched_name() {
        let verified = VerifiedResponse {
            signature_name: Some("Ada Lovelace".into()),
            recovery_code: None,
            ..verified(Some("https://sign.example/d/1"))
        };
        assert_eq!(
            finished(Ok(verified)),
            Finished::Next(Box::new(Screen::Verified {
                continue_href: Some("https://sign.example/d/1#grant=g.r.a.n.t".into()),
                signature_name: Some("Ada Lovelace".into()),
                recovery_code: None,
            }))
        );
    }

    #[test]
    fn each_refusal_has_its_place() {
        for code in [
            ErrorCode::NoLogin,
            ErrorCode::AlreadyVerified,
            ErrorCode::Cancelled,
            ErrorCode::WrongMethod,
        ] {
            assert_eq!(refused(code), Finished::Reload, "{code:?}");
        }
        assert_eq!(
            refused(ErrorCode::InvalidLink),
            Finished::Next(Box::new(Screen::InvalidLink))
        );
        assert_eq!(refused(ErrorCode::Internal), Finished::Failed);
        assert_eq!(refused(ErrorCode::Throttled), Finished::Failed);
        assert_eq!(finished(Err(Failure::Unreachable)), Finished::Failed);
    }
}
