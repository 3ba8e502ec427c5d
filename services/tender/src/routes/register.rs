//! The owner register (业主名册) of a compound, under `/tenders/compounds/{cid}/register`.
//! Each handler parses the request, calls the domain ([`crate::owners::register`]) and
//! answers.
//!
//! | endpoint | who |
//! | --- | --- |
//! | `GET …/register`, `GET …/register/units/{uid}`, `GET …/register/history` | the compound's committee and street official (names and phones whole); its district official and the association (masked) |
//! | `POST …/register/units`, `PUT`/`DELETE …/register/units/{uid}`, `POST …/register/import`, `GET …/register/export` | the compound's committee and street official |
//! | `GET …/register/summary` | anyone: the derived totals |

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use shared::auth::Identity;
use shared::domain::DomainError;
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{Json, LateJson, Page, PageQuery, Pagination, Query};
use shared::feed::WriteTx;
use shared::sheet::{ImportMode, SheetFormat};
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::error::Result;
use crate::owners::register::{
    self, Access, ChangeKind, ImportReport, OwnerInput, OwnerView, RegisterSummary, RegisterView,
    Sight, Totals, Unit, UnitInput, UnitState, UnitView, VersionView,
};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(components(schemas(
    RegisterView,
    RegisterSummary,
    Totals,
    UnitView,
    UnitState,
    OwnerView,
    UnitInput,
    OwnerInput,
    VersionView,
    ChangeKind,
    ImportReport,
    Page<UnitView>,
    Page<VersionView>,
)))]
pub struct Api;

/// Largest accepted register file (the service-wide body limit still applies).
const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(get_register))
        .routes(routes!(summary))
        .routes(routes!(add_unit))
        .routes(routes!(get_unit, change_unit, remove_unit))
        .routes(routes!(history))
        .routes(routes!(import).layer(DefaultBodyLimit::max(MAX_FILE_BYTES)))
        .routes(routes!(export))
}

/// Filters of the register's units.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RegisterQuery {
    /// Only this building (楼栋, as the register writes it).
    pub building: Option<String>,
    /// Units whose label (`3栋2单元501`) contains this text; for readers who see names
    /// whole, also the owners' names and phones.
    pub q: Option<String>,
    /// `true`: the units taken out of the register instead of those in it.
    pub removed: Option<bool>,
}

fn text_filter(v: &mut Validation, field: &str, value: Option<&str>) -> Option<String> {
    let value = value.map(str::trim).filter(|s| !s.is_empty())?;
    if value.chars().count() > 40 {
        v.push(FieldError::new(
            field,
            "length",
            "筛选条件不能超过 40 个字符",
        ));
        return None;
    }
    Some(value.to_string())
}

/// A unit's label, or for `Whole` readers its owners, contains `q`.
fn matches(u: &Unit, q: &str, sight: Sight) -> bool {
    let label = u.label.to_string();
    if label.contains(q) || u.label.room().contains(q) {
        return true;
    }
    sight == Sight::Whole
        && match &u.holder {
            shared::domain::Holder::Owners(owners) => owners
                .iter()
                .any(|o| o.name().contains(q) || o.phone().is_some_and(|p| p.as_str().contains(q))),
            shared::domain::Holder::Developer => "未售".contains(q),
        }
}

/// A compound's register: its totals (derived from the units as SPC interpretation arts.
/// 8–9 count them), its buildings and one page of its units (by building, unit and room),
/// with names and phones whole for the compound's committee and street official, masked
/// for its district official and the association; anyone else 403.
#[utoipa::path(get, path = "/tenders/compounds/{cid}/register", tag = "register",
    params(("cid" = String, Path, description = "compound id"), RegisterQuery, PageQuery),
    responses((status = 200, body = RegisterView), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn get_register(
    State(app): State<AppState>,
    identity: Identity,
    Path(cid): Path<String>,
    Query(q): Query<RegisterQuery>,
    Query(page): Query<PageQuery>,
) -> Result<Json<RegisterView>> {
    let mut v = Validation::new();
    let building = text_filter(&mut v, "building", q.building.as_deref());
    let text = text_filter(&mut v, "q", q.q.as_deref());
    let page = page.collect(&mut v);
    let page = v.finish_with(|| page)?;
    let mut conn = app.db.pool.acquire().await?;
    let compound = register::compound(&mut conn, &cid).await?;
    let access = Access::of(&identity, &compound)?;
    let all = register::all_units(&mut conn, &cid).await?;
    let totals = Totals::of(&all);
    let per_owner = register::units_per_owner(all.iter());
    let mut buildings: Vec<String> = all
        .iter()
        .filter(|u| !u.removed)
        .map(|u| u.label.building().to_string())
        .collect();
    buildings.dedup();
    let removed = q.removed.unwrap_or(false);
    let chosen: Vec<&Unit> = all
        .iter()
        .filter(|u| u.removed == removed)
        .filter(|u| building.as_deref().is_none_or(|b| u.label.building() == b))
        .filter(|u| text.as_deref().is_none_or(|t| matches(u, t, access.sight)))
        .collect();
    let (limit, offset) = page.as_usize();
    let items = chosen
        .iter()
        .skip(offset)
        .take(limit)
        .map(|u| UnitView::of(u, access.sight, &per_owner))
        .collect();
    Ok(Json(RegisterView {
        compound_id: compound.id,
        compound_name: compound.name,
        area_m2: totals.area_m2(),
        totals,
        buildings,
        masked: access.sight == Sight::Masked,
        may_keep: access.keeps,
        units: page.of(items, chosen.len() as i64),
    }))
}

/// The register's totals, which every vote of the compound is measured against: units,
/// owners by head (art. 9: one owner of several units, and the developer's unsold units,
/// count as one) and exclusive area (art. 8). Public; all zero for a compound without a
/// register.
#[utoipa::path(get, path = "/tenders/compounds/{cid}/register/summary", tag = "register",
    params(("cid" = String, Path, description = "compound id")),
    responses((status = 200, body = RegisterSummary), (status = 404, body = Problem)))]
pub async fn summary(
    State(app): State<AppState>,
    Path(cid): Path<String>,
) -> Result<Json<RegisterSummary>> {
    let mut conn = app.db.pool.acquire().await?;
    let compound = register::compound(&mut conn, &cid).await?;
    let totals = Totals::of(&register::units(&mut conn, &compound.id).await?);
    let updated_at = register::last_change(&mut conn, &compound.id)
        .await?
        .map(crate::clock::to_rfc3339);
    Ok(Json(RegisterSummary {
        compound_id: compound.id,
        area_m2: totals.area_m2(),
        totals,
        updated_at,
    }))
}

/// Reads the compound and the caller's access to its register, inside `tx`.
async fn keeper(
    tx: &mut WriteTx,
    identity: &Identity,
    cid: &str,
) -> Result<crate::replica::CompoundCopy> {
    let compound = register::compound(tx.conn(), cid).await?;
    Access::of(identity, &compound)?.require_keeper()?;
    Ok(compound)
}

/// The unit as its keeper sees it (whole), with how many units its owner holds.
async fn answer(tx: &mut WriteTx, unit: &Unit) -> Result<UnitView> {
    let all = register::units(tx.conn(), &unit.compound_id).await?;
    let per_owner = register::units_per_owner(all.iter());
    Ok(UnitView::of(unit, Sight::Whole, &per_owner))
}

/// Adds a unit to the register (a unit taken out earlier under the same label is entered
/// again, as its next version). Roles: the compound's committee and street official. 409
/// `unit_exists` when the label is in the register; 422 with one message per field
/// (`building`, `room`, `area`, `owners[i].name`, `owners[i].phone`, `owners`).
#[utoipa::path(post, path = "/tenders/compounds/{cid}/register/units", tag = "register",
    params(("cid" = String, Path, description = "compound id")),
    request_body = UnitInput,
    responses((status = 201, body = UnitView), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn add_unit(
    State(app): State<AppState>,
    identity: Identity,
    Path(cid): Path<String>,
    body: LateJson<UnitInput>,
) -> Result<(StatusCode, Json<UnitView>)> {
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let compound = keeper(&mut tx, &identity, &cid).await?;
    let checked = body.value()?.check()?;
    let unit = register::create(
        tx.conn(),
        &compound.id,
        checked,
        &register::actor(&identity),
    )
    .await?;
    let view = answer(&mut tx, &unit).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(view)))
}

/// One unit of the register (a removed one too), whole or masked as for the register.
#[utoipa::path(get, path = "/tenders/compounds/{cid}/register/units/{uid}", tag = "register",
    params(("cid" = String, Path, description = "compound id"),
        ("uid" = String, Path, description = "unit id")),
    responses((status = 200, body = UnitView), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn get_unit(
    State(app): State<AppState>,
    identity: Identity,
    Path((cid, uid)): Path<(String, String)>,
) -> Result<Json<UnitView>> {
    let mut conn = app.db.pool.acquire().await?;
    let compound = register::compound(&mut conn, &cid).await?;
    let access = Access::of(&identity, &compound)?;
    let unit = register::unit(&mut conn, &compound.id, &uid)
        .await?
        .ok_or_else(|| Problem::not_found("名册中没有这套房屋。"))?;
    let all = register::units(&mut conn, &compound.id).await?;
    let per_owner = register::units_per_owner(all.iter());
    Ok(Json(UnitView::of(&unit, access.sight, &per_owner)))
}

/// Changes one unit (its label, area, owners or 未售), naming the `version` changed: 409
/// `stale_version` when someone changed it since. A removed unit is entered again. A change
/// that changes nothing writes nothing. Roles: the compound's committee and street
/// official.
#[utoipa::path(put, path = "/tenders/compounds/{cid}/register/units/{uid}", tag = "register",
    params(("cid" = String, Path, description = "compound id"),
        ("uid" = String, Path, description = "unit id")),
    request_body = UnitInput,
    responses((status = 200, body = UnitView), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn change_unit(
    State(app): State<AppState>,
    identity: Identity,
    Path((cid, uid)): Path<(String, String)>,
    body: LateJson<UnitInput>,
) -> Result<Json<UnitView>> {
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let compound = keeper(&mut tx, &identity, &cid).await?;
    let dto = body.value()?;
    let checked = dto.check()?;
    let version = dto.version_required()?;
    let unit = register::change(
        tx.conn(),
        &compound.id,
        &uid,
        version,
        checked,
        &register::actor(&identity),
    )
    .await?;
    let view = answer(&mut tx, &unit).await?;
    tx.commit().await?;
    Ok(Json(view))
}

/// The version a removal names.
#[derive(Debug, Deserialize, IntoParams)]
pub struct RemoveQuery {
    /// The version being removed (409 `stale_version` when the unit changed since).
    pub version: Option<i64>,
}

/// Takes a unit out of the register: out of the totals, kept with its history (adding it
/// again enters it again). Roles: the compound's committee and street official.
#[utoipa::path(delete, path = "/tenders/compounds/{cid}/register/units/{uid}", tag = "register",
    params(("cid" = String, Path, description = "compound id"),
        ("uid" = String, Path, description = "unit id"), RemoveQuery),
    responses((status = 200, body = UnitView), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn remove_unit(
    State(app): State<AppState>,
    identity: Identity,
    Path((cid, uid)): Path<(String, String)>,
    Query(q): Query<RemoveQuery>,
) -> Result<Json<UnitView>> {
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let compound = keeper(&mut tx, &identity, &cid).await?;
    let version = q.version.filter(|v| *v >= 1).ok_or_else(|| {
        Problem::validation(vec![FieldError::new(
            "version",
            "required",
            "请提供所移出记录的版本号（version），以免覆盖他人的修改",
        )])
    })?;
    let unit = register::remove(
        tx.conn(),
        &compound.id,
        &uid,
        version,
        &register::actor(&identity),
    )
    .await?;
    let view = answer(&mut tx, &unit).await?;
    tx.commit().await?;
    Ok(Json(view))
}

/// Which history.
#[derive(Debug, Deserialize, IntoParams)]
pub struct HistoryQuery {
    /// One unit's versions only.
    pub unit: Option<String>,
}

/// Every change to the register (of one unit with `unit`), newest first: what the unit was
/// before and after, how (`edit`, `remove`, `import` with its id), who and when. Whole or
/// masked as for the register.
#[utoipa::path(get, path = "/tenders/compounds/{cid}/register/history", tag = "register",
    params(("cid" = String, Path, description = "compound id"), HistoryQuery, PageQuery),
    responses((status = 200, body = Page<VersionView>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn history(
    State(app): State<AppState>,
    identity: Identity,
    Path(cid): Path<String>,
    Query(q): Query<HistoryQuery>,
    page: Pagination,
) -> Result<Json<Page<VersionView>>> {
    let mut conn = app.db.pool.acquire().await?;
    let compound = register::compound(&mut conn, &cid).await?;
    let access = Access::of(&identity, &compound)?;
    let versions = register::history(&mut conn, &compound.id, q.unit.as_deref(), page).await?;
    let Page {
        items,
        total,
        limit,
        offset,
    } = versions;
    Ok(Json(Page {
        items: items
            .iter()
            .map(|v| VersionView::of(v, access.sight))
            .collect(),
        total,
        limit,
        offset,
    }))
}

/// Query of the register import.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportQuery {
    /// `csv` or `xlsx`; when absent, taken from the `Content-Type`.
    pub format: Option<String>,
    /// `dry_run` (default), `strict` or `good_rows`.
    pub mode: Option<String>,
}

pub fn parse_format(f: &str) -> std::result::Result<SheetFormat, DomainError> {
    match f {
        "csv" => Ok(SheetFormat::Csv),
        "xlsx" => Ok(SheetFormat::Xlsx),
        _ => Err(DomainError::new(
            "invalid_format",
            "format 应为 csv 或 xlsx",
        )),
    }
}

/// Imports a register file (业主名册导入), sent as the raw request body: columns 楼栋, 单元,
/// 房号, 专有部分面积(㎡), 业主姓名 (co-owners separated by 、), 联系电话 (in the same
/// order), 状态 (empty, or 未售 for a unit the developer still holds), in any order, a title
/// row above allowed. Roles: the compound's committee and street official.
///
/// The answer is an [`ImportReport`] in every mode: 200 for `dry_run` (nothing written), for
/// `good_rows` (the valid rows imported) and for a clean `strict` import; **422 with the
/// same report body** when `strict` refuses a file with bad rows. Rows are matched to units
/// by label, so importing the same file again changes nothing; units the file does not name
/// are kept. A file that cannot be read (not CSV/XLSX, no header row, missing columns) is a
/// 422 problem `invalid_register_file`; a file over one of the reader's limits a 413
/// `register_file_too_large` naming it; a register that would hold more than 20,000 units a
/// 422 `register_full`.
#[utoipa::path(post, path = "/tenders/compounds/{cid}/register/import", tag = "register",
    params(("cid" = String, Path, description = "compound id"), ImportQuery),
    request_body(description = "the register file", content(
        (String = "text/csv"),
        (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    responses(
        (status = 200, body = ImportReport),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 422, description = "a strict import refused (the report, nothing imported), \
            or a file that cannot be read (a problem)", content(
            (ImportReport = "application/json"),
            (Problem = "application/problem+json"))),
        (status = 413, body = Problem)))]
pub async fn import(
    State(app): State<AppState>,
    identity: Identity,
    Path(cid): Path<String>,
    Query(q): Query<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    {
        let mut conn = app.db.pool.acquire().await?;
        let compound = register::compound(&mut conn, &cid).await?;
        Access::of(&identity, &compound)?.require_keeper()?;
    }
    let mut v = Validation::new();
    let format = match q.format.as_deref() {
        Some(f) => v.field("format", parse_format(f)),
        None => {
            let from_header = headers
                .get(header::CONTENT_TYPE)
                .and_then(|h| h.to_str().ok())
                .and_then(SheetFormat::from_content_type);
            if from_header.is_none() {
                v.push(FieldError::new(
                    "format",
                    "required",
                    "请用 format=csv 或 format=xlsx 指明文件格式",
                ));
            }
            from_header
        }
    };
    let mode = match q.mode.as_deref() {
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
    let (format, mode) = v.finish_with(|| Some((format?, mode?)))?;
    let outcome = register::import(
        &app.db,
        &app.notifier,
        &cid,
        &register::actor(&identity),
        format,
        mode,
        body,
    )
    .await?;
    let status = if outcome.refused {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, Json(outcome.report)).into_response())
}

/// Query of the register export.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportQuery {
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
}

/// Exports the register (业主名册导出) with the import's columns, names and phones whole,
/// so the file imports back unchanged. Roles: the compound's committee and street official
/// (the only ones who see names whole).
#[utoipa::path(get, path = "/tenders/compounds/{cid}/register/export", tag = "register",
    params(("cid" = String, Path, description = "compound id"), ExportQuery),
    responses(
        (status = 200, description = "the register file", content(
            (String = "text/csv"),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn export(
    State(app): State<AppState>,
    identity: Identity,
    Path(cid): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Result<Response> {
    let mut v = Validation::new();
    let format = match q.format.as_deref() {
        None => Some(SheetFormat::Csv),
        Some(f) => v.field("format", parse_format(f)),
    };
    let format = v.finish_with(|| format)?;
    let mut conn = app.db.pool.acquire().await?;
    let compound = register::compound(&mut conn, &cid).await?;
    Access::of(&identity, &compound)?.require_keeper()?;
    let units = register::units(&mut conn, &compound.id).await?;
    drop(conn);
    let bytes = tokio::task::spawn_blocking(move || match format {
        SheetFormat::Csv => register::export_csv(&units),
        SheetFormat::Xlsx => register::export_xlsx(&units),
    })
    .await
    .map_err(anyhow::Error::from)??;
    let ext = format.extension();
    let disposition = format!(
        "attachment; filename=\"register.{ext}\"; filename*=UTF-8''{}",
        percent_encode(&format!("{}业主名册.{ext}", compound.name))
    );
    let mut response = (StatusCode::OK, bytes).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.mime()),
    );
    if let Ok(v) = HeaderValue::from_str(&disposition) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// RFC 5987 percent-encoding of a file name.
fn percent_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}
