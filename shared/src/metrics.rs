//! Prometheus metrics (`GET <prefix>/metrics`, the Prometheus text format 0.0.4).
//!
//! Each service keeps one [`Metrics`] (its own registry, every sample labelled with
//! `service`): requests and their latency per route ([`track`], keyed by the matched route
//! pattern such as `/tenders/{id}`, never the raw URL, so ids cannot blow up the series),
//! and gauges read when scraped: feed lag per followed feed, database pool use, and what
//! the service adds with [`Metrics::probe`] (matching's index documents and generation,
//! tender's tenders due for opening). Who may read: service and association tokens, or
//! peers in the configured `metrics_networks` (the Prometheus server; a reverse proxy must
//! not serve `/metrics` to the public).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Instant;

use axum::Router;
use axum::extract::{ConnectInfo, MatchedPath, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::future::BoxFuture;
use prometheus_client::encoding::prometheus_text;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::auth::{Role, TokenKeys};
use crate::client_addr::TrustedProxies;
use crate::db::Db;
use crate::error::Problem;
use crate::feed::{ConsumerStatus, Notifier};

type Labels = Vec<(&'static str, String)>;

/// Gauges read at scrape time: given the metrics to set them on (a probe must not keep its
/// own handle on them: that would be a cycle, and the service's pool would never close).
pub type Probe = Arc<dyn Fn(Metrics) -> BoxFuture<'static, ()> + Send + Sync>;

/// One service's metrics; cheap to clone.
#[derive(Clone)]
pub struct Metrics(Arc<Inner>);

struct Inner {
    registry: Registry,
    requests: Family<Labels, Counter>,
    latency: Family<Labels, Histogram>,
    gauges: Family<Labels, Gauge<i64, AtomicI64>>,
    probes: std::sync::Mutex<Vec<Probe>>,
}

impl Metrics {
    /// A registry for `service` (`catalog`, `tender`, `matching`, `web`).
    pub fn new(service: &'static str) -> Self {
        let mut registry = Registry::with_prefix_and_labels(
            "wuye",
            [("service".into(), service.into())].into_iter(),
        );
        let requests = Family::<Labels, Counter>::default();
        registry.register(
            "http_requests",
            "HTTP requests answered, by method, matched route and status",
            requests.clone(),
        );
        // 1 ms … ~16 s.
        let latency = Family::<Labels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.001, 2.0, 15))
        });
        registry.register(
            "http_request_duration_seconds",
            "HTTP request latency in seconds, by method and matched route",
            latency.clone(),
        );
        let gauges = Family::<Labels, Gauge<i64, AtomicI64>>::default();
        registry.register(
            "state",
            "Gauges read when scraped: `name` says which (feed_lag, feed_cursor, feed_head, feed_listening, db_pool_size, db_pool_idle, db_pool_max, index_documents, index_generation, answer_cache_hits, answer_cache_misses, answer_cache_entries, answer_cache_bytes, index_cache_bytes, index_prepared_bytes, tenders_due_for_opening)",
            gauges.clone(),
        );
        Self(Arc::new(Inner {
            registry,
            requests,
            latency,
            gauges,
            probes: std::sync::Mutex::default(),
        }))
    }

    /// Sets the gauge `name` (with extra labels) to `value`.
    pub fn set(&self, name: &str, extra: &[(&'static str, &str)], value: i64) {
        let mut labels: Labels = vec![("name", name.to_string())];
        labels.extend(extra.iter().map(|(k, v)| (*k, (*v).to_string())));
        self.0.gauges.get_or_create(&labels).set(value);
    }

    /// Adds a gauge read at every scrape.
    pub fn probe(&self, probe: Probe) {
        self.0
            .probes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(probe);
    }

    /// Database pool use: size, idle connections, the maximum.
    pub fn watch_pool(&self, db: &Db) {
        let db = db.clone();
        self.probe(Arc::new(move |metrics| {
            let db = db.clone();
            Box::pin(async move {
                metrics.set("db_pool_size", &[], i64::from(db.pool.size()));
                metrics.set("db_pool_idle", &[], db.pool.num_idle() as i64);
                metrics.set(
                    "db_pool_max",
                    &[],
                    i64::from(db.pool.options().get_max_connections()),
                );
            })
        }));
    }

    /// Each followed feed's cursor, the source's head as last answered, and the lag between.
    pub fn watch_follows(&self, follows: &[(&'static str, Arc<ConsumerStatus>)]) {
        let follows = follows.to_vec();
        self.probe(Arc::new(move |metrics| {
            let follows = follows.clone();
            Box::pin(async move {
                for (source, status) in follows {
                    let cursor = status.cursor.load(Ordering::Acquire);
                    let head = status.head.load(Ordering::Acquire);
                    let labels = [("source", source)];
                    metrics.set("feed_cursor", &labels, cursor);
                    metrics.set("feed_head", &labels, head);
                    metrics.set("feed_lag", &labels, (head - cursor).max(0));
                }
            })
        }));
    }

    /// Whether the feed's PostgreSQL listener is connected (`feed_listening`, 1 or 0).
    pub fn watch_notifier(&self, notifier: &Notifier) {
        let notifier = notifier.clone();
        self.probe(Arc::new(move |metrics| {
            metrics.set("feed_listening", &[], i64::from(notifier.is_listening()));
            Box::pin(async {})
        }));
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let labels: Labels = vec![
            ("method", method.to_string()),
            ("route", route.to_string()),
            ("status", status.to_string()),
        ];
        self.0.requests.get_or_create(&labels).inc();
        let labels: Labels = vec![("method", method.to_string()), ("route", route.to_string())];
        self.0.latency.get_or_create(&labels).observe(seconds);
    }

    /// Reads the probes, then renders every metric in the Prometheus text format.
    pub async fn render(&self) -> String {
        let probes = self
            .0
            .probes
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone();
        for probe in probes {
            probe(self.clone()).await;
        }
        let mut out = String::new();
        if let Err(e) = prometheus_text::encode(&mut out, &self.0.registry) {
            tracing::warn!(error = %e, "rendering the metrics failed");
        }
        out
    }
}

/// Middleware counting every request and its latency by its matched route (`unmatched` when
/// no route matched).
pub async fn track(State(metrics): State<Metrics>, req: Request, next: Next) -> Response {
    let started = Instant::now();
    // A client may send any method name: only the standard ones become label values.
    let method = match req.method().as_str() {
        m @ ("GET" | "HEAD" | "POST" | "PUT" | "PATCH" | "DELETE" | "OPTIONS") => m,
        _ => "other",
    }
    .to_string();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_string(), |p| p.as_str().to_string());
    let response = next.run(req).await;
    metrics.observe(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// What `GET <prefix>/metrics` needs.
#[derive(Clone)]
pub struct MetricsState {
    pub metrics: Metrics,
    /// Verify-only keys: service and association tokens may read.
    pub keys: Arc<TokenKeys>,
    /// Peers that may read without a token (the Prometheus server).
    pub networks: TrustedProxies,
}

/// `GET <prefix>/metrics` beside a service's routes, and [`track`] around all of them.
pub fn attach(router: Router, prefix: &str, state: MetricsState) -> Router {
    let metrics = state.metrics.clone();
    router
        .route(&format!("{prefix}/metrics"), get(scrape).with_state(state))
        .layer(axum::middleware::from_fn_with_state(metrics, track))
}

async fn scrape(State(state): State<MetricsState>, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    let peer = parts
        .extensions
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let by_network = peer.is_some_and(|ip| state.networks.contains(ip));
    if !by_network {
        // Who the token says (a token that does not verify is no token).
        let role = crate::auth::token_from_parts(&parts)
            .and_then(|t| state.keys.verify(&t).ok())
            .map(|identity| identity.role);
        match role {
            Some(Role::Service | Role::Association) => {}
            Some(_) => {
                return Problem::forbidden(
                    "只有服务令牌、协会账号或配置的监控网络可以读取运行指标。",
                )
                .into_response();
            }
            None => return Problem::unauthorized().into_response(),
        }
    }
    let mut response = state.metrics.render().await.into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(prometheus_text::CONTENT_TYPE),
    );
    response
}
