//! Sign-in, sign-out, the caller's own account, and account management.
//!
//! | endpoint | who |
//! | --- | --- |
//! | `POST /catalog/session` | anyone (throttled) |
//! | `DELETE /catalog/session` | any signed-in caller |
//! | `GET /catalog/me`, `PUT /catalog/me/password` | any signed-in account |
//! | `POST /catalog/accounts` | association (any role); district official (street officials of its district) |
//! | `GET /catalog/accounts` | association (all); district official (the street officials of its district) |
//! | `PATCH /catalog/accounts/{id}` | association |

use std::convert::Infallible;
use std::time::Duration;

use axum::Router;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, patch, post, put};
use serde::{Deserialize, Serialize};
use shared::auth::{Claims, Identity, Role, Scope};
use shared::client_addr::ClientAddr;
use shared::domain::StreetCode;
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{Json, Page, PageQuery, Query};
use shared::feed::WriteTx;
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::accounts::{self, Account, CreateAccountError, ListFilter, NewAccount};
use crate::compounds;
use crate::error::Result;
use crate::state::AppState;
use shared::domain::roster::china_today;

#[derive(OpenApi)]
#[openapi(
    paths(
        login,
        logout,
        me,
        change_password,
        create_account,
        list_accounts,
        update_account
    ),
    components(schemas(
        Account,
        LoginRequest,
        Session,
        PasswordChange,
        AccountRequest,
        AccountPatch,
        Role,
        Scope
    ))
)]
pub struct Api;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/session", post(login).delete(logout))
        .route("/me", get(me))
        .route("/me/password", put(change_password))
        .route("/accounts", post(create_account).get(list_accounts))
        .route("/accounts/{id}", patch(update_account))
}

// ---------------------------------------------------------------------------------------
// Sign-in and sign-out

/// Credentials for signing in.
#[derive(Debug, Deserialize, ToSchema)]
pub struct LoginRequest {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
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
fn throttled(wait: Duration) -> crate::Error {
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
        accounts::session_cookie(token, max_age, app.secure_cookies, headers),
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
        .map_or(accounts::DUMMY_HASH.to_string(), |s| {
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
    if req.username.trim().is_empty() {
        v.push(FieldError::new("username", "required", "请填写用户名"));
    }
    if req.password.is_empty() {
        v.push(FieldError::new("password", "required", "请填写密码"));
    }
    v.finish()?;
    let username = accounts::normalise_username(&req.username);
    let client = client.key();
    if let Err(wait) = app.login_limiter.admit(&username, &client) {
        tracing::warn!(client = %client, "sign-in throttled");
        return Err(throttled(wait));
    }
    let account = match account_for_credentials(&app, &username, req.password).await {
        Ok(Some(account)) => account,
        Ok(None) => {
            app.login_limiter.record_sign_in_failure(&username);
            return Err(bad_credentials().into());
        }
        Err(e) => {
            app.login_limiter.release(&username, &client);
            return Err(e);
        }
    };
    app.login_limiter.record_success(&username, &client);

    let identity = Identity {
        account_id: account.id.clone(),
        name: account.display_name.clone(),
        role: account.role,
        scope: account.scope.clone(),
        token_id: uuid::Uuid::new_v4().to_string(),
    };
    let token = app.keys.issue(&identity)?;
    let exp = token_expiry(&token)
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().unix_timestamp() + app.keys.ttl_secs());
    let max_age = (exp - time::OffsetDateTime::now_utc().unix_timestamp()).max(0);
    let expires_at = time::OffsetDateTime::from_unix_timestamp(exp)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
    let mut response = axum::Json(Session {
        token: token.clone(),
        expires_at,
        account,
    })
    .into_response();
    set_cookie(&mut response, &app, &token, max_age, &headers);
    Ok(response)
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
        .unwrap_or_else(|| time::OffsetDateTime::now_utc().unix_timestamp() + app.keys.ttl_secs());
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

// ---------------------------------------------------------------------------------------
// The caller's own account

async fn own_account(app: &AppState, identity: &Identity) -> Result<accounts::StoredAccount> {
    let mut conn = app.db.pool.acquire().await?;
    accounts::find_by_id(&mut conn, &identity.account_id)
        .await?
        .ok_or_else(|| Problem::not_found("当前登录身份没有对应的账号。").into())
}

/// The caller's account (当前账号). Any signed-in account.
#[utoipa::path(get, path = "/catalog/me", tag = "accounts",
    responses((status = 200, body = Account), (status = 401, body = Problem), (status = 404, body = Problem)))]
pub async fn me(State(app): State<AppState>, identity: Identity) -> Result<axum::Json<Account>> {
    Ok(axum::Json(own_account(&app, &identity).await?.account))
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PasswordChange {
    #[serde(default)]
    pub current_password: String,
    /// At least 10 characters, not the username, not the current password.
    #[serde(default)]
    pub new_password: String,
}

/// Change one's own password (修改密码). The old password stops working at once, and every
/// session of the account ends, on every service: the one making the change gets a fresh
/// session in the answer (token and cookie) and carries on. A wrong current password
/// counts as a failed sign-in for throttling.
#[utoipa::path(put, path = "/catalog/me/password", tag = "accounts", request_body = PasswordChange,
    responses(
        (status = 200, body = Session, description = "Changed; a fresh session (`Set-Cookie: wuye_session=…`) replaces the caller's, every other session has ended"),
        (status = 401, body = Problem),
        (status = 422, body = Problem, description = "Per field: current_password, new_password"),
        (status = 429, body = Problem)))]
pub async fn change_password(
    State(app): State<AppState>,
    identity: Identity,
    headers: HeaderMap,
    Json(req): Json<PasswordChange>,
) -> Result<Response> {
    let stored = own_account(&app, &identity).await?;
    let username = stored.account.username.clone();
    let mut v = Validation::new();
    if req.current_password.is_empty() {
        v.push(FieldError::new(
            "current_password",
            "required",
            "请填写当前密码",
        ));
    } else {
        if let Err(wait) = app.login_limiter.admit_username(&username) {
            return Err(throttled(wait));
        }
        let ok = app
            .passwords
            .verify(req.current_password.clone(), stored.password_hash)
            .await?;
        if !ok {
            app.login_limiter.record_failure(&username);
            v.push(FieldError::new(
                "current_password",
                "wrong_password",
                "当前密码不正确",
            ));
        }
    }
    if let Some(e) = accounts::check_new_password("new_password", &req.new_password, &username) {
        v.push(e);
    } else if req.new_password == req.current_password {
        v.push(FieldError::new(
            "new_password",
            "password_unchanged",
            "新密码不能与当前密码相同",
        ));
    }
    v.finish()?;

    let hash = app.passwords.hash(req.new_password).await?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    sqlx::query("UPDATE account SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(&hash)
        .bind(shared::db::now_ms())
        .bind(&stored.account.id)
        .execute(&mut *tx.conn())
        .await?;
    let changed = accounts::find_by_id(tx.conn(), &stored.account.id)
        .await?
        .ok_or_else(|| Problem::not_found("当前登录身份没有对应的账号。"))?
        .account;
    tx.emit(
        accounts::TOPIC,
        &changed.id,
        "password_changed",
        &changed.change(),
    )
    .await?;
    accounts::end_sessions(tx.conn(), &changed.id).await?;
    accounts::publish_cutoff(&mut tx, &changed.id).await?;
    tx.commit().await?;
    // Issued after the cutoff: the caller's fresh session.
    new_session(&app, changed, &headers)
}

/// A fresh session for an account: the token as JSON and as the cookie.
fn new_session(app: &AppState, account: Account, headers: &HeaderMap) -> Result<Response> {
    let identity = Identity {
        account_id: account.id.clone(),
        name: account.display_name.clone(),
        role: account.role,
        scope: account.scope.clone(),
        token_id: uuid::Uuid::new_v4().to_string(),
    };
    let token = app.keys.issue(&identity)?;
    let now = time::OffsetDateTime::now_utc().unix_timestamp();
    let exp = token_expiry(&token).unwrap_or(now + app.keys.ttl_secs());
    let expires_at = time::OffsetDateTime::from_unix_timestamp(exp)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default();
    let mut response = axum::Json(Session {
        token: token.clone(),
        expires_at,
        account,
    })
    .into_response();
    set_cookie(&mut response, app, &token, (exp - now).max(0), headers);
    Ok(response)
}

// ---------------------------------------------------------------------------------------
// Account management

/// A new account.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AccountRequest {
    /// 3–32 characters of `a-z 0-9 _ . -`, unique.
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    /// At least 10 characters, not the username.
    #[serde(default)]
    pub password: String,
    /// `association`, `district_official`, `street_official`, `committee` or `firm`.
    #[serde(default)]
    pub role: String,
    /// What the role acts on: none for association; a district code for a district
    /// official; a street code for a street official; a compound id for a committee; a
    /// firm id for a firm.
    pub scope_id: Option<String>,
}

/// Create an account (创建账号). Association: any role. District official: street
/// officials for the streets of its own district, and committee accounts for compounds in
/// its district. Street official: committee accounts for compounds in its street. Everyone
/// else: 403. A committee's compound and a firm's firm must exist (422 on `scope_id`).
#[utoipa::path(post, path = "/catalog/accounts", tag = "accounts", request_body = AccountRequest,
    responses(
        (status = 201, body = Account),
        (status = 401, body = Problem),
        (status = 403, body = Problem),
        (status = 409, body = Problem, description = "The username is taken"),
        (status = 422, body = Problem)))]
pub async fn create_account(
    State(app): State<AppState>,
    identity: Identity,
    Json(req): Json<AccountRequest>,
) -> Result<Response> {
    identity.require_any(&[
        Role::Association,
        Role::DistrictOfficial,
        Role::StreetOfficial,
    ])?;
    let role = accounts::account_role(req.role.trim());
    match (identity.role, role) {
        (Role::DistrictOfficial, Some(r))
            if !matches!(r, Role::StreetOfficial | Role::Committee) =>
        {
            return Err(Problem::forbidden(
                "区县工作人员只能创建本区县的街道工作人员账号和小区自治组织账号。",
            )
            .into());
        }
        (Role::StreetOfficial, Some(r)) if r != Role::Committee => {
            return Err(
                Problem::forbidden("街道工作人员只能创建本街道小区的自治组织账号。").into(),
            );
        }
        _ => {}
    }

    let mut v = Validation::new();
    let scope = match role {
        None => {
            v.push(FieldError::new(
                "role",
                "invalid_role",
                "角色应为 association、district_official、street_official、committee 或 firm",
            ));
            None
        }
        Some(role) => accounts::scope_for("scope_id", role, req.scope_id.as_deref())
            .map_err(|e| v.push(e))
            .ok(),
    };
    for e in accounts::check_credentials(&req.username, &req.display_name, &req.password) {
        v.push(e);
    }
    v.finish()?;
    let account = NewAccount {
        username: req.username,
        display_name: req.display_name.trim().to_string(),
        password: req.password,
        role: role.expect("validated"),
        scope: scope.expect("validated"),
    };

    match &account.scope {
        Scope::Compound(id) => {
            let mut conn = app.db.pool.acquire().await.map_err(anyhow::Error::new)?;
            let compound = compounds::store::fetch(&mut conn, id)
                .await
                .map_err(anyhow::Error::new)?
                .ok_or_else(|| {
                    Problem::validation(vec![FieldError::new(
                        "scope_id",
                        "unknown_compound",
                        "没有这个小区",
                    )])
                })?;
            compounds::Reach::of_official(&identity)?
                .require(compound.facts.street, "创建小区自治组织账号")?;
        }
        Scope::Firm(id) => {
            let mut conn = app.db.pool.acquire().await.map_err(anyhow::Error::new)?;
            if crate::firms::load(&mut conn, id, &app.policy, china_today())
                .await?
                .is_none()
            {
                return Err(Problem::validation(vec![FieldError::new(
                    "scope_id",
                    "unknown_firm",
                    "没有这个企业",
                )])
                .into());
            }
        }
        _ => {}
    }

    if identity.role == Role::DistrictOfficial && account.role == Role::StreetOfficial {
        let in_own_district = match (&identity.scope, &account.scope) {
            (Scope::District(own), Scope::Street(street)) => {
                StreetCode::parse(street).is_ok_and(|s| s.district().as_str() == own)
            }
            _ => false,
        };
        if !in_own_district {
            return Err(Problem::forbidden("只能为本区县的街道创建账号。").into());
        }
    }

    match accounts::create(&app.db, &app.notifier, &app.passwords, &account).await {
        Ok(created) => Ok((StatusCode::CREATED, axum::Json(created)).into_response()),
        Err(CreateAccountError::UsernameTaken) => Err(Problem::conflict(
            "username_taken",
            format!("用户名 {} 已被使用。", account.username),
        )
        .with_errors(vec![FieldError::new(
            "username",
            "taken",
            "该用户名已被使用",
        )])
        .into()),
        Err(CreateAccountError::Refused(p)) => Err((*p).into()),
        Err(CreateAccountError::Internal(e)) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct AccountQuery {
    /// Only accounts with this role.
    pub role: Option<String>,
    /// Username or display name contains this.
    pub q: Option<String>,
    /// Only disabled (`true`) or active (`false`) accounts.
    pub disabled: Option<bool>,
    /// At most this many items (1–200, default 50).
    pub limit: Option<i64>,
    /// Skip this many items (default 0).
    pub offset: Option<i64>,
}

/// List accounts (账号列表). Association: all accounts. District official: the street
/// officials of its district. Everyone else: 403.
#[utoipa::path(get, path = "/catalog/accounts", tag = "accounts", params(AccountQuery),
    responses(
        (status = 200, body = Page<Account>),
        (status = 401, body = Problem),
        (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn list_accounts(
    State(app): State<AppState>,
    identity: Identity,
    Query(q): Query<AccountQuery>,
) -> Result<axum::Json<Page<Account>>> {
    identity.require_any(&[Role::Association, Role::DistrictOfficial])?;
    let mut v = Validation::new();
    let page = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .check();
    if let Err(errors) = &page {
        for e in errors {
            v.push(e.clone());
        }
    }
    let role = match q.role.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(r) => {
            let parsed = accounts::account_role(r);
            if parsed.is_none() {
                v.push(FieldError::new("role", "invalid_role", "未知的角色"));
            }
            parsed
        }
    };
    v.finish()?;
    let (limit, offset) = page.unwrap_or((50, 0));
    let mut filter = ListFilter {
        role,
        text: q.q.map(|t| t.trim().to_string()).filter(|t| !t.is_empty()),
        disabled: q.disabled,
        streets_of_district: None,
    };
    if let Scope::District(own) = &identity.scope
        && identity.role == Role::DistrictOfficial
    {
        if role.is_some_and(|r| r != Role::StreetOfficial) {
            return Ok(axum::Json(Page {
                items: Vec::new(),
                total: 0,
                limit,
                offset,
            }));
        }
        filter.role = Some(Role::StreetOfficial);
        filter.streets_of_district = Some(own.clone());
    } else if identity.role == Role::DistrictOfficial {
        return Err(Problem::forbidden("区县工作人员账号缺少区县范围。").into());
    }
    let (items, total) = accounts::list(&app.db, &filter, limit, offset).await?;
    Ok(axum::Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}

/// A change to an account.
#[derive(Debug, Deserialize, ToSchema)]
pub struct AccountPatch {
    /// Disable (停用) or re-enable the account. A disabled account cannot sign in and its
    /// sessions end on every service; re-enabling does not revive them (sign in again).
    pub disabled: Option<bool>,
}

/// Disable or re-enable an account. Association only; it cannot disable its own account.
#[utoipa::path(patch, path = "/catalog/accounts/{id}", tag = "accounts", request_body = AccountPatch,
    params(("id" = String, Path, description = "Account id")),
    responses(
        (status = 200, body = Account),
        (status = 401, body = Problem),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "Disabling one's own account"),
        (status = 422, body = Problem)))]
pub async fn update_account(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Json(req): Json<AccountPatch>,
) -> Result<axum::Json<Account>> {
    identity.require_any(&[Role::Association])?;
    let Some(disabled) = req.disabled else {
        return Err(Problem::validation(vec![FieldError::new(
            "disabled",
            "required",
            "请说明是否停用该账号（true 或 false）",
        )])
        .into());
    };
    if disabled && id == identity.account_id {
        return Err(
            Problem::conflict("cannot_disable_self", "不能停用自己正在使用的账号。").into(),
        );
    }
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let current = accounts::find_by_id(tx.conn(), &id)
        .await?
        .ok_or_else(|| Problem::not_found("没有这个账号。"))?
        .account;
    if current.disabled == disabled {
        return Ok(axum::Json(current));
    }
    sqlx::query("UPDATE account SET disabled = $1, updated_at = $2 WHERE id = $3")
        .bind(disabled)
        .bind(shared::db::now_ms())
        .bind(&id)
        .execute(&mut *tx.conn())
        .await?;
    let updated = accounts::find_by_id(tx.conn(), &id)
        .await?
        .ok_or_else(|| Problem::not_found("没有这个账号。"))?
        .account;
    tx.emit(accounts::TOPIC, &id, "updated", &updated.change())
        .await?;
    if disabled {
        accounts::end_sessions(tx.conn(), &id).await?;
    }
    accounts::publish_cutoff(&mut tx, &id).await?;
    tx.commit().await?;
    Ok(axum::Json(updated))
}
