//! Builds the catalog: connect, migrate, load reference places, assemble the router.

use std::sync::Arc;

use axum::middleware::from_fn_with_state;
use shared::auth::{Auth, session_guard};
use shared::db;
use shared::feed::{FeedState, Notifier};
use shared::service::{Service, common_routes, readiness};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::CatalogConfig;
use crate::routes::{self, PREFIX};
use crate::schema::MIGRATOR;
use crate::state::AppState;
use crate::throttle::{ApplicationLimiter, LoginLimiter};

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
    let tasks = TaskTracker::new();
    // Other replicas' writes wake this one's long-polls (PostgreSQL `LISTEN`).
    notifier.listen(&db, &config.database_url, cancel.clone(), &tasks);
    tasks.spawn(crate::throttle::sweep_every_few_minutes(
        db.clone(),
        cancel.clone(),
    ));
    let loaded = crate::places::load_reference(&db, &notifier).await?;
    if loaded > 0 {
        tracing::info!(changed = loaded, "reference places loaded");
    }
    let published = crate::accounts::publish_session_backlog(&db, &notifier).await?;
    if published > 0 {
        tracing::info!(published, "earlier session facts published on the feed");
    }
    let auth = Auth::new(
        config.keys.clone(),
        Arc::new(crate::accounts::DbSessions { db: db.clone() }),
    );
    let state = AppState {
        db: db.clone(),
        notifier: notifier.clone(),
        keys: config.keys.clone(),
        auth: auth.clone(),
        policy: Arc::new(config.policy.clone()),
        login_limiter: Arc::new(LoginLimiter::new(db.clone())),
        passwords: config.throttle.passwords.clone(),
        applications: Arc::new(ApplicationLimiter::new(
            db.clone(),
            config.throttle.anonymous_applications_per_hour,
        )),
        secure_cookies: config.secure_cookies,
    };
    let ready = readiness("catalog", db.clone(), &MIGRATOR, Vec::new());
    let metrics = shared::service::metrics("catalog", &db, &[]);
    metrics.watch_notifier(&notifier);
    let common = common_routes(
        Some(FeedState {
            db,
            notifier,
            auth: auth.clone(),
            stop: cancel.clone(),
        }),
        ready.clone(),
        config.keys.clone(),
    );
    // Ended sessions are refused on every route, the feed included; every handler sees the
    // client's address as `ClientAddr` (X-Forwarded-For believed only from the configured
    // trusted proxies).
    let trusted = Arc::new(config.throttle.trusted_proxies.clone());
    let router = routes::router()
        .with_state(state.clone())
        .nest(PREFIX, common)
        // Inside the session guard: it runs after the session is checked.
        .layer(from_fn_with_state(
            state.clone(),
            routes::password_change_gate,
        ))
        .layer(from_fn_with_state(auth, session_guard))
        .layer(from_fn_with_state(trusted, shared::client_addr::layer));
    Ok(Service {
        name: "catalog",
        prefix: PREFIX,
        router,
        ready,
        tasks,
        metrics,
    })
}
