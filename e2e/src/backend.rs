//! Which database a test runs on, and a fresh one for each service of each test (a
//! temporary SQLite file, or a new PostgreSQL schema).

use std::path::PathBuf;

use anyhow::Context;

/// Which database a test runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    /// The server URL from `WUYE_TEST_POSTGRES_URL`.
    Postgres(String),
}

impl Backend {
    /// PostgreSQL when `WUYE_TEST_POSTGRES_URL` is set. When it is not, `None`, unless
    /// `WUYE_REQUIRE_POSTGRES=1` (CI), which makes a missing server a failure, so a skipped
    /// backend can never pass silently.
    pub fn postgres() -> Option<Backend> {
        match std::env::var("WUYE_TEST_POSTGRES_URL") {
            Ok(url) if !url.is_empty() => {
                record_postgres_run();
                Some(Backend::Postgres(url))
            }
            _ => {
                assert!(
                    std::env::var("WUYE_REQUIRE_POSTGRES").as_deref() != Ok("1"),
                    "WUYE_REQUIRE_POSTGRES=1 but WUYE_TEST_POSTGRES_URL is not set"
                );
                eprintln!("note: WUYE_TEST_POSTGRES_URL is not set; PostgreSQL variant not run");
                None
            }
        }
    }
}

/// Appends a line to `WUYE_POSTGRES_RAN_FILE` (set by CI) for every PostgreSQL test run, so
/// CI can check that the PostgreSQL tests really ran.
fn record_postgres_run() {
    if let Ok(path) = std::env::var("WUYE_POSTGRES_RAN_FILE") {
        use std::io::Write;
        if let Ok(mut f) = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
        {
            let _ = writeln!(f, "{}", std::thread::current().name().unwrap_or("test"));
        }
    }
}

/// A fresh, empty database for one service of one test.
pub async fn fresh_database(backend: &Backend, service: &str) -> anyhow::Result<String> {
    match backend {
        Backend::Sqlite => {
            let dir = test_dir()?;
            Ok(shared::db::sqlite_url(&dir.join(format!("{service}.db"))))
        }
        Backend::Postgres(server) => {
            let admin = shared::db::connect(server).await?;
            sweep_old_schemas(&admin).await?;
            let now = time_secs();
            let schema = format!(
                "wuye_t_{now}_{}_{service}",
                &uuid::Uuid::new_v4().simple().to_string()[..12]
            );
            sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                .execute(&admin.pool)
                .await
                .context("creating a test schema")?;
            admin.pool.close().await;
            let sep = if server.contains('?') { '&' } else { '?' };
            Ok(format!("{server}{sep}options[search_path]={schema}"))
        }
    }
}

fn time_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Drops test schemas left behind by runs more than an hour old.
async fn sweep_old_schemas(admin: &shared::db::Db) -> anyhow::Result<()> {
    let names: Vec<(String,)> =
        sqlx::query_as("SELECT nspname::text FROM pg_namespace WHERE nspname LIKE 'wuye_t_%'")
            .fetch_all(&admin.pool)
            .await?;
    let cutoff = time_secs().saturating_sub(3600);
    for (name,) in names {
        let created: u64 = name
            .split('_')
            .nth(2)
            .and_then(|s| s.parse().ok())
            .unwrap_or(u64::MAX);
        if created < cutoff {
            let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
                "DROP SCHEMA IF EXISTS {name} CASCADE"
            )))
            .execute(&admin.pool)
            .await;
        }
    }
    Ok(())
}

/// A fresh temporary folder under the system temp dir.
pub fn test_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir()
        .join("wuye-tests")
        .join(uuid::Uuid::new_v4().simple().to_string());
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
