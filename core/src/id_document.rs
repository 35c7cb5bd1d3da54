//! Our own checks on what a verification provider reads from a government ID (issue 11): the
//! machine-readable zone of passports and ID cards (ICAO 9303: TD1, TD2, TD3, with their check
//! digits), the PDF417 barcode of US and Canadian driving licences (AAMVA), the document's expiry
//! against a date the caller passes in, and the name on the document against the recipient's.
//! A provider's "approved" with a broken check digit or an expired document is not a pass.
//!
//! Both formats prove internal consistency only, not that a document is genuine: that is the
//! provider's part (and the reason it is asked).

use crate::calendar::is_real_day;
use crate::validate::{is_same_person, name_words};

/// A date as `(year, month, day)`.
pub type Date = (u32, u32, u32);

/// What a document says about its holder, from either format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DocumentData {
    pub kind: DocumentKind,
    /// ISO 3166-1 alpha-3 (MRZ) or the AAMVA country (`USA`, `CAN`).
    pub issuer: String,
    pub number: String,
    /// Family name(s), as printed (MRZ filler turned into spaces).
    pub surname: String,
    pub given_names: String,
    pub birth: Date,
    pub expiry: Date,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    Passport,
    /// An ID card, residence permit or other TD1/TD2 travel document.
    IdCard,
    DrivingLicence,
}

/// Why what was read is not to be believed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Problem {
    /// Not the lines or the characters of any MRZ format, or not an AAMVA barcode.
    Malformed,
    /// A check digit does not match its field (`field` names it).
    CheckDigit { field: &'static str },
    /// A date that is no date.
    BadDate { field: &'static str },
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Problem::Malformed => f.write_str("not a machine-readable zone or barcode"),
            Problem::CheckDigit { field } => write!(f, "the check digit of {field} is wrong"),
            Problem::BadDate { field } => write!(f, "{field} is not a date"),
        }
    }
}

/// ICAO 9303 check digit of `field`: weights 7, 3, 1 repeating; digits count as themselves,
/// `A`–`Z` as 10–35, the filler `<` as 0; the sum modulo 10. `None` for any other character.
pub fn check_digit(field: &str) -> Option<u32> {
    let mut sum = 0;
    for (i, c) in field.chars().enumerate() {
        let value = match c {
            '0'..='9' => c as u32 - '0' as u32,
            'A'..='Z' => c as u32 - 'A' as u32 + 10,
            '<' => 0,
            _ => return None,
        };
        sum += value * [7, 3, 1][i % 3];
    }
    Some(sum % 10)
}

/// Reads a machine-readable zone: 3 lines of 30 (TD1), 2 of 36 (TD2) or 2 of 44 (TD3), checking
/// every check digit, the composite one included. `today` places two-digit birth years in their
/// century (a birth year is never in the future).
pub fn read_mrz(text: &str, today: Date) -> Result<DocumentData, Problem> {
    let lines: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let valid = |l: &&str| {
        l.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '<')
    };
    if !lines.iter().all(valid) {
        return Err(Problem::Malformed);
    }
    let (top, mut data, names, composite_input, composite) = match lines.as_slice() {
        [a, b, c] if a.len() == 30 && b.len() == 30 && c.len() == 30 => {
            let data = Fields {
                number: (&a[5..14], &a[14..15]),
                birth: (&b[0..6], &b[6..7]),
                expiry: (&b[8..14], &b[14..15]),
            };
            let composite_input = format!("{}{}{}{}", &a[5..30], &b[0..7], &b[8..15], &b[18..29]);
            (*a, data, *c, composite_input, &b[29..30])
        }
        [a, b] if a.len() == b.len() && (a.len() == 36 || a.len() == 44) => {
            let data = Fields {
                number: (&b[0..9], &b[9..10]),
                birth: (&b[13..19], &b[19..20]),
                expiry: (&b[21..27], &b[27..28]),
            };
            let (composite_input, composite) = if a.len() == 44 {
                let input = format!("{}{}{}", &b[0..10], &b[13..20], &b[21..43]);
                // TD3's optional data (personal number) has a check digit of its own.
                check("optional data", &b[28..42], &b[42..43])?;
                (input, &b[43..44])
            } else {
                (
                    format!("{}{}{}", &b[0..10], &b[13..20], &b[21..35]),
                    &b[35..36],
                )
            };
            (*a, data, &a[5..], composite_input, composite)
        }
        _ => return Err(Problem::Malformed),
    };
    check("document number", data.number.0, data.number.1)?;
    check("date of birth", data.birth.0, data.birth.1)?;
    check("date of expiry", data.expiry.0, data.expiry.1)?;
    check("composite", &composite_input, composite)?;
    let kind = if top.starts_with('P') {
        DocumentKind::Passport
    } else {
        DocumentKind::IdCard
    };
    let (surname, given_names) = names.split_once("<<").unwrap_or((names, ""));
    let spaced = |s: &str| {
        s.split('<')
            .filter(|w| !w.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let birth = yymmdd(data.birth.0, "date of birth")?;
    let century = if birth.0 > today.0 % 100 { 1900 } else { 2000 };
    let expiry = yymmdd(data.expiry.0, "date of expiry")?;
    data.number.0 = data.number.0.trim_end_matches('<');
    Ok(DocumentData {
        kind,
        issuer: top[2..5].trim_end_matches('<').to_string(),
        number: data.number.0.to_string(),
        surname: spaced(surname),
        given_names: spaced(given_names),
        birth: (century + birth.0, birth.1, birth.2),
        expiry: (2000 + expiry.0, expiry.1, expiry.2),
    })
}

/// The checked fields' places in the data line, with their check digits.
struct Fields<'a> {
    number: (&'a str, &'a str),
    birth: (&'a str, &'a str),
    expiry: (&'a str, &'a str),
}

fn check(field: &'static str, value: &str, digit: &str) -> Result<(), Problem> {
    let stated = digit.chars().next().and_then(|c| c.to_digit(10));
    // An optional field left blank may carry a filler for its check digit.
    if stated.is_none() && digit == "<" && value.chars().all(|c| c == '<') {
        return Ok(());
    }
    match (check_digit(value), stated) {
        (Some(computed), Some(stated)) if computed == stated => Ok(()),
        _ => Err(Problem::CheckDigit { field }),
    }
}

fn yymmdd(text: &str, field: &'static str) -> Result<Date, Problem> {
    let number = |range: std::ops::Range<usize>| text.get(range)?.parse::<u32>().ok();
    match (number(0..2), number(2..4), number(4..6)) {
        (Some(y), Some(m), Some(d)) if is_real_day(2000 + y, m, d) => Ok((y, m, d)),
        _ => Err(Problem::BadDate { field }),
    }
}

/// Reads the text of an AAMVA PDF417 barcode (US and Canadian driving licences and ID cards):
/// the `@\n\x1e\rANSI ` header, then the data elements, one a line, each a three-letter id and
/// its value. Dates are `MMDDCCYY` in the USA and `CCYYMMDD` in Canada.
pub fn read_aamva(text: &str) -> Result<DocumentData, Problem> {
    let body = text
        .strip_prefix("@\n\u{1e}\rANSI ")
        .or_else(|| text.strip_prefix("@\n\u{1e}\rAAMVA"))
        .ok_or(Problem::Malformed)?;
    let field = |id: &str| -> Option<String> {
        body.split(['\n', '\r'])
            .enumerate()
            // The header's line ends with the subfile designator and the first element
            // (`…DLDAQD1234562`).
            .map(|(i, line)| match (i, line.rfind("DLD")) {
                (0, Some(at)) => &line[at + 2..],
                _ => line,
            })
            .find_map(|line| line.strip_prefix(id))
            .map(|value| value.trim().to_string())
            .filter(|value| !value.is_empty())
    };
    let country = field("DCG").unwrap_or_else(|| "USA".into());
    let date = |id: &'static str| -> Result<Date, Problem> {
        let text = field(id).ok_or(Problem::Malformed)?;
        let part = |r: std::ops::Range<usize>| text.get(r)?.parse::<u32>().ok();
        let (y, m, d) = if country == "CAN" {
            (part(0..4), part(4..6), part(6..8))
        } else {
            (part(4..8), part(0..2), part(2..4))
        };
        match (y, m, d) {
            (Some(y), Some(m), Some(d)) if text.len() == 8 && is_real_day(y, m, d) => Ok((y, m, d)),
            _ => Err(Problem::BadDate { field: id }),
        }
    };
    let given = [field("DAC"), field("DAD")]
        .into_iter()
        .flatten()
        .filter(|name| name != "NONE")
        .collect::<Vec<_>>()
        .join(" ");
    Ok(DocumentData {
        kind: DocumentKind::DrivingLicence,
        issuer: country.clone(),
        number: field("DAQ").ok_or(Problem::Malformed)?,
        surname: field("DCS").ok_or(Problem::Malformed)?,
        given_names: given,
        birth: date("DBB")?,
        expiry: date("DBA")?,
    })
}

impl DocumentData {
    /// Whether the document has expired by `today` (it is valid through its expiry day).
    pub fn expired(&self, today: Date) -> bool {
        today > self.expiry
    }

    /// The name as it goes into the signature field: given names, then the surname.
    pub fn full_name(&self) -> String {
        [self.given_names.as_str(), self.surname.as_str()]
            .into_iter()
            .filter(|part| !part.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Whether the document's name is the recipient's. `Strict`: the same words, in any order
    /// (case and punctuation aside). `Lenient`: the first given name and every word of the
    /// surname are among the recipient's (a middle name may be missing on either side).
    pub fn names(&self, recipient_name: &str, rule: NameRule) -> bool {
        match rule {
            NameRule::Strict => {
                let mut known = name_words(recipient_name);
                let mut document = name_words(&self.full_name());
                document.sort_unstable();
                known.sort_unstable();
                !known.is_empty() && document == known
            }
            NameRule::Lenient => is_same_person(&self.given_names, &self.surname, recipient_name),
        }
    }
}

/// How closely the name on a document must match the recipient's (policy).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[cfg_attr(feature = "schema", derive(schemars::JsonSchema))]
#[serde(rename_all = "snake_case")]
pub enum NameRule {
    Strict,
    #[default]
    Lenient,
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const TODAY: Date = (2026, 11, 30);

    /// ICAO 9303 Part 4's specimen passport (TD3).
    const TD3: &str = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\n\
                       L898902C36UTO7408122F1204159ZE184226B<<<<<10";
    /// Part 5's specimen ID card (TD1).
    const TD1: &str = "I<UTOD231458907<<<<<<<<<<<<<<<\n\
                       7408122F1204159UTO<<<<<<<<<<<6\n\
                       ERIKSSON<<ANNA<MARIA<<<<<<<<<<";
    /// Part 6's specimen (TD2).
    const TD2: &str = "I<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<\n\
                       D231458907UTO7408122F1204159<<<<<<<6";

    #[test]
    fn check_digits_follow_icao_9303() {
        assert_eq!(check_digit("L898902C3"), Some(6));
        assert_eq!(check_digit("740812"), Some(2));
        assert_eq!(check_digit("120415"), Some(9));
        assert_eq!(check_digit("D23145890"), Some(7));
        assert_eq!(check_digit("<<<<"), Some(0));
        assert_eq!(check_digit("l898"), None);
    }

    #[test]
    fn the_specimens_of_all_three_formats_read_alike() {
        for (mrz, kind, number) in [
            (TD3, DocumentKind::Passport, "L898902C3"),
            (TD1, DocumentKind::IdCard, "D23145890"),
            (TD2, DocumentKind::IdCard, "D23145890"),
        ] {
            let data = read_mrz(mrz, TODAY).unwrap_or_else(|e| panic!("{e:?}: {mrz}"));
            assert_eq!(data.kind, kind);
            assert_eq!(data.issuer, "UTO");
            assert_eq!(data.number, number);
            assert_eq!(data.surname, "ERIKSSON");
            assert_eq!(data.given_names, "ANNA MARIA");
            assert_eq!(data.birth, (1974, 8, 12));
            assert_eq!(data.expiry, (2012, 4, 15));
            assert!(data.expired(TODAY), "the specimens expired in 2012");
            assert!(!data.expired((2012, 4, 15)), "valid through the expiry day");
            assert_eq!(data.full_name(), "ANNA MARIA ERIKSSON");
        }
    }

    #[test]
    fn a_changed_character_breaks_a_check_digit() {
        // The birth date altered (1974 → 1975), its check digit left alone.
        let forged = TD3.replace("7408122F", "7508122F");
        assert_eq!(
            read_mrz(&forged, TODAY),
            Err(Problem::CheckDigit {
                field: "date of birth"
            })
        );
        // The expiry pushed out and its own check digit fixed: the composite still catches it.
        let later = TD3.replace(
            "1204159",
            &format!("320415{}", check_digit("320415").unwrap()),
        );
        assert_eq!(
            read_mrz(&later, TODAY),
            Err(Problem::CheckDigit { field: "composite" })
        );
        assert_eq!(read_mrz("P<UTO", TODAY), Err(Problem::Malformed));
        assert_eq!(
            read_mrz(&TD3.to_lowercase(), TODAY),
            Err(Problem::Malformed)
        );
    }

    const LICENCE: &str = "@\n\u{1e}\rANSI 636014080002DL00410278ZC03190008DLDAQD1234562\n\
        DCSLOVELACE\nDACADA\nDADKING\nDBD08242015\nDBB12101985\nDBA12102030\nDBC2\nDCGUSA\n\
        DAJCA\n\rZCZCAY\n";

    #[test]
    fn a_us_licence_barcode_reads_with_its_month_first_dates() {
        let data = read_aamva(LICENCE).unwrap();
        assert_eq!(data.kind, DocumentKind::DrivingLicence);
        assert_eq!(data.number, "D1234562");
        assert_eq!(data.surname, "LOVELACE");
        assert_eq!(data.given_names, "ADA KING");
        assert_eq!(data.birth, (1985, 12, 10));
        assert_eq!(data.expiry, (2030, 12, 10));
        assert!(!data.expired(TODAY));
        let canadian = LICENCE
            .replace("DCGUSA", "DCGCAN")
            .replace("DBB12101985", "DBB19851210")
            .replace("DBA12102030", "DBA20301210");
        assert_eq!(read_aamva(&canadian).unwrap().birth, (1985, 12, 10));
        assert_eq!(read_aamva("not a barcode"), Err(Problem::Malformed));
        assert_eq!(
            read_aamva(&LICENCE.replace("DBB12101985", "DBB13401985")),
            Err(Problem::BadDate { field: "DBB" })
        );
    }

    #[test]
    fn the_name_on_the_document_against_the_recipients() {
        let data = read_aamva(LICENCE).unwrap();
        assert!(data.names("Ada King Lovelace", NameRule::Strict));
        assert!(data.names("Lovelace, Ada King", NameRule::Strict));
        assert!(!data.names("Ada Lovelace", NameRule::Strict));
        assert!(data.names("Ada Lovelace", NameRule::Lenient));
        assert!(!data.names("Bob Lovelace", NameRule::Lenient));
        assert!(!data.names("", NameRule::Strict));
    }

    proptest! {
        /// Any digit of a checked field changed to another digit is caught: 7, 3 and 1 are
        /// prime to 10. (A letter for a digit ten apart, `0` for `A`, is not: the format proves
        /// consistency against slips, not against forgers, which is the provider's part.)
        #[test]
        fn every_single_digit_change_in_a_checked_field_is_caught(
            position in prop_oneof![0usize..9, 13usize..19, 21usize..27],
            replacement in "[0-9]",
        ) {
            let lines: Vec<&str> = TD3.lines().map(str::trim).collect();
            let mut data: Vec<char> = lines[1].chars().collect();
            let new = replacement.chars().next().unwrap();
            prop_assume!(data[position].is_ascii_digit() && data[position] != new);
            data[position] = new;
            let forged = format!("{}\n{}", lines[0], data.into_iter().collect::<String>());
            prop_assert!(read_mrz(&forged, (2011, 1, 1)).is_err());
        }
    }
}
