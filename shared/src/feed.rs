//! Change feeds: the outbox, the `GET <prefix>/feed` endpoint and the consumer.
//!
//! **Writing.** Every write transaction starts with [`WriteTx::begin`], whose first
//! statement takes the service's feed-head lock (`UPDATE feed_head …`): on PostgreSQL a
//! row lock, on SQLite the database write lock. Each change then appends an outbox row
//! numbered from that head in the same transaction. Because writers are serialised by the
//! head row, sequence numbers become visible in commit order: a reader that has seen
//! `seq = n` will never later find a committed row with a smaller number. (A plain
//! `SERIAL` would not give that: numbers are taken at insert time and can commit out of
//! order, so a consumer could skip a change for ever.)
//!
//! **Reading.** `GET /feed?after=SEQ&limit=N&wait=S` answers the changes after `SEQ`, in
//! order, at most `N`; when there are none it long-polls up to `S` seconds, woken by the
//! writer's in-process [`Notifier`], on PostgreSQL by the writer's `NOTIFY` when the writer
//! is another process (a replica), and otherwise by a re-read every 250 ms (1 s while a
//! PostgreSQL listener is connected: a safety net only).
//!
//! **Consuming.** [`Consumer`] keeps its cursor in the consumer's own database and
//! applies each change and advances the cursor in one transaction, so a consumer killed
//! at any point neither loses nor doubles a change. Targets outside the database (the
//! search index) apply idempotently by entity, which makes a replay harmless.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};
use std::time::Duration;

use anyhow::Context;
use axum::extract::{Query, State};
use axum::routing::get;
use axum::{Json, Router};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sqlx::postgres::PgListener;
use sqlx::{Any, AnyConnection, AssertSqlSafe, Row, Transaction};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use utoipa::{IntoParams, ToSchema};

use crate::auth::{Auth, Identity, Role};
use crate::db::{Backend, Db, now_ms};
use crate::error::{Error, FieldError, Problem};

/// One change, as stored in the outbox and served by the feed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Change {
    /// Position in the feed; strictly increasing, in commit order.
    pub seq: i64,
    /// What kind of entity changed (`firm`, `compound`, `district`, `tender`, …).
    pub topic: String,
    /// The entity's identifier.
    pub entity_id: String,
    /// What happened (`upserted`, `standing_changed`, …).
    pub kind: String,
    /// The entity's new public state.
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
    /// When it was written (ms since the Unix epoch).
    pub at: i64,
}

/// A page of the feed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct FeedPage {
    pub changes: Vec<Change>,
    /// Pass this as `after` to read on.
    pub next_after: i64,
    /// The newest sequence number at the time of the answer.
    pub head: i64,
}

/// Wakes long-polling readers when a change is committed: at once for this process's
/// writes, and, on PostgreSQL once [`Notifier::listen`] runs, for every other process's
/// writes too (`LISTEN`/`NOTIFY`, see [`CHANNEL_SQL`]).
#[derive(Debug, Clone)]
pub struct Notifier {
    tx: Arc<watch::Sender<i64>>,
    /// A PostgreSQL listener is connected: other processes' commits wake us as well, so
    /// the fallback re-read can be slow.
    listening: Arc<AtomicBool>,
}

impl Default for Notifier {
    fn default() -> Self {
        let (tx, _rx) = watch::channel(0);
        Self {
            tx: Arc::new(tx),
            listening: Arc::new(AtomicBool::new(false)),
        }
    }
}

/// The `NOTIFY` channel of a service's feed on PostgreSQL, as SQL: `feed_` and the schema
/// the service's tables live in (each service has its own database or schema; a channel is
/// per database, so the schema keeps two services, or two tests, on one database apart).
/// Writers and listeners both compute it this way. PostgreSQL refuses channel names of 64
/// bytes or more, hence `left`.
pub const CHANNEL_SQL: &str = "left('feed_' || current_schema(), 60)";

/// How often a long-poll re-reads the database when nothing woke it: only a safety net
/// while a PostgreSQL listener is connected (a notification lost in a reconnection).
pub const FALLBACK_POLL: Duration = Duration::from_secs(1);
/// How often a long-poll re-reads when no listener tells it about other processes'
/// writes (SQLite, or PostgreSQL while the listener reconnects).
pub const POLL_WITHOUT_LISTENER: Duration = Duration::from_millis(250);

/// Changes a follower applies in one transaction (with its cursor's move): few enough
/// that the service's own writers, waiting on the write lock the follower holds, wait
/// milliseconds; enough that a follower is not as slow as its database's commits.
pub const APPLY_PER_TRANSACTION: usize = 50;

/// Outbox rows per multi-row insert of [`WriteTx::emit_many`]: 500 × 6 parameters, far
/// below both backends' limits (SQLite 32,766, PostgreSQL 65,535).
pub const OUTBOX_ROWS_PER_INSERT: usize = 500;

impl Notifier {
    pub fn notify(&self, seq: i64) {
        self.tx.send_if_modified(|cur| {
            if seq > *cur {
                *cur = seq;
                true
            } else {
                false
            }
        });
    }

    /// Wakes every long-poll to re-read (after a listener reconnected: notifications sent
    /// meanwhile were lost).
    fn wake_all(&self) {
        self.tx.send_modify(|_| {});
    }

    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.tx.subscribe()
    }

    /// A PostgreSQL listener is connected (other processes' commits wake this one's polls).
    pub fn is_listening(&self) -> bool {
        self.listening.load(Ordering::Acquire)
    }

    /// How long a long-poll may sleep before re-reading on its own.
    pub fn poll_interval(&self) -> Duration {
        if self.listening.load(Ordering::Acquire) {
            FALLBACK_POLL
        } else {
            POLL_WITHOUT_LISTENER
        }
    }

    /// On PostgreSQL, spawns a task that `LISTEN`s on the feed's channel with its own
    /// connection (`PgListener`; the `Any` pool cannot listen) and wakes this process's
    /// long-polls whenever any process commits a change; it reconnects on its own and stops
    /// with `cancel`. On SQLite it does nothing (one process writes a data folder).
    pub fn listen(&self, db: &Db, url: &str, cancel: CancellationToken, tasks: &TaskTracker) {
        if db.backend != Backend::Postgres {
            return;
        }
        let notifier = self.clone();
        let url = url.to_string();
        tasks.spawn(async move {
            tokio::select! {
                () = cancel.cancelled() => {}
                () = notifier.follow_notifications(&url) => {}
            }
            notifier.listening.store(false, Ordering::Release);
        });
    }

    async fn follow_notifications(&self, url: &str) {
        let mut backoff = Duration::from_millis(200);
        loop {
            match self.listen_once(url).await {
                Ok(()) => backoff = Duration::from_millis(200),
                Err(e) => {
                    tracing::warn!(error = %e, "feed listener failed; reconnecting");
                    tokio::time::sleep(backoff).await;
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
            self.listening.store(false, Ordering::Release);
            self.wake_all();
        }
    }

    /// One connection's life: listen, then pass every notification on until the
    /// connection is lost (`Ok`) or fails to start (`Err`).
    async fn listen_once(&self, url: &str) -> Result<(), sqlx::Error> {
        let mut listener = PgListener::connect(url).await?;
        let channel: String = sqlx::query_scalar(AssertSqlSafe(format!("SELECT {CHANNEL_SQL}")))
            .fetch_one(&mut listener)
            .await?;
        listener.listen(&channel).await?;
        self.listening.store(true, Ordering::Release);
        // Anything committed before the LISTEN took effect is picked up by this re-read.
        self.wake_all();
        loop {
            match listener.try_recv().await? {
                Some(n) => match n.payload().parse::<i64>() {
                    Ok(seq) => self.notify(seq),
                    Err(_) => self.wake_all(),
                },
                None => return Ok(()),
            }
        }
    }
}

/// A write transaction holding the feed-head lock; see the module docs.
pub struct WriteTx {
    tx: Transaction<'static, Any>,
    backend: Backend,
    notifier: Notifier,
    last_seq: Option<i64>,
}

impl WriteTx {
    /// Begins a transaction and takes the feed-head lock before anything else.
    pub async fn begin(db: &Db, notifier: &Notifier) -> Result<Self, sqlx::Error> {
        let mut tx = db.pool.begin().await?;
        sqlx::query("UPDATE feed_head SET seq = seq WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        Ok(Self {
            tx,
            backend: db.backend,
            notifier: notifier.clone(),
            last_seq: None,
        })
    }

    /// The connection, for the change itself.
    pub fn conn(&mut self) -> &mut AnyConnection {
        &mut self.tx
    }

    /// Appends a change to the outbox in this transaction.
    pub async fn emit(
        &mut self,
        topic: &str,
        entity_id: &str,
        kind: &str,
        payload: &impl Serialize,
    ) -> anyhow::Result<i64> {
        let payload = serde_json::to_string(payload).context("serialising a feed payload")?;
        let seq = emit(&mut self.tx, topic, entity_id, kind, &payload).await?;
        self.last_seq = Some(seq);
        Ok(seq)
    }

    /// Appends many changes of one topic to the outbox in this transaction, in order, in a
    /// few statements (one to reserve their sequence numbers, one per
    /// [`OUTBOX_ROWS_PER_INSERT`] rows): what a bulk write (a ledger import of 20,000 rows)
    /// would otherwise pay two round trips a change for. `items` are `(entity id, kind,
    /// payload)`.
    pub async fn emit_many<'a, P: Serialize + 'a>(
        &mut self,
        topic: &str,
        items: impl IntoIterator<Item = (&'a str, &'a str, &'a P)>,
    ) -> anyhow::Result<()> {
        let rows = items
            .into_iter()
            .map(|(id, kind, payload)| {
                serde_json::to_string(payload)
                    .map(|json| (id, kind, json))
                    .context("serialising a feed payload")
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
        let Ok(n) = i64::try_from(rows.len()) else {
            anyhow::bail!("too many changes in one transaction");
        };
        if n == 0 {
            return Ok(());
        }
        let last: i64 =
            sqlx::query_scalar("UPDATE feed_head SET seq = seq + $1 WHERE id = 1 RETURNING seq")
                .bind(n)
                .fetch_one(&mut *self.tx)
                .await?;
        let now = now_ms();
        let mut seq = last - n;
        for chunk in rows.chunks(OUTBOX_ROWS_PER_INSERT) {
            let values = (0..chunk.len())
                .map(|r| {
                    let p = r * 6;
                    format!(
                        "(${}, ${}, ${}, ${}, ${}, ${})",
                        p + 1,
                        p + 2,
                        p + 3,
                        p + 4,
                        p + 5,
                        p + 6
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "INSERT INTO outbox (seq, topic, entity_id, kind, payload, created_at) VALUES {values}"
            );
            let mut q = sqlx::query(AssertSqlSafe(sql));
            for (id, kind, json) in chunk {
                seq += 1;
                q = q
                    .bind(seq)
                    .bind(topic)
                    .bind(*id)
                    .bind(*kind)
                    .bind(json.as_str())
                    .bind(now);
            }
            q.execute(&mut *self.tx).await?;
        }
        self.last_seq = Some(last);
        Ok(())
    }

    /// Commits, then wakes the feed's long-pollers: this process's at once, other
    /// processes' on PostgreSQL through a `NOTIFY` sent in the transaction (delivered when
    /// it commits, never when it rolls back).
    pub async fn commit(mut self) -> Result<(), sqlx::Error> {
        if let (Some(seq), Backend::Postgres) = (self.last_seq, self.backend) {
            // Cast: the `Any` driver cannot carry `void`.
            sqlx::query(AssertSqlSafe(format!(
                "SELECT CAST(pg_notify({CHANNEL_SQL}, $1) AS TEXT)"
            )))
            .bind(seq.to_string())
            .execute(&mut *self.tx)
            .await?;
        }
        self.tx.commit().await?;
        if let Some(seq) = self.last_seq {
            self.notifier.notify(seq);
        }
        Ok(())
    }
}

/// Appends an outbox row on a connection that already holds the feed-head lock.
pub async fn emit(
    conn: &mut AnyConnection,
    topic: &str,
    entity_id: &str,
    kind: &str,
    payload_json: &str,
) -> Result<i64, sqlx::Error> {
    let seq: i64 =
        sqlx::query_scalar("UPDATE feed_head SET seq = seq + 1 WHERE id = 1 RETURNING seq")
            .fetch_one(&mut *conn)
            .await?;
    sqlx::query(
        "INSERT INTO outbox (seq, topic, entity_id, kind, payload, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(seq)
    .bind(topic)
    .bind(entity_id)
    .bind(kind)
    .bind(payload_json)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(seq)
}

/// `http://host:port` + `/catalog` → `http://host:port/catalog/feed`.
pub fn feed_url(base: &str, prefix: &str) -> String {
    format!("{}{prefix}/feed", base.trim_end_matches('/'))
}

/// Reads up to `limit` changes after `after`.
pub async fn read(db: &Db, after: i64, limit: i64) -> Result<Vec<Change>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT seq, topic, entity_id, kind, payload, created_at FROM outbox WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(&db.pool)
    .await?;
    rows.into_iter()
        .map(|r| {
            let payload: String = r.try_get("payload")?;
            Ok(Change {
                seq: r.try_get("seq")?,
                topic: r.try_get("topic")?,
                entity_id: r.try_get("entity_id")?,
                kind: r.try_get("kind")?,
                payload: serde_json::from_str(&payload)
                    .map_err(|e| sqlx::Error::Decode(Box::new(e)))?,
                at: r.try_get("created_at")?,
            })
        })
        .collect()
}

/// The newest sequence number written.
pub async fn head(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT seq FROM feed_head WHERE id = 1")
        .fetch_one(&db.pool)
        .await
}

/// Query of `GET /feed`.
#[derive(Debug, Deserialize, IntoParams)]
pub struct FeedQuery {
    /// Answer changes after this sequence number (default 0: from the start).
    pub after: Option<i64>,
    /// At most this many changes (1–1000, default 100).
    pub limit: Option<i64>,
    /// Long-poll up to this many seconds when there is nothing new (0–30, default 0).
    pub wait: Option<u64>,
}

/// What the feed endpoint needs.
#[derive(Clone)]
pub struct FeedState {
    pub db: Db,
    pub notifier: Notifier,
    /// The service's token check: a signed-out association token is refused here too.
    pub auth: Auth,
    /// Fires on shutdown: long-polls answer at once so in-flight requests can finish.
    pub stop: CancellationToken,
}

impl axum::extract::FromRef<FeedState> for Auth {
    fn from_ref(s: &FeedState) -> Self {
        s.auth.clone()
    }
}

/// `GET /feed`, to be nested under a service's prefix.
pub fn router<S>(state: FeedState) -> Router<S> {
    Router::new().route("/feed", get(feed)).with_state(state)
}

pub const MAX_WAIT_SECS: u64 = 30;

/// A payload's field that only services read: the feed drops it for every other reader
/// (the association). Tender names the asker of a question there, so matching can tell
/// the asking firm its answer while the question stays anonymous to people.
pub const SERVICE_ONLY: &str = "service_only";

/// `changes` as `reader` may see them.
fn for_reader(mut changes: Vec<Change>, reader: &Identity) -> Vec<Change> {
    if reader.role != Role::Service {
        for c in &mut changes {
            if let Some(map) = c.payload.as_object_mut() {
                map.remove(SERVICE_ONLY);
            }
        }
    }
    changes
}

async fn feed(
    State(state): State<FeedState>,
    identity: Identity,
    Query(q): Query<FeedQuery>,
) -> Result<Json<FeedPage>, Error> {
    identity.require_any(&[Role::Service, Role::Association])?;
    let after = q.after.unwrap_or(0);
    let limit = q.limit.unwrap_or(100);
    let wait = q.wait.unwrap_or(0);
    let mut errors = Vec::new();
    if after < 0 {
        errors.push(FieldError::new("after", "range", "after 不能为负数"));
    }
    if !(1..=1000).contains(&limit) {
        errors.push(FieldError::new("limit", "range", "limit 应在 1–1000 之间"));
    }
    if wait > MAX_WAIT_SECS {
        errors.push(FieldError::new("wait", "range", "wait 不能超过 30 秒"));
    }
    if !errors.is_empty() {
        return Err(Problem::validation(errors).into());
    }

    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait);
    let mut woken = state.notifier.subscribe();
    loop {
        let changes = read(&state.db, after, limit).await?;
        if !changes.is_empty()
            || tokio::time::Instant::now() >= deadline
            || state.stop.is_cancelled()
        {
            let head = head(&state.db).await?;
            let next_after = changes.last().map(|c| c.seq).unwrap_or(after);
            return Ok(Json(FeedPage {
                changes: for_reader(changes, &identity),
                next_after,
                head,
            }));
        }
        let nap = tokio::time::sleep_until(
            deadline.min(tokio::time::Instant::now() + state.notifier.poll_interval()),
        );
        tokio::select! {
            _ = woken.changed() => {}
            _ = nap => {}
            _ = state.stop.cancelled() => {}
        }
    }
}

/// Applies one change to a consumer's own state, inside the consumer's transaction.
///
/// Implementations must be idempotent by entity (apply "the entity is now like this"),
/// so that targets outside the transaction, such as a search index, tolerate a replay.
pub trait Apply: Send + Sync + 'static {
    fn apply<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        change: &'a Change,
    ) -> BoxFuture<'a, anyhow::Result<()>>;

    /// Called after a batch has been committed (e.g. to commit a search index).
    fn after_batch(&self) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(async { Ok(()) })
    }
}

/// How far a consumer has got; readable by `/readyz`.
#[derive(Debug, Default)]
pub struct ConsumerStatus {
    pub cursor: AtomicI64,
    pub head: AtomicI64,
    /// At least one poll has succeeded.
    pub connected: AtomicBool,
}

impl ConsumerStatus {
    /// Caught up as of the last answer from the source.
    pub fn caught_up(&self) -> bool {
        self.connected.load(Ordering::Acquire)
            && self.cursor.load(Ordering::Acquire) >= self.head.load(Ordering::Acquire)
    }
}

/// Follows another service's feed into this service's database.
pub struct Consumer<A: Apply> {
    /// The source's name, which keys the stored cursor (`catalog`, `tender`).
    pub source: String,
    /// The source's feed URL (`http://host:port/catalog/feed`).
    pub feed_url: String,
    pub db: Db,
    pub client: reqwest::Client,
    /// A service token for the source's feed.
    pub token: String,
    pub apply: A,
    pub batch: i64,
    pub wait_secs: u64,
    pub status: Arc<ConsumerStatus>,
}

impl<A: Apply> Consumer<A> {
    pub fn new(source: &str, feed_url: String, db: Db, token: String, apply: A) -> Self {
        Self {
            source: source.to_string(),
            feed_url,
            db,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(MAX_WAIT_SECS + 10))
                .build()
                .expect("building an HTTP client"),
            token,
            apply,
            batch: 200,
            wait_secs: 10,
            status: Arc::new(ConsumerStatus::default()),
        }
    }

    /// The stored cursor (0 before the first change).
    pub async fn cursor(&self) -> anyhow::Result<i64> {
        let seq: Option<i64> = sqlx::query_scalar("SELECT seq FROM feed_cursor WHERE source = $1")
            .bind(&self.source)
            .fetch_optional(&self.db.pool)
            .await
            .context("reading the feed cursor")?;
        Ok(seq.unwrap_or(0))
    }

    /// Fetches one page (long-polling up to `wait` seconds) and applies it.
    /// Returns how many changes were applied.
    pub async fn poll_once(&self, wait: u64) -> anyhow::Result<usize> {
        let after = self.cursor().await?;
        // Replicas sharing this database share the cursor: what another replica applied
        // counts as followed here too.
        self.status.cursor.fetch_max(after, Ordering::AcqRel);
        let page: FeedPage = self
            .client
            .get(&self.feed_url)
            .bearer_auth(&self.token)
            .query(&[
                ("after", after.to_string()),
                ("limit", self.batch.to_string()),
                ("wait", wait.to_string()),
            ])
            .send()
            .await
            .with_context(|| format!("reading the {} feed", self.source))?
            .error_for_status()
            .with_context(|| format!("reading the {} feed", self.source))?
            .json()
            .await
            .with_context(|| format!("decoding the {} feed", self.source))?;
        let n = self.apply_page(&page.changes).await?;
        self.status.head.store(page.head, Ordering::Release);
        self.status.connected.store(true, Ordering::Release);
        Ok(n)
    }

    /// Applies changes [`APPLY_PER_TRANSACTION`] at a time, each group in one transaction:
    /// apply them, then move the cursor to the last, then commit. A change already applied
    /// (a duplicate page after a retry, or one another replica sharing this database applied
    /// first) is skipped. One transaction a change made a follower as slow as its
    /// database's commits (PostgreSQL: ≈ 185 changes/s on the shared machine here, 30
    /// minutes for the national data set).
    pub async fn apply_page(&self, changes: &[Change]) -> anyhow::Result<usize> {
        let mut applied = 0;
        for group in changes.chunks(APPLY_PER_TRANSACTION) {
            let mut tx = self.db.pool.begin().await?;
            // Take the service's write lock first (as `WriteTx::begin` does): on SQLite a
            // transaction that reads before it writes can fail to upgrade under concurrent
            // writers; this way it waits its turn instead.
            sqlx::query("UPDATE feed_head SET seq = seq WHERE id = 1")
                .execute(&mut *tx)
                .await?;
            let cursor: Option<i64> =
                sqlx::query_scalar("SELECT seq FROM feed_cursor WHERE source = $1")
                    .bind(&self.source)
                    .fetch_optional(&mut *tx)
                    .await?;
            let mut last = None;
            for change in group {
                if cursor.is_some_and(|c| c >= change.seq) {
                    continue;
                }
                self.apply
                    .apply(&mut tx, change)
                    .await
                    .with_context(|| format!("applying {} change {}", self.source, change.seq))?;
                last = Some(change.seq);
                applied += 1;
            }
            match last {
                Some(seq) => {
                    save_cursor(&mut tx, &self.source, seq).await?;
                    tx.commit().await?;
                    self.status.cursor.fetch_max(seq, Ordering::AcqRel);
                }
                None => {
                    if let Some(c) = cursor {
                        self.status.cursor.fetch_max(c, Ordering::AcqRel);
                    }
                }
            }
        }
        if applied > 0 {
            self.apply.after_batch().await?;
        }
        Ok(applied)
    }

    /// Follows the feed until cancelled, backing off on errors.
    pub async fn run(self, cancel: CancellationToken) {
        if let Ok(c) = self.cursor().await {
            self.status.cursor.store(c, Ordering::Release);
        }
        let mut backoff = Duration::from_millis(200);
        // The first poll does not wait: a (re)started follower learns the source's head at
        // once, so it is ready as soon as it has caught up, not after a quiet long-poll.
        let mut wait = 0;
        loop {
            let step = tokio::select! {
                _ = cancel.cancelled() => return,
                r = self.poll_once(wait) => r,
            };
            if step.is_ok() {
                wait = self.wait_secs;
            }
            match step {
                Ok(_) => backoff = Duration::from_millis(200),
                Err(e) => {
                    tracing::warn!(source = %self.source, error = ?e, "feed consumer step failed; retrying");
                    tokio::select! {
                        _ = cancel.cancelled() => return,
                        _ = tokio::time::sleep(backoff) => {}
                    }
                    backoff = (backoff * 2).min(Duration::from_secs(5));
                }
            }
        }
    }
}

async fn save_cursor(conn: &mut AnyConnection, source: &str, seq: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO feed_cursor (source, seq, updated_at) VALUES ($1, $2, $3) \
         ON CONFLICT (source) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at",
    )
    .bind(source)
    .bind(seq)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}
