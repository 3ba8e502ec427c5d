//! The throttling tables (`migrations/catalog/0010_throttle.sql`): sliding windows of
//! events per subject, and serialising the decisions about one subject across replicas.

use std::time::Duration;

use shared::db::{Backend, new_id};
use sqlx::{AnyConnection, Row};

/// An event kind of `throttle_event`: a sign-in attempt from a client address.
pub(crate) const CLIENT: &str = "client";
/// A wrong password for a username.
pub(crate) const USERNAME: &str = "username";
/// An anonymous firm application from a client address.
pub(crate) const APPLICATION: &str = "application";

/// The longest window kept: older events and quiet pairs are swept.
pub(crate) const KEEP: Duration = Duration::from_secs(60 * 60);

pub(crate) fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

pub(crate) fn duration(ms: i64) -> Duration {
    Duration::from_millis(u64::try_from(ms).unwrap_or(0))
}

/// Makes every other replica's decision about `subject` wait until this transaction ends:
/// on PostgreSQL a transaction-scoped advisory lock on the subject; SQLite has one writer at
/// a time, and the caller's first write takes it.
pub(crate) async fn serialise(
    conn: &mut AnyConnection,
    backend: Backend,
    subject: &str,
) -> Result<(), sqlx::Error> {
    if backend == Backend::Postgres {
        // Cast: the `Any` driver cannot carry `void`.
        sqlx::query("SELECT CAST(pg_advisory_xact_lock(hashtext($1)) AS TEXT)")
            .bind(format!("throttle:{subject}"))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// When `limit` events of `subject` fall within `window` before `now`: how long until the
/// oldest leaves it.
pub(crate) async fn window_wait(
    conn: &mut AnyConnection,
    kind: &str,
    subject: &str,
    now: i64,
    window: Duration,
    limit: usize,
) -> Result<Option<Duration>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT COUNT(*) AS n, MIN(at) AS oldest FROM throttle_event \
         WHERE kind = $1 AND subject = $2 AND at > $3",
    )
    .bind(kind)
    .bind(subject)
    .bind(now - ms(window))
    .fetch_one(&mut *conn)
    .await?;
    let n: i64 = row.try_get("n")?;
    let oldest: Option<i64> = row.try_get("oldest")?;
    Ok(match oldest {
        Some(oldest) if n >= i64::try_from(limit).unwrap_or(i64::MAX) => {
            Some(duration(oldest + ms(window) - now))
        }
        _ => None,
    })
}

/// Counts one event of `subject` at `now`.
pub(crate) async fn record(
    conn: &mut AnyConnection,
    kind: &str,
    subject: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query("INSERT INTO throttle_event (id, kind, subject, at) VALUES ($1, $2, $3, $4)")
        .bind(new_id())
        .bind(kind)
        .bind(subject)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Forgets events older than the longest window and pairs quiet for as long (each decision
/// already ignores them; this only keeps the tables small).
pub(crate) async fn sweep(db: &shared::db::Db, now: i64) -> Result<u64, sqlx::Error> {
    let before = now - ms(KEEP);
    let events = sqlx::query("DELETE FROM throttle_event WHERE at <= $1")
        .bind(before)
        .execute(&db.pool)
        .await?
        .rows_affected();
    let pairs = sqlx::query("DELETE FROM throttle_pair WHERE last_at <= $1")
        .bind(before)
        .execute(&db.pool)
        .await?
        .rows_affected();
    Ok(events + pairs)
}
