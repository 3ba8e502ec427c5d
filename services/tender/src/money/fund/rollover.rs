//! 月结: a fund's months reach the feed when something is recorded (see [`steps`]), but a
//! month also begins without anyone writing: a fund in deficit that nobody records in stays
//! in deficit one more month, one whose common revenue stopped is not pooled one more month.
//! So once a month each active commission or trust contract's months are published again
//! from the last month the rollover published (which it republishes: it may have been
//! published before it ended) through the current one, and the month is remembered in
//! `fund_rollover`. The service runs the rollover at start and every hour; a fund already
//! rolled into the current month costs one row read.

use shared::clock::now_ms;
use shared::db::Db;
use shared::feed::{Notifier, WriteTx};
use sqlx::Row;
use time::Date;
use tokio_util::sync::CancellationToken;

use super::months::Month;
use super::{steps, store};
use crate::award::records;
use crate::config::TenderPolicy;
use crate::error::Result;

/// Rolls every active fund into `today`'s month, in one write transaction; answers how
/// many funds were rolled.
pub async fn roll_over(
    db: &Db,
    notifier: &Notifier,
    policy: &TenderPolicy,
    today: Date,
) -> Result<usize> {
    let current = Month::of(today);
    let mut tx = WriteTx::begin(db, notifier).await?;
    let due: Vec<(String, Option<String>)> = sqlx::query(
        "SELECT c.id, r.month FROM contract c LEFT JOIN fund_rollover r ON r.contract_id = c.id \
         WHERE c.status = 'active' AND c.fee_model IN ('commission', 'trust') \
         AND (r.month IS NULL OR r.month < $1) ORDER BY c.id",
    )
    .bind(current.to_string())
    .fetch_all(&mut *tx.conn())
    .await?
    .iter()
    .map(|row| Ok((row.try_get("id")?, row.try_get("month")?)))
    .collect::<std::result::Result<_, sqlx::Error>>()?;
    let mut rolled = 0;
    for (id, month) in due {
        let Some(c) = records::contract(tx.conn(), &id).await? else {
            continue;
        };
        let list = store::of_compound(tx.conn(), &c.compound_id).await?;
        if !list.is_empty() {
            let from = month
                .as_deref()
                .and_then(Month::parse)
                .unwrap_or_else(|| Month::of(c.start_date));
            steps::publish_months(&mut tx, &c, &list, (from, today), policy).await?;
            rolled += 1;
        }
        sqlx::query(
            "INSERT INTO fund_rollover (contract_id, month, rolled_at) VALUES ($1, $2, $3) \
             ON CONFLICT (contract_id) DO UPDATE SET month = excluded.month, \
             rolled_at = excluded.rolled_at",
        )
        .bind(&id)
        .bind(current.to_string())
        .bind(now_ms())
        .execute(&mut *tx.conn())
        .await?;
    }
    tx.commit().await?;
    Ok(rolled)
}

/// Runs the rollover at start and every hour until `cancel` fires.
pub async fn every_hour(
    db: Db,
    notifier: Notifier,
    policy: std::sync::Arc<TenderPolicy>,
    cancel: CancellationToken,
) {
    loop {
        match roll_over(&db, &notifier, &policy, shared::clock::china_today()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(funds = n, "fund months rolled over"),
            Err(e) => tracing::warn!(error = ?e, "the fund rollover failed; retrying in an hour"),
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(std::time::Duration::from_secs(3600)) => {}
        }
    }
}
