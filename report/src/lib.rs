//! The audit report of an agreement, as e-sign platforms hand it out: the agreement, each
//! recipient with their method, every event with its time in UTC and in the account's time zone,
//! and the final state. One [`Report`] is rendered twice: [`html`] for a browser and [`pdf`] for
//! the file kept with the signed document.
//!
//! Pure, like `signgate-core`: the Worker reads the trail and formats local times (the runtime's
//! `Intl` knows the time zones); this crate only turns them into a document.

mod describe;
mod font;
mod html;
mod pdf;

pub use describe::build;
pub use html::html;
pub use pdf::pdf;

/// A report's content, the same for every format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub title: String,
    pub sections: Vec<Section>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Section {
    pub heading: String,
    pub rows: Vec<Row>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Row {
    /// `label: value`.
    Field { label: String, value: String },
    /// One audit event.
    Event {
        utc: String,
        /// In the account's time zone.
        local: String,
        /// The recipient it concerns, or the agreement.
        who: String,
        what: String,
        /// A profile link an identity provider gave (`https` only).
        link: Option<String>,
    },
}

/// `2026-11-29 21:52:23 UTC` for milliseconds since the Unix epoch.
pub fn utc(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = signgate_core::calendar::civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_times_read_as_calendars_do() {
        assert_eq!(utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00:00 UTC");
        assert_eq!(utc(1_795_989_143_999), "2026-11-29 21:52:23 UTC");
        assert_eq!(utc(4_107_542_399_000), "2100-02-28 23:59:59 UTC");
        assert_eq!(utc(4_107_542_400_000), "2100-03-01 00:00:00 UTC");
    }
}
