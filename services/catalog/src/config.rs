//! The catalog's settings.

use std::sync::Arc;

use shared::auth::TokenKeys;
use shared::http::Limits;

use crate::policy::CatalogPolicy;
use crate::throttle::ThrottleConfig;

/// What the catalog needs to start.
#[derive(Debug, Clone)]
pub struct CatalogConfig {
    /// `sqlite://…` or `postgres://…`.
    pub database_url: String,
    pub keys: Arc<TokenKeys>,
    pub limits: Limits,
    pub policy: CatalogPolicy,
    /// Trusted proxies, the argon2 gate and the anonymous application window.
    pub throttle: ThrottleConfig,
    /// Mark the session cookie `Secure`: the site's public URL is https.
    pub secure_cookies: bool,
}
