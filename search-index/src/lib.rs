//! wuye's search index (搜索索引): a tantivy index of firms, compounds and open tenders with a
//! Chinese analyser, one writer thread, explainable two-way matching, free-text search, bundle
//! suggestions and a seeded synthetic data generator. A pure library: no HTTP, no database —
//! the matching service feeds it from the change feeds and serves its answers.
//!
//! Writes go through [`IndexHandle`] (upserts enqueue to the writer thread; [`IndexHandle::commit`]
//! blocks until the batch is searchable and stores a payload such as feed cursors with it).
//! Reads go through a [`Snapshot`]: `match_firms`, `match_tenders`, `search`, reads by id and
//! bundle suggestions, all synchronous and cheap — call them from `spawn_blocking` in async code.
//!
//! ```text
//! let index = IndexHandle::open(IndexLocation::Dir("data/index".into()))?;
//! index.upsert_firm(&firm)?;
//! index.commit(Some("catalog=120;tender=45"))?;          // cursor stored with the commit
//! let hits = index.snapshot().match_firms(&(&tender).into(), 20, 0, &Weights::default())?;
//! ```

pub mod analyzer;
mod bits;
pub mod bundles;
mod docs;
pub mod error;
pub mod geo;
mod handle;
pub mod judged;
mod matching;
pub mod needs;
pub mod places;
pub mod rank;
pub mod schema;
mod search;
mod snapshot;
pub mod synthetic;
#[cfg(test)]
mod testdata;
#[cfg(test)]
mod tests;

pub use analyzer::analyzer;
pub use bundles::{Bundle, suggest_bundles};
pub use docs::{CompoundDoc, FirmDoc, TenderDoc};
pub use error::{IndexError, Result};
pub use handle::{IndexHandle, IndexLocation, OpenOptions};
pub use matching::{FirmMatch, FirmQuery, Hits, MAX_QUERY_TERMS, TenderMatch, TenderQuery};
pub use needs::{Need, TextReport, needs};
pub use rank::{ScorePart, Weights};
pub use schema::{DocKind, schema};
pub use search::{SearchFilters, SearchHit};
pub use snapshot::{Snapshot, cached_bytes};
