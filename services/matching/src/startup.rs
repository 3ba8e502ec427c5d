//! Builds the matching service: connect, migrate, follow the catalog, assemble the router.

use axum::Router;
use shared::db;
use shared::feed::{Consumer, Notifier};
use shared::service::{Service, common_routes, readiness};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::config::MatchingConfig;
use crate::follow::{CatalogFollower, TenderFollower};
use crate::state::AppState;
use crate::{MIGRATOR, PREFIX, routes};

pub async fn build(config: MatchingConfig, cancel: CancellationToken) -> anyhow::Result<Service> {
    let db = db::connect(&config.database_url).await?;
    db.migrate(&MIGRATOR).await?;
    let notifier = Notifier::default();
    let tasks = TaskTracker::new();

    let catalog = Consumer::new(
        "catalog",
        shared::feed::feed_url(&config.catalog_url, "/catalog"),
        db.clone(),
        config.keys.service_token("matching")?,
        CatalogFollower,
    );
    let tender = Consumer::new(
        "tender",
        shared::feed::feed_url(&config.tender_url, "/tenders"),
        db.clone(),
        config.keys.service_token("matching")?,
        TenderFollower,
    );
    let follows = vec![
        ("catalog", catalog.status.clone()),
        ("tender", tender.status.clone()),
    ];
    tasks.spawn(catalog.run(cancel.clone()));
    tasks.spawn(tender.run(cancel.clone()));

    let ready = readiness("matching", db.clone(), &MIGRATOR, follows);
    let state = AppState {
        db: db.clone(),
        notifier: notifier.clone(),
        keys: config.keys.clone(),
    };
    let api = routes::router()
        .with_state(state)
        .merge(common_routes(None, ready.clone()));
    Ok(Service {
        name: "matching",
        prefix: PREFIX,
        router: Router::new().nest(PREFIX, api),
        ready,
        tasks,
    })
}
