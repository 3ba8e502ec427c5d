//! Builds the tender service: connect, migrate, follow the catalog, start the scheduler,
//! assemble the router.

use std::sync::Arc;

use axum::middleware::from_fn_with_state;
use shared::auth::{Auth, session_guard};
use shared::db;
use shared::feed::{Consumer, FeedState, Notifier};
use shared::service::{Service, common_routes, readiness};
use shared::session::StoredSessions;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::catalog::CatalogClient;
use crate::config::TenderConfig;
use crate::files::{FileStore, Location};
use crate::follow::CatalogFollower;
use crate::owners::ballots::CodeLimiter;
use crate::routes::{self, PREFIX};
use crate::schema::MIGRATOR;
use crate::state::AppState;

pub async fn build(config: TenderConfig, cancel: CancellationToken) -> anyhow::Result<Service> {
    config
        .policy
        .validate()
        .map_err(|e| anyhow::anyhow!("the tender policy: {e}"))?;
    let db = db::connect(&config.database_url).await?;
    db.migrate(&MIGRATOR).await?;
    let notifier = Notifier::default();
    let tasks = TaskTracker::new();
    // Other replicas' writes wake this one's long-polls (PostgreSQL `LISTEN`).
    notifier.listen(&db, &config.database_url, cancel.clone(), &tasks);

    // Session facts the catalog published, kept in tender's tables by the catalog follower
    // (of whichever replica reads them) and asked there on every signed-in request.
    let auth = Auth::new(
        config.keys.clone(),
        Arc::new(StoredSessions { db: db.clone() }),
    );
    let catalog = Consumer::new(
        "catalog",
        shared::feed::feed_url(&config.catalog_url, "/catalog"),
        db.clone(),
        config.keys.service_token("tender")?,
        CatalogFollower,
    );
    let follows = vec![("catalog", catalog.status.clone())];
    tasks.spawn(catalog.run(cancel.clone()));

    let metrics = shared::service::metrics("tender", &db, &follows);
    crate::scheduler::watch(&metrics, &db);
    metrics.watch_notifier(&notifier);
    let ready = readiness("tender", db.clone(), &MIGRATOR, follows);
    let files = Location::of(config.policy.files.as_deref(), config.files_dir.as_deref());
    if files == Location::Memory {
        tracing::info!("documents are kept in memory: set [tender] files to keep them");
    }
    let files = FileStore::open(&files)?;
    let state = AppState {
        db: db.clone(),
        notifier: notifier.clone(),
        keys: config.keys.clone(),
        auth: auth.clone(),
        policy: Arc::new(config.policy.clone()),
        catalog: Arc::new(CatalogClient::new(
            &config.catalog_url,
            config.keys.service_token("tender")?,
            config.policy.verify_award_with_catalog,
        )),
        owner_codes: Arc::new(CodeLimiter::new(
            db.clone(),
            config.policy.owner_code_requests_per_minute as usize,
        )),
        files,
    };
    tasks.spawn(crate::scheduler::run(state.clone(), cancel.clone()));
    tasks.spawn(crate::owners::ballots::sweep_every_minute(
        db.clone(),
        cancel.clone(),
    ));
    tasks.spawn(crate::money::fund::rollover::every_hour(
        db.clone(),
        notifier.clone(),
        state.policy.clone(),
        cancel.clone(),
    ));
    // The client's address as `ClientAddr` for the owner-code throttle (X-Forwarded-For
    // believed only from the configured trusted proxies).
    let trusted = Arc::new(config.trusted_proxies.clone());
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
    Ok(Service {
        name: "tender",
        prefix: PREFIX,
        // Ended sessions are refused on every route, the feed included.
        router: routes::router()
            .with_state(state)
            .nest(PREFIX, common)
            .layer(from_fn_with_state(auth, session_guard))
            .layer(from_fn_with_state(trusted, shared::client_addr::layer)),
        ready,
        tasks,
        metrics,
    })
}
