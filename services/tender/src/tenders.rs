//! Tenders (招标): terms, the stored row, the public view, and the time-driven opening of
//! bids (开标).
//!
//! Lifecycle (DESIGN.md §6): `draft` → `open` → `evaluation` → `awarded` → `contracted`,
//! or `cancelled` / `unsuccessful`. Every transition is one write transaction that changes
//! the row, appends a `tender` change to the outbox (payload: the [`TenderView`]) and an
//! audit row.

use serde::{Deserialize, Serialize};
use shared::db::now_ms;
use shared::error::Problem;
use shared::feed::WriteTx;
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use crate::audit::{self, Actor};
use crate::clock::to_rfc3339;
use crate::state::AppState;
use crate::terms::{Criterion, EvaluationMethod, TenderStatus};

/// How bids are evaluated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct Evaluation {
    pub method: EvaluationMethod,
    /// For `rated`: the weight of the price, out of 100.
    pub price_weight: Option<u32>,
    /// For `rated`: the quality criteria; `price_weight` + Σ weights = 100.
    pub criteria: Vec<Criterion>,
}

/// A tender as stored.
#[derive(Debug, Clone)]
pub struct Tender {
    pub id: String,
    pub compound_id: String,
    pub compound_name: String,
    pub district_code: String,
    pub street_code: Option<String>,
    pub title: String,
    pub status: TenderStatus,
    pub service_model: String,
    pub fee_model: String,
    pub grade: i64,
    pub term_months: i64,
    pub annual_budget_fen: i64,
    pub proposed_fee: i64,
    pub needs: String,
    pub enquiry_deadline: i64,
    pub bid_deadline: i64,
    pub opening_at: i64,
    pub evaluation: Evaluation,
    pub terms_version: i64,
    pub cancel_reason: Option<String>,
    pub created_by: String,
    pub created_at: i64,
    pub published_at: Option<i64>,
    pub opened_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub updated_at: i64,
}

pub const COLUMNS: &str = "id, compound_id, compound_name, district_code, street_code, title, status, \
    service_model, fee_model, grade, term_months, annual_budget_fen, proposed_fee, needs, enquiry_deadline, \
    bid_deadline, opening_at, evaluation_method, price_weight, criteria, terms_version, cancel_reason, \
    created_by, created_at, published_at, opened_at, closed_at, updated_at";

fn decode_err(e: shared::domain::DomainError) -> sqlx::Error {
    sqlx::Error::Decode(Box::new(e))
}

pub fn from_row(r: &sqlx::any::AnyRow) -> Result<Tender, sqlx::Error> {
    let status: String = r.try_get("status")?;
    let method: String = r.try_get("evaluation_method")?;
    let criteria: String = r.try_get("criteria")?;
    let price_weight: Option<i64> = r.try_get("price_weight")?;
    Ok(Tender {
        id: r.try_get("id")?,
        compound_id: r.try_get("compound_id")?,
        compound_name: r.try_get("compound_name")?,
        district_code: r.try_get("district_code")?,
        street_code: r.try_get("street_code")?,
        title: r.try_get("title")?,
        status: TenderStatus::parse(&status).map_err(decode_err)?,
        service_model: r.try_get("service_model")?,
        fee_model: r.try_get("fee_model")?,
        grade: r.try_get("grade")?,
        term_months: r.try_get("term_months")?,
        annual_budget_fen: r.try_get("annual_budget_fen")?,
        proposed_fee: r.try_get("proposed_fee")?,
        needs: r.try_get("needs")?,
        enquiry_deadline: r.try_get("enquiry_deadline")?,
        bid_deadline: r.try_get("bid_deadline")?,
        opening_at: r.try_get("opening_at")?,
        evaluation: Evaluation {
            method: EvaluationMethod::parse(&method).map_err(decode_err)?,
            price_weight: price_weight.and_then(|w| u32::try_from(w).ok()),
            criteria: serde_json::from_str(&criteria)
                .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
        },
        terms_version: r.try_get("terms_version")?,
        cancel_reason: r.try_get("cancel_reason")?,
        created_by: r.try_get("created_by")?,
        created_at: r.try_get("created_at")?,
        published_at: r.try_get("published_at")?,
        opened_at: r.try_get("opened_at")?,
        closed_at: r.try_get("closed_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// One tender as stored, whoever asks.
pub async fn load(conn: &mut AnyConnection, id: &str) -> Result<Option<Tender>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM tender WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Inserts a new tender row.
pub async fn insert(conn: &mut AnyConnection, t: &Tender) -> anyhow::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO tender ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, \
         $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $27, $28)"
    )))
    .bind(&t.id)
    .bind(&t.compound_id)
    .bind(&t.compound_name)
    .bind(&t.district_code)
    .bind(&t.street_code)
    .bind(&t.title)
    .bind(t.status.as_str())
    .bind(&t.service_model)
    .bind(&t.fee_model)
    .bind(t.grade)
    .bind(t.term_months)
    .bind(t.annual_budget_fen)
    .bind(t.proposed_fee)
    .bind(&t.needs)
    .bind(t.enquiry_deadline)
    .bind(t.bid_deadline)
    .bind(t.opening_at)
    .bind(t.evaluation.method.as_str())
    .bind(t.evaluation.price_weight.map(i64::from))
    .bind(serde_json::to_string(&t.evaluation.criteria)?)
    .bind(t.terms_version)
    .bind(&t.cancel_reason)
    .bind(&t.created_by)
    .bind(t.created_at)
    .bind(t.published_at)
    .bind(t.opened_at)
    .bind(t.closed_at)
    .bind(t.updated_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Writes back every mutable column of a tender.
pub async fn update(conn: &mut AnyConnection, t: &Tender) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE tender SET title = $2, status = $3, service_model = $4, fee_model = $5, grade = $6, \
         term_months = $7, annual_budget_fen = $8, proposed_fee = $9, needs = $10, enquiry_deadline = $11, \
         bid_deadline = $12, opening_at = $13, evaluation_method = $14, price_weight = $15, criteria = $16, \
         terms_version = $17, cancel_reason = $18, published_at = $19, opened_at = $20, closed_at = $21, \
         updated_at = $22 WHERE id = $1",
    )
    .bind(&t.id)
    .bind(&t.title)
    .bind(t.status.as_str())
    .bind(&t.service_model)
    .bind(&t.fee_model)
    .bind(t.grade)
    .bind(t.term_months)
    .bind(t.annual_budget_fen)
    .bind(t.proposed_fee)
    .bind(&t.needs)
    .bind(t.enquiry_deadline)
    .bind(t.bid_deadline)
    .bind(t.opening_at)
    .bind(t.evaluation.method.as_str())
    .bind(t.evaluation.price_weight.map(i64::from))
    .bind(serde_json::to_string(&t.evaluation.criteria)?)
    .bind(t.terms_version)
    .bind(&t.cancel_reason)
    .bind(t.published_at)
    .bind(t.opened_at)
    .bind(t.closed_at)
    .bind(t.updated_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One line of an opening record: who bid what. Public once the bids are opened.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OpenedBid {
    pub bid_id: String,
    pub firm_id: String,
    pub firm_name: String,
    /// Offered fee, 分/㎡·月.
    pub fee: i64,
    /// Offered annual price, 分.
    pub annual_price_fen: i64,
    /// When the bid's final version was received.
    pub received_at: String,
    /// Whether the bid takes part in the evaluation.
    pub valid: bool,
    /// Why not, when it does not.
    pub invalid_reason: Option<String>,
}

/// 开标记录: every bid received, opened at once at the opening time.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct OpeningRecord {
    pub tender_id: String,
    /// The scheduled opening time.
    pub opening_at: String,
    /// When the bids were actually opened.
    pub opened_at: String,
    /// Bids received, by fee (lowest first).
    pub bids: Vec<OpenedBid>,
    /// How many bids are valid.
    pub valid_bids: i64,
}

/// A tender as everyone allowed to see it sees it. Never says anything about bids before
/// they are opened: not even how many there are.
///
/// The number of bids received is deliberately **not** public before opening (not to the
/// public, the committee or the association): a count reveals the state of competition,
/// so a lone bidder could raise its price and a ring could check that its members
/// stayed out. 《招标投标法》第二十二条 forbids the tenderer to disclose the number of
/// potential bidders, and many e-procurement systems hide the count until opening for
/// the same reason. After opening, the [`OpeningRecord`] lists every bid.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct TenderView {
    pub id: String,
    pub compound_id: String,
    pub compound_name: String,
    pub district_code: String,
    pub street_code: Option<String>,
    pub title: String,
    pub status: TenderStatus,
    /// The status in Chinese.
    pub status_label: String,
    pub service_model: String,
    pub fee_model: String,
    /// Service grade wanted, 1–5.
    pub grade: i64,
    pub term_months: i64,
    /// 年度预算, 分.
    pub annual_budget_fen: i64,
    /// The fee the committee proposes, 分/㎡·月.
    pub proposed_fee: i64,
    /// 需求说明.
    pub needs: String,
    /// 答疑截止时间.
    pub enquiry_deadline: String,
    /// 投标截止时间.
    pub bid_deadline: String,
    /// 开标时间.
    pub opening_at: String,
    pub evaluation: Evaluation,
    /// Bumped whenever the terms change while open; bids answering an older version need
    /// re-confirmation.
    pub terms_version: i64,
    /// As of `as_of`: bids are accepted now.
    pub accepting_bids: bool,
    /// As of `as_of`: firms may ask questions now.
    pub accepting_questions: bool,
    pub cancel_reason: Option<String>,
    pub created_at: String,
    pub published_at: Option<String>,
    pub opened_at: Option<String>,
    pub closed_at: Option<String>,
    pub updated_at: String,
    /// The opening record, once the bids are opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub opening: Option<OpeningRecord>,
    /// The standing award (in notice or final), once awarded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub award: Option<crate::award::Award>,
    /// The signed contract, once contracted.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contract: Option<crate::award::Contract>,
    /// When this view was made.
    pub as_of: String,
}

impl Tender {
    /// Bids are accepted: open and before the deadline.
    pub fn accepting_bids(&self, now: i64) -> bool {
        self.status == TenderStatus::Open && now < self.bid_deadline
    }

    /// Questions are accepted: open and before the enquiry deadline.
    pub fn accepting_questions(&self, now: i64) -> bool {
        self.status == TenderStatus::Open && now < self.enquiry_deadline
    }

    pub fn view(&self, opening: Option<OpeningRecord>, now: i64) -> TenderView {
        TenderView {
            id: self.id.clone(),
            compound_id: self.compound_id.clone(),
            compound_name: self.compound_name.clone(),
            district_code: self.district_code.clone(),
            street_code: self.street_code.clone(),
            title: self.title.clone(),
            status: self.status,
            status_label: self.status.label().to_string(),
            service_model: self.service_model.clone(),
            fee_model: self.fee_model.clone(),
            grade: self.grade,
            term_months: self.term_months,
            annual_budget_fen: self.annual_budget_fen,
            proposed_fee: self.proposed_fee,
            needs: self.needs.clone(),
            enquiry_deadline: to_rfc3339(self.enquiry_deadline),
            bid_deadline: to_rfc3339(self.bid_deadline),
            opening_at: to_rfc3339(self.opening_at),
            evaluation: self.evaluation.clone(),
            terms_version: self.terms_version,
            accepting_bids: self.accepting_bids(now),
            accepting_questions: self.accepting_questions(now),
            cancel_reason: self.cancel_reason.clone(),
            created_at: to_rfc3339(self.created_at),
            published_at: self.published_at.map(to_rfc3339),
            opened_at: self.opened_at.map(to_rfc3339),
            closed_at: self.closed_at.map(to_rfc3339),
            updated_at: to_rfc3339(self.updated_at),
            opening,
            award: None,
            contract: None,
            as_of: to_rfc3339(now),
        }
    }
}

/// The opening record of a tender, once opened.
pub async fn opening(
    conn: &mut AnyConnection,
    tender_id: &str,
) -> Result<Option<OpeningRecord>, sqlx::Error> {
    let record: Option<String> =
        sqlx::query_scalar("SELECT record FROM tender_opening WHERE tender_id = $1")
            .bind(tender_id)
            .fetch_optional(&mut *conn)
            .await?;
    record
        .map(|r| serde_json::from_str(&r).map_err(|e| sqlx::Error::Decode(Box::new(e))))
        .transpose()
}

/// The full view of a tender, with its opening record, award and contract when it has them.
pub async fn view(conn: &mut AnyConnection, t: &Tender) -> Result<TenderView, sqlx::Error> {
    let record = if t.opened_at.is_some() {
        opening(conn, &t.id).await?
    } else {
        None
    };
    let mut v = t.view(record, now_ms());
    if matches!(
        t.status,
        TenderStatus::Awarded | TenderStatus::Contracted | TenderStatus::Cancelled
    ) {
        v.award = crate::award::current(conn, &t.id).await?.map(|a| a.view);
        v.contract = crate::award::contract_of_tender(conn, &t.id).await?;
    }
    Ok(v)
}

/// Appends the tender's `tender` change (payload: its view) and an audit row.
pub async fn publish_change(
    tx: &mut WriteTx,
    t: &Tender,
    kind: &str,
    actor: &Actor,
    detail: &serde_json::Value,
) -> anyhow::Result<TenderView> {
    let v = view(tx.conn(), t).await?;
    tx.emit("tender", &t.id, kind, &v).await?;
    audit::record(
        tx.conn(),
        audit::Entry {
            actor,
            entity: "tender",
            entity_id: &t.id,
            tender_id: Some(&t.id),
            action: kind,
            sealed: false,
            detail,
        },
    )
    .await?;
    Ok(v)
}

/// 开标: if the tender is open and its opening time has come, opens every bid at once,
/// stores and publishes the opening record, and moves the tender to `evaluation` (or
/// `unsuccessful` when no bid is valid). Idempotent; returns whether it opened.
///
/// A bid still waiting for re-confirmation after a change of terms is opened but invalid.
pub async fn open_if_due(app: &AppState, tender_id: &str) -> anyhow::Result<bool> {
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let Some(mut t) = load(tx.conn(), tender_id).await? else {
        return Ok(false);
    };
    let now = now_ms();
    if t.status != TenderStatus::Open || now < t.opening_at {
        return Ok(false);
    }
    let rows = sqlx::query(
        "SELECT id, firm_id, firm_name, status, fee, annual_price_fen, updated_at FROM bid \
         WHERE tender_id = $1 AND status IN ('submitted', 'needs_reconfirmation') \
         ORDER BY fee, updated_at, id",
    )
    .bind(&t.id)
    .fetch_all(&mut *tx.conn())
    .await?;
    let mut bids = Vec::with_capacity(rows.len());
    for r in &rows {
        let status: String = r.try_get("status")?;
        let valid = status == "submitted";
        let invalid_reason = (!valid).then(|| "招标条件变更后未在投标截止前重新确认".to_string());
        bids.push(OpenedBid {
            bid_id: r.try_get("id")?,
            firm_id: r.try_get("firm_id")?,
            firm_name: r.try_get("firm_name")?,
            fee: r.try_get("fee")?,
            annual_price_fen: r.try_get("annual_price_fen")?,
            received_at: to_rfc3339(r.try_get("updated_at")?),
            valid,
            invalid_reason,
        });
    }
    for b in &bids {
        sqlx::query("UPDATE bid SET status = $2, invalid_reason = $3 WHERE id = $1")
            .bind(&b.bid_id)
            .bind(if b.valid { "opened" } else { "invalid" })
            .bind(&b.invalid_reason)
            .execute(&mut *tx.conn())
            .await?;
    }
    let valid_bids = bids.iter().filter(|b| b.valid).count() as i64;
    let record = OpeningRecord {
        tender_id: t.id.clone(),
        opening_at: to_rfc3339(t.opening_at),
        opened_at: to_rfc3339(now),
        bids,
        valid_bids,
    };
    sqlx::query("INSERT INTO tender_opening (tender_id, opened_at, record) VALUES ($1, $2, $3)")
        .bind(&t.id)
        .bind(now)
        .bind(serde_json::to_string(&record)?)
        .execute(&mut *tx.conn())
        .await?;
    t.opened_at = Some(now);
    t.updated_at = now;
    let kind = if valid_bids == 0 {
        t.status = TenderStatus::Unsuccessful;
        t.closed_at = Some(now);
        "unsuccessful"
    } else {
        t.status = TenderStatus::Evaluation;
        "opened"
    };
    update(tx.conn(), &t).await?;
    publish_change(
        &mut tx,
        &t,
        kind,
        &Actor::scheduler(),
        &serde_json::json!({ "valid_bids": valid_bids, "bids": record.bids.len() }),
    )
    .await?;
    crate::ocds::publish(
        tx.conn(),
        &app.policy,
        &t.id,
        &[crate::ocds::tag::TENDER_UPDATE],
        None,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(tender = %t.id, valid_bids, "bids opened");
    Ok(true)
}

/// Opens every tender whose opening time has come; returns how many it opened.
pub async fn open_all_due(app: &AppState) -> anyhow::Result<usize> {
    let due: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM tender WHERE status = 'open' AND opening_at <= $1 ORDER BY opening_at",
    )
    .bind(now_ms())
    .fetch_all(&app.db.pool)
    .await?;
    let mut opened = 0;
    for id in due {
        if open_if_due(app, &id).await? {
            opened += 1;
        }
    }
    Ok(opened)
}

/// Loads a tender for a read, first applying any transition its time has brought, so
/// reads are never stale even between scheduler ticks.
pub async fn load_current(app: &AppState, id: &str) -> crate::error::Result<Tender> {
    let mut conn = app.db.pool.acquire().await?;
    let t = load(&mut conn, id).await?.ok_or_else(not_found)?;
    if t.status == TenderStatus::Open && now_ms() >= t.opening_at {
        drop(conn);
        open_if_due(app, id).await?;
        let mut conn = app.db.pool.acquire().await?;
        return Ok(load(&mut conn, id).await?.ok_or_else(not_found)?);
    }
    Ok(t)
}

/// The one answer for a tender that does not exist or that the caller may not see.
pub fn not_found() -> Problem {
    Problem::not_found("没有这个招标项目。")
}
