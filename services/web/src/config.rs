//! The pages' settings.

use std::sync::Arc;

use shared::auth::TokenKeys;
use shared::client_addr::TrustedProxies;

#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Base URL of the catalog (`http://host:port`; its API is under `/catalog`).
    pub catalog_url: String,
    /// Base URL of the tender service.
    pub tender_url: String,
    /// Base URL of the matching service.
    pub matching_url: String,
    /// The shared token keys, to read the session cookie.
    pub keys: Arc<TokenKeys>,
    /// Reverse proxies in front of the pages whose `X-Forwarded-For` names the browser
    /// (default none: the peer is the browser).
    pub trusted_proxies: TrustedProxies,
    /// Mark cookies `Secure`: the site's public URL is https.
    pub secure_cookies: bool,
}
