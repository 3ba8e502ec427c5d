//! Running the services: all three behind one port (`up`), or one alone (`serve`).

use std::path::PathBuf;

use anyhow::Context;
use axum::Router;
use shared::db::sqlite_url;
use shared::http::{combine, health_router, serve as serve_http, shutdown_signal, with_middleware};
use shared::service::Service;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::cli::ServiceName;
use crate::settings::Settings;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// `wuye up`.
pub async fn up(settings: Settings, demo: Option<bool>) -> anyhow::Result<()> {
    let data = settings
        .data
        .clone()
        .unwrap_or_else(|| PathBuf::from("./data"));
    std::fs::create_dir_all(&data).with_context(|| format!("creating {}", data.display()))?;
    let first_run = !data.join("catalog.db").exists();
    let demo = demo.unwrap_or(first_run);
    let keys = settings.keys(Some(&data))?;
    let limits = settings.limits();

    let listen = settings.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let addr = listener.local_addr()?;
    let base = format!("http://{addr}");
    let cancel = CancellationToken::new();

    let catalog = catalog::build(
        catalog::CatalogConfig {
            database_url: sqlite_url(&data.join("catalog.db")),
            keys: keys.clone(),
            limits,
            policy: Default::default(),
        },
        cancel.clone(),
    )
    .await
    .context("starting the catalog")?;
    let tender = tender::build(
        tender::TenderConfig {
            database_url: sqlite_url(&data.join("tender.db")),
            catalog_url: base.clone(),
            keys: keys.clone(),
            limits,
            policy: Default::default(),
        },
        cancel.clone(),
    )
    .await
    .context("starting the tender service")?;
    let matching = matching::build(
        matching::MatchingConfig {
            database_url: sqlite_url(&data.join("matching.db")),
            catalog_url: base.clone(),
            tender_url: base.clone(),
            keys,
            limits,
        },
        cancel.clone(),
    )
    .await
    .context("starting the matching service")?;

    let services = [catalog, tender, matching];
    let ready = combine(services.iter().map(|s| s.ready.clone()).collect());
    let mut router = Router::new().merge(health_router(ready));
    for s in &services {
        router = router.merge(s.router.clone());
    }
    let router = with_middleware(router, limits);

    println!();
    println!("  wuye 物业通 is running at {base}/");
    println!("  data folder: {}", data.display());
    println!(
        "  APIs: {base}/catalog/openapi.json  {base}/tenders/openapi.json  {base}/match/openapi.json"
    );
    if demo {
        println!("  demo data: the real 20 districts and 261 streets of Chengdu (synthetic firms,");
        println!(
            "  compounds, tenders and demo accounts arrive with the catalog and tender services)"
        );
    }
    println!("  press Ctrl-C to stop");
    println!();

    run_until_signal(listener, router, cancel, &services).await
}

/// `wuye serve <service>`.
pub async fn serve(which: ServiceName, settings: Settings) -> anyhow::Result<()> {
    let keys = settings.keys(None)?;
    let limits = settings.limits();
    let database_url = settings
        .database
        .clone()
        .context("--database (or WUYE_DATABASE) is required for `wuye serve`")?;
    let listen = settings.listen.as_deref().unwrap_or(DEFAULT_LISTEN);
    let listener = TcpListener::bind(listen)
        .await
        .with_context(|| format!("listening on {listen}"))?;
    let cancel = CancellationToken::new();
    let need = |v: &Option<String>, flag: &str| {
        v.clone()
            .with_context(|| format!("--{flag} is required for this service"))
    };
    let service = match which {
        ServiceName::Catalog => {
            catalog::build(
                catalog::CatalogConfig {
                    database_url,
                    keys,
                    limits,
                    policy: Default::default(),
                },
                cancel.clone(),
            )
            .await?
        }
        ServiceName::Tender => {
            tender::build(
                tender::TenderConfig {
                    database_url,
                    catalog_url: need(&settings.catalog_url, "catalog-url")?,
                    keys,
                    limits,
                    policy: Default::default(),
                },
                cancel.clone(),
            )
            .await?
        }
        ServiceName::Matching => {
            matching::build(
                matching::MatchingConfig {
                    database_url,
                    catalog_url: need(&settings.catalog_url, "catalog-url")?,
                    tender_url: need(&settings.tender_url, "tender-url")?,
                    keys,
                    limits,
                },
                cancel.clone(),
            )
            .await?
        }
    };
    let router = Router::new()
        .merge(health_router(service.ready.clone()))
        .merge(service.router.clone());
    let router = with_middleware(router, limits);
    println!(
        "  wuye {} is running at http://{}{}/",
        service.name,
        listener.local_addr()?,
        service.prefix
    );
    run_until_signal(listener, router, cancel, std::slice::from_ref(&service)).await
}

/// Serves until SIGINT/SIGTERM; then in-flight requests finish, followers stop, and the
/// background tasks are awaited before the process exits.
async fn run_until_signal(
    listener: TcpListener,
    router: Router,
    cancel: CancellationToken,
    services: &[Service],
) -> anyhow::Result<()> {
    let stop = cancel.clone();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: finishing in-flight requests");
        stop.cancel();
    });
    serve_http(listener, router, cancel.clone()).await?;
    cancel.cancel();
    for s in services {
        s.tasks.close();
        s.tasks.wait().await;
    }
    tracing::info!("stopped");
    Ok(())
}
