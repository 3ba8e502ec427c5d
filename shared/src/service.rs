//! What each service's `build` hands to whoever runs it (the launcher, or the test
//! harness), and the parts every service assembles the same way.

use std::sync::Arc;

use axum::Router;
use sqlx::migrate::Migrator;

use crate::db::Db;
use crate::feed::{self, ConsumerStatus, FeedState};
use crate::http::{Check, Readiness, health_router};
use crate::metrics::Metrics;

/// A built service: its router (already nested under its prefix), its readiness check and
/// its background tasks, which stop when the cancellation token given to `build` fires.
pub struct Service {
    /// `catalog`, `tender` or `matching`.
    pub name: &'static str,
    /// `/catalog`, `/tenders` or `/match`.
    pub prefix: &'static str,
    pub router: Router,
    pub ready: Readiness,
    pub tasks: tokio_util::task::TaskTracker,
    /// Its Prometheus metrics (served at `<prefix>/metrics` by whoever runs it; see
    /// [`crate::metrics::attach`]).
    pub metrics: crate::metrics::Metrics,
}

/// Readiness: the database answers, every migration is applied, and every feed the
/// service follows has caught up with its source as of the last poll.
pub fn readiness(
    name: &'static str,
    db: Db,
    migrator: &'static Migrator,
    follows: Vec<(&'static str, Arc<ConsumerStatus>)>,
) -> Readiness {
    Arc::new(move || {
        let db = db.clone();
        let follows = follows.clone();
        Box::pin(async move {
            let mut checks = vec![
                Check::from_result(
                    &format!("{name}.database"),
                    db.ping().await.map(|_| true),
                    "unreachable",
                ),
                Check::from_result(
                    &format!("{name}.migrations"),
                    db.migrations_applied(migrator).await,
                    "migrations not applied",
                ),
            ];
            for (source, status) in follows {
                let check = format!("{name}.follows.{source}");
                checks.push(if status.caught_up() {
                    Check::ok(&check)
                } else {
                    Check::fail(&check, "catching up with the source feed")
                });
            }
            checks
        })
    })
}

/// A service's metrics with the gauges every service has: database pool use and the lag of
/// each followed feed.
pub fn metrics(
    name: &'static str,
    db: &Db,
    follows: &[(&'static str, Arc<ConsumerStatus>)],
) -> Metrics {
    let metrics = Metrics::new(name);
    metrics.watch_pool(db);
    metrics.watch_follows(follows);
    metrics
}

/// The routes every service has under its prefix besides its own API: `/feed`
/// (when it publishes one), `/healthz` and `/readyz` (details only for `keys`' service and
/// association tokens).
pub fn common_routes(
    feed: Option<FeedState>,
    ready: Readiness,
    keys: Arc<crate::auth::TokenKeys>,
) -> Router {
    let router = health_router(ready, keys);
    match feed {
        Some(state) => router.merge(feed::router(state)),
        None => router,
    }
}
