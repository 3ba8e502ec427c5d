//! The monthly dispatch (每月调度) of a district or the city: coverage at the month's end
//! against the plan's 30/70/100 % targets and its change in the month, per street (or
//! district), the work plans' compounds per stage and their overdue items as of the month's
//! end, the contracts signed and ended in the month, and the compounds whose contracted firm
//! is blacklisted (the blacklist's effects). Everything is derived from matching's tables.

use std::collections::BTreeMap;

use serde::Serialize;
use shared::domain::plan::Stage;
use shared::domain::roster::{Date, format_date, parse_date};
use shared::domain::{DomainError, districts, streets_of};
use sqlx::{AnyConnection, Row};
use time::Month as CalendarMonth;
use utoipa::ToSchema;

use crate::coverage::{self, Area, Tally};
use crate::progress::{self, CompoundProgress, Counts};

/// A calendar month, written `2026-11`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    year: i32,
    month: CalendarMonth,
}

impl Month {
    /// Parses `YYYY-MM` (2023–2100). Error code `invalid_month`.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let bad = || {
            DomainError::new(
                "invalid_month",
                format!(
                    "月份“{}”无效，应为 YYYY-MM 格式，如 2026-11",
                    shared::domain::quoted(input)
                ),
            )
        };
        let (y, m) = input.trim().split_once('-').ok_or_else(bad)?;
        if y.len() != 4 || m.len() != 2 || !(y.bytes().chain(m.bytes())).all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let year: i32 = y.parse().map_err(|_| bad())?;
        let month =
            CalendarMonth::try_from(m.parse::<u8>().map_err(|_| bad())?).map_err(|_| bad())?;
        if !(2023..=2100).contains(&year) {
            return Err(bad());
        }
        Ok(Self { year, month })
    }

    /// The month containing `day`.
    pub fn of(day: Date) -> Self {
        Self {
            year: day.year(),
            month: day.month(),
        }
    }

    pub fn year(self) -> i32 {
        self.year
    }

    pub fn first_day(self) -> Date {
        Date::from_calendar_date(self.year, self.month, 1).unwrap_or(Date::MIN)
    }

    pub fn last_day(self) -> Date {
        Date::from_calendar_date(self.year, self.month, self.month.length(self.year))
            .unwrap_or(Date::MIN)
    }

    /// The month before.
    pub fn previous(self) -> Self {
        Self::of(self.first_day().previous_day().unwrap_or(Date::MIN))
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}-{:02}", self.year, u8::from(self.month))
    }
}

/// A contract signed or ended in the month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct ContractEvent {
    pub contract_id: String,
    pub compound_id: String,
    pub compound_name: Option<String>,
    pub street_code: Option<String>,
    pub firm_name: String,
    /// `YYYY-MM-DD`: the day it was signed, or its last day of service.
    pub on: String,
    /// Why it ended (terminations only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The contracts of `area` signed in `[from, to]`, and those whose last day of service
/// (`terminated_on`) lies in it, each by day.
pub async fn contract_events(
    conn: &mut AnyConnection,
    area: &Area,
    from: Date,
    to: Date,
) -> Result<(Vec<ContractEvent>, Vec<ContractEvent>), sqlx::Error> {
    let rows = sqlx::query(
        "SELECT k.id, k.compound_id, c.name, c.district_code, c.street_code, k.firm_name, k.signed_on, \
         k.status, k.terminated_on, k.termination_reason FROM tender_contract k \
         LEFT JOIN catalog_compound c ON c.id = k.compound_id ORDER BY k.signed_on, k.id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let (mut signed, mut ended) = (Vec::new(), Vec::new());
    let within = |s: &Option<String>| {
        s.as_deref()
            .and_then(|d| parse_date(d).ok())
            .filter(|d| from <= *d && *d <= to)
    };
    for r in rows {
        let district: Option<String> = r.try_get("district_code")?;
        let street: Option<String> = r.try_get("street_code")?;
        let inside = match (&district, &street) {
            (Some(d), Some(s)) => area.contains(d, s),
            _ => *area == Area::City,
        };
        if !inside {
            continue;
        }
        let event = |on: Date, reason: Option<String>| -> Result<ContractEvent, sqlx::Error> {
            Ok(ContractEvent {
                contract_id: r.try_get("id")?,
                compound_id: r.try_get("compound_id")?,
                compound_name: r.try_get("name")?,
                street_code: street.clone(),
                firm_name: r.try_get("firm_name")?,
                on: format_date(on),
                reason,
            })
        };
        if let Some(d) = within(&r.try_get("signed_on")?) {
            signed.push(event(d, None)?);
        }
        let status: String = r.try_get("status")?;
        if status == "terminated"
            && let Some(d) = within(&r.try_get("terminated_on")?)
        {
            ended.push(event(d, r.try_get("termination_reason")?)?);
        }
    }
    ended.sort_by(|a, b| a.on.cmp(&b.on));
    Ok((signed, ended))
}

/// 以奖代补 subsidies of a row: how many and how much.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct SubsidySum {
    /// Subsidies counted (a corrected record counts through its correction only).
    pub count: i64,
    /// Their amounts summed, in fen.
    pub amount_fen: i64,
}

/// The subsidies of `area` whose first record fell in `[from, to]`, summed per row of the
/// report (street, or district for the city), each chain of corrections counted once, by
/// its latest record.
pub async fn subsidies_by_row(
    conn: &mut AnyConnection,
    area: &Area,
    from: Date,
    to: Date,
) -> Result<BTreeMap<String, SubsidySum>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT s.district_code, s.street_code, s.amount_fen FROM catalog_subsidy s \
         WHERE s.first_recorded_on >= $1 AND s.first_recorded_on <= $2 \
         AND NOT EXISTS (SELECT 1 FROM catalog_subsidy n WHERE n.corrects = s.id)",
    )
    .bind(format_date(from))
    .bind(format_date(to))
    .fetch_all(&mut *conn)
    .await?;
    let mut out: BTreeMap<String, SubsidySum> = BTreeMap::new();
    for r in rows {
        let district: String = r.try_get("district_code")?;
        let street: String = r.try_get("street_code")?;
        if !area.contains(&district, &street) {
            continue;
        }
        let key = if *area == Area::City {
            district
        } else {
            street
        };
        let sum = out.entry(key).or_default();
        sum.count += 1;
        sum.amount_fen += r.try_get::<i64, _>("amount_fen")?;
    }
    Ok(out)
}

/// Coverage tallies of `area` at two days, per row of the report: the streets of a
/// district (or the street itself), the districts of the city. Keyed by the row's code.
pub fn tallies_by_row(
    history: &coverage::History,
    area: &Area,
    day: Date,
) -> BTreeMap<String, Tally> {
    let mut out: BTreeMap<String, Tally> = BTreeMap::new();
    for ((district, street), t) in history.tally(area, day) {
        let key = if *area == Area::City {
            district
        } else {
            street
        };
        out.entry(key).or_default().add(t);
    }
    out
}

/// The rows of a report of `area`: `(code, name)` of each street of a district, or each
/// district of the city.
pub fn rows_of(area: &Area) -> Vec<(String, String)> {
    match area {
        Area::City => districts()
            .iter()
            .map(|d| (d.code.as_str().to_string(), d.name.to_string()))
            .collect(),
        Area::District(d) => streets_of(d)
            .map(|s| (s.code.as_str().to_string(), s.name.to_string()))
            .collect(),
        Area::Street(s) => vec![(s.as_str().to_string(), s.name().to_string())],
    }
}

/// A planned compound with an overdue stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OverdueItem {
    pub compound_id: String,
    pub compound_name: Option<String>,
    pub street_code: String,
    pub street_name: String,
    /// Its current stage's label.
    pub stage_label: String,
    /// The overdue stages with their due dates, e.g. `动员（2026-03-31）`.
    pub overdue: Vec<String>,
}

/// The year's plans of `area` on `day`: every planned compound by the plan's street.
pub async fn plan_progress(
    conn: &mut AnyConnection,
    area: &Area,
    year: i32,
    day: Date,
) -> anyhow::Result<Vec<(String, CompoundProgress)>> {
    let plans = progress::plans(conn, area, year).await?;
    let facts = progress::facts(conn, area).await?;
    let mut out = Vec::new();
    for (street, plan) in &plans {
        for c in progress::compounds(plan, &facts, day) {
            out.push((street.clone(), c));
        }
    }
    Ok(out)
}

/// The counts of the planned compounds whose street `pick`s.
pub fn counts_where(list: &[(String, CompoundProgress)], pick: impl Fn(&str) -> bool) -> Counts {
    let chosen: Vec<CompoundProgress> = list
        .iter()
        .filter(|(s, _)| pick(s))
        .map(|(_, c)| c.clone())
        .collect();
    Counts::of(&chosen)
}

/// The overdue planned compounds, in street order.
pub fn overdue_items(list: &[(String, CompoundProgress)]) -> Vec<OverdueItem> {
    list.iter()
        .filter(|(_, c)| c.overdue)
        .map(|(street, c)| OverdueItem {
            compound_id: c.compound_id.clone(),
            compound_name: c.compound_name.clone(),
            street_code: street.clone(),
            street_name: shared::domain::street(street)
                .map_or("", |s| s.name)
                .to_string(),
            stage_label: c.stage_label.clone(),
            overdue: c
                .stages
                .iter()
                .filter(|s| s.overdue)
                .map(|s| {
                    format!(
                        "{}（{}）",
                        Stage::label(s.stage),
                        s.due.as_deref().unwrap_or("")
                    )
                })
                .collect(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn months() {
        let m = Month::parse("2026-02").unwrap();
        assert_eq!(
            (m.first_day(), m.last_day()),
            (date!(2026 - 02 - 01), date!(2026 - 02 - 28))
        );
        assert_eq!(m.previous().to_string(), "2026-01");
        assert_eq!(
            Month::parse("2026-01").unwrap().previous().to_string(),
            "2025-12"
        );
        assert_eq!(
            Month::of(date!(2024 - 02 - 29)).last_day(),
            date!(2024 - 02 - 29)
        );
        for bad in [
            "2026-13", "2026-00", "2026-1", "26-01", "2022-12", "2026/01", "",
        ] {
            assert_eq!(
                Month::parse(bad).unwrap_err().code,
                "invalid_month",
                "{bad}"
            );
        }
    }
}
