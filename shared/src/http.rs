//! HTTP plumbing every service shares: request ids, tracing spans, body-size limits,
//! timeouts, panics as problem documents, health and readiness, graceful shutdown.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use futures::future::BoxFuture;
use serde::Serialize;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::error::Problem;

pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

tokio::task_local! {
    static CURRENT_REQUEST_ID: String;
}

/// The id of the request being handled, when called inside one.
pub fn current_request_id() -> Option<String> {
    CURRENT_REQUEST_ID.try_with(|id| id.clone()).ok()
}

/// Passes the id of the request being handled on to a call to another service (the pages'
/// API calls, tender asking the catalog), so one id names the work in every service's logs.
pub fn forward_request_id(call: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
    match current_request_id().filter(|id| !id.is_empty()) {
        Some(id) => call.header(REQUEST_ID, id),
        None => call,
    }
}

/// The longest request id taken from a caller; a longer or odd one is replaced.
const MAX_REQUEST_ID: usize = 64;

/// A caller's `X-Request-Id` is kept (the id another service or proxy gave the work) when it
/// is short and plain (letters, digits, `-`, `_`, `.`, `:`); otherwise it is dropped and a
/// fresh one is made, so the logs never carry what a client chose to stuff in.
async fn drop_unfit_request_id(mut req: Request, next: Next) -> Response {
    let fit = req.headers().get(REQUEST_ID).is_none_or(|v| {
        let b = v.as_bytes();
        !b.is_empty()
            && b.len() <= MAX_REQUEST_ID
            && b.iter()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'.' | b':'))
    });
    if !fit {
        req.headers_mut().remove(REQUEST_ID);
    }
    next.run(req).await
}

/// Limits applied to every request.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub body_bytes: usize,
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            body_bytes: 16 * 1024 * 1024,
            // Long enough for the feed's longest long-poll.
            timeout: Duration::from_secs(60),
        }
    }
}

/// Wraps a router with the shared middleware, outermost first: request id, tracing span
/// carrying the id, panic → 500 problem, timeout → 503 problem, body limit → 413 problem.
pub fn with_middleware(router: Router, limits: Limits) -> Router {
    router
        .layer(middleware::from_fn(problem_for_plain_errors))
        .layer(RequestBodyLimitLayer::new(limits.body_bytes))
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            limits.timeout,
        ))
        .layer(CatchPanicLayer::custom(|_| {
            tracing::error!("handler panicked");
            Problem::internal().into_response()
        }))
        .layer(middleware::from_fn(request_id_scope))
        .layer(
            TraceLayer::new_for_http().make_span_with(|req: &Request<Body>| {
                let id = req
                    .headers()
                    .get(REQUEST_ID)
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("-");
                tracing::info_span!("request", request_id = %id, method = %req.method(), uri = %req.uri())
            }),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(middleware::from_fn(drop_unfit_request_id))
}

async fn request_id_scope(req: Request, next: Next) -> Response {
    let id = req
        .headers()
        .get(REQUEST_ID)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    CURRENT_REQUEST_ID.scope(id, next.run(req)).await
}

/// Turns bare error statuses from the framework (unknown route, wrong method, body too
/// large, malformed JSON, …) into problem documents, so clients see one error format.
async fn problem_for_plain_errors(req: Request, next: Next) -> Response {
    let response = next.run(req).await;
    let status = response.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return response;
    }
    // Only the framework's own bare answers (no body type, or plain text) are rewritten;
    // problem documents, pages and deliberate JSON (e.g. `/readyz`) pass through.
    let plain = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_none_or(|v| v.as_bytes().starts_with(b"text/plain"));
    if !plain {
        return add_request_id(response).await;
    }
    let detail = match axum::body::to_bytes(response.into_body(), 64 * 1024).await {
        Ok(b) if !b.is_empty() => String::from_utf8_lossy(&b).into_owned(),
        _ => String::new(),
    };
    let problem = match status {
        StatusCode::NOT_FOUND => Problem::not_found("请求的地址不存在。"),
        StatusCode::METHOD_NOT_ALLOWED => {
            Problem::new(status, "method_not_allowed", "不支持的请求方法")
        }
        StatusCode::PAYLOAD_TOO_LARGE => {
            Problem::new(status, "payload_too_large", "提交的内容过大")
                .with_detail("请求体超过了允许的大小。")
        }
        StatusCode::UNSUPPORTED_MEDIA_TYPE => {
            Problem::new(status, "unsupported_media_type", "不支持的内容类型")
                .with_detail("请以 application/json 提交。")
        }
        StatusCode::SERVICE_UNAVAILABLE => Problem::unavailable("请求处理超时，请稍后重试。"),
        s if s.is_client_error() => {
            Problem::new(s, "bad_request", "请求格式错误").with_detail(if detail.is_empty() {
                "请求无法解析。".to_string()
            } else {
                format!("请求无法解析：{detail}")
            })
        }
        _ => Problem::internal(),
    };
    add_request_id(problem.into_response()).await
}

/// Fills `request_id` in a problem body from the current request.
async fn add_request_id(response: Response) -> Response {
    let Some(id) = current_request_id() else {
        return response;
    };
    let is_problem = response
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .is_some_and(|v| v.as_bytes().starts_with(b"application/problem+json"));
    if !is_problem {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, 256 * 1024).await else {
        return Problem::internal().into_response();
    };
    let Ok(mut problem) = serde_json::from_slice::<Problem>(&bytes) else {
        return Response::from_parts(parts, Body::from(bytes));
    };
    problem.request_id = Some(id);
    let body = serde_json::to_vec(&problem).unwrap_or_else(|_| bytes.to_vec());
    parts.headers.remove(axum::http::header::CONTENT_LENGTH);
    Response::from_parts(parts, Body::from(body))
}

/// One line of a readiness report.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: String,
    pub ok: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl Check {
    pub fn ok(name: &str) -> Self {
        Self {
            name: name.into(),
            ok: true,
            detail: None,
        }
    }

    pub fn fail(name: &str, detail: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            ok: false,
            detail: Some(detail.into()),
        }
    }

    pub fn from_result(name: &str, r: anyhow::Result<bool>, what: &str) -> Self {
        match r {
            Ok(true) => Self::ok(name),
            Ok(false) => Self::fail(name, what.to_string()),
            Err(e) => Self::fail(name, format!("{e:#}")),
        }
    }
}

/// A service's readiness check.
pub type Readiness = Arc<dyn Fn() -> BoxFuture<'static, Vec<Check>> + Send + Sync>;

#[derive(Serialize)]
struct ReadyReport {
    status: &'static str,
    checks: Vec<Check>,
}

/// `GET /healthz` (alive) and `GET /readyz` (every check passes), for nesting under a prefix.
/// `/readyz` names each check with ok or failed for everyone; why a check failed (a
/// database error's text, a host name) only for a valid service or association token.
pub fn health_router(ready: Readiness, keys: Arc<crate::auth::TokenKeys>) -> Router {
    Router::new()
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(readyz))
        .with_state((ready, keys))
}

async fn readyz(
    State((ready, keys)): State<(Readiness, Arc<crate::auth::TokenKeys>)>,
    req: Request,
) -> Response {
    let (parts, _) = req.into_parts();
    let mut checks = ready().await;
    let ok = checks.iter().all(|c| c.ok);
    if !may_see_details(&parts, &keys) {
        for c in &mut checks {
            c.detail = None;
        }
    }
    let status = if ok {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        axum::Json(ReadyReport {
            status: if ok { "ready" } else { "not_ready" },
            checks,
        }),
    )
        .into_response()
}

/// Whether the caller of `/readyz` may read why a check failed (and `/metrics`): another
/// service, or the association (who runs the installation).
pub(crate) fn may_see_details(
    parts: &axum::http::request::Parts,
    keys: &crate::auth::TokenKeys,
) -> bool {
    use crate::auth::Role;
    crate::auth::token_from_parts(parts)
        .and_then(|t| keys.verify(&t).ok())
        .is_some_and(|i| matches!(i.role, Role::Service | Role::Association))
}

/// Runs all readiness checks of several services (the launcher's `/readyz`).
pub fn combine(readies: Vec<Readiness>) -> Readiness {
    Arc::new(move || {
        let futures: Vec<_> = readies.iter().map(|r| r()).collect();
        Box::pin(async move {
            futures::future::join_all(futures)
                .await
                .into_iter()
                .flatten()
                .collect()
        })
    })
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}

/// Serves until `cancel` fires, then lets in-flight requests finish.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    cancel: CancellationToken,
) -> anyhow::Result<()> {
    // The peer address is available to handlers as `ConnectInfo<SocketAddr>` (sign-in
    // throttling keys on it).
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async move { cancel.cancelled().await })
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_request_id_goes_along_to_other_services() {
        let client = reqwest::Client::new();
        let call = || client.get("http://127.0.0.1:9/");
        let inside = CURRENT_REQUEST_ID
            .scope("abc-1".to_string(), async { forward_request_id(call()) })
            .await
            .build()
            .unwrap();
        assert_eq!(inside.headers()[REQUEST_ID], "abc-1");
        let outside = forward_request_id(call()).build().unwrap();
        assert!(outside.headers().get(REQUEST_ID).is_none());
    }
}
