//! A compound's annual budget (年度预算) under `/tenders/compounds/{cid}/budgets`. Each
//! handler parses the request, calls the domain ([`crate::money::budget`]) and answers.
//!
//! | endpoint | who |
//! | --- | --- |
//! | `GET …/budgets`, `GET …/budgets/{year}` | anyone (budgets, their state and the fee arithmetic are public) |
//! | `PUT …/budgets/{year}` | the compound's committee, the firm of its current contract |
//! | `POST …/budgets/{year}/vote` | the compound's committee |

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use shared::auth::Identity;
use shared::domain::DomainError;
use shared::error::{Problem, Validation};
use shared::extract::{Json, LateJson};
use shared::feed::WriteTx;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::Result;
use crate::money::budget::{
    self, BudgetInput, BudgetState, BudgetView, BudgetVote, CommonRevenue, FeeArithmetic,
};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(components(schemas(
    BudgetInput,
    BudgetView,
    BudgetVote,
    BudgetState,
    CommonRevenue,
    FeeArithmetic,
    VoteLink
)))]
pub struct Api;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(list_budgets))
        .routes(routes!(get_budget, put_budget))
        .routes(routes!(put_to_vote))
}

/// A budget year in the path: 2000–2100, else 422 on `year`.
pub fn year(text: &str) -> std::result::Result<i32, Problem> {
    let mut v = Validation::new();
    let parsed = v.field(
        "year",
        text.parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .ok_or_else(|| DomainError::new("invalid_year", "年度应为 2000–2100 之间的年份")),
    );
    v.finish_with(|| parsed)
}

/// A compound's budgets, the latest year first, each with its state (草案, 表决中,
/// 已批准: approved only by a closed, passed vote from ballots on `approve_budget`) and the
/// fee standard it implies, every term shown. Public.
#[utoipa::path(get, path = "/tenders/compounds/{cid}/budgets", tag = "budgets",
    params(("cid" = String, Path, description = "compound id")),
    responses((status = 200, body = Vec<BudgetView>), (status = 404, body = Problem)))]
pub async fn list_budgets(
    State(app): State<AppState>,
    Path(cid): Path<String>,
) -> Result<Json<Vec<BudgetView>>> {
    let mut conn = app.db.pool.acquire().await?;
    let compound = budget::compound(&mut conn, &cid).await?;
    Ok(Json(budget::of_compound(&mut conn, &compound).await?))
}

/// A compound's budget for a year: its figures, state, the vote it was put to and the fee
/// arithmetic ((Σ spending + remuneration − common revenue − carry-in) ÷ exclusive area ÷
/// 12, rounded up to a whole 分); `fee_standard_fen` only once approved. Public.
#[utoipa::path(get, path = "/tenders/compounds/{cid}/budgets/{year}", tag = "budgets",
    params(("cid" = String, Path, description = "compound id"),
        ("year" = String, Path, description = "the budget year, e.g. 2026")),
    responses((status = 200, body = BudgetView), (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn get_budget(
    State(app): State<AppState>,
    Path((cid, year_text)): Path<(String, String)>,
) -> Result<Json<BudgetView>> {
    let year = year(&year_text)?;
    let mut conn = app.db.pool.acquire().await?;
    let compound = budget::compound(&mut conn, &cid).await?;
    Ok(Json(budget::one(&mut conn, &compound, year).await?))
}

/// Drafts the compound's budget for a year (201), or revises its draft (200; a revision
/// that changes nothing writes nothing). 409 `budget_locked` while the vote it was put to
/// runs or once approved; 422 with a message per field (amounts 0 to 100 亿元; a stated
/// `total_spending_fen` must equal the categories). Roles: the compound's committee, the
/// firm of its current contract. Feed: topic `fee_budget`, kinds `drafted`, `revised`.
#[utoipa::path(put, path = "/tenders/compounds/{cid}/budgets/{year}", tag = "budgets",
    params(("cid" = String, Path, description = "compound id"),
        ("year" = String, Path, description = "the budget year, e.g. 2026")),
    request_body = BudgetInput,
    responses((status = 200, body = BudgetView), (status = 201, body = BudgetView),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 422, body = Problem)))]
pub async fn put_budget(
    State(app): State<AppState>,
    identity: Identity,
    Path((cid, year_text)): Path<(String, String)>,
    body: LateJson<BudgetInput>,
) -> Result<(StatusCode, Json<BudgetView>)> {
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let compound = budget::compound(tx.conn(), &cid).await?;
    budget::keeper(tx.conn(), &identity, &compound).await?;
    let year = year(&year_text)?;
    let figures = body.value()?.check()?;
    let (created, view) = budget::draft(&mut tx, &identity, &compound, year, figures).await?;
    tx.commit().await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(view)))
}

/// The owners' vote a budget is put to.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VoteLink {
    /// A vote from ballots of the compound on `approve_budget`, opened at or after the
    /// budget's last revision.
    pub vote_id: String,
}

/// Puts the compound's draft budget to the owners' vote: a vote from ballots of the
/// compound on `approve_budget` (审议年度物业服务预算), opened at or after the budget's
/// last revision, not closed without passing, not put to another budget (422 on
/// `vote_id`: `vote_unknown`, `vote_not_for_budget`, `vote_before_revision`,
/// `vote_not_passing`, `vote_linked`); 409 `budget_locked` unless the budget is a draft.
/// The budget is approved once the vote closes and passes. Role: the compound's committee.
/// Feed: topic `fee_budget`, kind `put_to_vote`.
#[utoipa::path(post, path = "/tenders/compounds/{cid}/budgets/{year}/vote", tag = "budgets",
    params(("cid" = String, Path, description = "compound id"),
        ("year" = String, Path, description = "the budget year, e.g. 2026")),
    request_body = VoteLink,
    responses((status = 200, body = BudgetView), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn put_to_vote(
    State(app): State<AppState>,
    identity: Identity,
    Path((cid, year_text)): Path<(String, String)>,
    body: LateJson<VoteLink>,
) -> Result<Json<BudgetView>> {
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let compound = budget::compound(tx.conn(), &cid).await?;
    budget::committee(&identity, &compound)?;
    let year = year(&year_text)?;
    let link = body.value()?;
    let view =
        budget::put_to_vote(&mut tx, &identity, &compound, year, link.vote_id.trim()).await?;
    tx.commit().await?;
    Ok(Json(view))
}
