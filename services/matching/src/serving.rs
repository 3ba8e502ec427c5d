//! How matching answers index reads (检索服务): a fixed pool of search threads and a cache of
//! rendered answers per index generation.
//!
//! - [`SearchPool`]: as many threads as the machine has cores, fed by one channel. A request's
//!   index work (the match, its answer's JSON) runs start to finish on one of them, so a
//!   burst of requests queues instead of running tokio's up-to-512 blocking threads on two
//!   cores, and the answer's allocations are freed on the thread that made them.
//! - [`AnswerCache`]: rendered JSON bodies keyed by request (endpoint, id or query, page), valid
//!   for one index generation: the first lookup under a newer generation empties it, and an
//!   answer computed on an older snapshot is never stored under a newer one. Bounded in
//!   entries and bytes (`[matching] answer_cache_mib`; past the bounds, answers are computed
//!   and not kept). `answer_cache = false` turns it off (every answer computed; for measuring).

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// At most this many answers are kept per generation.
const MAX_ANSWERS: usize = 20_000;

type Job = Box<dyn FnOnce() + Send>;

/// A fixed pool of search threads; the threads end when the pool is dropped.
pub struct SearchPool {
    tx: Mutex<Sender<Job>>,
}

/// The search thread ran the job but it panicked, or the pool is gone.
#[derive(Debug, thiserror::Error)]
#[error("the search thread failed")]
pub struct PoolError;

impl SearchPool {
    /// `threads` search threads (at least 1).
    pub fn new(threads: usize) -> std::io::Result<Self> {
        let (tx, rx) = mpsc::channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for n in 0..threads.max(1) {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("wuye-search-{n}"))
                .spawn(move || work(&rx))?;
        }
        Ok(Self { tx: Mutex::new(tx) })
    }

    /// One thread per core.
    pub fn per_core() -> std::io::Result<Self> {
        Self::new(std::thread::available_parallelism().map_or(2, usize::from))
    }

    /// Runs `f` on a search thread and waits for its result without blocking the runtime.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, PoolError> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            // A panicking job drops `reply`: its caller gets an error, the thread lives on.
            if let Ok(value) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
                let _ = reply.send(value);
            }
        });
        self.tx
            .lock()
            .map_err(|_| PoolError)?
            .send(job)
            .map_err(|_| PoolError)?;
        answer.await.map_err(|_| PoolError)
    }
}

fn work(rx: &Mutex<Receiver<Job>>) {
    loop {
        let job = match rx.lock() {
            Ok(rx) => rx.recv(),
            Err(_) => return,
        };
        match job {
            Ok(job) => job(),
            Err(_) => return,
        }
    }
}

/// A rendered JSON answer, and for a tender's firms the tender's compound (the committee
/// check reads it, so a cached answer is checked like a computed one).
#[derive(Debug, Clone)]
pub struct Answer {
    pub compound_id: Option<String>,
    pub body: Bytes,
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        ([(header::CONTENT_TYPE, "application/json")], self.body).into_response()
    }
}

/// Renders `value` as JSON through a buffer reused by the thread (one copy into the body).
pub fn render<T: serde::Serialize>(value: &T) -> Result<Bytes, serde_json::Error> {
    thread_local! {
        static BUFFER: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
    }
    BUFFER.with(|cell| {
        let mut buffer = cell.borrow_mut();
        buffer.clear();
        serde_json::to_writer(&mut *buffer, value)?;
        let body = Bytes::copy_from_slice(&buffer);
        // A rare huge answer does not pin its buffer for ever.
        if buffer.capacity() > 1 << 20 {
            *buffer = Vec::new();
        }
        Ok(body)
    })
}

/// Rendered answers of one index generation.
pub struct AnswerCache {
    enabled: bool,
    max_bytes: usize,
    inner: Mutex<Generation>,
    hits: AtomicU64,
    misses: AtomicU64,
}

#[derive(Default)]
struct Generation {
    generation: u64,
    bytes: usize,
    answers: HashMap<String, Answer>,
}

impl AnswerCache {
    /// A cache of at most `max_bytes` of answers (keys included), or (`enabled = false`) one
    /// that keeps nothing.
    pub fn new(enabled: bool, max_bytes: usize) -> Self {
        Self {
            enabled,
            max_bytes,
            inner: Mutex::default(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// The answer to `key` computed on generation `generation`, if kept.
    pub fn get(&self, generation: u64, key: &str) -> Option<Answer> {
        if !self.enabled {
            return None;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.generation != generation {
            if inner.generation < generation {
                *inner = Generation {
                    generation,
                    ..Default::default()
                };
            }
            self.misses.fetch_add(1, Ordering::Relaxed);
            return None;
        }
        let found = inner.answers.get(key).cloned();
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Keeps `answer`, computed on generation `generation`, unless the cache has moved on to
    /// a newer generation or is full.
    pub fn put(&self, generation: u64, key: String, answer: &Answer) {
        if !self.enabled {
            return;
        }
        let mut inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        if inner.generation < generation {
            *inner = Generation {
                generation,
                ..Default::default()
            };
        }
        let size = key.len() + answer.body.len();
        if inner.generation != generation
            || inner.answers.len() >= MAX_ANSWERS
            || inner.bytes + size > self.max_bytes
        {
            return;
        }
        if inner.answers.insert(key, answer.clone()).is_none() {
            inner.bytes += size;
        }
    }

    /// Whether answers are kept at all.
    pub fn enabled(&self) -> bool {
        self.enabled
    }

    /// (hits, misses, answers kept now, their bytes).
    pub fn stats(&self) -> (u64, u64, usize, usize) {
        let (kept, bytes) = {
            let inner = self.inner.lock().unwrap_or_else(|e| e.into_inner());
            (inner.answers.len(), inner.bytes)
        };
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
            kept,
            bytes,
        )
    }

    /// The cache as gauges: `answer_cache_hits`, `answer_cache_misses` (since start),
    /// `answer_cache_entries` and `answer_cache_bytes` (kept now); beside them the index's
    /// own caches, `index_cache_bytes` (filter-term sets, term frequencies) and
    /// `index_prepared_bytes` (by-id inputs), so the service's memory can be accounted for.
    pub fn watch(self: &Arc<Self>, metrics: &shared::metrics::Metrics) {
        let cache = Arc::downgrade(self);
        metrics.probe(Arc::new(move |m| {
            let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
            let size = |v: usize| n(v as u64);
            if let Some(cache) = cache.upgrade() {
                let (hits, misses, kept, bytes) = cache.stats();
                m.set("answer_cache_hits", &[], n(hits));
                m.set("answer_cache_misses", &[], n(misses));
                m.set("answer_cache_entries", &[], size(kept));
                m.set("answer_cache_bytes", &[], size(bytes));
            }
            let (index, prepared) = search_index::cached_bytes();
            m.set("index_cache_bytes", &[], size(index));
            m.set("index_prepared_bytes", &[], size(prepared));
            Box::pin(async {})
        }));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answer(body: &'static str) -> Answer {
        Answer {
            compound_id: None,
            body: Bytes::from_static(body.as_bytes()),
        }
    }

    #[test]
    fn answers_live_for_one_generation_and_older_ones_are_never_kept() {
        let cache = AnswerCache::new(true, 1 << 20);
        assert!(cache.get(1, "a").is_none());
        cache.put(1, "a".into(), &answer("1"));
        assert_eq!(cache.get(1, "a").unwrap().body, "1");
        // A newer generation empties it; an answer of the older one is not stored.
        assert!(cache.get(2, "a").is_none());
        cache.put(1, "a".into(), &answer("stale"));
        assert!(cache.get(2, "a").is_none());
        assert!(cache.get(1, "a").is_none());
        cache.put(2, "a".into(), &answer("2"));
        assert_eq!(cache.get(2, "a").unwrap().body, "2");
        assert_eq!(cache.stats(), (2, 4, 1, 2));
    }

    #[test]
    fn answers_past_the_byte_bound_are_not_kept() {
        // Key and body count: "a" + "12345" is 6 bytes, a second such answer would make 12.
        let cache = AnswerCache::new(true, 10);
        cache.put(1, "a".into(), &answer("12345"));
        cache.put(1, "b".into(), &answer("12345"));
        assert!(cache.get(1, "a").is_some());
        assert!(cache.get(1, "b").is_none());
        assert_eq!(cache.stats(), (1, 1, 1, 6));
    }

    #[test]
    fn a_disabled_cache_keeps_nothing() {
        let cache = AnswerCache::new(false, 1 << 20);
        cache.put(1, "a".into(), &answer("1"));
        assert!(cache.get(1, "a").is_none());
        assert_eq!(cache.stats(), (0, 0, 0, 0));
    }

    #[tokio::test]
    async fn the_pool_runs_jobs_and_survives_a_panicking_one() {
        let pool = SearchPool::new(2).unwrap();
        assert_eq!(pool.run(|| 6 * 7).await.unwrap(), 42);
        assert!(pool.run(|| panic!("boom")).await.is_err());
        let name = pool
            .run(|| std::thread::current().name().map(str::to_string))
            .await
            .unwrap();
        assert!(name.unwrap().starts_with("wuye-search-"));
    }
}
