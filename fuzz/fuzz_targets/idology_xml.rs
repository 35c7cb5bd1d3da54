//! The KBA provider's XML answers (IDology ExpectID IQ): untrusted, read by a small reader.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signgate_core::kba::idology::{self, Answer};

fuzz_target!(|xml: &str| {
    if let Ok(Answer::Questions {
        id_number,
        questions,
    }) = idology::read(xml)
    {
        assert!(!id_number.is_empty() && !questions.is_empty());
        for question in &questions {
            assert!((2..=10).contains(&question.choices.len()));
        }
    }
});
