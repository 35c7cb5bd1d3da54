//! The little of CBOR (RFC 8949) that WebAuthn needs: an attestation object and a COSE key, both
//! in CTAP2's canonical form (definite lengths, no tags, no floats). Anything else is refused, not
//! guessed at: a value the reader does not know is an error.
//!
//! Nesting is bounded, so a hostile input cannot exhaust the stack.

/// A decoded value. Byte and text strings borrow from the input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Value<'a> {
    Unsigned(u64),
    /// `-1 - n` for the encoded `n` (kept as `i128` so every encodable value fits).
    Negative(i128),
    Bytes(&'a [u8]),
    Text(&'a str),
    Array(Vec<Value<'a>>),
    Map(Vec<(Value<'a>, Value<'a>)>),
    Bool(bool),
    Null,
}

impl<'a> Value<'a> {
    /// The integer, if this is one that fits an `i64`.
    pub fn integer(&self) -> Option<i64> {
        match self {
            Value::Unsigned(n) => i64::try_from(*n).ok(),
            Value::Negative(n) => i64::try_from(*n).ok(),
            _ => None,
        }
    }

    pub fn bytes(&self) -> Option<&'a [u8]> {
        match self {
            Value::Bytes(b) => Some(b),
            _ => None,
        }
    }

    pub fn text(&self) -> Option<&'a str> {
        match self {
            Value::Text(t) => Some(t),
            _ => None,
        }
    }

    /// The value under the text key `key`, in a map.
    pub fn get(&self, key: &str) -> Option<&Value<'a>> {
        self.entries()?
            .iter()
            .find(|(k, _)| k.text() == Some(key))
            .map(|(_, v)| v)
    }

    /// The value under the integer key `key`, in a map (COSE keys are labelled by integers).
    pub fn label(&self, key: i64) -> Option<&Value<'a>> {
        self.entries()?
            .iter()
            .find(|(k, _)| k.integer() == Some(key))
            .map(|(_, v)| v)
    }

    fn entries(&self) -> Option<&[(Value<'a>, Value<'a>)]> {
        match self {
            Value::Map(entries) => Some(entries),
            _ => None,
        }
    }
}

/// Why the input is not CBOR this reader takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Malformed {
    /// It ends inside a value.
    Truncated,
    /// A kind of value WebAuthn does not use here (tags, floats, indefinite lengths), or a
    /// reserved encoding.
    Unsupported,
    /// A text string that is not UTF-8.
    NotUtf8,
    /// Nested deeper than any WebAuthn structure.
    TooDeep,
    /// A map repeats a key.
    DuplicateKey,
}

/// Deeper than an attestation object (map → map → map) ever goes, with room to spare.
const MAX_DEPTH: usize = 8;

/// Reads one value from the start of `input`: the value and what follows it (an authenticator
/// data's extensions follow its credential key, for example).
pub fn decode(input: &[u8]) -> Result<(Value<'_>, &[u8]), Malformed> {
    let mut reader = Reader { input, at: 0 };
    let value = reader.value(0)?;
    Ok((value, &input[reader.at..]))
}

/// Reads exactly one value: anything after it is an error.
pub fn decode_whole(input: &[u8]) -> Result<Value<'_>, Malformed> {
    match decode(input)? {
        (value, []) => Ok(value),
        _ => Err(Malformed::Unsupported),
    }
}

struct Reader<'a> {
    input: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], Malformed> {
        let end = self.at.checked_add(n).ok_or(Malformed::Truncated)?;
        let taken = self.input.get(self.at..end).ok_or(Malformed::Truncated)?;
        self.at = end;
        Ok(taken)
    }

    /// The argument of a head whose additional information is `info`.
    fn argument(&mut self, info: u8) -> Result<u64, Malformed> {
        let width = match info {
            0..=23 => return Ok(u64::from(info)),
            24 => 1,
            25 => 2,
            26 => 4,
            27 => 8,
            // 28-30 are reserved; 31 is an indefinite length.
            _ => return Err(Malformed::Unsupported),
        };
        Ok(self
            .take(width)?
            .iter()
            .fold(0u64, |n, b| (n << 8) | u64::from(*b)))
    }

    /// A length, which can be no longer than what is left (so no allocation is made for more).
    fn length(&mut self, info: u8) -> Result<usize, Malformed> {
        let n = self.argument(info)?;
        let left = (self.input.len() - self.at) as u64;
        if n > left {
            return Err(Malformed::Truncated);
        }
        Ok(n as usize)
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, Malformed> {
        if depth > MAX_DEPTH {
            return Err(Malformed::TooDeep);
        }
        let head = self.take(1)?[0];
        let (major, info) = (head >> 5, head & 0x1f);
        Ok(match major {
            0 => Value::Unsigned(self.argument(info)?),
            1 => Value::Negative(-1 - i128::from(self.argument(info)?)),
            2 => {
                let n = self.length(info)?;
                Value::Bytes(self.take(n)?)
            }
            3 => {
                let n = self.length(info)?;
                let text = std::str::from_utf8(self.take(n)?).map_err(|_| Malformed::NotUtf8)?;
                Value::Text(text)
            }
            4 => {
                // Every item takes at least a byte: the length check bounds the allocation.
                let n = self.length(info)?;
                let mut items = Vec::with_capacity(n);
                for _ in 0..n {
                    items.push(self.value(depth + 1)?);
                }
                Value::Array(items)
            }
            5 => {
                let n = self.length(info)?;
                let mut entries: Vec<(Value<'a>, Value<'a>)> = Vec::with_capacity(n / 2);
                for _ in 0..n {
                    let key = self.value(depth + 1)?;
                    if entries.iter().any(|(k, _)| *k == key) {
                        return Err(Malformed::DuplicateKey);
                    }
                    let value = self.value(depth + 1)?;
                    entries.push((key, value));
                }
                Value::Map(entries)
            }
            7 => match info {
                20 => Value::Bool(false),
                21 => Value::Bool(true),
                22 => Value::Null,
                _ => return Err(Malformed::Unsupported),
            },
            // Tags (6) and anything else.
            _ => return Err(Malformed::Unsupported),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn hex(text: &str) -> Vec<u8> {
        crate::encoding::from_hex(text).expect("hex")
    }

    /// RFC 8949 appendix A's examples that this reader takes.
    #[test]
    fn the_rfcs_examples() {
        let cases: &[(&str, Value)] = &[
            ("00", Value::Unsigned(0)),
            ("17", Value::Unsigned(23)),
            ("1818", Value::Unsigned(24)),
            ("1903e8", Value::Unsigned(1000)),
            ("1bffffffffffffffff", Value::Unsigned(u64::MAX)),
            ("20", Value::Negative(-1)),
            ("3863", Value::Negative(-100)),
            (
                "3bffffffffffffffff",
                Value::Negative(-18_446_744_073_709_551_616),
            ),
            ("40", Value::Bytes(&[])),
            ("4401020304", Value::Bytes(&[1, 2, 3, 4])),
            ("6449455446", Value::Text("IETF")),
            ("62c3bc", Value::Text("ü")),
            ("f4", Value::Bool(false)),
            ("f5", Value::Bool(true)),
            ("f6", Value::Null),
        ];
        for (encoded, expected) in cases {
            assert_eq!(
                decode_whole(&hex(encoded)).as_ref(),
                Ok(expected),
                "{encoded}"
            );
        }
        let map = hex("a201020304");
        let map = decode_whole(&map).unwrap();
        assert_eq!(map.label(1), Some(&Value::Unsigned(2)));
        assert_eq!(map.label(3), Some(&Value::Unsigned(4)));
        let nested = hex("a26161016162820203");
        let nested = decode_whole(&nested).unwrap();
        assert_eq!(
            nested.get("b"),
            Some(&Value::Array(vec![Value::Unsigned(2), Value::Unsigned(3)]))
        );
    }

    #[test]
    fn what_webauthn_never_uses_is_refused() {
        for (encoded, why) in [
            ("5f42010243030405ff", Malformed::Unsupported), // indefinite byte string
            ("c074", Malformed::Unsupported),               // a tag
            ("f93c00", Malformed::Unsupported),             // a half float
            ("1c", Malformed::Unsupported),                 // reserved
            ("62c3", Malformed::Truncated),                 // cut short
            ("5a7fffffff", Malformed::Truncated),           // claims 2 GB
            ("9b7fffffffffffffff", Malformed::Truncated),   // claims a huge array
            ("62c328", Malformed::NotUtf8),
            ("a201020103", Malformed::DuplicateKey),
        ] {
            assert_eq!(decode_whole(&hex(encoded)), Err(why), "{encoded}");
        }
        let deep = [vec![0x81; 64], vec![0x00]].concat();
        assert_eq!(decode_whole(&deep), Err(Malformed::TooDeep));
        assert_eq!(decode_whole(&hex("0000")), Err(Malformed::Unsupported));
        assert_eq!(decode(&hex("0000")).map(|(_, rest)| rest.len()), Ok(1));
    }

    proptest! {
        /// Any bytes at all: an answer, never a panic, and never a read past the end.
        #[test]
        fn any_input_is_answered(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
            if let Ok((_, rest)) = decode(&bytes) {
                prop_assert!(rest.len() < bytes.len());
            }
        }
    }
}
