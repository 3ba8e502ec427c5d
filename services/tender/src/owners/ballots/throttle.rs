//! The owner-code throttle (限流): requests carrying a code, per client address, in a
//! sliding window of a minute, so codes cannot be guessed online (and 2⁶⁰ codes are out of
//! reach anyway). In memory and per process, like the catalog's anonymous throttles.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use shared::error::Problem;

/// The window.
pub const WINDOW: Duration = Duration::from_secs(60);

/// Keys are swept when the table grows past this many.
const SWEEP_ABOVE: usize = 4096;

/// At most `limit` owner-code requests per client address per [`WINDOW`].
#[derive(Debug)]
pub struct CodeLimiter {
    limit: usize,
    clients: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl CodeLimiter {
    pub fn new(limit: usize) -> Self {
        Self {
            limit: limit.max(1),
            clients: Mutex::default(),
        }
    }

    /// Counts one request from `client`, or answers the 429 with `Retry-After`.
    pub fn admit(&self, client: &str) -> Result<(), Problem> {
        self.admit_at(client, Instant::now()).map_err(|wait| {
            let secs = shared::error::retry_after_secs(wait);
            Problem::too_many_requests(format!(
                "同一网络地址每分钟最多查询 {} 次表决码，请 {secs} 秒后再试。",
                self.limit
            ))
            .with_retry_after(wait)
        })
    }

    fn admit_at(&self, client: &str, now: Instant) -> Result<(), Duration> {
        let mut clients = self.clients.lock().unwrap_or_else(|e| e.into_inner());
        if clients.len() > SWEEP_ABOVE {
            clients.retain(|_, t| {
                t.back()
                    .is_some_and(|t| now.saturating_duration_since(*t) < WINDOW)
            });
        }
        let events = clients.entry(client.to_string()).or_default();
        while events
            .front()
            .is_some_and(|t| now.saturating_duration_since(*t) >= WINDOW)
        {
            events.pop_front();
        }
        if events.len() >= self.limit {
            let oldest = events.front().copied().unwrap_or(now);
            return Err(WINDOW.saturating_sub(now.saturating_duration_since(oldest)));
        }
        events.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_client_gets_its_limit_per_minute() {
        let l = CodeLimiter::new(2);
        let t0 = Instant::now();
        let s = Duration::from_secs(1);
        assert!(l.admit_at("a", t0).is_ok());
        assert!(l.admit_at("a", t0 + s).is_ok());
        assert_eq!(l.admit_at("a", t0 + 2 * s), Err(WINDOW - 2 * s));
        assert!(l.admit_at("b", t0 + 2 * s).is_ok());
        assert!(l.admit_at("a", t0 + WINDOW).is_ok());
        assert!(l.admit("c").is_ok());
        assert!(l.admit("c").is_ok());
        assert_eq!(l.admit("c").unwrap_err().status, 429);
    }
}
