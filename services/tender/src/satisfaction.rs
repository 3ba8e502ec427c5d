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
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use time::Date;

use crate::clock::to_rfc3339;

/// The feed payload of topic `satisfaction` (kind `recorded`), exactly these fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct SurveyChange {
    pub id: String,
    pub compound_id: String,
    /// The compound's street (9 digits), from tender's copy of the catalog's compound.
    pub street_code: Option<String>,
    /// The compound's district (6 digits).
    pub district_code: String,
    /// The compound's active contract when the survey was recorded.
    pub contract_id: Option<String>,
    /// That contract's firm.
    pub firm_id: Option<String>,
    /// The quarter, e.g. `2026-Q3`.
    pub period: String,
    pub satisfied: i64,
    pub basically_satisfied: i64,
    pub dissatisfied: i64,
    /// RFC 3339.
    pub recorded_at: String,
}

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
            recorded_at: self.recorded_at.clone(),
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

pub fn from_row(r: &sqlx::any::AnyRow) -> Result<Survey, sqlx::Error> {
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
    })
}

/// Stores a survey.
pub async fn insert(
    conn: &mut AnyConnection,
    s: &Survey,
    recorded_by: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
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
