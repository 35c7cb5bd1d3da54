//! Checks on what the platform sends us: each returns a message a developer can act on.

pub const MAX_NAME_LEN: usize = 200;

/// The words of a person's name, lower-cased, punctuation dropped: how names are compared.
pub fn name_words(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether a person named `given` `surname` (on a document, or typed) is the one named `known`
/// (the recipient, as the sender gave them): the first given name and every word of the surname
/// are words of it. A middle name may be missing on either side; another person's may not appear.
pub fn is_same_person(given: &str, surname: &str, known: &str) -> bool {
    let known = name_words(known);
    let (given, surname) = (name_words(given), name_words(surname));
    given.first().is_some_and(|first| known.contains(first))
        && !surname.is_empty()
        && surname.iter().all(|w| known.contains(w))
}
pub const MAX_TITLE_LEN: usize = 300;
pub const MAX_EMAIL_LEN: usize = 254;
pub const MAX_URL_LEN: usize = 2048;

/// A plausible e-mail address: one `@`, something on both sides, a dot in the domain, no spaces
/// or control characters. Deliverability is the platform's business.
pub fn email(value: &str) -> Result<(), String> {
    let bad = || Err(format!("{value:?} is not an e-mail address"));
    if value.len() > MAX_EMAIL_LEN || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return bad();
    }
    match value.split_once('@') {
        Some((local, domain))
            if !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.') =>
        {
            Ok(())
        }
        _ => bad(),
    }
}

/// The domain of an address, lower-cased, for matching internal recipients.
pub fn email_domain(value: &str) -> Option<String> {
    value
        .rsplit_once('@')
        .map(|(_, domain)| domain.to_ascii_lowercase())
}

/// Non-empty, bounded, printable text.
pub fn text(field: &str, value: &str, max: usize) -> Result<(), String> {
    if value.trim().is_empty() {
        return Err(format!("{field} must not be empty"));
    }
    if value.chars().count() > max {
        return Err(format!("{field} must have at most {max} characters"));
    }
    if value.chars().any(char::is_control) {
        return Err(format!("{field} must not contain control characters"));
    }
    Ok(())
}

/// An `https` URL; plain `http` only to a loopback host and only when `allow_loopback_http`
/// (local development and tests).
pub fn url(field: &str, value: &str, allow_loopback_http: bool) -> Result<(), String> {
    if value.len() > MAX_URL_LEN || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(format!("{field} is not a valid URL"));
    }
    // No user:password@ part: it would let `http://127.0.0.1:1@elsewhere/` pass as loopback.
    let authority = value
        .split_once("://")
        .map_or("", |(_, rest)| rest)
        .split(['/', '?', '#'])
        .next()
        .unwrap_or("");
    if authority.contains('@') {
        return Err(format!("{field} must not contain a user name or password"));
    }
    if let Some(rest) = value.strip_prefix("https://") {
        return if rest.is_empty() || rest.starts_with('/') {
            Err(format!("{field} has no host"))
        } else {
            Ok(())
        };
    }
    if let Some(rest) = value.strip_prefix("http://") {
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
        let loopback = matches!(host, "localhost" | "127.0.0.1" | "[::1]");
        if allow_loopback_http && loopback {
            return Ok(());
        }
    }
    Err(format!("{field} must be an https:// URL"))
}

/// `http(s)://…`: the only addresses signgate ever makes a link or a redirect of, so a
/// `javascript:` URL from a sender or a provider never becomes one.
pub fn is_web_address(url: &str) -> bool {
    url.split_once("://").is_some_and(|(scheme, _)| {
        scheme.eq_ignore_ascii_case("https") || scheme.eq_ignore_ascii_case("http")
    })
}

/// A person's name and address, each problem named under `field` (`sender.name`,
/// `recipients[2].email`).
pub fn person(field: &str, name: &str, email_address: &str) -> Vec<String> {
    let name = text(&format!("{field}.name"), name, MAX_NAME_LEN).err();
    let address = email(email_address)
        .err()
        .map(|e| format!("{field}.email: {e}"));
    name.into_iter().chain(address).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_persons_problems_are_named_under_their_field() {
        assert!(person("sender", "Sam", "sam@acme.example").is_empty());
        assert_eq!(
            person("recipients[2]", " ", "not an address"),
            [
                "recipients[2].name must not be empty",
                "recipients[2].email: \"not an address\" is not an e-mail address"
            ]
        );
    }

    #[test]
    fn emails() {
        assert!(email("ada@example.com").is_ok());
        for bad in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "ada@example",
            "a da@example.com",
            "a@b@c.de",
            "ada@.com",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert_eq!(
            email_domain("Ada@Example.COM").as_deref(),
            Some("example.com")
        );
    }

    #[test]
    fn urls_are_https_except_loopback_in_dev() {
        assert!(url("u", "https://platform.example/hooks", false).is_ok());
        assert!(url("u", "http://platform.example/hooks", true).is_err());
        assert!(url("u", "http://127.0.0.1:9000/hook", true).is_ok());
        assert!(url("u", "http://127.0.0.1:9000/hook", false).is_err());
        assert!(url("u", "javascript:alert(1)", true).is_err());
        assert!(url("u", "https://", true).is_err());
        assert!(url("u", "http://127.0.0.1:1@evil.example/", true).is_err());
        assert!(url("u", "https://user:pw@platform.example/", true).is_err());
    }

    #[test]
    fn texts() {
        assert!(text("name", "Ada Lovelace", 200).is_ok());
        assert!(text("name", "  ", 200).is_err());
        assert!(text("name", "a\u{0}b", 200).is_err());
        assert!(text("name", &"x".repeat(201), 200).is_err());
    }
}
