//! What keeps anonymous callers from spending the catalog's cores (限流): one gate for
//! every argon2 computation ([`PasswordGate`]), sign-in throttling per (username, client)
//! with growing delays instead of a lock ([`LoginLimiter`]), and a per-client window on
//! anonymous firm applications ([`ApplicationLimiter`]).
//!
//! All of it is in memory and per process: a restart forgets it, and several catalog
//! processes would each keep their own. Client addresses come from
//! `shared::client_addr` (the `trusted_proxies` setting decides whose `X-Forwarded-For`
//! is believed).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::http::StatusCode;
use shared::client_addr::TrustedProxies;
use shared::error::Problem;

use crate::error::{Error, Result};

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

/// Expired keys are swept when a table grows past this many keys.
const SWEEP_ABOVE: usize = 4096;

/// A 429 problem saying how long to wait, with `Retry-After`.
pub fn too_many(what: &str, wait: Duration) -> Problem {
    let secs = shared::error::retry_after_secs(wait);
    let when = if secs >= 60 {
        format!("{} 分钟", secs.div_ceil(60))
    } else {
        format!("{secs} 秒")
    };
    let at = time::OffsetDateTime::now_utc()
        .to_offset(time::macros::offset!(+8))
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

// ---------------------------------------------------------------------------------------
// The argon2 gate

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
        self.run(
            |s| &s.hashes,
            move || crate::accounts::hash_blocking(&password),
        )
        .await
    }

    /// Checks a password against a stored hash.
    pub async fn verify(&self, password: String, hash: String) -> Result<bool> {
        self.run(
            |s| &s.verifications,
            move || crate::accounts::verify_blocking(&password, &hash),
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

// ---------------------------------------------------------------------------------------
// Sign-in throttling

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
#[derive(Debug, Default)]
pub struct LoginLimiter {
    inner: Mutex<Tables>,
}

#[derive(Debug, Default)]
struct Tables {
    pairs: HashMap<(String, String), Pair>,
    usernames: HashMap<String, VecDeque<Instant>>,
    clients: HashMap<String, VecDeque<Instant>>,
}

#[derive(Debug, Clone, Copy)]
struct Pair {
    failures: u32,
    last: Instant,
}

/// Drops the instants older than `window`; when `limit` remain, how long until one leaves.
fn window_wait(
    events: &mut VecDeque<Instant>,
    now: Instant,
    window: Duration,
    limit: usize,
) -> Option<Duration> {
    while events
        .front()
        .is_some_and(|t| now.saturating_duration_since(*t) >= window)
    {
        events.pop_front();
    }
    if events.len() >= limit {
        events
            .front()
            .map(|oldest| window.saturating_sub(now.saturating_duration_since(*oldest)))
    } else {
        None
    }
}

fn sweep_windows(table: &mut HashMap<String, VecDeque<Instant>>, now: Instant, window: Duration) {
    if table.len() > SWEEP_ABOVE {
        table.retain(|_, events| {
            events
                .back()
                .is_some_and(|t| now.saturating_duration_since(*t) < window)
        });
    }
}

/// Usernames as throttling keys are capped, so huge inputs cannot bloat the tables.
fn username_key(username: &str) -> String {
    username.chars().take(64).collect()
}

impl Tables {
    fn sweep(&mut self, now: Instant) {
        if self.pairs.len() > SWEEP_ABOVE {
            self.pairs
                .retain(|_, p| now.saturating_duration_since(p.last) < FORGET_AFTER);
        }
        sweep_windows(&mut self.usernames, now, USERNAME_WINDOW);
        sweep_windows(&mut self.clients, now, CLIENT_WINDOW);
    }

    /// The free failures each pair of this username gets now.
    fn free_for(&mut self, username: &str, now: Instant) -> u32 {
        let capped = self.usernames.get_mut(username).is_some_and(|events| {
            window_wait(events, now, USERNAME_WINDOW, USERNAME_SOFT_CAP).is_some()
        });
        if capped { 1 } else { FREE_FAILURES }
    }

    /// How long the pair must still wait, forgetting it when it has been quiet long enough.
    fn pair_wait(&mut self, key: &(String, String), free: u32, now: Instant) -> Option<Duration> {
        let pair = self.pairs.get(key).copied()?;
        let quiet = now.saturating_duration_since(pair.last);
        if quiet >= FORGET_AFTER {
            self.pairs.remove(key);
            return None;
        }
        let wait = delay_after(pair.failures, free).saturating_sub(quiet);
        (!wait.is_zero()).then_some(wait)
    }
}

impl LoginLimiter {
    /// Admits one sign-in attempt for `username` from `client` and counts it, as a
    /// failure of the pair, before any password is checked; or says how long to wait.
    /// Call [`LoginLimiter::record_success`] when the password was right,
    /// [`LoginLimiter::record_failure`] when it was wrong, [`LoginLimiter::release`] when
    /// it could not be checked.
    pub fn admit(&self, username: &str, client: &str) -> std::result::Result<(), Duration> {
        self.admit_at(username, client, Instant::now())
    }

    /// Whether the signed-in owner of `username` may have a password checked now (the
    /// current password at a password change); counted by [`LoginLimiter::record_failure`]
    /// after the check, since the caller is already signed in.
    pub fn admit_username(&self, username: &str) -> std::result::Result<(), Duration> {
        let now = Instant::now();
        let mut t = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let user = username_key(username);
        let free = t.free_for(&user, now);
        match t.pair_wait(&(user, SIGNED_IN.to_string()), free, now) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    /// Remembers a wrong password for `username`: in its per-username window, and for a
    /// password change (not counted at admission) as a failure of the signed-in pair.
    pub fn record_failure(&self, username: &str) {
        self.failure_at(username, false, Instant::now());
    }

    /// Remembers a wrong password at sign-in (the pair was counted when admitted).
    pub fn record_sign_in_failure(&self, username: &str) {
        self.failure_at(username, true, Instant::now());
    }

    /// Forgets the pair's failures after a successful sign-in.
    pub fn record_success(&self, username: &str, client: &str) {
        let mut t = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        t.pairs
            .remove(&(username_key(username), client.to_string()));
    }

    /// Gives back an admitted attempt whose password could not be checked (the gate was
    /// busy, the database failed): it is not the caller's failure.
    pub fn release(&self, username: &str, client: &str) {
        let mut t = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let key = (username_key(username), client.to_string());
        if let Some(pair) = t.pairs.get_mut(&key) {
            pair.failures = pair.failures.saturating_sub(1);
            if pair.failures == 0 {
                t.pairs.remove(&key);
            }
        }
    }

    fn admit_at(
        &self,
        username: &str,
        client: &str,
        now: Instant,
    ) -> std::result::Result<(), Duration> {
        let mut t = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let t = &mut *t;
        t.sweep(now);
        let user = username_key(username);
        let key = (user.clone(), client.to_string());
        let free = t.free_for(&user, now);
        if let Some(wait) = t.pair_wait(&key, free, now) {
            return Err(wait);
        }
        let events = t.clients.entry(client.to_string()).or_default();
        if let Some(wait) = window_wait(events, now, CLIENT_WINDOW, CLIENT_ATTEMPTS) {
            return Err(wait);
        }
        events.push_back(now);
        let pair = t.pairs.entry(key).or_insert(Pair {
            failures: 0,
            last: now,
        });
        pair.failures = pair.failures.saturating_add(1);
        pair.last = now;
        Ok(())
    }

    /// `sign_in`: the pair was counted at admission; otherwise (a password change) the
    /// signed-in pair is counted now.
    fn failure_at(&self, username: &str, sign_in: bool, now: Instant) {
        let mut t = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let user = username_key(username);
        let events = t.usernames.entry(user.clone()).or_default();
        events.push_back(now);
        // Only the soft cap's worth matters; older entries beyond it are not needed.
        while events.len() > USERNAME_SOFT_CAP * 2 {
            events.pop_front();
        }
        if !sign_in {
            let pair = t
                .pairs
                .entry((user, SIGNED_IN.to_string()))
                .or_insert(Pair {
                    failures: 0,
                    last: now,
                });
            pair.failures = pair.failures.saturating_add(1);
            pair.last = now;
        }
    }
}

// ---------------------------------------------------------------------------------------
// Anonymous applications

/// The window of [`ApplicationLimiter`].
pub const APPLICATION_WINDOW: Duration = Duration::from_secs(60 * 60);

/// A sliding window on anonymous firm applications per client address: at most `limit`
/// per [`APPLICATION_WINDOW`]. An application is counted once its fields are valid,
/// before the database is asked anything or a password hashed.
#[derive(Debug)]
pub struct ApplicationLimiter {
    limit: usize,
    clients: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl ApplicationLimiter {
    pub fn new(limit: usize) -> Self {
        Self {
            limit,
            clients: Mutex::default(),
        }
    }

    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Counts one application from `client`, or says how long to wait.
    pub fn admit(&self, client: &str) -> std::result::Result<(), Duration> {
        self.admit_at(client, Instant::now())
    }

    fn admit_at(&self, client: &str, now: Instant) -> std::result::Result<(), Duration> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        sweep_windows(&mut clients, now, APPLICATION_WINDOW);
        let events = clients.entry(client.to_string()).or_default();
        if let Some(wait) = window_wait(events, now, APPLICATION_WINDOW, self.limit) {
            return Err(wait);
        }
        events.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: Duration = Duration::from_secs(1);

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

    #[test]
    fn a_pair_waits_longer_after_each_failure_but_is_never_locked() {
        let l = LoginLimiter::default();
        let t0 = Instant::now();
        for _ in 0..FREE_FAILURES {
            assert!(l.admit_at("zhang", "1.1.1.1", t0).is_ok());
        }
        // Three counted failures: the next attempt waits 1 s.
        assert_eq!(l.admit_at("zhang", "1.1.1.1", t0), Err(S));
        assert!(l.admit_at("zhang", "1.1.1.1", t0 + S).is_ok());
        // Four: 2 s after the last attempt.
        assert_eq!(
            l.admit_at("zhang", "1.1.1.1", t0 + S + S / 2),
            Err(3 * S / 2)
        );
        assert!(l.admit_at("zhang", "1.1.1.1", t0 + 3 * S).is_ok());
        // Far along, the wait stops growing at the cap and always ends.
        let mut at = t0 + 3 * S;
        for _ in 0..20 {
            at += MAX_DELAY;
            assert!(l.admit_at("zhang", "1.1.1.1", at).is_ok());
        }
        assert_eq!(l.admit_at("zhang", "1.1.1.1", at), Err(MAX_DELAY));
        // The right password (success) forgives the pair.
        l.record_success("zhang", "1.1.1.1");
        assert!(l.admit_at("zhang", "1.1.1.1", at).is_ok());
    }

    #[test]
    fn the_owner_on_another_client_is_not_delayed() {
        let l = LoginLimiter::default();
        let t0 = Instant::now();
        for _ in 0..FREE_FAILURES {
            l.admit_at("zhang", "6.6.6.6", t0).unwrap();
            l.failure_at("zhang", true, t0);
        }
        assert!(l.admit_at("zhang", "6.6.6.6", t0).is_err());
        assert!(l.admit_at("zhang", "7.7.7.7", t0).is_ok());
        // Another username from the attacker's client is its own pair.
        assert!(l.admit_at("li", "6.6.6.6", t0).is_ok());
    }

    #[test]
    fn parallel_attempts_are_reserved_before_hashing() {
        let l = LoginLimiter::default();
        let t0 = Instant::now();
        let admitted = (0..50)
            .filter(|_| l.admit_at("zhang", "6.6.6.6", t0).is_ok())
            .count();
        assert_eq!(admitted, FREE_FAILURES as usize);
        // An attempt that could not be checked is given back.
        l.release("zhang", "6.6.6.6");
        assert!(l.admit_at("zhang", "6.6.6.6", t0).is_ok());
    }

    #[test]
    fn many_failures_on_one_username_leave_one_free_attempt_per_client() {
        let l = LoginLimiter::default();
        let t0 = Instant::now();
        for i in 0..USERNAME_SOFT_CAP {
            let client = format!("10.0.{i}.1");
            l.admit_at("zhang", &client, t0).unwrap();
            l.failure_at("zhang", true, t0);
        }
        // A fresh client (the owner) still gets its attempt ...
        assert!(l.admit_at("zhang", "7.7.7.7", t0).is_ok());
        // ... but after one failure waits, instead of three free ones.
        l.failure_at("zhang", true, t0);
        assert_eq!(l.admit_at("zhang", "7.7.7.7", t0), Err(S));
        // Other usernames keep their free failures.
        for _ in 0..FREE_FAILURES {
            assert!(l.admit_at("li", "7.7.7.7", t0).is_ok());
        }
        // Once the window passes, the cap lifts.
        let later = t0 + USERNAME_WINDOW;
        l.record_success("zhang", "8.8.8.8");
        assert!(l.admit_at("zhang", "8.8.8.8", later).is_ok());
        assert!(l.admit_at("zhang", "8.8.8.8", later).is_ok());
    }

    #[test]
    fn quiet_pairs_are_forgotten() {
        let l = LoginLimiter::default();
        let t0 = Instant::now();
        let mut at = t0;
        for _ in 0..FREE_FAILURES {
            l.admit_at("zhang", "6.6.6.6", at).unwrap();
        }
        // Each attempt as soon as it is allowed: 1 s, 2 s, 4 s, 8 s later.
        for wait in [1, 2, 4, 8] {
            at += wait * S;
            l.admit_at("zhang", "6.6.6.6", at).unwrap();
        }
        assert_eq!(l.admit_at("zhang", "6.6.6.6", at + 6 * S), Err(10 * S));
        let later = at + FORGET_AFTER;
        for _ in 0..FREE_FAILURES {
            assert!(l.admit_at("zhang", "6.6.6.6", later).is_ok());
        }
    }

    #[test]
    fn client_attempts_are_limited_per_minute() {
        let l = LoginLimiter::default();
        let t0 = Instant::now();
        for i in 0..CLIENT_ATTEMPTS {
            assert!(l.admit_at(&format!("u{i}"), "1.2.3.4", t0).is_ok());
        }
        assert_eq!(l.admit_at("other", "1.2.3.4", t0), Err(CLIENT_WINDOW));
        assert!(l.admit_at("other", "5.6.7.8", t0).is_ok());
        assert!(l.admit_at("other", "1.2.3.4", t0 + CLIENT_WINDOW).is_ok());
    }

    #[test]
    fn a_password_change_counts_after_the_check() {
        let l = LoginLimiter::default();
        for _ in 0..FREE_FAILURES {
            assert!(l.admit_username("zhang").is_ok());
            l.record_failure("zhang");
        }
        assert!(l.admit_username("zhang").is_err());
        // Signing in from a browser is another pair.
        assert!(l.admit("zhang", "1.1.1.1").is_ok());
    }

    #[test]
    fn applications_have_a_sliding_window_per_client() {
        let a = ApplicationLimiter::new(2);
        let t0 = Instant::now();
        assert!(a.admit_at("1.1.1.1", t0).is_ok());
        assert!(a.admit_at("1.1.1.1", t0 + S).is_ok());
        assert_eq!(
            a.admit_at("1.1.1.1", t0 + 2 * S),
            Err(APPLICATION_WINDOW - 2 * S)
        );
        assert!(a.admit_at("2.2.2.2", t0 + 2 * S).is_ok());
        assert!(a.admit_at("1.1.1.1", t0 + APPLICATION_WINDOW).is_ok());
        assert!(a.admit_at("1.1.1.1", t0 + APPLICATION_WINDOW).is_err());
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
