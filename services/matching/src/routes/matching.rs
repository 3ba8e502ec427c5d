//! Two-way matching (双向匹配), free-text search (检索) and bundles (片区化), answered from the
//! search index the feeds keep current.
//!
//! Who sees what:
//! - `GET /match/tenders/{id}/firms`: the committee (业委会) of the tender's compound and the
//!   association. Firms may **not** see it: the ranked list of a tender's candidates is the
//!   committee's shortlist, and showing it to a bidder would reveal its competitors' standing
//!   in the race. A firm sees its own side through `GET /match/firms/{id}/tenders`.
//! - `GET /match/firms/{id}/tenders`: that firm itself and the association.
//! - `GET /match/search`: anyone; public facts only (firms on the recommended roster, the
//!   compound ledger, open tenders — sealed bids are never indexed).
//! - `GET /match/bundles`: the street's officials, its district's officials and the association.

use std::borrow::Cow;

use axum::body::Bytes;
use axum::extract::{Path, State};
use search_index::{
    Bundle, DocKind, FirmMatch, IndexError, ScorePart, SearchFilters, Snapshot, TenderMatch,
    Weights,
};
use serde::{Deserialize, Serialize};
use shared::auth::{Identity, Role, Scope};
use shared::domain::StreetCode;
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{Json, Page, PageQuery, Pagination, Query};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::{Validate, ValidationError};

use crate::error::{Error, Result};
use crate::serving::{Answer, render};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    components(schemas(
        ScorePartView,
        FirmMatchView,
        TenderMatchView,
        SearchHitView,
        BundleView,
        Page<FirmMatchView>,
        Page<TenderMatchView>,
        Page<SearchHitView>
    ))
)]
pub struct Api;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(tender_firms))
        .routes(routes!(firm_tenders))
        .routes(routes!(search))
        .routes(routes!(bundles))
}

/// One part of a match score, with its Chinese explanation.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct ScorePartView {
    /// `distance`, `same_district`, `same_street`, `capacity`, `credit`, `satisfaction`,
    /// `whitelist`, `public_interest`, `experience`, `text`, `model`, `fee_model`, `grade` ….
    pub name: String,
    pub value: f64,
    /// 中文说明.
    pub detail: String,
}

impl From<ScorePart> for ScorePartView {
    fn from(p: ScorePart) -> Self {
        Self {
            name: p.name,
            value: p.value,
            detail: p.detail,
        }
    }
}

/// A firm matched to a tender, with the reasons.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct FirmMatchView {
    pub firm_id: String,
    pub name: String,
    /// Sum of the parts.
    pub score: f64,
    /// From the firm's office to the compound.
    pub distance_km: f64,
    pub parts: Vec<ScorePartView>,
    /// The tender's needs that the firm's profile meets, one entry per need in the needs'
    /// order, each given as the word the **profile** uses for it: the need's own word, a
    /// synonym from the property-service thesaurus (维护保养 for a need 维保, 车辆停放 for
    /// 停车), or, for a need met only in part, the parts found, joined. A compound word counts
    /// once (垃圾分类, not 垃圾 and 分类); boilerplate (需要, 24小时, 演示数据 …) is never a
    /// need. Needs not met are not listed: the `text` part's `detail` names them and the share
    /// covered.
    pub matched_terms: Vec<String>,
}

/// An open tender matched to a firm, with the reasons.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct TenderMatchView {
    pub tender_id: String,
    pub compound_id: String,
    pub compound_name: String,
    pub score: f64,
    pub distance_km: f64,
    pub parts: Vec<ScorePartView>,
    /// The services of the firm's profile that the tender's needs ask for, one entry per
    /// service in the profile's order, each given as the word the **tender** uses for it: the
    /// same word, a synonym from the property-service thesaurus, or, for a service asked for
    /// only in part, the parts found, joined. A compound word counts once; boilerplate is never
    /// a service. Services not asked for are not listed (see the `text` part's `detail`).
    pub matched_terms: Vec<String>,
}

/// One search result.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SearchHitView {
    /// `firm`, `compound` or `tender`.
    pub kind: String,
    pub id: String,
    /// The display name (a tender's is its compound's).
    pub name: String,
    /// Relevance (0 for a listing without `q`).
    pub score: f64,
    /// The terms of `q` found in the document's name or text: `q` segmented (jieba search
    /// mode, lower-cased, boilerplate and numbers dropped), exact terms only — free-text search
    /// uses no thesaurus and no needs, so overlapping words (消防设施, 消防) are listed apart.
    pub matched_terms: Vec<String>,
}

/// A suggested group of neighbouring small compounds (片区化).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BundleView {
    pub compound_ids: Vec<String>,
    pub total_households: u32,
    /// Largest distance between two members.
    pub max_pair_distance_km: f64,
    /// 理由.
    pub reason: String,
}

impl From<Bundle> for BundleView {
    fn from(b: Bundle) -> Self {
        Self {
            compound_ids: b.compound_ids,
            total_households: b.total_households,
            max_pair_distance_km: b.max_pair_distance_km,
            reason: b.reason,
        }
    }
}

/// An index error as the client should see it: a bad query is a 422 naming the field.
fn index_error(e: IndexError) -> Error {
    match e {
        IndexError::InvalidQuery { field, message } => {
            Problem::validation(vec![FieldError::new(field, "invalid", message)]).into()
        }
        other => Error::Internal(anyhow::Error::new(other)),
    }
}

/// Runs an index read on a search thread (see [`crate::serving`]).
async fn on_pool<T: Send + 'static>(
    app: &AppState,
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    app.pool
        .run(f)
        .await
        .map_err(|e| Error::Internal(anyhow::Error::new(e)))?
}

/// The answer to `key` on the index generation searches read now: kept from an earlier
/// request, or computed by `compute` on a search thread (`None`: nothing to answer, e.g. an
/// unknown id; not kept) and kept.
async fn cached(
    app: &AppState,
    key: String,
    compute: impl FnOnce(&Snapshot) -> Result<Option<Answer>> + Send + 'static,
) -> Result<Option<Answer>> {
    let snapshot = app.index.snapshot();
    let generation = snapshot.generation();
    if let Some(hit) = app.answers.get(generation, &key) {
        return Ok(Some(hit));
    }
    let found = on_pool(app, move || compute(&snapshot)).await?;
    if let Some(answer) = &found {
        app.answers.put(generation, key, answer);
    }
    Ok(found)
}

/// A page rendered as JSON on the calling (search) thread.
fn json<T: Serialize>(page: &Page<T>) -> Result<Bytes> {
    render(page).map_err(|e| Error::Internal(anyhow::Error::new(e)))
}

/// Checked bounds of a page (422 naming `limit` or `offset`), after the caller's role was.
fn page(q: &PageQuery) -> Result<Pagination> {
    Ok(q.checked().map_err(Problem::validation)?)
}

/// A page of `total` index hits, each made a view.
fn page_of<H, V>(
    page: Pagination,
    total: usize,
    hits: Vec<H>,
    view: impl FnMut(H) -> V,
) -> Page<V> {
    page.of(hits.into_iter().map(view).collect(), total as i64)
}

fn weights(app: &AppState) -> Weights {
    app.policy.weights.clone()
}

/// A tender's matched firms, best first, with the score parts and matched terms.
///
/// Hard filters (DESIGN §5): recommended on the roster today, offers the wanted service
/// model, fee model and grade, enough capacity left, and serves the compound's district or
/// reaches it within its service radius.
#[utoipa::path(
    get,
    path = "/match/tenders/{id}/firms",
    params(("id" = String, Path, description = "Tender id"), PageQuery),
    responses(
        (status = 200, body = Page<FirmMatchView>),
        (status = 401, body = Problem),
        (status = 403, description = "Not the tender's committee or the association", body = Problem),
        (status = 404, body = Problem),
        (status = 422, body = Problem)
    ),
    tag = "matching"
)]
async fn tender_firms(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Answer> {
    identity.require_any(&[Role::Association, Role::Committee])?;
    let paging = page(&q)?;
    let key = format!("tender-firms/{}/{}/{id}", paging.limit, paging.offset);
    let (w, tid) = (weights(&app), id.clone());
    // The committee check below reads the compound the answer carries, cached or not.
    let answer = cached(&app, key, move |snapshot| {
        let (limit, offset) = paging.as_usize();
        let found = snapshot.match_tender(&tid, limit, offset, &w);
        let Some((compound_id, hits)) = found.map_err(index_error)? else {
            return Ok(None);
        };
        let body = json(&page_of(paging, hits.total, hits.items, firm_view))?;
        Ok(Some(Answer {
            compound_id: Some(compound_id),
            body,
        }))
    })
    .await?
    .ok_or_else(|| Problem::not_found(format!("没有编号为 {id} 的招标。")))?;
    if identity.role == Role::Committee {
        identity.require_compound(answer.compound_id.as_deref().unwrap_or_default())?;
    }
    Ok(answer)
}

fn firm_view(m: FirmMatch) -> FirmMatchView {
    FirmMatchView {
        firm_id: m.firm_id,
        name: m.name,
        score: m.score,
        distance_km: m.distance_km,
        parts: m.parts.into_iter().map(Into::into).collect(),
        matched_terms: m.matched_terms,
    }
}

/// A firm's matched open tenders, best first, with the score parts and matched terms. A firm
/// that is not recommended today gets none (it may not bid).
#[utoipa::path(
    get,
    path = "/match/firms/{id}/tenders",
    params(("id" = String, Path, description = "Firm id"), PageQuery),
    responses(
        (status = 200, body = Page<TenderMatchView>),
        (status = 401, body = Problem),
        (status = 403, description = "Not that firm or the association", body = Problem),
        (status = 404, body = Problem),
        (status = 422, body = Problem)
    ),
    tag = "matching"
)]
async fn firm_tenders(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(q): Query<PageQuery>,
) -> Result<Answer> {
    if identity.role != Role::Association {
        identity.require_firm(&id)?;
    }
    let paging = page(&q)?;
    let key = format!("firm-tenders/{}/{}/{id}", paging.limit, paging.offset);
    let (w, fid) = (weights(&app), id.clone());
    cached(&app, key, move |snapshot| {
        let (limit, offset) = paging.as_usize();
        let Some(hits) = snapshot
            .match_firm(&fid, limit, offset, &w)
            .map_err(index_error)?
        else {
            return Ok(None);
        };
        let body = json(&page_of(paging, hits.total, hits.items, tender_view))?;
        Ok(Some(Answer {
            compound_id: None,
            body,
        }))
    })
    .await?
    .ok_or_else(|| Problem::not_found(format!("没有编号为 {id} 的企业。")).into())
}

fn tender_view(m: TenderMatch) -> TenderMatchView {
    TenderMatchView {
        tender_id: m.tender_id,
        compound_id: m.compound_id,
        compound_name: m.compound_name,
        score: m.score,
        distance_km: m.distance_km,
        parts: m.parts.into_iter().map(Into::into).collect(),
        matched_terms: m.matched_terms,
    }
}

/// Filters of `GET /match/search`.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct SearchQuery {
    /// Free text (Chinese is segmented into words: 电梯 finds 电梯维保).
    pub q: Option<String>,
    /// `firm` (default), `compound` or `tender`.
    #[validate(custom(
        function = "doc_kind",
        code = "invalid",
        message = "“{kind}”不是可检索的类型（firm、compound 或 tender）"
    ))]
    pub kind: Option<String>,
    /// District code (6 digits).
    #[validate(custom(function = "shared::validate::district_code"))]
    pub district: Option<String>,
    /// Street code (9 digits).
    #[validate(custom(function = "shared::validate::street_code"))]
    pub street: Option<String>,
    /// Service model offered (firms) or wanted (tenders).
    #[validate(custom(
        function = "code_word",
        code = "invalid",
        message = "“{code}”不是有效的代码（小写字母、数字、下划线）"
    ))]
    pub model: Option<String>,
    /// Fee model accepted (firms) or wanted (tenders).
    #[validate(custom(
        function = "code_word",
        code = "invalid",
        message = "“{code}”不是有效的代码（小写字母、数字、下划线）"
    ))]
    pub fee_model: Option<String>,
    /// Service grade 1–5 deliverable (firms) or wanted (tenders).
    #[validate(range(min = 1, max = 5, message = "服务等级须为 1–5，收到 {value}"))]
    pub grade: Option<i64>,
}

const SEARCH_FIELDS: &[&str] = &["kind", "district", "street", "model", "fee_model", "grade"];

/// An optional query value: absent, empty and blank are all "not given".
fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// What a search lists, once trimmed; blank is the default (`firm`).
fn doc_kind_of(s: &str) -> Option<DocKind> {
    match s.trim() {
        "" | "firm" => Some(DocKind::Firm),
        "compound" => Some(DocKind::Compound),
        "tender" => Some(DocKind::Tender),
        _ => None,
    }
}

fn doc_kind(s: &str) -> std::result::Result<(), ValidationError> {
    if doc_kind_of(s).is_some() {
        return Ok(());
    }
    let mut e = ValidationError::new("invalid");
    e.add_param(Cow::from("kind"), &s.trim());
    Err(e)
}

/// A code as the index keys it: lowercase letters, digits, `_` and `-`, at most 40; blank is
/// "not given".
fn code_word(s: &str) -> std::result::Result<(), ValidationError> {
    let s = s.trim();
    let ok = s.len() <= 40
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-');
    if ok {
        return Ok(());
    }
    let mut e = ValidationError::new("invalid");
    e.add_param(Cow::from("code"), &s);
    Err(e)
}

/// Free-text search over public facts: firms on the recommended roster, compounds, open
/// tenders, with filters. Anyone may search.
#[utoipa::path(
    get,
    path = "/match/search",
    params(SearchQuery, PageQuery),
    responses((status = 200, body = Page<SearchHitView>), (status = 422, body = Problem)),
    tag = "matching"
)]
async fn search(
    State(app): State<AppState>,
    Query(q): Query<SearchQuery>,
    Query(p): Query<PageQuery>,
) -> Result<Answer> {
    let mut v = Validation::default();
    let paging = p.collect(&mut v);
    v.rules(&q, SEARCH_FIELDS);
    let paging = v.finish_with(|| paging)?;
    let (limit, offset) = paging.as_usize();
    let kind = given(&q.kind).map_or(Some(DocKind::Firm), doc_kind_of);
    let kind = kind.unwrap_or(DocKind::Firm);
    let filters = search_filters(&q, kind);
    let text = q.q.clone().unwrap_or_default();
    let key = format!("search/{kind:?}/{limit}/{offset}/{filters:?}/{text}");
    let answer = cached(&app, key, move |snapshot| {
        let hits = snapshot.search(&text, &filters, kind, limit, offset);
        let hits = hits.map_err(index_error)?;
        let body = json(&page_of(paging, hits.total, hits.items, |h| {
            SearchHitView {
                kind: h.kind.as_str().to_string(),
                id: h.id,
                name: h.name,
                score: h.score,
                matched_terms: h.matched_terms,
            }
        }))?;
        Ok(Some(Answer {
            compound_id: None,
            body,
        }))
    })
    .await?;
    answer.ok_or_else(|| Error::Internal(anyhow::anyhow!("a search answered nothing")))
}

/// The index filters of a checked search.
fn search_filters(q: &SearchQuery, kind: DocKind) -> SearchFilters {
    SearchFilters {
        district: given(&q.district).map(str::to_string),
        street: given(&q.street).map(str::to_string),
        service_model: given(&q.model).map(str::to_string),
        fee_model: given(&q.fee_model).map(str::to_string),
        grade: q.grade.and_then(|g| u8::try_from(g).ok()),
        // Only firms on the recommended roster are public search results.
        recommended: (kind == DocKind::Firm).then_some(true),
        covered: None,
        eligible: None,
    }
}

/// Parameters of `GET /match/bundles`.
#[derive(Debug, Deserialize, IntoParams, Validate)]
#[into_params(parameter_in = Query)]
pub struct BundleQuery {
    /// Street code (9 digits), required.
    #[validate(
        required(message = "请指定街道代码"),
        custom(function = "shared::validate::not_blank", message = "请指定街道代码"),
        custom(function = "shared::validate::street_code")
    )]
    pub street: Option<String>,
    /// Households a group must reach (default from the matching policy).
    #[validate(range(
        min = 1,
        max = 100_000,
        message = "viable_households 应在 1–100000 之间"
    ))]
    pub viable_households: Option<i64>,
    /// Largest distance between two members in km (default from the matching policy).
    #[validate(custom(
        function = "bundle_km",
        code = "range",
        message = "max_distance_km 应大于 0 且不超过 20"
    ))]
    pub max_distance_km: Option<f64>,
}

fn bundle_km(k: f64) -> std::result::Result<(), ValidationError> {
    if k.is_finite() && k > 0.0 && k <= 20.0 {
        Ok(())
    } else {
        Err(ValidationError::new("range"))
    }
}

/// Bundle suggestions (片区化) for a street: groups of neighbouring small old compounds with
/// no service, eligible and willing, whose households together reach a viable size.
#[utoipa::path(
    get,
    path = "/match/bundles",
    params(BundleQuery),
    responses(
        (status = 200, body = [BundleView]),
        (status = 401, body = Problem),
        (status = 403, description = "Not an official of that street or district, nor the association", body = Problem),
        (status = 422, body = Problem)
    ),
    tag = "matching"
)]
async fn bundles(
    State(app): State<AppState>,
    identity: Identity,
    Query(q): Query<BundleQuery>,
) -> Result<Json<Vec<BundleView>>> {
    identity.require_any(&[
        Role::Association,
        Role::CityOfficial,
        Role::DistrictOfficial,
        Role::StreetOfficial,
    ])?;
    let mut v = Validation::default();
    v.rules(&q, &["street", "viable_households", "max_distance_km"]);
    let (street, viable, km) = v.finish_with(|| {
        Some((
            StreetCode::parse(given(&q.street)?).ok()?,
            match q.viable_households {
                None => app.policy.bundle_viable_households,
                Some(n) => u32::try_from(n).ok()?,
            },
            q.max_distance_km
                .unwrap_or(app.policy.bundle_max_distance_km),
        ))
    })?;
    let allowed = match &identity.scope {
        Scope::City => matches!(identity.role, Role::Association | Role::CityOfficial),
        Scope::District(d) => {
            identity.role == Role::DistrictOfficial && street.district().as_str() == d
        }
        Scope::Street(s) => identity.role == Role::StreetOfficial && street.as_str() == s,
        _ => false,
    };
    if !allowed {
        return Err(Problem::forbidden("只能查看本辖区街道的片区化建议。").into());
    }
    let index = app.index.clone();
    let code = street.as_str().to_string();
    let bundles = on_pool(&app, move || {
        index
            .suggest_bundles(&code, viable, km)
            .map_err(index_error)
    })
    .await?;
    Ok(Json(bundles.into_iter().map(Into::into).collect()))
}
