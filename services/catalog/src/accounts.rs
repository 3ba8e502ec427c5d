//! Accounts (账号): argon2 password hashes, roles and scopes, sessions (登录凭证) and
//! their revocation, and the bootstrap of the first association account. Every hash and
//! verification goes through the one argon2 gate, and sign-in throttling (登录限流) is
//! [`LoginLimiter`]: both live in `crate::throttle`.
//!
//! An account has one [`Role`] acting on one [`Scope`]: association staff on the city, a
//! district official on a district, a street official on a street, a compound committee
//! on one compound, a firm on one firm. Signing in issues a signed token (see
//! `shared::auth`) that every service verifies locally. Signing out lists the token's id
//! in `revoked_token`; a password change or disabling sets the account's
//! `sessions_valid_after`. Both are published on the feed (topic `session`, see
//! `shared::session`), so tender and matching refuse those tokens within moments too; the
//! catalog checks its own tables ([`DbSessions`]).

use anyhow::Context;
use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use axum::http::{HeaderMap, HeaderValue};
use futures::future::BoxFuture;
use serde::Serialize;
use shared::auth::{Claims, Role, SESSION_COOKIE, Scope};
use shared::db::{Db, new_id, now_ms};
use shared::domain::{DistrictCode, StreetCode};
use shared::error::{FieldError, Problem};
use shared::feed::{Notifier, WriteTx};
use shared::session::{self, AccountCutoff, RevokedToken, SessionCheck};
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

pub use crate::throttle::LoginLimiter;
use crate::throttle::PasswordGate;

/// The feed topic of account changes.
pub const TOPIC: &str = shared::events::catalog::ACCOUNT;

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

/// Hashes a password with argon2id, on the calling thread: deliberately slow, so only
/// [`crate::throttle::PasswordGate`] calls it, on the blocking pool.
pub(crate) fn hash_blocking(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

/// Checks a password against a stored hash, on the calling thread (see [`hash_blocking`]).
pub(crate) fn verify_blocking(password: &str, hash: &str) -> anyhow::Result<bool> {
    let parsed =
        PasswordHash::new(hash).map_err(|e| anyhow::anyhow!("parsing a password hash: {e}"))?;
    Ok(Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok())
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
/// hashes the password first (`PasswordGate::hash`) so the transaction is not held open
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
    /// The password gate was busy (503 with `Retry-After`).
    #[error("refused: {0:?}")]
    Refused(Box<Problem>),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

/// Whether an account has this username (checked before a password is hashed for a new
/// account; the unique index still decides a race).
pub async fn username_exists(conn: &mut AnyConnection, username: &str) -> anyhow::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM account WHERE username = $1")
        .bind(username)
        .fetch_one(&mut *conn)
        .await?;
    Ok(n > 0)
}

/// Creates an account (already validated) and emits its `account` change, all in one
/// write transaction. A taken username is refused before anything is hashed; the
/// password is hashed through the gate before the transaction begins.
pub async fn create(
    db: &Db,
    notifier: &Notifier,
    passwords: &PasswordGate,
    account: &NewAccount,
) -> Result<Account, CreateAccountError> {
    let mut conn = db.pool.acquire().await.context("reading accounts")?;
    if username_exists(&mut conn, &account.username).await? {
        return Err(CreateAccountError::UsernameTaken);
    }
    drop(conn);
    let hash = match passwords.hash(account.password.clone()).await {
        Ok(h) => h,
        Err(crate::Error::Problem(p)) => return Err(CreateAccountError::Refused(p)),
        Err(crate::Error::Internal(e)) => return Err(e.into()),
    };
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
    let result = create(
        &db,
        &Notifier::default(),
        &PasswordGate::default(),
        &account,
    )
    .await;
    db.pool.close().await;
    match result {
        Ok(a) => Ok(a.id),
        Err(CreateAccountError::UsernameTaken) => anyhow::bail!(
            "the username {:?} already exists; nothing was changed",
            account.username
        ),
        Err(CreateAccountError::Refused(p)) => anyhow::bail!("{}", p.title),
        Err(CreateAccountError::Internal(e)) => Err(e),
    }
}

// ---------------------------------------------------------------------------------------
// Sessions

/// Signs a token out: lists it in `revoked_token` until it expires (`expires_at` in ms)
/// and publishes it on the feed (topic `session`, kind `revoked`) in the same write, so
/// tender and matching refuse it too. Expired entries are swept on the way.
pub async fn revoke_token(
    db: &Db,
    notifier: &Notifier,
    jti: &str,
    account_id: &str,
    expires_at_ms: i64,
) -> anyhow::Result<()> {
    let now = now_ms();
    let mut tx = WriteTx::begin(db, notifier).await?;
    sqlx::query("DELETE FROM revoked_token WHERE expires_at < $1")
        .bind(now)
        .execute(&mut *tx.conn())
        .await?;
    let inserted = sqlx::query(
        "INSERT INTO revoked_token (jti, account_id, expires_at, revoked_at, published) VALUES ($1, $2, $3, $4, 1) \
         ON CONFLICT (jti) DO NOTHING",
    )
    .bind(jti)
    .bind(account_id)
    .bind(expires_at_ms)
    .bind(now)
    .execute(&mut *tx.conn())
    .await?
    .rows_affected();
    if inserted > 0 {
        tx.emit(
            session::TOPIC,
            jti,
            session::REVOKED,
            &RevokedToken {
                jti: jti.to_string(),
                account_id: account_id.to_string(),
                expires_at: expires_at_ms,
            },
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// Ends every session of an account issued before now (password change, disabling):
/// sets its `sessions_valid_after`, inside the caller's write. Returns the instant (ms);
/// a token issued from that instant on is valid. Publish with [`publish_cutoff`].
pub async fn end_sessions(conn: &mut AnyConnection, account_id: &str) -> anyhow::Result<i64> {
    let now = now_ms();
    sqlx::query("UPDATE account SET sessions_valid_after = $1 WHERE id = $2")
        .bind(now)
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    Ok(now)
}

/// Publishes an account's session cutoff (its `sessions_valid_after` and whether it is
/// disabled) on the feed (topic `session`, kind `cutoff`), inside the caller's write.
pub async fn publish_cutoff(tx: &mut WriteTx, account_id: &str) -> anyhow::Result<()> {
    let row = sqlx::query(
        "SELECT sessions_valid_after, CAST(CASE WHEN disabled THEN 1 ELSE 0 END AS BIGINT) AS disabled \
         FROM account WHERE id = $1",
    )
    .bind(account_id)
    .fetch_one(&mut *tx.conn())
    .await?;
    let cutoff = AccountCutoff {
        account_id: account_id.to_string(),
        valid_after: row.try_get("sessions_valid_after")?,
        disabled: row.try_get::<i64, _>("disabled")? != 0,
    };
    tx.emit(session::TOPIC, account_id, session::CUTOFF, &cutoff)
        .await?;
    Ok(())
}

/// At start-up, publishes the session facts recorded before the `session` topic existed:
/// signed-out tokens not yet published, and disabled accounts without a cutoff (their
/// sessions end now). Idempotent: a second run finds nothing.
pub async fn publish_session_backlog(db: &Db, notifier: &Notifier) -> anyhow::Result<usize> {
    let mut tx = WriteTx::begin(db, notifier).await?;
    let now = now_ms();
    let rows = sqlx::query(
        "SELECT jti, account_id, expires_at FROM revoked_token WHERE published = 0 AND expires_at >= $1",
    )
    .bind(now)
    .fetch_all(&mut *tx.conn())
    .await?;
    let mut published = 0;
    for r in &rows {
        let token = RevokedToken {
            jti: r.try_get("jti")?,
            account_id: r.try_get("account_id")?,
            expires_at: r.try_get("expires_at")?,
        };
        tx.emit(session::TOPIC, &token.jti, session::REVOKED, &token)
            .await?;
        published += 1;
    }
    sqlx::query("UPDATE revoked_token SET published = 1 WHERE published = 0")
        .execute(&mut *tx.conn())
        .await?;
    let disabled: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM account WHERE disabled = TRUE AND sessions_valid_after = 0",
    )
    .fetch_all(&mut *tx.conn())
    .await?;
    for id in &disabled {
        end_sessions(tx.conn(), id).await?;
        publish_cutoff(&mut tx, id).await?;
        published += 1;
    }
    tx.commit().await?;
    Ok(published)
}

/// The catalog's [`SessionCheck`]: asks its own database (the truth, shared by every
/// catalog process), so a sign-out answered by one catalog is refused by all at once.
#[derive(Debug, Clone)]
pub struct DbSessions {
    pub db: Db,
}

impl SessionCheck for DbSessions {
    fn ended<'a>(&'a self, claims: &'a Claims) -> BoxFuture<'a, anyhow::Result<bool>> {
        Box::pin(async move {
            let refused: i64 = sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM revoked_token WHERE jti = $1) \
                 + (SELECT COUNT(*) FROM account WHERE id = $2 \
                    AND (disabled = TRUE OR sessions_valid_after > $3))",
            )
            .bind(&claims.jti)
            .bind(&claims.sub)
            .bind(session::issued_at_ms(claims))
            .fetch_one(&self.db.pool)
            .await?;
            Ok(refused > 0)
        })
    }
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
}
