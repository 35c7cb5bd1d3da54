//! IDology ExpectID IQ's answers, read (the API is described in `tests/support/idology-api.md`).
//! The provider's XML is untrusted input: a small reader that knows elements, text, the five
//! predefined entities, comments and the declaration, and nothing else (no DTDs, so no entity
//! expansion), with a cap on size and depth. What it reads becomes [`Answer`]; which answers
//! were wrong never does, only how many.

/// The largest answer read (a question set is a few KB).
const MAX_BYTES: usize = 64 * 1024;
const MAX_DEPTH: usize = 8;

/// One XML element: its name, its text (concatenated, entities decoded) and its children.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct Element {
    name: String,
    text: String,
    children: Vec<Element>,
}

impl Element {
    fn child(&self, name: &str) -> Option<&Element> {
        self.children.iter().find(|c| c.name == name)
    }

    fn children<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> {
        self.children.iter().filter(move |c| c.name == name)
    }

    /// `<name><key>…</key></name>`'s key.
    fn key_of(&self, name: &str) -> Option<&str> {
        Some(self.child(name)?.child("key")?.text.trim())
    }
}

/// A question as the provider asked it: the signer sees `prompt` and picks one of `choices`; the
/// answer goes back as `kind` and the choice's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Question {
    pub prompt: String,
    pub kind: String,
    pub choices: Vec<String>,
}

/// What one call to the provider answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// Found, with questions to ask (the first round, or the challenge round).
    Questions {
        id_number: String,
        questions: Vec<Question>,
    },
    /// The signer cannot be asked: not found in the records, or outside the provider's
    /// coverage. The method is not available for them.
    NotEligible { id_number: Option<String> },
    /// Answers were scored: this many were wrong.
    Scored { wrong: usize },
    /// The provider's time for answering ran out.
    TimedOut,
    /// The provider refused the request itself (credentials, a missing field): our fault or its.
    Refused { reason: String },
}

/// Why the provider's answer could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Unreadable {
    TooLarge,
    Malformed,
    /// Well-formed, but none of the shapes the API answers.
    Unexpected,
}

/// Reads a response of any of the four calls.
pub fn read(xml: &str) -> Result<Answer, Unreadable> {
    if xml.len() > MAX_BYTES {
        return Err(Unreadable::TooLarge);
    }
    let root = Parser::new(xml).document()?;
    if root.name != "response" {
        return Err(Unreadable::Unexpected);
    }
    if let Some(error) = root.child("error").or_else(|| root.child("failed")) {
        return Ok(Answer::Refused {
            reason: error.text.trim().chars().take(200).collect(),
        });
    }
    let id_number = root.child("id-number").map(|e| e.text.trim().to_string());
    // Scored answers: the challenge round's result wins over the repeated first one.
    if let Some(key) = root.key_of("idliveq-challenge-result") {
        return scored(key, "result.challenge.");
    }
    // With questions beside it, it is the challenge round's repeat of the first result.
    if let Some(key) = root.key_of("idliveq-result")
        && root.child("questions").is_none()
    {
        return scored(key, "result.questions.");
    }
    if let Some(questions) = root.child("questions") {
        let questions: Vec<Question> = questions
            .children("question")
            .map(|q| Question {
                prompt: text_of(q, "prompt"),
                kind: text_of(q, "type"),
                choices: q
                    .children("answer")
                    .map(|a| a.text.trim().to_string())
                    .collect(),
            })
            .collect();
        let usable = !questions.is_empty()
            && questions.iter().all(|q| {
                !q.prompt.is_empty() && !q.kind.is_empty() && (2..=10).contains(&q.choices.len())
            });
        return match (usable, id_number) {
            (true, Some(id_number)) if !id_number.is_empty() => Ok(Answer::Questions {
                id_number,
                questions,
            }),
            _ => Err(Unreadable::Unexpected),
        };
    }
    let not_eligible = root.key_of("idliveq-error").is_some()
        || root
            .child("eligible-for-questions")
            .is_some_and(|e| e.text.trim() == "false")
        || root.key_of("results") == Some("result.no.match");
    if not_eligible {
        return Ok(Answer::NotEligible { id_number });
    }
    Err(Unreadable::Unexpected)
}

fn scored(key: &str, prefix: &str) -> Result<Answer, Unreadable> {
    if key == "result.timeout" {
        return Ok(Answer::TimedOut);
    }
    let wrong = key
        .strip_prefix(prefix)
        .and_then(|rest| rest.strip_suffix(".incorrect"))
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|&n| n <= 10);
    match (wrong, key) {
        (Some(wrong), _) => Ok(Answer::Scored { wrong }),
        // Answers missing: as wrong as can be (the rules fail the try).
        (None, "result.incomplete") => Ok(Answer::Scored { wrong: usize::MAX }),
        _ => Err(Unreadable::Unexpected),
    }
}

fn text_of(element: &Element, name: &str) -> String {
    element
        .child(name)
        .map(|e| e.text.trim().to_string())
        .unwrap_or_default()
}

struct Parser<'a> {
    rest: &'a str,
}

impl<'a> Parser<'a> {
    fn new(xml: &'a str) -> Self {
        Self { rest: xml }
    }

    /// The one root element, after an optional declaration and comments.
    fn document(mut self) -> Result<Element, Unreadable> {
        self.skip_misc()?;
        let root = self.element(0)?;
        self.skip_misc()?;
        if self.rest.is_empty() {
            Ok(root)
        } else {
            Err(Unreadable::Malformed)
        }
    }

    fn skip_misc(&mut self) -> Result<(), Unreadable> {
        loop {
            self.rest = self.rest.trim_start();
            if let Some(rest) = self.rest.strip_prefix("<?") {
                let end = rest.find("?>").ok_or(Unreadable::Malformed)?;
                self.rest = &rest[end + 2..];
            } else if let Some(rest) = self.rest.strip_prefix("<!--") {
                let end = rest.find("-->").ok_or(Unreadable::Malformed)?;
                self.rest = &rest[end + 3..];
            } else {
                return Ok(());
            }
        }
    }

    fn element(&mut self, depth: usize) -> Result<Element, Unreadable> {
        if depth > MAX_DEPTH {
            return Err(Unreadable::Malformed);
        }
        let rest = self.rest.strip_prefix('<').ok_or(Unreadable::Malformed)?;
        let end = rest.find('>').ok_or(Unreadable::Malformed)?;
        let tag = &rest[..end];
        self.rest = &rest[end + 1..];
        let (tag, empty) = match tag.strip_suffix('/') {
            Some(tag) => (tag, true),
            None => (tag, false),
        };
        // Attributes are not used by the API: the name is all before the first space.
        let name = tag.split_whitespace().next().ok_or(Unreadable::Malformed)?;
        if !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
        {
            return Err(Unreadable::Malformed);
        }
        let mut element = Element {
            name: name.to_string(),
            ..Element::default()
        };
        if empty {
            return Ok(element);
        }
        loop {
            let next = self.rest.find('<').ok_or(Unreadable::Malformed)?;
            element.text.push_str(&decode(&self.rest[..next])?);
            self.rest = &self.rest[next..];
            if let Some(rest) = self.rest.strip_prefix("</") {
                let end = rest.find('>').ok_or(Unreadable::Malformed)?;
                if rest[..end].trim() != element.name {
                    return Err(Unreadable::Malformed);
                }
                self.rest = &rest[end + 1..];
                return Ok(element);
            }
            if let Some(rest) = self.rest.strip_prefix("<!--") {
                let end = rest.find("-->").ok_or(Unreadable::Malformed)?;
                self.rest = &rest[end + 3..];
                continue;
            }
            if self.rest.starts_with("<!") || self.rest.starts_with("<?") {
                // No DTDs, no CDATA, no processing instructions inside.
                return Err(Unreadable::Malformed);
            }
            element.children.push(self.element(depth + 1)?);
        }
    }
}

/// Text with the five predefined entities and numeric references decoded.
fn decode(text: &str) -> Result<String, Unreadable> {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        let tail = &rest[at + 1..];
        let end = tail.find(';').ok_or(Unreadable::Malformed)?;
        let entity = &tail[..end];
        let decoded = match entity {
            "amp" => '&',
            "lt" => '<',
            "gt" => '>',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = match entity.strip_prefix("#x") {
                    Some(hex) => u32::from_str_radix(hex, 16).ok(),
                    None => entity.strip_prefix('#').and_then(|d| d.parse().ok()),
                };
                code.and_then(char::from_u32).ok_or(Unreadable::Malformed)?
            }
        };
        out.push(decoded);
        rest = &tail[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const QUESTIONS: &str = r#"<?xml version="1.0"?>
<response><id-number>5342889</id-number>
<summary-result><key>id.success</key><message>Match Found</message></summary-result>
<results><key>result.match</key><message>ID Located</message></results>
<questions><question><prompt>In which county have you lived?</prompt><type>current.county</type>
<answer>PICKENS</answer><answer>ST MARY</answer><answer>None of the above</answer></question>
<!-- a comment -->
<question><prompt>Which street goes with &quot;840&quot;?</prompt><type>street.name</type>
<answer>ROBBIE VW</answer><answer>O&apos;NEIL &amp; SONS</answer></question></questions></response>"#;

    #[test]
    fn questions_with_their_choices() {
        let Ok(Answer::Questions {
            id_number,
            questions,
        }) = read(QUESTIONS)
        else {
            panic!("questions expected");
        };
        assert_eq!(id_number, "5342889");
        assert_eq!(questions.len(), 2);
        assert_eq!(questions[0].kind, "current.county");
        assert_eq!(
            questions[0].choices,
            ["PICKENS", "ST MARY", "None of the above"]
        );
        assert_eq!(questions[1].prompt, "Which street goes with \"840\"?");
        assert_eq!(questions[1].choices[1], "O'NEIL & SONS");
    }

    #[test]
    fn scores_timeouts_and_challenge_results() {
        let answers = "<response><id-number>1</id-number><answers-received>3</answers-received>\
            <idliveq-result><key>result.questions.1.incorrect</key><message>One</message></idliveq-result></response>";
        assert_eq!(read(answers), Ok(Answer::Scored { wrong: 1 }));
        let challenge = "<response><idliveq-result><key>result.questions.2.incorrect</key></idliveq-result>\
            <idliveq-challenge-result><key>result.challenge.0.incorrect</key></idliveq-challenge-result></response>";
        assert_eq!(read(challenge), Ok(Answer::Scored { wrong: 0 }));
        let timeout = "<response><answers-received>0</answers-received><idliveq-result><key>result.timeout</key>\
            <message>result.timeout</message></idliveq-result></response>";
        assert_eq!(read(timeout), Ok(Answer::TimedOut));
        let incomplete =
            "<response><idliveq-result><key>result.incomplete</key></idliveq-result></response>";
        assert_eq!(read(incomplete), Ok(Answer::Scored { wrong: usize::MAX }));
    }

    #[test]
    fn not_found_not_eligible_and_refused() {
        let not_found = "<response><id-number>5342330</id-number><summary-result><key>id.failure</key>\
            </summary-result><results><key>result.no.match</key></results>\
            <eligible-for-questions>false</eligible-for-questions></response>";
        assert_eq!(
            read(not_found),
            Ok(Answer::NotEligible {
                id_number: Some("5342330".into())
            })
        );
        let not_eligible = "<response><idliveq-error><key>id.not.eligible.for.questions</key>\
            <message/></idliveq-error></response>";
        assert_eq!(
            read(not_eligible),
            Ok(Answer::NotEligible { id_number: None })
        );
        assert_eq!(
            read("<response><error>Invalid username and password</error></response>"),
            Ok(Answer::Refused {
                reason: "Invalid username and password".into()
            })
        );
    }

    #[test]
    fn anything_else_is_unreadable_not_a_guess() {
        for bad in [
            "",
            "<response>",
            "<response></other>",
            "<a/><b/>",
            "<!DOCTYPE x [<!ENTITY e \"boom\">]><response>&e;</response>",
            "<response><x>&unknown;</x></response>",
            "<response><![CDATA[x]]></response>",
            "<response><idliveq-result><key>result.questions.many.incorrect</key></idliveq-result></response>",
            "<other/>",
            "<response><questions><question><prompt>p</prompt><type>t</type><answer>only one</answer></question></questions></response>",
        ] {
            assert!(read(bad).is_err(), "{bad:?} → {:?}", read(bad));
        }
        let deep = format!(
            "<response>{}{}</response>",
            "<a>".repeat(20),
            "</a>".repeat(20)
        );
        assert_eq!(read(&deep), Err(Unreadable::Malformed));
        assert_eq!(read(&"x".repeat(MAX_BYTES + 1)), Err(Unreadable::TooLarge));
    }
}
