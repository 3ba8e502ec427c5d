//! The one clock: instants as milliseconds since the Unix epoch (how they are stored), and
//! calendar days in China (UTC+8), the days every rule of the platform is decided on
//! (roster standing, "not in the future", the day a change took effect).

use time::macros::offset;
use time::{Date, OffsetDateTime, UtcOffset};

/// China Standard Time (北京时间), UTC+8, all year.
pub const CHINA: UtcOffset = offset!(+8);

/// Milliseconds since the Unix epoch: how instants are stored.
pub fn now_ms() -> i64 {
    ms_of(OffsetDateTime::now_utc())
}

/// An instant as milliseconds since the Unix epoch.
pub fn ms_of(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

/// Now, in China.
pub fn china_now() -> OffsetDateTime {
    OffsetDateTime::now_utc().to_offset(CHINA)
}

/// Today's date in China.
pub fn china_today() -> Date {
    china_now().date()
}

/// An instant in ms, in China (an instant outside `time`'s range reads as the epoch).
pub fn china_instant(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(CHINA)
}

/// The day in China of an instant in ms (e.g. the day a change took effect).
pub fn china_date(ms: i64) -> Date {
    china_instant(ms).date()
}

/// An instant in ms as RFC 3339 in UTC (`2026-03-01T01:30:00Z`); empty when out of range.
pub fn rfc3339_utc(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn days_are_chinese_days() {
        // 2026-03-31 16:30 UTC is 2026-04-01 00:30 in Chengdu.
        let ms = 1_774_974_600_000;
        assert_eq!(china_date(ms), date!(2026 - 04 - 01));
        assert_eq!(china_date(ms - 3_600_000), date!(2026 - 03 - 31));
        assert_eq!(china_instant(ms).offset(), CHINA);
    }

    #[test]
    fn now_is_in_ms() {
        let before = now_ms();
        assert!(before > 1_700_000_000_000);
        assert_eq!(ms_of(china_instant(before)), before);
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
    }
}
