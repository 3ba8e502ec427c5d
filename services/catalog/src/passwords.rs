//! Passwords (密码): argon2id hashing and verification, and the one gate every computation
//! goes through ([`PasswordGate`]: a few at once, a bounded queue, then 503), so anonymous
//! callers cannot make the catalog spend its cores.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use anyhow::Context;
use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use axum::http::StatusCode;
use shared::error::Problem;

use crate::error::{Error, Result};

/// Hashes a password with argon2id, on the calling thread: deliberately slow, so only
/// [`PasswordGate`] calls it, on the blocking pool.
fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

/// Checks a password against a stored hash, on the calling thread (see [`hash_blocking`]).
fn verify_blocking(password: &str, hash: &str) -> anyhow::Result<bool> {
    let parsed =
        PasswordHash::new(hash).map_err(|e| anyhow::anyhow!("parsing a password hash: {e}"))?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
}

/// An argon2id hash with the default parameters of a password nobody knows. A sign-in
/// for an unknown username is checked against it, so that it takes as long as one for
/// an existing account and the timing does not tell whether the account exists.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$d3V5ZS1kdW1teS1zYWx0$LpV4U8QFFc6v68bwj9ux3n0Ry9LWaYWEiFxB5kQ3O2c";

/// At most this many argon2 computations run at once, by default (the machine's cores
/// are shared with every other request).
pub const HASH_PERMITS: usize = 2;
/// At most this many more wait for a permit; beyond that the caller is answered 503 with
/// `Retry-After` instead of piling up memory (each argon2 run holds 19 MiB).
pub const HASH_QUEUE: usize = 16;

/// The one gate every password hash and verification of the catalog goes through: a
/// semaphore of [`HASH_PERMITS`] with a bounded queue, and counters that tests read.
#[derive(Debug)]
pub struct PasswordGate {
    permits: Arc<tokio::sync::Semaphore>,
    /// Running plus waiting.
    admitted: Arc<AtomicUsize>,
    capacity: usize,
    stats: Arc<GateStats>,
}

#[derive(Debug, Default)]
struct GateStats {
    hashes: AtomicU64,
    verifications: AtomicU64,
    running: AtomicUsize,
    peak: AtomicUsize,
    refused: AtomicU64,
}

impl Default for PasswordGate {
    fn default() -> Self {
        Self::new(HASH_PERMITS, HASH_QUEUE)
    }
}

/// Holds one place of the gate (running or waiting) until dropped.
struct Place(Arc<AtomicUsize>);

impl Drop for Place {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

fn busy() -> Error {
    Problem::new(StatusCode::SERVICE_UNAVAILABLE, "busy", "服务繁忙")
        .with_detail("正在处理的登录和注册请求过多，请稍后再试。")
        .with_retry_after(Duration::from_secs(1))
        .into()
}

impl PasswordGate {
    /// `permits` computations at once (at least 1), `queue` more waiting.
    pub fn new(permits: usize, queue: usize) -> Self {
        let permits = permits.max(1);
        Self {
            permits: Arc::new(tokio::sync::Semaphore::new(permits)),
            admitted: Arc::default(),
            capacity: permits + queue,
            stats: Arc::default(),
        }
    }

    /// Hashes a new password with argon2id.
    pub async fn hash(&self, password: String) -> Result<String> {
        self.run(|s| &s.hashes, move || hash_blocking(&password))
            .await
    }

    /// Checks a password against a stored hash.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool> {
        self.run(
            |s| &s.verifications,
            move || verify_blocking(&password, &hash),
        )
        .await
    }

    /// How many hashes were admitted (computed, or waiting to be).
    pub fn hashes(&self) -> u64 {
        self.stats.hashes.load(Ordering::SeqCst)
    }

    /// How many verifications were admitted (computed, or waiting to be).
    pub fn verifications(&self) -> u64 {
        self.stats.verifications.load(Ordering::SeqCst)
    }

    /// The most computations that ever ran at once.
    pub fn peak_concurrency(&self) -> usize {
        self.stats.peak.load(Ordering::SeqCst)
    }

    /// How many callers were refused because the queue was full.
    pub fn refused(&self) -> u64 {
        self.stats.refused.load(Ordering::SeqCst)
    }

    async fn run<T: Send + 'static>(
        &self,
        counter: fn(&GateStats) -> &AtomicU64,
        work: impl FnOnce() -> anyhow::Result<T> + Send + 'static,
    ) -> Result<T> {
        let before = self.admitted.fetch_add(1, Ordering::SeqCst);
        let place = Place(self.admitted.clone());
        if before >= self.capacity {
            drop(place);
            self.stats.refused.fetch_add(1, Ordering::SeqCst);
            return Err(busy());
        }
        counter(&self.stats).fetch_add(1, Ordering::SeqCst);
        let permit = self
            .permits
            .clone()
            .acquire_owned()
            .await
            .context("the password gate is closed")?;
        let stats = self.stats.clone();
        // The permit and the place move into the blocking task: a request that is
        // dropped (timeout, disconnect) cannot free them while argon2 still runs.
        let joined = tokio::task::spawn_blocking(move || {
            let _held = (permit, place);
            let now = stats.running.fetch_add(1, Ordering::SeqCst) + 1;
            stats.peak.fetch_max(now, Ordering::SeqCst);
            let out = work();
            stats.running.fetch_sub(1, Ordering::SeqCst);
            out
        })
        .await
        .context("joining the password task")?;
        Ok(joined?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dummy_hash_uses_the_default_parameters() {
        let parsed = PasswordHash::new(DUMMY_HASH).unwrap();
        let params = argon2::Params::try_from(&parsed).unwrap();
        let default = argon2::Params::default();
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (default.m_cost(), default.t_cost(), default.p_cost())
        );
        assert_eq!(
            parsed.hash.unwrap().len(),
            argon2::Params::DEFAULT_OUTPUT_LEN
        );
        assert_eq!(parsed.algorithm, argon2::Algorithm::Argon2id.ident());
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_gate_bounds_concurrency_and_refuses_beyond_its_queue() {
        let gate = Arc::new(PasswordGate::new(1, 1));
        // Hold the only permit so that the next caller waits.
        let held = gate.permits.clone().acquire_owned().await.unwrap();
        let waiting = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.hash("correct horse battery".into()).await })
        };
        while gate.admitted.load(Ordering::SeqCst) < 1 {
            tokio::task::yield_now().await;
        }
        // One waiting + the held permit's place is not counted: capacity 2, one admitted.
        let second = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.hash("correct horse battery".into()).await })
        };
        while gate.admitted.load(Ordering::SeqCst) < 2 {
            tokio::task::yield_now().await;
        }
        let refused = gate.hash("correct horse battery".into()).await;
        match refused {
            Err(Error::Problem(p)) => {
                assert_eq!(p.status, 503);
                assert_eq!(p.code, "busy");
                assert_eq!(p.retry_after, Some(1));
            }
            other => panic!("expected busy, got {other:?}"),
        }
        assert_eq!(gate.refused(), 1);
        drop(held);
        let hash = waiting.await.unwrap().unwrap();
        second.await.unwrap().unwrap();
        assert!(
            gate.verify("correct horse battery".into(), hash)
                .await
                .unwrap()
        );
        assert_eq!(gate.peak_concurrency(), 1);
        assert_eq!(gate.verifications(), 1);
    }
}
