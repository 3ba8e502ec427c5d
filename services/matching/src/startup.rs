//! Builds the matching service: connect, migrate, follow the catalog and tender feeds,
//! assemble the router.

use std::sync::Arc;

use anyhow::Context as _;
use axum::middleware::from_fn_with_state;
use search_index::{IndexHandle, IndexLocation};
use shared::auth::{Auth, session_guard};
use shared::db;
use shared::feed::{Consumer, Notifier};
use shared::service::{Service, common_routes, readiness};
use shared::session::StoredSessions;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::MatchingConfig;
use crate::follow::{Follower, Sink, Source};
use crate::index::IndexSink;
use crate::notifications::{self, derive::NotifySink};
use crate::policy::MatchingPolicy;
use crate::replica::Tables;
use crate::routes::{self, PREFIX};
use crate::schema::MIGRATOR;
use crate::serving::{AnswerCache, SearchPool};
use crate::state::AppState;

/// Builds the service with the default [`MatchingPolicy`] (the plan's targets).
pub async fn build(config: MatchingConfig, cancel: CancellationToken) -> anyhow::Result<Service> {
    build_with(config, MatchingPolicy::default(), cancel).await
}

/// Builds the service with the given policy (checked first).
pub async fn build_with(
    config: MatchingConfig,
    policy: MatchingPolicy,
    cancel: CancellationToken,
) -> anyhow::Result<Service> {
    policy
        .validate()
        .map_err(|e| anyhow::anyhow!("invalid matching policy: {e}"))?;
    let db = db::connect(&config.database_url).await?;
    db.migrate(&MIGRATOR).await?;
    let notifier = Notifier::default();
    let tasks = TaskTracker::new();
    let location = match &config.index_dir {
        Some(dir) => IndexLocation::Dir(dir.clone()),
        None => IndexLocation::Ram,
    };
    let index = tokio::task::spawn_blocking(move || IndexHandle::open(location))
        .await?
        .context("opening the search index")?;
    crate::index::reconcile_cursors(&index, &db).await?;
    let policy = Arc::new(policy);
    let index_sink = IndexSink::coalescing(
        index.clone(),
        db.clone(),
        std::time::Duration::from_millis(policy.index_commit_every_ms),
    );
    // Every follower feeds the same sinks: the tables first (the index and the
    // notifications read them).
    let sinks: Vec<Arc<dyn Sink>> = vec![
        Arc::new(Tables),
        Arc::new(index_sink.clone()),
        Arc::new(NotifySink::new(index_sink.clone(), policy.clone())),
    ];

    // Session facts the catalog published, kept in matching's tables by the catalog
    // follower and asked there on every signed-in request.
    let auth = Auth::new(
        config.keys.clone(),
        Arc::new(StoredSessions { db: db.clone() }),
    );
    let catalog = Consumer::new(
        "catalog",
        shared::feed::feed_url(&config.catalog_url, "/catalog"),
        db.clone(),
        config.keys.service_token("matching")?,
        Follower::new(Source::Catalog, sinks.clone()),
    );
    let tender = Consumer::new(
        "tender",
        shared::feed::feed_url(&config.tender_url, "/tenders"),
        db.clone(),
        config.keys.service_token("matching")?,
        Follower::new(Source::Tender, sinks),
    );
    let follows = vec![
        ("catalog", catalog.status.clone()),
        ("tender", tender.status.clone()),
    ];
    tasks.spawn(catalog.run(cancel.clone()));
    tasks.spawn(tender.run(cancel.clone()));
    tasks.spawn(index_sink.commits(cancel.clone()));
    tasks.spawn(refresh_daily(index.clone(), db.clone(), cancel.clone()));
    tasks.spawn(notifications::sweep::run(
        db.clone(),
        policy.clone(),
        cancel.clone(),
    ));
    tasks.spawn(notifications::delivery::run(
        db.clone(),
        notifications::delivery::client()?,
        cancel.clone(),
    ));

    let metrics = shared::service::metrics("matching", &db, &follows);
    crate::index::watch(&metrics, &index);
    let answers = Arc::new(AnswerCache::new(
        policy.answer_cache,
        usize::try_from(policy.answer_cache_mib)
            .unwrap_or(usize::MAX)
            .saturating_mul(1 << 20),
    ));
    answers.watch(&metrics);
    let pool = Arc::new(SearchPool::per_core().context("starting the search threads")?);
    let ready = readiness("matching", db.clone(), &MIGRATOR, follows);
    let state = AppState {
        db: db.clone(),
        notifier: notifier.clone(),
        keys: config.keys.clone(),
        auth: auth.clone(),
        policy,
        index,
        coverage: Default::default(),
        pool,
        answers,
    };
    let common = common_routes(None, ready.clone(), config.keys.clone());
    Ok(Service {
        name: "matching",
        prefix: PREFIX,
        // Ended sessions are refused on every route.
        router: routes::bench_fixed(routes::router(), state.policy.bench_fixed_body_bytes)
            .with_state(state)
            .nest(PREFIX, common)
            .layer(from_fn_with_state(auth, session_guard)),
        ready,
        tasks,
        metrics,
    })
}

/// Re-evaluates every firm's date-derived standing at start-up and whenever the China date
/// changes (checked every minute); see [`crate::index`].
async fn refresh_daily(index: IndexHandle, db: shared::db::Db, cancel: CancellationToken) {
    let mut last: Option<shared::domain::roster::Date> = None;
    loop {
        let today = shared::domain::roster::china_today();
        if last != Some(today) {
            match crate::index::refresh_firms(&index, &db, today).await {
                Ok(n) => {
                    tracing::info!(firms = n, "search index: firm standings re-evaluated");
                    last = Some(today);
                }
                Err(e) => tracing::warn!(error = %e, "search index: firm refresh failed"),
            }
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(std::time::Duration::from_secs(60)) => {}
        }
    }
}
