//! Accounts (账号): argon2 password hashes, roles and scopes.

use anyhow::Context;
use argon2::password_hash::{PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Argon2, PasswordHash, PasswordVerifier};
use shared::auth::{Role, Scope};
use shared::db::{new_id, now_ms};
use sqlx::AnyConnection;

/// An account to create. The password is hashed before it is stored.
#[derive(Debug, Clone)]
pub struct NewAccount {
    pub username: String,
    pub display_name: String,
    pub password: String,
    pub role: Role,
    pub scope: Scope,
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
