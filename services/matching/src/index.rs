//! The search index (搜索索引) kept from the feeds: the [`IndexSink`] maps `firm`, `compound`
//! and `tender` events onto the `search-index` documents, and commits the index after each
//! applied batch with the feed cursors as the commit's payload — in the live service at most
//! once per `[matching] index_commit_every_ms` (200 ms): a batch then only asks for a commit,
//! and [`IndexSink::commits`] commits at once when the last commit is older than that, else
//! when it becomes so (one commit for every batch in between). Each commit starts a new index
//! generation, which empties the answer cache (`crate::serving`); coalescing keeps a busy
//! feed from emptying it at every batch.
//!
//! **Crash consistency.** The tables and the cursors are committed first (in the consumer's
//! transaction), the index afterwards. If the process dies between the two, the index's
//! recorded cursors are behind the database's: [`reconcile_cursors`] (at start-up) moves the
//! database cursors back to the index's, so the feeds replay the gap (table upserts are
//! idempotent by `seq`). An index in RAM (tests) has no payload and replays from 0.
//!
//! **Daily refresh.** A firm's standing is derived from dates (a review date passing, a
//! suspension ending), so the indexed `recommended` flag can go stale without any change on
//! the feed. [`refresh_firms`] re-upserts every firm from `catalog_firm` with today's
//! standing; the service runs it at start-up and then whenever the China date changes
//! (checked every minute) — a full pass is cheap (≈ 100k firms in a few seconds).
//!
//! **Rebuild.** [`rebuild`] clears the index and re-creates it from matching's tables
//! (`catalog_firm`, `catalog_compound`, `tender_tender`), committing with the current
//! cursors: the `wuye admin rebuild-index` command.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::Context as _;
use futures::future::BoxFuture;
use search_index::{CompoundDoc, DocKind, FirmDoc, IndexHandle, TenderDoc};
use serde_json::Value;
use shared::clock::china_today;
use shared::db::Db;
use shared::domain::compound::Management;
use shared::domain::roster::{Date, FirmSnapshot};
use shared::events::catalog::Compound;
use shared::events::tender::TenderPublished;
use shared::feed::Change;
use sqlx::{AnyConnection, Row as _};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::follow::{Entity, Event, Sink};

/// The feeds whose cursors the index records.
pub const SOURCES: [&str; 2] = ["catalog", "tender"];

/// The firm document for a catalog `FirmSnapshot`, its standing taken on `today`.
pub fn firm_doc(s: &FirmSnapshot, today: Date) -> FirmDoc {
    let served = (s.capacity_households - s.households_served).max(0);
    FirmDoc {
        id: s.id.clone(),
        name: s.name.clone(),
        profile: s.profile.clone(),
        // The office's district when the office street is known, else the first served.
        district_code: s
            .office_street
            .map(|street| street.district().as_str().to_string())
            .or_else(|| s.districts_served.first().map(|d| d.as_str().to_string()))
            .unwrap_or_default(),
        street_code: s.office_street.map(|street| street.as_str().to_string()),
        lon: s.location.lon(),
        lat: s.location.lat(),
        districts_served: s
            .districts_served
            .iter()
            .map(|d| d.as_str().to_string())
            .collect(),
        service_radius_km: s
            .service_radius_km
            .clamp(0.0, search_index::geo::MAX_RADIUS_KM),
        service_models: s.service_models.clone(),
        fee_models: s
            .fee_models
            .iter()
            .map(|f| f.as_str().to_string())
            .collect(),
        grades: s.grades.iter().map(|g| g.get()).collect(),
        recommended: s.standing_record.effective(today).may_bid(),
        capacity_left: u32::try_from(served).unwrap_or(u32::MAX),
        credit_score: s.credit.score,
        satisfaction: None,
        whitelisted: s.whitelisted,
        soe: s.ownership.as_str() == "soe",
        low_profit: s.low_profit_commitment,
        old_compound_experience: 0,
    }
}

fn firm_doc_from_payload(payload: &Value, today: Date) -> anyhow::Result<FirmDoc> {
    let s: FirmSnapshot =
        serde_json::from_value(payload.clone()).context("reading a firm snapshot")?;
    Ok(firm_doc(&s, today))
}

/// What matching knows about a firm beyond its snapshot: residents' satisfaction (满意度) in
/// the compounds it serves — (满意 + 基本满意) ÷ respondents over every survey naming it —
/// and the number of old compounds it has held a contract for.
async fn firm_record(conn: &mut AnyConnection, id: &str) -> anyhow::Result<(Option<f64>, u32)> {
    let (liked, total): (Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT CAST(SUM(satisfied + basically_satisfied) AS BIGINT), \
         CAST(SUM(satisfied + basically_satisfied + dissatisfied) AS BIGINT) \
         FROM tender_satisfaction WHERE firm_id = $1",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    let satisfaction = match (liked, total) {
        (Some(l), Some(t)) if t > 0 => Some(l as f64 / t as f64),
        _ => None,
    };
    let served: i64 = sqlx::query_scalar(
        "SELECT COUNT(DISTINCT k.compound_id) FROM tender_contract k \
         JOIN catalog_compound c ON c.id = k.compound_id WHERE k.firm_id = $1 AND c.is_old",
    )
    .bind(id)
    .fetch_one(&mut *conn)
    .await?;
    Ok((satisfaction, u32::try_from(served).unwrap_or(0)))
}

/// Indexes one firm from its snapshot and matching's record of it (a payload that cannot be
/// read is logged and skipped). Returns whether it was indexed.
async fn index_firm(
    index: &IndexHandle,
    conn: &mut AnyConnection,
    id: &str,
    payload: &Value,
    today: Date,
) -> anyhow::Result<bool> {
    match firm_doc_from_payload(payload, today) {
        Ok(mut doc) => {
            (doc.satisfaction, doc.old_compound_experience) = firm_record(conn, id).await?;
            index.upsert_firm(&doc)?;
            Ok(true)
        }
        Err(problem) => {
            tracing::warn!(firm = %id, %problem, "firm not indexed");
            Ok(false)
        }
    }
}

/// Re-indexes a firm from `catalog_firm` (its contracts or surveys changed).
async fn reindex_firm(
    index: &IndexHandle,
    conn: &mut AnyConnection,
    id: &str,
) -> anyhow::Result<()> {
    let payload: Option<String> =
        sqlx::query_scalar("SELECT payload FROM catalog_firm WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    if let Some(p) = payload {
        index_firm(index, conn, id, &serde_json::from_str(&p)?, china_today()).await?;
    }
    Ok(())
}

/// The compound document for a catalog compound. A compound counts as covered (has a
/// service) unless its management is `none`; it is a bundle candidate when it is an old
/// compound whose owners are eligible and willing.
pub fn compound_doc(id: &str, c: &Compound) -> CompoundDoc {
    let f = &c.facts;
    CompoundDoc {
        id: id.to_string(),
        name: f.name.clone(),
        address: f.address.clone(),
        district_code: f.district.as_str().to_string(),
        street_code: f.street.as_str().to_string(),
        lon: f.location.lon(),
        lat: f.location.lat(),
        households: f.households.get(),
        floor_area_m2: f.floor_area_m2.get() as f64,
        management: f.management.as_str().to_string(),
        covered: f.management != Management::None,
        eligible: f.eligible_and_willing && f.is_old,
    }
}

/// The tender document for tender's published view and its compound. Only `open` tenders
/// take part in matching and search; others stay readable by id.
pub fn tender_doc(id: &str, t: &TenderPublished, compound: &Compound) -> TenderDoc {
    let c = &compound.facts;
    TenderDoc {
        id: id.to_string(),
        compound_id: t.compound_id.clone(),
        compound_name: if t.compound_name.is_empty() {
            c.name.clone()
        } else {
            t.compound_name.clone()
        },
        needs: format!("{} {}", t.title, t.needs),
        district_code: c.district.as_str().to_string(),
        street_code: c.street.as_str().to_string(),
        lon: c.location.lon(),
        lat: c.location.lat(),
        households: c.households.get(),
        floor_area_m2: c.floor_area_m2.get() as f64,
        service_model: t.service_model.clone(),
        fee_model: t.fee_model.clone(),
        grade: u8::try_from(t.grade.clamp(1, 5)).unwrap_or(1),
        budget_fen_per_m2_month: t.proposed_fee,
        open: t.status == "open",
    }
}

/// The compound as matching's table keeps it (the catalog's payload), if it is known and
/// readable.
pub async fn stored_compound(
    conn: &mut AnyConnection,
    id: &str,
) -> anyhow::Result<Option<Compound>> {
    let row: Option<String> =
        sqlx::query_scalar("SELECT payload FROM catalog_compound WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
    Ok(match row {
        Some(p) => match serde_json::from_str::<Compound>(&p) {
            Ok(c) => Some(c),
            Err(problem) => {
                tracing::warn!(compound = id, %problem, "stored compound unreadable");
                None
            }
        },
        None => None,
    })
}

/// Indexes (or un-indexes) one tender from its published view and the compound table.
async fn index_tender(
    index: &IndexHandle,
    conn: &mut AnyConnection,
    id: &str,
    tender: &TenderPublished,
) -> anyhow::Result<()> {
    match stored_compound(conn, &tender.compound_id).await? {
        Some(compound) => index.upsert_tender(&tender_doc(id, tender, &compound))?,
        // Indexed once the compound arrives on the catalog feed.
        None => index.delete(DocKind::Tender, id)?,
    }
    Ok(())
}

/// Indexes one tender from its payload as stored in `tender_tender` (unreadable: removed
/// from the index, logged).
async fn index_stored_tender(
    index: &IndexHandle,
    conn: &mut AnyConnection,
    id: &str,
    payload: &str,
) -> anyhow::Result<()> {
    match serde_json::from_str::<TenderPublished>(payload) {
        Ok(tender) => index_tender(index, conn, id, &tender).await,
        Err(problem) => {
            tracing::warn!(tender = id, %problem, "tender not indexed");
            index.delete(DocKind::Tender, id)?;
            Ok(())
        }
    }
}

/// Re-indexes the tenders of a compound (its place or size changed, or it just arrived).
async fn index_tenders_of(
    index: &IndexHandle,
    conn: &mut AnyConnection,
    compound_id: &str,
) -> anyhow::Result<()> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT id, payload FROM tender_tender WHERE compound_id = $1")
            .bind(compound_id)
            .fetch_all(&mut *conn)
            .await?;
    for (id, payload) in rows {
        index_stored_tender(index, conn, &id, &payload).await?;
    }
    Ok(())
}

/// Re-indexes the firms that held a contract at a compound: their old-compound experience
/// counts the compound only once matching knows it is old, and the two feeds arrive in no
/// fixed order (a contract can be read before its compound).
async fn reindex_firms_serving(
    index: &IndexHandle,
    conn: &mut AnyConnection,
    compound_id: &str,
) -> anyhow::Result<()> {
    let firms: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT firm_id FROM tender_contract WHERE compound_id = $1")
            .bind(compound_id)
            .fetch_all(&mut *conn)
            .await?;
    for firm in firms {
        reindex_firm(index, conn, &firm).await?;
    }
    Ok(())
}

/// The sink that keeps the search index; runs after [`crate::replica::Tables`] in the same
/// transaction, so the compound table it reads is current.
#[derive(Clone)]
pub struct IndexSink {
    index: IndexHandle,
    db: Db,
    /// `None`: commit after every batch, before the next one is read.
    coalesce: Option<Arc<Coalesce>>,
}

/// Commits asked for by batches and not yet made.
struct Coalesce {
    every: Duration,
    pending: Notify,
    dirty: AtomicBool,
    /// Held while deciding on and making a commit, so [`IndexSink::flush`] returns only after
    /// a commit in flight has finished.
    committing: tokio::sync::Mutex<()>,
}

impl IndexSink {
    /// Commits after every batch (rebuilds: the next batch waits for the commit).
    pub fn new(index: IndexHandle, db: Db) -> Self {
        Self {
            index,
            db,
            coalesce: None,
        }
    }

    /// Commits at most once per `every` (a zero `every` commits after every batch), through
    /// [`IndexSink::commits`], which the service runs.
    pub fn coalescing(index: IndexHandle, db: Db, every: Duration) -> Self {
        Self {
            index,
            db,
            coalesce: (!every.is_zero()).then(|| {
                Arc::new(Coalesce {
                    every,
                    pending: Notify::new(),
                    dirty: AtomicBool::new(false),
                    committing: tokio::sync::Mutex::new(()),
                })
            }),
        }
    }

    /// The index this sink feeds.
    pub fn handle(&self) -> &IndexHandle {
        &self.index
    }

    /// Makes the commit batches asked for now, if any (and waits for one in flight): for a
    /// reader that needs every applied batch in the index.
    pub async fn flush(&self) -> anyhow::Result<()> {
        let Some(c) = &self.coalesce else {
            return Ok(());
        };
        let _committing = c.committing.lock().await;
        if c.dirty.swap(false, Ordering::AcqRel) {
            commit_with_cursors(&self.index, &self.db).await?;
        }
        Ok(())
    }

    /// The committer of a coalescing sink (returns at once for one that is not): commits when
    /// a batch asked for it, then lets at least `every` pass before the next commit. Stops
    /// when `cancel` fires, committing what was asked for (a commit lost to a crash is
    /// replayed from the feeds at start-up, see the crash consistency above).
    pub fn commits(&self, cancel: CancellationToken) -> impl Future<Output = ()> + Send + 'static {
        let (index, db, coalesce) = (self.index.clone(), self.db.clone(), self.coalesce.clone());
        async move {
            let Some(c) = coalesce else { return };
            loop {
                tokio::select! {
                    () = cancel.cancelled() => break,
                    () = c.pending.notified() => {}
                }
                let committing = c.committing.lock().await;
                if c.dirty.swap(false, Ordering::AcqRel)
                    && let Err(e) = commit_with_cursors(&index, &db).await
                {
                    tracing::warn!(error = %e, "search index: commit failed, retrying");
                    c.dirty.store(true, Ordering::Release);
                    c.pending.notify_one();
                }
                drop(committing);
                tokio::select! {
                    () = cancel.cancelled() => break,
                    () = tokio::time::sleep(c.every) => {}
                }
            }
            if c.dirty.swap(false, Ordering::AcqRel) {
                let _ = commit_with_cursors(&index, &db).await;
            }
        }
    }
}

impl Sink for IndexSink {
    fn apply<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        _change: &'a Change,
        event: &'a Event,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            let index = &self.index;
            match event {
                Event::Firm(f) => {
                    index_firm(index, conn, &f.id, &f.payload, china_today()).await?;
                }
                Event::Contract(k) => reindex_firm(index, conn, &k.firm_id).await?,
                Event::Satisfaction(s) => {
                    if let Some(firm) = &s.firm_id {
                        reindex_firm(index, conn, firm).await?;
                    }
                }
                Event::Compound(c) => {
                    index.upsert_compound(&compound_doc(&c.id, &c.compound))?;
                    index_tenders_of(index, conn, &c.id).await?;
                    reindex_firms_serving(index, conn, &c.id).await?;
                }
                Event::Tender(t) => index_tender(index, conn, &t.id, &t.tender).await?,
                Event::Removed { entity, id } => match entity {
                    Entity::Firm => index.delete(DocKind::Firm, id)?,
                    Entity::Compound => {
                        index.delete(DocKind::Compound, id)?;
                        index_tenders_of(index, conn, id).await?;
                        reindex_firms_serving(index, conn, id).await?;
                    }
                    Entity::Tender => index.delete(DocKind::Tender, id)?,
                    Entity::Contract
                    | Entity::Satisfaction
                    | Entity::WorkPlan
                    | Entity::Vote
                    | Entity::Inspection
                    | Entity::Subsidy
                    | Entity::FundMonth => {}
                },
                Event::Place
                | Event::WorkPlan(_)
                | Event::Vote(_)
                | Event::Inspection(_)
                | Event::Subsidy(_)
                | Event::FundMonth(_)
                | Event::Ignored => {}
            }
            Ok(())
        })
    }

    fn after_batch(&self) -> BoxFuture<'_, anyhow::Result<()>> {
        Box::pin(async move {
            match &self.coalesce {
                None => commit_with_cursors(&self.index, &self.db).await,
                Some(c) => {
                    c.dirty.store(true, Ordering::Release);
                    c.pending.notify_one();
                    Ok(())
                }
            }
        })
    }
}

/// The index as gauges: live documents per kind (`index_documents{kind}`) and the
/// generation searches read (`index_generation`).
pub fn watch(metrics: &shared::metrics::Metrics, index: &IndexHandle) {
    let index = index.clone();
    metrics.probe(std::sync::Arc::new(move |m| {
        let snapshot = index.snapshot();
        for kind in DocKind::ALL {
            let docs = i64::try_from(snapshot.count(kind)).unwrap_or(i64::MAX);
            m.set("index_documents", &[("kind", kind.as_str())], docs);
        }
        let generation = i64::try_from(snapshot.generation()).unwrap_or(i64::MAX);
        m.set("index_generation", &[], generation);
        Box::pin(async {})
    }));
}

/// The stored cursors of the followed feeds.
pub async fn db_cursors(db: &Db) -> anyhow::Result<BTreeMap<String, i64>> {
    let rows = sqlx::query("SELECT source, seq FROM feed_cursor")
        .fetch_all(&db.pool)
        .await?;
    let mut out = BTreeMap::new();
    for row in rows {
        out.insert(row.try_get::<String, _>(0)?, row.try_get::<i64, _>(1)?);
    }
    Ok(out)
}

/// `catalog=120;tender=45`.
pub fn format_cursors(cursors: &BTreeMap<String, i64>) -> String {
    cursors
        .iter()
        .map(|(s, c)| format!("{s}={c}"))
        .collect::<Vec<_>>()
        .join(";")
}

/// Reads [`format_cursors`]'s output; a missing or unreadable payload records nothing.
pub fn parse_cursors(payload: Option<&str>) -> BTreeMap<String, i64> {
    payload
        .unwrap_or_default()
        .split(';')
        .filter_map(|part| {
            let (s, c) = part.split_once('=')?;
            Some((s.trim().to_string(), c.trim().parse().ok()?))
        })
        .collect()
}

/// Commits the index with the database's cursors as payload. Every change at or below a
/// stored cursor was applied (enqueued) before its transaction committed, so it is part of
/// this commit.
pub async fn commit_with_cursors(index: &IndexHandle, db: &Db) -> anyhow::Result<()> {
    let payload = format_cursors(&db_cursors(db).await?);
    let index = index.clone();
    tokio::task::spawn_blocking(move || index.commit(Some(&payload))).await??;
    Ok(())
}

/// At start-up, before the followers run: moves each database cursor that is ahead of the
/// index's recorded one back to it, so the feeds replay what the index missed.
pub async fn reconcile_cursors(index: &IndexHandle, db: &Db) -> anyhow::Result<()> {
    let recorded = parse_cursors(index.last_commit_payload().as_deref());
    for source in SOURCES {
        let at = recorded.get(source).copied().unwrap_or(0);
        let moved = sqlx::query("UPDATE feed_cursor SET seq = $1 WHERE source = $2 AND seq > $1")
            .bind(at)
            .bind(source)
            .execute(&db.pool)
            .await?
            .rows_affected();
        if moved > 0 {
            tracing::info!(
                source,
                at,
                "index behind the database: feed replays from the index's cursor"
            );
        }
    }
    Ok(())
}

/// Re-upserts every firm from `catalog_firm` with its standing on `today` and commits
/// (keeping the recorded cursors). Returns how many firms were indexed.
pub async fn refresh_firms(index: &IndexHandle, db: &Db, today: Date) -> anyhow::Result<u64> {
    let n = upsert_firms(index, db, today, &mut |_| {}).await?;
    let index = index.clone();
    tokio::task::spawn_blocking(move || index.commit(None)).await??;
    Ok(n)
}

async fn upsert_firms(
    index: &IndexHandle,
    db: &Db,
    today: Date,
    progress: &mut (dyn FnMut(u64) + Send),
) -> anyhow::Result<u64> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT id, payload FROM catalog_firm")
        .fetch_all(&db.pool)
        .await?;
    let mut conn = db.pool.acquire().await?;
    let mut n = 0;
    for (id, payload) in rows {
        if index_firm(
            index,
            &mut conn,
            &id,
            &serde_json::from_str(&payload)?,
            today,
        )
        .await?
        {
            n += 1;
        }
        progress(1);
    }
    Ok(n)
}

/// Rows a [`rebuild`] will read (for a progress bar).
pub async fn rebuild_size(db: &Db) -> anyhow::Result<u64> {
    let mut total = 0;
    for table in ["catalog_firm", "catalog_compound", "tender_tender"] {
        let n: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&db.pool)
                .await?;
        total += u64::try_from(n).unwrap_or(0);
    }
    Ok(total)
}

/// Clears the index and rebuilds it from matching's tables, then commits with the current
/// cursors. `progress` is told of every row read.
pub async fn rebuild(
    index: &IndexHandle,
    db: &Db,
    progress: &mut (dyn FnMut(u64) + Send),
) -> anyhow::Result<()> {
    let cursors = format_cursors(&db_cursors(db).await?);
    index.clear()?;
    upsert_firms(index, db, china_today(), progress).await?;
    let compounds: Vec<(String, String)> =
        sqlx::query_as("SELECT id, payload FROM catalog_compound")
            .fetch_all(&db.pool)
            .await?;
    for (id, payload) in compounds {
        match serde_json::from_str::<Compound>(&payload) {
            Ok(c) => index.upsert_compound(&compound_doc(&id, &c))?,
            Err(problem) => tracing::warn!(compound = %id, %problem, "compound not indexed"),
        }
        progress(1);
    }
    let tenders: Vec<(String, String)> = sqlx::query_as("SELECT id, payload FROM tender_tender")
        .fetch_all(&db.pool)
        .await?;
    let mut conn = db.pool.acquire().await?;
    for (id, payload) in tenders {
        index_stored_tender(index, &mut conn, &id, &payload).await?;
        progress(1);
    }
    drop(conn);
    let index = index.clone();
    tokio::task::spawn_blocking(move || index.commit(Some(&cursors))).await??;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip() {
        let mut c = BTreeMap::new();
        c.insert("catalog".to_string(), 120);
        c.insert("tender".to_string(), 45);
        assert_eq!(format_cursors(&c), "catalog=120;tender=45");
        assert_eq!(parse_cursors(Some("catalog=120;tender=45")), c);
        assert!(parse_cursors(None).is_empty());
        assert!(parse_cursors(Some("garbage")).is_empty());
    }
}
