//! The web form page's calls: the form's link token opens the form and makes an entry; the
//! entry's own token asks for codes and checks them. A sender's preview has routes of its own,
//! which answer from the preview token alone (its entry token is the preview token itself).

use signgate_core::otp::Channel;
use signgate_core::wire::{
    CodeAttempt, CodeSent, SendCode, WebFormEntered, WebFormEntry, WebFormView,
};

use crate::api::{Failure, api_path, get_at, post_at};
use crate::i18n::Lang;

/// The form API: `""` (the form), `/entry`, `/entry/send`, `/entry/code`.
const FORM: &str = "/form";

/// Where a form call with `bearer` goes.
fn path(bearer: &str, call: &str) -> String {
    api_path(FORM, bearer, call)
}

/// The form's first screen: its title, its sender, and what it asks.
pub async fn form(token: &str) -> Result<WebFormView, Failure> {
    get_at(&path(token, ""), token).await
}

/// Who is signing: a code goes to their address, or (no e-mail check) on to their signing link.
pub async fn enter(token: &str, entry: &WebFormEntry) -> Result<WebFormEntered, Failure> {
    post_at(&path(token, "/entry"), token, entry).await
}

/// A new code for the entry, its e-mail in the page's language.
pub async fn send_code(entry: &str, language: Lang) -> Result<CodeSent, Failure> {
    let body = SendCode {
        channel: Channel::Email,
        language: Some(language.code().to_owned()),
    };
    post_at(&path(entry, "/entry/send"), entry, &body).await
}

/// As typed or pasted: the worker strips the spaces and dashes people copy along with a code.
pub async fn submit_code(entry: &str, code: &str) -> Result<WebFormEntered, Failure> {
    let attempt = CodeAttempt {
        code: code.to_owned(),
    };
    post_at(&path(entry, "/entry/code"), entry, &attempt).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_preview_calls_the_preview_routes_and_a_form_the_real_ones() {
        let form = "A".repeat(86);
        assert_eq!(path(&form, ""), "/api/v1/form");
        assert_eq!(path(&form, "/entry/send"), "/api/v1/form/entry/send");
        assert_eq!(path("p1.eyJ9.sig", ""), "/api/v1/preview/form");
        assert_eq!(
            path("p1.eyJ9.sig", "/entry/code"),
            "/api/v1/preview/form/entry/code"
        );
    }
}
