//! Phone numbers: what senders type, normalised to E.164 (`+491701234567`), and the only part of
//! a number that ever leaves the worker: its last four digits.

/// E.164 allows at most 15 digits after the `+`.
const MAX_DIGITS: usize = 15;
/// The shortest numbers in use (country code and subscriber number together).
const MIN_DIGITS: usize = 8;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PhoneProblem {
    Empty,
    /// Something other than digits, spaces, `+ - . / ( )`.
    BadCharacter,
    TooShort,
    TooLong,
    /// A national number and no usable default country code.
    NoCountryCode,
}

impl std::fmt::Display for PhoneProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let text = match self {
            Self::Empty => "the phone number is empty",
            Self::BadCharacter => "a phone number has only digits, spaces and + - . / ( )",
            Self::TooShort => "the phone number is too short",
            Self::TooLong => "a phone number has at most 15 digits (E.164)",
            Self::NoCountryCode => "the phone number needs a country code such as +49",
        };
        f.write_str(text)
    }
}

/// A country calling code as policies write it: 1 to 3 digits, not starting with 0.
pub fn valid_country_code(code: &str) -> bool {
    (1..=3).contains(&code.len())
        && code.bytes().all(|b| b.is_ascii_digit())
        && !code.starts_with('0')
}

/// `input` in E.164. Numbers with `+` or `00` are international; others are national numbers of
/// `default_country_code`, whose trunk prefix (`0`, or `8` in Russia and Kazakhstan, `1` in the
/// North American plan) is dropped.
pub fn normalize(input: &str, default_country_code: &str) -> Result<String, PhoneProblem> {
    let trimmed = input.trim();
    if trimmed.is_empty() {
        return Err(PhoneProblem::Empty);
    }
    let (international, rest) = match trimmed.strip_prefix('+') {
        Some(rest) => (true, rest),
        None => (false, trimmed),
    };
    let mut digits = String::with_capacity(rest.len());
    for c in rest.chars() {
        match c {
            '0'..='9' => digits.push(c),
            ' ' | '-' | '.' | '/' | '(' | ')' => {}
            _ => return Err(PhoneProblem::BadCharacter),
        }
    }
    if digits.len() > 2 * MAX_DIGITS {
        return Err(PhoneProblem::TooLong);
    }
    let full = if international {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.to_string()
    } else {
        if !valid_country_code(default_country_code) {
            return Err(PhoneProblem::NoCountryCode);
        }
        let national = match default_country_code {
            "1" if digits.len() == 11 => digits.strip_prefix('1').unwrap_or(&digits),
            "7" if digits.len() == 11 => digits.strip_prefix('8').unwrap_or(&digits),
            _ => digits.strip_prefix('0').unwrap_or(&digits),
        };
        format!("{default_country_code}{national}")
    };
    if full.starts_with('0') {
        return Err(PhoneProblem::NoCountryCode);
    }
    if full.len() < MIN_DIGITS {
        return Err(PhoneProblem::TooShort);
    }
    if full.len() > MAX_DIGITS {
        return Err(PhoneProblem::TooLong);
    }
    Ok(format!("+{full}"))
}

/// The last four digits of a normalised number: all a screen, an answer or the audit may show.
pub fn last4(e164: &str) -> String {
    let digits: Vec<char> = e164.chars().filter(char::is_ascii_digit).collect();
    digits[digits.len().saturating_sub(4)..].iter().collect()
}

/// A number as the audit shows it: `…4567`.
pub fn masked(e164: &str) -> String {
    format!("…{}", last4(e164))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn national_and_international_forms_become_e164() {
        assert_eq!(
            normalize("+49 170 1234567", "1").as_deref(),
            Ok("+491701234567")
        );
        assert_eq!(
            normalize("0049 (170) 123-4567", "1").as_deref(),
            Ok("+491701234567")
        );
        assert_eq!(
            normalize("0170 1234567", "49").as_deref(),
            Ok("+491701234567")
        );
        assert_eq!(
            normalize("(555) 123-4567", "1").as_deref(),
            Ok("+15551234567")
        );
        assert_eq!(
            normalize("1 555 123 4567", "1").as_deref(),
            Ok("+15551234567")
        );
        assert_eq!(
            normalize("8 916 123-45-67", "7").as_deref(),
            Ok("+79161234567")
        );
        assert_eq!(
            normalize("+7 916 123 45 67", "49").as_deref(),
            Ok("+79161234567")
        );
    }

    #[test]
    fn what_cannot_be_a_number_is_refused() {
        assert_eq!(normalize("  ", "49"), Err(PhoneProblem::Empty));
        assert_eq!(
            normalize("+49 170 CALLME", "49"),
            Err(PhoneProblem::BadCharacter)
        );
        assert_eq!(
            normalize("+49 170;rm", "49"),
            Err(PhoneProblem::BadCharacter)
        );
        assert_eq!(normalize("+49 1", "49"), Err(PhoneProblem::TooShort));
        assert_eq!(
            normalize("+49 1701 2345 6789 01", "49"),
            Err(PhoneProblem::TooLong)
        );
        assert_eq!(
            normalize("0170 1234567", "049"),
            Err(PhoneProblem::NoCountryCode)
        );
        assert_eq!(
            normalize("+0170 1234567", "49"),
            Err(PhoneProblem::NoCountryCode)
        );
        assert_eq!(
            normalize(&"1".repeat(10_000), "49"),
            Err(PhoneProblem::TooLong)
        );
    }

    #[test]
    fn only_the_last_four_digits_show() {
        assert_eq!(last4("+491701234567"), "4567");
        assert_eq!(masked("+491701234567"), "…4567");
        assert!(valid_country_code("49") && valid_country_code("1"));
        assert!(!valid_country_code("") && !valid_country_code("0") && !valid_country_code("1234"));
    }
}
