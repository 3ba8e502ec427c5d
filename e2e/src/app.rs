//! The services of one test ([`TestApp`], built by the launcher's composition root, each on
//! its own random port with fresh databases) and its typed client ([`Answer`]).

use std::sync::Arc;

use reqwest::{Client, Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use shared::auth::{Identity, KeyRing, Role, Scope, Signer, TokenKeys};
use shared::http::Limits;
use shared::service::Service;
use tokio::net::TcpListener;
use wuye::platform::{Platform, PlatformSettings, Running, ServiceName, Storage, Urls};

use crate::backend::{Backend, fresh_database};

/// The three services running for one test.
pub struct TestApp {
    pub backend: Backend,
    /// Base URLs (`http://127.0.0.1:PORT`); each service's API is under its prefix.
    pub catalog_url: String,
    pub tender_url: String,
    pub matching_url: String,
    /// The pages (site root).
    pub web_url: String,
    /// The database URL of each service, for tests that look underneath.
    pub catalog_db: String,
    pub tender_db: String,
    pub matching_db: String,
    /// The catalog's keys: tokens of any role and scope.
    pub keys: Arc<TokenKeys>,
    /// The folder of the services' key files (`<signer>.key`, `<signer>.pub`), as `wuye
    /// admin keygen` makes it; each service was given its own private key only.
    pub keys_dir: std::path::PathBuf,
    _keys_folder: Arc<tempfile::TempDir>,
    /// The catalog's argon2 gate, whose counters tell how many passwords were hashed.
    pub passwords: Arc<catalog::throttle::PasswordGate>,
    pub client: Client,
    options: Options,
    ring: Arc<KeyRing>,
    /// catalog, tender, matching and the pages, built by the launcher's composition root.
    running: Running,
}

/// How many changes a fresh catalog's feed starts with: 20 districts, 261 streets and the
/// four seeded service models.
pub const REFERENCE_CHANGES: i64 = 285;

/// Starts catalog, tender and matching on random ports with fresh databases.
pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, Options::default()).await
}

/// How a test wants the services configured.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Tender asks the catalog directly, at award time, whether the winner is still
    /// recommended. Tests that inject firms into the catalog's feed (firms the catalog's
    /// tables do not hold) turn it off.
    pub verify_award_with_catalog: bool,
    /// The catalog and the pages believe `X-Forwarded-For` from loopback (the test
    /// client), as behind a reverse proxy on the same host; and the catalog believes the
    /// pages. Tests of untrusted peers turn it off.
    pub trust_loopback: bool,
    /// Applications one client address may submit per hour, anonymously. Tests apply
    /// many firms from one address, so it is high unless a test lowers it.
    pub anonymous_applications_per_hour: usize,
    /// `[tender] backdate_window_days`: how far back contract dates may lie (the
    /// production default unless a test replays a longer history).
    pub backdate_window_days: u32,
    /// The configured public URL is https: cookies are `Secure`.
    pub secure_cookies: bool,
    /// `[tender] owner_code_requests_per_minute`: tests send many codes from one address,
    /// so it is high unless a test lowers it.
    pub owner_code_requests_per_minute: u32,
    /// Loopback peers (the tests) may read `<prefix>/metrics` without a token, as a
    /// configured Prometheus network.
    pub metrics_from_loopback: bool,
    /// `[tender] escalation_window_secs`: how long after an answer a complaint may be
    /// escalated (and holds the contract back). A minute, unless a test waits it out.
    pub escalation_window_secs: u64,
    /// `[tender] notice_period_secs`: two seconds, unless a test needs the notice open.
    pub notice_period_secs: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            verify_award_with_catalog: true,
            trust_loopback: true,
            anonymous_applications_per_hour: 10_000,
            backdate_window_days: ::tender::config::DEFAULT_BACKDATE_WINDOW_DAYS,
            secure_cookies: false,
            owner_code_requests_per_minute: 10_000,
            metrics_from_loopback: false,
            escalation_window_secs: 60,
            notice_period_secs: 2,
        }
    }
}

/// [`spawn_app`] with options.
pub async fn spawn_app_with(backend: Backend, options: Options) -> TestApp {
    try_spawn_app(backend, options)
        .await
        .expect("starting the services")
}

async fn try_spawn_app(backend: Backend, options: Options) -> anyhow::Result<TestApp> {
    shared::telemetry::init_for_tests();
    let keys_folder = Arc::new(tempfile::tempdir()?);
    let keys_dir = keys_folder.path().to_path_buf();
    let ring = Arc::new(KeyRing::create(&keys_dir)?);
    let keys = Arc::new(ring.token_keys(Some(Signer::Catalog), 3600)?);

    let mut listeners = Vec::new();
    let mut urls = Vec::new();
    for name in ServiceName::ALL {
        let listener = TcpListener::bind("127.0.0.1:0").await?;
        urls.push(format!("http://{}", listener.local_addr()?));
        listeners.push((name, listener));
    }
    let [catalog_url, tender_url, matching_url, web_url] =
        <[String; 4]>::try_from(urls).map_err(|_| anyhow::anyhow!("four listeners"))?;
    let catalog_db = fresh_database(&backend, "catalog").await?;
    let tender_db = fresh_database(&backend, "tender").await?;
    let matching_db = fresh_database(&backend, "matching").await?;

    let passwords = Arc::new(catalog::throttle::PasswordGate::default());
    let settings = platform_settings(
        options,
        ring.clone(),
        passwords.clone(),
        ServiceName::ALL.to_vec(),
        Storage::Databases {
            catalog: Some(catalog_db.clone()),
            tender: Some(tender_db.clone()),
            matching: Some(matching_db.clone()),
            index_dir: None,
        },
        Urls {
            catalog: Some(catalog_url.clone()),
            tender: Some(tender_url.clone()),
            matching: Some(matching_url.clone()),
        },
    );
    // Each service on its own port, as separate processes behind a proxy would be.
    let running = Platform::build(settings).await?.start_apart(listeners);
    Ok(TestApp {
        backend,
        catalog_url,
        tender_url,
        matching_url,
        web_url,
        catalog_db,
        tender_db,
        matching_db,
        keys,
        keys_dir,
        _keys_folder: keys_folder,
        passwords,
        client: Client::new(),
        options,
        ring,
        running,
    })
}

/// The settings every test process is built from: the tests' short tender policy, the
/// options' throttling and trust, the given services, storage and URLs.
fn platform_settings(
    options: Options,
    ring: Arc<KeyRing>,
    passwords: Arc<catalog::throttle::PasswordGate>,
    services: Vec<ServiceName>,
    storage: Storage,
    urls: Urls,
) -> PlatformSettings {
    let trusted = if options.trust_loopback {
        shared::client_addr::TrustedProxies::loopback()
    } else {
        shared::client_addr::TrustedProxies::default()
    };
    PlatformSettings {
        services,
        storage,
        urls,
        keys: ring,
        token_ttl_secs: 3600,
        limits: Limits::default(),
        catalog_policy: Default::default(),
        tender_policy: ::tender::TenderPolicy {
            // Tests open tenders seconds after publishing them.
            min_bid_window: std::time::Duration::from_secs(1),
            scheduler_tick: std::time::Duration::from_millis(100),
            notice_period: std::time::Duration::from_secs(options.notice_period_secs),
            verify_award_with_catalog: options.verify_award_with_catalog,
            backdate_window_days: options.backdate_window_days,
            owner_code_requests_per_minute: options.owner_code_requests_per_minute,
            escalation_window: std::time::Duration::from_secs(options.escalation_window_secs),
            ..Default::default()
        },
        matching_policy: ::matching::MatchingPolicy {
            // Tests look for the officials' notifications at every sweep.
            notify_officials_every_secs: 2,
            ..Default::default()
        },
        throttle: catalog::throttle::ThrottleConfig {
            trusted_proxies: trusted.clone(),
            anonymous_applications_per_hour: options.anonymous_applications_per_hour,
            passwords,
        },
        trusted_proxies: trusted,
        secure_cookies: options.secure_cookies,
        metrics_networks: if options.metrics_from_loopback {
            shared::client_addr::TrustedProxies::loopback()
        } else {
            shared::client_addr::TrustedProxies::default()
        },
    }
}

/// Another process of one service (a replica), on its own port, built like the app's own.
pub struct Replica {
    /// Its base URL (`http://127.0.0.1:PORT`).
    pub url: String,
    /// Its database URL.
    pub database: String,
    running: Running,
}

impl Replica {
    pub fn service(&self) -> &Service {
        &self.running.services()[0]
    }

    /// Stops it: in-flight requests finish and its background tasks end.
    pub async fn stop(self) {
        self.running.stop().await.expect("stopping a replica");
    }
}

/// An answer: status, content type and body.
#[derive(Debug)]
pub struct Answer {
    pub status: StatusCode,
    pub content_type: String,
    pub body: String,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn parse<T: DeserializeOwned>(&self) -> T {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("unexpected body ({e}): {}", self.body))
    }

    /// Asserts an RFC 9457 problem with this status and code, and returns it.
    pub fn problem(&self, status: u16, code: &str) -> Value {
        assert_eq!(self.status.as_u16(), status, "status; body: {}", self.body);
        assert!(
            self.content_type.starts_with("application/problem+json"),
            "content type {} for {}",
            self.content_type,
            self.body
        );
        let v = self.json();
        assert_eq!(v["code"], code, "problem code; body: {}", self.body);
        assert!(v["title"].as_str().is_some_and(|t| !t.is_empty()));
        v
    }

    /// The message for one field of a validation problem.
    pub fn field_error(&self, field: &str) -> Option<String> {
        self.json()["errors"]
            .as_array()?
            .iter()
            .find(|e| e["field"] == field)
            .and_then(|e| e["message"].as_str().map(str::to_string))
    }
}

/// Asserts a validation problem with a message for each of `fields`.
pub fn assert_fields(a: &Answer, fields: &[&str]) {
    a.problem(422, "validation_failed");
    for f in fields {
        assert!(a.field_error(f).is_some(), "no error for `{f}`: {}", a.body);
    }
}

/// The `code` of one field's error in a validation problem.
pub fn field_code(a: &Answer, field: &str) -> String {
    a.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["field"] == field)
        .and_then(|e| e["code"].as_str())
        .unwrap_or_else(|| panic!("no error for `{field}`: {}", a.body))
        .to_string()
}

impl TestApp {
    /// Sends a request; `token` as bearer when given.
    pub async fn send(
        &self,
        method: Method,
        url: &str,
        token: Option<&str>,
        body: Option<&(impl Serialize + ?Sized)>,
    ) -> Answer {
        let mut req = self.client.request(method, url);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await.expect("sending a request");
        let status = res.status();
        let content_type = res
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body = res.text().await.expect("reading a response");
        Answer {
            status,
            content_type,
            body,
        }
    }

    pub async fn get(&self, url: &str, token: Option<&str>) -> Answer {
        self.send(Method::GET, url, token, None::<&Value>).await
    }

    /// `POST`s raw bytes of `content_type` (a file import); `token` as bearer when given.
    pub async fn post_bytes(
        &self,
        url: &str,
        token: Option<&str>,
        content_type: &str,
        body: Vec<u8>,
    ) -> Answer {
        let mut req = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(body);
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("sending a file");
        let status = res.status();
        let content_type = res
            .headers()
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string();
        let body = res.text().await.expect("reading a response");
        Answer {
            status,
            content_type,
            body,
        }
    }

    /// `GET` on the catalog.
    pub async fn catalog_get(&self, path: &str, token: Option<&str>) -> Answer {
        self.get(&format!("{}{path}", self.catalog_url), token)
            .await
    }

    /// A signed token for a role and scope (accounts themselves live in the catalog).
    pub fn token(&self, role: Role, scope: Scope) -> String {
        self.keys
            .issue(&Identity {
                account_id: format!("test-{role:?}"),
                name: "测试账号".into(),
                role,
                scope,
                token_id: String::new(),
            })
            .expect("issuing a token")
    }

    /// The token keys a service process gets: the public keys, and `signer`'s private key
    /// only (`None`: verify only, as the pages).
    pub fn service_keys(&self, signer: Option<Signer>) -> Arc<TokenKeys> {
        Arc::new(
            KeyRing::load(&self.keys_dir, signer.as_slice())
                .and_then(|ring| ring.token_keys(signer, 3600))
                .expect("the service's keys"),
        )
    }

    pub fn service_token(&self) -> String {
        self.keys.service_token("test").expect("service token")
    }

    /// Reads a feed page as a service.
    pub async fn feed(
        &self,
        base: &str,
        prefix: &str,
        after: i64,
        limit: i64,
        wait: u64,
    ) -> Answer {
        self.get(
            &format!("{base}{prefix}/feed?after={after}&limit={limit}&wait={wait}"),
            Some(&self.service_token()),
        )
        .await
    }

    /// Polls `/readyz` of a service until it answers 200 (or panics after `secs`).
    pub async fn wait_ready(&self, base: &str, prefix: &str, secs: u64) {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
        loop {
            let a = self.get(&format!("{base}{prefix}/readyz"), None).await;
            if a.status == StatusCode::OK {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{prefix} not ready after {secs}s: {}",
                a.body
            );
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
    }

    /// Waits until a follower (whose database is `follower_db`) has applied every change
    /// the source feed (`base` + `prefix`) holds now.
    pub async fn wait_followed(&self, follower_db: &str, source: &str, base: &str, prefix: &str) {
        let head = self.feed(base, prefix, 0, 1, 0).await.json()["head"]
            .as_i64()
            .expect("a feed head");
        let db = shared::db::connect(follower_db)
            .await
            .expect("the follower's database");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        loop {
            let cursor: Option<i64> =
                sqlx::query_scalar("SELECT seq FROM feed_cursor WHERE source = $1")
                    .bind(source)
                    .fetch_optional(&db.pool)
                    .await
                    .expect("reading a cursor");
            if cursor.unwrap_or(0) >= head {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{source} change {head} not followed after 20 s"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        db.pool.close().await;
    }

    /// Waits until tender has applied every catalog change made so far.
    pub async fn tender_follows_catalog(&self) {
        self.wait_followed(&self.tender_db, "catalog", &self.catalog_url, "/catalog")
            .await;
    }

    /// A second process of `service` beside this app's: catalog and tender on the app's
    /// own database (replicas share it), matching on `matching_db` (each matching replica
    /// keeps its own; see [`fresh_database`]); it follows and calls the app's services.
    pub async fn replica(&self, service: ServiceName, matching_db: Option<String>) -> Replica {
        let database = match service {
            ServiceName::Catalog => self.catalog_db.clone(),
            ServiceName::Tender => self.tender_db.clone(),
            ServiceName::Matching => matching_db.expect("a matching replica's own database"),
            ServiceName::Web => String::new(),
        };
        let storage = Storage::Databases {
            catalog: Some(database.clone()),
            tender: Some(database.clone()),
            matching: Some(database.clone()),
            index_dir: None,
        };
        let settings = platform_settings(
            self.options,
            self.ring.clone(),
            Arc::default(),
            vec![service],
            storage,
            Urls {
                catalog: Some(self.catalog_url.clone()),
                tender: Some(self.tender_url.clone()),
                matching: Some(self.matching_url.clone()),
            },
        );
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        let running = Platform::build(settings)
            .await
            .expect("starting a replica")
            .start_apart(vec![(service, listener)]);
        Replica {
            url,
            database,
            running,
        }
    }

    /// catalog, tender, matching, web.
    pub fn services(&self) -> &[Service] {
        self.running.services()
    }

    /// Stops the services: in-flight requests finish and background tasks end.
    pub async fn stop(self) {
        self.running.stop().await.expect("stopping the services");
    }
}
