//! Database access that runs the same queries and migrations on SQLite and PostgreSQL.
//!
//! The mechanism is sqlx's `Any` driver: a pool opened from a URL (`sqlite://…` or
//! `postgres://…`) that takes `$1`-style queries on both. The migrations under
//! `migrations/<service>/` are written in the common subset of both dialects:
//!
//! - identifiers are application-made (UUIDv7 text), never `SERIAL`/`AUTOINCREMENT`;
//! - instants are `BIGINT` milliseconds since the Unix epoch, dates are `TEXT` `YYYY-MM-DD`;
//! - money is `BIGINT` fen, coordinates `DOUBLE PRECISION`, flags `BOOLEAN` (read through
//!   [`bool_column!`], since the `Any` driver cannot decode SQLite's `BOOLEAN`).
//!
//! Pages of lists are read with [`ListQuery`] (COUNT and SELECT over one [`Filter`]); a
//! unique violation becomes the client's problem with [`ResultExt::on_constraint`].
//!
//! Where a statement truly differs between the two it lives in [`dialect`], side by side.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Context;
use sqlx::any::AnyRow;
use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::migrate::Migrator;
use sqlx::{AnyConnection, AnyPool, ConnectOptions, Executor, Row};

use crate::error::{Error, Problem};
use crate::extract::{Page, Pagination};

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

/// Milliseconds since the Unix epoch: how instants are stored (the kernel's clock,
/// [`crate::clock`]).
pub use crate::clock::now_ms;

/// A new time-ordered identifier (UUIDv7, as text).
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// True when the error is a unique-constraint violation (a duplicate key).
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}

/// Turning a statement's unique violation into the problem the client should see
/// (realworld-axum-sqlx's `on_constraint`): a write guarded by one unique key answers, say,
/// 409 `duplicate_credit_code` when two requests race past the check before it, instead of
/// a 500. Any other error passes unchanged.
///
/// The violation is recognised by its kind, not by the constraint's name: SQLite names no
/// constraint through sqlx's `Any` driver, so each guarded statement must touch only the
/// one unique key its problem is about.
pub trait ResultExt<T> {
    fn on_constraint(self, problem: impl FnOnce() -> Problem) -> Result<T, Error>;
}

impl<T, E: Into<Error>> ResultExt<T> for Result<T, E> {
    fn on_constraint(self, problem: impl FnOnce() -> Problem) -> Result<T, Error> {
        self.map_err(|e| {
            let e = e.into();
            let unique = match &e {
                Error::Internal(inner) => inner
                    .downcast_ref::<sqlx::Error>()
                    .is_some_and(is_unique_violation),
                Error::Problem(_) => false,
            };
            if unique { problem().into() } else { e }
        })
    }
}

/// A `BOOLEAN` column read as a `BIGINT` 0/1, for a SQL text made with `concat!`:
/// `bool_column!("f.whitelisted", "whitelisted")`. SQLite's `BOOLEAN` cannot be decoded
/// through sqlx's `Any` driver, so every flag is read this way and decoded with [`flag`].
/// [`bool_column`] builds the same text at run time.
#[macro_export]
macro_rules! bool_column {
    ($column:literal, $alias:literal) => {
        concat!(
            "CASE WHEN ",
            $column,
            " THEN CAST(1 AS BIGINT) ELSE CAST(0 AS BIGINT) END AS ",
            $alias
        )
    };
}

/// [`bool_column!`] for a column named at run time.
pub fn bool_column(column: &str, alias: &str) -> String {
    format!("CASE WHEN {column} THEN CAST(1 AS BIGINT) ELSE CAST(0 AS BIGINT) END AS {alias}")
}

/// Decodes a flag read with [`bool_column!`] / [`bool_column`].
pub fn flag(row: &AnyRow, alias: &str) -> Result<bool, sqlx::Error> {
    Ok(row.try_get::<i64, _>(alias)? != 0)
}

/// A value bound to a query built at run time.
#[derive(Debug, Clone, PartialEq)]
pub enum Bind {
    Text(String),
    Int(i64),
    Bool(bool),
}

/// The `WHERE` part of a query built at run time and its parameters, numbered as they are
/// added: every value the client sent is a bound parameter, only fixed SQL is formatted in.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    clauses: Vec<String>,
    binds: Vec<Bind>,
}

impl Filter {
    /// Adds a parameter, returning its number (for `$n` in a clause).
    pub fn param(&mut self, value: Bind) -> usize {
        self.binds.push(value);
        self.binds.len()
    }

    /// Adds a condition (all are joined with `AND`).
    pub fn push(&mut self, clause: impl Into<String>) {
        self.clauses.push(clause.into());
    }

    /// ` WHERE a AND b`, or nothing.
    pub fn sql(&self) -> String {
        if self.clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", self.clauses.join(" AND "))
        }
    }

    pub fn binds(&self) -> &[Bind] {
        &self.binds
    }

    /// Binds every parameter to a query, in order.
    pub fn bind_to<'q>(&self, mut q: AnyQuery<'q>) -> AnyQuery<'q> {
        for b in &self.binds {
            q = match b {
                Bind::Text(s) => q.bind(s.clone()),
                Bind::Int(i) => q.bind(*i),
                Bind::Bool(b) => q.bind(*b),
            };
        }
        q
    }
}

/// A query of the `Any` driver.
pub type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// One page of a list query: the rows of `SELECT {columns} FROM {from}{filter} ORDER BY
/// {order_by} LIMIT … OFFSET …` and how many rows match in all (`SELECT COUNT(*) FROM
/// {from}{filter}`), the same filter and parameters in both. Every list endpoint pages
/// through this.
#[derive(Debug, Clone, Copy)]
pub struct ListQuery<'a> {
    pub columns: &'a str,
    pub from: &'a str,
    pub filter: &'a Filter,
    pub order_by: &'a str,
}

impl ListQuery<'_> {
    /// `(rows, total)` of one page.
    pub async fn fetch(
        self,
        conn: &mut AnyConnection,
        page: Pagination,
    ) -> Result<(Vec<AnyRow>, i64), sqlx::Error> {
        let where_sql = self.filter.sql();
        let count = format!("SELECT COUNT(*) AS n FROM {}{where_sql}", self.from);
        let total: i64 = self
            .filter
            .bind_to(sqlx::query(sqlx::AssertSqlSafe(count)))
            .fetch_one(&mut *conn)
            .await?
            .try_get("n")?;
        let n = self.filter.binds().len();
        let select = format!(
            "SELECT {} FROM {}{where_sql} ORDER BY {} LIMIT ${} OFFSET ${}",
            self.columns,
            self.from,
            self.order_by,
            n + 1,
            n + 2
        );
        let rows = self
            .filter
            .bind_to(sqlx::query(sqlx::AssertSqlSafe(select)))
            .bind(page.limit)
            .bind(page.offset)
            .fetch_all(&mut *conn)
            .await?;
        Ok((rows, total))
    }

    /// One page decoded row by row.
    pub async fn page<T, E: From<sqlx::Error>>(
        self,
        conn: &mut AnyConnection,
        page: Pagination,
        decode: impl FnMut(&AnyRow) -> Result<T, E>,
    ) -> Result<Page<T>, E> {
        let (rows, total) = self.fetch(conn, page).await?;
        let items = rows.iter().map(decode).collect::<Result<Vec<_>, E>>()?;
        Ok(page.of(items, total))
    }
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
