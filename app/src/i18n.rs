//! Every word the signer reads, in English, German and Russian.
//!
//! Fixed texts are declared once in [`messages!`] with all three languages side by side, so a
//! missing translation is a compile error, not a blank on someone's phone. Texts with numbers or
//! names are functions below the table.

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lang {
    En,
    De,
    Ru,
}

impl Lang {
    pub const ALL: [Lang; 3] = [Lang::En, Lang::De, Lang::Ru];

    /// The BCP 47 tag, for `<html lang>`, `<option value>` and storage.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::De => "de",
            Lang::Ru => "ru",
        }
    }

    /// The language's name in itself, as the switcher shows it.
    pub fn endonym(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::De => "Deutsch",
            Lang::Ru => "Русский",
        }
    }

    /// The language of a tag such as `de-AT` or `ru`, if we have it.
    pub fn from_tag(tag: &str) -> Option<Lang> {
        let primary = tag.split(['-', '_']).next()?;
        Lang::ALL
            .into_iter()
            .find(|lang| primary.eq_ignore_ascii_case(lang.code()))
    }

    /// The signer's earlier choice, else the first browser language we have, else English.
    pub fn choose(stored: Option<&str>, preferred: &[String]) -> Lang {
        stored
            .and_then(Lang::from_tag)
            .or_else(|| preferred.iter().find_map(|tag| Lang::from_tag(tag)))
            .unwrap_or(Lang::En)
    }
}

macro_rules! messages {
    ($($key:ident { en: $en:literal, de: $de:literal, ru: $ru:literal $(,)? })*) => {
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Key {
            $($key,)*
        }

        #[cfg(test)]
        impl Key {
            const ALL: &[Key] = &[$(Key::$key,)*];
        }

        pub fn text(lang: Lang, key: Key) -> &'static str {
            match key {
                $(Key::$key => match lang {
                    Lang::En => $en,
                    Lang::De => $de,
                    Lang::Ru => $ru,
                },)*
            }
        }
    };
}

messages! {
    Language {
        en: "Language",
        de: "Sprache",
        ru: "Язык",
    }

    OpeningHeading {
        en: "Checking your link…",
        de: "Ihr Link wird geprüft…",
        ru: "Проверяем вашу ссылку…",
    }
    OpeningText {
        en: "This takes only a moment.",
        de: "Das dauert nur einen Moment.",
        ru: "Это займёт всего несколько секунд.",
    }

    PasswordHeading {
        en: "Enter your password",
        de: "Geben Sie Ihr Passwort ein",
        ru: "Введите пароль",
    }
    PasswordIntro {
        en: "To open the document, enter the password the sender gave you.",
        de: "Um das Dokument zu öffnen, geben Sie das Passwort ein, das Sie vom Absender erhalten haben.",
        ru: "Чтобы открыть документ, введите пароль, который вам сообщил отправитель.",
    }
    EmailLabel {
        en: "Email address",
        de: "E-Mail-Adresse",
        ru: "Адрес электронной почты",
    }
    PasswordLabel {
        en: "Password",
        de: "Passwort",
        ru: "Пароль",
    }
    ShowPassword {
        en: "Show password",
        de: "Passwort anzeigen",
        ru: "Показать пароль",
    }
    HidePassword {
        en: "Hide password",
        de: "Passwort verbergen",
        ru: "Скрыть пароль",
    }
    Verify {
        en: "Verify",
        de: "Bestätigen",
        ru: "Подтвердить",
    }
    WrongPassword {
        en: "That password is not right.",
        de: "Das Passwort ist nicht richtig.",
        ru: "Пароль неверный.",
    }
    InvalidPassword {
        en: "A password has only the letters A–Z and the digits 0–9, at most 64 of them. Please check what you typed. This did not count as a try.",
        de: "Ein Passwort besteht nur aus den Buchstaben A–Z und den Ziffern 0–9, höchstens 64 Zeichen. Bitte prüfen Sie Ihre Eingabe. Dies zählt nicht als Versuch.",
        ru: "Пароль состоит только из латинских букв A–Z и цифр 0–9, не более 64 символов. Проверьте, что вы ввели. Эта попытка не засчитана.",
    }
    Throttled {
        en: "Too many tries in a short time.",
        de: "Zu viele Versuche in kurzer Zeit.",
        ru: "Слишком много попыток за короткое время.",
    }
    WaitAMoment {
        en: " Please wait a moment and try again.",
        de: " Bitte warten Sie einen Moment und versuchen Sie es dann erneut.",
        ru: " Подождите немного и попробуйте ещё раз.",
    }
    SomethingWentWrong {
        en: "Something went wrong. Please try again.",
        de: "Etwas ist schiefgelaufen. Bitte versuchen Sie es erneut.",
        ru: "Что-то пошло не так. Попробуйте ещё раз.",
    }
    NoPassword {
        en: "Don't have the password?",
        de: "Sie haben das Passwort nicht?",
        ru: "Нет пароля?",
    }

    VerifiedHeading {
        en: "You're verified",
        de: "Sie sind verifiziert",
        ru: "Вы прошли проверку",
    }
    VerifiedContinue {
        en: "Thank you. You can now go on to the document.",
        de: "Vielen Dank. Sie können jetzt mit dem Dokument fortfahren.",
        ru: "Спасибо. Теперь вы можете перейти к документу.",
    }
    VerifiedDone {
        en: "Thank you. You can close this page now.",
        de: "Vielen Dank. Sie können diese Seite jetzt schließen.",
        ru: "Спасибо. Теперь эту страницу можно закрыть.",
    }
    ContinueToDocument {
        en: "Continue to the document",
        de: "Weiter zum Dokument",
        ru: "Перейти к документу",
    }

    CancelledHeading {
        en: "This agreement has been cancelled",
        de: "Diese Vereinbarung wurde storniert",
        ru: "Это соглашение отменено",
    }
    CancelledText {
        en: "A wrong password was entered too many times, so the agreement has been cancelled and the sender has been told.",
        de: "Es wurde zu oft ein falsches Passwort eingegeben. Deshalb wurde die Vereinbarung storniert und der Absender benachrichtigt.",
        ru: "Неверный пароль был введён слишком много раз, поэтому соглашение отменено, а отправитель уведомлён.",
    }
    Questions {
        en: "Questions?",
        de: "Fragen?",
        ru: "Есть вопросы?",
    }

    InvalidLinkHeading {
        en: "This link is not valid",
        de: "Dieser Link ist ungültig",
        ru: "Эта ссылка недействительна",
    }
    InvalidLinkText {
        en: "The link is invalid or has expired. Please ask the sender for a new one.",
        de: "Der Link ist ungültig oder abgelaufen. Bitten Sie den Absender um einen neuen Link.",
        ru: "Ссылка недействительна или срок её действия истёк. Попросите отправителя прислать новую.",
    }
    InvalidLinkHint {
        en: "If you copied the link from the e-mail, check that you copied all of it.",
        de: "Wenn Sie den Link aus der E-Mail kopiert haben, prüfen Sie, ob er vollständig ist.",
        ru: "Если вы скопировали ссылку из письма, проверьте, что она скопирована целиком.",
    }

    ProblemHeading {
        en: "Something went wrong",
        de: "Etwas ist schiefgelaufen",
        ru: "Что-то пошло не так",
    }
    ProblemText {
        en: "We could not check your link. Please check your internet connection and try again.",
        de: "Wir konnten Ihren Link nicht prüfen. Bitte prüfen Sie Ihre Internetverbindung und versuchen Sie es erneut.",
        ru: "Не удалось проверить ссылку. Проверьте подключение к интернету и попробуйте ещё раз.",
    }
    Retry {
        en: "Retry",
        de: "Erneut versuchen",
        ru: "Повторить",
    }
    NotAvailableHeading {
        en: "This check is not available yet",
        de: "Diese Prüfung ist noch nicht verfügbar",
        ru: "Этот способ проверки пока недоступен",
    }
    NotAvailableText {
        en: "The sender chose a way to confirm who you are that this page does not offer yet.",
        de: "Der Absender hat eine Art der Identitätsprüfung gewählt, die diese Seite noch nicht anbietet.",
        ru: "Отправитель выбрал способ подтверждения личности, который эта страница пока не поддерживает.",
    }
}

// ---- texts with numbers and names ---------------------------------------------------------------

/// CLDR plural categories; English and German use only `One` and `Other`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Plural {
    One,
    Few,
    Many,
    Other,
}

pub fn plural(lang: Lang, n: u64) -> Plural {
    match lang {
        Lang::En | Lang::De if n == 1 => Plural::One,
        Lang::En | Lang::De => Plural::Other,
        Lang::Ru => {
            let (last, last_two) = (n % 10, n % 100);
            if last == 1 && last_two != 11 {
                Plural::One
            } else if (2..=4).contains(&last) && !(12..=14).contains(&last_two) {
                Plural::Few
            } else {
                Plural::Many
            }
        }
    }
}

/// Follows "That password is not right.": a leading space, then how many tries remain.
pub fn tries_left(lang: Lang, n: u32) -> String {
    match (lang, plural(lang, n.into())) {
        (Lang::En, Plural::One) => format!(" {n} try left."),
        (Lang::En, _) => format!(" {n} tries left."),
        (Lang::De, Plural::One) => format!(" Noch {n} Versuch."),
        (Lang::De, _) => format!(" Noch {n} Versuche."),
        (Lang::Ru, Plural::One) => format!(" Осталась {n} попытка."),
        (Lang::Ru, Plural::Few) => format!(" Осталось {n} попытки."),
        (Lang::Ru, _) => format!(" Осталось {n} попыток."),
    }
}

/// Follows "Too many tries in a short time.": how long to wait, in minutes once it is a minute or more.
pub fn wait_for(lang: Lang, secs: u64) -> String {
    let minutes = secs.div_ceil(60);
    let amount = if secs < 60 {
        match (lang, plural(lang, secs)) {
            (Lang::En, Plural::One) => format!("{secs} second"),
            (Lang::En, _) => format!("{secs} seconds"),
            (Lang::De, Plural::One) => format!("{secs} Sekunde"),
            (Lang::De, _) => format!("{secs} Sekunden"),
            (Lang::Ru, Plural::One) => format!("{secs} секунду"),
            (Lang::Ru, Plural::Few) => format!("{secs} секунды"),
            (Lang::Ru, _) => format!("{secs} секунд"),
        }
    } else {
        match (lang, plural(lang, minutes)) {
            (Lang::En, Plural::One) => format!("{minutes} minute"),
            (Lang::En, _) => format!("{minutes} minutes"),
            (Lang::De, Plural::One) => format!("{minutes} Minute"),
            (Lang::De, _) => format!("{minutes} Minuten"),
            (Lang::Ru, Plural::One) => format!("{minutes} минуту"),
            (Lang::Ru, Plural::Few) => format!("{minutes} минуты"),
            (Lang::Ru, _) => format!("{minutes} минут"),
        }
    };
    match lang {
        Lang::En => format!(" Please wait {amount} and try again."),
        Lang::De => format!(" Bitte warten Sie {amount} und versuchen Sie es dann erneut."),
        Lang::Ru => format!(" Подождите {amount} и попробуйте ещё раз."),
    }
}

/// Who asked for the signature, and what they asked to be signed.
pub fn sender_line(lang: Lang, sender: &str, title: Option<&str>) -> String {
    match (lang, title) {
        (Lang::En, Some(title)) => format!("{sender} asked you to sign “{title}”."),
        (Lang::En, None) => format!("{sender} asked you to sign a document."),
        (Lang::De, Some(title)) => {
            format!("{sender} hat Sie gebeten, „{title}“ zu unterschreiben.")
        }
        (Lang::De, None) => format!("{sender} hat Sie gebeten, ein Dokument zu unterschreiben."),
        (Lang::Ru, Some(title)) => format!("{sender} просит вас подписать «{title}»."),
        (Lang::Ru, None) => format!("{sender} просит вас подписать документ."),
    }
}

/// The text of a link to whom the signer can ask for help: the sender, or the account's support.
pub fn contact(lang: Lang, who: &str, is_support: bool) -> String {
    match (lang, is_support) {
        (Lang::En, _) => format!("Contact {who}"),
        (Lang::De, _) => format!("Wenden Sie sich an {who}"),
        // Russian declines names after «с»/«к»; a colon keeps the name as it was written.
        (Lang::Ru, false) => format!("Свяжитесь с отправителем: {who}"),
        (Lang::Ru, true) => format!("Обратитесь в поддержку: {who}"),
    }
}

// ---- in the app ---------------------------------------------------------------------------------

const STORAGE_KEY: &str = "signgate.lang";

/// Puts the current language in context for every component, and keeps `<html lang>` in step.
pub fn provide_lang() -> RwSignal<Lang> {
    let lang = RwSignal::new(initial_lang());
    provide_context(lang);
    Effect::new(move || set_document_lang(lang.get()));
    lang
}

pub fn use_lang() -> RwSignal<Lang> {
    expect_context()
}

/// A fixed text that follows the language switcher, for use in `view!`.
pub fn tr(key: Key) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let lang = use_lang();
    move || text(lang.get(), key)
}

/// Remembers the signer's choice on this device, for their next link.
pub fn remember(lang: Lang) {
    if let Some(storage) = window().local_storage().ok().flatten() {
        // Storage can be full or disabled; the choice then lasts for this page only.
        let _ = storage.set_item(STORAGE_KEY, lang.code());
    }
}

fn initial_lang() -> Lang {
    let stored = window()
        .local_storage()
        .ok()
        .flatten()
        .and_then(|storage| storage.get_item(STORAGE_KEY).ok().flatten());
    let preferred: Vec<String> = window()
        .navigator()
        .languages()
        .iter()
        .filter_map(|tag| tag.as_string())
        .collect();
    Lang::choose(stored.as_deref(), &preferred)
}

fn set_document_lang(lang: Lang) {
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("lang", lang.code());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_key_has_text_in_every_language() {
        for &key in Key::ALL {
            for lang in Lang::ALL {
                assert!(!text(lang, key).trim().is_empty(), "{key:?} in {lang:?}");
            }
        }
    }

    #[test]
    fn russian_plurals_follow_cldr() {
        let category = |n| plural(Lang::Ru, n);
        for n in [1, 21, 31, 101, 1001] {
            assert_eq!(category(n), Plural::One, "{n}");
        }
        for n in [2, 3, 4, 22, 24, 102, 1004] {
            assert_eq!(category(n), Plural::Few, "{n}");
        }
        for n in [
            0, 5, 9, 10, 11, 12, 13, 14, 15, 19, 20, 25, 100, 111, 112, 114,
        ] {
            assert_eq!(category(n), Plural::Many, "{n}");
        }
    }

    #[test]
    fn tries_left_reads_naturally() {
        assert_eq!(tries_left(Lang::En, 1), " 1 try left.");
        assert_eq!(tries_left(Lang::En, 3), " 3 tries left.");
        assert_eq!(tries_left(Lang::En, 0), " 0 tries left.");
        assert_eq!(tries_left(Lang::De, 1), " Noch 1 Versuch.");
        assert_eq!(tries_left(Lang::De, 4), " Noch 4 Versuche.");
        assert_eq!(tries_left(Lang::Ru, 1), " Осталась 1 попытка.");
        assert_eq!(tries_left(Lang::Ru, 3), " Осталось 3 попытки.");
        assert_eq!(tries_left(Lang::Ru, 5), " Осталось 5 попыток.");
        assert_eq!(tries_left(Lang::Ru, 11), " Осталось 11 попыток.");
        assert_eq!(tries_left(Lang::Ru, 21), " Осталась 21 попытка.");
    }

    #[test]
    fn waits_are_in_seconds_then_whole_minutes() {
        assert_eq!(
            wait_for(Lang::En, 1),
            " Please wait 1 second and try again."
        );
        assert_eq!(
            wait_for(Lang::En, 30),
            " Please wait 30 seconds and try again."
        );
        assert_eq!(
            wait_for(Lang::En, 61),
            " Please wait 2 minutes and try again."
        );
        assert!(wait_for(Lang::De, 60).contains("1 Minute "));
        assert!(wait_for(Lang::Ru, 2).contains("2 секунды"));
        assert!(wait_for(Lang::Ru, 300).contains("5 минут "));
    }

    #[test]
    fn the_language_is_the_stored_one_then_the_browsers_then_english() {
        let browser = |tags: &[&str]| tags.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        assert_eq!(Lang::choose(Some("ru"), &browser(&["de-DE"])), Lang::Ru);
        assert_eq!(Lang::choose(Some("xx"), &browser(&["de-DE"])), Lang::De);
        assert_eq!(
            Lang::choose(None, &browser(&["fr-FR", "RU", "de"])),
            Lang::Ru
        );
        assert_eq!(Lang::choose(None, &browser(&["fr", "es"])), Lang::En);
        assert_eq!(Lang::choose(None, &[]), Lang::En);
        assert_eq!(Lang::from_tag("de_AT"), Some(Lang::De));
        assert_eq!(Lang::from_tag("deu"), None);
    }
}
