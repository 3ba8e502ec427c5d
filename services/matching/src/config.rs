//! The matching service's settings.

use std::path::PathBuf;
use std::sync::Arc;

use shared::auth::TokenKeys;
use shared::http::Limits;

#[derive(Debug, Clone)]
pub struct MatchingConfig {
    /// `sqlite://…` or `postgres://…`: feed cursors and the copies matching keeps.
    pub database_url: String,
    /// Base URL of the catalog service (its API is under `/catalog`).
    pub catalog_url: String,
    /// Base URL of the tender service (its API is under `/tenders`).
    pub tender_url: String,
    pub keys: Arc<TokenKeys>,
    pub limits: Limits,
    /// Where the search index lives; `None` keeps it in RAM (tests), rebuilt from the feeds
    /// at every start. `wuye up` uses `<data>/index`.
    pub index_dir: Option<PathBuf>,
}
