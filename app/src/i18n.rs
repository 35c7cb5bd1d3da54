//! Every word the signer reads, in English, German and Russian.
//!
//! Fixed texts are declared once in [`messages!`] with all three languages side by side, so a
//! missing translation is a compile error, not a blank on someone's phone. Texts with numbers or
//! names are functions below the table. What the web form page says too is in [`shared`], a table
//! of its own, so neither page carries the other's.

use leptos::prelude::*;
use signgate_core::otp::Channel;

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
        #[test]
        fn every_key_has_text_in_every_language() {
            for key in [$(Key::$key,)*] {
                for lang in Lang::ALL {
                    assert!(!text(lang, key).trim().is_empty(), "{key:?} in {lang:?}");
                }
            }
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

        /// A fixed text that follows the language switcher, for use in `view!`.
        pub fn tr(key: Key) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
            /// Every key, by its place: how [`crate::i18n::follow`] finds one again.
            const ALL: &[Key] = &[$(Key::$key,)*];
            fn at(lang: Lang, index: u16) -> &'static str {
                text(lang, ALL[usize::from(index)])
            }
            crate::i18n::follow(at, key as u16)
        }
    };
}

/// A fixed text of a table (`at`, its `index`th key) that follows the language switcher. Every
/// table's `tr` answers this one closure type, so a page with two tables (the signing page's own
/// and the one it shares with the web form) renders their texts with one copy of the view code.
pub fn follow(
    at: fn(Lang, u16) -> &'static str,
    index: u16,
) -> impl Fn() -> &'static str + Copy + Send + Sync + 'static {
    let lang = use_lang();
    move || at(lang.get(), index)
}
/// For the ID check's page, which has a table of its own.
pub(crate) use messages;

messages! {
    Language {
        en: "Language",
        de: "Sprache",
        ru: "Язык",
    }

    PreviewLabel {
        en: "Preview",
        de: "Vorschau",
        ru: "Предпросмотр",
    }
    PreviewBanner {
        en: "Preview: nothing is sent, nothing counts.",
        de: "Vorschau: Es wird nichts gesendet, nichts wird gezählt.",
        ru: "Предпросмотр: ничего не отправляется и ничего не засчитывается.",
    }
    PreviewCode {
        en: "Preview: this is the code the signer would receive:",
        de: "Vorschau: Diesen Code würde die unterzeichnende Person erhalten:",
        ru: "Предпросмотр: этот код получил бы подписант:",
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

    PhoneHeading {
        en: "Get a code on your phone",
        de: "Code auf Ihr Telefon erhalten",
        ru: "Получите код на телефон",
    }
    ChannelLegend {
        en: "How would you like to get the code?",
        de: "Wie möchten Sie den Code erhalten?",
        ru: "Как вы хотите получить код?",
    }
    ChannelSms {
        en: "Text message (SMS)",
        de: "Textnachricht (SMS)",
        ru: "SMS-сообщение",
    }
    ChannelVoice {
        en: "Voice call",
        de: "Sprachanruf",
        ru: "Голосовой звонок",
    }
    SendCode {
        en: "Send code",
        de: "Code senden",
        ru: "Отправить код",
    }
    NotYourNumber {
        en: "Not your phone number?",
        de: "Nicht Ihre Telefonnummer?",
        ru: "Это не ваш номер?",
    }
    EmailCodeHeading {
        en: "Get a code by e-mail",
        de: "Code per E-Mail erhalten",
        ru: "Получите код по электронной почте",
    }

    CodeHeading {
        en: "Enter the code",
        de: "Geben Sie den Code ein",
        ru: "Введите код",
    }
    OtherChannel {
        en: "Choose another way to get the code",
        de: "Eine andere Art wählen, den Code zu erhalten",
        ru: "Выбрать другой способ получения кода",
    }
    NoCodeReceived {
        en: "Didn't get a code?",
        de: "Keinen Code erhalten?",
        ru: "Не получили код?",
    }

    ProvidersHeading {
        en: "Sign in to confirm it's you",
        de: "Melden Sie sich an, um zu bestätigen, dass Sie es sind",
        ru: "Войдите, чтобы подтвердить, что это вы",
    }
    NeverSeePassword {
        en: "You sign in on their own page: we never see your password.",
        de: "Sie melden sich auf deren eigener Seite an: Ihr Passwort sehen wir nie.",
        ru: "Вы входите на их собственной странице: ваш пароль мы никогда не видим.",
    }
    NoProviders {
        en: "Signing in is not possible for this agreement at the moment.",
        de: "Eine Anmeldung ist für diese Vereinbarung zurzeit nicht möglich.",
        ru: "Для этого соглашения вход сейчас невозможен.",
    }
    SigningInHeading {
        en: "Signing you in…",
        de: "Sie werden angemeldet…",
        ru: "Выполняем вход…",
    }
    LoginFailedHeading {
        en: "Sign-in not completed",
        de: "Anmeldung nicht abgeschlossen",
        ru: "Вход не выполнен",
    }
    LoginCancelled {
        en: "The sign-in was cancelled.",
        de: "Die Anmeldung wurde abgebrochen.",
        ru: "Вход был отменён.",
    }
    LoginExpired {
        en: "The sign-in took too long or was started in another window. Please try again.",
        de: "Die Anmeldung hat zu lange gedauert oder wurde in einem anderen Fenster begonnen. Bitte versuchen Sie es erneut.",
        ru: "Вход занял слишком много времени или был начат в другом окне. Попробуйте ещё раз.",
    }
    LoginDidNotWork {
        en: "The sign-in did not work. Please try again.",
        de: "Die Anmeldung hat nicht funktioniert. Bitte versuchen Sie es erneut.",
        ru: "Войти не удалось. Попробуйте ещё раз.",
    }
    LoginDidNotWorkChoose {
        en: "The sign-in did not work. Please try again or choose another provider.",
        de: "Die Anmeldung hat nicht funktioniert. Bitte versuchen Sie es erneut oder wählen Sie einen anderen Anbieter.",
        ru: "Войти не удалось. Попробуйте ещё раз или выберите другой способ входа.",
    }
    TryAgain {
        en: "Try again",
        de: "Erneut versuchen",
        ru: "Попробовать ещё раз",
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
    KeepRecoveryCode {
        en: "Your recovery code, shown only now. Keep it safe: with it and a code sent to your e-mail you get back in if you lose your devices.",
        de: "Ihr Wiederherstellungscode, nur jetzt angezeigt. Bewahren Sie ihn sicher auf: Mit ihm und einem Code per E-Mail kommen Sie wieder hinein, wenn Sie Ihre Geräte verlieren.",
        ru: "Ваш код восстановления, показан только сейчас. Сохраните его: с ним и кодом из письма вы снова войдёте, если потеряете устройства.",
    }
    NewDevice {
        en: "A new device was added to your verification. Was it you? Check: ",
        de: "Ein neues Gerät wurde Ihrer Bestätigung hinzugefügt. Waren Sie das? Prüfen Sie: ",
        ru: "К вашему подтверждению добавлено новое устройство. Это были вы? Проверьте: ",
    }
    YourDevices {
        en: "Your devices and passkeys",
        de: "Ihre Geräte und Passkeys",
        ru: "Ваши устройства и ключи доступа",
    }

    CancelledHeading {
        en: "This agreement has been cancelled",
        de: "Diese Vereinbarung wurde storniert",
        ru: "Это соглашение отменено",
    }
    CancelledText {
        en: "Too many wrong entries were made, so the agreement has been cancelled and the sender has been told.",
        de: "Es gab zu viele falsche Eingaben. Deshalb wurde die Vereinbarung storniert und der Absender benachrichtigt.",
        ru: "Было сделано слишком много неверных попыток ввода, поэтому соглашение отменено, а отправитель уведомлён.",
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

    KbaHeading {
        en: "Confirm your identity",
        de: "Bestätigen Sie Ihre Identität",
        ru: "Подтвердите свою личность",
    }
    KbaIntro {
        en: "You will answer a few questions that only you should be able to answer. To find them, enter your details.",
        de: "Sie beantworten gleich einige Fragen, deren Antworten nur Sie kennen sollten. Geben Sie dafür Ihre Angaben ein.",
        ru: "Вам предстоит ответить на несколько вопросов, ответы на которые должны знать только вы. Чтобы подобрать их, введите свои данные.",
    }
    KbaPrivacy {
        en: "Your details go only to an identity provider, to find questions only you can answer. signgate does not keep them.",
        de: "Ihre Angaben gehen nur an einen Identitätsdienst, der damit Fragen findet, die nur Sie beantworten können. signgate speichert sie nicht.",
        ru: "Ваши данные передаются только сервису проверки личности, чтобы подобрать вопросы, на которые можете ответить только вы. signgate их не хранит.",
    }
    KbaFirstName {
        en: "First name",
        de: "Vorname",
        ru: "Имя",
    }
    KbaLastName {
        en: "Last name",
        de: "Nachname",
        ru: "Фамилия",
    }
    KbaAddress {
        en: "Street address",
        de: "Straße und Hausnummer",
        ru: "Улица и номер дома",
    }
    KbaCity {
        en: "City",
        de: "Ort",
        ru: "Город",
    }
    KbaState {
        en: "State",
        de: "Bundesstaat",
        ru: "Штат",
    }
    KbaZip {
        en: "ZIP code",
        de: "Postleitzahl (ZIP)",
        ru: "Почтовый индекс (ZIP)",
    }
    KbaBirthDate {
        en: "Date of birth",
        de: "Geburtsdatum",
        ru: "Дата рождения",
    }
    KbaSsn {
        en: "Last 4 digits of your SSN (optional)",
        de: "Letzte 4 Ziffern Ihrer SSN (optional)",
        ru: "Последние 4 цифры SSN (необязательно)",
    }
    // Named by KbaTimeUp: keep the two in step.
    Continue {
        en: "Continue",
        de: "Weiter",
        ru: "Продолжить",
    }
    KbaQuestionsHeading {
        en: "Answer these questions",
        de: "Beantworten Sie diese Fragen",
        ru: "Ответьте на вопросы",
    }
    KbaFollowUpHeading {
        en: "Two more questions",
        de: "Noch zwei Fragen",
        ru: "Ещё два вопроса",
    }
    KbaQuestionsIntro {
        en: "Choose one answer for each question.",
        de: "Wählen Sie zu jeder Frage eine Antwort.",
        ru: "Выберите по одному ответу на каждый вопрос.",
    }
    KbaTimeLeft {
        en: "Time left:",
        de: "Verbleibende Zeit:",
        ru: "Осталось времени:",
    }
    KbaTimeSoon {
        en: "Less than a minute left.",
        de: "Es bleibt weniger als eine Minute.",
        ru: "Осталось меньше минуты.",
    }
    KbaTimeUp {
        en: "Time is up, so these answers no longer count. Press “Continue” to start again.",
        de: "Die Zeit ist abgelaufen, daher zählen diese Antworten nicht mehr. Wählen Sie „Weiter“, um neu zu beginnen.",
        ru: "Время вышло, поэтому эти ответы больше не засчитываются. Нажмите «Продолжить», чтобы начать заново.",
    }
    KbaSubmit {
        en: "Submit answers",
        de: "Antworten senden",
        ru: "Отправить ответы",
    }
    KbaLastTry {
        en: "This is your last try.",
        de: "Dies ist Ihr letzter Versuch.",
        ru: "Это ваша последняя попытка.",
    }
    KbaWrong {
        en: "Not all answers were right.",
        de: "Nicht alle Antworten waren richtig.",
        ru: "Не все ответы верны.",
    }
    KbaExpired {
        en: "The questions were not answered in time, so that try failed.",
        de: "Die Fragen wurden nicht rechtzeitig beantwortet, daher ist dieser Versuch gescheitert.",
        ru: "На вопросы не ответили вовремя, поэтому попытка засчитана как неудачная.",
    }
    KbaStale {
        en: "Those questions are no longer open.",
        de: "Diese Fragen sind nicht mehr offen.",
        ru: "Эти вопросы больше не действуют.",
    }
    KbaAgain {
        en: "Submit your details again for new questions.",
        de: "Senden Sie Ihre Angaben erneut, um neue Fragen zu erhalten.",
        ru: "Отправьте данные ещё раз, чтобы получить новые вопросы.",
    }
    KbaCheckDetails {
        en: "These details could not be used. Please check them and try again.",
        de: "Diese Angaben konnten nicht verwendet werden. Bitte prüfen Sie sie und versuchen Sie es erneut.",
        ru: "Не удалось использовать эти данные. Проверьте их и попробуйте ещё раз.",
    }
    KbaLater {
        en: "The identity check is not available just now. Please try again later.",
        de: "Die Identitätsprüfung ist gerade nicht verfügbar. Bitte versuchen Sie es später erneut.",
        ru: "Проверка личности сейчас недоступна. Попробуйте позже.",
    }
    KbaUnavailableHeading {
        en: "This check is not available for you",
        de: "Diese Prüfung ist für Sie nicht verfügbar",
        ru: "Этот способ проверки вам недоступен",
    }
    KbaUnavailableText {
        en: "The identity provider cannot ask you questions, so you cannot confirm who you are this way. The sender has been told and can choose another way.",
        de: "Der Identitätsdienst kann Ihnen keine Fragen stellen, daher können Sie Ihre Identität nicht auf diese Weise bestätigen. Der Absender wurde benachrichtigt und kann eine andere Art wählen.",
        ru: "Сервис проверки личности не может задать вам вопросы, поэтому этот способ подтверждения вам не подходит. Отправитель уведомлён и может выбрать другой способ.",
    }
}

/// The words both the signing page and the web form page say, in a table of their own so each
/// build carries them once and neither carries the other's table: the code screens' (a code
/// refused, its countdown, a new one sent or not) and a throttle's.
pub mod shared {
    use super::Lang;

    messages! {
        WrongCode {
            en: "That code is not right.",
            de: "Der Code ist nicht richtig.",
            ru: "Код неверный.",
        }
        CodesVoided {
            en: "That code is not right. After too many wrong entries, the codes sent so far no longer work. Please request a new code.",
            de: "Der Code ist nicht richtig. Nach zu vielen falschen Eingaben gelten die bisher gesendeten Codes nicht mehr. Bitte fordern Sie einen neuen Code an.",
            ru: "Код неверный. Из-за слишком большого числа ошибок отправленные ранее коды больше не действуют. Запросите новый код.",
        }
        NoValidCode {
            en: "No code is valid at the moment: it may have expired. Please request a new code.",
            de: "Zurzeit ist kein Code gültig, er ist möglicherweise abgelaufen. Bitte fordern Sie einen neuen Code an.",
            ru: "Сейчас нет действующего кода: возможно, срок его действия истёк. Запросите новый код.",
        }
        EmailMayTakeAWhile {
            en: "It can take a few minutes to arrive. If you cannot find it, look in your spam folder.",
            de: "Es kann einige Minuten dauern, bis sie ankommt. Wenn Sie sie nicht finden, sehen Sie im Spam-Ordner nach.",
            ru: "Письмо может прийти через несколько минут. Если его нет, проверьте папку «Спам».",
        }
        CodeExpiresSoon {
            en: "Your code expires soon. Enter it now or request a new one.",
            de: "Ihr Code läuft bald ab. Geben Sie ihn jetzt ein oder fordern Sie einen neuen an.",
            ru: "Срок действия кода скоро истечёт. Введите его сейчас или запросите новый.",
        }
        // Names the SendNewCode button: keep the two in step.
        CodeExpired {
            en: "Your code has expired. Please request a new one with “Send a new code”.",
            de: "Ihr Code ist abgelaufen. Bitte fordern Sie mit „Neuen Code senden“ einen neuen an.",
            ru: "Срок действия кода истёк. Запросите новый кнопкой «Отправить новый код».",
        }
        SendNewCode {
            en: "Send a new code",
            de: "Neuen Code senden",
            ru: "Отправить новый код",
        }
        NewCodeOnItsWay {
            en: "A new code is on its way.",
            de: "Ein neuer Code ist unterwegs.",
            ru: "Новый код уже отправлен.",
        }
        ResendNotYet {
            en: "You cannot request a new code yet. Please wait a moment.",
            de: "Sie können noch keinen neuen Code anfordern. Bitte warten Sie einen Moment.",
            ru: "Новый код пока нельзя запросить. Подождите немного.",
        }
        DeliveryFailed {
            en: "We could not send the code. Please try again in a moment.",
            de: "Der Code konnte nicht gesendet werden. Bitte versuchen Sie es gleich noch einmal.",
            ru: "Не удалось отправить код. Попробуйте ещё раз чуть позже.",
        }
        NotConfigured {
            en: "Codes cannot be sent this way right now.",
            de: "Codes können zurzeit nicht auf diesem Weg gesendet werden.",
            ru: "Сейчас коды нельзя отправить этим способом.",
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

/// Follows "Too many tries in a short time.": how long to wait.
pub fn wait_for(lang: Lang, secs: u64) -> String {
    let amount = duration(lang, secs);
    match lang {
        Lang::En => format!(" Please wait {amount} and try again."),
        Lang::De => format!(" Bitte warten Sie {amount} und versuchen Sie es dann erneut."),
        Lang::Ru => format!(" Подождите {amount} и попробуйте ещё раз."),
    }
}

/// "Too many tries in a short time." and how long to wait, when the worker said: every page's
/// throttle says it so.
pub fn throttled(lang: Lang, retry_after_secs: Option<u64>) -> String {
    let wait = match retry_after_secs.filter(|&secs| secs > 0) {
        Some(secs) => wait_for(lang, secs),
        None => shared::text(lang, shared::Key::WaitAMoment).to_owned(),
    };
    format!("{}{wait}", shared::text(lang, shared::Key::Throttled))
}

/// When the next code may be requested.
pub fn resend_in(lang: Lang, secs: u64) -> String {
    let amount = duration(lang, secs);
    match lang {
        Lang::En => format!("You can request a new code in {amount}."),
        Lang::De => format!("Sie können in {amount} einen neuen Code anfordern."),
        Lang::Ru => format!("Новый код можно запросить через {amount}."),
    }
}

/// A wait in words, in whole minutes (rounded up) once it is a minute or more. The Russian forms
/// are the accusative that «подождите …» and «через …» need; German "in …" takes the same forms.
pub(crate) fn duration(lang: Lang, secs: u64) -> String {
    let minutes = secs.div_ceil(60);
    if secs < 60 {
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
    }
}

/// A countdown as a clock: `9:41`, `0:05`, `1:00:00`. The same in all three languages.
pub fn clock(secs: u64) -> String {
    let (hours, minutes, secs) = (secs / 3600, secs / 60 % 60, secs % 60);
    if hours > 0 {
        format!("{hours}:{minutes:02}:{secs:02}")
    } else {
        format!("{minutes}:{secs:02}")
    }
}

pub fn code_expires_in(lang: Lang, secs: u64) -> String {
    let clock = clock(secs);
    match lang {
        Lang::En => format!("The code expires in {clock}."),
        Lang::De => format!("Der Code läuft in {clock} ab."),
        Lang::Ru => format!("Срок действия кода истекает через {clock}."),
    }
}

/// The field's label: the length tells the signer which number in the message is the code.
pub fn code_label(lang: Lang, digits: u8) -> String {
    match (lang, plural(lang, digits.into())) {
        (Lang::En, _) => format!("{digits}-digit code"),
        (Lang::De, _) => format!("{digits}-stelliger Code"),
        (Lang::Ru, Plural::One) => format!("Код из {digits} цифры"),
        (Lang::Ru, _) => format!("Код из {digits} цифр"),
    }
}

/// What was typed cannot be a code; the worker did not count it.
pub fn not_a_code(lang: Lang, digits: u8) -> String {
    match (lang, plural(lang, digits.into())) {
        (Lang::En, Plural::One) => format!(
            "A code has {digits} digit. Please check what you typed. This did not count as a try."
        ),
        (Lang::En, _) => format!(
            "A code has {digits} digits. Please check what you typed. This did not count as a try."
        ),
        (Lang::De, Plural::One) => format!(
            "Ein Code hat {digits} Ziffer. Bitte prüfen Sie Ihre Eingabe. Dies zählt nicht als Versuch."
        ),
        (Lang::De, _) => format!(
            "Ein Code hat {digits} Ziffern. Bitte prüfen Sie Ihre Eingabe. Dies zählt nicht als Versuch."
        ),
        (Lang::Ru, Plural::One) => format!(
            "Код состоит из {digits} цифры. Проверьте, что вы ввели. Эта попытка не засчитана."
        ),
        (Lang::Ru, _) => format!(
            "Код состоит из {digits} цифр. Проверьте, что вы ввели. Эта попытка не засчитана."
        ),
    }
}

/// Before the signer picks SMS or a call. Only the last digits are ever shown.
pub fn phone_intro(lang: Lang, last4: Option<&str>) -> String {
    match (lang, last4) {
        (Lang::En, Some(last4)) => {
            format!("We will send a code to your phone number ending in {last4}.")
        }
        (Lang::En, None) => "We will send a code to your phone number.".to_owned(),
        (Lang::De, Some(last4)) => {
            format!("Wir senden einen Code an Ihre Telefonnummer mit den Endziffern {last4}.")
        }
        (Lang::De, None) => "Wir senden einen Code an Ihre Telefonnummer.".to_owned(),
        (Lang::Ru, Some(last4)) => {
            format!("Мы отправим код на ваш номер телефона, который заканчивается на {last4}.")
        }
        (Lang::Ru, None) => "Мы отправим код на ваш номер телефона.".to_owned(),
    }
}

pub fn email_intro(lang: Lang, email: Option<&str>) -> String {
    match (lang, email) {
        (Lang::En, Some(email)) => format!("We will send a code to your e-mail address {email}."),
        (Lang::En, None) => "We will send a code to your e-mail address.".to_owned(),
        (Lang::De, Some(email)) => format!("Wir senden einen Code an Ihre E-Mail-Adresse {email}."),
        (Lang::De, None) => "Wir senden einen Code an Ihre E-Mail-Adresse.".to_owned(),
        (Lang::Ru, Some(email)) => {
            format!("Мы отправим код на ваш адрес электронной почты {email}.")
        }
        (Lang::Ru, None) => "Мы отправим код на ваш адрес электронной почты.".to_owned(),
    }
}

/// Where the code went. `destination` is the worker's mask (`…4567`, `a…@example.com`); for a
/// phone only its digits are read out, as "ending in 4567" reads better than an ellipsis.
pub fn code_sent(lang: Lang, channel: Channel, destination: &str) -> String {
    let shown = match channel {
        Channel::Sms | Channel::Voice => destination
            .chars()
            .filter(char::is_ascii_digit)
            .collect::<String>(),
        Channel::Email => destination.trim().to_owned(),
    };
    let to = (!shown.is_empty()).then_some(shown.as_str());
    match (lang, channel, to) {
        (Lang::En, Channel::Sms, Some(last)) => {
            format!("We sent a code by text message to your phone number ending in {last}.")
        }
        (Lang::En, Channel::Sms, None) => "We sent a code by text message.".to_owned(),
        (Lang::En, Channel::Voice, Some(last)) => {
            format!("We are calling your phone number ending in {last} to tell you the code.")
        }
        (Lang::En, Channel::Voice, None) => "We are calling you to tell you the code.".to_owned(),
        (Lang::En, Channel::Email, Some(address)) => {
            format!("We sent a code to your e-mail address {address}.")
        }
        (Lang::En, Channel::Email, None) => "We sent a code to your e-mail address.".to_owned(),
        (Lang::De, Channel::Sms, Some(last)) => format!(
            "Wir haben einen Code per SMS an Ihre Telefonnummer mit den Endziffern {last} gesendet."
        ),
        (Lang::De, Channel::Sms, None) => "Wir haben einen Code per SMS gesendet.".to_owned(),
        (Lang::De, Channel::Voice, Some(last)) => format!(
            "Wir rufen Ihre Telefonnummer mit den Endziffern {last} an und nennen Ihnen den Code."
        ),
        (Lang::De, Channel::Voice, None) => {
            "Wir rufen Sie an und nennen Ihnen den Code.".to_owned()
        }
        (Lang::De, Channel::Email, Some(address)) => {
            format!("Wir haben einen Code an Ihre E-Mail-Adresse {address} gesendet.")
        }
        (Lang::De, Channel::Email, None) => {
            "Wir haben einen Code an Ihre E-Mail-Adresse gesendet.".to_owned()
        }
        (Lang::Ru, Channel::Sms, Some(last)) => format!(
            "Мы отправили код в SMS на ваш номер телефона, который заканчивается на {last}."
        ),
        (Lang::Ru, Channel::Sms, None) => "Мы отправили код в SMS.".to_owned(),
        (Lang::Ru, Channel::Voice, Some(last)) => format!(
            "Мы звоним на ваш номер телефона, который заканчивается на {last}, чтобы продиктовать код."
        ),
        (Lang::Ru, Channel::Voice, None) => "Мы звоним вам, чтобы продиктовать код.".to_owned(),
        (Lang::Ru, Channel::Email, Some(address)) => {
            format!("Мы отправили код на ваш адрес электронной почты {address}.")
        }
        (Lang::Ru, Channel::Email, None) => {
            "Мы отправили код на ваш адрес электронной почты.".to_owned()
        }
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

/// A social provider's button, or the platform's: "Continue with Google".
pub fn continue_with(lang: Lang, provider: &str) -> String {
    match lang {
        Lang::En => format!("Continue with {provider}"),
        Lang::De => format!("Weiter mit {provider}"),
        Lang::Ru => format!("Продолжить через {provider}"),
    }
}

/// Social providers: the account must be the recipient's, matched by e-mail address.
pub fn providers_intro(lang: Lang, email: Option<&str>) -> String {
    match (lang, email) {
        (Lang::En, Some(email)) => format!(
            "Sign in with an account that uses the e-mail address this agreement was sent to: {email}."
        ),
        (Lang::En, None) => {
            "Sign in with an account that uses the e-mail address this agreement was sent to."
                .to_owned()
        }
        (Lang::De, Some(email)) => format!(
            "Melden Sie sich mit einem Konto an, das die E-Mail-Adresse verwendet, an die diese Vereinbarung gesendet wurde: {email}."
        ),
        (Lang::De, None) => "Melden Sie sich mit einem Konto an, das die E-Mail-Adresse verwendet, an die diese Vereinbarung gesendet wurde.".to_owned(),
        (Lang::Ru, Some(email)) => format!(
            "Войдите через учётную запись с тем адресом электронной почты, на который отправлено это соглашение: {email}."
        ),
        (Lang::Ru, None) => "Войдите через учётную запись с тем адресом электронной почты, на который отправлено это соглашение.".to_owned(),
    }
}

/// The platform-account method: the platform knows the signer, so there is little to do there.
pub fn platform_intro(lang: Lang, platform: &str) -> String {
    match lang {
        Lang::En => format!(
            "Sign in with your {platform} account. Your e-mail address is filled in for you, and you may already be signed in."
        ),
        Lang::De => format!(
            "Melden Sie sich mit Ihrem Konto bei {platform} an. Ihre E-Mail-Adresse wird für Sie eingetragen, und vielleicht sind Sie dort bereits angemeldet."
        ),
        Lang::Ru => format!(
            "Войдите в свою учётную запись {platform}. Адрес электронной почты будет подставлен автоматически, и, возможно, вы уже вошли."
        ),
    }
}

/// While the worker prepares the hand-off and the browser leaves.
pub fn taking_you_to(lang: Lang, provider: &str) -> String {
    match lang {
        Lang::En => format!("Taking you to {provider}…"),
        Lang::De => format!("Sie werden zu {provider} weitergeleitet…"),
        Lang::Ru => format!("Переходим на страницу {provider}…"),
    }
}

/// The deployment has no such provider set up (any more).
pub fn login_unavailable(lang: Lang, provider: &str) -> String {
    match lang {
        Lang::En => format!("Signing in with {provider} is not available right now."),
        Lang::De => format!("Die Anmeldung mit {provider} ist zurzeit nicht verfügbar."),
        Lang::Ru => format!("Вход через {provider} сейчас недоступен."),
    }
}

/// The provider's sign-in service does not answer (or answers nonsense) just now.
pub fn provider_unreachable(lang: Lang, provider: &str) -> String {
    match lang {
        Lang::En => format!("{provider} cannot be reached just now. Please try again in a moment."),
        Lang::De => {
            format!(
                "{provider} ist gerade nicht erreichbar. Bitte versuchen Sie es gleich noch einmal."
            )
        }
        Lang::Ru => format!("Сервис {provider} сейчас недоступен. Попробуйте ещё раз чуть позже."),
    }
}

/// The signer said no at the provider; the provider is named when the page knows it.
pub fn login_denied(lang: Lang, provider: Option<&str>) -> String {
    match (lang, provider) {
        (Lang::En, Some(provider)) => format!("You cancelled the sign-in at {provider}."),
        (Lang::De, Some(provider)) => {
            format!("Sie haben die Anmeldung bei {provider} abgebrochen.")
        }
        (Lang::Ru, Some(provider)) => format!("Вы отменили вход через {provider}."),
        (_, None) => text(lang, Key::LoginCancelled).to_owned(),
    }
}

/// The provider's account has another e-mail address than the recipient's.
pub fn login_mismatch(lang: Lang, email: Option<&str>) -> String {
    let to = email.map(|email| format!(" ({email})")).unwrap_or_default();
    match lang {
        Lang::En => format!(
            "The account you signed in with is not the one this agreement was sent to{to}. Sign in with that account, or ask the sender."
        ),
        Lang::De => format!(
            "Das Konto, mit dem Sie sich angemeldet haben, ist nicht das, an das diese Vereinbarung gesendet wurde{to}. Melden Sie sich mit dem Konto zu dieser Adresse an oder fragen Sie den Absender."
        ),
        Lang::Ru => format!(
            "Учётная запись, через которую вы вошли, не та, на которую отправлено это соглашение{to}. Войдите через учётную запись с этим адресом или обратитесь к отправителю."
        ),
    }
}

/// The name the identity provider vouches for, as the platform will offer it for the signature.
pub fn signature_name(lang: Lang, name: &str) -> String {
    match lang {
        Lang::En => format!("Your name for the signature: {name}"),
        Lang::De => format!("Ihr Name für die Unterschrift: {name}"),
        Lang::Ru => format!("Ваше имя для подписи: {name}"),
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

/// The language switcher of every page (the app's and the ID check's); `label` is the page's own
/// word for "Language", from its own table.
#[component]
pub fn LanguageSwitcher(label: fn(Lang) -> &'static str) -> impl IntoView {
    let lang = use_lang();
    let choose = move |event| {
        if let Some(chosen) = Lang::from_tag(&event_target_value(&event)) {
            lang.set(chosen);
            remember(chosen);
        }
    };
    view! {
        <div class="language">
            <label for="language">{move || label(lang.get())}</label>
            <select id="language" on:change=choose>
                {Lang::ALL
                    .map(|option| {
                        view! {
                            <option
                                value=option.code()
                                lang=option.code()
                                prop:selected=move || lang.get() == option
                            >
                                {option.endonym()}
                            </option>
                        }
                    })}
            </select>
        </div>
    }
}

/// Remembers the signer's choice on this device, for their next link.
pub fn remember(lang: Lang) {
    if let Some(storage) = window().local_storage().ok().flatten() {
        // Storage can be full or disabled; the choice then lasts for this page only.
        let _ = storage.set_item(STORAGE_KEY, lang.code());
    }
}

fn initial_lang() -> Lang {
    // A link may name the language (`/s?lang=de`, as a sender's preview in German does): that
    // wins for this page, without becoming the device's choice.
    let asked = window()
        .location()
        .search()
        .ok()
        .and_then(|query| asked_lang(&query));
    if let Some(lang) = asked {
        return lang;
    }
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

/// `lang` in a query string (`?lang=de&x=1`).
fn asked_lang(query: &str) -> Option<Lang> {
    query
        .trim_start_matches('?')
        .split('&')
        .find_map(|pair| pair.strip_prefix("lang="))
        .and_then(Lang::from_tag)
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
    fn a_link_may_name_its_language() {
        assert_eq!(asked_lang("?lang=de"), Some(Lang::De));
        assert_eq!(asked_lang("?x=1&lang=ru-RU"), Some(Lang::Ru));
        assert_eq!(asked_lang("?lang=xx"), None);
        assert_eq!(asked_lang("?language=de"), None);
        assert_eq!(asked_lang(""), None);
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
    fn countdowns_read_as_clocks_and_words() {
        assert_eq!(clock(581), "9:41");
        assert_eq!(clock(60), "1:00");
        assert_eq!(clock(5), "0:05");
        assert_eq!(clock(0), "0:00");
        assert_eq!(clock(3600), "1:00:00");
        assert_eq!(code_expires_in(Lang::En, 581), "The code expires in 9:41.");
        assert_eq!(
            resend_in(Lang::En, 25),
            "You can request a new code in 25 seconds."
        );
        assert_eq!(
            resend_in(Lang::En, 1),
            "You can request a new code in 1 second."
        );
        assert_eq!(
            resend_in(Lang::En, 90),
            "You can request a new code in 2 minutes."
        );
        assert_eq!(
            resend_in(Lang::Ru, 22),
            "Новый код можно запросить через 22 секунды."
        );
        assert_eq!(
            resend_in(Lang::De, 1),
            "Sie können in 1 Sekunde einen neuen Code anfordern."
        );
    }

    #[test]
    fn codes_say_where_they_went() {
        assert_eq!(
            phone_intro(Lang::En, Some("4567")),
            "We will send a code to your phone number ending in 4567."
        );
        assert_eq!(
            email_intro(Lang::En, Some("ada@example.com")),
            "We will send a code to your e-mail address ada@example.com."
        );
        assert_eq!(
            code_sent(Lang::En, Channel::Sms, "…4567"),
            "We sent a code by text message to your phone number ending in 4567."
        );
        assert_eq!(
            code_sent(Lang::En, Channel::Voice, "…4567"),
            "We are calling your phone number ending in 4567 to tell you the code."
        );
        assert_eq!(
            code_sent(Lang::En, Channel::Email, "a…@example.com"),
            "We sent a code to your e-mail address a…@example.com."
        );
        assert_eq!(
            code_sent(Lang::En, Channel::Sms, ""),
            "We sent a code by text message."
        );
        assert_eq!(code_label(Lang::En, 6), "6-digit code");
        assert_eq!(code_label(Lang::Ru, 6), "Код из 6 цифр");
        assert_eq!(
            not_a_code(Lang::En, 6),
            "A code has 6 digits. Please check what you typed. This did not count as a try."
        );
    }

    #[test]
    fn login_texts_are_the_ones_the_end_to_end_tests_expect() {
        assert_eq!(text(Lang::En, Key::SigningInHeading), "Signing you in…");
        assert_eq!(
            text(Lang::En, Key::LoginFailedHeading),
            "Sign-in not completed"
        );
        assert_eq!(text(Lang::En, Key::TryAgain), "Try again");
        assert_eq!(
            login_denied(Lang::En, Some("Google")),
            "You cancelled the sign-in at Google."
        );
        assert_eq!(login_denied(Lang::Ru, None), "Вход был отменён.");
        assert_eq!(
            signature_name(Lang::En, "Ada Lovelace"),
            "Your name for the signature: Ada Lovelace"
        );
        assert_eq!(
            providers_intro(Lang::En, None),
            "Sign in with an account that uses the e-mail address this agreement was sent to."
        );
        assert_eq!(
            login_unavailable(Lang::De, "Google"),
            "Die Anmeldung mit Google ist zurzeit nicht verfügbar."
        );
        assert_eq!(
            taking_you_to(Lang::Ru, "Google"),
            "Переходим на страницу Google…"
        );
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
