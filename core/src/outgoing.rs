//! What a code message says, in the signer's language: the SMS (ending in the WebOTP line), the
//! voice call's script (TwiML, the digits read slowly, twice) and the e-mail.

use serde::{Deserialize, Serialize};

use crate::otp::Channel;

/// A language we write messages in. The app sends the one the signer reads the screens in.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum Language {
    #[default]
    En,
    De,
    Ru,
}

impl Language {
    /// From a BCP 47 tag such as `de-AT`; English when we do not have it.
    pub fn from_tag(tag: &str) -> Language {
        match tag
            .split(['-', '_'])
            .next()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("de") => Language::De,
            Some("ru") => Language::Ru,
            _ => Language::En,
        }
    }

    /// The voice a text-to-speech service reads it in.
    pub fn voice_locale(self) -> &'static str {
        match self {
            Language::En => "en-US",
            Language::De => "de-DE",
            Language::Ru => "ru-RU",
        }
    }
}

/// One message ready for a carrier or a mail service.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    pub channel: Channel,
    /// An E.164 number or an e-mail address.
    pub to: String,
    /// The e-mail's subject; empty for SMS and voice.
    pub subject: String,
    /// The SMS or e-mail text, or the call's TwiML.
    pub body: String,
}

/// Who the code is for and what it opens, for the e-mail's wording.
#[derive(Clone, Copy, Debug)]
pub struct CodeContext<'a> {
    pub language: Language,
    pub code: &'a str,
    pub lifetime_minutes: u64,
    /// The host the app is served from: the WebOTP line binds the SMS to it.
    pub host: &'a str,
    pub agreement_title: &'a str,
    pub sender_name: &'a str,
}

pub fn message(channel: Channel, to: &str, context: &CodeContext<'_>) -> Outgoing {
    let (subject, body) = match channel {
        Channel::Sms => (String::new(), sms_text(context)),
        Channel::Voice => (String::new(), voice_twiml(context)),
        Channel::Email => email(context),
    };
    Outgoing {
        channel,
        to: to.to_string(),
        subject,
        body,
    }
}

/// The SMS with the ID check's hand-off link: the phone opens it to take the photos.
pub fn handoff_sms(to: &str, language: Language, link: &str, lifetime_minutes: u64) -> Outgoing {
    let lifetime = minutes(language, lifetime_minutes);
    let body = match language {
        Language::En => format!(
            "signgate: open this link on this phone to photograph your ID. It works once, for \
             {lifetime}: {link}"
        ),
        Language::De => format!(
            "signgate: Öffnen Sie diesen Link auf diesem Telefon, um Ihren Ausweis zu \
             fotografieren. Er gilt einmal, {lifetime} lang: {link}"
        ),
        Language::Ru => format!(
            "signgate: откройте эту ссылку на этом телефоне, чтобы сфотографировать документ. \
             Она действует один раз, {lifetime}: {link}"
        ),
    };
    Outgoing {
        channel: Channel::Sms,
        to: to.to_string(),
        subject: String::new(),
        body,
    }
}

/// Where a code went, as answers and the audit show it: `…4567`, `a…@example.com`.
pub fn masked_destination(channel: Channel, to: &str) -> String {
    match channel {
        Channel::Sms | Channel::Voice => crate::phone::masked(to),
        Channel::Email => match to.rsplit_once('@') {
            Some((local, domain)) => {
                let first: String = local.chars().take(1).collect();
                format!("{first}…@{domain}")
            }
            None => "…".into(),
        },
    }
}

fn minutes(language: Language, n: u64) -> String {
    match language {
        Language::En if n == 1 => "1 minute".into(),
        Language::En => format!("{n} minutes"),
        Language::De if n == 1 => "1 Minute".into(),
        Language::De => format!("{n} Minuten"),
        Language::Ru => {
            let word = match (n % 10, n % 100) {
                (1, 11) | (_, 12..=14) => "минут",
                (1, _) => "минуту",
                (2..=4, _) => "минуты",
                _ => "минут",
            };
            format!("{n} {word}")
        }
    }
}

/// The SMS. Its last line is the WebOTP origin-bound format, so supporting browsers fill the code
/// in on the signer's phone, and only on our site.
fn sms_text(c: &CodeContext<'_>) -> String {
    let lifetime = minutes(c.language, c.lifetime_minutes);
    let text = match c.language {
        Language::En => format!(
            "Your signgate code is {}. It expires in {lifetime}. Do not share it.",
            c.code
        ),
        Language::De => format!(
            "Ihr signgate-Code lautet {}. Er ist {lifetime} gültig. Geben Sie ihn nicht weiter.",
            c.code
        ),
        Language::Ru => format!(
            "Ваш код signgate: {}. Он действует {lifetime}. Никому его не сообщайте.",
            c.code
        ),
    };
    format!("{text}\n\n@{} #{}", c.host, c.code)
}

/// TwiML for the call: the digits one by one with pauses, said twice.
fn voice_twiml(c: &CodeContext<'_>) -> String {
    let spoken = c
        .code
        .chars()
        .map(String::from)
        .collect::<Vec<_>>()
        .join(", ");
    let (intro, again) = match c.language {
        Language::En => ("Your signgate code is", "Once more, your code is"),
        Language::De => ("Ihr signgate-Code lautet", "Noch einmal, Ihr Code lautet"),
        Language::Ru => ("Ваш код signgate", "Ещё раз, ваш код"),
    };
    let locale = c.language.voice_locale();
    format!(
        "<Response><Say language=\"{locale}\">{intro}: {spoken}.</Say><Pause length=\"2\"/>\
         <Say language=\"{locale}\">{again}: {spoken}.</Say></Response>"
    )
}

/// Subject and plain text of the e-mail. Titles and names are the sender's input: plain text
/// only, line breaks removed from the subject.
fn email(c: &CodeContext<'_>) -> (String, String) {
    let title = c.agreement_title.replace(['\r', '\n'], " ");
    let lifetime = minutes(c.language, c.lifetime_minutes);
    match c.language {
        Language::En => (
            format!("Your code for “{title}”"),
            format!(
                "Your code to open “{title}” from {}:\n\n    {}\n\nIt expires in {lifetime}. \
                 If you did not ask for it, you can ignore this e-mail.\n",
                c.sender_name, c.code
            ),
        ),
        Language::De => (
            format!("Ihr Code für „{title}“"),
            format!(
                "Ihr Code zum Öffnen von „{title}“ von {}:\n\n    {}\n\nEr ist {lifetime} gültig. \
                 Wenn Sie ihn nicht angefordert haben, können Sie diese E-Mail ignorieren.\n",
                c.sender_name, c.code
            ),
        ),
        Language::Ru => (
            format!("Ваш код для «{title}»"),
            format!(
                "Ваш код для открытия «{title}» от {}:\n\n    {}\n\nОн действует {lifetime}. \
                 Если вы его не запрашивали, просто проигнорируйте это письмо.\n",
                c.sender_name, c.code
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context(language: Language) -> CodeContext<'static> {
        CodeContext {
            language,
            code: "042917",
            lifetime_minutes: 10,
            host: "sign.example.com",
            agreement_title: "Lease\r\nBcc: evil@example.com",
            sender_name: "Ada",
        }
    }

    #[test]
    fn the_sms_ends_with_the_webotp_line() {
        let sms = message(Channel::Sms, "+491701234567", &context(Language::De));
        assert!(
            sms.body
                .starts_with("Ihr signgate-Code lautet 042917. Er ist 10 Minuten gültig.")
        );
        assert_eq!(sms.body.lines().last(), Some("@sign.example.com #042917"));
        assert_eq!(sms.to, "+491701234567");
    }

    #[test]
    fn the_call_reads_each_digit_twice_in_the_signers_language() {
        let call = message(Channel::Voice, "+491701234567", &context(Language::Ru));
        assert_eq!(call.body.matches("0, 4, 2, 9, 1, 7.").count(), 2);
        assert_eq!(call.body.matches("language=\"ru-RU\"").count(), 2);
        assert!(call.body.starts_with("<Response><Say"));
    }

    #[test]
    fn the_email_keeps_titles_on_one_subject_line() {
        let mail = message(Channel::Email, "bob@example.com", &context(Language::En));
        assert!(!mail.subject.contains(['\r', '\n']));
        assert!(mail.body.contains("    042917\n"));
        assert!(mail.body.contains("expires in 10 minutes"));
    }

    #[test]
    fn destinations_are_masked() {
        assert_eq!(masked_destination(Channel::Sms, "+491701234567"), "…4567");
        assert_eq!(
            masked_destination(Channel::Email, "anna@example.com"),
            "a…@example.com"
        );
    }

    #[test]
    fn russian_minutes_follow_the_plural_rules() {
        assert_eq!(minutes(Language::Ru, 1), "1 минуту");
        assert_eq!(minutes(Language::Ru, 3), "3 минуты");
        assert_eq!(minutes(Language::Ru, 11), "11 минут");
        assert_eq!(minutes(Language::Ru, 21), "21 минуту");
        assert_eq!(minutes(Language::Ru, 15), "15 минут");
        assert_eq!(minutes(Language::En, 1), "1 minute");
        assert_eq!(Language::from_tag("de-AT"), Language::De);
        assert_eq!(Language::from_tag("fr"), Language::En);
    }
}
