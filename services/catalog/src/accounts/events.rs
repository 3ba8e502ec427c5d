//! Every change to an account (账号变更记录), append-only: who, when, what (the value
//! before and after; never a password or its hash), readable by whoever manages the
//! account.

use serde::Serialize;
use shared::auth::Identity;
use shared::clock::{now_ms, rfc3339_utc};
use shared::db::{Bind, Db, Filter, ListQuery, new_id};
use shared::extract::{Page, Pagination};
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

/// What happened to an account.
pub mod kind {
    pub const CREATED: &str = "created";
    pub const DISABLED: &str = "disabled";
    pub const ENABLED: &str = "enabled";
    pub const PASSWORD_RESET: &str = "password_reset";
    pub const PASSWORD_CHANGED: &str = "password_changed";
    pub const DISPLAY_NAME_CHANGED: &str = "display_name_changed";
}

/// One change to an account.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct AccountEvent {
    pub id: String,
    pub account_id: String,
    /// `created`, `disabled`, `enabled`, `password_reset`, `password_changed` or
    /// `display_name_changed`.
    pub kind: String,
    /// The value before (the display name; `null` where nothing is shown).
    pub old_value: Option<String>,
    /// The value after.
    pub new_value: Option<String>,
    /// Who made the change (the account itself for its own password).
    pub actor_id: String,
    pub actor_name: String,
    /// RFC 3339.
    pub at: String,
}

/// Who made a change: an account, or the launcher's bootstrap.
pub fn actor(identity: Option<&Identity>) -> (String, String) {
    match identity {
        Some(i) => (i.account_id.clone(), i.name.clone()),
        None => (String::new(), "系统初始化".to_string()),
    }
}

/// Records a change inside the caller's write.
pub async fn record(
    conn: &mut AnyConnection,
    account_id: &str,
    kind: &str,
    (old_value, new_value): (Option<&str>, Option<&str>),
    (actor_id, actor_name): (&str, &str),
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO account_event (id, account_id, kind, old_value, new_value, actor_id, actor_name, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(new_id())
    .bind(account_id)
    .bind(kind)
    .bind(old_value)
    .bind(new_value)
    .bind(actor_id)
    .bind(actor_name)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// An account's changes, newest first: one page.
pub async fn list(
    db: &Db,
    account_id: &str,
    page: Pagination,
) -> anyhow::Result<Page<AccountEvent>> {
    let mut f = Filter::default();
    let n = f.param(Bind::Text(account_id.to_string()));
    f.push(format!("account_id = ${n}"));
    let mut conn = db.pool.acquire().await?;
    ListQuery {
        columns: "id, account_id, kind, old_value, new_value, actor_id, actor_name, at",
        from: "account_event",
        filter: &f,
        order_by: "at DESC, id DESC",
    }
    .page(&mut conn, page, |r| {
        Ok(AccountEvent {
            id: r.try_get("id")?,
            account_id: r.try_get("account_id")?,
            kind: r.try_get("kind")?,
            old_value: r.try_get("old_value")?,
            new_value: r.try_get("new_value")?,
            actor_id: r.try_get("actor_id")?,
            actor_name: r.try_get("actor_name")?,
            at: rfc3339_utc(r.try_get("at")?),
        })
    })
    .await
}
