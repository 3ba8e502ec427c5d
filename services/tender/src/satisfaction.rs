//! Residents' satisfaction (满意度): a compound's committee records one survey per quarter
//! (satisfied / basically satisfied / dissatisfied counts), linked to the compound's
//! active contract (and so its firm) when it has one. The satisfaction rate is
//! (satisfied + basically satisfied) ÷ respondents; over several surveys (a firm's
//! compounds, a street) the counts are pooled before dividing, so a large compound weighs
//! more than a small one.
//!
//! A survey cannot outweigh its compound: the respondents (the three counts' sum) are at most
//! the compound's households in tender's copy of the ledger. It is credited to the firm
//! whose contract served the compound in the surveyed quarter ([`serving_contract`]: the
//! contract with the most days of service in that quarter up to today), never to a firm
//! that came later; a quarter no platform contract served is recorded without a firm (it
//! counts for the street and district, never for a firm).
//!
//! A survey, once recorded, is not replaced: a second one for the same compound and
//! quarter is refused (409), so the statistics other services and the public draw from it
//! never change under them.

use serde::{Deserialize, Serialize};
use shared::auth::Identity;
use shared::clock::china_today;
use shared::clock::now_ms;
use shared::db::{Filter, ListQuery, ResultExt, new_id};
use shared::error::{FieldError, Problem, Validation};
use shared::events::tender as events;
use shared::extract::Pagination;
use shared::feed::WriteTx;
use sqlx::{AnyConnection, Row};
use time::Date;
use utoipa::ToSchema;
use validator::Validate;

use crate::audit;
use crate::clock::{self, to_rfc3339};
use crate::error::Result;
use crate::input::{refused, unknown_compound};
use crate::period::Period;
use crate::rows::Conditions;

/// A survey's counts for one quarter.
#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct NewSurvey {
    pub compound_id: String,
    /// The quarter surveyed, e.g. `2026-Q3` (not one that has not begun).
    pub period: String,
    /// 满意.
    #[validate(range(min = 0, max = 1_000_000, message = "“满意”人数应在 0–1000000 之间"))]
    pub satisfied: i64,
    /// 基本满意.
    #[validate(range(
        min = 0,
        max = 1_000_000,
        message = "“基本满意”人数应在 0–1000000 之间"
    ))]
    pub basically_satisfied: i64,
    /// 不满意.
    #[validate(range(min = 0, max = 1_000_000, message = "“不满意”人数应在 0–1000000 之间"))]
    pub dissatisfied: i64,
}

/// A survey checked field by field, ready to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedSurvey {
    pub compound_id: String,
    /// A quarter that has begun.
    pub quarter: Period,
    pub satisfied: i64,
    pub basically_satisfied: i64,
    pub dissatisfied: i64,
}

impl CheckedSurvey {
    /// The three counts' sum.
    pub fn respondents(&self) -> i64 {
        self.satisfied + self.basically_satisfied + self.dissatisfied
    }
}

impl NewSurvey {
    /// A quarter that has begun, counts of 0–1 000 000 each, at least one respondent.
    pub fn check(self) -> std::result::Result<CheckedSurvey, Problem> {
        let mut v = Validation::new();
        v.validator(self.validate());
        let counts_ok = v.is_empty();
        let quarter = v.field("period", Period::parse_quarter(&self.period));
        if quarter.is_some_and(|p| p.start() > china_today()) {
            v.push(FieldError::new(
                "period",
                "period_not_begun",
                "该季度尚未开始，不能记录满意度调查",
            ));
        }
        if counts_ok && self.satisfied + self.basically_satisfied + self.dissatisfied == 0 {
            v.push(FieldError::new(
                "respondents",
                "no_respondents",
                "受访人数（三项之和）必须大于 0",
            ));
        }
        match quarter {
            Some(quarter) if v.is_empty() => Ok(CheckedSurvey {
                compound_id: self.compound_id,
                quarter,
                satisfied: self.satisfied,
                basically_satisfied: self.basically_satisfied,
                dissatisfied: self.dissatisfied,
            }),
            _ => Err(refused(v)),
        }
    }
}

fn survey_exists(period: &str) -> Problem {
    Problem::conflict(
        "survey_exists",
        format!("该小区 {period} 的满意度调查已记录，不能重复记录或覆盖。"),
    )
}

/// Records a checked survey, inside the transaction: one per compound and quarter (409
/// `survey_exists`), only for quarters that ended before the compound's owner register
/// existed (409 `register_exists`: later ones are answered per unit), the respondents at most the compound's households (422
/// `exceeds_households`), credited to the contract that served the quarter
/// ([`serving_contract`]).
pub async fn record(
    tx: &mut WriteTx,
    survey: CheckedSurvey,
    identity: &Identity,
) -> Result<Survey> {
    let period = survey.quarter.to_string();
    let compound = crate::replica::compound(tx.conn(), &survey.compound_id)
        .await?
        .ok_or_else(unknown_compound)?;
    let exists: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM satisfaction_survey WHERE compound_id = $1 AND period = $2",
    )
    .bind(&compound.id)
    .bind(&period)
    .fetch_one(&mut *tx.conn())
    .await?;
    if exists > 0 {
        return Err(survey_exists(&period).into());
    }
    if let Some(first) = register_since(tx.conn(), &compound.id).await?
        && survey.quarter.end() >= shared::clock::china_date(first)
    {
        return Err(Problem::conflict(
            "register_exists",
            format!(
                "该小区自 {} 起已有业主名册：此后季度的满意度调查须按户作答（开展按户调查），不能录入汇总数。",
                clock::format_date(shared::clock::china_date(first))
            ),
        )
        .into());
    }
    let respondents = survey.respondents();
    if respondents > compound.households {
        return Err(Problem::validation(vec![FieldError::new(
            "respondents",
            "exceeds_households",
            format!(
                "受访人数（三项之和 {respondents} 人）超过小区总户数 {} 户",
                compound.households
            ),
        )])
        .into());
    }
    let contracts = served_contracts(tx.conn(), &compound.id).await?;
    let (contract_id, firm_id) = match serving_contract(
        &contracts,
        survey.quarter.start(),
        survey.quarter.end(),
        china_today(),
    ) {
        Some(c) => (Some(c.contract_id.clone()), Some(c.firm_id.clone())),
        None => (None, None),
    };
    let now = now_ms();
    let s = Survey {
        id: new_id(),
        compound_id: compound.id.clone(),
        street_code: compound.street_code.clone(),
        district_code: compound.district_code.clone(),
        contract_id,
        firm_id,
        period: period.clone(),
        satisfied: survey.satisfied,
        basically_satisfied: survey.basically_satisfied,
        dissatisfied: survey.dissatisfied,
        respondents,
        rate: rate(
            survey.satisfied,
            survey.basically_satisfied,
            survey.dissatisfied,
        )
        .unwrap_or(0.0),
        recorded_at: to_rfc3339(now),
        verified: false,
        verified_label: verified_label(false),
    };
    insert(tx.conn(), &s, &identity.account_id, now)
        .await
        .on_constraint(|| survey_exists(&period))?;
    tx.emit(events::SATISFACTION, &s.id, "recorded", &s.change())
        .await?;
    audit::record_step(
        tx.conn(),
        identity,
        ("satisfaction", &s.id),
        None,
        ("recorded", false),
        &s.change(),
    )
    .await?;
    Ok(s)
}

/// When the compound's owner register got its first unit, if it has one.
async fn register_since(conn: &mut AnyConnection, compound_id: &str) -> Result<Option<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT MIN(changed_at) FROM register_unit_history WHERE compound_id = $1",
    )
    .bind(compound_id)
    .fetch_one(&mut *conn)
    .await?)
}

/// Every contract of a compound with its days of service.
pub async fn served_contracts(conn: &mut AnyConnection, compound_id: &str) -> Result<Vec<Served>> {
    let rows = sqlx::query(
        "SELECT id, firm_id, start_date, end_date, terminated_on FROM contract WHERE compound_id = $1",
    )
    .bind(compound_id)
    .fetch_all(&mut *conn)
    .await?;
    let date = |s: String| {
        clock::parse_date(&s).map_err(|e| anyhow::anyhow!("stored contract date {s}: {e:?}"))
    };
    let mut out = Vec::with_capacity(rows.len());
    for r in &rows {
        let end = date(r.try_get("end_date")?)?;
        let terminated: Option<String> = r.try_get("terminated_on")?;
        let last = match terminated {
            Some(t) => date(t)?.min(end),
            None => end,
        };
        out.push(Served {
            contract_id: r.try_get("id")?,
            firm_id: r.try_get("firm_id")?,
            start: date(r.try_get("start_date")?)?,
            last,
        });
    }
    Ok(out)
}

/// The feed payload of topic `satisfaction` (kind `recorded`): the type its followers
/// decode.
pub use shared::events::tender::SurveyPublished as SurveyChange;

/// A survey as the API shows it: the recorded counts plus the respondents and rate.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Survey {
    pub id: String,
    pub compound_id: String,
    pub street_code: Option<String>,
    pub district_code: String,
    pub contract_id: Option<String>,
    pub firm_id: Option<String>,
    pub period: String,
    pub satisfied: i64,
    pub basically_satisfied: i64,
    pub dissatisfied: i64,
    /// satisfied + basically satisfied + dissatisfied.
    pub respondents: i64,
    /// (satisfied + basically satisfied) ÷ respondents, 4 decimals.
    pub rate: f64,
    pub recorded_at: String,
    /// Counted from one answer per unit of the owner register (a survey per unit), or
    /// typed as totals by the committee (`false`: 未经名册核验).
    #[serde(default)]
    pub verified: bool,
    /// `按户作答` or `未经名册核验`.
    #[serde(default)]
    pub verified_label: String,
}

/// The label of a survey's `verified`.
pub fn verified_label(verified: bool) -> String {
    if verified {
        "按户作答"
    } else {
        crate::votes::UNVERIFIED
    }
    .to_string()
}

impl Survey {
    /// The feed payload.
    pub fn change(&self) -> SurveyChange {
        SurveyChange {
            id: self.id.clone(),
            compound_id: self.compound_id.clone(),
            street_code: self.street_code.clone(),
            district_code: self.district_code.clone(),
            contract_id: self.contract_id.clone(),
            firm_id: self.firm_id.clone(),
            period: self.period.clone(),
            satisfied: self.satisfied,
            basically_satisfied: self.basically_satisfied,
            dissatisfied: self.dissatisfied,
            recorded_at: Some(self.recorded_at.clone()),
        }
    }
}

/// A contract's days of service, as [`serving_contract`] weighs them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    pub contract_id: String,
    pub firm_id: String,
    pub start: Date,
    /// The last day of service: the end of the term, or the termination day.
    pub last: Date,
}

/// The contract that served a compound in the quarter `[from, to]`, counting only days up
/// to `today`: the one with the most days of service in it (the later start wins a tie);
/// `None` when no contract served a day of it.
pub fn serving_contract(
    contracts: &[Served],
    from: Date,
    to: Date,
    today: Date,
) -> Option<&Served> {
    let to = to.min(today);
    contracts
        .iter()
        .filter_map(|c| {
            let (a, b) = (c.start.max(from), c.last.min(to));
            (a <= b).then(|| ((b - a).whole_days(), c.start, c))
        })
        .max_by_key(|(days, start, _)| (*days, *start))
        .map(|(_, _, c)| c)
}

/// The satisfaction rate of pooled counts, to 4 decimals; `None` without respondents.
pub fn rate(satisfied: i64, basically: i64, dissatisfied: i64) -> Option<f64> {
    let total = satisfied + basically + dissatisfied;
    if total <= 0 {
        return None;
    }
    // Rounded in integer arithmetic: 10 000ths, half up.
    let num = i128::from(satisfied + basically) * 20_000 + i128::from(total);
    let tenths_of_mille = num / (2 * i128::from(total));
    Some(tenths_of_mille as f64 / 10_000.0)
}

pub const COLUMNS: &str = "id, compound_id, street_code, district_code, contract_id, firm_id, period, \
    satisfied, basically_satisfied, dissatisfied, recorded_at";

/// What a read selects: [`COLUMNS`] and whether the survey was counted per unit.
pub const SELECT: &str = concat!(
    "id, compound_id, street_code, district_code, contract_id, firm_id, period, \
    satisfied, basically_satisfied, dissatisfied, recorded_at, ",
    shared::bool_column!("verified", "verified")
);

pub fn from_row(r: &sqlx::any::AnyRow) -> std::result::Result<Survey, sqlx::Error> {
    let verified = shared::db::flag(r, "verified")?;
    let satisfied: i64 = r.try_get("satisfied")?;
    let basically: i64 = r.try_get("basically_satisfied")?;
    let dissatisfied: i64 = r.try_get("dissatisfied")?;
    Ok(Survey {
        id: r.try_get("id")?,
        compound_id: r.try_get("compound_id")?,
        street_code: r.try_get("street_code")?,
        district_code: r.try_get("district_code")?,
        contract_id: r.try_get("contract_id")?,
        firm_id: r.try_get("firm_id")?,
        period: r.try_get("period")?,
        satisfied,
        basically_satisfied: basically,
        dissatisfied,
        respondents: satisfied + basically + dissatisfied,
        rate: rate(satisfied, basically, dissatisfied).unwrap_or(0.0),
        recorded_at: to_rfc3339(r.try_get("recorded_at")?),
        verified,
        verified_label: verified_label(verified),
    })
}

/// Stores a survey.
pub async fn insert(
    conn: &mut AnyConnection,
    s: &Survey,
    recorded_by: &str,
    at: i64,
) -> std::result::Result<(), sqlx::Error> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO satisfaction_survey ({COLUMNS}, recorded_by) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    )))
    .bind(&s.id)
    .bind(&s.compound_id)
    .bind(&s.street_code)
    .bind(&s.district_code)
    .bind(&s.contract_id)
    .bind(&s.firm_id)
    .bind(&s.period)
    .bind(s.satisfied)
    .bind(s.basically_satisfied)
    .bind(s.dissatisfied)
    .bind(at)
    .bind(recorded_by)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The pooled counts of one quarter.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct PeriodSummary {
    pub period: String,
    pub surveys: i64,
    pub satisfied: i64,
    pub basically_satisfied: i64,
    pub dissatisfied: i64,
    pub respondents: i64,
    /// (satisfied + basically satisfied) ÷ respondents, 4 decimals.
    pub rate: Option<f64>,
}

/// Satisfaction of the surveys matching the filters: pooled counts and rate, the same per
/// quarter, and the surveys themselves (newest quarter first).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct SatisfactionSummary {
    pub surveys: i64,
    pub satisfied: i64,
    pub basically_satisfied: i64,
    pub dissatisfied: i64,
    pub respondents: i64,
    /// (satisfied + basically satisfied) ÷ respondents over every matching survey, 4
    /// decimals; absent without surveys.
    pub rate: Option<f64>,
    /// Oldest quarter first.
    pub by_period: Vec<PeriodSummary>,
    pub items: Vec<Survey>,
    pub limit: i64,
    pub offset: i64,
}

/// Which surveys a summary pools.
#[derive(Debug, Clone, Default)]
pub struct SummaryFilter {
    pub compound: Option<String>,
    pub firm: Option<String>,
    pub street: Option<String>,
    pub district: Option<String>,
    pub period: Option<String>,
}

/// The pooled satisfaction of the surveys matching `f`, per quarter, and one page of them.
pub async fn summary(
    conn: &mut AnyConnection,
    f: &SummaryFilter,
    page: Pagination,
) -> std::result::Result<SatisfactionSummary, sqlx::Error> {
    let mut filter = Filter::default();
    filter.equal([
        ("compound_id", f.compound.as_deref()),
        ("firm_id", f.firm.as_deref()),
        ("street_code", f.street.as_deref()),
        ("district_code", f.district.as_deref()),
        ("period", f.period.as_deref()),
    ]);
    let where_sql = filter.sql();
    let sums = "COUNT(*) AS surveys, CAST(COALESCE(SUM(satisfied), 0) AS BIGINT) AS satisfied, \
        CAST(COALESCE(SUM(basically_satisfied), 0) AS BIGINT) AS basically_satisfied, \
        CAST(COALESCE(SUM(dissatisfied), 0) AS BIGINT) AS dissatisfied";
    let bound = |sql: String| filter.bind_to(sqlx::query(sqlx::AssertSqlSafe(sql)));
    let summary = |r: &sqlx::any::AnyRow,
                   period: String|
     -> std::result::Result<PeriodSummary, sqlx::Error> {
        let (s, b, d): (i64, i64, i64) = (
            r.try_get("satisfied")?,
            r.try_get("basically_satisfied")?,
            r.try_get("dissatisfied")?,
        );
        Ok(PeriodSummary {
            period,
            surveys: r.try_get("surveys")?,
            satisfied: s,
            basically_satisfied: b,
            dissatisfied: d,
            respondents: s + b + d,
            rate: rate(s, b, d),
        })
    };
    let all = bound(format!("SELECT {sums} FROM satisfaction_survey{where_sql}"))
        .fetch_one(&mut *conn)
        .await?;
    let all = summary(&all, String::new())?;
    let rows = bound(format!(
        "SELECT period, {sums} FROM satisfaction_survey{where_sql} GROUP BY period ORDER BY period"
    ))
    .fetch_all(&mut *conn)
    .await?;
    let by_period = rows
        .iter()
        .map(|r| summary(r, r.try_get("period")?))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let surveys = ListQuery {
        columns: SELECT,
        from: "satisfaction_survey",
        filter: &filter,
        order_by: "period DESC, recorded_at DESC, id DESC",
    }
    .page(conn, page, from_row)
    .await?;
    Ok(SatisfactionSummary {
        surveys: all.surveys,
        satisfied: all.satisfied,
        basically_satisfied: all.basically_satisfied,
        dissatisfied: all.dissatisfied,
        respondents: all.respondents,
        rate: all.rate,
        by_period,
        items: surveys.items,
        limit: page.limit,
        offset: page.offset,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rate_counts_basically_satisfied_as_satisfied() {
        assert_eq!(rate(60, 30, 10), Some(0.9));
        assert_eq!(rate(1, 1, 1), Some(0.6667));
        assert_eq!(rate(0, 0, 3), Some(0.0));
        assert_eq!(rate(2, 0, 0), Some(1.0));
        assert_eq!(rate(0, 0, 0), None);
    }

    #[test]
    fn a_quarter_is_credited_to_the_contract_that_served_it() {
        use time::macros::date;
        let served = |id: &str, start: Date, last: Date| Served {
            contract_id: id.into(),
            firm_id: format!("f-{id}"),
            start,
            last,
        };
        let old = served("old", date!(2024 - 01 - 01), date!(2026 - 08 - 10));
        let new = served("new", date!(2026 - 08 - 11), date!(2029 - 08 - 10));
        let list = [old.clone(), new.clone()];
        let today = date!(2026 - 12 - 01);
        let q = |from: Date, to: Date| {
            serving_contract(&list, from, to, today).map(|c| c.contract_id.as_str())
        };
        // 2026-Q2: only the old firm; Q3: old 41 days, new 51 days; Q4 so far: the new one.
        assert_eq!(q(date!(2026 - 04 - 01), date!(2026 - 06 - 30)), Some("old"));
        assert_eq!(q(date!(2026 - 07 - 01), date!(2026 - 09 - 30)), Some("new"));
        assert_eq!(q(date!(2026 - 10 - 01), date!(2026 - 12 - 31)), Some("new"));
        // Before any contract: nobody.
        assert_eq!(q(date!(2023 - 10 - 01), date!(2023 - 12 - 31)), None);
        // A contract starting after today has not served the current quarter yet.
        let later = [served(
            "later",
            date!(2026 - 12 - 15),
            date!(2029 - 12 - 14),
        )];
        assert_eq!(
            serving_contract(&later, date!(2026 - 10 - 01), date!(2026 - 12 - 31), today),
            None
        );
    }

    #[test]
    fn the_feed_payload_has_exactly_the_agreed_fields() {
        let s = Survey {
            id: "s1".into(),
            compound_id: "c1".into(),
            street_code: Some("510104017".into()),
            district_code: "510104".into(),
            contract_id: None,
            firm_id: None,
            period: "2026-Q3".into(),
            satisfied: 1,
            basically_satisfied: 2,
            dissatisfied: 3,
            respondents: 6,
            rate: 0.5,
            recorded_at: "2026-10-01T09:00:00.000+08:00".into(),
            verified: true,
            verified_label: verified_label(true),
        };
        let v = serde_json::to_value(s.change()).unwrap();
        let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
        let mut expected = vec![
            "id",
            "compound_id",
            "street_code",
            "district_code",
            "contract_id",
            "firm_id",
            "period",
            "satisfied",
            "basically_satisfied",
            "dissatisfied",
            "recorded_at",
        ];
        expected.sort_unstable();
        let mut keys = keys;
        keys.sort_unstable();
        assert_eq!(keys, expected);
        assert!(v["contract_id"].is_null() && v["firm_id"].is_null());
    }
}
