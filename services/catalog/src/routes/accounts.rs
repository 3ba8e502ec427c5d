//! The caller's own account and account management (sign-in and sign-out are
//! `routes/session.rs`).
//!
//! | endpoint | who |
//! | --- | --- |
//! | `GET /catalog/me`, `PUT /catalog/me/password` | any signed-in account |
//! | `POST /catalog/accounts`, `GET /catalog/accounts` | whoever manages accounts, for the accounts it manages (`accounts::Managed`): the association all; a district official street officials of its district and committees of its compounds; a street official committees of its compounds |
//! | `GET`/`PATCH /catalog/accounts/{id}`, `POST …/{id}/password-reset`, `GET …/{id}/events` | the same, for an account within reach |
//!
//! An account whose password was reset must change it first: until then the catalog
//! answers its other requests 403 `password_change_required` ([`password_change_gate`]).

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use shared::auth::{Identity, Role, Scope};
use shared::clock::{china_today, now_ms};
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{Json, Page, PageQuery, Query};
use shared::feed::WriteTx;
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

use super::session::{self, Session};
use crate::accounts::{
    self, Account, AccountEvent, CreateAccountError, ListFilter, Managed, NewAccount,
};
use crate::compounds;
use crate::error::Result;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(components(schemas(
    Account,
    AccountEvent,
    PasswordChange,
    AccountRequest,
    AccountPatch,
    PasswordReset,
    Role,
    Scope
)))]
pub struct Api;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(me))
        .routes(routes!(change_password))
        .routes(routes!(create_account, list_accounts))
        .routes(routes!(get_account, update_account))
        .routes(routes!(reset_password))
        .routes(routes!(account_events))
}

/// Middleware over the catalog's routes: an account whose password was reset is answered
/// 403 `password_change_required` on everything but reading itself, changing its
/// password and signing in or out.
pub async fn password_change_gate(
    State(app): State<AppState>,
    identity: std::result::Result<Option<Identity>, Problem>,
    req: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let exempt = matches!(
        (req.method().as_str(), req.uri().path()),
        ("GET", "/catalog/me") | ("PUT", "/catalog/me/password") | (_, "/catalog/session")
    );
    if let Ok(Some(identity)) = identity
        && !exempt
        && identity.role != Role::Service
    {
        match accounts::must_change_password(&app.db, &identity.account_id).await {
            Ok(false) => {}
            Ok(true) => return accounts::password_change_required().into_response(),
            Err(e) => return crate::error::Error::Internal(e).into_response(),
        }
    }
    next.run(req).await
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
pub async fn me(State(app): State<AppState>, identity: Identity) -> Result<Json<Account>> {
    Ok(Json(own_account(&app, &identity).await?.account))
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct PasswordChange {
    #[serde(default)]
    #[validate(custom(function = "shared::validate::not_empty", message = "请填写当前密码"))]
    pub current_password: String,
    /// At least 10 characters, not the username, not the current password.
    #[serde(default)]
    #[validate(custom(function = "accounts::new_password"))]
    pub new_password: String,
}

/// The fields of a password change, in the order they are answered.
const PASSWORD_CHANGE: &[&str] = &["current_password", "new_password"];

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
    v.rules(&req, PASSWORD_CHANGE);
    if !req.current_password.is_empty() {
        if let Err(wait) = app.login_limiter.admit_username(&username).await? {
            return Err(session::throttled(wait));
        }
        let ok = app
            .passwords
            .verify(req.current_password.clone(), stored.password_hash)
            .await?;
        if !ok {
            app.login_limiter.record_failure(&username).await?;
            v.push(FieldError::new(
                "current_password",
                "wrong_password",
                "当前密码不正确",
            ));
        }
    }
    if !v.has("new_password") {
        if let Some(e) =
            accounts::password_is_username("new_password", &req.new_password, &username)
        {
            v.push(e);
        } else if req.new_password == req.current_password {
            v.push(FieldError::new(
                "new_password",
                "password_unchanged",
                "新密码不能与当前密码相同",
            ));
        }
    }
    v.in_order(PASSWORD_CHANGE).finish()?;

    let hash = app.passwords.hash(req.new_password).await?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    sqlx::query(
        "UPDATE account SET password_hash = $1, must_change_password = FALSE, updated_at = $2 WHERE id = $3",
    )
    .bind(&hash)
    .bind(now_ms())
    .bind(&stored.account.id)
    .execute(&mut *tx.conn())
    .await?;
    accounts::record_event(
        tx.conn(),
        &stored.account.id,
        accounts::event_kind::PASSWORD_CHANGED,
        (None, None),
        (&identity.account_id, &identity.name),
    )
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
    session::new_session(&app, changed, &headers)
}

// ---------------------------------------------------------------------------------------
// Account management

/// A new account.
#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct AccountRequest {
    /// 3–32 characters of `a-z 0-9 _ . -`, unique.
    #[serde(default)]
    #[validate(custom(function = "accounts::username"))]
    pub username: String,
    #[serde(default)]
    #[validate(custom(function = "accounts::display_name"))]
    pub display_name: String,
    /// At least 10 characters, not the username.
    #[serde(default)]
    #[validate(custom(function = "accounts::new_password"))]
    pub password: String,
    /// `association`, `city_official`, `district_official`, `street_official`,
    /// `committee` or `firm`.
    #[serde(default)]
    pub role: String,
    /// What the role acts on: none for association and city official; a district code
    /// for a district official; a street code for a street official; a compound id for a
    /// committee; a firm id for a firm.
    pub scope_id: Option<String>,
}

/// The street of a committee's compound, or the 422 on `scope_id` when there is no such
/// compound; `None` for an account that is not a committee's.
async fn compound_street(app: &AppState, scope: &Scope) -> Result<Option<String>> {
    let Scope::Compound(id) = scope else {
        return Ok(None);
    };
    let mut conn = app.db.pool.acquire().await?;
    let compound = compounds::store::fetch(&mut conn, id)
        .await?
        .ok_or_else(|| {
            Problem::validation(vec![FieldError::new(
                "scope_id",
                "unknown_compound",
                "没有这个小区",
            )])
        })?;
    Ok(Some(compound.facts.street.as_str().to_string()))
}

/// 422 on `scope_id` unless the firm exists.
async fn require_firm(app: &AppState, scope: &Scope) -> Result<()> {
    if let Scope::Firm(id) = scope {
        let mut conn = app.db.pool.acquire().await?;
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
    Ok(())
}

/// The new account's fields checked: every field error at once (422).
fn checked_request(req: AccountRequest) -> Result<NewAccount> {
    let role = accounts::account_role(req.role.trim());
    let mut v = Validation::new();
    let scope = match role {
        None => {
            v.push(FieldError::new(
                "role",
                "invalid_role",
                "角色应为 association、city_official、district_official、street_official、committee 或 firm",
            ));
            None
        }
        Some(role) => accounts::scope_for("scope_id", role, req.scope_id.as_deref())
            .map_err(|e| v.push(e))
            .ok(),
    };
    v.rules(&req, &["username", "display_name", "password"]);
    accounts::credentials_across(&mut v, (&req.username, &req.password));
    Ok(v.finish_with(|| {
        Some(NewAccount {
            username: req.username,
            display_name: req.display_name.trim().to_string(),
            password: req.password,
            role: role?,
            scope: scope?,
        })
    })?)
}

/// Create an account (创建账号), within the caller's reach (`accounts::Managed`):
/// association: any role; district official: street officials for the streets of its own
/// district, and committee accounts for compounds in its district; street official:
/// committee accounts for compounds in its street. Everyone else: 403. A committee's
/// compound and a firm's firm must exist (422 on `scope_id`). Recorded with its creator.
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
    let managed = Managed::of(&identity)?;
    let account = checked_request(req)?;
    let street = compound_street(&app, &account.scope).await?;
    require_firm(&app, &account.scope).await?;
    managed.require(account.role, &account.scope, street.as_deref())?;
    match accounts::create(
        &app.db,
        &app.notifier,
        &app.passwords,
        &account,
        Some(&identity),
    )
    .await
    {
        Ok(created) => Ok((StatusCode::CREATED, Json(created)).into_response()),
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
    /// Username or display name contains this (at most 64 characters).
    pub q: Option<String>,
    /// Only disabled (`true`) or active (`false`) accounts.
    pub disabled: Option<bool>,
}

/// List the accounts the caller manages (账号列表), by username: the association all;
/// a district official the street officials of its district and the committees of its
/// compounds; a street official the committees of its compounds. Everyone else: 403.
#[utoipa::path(get, path = "/catalog/accounts", tag = "accounts", params(AccountQuery, PageQuery),
    responses(
        (status = 200, body = Page<Account>),
        (status = 401, body = Problem),
        (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn list_accounts(
    State(app): State<AppState>,
    identity: Identity,
    Query(q): Query<AccountQuery>,
    Query(p): Query<PageQuery>,
) -> Result<Json<Page<Account>>> {
    let managed = Managed::of(&identity)?;
    let mut v = Validation::new();
    let page = p.collect(&mut v);
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
    let text = q.q.map(|t| t.trim().to_string()).filter(|t| !t.is_empty());
    if text.as_ref().is_some_and(|t| t.chars().count() > 64) {
        v.push(FieldError::new("q", "length", "搜索内容不能超过 64 个字符"));
    }
    let page = v.finish_with(|| page)?;
    let filter = ListFilter {
        role,
        text,
        disabled: q.disabled,
        managed_by: managed,
    };
    Ok(Json(accounts::list(&app.db, &filter, page).await?))
}

/// The account `id` when the caller manages it: 404 when there is none, 403 beyond reach.
async fn managed_account(app: &AppState, identity: &Identity, id: &str) -> Result<Account> {
    let managed = Managed::of(identity)?;
    let mut conn = app.db.pool.acquire().await?;
    let account = accounts::find_by_id(&mut conn, id)
        .await?
        .ok_or_else(|| Problem::not_found("没有这个账号。"))?
        .account;
    drop(conn);
    let street = match &account.scope {
        Scope::Compound(_) => compound_street(app, &account.scope).await.ok().flatten(),
        _ => None,
    };
    managed.require(account.role, &account.scope, street.as_deref())?;
    Ok(account)
}

/// One account the caller manages (账号详情).
#[utoipa::path(get, path = "/catalog/accounts/{id}", tag = "accounts",
    params(("id" = String, Path, description = "Account id")),
    responses(
        (status = 200, body = Account),
        (status = 401, body = Problem),
        (status = 403, body = Problem),
        (status = 404, body = Problem)))]
pub async fn get_account(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Json<Account>> {
    Ok(Json(managed_account(&app, &identity, &id).await?))
}

/// A change to an account: any of its fields (at least one).
#[derive(Debug, Deserialize, ToSchema)]
pub struct AccountPatch {
    /// Disable (停用) or re-enable the account. A disabled account cannot sign in and its
    /// sessions end on every service; re-enabling does not revive them (sign in again).
    pub disabled: Option<bool>,
    /// A new display name (1–64 characters).
    pub display_name: Option<String>,
}

/// Disable, re-enable or rename an account the caller manages (see `GET
/// /catalog/accounts`); nobody disables its own account. Each change is recorded with
/// who made it, the value before and after.
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
) -> Result<Json<Account>> {
    let account = managed_account(&app, &identity, &id).await?;
    let changes = checked_patch(req)?;
    if changes.disabled == Some(true) && id == identity.account_id {
        return Err(
            Problem::conflict("cannot_disable_self", "不能停用自己正在使用的账号。").into(),
        );
    }
    let updated =
        accounts::apply_changes(&app.db, &app.notifier, &account, &changes, &identity).await?;
    Ok(Json(updated))
}

/// A patch's fields checked (422 when it changes nothing or a name is invalid).
fn checked_patch(req: AccountPatch) -> Result<accounts::Changes> {
    let mut v = Validation::new();
    let name = req.display_name.as_deref().map(str::trim);
    if let Some(Err(e)) = name.map(accounts::display_name) {
        v.push(FieldError::new(
            "display_name",
            e.code.as_ref(),
            e.message.map(|m| m.to_string()).unwrap_or_default(),
        ));
    }
    if req.disabled.is_none() && name.is_none() {
        v.push(FieldError::new(
            "disabled",
            "required",
            "请说明是否停用该账号（true 或 false），或填写新的显示名称",
        ));
    }
    v.finish()?;
    Ok(accounts::Changes {
        disabled: req.disabled,
        display_name: name.map(str::to_string),
    })
}

/// A password reset's answer: the one-time password, shown once.
#[derive(Debug, Serialize, ToSchema)]
pub struct PasswordReset {
    pub account: Account,
    /// The one-time password (一次性密码): shown this once, stored only as its hash; the
    /// account must change it at its next sign-in.
    pub one_time_password: String,
}

/// Reset the password of an account the caller manages (重置密码): the catalog makes a
/// one-time password, answers it once, ends every session of the account, and the
/// account must change it at its next sign-in (until then its other requests are 403
/// `password_change_required`). One's own password is changed at `PUT
/// /catalog/me/password` instead (409).
#[utoipa::path(post, path = "/catalog/accounts/{id}/password-reset", tag = "accounts",
    params(("id" = String, Path, description = "Account id")),
    responses(
        (status = 200, body = PasswordReset, headers(("Cache-Control" = String, description = "no-store"))),
        (status = 401, body = Problem),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 409, body = Problem, description = "One's own account"),
        (status = 503, body = Problem)))]
pub async fn reset_password(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Response> {
    let account = managed_account(&app, &identity, &id).await?;
    if id == identity.account_id {
        return Err(Problem::conflict(
            "cannot_reset_self",
            "不能重置自己的密码，请在“修改密码”中修改。",
        )
        .into());
    }
    let (account, one_time_password) =
        accounts::reset_password(&app.db, &app.notifier, &app.passwords, &account, &identity)
            .await?;
    let body = PasswordReset {
        account,
        one_time_password,
    };
    Ok(([(header::CACHE_CONTROL, "no-store")], Json(body)).into_response())
}

/// The changes to an account the caller manages (账号变更记录), newest first: who, when,
/// what (old → new; never a password).
#[utoipa::path(get, path = "/catalog/accounts/{id}/events", tag = "accounts",
    params(("id" = String, Path, description = "Account id"), PageQuery),
    responses(
        (status = 200, body = Page<AccountEvent>),
        (status = 401, body = Problem),
        (status = 403, body = Problem),
        (status = 404, body = Problem),
        (status = 422, body = Problem)))]
pub async fn account_events(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(p): Query<PageQuery>,
) -> Result<Json<Page<AccountEvent>>> {
    managed_account(&app, &identity, &id).await?;
    let mut v = Validation::new();
    let page = p.collect(&mut v);
    let page = v.finish_with(|| page)?;
    Ok(Json(accounts::list_events(&app.db, &id, page).await?))
}
