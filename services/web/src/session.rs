//! Who is signed in: the catalog's token in the `wuye_session` cookie, verified locally.

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderValue, header};
use shared::auth::{Identity, SESSION_COOKIE, TokenKeys, cookie};
use shared::client_addr::ClientAddr;
use std::sync::Arc;

/// The signed-in user (if any) with the raw token to call the APIs as them.
#[derive(Debug, Clone, Default)]
pub struct Session {
    pub identity: Option<Identity>,
    pub token: Option<String>,
    /// The browser's address (see `api::forward_client`), passed on to the APIs.
    pub client_ip: Option<String>,
    /// Demo accounts exist (the layout says 演示环境); see [`crate::security::DemoMode`].
    pub demo: bool,
    /// The account's unread notifications, when asked for this page; see
    /// [`crate::security::Unread`].
    pub unread: Option<i64>,
}

impl<S> FromRequestParts<S> for Session
where
    Arc<TokenKeys>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        // Verified once per request: the first extractor (or the error pages' middleware)
        // keeps it in the request's extensions for the others.
        if let Some(session) = parts.extensions.get::<Session>() {
            return Ok(session.clone());
        }
        let keys = Arc::<TokenKeys>::from_ref(state);
        let client_ip = parts
            .extensions
            .get::<ClientAddr>()
            .and_then(|c| c.0)
            .map(|ip| ip.to_string());
        // A cookie that no longer verifies (expired, signed with an old key) is ignored:
        // the visitor is simply anonymous.
        let token = cookie(parts, SESSION_COOKIE).filter(|t| !t.is_empty());
        let identity = token.as_deref().and_then(|t| keys.verify(t).ok());
        let demo = parts
            .extensions
            .get::<crate::security::DemoMode>()
            .is_some_and(|d| d.0);
        let unread = parts
            .extensions
            .get::<crate::security::Unread>()
            .and_then(|u| u.0);
        let session = Session {
            token: identity.as_ref().and(token),
            identity,
            client_ip,
            demo,
            unread,
        };
        parts.extensions.insert(session.clone());
        Ok(session)
    }
}

/// The `Set-Cookie` value of the session (HttpOnly, SameSite=Lax, and `secure`, which is
/// `; Secure` or empty: [`crate::security::CookiePolicy::attributes`]); `max_age` 0 clears it.
pub fn session_cookie(token: &str, max_age_secs: i64, secure: &str) -> HeaderValue {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_secs}{secure}"
    ))
    .unwrap_or_else(|_| {
        HeaderValue::from_static("wuye_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0")
    })
}

/// A header pair to clear the session cookie.
pub fn clear_cookie(secure: &str) -> (header::HeaderName, HeaderValue) {
    (header::SET_COOKIE, session_cookie("", 0, secure))
}
