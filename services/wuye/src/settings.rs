//! The launcher's settings, layered: built-in defaults, then an optional TOML file
//! (`--config FILE` or `WUYE_CONFIG`), then `WUYE_…` environment variables, then flags.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use serde::Deserialize;
use shared::client_addr::TrustedProxies;
use shared::http::Limits;
use shared::keys::{KeyRing, Signer, TokenKeys};

use crate::platform::{PlatformSettings, ServiceName, Storage, Urls};

/// Everything the launcher reads from the file and the environment. Field names are the
/// TOML keys; the environment variable is `WUYE_` + the upper-cased name.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on (`127.0.0.1:8080`).
    pub listen: Option<String>,
    /// Folder for the SQLite files and the search index (`./data`).
    pub data: Option<PathBuf>,
    /// Database URL for `wuye serve` (`sqlite://…` or `postgres://…`).
    pub database: Option<String>,
    /// Where `wuye serve tender|matching` finds the catalog (`http://127.0.0.1:8080`).
    pub catalog_url: Option<String>,
    /// Where `wuye serve matching` finds the tender service.
    pub tender_url: Option<String>,
    /// Where `wuye serve web` finds the matching service.
    pub matching_url: Option<String>,
    /// The address people use (`https://wuye.chengdu.gov.cn`); when it is https, cookies
    /// are `Secure`.
    pub public_url: Option<String>,
    /// Folder of the token keys (Ed25519, PEM): `catalog.pub`, `tender.pub` and
    /// `matching.pub` for every service, and beside each signing service only its own
    /// private key (`catalog.key`, `tender.key` or `matching.key`, mode 0600); `wuye admin
    /// keygen` makes a set. `wuye up` keeps them in `<data>/keys` when none is configured;
    /// `wuye serve` requires it.
    pub keys_dir: Option<PathBuf>,
    /// How long a sign-in lasts, in seconds (12 hours).
    pub token_ttl_secs: Option<i64>,
    /// Largest accepted request body in bytes (16 MiB).
    pub body_limit_bytes: Option<usize>,
    /// Longest a request may take, in seconds (60).
    pub request_timeout_secs: Option<u64>,
    /// Reverse proxies (addresses or CIDR ranges, e.g. `["10.0.0.0/8"]`) whose
    /// `X-Forwarded-For` is believed by the catalog and the pages; default none. `wuye up`
    /// also trusts loopback and its own listen address (its pages call the APIs on the
    /// same port). With `wuye serve catalog`, list the address of `wuye serve web` here.
    pub trusted_proxies: Vec<String>,
    /// Peers (addresses or CIDR ranges, e.g. `["10.0.5.0/24"]`) that may read every
    /// service's `<prefix>/metrics` without a token: the Prometheus server. Default none
    /// (then only service and association tokens may). Compared with the connecting peer,
    /// never `X-Forwarded-For`: do not let the reverse proxy serve `/metrics`.
    pub metrics_networks: Vec<String>,
    /// The catalog's configurable rules (`[catalog.credit]` base and grade thresholds, …);
    /// environment: `WUYE_CATALOG__CREDIT__BASE=75`.
    pub catalog: catalog::policy::CatalogPolicy,
    /// The tender service's rules (`[tender]`: `min_bid_window_secs` (20 days),
    /// `notice_period_secs` (5 days), `scheduler_tick_ms` (500), `verify_award_with_catalog`
    /// (true), `ocid_prefix` (`ocds-wuye01`)); environment: `WUYE_TENDER__NOTICE_PERIOD_SECS=86400`.
    pub tender: tender::TenderPolicy,
    /// The matching service's rules (`[matching]`: coverage targets, weights, bundles, the
    /// bulletin's measure, notifications: `notify_top_firms` (10), `notify_min_score`,
    /// `notify_officials_every_secs` (300)); environment:
    /// `WUYE_MATCHING__NOTIFY_OFFICIALS_EVERY_SECS=60`.
    pub matching: matching::MatchingPolicy,
}

impl Settings {
    /// Reads the optional file and the environment.
    pub fn load(file: Option<&Path>) -> anyhow::Result<Self> {
        let mut figment = Figment::new();
        if let Some(path) = file {
            anyhow::ensure!(
                path.exists(),
                "configuration file {} not found",
                path.display()
            );
            figment = figment.merge(Toml::file(path));
        }
        // WUYE_CONFIG, WUYE_LOG*, WUYE_ADMIN_PASSWORD and the test harness's variables are
        // read elsewhere; everything else must be a known key.
        figment = figment.merge(
            Env::prefixed("WUYE_")
                .ignore(&[
                    "config",
                    "log",
                    "log_format",
                    "test_postgres_url",
                    "require_postgres",
                    "postgres_ran_file",
                    "require_browser",
                    "browser_ran_file",
                    "admin_password",
                ])
                .lowercase(true)
                .split("__"),
        );
        figment.extract().context("reading the configuration")
    }

    /// Whether cookies are `Secure`: the public URL is https. A public URL that is no
    /// http(s) URL is refused.
    pub fn secure_cookies(&self) -> anyhow::Result<bool> {
        let Some(raw) = self.public_url.as_deref() else {
            return Ok(false);
        };
        let url = reqwest::Url::parse(raw.trim())
            .with_context(|| format!("public_url {raw:?} is not a URL"))?;
        anyhow::ensure!(
            matches!(url.scheme(), "http" | "https") && url.host_str().is_some(),
            "public_url {raw:?} must be an http:// or https:// address"
        );
        Ok(url.scheme() == "https")
    }

    pub fn limits(&self) -> Limits {
        let d = Limits::default();
        Limits {
            body_bytes: self.body_limit_bytes.unwrap_or(d.body_bytes),
            timeout: self
                .request_timeout_secs
                .map(std::time::Duration::from_secs)
                .unwrap_or(d.timeout),
        }
    }

    /// The configured trusted proxies.
    pub fn trusted_proxies(&self) -> anyhow::Result<shared::client_addr::TrustedProxies> {
        shared::client_addr::TrustedProxies::parse(&self.trusted_proxies)
            .map_err(|e| anyhow::anyhow!(e))
    }

    /// The catalog's throttling: the configured trusted proxies, and `also` (what `wuye
    /// up` trusts for its own pages).
    pub fn catalog_throttle(
        &self,
        also: &shared::client_addr::TrustedProxies,
    ) -> anyhow::Result<catalog::throttle::ThrottleConfig> {
        Ok(catalog::throttle::ThrottleConfig {
            trusted_proxies: self.trusted_proxies()?.and(also),
            ..Default::default()
        })
    }

    /// What the composition root builds: `services` on `storage`, finding each other at
    /// `urls`, with the token keys of `keys`, and these settings' limits, policies,
    /// proxies and cookie policy; the catalog also believes `also` (what `wuye up` trusts
    /// for its own pages).
    pub fn platform(
        &self,
        services: Vec<ServiceName>,
        storage: Storage,
        urls: Urls,
        keys: Arc<KeyRing>,
        also: &TrustedProxies,
    ) -> anyhow::Result<PlatformSettings> {
        Ok(PlatformSettings {
            services,
            storage,
            urls,
            keys,
            token_ttl_secs: self.token_ttl_secs(),
            limits: self.limits(),
            catalog_policy: self.catalog.clone(),
            tender_policy: self.tender.clone(),
            matching_policy: self.matching.clone(),
            throttle: self.catalog_throttle(also)?,
            trusted_proxies: self.trusted_proxies()?,
            secure_cookies: self.secure_cookies()?,
            metrics_networks: TrustedProxies::parse(&self.metrics_networks)
                .map_err(|e| anyhow::anyhow!("metrics_networks: {e}"))?,
        })
    }

    /// How long a sign-in lasts (12 hours unless configured).
    pub fn token_ttl_secs(&self) -> i64 {
        self.token_ttl_secs.unwrap_or(12 * 3600)
    }

    /// `wuye up`'s key ring: every key pair (one process runs every signer), from the
    /// configured folder or `<data>/keys`, made on the first run. An HS256 secret an older
    /// version kept in the data folder is removed: nothing reads it any more.
    pub fn key_ring_for_up(&self, data: &Path) -> anyhow::Result<KeyRing> {
        let old = data.join("token_secret");
        if old.exists() {
            std::fs::remove_file(&old).with_context(|| format!("removing {}", old.display()))?;
        }
        let dir = self.keys_dir.clone().unwrap_or_else(|| data.join("keys"));
        KeyRing::create(&dir)
    }

    /// `wuye serve`'s key ring: the public keys, and the private key of `signer` only.
    pub fn key_ring_for_serve(&self, signer: Option<Signer>) -> anyhow::Result<KeyRing> {
        let dir = self.keys_dir.as_deref().context(
            "no token keys: set WUYE_KEYS_DIR (or keys_dir) to a folder made by `wuye admin keygen`",
        )?;
        KeyRing::load(dir, signer.as_slice())
    }

    /// The token keys of one service in `ring`.
    pub fn token_keys(
        &self,
        ring: &KeyRing,
        signer: Option<Signer>,
    ) -> anyhow::Result<Arc<TokenKeys>> {
        Ok(Arc::new(ring.token_keys(signer, self.token_ttl_secs())?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_settings_file_names_only_what_it_changes() {
        let dir = std::env::temp_dir().join(format!("wuye-settings-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("wuye.toml");
        std::fs::write(
            &file,
            "listen = \"127.0.0.1:9000\"\n[catalog.credit]\nbase = 75\n[catalog.credit.thresholds]\naaa = 90\n",
        )
        .unwrap();
        let s = Settings::load(Some(&file)).unwrap();
        assert_eq!(s.listen.as_deref(), Some("127.0.0.1:9000"));
        assert_eq!(s.catalog.credit.base, 75);
        assert_eq!(s.catalog.credit.thresholds.aaa, 90);
        assert_eq!(
            s.catalog.credit.thresholds.aa, 80,
            "unnamed values keep their defaults"
        );
        assert!(s.catalog.validate().is_ok());

        std::fs::write(&file, "no_such_key = 1\n").unwrap();
        assert!(
            Settings::load(Some(&file)).is_err(),
            "unknown keys are refused"
        );
        assert!(Settings::load(Some(&dir.join("missing.toml"))).is_err());
    }

    #[test]
    fn the_matching_policy_comes_from_the_file() {
        let dir = std::env::temp_dir().join(format!("wuye-settings-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("wuye.toml");
        std::fs::write(
            &file,
            "[matching]\nnotify_officials_every_secs = 60\nnotify_top_firms = 5\n",
        )
        .unwrap();
        let s = Settings::load(Some(&file)).unwrap();
        assert_eq!(s.matching.notify_officials_every_secs, 60);
        assert_eq!(s.matching.notify_top_firms, 5);
        assert_eq!(
            s.matching.bulletin_measure,
            matching::MatchingPolicy::default().bulletin_measure,
            "unnamed values keep their defaults"
        );
        assert!(s.matching.validate().is_ok());
        std::fs::write(&file, "[matching]\nnotify_officials_every_secs = 0\n").unwrap();
        assert!(
            Settings::load(Some(&file))
                .unwrap()
                .matching
                .validate()
                .is_err(),
            "a sweep that never waits is refused"
        );
    }

    #[test]
    fn the_tender_policy_comes_from_the_file() {
        let dir = std::env::temp_dir().join(format!("wuye-settings-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("wuye.toml");
        std::fs::write(
            &file,
            "[tender]\nmin_bid_window_secs = 3600\nnotice_period_secs = 86400\nocid_prefix = \"ocds-abc123\"\nverify_award_with_catalog = false\n",
        )
        .unwrap();
        let s = Settings::load(Some(&file)).unwrap();
        assert_eq!(
            s.tender.min_bid_window,
            std::time::Duration::from_secs(3600)
        );
        assert_eq!(
            s.tender.notice_period,
            std::time::Duration::from_secs(86_400)
        );
        assert_eq!(s.tender.ocid_prefix, "ocds-abc123");
        assert!(!s.tender.verify_award_with_catalog);
        assert_eq!(
            s.tender.scheduler_tick,
            tender::TenderPolicy::default().scheduler_tick,
            "unnamed values keep their defaults"
        );
        assert!(s.tender.validate().is_ok());

        // Without a file: the national defaults (20 days to bid, 5 days of notice).
        let d = Settings::load(None).unwrap();
        assert_eq!(d.tender, tender::TenderPolicy::default());
        assert_eq!(d.tender.min_bid_window.as_secs(), 20 * 86_400);
        assert_eq!(d.tender.notice_period.as_secs(), 5 * 86_400);

        std::fs::write(&file, "[tender]\nmin_bid_window = 3600\n").unwrap();
        assert!(
            Settings::load(Some(&file)).is_err(),
            "a misspelt tender key is refused"
        );
        std::fs::write(&file, "[tender]\nocid_prefix = \"wuye\"\n").unwrap();
        assert!(
            Settings::load(Some(&file))
                .unwrap()
                .tender
                .validate()
                .is_err()
        );
    }

    #[test]
    fn cookies_are_secure_when_the_public_url_is_https() {
        let with = |url: Option<&str>| Settings {
            public_url: url.map(str::to_string),
            ..Settings::default()
        };
        assert!(!with(None).secure_cookies().unwrap());
        assert!(
            with(Some("https://wuye.chengdu.gov.cn"))
                .secure_cookies()
                .unwrap()
        );
        assert!(
            with(Some("HTTPS://wuye.chengdu.gov.cn/"))
                .secure_cookies()
                .unwrap()
        );
        assert!(
            !with(Some("http://127.0.0.1:8080"))
                .secure_cookies()
                .unwrap()
        );
        assert!(with(Some("wuye.chengdu.gov.cn")).secure_cookies().is_err());
        assert!(with(Some("ftp://wuye.example")).secure_cookies().is_err());
    }

    #[test]
    fn trusted_proxies_come_from_the_file() {
        let dir = std::env::temp_dir().join(format!("wuye-settings-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("wuye.toml");
        std::fs::write(&file, "trusted_proxies = [\"10.0.0.0/8\", \"::1\"]\n").unwrap();
        let s = Settings::load(Some(&file)).unwrap();
        let t = s.trusted_proxies().unwrap();
        assert!(t.contains("10.9.8.7".parse().unwrap()));
        assert!(!t.contains("127.0.0.1".parse().unwrap()));
        let up = s
            .catalog_throttle(&shared::client_addr::TrustedProxies::loopback())
            .unwrap();
        assert!(up.trusted_proxies.contains("127.0.0.1".parse().unwrap()));
        // By default nobody is trusted.
        assert!(
            Settings::load(None)
                .unwrap()
                .trusted_proxies()
                .unwrap()
                .is_empty()
        );
        std::fs::write(&file, "trusted_proxies = [\"10.0.0.0/40\"]\n").unwrap();
        assert!(
            Settings::load(Some(&file))
                .unwrap()
                .trusted_proxies()
                .is_err()
        );
    }

    #[test]
    fn serve_needs_a_keys_folder_and_up_makes_one() {
        assert!(Settings::default().key_ring_for_serve(None).is_err());
        let dir = std::env::temp_dir().join(format!("wuye-settings-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("token_secret"),
            "an old HS256 secret of 32 bytes..",
        )
        .unwrap();
        let s = Settings::default();
        let ring = s.key_ring_for_up(&dir).unwrap();
        assert!(!dir.join("token_secret").exists(), "the old secret is gone");
        assert!(s.token_keys(&ring, Some(Signer::Catalog)).is_ok());
        let serve = Settings {
            keys_dir: Some(dir.join("keys")),
            ..Settings::default()
        };
        let tender = serve.key_ring_for_serve(Some(Signer::Tender)).unwrap();
        assert!(serve.token_keys(&tender, Some(Signer::Tender)).is_ok());
        assert!(
            serve.token_keys(&tender, Some(Signer::Catalog)).is_err(),
            "tender never reads the catalog's private key"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
