//! The matching service's shared state, handed to every handler.

use std::sync::Arc;

use axum::extract::FromRef;
use search_index::IndexHandle;
use shared::auth::{Auth, TokenKeys};
use shared::db::Db;
use shared::feed::Notifier;

use crate::policy::MatchingPolicy;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub notifier: Notifier,
    pub keys: Arc<TokenKeys>,
    /// The keys plus this service's check of ended sessions (every `Identity` goes
    /// through it).
    pub auth: Auth,
    /// Coverage targets and the other configurable rules.
    pub policy: Arc<MatchingPolicy>,
    /// The search index the feeds keep current.
    pub index: IndexHandle,
    /// The city's coverage history, read from the tables as they grow.
    pub coverage: crate::live_coverage::LiveHistory,
    /// The search threads every index read runs on.
    pub pool: Arc<crate::serving::SearchPool>,
    /// Rendered answers of the current index generation.
    pub answers: Arc<crate::serving::AnswerCache>,
}

impl FromRef<AppState> for Auth {
    fn from_ref(s: &AppState) -> Self {
        s.auth.clone()
    }
}
