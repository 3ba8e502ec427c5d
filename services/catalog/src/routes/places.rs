//! `GET /catalog/districts`, `/catalog/districts/{code}`, `/catalog/streets`: public.

use axum::Json;
use axum::extract::{Path, Query, State};
use serde::{Deserialize, Serialize};
use shared::domain::DistrictCode;
use shared::error::{Problem, Validation};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::Result;
use crate::places::{self, District, Street};
use crate::state::AppState;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_districts))
        .routes(routes!(get_district))
        .routes(routes!(list_streets))
}

/// Chengdu's districts, counties and county-level cities. Public.
#[utoipa::path(get, path = "/catalog/districts", tag = "places",
    responses((status = 200, body = Vec<District>)))]
pub async fn list_districts(State(app): State<AppState>) -> Result<Json<Vec<District>>> {
    Ok(Json(places::districts(&app.db).await?))
}

/// One district with its streets.
#[derive(Debug, Serialize, ToSchema)]
pub struct DistrictDetail {
    #[serde(flatten)]
    pub district: District,
    pub street_list: Vec<Street>,
}

/// A district and its streets. Public.
#[utoipa::path(get, path = "/catalog/districts/{code}", tag = "places",
    params(("code" = String, Path, description = "6-digit district code")),
    responses((status = 200, body = DistrictDetail), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn get_district(
    State(app): State<AppState>,
    Path(code): Path<String>,
) -> Result<Json<DistrictDetail>> {
    let mut v = Validation::new();
    let code = v.field("code", DistrictCode::parse(&code));
    let code = v.finish_with(|| code)?;
    let district = places::districts(&app.db)
        .await?
        .into_iter()
        .find(|d| d.code == code.as_str())
        .ok_or_else(|| Problem::not_found("没有这个区县。"))?;
    let street_list = places::streets(&app.db, Some(code.as_str())).await?;
    Ok(Json(DistrictDetail {
        district,
        street_list,
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct StreetQuery {
    /// Only the streets of this district.
    pub district: Option<String>,
}

/// Streets and towns, optionally of one district. Public.
#[utoipa::path(get, path = "/catalog/streets", tag = "places", params(StreetQuery),
    responses((status = 200, body = Vec<Street>), (status = 422, body = Problem)))]
pub async fn list_streets(
    State(app): State<AppState>,
    Query(q): Query<StreetQuery>,
) -> Result<Json<Vec<Street>>> {
    let mut v = Validation::new();
    let district = match q.district.as_deref() {
        Some(d) => v.field("district", DistrictCode::parse(d)),
        None => None,
    };
    v.finish()?;
    let streets = places::streets(&app.db, district.as_ref().map(|d| d.as_str())).await?;
    Ok(Json(streets))
}
