//! What every page response carries for the browser's protection, the two small scripts as
//! files (so the content security policy allows no inline script), and whether to show the
//! 演示环境 banner.
//!
//! | header | value | why |
//! | --- | --- | --- |
//! | `Content-Security-Policy` | [`CONTENT_SECURITY_POLICY`] | scripts only from this site's files, no plugins, forms post only here, never framed |
//! | `X-Frame-Options` | `DENY` | no framing (clickjacking) in browsers without `frame-ancestors` |
//! | `X-Content-Type-Options` | `nosniff` | an upload is never run as a script or style |
//! | `Referrer-Policy` | `same-origin` | page addresses (ids, filters) do not leak to other sites |
//!
//! Inline styles stay allowed (`style-src 'unsafe-inline'`): the templates and the SVG
//! charts use `style` attributes, and askama escapes everything interpolated into them.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::api::Api;

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'self'; script-src 'self'; \
     style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Middleware: the security headers on every response of the pages.
pub async fn headers(req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let h = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
    ] {
        h.insert(name, HeaderValue::from_static(value));
    }
    response
}

/// `/static/…`: the countdown scripts the templates load (never inline).
pub fn static_routes<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route(
            "/static/countdown.js",
            get(|| async { script(include_str!("../static/countdown.js")) }),
        )
        .route(
            "/static/bid-countdown.js",
            get(|| async { script(include_str!("../static/bid-countdown.js")) }),
        )
}

fn script(body: &'static str) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/javascript; charset=utf-8"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=3600"),
            ),
        ],
        body,
    )
        .into_response()
}

/// Whether `Set-Cookie` values get `; Secure`: the configured public URL is https, or a
/// reverse proxy says the request came over https (`X-Forwarded-Proto`; a forged one only
/// makes the client's own cookie stricter).
#[derive(Debug, Clone, Copy, Default)]
pub struct CookiePolicy {
    pub secure_site: bool,
}

impl CookiePolicy {
    pub fn attributes(self, request_headers: &axum::http::HeaderMap) -> &'static str {
        let forwarded = request_headers
            .get(HeaderName::from_static("x-forwarded-proto"))
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
        if self.secure_site || forwarded {
            "; Secure"
        } else {
            ""
        }
    }
}

/// Whether the catalog still has demo accounts (their password is public), asked at most
/// every [`DemoStatus::FRESH_FOR`]; the answer goes into each request's extensions as
/// [`DemoMode`] for the layout's banner.
#[derive(Debug, Default)]
pub struct DemoStatus {
    last: Mutex<Option<(Instant, bool)>>,
}

/// The request's answer from [`DemoStatus`].
#[derive(Debug, Clone, Copy, Default)]
pub struct DemoMode(pub bool);

impl DemoStatus {
    pub const FRESH_FOR: Duration = Duration::from_secs(5);

    async fn get(&self, api: &Api) -> bool {
        let cached = *self.last.lock().unwrap_or_else(|e| e.into_inner());
        if let Some((at, demo)) = cached
            && at.elapsed() < Self::FRESH_FOR
        {
            return demo;
        }
        #[derive(Debug, serde::Deserialize)]
        struct Answer {
            demo_accounts: bool,
        }
        // When the catalog does not answer (soon), the last answer stands (at first: no
        // banner) until the next try, so a slow catalog does not slow every page.
        let asked = tokio::time::timeout(
            Duration::from_secs(2),
            api.catalog_get::<Answer>("/catalog/demo", None),
        )
        .await;
        let demo = match asked {
            Ok(Ok(a)) => a.demo_accounts,
            failed => {
                tracing::warn!(?failed, "asking the catalog whether demo accounts exist");
                cached.is_some_and(|(_, d)| d)
            }
        };
        *self.last.lock().unwrap_or_else(|e| e.into_inner()) = Some((Instant::now(), demo));
        demo
    }
}

/// Middleware: puts [`DemoMode`] into the request for the pages.
pub async fn demo_mode(
    State((status, api)): State<(Arc<DemoStatus>, Api)>,
    mut req: Request,
    next: Next,
) -> Response {
    let demo = status.get(&api).await;
    req.extensions_mut().insert(DemoMode(demo));
    next.run(req).await
}

/// The signed-in account's unread notifications, for the navigation (`None`: not signed in,
/// not a page read, or matching did not answer in time).
#[derive(Debug, Clone, Copy, Default)]
pub struct Unread(pub Option<i64>);

/// How long a page waits for the unread count before it renders without one.
pub const UNREAD_WITHIN: Duration = Duration::from_millis(300);

/// Middleware: on a page read (`GET`) by a signed-in account, asks matching for the
/// account's unread count (one call, bounded by [`UNREAD_WITHIN`]) and puts [`Unread`] into
/// the request for the layout.
pub async fn unread_count(
    State((keys, api)): State<(Arc<shared::auth::TokenKeys>, Api)>,
    mut req: Request,
    next: Next,
) -> Response {
    let mut unread = None;
    // The session cookie, verified here without the `Session` extractor (which keeps the
    // first answer for the request, and must see this one).
    let token = if req.method() == axum::http::Method::GET {
        let (parts, body) = req.into_parts();
        let token = shared::auth::cookie(&parts, shared::auth::SESSION_COOKIE)
            .filter(|t| !t.is_empty() && keys.verify(t).is_ok());
        req = Request::from_parts(parts, body);
        token
    } else {
        None
    };
    if let Some(token) = token {
        #[derive(Debug, serde::Deserialize)]
        struct Answer {
            unread: i64,
        }
        let url = format!("{}/match/inbox/unread-count", api.matching);
        match tokio::time::timeout(UNREAD_WITHIN, api.get::<Answer>(&url, Some(&token))).await {
            Ok(Ok(a)) => unread = Some(a.unread),
            Ok(Err(e)) => tracing::debug!(error = %e.message(), "no unread count"),
            Err(_) => tracing::warn!("matching did not answer the unread count in time"),
        }
    }
    req.extensions_mut().insert(Unread(unread));
    next.run(req).await
}
