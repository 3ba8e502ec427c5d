//! Page errors: an HTML page in Chinese with the right status, never a JSON document.

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::api::ApiError;
use crate::pages::Chrome;

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    heading: String,
    message: String,
}

/// Why a page could not be shown.
#[derive(Debug)]
pub struct PageError {
    pub status: StatusCode,
    pub heading: String,
    pub message: String,
    pub chrome: Chrome,
}

impl PageError {
    pub fn new(
        status: StatusCode,
        heading: &str,
        message: impl Into<String>,
        chrome: Chrome,
    ) -> Self {
        Self {
            status,
            heading: heading.into(),
            message: message.into(),
            chrome,
        }
    }

    /// From an API refusal, keeping its status (404, 403 …) and message.
    pub fn from_api(e: ApiError, chrome: Chrome) -> Self {
        match e.status() {
            Some(StatusCode::NOT_FOUND) => {
                Self::new(StatusCode::NOT_FOUND, "未找到", e.message(), chrome)
            }
            Some(StatusCode::FORBIDDEN) => {
                Self::new(StatusCode::FORBIDDEN, "无权查看", e.message(), chrome)
            }
            Some(StatusCode::UNAUTHORIZED) => Self::new(
                StatusCode::UNAUTHORIZED,
                "需要登录",
                "请先登录后再查看此页面。",
                chrome,
            ),
            Some(status) if status.is_client_error() => {
                Self::new(status, "请求有误", e.message(), chrome)
            }
            _ => {
                tracing::error!(error = ?e, "a page's API call failed");
                Self::new(StatusCode::BAD_GATEWAY, "服务暂不可用", e.message(), chrome)
            }
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let page = ErrorPage {
            chrome: self.chrome,
            heading: self.heading,
            message: self.message,
        };
        let mut response = (self.status, page).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            // The API refused the session (signed out, password changed, account disabled):
            // clear the cookie so the next page is shown to a visitor who can sign in again.
            // Without `Secure`: over https a clearing cookie replaces a `Secure` one all the
            // same (only plain-http origins may not touch secure cookies).
            let (name, value) = crate::session::clear_cookie("");
            response.headers_mut().append(name, value);
        }
        response
    }
}
