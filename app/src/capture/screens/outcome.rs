use leptos::prelude::*;

use super::Heading;
use crate::capture::i18n::{self, Key, tr};
use crate::capture::{Ctx, Stage};

/// How the check ended, or why the page cannot go on.
#[component]
pub fn Outcome(ctx: Ctx, stage: Stage) -> impl IntoView {
    let lang = crate::i18n::use_lang();
    let holds_link = ctx.link.get_value().is_some();
    match stage {
        Stage::Passed(Some(verified)) => {
            let name = verified.signature_name.clone().map(|name| {
                view! {
                    <p id="signature-name">{move || crate::i18n::signature_name(lang.get(), &name)}</p>
                }
            });
            let go_on = verified
                .continue_url
                .as_deref()
                .filter(|url| url.starts_with("https://") || url.starts_with("http://"))
                .map(|url| {
                    let href = format!("{url}#grant={}", verified.grant);
                    view! { <p><a class="button" href=href>{tr(Key::ContinueToDocument)}</a></p> }
                });
            let done = go_on
                .is_none()
                .then(|| view! { <p>{tr(Key::VerifiedDone)}</p> });
            let keep = verified.recovery_code.clone().map(|code| {
                view! {
                    <p class="notice" data-testid="recovery-code">
                        {tr(Key::KeepRecoveryCode)} <br /> <strong>{code}</strong>
                    </p>
                }
            });
            view! {
                <div class="screen" data-testid="screen-id-passed">
                    <Heading key=Key::Passed />
                    {name}
                    {keep}
                    {go_on}
                    {done}
                </div>
            }
            .into_any()
        }
        Stage::Passed(None) => view! {
            <div class="screen" data-testid="screen-id-passed">
                <Heading key=Key::Passed />
                <p>{tr(if holds_link { Key::VerifiedDone } else { Key::PhoneDone })}</p>
            </div>
        }
        .into_any(),
        Stage::Failed { why, tries_left } => {
            let advice = why.map(
                |why| view! { <p id="id-failure">{move || i18n::failure(lang.get(), why)}</p> },
            );
            let left = tries_left.map(|n| {
                view! {
                    <p>
                        {move || crate::i18n::tries_left(lang.get(), n).trim().to_owned()}
                        {(n == 1).then(|| view! { " " {tr(Key::LastTry)} })}
                    </p>
                }
            });
            let again = if holds_link {
                view! { <button type="button" on:click=move |_| ctx.begin()>{tr(Key::TryAgain)}</button> }.into_any()
            } else {
                view! { <p>{tr(Key::PhoneDone)}</p> }.into_any()
            };
            view! {
                <div class="screen" data-testid="screen-id-failed">
                    <Heading key=Key::NotPassed />
                    {advice}
                    {left}
                    {again}
                </div>
            }
            .into_any()
        }
        Stage::Cancelled => view! {
            <div class="screen" data-testid="screen-id-cancelled">
                <Heading key=Key::NotPassed />
                <p>{tr(Key::Cancelled)}</p>
            </div>
        }
        .into_any(),
        Stage::Unreachable => view! {
            <div class="screen" data-testid="screen-id-unreachable">
                <Heading key=Key::Heading />
                <p role="alert">{tr(Key::Unreachable)}</p>
                <button type="button" on:click=move |_| { let _ = window().location().reload(); }>
                    {tr(Key::TryAgain)}
                </button>
            </div>
        }
        .into_any(),
        _ => view! {
            <div class="screen" data-testid="screen-id-invalid">
                <Heading key=Key::Heading />
                <p role="alert">{tr(Key::InvalidLink)}</p>
            </div>
        }
        .into_any(),
    }
}
