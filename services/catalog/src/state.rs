//! The catalog's shared state, handed to every handler.

use std::sync::Arc;

use axum::extract::FromRef;
use shared::auth::TokenKeys;
use shared::db::Db;
use shared::feed::Notifier;

use crate::accounts::LoginLimiter;
use crate::policy::CatalogPolicy;

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub notifier: Notifier,
    pub keys: Arc<TokenKeys>,
    pub policy: Arc<CatalogPolicy>,
    /// Sign-in throttling (登录限流), shared by every request of this process.
    pub login_limiter: Arc<LoginLimiter>,
    /// The session cookie is `Secure` (the public URL is https).
    pub secure_cookies: bool,
}

impl FromRef<AppState> for Arc<TokenKeys> {
    fn from_ref(s: &AppState) -> Self {
        s.keys.clone()
    }
}
