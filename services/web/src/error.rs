//! Page errors: an HTML page in Chinese with the right status, never a JSON document.
//!
//! A handler answers `Result<…, PageError>` and uses `?` on API calls (`From<ApiError>`).
//! The error leaves the handler as a response that carries the [`PageError`] in its
//! extensions; [`crate::chrome::error_pages`] then renders it inside the layout with the
//! request's [`crate::chrome::Chrome`] (who is signed in, the form token, the demo banner).

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::api::ApiError;

/// Where an account changes its own password (and must, after a reset).
pub const PASSWORD_PAGE: &str = "/account/password";

/// Why a page could not be shown.
#[derive(Debug, Clone)]
pub struct PageError {
    pub status: StatusCode,
    pub heading: String,
    pub message: String,
}

impl PageError {
    pub fn new(status: StatusCode, heading: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            heading: heading.into(),
            message: message.into(),
        }
    }

    /// 403 无权查看.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "无权查看", message)
    }

    /// 404 未找到.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "未找到", message)
    }

    /// 502 服务暂不可用.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_GATEWAY, "服务暂不可用", message)
    }

    /// From an API refusal, keeping its status (404, 403 …) and message. An account whose
    /// password was reset (the catalog's 403 `password_change_required`) is sent to the
    /// password-change page instead.
    pub fn from_api(e: ApiError) -> Self {
        if let ApiError::Refused { problem, .. } = &e
            && problem.code == "password_change_required"
        {
            return Self::new(StatusCode::SEE_OTHER, "请先修改密码", e.message());
        }
        match e.status() {
            Some(StatusCode::NOT_FOUND) => Self::not_found(e.message()),
            Some(StatusCode::FORBIDDEN) => Self::forbidden(e.message()),
            Some(StatusCode::UNAUTHORIZED) => Self::new(
                StatusCode::UNAUTHORIZED,
                "需要登录",
                "请先登录后再查看此页面。",
            ),
            Some(status) if status.is_client_error() => Self::new(status, "请求有误", e.message()),
            _ => {
                tracing::error!(error = ?e, "a page's API call failed");
                Self::unavailable(e.message())
            }
        }
    }
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        Self::from_api(e)
    }
}

/// Text for HTML content.
fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        // A plain page; `chrome::error_pages` replaces it with the full layout.
        let body = format!(
            "<!doctype html><html lang=\"zh-CN\"><meta charset=\"utf-8\"><title>{h}</title><h1>{h}</h1><p>{m}</p><p><a href=\"/\">返回首页</a></p></html>",
            h = escape(&self.heading),
            m = escape(&self.message),
        );
        let mut response = (
            self.status,
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            )],
            body,
        )
            .into_response();
        if self.status == StatusCode::SEE_OTHER {
            response
                .headers_mut()
                .insert(header::LOCATION, HeaderValue::from_static(PASSWORD_PAGE));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            // The API refused the session (signed out, password changed, account disabled):
            // clear the cookie so the next page is shown to a visitor who can sign in again.
            // Without `Secure`: over https a clearing cookie replaces a `Secure` one all the
            // same (only plain-http origins may not touch secure cookies).
            let (name, value) = crate::session::clear_cookie("");
            response.headers_mut().append(name, value);
        }
        response.extensions_mut().insert(self);
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_plain_page_escapes_and_keeps_the_error() {
        let r = PageError::forbidden("<b>不行</b>").into_response();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
        assert_eq!(
            r.extensions().get::<PageError>().unwrap().heading,
            "无权查看"
        );
        let r = PageError::new(StatusCode::UNAUTHORIZED, "需要登录", "x").into_response();
        assert!(r.headers().contains_key(header::SET_COOKIE));
    }
}
