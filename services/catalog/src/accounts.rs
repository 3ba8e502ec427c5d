//! Accounts (账号): argon2 password hashes, roles and scopes, sessions (登录凭证) and
//! their revocation, login throttling (登录限流) and the bootstrap of the first
//! association account.
//!
//! An account has one [`Role`] acting on one [`Scope`]: association staff on the city, a
//! district official on a district, a street official on a street, a compound committee
//! on one compound, a firm on one firm. Signing in issues a signed token (see
//! `shared::auth`) that every service verifies locally. Signing out lists the token's id
//! in `revoked_token`; only the catalog consults that list (see [`session_guard`]).
//! Tender and matching verify tokens locally and accept a signed-out token until it
//! expires, so tokens are kept short-lived: `token_ttl_secs` (12 hours by default) bounds
//! how long a signed-out or disabled account's token still works there.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::Context;
use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use shared::auth::{Identity, Role, SESSION_COOKIE, Scope};
use shared::db::{Db, new_id, now_ms};
use shared::domain::{DistrictCode, StreetCode};
use shared::error::{FieldError, Problem};
use shared::feed::{Notifier, WriteTx};
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use crate::state::AppState;

/// The feed topic of account changes.
pub const TOPIC: &str = "account";

/// Usernames are 3–32 characters of `a-z 0-9 _ . -`.
pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
/// Passwords are 10–128 characters (the upper bound keeps argon2's input small).
pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 128;
/// Display names are 1–64 characters.
pub const DISPLAY_NAME_MAX: usize = 64;

/// An account to create. The password is hashed before it is stored.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub scope: Scope,
}

/// An account as the API and the feed show it: never its password hash.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Account {
    pub id: String,
    /// Sign-in name: 3–32 characters of `a-z 0-9 _ . -`.
    pub username: String,
    /// The name shown to people (e.g. 锦江区住建局 张三).
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
    /// A disabled account (已停用) cannot sign in.
    pub disabled: bool,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

/// What the `account` feed topic carries for every change (never the hash).
#[derive(Debug, Serialize)]
pub struct AccountChange<'a> {
    pub id: &'a str,
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub scope: &'a Scope,
    pub disabled: bool,
}

impl Account {
    pub fn change(&self) -> AccountChange<'_> {
        AccountChange {
            id: &self.id,
            username: &self.username,
            display_name: &self.display_name,
            role: self.role,
            scope: &self.scope,
            disabled: self.disabled,
        }
    }
}

/// An account with its stored hash, for checking a password.
#[derive(Debug, Clone)]
pub struct StoredAccount {
    pub account: Account,
    pub password_hash: String,
}

/// Hashes a password with argon2id (off the async runtime: it is deliberately slow).
pub async fn hash_password(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut OsRng);
        Argon2::default()
            .hash_password(password.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
    })
    .await
    .context("joining the hashing task")?
}

/// Checks a password against a stored hash (off the async runtime).
pub async fn verify_password(password: String, hash: String) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let parsed = PasswordHash::new(&hash)
            .map_err(|e| anyhow::anyhow!("parsing a password hash: {e}"))?;
        Ok(Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok())
    })
    .await
    .context("joining the verification task")?
}

/// An argon2id hash with the default parameters of a password nobody knows. A sign-in
/// for an unknown username is checked against it, so that it takes as long as one for
/// an existing account and the timing does not tell whether the account exists.
pub const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$d3V5ZS1kdW1teS1zYWx0$LpV4U8QFFc6v68bwj9ux3n0Ry9LWaYWEiFxB5kQ3O2c";

/// `(scope_kind, scope_id)` as stored.
pub fn scope_columns(scope: &Scope) -> (&'static str, Option<&str>) {
    match scope {
        Scope::City => ("city", None),
        Scope::District(id) => ("district", Some(id)),
        Scope::Street(id) => ("street", Some(id)),
        Scope::Compound(id) => ("compound", Some(id)),
        Scope::Firm(id) => ("firm", Some(id)),
    }
}

/// The scope from its stored columns.
pub fn scope_from_columns(kind: &str, id: Option<String>) -> Option<Scope> {
    match (kind, id) {
        ("city", _) => Some(Scope::City),
        ("district", Some(id)) => Some(Scope::District(id)),
        ("street", Some(id)) => Some(Scope::Street(id)),
        ("compound", Some(id)) => Some(Scope::Compound(id)),
        ("firm", Some(id)) => Some(Scope::Firm(id)),
        _ => None,
    }
}

/// Inserts an account inside the caller's transaction and returns its id. The caller
/// hashes the password first ([`hash_password`]) so the transaction is not held open
/// while argon2 runs. A duplicate username is a unique violation on `account.username`.
pub async fn insert_account(
    conn: &mut AnyConnection,
    account: &NewAccount,
    password_hash: &str,
) -> Result<String, sqlx::Error> {
    let id = new_id();
    let now = now_ms();
    let (scope_kind, scope_id) = scope_columns(&account.scope);
    sqlx::query(
        "INSERT INTO account (id, username, display_name, password_hash, role, scope_kind, scope_id, disabled, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, $8, $8)",
    )
    .bind(&id)
    .bind(&account.username)
    .bind(&account.display_name)
    .bind(password_hash)
    .bind(role_str(account.role))
    .bind(scope_kind)
    .bind(scope_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

pub fn role_str(role: Role) -> &'static str {
    match role {
        Role::Association => "association",
        Role::DistrictOfficial => "district_official",
        Role::StreetOfficial => "street_official",
        Role::Committee => "committee",
        Role::Firm => "firm",
        Role::Service => "service",
    }
}

/// A role an account can have (every role but `service`, which only services use).
pub fn account_role(s: &str) -> Option<Role> {
    match s {
        "association" => Some(Role::Association),
        "district_official" => Some(Role::DistrictOfficial),
        "street_official" => Some(Role::StreetOfficial),
        "committee" => Some(Role::Committee),
        "firm" => Some(Role::Firm),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------
// Validation

/// How a username typed at sign-in is compared: trimmed and lower-cased (usernames are
/// stored lower-case), so `Admin ` and `admin` are the same account and the same
/// throttling key.
pub fn normalise_username(input: &str) -> String {
    input.trim().to_lowercase()
}

/// A new account's username: 3–32 characters of `a-z 0-9 _ . -`.
pub fn check_username(field: &str, username: &str) -> Option<FieldError> {
    let len = username.chars().count();
    if !(USERNAME_MIN..=USERNAME_MAX).contains(&len) {
        return Some(FieldError::new(
            field,
            "invalid_username",
            format!("用户名长度应为 {USERNAME_MIN}–{USERNAME_MAX} 个字符"),
        ));
    }
    if !username
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'))
    {
        return Some(FieldError::new(
            field,
            "invalid_username",
            "用户名只能包含小写字母、数字、下划线、点和连字符",
        ));
    }
    None
}

/// A display name: 1–64 characters, not only blanks.
pub fn check_display_name(field: &str, name: &str) -> Option<FieldError> {
    let len = name.trim().chars().count();
    if len == 0 {
        Some(FieldError::new(field, "required", "请填写显示名称"))
    } else if len > DISPLAY_NAME_MAX {
        Some(FieldError::new(
            field,
            "length",
            format!("显示名称不能超过 {DISPLAY_NAME_MAX} 个字符"),
        ))
    } else {
        None
    }
}

/// A new password: 10–128 characters and not the username.
pub fn check_new_password(field: &str, password: &str, username: &str) -> Option<FieldError> {
    let len = password.chars().count();
    if len < PASSWORD_MIN {
        Some(FieldError::new(
            field,
            "password_too_short",
            format!("密码至少需要 {PASSWORD_MIN} 个字符"),
        ))
    } else if len > PASSWORD_MAX {
        Some(FieldError::new(
            field,
            "password_too_long",
            format!("密码不能超过 {PASSWORD_MAX} 个字符"),
        ))
    } else if password.trim().to_lowercase() == username.trim().to_lowercase() {
        Some(FieldError::new(
            field,
            "password_is_username",
            "密码不能与用户名相同",
        ))
    } else {
        None
    }
}

/// The scope a new account of this role acts on, from the submitted `scope_id`:
/// association → the city (no id), district official → a known district code, street
/// official → a known street code, committee → a compound id, firm → a firm id.
pub fn scope_for(field: &str, role: Role, scope_id: Option<&str>) -> Result<Scope, FieldError> {
    let id = scope_id.map(str::trim).filter(|s| !s.is_empty());
    let required = |what: &str| FieldError::new(field, "required", format!("请填写{what}"));
    match role {
        Role::Association | Role::Service => match id {
            None => Ok(Scope::City),
            Some(_) => Err(FieldError::new(
                field,
                "not_applicable",
                "协会账号作用于全市，不应填写范围",
            )),
        },
        Role::DistrictOfficial => {
            let id = id.ok_or_else(|| required("区县代码"))?;
            DistrictCode::parse(id)
                .map(|d| Scope::District(d.as_str().to_string()))
                .map_err(|e| FieldError::domain(field, &e))
        }
        Role::StreetOfficial => {
            let id = id.ok_or_else(|| required("镇街道代码"))?;
            StreetCode::parse(id)
                .map(|s| Scope::Street(s.as_str().to_string()))
                .map_err(|e| FieldError::domain(field, &e))
        }
        // Existence of the compound or firm is checked where those live.
        Role::Committee => Ok(Scope::Compound(
            id.ok_or_else(|| required("小区编号"))?.to_string(),
        )),
        Role::Firm => Ok(Scope::Firm(
            id.ok_or_else(|| required("企业编号"))?.to_string(),
        )),
    }
}

/// Every field error of a new account's username, display name and password.
pub fn check_credentials(username: &str, display_name: &str, password: &str) -> Vec<FieldError> {
    [
        check_username("username", username),
        check_display_name("display_name", display_name),
        check_new_password("password", password, username),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Every field error of a new account.
pub fn check_new_account(account: &NewAccount) -> Vec<FieldError> {
    check_credentials(&account.username, &account.display_name, &account.password)
}

// ---------------------------------------------------------------------------------------
// Reading and writing

/// The columns [`stored_from_row`] reads. The Any driver cannot decode SQLite booleans,
/// so `disabled` is read as 0/1.
const COLUMNS: &str = "id, username, display_name, role, scope_kind, scope_id, \
    CAST(CASE WHEN disabled THEN 1 ELSE 0 END AS BIGINT) AS disabled, created_at, updated_at, password_hash";

fn rfc3339(ms: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Decodes a row selected with [`COLUMNS`].
fn stored_from_row(row: &sqlx::any::AnyRow) -> anyhow::Result<StoredAccount> {
    let role: String = row.try_get("role")?;
    let scope_kind: String = row.try_get("scope_kind")?;
    let scope_id: Option<String> = row.try_get("scope_id")?;
    let id: String = row.try_get("id")?;
    let account = Account {
        role: account_role(&role)
            .with_context(|| format!("account {id} has an unknown role {role:?}"))?,
        scope: scope_from_columns(&scope_kind, scope_id)
            .with_context(|| format!("account {id} has a malformed scope"))?,
        username: row.try_get("username")?,
        display_name: row.try_get("display_name")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
        created_at: rfc3339(row.try_get("created_at")?),
        updated_at: rfc3339(row.try_get("updated_at")?),
        id,
    };
    Ok(StoredAccount {
        account,
        password_hash: row.try_get("password_hash")?,
    })
}

/// The account with this username.
pub async fn find_by_username(db: &Db, username: &str) -> anyhow::Result<Option<StoredAccount>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM account WHERE username = $1"
    )))
    .bind(username)
    .fetch_optional(&db.pool)
    .await?;
    row.as_ref().map(stored_from_row).transpose()
}

/// The account with this id, on a connection (e.g. inside a write transaction).
pub async fn find_by_id(
    conn: &mut AnyConnection,
    id: &str,
) -> anyhow::Result<Option<StoredAccount>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM account WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(stored_from_row).transpose()
}

/// The accounts matching a filter, one page, by username; and how many match in all.
pub async fn list(
    db: &Db,
    filter: &ListFilter,
    limit: i64,
    offset: i64,
) -> anyhow::Result<(Vec<Account>, i64)> {
    // Every user-supplied value is a bound parameter; only fixed SQL is formatted in.
    let mut conditions: Vec<String> = Vec::new();
    let mut params: Vec<String> = Vec::new();
    if let Some(role) = filter.role {
        params.push(role_str(role).to_string());
        conditions.push(format!("role = ${}", params.len()));
    }
    if let Some(district) = &filter.streets_of_district {
        params.push(district.clone());
        conditions.push(format!(
            "scope_kind = 'street' AND scope_id IN (SELECT code FROM street WHERE district_code = ${})",
            params.len()
        ));
    }
    if let Some(text) = &filter.text {
        params.push(text.clone());
        let n = params.len();
        conditions.push(format!(
            "({} OR {})",
            shared::db::dialect::contains(db.backend, "username", n),
            shared::db::dialect::contains(db.backend, "display_name", n)
        ));
    }
    if let Some(disabled) = filter.disabled {
        conditions.push(
            if disabled {
                "disabled = TRUE"
            } else {
                "disabled = FALSE"
            }
            .to_string(),
        );
    }
    let where_sql = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };

    let mut count = sqlx::query_scalar::<_, i64>(sqlx::AssertSqlSafe(format!(
        "SELECT COUNT(*) FROM account{where_sql}"
    )));
    for p in &params {
        count = count.bind(p.clone());
    }
    let total = count.fetch_one(&db.pool).await?;

    let n = params.len();
    let mut page = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM account{where_sql} ORDER BY username LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    )));
    for p in &params {
        page = page.bind(p.clone());
    }
    let rows = page.bind(limit).bind(offset).fetch_all(&db.pool).await?;
    let items = rows
        .iter()
        .map(|r| stored_from_row(r).map(|s| s.account))
        .collect::<anyhow::Result<_>>()?;
    Ok((items, total))
}

/// Filters of the account list.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    pub role: Option<Role>,
    /// Only accounts scoped to a street of this district.
    pub streets_of_district: Option<String>,
    /// Username or display name contains this.
    pub text: Option<String>,
    pub disabled: Option<bool>,
}

/// Why an account could not be created.
#[derive(Debug, thiserror::Error)]
pub enum CreateAccountError {
    #[error("the username is already taken")]
    UsernameTaken,
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Creates an account (already validated) and emits its `account` change, all in one
/// write transaction. The password is hashed before the transaction begins.
pub async fn create(
    db: &Db,
    notifier: &Notifier,
    account: &NewAccount,
) -> Result<Account, CreateAccountError> {
    let hash = hash_password(account.password.clone()).await?;
    let mut tx = WriteTx::begin(db, notifier)
        .await
        .context("beginning a write")?;
    let id = match insert_account(tx.conn(), account, &hash).await {
        Ok(id) => id,
        Err(e) if shared::db::is_unique_violation(&e) => {
            return Err(CreateAccountError::UsernameTaken);
        }
        Err(e) => return Err(anyhow::Error::new(e).into()),
    };
    let created = find_by_id(tx.conn(), &id)
        .await?
        .context("reading back a new account")?
        .account;
    tx.emit(TOPIC, &id, "created", &created.change()).await?;
    tx.commit().await.context("committing a new account")?;
    Ok(created)
}

/// Creates the first association account (协会管理员) on a catalog database: connects,
/// applies the migrations, validates like `POST /catalog/accounts`, refuses a username
/// that exists, and returns the new account's id. Used by `wuye admin
/// create-association`.
pub async fn bootstrap_association(
    database_url: &str,
    username: &str,
    display_name: &str,
    password: &str,
) -> anyhow::Result<String> {
    let account = NewAccount {
        username: username.trim().to_string(),
        display_name: display_name.trim().to_string(),
        password: password.to_string(),
        role: Role::Association,
        scope: Scope::City,
    };
    let errors = check_new_account(&account);
    if !errors.is_empty() {
        let lines: Vec<String> = errors
            .iter()
            .map(|e| format!("{}: {}", e.field, e.message))
            .collect();
        anyhow::bail!("the account was not created: {}", lines.join("; "));
    }
    let db = shared::db::connect(database_url).await?;
    db.migrate(&crate::MIGRATOR).await?;
    let result = create(&db, &Notifier::default(), &account).await;
    db.pool.close().await;
    match result {
        Ok(a) => Ok(a.id),
        Err(CreateAccountError::UsernameTaken) => anyhow::bail!(
            "the username {:?} already exists; nothing was changed",
            account.username
        ),
        Err(CreateAccountError::Internal(e)) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------
// Sessions

/// Lists a token as signed out until it expires (`expires_at` in ms). Not on the feed:
/// only the catalog consults the list. Expired entries are swept on the way.
pub async fn revoke_token(
    db: &Db,
    jti: &str,
    account_id: &str,
    expires_at_ms: i64,
) -> anyhow::Result<()> {
    let now = now_ms();
    sqlx::query("DELETE FROM revoked_token WHERE expires_at < $1")
        .bind(now)
        .execute(&db.pool)
        .await?;
    sqlx::query(
        "INSERT INTO revoked_token (jti, account_id, expires_at, revoked_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (jti) DO NOTHING",
    )
    .bind(jti)
    .bind(account_id)
    .bind(expires_at_ms)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// True when a validly signed token must nevertheless be refused: it was signed out, or
/// its account has been disabled since it was issued.
pub async fn session_refused(db: &Db, identity: &Identity) -> anyhow::Result<bool> {
    let refused: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM revoked_token WHERE jti = $1) \
         + (SELECT COUNT(*) FROM account WHERE id = $2 AND disabled = TRUE)",
    )
    .bind(&identity.token_id)
    .bind(&identity.account_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(refused > 0)
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

/// Catalog middleware: a request carrying a valid token that was signed out (or whose
/// account was disabled) is answered 401, whatever endpoint it is for; when the token
/// came in the cookie, the answer also clears the cookie so the browser recovers. Sign-in
/// itself (`POST …/session`) is exempt, so a stale cookie never blocks signing in again.
/// Requests without a token, or with an invalid one, pass on to the handler's own
/// `Identity` check. Service tokens are never issued by sign-in and are not looked up.
pub async fn session_guard(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let signing_in = req.method() == Method::POST && req.uri().path().ends_with("/session");
    let (parts, body) = req.into_parts();
    let identity = shared::auth::token_from_parts(&parts).and_then(|t| app.keys.verify(&t).ok());
    if let Some(identity) = identity.filter(|i| i.role != Role::Service && !signing_in) {
        match session_refused(&app.db, &identity).await {
            Ok(false) => {}
            Ok(true) => {
                let mut response = Problem::unauthorized()
                    .with_detail("登录已注销或账号已停用，请重新登录。")
                    .into_response();
                let bearer = parts
                    .headers
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.starts_with("Bearer "));
                if !bearer {
                    response.headers_mut().append(
                        header::SET_COOKIE,
                        session_cookie("", 0, app.secure_cookies, &parts.headers),
                    );
                }
                return response;
            }
            Err(e) => return crate::Error::Internal(e).into_response(),
        }
    }
    next.run(Request::from_parts(parts, body)).await
}

// ---------------------------------------------------------------------------------------
// Login throttling

/// At most this many failed sign-ins per username within [`USERNAME_WINDOW`]; then that
/// username is refused (429) until the oldest failure leaves the window, even with the
/// right password. A successful sign-in clears the username's failures.
pub const USERNAME_FAILURES: usize = 5;
pub const USERNAME_WINDOW: Duration = Duration::from_secs(15 * 60);
/// At most this many sign-in attempts (failed or not) per client address within
/// [`CLIENT_WINDOW`].
pub const CLIENT_ATTEMPTS: usize = 30;
pub const CLIENT_WINDOW: Duration = Duration::from_secs(60);
/// Expired keys are swept when the tables grow past this many keys.
const SWEEP_ABOVE: usize = 4096;

/// In-memory sliding-window throttling of sign-ins (登录限流), per username and per client
/// address. Per process: a restart forgets it, and several catalog processes would each
/// keep their own.
#[derive(Debug, Default)]
pub struct LoginLimiter {
    inner: Mutex<LimiterTables>,
}

#[derive(Debug, Default)]
struct LimiterTables {
    failures: HashMap<String, VecDeque<Instant>>,
    attempts: HashMap<String, VecDeque<Instant>>,
}

/// Drops the instants older than `window`; when `limit` remain, how long until one leaves.
fn wait_for(
    events: &mut VecDeque<Instant>,
    now: Instant,
    window: Duration,
    limit: usize,
) -> Option<Duration> {
    while events
        .front()
        .is_some_and(|t| now.duration_since(*t) >= window)
    {
        events.pop_front();
    }
    if events.len() >= limit {
        events
            .front()
            .map(|oldest| window.saturating_sub(now.duration_since(*oldest)))
    } else {
        None
    }
}

fn sweep(table: &mut HashMap<String, VecDeque<Instant>>, now: Instant, window: Duration) {
    if table.len() > SWEEP_ABOVE {
        table.retain(|_, events| {
            events
                .back()
                .is_some_and(|t| now.duration_since(*t) < window)
        });
    }
}

/// Usernames as throttling keys are capped, so huge inputs cannot bloat the tables.
fn username_key(username: &str) -> String {
    username.chars().take(64).collect()
}

impl LoginLimiter {
    /// Admits one sign-in attempt for `username` from `client` (counted against the
    /// client), or says how long to wait.
    pub fn admit(&self, username: &str, client: &str) -> Result<(), Duration> {
        self.admit_at(username, Some(client), Instant::now())
    }

    /// Admits one password check for `username` (e.g. the current password at a
    /// password change), or says how long to wait.
    pub fn admit_username(&self, username: &str) -> Result<(), Duration> {
        self.admit_at(username, None, Instant::now())
    }

    /// Remembers a failed password check for `username`.
    pub fn record_failure(&self, username: &str) {
        self.record_failure_at(username, Instant::now());
    }

    /// Forgets the failures of `username` after a successful sign-in.
    pub fn record_success(&self, username: &str) {
        let mut t = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        t.failures.remove(&username_key(username));
    }

    fn admit_at(&self, username: &str, client: Option<&str>, now: Instant) -> Result<(), Duration> {
        let mut t = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        let t = &mut *t;
        sweep(&mut t.failures, now, USERNAME_WINDOW);
        sweep(&mut t.attempts, now, CLIENT_WINDOW);
        if let Some(events) = t.failures.get_mut(&username_key(username))
            && let Some(wait) = wait_for(events, now, USERNAME_WINDOW, USERNAME_FAILURES)
        {
            return Err(wait);
        }
        if let Some(client) = client {
            let events = t.attempts.entry(client.to_string()).or_default();
            if let Some(wait) = wait_for(events, now, CLIENT_WINDOW, CLIENT_ATTEMPTS) {
                return Err(wait);
            }
            events.push_back(now);
        }
        Ok(())
    }

    fn record_failure_at(&self, username: &str, now: Instant) {
        let mut t = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        t.failures
            .entry(username_key(username))
            .or_default()
            .push_back(now);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dummy_hash_uses_the_default_parameters() {
        let parsed = PasswordHash::new(DUMMY_HASH).unwrap();
        let params = argon2::Params::try_from(&parsed).unwrap();
        let default = argon2::Params::default();
        assert_eq!(
            (params.m_cost(), params.t_cost(), params.p_cost()),
            (default.m_cost(), default.t_cost(), default.p_cost())
        );
        assert_eq!(
            parsed.hash.unwrap().len(),
            argon2::Params::DEFAULT_OUTPUT_LEN
        );
        assert_eq!(parsed.algorithm, argon2::Algorithm::Argon2id.ident());
    }

    #[test]
    fn usernames() {
        assert!(check_username("u", "zhang.san-01_x").is_none());
        for bad in ["ab", "Zhang", "张三", "a b", &"x".repeat(33)] {
            assert!(check_username("u", bad).is_some(), "{bad} accepted");
        }
        assert_eq!(normalise_username("  Admin "), "admin");
    }

    #[test]
    fn passwords() {
        assert!(check_new_password("p", "correct horse", "zhang").is_none());
        assert_eq!(
            check_new_password("p", "short", "zhang").unwrap().code,
            "password_too_short"
        );
        assert_eq!(
            check_new_password("p", "zhangsan01", "zhangsan01")
                .unwrap()
                .code,
            "password_is_username"
        );
        assert_eq!(
            check_new_password("p", &"x".repeat(129), "zhang")
                .unwrap()
                .code,
            "password_too_long"
        );
    }

    #[test]
    fn scopes_follow_the_role() {
        assert_eq!(
            scope_for("s", Role::Association, None).unwrap(),
            Scope::City
        );
        assert!(scope_for("s", Role::Association, Some("510104")).is_err());
        assert_eq!(
            scope_for("s", Role::DistrictOfficial, Some("510104")).unwrap(),
            Scope::District("510104".into())
        );
        assert!(scope_for("s", Role::DistrictOfficial, Some("999999")).is_err());
        assert!(scope_for("s", Role::StreetOfficial, Some("510104")).is_err());
        assert!(scope_for("s", Role::Firm, Some(" ")).is_err());
        assert_eq!(
            scope_for("s", Role::Committee, Some("c1")).unwrap(),
            Scope::Compound("c1".into())
        );
    }

    #[test]
    fn username_failures_lock_until_the_window_passes() {
        let limiter = LoginLimiter::default();
        let start = Instant::now();
        for i in 0..USERNAME_FAILURES {
            let at = start + Duration::from_secs(i as u64);
            assert!(limiter.admit_at("zhang", Some("ip"), at).is_ok());
            limiter.record_failure_at("zhang", at);
        }
        let wait = limiter
            .admit_at("zhang", None, start + Duration::from_secs(10))
            .unwrap_err();
        assert_eq!(wait, USERNAME_WINDOW - Duration::from_secs(10));
        // Another username is not affected.
        assert!(limiter.admit_at("li", None, start).is_ok());
        // Once the oldest failure leaves the window, one more attempt is allowed.
        assert!(
            limiter
                .admit_at("zhang", None, start + USERNAME_WINDOW)
                .is_ok()
        );
        limiter.record_success("zhang");
        assert!(limiter.admit_at("zhang", None, start).is_ok());
    }

    #[test]
    fn client_attempts_are_limited_per_minute() {
        let limiter = LoginLimiter::default();
        let start = Instant::now();
        for i in 0..CLIENT_ATTEMPTS {
            assert!(
                limiter
                    .admit_at(&format!("u{i}"), Some("1.2.3.4"), start)
                    .is_ok()
            );
        }
        assert_eq!(
            limiter
                .admit_at("other", Some("1.2.3.4"), start)
                .unwrap_err(),
            CLIENT_WINDOW
        );
        assert!(limiter.admit_at("other", Some("5.6.7.8"), start).is_ok());
        assert!(
            limiter
                .admit_at("other", Some("1.2.3.4"), start + CLIENT_WINDOW)
                .is_ok()
        );
    }
}
