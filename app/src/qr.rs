//! A link (the ID hand-off's, a pairing's) as a QR code, drawn here: no outside service ever
//! sees the link.

use leptos::prelude::*;
use qrcodegen::{QrCode, QrCodeEcc};

/// The width of the quiet zone around the code, in modules (the standard's four).
const QUIET: i32 = 4;

/// CSS pixels per module on screen: about 200 px for a hand-off link, inside a 360 px phone.
pub const MODULE_PX: i32 = 4;

/// An SVG path of the dark modules of `text`'s QR code, and the side of its view box.
pub fn path(text: &str) -> Option<(String, i32)> {
    let code = QrCode::encode_text(text, QrCodeEcc::Medium).ok()?;
    let size = code.size();
    let mut path = String::new();
    for y in 0..size {
        for x in 0..size {
            if code.get_module(x, y) {
                path.push_str(&format!("M{},{}h1v1h-1z", x + QUIET, y + QUIET));
            }
        }
    }
    Some((path, size + 2 * QUIET))
}

/// `link` as an SVG QR code named `label` for screen readers, whole pixels per module: a camera
/// reads even modules more surely than a fixed width's blend of 3- and 4-pixel ones.
pub fn svg<L: Fn() -> &'static str + Send + Sync + 'static>(
    link: &str,
    label: L,
    test_id: &'static str,
) -> Option<impl IntoView + use<L>> {
    let (path, side) = path(link)?;
    let px = side * MODULE_PX;
    Some(view! {
        <svg
            class="qr"
            role="img"
            aria-label=label
            viewBox=format!("0 0 {side} {side}")
            width=px
            height=px
            data-testid=test_id
            data-link=link.to_owned()
        >
            <rect width="100%" height="100%" fill="#fff"></rect>
            <path d=path fill="#000"></path>
        </svg>
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_becomes_a_square_of_modules_with_its_quiet_zone() {
        let link = format!("https://sign.example/id/#{}", "A".repeat(86));
        let (path, side) = path(&link).unwrap();
        // 100-odd characters at level M: version 6 or 7 (41 or 45 modules) plus 8.
        assert!((49..=53).contains(&side), "{side}");
        assert!(
            path.starts_with("M4,4h1v1h-1z"),
            "the finder pattern's corner"
        );
    }
}
