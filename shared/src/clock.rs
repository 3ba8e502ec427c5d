//! The one clock: instants as milliseconds since the Unix epoch (how they are stored), and
//! calendar days in China (UTC+8), the days every rule of the platform is decided on
//! (roster standing, "not in the future", the day a change took effect).

use std::cell::RefCell;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use time::macros::offset;
use time::{Date, OffsetDateTime, UtcOffset};

/// China Standard Time (北京时间), UTC+8, all year.
pub const CHINA: UtcOffset = offset!(+8);

thread_local! {
    /// The offset of this thread's clock, when the thread belongs to a [`Travel`] runtime.
    static TRAVEL: RefCell<Option<Arc<AtomicI64>>> = const { RefCell::new(None) };
}

/// Milliseconds this thread's clock is ahead of the real one (0 except on the threads of a
/// [`Travel`] runtime).
fn offset_ms() -> i64 {
    TRAVEL.with(|t| t.borrow().as_ref().map_or(0, |o| o.load(Ordering::Relaxed)))
}

/// Now on this thread's clock.
fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc() + time::Duration::milliseconds(offset_ms())
}

/// Milliseconds since the Unix epoch: how instants are stored.
pub fn now_ms() -> i64 {
    ms_of(now())
}

/// A clock set to another time, for the threads of one runtime only: how `wuye up` loads
/// the demo's past year through the real services (a tender chain a year ago, then each
/// month's records on the month's own days). The services and the loader run on a runtime
/// from [`Travel::runtime`]; every other thread of the process keeps the real clock. Never
/// set from anything a request carries.
#[derive(Clone, Debug, Default)]
pub struct Travel(Arc<AtomicI64>);

impl Travel {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the clock of the runtime's threads to `at_ms` (it runs on from there).
    pub fn set_to(&self, at_ms: i64) {
        self.0
            .store(at_ms - ms_of(OffsetDateTime::now_utc()), Ordering::Relaxed);
    }

    /// Back to the real time.
    pub fn back_to_now(&self) {
        self.0.store(0, Ordering::Relaxed);
    }

    /// Runs `fut` to completion on a new multi-thread runtime of `workers` threads; the
    /// runtime's threads and this one (which drives `fut`) read this clock meanwhile.
    pub fn run<F: std::future::Future>(
        &self,
        workers: usize,
        fut: F,
    ) -> std::io::Result<F::Output> {
        let rt = self.runtime(workers)?;
        let before = TRAVEL.with(|t| t.replace(Some(self.0.clone())));
        let out = rt.block_on(fut);
        TRAVEL.with(|t| *t.borrow_mut() = before);
        Ok(out)
    }

    /// A multi-thread runtime whose threads (workers and blocking threads) read this clock.
    pub fn runtime(&self, workers: usize) -> std::io::Result<tokio::runtime::Runtime> {
        let offset = self.0.clone();
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers.max(1))
            .enable_all()
            .on_thread_start(move || {
                let offset = offset.clone();
                TRAVEL.with(|t| *t.borrow_mut() = Some(offset));
            })
            .build()
    }
}

/// An instant as milliseconds since the Unix epoch.
pub fn ms_of(at: OffsetDateTime) -> i64 {
    (at.unix_timestamp_nanos() / 1_000_000) as i64
}

/// Now, in China.
pub fn china_now() -> OffsetDateTime {
    now().to_offset(CHINA)
}

/// Today's date in China.
pub fn china_today() -> Date {
    china_now().date()
}

/// An instant in ms, in China (an instant outside `time`'s range reads as the epoch).
pub fn china_instant(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
        .to_offset(CHINA)
}

/// The day in China of an instant in ms (e.g. the day a change took effect).
pub fn china_date(ms: i64) -> Date {
    china_instant(ms).date()
}

/// An instant in ms as RFC 3339 in UTC (`2026-03-01T01:30:00Z`); empty when out of range.
pub fn rfc3339_utc(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn days_are_chinese_days() {
        // 2026-03-31 16:30 UTC is 2026-04-01 00:30 in Chengdu.
        let ms = 1_774_974_600_000;
        assert_eq!(china_date(ms), date!(2026 - 04 - 01));
        assert_eq!(china_date(ms - 3_600_000), date!(2026 - 03 - 31));
        assert_eq!(china_instant(ms).offset(), CHINA);
    }

    #[test]
    fn now_is_in_ms() {
        let before = now_ms();
        assert!(before > 1_700_000_000_000);
        assert_eq!(ms_of(china_instant(before)), before);
        assert_eq!(rfc3339_utc(0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn a_travel_runtime_moves_its_own_threads_only() {
        let travel = Travel::new();
        let year_ago = now_ms() - 365 * 86_400_000;
        travel.set_to(year_ago);
        let (spawned, driver, day) = travel
            .run(1, async {
                let spawned = tokio::spawn(async { now_ms() }).await.unwrap();
                (spawned, now_ms(), china_today())
            })
            .unwrap();
        for there in [spawned, driver] {
            assert!((there - year_ago).abs() < 60_000, "{there} vs {year_ago}");
        }
        assert_eq!(day, china_date(year_ago));
        // Outside `run`, this thread keeps the real clock.
        assert!(now_ms() - driver > 364 * 86_400_000);
        travel.back_to_now();
        let back = travel
            .run(1, async { tokio::spawn(async { now_ms() }).await.unwrap() })
            .unwrap();
        assert!((back - now_ms()).abs() < 60_000);
    }
}
