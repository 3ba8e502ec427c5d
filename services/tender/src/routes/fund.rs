//! The service fund (物业服务资金) of a compound under 酬金制 or 信托制, under
//! `/tenders/compounds/{cid}/fund` (see [`crate::money::fund`]). Each handler parses the
//! request, calls the domain and answers.
//!
//! | endpoint | who |
//! | --- | --- |
//! | `GET …/fund`, `GET …/fund/statements/{month}` | anyone: the account, its months and the monthly statement (no owner's name) |
//! | `GET …/fund/transactions` | the fund contract's firm, the committee, the association, the compound's street, district and city officials |
//! | `POST …/fund/transactions`, `POST …/fund/transactions/{tid}/reversal`, `POST …/fund/bank-statements` | the fund contract's firm and the committee (the committee records no remuneration) |

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::StatusCode;
use serde::Deserialize;
use shared::auth::Identity;
use shared::error::{FieldError, Problem, Validation};
use shared::events::tender::{FundMonth, Remuneration};
use shared::extract::{Json, LateJson, Page, PageQuery, Query};
use shared::feed::WriteTx;
use utoipa::{IntoParams, OpenApi};
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::error::Result;
use crate::money::fund::bank::{self, BankMapping, Mode};
use crate::money::fund::category::{Category, Direction};
use crate::money::fund::ledger::{Recorder, ReversalInput, Transaction, TransactionInput};
use crate::money::fund::months::{CategoryTotal, Month, Statement, StatementLine};
use crate::money::fund::reconcile::{self, BankReport, UnmatchedLine};
use crate::money::fund::view::{self, FundAccount, FundContract, LedgerLine};
use crate::money::fund::{account, steps, store};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(components(schemas(
    FundAccount,
    FundContract,
    FundMonth,
    Remuneration,
    Statement,
    StatementLine,
    CategoryTotal,
    Transaction,
    TransactionInput,
    ReversalInput,
    LedgerLine,
    Category,
    Direction,
    Recorder,
    BankReport,
    UnmatchedLine,
)))]
pub struct Api;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(fund_account))
        .routes(routes!(fund_statement))
        .routes(routes!(ledger, record_transaction))
        .routes(routes!(reverse_transaction))
        .routes(
            routes!(import_bank_statement)
                .layer(DefaultBodyLimit::max(bank::MAX_FILE_BYTES + 64 * 1024)),
        )
}

/// A compound's service fund under 酬金制 or 信托制: its contract with the remuneration
/// agreed (and what it allows by today against what was drawn), the balance, and every
/// month from the first transaction's on (opening and closing balance, income with common
/// revenue apart, spending, remuneration, the deficit and pooling flags). Public.
#[utoipa::path(get, path = "/tenders/compounds/{cid}/fund", tag = "fund",
    params(("cid" = String, Path, description = "compound id")),
    responses((status = 200, body = FundAccount), (status = 404, body = Problem)))]
pub async fn fund_account(
    State(app): State<AppState>,
    Path(cid): Path<String>,
) -> Result<Json<FundAccount>> {
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(view::account(&mut conn, &cid, &app.policy).await?))
}

fn month(s: &str) -> std::result::Result<Month, Problem> {
    Month::parse(s).ok_or_else(|| {
        Problem::validation(vec![FieldError::new(
            "month",
            "invalid_month",
            "月份应为 YYYY-MM（如 2026-03）",
        )])
    })
}

/// 月度收支公开: one month of a compound's fund: opening balance, every transaction with
/// the balance after it (fee income as `业主缴费`, never an owner's name or memo), income by
/// category with common revenue, spending by category, remuneration apart, the month's
/// surplus or deficit and the closing balance carried into the next month. Public.
#[utoipa::path(get, path = "/tenders/compounds/{cid}/fund/statements/{month}", tag = "fund",
    params(("cid" = String, Path, description = "compound id"),
        ("month" = String, Path, description = "`YYYY-MM`")),
    responses((status = 200, body = Statement), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn fund_statement(
    State(app): State<AppState>,
    Path((cid, m)): Path<(String, String)>,
) -> Result<Json<Statement>> {
    let m = month(&m)?;
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(
        view::statement(&mut conn, &cid, m, &app.policy).await?,
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct LedgerQuery {
    /// Only this month's transactions (`YYYY-MM`).
    pub month: Option<String>,
}

/// The fund's whole ledger, newest first, each transaction with the balance after it,
/// payers of fee income and who recorded each included. Roles: the fund contract's firm,
/// the compound's committee, the association, the compound's street and district
/// officials, city officials.
#[utoipa::path(get, path = "/tenders/compounds/{cid}/fund/transactions", tag = "fund",
    params(("cid" = String, Path, description = "compound id"), LedgerQuery, PageQuery),
    responses((status = 200, body = Page<LedgerLine>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 422, body = Problem)))]
pub async fn ledger(
    State(app): State<AppState>,
    identity: Identity,
    Path(cid): Path<String>,
    Query(q): Query<LedgerQuery>,
    Query(p): Query<PageQuery>,
) -> Result<Json<Page<LedgerLine>>> {
    let mut v = Validation::new();
    let page = p.collect(&mut v);
    let m = q
        .month
        .as_deref()
        .and_then(|s| v.field("month", month_of(s)));
    let page = v.finish_with(|| page)?;
    let mut conn = app.db.pool.acquire().await?;
    let compound = account::compound(&mut conn, &cid).await?;
    let contract = account::fund_contract(&mut conn, &cid).await?;
    account::may_read_ledger(&identity, &compound, contract.as_ref())?;
    let lines = view::ledger(&store::of_compound(&mut conn, &cid).await?, m);
    let total = i64::try_from(lines.len()).unwrap_or(i64::MAX);
    let (limit, offset) = page.as_usize();
    Ok(Json(page.of(
        lines.into_iter().skip(offset).take(limit).collect(),
        total,
    )))
}

fn month_of(s: &str) -> std::result::Result<Month, shared::domain::DomainError> {
    Month::parse(s).ok_or_else(|| {
        shared::domain::DomainError::new("invalid_month", "月份应为 YYYY-MM（如 2026-03）")
    })
}

/// Records a transaction of the compound's fund (topic `fund_month` for the months it
/// changes). Roles: the fund contract's firm (every category) and the compound's committee
/// (every category but `remuneration`). The day lies within the contract (422
/// `before_contract`), not in the future; a voucher must be a 凭证 of the compound (422
/// `unknown_voucher`); a remuneration may not take what the firm drew under the contract
/// past what its terms allow by that day (422 `remuneration_exceeds_terms` naming the
/// figures, or `no_remuneration_terms`). 409 `no_fund` without an active commission or
/// trust contract.
#[utoipa::path(post, path = "/tenders/compounds/{cid}/fund/transactions", tag = "fund",
    request_body = TransactionInput,
    params(("cid" = String, Path, description = "compound id")),
    responses((status = 201, body = Transaction), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn record_transaction(
    State(app): State<AppState>,
    identity: Identity,
    Path(cid): Path<String>,
    body: LateJson<TransactionInput>,
) -> Result<(StatusCode, Json<Transaction>)> {
    may_record(&app, &cid, &identity).await?;
    let valid = body.value()?.check()?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let t = steps::record(&mut tx, &cid, valid, &identity, &app.policy).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(t)))
}

/// The compound (404), its fund contract (409) and the caller's part in it (403), before
/// the body is read; the steps decide again inside the write transaction.
async fn may_record(app: &AppState, cid: &str, identity: &Identity) -> Result<Recorder> {
    let mut conn = app.db.pool.acquire().await?;
    account::compound(&mut conn, cid).await?;
    let c = account::require_fund_contract(&mut conn, cid).await?;
    account::recorder(identity, &c)
}

/// Reverses (冲正) a transaction: a new one of the opposite direction, same category and
/// amount, naming it, with the reason; the original stays. Roles: the fund contract's firm
/// and the compound's committee. 409 `already_reversed`, or `is_reversal` for a reversal.
#[utoipa::path(post, path = "/tenders/compounds/{cid}/fund/transactions/{tid}/reversal", tag = "fund",
    request_body = ReversalInput,
    params(("cid" = String, Path, description = "compound id"), ("tid" = String, Path, description = "transaction id")),
    responses((status = 201, body = Transaction), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn reverse_transaction(
    State(app): State<AppState>,
    identity: Identity,
    Path((cid, tid)): Path<(String, String)>,
    body: LateJson<ReversalInput>,
) -> Result<(StatusCode, Json<Transaction>)> {
    may_record(&app, &cid, &identity).await?;
    let checked = body.value()?.check()?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let t = steps::reverse(&mut tx, (&cid, &tid), checked, &identity, &app.policy).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(t)))
}

/// Imports the bank's statement export (银行对账单, CSV or XLSX as the raw body) with a
/// column mapping naming the headers of the date, the amount (signed, or debit and
/// credit), counterparty, memo, reference and balance columns. `dry_run` (default) checks,
/// matches and reconciles without writing; `apply` imports the good lines. Bad lines and
/// duplicates (a reference already imported, or the same day, amount and counterparty) are
/// refused and named by line. The answer compares the statement's closing balance with the
/// ledger's on its last day (`reconciled`, `difference_fen`) and lists unmatched lines and
/// transactions. At most 4 MiB and 5 000 lines (413 `bank_file_too_large`). Roles: the
/// fund contract's firm and the compound's committee.
#[utoipa::path(post, path = "/tenders/compounds/{cid}/fund/bank-statements", tag = "fund",
    params(("cid" = String, Path, description = "compound id"), BankMapping),
    request_body(description = "the bank's statement file", content(
        (String = "text/csv"),
        (String = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
    responses((status = 200, body = BankReport), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 409, body = Problem), (status = 413, body = Problem),
        (status = 422, body = Problem)))]
pub async fn import_bank_statement(
    State(app): State<AppState>,
    identity: Identity,
    Path(cid): Path<String>,
    Query(q): Query<BankMapping>,
    body: Bytes,
) -> Result<Json<BankReport>> {
    let by = may_record(&app, &cid, &identity).await?;
    let m = q.check()?;
    let read = bank::read(&m, &body)?;
    if m.mode == Mode::DryRun {
        let mut conn = app.db.pool.acquire().await?;
        return Ok(Json(
            reconcile::plan(&mut conn, &cid, m.mode, read).await?.0,
        ));
    }
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let planned = reconcile::plan(tx.conn(), &cid, m.mode, read).await?;
    let report = reconcile::apply(tx.conn(), &cid, planned, (by, &identity)).await?;
    tx.commit().await?;
    Ok(Json(report))
}
