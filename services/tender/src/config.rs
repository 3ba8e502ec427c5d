//! The tender service's settings.

use std::sync::Arc;

use shared::auth::TokenKeys;
use shared::http::Limits;

#[derive(Debug, Clone)]
pub struct TenderConfig {
    /// `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// Base URL of the catalog service, e.g. `http://127.0.0.1:8080` (its API is under `/catalog`).
    pub catalog_url: String,
    pub keys: Arc<TokenKeys>,
    pub limits: Limits,
}
