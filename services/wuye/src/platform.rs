//! The composition root: the one place that wires catalog, tender, matching and the pages
//! together. `wuye up`, the demo's past stages, `wuye serve` and the end-to-end harness
//! all describe what they want as [`PlatformSettings`] and call [`Platform::build`]; they
//! differ only in those settings and in how they listen ([`Platform::start`] behind one
//! port, [`Platform::start_apart`] one port per service).

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use axum::Router;
use clap::ValueEnum;
use shared::client_addr::TrustedProxies;
use shared::db::sqlite_url;
use shared::http::{Limits, combine, health_router, shutdown_signal, with_middleware};
use shared::keys::{KeyRing, Signer, TokenKeys};
use shared::metrics::{MetricsState, attach};
use shared::service::Service;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// One of the four services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ServiceName {
    Catalog,
    Tender,
    Matching,
    /// The pages (site root); needs no database.
    Web,
}

impl ServiceName {
    /// Every service, in the order they are built (each follows only those before it).
    pub const ALL: [ServiceName; 4] = [
        ServiceName::Catalog,
        ServiceName::Tender,
        ServiceName::Matching,
        ServiceName::Web,
    ];

    /// The key the service signs with (the pages sign nothing).
    pub fn signer(self) -> Option<Signer> {
        match self {
            ServiceName::Catalog => Some(Signer::Catalog),
            ServiceName::Tender => Some(Signer::Tender),
            ServiceName::Matching => Some(Signer::Matching),
            ServiceName::Web => None,
        }
    }
}

/// Where the services keep their data.
#[derive(Debug, Clone)]
pub enum Storage {
    /// `wuye up`: `catalog.db`, `tender.db` and `matching.db` (SQLite) and the search index
    /// (`index/`) in one folder.
    Folder(PathBuf),
    /// A database URL per service (`sqlite://…` or `postgres://…`; only those of the services
    /// built are needed) and the folder of matching's search index (`None`: in memory).
    Databases {
        catalog: Option<String>,
        tender: Option<String>,
        matching: Option<String>,
        index_dir: Option<PathBuf>,
    },
}

impl Storage {
    fn database(&self, service: ServiceName) -> anyhow::Result<String> {
        match self {
            Storage::Folder(dir) => {
                let file = match service {
                    ServiceName::Catalog => "catalog.db",
                    ServiceName::Tender => "tender.db",
                    ServiceName::Matching => "matching.db",
                    ServiceName::Web => anyhow::bail!("the pages keep no database"),
                };
                Ok(sqlite_url(&dir.join(file)))
            }
            Storage::Databases {
                catalog,
                tender,
                matching,
                ..
            } => match service {
                ServiceName::Catalog => catalog.clone(),
                ServiceName::Tender => tender.clone(),
                ServiceName::Matching => matching.clone(),
                ServiceName::Web => None,
            }
            .context("--database (or WUYE_DATABASE) is required for this service"),
        }
    }

    fn index_dir(&self) -> Option<PathBuf> {
        match self {
            Storage::Folder(dir) => Some(dir.join("index")),
            Storage::Databases { index_dir, .. } => index_dir.clone(),
        }
    }

    /// Where tender keeps documents unless `[tender] files` says otherwise: the data
    /// folder's `files/`; with database URLs, nowhere on disk (memory).
    fn files_dir(&self) -> Option<PathBuf> {
        match self {
            Storage::Folder(dir) => Some(dir.join("files")),
            Storage::Databases { .. } => None,
        }
    }
}

/// Where each service finds the others: base URLs (`http://127.0.0.1:8080`), each API
/// under its prefix. Only those the built services call are needed.
#[derive(Debug, Clone, Default)]
pub struct Urls {
    pub catalog: Option<String>,
    pub tender: Option<String>,
    pub matching: Option<String>,
}

impl Urls {
    /// Every service on one base URL (`wuye up`).
    pub fn one(base: &str) -> Self {
        Self {
            catalog: Some(base.to_string()),
            tender: Some(base.to_string()),
            matching: Some(base.to_string()),
        }
    }

    fn need(url: &Option<String>, flag: &str) -> anyhow::Result<String> {
        url.clone()
            .with_context(|| format!("--{flag} is required for this service"))
    }
}

/// Everything the services are built from.
#[derive(Debug)]
pub struct PlatformSettings {
    /// Which services this process runs (built in [`ServiceName::ALL`]'s order).
    pub services: Vec<ServiceName>,
    pub storage: Storage,
    pub urls: Urls,
    /// The token keys: public keys of every signer, and the private keys of the signers
    /// this process runs (each service is given its own only).
    pub keys: Arc<KeyRing>,
    /// How long a sign-in lasts, in seconds.
    pub token_ttl_secs: i64,
    pub limits: Limits,
    pub catalog_policy: catalog::policy::CatalogPolicy,
    pub tender_policy: tender::TenderPolicy,
    pub matching_policy: matching::MatchingPolicy,
    /// The catalog's throttling, with the proxies whose `X-Forwarded-For` it believes.
    pub throttle: catalog::throttle::ThrottleConfig,
    /// The proxies whose `X-Forwarded-For` the pages believe.
    pub trusted_proxies: TrustedProxies,
    /// Cookies are `Secure` (the public URL is https).
    pub secure_cookies: bool,
    /// Peers that may read `<prefix>/metrics` without a token (the Prometheus server).
    pub metrics_networks: TrustedProxies,
}

impl PlatformSettings {
    /// The token keys of one service.
    pub fn token_keys(&self, signer: Option<Signer>) -> anyhow::Result<Arc<TokenKeys>> {
        Ok(Arc::new(self.keys.token_keys(signer, self.token_ttl_secs)?))
    }
}

/// The built services, not yet listening. Their background work (followers, the
/// scheduler) has started and stops with [`Running::stop`].
pub struct Platform {
    services: Vec<Service>,
    cancel: CancellationToken,
    /// Verify-only keys for the combined `/readyz`.
    keys: Arc<TokenKeys>,
    limits: Limits,
}

impl Platform {
    /// Builds the services `settings` names: connect, migrate, follow, assemble.
    pub async fn build(settings: PlatformSettings) -> anyhow::Result<Self> {
        let keys = settings.token_keys(None)?;
        let cancel = CancellationToken::new();
        let mut services = Vec::new();
        for name in ServiceName::ALL {
            if !settings.services.contains(&name) {
                continue;
            }
            let built = build_one(name, &settings, cancel.clone()).await;
            match built {
                Ok(mut service) => {
                    // `<prefix>/metrics`, and every request counted by its route.
                    let state = MetricsState {
                        metrics: service.metrics.clone(),
                        keys: keys.clone(),
                        networks: settings.metrics_networks.clone(),
                    };
                    service.router = attach(service.router, service.prefix, state);
                    services.push(service);
                }
                Err(e) => {
                    // Those built already stop their followers before the error is answered.
                    stop_tasks(&cancel, &services).await;
                    return Err(e);
                }
            }
        }
        Ok(Self {
            services,
            cancel,
            keys,
            limits: settings.limits,
        })
    }

    pub fn services(&self) -> &[Service] {
        &self.services
    }

    /// One router for every service built (the APIs under their prefixes, the pages at the
    /// root, the combined `/healthz` and `/readyz`) with the shared middleware.
    pub fn router(&self) -> Router {
        with_middleware(assemble(&self.services, self.keys.clone()), self.limits)
    }

    /// Serves every service behind one listener ([`Platform::router`]).
    pub fn start(self, listener: TcpListener) -> Running {
        let router = self.router();
        let server = tokio::spawn(shared::http::serve(listener, router, self.cancel.clone()));
        Running {
            platform: self,
            servers: vec![server],
        }
    }

    /// Serves each service on its own listener, as separate processes would (no combined
    /// health routes). `listeners` are matched to the services by name.
    pub fn start_apart(self, listeners: Vec<(ServiceName, TcpListener)>) -> Running {
        let mut servers = Vec::new();
        for (name, listener) in listeners {
            let Some(service) = self.services.iter().find(|s| s.name == service_name(name)) else {
                continue;
            };
            let router = with_middleware(service.router.clone(), self.limits);
            servers.push(tokio::spawn(shared::http::serve(
                listener,
                router,
                self.cancel.clone(),
            )));
        }
        Running {
            platform: self,
            servers,
        }
    }
}

/// The services listening. In-flight requests finish when it stops.
pub struct Running {
    platform: Platform,
    servers: Vec<JoinHandle<anyhow::Result<()>>>,
}

impl Running {
    pub fn services(&self) -> &[Service] {
        &self.platform.services
    }

    /// Stops on SIGINT or SIGTERM (the launcher's commands; tests call [`Running::stop`]).
    pub fn stop_on_signal(&self) {
        let stop = self.platform.cancel.clone();
        tokio::spawn(async move {
            shutdown_signal().await;
            tracing::info!("shutting down: finishing in-flight requests");
            stop.cancel();
        });
    }

    /// Stops now: the listeners close, in-flight requests finish, then the background tasks.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.platform.cancel.cancel();
        self.wait().await
    }

    /// Waits until the servers stop (a signal, or [`Running::stop`]), then for the
    /// services' background tasks.
    pub async fn wait(self) -> anyhow::Result<()> {
        let mut served = Ok(());
        for server in self.servers {
            let result = server.await.context("the HTTP server task").and_then(|r| r);
            if served.is_ok() {
                served = result;
            }
        }
        stop_tasks(&self.platform.cancel, &self.platform.services).await;
        tracing::info!("stopped");
        served
    }
}

async fn stop_tasks(cancel: &CancellationToken, services: &[Service]) {
    cancel.cancel();
    for s in services {
        s.tasks.close();
        s.tasks.wait().await;
    }
}

/// The one router of `wuye up`: every service's routes (the APIs under their prefixes, the
/// pages at the root) and the combined health checks. Panics when two services claim the
/// same path (tested, so a page can never shadow an API).
pub fn assemble(services: &[Service], keys: Arc<TokenKeys>) -> Router {
    let ready = combine(services.iter().map(|s| s.ready.clone()).collect());
    let mut router = Router::new().merge(health_router(ready, keys));
    for s in services {
        router = router.merge(s.router.clone());
    }
    router
}

/// The name a built [`Service`] carries.
fn service_name(name: ServiceName) -> &'static str {
    match name {
        ServiceName::Catalog => "catalog",
        ServiceName::Tender => "tender",
        ServiceName::Matching => "matching",
        ServiceName::Web => "web",
    }
}

async fn build_one(
    name: ServiceName,
    s: &PlatformSettings,
    cancel: CancellationToken,
) -> anyhow::Result<Service> {
    let keys = s.token_keys(name.signer())?;
    match name {
        ServiceName::Catalog => catalog::build(
            catalog::CatalogConfig {
                database_url: s.storage.database(name)?,
                keys,
                limits: s.limits,
                policy: s.catalog_policy.clone(),
                throttle: s.throttle.clone(),
                secure_cookies: s.secure_cookies,
            },
            cancel,
        )
        .await
        .context("starting the catalog"),
        ServiceName::Tender => tender::build(
            tender::TenderConfig {
                database_url: s.storage.database(name)?,
                catalog_url: Urls::need(&s.urls.catalog, "catalog-url")?,
                keys,
                limits: s.limits,
                policy: s.tender_policy.clone(),
                // The pages call on behalf of browsers from where the catalog believes them.
                trusted_proxies: s.throttle.trusted_proxies.clone(),
                files_dir: s.storage.files_dir(),
            },
            cancel,
        )
        .await
        .context("starting the tender service"),
        ServiceName::Matching => matching::build_with(
            matching::MatchingConfig {
                database_url: s.storage.database(name)?,
                catalog_url: Urls::need(&s.urls.catalog, "catalog-url")?,
                tender_url: Urls::need(&s.urls.tender, "tender-url")?,
                keys,
                limits: s.limits,
                index_dir: s.storage.index_dir(),
            },
            s.matching_policy.clone(),
            cancel,
        )
        .await
        .context("starting the matching service"),
        ServiceName::Web => web::build(
            web::WebConfig {
                catalog_url: Urls::need(&s.urls.catalog, "catalog-url")?,
                tender_url: Urls::need(&s.urls.tender, "tender-url")?,
                matching_url: Urls::need(&s.urls.matching, "matching-url")?,
                keys,
                trusted_proxies: s.trusted_proxies.clone(),
                secure_cookies: s.secure_cookies,
            },
            cancel,
        )
        .await
        .context("starting the pages"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(services: Vec<ServiceName>, storage: Storage, urls: Urls) -> PlatformSettings {
        PlatformSettings {
            services,
            storage,
            urls,
            keys: Arc::new(KeyRing::generate().unwrap()),
            token_ttl_secs: 3600,
            limits: Limits::default(),
            catalog_policy: Default::default(),
            tender_policy: Default::default(),
            matching_policy: Default::default(),
            throttle: Default::default(),
            trusted_proxies: TrustedProxies::default(),
            secure_cookies: false,
            metrics_networks: TrustedProxies::default(),
        }
    }

    fn no_databases() -> Storage {
        Storage::Databases {
            catalog: None,
            tender: None,
            matching: None,
            index_dir: None,
        }
    }

    #[tokio::test]
    async fn a_service_is_refused_without_what_it_needs() {
        let e = Platform::build(settings(
            vec![ServiceName::Catalog],
            no_databases(),
            Urls::default(),
        ))
        .await
        .err()
        .expect("no database");
        assert!(format!("{e:#}").contains("--database"), "{e:#}");
        let storage = Storage::Databases {
            catalog: None,
            tender: Some("sqlite::memory:".into()),
            matching: None,
            index_dir: None,
        };
        let e = Platform::build(settings(
            vec![ServiceName::Tender],
            storage,
            Urls::default(),
        ))
        .await
        .err()
        .expect("no catalog URL");
        assert!(format!("{e:#}").contains("--catalog-url"), "{e:#}");
        let e = Platform::build(settings(
            vec![ServiceName::Web],
            no_databases(),
            Urls::one("http://127.0.0.1:1"),
        ))
        .await
        .map(|_| ());
        assert!(e.is_ok(), "the pages need no database");
    }

    #[tokio::test]
    async fn one_port_serves_every_service_built_and_their_health() {
        let dir = std::env::temp_dir().join(format!("wuye-platform-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let platform = Platform::build(settings(
            vec![ServiceName::Catalog],
            Storage::Folder(dir.clone()),
            Urls::one(&base),
        ))
        .await
        .unwrap();
        assert_eq!(
            platform
                .services()
                .iter()
                .map(|s| s.name)
                .collect::<Vec<_>>(),
            ["catalog"]
        );
        assert!(dir.join("catalog.db").exists());
        let running = platform.start(listener);
        for path in [
            "/catalog/districts",
            "/catalog/openapi.json",
            "/healthz",
            "/readyz",
        ] {
            let status = reqwest::get(format!("{base}{path}"))
                .await
                .unwrap()
                .status();
            assert_eq!(status, 200, "{path}");
        }
        running.stop().await.unwrap();
        let _ = std::fs::remove_dir_all(&dir);
    }
}
