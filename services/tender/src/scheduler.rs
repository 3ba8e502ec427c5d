//! The scheduler: time-driven transitions (the opening of bids at the opening time). It
//! ticks every `TenderPolicy::scheduler_tick` until the service is cancelled. Reads also
//! apply due transitions lazily (see [`crate::opening::load_current`]), so what a client
//! sees never lags behind the clock even between ticks.

use tokio_util::sync::CancellationToken;

use crate::opening;
use crate::state::AppState;

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
