//! CSRF protection by double-submit cookie.
//!
//! Every page response makes sure the browser holds a random `wuye_csrf` cookie (HttpOnly,
//! SameSite=Lax); every form carries the same value in a hidden `_csrf` field, rendered by
//! the server. A form whose field does not match the cookie is refused with 403: another
//! site can make a browser send the cookie, but cannot read it to fill in the field.

use axum::extract::{FromRequest, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde::de::DeserializeOwned;

use crate::error::PageError;
use crate::security::CookiePolicy;

pub const CSRF_COOKIE: &str = "wuye_csrf";
pub const CSRF_FIELD: &str = "_csrf";

/// The CSRF token of this request (from its cookie, or new).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CsrfToken(pub String);

fn cookie_value(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_string())
}

/// Middleware: puts the request's [`CsrfToken`] in its extensions, issuing a cookie when
/// the browser has none (`Secure` by the [`CookiePolicy`]).
pub async fn ensure_token(
    State(cookies): State<CookiePolicy>,
    mut req: Request,
    next: Next,
) -> Response {
    let secure = cookies.attributes(req.headers());
    let existing = cookie_value(req.headers(), CSRF_COOKIE).filter(|v| v.len() >= 32);
    let token = existing.clone().unwrap_or_else(|| {
        format!(
            "{}{}",
            uuid::Uuid::new_v4().simple(),
            uuid::Uuid::new_v4().simple()
        )
    });
    req.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(req).await;
    if existing.is_none()
        && let Ok(v) = HeaderValue::from_str(&format!(
            "{CSRF_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/{secure}"
        ))
    {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

#[derive(Deserialize)]
struct CsrfField {
    #[serde(rename = "_csrf", default)]
    csrf: String,
}

/// A form body whose `_csrf` field matches the cookie; otherwise 403.
pub struct CsrfForm<T>(pub T);

impl<S, T> FromRequest<S> for CsrfForm<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = Response;

    async fn from_request(req: Request, _state: &S) -> Result<Self, Self::Rejection> {
        let expected = cookie_value(req.headers(), CSRF_COOKIE);
        let refused = |message: &str| {
            PageError::new(StatusCode::FORBIDDEN, "表单已失效", message).into_response()
        };
        let bytes = axum::body::Bytes::from_request(req, &())
            .await
            .map_err(|_| refused("无法读取表单内容，请返回重试。"))?;
        let field: CsrfField = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| refused("表单格式不正确，请返回重试。"))?;
        if !matches(expected.as_deref(), &field.csrf) {
            return Err(refused(EXPIRED));
        }
        let value = serde_urlencoded::from_bytes(&bytes)
            .map_err(|_| refused("表单内容不完整，请返回重试。"))?;
        Ok(CsrfForm(value))
    }
}

const EXPIRED: &str = "表单已过期或来源不明，请刷新页面后重新提交。";

/// Whether the form's `_csrf` value matches the cookie's.
fn matches(cookie: Option<&str>, sent: &str) -> bool {
    cookie.is_some_and(|c| !sent.is_empty() && constant_time_eq(c.as_bytes(), sent.as_bytes()))
}

/// For a form read another way than [`CsrfForm`] (a multipart upload): its `_csrf` value
/// against the request's cookie; the same 403 page otherwise.
pub fn check(headers: &HeaderMap, sent: Option<&str>) -> Result<(), PageError> {
    if matches(
        cookie_value(headers, CSRF_COOKIE).as_deref(),
        sent.unwrap_or(""),
    ) {
        Ok(())
    } else {
        Err(PageError::new(StatusCode::FORBIDDEN, "表单已失效", EXPIRED))
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn compares_whole_values() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
    }
}
