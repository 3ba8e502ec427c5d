//! What keeps anonymous callers from spending the catalog's cores (限流): sign-in throttling
//! per (username, client) with growing delays instead of a lock ([`login::LoginLimiter`]),
//! and a per-client window on anonymous firm applications ([`ApplicationLimiter`]). Every
//! argon2 computation goes through one gate (`crate::passwords::PasswordGate`).
//!
//! All of it is in memory and per process: a restart forgets it, and several catalog
//! processes would each keep their own. Client addresses come from
//! `shared::client_addr` (the `trusted_proxies` setting decides whose `X-Forwarded-For`
//! is believed).

pub mod login;
mod window;

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use shared::client_addr::TrustedProxies;
use shared::error::Problem;

pub use crate::passwords::{HASH_PERMITS, HASH_QUEUE, PasswordGate};
pub use login::LoginLimiter;
use window::{sweep_windows, window_wait};

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
}
