//! Sign-in and sign-out (登录/退出): the session guard in front of the whole API is the
//! kernel's (`shared::auth::session_guard`); this is where a session begins (a signed
//! token, also set as the HttpOnly `wuye_session` cookie) and ends (its token id revoked).
//!
//! | endpoint | who |
//! | --- | --- |
//! | `POST /catalog/session` | anyone (throttled) |
//! | `DELETE /catalog/session` | any signed-in caller |

use std::convert::Infallible;
use std::time::Duration;

use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use shared::auth::{Claims, Identity, SESSION_COOKIE};
use shared::client_addr::ClientAddr;
use shared::error::{Problem, Validation};
use shared::extract::Json;
use utoipa::{OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

use crate::accounts::{self, Account};
use crate::error::Result;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(components(schemas(LoginRequest, Session)))]
pub struct Api;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi()).routes(routes!(login, logout))
}

/// Credentials for signing in.
#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct LoginRequest {
    #[serde(default)]
    #[validate(custom(function = "shared::validate::not_blank", message = "请填写用户名"))]
    pub username: String,
    #[serde(default)]
    #[validate(custom(function = "shared::validate::not_empty", message = "请填写密码"))]
    pub password: String,
}

/// A new session (登录会话): the token (also set as the `wuye_session` cookie), when it
/// expires, and the account.
#[derive(Debug, Serialize, ToSchema)]
pub struct Session {
    /// Signed token for `Authorization: Bearer …`.
    pub token: String,
    /// RFC 3339.
    pub expires_at: String,
    pub account: Account,
}

/// The raw token of the request (bearer header, then cookie), if any.
pub struct RawToken(pub Option<String>);

impl<S: Send + Sync> FromRequestParts<S> for RawToken {
    type Rejection = Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        _state: &S,
    ) -> std::result::Result<Self, Self::Rejection> {
        Ok(RawToken(shared::auth::token_from_parts(parts)))
    }
}

/// The one answer to every failed sign-in, whether or not the account exists.
fn bad_credentials() -> Problem {
    Problem::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "用户名或密码错误",
    )
    .with_detail("用户名或密码错误，请检查后重试。")
}

/// 429 with `Retry-After` and when to try again.
pub(super) fn throttled(wait: Duration) -> crate::error::Error {
    crate::throttle::too_many("登录尝试过于频繁", wait).into()
}

fn set_cookie(
    response: &mut Response,
    app: &AppState,
    token: &str,
    max_age: i64,
    headers: &HeaderMap,
) {
    response.headers_mut().append(
        header::SET_COOKIE,
        session_cookie(token, max_age, app.secure_cookies, headers),
    );
}

/// A verified token's expiry (seconds since the Unix epoch).
fn token_expiry(token: &str) -> Option<i64> {
    // The signature was verified by the `Identity` extractor; only the claims are read here.
    jsonwebtoken::dangerous::insecure_decode::<Claims>(token)
        .ok()
        .map(|t| t.claims.exp)
}

/// The active account these credentials sign in to, if any. Always one argon2
/// verification through the gate (against a dummy hash for an unknown username), so the
/// time taken does not reveal whether the account exists; a password longer than any
/// account may have is refused without hashing.
async fn account_for_credentials(
    app: &AppState,
    username: &str,
    password: String,
) -> Result<Option<Account>> {
    if password.chars().count() > accounts::PASSWORD_MAX {
        return Ok(None);
    }
    let stored = accounts::find_by_username(&app.db, username).await?;
    let hash = stored
        .as_ref()
        .map_or(crate::passwords::DUMMY_HASH.to_string(), |s| {
            s.password_hash.clone()
        });
    let matches = app.passwords.verify(password, hash).await?;
    Ok(stored
        .filter(|s| matches && !s.account.disabled)
        .map(|s| s.account))
}

/// Sign in (登录). Answers the token and sets it as an HttpOnly cookie. A wrong password,
/// an unknown username and a disabled account all answer the same 401. Throttled per
/// (username, client address) before any password is checked: after 3 failures each
/// further attempt from that client waits 1 s, 2 s, 4 s … up to 15 minutes (429 with
/// `Retry-After`), while the same username from another client is not delayed; and 30
/// attempts per client address per minute. 503 with `Retry-After` when too many
/// passwords are being checked at once.
#[utoipa::path(post, path = "/catalog/session", tag = "accounts", request_body = LoginRequest,
    responses(
        (status = 200, body = Session, description = "Signed in; `Set-Cookie: wuye_session=…`"),
        (status = 401, body = Problem, description = "用户名或密码错误"),
        (status = 422, body = Problem),
        (status = 429, body = Problem, description = "Too many attempts; see `Retry-After`"),
        (status = 503, body = Problem, description = "Too many password checks at once; see `Retry-After`")))]
pub async fn login(
    State(app): State<AppState>,
    client: ClientAddr,
    headers: HeaderMap,
    Json(req): Json<LoginRequest>,
) -> Result<Response> {
    let mut v = Validation::new();
    v.rules(&req, &["username", "password"]);
    v.finish()?;
    let username = accounts::normalise_username(&req.username);
    let client = client.key();
    if let Err(wait) = app.login_limiter.admit(&username, &client).await? {
        tracing::warn!(client = %client, "sign-in throttled");
        return Err(throttled(wait));
    }
    let account = match account_for_credentials(&app, &username, req.password).await {
        Ok(Some(account)) => account,
        Ok(None) => {
            app.login_limiter.record_sign_in_failure(&username).await?;
            return Err(bad_credentials().into());
        }
        Err(e) => {
            app.login_limiter.release(&username, &client).await?;
            return Err(e);
        }
    };
    app.login_limiter.record_success(&username, &client).await?;

    new_session(&app, account, &headers)
}

/// Sign out (退出登录): the token is refused by the catalog from now on, and by tender and
/// matching as soon as they read it on the catalog feed (moments); the cookie is cleared.
#[utoipa::path(delete, path = "/catalog/session", tag = "accounts",
    responses(
        (status = 204, description = "Signed out; the cookie is cleared"),
        (status = 401, body = Problem)))]
pub async fn logout(
    State(app): State<AppState>,
    identity: Identity,
    RawToken(token): RawToken,
    headers: HeaderMap,
) -> Result<Response> {
    let exp = token
        .as_deref()
        .and_then(token_expiry)
        .unwrap_or_else(|| shared::clock::now_ms().div_euclid(1000) + app.keys.ttl_secs());
    accounts::revoke_token(
        &app.db,
        &app.notifier,
        &identity.token_id,
        &identity.account_id,
        exp.saturating_mul(1000),
    )
    .await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    set_cookie(&mut response, &app, "", 0, &headers);
    Ok(response)
}

/// A fresh session for an account: the token as JSON and as the cookie.
pub(super) fn new_session(
    app: &AppState,
    account: Account,
    headers: &HeaderMap,
) -> Result<Response> {
    let identity = Identity {
        account_id: account.id.clone(),
        name: account.display_name.clone(),
        role: account.role,
        scope: account.scope.clone(),
        token_id: uuid::Uuid::new_v4().to_string(),
    };
    let token = app.keys.issue(&identity)?;
    let now = shared::clock::now_ms().div_euclid(1000);
    let exp = token_expiry(&token).unwrap_or(now + app.keys.ttl_secs());
    let expires_at = time::OffsetDateTime::from_unix_timestamp(exp)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
    let mut response = Json(Session {
        token: token.clone(),
        expires_at,
        account,
    })
    .into_response();
    set_cookie(&mut response, app, &token, (exp - now).max(0), headers);
    Ok(response)
}

/// The `Set-Cookie` value of the session cookie: HttpOnly, SameSite=Lax, for the whole
/// site, `Secure` when the configured public URL is https (`secure_site`) or a reverse
/// proxy reports HTTPS (`X-Forwarded-Proto: https`; a client forging it only makes its own
/// cookie stricter). An empty value with `max_age` 0 clears it.
pub fn session_cookie(
    token: &str,
    max_age_secs: i64,
    secure_site: bool,
    request_headers: &HeaderMap,
) -> HeaderValue {
    let https = secure_site
        || request_headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    let cookie = format!(
        "{SESSION_COOKIE}={token}; HttpOnly; SameSite=Lax; Path=/; Max-Age={max_age_secs}{}",
        if https { "; Secure" } else { "" }
    );
    // A signed token is base64url and dots: always a valid header value.
    HeaderValue::from_str(&cookie).unwrap_or_else(|_| {
        HeaderValue::from_static("wuye_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0")
    })
}
