//! The catalog's settings.

use std::sync::Arc;

use shared::auth::TokenKeys;
use shared::http::Limits;

/// What the catalog needs to start.
#[derive(Debug, Clone)]
pub struct CatalogConfig {
    /// `sqlite://…` or `postgres://…`.
    pub database_url: String,
    pub keys: Arc<TokenKeys>,
    pub limits: Limits,
}
