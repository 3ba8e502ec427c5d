//! Rebuilding matching from scratch **from the feeds** (从变更流重建): a fresh database and
//! an empty index follow the catalog and tender feeds from sequence 0 through the same
//! [`Follower`] and sinks as the live service, until both are caught up with the feeds'
//! heads. Everything matching holds (its tables, the index) is derived from the feeds, so
//! the result answers exactly as a service that had followed them all along.
//!
//! `wuye admin rebuild-index` runs this against feeds served from a data folder's
//! databases, then swaps the new database and index in; [`crate::index::rebuild`] is the
//! quicker re-index from matching's own tables (`--from-tables`).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use search_index::IndexHandle;
use shared::db::Db;
use shared::feed::Consumer;

use crate::follow::{Follower, Sink, Source};
use crate::index::{IndexSink, SOURCES};
use crate::replica::Tables;

/// Where the feeds are and how to read them.
#[derive(Debug, Clone)]
pub struct Feeds {
    /// `http://host:port/catalog/feed`.
    pub catalog: String,
    /// `http://host:port/tenders/feed`.
    pub tender: String,
    /// A service token the feeds accept.
    pub token: String,
}

/// Follows both feeds from 0 into `db` (freshly migrated, no cursors) and `index` (cleared
/// first). `progress(done, total)` is told after every page: changes applied so far and
/// the feeds' combined head. Returns the number of changes applied.
pub async fn from_feeds(
    db: &Db,
    index: &IndexHandle,
    feeds: &Feeds,
    progress: &mut (dyn FnMut(u64, u64) + Send),
) -> anyhow::Result<u64> {
    let cursors: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM feed_cursor")
        .fetch_one(&db.pool)
        .await?;
    anyhow::ensure!(
        cursors == 0,
        "rebuilding from the feeds needs a new matching database (this one has followed them)"
    );
    index.clear()?;
    let sinks: Vec<Arc<dyn Sink>> = vec![
        Arc::new(Tables),
        Arc::new(IndexSink::new(index.clone(), db.clone())),
    ];
    let consumers = [
        (SOURCES[0], Source::Catalog, &feeds.catalog),
        (SOURCES[1], Source::Tender, &feeds.tender),
    ]
    .map(|(name, source, url)| {
        let mut c = Consumer::new(
            name,
            url.clone(),
            db.clone(),
            feeds.token.clone(),
            Follower::new(source, sinks.clone()),
        );
        c.batch = 1000;
        c
    });
    let mut applied = 0u64;
    loop {
        let mut this_round = 0;
        for c in &consumers {
            this_round += c.poll_once(0).await?;
        }
        applied += this_round as u64;
        let (done, total) = consumers.iter().fold((0, 0), |(d, t), c| {
            (
                d + c.status.cursor.load(Ordering::Acquire).max(0) as u64,
                t + c.status.head.load(Ordering::Acquire).max(0) as u64,
            )
        });
        progress(done.min(total), total);
        if this_round == 0 && consumers.iter().all(|c| c.status.caught_up()) {
            break;
        }
    }
    // An index commit with the final cursors even when the feeds were empty.
    crate::index::commit_with_cursors(index, db).await?;
    Ok(applied)
}
