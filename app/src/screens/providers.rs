use leptos::{ev, prelude::*, task::spawn_local};
use signgate_core::policy::Method;
use signgate_core::wire::{ErrorCode, LoginStarted, ProviderOption, RecipientView};

use signgate_core::validate::is_web_address;

use super::{ContactLink, Elsewhere, Heading, Screen, elsewhere, line};
use crate::api::{self, Failure};
use crate::contact::HelpContact;
use crate::i18n::{self, Key, Lang, text, tr};

const ERROR_ID: &str = "login-error";

/// Why the signer is still here after choosing a provider.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum StartProblem {
    /// The deployment has no such provider set up.
    Unavailable,
    /// The provider cannot be reached just now.
    Unreachable,
    Throttled {
        retry_after_secs: Option<u64>,
    },
    Failed,
}

#[derive(Debug, PartialEq)]
enum Started {
    /// On to the provider's authorization page.
    Go(String),
    /// Boxed: a screen is large, and most answers keep the signer where they are.
    Next(Box<Screen>),
    /// The sender changed the method, or the provider is no longer allowed: load the link again.
    Reload,
    Stay(StartProblem),
}

/// One button per provider. The signer signs in on the provider's page in this same tab, so the
/// link token in this tab's session storage is still there when they come back.
#[component]
pub fn Providers(
    recipient: RecipientView,
    token: String,
    set_screen: WriteSignal<Screen>,
    reload: Callback<()>,
) -> impl IntoView {
    let lang = i18n::use_lang();
    let contact = HelpContact::of(&recipient);
    let sender = recipient.sender.name.clone();
    let title = recipient.agreement_title.clone();
    // The one the browser is being taken to, from the click until the page is gone.
    let leaving = RwSignal::new(None::<ProviderOption>);
    // With the provider's name, for "not available".
    let problem = RwSignal::new(None::<(StartProblem, String)>);

    // Back from the provider's page with the browser's back button, the page may come back as it
    // was left (back/forward cache): busy, with every button still waiting. Wake it up.
    let handle = window_event_listener(ev::pageshow, move |event| {
        if event.persisted() {
            leaving.set(None);
        }
    });
    on_cleanup(move || handle.remove());

    let choose = Callback::new({
        let contact = contact.clone();
        move |option: ProviderOption| {
            if leaving.with_untracked(Option::is_some) {
                return;
            }
            // Taken out and put back, so the same problem twice is announced twice.
            problem.set(None);
            leaving.set(Some(option.clone()));
            let (token, contact) = (token.clone(), contact.clone());
            spawn_local(async move {
                let answer = api::start_login(&token, &option.id).await;
                match started(answer, &contact) {
                    Started::Go(url) => {
                        crate::token::remember_provider(&option.id);
                        // Stays busy: the page is on its way out.
                        if window().location().assign(&url).is_err() {
                            leaving.set(None);
                            problem.set(Some((StartProblem::Failed, option.name)));
                        }
                    }
                    Started::Next(screen) => set_screen.set(*screen),
                    Started::Reload => reload.run(()),
                    Started::Stay(why) => {
                        leaving.set(None);
                        problem.set(Some((why, option.name)));
                    }
                }
            });
        }
    });

    let is_platform = recipient.method == Some(Method::PlatformAccount);
    let email = recipient.recipient_email.clone();
    let platform_name = recipient
        .providers
        .first()
        .map(|option| option.name.clone());
    let intro = move || match (is_platform, &platform_name) {
        (true, Some(name)) => i18n::platform_intro(lang.get(), name),
        _ => i18n::providers_intro(lang.get(), email.as_deref()),
    };
    let none_usable = recipient.providers.is_empty();
    let buttons = recipient
        .providers
        .into_iter()
        .map(|option| {
            let name = option.name.clone();
            view! {
                // Not `disabled` while leaving: that would drop the signer's focus off the page,
                // and they stay on it if the worker refuses.
                <button
                    type="button"
                    class="provider"
                    data-provider=option.id.clone()
                    aria-disabled=move || leaving.with(Option::is_some).then_some("true")
                    on:click=move |_| choose.run(option.clone())
                >
                    {move || i18n::continue_with(lang.get(), &name)}
                </button>
            }
        })
        .collect_view();
    let offer = if none_usable {
        view! {
            <p id="no-providers">{tr(Key::NoProviders)}</p>
            <p>
                <ContactLink contact />
            </p>
        }
        .into_any()
    } else {
        view! {
            <p>{intro}</p>
            <div class="stack providers">
                {line(
                    ERROR_ID,
                    "error",
                    true,
                    Signal::derive(move || {
                        problem
                            .get()
                            .map(|(why, name)| start_problem_text(lang.get(), why, &name))
                    }),
                )}
                {buttons}
            </div>
            // Always in the page, so screen readers are listening before the text arrives.
            <div id="login-status" role="status" class:notice=move || leaving.with(Option::is_some)>
                {move || leaving.get().map(|option| i18n::taking_you_to(lang.get(), &option.name))}
            </div>
            <p class="note">{tr(Key::NeverSeePassword)}</p>
            <p>{tr(Key::Questions)} " " <ContactLink contact /></p>
        }
        .into_any()
    };

    view! {
        <div class="screen" data-testid="screen-providers">
            <Heading key=Key::ProvidersHeading />
            <p>{move || i18n::sender_line(lang.get(), &sender, title.as_deref())}</p>
            {offer}
        </div>
    }
}

/// What the worker's answer to "start a login" means for the signer.
fn started(answer: Result<LoginStarted, Failure>, contact: &HelpContact) -> Started {
    let error = match answer {
        // Only a web address: the page must never navigate to a `javascript:` URL.
        Ok(LoginStarted { authorization_url }) if is_web_address(&authorization_url) => {
            return Started::Go(authorization_url);
        }
        Ok(_) | Err(Failure::Unreachable) => return Started::Stay(StartProblem::Failed),
        Err(Failure::Refused(error)) => error,
    };
    match elsewhere(error.code, contact) {
        Some(Elsewhere::Screen(screen)) => return Started::Next(screen),
        Some(Elsewhere::Reload) => return Started::Reload,
        None => {}
    }
    match error.code {
        ErrorCode::NotConfigured => Started::Stay(StartProblem::Unavailable),
        ErrorCode::ProviderUnavailable => Started::Stay(StartProblem::Unreachable),
        ErrorCode::Throttled => Started::Stay(StartProblem::Throttled {
            retry_after_secs: error.retry_after_secs.filter(|&secs| secs > 0),
        }),
        _ => Started::Stay(StartProblem::Failed),
    }
}

fn start_problem_text(lang: Lang, problem: StartProblem, provider: &str) -> String {
    match problem {
        StartProblem::Unavailable => i18n::login_unavailable(lang, provider),
        StartProblem::Unreachable => i18n::provider_unreachable(lang, provider),
        StartProblem::Throttled { retry_after_secs } => i18n::throttled(lang, retry_after_secs),
        StartProblem::Failed => text(lang, Key::SomethingWentWrong).to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::screens::test_support::{contact, refusal};

    fn refused(code: ErrorCode, retry_after_secs: Option<u64>) -> Started {
        started(Err(refusal(code, None, retry_after_secs)), &contact())
    }

    fn to(url: &str) -> Started {
        let answer = LoginStarted {
            authorization_url: url.into(),
        };
        started(Ok(answer), &contact())
    }

    #[test]
    fn the_browser_goes_only_to_web_addresses() {
        let google = "https://accounts.google.com/o/oauth2/v2/auth?client_id=x&state=y";
        assert_eq!(to(google), Started::Go(google.into()));
        assert_eq!(
            to("javascript:alert(1)"),
            Started::Stay(StartProblem::Failed)
        );
        assert_eq!(to(""), Started::Stay(StartProblem::Failed));
    }

    #[test]
    fn each_refusal_has_its_place() {
        assert_eq!(
            refused(ErrorCode::NotConfigured, None),
            Started::Stay(StartProblem::Unavailable)
        );
        assert_eq!(
            refused(ErrorCode::ProviderUnavailable, None),
            Started::Stay(StartProblem::Unreachable)
        );
        assert_eq!(
            refused(ErrorCode::Throttled, Some(30)),
            Started::Stay(StartProblem::Throttled {
                retry_after_secs: Some(30)
            })
        );
        assert_eq!(refused(ErrorCode::WrongMethod, None), Started::Reload);
        assert_eq!(
            refused(ErrorCode::Cancelled, None),
            Started::Next(Box::new(Screen::Cancelled(contact())))
        );
        assert_eq!(
            refused(ErrorCode::AlreadyVerified, None),
            Started::Next(Box::new(Screen::already_verified()))
        );
        assert_eq!(
            refused(ErrorCode::InvalidLink, None),
            Started::Next(Box::new(Screen::InvalidLink))
        );
        assert_eq!(
            refused(ErrorCode::Internal, None),
            Started::Stay(StartProblem::Failed)
        );
        assert_eq!(
            started(Err(Failure::Unreachable), &contact()),
            Started::Stay(StartProblem::Failed)
        );
    }

    #[test]
    fn texts_are_the_ones_the_end_to_end_tests_expect() {
        assert_eq!(
            start_problem_text(Lang::En, StartProblem::Unavailable, "LinkedIn"),
            "Signing in with LinkedIn is not available right now."
        );
        assert_eq!(
            start_problem_text(Lang::En, StartProblem::Unreachable, "Google"),
            "Google cannot be reached just now. Please try again in a moment."
        );
        assert_eq!(
            start_problem_text(Lang::En, StartProblem::Failed, "Google"),
            "Something went wrong. Please try again."
        );
        assert_eq!(
            i18n::continue_with(Lang::En, "Google"),
            "Continue with Google"
        );
        assert_eq!(
            i18n::continue_with(Lang::De, "Acme Sign"),
            "Weiter mit Acme Sign"
        );
        assert_eq!(
            i18n::taking_you_to(Lang::En, "Google"),
            "Taking you to Google…"
        );
        assert_eq!(
            i18n::providers_intro(Lang::En, Some("bob@example.com")),
            "Sign in with an account that uses the e-mail address this agreement was sent to: bob@example.com."
        );
        assert_eq!(
            i18n::platform_intro(Lang::En, "Acme Sign"),
            "Sign in with your Acme Sign account. Your e-mail address is filled in for you, and you may already be signed in."
        );
        assert_eq!(
            text(Lang::En, Key::NeverSeePassword),
            "You sign in on their own page: we never see your password."
        );
        assert_eq!(
            text(Lang::En, Key::ProvidersHeading),
            "Sign in to confirm it's you"
        );
        assert_eq!(
            text(Lang::En, Key::NoProviders),
            "Signing in is not possible for this agreement at the moment."
        );
    }
}
