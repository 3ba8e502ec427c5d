//! Sign-in throttling (登录限流) per (normalised username, client address).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::window::{SWEEP_ABOVE, sweep_windows, window_wait};

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
}
