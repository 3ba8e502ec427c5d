//! Where accounts are kept: reading, listing (one page), creating (the password hashed
//! through the gate first), and the first association account.

use anyhow::Context;
use shared::auth::{Identity, Role, Scope};
use shared::clock::{now_ms, rfc3339_utc};
use shared::db::{Bind, Db, Filter, ListQuery, new_id};
use shared::error::Problem;
use shared::extract::{Page, Pagination};
use shared::feed::{Notifier, WriteTx};
use sqlx::{AnyConnection, Row};

use super::events::{self, actor, kind};
use super::reach::Managed;
use super::record::{
    Account, NewAccount, StoredAccount, TOPIC, account_role, role_str, scope_columns,
    scope_from_columns,
};
use super::rules::check_new_account;
use crate::passwords::PasswordGate;

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

/// The columns [`stored_from_row`] reads. The Any driver cannot decode SQLite booleans,
/// so `disabled` is read as 0/1. A committee account's compound name is read from the
/// ledger (`scope_name`).
const COLUMNS: &str = concat!(
    "id, username, display_name, role, scope_kind, scope_id, ",
    "(SELECT c.name FROM compound c WHERE account.scope_kind = 'compound' \
     AND c.id = account.scope_id) AS scope_name, ",
    shared::bool_column!("disabled", "disabled"),
    ", ",
    shared::bool_column!("must_change_password", "must_change_password"),
    ", created_at, updated_at, password_hash"
);

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
        scope_name: row.try_get("scope_name")?,
        disabled: shared::db::flag(row, "disabled")?,
        must_change_password: shared::db::flag(row, "must_change_password")?,
        created_at: rfc3339_utc(row.try_get("created_at")?),
        updated_at: rfc3339_utc(row.try_get("updated_at")?),
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

/// The accounts matching a filter, by username: one page.
pub async fn list(db: &Db, filter: &ListFilter, page: Pagination) -> anyhow::Result<Page<Account>> {
    let mut f = Filter::default();
    if let Some(role) = filter.role {
        let n = f.param(Bind::Text(role_str(role).to_string()));
        f.push(format!("role = ${n}"));
    }
    match &filter.managed_by {
        Managed::All => {}
        Managed::District(district) => {
            let n = f.param(Bind::Text(district.clone()));
            f.push(format!(
                "((role = 'street_official' AND scope_kind = 'street' \
                   AND scope_id IN (SELECT code FROM street WHERE district_code = ${n})) \
                  OR (role = 'committee' AND scope_kind = 'compound' \
                   AND scope_id IN (SELECT id FROM compound WHERE district_code = ${n})))"
            ));
        }
        Managed::Street(street) => {
            let n = f.param(Bind::Text(street.clone()));
            f.push(format!(
                "role = 'committee' AND scope_kind = 'compound' \
                 AND scope_id IN (SELECT id FROM compound WHERE street_code = ${n})"
            ));
        }
    }
    if let Some(text) = &filter.text {
        let n = f.param(Bind::Text(text.clone()));
        f.push(format!(
            "({} OR {})",
            shared::db::dialect::contains(db.backend, "username", n),
            shared::db::dialect::contains(db.backend, "display_name", n)
        ));
    }
    if let Some(disabled) = filter.disabled {
        f.push(if disabled {
            "disabled = TRUE"
        } else {
            "disabled = FALSE"
        });
    }
    let mut conn = db.pool.acquire().await?;
    ListQuery {
        columns: COLUMNS,
        from: "account",
        filter: &f,
        order_by: "username",
    }
    .page(&mut conn, page, |r| stored_from_row(r).map(|s| s.account))
    .await
}

/// Filters of the account list.
#[derive(Debug, Clone)]
pub struct ListFilter {
    pub role: Option<Role>,
    /// Only the accounts the caller manages.
    pub managed_by: Managed,
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

/// Creates an account (already validated), records who created it (`creator`; `None`:
/// the launcher's bootstrap) and emits its `account` change, all in one write transaction. A taken username is refused before anything is hashed; the
/// password is hashed through the gate before the transaction begins.
pub async fn create(
    db: &Db,
    notifier: &Notifier,
    passwords: &PasswordGate,
    account: &NewAccount,
    creator: Option<&Identity>,
) -> Result<Account, CreateAccountError> {
    let mut conn = db.pool.acquire().await.context("reading accounts")?;
    if username_exists(&mut conn, &account.username).await? {
        return Err(CreateAccountError::UsernameTaken);
    }
    drop(conn);
    let hash = match passwords.hash(account.password.clone()).await {
        Ok(h) => h,
        Err(crate::error::Error::Problem(p)) => return Err(CreateAccountError::Refused(p)),
        Err(crate::error::Error::Internal(e)) => return Err(e.into()),
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
    let (actor_id, actor_name) = actor(creator);
    events::record(
        tx.conn(),
        &id,
        kind::CREATED,
        (None, Some(&created.display_name)),
        (&actor_id, &actor_name),
    )
    .await
    .context("recording a new account")?;
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
    db.migrate(&crate::schema::MIGRATOR).await?;
    let result = create(
        &db,
        &Notifier::default(),
        &PasswordGate::default(),
        &account,
        None,
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
