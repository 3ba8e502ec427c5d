//! The launcher's settings, layered: built-in defaults, then an optional TOML file
//! (`--config FILE` or `WUYE_CONFIG`), then `WUYE_…` environment variables, then flags.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use shared::auth::TokenKeys;
use shared::http::Limits;

/// Everything the launcher reads from the file and the environment. Field names are the
/// TOML keys; the environment variable is `WUYE_` + the upper-cased name.
#[derive(Debug, Default, Deserialize)]
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
    /// Shared HS256 key for auth tokens (at least 32 bytes). `wuye up` makes one and keeps
    /// it in the data folder when none is configured; `wuye serve` requires it.
    pub token_secret: Option<SecretString>,
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
    /// The catalog's configurable rules (`[catalog.credit]` base and grade thresholds, …);
    /// environment: `WUYE_CATALOG__CREDIT__BASE=75`.
    pub catalog: catalog::policy::CatalogPolicy,
    /// The tender service's rules (`[tender]`: `min_bid_window_secs` (20 days),
    /// `notice_period_secs` (5 days), `scheduler_tick_ms` (500), `verify_award_with_catalog`
    /// (true), `ocid_prefix` (`ocds-wuye01`)); environment: `WUYE_TENDER__NOTICE_PERIOD_SECS=86400`.
    pub tender: tender::TenderPolicy,
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

    /// The token keys: the configured secret, or for `wuye up` one kept in the data folder.
    pub fn keys(&self, data_dir: Option<&Path>) -> anyhow::Result<Arc<TokenKeys>> {
        let ttl = self.token_ttl_secs.unwrap_or(12 * 3600);
        let secret = match (&self.token_secret, data_dir) {
            (Some(s), _) => s.clone(),
            (None, Some(dir)) => stored_secret(dir)?,
            (None, None) => anyhow::bail!(
                "no token secret: set WUYE_TOKEN_SECRET (at least 32 bytes, the same for every service)"
            ),
        };
        Ok(Arc::new(TokenKeys::new(&secret, ttl)?))
    }
}

/// A random secret created on first run and kept beside the databases, in a file that is
/// never readable by others: created with mode 0600 in the same call that creates it (no
/// moment with the umask's mode), and an older file found wider is narrowed to 0600.
fn stored_secret(dir: &Path) -> anyhow::Result<SecretString> {
    let path = dir.join("token_secret");
    std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for _ in 0..2 {
        if let Some(secret) = read_secret(&path)? {
            return Ok(secret);
        }
        let secret = format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        );
        match create_private(&path) {
            Ok(mut file) => {
                use std::io::Write;
                file.write_all(secret.as_bytes())
                    .and_then(|()| file.sync_all())
                    .with_context(|| format!("writing {}", path.display()))?;
                let secret = SecretString::from(secret);
                debug_assert!(secret.expose_secret().len() >= 32);
                return Ok(secret);
            }
            // Another process made it first: read theirs.
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => {
                return Err(anyhow::Error::new(e).context(format!("creating {}", path.display())));
            }
        }
    }
    anyhow::bail!("{} holds no usable token secret", path.display())
}

/// The kept secret, if the file holds one (narrowing its mode to 0600); a file too short to
/// be a key is removed so a new one can be made.
fn read_secret(path: &Path) -> anyhow::Result<Option<SecretString>> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(anyhow::Error::new(e).context(format!("reading {}", path.display()))),
    };
    let text = text.trim();
    if text.len() < 32 {
        std::fs::remove_file(path).with_context(|| format!("removing {}", path.display()))?;
        return Ok(None);
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(path)?.permissions().mode();
        if mode & 0o077 != 0 {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .with_context(|| format!("narrowing {} to mode 0600", path.display()))?;
        }
    }
    Ok(Some(SecretString::from(text.to_string())))
}

/// A new file only its owner can read and write (fails if it exists).
fn create_private(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)
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

    #[cfg(unix)]
    #[test]
    fn the_token_secret_file_is_private_from_the_start() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("wuye-secret-{}", uuid::Uuid::new_v4()));
        let first = stored_secret(&dir).unwrap();
        let path = dir.join("token_secret");
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
        let again = stored_secret(&dir).unwrap();
        assert_eq!(
            first.expose_secret(),
            again.expose_secret(),
            "kept, not replaced"
        );
        assert!(first.expose_secret().len() >= 32);

        // A file an older version left readable by others is narrowed, and still used.
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let old = stored_secret(&dir).unwrap();
        assert_eq!(old.expose_secret(), first.expose_secret());
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");

        // A file too short to be a key is replaced by a new private one.
        std::fs::remove_file(&path).unwrap();
        std::fs::write(&path, "short").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let new = stored_secret(&dir).unwrap();
        assert!(new.expose_secret().len() >= 32);
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
        std::fs::remove_dir_all(&dir).unwrap();
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
    fn secrets_never_print() {
        let s = Settings {
            token_secret: Some(SecretString::from("super-secret-value-that-must-not-print")),
            ..Settings::default()
        };
        assert!(!format!("{s:?}").contains("super-secret"));
    }
}
