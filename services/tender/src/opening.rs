//! 开标 (the opening of bids), driven by time: the scheduler opens every tender whose
//! opening time has come ([`open_all_due`]), and every read brings its tender up to date
//! first ([`load_current`]), so no read is ever stale between ticks.

use shared::clock::now_ms;
use shared::feed::WriteTx;
use sqlx::Row;

use crate::audit::Actor;
use crate::bids::{OpenedBid, OpeningRecord};
use crate::clock::to_rfc3339;
use crate::error::Result;
use crate::ocds;
use crate::state::AppState;
use crate::tenders::change::record_change;
use crate::tenders::store;
use crate::tenders::tender::{Tender, not_found};
use crate::terms::TenderStatus;

/// If the tender is open and its opening time has come, opens every bid at once, stores
/// and publishes the opening record, and moves the tender to `evaluation` (or
/// `unsuccessful` when no bid is valid). Idempotent; returns whether it opened.
///
/// A bid still waiting for re-confirmation after a change of terms is opened but invalid.
pub async fn open_if_due(app: &AppState, tender_id: &str) -> anyhow::Result<bool> {
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let Some(mut t) = store::load(tx.conn(), tender_id).await? else {
        return Ok(false);
    };
    let now = now_ms();
    if t.status != TenderStatus::Open || now < t.terms.opening_at {
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
        opening_at: to_rfc3339(t.terms.opening_at),
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
    store::update(tx.conn(), &t).await?;
    record_change(
        &mut tx,
        &t,
        kind,
        &Actor::scheduler(),
        &serde_json::json!({ "valid_bids": valid_bids, "bids": record.bids.len() }),
    )
    .await?;
    ocds::release(
        tx.conn(),
        &app.policy,
        &t.id,
        &[ocds::tag::TENDER_UPDATE],
        None,
    )
    .await?;
    tx.commit().await?;
    tracing::info!(tender = %t.id, valid_bids, "bids opened");
    Ok(true)
}

/// Opens every tender whose opening time has come; returns how many it opened.
pub async fn open_all_due(app: &AppState) -> anyhow::Result<usize> {
    let due = store::due_for_opening(&mut *app.db.pool.acquire().await?, now_ms()).await?;
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
pub async fn load_current(app: &AppState, id: &str) -> Result<Tender> {
    let mut conn = app.db.pool.acquire().await?;
    let t = store::load(&mut conn, id).await?.ok_or_else(not_found)?;
    if t.status == TenderStatus::Open && now_ms() >= t.terms.opening_at {
        drop(conn);
        open_if_due(app, id).await?;
        let mut conn = app.db.pool.acquire().await?;
        return Ok(store::load(&mut conn, id).await?.ok_or_else(not_found)?);
    }
    Ok(t)
}

/// A tender the caller may see, current as of now; 404 otherwise.
pub async fn visible_tender(
    app: &AppState,
    id: &str,
    identity: Option<&shared::auth::Identity>,
) -> Result<Tender> {
    let t = load_current(app, id).await?;
    if t.visible_to(identity) {
        Ok(t)
    } else {
        Err(not_found().into())
    }
}
