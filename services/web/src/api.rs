//! A client of the services' JSON APIs that acts as the signed-in user.
//!
//! Every call made while handling a browser's request carries that browser's address in
//! `X-Forwarded-For` (the web is a trusted proxy of the APIs, which throttle sign-ins and
//! applications per client): [`forward_client`] resolves the address once per request and
//! [`Api::call`] reads it. Work spawned off the request (an import job) runs without it.

use std::net::IpAddr;
use std::sync::Arc;

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::Response;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;
use serde_json::Value;
use shared::client_addr::{ClientAddr, TrustedProxies};
use shared::error::Problem;

/// What a path segment keeps as is: RFC 3986's unreserved characters; everything else
/// (`/`, `?`, `#`, `%`, `\\`, spaces, non-ASCII …) is percent-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// An API path (`/tenders/{id}/bids`) built from segments, each percent-encoded, so an id
/// taken from a page's URL or an API answer names one segment and nothing else: it cannot
/// add a segment (`a/../../catalog/accounts`), a query (`x?y`) or a fragment (`x#z`). A
/// segment that is empty, `.` or `..` (which URL parsers resolve, even percent-encoded)
/// becomes `~`, which names nothing, so the API answers 404.
///
/// `path(&["catalog", "firms", id])` → `/catalog/firms/…`.
pub fn path(segments: &[&str]) -> String {
    let mut out = String::new();
    for s in segments {
        out.push('/');
        match *s {
            "" | "." | ".." => out.push('~'),
            s => out.extend(utf8_percent_encode(s, SEGMENT)),
        }
    }
    out
}

/// A query string (`firm=…&limit=50`, without `?`) with every value form-encoded.
pub fn query(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// What an API call can answer besides success.
#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// The service refused (a problem document: validation, 401, 403, 404, 409, 429 …).
    #[error("the service answered {status}")]
    Refused {
        status: StatusCode,
        problem: Box<Problem>,
        retry_after: Option<String>,
    },
    /// The service could not be reached or answered something unreadable.
    #[error(transparent)]
    Unavailable(#[from] anyhow::Error),
}

impl ApiError {
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            ApiError::Refused { status, .. } => Some(*status),
            ApiError::Unavailable(_) => None,
        }
    }

    /// The message for people: the problem's detail, or its title.
    pub fn message(&self) -> String {
        match self {
            ApiError::Refused { problem, .. } => problem
                .detail
                .clone()
                .unwrap_or_else(|| problem.title.clone()),
            ApiError::Unavailable(_) => "服务暂时不可用，请稍后再试。".into(),
        }
    }
}

/// The APIs, called with the user's token (or anonymously).
#[derive(Debug, Clone)]
pub struct Api {
    pub http: reqwest::Client,
    pub catalog: String,
    pub tender: String,
    pub matching: String,
}

impl Api {
    pub fn new(catalog: &str, tender: &str, matching: &str) -> Self {
        let trim = |s: &str| s.trim_end_matches('/').to_string();
        Self {
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(20))
                .build()
                .expect("building an HTTP client"),
            catalog: trim(catalog),
            tender: trim(tender),
            matching: trim(matching),
        }
    }

    /// `GET` on the catalog (`path` starts with `/catalog`; build it with [`path`]).
    pub async fn catalog_get<T: DeserializeOwned>(
        &self,
        path: &str,
        token: Option<&str>,
    ) -> Result<T, ApiError> {
        self.call(
            Method::GET,
            &format!("{}{path}", self.catalog),
            token,
            None,
            None,
        )
        .await
    }

    /// `GET` any absolute URL (`format!("{}/tenders/…", api.tender)`) as the user.
    pub async fn get<T: DeserializeOwned>(
        &self,
        url: &str,
        token: Option<&str>,
    ) -> Result<T, ApiError> {
        self.call(Method::GET, url, token, None, None).await
    }

    /// A write (`POST`, `PUT`, `PATCH`, `DELETE`) with a JSON body as the user.
    pub async fn send<T: DeserializeOwned>(
        &self,
        method: Method,
        url: &str,
        token: Option<&str>,
        body: &Value,
    ) -> Result<T, ApiError> {
        self.call(method, url, token, Some(body), None).await
    }

    /// Any call; `client_ip` (else the address of the browser whose request is being
    /// handled) is passed on as `X-Forwarded-For`.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        url: &str,
        token: Option<&str>,
        body: Option<&Value>,
        client_ip: Option<&str>,
    ) -> Result<T, ApiError> {
        // The page's request id goes along, so the API's logs carry it too.
        let mut req = shared::http::forward_request_id(self.http.request(method, url));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let ip = client_ip
            .map(str::to_string)
            .or_else(|| current_client().map(|ip| ip.to_string()));
        if let Some(ip) = ip {
            req = req.header("x-forwarded-for", ip);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req
            .send()
            .await
            .map_err(|e| anyhow::Error::new(e).context(format!("calling {url}")))?;
        let status = res.status();
        let retry_after = res
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        let bytes = res
            .bytes()
            .await
            .map_err(|e| anyhow::Error::new(e).context(format!("reading {url}")))?;
        if status.is_success() {
            let body = if bytes.is_empty() {
                &b"null"[..]
            } else {
                &bytes[..]
            };
            return serde_json::from_slice(body).map_err(|e| {
                ApiError::Unavailable(anyhow::Error::new(e).context(format!("decoding {url}")))
            });
        }
        Err(refusal(url, status, &bytes, retry_after))
    }

    /// `POST` raw bytes of `content_type` (a file to import) as the user.
    pub async fn post_bytes<T: DeserializeOwned>(
        &self,
        url: &str,
        token: &str,
        content_type: &str,
        bytes: Vec<u8>,
    ) -> Result<T, ApiError> {
        let req = shared::http::forward_request_id(self.http.post(url))
            .bearer_auth(token)
            .header(reqwest::header::CONTENT_TYPE, content_type)
            .body(bytes);
        let res = req
            .send()
            .await
            .map_err(|e| anyhow::Error::new(e).context(format!("calling {url}")))?;
        let status = res.status();
        let bytes = res
            .bytes()
            .await
            .map_err(|e| anyhow::Error::new(e).context(format!("reading {url}")))?;
        if status.is_success() {
            return serde_json::from_slice(&bytes).map_err(|e| {
                ApiError::Unavailable(anyhow::Error::new(e).context(format!("decoding {url}")))
            });
        }
        Err(refusal(url, status, &bytes, None))
    }

    /// `POST` a JSON body (no token) to an endpoint that answers a file: its type, its
    /// `Content-Disposition` and its bytes (small files: at most the API's upload limit).
    pub async fn post_for_file(&self, url: &str, body: &Value) -> Result<FileAnswer, ApiError> {
        let mut req = shared::http::forward_request_id(self.http.post(url)).json(body);
        if let Some(ip) = current_client() {
            req = req.header("x-forwarded-for", ip.to_string());
        }
        let res = req
            .send()
            .await
            .map_err(|e| anyhow::Error::new(e).context(format!("calling {url}")))?;
        let status = res.status();
        let header = |name: reqwest::header::HeaderName| {
            res.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header(reqwest::header::CONTENT_TYPE).unwrap_or_default();
        let disposition = header(reqwest::header::CONTENT_DISPOSITION);
        let retry_after = header(reqwest::header::RETRY_AFTER);
        let bytes = res
            .bytes()
            .await
            .map_err(|e| anyhow::Error::new(e).context(format!("reading {url}")))?;
        if status.is_success() {
            return Ok(FileAnswer {
                content_type,
                disposition,
                bytes,
            });
        }
        Err(refusal(url, status, &bytes, retry_after))
    }
}

/// A file an API answered.
#[derive(Debug, Clone)]
pub struct FileAnswer {
    pub content_type: String,
    pub disposition: Option<String>,
    pub bytes: axum::body::Bytes,
}

/// A failed answer: the problem document it carried, or unavailable.
fn refusal(url: &str, status: StatusCode, bytes: &[u8], retry_after: Option<String>) -> ApiError {
    match serde_json::from_slice::<Problem>(bytes) {
        Ok(problem) => ApiError::Refused {
            status,
            problem: Box::new(problem),
            retry_after,
        },
        Err(_) => ApiError::Unavailable(anyhow::anyhow!(
            "{url} answered {status} without a problem document"
        )),
    }
}

tokio::task_local! {
    static CLIENT: Option<IpAddr>;
}

/// The address of the browser whose request is being handled, if any.
pub fn current_client() -> Option<IpAddr> {
    CLIENT.try_with(|ip| *ip).ok().flatten()
}

/// Middleware (`from_fn_with_state(Arc<TrustedProxies>, forward_client)`): resolves the
/// browser's address (believing `X-Forwarded-For` only from the pages' own trusted
/// proxies), records it as a [`ClientAddr`] extension and handles the request with it in
/// scope, so every API call made for the request forwards it.
pub async fn forward_client(
    State(trusted): State<Arc<TrustedProxies>>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip());
    let addr = shared::client_addr::resolve(peer, req.headers(), &trusted);
    req.extensions_mut().insert(ClientAddr(addr));
    CLIENT.scope(addr, next.run(req)).await
}

#[cfg(test)]
mod tests {
    use super::{path, query};

    #[test]
    fn an_id_is_one_segment_and_nothing_else() {
        assert_eq!(path(&["catalog", "firms", "f-1"]), "/catalog/firms/f-1");
        assert_eq!(
            path(&["catalog", "firms", "a/../../catalog/accounts"]),
            "/catalog/firms/a%2F..%2F..%2Fcatalog%2Faccounts"
        );
        assert_eq!(path(&["tenders", "x?y#z"]), "/tenders/x%3Fy%23z");
        assert_eq!(
            path(&["tenders", "%2e%2e", "bids"]),
            "/tenders/%252e%252e/bids"
        );
        assert_eq!(path(&["tenders", "..", "bids"]), "/tenders/~/bids");
        assert_eq!(path(&["tenders", ".", "bids"]), "/tenders/~/bids");
        assert_eq!(path(&["tenders", "", "bids"]), "/tenders/~/bids");
        assert_eq!(
            path(&["roster", "锦江 1"]),
            "/roster/%E9%94%A6%E6%B1%9F%201"
        );
    }

    #[test]
    fn every_built_path_parses_to_itself() {
        // What reqwest sends is what `url` makes of the string: no segment may be resolved
        // away or turn into a query or fragment.
        for id in [
            "..", ".", "%2e%2e", ".%2E", "a/../b", "x?y#z", "\\..\\", "a b", "\t", "/",
        ] {
            let built = format!("http://127.0.0.1:1{}", path(&["tenders", id, "bids"]));
            let url = reqwest::Url::parse(&built).unwrap();
            assert_eq!(url.as_str(), built, "{id:?}");
            assert_eq!(url.query(), None, "{id:?}");
            assert_eq!(url.fragment(), None, "{id:?}");
            assert_eq!(url.path_segments().unwrap().count(), 3, "{id:?}");
            assert!(url.path().starts_with("/tenders/") && url.path().ends_with("/bids"));
        }
    }

    #[test]
    fn query_values_are_encoded() {
        assert_eq!(
            query(&[("firm", "a&role=x"), ("limit", "1")]),
            "firm=a%26role%3Dx&limit=1"
        );
    }
}
