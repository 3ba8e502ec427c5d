//! The caller's own account and account management (sign-in and sign-out are
//! `routes/session.rs`).
//!
//! | endpoint | who |
//! | --- | --- |
//! | `GET /catalog/me`, `PUT /catalog/me/password` | any signed-in account |
//! | `POST /catalog/accounts` | association (any role); district official (street officials of its district) |
//! | `GET /catalog/accounts` | association (all); district official (the street officials of its district) |
//! | `PATCH /catalog/accounts/{id}` | association |

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use shared::auth::{Identity, Role, Scope};
use shared::clock::{china_today, now_ms};
use shared::domain::StreetCode;
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{Json, Page, PageQuery, Query};
use shared::feed::WriteTx;
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use validator::Validate;

use super::session::{self, Session};
use crate::accounts::{self, Account, CreateAccountError, ListFilter, NewAccount};
use crate::compounds;
use crate::error::Result;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(components(schemas(
    Account,
    PasswordChange,
    AccountRequest,
    AccountPatch,
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
        .routes(routes!(update_account))
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
    sqlx::query("UPDATE account SET password_hash = $1, updated_at = $2 WHERE id = $3")
        .bind(&hash)
        .bind(now_ms())
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
    v.rules(&req, &["username", "display_name", "password"]);
    accounts::credentials_across(&mut v, (&req.username, &req.password));
    let account = v.finish_with(|| {
        Some(NewAccount {
            username: req.username,
            display_name: req.display_name.trim().to_string(),
            password: req.password,
            role: role?,
            scope: scope?,
        })
    })?;

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
    /// Username or display name contains this.
    pub q: Option<String>,
    /// Only disabled (`true`) or active (`false`) accounts.
    pub disabled: Option<bool>,
}

/// List accounts (账号列表). Association: all accounts. District official: the street
/// officials of its district. Everyone else: 403.
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
    identity.require_any(&[Role::Association, Role::DistrictOfficial])?;
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
    let page = v.finish_with(|| page)?;
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
            return Ok(Json(page.of(Vec::new(), 0)));
        }
        filter.role = Some(Role::StreetOfficial);
        filter.streets_of_district = Some(own.clone());
    } else if identity.role == Role::DistrictOfficial {
        return Err(Problem::forbidden("区县工作人员账号缺少区县范围。").into());
    }
    Ok(Json(accounts::list(&app.db, &filter, page).await?))
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
) -> Result<Json<Account>> {
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
        return Ok(Json(current));
    }
    sqlx::query("UPDATE account SET disabled = $1, updated_at = $2 WHERE id = $3")
        .bind(disabled)
        .bind(now_ms())
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
    Ok(Json(updated))
}
