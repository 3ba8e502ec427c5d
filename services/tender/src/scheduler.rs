//! The scheduler: time-driven transitions (the opening of bids at the opening time). It
//! ticks every `TenderPolicy::scheduler_tick` until the service is cancelled. Reads also
//! apply due transitions lazily (see [`crate::opening::load_current`]), so what a client
//! sees never lags behind the clock even between ticks.

use std::sync::Arc;

use shared::clock::now_ms;
use shared::db::Db;
use shared::metrics::Metrics;
use tokio_util::sync::CancellationToken;

use crate::opening;
use crate::state::AppState;

/// The scheduler's queue as a gauge: tenders whose opening time has come and that are still
/// open (`tenders_due_for_opening`; above 0 for more than a tick means it is behind).
pub fn watch(metrics: &Metrics, db: &Db) {
    let db = db.clone();
    metrics.probe(Arc::new(move |m| {
        let db = db.clone();
        Box::pin(async move {
            let due: Result<i64, _> = sqlx::query_scalar(
                "SELECT COUNT(*) FROM tender WHERE status = 'open' AND opening_at <= $1",
            )
            .bind(now_ms())
            .fetch_one(&db.pool)
            .await;
            if let Ok(due) = due {
                m.set("tenders_due_for_opening", &[], due);
            }
        })
    }));
}

/// Runs until `cancel` fires.
pub async fn run(app: AppState, cancel: CancellationToken) {
    let tick = app.policy.scheduler_tick;
    loop {
        tokio::select! {
            _ = cancel.cancelled() => return,
            _ = tokio::time::sleep(tick) => {}
        }
        if let Err(e) = opening::open_all_due(&app).await {
            tracing::warn!(error = ?e, "scheduler tick failed; retrying next tick");
        }
    }
}
