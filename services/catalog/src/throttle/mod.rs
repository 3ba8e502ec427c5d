//! What keeps anonymous callers from spending the catalog's cores (限流): sign-in throttling
//! per (username, client) with growing delays instead of a lock ([`login::LoginLimiter`]),
//! and a per-client window on anonymous firm applications ([`ApplicationLimiter`]). Every
//! argon2 computation goes through one gate (`crate::passwords::PasswordGate`).
//!
//! The counts live in the catalog's database (`throttle_pair`, `throttle_event`), so every
//! catalog replica counts the same attempts and a restart forgets nothing; decisions about
//! one client are serialised across replicas (`window::serialise`). Client addresses come from
//! `shared::client_addr` (the `trusted_proxies` setting decides whose `X-Forwarded-For`
//! is believed).

pub mod login;
mod window;

use std::sync::Arc;
use std::time::Duration;

use shared::client_addr::TrustedProxies;
use shared::clock::now_ms;
use shared::db::Db;
use shared::error::Problem;
use tokio_util::sync::CancellationToken;

pub use crate::passwords::{HASH_PERMITS, HASH_QUEUE, PasswordGate};
pub use login::{Admission, LoginLimiter};
use window::{APPLICATION, record, serialise, window_wait};

/// The catalog's throttling settings.
#[derive(Debug, Clone)]
pub struct ThrottleConfig {
    /// Peers whose `X-Forwarded-For` is believed (default none).
    pub trusted_proxies: TrustedProxies,
    /// Anonymous firm applications one client address may submit per hour.
    pub anonymous_applications_per_hour: usize,
    /// The argon2 gate. Pass a clone of your own to watch its counters (tests).
    pub passwords: Arc<PasswordGate>,
}

/// Anonymous applications per client address per hour, by default.
pub const ANONYMOUS_APPLICATIONS_PER_HOUR: usize = 5;

impl Default for ThrottleConfig {
    fn default() -> Self {
        Self {
            trusted_proxies: TrustedProxies::default(),
            anonymous_applications_per_hour: ANONYMOUS_APPLICATIONS_PER_HOUR,
            passwords: Arc::default(),
        }
    }
}

/// A 429 problem saying how long to wait, with `Retry-After`.
pub fn too_many(what: &str, wait: Duration) -> Problem {
    let secs = shared::error::retry_after_secs(wait);
    let when = if secs >= 60 {
        format!("{} 分钟", secs.div_ceil(60))
    } else {
        format!("{secs} 秒")
    };
    let at = shared::clock::china_now()
        .saturating_add(time::Duration::seconds(secs.min(i64::MAX as u64) as i64));
    let clock = at
        .format(time::macros::format_description!(
            "[hour]:[minute]:[second]"
        ))
        .unwrap_or_default();
    Problem::too_many_requests(format!(
        "{what}，请 {when}后再试（北京时间 {clock} 之后）。"
    ))
    .with_retry_after(wait)
}

/// The window of [`ApplicationLimiter`].
pub const APPLICATION_WINDOW: Duration = Duration::from_secs(60 * 60);

/// A sliding window on anonymous firm applications per client address: at most `limit`
/// per [`APPLICATION_WINDOW`], counted in the database (every replica shares it). An
/// application is counted once its fields are valid, before the database is asked anything
/// else or a password hashed.
#[derive(Debug, Clone)]
pub struct ApplicationLimiter {
    limit: usize,
    db: Db,
}

impl ApplicationLimiter {
    pub fn new(db: Db, limit: usize) -> Self {
        Self { limit, db }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Counts one application from `client`, or says how long to wait.
    pub async fn admit(&self, client: &str) -> Result<Admission, sqlx::Error> {
        self.admit_at(client, now_ms()).await
    }

    async fn admit_at(&self, client: &str, now: i64) -> Result<Admission, sqlx::Error> {
        let mut tx = self.db.pool.begin().await?;
        serialise(&mut tx, self.db.backend, &format!("application:{client}")).await?;
        // The first write (SQLite's write lock before the count): this client's expired events.
        sqlx::query("DELETE FROM throttle_event WHERE kind = $1 AND subject = $2 AND at <= $3")
            .bind(APPLICATION)
            .bind(client)
            .bind(now - window::ms(APPLICATION_WINDOW))
            .execute(&mut *tx)
            .await?;
        let wait = window_wait(
            &mut tx,
            APPLICATION,
            client,
            now,
            APPLICATION_WINDOW,
            self.limit,
        )
        .await?;
        if wait.is_none() {
            record(&mut tx, APPLICATION, client, now).await?;
        }
        tx.commit().await?;
        Ok(wait.map_or(Ok(()), Err))
    }
}

/// Sweeps expired throttling rows every few minutes until `cancel` fires (decisions ignore
/// them anyway; this keeps the tables small).
pub async fn sweep_every_few_minutes(db: Db, cancel: CancellationToken) {
    loop {
        if let Err(e) = window::sweep(&db, now_ms()).await {
            tracing::warn!(error = %e, "sweeping the throttling tables failed");
        }
        tokio::select! {
            () = cancel.cancelled() => return,
            () = tokio::time::sleep(Duration::from_secs(300)) => {}
        }
    }
}

/// A fresh catalog database in a temporary SQLite file, for the throttling tests.
#[cfg(test)]
async fn test_db() -> Db {
    let path = std::env::temp_dir().join(format!("wuye-throttle-{}.db", uuid::Uuid::new_v4()));
    let db = shared::db::connect(&shared::db::sqlite_url(&path))
        .await
        .expect("a test database");
    db.migrate(&crate::schema::MIGRATOR)
        .await
        .expect("migrations");
    db
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1000;

    #[tokio::test]
    async fn applications_have_a_sliding_window_per_client() {
        let a = ApplicationLimiter::new(test_db().await, 2);
        let t0 = 1_800_000_000_000;
        let hour = window::ms(APPLICATION_WINDOW);
        assert!(a.admit_at("1.1.1.1", t0).await.unwrap().is_ok());
        assert!(a.admit_at("1.1.1.1", t0 + S).await.unwrap().is_ok());
        assert_eq!(
            a.admit_at("1.1.1.1", t0 + 2 * S).await.unwrap(),
            Err(APPLICATION_WINDOW - Duration::from_secs(2))
        );
        assert!(a.admit_at("2.2.2.2", t0 + 2 * S).await.unwrap().is_ok());
        assert!(a.admit_at("1.1.1.1", t0 + hour).await.unwrap().is_ok());
        assert!(a.admit_at("1.1.1.1", t0 + hour).await.unwrap().is_err());
    }
}
