//! The JSON body of every route that reads one, then the checks the route runs on it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signgate_core::method_setup::{self, Confirmation};
use signgate_core::policy::{Account, Policy};
use signgate_core::wire::{
    ChangeMethod, CodeAttempt, CreateAgreement, CreatePreview, PasswordAttempt, ReplaceRecipient,
    SendCode, StartLogin,
};
use signgate_core::{otp, password, validate};

fuzz_target!(|data: &[u8]| {
    let Some((&which, body)) = data.split_first() else {
        return;
    };
    let policy = Policy::default();
    match which % 9 {
        0 => {
            if let Ok(attempt) = serde_json::from_slice::<PasswordAttempt>(body) {
                let _ = password::check_entry(&attempt.password);
            }
        }
        1 => {
            let _ = serde_json::from_slice::<SendCode>(body);
        }
        2 => {
            if let Ok(attempt) = serde_json::from_slice::<CodeAttempt>(body) {
                let _ = otp::normalize_entry(&attempt.code, 6);
            }
        }
        3 => {
            let _ = serde_json::from_slice::<StartLogin>(body);
        }
        4 => {
            if let Ok(agreement) = serde_json::from_slice::<CreateAgreement>(body) {
                let _ = validate::person("sender", &agreement.sender.name, &agreement.sender.email);
                for (i, recipient) in agreement.recipients.iter().enumerate() {
                    let at = format!("recipients[{i}]");
                    let _ = validate::person(&at, &recipient.name, &recipient.email);
                    let request = recipient.method_request();
                    let _ =
                        method_setup::plan(&policy, false, &request, Confirmation::IfGiven, &at);
                }
                if let Some(url) = &agreement.continue_url {
                    let _ = validate::url("continue_url", url, false);
                }
            }
        }
        5 => {
            if let Ok(change) = serde_json::from_slice::<ChangeMethod>(body) {
                let request = change.method_request();
                let _ = method_setup::plan(&policy, true, &request, Confirmation::Required, "");
            }
        }
        6 => {
            if let Ok(replace) = serde_json::from_slice::<ReplaceRecipient>(body) {
                let new = &replace.recipient;
                let _ = validate::person("recipient", &new.name, &new.email);
                let request = new.method_request();
                let _ = method_setup::plan(&policy, false, &request, Confirmation::Required, "");
            }
        }
        7 => {
            let _ = serde_json::from_slice::<CreatePreview>(body);
        }
        _ => {
            if let Ok(account) = serde_json::from_slice::<Account>(body) {
                let _ = account.problems();
            }
        }
    }
});
