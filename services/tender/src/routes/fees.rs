//! Fees collected (物业费收缴) under `/tenders/compounds/{cid}/fees` and
//! `/tenders/fee-collection`. Each handler parses the request, calls the domain
//! ([`crate::money::fees`]) and answers.
//!
//! | endpoint | who |
//! | --- | --- |
//! | `POST …/fees/bills`, `POST …/fees/payments`, `POST …/fees/payments/import`, `GET …/fees/arrears` | the compound's committee, the firm of its current contract |
//! | `GET …/fees/collection`, `GET /tenders/fee-collection` | anyone (a rate: no unit, no name) |

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use shared::auth::Identity;
use shared::clock::china_today;
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{Json, LateJson, Page, PageQuery, Query};
use shared::feed::WriteTx;
use shared::sheet::{ImportMode, SheetFormat};
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use super::register::parse_format;
use crate::error::Result;
use crate::money::budget;
use crate::money::fees::{
    self, Area, AreaCollection, Arrear, BillRun, BillRunInput, CollectionRate, Month,
    PaymentImportReport, PaymentInput, PaymentView,
};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(components(schemas(
    BillRun,
    BillRunInput,
    PaymentInput,
    PaymentView,
    PaymentImportReport,
    CollectionRate,
    AreaCollection,
    Arrear,
    Page<Arrear>,
)))]
pub struct Api;

/// Largest accepted payments file (the service-wide body limit still applies).
const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(generate_bills))
        .routes(routes!(record_payment))
        .routes(routes!(import_payments).layer(DefaultBodyLimit::max(MAX_FILE_BYTES)))
        .routes(routes!(arrears))
        .routes(routes!(compound_collection))
        .routes(routes!(area_collection))
}

/// A range of billing months.
#[derive(Debug, Deserialize, IntoParams)]
pub struct MonthsQuery {
    /// First month, `YYYY-MM` (default: January of this year).
    pub from: Option<String>,
    /// Last month, `YYYY-MM` (default: December of this year); at most 120 months.
    pub to: Option<String>,
}

impl MonthsQuery {
    fn collect(&self, v: &mut Validation) -> Option<(Month, Month)> {
        let year = china_today().year();
        fees::range(v, self.from.as_deref(), self.to.as_deref(), year)
    }
}

/// Bills every unit of the compound's register for a month (its exclusive area × the fee
/// standard of the year's approved budget, rounded half up to 分); units billed for the
/// month already are left as they were, so running it again bills only units added since.
/// 409 `no_approved_budget` when the year's budget is not approved. Roles: the compound's
/// committee, the firm of its current contract.
#[utoipa::path(post, path = "/tenders/compounds/{cid}/fees/bills", tag = "fees",
    params(("cid" = String, Path, description = "compound id")),
    request_body = BillRunInput,
    responses((status = 200, body = BillRun), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn generate_bills(
    State(app): State<AppState>,
    identity: Identity,
    Path(cid): Path<String>,
    body: LateJson<BillRunInput>,
) -> Result<Json<BillRun>> {
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let compound = budget::compound(tx.conn(), &cid).await?;
    budget::keeper(tx.conn(), &identity, &compound).await?;
    let month = body.value()?.check()?;
    let run = fees::generate(&mut tx, &identity, &compound, month).await?;
    tx.commit().await?;
    Ok(Json(run))
}

/// Records one payment against a bill of the compound: 404 for a bill it does not have,
/// 409 `duplicate_payment` when the reference (收据号 / 流水号) is recorded already, 422
/// `exceeds_owed` when it is more than the bill still owes (and per field otherwise).
/// Roles: the compound's committee, the firm of its current contract.
#[utoipa::path(post, path = "/tenders/compounds/{cid}/fees/payments", tag = "fees",
    params(("cid" = String, Path, description = "compound id")),
    request_body = PaymentInput,
    responses((status = 201, body = PaymentView), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn record_payment(
    State(app): State<AppState>,
    identity: Identity,
    Path(cid): Path<String>,
    body: LateJson<PaymentInput>,
) -> Result<(StatusCode, Json<PaymentView>)> {
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let compound = budget::compound(tx.conn(), &cid).await?;
    budget::keeper(tx.conn(), &identity, &compound).await?;
    let payment = body.value()?.check()?;
    let view = fees::record(&mut tx, &identity, &compound, payment).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// Query of the payments import.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportQuery {
    /// `csv` or `xlsx`; when absent, taken from the `Content-Type`.
    pub format: Option<String>,
    /// `dry_run` (default), `strict` or `good_rows`.
    pub mode: Option<String>,
}

impl ImportQuery {
    fn collect(
        &self,
        v: &mut Validation,
        headers: &HeaderMap,
    ) -> Option<(SheetFormat, ImportMode)> {
        let format = match self.format.as_deref() {
            Some(f) => v.field("format", parse_format(f)),
            None => headers
                .get(header::CONTENT_TYPE)
                .and_then(|h| h.to_str().ok())
                .and_then(SheetFormat::from_content_type)
                .or_else(|| {
                    v.push(FieldError::new(
                        "format",
                        "required",
                        "请用 format=csv 或 format=xlsx 指明文件格式",
                    ));
                    None
                }),
        };
        let mode = match self.mode.as_deref() {
            None | Some("dry_run") => Some(ImportMode::DryRun),
            Some("strict") => Some(ImportMode::Strict),
            Some("good_rows") => Some(ImportMode::GoodRows),
            Some(_) => {
                v.push(FieldError::new(
                    "mode",
                    "invalid_mode",
                    "mode 应为 dry_run（试导入）、strict（全部正确才导入）或 good_rows（导入正确的行）",
                ));
                None
            }
        };
        Some((format?, mode?))
    }
}

/// Imports payments from a file (缴费记录导入), sent as the raw request body: columns 楼栋,
/// 单元, 房号, 月份 (`YYYY-MM`), 金额(元), 缴费日期 (`YYYY-MM-DD`), 收据号, in any order.
/// Each row names a bill (the unit's for the month); a reference repeated in the file is
/// refused on every row; a row recorded already (same reference, bill and amount) is
/// counted in `already_recorded` and nothing is done; rows never pay more than a bill owes.
/// 200 with the report for `dry_run` (nothing written), `good_rows` and a clean `strict`;
/// **422 with the same report** when `strict` refuses a file with bad rows; a file that
/// cannot be read a 422 problem `invalid_payment_file`, one over a limit a 413
/// `payment_file_too_large`. Roles: the compound's committee, the firm of its current
/// contract.
#[utoipa::path(post, path = "/tenders/compounds/{cid}/fees/payments/import", tag = "fees",
    params(("cid" = String, Path, description = "compound id"), ImportQuery),
    request_body(description = "the payments file", content(
        (String = "text/csv"),
        (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    responses(
        (status = 200, body = PaymentImportReport),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 422, description = "a strict import refused (the report, nothing imported), \
            or a file that cannot be read (a problem)", content(
            (PaymentImportReport = "application/json"),
            (Problem = "application/problem+json"))),
        (status = 413, body = Problem)))]
pub async fn import_payments(
    State(app): State<AppState>,
    identity: Identity,
    Path(cid): Path<String>,
    Query(q): Query<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let mut conn = app.db.pool.acquire().await?;
    let compound = budget::compound(&mut conn, &cid).await?;
    budget::keeper(&mut conn, &identity, &compound).await?;
    drop(conn);
    let mut v = Validation::new();
    let how = q.collect(&mut v, &headers);
    let how = v.finish_with(|| how)?;
    let who = budget::actor(&identity);
    let (report, refused) =
        fees::import(&app.db, &app.notifier, &compound.id, &who, how, body).await?;
    let status = if refused {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, Json(report)).into_response())
}

/// The compound's arrears (欠费) for a range of months: each bill not paid in full, by unit
/// then month, with what it owes. Roles: the compound's committee, the firm of its current
/// contract; nobody else (officials and the association included: the public sees the
/// collection rate).
#[utoipa::path(get, path = "/tenders/compounds/{cid}/fees/arrears", tag = "fees",
    params(("cid" = String, Path, description = "compound id"), MonthsQuery, PageQuery),
    responses((status = 200, body = Page<Arrear>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn arrears(
    State(app): State<AppState>,
    identity: Identity,
    Path(cid): Path<String>,
    Query(q): Query<MonthsQuery>,
    Query(page): Query<PageQuery>,
) -> Result<Json<Page<Arrear>>> {
    let mut conn = app.db.pool.acquire().await?;
    let compound = budget::compound(&mut conn, &cid).await?;
    budget::keeper(&mut conn, &identity, &compound).await?;
    let mut v = Validation::new();
    let months = q.collect(&mut v);
    let page = page.collect(&mut v);
    let (months, page) = v.finish_with(|| Some((months?, page?)))?;
    Ok(Json(
        fees::arrears(&mut conn, &identity, &compound, months, page).await?,
    ))
}

/// The compound's collection rate (收缴率) for the bills of a range of months: billed and
/// paid 分 and paid ÷ billed. Public (no unit, no name).
#[utoipa::path(get, path = "/tenders/compounds/{cid}/fees/collection", tag = "fees",
    params(("cid" = String, Path, description = "compound id"), MonthsQuery),
    responses((status = 200, body = CollectionRate), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn compound_collection(
    State(app): State<AppState>,
    Path(cid): Path<String>,
    Query(q): Query<MonthsQuery>,
) -> Result<Json<CollectionRate>> {
    let mut v = Validation::new();
    let months = q.collect(&mut v);
    let months = v.finish_with(|| months)?;
    let mut conn = app.db.pool.acquire().await?;
    let compound = budget::compound(&mut conn, &cid).await?;
    Ok(Json(fees::of_compound(&mut conn, &compound, months).await?))
}

/// Which area's collection rate.
#[derive(Debug, Deserialize, IntoParams)]
pub struct AreaQuery {
    /// A street's code (街道); or
    pub street: Option<String>,
    /// a district's code (区县); neither: the city.
    pub district: Option<String>,
    /// First month, `YYYY-MM` (default: January of this year).
    pub from: Option<String>,
    /// Last month, `YYYY-MM` (default: December of this year).
    pub to: Option<String>,
}

fn code(v: &mut Validation, field: &str, value: Option<&str>) -> Option<String> {
    let value = value.map(str::trim).filter(|s| !s.is_empty())?;
    if value.chars().count() > 32 {
        v.push(FieldError::new(
            field,
            "length",
            "区划代码不能超过 32 个字符",
        ));
        return None;
    }
    Some(value.to_string())
}

/// The collection rate (收缴率) of a street, a district or the city for the bills of a
/// range of months: the total and each billing compound's rate (no unit, no name). Public;
/// 422 when both `street` and `district` are given.
#[utoipa::path(get, path = "/tenders/fee-collection", tag = "fees",
    params(AreaQuery),
    responses((status = 200, body = AreaCollection), (status = 422, body = Problem)))]
pub async fn area_collection(
    State(app): State<AppState>,
    Query(q): Query<AreaQuery>,
) -> Result<Json<AreaCollection>> {
    let mut v = Validation::new();
    let months = MonthsQuery {
        from: q.from,
        to: q.to,
    }
    .collect(&mut v);
    let area = match (
        code(&mut v, "street", q.street.as_deref()),
        code(&mut v, "district", q.district.as_deref()),
    ) {
        (Some(_), Some(_)) => {
            v.push(FieldError::new(
                "district",
                "one_area",
                "street 与 district 只能指定一个",
            ));
            None
        }
        (Some(s), None) => Some(Area::Street(s)),
        (None, Some(d)) => Some(Area::District(d)),
        (None, None) => Some(Area::City),
    };
    let (months, area) = v.finish_with(|| Some((months?, area?)))?;
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(fees::of_area(&mut conn, &area, months).await?))
}
