//! A billing month (`2026-03`) and a range of them, as the fee API reads them.

use shared::domain::DomainError;
use shared::error::{FieldError, Validation};

use crate::period::Period;

/// A calendar month, `YYYY-MM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Month {
    pub year: i32,
    pub month: u8,
}

impl Month {
    /// Parses `2026-03` (years 2000–2100; error code `invalid_month`).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        match Period::parse(input) {
            Ok(Period::Month(year, month)) => Ok(Self { year, month }),
            _ => Err(DomainError::new(
                "invalid_month",
                "月份格式不正确，应为 YYYY-MM，例如 2026-03",
            )),
        }
    }

    /// January and December of `year`.
    pub fn year_range(year: i32) -> (Self, Self) {
        (Self { year, month: 1 }, Self { year, month: 12 })
    }

    /// How many months from `self` to `to`, both included (0 when `to` is earlier).
    pub fn months_to(self, to: Self) -> i64 {
        let index = |m: Self| i64::from(m.year) * 12 + i64::from(m.month);
        (index(to) - index(self) + 1).max(0)
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// The most months one range may span (a collection rate or an arrears list).
pub const MAX_RANGE_MONTHS: i64 = 120;

/// `from`..=`to` as given (either absent: the year of `default_year`), checked: each a
/// month, `to` not before `from`, at most [`MAX_RANGE_MONTHS`].
pub fn range(
    v: &mut Validation,
    from: Option<&str>,
    to: Option<&str>,
    default_year: i32,
) -> Option<(Month, Month)> {
    let (first, last) = Month::year_range(default_year);
    let from = match from {
        Some(f) => v.field("from", Month::parse(f)),
        None => Some(first),
    };
    let to = match to {
        Some(t) => v.field("to", Month::parse(t)),
        None => Some(last),
    };
    let (from, to) = (from?, to?);
    let months = from.months_to(to);
    if months == 0 {
        v.push(FieldError::new(
            "to",
            "to_before_from",
            "结束月份不能早于开始月份",
        ));
        None
    } else if months > MAX_RANGE_MONTHS {
        v.push(FieldError::new(
            "to",
            "range_too_long",
            format!("一次最多查询 {MAX_RANGE_MONTHS} 个月"),
        ));
        None
    } else {
        Some((from, to))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_parse_print_and_count() {
        let m = Month::parse("2026-03").unwrap();
        assert_eq!(m.to_string(), "2026-03");
        assert_eq!(Month::parse("2026").unwrap_err().code, "invalid_month");
        assert_eq!(Month::parse("2026-13").unwrap_err().code, "invalid_month");
        let (a, b) = Month::year_range(2026);
        assert_eq!(a.months_to(b), 12);
        assert_eq!(b.months_to(a), 0);
        let mut v = Validation::new();
        assert!(range(&mut v, Some("2026-05"), Some("2026-04"), 2026).is_none());
        assert!(v.has("to"));
    }
}
