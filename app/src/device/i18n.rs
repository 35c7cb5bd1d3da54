//! The device page's words, in English, German and Russian: a table of its own, so the page
//! carries only these and the main app only its own.

use leptos::prelude::*;
use signgate_core::devices::DeviceLabel;

use crate::i18n::{Lang, messages};

messages! {
    Language { en: "Language", de: "Sprache", ru: "Язык" }
    Opening { en: "Opening…", de: "Wird geöffnet …", ru: "Открываем…" }
    Heading { en: "Your devices", de: "Ihre Geräte", ru: "Ваши устройства" }
    Intro {
        en: "Your verification is active on these devices. Remove any you do not recognise.",
        de: "Ihre Bestätigung gilt auf diesen Geräten. Entfernen Sie jedes, das Sie nicht kennen.",
        ru: "Ваше подтверждение действует на этих устройствах. Удалите те, которых вы не знаете.",
    }
    ThisDevice { en: "this device", de: "dieses Gerät", ru: "это устройство" }
    WithPasskey { en: "with a passkey", de: "mit Passkey", ru: "с ключом доступа" }
    LastUsed { en: "Last used", de: "Zuletzt genutzt", ru: "Последнее использование" }
    Remove { en: "Remove", de: "Entfernen", ru: "Удалить" }
    AddPasskey {
        en: "Add a passkey for this device",
        de: "Passkey für dieses Gerät anlegen",
        ru: "Создать ключ доступа для этого устройства",
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
    NoPasskey {
        en: "No passkey could be used. Verify the way you did before, or continue from your other device.",
        de: "Es konnte kein Passkey genutzt werden. Bestätigen Sie sich wie zuvor oder machen Sie auf Ihrem anderen Gerät weiter.",
        ru: "Ключ доступа использовать не удалось. Подтвердите личность, как раньше, или продолжите на другом устройстве.",
    }
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
