//! Days of the proleptic Gregorian calendar, from times the caller passes in (the core has no
//! clock): the audit report's times, KBA's "today", documents' dates.

/// Howard Hinnant's `civil_from_days`: the date `days` after 1970-01-01, as (year, month, day).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The UTC day of `unix_ms` as (year, month, day).
pub fn day_of(unix_ms: u64) -> (u32, u32, u32) {
    let (year, month, day) = civil_from_days((unix_ms / 86_400_000) as i64);
    (year as u32, month, day)
}

/// The UTC day of `unix_ms` as `YYYY-MM-DD`.
pub fn date_of(unix_ms: u64) -> String {
    let (year, month, day) = day_of(unix_ms);
    format!("{year:04}-{month:02}-{day:02}")
}

/// Whether `year-month-day` is a day of the calendar.
pub fn is_real_day(year: u32, month: u32, day: u32) -> bool {
    let leap = (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_counted_from_the_epoch() {
        assert_eq!(date_of(0), "1970-01-01");
        assert_eq!(date_of(951_782_400_000), "2000-02-29");
        assert_eq!(date_of(1_796_083_199_999), "2026-11-30");
        assert_eq!(date_of(1_796_083_200_000), "2026-12-01");
        assert!(is_real_day(2000, 2, 29) && !is_real_day(1900, 2, 29) && !is_real_day(2026, 13, 1));
    }
}
