//! The device page's words, in English, German and Russian: a table of its own, so the page
//! carries only these and the main app only its own.

use signgate_core::devices::DeviceLabel;

use crate::i18n::{Lang, messages};

messages! {
    Language { en: "Language", de: "Sprache", ru: "Язык" }
    PreviewLabel { en: "Preview", de: "Vorschau", ru: "Предпросмотр" }
    PreviewBanner {
        en: "Preview: nothing is sent, nothing is changed.",
        de: "Vorschau: Es wird nichts gesendet und nichts geändert.",
        ru: "Предпросмотр: ничего не отправляется и не меняется.",
    }
    PreviewUnchanged {
        en: "In a preview nothing is changed: your signer's device would be removed here.",
        de: "In der Vorschau wird nichts geändert: Das Gerät Ihres Unterzeichners würde hier entfernt.",
        ru: "В предпросмотре ничего не меняется: здесь устройство подписанта было бы удалено.",
    }
    PreviewNoPasskey {
        en: "In a preview no passkey is made: your signer would make one here.",
        de: "In der Vorschau wird kein Passkey angelegt: Ihr Unterzeichner würde hier einen anlegen.",
        ru: "В предпросмотре ключ доступа не создаётся: здесь подписант создал бы его.",
    }
    Opening { en: "Opening…", de: "Wird geöffnet …", ru: "Открываем…" }
    Heading { en: "Your devices", de: "Ihre Geräte", ru: "Ваши устройства" }
    Intro {
        en: "Your verification is active on these devices. Remove any you do not recognise.",
        de: "Ihre Bestätigung gilt auf diesen Geräten. Entfernen Sie jedes, das Sie nicht kennen.",
        ru: "Ваше подтверждение действует на этих устройствах. Удалите те, которых вы не знаете.",
    }
    NewDevices {
        en: "New on your verification: the devices marked new. Were they you?",
        de: "Neu in Ihrer Bestätigung: die als neu markierten Geräte. Waren Sie das?",
        ru: "Новое в вашем подтверждении: устройства с пометкой «новое». Это были вы?",
    }
    WasMe { en: "Yes, they are mine", de: "Ja, die gehören mir", ru: "Да, это мои" }
    NotMe { en: "This was not me", de: "Das war ich nicht", ru: "Это был не я" }
    Disowned {
        en: "That device was removed, and your sender was told. Ask them for a new signing link if someone else may have yours.",
        de: "Das Gerät wurde entfernt und Ihr Absender informiert. Bitten Sie ihn um einen neuen Signaturlink, falls jemand anderes Ihren haben könnte.",
        ru: "Устройство удалено, отправитель уведомлён. Попросите у него новую ссылку, если вашей мог воспользоваться кто-то другой.",
    }
    New { en: "new", de: "neu", ru: "новое" }
    ThisDevice { en: "this device", de: "dieses Gerät", ru: "это устройство" }
    WithPasskey { en: "with a passkey", de: "mit Passkey", ru: "с ключом доступа" }
    LastUsed { en: "Last used", de: "Zuletzt genutzt", ru: "Последнее использование" }
    Remove { en: "Remove", de: "Entfernen", ru: "Удалить" }
    AddPasskey {
        en: "Add a passkey for this device",
        de: "Passkey für dieses Gerät anlegen",
        ru: "Создать ключ доступа для этого устройства",
    }
    PasskeyFirst {
        en: "You are verified. Your sender asks for a passkey on this device before you see the document.",
        de: "Sie sind bestätigt. Ihr Absender verlangt einen Passkey auf diesem Gerät, bevor Sie das Dokument sehen.",
        ru: "Вы подтверждены. Отправитель просит создать ключ доступа на этом устройстве, прежде чем вы увидите документ.",
    }
    PasskeyAdded {
        en: "Passkey added: next time, this device verifies with it alone.",
        de: "Passkey angelegt: Beim nächsten Mal bestätigt sich dieses Gerät allein damit.",
        ru: "Ключ доступа создан: в следующий раз этого устройства хватит для подтверждения.",
    }
    NothingMade {
        en: "Nothing was changed. You can try again.",
        de: "Es wurde nichts geändert. Sie können es erneut versuchen.",
        ru: "Ничего не изменилось. Можно попробовать ещё раз.",
    }
    AnotherDevice {
        en: "Continue on another device",
        de: "Auf einem anderen Gerät weitermachen",
        ru: "Продолжить на другом устройстве",
    }
    OfferIntro {
        en: "Open this link on your other device, or scan the code with its camera. It works once, for 5 minutes.",
        de: "Öffnen Sie diesen Link auf Ihrem anderen Gerät oder scannen Sie den Code mit dessen Kamera. Er gilt einmal, 5 Minuten lang.",
        ru: "Откройте эту ссылку на другом устройстве или отсканируйте код его камерой. Она действует один раз, 5 минут.",
    }
    QrLabel {
        en: "QR code of the link for your other device",
        de: "QR-Code des Links für Ihr anderes Gerät",
        ru: "QR-код ссылки для другого устройства",
    }
    WaitingForOther {
        en: "Waiting for your other device…",
        de: "Warten auf Ihr anderes Gerät …",
        ru: "Ждём другое устройство…",
    }
    TypeItsCode {
        en: "Type the code your other device shows:",
        de: "Geben Sie den Code ein, den Ihr anderes Gerät zeigt:",
        ru: "Введите код, который показывает другое устройство:",
    }
    CodeLabel { en: "Code", de: "Code", ru: "Код" }
    Confirm { en: "Confirm", de: "Bestätigen", ru: "Подтвердить" }
    WrongCode {
        en: "That code is not right. Check it on your other device.",
        de: "Dieser Code stimmt nicht. Prüfen Sie ihn auf Ihrem anderen Gerät.",
        ru: "Код неверный. Сверьте его с другим устройством.",
    }
    Paired {
        en: "Done: your other device can continue now.",
        de: "Fertig: Ihr anderes Gerät kann jetzt weitermachen.",
        ru: "Готово: другое устройство может продолжать.",
    }
    ClaimHeading {
        en: "Continue on this device",
        de: "Auf diesem Gerät weitermachen",
        ru: "Продолжить на этом устройстве",
    }
    ShowCode {
        en: "Type this code on your other device:",
        de: "Geben Sie diesen Code auf Ihrem anderen Gerät ein:",
        ru: "Введите этот код на другом устройстве:",
    }
    WaitingConfirm {
        en: "Waiting for your other device to confirm…",
        de: "Warten auf die Bestätigung Ihres anderen Geräts …",
        ru: "Ждём подтверждения с другого устройства…",
    }
    SignInHeading { en: "Verify this device", de: "Dieses Gerät bestätigen", ru: "Подтвердите это устройство" }
    SignInIntro {
        en: "This device is not verified for this link yet. If you made a passkey for it, use it here.",
        de: "Dieses Gerät ist für diesen Link noch nicht bestätigt. Wenn Sie dafür einen Passkey angelegt haben, nutzen Sie ihn hier.",
        ru: "Это устройство ещё не подтверждено для этой ссылки. Если вы создали для неё ключ доступа, используйте его.",
    }
    UsePasskey { en: "Use my passkey", de: "Meinen Passkey nutzen", ru: "Использовать ключ доступа" }
    MethodHeading {
        en: "Sign in with your passkey",
        de: "Mit Ihrem Passkey anmelden",
        ru: "Войдите с ключом доступа",
    }
    MethodIntro {
        en: "Your sender asks you to confirm it is you with the passkey you made when you signed for them before. Your device will ask for your fingerprint, face or PIN.",
        de: "Ihr Absender bittet Sie, sich mit dem Passkey zu bestätigen, den Sie bei einer früheren Signatur für ihn angelegt haben. Ihr Gerät fragt nach Fingerabdruck, Gesicht oder PIN.",
        ru: "Отправитель просит подтвердить, что это вы, ключом доступа, созданным при прошлом подписании для него. Устройство запросит отпечаток пальца, лицо или PIN-код.",
    }
    MethodFailed {
        en: "That did not work. Use the passkey you made for this sender, on the device or in the password manager that holds it.",
        de: "Das hat nicht geklappt. Nutzen Sie den Passkey, den Sie für diesen Absender angelegt haben, auf dem Gerät oder im Passwortmanager, der ihn enthält.",
        ru: "Не получилось. Используйте ключ доступа, созданный для этого отправителя, на устройстве или в менеджере паролей, где он хранится.",
    }
    NoPasskeyLeft {
        en: "You hold no passkey for this sender any more. Ask them for another way to verify.",
        de: "Sie haben keinen Passkey mehr für diesen Absender. Bitten Sie ihn um eine andere Art der Bestätigung.",
        ru: "У вас больше нет ключа доступа для этого отправителя. Попросите его о другом способе подтверждения.",
    }
    NoPasskeySupport {
        en: "This browser cannot use passkeys. Open your signing link in one that can (a current Chrome, Safari, Edge or Firefox), or ask your sender for another way to verify.",
        de: "Dieser Browser kann keine Passkeys nutzen. Öffnen Sie Ihren Signaturlink in einem, der es kann (aktuelles Chrome, Safari, Edge oder Firefox), oder bitten Sie Ihren Absender um eine andere Art der Bestätigung.",
        ru: "Этот браузер не поддерживает ключи доступа. Откройте ссылку в браузере с их поддержкой (свежий Chrome, Safari, Edge или Firefox) или попросите отправителя о другом способе подтверждения.",
    }
    PreviewSignedIn {
        en: "In a preview no passkey is asked for: your signer's passkey is checked here, and they go on to the document. Their devices would then look like this.",
        de: "In der Vorschau wird kein Passkey abgefragt: Hier wird der Passkey Ihres Unterzeichners geprüft, danach geht er weiter zum Dokument. Seine Geräte sähen dann so aus.",
        ru: "В предпросмотре ключ доступа не запрашивается: здесь проверяется ключ подписанта, и он переходит к документу. Его устройства выглядели бы так.",
    }
    NoPasskey {
        en: "No passkey could be used. Verify the way you did before, or continue from your other device.",
        de: "Es konnte kein Passkey genutzt werden. Bestätigen Sie sich wie zuvor oder machen Sie auf Ihrem anderen Gerät weiter.",
        ru: "Ключ доступа использовать не удалось. Подтвердите личность, как раньше, или продолжите на другом устройстве.",
    }
    LostDevices {
        en: "Lost your devices? Use your recovery code",
        de: "Geräte verloren? Nutzen Sie Ihren Wiederherstellungscode",
        ru: "Потеряли устройства? Используйте код восстановления",
    }
    RecoverHeading { en: "Recover your verification", de: "Bestätigung wiederherstellen", ru: "Восстановление подтверждения" }
    RecoverIntro {
        en: "Type the recovery code you were shown when you first verified. We then send a code to your e-mail address.",
        de: "Geben Sie den Wiederherstellungscode ein, den Sie bei Ihrer ersten Bestätigung erhalten haben. Danach senden wir einen Code an Ihre E-Mail-Adresse.",
        ru: "Введите код восстановления, показанный при первом подтверждении. Затем мы отправим код на вашу электронную почту.",
    }
    RecoveryCodeLabel { en: "Recovery code", de: "Wiederherstellungscode", ru: "Код восстановления" }
    EmailCodeSent { en: "We sent a code to", de: "Wir haben einen Code gesendet an", ru: "Мы отправили код на" }
    EmailCodeLabel { en: "Code from the e-mail", de: "Code aus der E-Mail", ru: "Код из письма" }
    RecoveryWrong {
        en: "That code is not right. Check it and try again.",
        de: "Dieser Code stimmt nicht. Prüfen Sie ihn und versuchen Sie es erneut.",
        ru: "Код неверный. Проверьте его и попробуйте ещё раз.",
    }
    RecoveryMalformed {
        en: "That is not a whole code: check what you typed.",
        de: "Das ist kein vollständiger Code: Prüfen Sie Ihre Eingabe.",
        ru: "Это не полный код: проверьте, что вы ввели.",
    }
    RecoveryClosed {
        en: "Recovery is not possible for this link (any more). Ask the sender for a new link.",
        de: "Eine Wiederherstellung ist für diesen Link nicht (mehr) möglich. Bitten Sie den Absender um einen neuen Link.",
        ru: "Восстановление для этой ссылки невозможно (больше). Попросите у отправителя новую ссылку.",
    }
    RecoveryAgain {
        en: "That did not work. Please start again with your recovery code.",
        de: "Das hat nicht geklappt. Bitte beginnen Sie erneut mit Ihrem Wiederherstellungscode.",
        ru: "Не получилось. Начните заново с кода восстановления.",
    }
    Recovered {
        en: "Done: this device is verified now.",
        de: "Fertig: Dieses Gerät ist jetzt bestätigt.",
        ru: "Готово: это устройство подтверждено.",
    }
    NewRecoveryCode {
        en: "Your new recovery code (the old one is used up). Keep it safe; it is shown only now:",
        de: "Ihr neuer Wiederherstellungscode (der alte ist verbraucht). Bewahren Sie ihn sicher auf; er wird nur jetzt angezeigt:",
        ru: "Ваш новый код восстановления (старый использован). Сохраните его: он показан только сейчас:",
    }
    ToDocument { en: "Continue to the document", de: "Weiter zum Dokument", ru: "Перейти к документу" }
    ToSigning { en: "Go to the signing page", de: "Zur Signaturseite", ru: "К странице подписания" }
    InvalidLink {
        en: "This link does not work (any more). Ask your other device for a new one.",
        de: "Dieser Link funktioniert nicht (mehr). Lassen Sie Ihr anderes Gerät einen neuen zeigen.",
        ru: "Эта ссылка не работает (больше). Получите новую на другом устройстве.",
    }
    Unreachable {
        en: "signgate could not be reached. Check your connection and try again.",
        de: "signgate ist nicht erreichbar. Prüfen Sie Ihre Verbindung und versuchen Sie es erneut.",
        ru: "Не удаётся связаться с signgate. Проверьте подключение и попробуйте ещё раз.",
    }
    TryAgain { en: "Try again", de: "Erneut versuchen", ru: "Попробовать ещё раз" }
}

/// "Chrome on Android (Berlin, DE)".
pub fn device_name(lang: Lang, browser: &str, platform: &str, place: Option<&str>) -> String {
    let on = match lang {
        Lang::En => "on",
        Lang::De => "auf",
        Lang::Ru => "на",
    };
    let place = place.map(|p| format!(" ({p})")).unwrap_or_default();
    format!("{browser} {on} {platform}{place}")
}

/// The browser that claimed a pairing.
pub fn label_name(lang: Lang, label: &DeviceLabel) -> String {
    device_name(
        lang,
        &label.browser,
        &label.platform,
        label.place.as_deref(),
    )
}
