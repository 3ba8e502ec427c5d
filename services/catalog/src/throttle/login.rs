//! Sign-in throttling (登录限流) per (normalised username, client address), in the
//! catalog's database so that every replica counts the same attempts.

use std::time::Duration;

use shared::clock::now_ms;
use shared::db::Db;
use sqlx::{AnyConnection, Row};

use super::window::{CLIENT, USERNAME, duration, ms, record, serialise, window_wait};
/// Failures of one (username, client) pair that are answered without delay.
pub const FREE_FAILURES: u32 = 3;
/// The delay after the first failure beyond the free ones; each further failure doubles it.
pub const FIRST_DELAY: Duration = Duration::from_secs(1);
/// The longest delay (15 minutes): never a lock.
pub const MAX_DELAY: Duration = Duration::from_secs(15 * 60);
/// A pair's failures are forgotten this long after its last attempt.
pub const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);
/// When a username has this many failures (from all clients) within [`USERNAME_WINDOW`],
/// every client gets only one free failure for it before the delays start (a looser,
/// per-username cap: any client's first attempt is still answered, so the owner can
/// always sign in).
pub const USERNAME_SOFT_CAP: usize = 20;
pub const USERNAME_WINDOW: Duration = Duration::from_secs(60 * 60);
/// At most this many sign-in attempts (failed or not) per client address within
/// [`CLIENT_WINDOW`], whatever the usernames.
pub const CLIENT_ATTEMPTS: usize = 30;
pub const CLIENT_WINDOW: Duration = Duration::from_secs(60);
/// The client key of password checks by a signed-in account (a password change).
const SIGNED_IN: &str = "@signed-in";

/// The delay before the next attempt of a pair with `failures` failures, when `free`
/// are free: 0, …, 0, 1 s, 2 s, 4 s, … capped at [`MAX_DELAY`].
pub fn delay_after(failures: u32, free: u32) -> Duration {
    if failures < free {
        return Duration::ZERO;
    }
    let doublings = (failures - free).min(30);
    FIRST_DELAY.saturating_mul(1u32 << doublings).min(MAX_DELAY)
}

/// Sign-in throttling (登录限流) per (normalised username, client address): a pair's
/// failures beyond [`FREE_FAILURES`] make it wait a growing delay ([`delay_after`]) before
/// its next attempt. An attempt is counted as a failure when it is admitted, before any
/// hashing, and forgiven when it succeeds, so a burst of parallel guesses gets at most
/// the free number verified. Someone else's failures never delay the owner's own client
/// (only [`USERNAME_SOFT_CAP`] shortens every client's free failures to one). Each
/// client address also has [`CLIENT_ATTEMPTS`] attempts per [`CLIENT_WINDOW`].
///
/// The counts live in the tables `throttle_pair` and `throttle_event`, shared by every
/// catalog replica; the decisions about one client are serialised across replicas (see
/// `window::serialise`), so the burst is counted exactly wherever it lands.
#[derive(Debug, Clone)]
pub struct LoginLimiter {
    db: Db,
}

/// An answer of the limiter: admitted, or how long to wait.
pub type Admission = std::result::Result<(), Duration>;

/// Usernames as throttling keys are capped, so huge inputs cannot bloat the tables.
fn username_key(username: &str) -> String {
    username.chars().take(64).collect()
}

/// The free failures each pair of this username gets now.
async fn free_for(conn: &mut AnyConnection, user: &str, now: i64) -> Result<u32, sqlx::Error> {
    let capped = window_wait(
        conn,
        USERNAME,
        user,
        now,
        USERNAME_WINDOW,
        USERNAME_SOFT_CAP,
    )
    .await?
    .is_some();
    Ok(if capped { 1 } else { FREE_FAILURES })
}

/// Makes sure the pair has a row and locks it (the first write of the transaction, so on
/// SQLite the write lock is taken before anything is read).
async fn touch_pair(
    conn: &mut AnyConnection,
    user: &str,
    client: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO throttle_pair (username, client, failures, last_at) VALUES ($1, $2, 0, $3) \
         ON CONFLICT (username, client) DO UPDATE SET failures = throttle_pair.failures",
    )
    .bind(user)
    .bind(client)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// How long the pair must still wait; a pair quiet for [`FORGET_AFTER`] starts afresh.
async fn pair_wait(
    conn: &mut AnyConnection,
    user: &str,
    client: &str,
    free: u32,
    now: i64,
) -> Result<Option<Duration>, sqlx::Error> {
    let row = sqlx::query(
        "SELECT failures, last_at FROM throttle_pair WHERE username = $1 AND client = $2",
    )
    .bind(user)
    .bind(client)
    .fetch_one(&mut *conn)
    .await?;
    let failures: i64 = row.try_get("failures")?;
    let quiet = now - row.try_get::<i64, _>("last_at")?;
    if quiet >= ms(FORGET_AFTER) {
        sqlx::query("UPDATE throttle_pair SET failures = 0 WHERE username = $1 AND client = $2")
            .bind(user)
            .bind(client)
            .execute(&mut *conn)
            .await?;
        return Ok(None);
    }
    let failures = u32::try_from(failures).unwrap_or(u32::MAX);
    let wait = ms(delay_after(failures, free)) - quiet;
    Ok((wait > 0).then(|| duration(wait)))
}

/// Counts one failure of the pair, at `now`.
async fn add_failure(
    conn: &mut AnyConnection,
    user: &str,
    client: &str,
    now: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE throttle_pair SET failures = failures + 1, last_at = $3 \
         WHERE username = $1 AND client = $2",
    )
    .bind(user)
    .bind(client)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

impl LoginLimiter {
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Admits one sign-in attempt for `username` from `client` and counts it, as a
    /// failure of the pair, before any password is checked; or says how long to wait.
    /// Call [`LoginLimiter::record_success`] when the password was right,
    /// [`LoginLimiter::record_sign_in_failure`] when it was wrong,
    /// [`LoginLimiter::release`] when it could not be checked.
    pub async fn admit(&self, username: &str, client: &str) -> Result<Admission, sqlx::Error> {
        self.admit_at(username, client, now_ms()).await
    }

    /// Whether the signed-in owner of `username` may have a password checked now (the
    /// current password at a password change); counted by [`LoginLimiter::record_failure`]
    /// after the check, since the caller is already signed in.
    pub async fn admit_username(&self, username: &str) -> Result<Admission, sqlx::Error> {
        let now = now_ms();
        let user = username_key(username);
        let mut tx = self.db.pool.begin().await?;
        serialise(&mut tx, self.db.backend, SIGNED_IN).await?;
        touch_pair(&mut tx, &user, SIGNED_IN, now).await?;
        let free = free_for(&mut tx, &user, now).await?;
        let wait = pair_wait(&mut tx, &user, SIGNED_IN, free, now).await?;
        tx.commit().await?;
        Ok(wait.map_or(Ok(()), Err))
    }

    /// Remembers a wrong password for `username` at a password change: in its
    /// per-username window, and as a failure of the signed-in pair.
    pub async fn record_failure(&self, username: &str) -> Result<(), sqlx::Error> {
        self.failure_at(username, false, now_ms()).await
    }

    /// Remembers a wrong password at sign-in (the pair was counted when admitted).
    pub async fn record_sign_in_failure(&self, username: &str) -> Result<(), sqlx::Error> {
        self.failure_at(username, true, now_ms()).await
    }

    /// Forgets the pair's failures after a successful sign-in.
    pub async fn record_success(&self, username: &str, client: &str) -> Result<(), sqlx::Error> {
        sqlx::query("DELETE FROM throttle_pair WHERE username = $1 AND client = $2")
            .bind(username_key(username))
            .bind(client)
            .execute(&self.db.pool)
            .await?;
        Ok(())
    }

    /// Gives back an admitted attempt whose password could not be checked (the gate was
    /// busy, the database failed): it is not the caller's failure.
    pub async fn release(&self, username: &str, client: &str) -> Result<(), sqlx::Error> {
        sqlx::query(
            "UPDATE throttle_pair SET failures = failures - 1 \
             WHERE username = $1 AND client = $2 AND failures > 0",
        )
        .bind(username_key(username))
        .bind(client)
        .execute(&self.db.pool)
        .await?;
        Ok(())
    }

    async fn admit_at(
        &self,
        username: &str,
        client: &str,
        now: i64,
    ) -> Result<Admission, sqlx::Error> {
        let user = username_key(username);
        let mut tx = self.db.pool.begin().await?;
        serialise(&mut tx, self.db.backend, client).await?;
        touch_pair(&mut tx, &user, client, now).await?;
        let free = free_for(&mut tx, &user, now).await?;
        let wait = match pair_wait(&mut tx, &user, client, free, now).await? {
            Some(wait) => Some(wait),
            None => {
                window_wait(&mut tx, CLIENT, client, now, CLIENT_WINDOW, CLIENT_ATTEMPTS).await?
            }
        };
        if wait.is_none() {
            record(&mut tx, CLIENT, client, now).await?;
            add_failure(&mut tx, &user, client, now).await?;
        }
        tx.commit().await?;
        Ok(wait.map_or(Ok(()), Err))
    }

    /// `sign_in`: the pair was counted at admission; otherwise (a password change) the
    /// signed-in pair is counted now.
    async fn failure_at(&self, username: &str, sign_in: bool, now: i64) -> Result<(), sqlx::Error> {
        let user = username_key(username);
        let mut tx = self.db.pool.begin().await?;
        record(&mut tx, USERNAME, &user, now).await?;
        if !sign_in {
            touch_pair(&mut tx, &user, SIGNED_IN, now).await?;
            add_failure(&mut tx, &user, SIGNED_IN, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: i64 = 1000;
    const T0: i64 = 1_800_000_000_000;

    fn secs(n: i64) -> Duration {
        Duration::from_millis(u64::try_from(n).unwrap())
    }

    async fn limiter() -> LoginLimiter {
        LoginLimiter::new(super::super::test_db().await)
    }

    #[test]
    fn delays_grow_and_are_capped() {
        let d: Vec<u64> = (0..16)
            .map(|f| delay_after(f, FREE_FAILURES).as_secs())
            .collect();
        assert_eq!(
            d,
            [
                0, 0, 0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900
            ]
        );
        assert_eq!(delay_after(u32::MAX, FREE_FAILURES), MAX_DELAY);
        assert_eq!(delay_after(1, 1), FIRST_DELAY);
    }

    #[tokio::test]
    async fn a_pair_waits_longer_after_each_failure_but_is_never_locked() {
        let l = limiter().await;
        let t0 = T0;
        for _ in 0..FREE_FAILURES {
            assert!(l.admit_at("zhang", "1.1.1.1", t0).await.unwrap().is_ok());
        }
        // Three counted failures: the next attempt waits 1 s.
        assert_eq!(
            l.admit_at("zhang", "1.1.1.1", t0).await.unwrap(),
            Err(secs(S))
        );
        assert!(
            l.admit_at("zhang", "1.1.1.1", t0 + S)
                .await
                .unwrap()
                .is_ok()
        );
        // Four: 2 s after the last attempt.
        assert_eq!(
            l.admit_at("zhang", "1.1.1.1", t0 + S + S / 2)
                .await
                .unwrap(),
            Err(secs(3 * S / 2))
        );
        assert!(
            l.admit_at("zhang", "1.1.1.1", t0 + 3 * S)
                .await
                .unwrap()
                .is_ok()
        );
        // Far along, the wait stops growing at the cap and always ends.
        let mut at = t0 + 3 * S;
        for _ in 0..20 {
            at += ms(MAX_DELAY);
            assert!(l.admit_at("zhang", "1.1.1.1", at).await.unwrap().is_ok());
        }
        assert_eq!(
            l.admit_at("zhang", "1.1.1.1", at).await.unwrap(),
            Err(MAX_DELAY)
        );
        // The right password (success) forgives the pair.
        l.record_success("zhang", "1.1.1.1").await.unwrap();
        assert!(l.admit_at("zhang", "1.1.1.1", at).await.unwrap().is_ok());
    }

    #[tokio::test]
    async fn the_owner_on_another_client_is_not_delayed() {
        let l = limiter().await;
        let t0 = T0;
        for _ in 0..FREE_FAILURES {
            l.admit_at("zhang", "6.6.6.6", t0).await.unwrap().unwrap();
            l.failure_at("zhang", true, t0).await.unwrap();
        }
        assert!(l.admit_at("zhang", "6.6.6.6", t0).await.unwrap().is_err());
        assert!(l.admit_at("zhang", "7.7.7.7", t0).await.unwrap().is_ok());
        // Another username from the attacker's client is its own pair.
        assert!(l.admit_at("li", "6.6.6.6", t0).await.unwrap().is_ok());
    }

    #[tokio::test]
    async fn parallel_attempts_are_reserved_before_hashing() {
        let l = limiter().await;
        let t0 = T0;
        let burst = (0..50).map(|_| l.admit_at("zhang", "6.6.6.6", t0));
        let admitted = futures::future::join_all(burst)
            .await
            .into_iter()
            .filter(|a| a.as_ref().unwrap().is_ok())
            .count();
        assert_eq!(admitted, FREE_FAILURES as usize);
        // An attempt that could not be checked is given back.
        l.release("zhang", "6.6.6.6").await.unwrap();
        assert!(l.admit_at("zhang", "6.6.6.6", t0).await.unwrap().is_ok());
    }

    #[tokio::test]
    async fn many_failures_on_one_username_leave_one_free_attempt_per_client() {
        let l = limiter().await;
        let t0 = T0;
        for i in 0..USERNAME_SOFT_CAP {
            let client = format!("10.0.{i}.1");
            l.admit_at("zhang", &client, t0).await.unwrap().unwrap();
            l.failure_at("zhang", true, t0).await.unwrap();
        }
        // A fresh client (the owner) still gets its attempt ...
        assert!(l.admit_at("zhang", "7.7.7.7", t0).await.unwrap().is_ok());
        // ... but after one failure waits, instead of three free ones.
        l.failure_at("zhang", true, t0).await.unwrap();
        assert_eq!(
            l.admit_at("zhang", "7.7.7.7", t0).await.unwrap(),
            Err(secs(S))
        );
        // Other usernames keep their free failures.
        for _ in 0..FREE_FAILURES {
            assert!(l.admit_at("li", "7.7.7.7", t0).await.unwrap().is_ok());
        }
        // Once the window passes, the cap lifts.
        let later = t0 + ms(USERNAME_WINDOW);
        l.record_success("zhang", "8.8.8.8").await.unwrap();
        assert!(l.admit_at("zhang", "8.8.8.8", later).await.unwrap().is_ok());
        assert!(l.admit_at("zhang", "8.8.8.8", later).await.unwrap().is_ok());
    }

    #[tokio::test]
    async fn quiet_pairs_are_forgotten() {
        let l = limiter().await;
        let t0 = T0;
        let mut at = t0;
        for _ in 0..FREE_FAILURES {
            l.admit_at("zhang", "6.6.6.6", at).await.unwrap().unwrap();
        }
        // Each attempt as soon as it is allowed: 1 s, 2 s, 4 s, 8 s later.
        for wait in [1, 2, 4, 8] {
            at += wait * S;
            l.admit_at("zhang", "6.6.6.6", at).await.unwrap().unwrap();
        }
        assert_eq!(
            l.admit_at("zhang", "6.6.6.6", at + 6 * S).await.unwrap(),
            Err(secs(10 * S))
        );
        let later = at + ms(FORGET_AFTER);
        for _ in 0..FREE_FAILURES {
            assert!(l.admit_at("zhang", "6.6.6.6", later).await.unwrap().is_ok());
        }
    }

    #[tokio::test]
    async fn client_attempts_are_limited_per_minute() {
        let l = limiter().await;
        let t0 = T0;
        for i in 0..CLIENT_ATTEMPTS {
            assert!(
                l.admit_at(&format!("u{i}"), "1.2.3.4", t0)
                    .await
                    .unwrap()
                    .is_ok()
            );
        }
        assert_eq!(
            l.admit_at("other", "1.2.3.4", t0).await.unwrap(),
            Err(CLIENT_WINDOW)
        );
        assert!(l.admit_at("other", "5.6.7.8", t0).await.unwrap().is_ok());
        assert!(
            l.admit_at("other", "1.2.3.4", t0 + ms(CLIENT_WINDOW))
                .await
                .unwrap()
                .is_ok()
        );
    }

    #[tokio::test]
    async fn a_password_change_counts_after_the_check() {
        let l = limiter().await;
        for _ in 0..FREE_FAILURES {
            assert!(l.admit_username("zhang").await.unwrap().is_ok());
            l.record_failure("zhang").await.unwrap();
        }
        assert!(l.admit_username("zhang").await.unwrap().is_err());
        // Signing in from a browser is another pair.
        assert!(l.admit("zhang", "1.1.1.1").await.unwrap().is_ok());
    }
}
