//! Reporting periods (期间) of disclosures and satisfaction surveys: a year (`2026`), a
//! quarter (`2026-Q3`) or a month (`2026-07`), each with its first and last day.

use std::fmt;

use shared::domain::DomainError;
use time::{Date, Month};

/// A calendar year, quarter or month.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Year(i32),
    /// Quarter 1–4.
    Quarter(i32, u8),
    /// Month 1–12.
    Month(i32, u8),
}

fn invalid() -> DomainError {
    DomainError::new(
        "invalid_period",
        "期间格式不正确，应为年度（如 2026）、季度（如 2026-Q3）或月份（如 2026-07）",
    )
}

impl Period {
    /// Parses `2026`, `2026-Q3` or `2026-07` (years 2000–2100).
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let s = input.trim();
        let year_of = |y: &str| -> Result<i32, DomainError> {
            if y.len() != 4 || !y.bytes().all(|b| b.is_ascii_digit()) {
                return Err(invalid());
            }
            let year: i32 = y.parse().map_err(|_| invalid())?;
            if (2000..=2100).contains(&year) {
                Ok(year)
            } else {
                Err(DomainError::new(
                    "period_out_of_range",
                    "期间的年份应在 2000–2100 之间",
                ))
            }
        };
        match s.split_once('-') {
            None => Ok(Self::Year(year_of(s)?)),
            Some((y, rest)) => {
                let year = year_of(y)?;
                if let Some(q) = rest.strip_prefix('Q') {
                    match q {
                        "1" => Ok(Self::Quarter(year, 1)),
                        "2" => Ok(Self::Quarter(year, 2)),
                        "3" => Ok(Self::Quarter(year, 3)),
                        "4" => Ok(Self::Quarter(year, 4)),
                        _ => Err(invalid()),
                    }
                } else if rest.len() == 2 && rest.bytes().all(|b| b.is_ascii_digit()) {
                    match rest.parse::<u8>() {
                        Ok(m @ 1..=12) => Ok(Self::Month(year, m)),
                        _ => Err(invalid()),
                    }
                } else {
                    Err(invalid())
                }
            }
        }
    }

    /// Parses a quarter only (`2026-Q3`), as satisfaction surveys are recorded.
    pub fn parse_quarter(input: &str) -> Result<Self, DomainError> {
        match Self::parse(input) {
            Ok(p @ Self::Quarter(..)) => Ok(p),
            Ok(_) | Err(_) => Err(DomainError::new(
                "invalid_quarter",
                "满意度调查按季度记录，期间格式应为如 2026-Q3",
            )),
        }
    }

    /// The first day of the period.
    pub fn start(self) -> Date {
        let (year, month) = match self {
            Self::Year(y) => (y, 1),
            Self::Quarter(y, q) => (y, (q - 1) * 3 + 1),
            Self::Month(y, m) => (y, m),
        };
        let month = Month::try_from(month).unwrap_or(Month::January);
        Date::from_calendar_date(year, month, 1).expect("a valid first day")
    }

    /// The last day of the period.
    pub fn end(self) -> Date {
        let (year, month) = match self {
            Self::Year(y) => (y, 12),
            Self::Quarter(y, q) => (y, q * 3),
            Self::Month(y, m) => (y, m),
        };
        let month = Month::try_from(month).unwrap_or(Month::December);
        Date::from_calendar_date(year, month, month.length(year)).expect("a valid last day")
    }

    pub fn is_year(self) -> bool {
        matches!(self, Self::Year(_))
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Year(y) => write!(f, "{y}"),
            Self::Quarter(y, q) => write!(f, "{y}-Q{q}"),
            Self::Month(y, m) => write!(f, "{y}-{m:02}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn periods_parse_and_span_their_days() {
        let y = Period::parse("2026").unwrap();
        assert_eq!(
            (y.start(), y.end()),
            (date!(2026 - 01 - 01), date!(2026 - 12 - 31))
        );
        let q = Period::parse("2026-Q3").unwrap();
        assert_eq!(
            (q.start(), q.end()),
            (date!(2026 - 07 - 01), date!(2026 - 09 - 30))
        );
        let m = Period::parse("2028-02").unwrap();
        assert_eq!(
            (m.start(), m.end()),
            (date!(2028 - 02 - 01), date!(2028 - 02 - 29))
        );
        for p in ["2026", "2026-Q3", "2028-02"] {
            assert_eq!(Period::parse(p).unwrap().to_string(), p);
        }
        for bad in [
            "26",
            "2026-Q5",
            "2026-13",
            "2026-7",
            "2026Q1",
            "二〇二六",
            "",
        ] {
            assert_eq!(
                Period::parse(bad).unwrap_err().code,
                "invalid_period",
                "{bad}"
            );
        }
        assert_eq!(
            Period::parse("1999").unwrap_err().code,
            "period_out_of_range"
        );
        assert!(Period::parse_quarter("2026-Q1").is_ok());
        assert_eq!(
            Period::parse_quarter("2026").unwrap_err().code,
            "invalid_quarter"
        );
        assert_eq!(
            Period::parse_quarter("2026-03").unwrap_err().code,
            "invalid_quarter"
        );
    }
}
