//! Changes to an account made by whoever manages it (see `reach.rs`): disabling and
//! enabling, the display name, and a password reset to a one-time password that must be
//! changed at the next sign-in. Each is recorded (`events.rs`), emitted on the `account`
//! topic, and, where sessions end, published on the `session` topic, in one write.

use argon2::password_hash::rand_core::{OsRng, RngCore};
use shared::auth::Identity;
use shared::clock::now_ms;
use shared::db::Db;
use shared::error::Problem;
use shared::feed::{Notifier, WriteTx};

use super::events::{self, kind};
use super::record::{Account, TOPIC};
use super::sessions::{end_sessions, publish_cutoff};
use super::store::find_by_id;
use crate::error::Result;
use crate::passwords::PasswordGate;

/// What a manager changes of an account (each field optional; nothing changed writes
/// nothing).
#[derive(Debug, Clone, Default)]
pub struct Changes {
    pub disabled: Option<bool>,
    /// Already checked (`rules::display_name`) and trimmed.
    pub display_name: Option<String>,
}

/// Applies `changes` to `account` for `by`: each changed field recorded old → new, the
/// account emitted as `updated`, and a disabled account's sessions ended everywhere.
pub async fn apply(
    db: &Db,
    notifier: &Notifier,
    account: &Account,
    changes: &Changes,
    by: &Identity,
) -> Result<Account> {
    let mut tx = WriteTx::begin(db, notifier).await?;
    let now = now_ms();
    let mut changed = false;
    if let Some(name) = changes
        .display_name
        .as_deref()
        .filter(|n| *n != account.display_name)
    {
        sqlx::query("UPDATE account SET display_name = $1, updated_at = $2 WHERE id = $3")
            .bind(name)
            .bind(now)
            .bind(&account.id)
            .execute(&mut *tx.conn())
            .await?;
        events::record(
            tx.conn(),
            &account.id,
            kind::DISPLAY_NAME_CHANGED,
            (Some(&account.display_name), Some(name)),
            (&by.account_id, &by.name),
        )
        .await?;
        changed = true;
    }
    let toggled = changes.disabled.filter(|d| *d != account.disabled);
    if let Some(disabled) = toggled {
        sqlx::query("UPDATE account SET disabled = $1, updated_at = $2 WHERE id = $3")
            .bind(disabled)
            .bind(now)
            .bind(&account.id)
            .execute(&mut *tx.conn())
            .await?;
        let (what, old, new) = if disabled {
            (kind::DISABLED, "启用", "停用")
        } else {
            (kind::ENABLED, "停用", "启用")
        };
        events::record(
            tx.conn(),
            &account.id,
            what,
            (Some(old), Some(new)),
            (&by.account_id, &by.name),
        )
        .await?;
        changed = true;
    }
    let updated = reread(&mut tx, &account.id).await?;
    if changed {
        tx.emit(TOPIC, &account.id, "updated", &updated.change())
            .await?;
    }
    if toggled == Some(true) {
        end_sessions(tx.conn(), &account.id).await?;
    }
    if toggled.is_some() {
        publish_cutoff(&mut tx, &account.id).await?;
    }
    tx.commit().await?;
    Ok(updated)
}

/// Resets `account`'s password to a new one-time password (一次性密码), which it must
/// change at its next sign-in; every session of the account ends. Returns the account
/// and the password, to be shown once: it is stored only as its hash.
pub async fn reset_password(
    db: &Db,
    notifier: &Notifier,
    passwords: &PasswordGate,
    account: &Account,
    by: &Identity,
) -> Result<(Account, String)> {
    let password = one_time_password();
    let hash = passwords.hash(password.clone()).await?;
    let mut tx = WriteTx::begin(db, notifier).await?;
    sqlx::query(
        "UPDATE account SET password_hash = $1, must_change_password = TRUE, updated_at = $2 WHERE id = $3",
    )
    .bind(&hash)
    .bind(now_ms())
    .bind(&account.id)
    .execute(&mut *tx.conn())
    .await?;
    events::record(
        tx.conn(),
        &account.id,
        kind::PASSWORD_RESET,
        (None, None),
        (&by.account_id, &by.name),
    )
    .await?;
    let updated = reread(&mut tx, &account.id).await?;
    tx.emit(TOPIC, &account.id, "password_reset", &updated.change())
        .await?;
    end_sessions(tx.conn(), &account.id).await?;
    publish_cutoff(&mut tx, &account.id).await?;
    tx.commit().await?;
    Ok((updated, password))
}

/// Whether the account must change its password before anything else.
pub async fn must_change_password(db: &Db, account_id: &str) -> anyhow::Result<bool> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM account WHERE id = $1 AND must_change_password = TRUE",
    )
    .bind(account_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(n > 0)
}

/// The answer to any other request of an account that must change its password.
pub fn password_change_required() -> Problem {
    shared::auth::password_change_required()
}

async fn reread(tx: &mut WriteTx, id: &str) -> Result<Account> {
    Ok(find_by_id(tx.conn(), id)
        .await?
        .ok_or_else(|| Problem::not_found("没有这个账号。"))?
        .account)
}

/// The alphabet of one-time passwords: no 0/O, 1/l/I, so it can be read out.
const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789";

/// A one-time password: three groups of four characters from [`ALPHABET`] (about 70
/// bits), e.g. `Kq7m-Ws3d-Hx9p`.
pub fn one_time_password() -> String {
    let mut out = String::with_capacity(14);
    let mut count = 0;
    while count < 12 {
        let mut byte = [0u8; 1];
        OsRng.fill_bytes(&mut byte);
        // Rejection sampling keeps every character equally likely.
        let limit = 256 - 256 % ALPHABET.len();
        if usize::from(byte[0]) >= limit {
            continue;
        }
        if count > 0 && count % 4 == 0 {
            out.push('-');
        }
        out.push(char::from(ALPHABET[usize::from(byte[0]) % ALPHABET.len()]));
        count += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_time_passwords_are_long_enough_and_differ() {
        let a = one_time_password();
        let b = one_time_password();
        assert_eq!(a.chars().count(), 14);
        assert!(super::super::rules::new_password(&a).is_ok());
        assert_ne!(a, b);
        assert!(a.split('-').all(|g| g.len() == 4));
    }
}
