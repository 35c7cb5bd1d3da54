//! The audit trail's `?cursor=`: handed out by us, but any text can come back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use signgate_core::audit::Cursor;

fuzz_target!(|input: (u8, &str)| {
    let (sources, text) = input;
    let sources = usize::from(sources % 52) + 1;
    if let Some(cursor) = Cursor::parse(text, sources) {
        assert_eq!(cursor.0.len(), sources);
        assert_eq!(Cursor::parse(&cursor.encode(), sources), Some(cursor));
    }
});
