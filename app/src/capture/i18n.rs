//! The ID check page's words, in English, German and Russian: a table of its own, so the page
//! carries only these and the main app only its own.

use signgate_core::id_check::{Document, Failure, Shot};

use crate::i18n::{Lang, messages};

messages! {
    Language { en: "Language", de: "Sprache", ru: "Язык" }
    PreviewLabel { en: "Preview", de: "Vorschau", ru: "Предпросмотр" }
    PreviewBanner {
        en: "Preview: nothing is sent, nothing is kept, nothing counts.",
        de: "Vorschau: Es wird nichts gesendet, nichts gespeichert, nichts gezählt.",
        ru: "Предпросмотр: ничего не отправляется, не сохраняется и не засчитывается.",
    }
    Heading {
        en: "Photograph your ID",
        de: "Fotografieren Sie Ihren Ausweis",
        ru: "Сфотографируйте документ",
    }
    Opening { en: "Opening…", de: "Wird geöffnet …", ru: "Открываем…" }
    Why {
        en: "To prove who you are, photograph an official photo ID and then yourself. A provider checks the photos; they are deleted when the check ends.",
        de: "Um zu zeigen, wer Sie sind, fotografieren Sie einen amtlichen Lichtbildausweis und dann sich selbst. Ein Dienstleister prüft die Fotos; sie werden gelöscht, sobald die Prüfung endet.",
        ru: "Чтобы подтвердить личность, сфотографируйте официальный документ с фотографией, а затем себя. Фотографии проверяет сервис; после проверки они удаляются.",
    }
    PhoneEasiest {
        en: "It is easiest with a phone: we send it a link.",
        de: "Am einfachsten geht es mit einem Telefon: Wir senden ihm einen Link.",
        ru: "Проще всего с телефона: мы отправим на него ссылку.",
    }
    PhoneLabel { en: "Mobile number", de: "Mobilnummer", ru: "Номер мобильного" }
    PhoneHint {
        en: "With the country code, e.g. +49 151 2345678",
        de: "Mit Ländervorwahl, z. B. +49 151 2345678",
        ru: "С кодом страны, например +7 912 345-67-89",
    }
    SendLink { en: "Send the link to my phone", de: "Link an mein Telefon senden", ru: "Отправить ссылку на телефон" }
    SendAgain { en: "Send again", de: "Erneut senden", ru: "Отправить ещё раз" }
    OrScan {
        en: "Or scan this code with your phone's camera:",
        de: "Oder scannen Sie diesen Code mit der Kamera Ihres Telefons:",
        ru: "Или отсканируйте этот код камерой телефона:",
    }
    QrLabel { en: "QR code of the link for your phone", de: "QR-Code des Links für Ihr Telefon", ru: "QR-код ссылки для телефона" }
    ShowCode { en: "Show a QR code instead", de: "Stattdessen einen QR-Code zeigen", ru: "Показать QR-код" }
    UseThisDevice { en: "Use this device's camera", de: "Die Kamera dieses Geräts verwenden", ru: "Использовать камеру этого устройства" }
    WaitingForPhone { en: "Waiting for your phone…", de: "Warten auf Ihr Telefon …", ru: "Ждём ваш телефон…" }
    PhoneOpened { en: "The link was opened on your phone.", de: "Der Link wurde auf Ihrem Telefon geöffnet.", ru: "Ссылка открыта на телефоне." }
    ChooseDocument { en: "Which document will you photograph?", de: "Welches Dokument fotografieren Sie?", ru: "Какой документ вы сфотографируете?" }
    Passport { en: "Passport", de: "Reisepass", ru: "Паспорт" }
    DrivingLicence { en: "Driving licence", de: "Führerschein", ru: "Водительское удостоверение" }
    IdCard { en: "ID card", de: "Personalausweis", ru: "Удостоверение личности" }
    ResidencePermit { en: "Residence permit", de: "Aufenthaltstitel", ru: "Вид на жительство" }
    OnePage { en: "one photo of the page with your picture", de: "ein Foto der Seite mit Ihrem Bild", ru: "одно фото страницы с фотографией" }
    BothSides { en: "the front and the back", de: "Vorder- und Rückseite", ru: "лицевая и оборотная сторона" }
    Continue { en: "Continue", de: "Weiter", ru: "Продолжить" }
    ShotFront { en: "Photograph the front of your document", de: "Fotografieren Sie die Vorderseite Ihres Dokuments", ru: "Сфотографируйте лицевую сторону документа" }
    ShotPassport { en: "Photograph the page with your picture", de: "Fotografieren Sie die Seite mit Ihrem Bild", ru: "Сфотографируйте страницу с фотографией" }
    ShotBack { en: "Photograph the back of your document", de: "Fotografieren Sie die Rückseite Ihres Dokuments", ru: "Сфотографируйте оборотную сторону документа" }
    ShotFace { en: "Take a selfie: look straight into the camera", de: "Machen Sie ein Selfie: Blicken Sie direkt in die Kamera", ru: "Сделайте селфи: смотрите прямо в камеру" }
    ShotFaceTurned { en: "Now turn your head a little to one side, and take another", de: "Drehen Sie nun den Kopf etwas zur Seite und machen Sie noch eins", ru: "Теперь слегка поверните голову и сделайте ещё одно" }
    GuideDocument {
        en: "Fit the whole document into the frame, on a plain surface, without glare.",
        de: "Das ganze Dokument in den Rahmen, auf einer ruhigen Fläche, ohne Spiegelungen.",
        ru: "Весь документ в рамке, на ровной поверхности, без бликов.",
    }
    GuideFace { en: "Your face in the oval, in good light.", de: "Ihr Gesicht im Oval, bei gutem Licht.", ru: "Лицо в овале, при хорошем освещении." }
    CameraLabel { en: "Camera view", de: "Kamerabild", ru: "Изображение с камеры" }
    TakePhoto { en: "Take photo", de: "Foto aufnehmen", ru: "Сделать фото" }
    UsePhoto { en: "Use this photo", de: "Dieses Foto verwenden", ru: "Использовать это фото" }
    Retake { en: "Retake", de: "Neu aufnehmen", ru: "Переснять" }
    PhotoLabel { en: "The photo you took", de: "Ihr aufgenommenes Foto", ru: "Сделанное фото" }
    TooBlurry {
        en: "The photo is blurry. Hold still, let the camera focus, and try again.",
        de: "Das Foto ist unscharf. Halten Sie still, lassen Sie die Kamera scharf stellen und versuchen Sie es erneut.",
        ru: "Фото размыто. Держите устройство неподвижно, дайте камере сфокусироваться и попробуйте ещё раз.",
    }
    NoCamera {
        en: "The camera cannot be used in this browser. Take the photo with your camera app instead:",
        de: "Die Kamera ist in diesem Browser nicht nutzbar. Nehmen Sie das Foto stattdessen mit Ihrer Kamera-App auf:",
        ru: "В этом браузере камера недоступна. Сделайте фото приложением камеры:",
    }
    ChoosePicture { en: "Take or choose a photo", de: "Foto aufnehmen oder auswählen", ru: "Сделать или выбрать фото" }
    Checking { en: "Checking your photos…", de: "Ihre Fotos werden geprüft …", ru: "Проверяем фотографии…" }
    CheckingNote {
        en: "This usually takes less than a minute. Keep this page open.",
        de: "Das dauert meist weniger als eine Minute. Lassen Sie diese Seite geöffnet.",
        ru: "Обычно это занимает меньше минуты. Не закрывайте страницу.",
    }
    Passed { en: "Your ID was checked", de: "Ihr Ausweis wurde geprüft", ru: "Документ проверен" }
    PhoneDone {
        en: "Done. Go back to your computer to continue.",
        de: "Fertig. Fahren Sie an Ihrem Computer fort.",
        ru: "Готово. Продолжите на компьютере.",
    }
    KeepRecoveryCode {
        en: "Your recovery code, shown only now. Keep it safe: with it and a code sent to your e-mail you get back in if you lose your devices.",
        de: "Ihr Wiederherstellungscode, nur jetzt angezeigt. Bewahren Sie ihn sicher auf: Mit ihm und einem Code per E-Mail kommen Sie wieder hinein, wenn Sie Ihre Geräte verlieren.",
        ru: "Ваш код восстановления, показан только сейчас. Сохраните его: с ним и кодом из письма вы снова войдёте, если потеряете устройства.",
    }
    ContinueToDocument { en: "Continue to the document", de: "Weiter zum Dokument", ru: "Перейти к документу" }
    VerifiedDone { en: "You may close this page.", de: "Sie können diese Seite schließen.", ru: "Эту страницу можно закрыть." }
    NotPassed { en: "The check did not succeed", de: "Die Prüfung war nicht erfolgreich", ru: "Проверка не пройдена" }
    TryAgain { en: "Try again", de: "Erneut versuchen", ru: "Попробовать снова" }
    Cancelled {
        en: "This agreement was cancelled after too many tries. The sender has been told.",
        de: "Diese Vereinbarung wurde nach zu vielen Versuchen storniert. Der Absender wurde informiert.",
        ru: "Соглашение отменено после слишком многих попыток. Отправитель уведомлён.",
    }
    InvalidLink {
        en: "This link does not work any more. Please open the signing link from your e-mail again.",
        de: "Dieser Link funktioniert nicht mehr. Öffnen Sie bitte den Link aus Ihrer E-Mail erneut.",
        ru: "Эта ссылка больше не действует. Откройте ссылку из письма ещё раз.",
    }
    Unreachable {
        en: "signgate cannot be reached. Check your connection and try again.",
        de: "signgate ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.",
        ru: "signgate недоступен. Проверьте подключение и попробуйте ещё раз.",
    }
    LastTry { en: "This is your last try.", de: "Dies ist Ihr letzter Versuch.", ru: "Это последняя попытка." }
}

pub fn document(key_of: Document) -> Key {
    match key_of {
        Document::Passport => Key::Passport,
        Document::DrivingLicence => Key::DrivingLicence,
        Document::IdCard => Key::IdCard,
        Document::ResidencePermit => Key::ResidencePermit,
    }
}

pub fn shot_title(document: Document, shot: Shot) -> Key {
    match shot {
        Shot::DocumentFront if document == Document::Passport => Key::ShotPassport,
        Shot::DocumentFront => Key::ShotFront,
        Shot::DocumentBack => Key::ShotBack,
        Shot::Face => Key::ShotFace,
        Shot::FaceTurned => Key::ShotFaceTurned,
    }
}

/// What to do after a failed try: never the provider's scores.
pub fn failure(lang: Lang, failure: Failure) -> &'static str {
    use Failure::*;
    match (lang, failure) {
        (Lang::En, DocumentExpired) => "The document has expired. Please use another one.",
        (Lang::De, DocumentExpired) => {
            "Das Dokument ist abgelaufen. Bitte verwenden Sie ein anderes."
        }
        (Lang::Ru, DocumentExpired) => {
            "Срок действия документа истёк. Используйте другой документ."
        }
        (Lang::En, NameMismatch) => {
            "The name on the document is not the one the sender gave. Please use your own document, or ask the sender to correct your name."
        }
        (Lang::De, NameMismatch) => {
            "Der Name auf dem Dokument ist nicht der vom Absender angegebene. Verwenden Sie Ihr eigenes Dokument oder bitten Sie den Absender, Ihren Namen zu korrigieren."
        }
        (Lang::Ru, NameMismatch) => {
            "Имя в документе не совпадает с указанным отправителем. Используйте свой документ или попросите отправителя исправить имя."
        }
        (Lang::En, DocumentUnreadable) => {
            "The document's data could not be read reliably. Photograph it again, whole and sharp, or use another document."
        }
        (Lang::De, DocumentUnreadable) => {
            "Die Daten des Dokuments waren nicht sicher lesbar. Fotografieren Sie es erneut, vollständig und scharf, oder verwenden Sie ein anderes."
        }
        (Lang::Ru, DocumentUnreadable) => {
            "Данные документа не удалось надёжно прочитать. Сфотографируйте его целиком и чётко или используйте другой документ."
        }
        (Lang::En, DocumentNotAccepted) => {
            "This document cannot be accepted. Please use another one."
        }
        (Lang::De, DocumentNotAccepted) => {
            "Dieses Dokument kann nicht akzeptiert werden. Bitte verwenden Sie ein anderes."
        }
        (Lang::Ru, DocumentNotAccepted) => {
            "Этот документ не может быть принят. Используйте другой."
        }
        (Lang::En, FaceMismatch) => {
            "The selfie did not match the photo on the document. Take the selfies yourself, in good light, without glasses or a hat."
        }
        (Lang::De, FaceMismatch) => {
            "Das Selfie passte nicht zum Foto im Dokument. Machen Sie die Selfies selbst, bei gutem Licht, ohne Brille oder Hut."
        }
        (Lang::Ru, FaceMismatch) => {
            "Селфи не совпало с фотографией в документе. Сделайте селфи сами, при хорошем свете, без очков и головного убора."
        }
        (Lang::En, FaceUnclear) => {
            "Your face could not be seen clearly. Retake the selfies in good light."
        }
        (Lang::De, FaceUnclear) => {
            "Ihr Gesicht war nicht deutlich zu sehen. Nehmen Sie die Selfies bei gutem Licht neu auf."
        }
        (Lang::Ru, FaceUnclear) => {
            "Лицо было видно нечётко. Переснимите селфи при хорошем освещении."
        }
        (Lang::En, PhotoUnclear) => {
            "The document could not be seen whole and sharp. Retake it on a plain surface, without glare."
        }
        (Lang::De, PhotoUnclear) => {
            "Das Dokument war nicht vollständig und scharf zu sehen. Nehmen Sie es auf einer ruhigen Fläche ohne Spiegelungen neu auf."
        }
        (Lang::Ru, PhotoUnclear) => {
            "Документ был виден не целиком или нечётко. Переснимите его на ровной поверхности, без бликов."
        }
        (Lang::En, NotVerified) => {
            "The provider could not verify you with these photos. Try again, or contact the sender."
        }
        (Lang::De, NotVerified) => {
            "Der Dienstleister konnte Sie mit diesen Fotos nicht prüfen. Versuchen Sie es erneut oder wenden Sie sich an den Absender."
        }
        (Lang::Ru, NotVerified) => {
            "Сервису не удалось подтвердить вашу личность по этим фото. Попробуйте снова или свяжитесь с отправителем."
        }
        (Lang::En, OutOfTime) => "The time for the check ran out. Please start again.",
        (Lang::De, OutOfTime) => {
            "Die Zeit für die Prüfung ist abgelaufen. Bitte beginnen Sie erneut."
        }
        (Lang::Ru, OutOfTime) => "Время проверки истекло. Начните заново.",
    }
}

/// "We sent a link to …1234. It works once, for 5 minutes."
pub fn link_sent(lang: Lang, to: &str, minutes: u64) -> String {
    let minutes = minutes_text(lang, minutes);
    match lang {
        Lang::En => format!("We sent a link to {to}. It works once, for {minutes}."),
        Lang::De => {
            format!("Wir haben einen Link an {to} gesendet. Er gilt einmal, {minutes} lang.")
        }
        Lang::Ru => format!("Мы отправили ссылку на {to}. Она действует один раз, {minutes}."),
    }
}

/// "2 of 4 photos received."
pub fn photos_received(lang: Lang, received: usize, of: usize) -> String {
    match lang {
        Lang::En => format!("{received} of {of} photos received."),
        Lang::De => format!("{received} von {of} Fotos empfangen."),
        Lang::Ru => format!("Получено фото: {received} из {of}."),
    }
}

/// "Uploading… 40 %".
pub fn uploading(lang: Lang, percent: u32) -> String {
    match lang {
        Lang::En => format!("Uploading… {percent} %"),
        Lang::De => format!("Wird hochgeladen … {percent} %"),
        Lang::Ru => format!("Загрузка… {percent} %"),
    }
}

/// "Finish within 15 minutes."
pub fn finish_within(lang: Lang, secs: u64) -> String {
    let minutes = minutes_text(lang, secs.div_ceil(60));
    match lang {
        Lang::En => format!("Finish within {minutes}."),
        Lang::De => format!("Schließen Sie innerhalb von {minutes} ab."),
        Lang::Ru => format!("Завершите в течение {minutes}."),
    }
}

/// Whole minutes in words ("5 minutes", "1 Minute", "15 минут"), as the app's waits say them.
fn minutes_text(lang: Lang, n: u64) -> String {
    crate::i18n::duration(lang, n.max(1) * 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minutes_decline_in_russian() {
        assert_eq!(
            finish_within(Lang::Ru, 15 * 60),
            "Завершите в течение 15 минут."
        );
        assert_eq!(
            link_sent(Lang::Ru, "…0123", 1),
            "Мы отправили ссылку на …0123. Она действует один раз, 1 минуту."
        );
        assert_eq!(
            link_sent(Lang::En, "…0123", 5),
            "We sent a link to …0123. It works once, for 5 minutes."
        );
    }
}
