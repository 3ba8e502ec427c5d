//! The pages' state: the API client, the token keys to verify sessions, the officials'
//! import jobs and the cookie policy.

use std::sync::Arc;

use axum::extract::FromRef;
use shared::auth::TokenKeys;

use crate::api::Api;
use crate::jobs::ImportJobs;
use crate::security::CookiePolicy;

/// What every page handler may use (`State(app): State<WebState>`).
#[derive(Clone)]
pub struct WebState {
    pub api: Api,
    pub keys: Arc<TokenKeys>,
    /// The officials' ledger import jobs (in memory; see [`crate::jobs`]).
    pub imports: Arc<ImportJobs>,
    /// Whether cookies are `Secure`.
    pub cookies: CookiePolicy,
}

impl FromRef<WebState> for Arc<TokenKeys> {
    fn from_ref(s: &WebState) -> Self {
        s.keys.clone()
    }
}
