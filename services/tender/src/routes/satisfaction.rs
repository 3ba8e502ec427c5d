//! Residents' satisfaction surveys (满意度调查): recorded by a compound's committee,
//! summarised per compound, firm, street or district (see [`crate::satisfaction`]). Each
//! handler parses the request, calls the domain and answers.

use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use shared::auth::{Identity, Role};
use shared::domain::{DistrictCode, StreetCode};
use shared::error::{Problem, Validation};
use shared::extract::{Json, LateJson, PageQuery, Query};
use shared::feed::WriteTx;
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::Result;
use crate::period::Period;
use crate::satisfaction::{
    self, NewSurvey, PeriodSummary, SatisfactionSummary, Survey, SurveyChange,
};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(components(schemas(
    Survey,
    SurveyChange,
    NewSurvey,
    SatisfactionSummary,
    PeriodSummary
)))]
pub struct Api;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi()).routes(routes!(satisfaction_summary, record_survey))
}

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
    body: LateJson<NewSurvey>,
) -> Result<(StatusCode, Json<Survey>)> {
    identity.require_any(&[Role::Committee])?;
    let dto = body.value()?;
    identity.require_compound(&dto.compound_id)?;
    let survey = dto.check()?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let s = satisfaction::record(&mut tx, survey, &identity).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(s)))
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
}

impl SatisfactionQuery {
    /// The filter, each bad parameter reported in `v`.
    fn check(&self, v: &mut Validation) -> satisfaction::SummaryFilter {
        let street = self
            .street
            .as_deref()
            .and_then(|s| v.field("street", StreetCode::parse(s)));
        let district = self
            .district
            .as_deref()
            .and_then(|s| v.field("district", DistrictCode::parse(s)));
        let period = self
            .period
            .as_deref()
            .and_then(|p| v.field("period", Period::parse_quarter(p)));
        satisfaction::SummaryFilter {
            compound: self.compound.clone(),
            firm: self.firm.clone(),
            street: street.map(|s| s.as_str().to_string()),
            district: district.map(|d| d.as_str().to_string()),
            period: period.map(|p| p.to_string()),
        }
    }
}

/// Satisfaction per compound, firm, street or district (and quarter), with one page of the
/// surveys. Public: matching ranks firms by it and statistics rank streets and districts.
#[utoipa::path(get, path = "/tenders/satisfaction", tag = "satisfaction", params(SatisfactionQuery, PageQuery),
    responses((status = 200, body = SatisfactionSummary), (status = 422, body = Problem)))]
pub async fn satisfaction_summary(
    State(app): State<AppState>,
    Query(q): Query<SatisfactionQuery>,
    Query(p): Query<PageQuery>,
) -> Result<Json<SatisfactionSummary>> {
    let mut v = Validation::new();
    let page = p.collect(&mut v);
    let filter = q.check(&mut v);
    let page = v.finish_with(|| page)?;
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(satisfaction::summary(&mut conn, &filter, page).await?))
}
