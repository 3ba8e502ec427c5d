//! Database access that runs the same queries and migrations on SQLite and PostgreSQL.
//!
//! The mechanism is sqlx's `Any` driver: a pool opened from a URL (`sqlite://…` or
//! `postgres://…`) that takes `$1`-style queries on both. The migrations under
//! `migrations/<service>/` are written in the common subset of both dialects:
//!
//! - identifiers are application-made (UUIDv7 text), never `SERIAL`/`AUTOINCREMENT`;
//! - instants are `BIGINT` milliseconds since the Unix epoch, dates are `TEXT` `YYYY-MM-DD`;
//! - money is `BIGINT` fen, coordinates `DOUBLE PRECISION`, flags `BOOLEAN`.
//!
//! Where a statement truly differs between the two it lives in [`dialect`], side by side.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyPool, ConnectOptions, Executor};

/// Which database a pool talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn from_url(url: &str) -> anyhow::Result<Self> {
        if url.starts_with("sqlite:") {
            Ok(Backend::Sqlite)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Backend::Postgres)
        } else {
            anyhow::bail!("unsupported database URL scheme (expected sqlite:// or postgres://)")
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A service's database: the pool and the backend behind it.
#[derive(Debug, Clone)]
pub struct Db {
    pub pool: AnyPool,
    pub backend: Backend,
}

/// A SQLite URL for a file, created on first use.
pub fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}?mode=rwc", path.display())
}

/// Opens a pool. SQLite files (and their folder) are created if missing, switched to WAL
/// with `synchronous=FULL` so every commit that answered success survives a crash.
pub async fn connect(url: &str) -> anyhow::Result<Db> {
    sqlx::any::install_default_drivers();
    let backend = Backend::from_url(url)?;
    if backend == Backend::Sqlite
        && let Some(path) = sqlite_path(url)
        && let Some(parent) = Path::new(&path).parent()
        && !parent.as_os_str().is_empty()
    {
        std::fs::create_dir_all(parent)
            .with_context(|| format!("creating database folder {}", parent.display()))?;
    }
    let options = AnyConnectOptions::from_str(url)
        .context("parsing the database URL")?
        .log_slow_statements(tracing::log::LevelFilter::Warn, Duration::from_millis(500));
    let max = match backend {
        Backend::Sqlite => 8,
        Backend::Postgres => 16,
    };
    let pool = AnyPoolOptions::new()
        .max_connections(max)
        .min_connections(1)
        .acquire_timeout(Duration::from_secs(10))
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    conn.execute("PRAGMA journal_mode = WAL").await?;
                    conn.execute("PRAGMA synchronous = FULL").await?;
                    conn.execute("PRAGMA busy_timeout = 10000").await?;
                    conn.execute("PRAGMA foreign_keys = ON").await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .with_context(|| format!("connecting to the {} database", backend.name()))?;
    Ok(Db { pool, backend })
}

fn sqlite_path(url: &str) -> Option<String> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next()?;
    if path.is_empty() || path == ":memory:" {
        None
    } else {
        Some(path.to_string())
    }
}

impl Db {
    /// Applies a service's migrations (idempotent).
    pub async fn migrate(&self, migrator: &Migrator) -> anyhow::Result<()> {
        migrator
            .run(&self.pool)
            .await
            .context("applying database migrations")?;
        Ok(())
    }

    /// True when every migration the binary knows has been applied.
    pub async fn migrations_applied(&self, migrator: &Migrator) -> anyhow::Result<bool> {
        let applied: Vec<(i64,)> =
            sqlx::query_as("SELECT version FROM _sqlx_migrations WHERE success = TRUE")
                .fetch_all(&self.pool)
                .await
                .context("reading applied migrations")?;
        Ok(migrator
            .iter()
            .all(|m| applied.iter().any(|(v,)| *v == m.version)))
    }

    /// A cheap round trip, for readiness checks.
    pub async fn ping(&self) -> anyhow::Result<()> {
        sqlx::query("SELECT 1")
            .execute(&self.pool)
            .await
            .context("pinging the database")?;
        Ok(())
    }
}

/// Milliseconds since the Unix epoch: how instants are stored.
pub fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc();
    (now.unix_timestamp_nanos() / 1_000_000) as i64
}

/// A new time-ordered identifier (UUIDv7, as text).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// True when the error is a unique-constraint violation (a duplicate key).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}

/// Statements whose text differs between SQLite and PostgreSQL, side by side.
pub mod dialect {
    use super::Backend;

    /// Case-insensitive substring match on a text column against a `$n` parameter.
    pub fn contains(backend: Backend, column: &str, param: usize) -> String {
        match backend {
            // SQLite's LIKE is case-insensitive for ASCII and byte-exact for CJK.
            Backend::Sqlite => format!("{column} LIKE '%' || ${param} || '%'"),
            Backend::Postgres => format!("{column} ILIKE '%' || ${param} || '%'"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backend_from_url() {
        assert_eq!(Backend::from_url("sqlite://x.db").unwrap(), Backend::Sqlite);
        assert_eq!(
            Backend::from_url("postgres://u@h/db").unwrap(),
            Backend::Postgres
        );
        assert!(Backend::from_url("mysql://x").is_err());
    }

    #[test]
    fn sqlite_paths() {
        assert_eq!(
            sqlite_path("sqlite://data/catalog.db?mode=rwc").as_deref(),
            Some("data/catalog.db")
        );
        assert_eq!(sqlite_path("sqlite::memory:"), None);
    }
}
