//! The owner-code throttle (表决码限流): requests carrying a code, per client address, in a
//! sliding window of a minute, so codes cannot be guessed online (and 2⁶⁰ codes are out of
//! reach anyway). Counted in tender's database (`owner_code_request`, migration 0019), so
//! every tender replica counts the same requests and a restart forgets nothing; the
//! decisions about one client are serialised across replicas (a transaction-scoped advisory
//! lock on PostgreSQL, SQLite's single writer on the embedded default).

use std::time::Duration;

use shared::clock::now_ms;
use shared::db::{Backend, Db, new_id};
use shared::error::Problem;
use sqlx::{AnyConnection, Row};
use tokio_util::sync::CancellationToken;

use crate::error::Result;

/// The window.
pub const WINDOW: Duration = Duration::from_secs(60);

fn window_ms() -> i64 {
    i64::try_from(WINDOW.as_millis()).unwrap_or(i64::MAX)
}

/// At most `limit` owner-code requests per client address per [`WINDOW`], counted in the
/// database.
#[derive(Debug, Clone)]
pub struct CodeLimiter {
    limit: usize,
    db: Db,
}

impl CodeLimiter {
    pub fn new(db: Db, limit: usize) -> Self {
        Self {
            limit: limit.max(1),
            db,
        }
    }

    /// Counts one request from `client`, or answers the 429 with `Retry-After`.
    pub async fn admit(&self, client: &str) -> Result<()> {
        match self.admit_at(client, now_ms()).await? {
            Ok(()) => Ok(()),
            Err(wait) => {
                let secs = shared::error::retry_after_secs(wait);
                Err(Problem::too_many_requests(format!(
                    "同一网络地址每分钟最多查询 {} 次表决码，请 {secs} 秒后再试。",
                    self.limit
                ))
                .with_retry_after(wait)
                .into())
            }
        }
    }

    /// `Ok(Err(wait))` when `client` has used its `limit` within the window before `now`.
    async fn admit_at(
        &self,
        client: &str,
        now: i64,
    ) -> std::result::Result<std::result::Result<(), Duration>, sqlx::Error> {
        let mut tx = self.db.pool.begin().await?;
        serialise(&mut tx, self.db.backend, client).await?;
        // The first write (SQLite's write lock before the count): this client's expired rows.
        sqlx::query("DELETE FROM owner_code_request WHERE client = $1 AND at <= $2")
            .bind(client)
            .bind(now - window_ms())
            .execute(&mut *tx)
            .await?;
        let row = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(at) AS oldest FROM owner_code_request \
             WHERE client = $1 AND at > $2",
        )
        .bind(client)
        .bind(now - window_ms())
        .fetch_one(&mut *tx)
        .await?;
        let n: i64 = row.try_get("n")?;
        let oldest: Option<i64> = row.try_get("oldest")?;
        let limit = i64::try_from(self.limit).unwrap_or(i64::MAX);
        let decision = match oldest {
            Some(oldest) if n >= limit => Err(Duration::from_millis(
                u64::try_from(oldest + window_ms() - now).unwrap_or(0),
            )),
            _ => {
                sqlx::query("INSERT INTO owner_code_request (id, client, at) VALUES ($1, $2, $3)")
                    .bind(new_id())
                    .bind(client)
                    .bind(now)
                    .execute(&mut *tx)
                    .await?;
                Ok(())
            }
        };
        tx.commit().await?;
        Ok(decision)
    }
}

/// Makes every other replica's decision about `client` wait until this transaction ends.
async fn serialise(
    conn: &mut AnyConnection,
    backend: Backend,
    client: &str,
) -> std::result::Result<(), sqlx::Error> {
    if backend == Backend::Postgres {
        // Cast: the `Any` driver cannot carry `void`.
        sqlx::query("SELECT CAST(pg_advisory_xact_lock(hashtext($1)) AS TEXT)")
            .bind(format!("owner-code:{client}"))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Forgets requests older than the window every minute until `cancel` fires (decisions
/// ignore them anyway; this keeps the table small).
pub async fn sweep_every_minute(db: Db, cancel: CancellationToken) {
    loop {
        let before = now_ms() - window_ms();
        if let Err(e) = sqlx::query("DELETE FROM owner_code_request WHERE at <= $1")
            .bind(before)
            .execute(&db.pool)
            .await
        {
            tracing::warn!(error = %e, "sweeping the owner-code throttle failed");
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(WINDOW) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn test_db() -> Db {
        let path =
            std::env::temp_dir().join(format!("wuye-code-throttle-{}.db", uuid::Uuid::new_v4()));
        let db = shared::db::connect(&shared::db::sqlite_url(&path))
            .await
            .expect("a test database");
        db.migrate(&crate::schema::MIGRATOR)
            .await
            .expect("migrations");
        db
    }

    #[tokio::test]
    async fn a_client_gets_its_limit_per_minute_and_a_new_limiter_remembers() {
        let db = test_db().await;
        let l = CodeLimiter::new(db.clone(), 2);
        let t0 = 1_800_000_000_000;
        let s = 1000;
        assert_eq!(l.admit_at("a", t0).await.unwrap(), Ok(()));
        assert_eq!(l.admit_at("a", t0 + s).await.unwrap(), Ok(()));
        // Another limiter on the same database (a restart, another replica) counts them.
        let other = CodeLimiter::new(db, 2);
        assert_eq!(
            other.admit_at("a", t0 + 2 * s).await.unwrap(),
            Err(WINDOW - Duration::from_secs(2))
        );
        assert_eq!(other.admit_at("b", t0 + 2 * s).await.unwrap(), Ok(()));
        assert_eq!(l.admit_at("a", t0 + window_ms()).await.unwrap(), Ok(()));
        assert!(l.admit("c").await.is_ok());
        assert!(l.admit("c").await.is_ok());
        match l.admit("c").await {
            Err(shared::error::Error::Problem(p)) => assert_eq!(p.status, 429),
            other => panic!("expected a 429, got {other:?}"),
        }
    }
}
