use leptos::prelude::*;

use super::Heading;
use crate::i18n::{self, Key, tr};

/// `signature_name`: the name a login's identity provider vouched for, which the platform offers
/// for the signature; shown so the signer is not surprised by it there. `devices_href`: the device
/// page (devices, passkeys, continuing on another device), for a real link; `new_devices`: one
/// was added elsewhere since this device last looked, which the signer should check there;
/// `recovery_code`: the code to keep for when every device is lost, shown this once.
#[component]
pub fn Verified(
    continue_href: Option<String>,
    signature_name: Option<String>,
    devices_href: Option<String>,
    #[prop(optional)] new_devices: bool,
    recovery_code: Option<String>,
) -> impl IntoView {
    let lang = i18n::use_lang();
    let name = signature_name.map(|name| {
        view! { <p id="signature-name">{move || i18n::signature_name(lang.get(), &name)}</p> }
    });
    let thanks = if continue_href.is_some() {
        Key::VerifiedContinue
    } else {
        Key::VerifiedDone
    };
    let go_on = continue_href.map(|href| {
        view! {
            <p>
                <a class="button" href=href>
                    {tr(Key::ContinueToDocument)}
                </a>
            </p>
        }
    });
    view! {
        <div class="screen" data-testid="screen-verified">
            <Heading key=Key::VerifiedHeading />
            <p>{tr(thanks)}</p>
            {name}
            {recovery_code
                .map(|code| {
                    view! {
                        <p class="notice" data-testid="recovery-code">
                            {tr(Key::KeepRecoveryCode)} <br /> <strong>{code}</strong>
                        </p>
                    }
                })}
            {go_on}
            {devices_href
                .map(|href| {
                    view! {
                        <p class:notice=new_devices>
                            {new_devices.then(|| tr(Key::NewDevice))}
                            <a href=href>{tr(Key::YourDevices)}</a>
                        </p>
                    }
                })}
        </div>
    }
}
