//! Where notifications are kept (`notification`, `notification_read`, migration 0010):
//! written once per fact (its `dedup_key`), each new one queued for the recipient's
//! webhooks in the same transaction; read per account.

use serde::Serialize;
use shared::clock::rfc3339_utc;
use shared::db::new_id;
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use super::recipient::Recipient;

/// A notification to write.
#[derive(Debug, Clone, PartialEq)]
pub struct NewNotification {
    /// Names the fact (`invitation:<id>`, `deadline:<tender>:<firm>`, …): written once.
    pub dedup_key: String,
    pub recipient: Recipient,
    /// What happened (`invited`, `bids_opened`, …; see the Notifications section of
    /// ARCHITECTURE).
    pub kind: &'static str,
    pub title: String,
    pub body: String,
    /// The page where the thing is (a site path).
    pub link: String,
}

/// A notification as its reader sees it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct NotificationView {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    /// The page where the thing is (a path of the site).
    pub link: String,
    /// RFC 3339 (UTC).
    pub created_at: String,
    /// Whether this account has read it.
    pub read: bool,
}

/// Writes `n` unless its fact was already written; queues it for the recipient's live
/// webhooks. Answers whether it is new.
pub async fn insert(
    conn: &mut AnyConnection,
    n: &NewNotification,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let id = new_id();
    let done = sqlx::query(
        "INSERT INTO notification (id, dedup_key, recipient, kind, title, body, link, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (dedup_key) DO NOTHING",
    )
    .bind(&id)
    .bind(&n.dedup_key)
    .bind(n.recipient.key())
    .bind(n.kind)
    .bind(&n.title)
    .bind(&n.body)
    .bind(&n.link)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Ok(false);
    }
    let hooks: Vec<String> =
        sqlx::query_scalar("SELECT id FROM webhook WHERE recipient = $1 AND revoked_at IS NULL")
            .bind(n.recipient.key())
            .fetch_all(&mut *conn)
            .await?;
    for hook in hooks {
        sqlx::query(
            "INSERT INTO webhook_delivery (id, webhook_id, notification_id, state, attempts, next_at, created_at) \
             VALUES ($1, $2, $3, 'pending', 0, $4, $4) ON CONFLICT (webhook_id, notification_id) DO NOTHING",
        )
        .bind(new_id())
        .bind(&hook)
        .bind(&id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(true)
}

/// How a list is ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Order {
    Newest,
    UnreadFirst,
}

/// Which of an organisation's notifications, for which account.
#[derive(Debug, Clone)]
pub struct Listing<'a> {
    pub recipient: &'a Recipient,
    pub account_id: &'a str,
    pub unread_only: bool,
    pub order: Order,
    pub limit: i64,
    pub offset: i64,
}

/// A page of the list and how many match in all.
pub async fn list(
    conn: &mut AnyConnection,
    l: &Listing<'_>,
) -> Result<(Vec<NotificationView>, i64), sqlx::Error> {
    let only_unread = if l.unread_only {
        " AND r.account_id IS NULL"
    } else {
        ""
    };
    let from = format!(
        "FROM notification n LEFT JOIN notification_read r \
         ON r.notification_id = n.id AND r.account_id = $2 WHERE n.recipient = $1{only_unread}"
    );
    let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) {from}")))
        .bind(l.recipient.key())
        .bind(l.account_id)
        .fetch_one(&mut *conn)
        .await?;
    let first = match l.order {
        Order::Newest => "",
        Order::UnreadFirst => "is_read, ",
    };
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT n.id, n.kind, n.title, n.body, n.link, n.created_at, \
         CAST(CASE WHEN r.account_id IS NULL THEN 0 ELSE 1 END AS BIGINT) AS is_read {from} \
         ORDER BY {first}n.created_at DESC, n.id DESC LIMIT $3 OFFSET $4"
    )))
    .bind(l.recipient.key())
    .bind(l.account_id)
    .bind(l.limit)
    .bind(l.offset)
    .fetch_all(&mut *conn)
    .await?;
    let items = rows
        .iter()
        .map(|r| {
            Ok(NotificationView {
                id: r.try_get("id")?,
                kind: r.try_get("kind")?,
                title: r.try_get("title")?,
                body: r.try_get("body")?,
                link: r.try_get("link")?,
                created_at: rfc3339_utc(r.try_get("created_at")?),
                read: r.try_get::<i64, _>("is_read")? == 1,
            })
        })
        .collect::<Result<Vec<_>, sqlx::Error>>()?;
    Ok((items, total))
}

/// How many of the organisation's notifications this account has not read.
pub async fn unread_count(
    conn: &mut AnyConnection,
    recipient: &Recipient,
    account_id: &str,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM notification n WHERE n.recipient = $1 AND NOT EXISTS \
         (SELECT 1 FROM notification_read r WHERE r.notification_id = n.id AND r.account_id = $2)",
    )
    .bind(recipient.key())
    .bind(account_id)
    .fetch_one(&mut *conn)
    .await
}

/// Marks one notification read for the account; `false` when the organisation has no such
/// notification (another organisation's is unknown here).
pub async fn mark_read(
    conn: &mut AnyConnection,
    recipient: &Recipient,
    account_id: &str,
    id: &str,
    now: i64,
) -> Result<bool, sqlx::Error> {
    let found: Option<String> =
        sqlx::query_scalar("SELECT id FROM notification WHERE id = $1 AND recipient = $2")
            .bind(id)
            .bind(recipient.key())
            .fetch_optional(&mut *conn)
            .await?;
    if found.is_none() {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO notification_read (notification_id, account_id, read_at) VALUES ($1, $2, $3) \
         ON CONFLICT (notification_id, account_id) DO NOTHING",
    )
    .bind(id)
    .bind(account_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// Marks every notification of the organisation read for the account; answers how many
/// were unread.
pub async fn mark_all_read(
    conn: &mut AnyConnection,
    recipient: &Recipient,
    account_id: &str,
    now: i64,
) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO notification_read (notification_id, account_id, read_at) \
         SELECT n.id, $2, $3 FROM notification n WHERE n.recipient = $1 AND NOT EXISTS \
         (SELECT 1 FROM notification_read r WHERE r.notification_id = n.id AND r.account_id = $2)",
    )
    .bind(recipient.key())
    .bind(account_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected())
}
