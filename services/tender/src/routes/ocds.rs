//! OCDS 1.1 release packages (see [`crate::ocds`]): every published release, paginated
//! by a monotonic cursor, and the releases of one contracting process. Public.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use shared::error::Problem;
use shared::extract::{Json, Query};
use utoipa::IntoParams;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

use crate::error::Result;
use crate::input::declared;
use crate::ocds;
use crate::state::AppState;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(release_packages))
        .routes(routes!(process_package))
}

#[derive(Debug, Deserialize, IntoParams, Validate)]
pub struct ReleaseQuery {
    /// Only releases after this cursor (default 0: from the first). Each package's
    /// `links.next` carries the cursor of its last release.
    #[validate(range(min = 0, message = "after 不能为负数"))]
    pub after: Option<i64>,
    /// At most this many releases (1–200, default 100).
    #[validate(range(min = 1, max = 200, message = "limit 应在 1–200 之间"))]
    pub limit: Option<i64>,
}

/// `scheme://host` of the request, for the package's `uri`.
fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

fn package_response(package: serde_json::Value) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        Json(package),
    )
        .into_response()
}

/// Every published OCDS release, oldest first, as a release package (OCDS 1.1,
/// `release-package-schema.json`). Page through with `after` (the cursor in
/// `links.next`) until the answer is 204 No Content: a release package must hold at least
/// one release, so an empty page has no body. Sealed bids never appear: tenderers are
/// published only from the opening on.
#[utoipa::path(get, path = "/tenders/ocds/releases", tag = "ocds", params(ReleaseQuery),
    responses((status = 200, description = "an OCDS release package", body = serde_json::Value),
        (status = 204, description = "no release after the cursor"), (status = 422, body = Problem)))]
pub async fn release_packages(
    State(app): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ReleaseQuery>,
) -> Result<Response> {
    declared(&q)?;
    let (after, limit) = (q.after.unwrap_or(0), q.limit.unwrap_or(100));
    let mut conn = app.db.pool.acquire().await?;
    let releases = ocds::page(&mut conn, after, limit).await?;
    let Some(last) = releases.last().map(|r| r.seq) else {
        return Ok(StatusCode::NO_CONTENT.into_response());
    };
    let origin = origin(&headers);
    let base = format!("{origin}/tenders/ocds/releases");
    let uri = format!("{base}?after={after}&limit={limit}");
    let next = format!("{base}?after={last}&limit={limit}");
    Ok(package_response(ocds::package(
        &origin,
        &uri,
        &releases,
        Some(next),
    )))
}

/// The release package of one contracting process (a tender), every release oldest first.
#[utoipa::path(get, path = "/tenders/ocds/releases/{ocid}", tag = "ocds",
    params(("ocid" = String, Path, description = "the process's ocid: the configured prefix, `-`, the tender id")),
    responses((status = 200, description = "an OCDS release package", body = serde_json::Value),
        (status = 404, body = Problem)))]
pub async fn process_package(
    State(app): State<AppState>,
    headers: HeaderMap,
    Path(ocid): Path<String>,
) -> Result<Response> {
    let mut conn = app.db.pool.acquire().await?;
    let releases = ocds::of_process(&mut conn, &ocid).await?;
    if releases.is_empty() {
        return Err(Problem::not_found("没有这个采购过程的 OCDS 发布（草稿不发布）。").into());
    }
    let origin = origin(&headers);
    let uri = format!("{origin}/tenders/ocds/releases/{ocid}");
    Ok(package_response(ocds::package(
        &origin, &uri, &releases, None,
    )))
}
