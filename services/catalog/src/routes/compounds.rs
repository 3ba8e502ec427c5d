//! The compounds API (小区台账):
//!
//! | endpoint | who |
//! | --- | --- |
//! | `POST /catalog/compounds` | association; district official in its district; street official in its street |
//! | `GET /catalog/compounds`, `GET /catalog/compounds/{id}` | anyone (public facts) |
//! | `PUT /catalog/compounds/{id}` | the officials above, for compounds in reach (and not moving them out); the compound's committee for its facilities and governance body only |
//! | `POST /catalog/compounds/import` | the officials above; rows outside their reach are row errors |
//! | `GET /catalog/compounds/export` | the officials above, for the compounds in reach |

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use shared::auth::{Identity, Role, Scope};
use shared::db::ResultExt;
use shared::domain::{DistrictCode, StreetCode};
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{Json, Page, PageQuery, Query};
use shared::feed::WriteTx;
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::router::UtoipaMethodRouterExt;
use utoipa_axum::routes;

use crate::compounds::ledger::{self, ImportMode, ImportReport, LedgerFormat, RowError};
use crate::compounds::{
    self, COMMITTEE_FIELDS, Compound, CompoundFacts, CompoundFilter, CompoundInput, Facilities,
    FacilitiesInput, GovernanceBody, LocationInput, Management, Reach,
};
use crate::error::Result;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    components(schemas(
        Compound,
        CompoundFacts,
        Facilities,
        Management,
        GovernanceBody,
        CompoundInput,
        LocationInput,
        FacilitiesInput,
        ImportReport,
        RowError,
        ImportMode,
        LedgerFormat,
        Page<Compound>,
    ))
)]
pub struct Api;

/// Largest accepted ledger file (the service-wide body limit still applies).
const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(create, list))
        .routes(routes!(import).layer(DefaultBodyLimit::max(MAX_FILE_BYTES)))
        .routes(routes!(export))
        .routes(routes!(get_one, update))
}

/// A validated body, or the 422 naming every bad field.
fn checked(input: &CompoundInput) -> Result<CompoundFacts, Problem> {
    compounds::validate(input).map_err(Problem::validation)
}

/// Registers a compound. Association anywhere, district officials in their district,
/// street officials in their street; everyone else 403.
#[utoipa::path(post, path = "/catalog/compounds", tag = "compounds",
    request_body = CompoundInput,
    responses(
        (status = 201, body = Compound),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 409, body = Problem, description = "the code is taken"),
        (status = 422, body = Problem, description = "every bad field at once")))]
pub async fn create(
    State(app): State<AppState>,
    identity: Identity,
    Json(input): Json<CompoundInput>,
) -> Result<(StatusCode, Json<Compound>)> {
    let reach = Reach::of_official(&identity)?;
    let facts = checked(&input)?;
    reach.require(facts.street, "无权登记该小区")?;
    let compound = Compound::new(facts);
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    if compounds::code_in_use(tx.conn(), &compound.facts.code, None).await? {
        return Err(compounds::code_taken(&compound.facts.code).into());
    }
    compounds::save(&mut tx, &compound, true)
        .await
        .on_constraint(|| compounds::code_taken(&compound.facts.code))?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(compound)))
}

/// Filters of the compound list. Bad values answer 422 naming the parameter.
#[derive(Debug, Deserialize, IntoParams)]
pub struct CompoundListQuery {
    /// Only this district (6-digit code).
    pub district: Option<String>,
    /// Only this street (9-digit code).
    pub street: Option<String>,
    /// Only this management: `none`, `self_managed`, `property_firm`, `other`.
    pub management: Option<String>,
    /// Only eligible-and-willing compounds (`true`) or the others (`false`).
    pub eligible: Option<String>,
    /// Only old compounds (`true`, 老旧小区) or the others (`false`).
    pub old: Option<String>,
    /// Text in the name, address, community or code.
    pub q: Option<String>,
}

/// A `true`/`false` query parameter; anything else is a field error.
fn flag(v: &mut Validation, field: &str, value: Option<&str>) -> Option<bool> {
    match value? {
        "true" => Some(true),
        "false" => Some(false),
        _ => {
            v.push(FieldError::new(
                field,
                "invalid_boolean",
                format!("{field} 应为 true 或 false"),
            ));
            None
        }
    }
}

/// Compounds by code, filtered and paginated. Public.
#[utoipa::path(get, path = "/catalog/compounds", tag = "compounds", params(CompoundListQuery, PageQuery),
    responses((status = 200, body = Page<Compound>), (status = 422, body = Problem)))]
pub async fn list(
    State(app): State<AppState>,
    Query(q): Query<CompoundListQuery>,
    Query(p): Query<PageQuery>,
) -> Result<Json<Page<Compound>>> {
    let mut v = Validation::new();
    let page = p.collect(&mut v);
    let filter = CompoundFilter {
        district: q
            .district
            .as_deref()
            .and_then(|d| v.field("district", DistrictCode::parse(d))),
        street: q
            .street
            .as_deref()
            .and_then(|s| v.field("street", StreetCode::parse(s))),
        management: q
            .management
            .as_deref()
            .and_then(|m| v.field("management", Management::parse(m))),
        eligible: flag(&mut v, "eligible", q.eligible.as_deref()),
        old: flag(&mut v, "old", q.old.as_deref()),
        q: q.q.clone(),
    };
    let page = v.finish_with(|| page)?;
    Ok(Json(compounds::list(&app.db, &filter, page).await?))
}

/// One compound's facts. Public.
#[utoipa::path(get, path = "/catalog/compounds/{id}", tag = "compounds",
    params(("id" = String, Path, description = "compound id")),
    responses((status = 200, body = Compound), (status = 404, body = Problem)))]
pub async fn get_one(
    State(app): State<AppState>,
    Path(id): Path<String>,
) -> Result<Json<Compound>> {
    let mut conn = app.db.pool.acquire().await?;
    let compound = compounds::fetch(&mut conn, &id)
        .await?
        .ok_or_else(not_found)?;
    Ok(Json(compound))
}

fn not_found() -> Problem {
    Problem::not_found("没有这个小区。")
}

/// Replaces a compound's record (the whole record is sent).
///
/// Officials: the compound must be in their reach, and stay there (403 otherwise).
/// A committee (scope: this compound) may change only `facilities`, `governance_body`
/// and `governance_formed_on`; a body that changes any other field is refused with 403
/// naming those fields (send the other fields as they are). A committee of another
/// compound, a firm, or a service: 403. Changing nothing writes nothing.
#[utoipa::path(put, path = "/catalog/compounds/{id}", tag = "compounds",
    params(("id" = String, Path, description = "compound id")),
    request_body = CompoundInput,
    responses(
        (status = 200, body = Compound),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn update(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Json(input): Json<CompoundInput>,
) -> Result<Json<Compound>> {
    // Who may edit at all, before anything is read.
    let official = match identity.role {
        Role::Committee => {
            identity.require_compound(&id)?;
            None
        }
        _ => Some(Reach::of_official(&identity)?),
    };
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let current = compounds::fetch(tx.conn(), &id)
        .await?
        .ok_or_else(not_found)?;
    if let Some(reach) = &official {
        reach.require(current.facts.street, "无权修改该小区")?;
    }
    let facts = checked(&input)?;
    match &official {
        Some(reach) => reach.require(facts.street, "不能将小区移出您的管辖范围")?,
        None => {
            let outside: Vec<&str> = compounds::changed_fields(&current.facts, &facts)
                .into_iter()
                .filter(|f| !COMMITTEE_FIELDS.contains(f))
                .collect();
            if !outside.is_empty() {
                return Err(Problem::forbidden(format!(
                    "小区自治组织只能修改配套设施和自治组织信息，不能修改：{}。",
                    outside.join("、")
                ))
                .with_errors(
                    outside
                        .iter()
                        .map(|f| FieldError::new(*f, "forbidden", "小区自治组织不能修改此项"))
                        .collect(),
                )
                .into());
            }
        }
    }
    if facts == current.facts {
        return Ok(Json(current));
    }
    if facts.code != current.facts.code
        && compounds::code_in_use(tx.conn(), &facts.code, Some(&id)).await?
    {
        return Err(compounds::code_taken(&facts.code).into());
    }
    let updated = current.with_facts(facts);
    compounds::save(&mut tx, &updated, false)
        .await
        .on_constraint(|| compounds::code_taken(&updated.facts.code))?;
    tx.commit().await?;
    Ok(Json(updated))
}

/// Query of the ledger import.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ImportQuery {
    /// `csv` or `xlsx`; when absent, taken from the `Content-Type`.
    pub format: Option<String>,
    /// `dry_run` (default), `strict` or `good_rows`.
    pub mode: Option<String>,
}

/// Imports a ledger file (台账导入), sent as the raw request body.
///
/// Officials only; rows outside the caller's reach are row errors. The answer is an
/// [`ImportReport`] in every mode: 200 for `dry_run` (nothing written), for `good_rows`
/// (the valid rows imported) and for a clean `strict` import; **422 with the same report
/// body** (`application/json`, `committed: false`) when `strict` refuses a file with bad
/// rows. A file that cannot be read at all (not CSV/XLSX, no header row, missing
/// columns) is a 422 problem `invalid_ledger_file`; a file over one of the reader's limits
/// (rows, columns, inflated size of an XLSX part, …) is a 413 problem
/// `ledger_file_too_large` naming the limit. A report lists at most 200 errors
/// (`errors_total` counts them all).
#[utoipa::path(post, path = "/catalog/compounds/import", tag = "compounds",
    params(ImportQuery),
    request_body(description = "the ledger file", content(
        (String = "text/csv"),
        (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    responses(
        (status = 200, body = ImportReport),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, description = "a strict import refused (the report, nothing imported), \
            or a file that cannot be read (a problem)", content(
            (ImportReport = "application/json"),
            (Problem = "application/problem+json"))),
        (status = 413, body = Problem)))]
pub async fn import(
    State(app): State<AppState>,
    identity: Identity,
    Query(q): Query<ImportQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response> {
    let reach = Reach::of_official(&identity)?;
    let mut v = Validation::new();
    let format = match q.format.as_deref() {
        Some(f) => v.field("format", parse_format(f)),
        None => {
            let from_header = headers
                .get(header::CONTENT_TYPE)
                .and_then(|h| h.to_str().ok())
                .and_then(LedgerFormat::from_content_type);
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
        None => Some(ImportMode::DryRun),
        Some("dry_run") => Some(ImportMode::DryRun),
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
    let outcome = ledger::import(&app.db, &app.notifier, reach, format, mode, body).await?;
    let status = if outcome.refused {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, Json(outcome.report)).into_response())
}

fn parse_format(f: &str) -> std::result::Result<LedgerFormat, shared::domain::DomainError> {
    match f {
        "csv" => Ok(LedgerFormat::Csv),
        "xlsx" => Ok(LedgerFormat::Xlsx),
        _ => Err(shared::domain::DomainError::new(
            "invalid_format",
            "format 应为 csv 或 xlsx",
        )),
    }
}

/// Query of the ledger export.
#[derive(Debug, Deserialize, IntoParams)]
pub struct ExportQuery {
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
}

/// Exports the ledger (台账导出) of the caller's reach, with the import's columns, so the
/// file imports back unchanged. Officials only.
#[utoipa::path(get, path = "/catalog/compounds/export", tag = "compounds",
    params(ExportQuery),
    responses(
        (status = 200, description = "the ledger file", content(
            (String = "text/csv"),
            (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn export(
    State(app): State<AppState>,
    identity: Identity,
    Query(q): Query<ExportQuery>,
) -> Result<Response> {
    let reach = Reach::to_read(&identity)?;
    let mut v = Validation::new();
    let format = match q.format.as_deref() {
        None => Some(LedgerFormat::Csv),
        Some(f) => v.field("format", parse_format(f)),
    };
    v.finish()?;
    let format = format.unwrap_or(LedgerFormat::Csv);
    let compounds = compounds::in_reach(&app.db, &reach).await?;
    let bytes = tokio::task::spawn_blocking(move || match format {
        LedgerFormat::Csv => ledger::export_csv(&compounds),
        LedgerFormat::Xlsx => ledger::export_xlsx(&compounds),
    })
    .await
    .map_err(anyhow::Error::from)??;
    let scope_name = match identity.scope {
        Scope::District(_) | Scope::Street(_) => reach.describe(),
        _ => "成都市".to_string(),
    };
    let ext = format.extension();
    let disposition = format!(
        "attachment; filename=\"compounds.{ext}\"; filename*=UTF-8''{}",
        percent_encode(&format!("{scope_name}小区台账.{ext}"))
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
