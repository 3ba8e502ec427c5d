//! Sliding windows of instants per key, and sweeping the keys gone quiet.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Expired keys are swept when a table grows past this many keys.
pub(crate) const SWEEP_ABOVE: usize = 4096;

/// Drops the instants older than `window`; when `limit` remain, how long until one leaves.
pub(crate) fn window_wait(
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

pub(crate) fn sweep_windows(
    table: &mut HashMap<String, VecDeque<Instant>>,
    now: Instant,
    window: Duration,
) {
    if table.len() > SWEEP_ABOVE {
        table.retain(|_, events| {
            events
                .back()
                .is_some_and(|t| now.saturating_duration_since(*t) < window)
        });
    }
}
