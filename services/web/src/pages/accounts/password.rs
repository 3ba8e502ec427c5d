//! 修改密码 (`/account/password`): any signed-in account changes its own password. After a
//! reset the account is sent here (at sign-in, and by any page whose API call the catalog
//! refuses with `password_change_required`) and may do nothing else until it has. The
//! catalog answers a fresh session, which becomes the cookie.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::ApiError;
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::forms::{FormErrors, see_other_with};
use crate::next::SafeNext;
use crate::roles::SignedInUser;
use crate::session::session_cookie;
use crate::state::WebState;

#[derive(Template, WebTemplate)]
#[template(path = "account_password.html")]
pub struct PasswordPage {
    chrome: Chrome,
    next: String,
    /// The catalog's notice that the password was reset and must be changed first.
    required: bool,
    errors: FormErrors,
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Whether the account must change its password now (the catalog's own record).
async fn required(app: &WebState, user: &SignedInUser) -> bool {
    let me: Result<Value, ApiError> = app.api.catalog_get("/catalog/me", Some(&user.token)).await;
    me.is_ok_and(|m| m["must_change_password"] == true)
}

pub async fn form(
    State(app): State<WebState>,
    user: SignedInUser,
    chrome: Chrome,
    Query(q): Query<NextQuery>,
) -> Response {
    let page = PasswordPage {
        chrome,
        next: SafeNext::or_home(q.next.as_deref()).as_str().to_string(),
        required: required(&app, &user).await,
        errors: FormErrors::none(),
    };
    ([(header::CACHE_CONTROL, "no-store")], page).into_response()
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
    #[serde(default)]
    next: Option<String>,
}

/// Changes the password; the fresh session the catalog answers replaces the cookie.
pub async fn submit(
    State(app): State<WebState>,
    headers: HeaderMap,
    user: SignedInUser,
    chrome: Chrome,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Response {
    let next = SafeNext::or_home(form.next.as_deref());
    let answer: Result<Value, ApiError> = if form.new_password != form.confirm_password {
        Err(mismatch())
    } else {
        app.api
            .send(
                Method::PUT,
                &format!("{}/catalog/me/password", app.api.catalog),
                Some(&user.token),
                &json!({"current_password": form.current_password, "new_password": form.new_password}),
            )
            .await
    };
    match answer {
        Ok(v) => {
            let token = v["token"].as_str().unwrap_or_default();
            let mut response = see_other_with(next.as_str(), "密码已修改。");
            let secure = app.cookies.attributes(&headers);
            response.headers_mut().append(
                header::SET_COOKIE,
                session_cookie(token, app.keys.ttl_secs(), secure),
            );
            response
        }
        Err(e) => {
            let page = PasswordPage {
                chrome,
                next: next.as_str().to_string(),
                required: required(&app, &user).await,
                errors: FormErrors::from_api(&e),
            };
            (FormErrors::status(&e), page).into_response()
        }
    }
}

/// The two new passwords differ: refused here, before the catalog is asked.
fn mismatch() -> ApiError {
    let problem = shared::error::Problem::validation(vec![shared::error::FieldError::new(
        "confirm_password",
        "mismatch",
        "两次输入的新密码不一致",
    )]);
    ApiError::Refused {
        status: StatusCode::UNPROCESSABLE_ENTITY,
        problem: Box::new(problem),
        retry_after: None,
    }
}
