//! The catalog's shared state, handed to every handler.

use std::sync::Arc;

use axum::extract::FromRef;
use shared::auth::{Auth, TokenKeys};
use shared::db::Db;
use shared::feed::Notifier;

use crate::policy::CatalogPolicy;
use crate::throttle::{ApplicationLimiter, LoginLimiter, PasswordGate};

#[derive(Clone)]
pub struct AppState {
    pub db: Db,
    pub notifier: Notifier,
    pub keys: Arc<TokenKeys>,
    /// The keys plus this service's check of ended sessions (every `Identity` goes
    /// through it).
    pub auth: Auth,
    pub policy: Arc<CatalogPolicy>,
    /// Sign-in throttling (登录限流), counted in the database: shared by every replica.
    pub login_limiter: Arc<LoginLimiter>,
    /// The one gate every argon2 hash and verification goes through.
    pub passwords: Arc<PasswordGate>,
    /// Anonymous firm applications per client address.
    pub applications: Arc<ApplicationLimiter>,
    /// The session cookie is `Secure` (the public URL is https).
    pub secure_cookies: bool,
}

impl FromRef<AppState> for Auth {
    fn from_ref(s: &AppState) -> Self {
        s.auth.clone()
    }
}
