//! Residents' satisfaction surveys (满意度调查): recorded by a compound's committee,
//! summarised per compound, firm, street or district (see [`crate::satisfaction`]).

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use shared::auth::{Identity, Role};
use shared::db::{is_unique_violation, new_id, now_ms};
use shared::domain::{DistrictCode, StreetCode};
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{self, PageQuery, Query};
use shared::feed::WriteTx;
use sqlx::Row;
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::audit::{self, Actor};
use crate::clock;
use crate::error::Result;
use crate::period::Period;
use crate::satisfaction::{self, Survey, SurveyChange};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    paths(record_survey, satisfaction_summary),
    components(schemas(Survey, SurveyChange, NewSurvey, SatisfactionSummary, PeriodSummary))
)]
pub struct Api;

pub fn router() -> Router<AppState> {
    Router::new().route(
        "/satisfaction",
        get(satisfaction_summary).post(record_survey),
    )
}

/// A survey's counts for one quarter.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewSurvey {
    pub compound_id: String,
    /// The quarter surveyed, e.g. `2026-Q3` (not one that has not begun).
    pub period: String,
    /// 满意.
    pub satisfied: i64,
    /// 基本满意.
    pub basically_satisfied: i64,
    /// 不满意.
    pub dissatisfied: i64,
}

const MAX_COUNT: i64 = 1_000_000;

/// Records a compound's satisfaction survey for a quarter (topic `satisfaction`, kind
/// `recorded`). Role: the compound's committee. Counts are 0–1 000 000, at least one
/// resident must have answered and the respondents may not exceed the compound's
/// households (422 `exceeds_households` on `respondents`); the survey is credited to the
/// contract (and firm) that served the compound in that quarter, or to none when no
/// platform contract did. One survey per compound and quarter: a second is refused
/// (409) rather than replacing the first.
#[utoipa::path(post, path = "/tenders/satisfaction", tag = "satisfaction", request_body = NewSurvey,
    responses((status = 201, body = Survey), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn record_survey(
    State(app): State<AppState>,
    identity: Identity,
    extract::Json(dto): extract::Json<NewSurvey>,
) -> Result<(StatusCode, Json<Survey>)> {
    identity.require_any(&[Role::Committee])?;
    identity.require_compound(&dto.compound_id)?;
    let mut v = Validation::new();
    let period = v.field("period", Period::parse_quarter(&dto.period));
    if period.is_some_and(|p| p.start() > clock::today()) {
        v.push(FieldError::new(
            "period",
            "period_not_begun",
            "该季度尚未开始，不能记录满意度调查",
        ));
    }
    let mut counts_ok = true;
    for (field, label, n) in [
        ("satisfied", "满意", dto.satisfied),
        ("basically_satisfied", "基本满意", dto.basically_satisfied),
        ("dissatisfied", "不满意", dto.dissatisfied),
    ] {
        if !(0..=MAX_COUNT).contains(&n) {
            counts_ok = false;
            v.push(FieldError::new(
                field,
                "range",
                format!("“{label}”人数应在 0–{MAX_COUNT} 之间"),
            ));
        }
    }
    if counts_ok && dto.satisfied + dto.basically_satisfied + dto.dissatisfied == 0 {
        v.push(FieldError::new(
            "respondents",
            "no_respondents",
            "受访人数（三项之和）必须大于 0",
        ));
    }
    v.finish()?;
    let quarter = period.expect("validated");
    let period = quarter.to_string();

    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let compound = crate::replica::compound(tx.conn(), &dto.compound_id)
        .await?
        .ok_or_else(|| {
            Problem::validation(vec![FieldError::new(
                "compound_id",
                "unknown_compound",
                "平台尚未收到该小区的台账信息",
            )])
        })?;
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
    let respondents = dto.satisfied + dto.basically_satisfied + dto.dissatisfied;
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
    let (contract_id, firm_id) = match satisfaction::serving_contract(
        &contracts,
        quarter.start(),
        quarter.end(),
        clock::today(),
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
        satisfied: dto.satisfied,
        basically_satisfied: dto.basically_satisfied,
        dissatisfied: dto.dissatisfied,
        respondents,
        rate: satisfaction::rate(dto.satisfied, dto.basically_satisfied, dto.dissatisfied)
            .unwrap_or(0.0),
        recorded_at: clock::to_rfc3339(now),
    };
    if let Err(e) = satisfaction::insert(tx.conn(), &s, &identity.account_id, now).await {
        if is_unique_violation(&e) {
            return Err(survey_exists(&period).into());
        }
        return Err(e.into());
    }
    tx.emit("satisfaction", &s.id, "recorded", &s.change())
        .await?;
    audit::record(
        tx.conn(),
        audit::Entry {
            actor: &Actor::from(&identity),
            entity: "satisfaction",
            entity_id: &s.id,
            tender_id: None,
            action: "recorded",
            sealed: false,
            detail: &s.change(),
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(s)))
}

/// Every contract of a compound with its days of service.
async fn served_contracts(
    conn: &mut sqlx::AnyConnection,
    compound_id: &str,
) -> Result<Vec<satisfaction::Served>> {
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
        out.push(satisfaction::Served {
            contract_id: r.try_get("id")?,
            firm_id: r.try_get("firm_id")?,
            start: date(r.try_get("start_date")?)?,
            last,
        });
    }
    Ok(out)
}

fn survey_exists(period: &str) -> Problem {
    Problem::conflict(
        "survey_exists",
        format!("该小区 {period} 的满意度调查已记录，不能重复记录或覆盖。"),
    )
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SatisfactionQuery {
    /// One compound.
    pub compound: Option<String>,
    /// The compounds under this firm's contracts (at the time of each survey).
    pub firm: Option<String>,
    /// 9-digit street code.
    pub street: Option<String>,
    /// 6-digit district code.
    pub district: Option<String>,
    /// One quarter, e.g. `2026-Q3`.
    pub period: Option<String>,
    /// Surveys listed (1–200, default 50).
    pub limit: Option<i64>,
    pub offset: Option<i64>,
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

/// Satisfaction per compound, firm, street or district (and quarter). Public: matching
/// ranks firms by it and statistics rank streets and districts.
#[utoipa::path(get, path = "/tenders/satisfaction", tag = "satisfaction", params(SatisfactionQuery),
    responses((status = 200, body = SatisfactionSummary), (status = 422, body = Problem)))]
pub async fn satisfaction_summary(
    State(app): State<AppState>,
    Query(q): Query<SatisfactionQuery>,
) -> Result<Json<SatisfactionSummary>> {
    let mut v = Validation::new();
    let page = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .check();
    if let Err(errs) = &page {
        for e in errs {
            v.push(e.clone());
        }
    }
    let street = q
        .street
        .as_deref()
        .and_then(|s| v.field("street", StreetCode::parse(s)));
    let district = q
        .district
        .as_deref()
        .and_then(|s| v.field("district", DistrictCode::parse(s)));
    let period = q
        .period
        .as_deref()
        .and_then(|p| v.field("period", Period::parse_quarter(p)));
    v.finish()?;
    let (limit, offset) = page.expect("validated");
    let street = street.map(|s| s.as_str().to_string());
    let district = district.map(|d| d.as_str().to_string());
    let period = period.map(|p| p.to_string());

    let filter = "($1 IS NULL OR compound_id = $1) AND ($2 IS NULL OR firm_id = $2) \
        AND ($3 IS NULL OR street_code = $3) AND ($4 IS NULL OR district_code = $4) \
        AND ($5 IS NULL OR period = $5)";
    let sums = "COUNT(*) AS surveys, CAST(COALESCE(SUM(satisfied), 0) AS BIGINT) AS satisfied, \
        CAST(COALESCE(SUM(basically_satisfied), 0) AS BIGINT) AS basically_satisfied, \
        CAST(COALESCE(SUM(dissatisfied), 0) AS BIGINT) AS dissatisfied";
    let mut conn = app.db.pool.acquire().await?;
    let bind = |sql: String| {
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(q.compound.clone())
            .bind(q.firm.clone())
            .bind(street.clone())
            .bind(district.clone())
            .bind(period.clone())
    };
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
            rate: satisfaction::rate(s, b, d),
        })
    };
    let all = bind(format!(
        "SELECT {sums} FROM satisfaction_survey WHERE {filter}"
    ))
    .fetch_one(&mut *conn)
    .await?;
    let all = summary(&all, String::new())?;
    let rows = bind(format!(
        "SELECT period, {sums} FROM satisfaction_survey WHERE {filter} GROUP BY period ORDER BY period"
    ))
    .fetch_all(&mut *conn)
    .await?;
    let by_period = rows
        .iter()
        .map(|r| summary(r, r.try_get("period")?))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    let rows = bind(format!(
        "SELECT {} FROM satisfaction_survey WHERE {filter} \
         ORDER BY period DESC, recorded_at DESC, id DESC LIMIT $6 OFFSET $7",
        satisfaction::COLUMNS
    ))
    .bind(limit)
    .bind(offset)
    .fetch_all(&mut *conn)
    .await?;
    let items = rows
        .iter()
        .map(satisfaction::from_row)
        .collect::<std::result::Result<_, _>>()?;
    Ok(Json(SatisfactionSummary {
        surveys: all.surveys,
        satisfied: all.satisfied,
        basically_satisfied: all.basically_satisfied,
        dissatisfied: all.dissatisfied,
        respondents: all.respondents,
        rate: all.rate,
        by_period,
        items,
        limit,
        offset,
    }))
}
