//! The tender service's shared state, handed to every handler.

use std::sync::Arc;

use axum::extract::FromRef;
use shared::auth::{Auth, TokenKeys};
use shared::db::Db;
use shared::feed::Notifier;

use crate::catalog::CatalogClient;
use crate::config::TenderPolicy;
use crate::files::FileStore;
use crate::owners::ballots::CodeLimiter;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub notifier: Notifier,
    pub keys: Arc<TokenKeys>,
    /// The keys plus this service's check of ended sessions (every `Identity` goes
    /// through it).
    pub auth: Auth,
    pub policy: Arc<TenderPolicy>,
    pub catalog: Arc<CatalogClient>,
    /// Owner-code requests per client address (表决码限流).
    pub owner_codes: Arc<CodeLimiter>,
    /// Where documents' bytes are kept (content-addressed).
    pub files: FileStore,
}

impl FromRef<AppState> for Auth {
    fn from_ref(s: &AppState) -> Self {
        s.auth.clone()
    }
}
