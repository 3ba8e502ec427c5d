//! The annual 百佳示范小区 list, tender's record: the candidates of a year, ranked from
//! tender's own contracts and satisfaction surveys (and its copy of the catalog's
//! compounds), and the city official's selection from them (`best_list`,
//! `best_list_entry`, migration 0022), published once on topic `best_list`.
//!
//! A candidate is an old compound of the ledger that residents were surveyed in during
//! the year, served on the year's last day (or today, while the year runs) by an active
//! contract, and none of whose contracts was terminated by then. Candidates rank by the
//! year's satisfaction rate (satisfied and basically satisfied over respondents, compared
//! exactly), then by the months continuously served (the contracts that follow one
//! another without a gap up to that day), then by compound id.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use shared::clock::{china_today, now_ms, rfc3339_utc};
use shared::domain::roster::{Date, format_date, parse_date};
use shared::error::{FieldError, Problem};
use shared::feed::WriteTx;
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

/// At most this many compounds a year's list.
pub const MAX_SELECTED: usize = 100;

/// The feed topic of the list (payload [`BestList`], kinds `selected`, `published`).
pub const TOPIC: &str = "best_list";

/// A compound's figures as ranked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Candidate {
    /// 1 for the first.
    pub rank: i64,
    pub compound_id: String,
    pub compound_name: String,
    pub district_code: String,
    pub street_code: String,
    /// The year's satisfaction rate in basis points (9,550 = 95.50 %).
    pub satisfaction_basis_points: i64,
    pub respondents: i64,
    /// Whole months continuously served up to `as_of`.
    pub months_served: i64,
    /// The first day of that continuous service, `YYYY-MM-DD`.
    pub served_since: String,
}

/// The candidates of a year, as of a day.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Candidates {
    pub year: i32,
    /// `YYYY-MM-DD`.
    pub as_of: String,
    pub items: Vec<Candidate>,
}

/// A selected compound with its figures at selection time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BestEntry {
    #[serde(flatten)]
    pub figures: Candidate,
    /// The day the figures were read, `YYYY-MM-DD`.
    pub as_of: String,
}

/// A year's list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct BestList {
    pub year: i32,
    /// When it was published (RFC 3339); absent while the city official is selecting.
    pub published_at: Option<String>,
    pub entries: Vec<BestEntry>,
}

/// A compound's answers over the year's surveys.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Votes {
    content: i64,
    respondents: i64,
}

impl Votes {
    /// Compares the rates exactly (no rounding): `Greater` when `self` is more satisfied.
    fn cmp_rate(&self, other: &Votes) -> std::cmp::Ordering {
        (i128::from(self.content) * i128::from(other.respondents))
            .cmp(&(i128::from(other.content) * i128::from(self.respondents)))
    }

    /// The rate in basis points, rounded half up (0 without respondents).
    fn basis_points(&self) -> i64 {
        let n = self.respondents;
        if n > 0 {
            (self.content * 20_000 + n) / (2 * n)
        } else {
            0
        }
    }
}

/// Every compound's answers in the surveys of `year`'s quarters.
async fn year_votes(
    conn: &mut AnyConnection,
    year: i32,
) -> anyhow::Result<BTreeMap<String, Votes>> {
    let mut out: BTreeMap<String, Votes> = BTreeMap::new();
    for r in sqlx::query(
        "SELECT compound_id, satisfied, basically_satisfied, dissatisfied FROM satisfaction_survey \
         WHERE period IN ($1, $2, $3, $4)",
    )
    .bind(format!("{year}-Q1"))
    .bind(format!("{year}-Q2"))
    .bind(format!("{year}-Q3"))
    .bind(format!("{year}-Q4"))
    .fetch_all(&mut *conn)
    .await?
    {
        let v = out.entry(r.try_get("compound_id")?).or_default();
        let satisfied: i64 = r.try_get("satisfied")?;
        let basically: i64 = r.try_get("basically_satisfied")?;
        let dissatisfied: i64 = r.try_get("dissatisfied")?;
        v.content += satisfied + basically;
        v.respondents += satisfied + basically + dissatisfied;
    }
    Ok(out)
}

/// Whether tender's copy of a compound says the ledger counts it old (老旧小区): the
/// catalog's snapshot is kept whole in `payload`.
fn is_old(payload: &str) -> bool {
    serde_json::from_str::<serde_json::Value>(payload)
        .ok()
        .and_then(|p| p.get("is_old").and_then(serde_json::Value::as_bool))
        .unwrap_or(false)
}

/// The last day the year's figures are read on.
pub fn as_of(year: i32) -> Date {
    let end = Date::from_calendar_date(year, time::Month::December, 31).unwrap_or(Date::MAX);
    end.min(china_today())
}

/// Whole months from `start` to the end of `day`.
fn months_between(start: Date, day: Date) -> i64 {
    let end = day.next_day().unwrap_or(day);
    let mut m = i64::from(end.year() - start.year()) * 12 + i64::from(u8::from(end.month()))
        - i64::from(u8::from(start.month()));
    if end.day() < start.day() {
        m -= 1;
    }
    m.max(0)
}

struct Span {
    start: Date,
    end: Date,
    active: bool,
}

/// The first day of continuous service up to `day`, if a contract serves the compound
/// that day; none when a contract of it was terminated by then.
fn served_since(spans: &mut [Span], terminated: bool, day: Date) -> Option<Date> {
    if terminated {
        return None;
    }
    spans.sort_by_key(|s| s.start);
    let serving = spans
        .iter()
        .rposition(|s| s.active && s.start <= day && day <= s.end)?;
    let mut since = spans[serving].start;
    for s in spans[..serving].iter().rev() {
        if s.end.next_day().is_some_and(|after| after >= since) && s.start < since {
            since = s.start;
        }
    }
    Some(since)
}

/// The year's candidates, ranked.
pub async fn candidates(conn: &mut AnyConnection, year: i32) -> anyhow::Result<Candidates> {
    let day = as_of(year);
    let votes = year_votes(conn, year).await?;
    let mut spans: BTreeMap<String, (Vec<Span>, bool)> = BTreeMap::new();
    for r in
        sqlx::query("SELECT compound_id, start_date, end_date, status, terminated_on FROM contract")
            .fetch_all(&mut *conn)
            .await?
    {
        let compound: String = r.try_get("compound_id")?;
        let status: String = r.try_get("status")?;
        let (Ok(start), Ok(end)) = (
            parse_date(&r.try_get::<String, _>("start_date")?),
            parse_date(&r.try_get::<String, _>("end_date")?),
        ) else {
            continue;
        };
        let terminated_by = status == "terminated"
            && r.try_get::<Option<String>, _>("terminated_on")?
                .and_then(|d| parse_date(&d).ok())
                .is_none_or(|d| d <= day);
        let entry = spans.entry(compound).or_default();
        entry.0.push(Span {
            start,
            end,
            active: status == "active",
        });
        entry.1 |= terminated_by;
    }
    let mut items = Vec::new();
    for r in
        sqlx::query("SELECT id, name, district_code, street_code, payload FROM catalog_compound")
            .fetch_all(&mut *conn)
            .await?
    {
        if !is_old(&r.try_get::<String, _>("payload")?) {
            continue;
        }
        let id: String = r.try_get("id")?;
        let Some(v) = votes.get(&id).filter(|v| v.respondents > 0) else {
            continue;
        };
        let Some((list, terminated)) = spans.get_mut(&id) else {
            continue;
        };
        let Some(since) = served_since(list, *terminated, day) else {
            continue;
        };
        items.push((
            v.clone(),
            Candidate {
                rank: 0,
                compound_name: r.try_get("name")?,
                district_code: r.try_get("district_code")?,
                street_code: r
                    .try_get::<Option<String>, _>("street_code")?
                    .unwrap_or_default(),
                satisfaction_basis_points: v.basis_points(),
                respondents: v.respondents,
                months_served: months_between(since, day),
                served_since: format_date(since),
                compound_id: id,
            },
        ));
    }
    items.sort_by(|(va, a), (vb, b)| {
        vb.cmp_rate(va)
            .then(b.months_served.cmp(&a.months_served))
            .then(a.compound_id.cmp(&b.compound_id))
    });
    Ok(Candidates {
        year,
        as_of: format_date(day),
        items: items
            .into_iter()
            .enumerate()
            .map(|(i, (_, mut c))| {
                c.rank = i as i64 + 1;
                c
            })
            .collect(),
    })
}

/// The year's list as kept, published or not.
pub async fn load(conn: &mut AnyConnection, year: i32) -> anyhow::Result<Option<BestList>> {
    let Some(head) = sqlx::query("SELECT published_at FROM best_list WHERE year = $1")
        .bind(i64::from(year))
        .fetch_optional(&mut *conn)
        .await?
    else {
        return Ok(None);
    };
    let published_at: Option<i64> = head.try_get("published_at")?;
    let mut entries = Vec::new();
    for r in sqlx::query(
        "SELECT compound_id, compound_name, district_code, street_code, candidate_rank, \
         satisfaction_basis_points, respondents, months_served, served_since, as_of \
         FROM best_list_entry WHERE year = $1 ORDER BY position",
    )
    .bind(i64::from(year))
    .fetch_all(&mut *conn)
    .await?
    {
        entries.push(BestEntry {
            figures: Candidate {
                rank: r.try_get("candidate_rank")?,
                compound_id: r.try_get("compound_id")?,
                compound_name: r.try_get("compound_name")?,
                district_code: r.try_get("district_code")?,
                street_code: r.try_get("street_code")?,
                satisfaction_basis_points: r.try_get("satisfaction_basis_points")?,
                respondents: r.try_get("respondents")?,
                months_served: r.try_get("months_served")?,
                served_since: r.try_get("served_since")?,
            },
            as_of: r.try_get("as_of")?,
        });
    }
    Ok(Some(BestList {
        year,
        published_at: published_at.map(rfc3339_utc),
        entries,
    }))
}

fn already_published(year: i32) -> Problem {
    Problem::conflict(
        "already_published",
        format!("{year} 年度百佳示范小区名单已经公布，不能再修改。"),
    )
}

/// Replaces the year's selection with `compounds` (in the order given), each of which
/// must be a candidate now (422 `not_a_candidate` naming each other one), at most 100,
/// none twice; 409 once published. Figures are taken as they are now.
pub async fn select(
    tx: &mut WriteTx,
    year: i32,
    compounds: &[String],
    by: &str,
) -> Result<BestList, shared::error::Error> {
    if load(tx.conn(), year)
        .await?
        .is_some_and(|l| l.published_at.is_some())
    {
        return Err(already_published(year).into());
    }
    let ranked = candidates(tx.conn(), year).await?;
    let mut errors = Vec::new();
    let mut chosen = Vec::new();
    for (i, id) in compounds.iter().enumerate() {
        match ranked.items.iter().find(|c| &c.compound_id == id) {
            None => errors.push(FieldError::new(
                format!("compounds[{i}]"),
                "not_a_candidate",
                "该小区不在本年度候选名单中",
            )),
            Some(_) if chosen.iter().any(|c: &&Candidate| &c.compound_id == id) => {
                errors.push(FieldError::new(
                    format!("compounds[{i}]"),
                    "duplicate",
                    "同一小区只能入选一次",
                ))
            }
            Some(c) => chosen.push(c),
        }
    }
    if !errors.is_empty() {
        return Err(Problem::validation(errors).into());
    }
    let now = now_ms();
    sqlx::query(
        "INSERT INTO best_list (year, updated_at, updated_by) VALUES ($1, $2, $3) \
         ON CONFLICT (year) DO UPDATE SET updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(i64::from(year))
    .bind(now)
    .bind(by)
    .execute(tx.conn())
    .await?;
    sqlx::query("DELETE FROM best_list_entry WHERE year = $1")
        .bind(i64::from(year))
        .execute(tx.conn())
        .await?;
    for (position, c) in chosen.iter().enumerate() {
        sqlx::query(
            "INSERT INTO best_list_entry (year, compound_id, position, compound_name, district_code, \
             street_code, candidate_rank, satisfaction_basis_points, respondents, months_served, \
             served_since, as_of) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(i64::from(year))
        .bind(&c.compound_id)
        .bind(position as i64)
        .bind(&c.compound_name)
        .bind(&c.district_code)
        .bind(&c.street_code)
        .bind(c.rank)
        .bind(c.satisfaction_basis_points)
        .bind(c.respondents)
        .bind(c.months_served)
        .bind(&c.served_since)
        .bind(&ranked.as_of)
        .execute(tx.conn())
        .await?;
    }
    publish(tx, year, "selected").await
}

/// Publishes the year's list: 404 before a selection, 422 `empty_list` for an empty one,
/// 409 once published.
pub async fn publish_list(
    tx: &mut WriteTx,
    year: i32,
    by: &str,
) -> Result<BestList, shared::error::Error> {
    let list = load(tx.conn(), year)
        .await?
        .ok_or_else(|| Problem::not_found(format!("{year} 年度尚未遴选百佳示范小区。")))?;
    if list.published_at.is_some() {
        return Err(already_published(year).into());
    }
    if list.entries.is_empty() {
        return Err(Problem::validation(vec![FieldError::new(
            "compounds",
            "empty_list",
            "名单为空，不能公布",
        )])
        .into());
    }
    sqlx::query("UPDATE best_list SET published_at = $2, published_by = $3 WHERE year = $1")
        .bind(i64::from(year))
        .bind(now_ms())
        .bind(by)
        .execute(tx.conn())
        .await?;
    publish(tx, year, "published").await
}

async fn publish(
    tx: &mut WriteTx,
    year: i32,
    kind: &str,
) -> Result<BestList, shared::error::Error> {
    let list = load(tx.conn(), year)
        .await?
        .ok_or_else(|| anyhow::anyhow!("best list {year} vanished in its own transaction"))?;
    tx.emit(TOPIC, &year.to_string(), kind, &list).await?;
    Ok(list)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn months_are_whole_months_up_to_the_end_of_the_day() {
        assert_eq!(
            months_between(date!(2026 - 01 - 01), date!(2026 - 12 - 31)),
            12
        );
        assert_eq!(
            months_between(date!(2026 - 01 - 15), date!(2026 - 02 - 13)),
            0
        );
        assert_eq!(
            months_between(date!(2026 - 01 - 15), date!(2026 - 02 - 14)),
            1
        );
        assert_eq!(
            months_between(date!(2025 - 07 - 01), date!(2026 - 06 - 30)),
            12
        );
    }

    #[test]
    fn continuous_service_follows_contracts_without_a_gap() {
        let span = |s, e| Span {
            start: s,
            end: e,
            active: true,
        };
        let mut chain = vec![
            span(date!(2025 - 01 - 01), date!(2025 - 12 - 31)),
            span(date!(2026 - 01 - 01), date!(2026 - 12 - 31)),
        ];
        assert_eq!(
            served_since(&mut chain, false, date!(2026 - 06 - 30)),
            Some(date!(2025 - 01 - 01))
        );
        let mut gap = vec![
            span(date!(2024 - 01 - 01), date!(2024 - 12 - 30)),
            span(date!(2025 - 01 - 01), date!(2026 - 12 - 31)),
        ];
        assert_eq!(
            served_since(&mut gap, false, date!(2026 - 06 - 30)),
            Some(date!(2025 - 01 - 01))
        );
        assert_eq!(served_since(&mut gap, true, date!(2026 - 06 - 30)), None);
        assert_eq!(served_since(&mut gap, false, date!(2027 - 01 - 01)), None);
    }
}
