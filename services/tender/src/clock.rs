//! Instants and dates as the tender API speaks them.
//!
//! Instants are stored as milliseconds since the Unix epoch and exchanged as RFC 3339
//! strings; answers use Beijing time (`+08:00`), requests may use any offset. Calendar
//! dates (a vote's date, a review date) are `YYYY-MM-DD` in Beijing time. The clock itself
//! (now, today, the day of an instant) is the kernel's, [`shared::clock`].

use shared::clock::china_instant;
use shared::domain::DomainError;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{Date, OffsetDateTime};

pub use shared::domain::roster::format_date;

/// `ms` since the epoch as RFC 3339 in Beijing time, e.g. `2025-03-01T09:30:00.000+08:00`.
pub fn to_rfc3339(ms: i64) -> String {
    let at = china_instant(ms);
    let fmt = format_description!(
        "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3][offset_hour sign:mandatory]:[offset_minute]"
    );
    at.format(&fmt).unwrap_or_default()
}

/// Parses an RFC 3339 instant into ms since the epoch (error code `invalid_instant`).
pub fn parse_rfc3339(input: &str) -> Result<i64, DomainError> {
    let at = OffsetDateTime::parse(input.trim(), &Rfc3339).map_err(|_| {
        DomainError::new(
            "invalid_instant",
            "时间格式不正确，应为 RFC 3339 格式，例如 2025-03-01T09:30:00+08:00",
        )
    })?;
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000)
        .map_err(|_| DomainError::new("invalid_instant", "时间超出范围"))
}

/// Parses a `YYYY-MM-DD` date (error code `invalid_date`).
pub fn parse_date(input: &str) -> Result<Date, DomainError> {
    Date::parse(input.trim(), format_description!("[year]-[month]-[day]"))
        .map_err(|_| DomainError::new("invalid_date", "日期格式不正确，应为 YYYY-MM-DD"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::clock::china_date;

    #[test]
    fn instants_round_trip_in_beijing_time() {
        let ms = 1_740_792_600_123; // 2025-03-01T01:30:00.123Z
        let text = to_rfc3339(ms);
        assert_eq!(text, "2025-03-01T09:30:00.123+08:00");
        assert_eq!(parse_rfc3339(&text).unwrap(), ms);
        assert_eq!(parse_rfc3339("2025-03-01T01:30:00.123Z").unwrap(), ms);
        assert_eq!(
            parse_rfc3339("yesterday").unwrap_err().code,
            "invalid_instant"
        );
    }

    #[test]
    fn dates_are_beijing_dates() {
        // 2025-02-28T16:00:00Z is midnight of 1 March in Beijing.
        assert_eq!(format_date(china_date(1_740_758_400_000)), "2025-03-01");
        assert_eq!(format_date(china_date(1_740_758_399_999)), "2025-02-28");
        assert_eq!(format_date(parse_date("2025-03-01").unwrap()), "2025-03-01");
        assert_eq!(parse_date("2025-02-30").unwrap_err().code, "invalid_date");
    }
}
