//! 登录 / 退出: the sign-in form posts to the catalog's session API; the token it answers
//! becomes the session cookie.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PASSWORD_PAGE;
use crate::next::SafeNext;
use crate::session::{Session, clear_cookie, session_cookie};
use crate::state::WebState;

#[derive(Template, WebTemplate)]
#[template(path = "signin.html")]
pub struct SignInPage {
    chrome: Chrome,
    username: String,
    next: String,
    error: Option<String>,
    username_error: Option<String>,
    password_error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

pub async fn form(chrome: Chrome, Query(q): Query<NextQuery>) -> SignInPage {
    SignInPage {
        chrome,
        username: String::new(),
        next: SafeNext::or_home(q.next.as_deref()).as_str().to_string(),
        error: None,
        username_error: None,
        password_error: None,
    }
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

pub async fn submit(
    State(app): State<WebState>,
    headers: HeaderMap,
    session: Session,
    chrome: Chrome,
    CsrfForm(form): CsrfForm<SignInForm>,
) -> Response {
    let next = SafeNext::or_home(form.next.as_deref());
    let answer: Result<Value, ApiError> = app
        .api
        .call(
            Method::POST,
            &format!("{}/catalog/session", app.api.catalog),
            None,
            Some(&json!({"username": form.username, "password": form.password})),
            session.client_ip.as_deref(),
        )
        .await;
    match answer {
        Ok(v) => {
            let token = v["token"].as_str().unwrap_or_default();
            let max_age = app.keys.ttl_secs();
            // After a password reset the account changes its one-time password first.
            let to = if v["account"]["must_change_password"] == true {
                format!(
                    "{PASSWORD_PAGE}?{}",
                    crate::api::query(&[("next", next.as_str())])
                )
            } else {
                next.as_str().to_string()
            };
            let mut response = Redirect::to(&to).into_response();
            *response.status_mut() = StatusCode::SEE_OTHER;
            let secure = app.cookies.attributes(&headers);
            response
                .headers_mut()
                .append(header::SET_COOKIE, session_cookie(token, max_age, secure));
            response
        }
        Err(e) => {
            let (mut username_error, mut password_error) = (None, None);
            if let ApiError::Refused { problem, .. } = &e {
                for f in &problem.errors {
                    match f.field.as_str() {
                        "username" => username_error = Some(f.message.clone()),
                        "password" => password_error = Some(f.message.clone()),
                        _ => {}
                    }
                }
            }
            let status = match e.status() {
                Some(s) if s.is_client_error() => s,
                _ => StatusCode::BAD_GATEWAY,
            };
            let error = if username_error.is_some() || password_error.is_some() {
                None
            } else {
                // A 429's detail says when to try again (the catalog's throttling).
                Some(e.message())
            };
            let page = SignInPage {
                chrome,
                username: form.username,
                next: next.as_str().to_string(),
                error,
                username_error,
                password_error,
            };
            (status, page).into_response()
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct SignOutForm {}

pub async fn sign_out(
    State(app): State<WebState>,
    headers: HeaderMap,
    session: Session,
    CsrfForm(_form): CsrfForm<SignOutForm>,
) -> Response {
    if let Some(token) = session.token.as_deref() {
        let revoked: Result<Value, ApiError> = app
            .api
            .call(
                Method::DELETE,
                &format!("{}/catalog/session", app.api.catalog),
                Some(token),
                None,
                None,
            )
            .await;
        if let Err(e) = revoked {
            tracing::warn!(error = ?e, "signing out at the catalog failed; clearing the cookie anyway");
        }
    }
    let mut response = Redirect::to("/").into_response();
    *response.status_mut() = StatusCode::SEE_OTHER;
    let (name, value) = clear_cookie(app.cookies.attributes(&headers));
    response.headers_mut().append(name, value);
    response
}
