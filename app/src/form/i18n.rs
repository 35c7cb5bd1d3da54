//! The web form page's words, in English, German and Russian: a table of its own, so the page
//! carries only these. Numbers (tries, waits, a code's length) are told by the main table's
//! functions, which carry no table; the code screen's words are the signing page's, in
//! [`crate::i18n::shared`].

use crate::i18n::{Lang, duration, messages};

messages! {
    Language { en: "Language", de: "Sprache", ru: "Язык" }
    PreviewLabel { en: "Preview", de: "Vorschau", ru: "Предпросмотр" }
    PreviewBanner {
        en: "Preview: nothing is sent, nothing counts.",
        de: "Vorschau: Es wird nichts gesendet, nichts wird gezählt.",
        ru: "Предпросмотр: ничего не отправляется и ничего не засчитывается.",
    }
    PreviewPassword {
        en: "Preview: any password of letters and digits is accepted here; your signers need the real one.",
        de: "Vorschau: Hier wird jedes Passwort aus Buchstaben und Ziffern angenommen; Ihre Unterzeichner brauchen das richtige.",
        ru: "Предпросмотр: здесь подойдёт любой пароль из букв и цифр; подписантам понадобится настоящий.",
    }
    PreviewCode {
        en: "Preview: this is the code the signer would receive:",
        de: "Vorschau: Diesen Code würde Ihr Unterzeichner erhalten:",
        ru: "Предпросмотр: этот код получил бы подписант:",
    }
    Opening { en: "Opening the form…", de: "Das Formular wird geöffnet …", ru: "Открываем форму…" }
    From { en: "From", de: "Von", ru: "Отправитель:" }
    EntryIntro {
        en: "To sign, tell us who you are.",
        de: "Um zu unterschreiben, sagen Sie uns bitte, wer Sie sind.",
        ru: "Чтобы подписать, укажите, кто вы.",
    }
    NameLabel { en: "Your full name", de: "Ihr vollständiger Name", ru: "Имя и фамилия" }
    EmailLabel { en: "E-mail address", de: "E-Mail-Adresse", ru: "Адрес электронной почты" }
    CodeWillBeSent {
        en: "We will send a code to this address to confirm it is yours.",
        de: "Wir senden einen Code an diese Adresse, um zu bestätigen, dass sie Ihnen gehört.",
        ru: "Мы отправим код на этот адрес, чтобы убедиться, что он ваш.",
    }
    PasswordLabel { en: "Form password", de: "Formular-Passwort", ru: "Пароль формы" }
    PasswordHint {
        en: "The password the sender gave you for this form.",
        de: "Das Passwort, das Sie vom Absender für dieses Formular erhalten haben.",
        ru: "Пароль, который отправитель сообщил вам для этой формы.",
    }
    ShowPassword { en: "Show password", de: "Passwort anzeigen", ru: "Показать пароль" }
    HidePassword { en: "Hide password", de: "Passwort verbergen", ru: "Скрыть пароль" }
    Continue { en: "Continue", de: "Weiter", ru: "Продолжить" }
    NameMissing {
        en: "Please enter your name.",
        de: "Bitte geben Sie Ihren Namen ein.",
        ru: "Введите своё имя.",
    }
    NameInvalid {
        en: "Please enter your name as plain text, at most 200 characters.",
        de: "Bitte geben Sie Ihren Namen als einfachen Text ein, höchstens 200 Zeichen.",
        ru: "Введите имя обычным текстом, не длиннее 200 символов.",
    }
    EmailMissing {
        en: "Please enter your e-mail address.",
        de: "Bitte geben Sie Ihre E-Mail-Adresse ein.",
        ru: "Введите адрес электронной почты.",
    }
    EmailInvalid {
        en: "That is not an e-mail address. Please check it (for example name@example.com).",
        de: "Das ist keine gültige E-Mail-Adresse. Bitte prüfen Sie sie (zum Beispiel name@beispiel.de).",
        ru: "Это не адрес электронной почты. Проверьте его (например, name@example.com).",
    }
    PasswordMissing {
        en: "Please enter the form password.",
        de: "Bitte geben Sie das Formular-Passwort ein.",
        ru: "Введите пароль формы.",
    }
    PasswordMalformed {
        en: "A form password has only the letters A–Z and the digits 0–9, at most 64 of them. Please check what you typed. This did not count as a try.",
        de: "Ein Formular-Passwort besteht nur aus den Buchstaben A–Z und den Ziffern 0–9, höchstens 64 Zeichen. Bitte prüfen Sie Ihre Eingabe. Dies zählt nicht als Versuch.",
        ru: "Пароль формы состоит только из латинских букв A–Z и цифр 0–9, не более 64 символов. Проверьте, что вы ввели. Эта попытка не засчитана.",
    }
    WrongPassword {
        en: "That password is not right.",
        de: "Das Passwort ist nicht richtig.",
        ru: "Пароль неверный.",
    }
    CheckEntry {
        en: "Please check what you typed and try again.",
        de: "Bitte prüfen Sie Ihre Eingaben und versuchen Sie es erneut.",
        ru: "Проверьте введённые данные и попробуйте ещё раз.",
    }
    DeliveryFailed {
        en: "We could not send a code to this address. Please check it, or try again in a moment.",
        de: "Wir konnten keinen Code an diese Adresse senden. Bitte prüfen Sie sie oder versuchen Sie es gleich noch einmal.",
        ru: "Не удалось отправить код на этот адрес. Проверьте его или попробуйте ещё раз чуть позже.",
    }
    NotEligible {
        en: "This form asks you to confirm it is you with a passkey you made when you signed for this sender before, and this address has none. Please ask the sender for another way.",
        de: "Dieses Formular verlangt einen Passkey, den Sie bei einer früheren Signatur für diesen Absender angelegt haben, und für diese Adresse gibt es keinen. Bitte fragen Sie den Absender nach einem anderen Weg.",
        ru: "Эта форма просит подтвердить личность ключом доступа, созданным при прошлом подписании для этого отправителя, а для этого адреса такого ключа нет. Попросите отправителя о другом способе.",
    }
    FormUnavailable {
        en: "This form cannot be used just now. Please contact the sender.",
        de: "Dieses Formular kann gerade nicht verwendet werden. Bitte wenden Sie sich an den Absender.",
        ru: "Этой формой сейчас нельзя воспользоваться. Свяжитесь с отправителем.",
    }
    // Names the Continue button: keep the two in step.
    EntryEnded {
        en: "Your code check has ended. Press “Continue” again and we will send a new code.",
        de: "Die Bestätigung ist abgelaufen. Klicken Sie erneut auf „Weiter“, dann senden wir Ihnen einen neuen Code.",
        ru: "Проверка кода завершена. Нажмите «Продолжить» ещё раз, и мы отправим новый код.",
    }
    Unreachable {
        en: "signgate could not be reached. Check your connection and try again.",
        de: "signgate ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.",
        ru: "Не удаётся связаться с signgate. Проверьте подключение и попробуйте ещё раз.",
    }
    SomethingWentWrong {
        en: "Something went wrong. Please try again.",
        de: "Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.",
        ru: "Что-то пошло не так. Попробуйте ещё раз.",
    }
    CodeHeading {
        en: "Confirm your e-mail address",
        de: "Bestätigen Sie Ihre E-Mail-Adresse",
        ru: "Подтвердите адрес электронной почты",
    }
    Confirm { en: "Confirm", de: "Bestätigen", ru: "Подтвердить" }
    ChangeAddress {
        en: "Wrong address? Change it",
        de: "Falsche Adresse? Ändern",
        ru: "Адрес указан неверно? Изменить",
    }
    RefusedHeading {
        en: "This form cannot go on",
        de: "Das Formular kann nicht fortgesetzt werden",
        ru: "Продолжить заполнение формы нельзя",
    }
    GoingOn {
        en: "Opening your document…",
        de: "Ihr Dokument wird geöffnet …",
        ru: "Открываем ваш документ…",
    }
    InvalidHeading {
        en: "This link does not work",
        de: "Dieser Link funktioniert nicht",
        ru: "Эта ссылка не работает",
    }
    InvalidText {
        en: "Check that you opened the whole link, or ask whoever gave it to you for a new one.",
        de: "Prüfen Sie, ob Sie den vollständigen Link geöffnet haben, oder bitten Sie die Person, von der Sie ihn haben, um einen neuen.",
        ru: "Проверьте, что ссылка открыта полностью, или попросите новую у того, кто её прислал.",
    }
    ProblemHeading {
        en: "Something went wrong",
        de: "Etwas ist schiefgelaufen",
        ru: "Что-то пошло не так",
    }
    Retry { en: "Try again", de: "Erneut versuchen", ru: "Попробовать ещё раз" }
}

/// "… Please try again in 15 minutes.", or later when the worker did not say.
fn try_again_in(lang: Lang, secs: Option<u64>) -> String {
    match (lang, secs.filter(|&s| s > 0)) {
        (Lang::En, Some(secs)) => format!("Please try again in {}.", duration(lang, secs)),
        (Lang::En, None) => "Please try again later.".to_owned(),
        (Lang::De, Some(secs)) => {
            format!("Bitte versuchen Sie es in {} erneut.", duration(lang, secs))
        }
        (Lang::De, None) => "Bitte versuchen Sie es später erneut.".to_owned(),
        (Lang::Ru, Some(secs)) => format!("Попробуйте снова через {}.", duration(lang, secs)),
        (Lang::Ru, None) => "Попробуйте позже.".to_owned(),
    }
}

/// The form rests after too many wrong form passwords in a row (anyone's).
pub fn resting(lang: Lang, retry_after_secs: Option<u64>) -> String {
    let first = match lang {
        Lang::En => "This form is paused after too many wrong passwords.",
        Lang::De => {
            "Dieses Formular ist nach zu vielen falschen Passwörtern vorübergehend gesperrt."
        }
        Lang::Ru => "Форма временно закрыта из-за слишком большого числа неверных паролей.",
    };
    format!("{first} {}", try_again_in(lang, retry_after_secs))
}

/// One of the hourly caps on entries (for this address, from this client, on this form): which,
/// the page does not say.
pub fn too_many_sign_ups(lang: Lang, retry_after_secs: Option<u64>) -> String {
    let first = match lang {
        Lang::En => "Too many sign-ups from here or for this address just now.",
        Lang::De => "Gerade gab es zu viele Anmeldungen von hier oder für diese Adresse.",
        Lang::Ru => "Слишком много заявок отсюда или для этого адреса за последнее время.",
    };
    format!("{first} {}", try_again_in(lang, retry_after_secs))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_read_naturally() {
        assert_eq!(
            resting(Lang::En, Some(900)),
            "This form is paused after too many wrong passwords. Please try again in 15 minutes."
        );
        assert_eq!(
            too_many_sign_ups(Lang::En, Some(900)),
            "Too many sign-ups from here or for this address just now. Please try again in 15 minutes."
        );
        assert_eq!(
            too_many_sign_ups(Lang::De, Some(60)),
            "Gerade gab es zu viele Anmeldungen von hier oder für diese Adresse. Bitte versuchen Sie es in 1 Minute erneut."
        );
        assert_eq!(
            too_many_sign_ups(Lang::Ru, None),
            "Слишком много заявок отсюда или для этого адреса за последнее время. Попробуйте позже."
        );
    }
}
