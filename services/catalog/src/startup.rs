//! Builds the catalog: connect, migrate, load reference places, assemble the router.

use std::sync::Arc;

use axum::Router;
use axum::middleware::from_fn_with_state;
use shared::db;
use shared::feed::{FeedState, Notifier};
use shared::service::{Service, common_routes, readiness};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::CatalogConfig;
use crate::state::AppState;
use crate::{MIGRATOR, PREFIX, routes};

/// Connects to the database, applies migrations, loads the reference places and returns
/// the service ready to be served. Background work stops when `cancel` fires.
pub async fn build(config: CatalogConfig, cancel: CancellationToken) -> anyhow::Result<Service> {
    config
        .policy
        .validate()
        .map_err(|e| anyhow::anyhow!("invalid catalog policy: {e}"))?;
    let db = db::connect(&config.database_url).await?;
    db.migrate(&MIGRATOR).await?;
    let notifier = Notifier::default();
    let loaded = crate::places::load_reference(&db, &notifier).await?;
    if loaded > 0 {
        tracing::info!(changed = loaded, "reference places loaded");
    }
    let state = AppState {
        db: db.clone(),
        notifier: notifier.clone(),
        keys: config.keys.clone(),
        policy: Arc::new(config.policy.clone()),
        login_limiter: Arc::default(),
        secure_cookies: config.secure_cookies,
    };
    let ready = readiness("catalog", db.clone(), &MIGRATOR, Vec::new());
    // Signed-out tokens are refused on every API route and page (not on the feed, which
    // only service tokens read).
    let session_guard = from_fn_with_state(state.clone(), crate::accounts::session_guard);
    let api = routes::router()
        .layer(session_guard.clone())
        .with_state(state.clone())
        .merge(common_routes(
            Some(FeedState {
                db,
                notifier,
                keys: config.keys.clone(),
                stop: cancel.clone(),
            }),
            ready.clone(),
            config.keys.clone(),
        ));
    let router = Router::new().nest(PREFIX, api);
    Ok(Service {
        name: "catalog",
        prefix: PREFIX,
        router,
        ready,
        tasks: TaskTracker::new(),
    })
}
