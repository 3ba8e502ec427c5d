//! The matching service's settings.

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
}
