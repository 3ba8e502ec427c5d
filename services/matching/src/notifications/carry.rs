//! `wuye admin rebuild-index` on a data folder builds a new matching database from the
//! feeds; the notifications' own records are not the feeds' (read marks, feed tokens,
//! webhooks and their deliveries), and the rebuild does not announce history again, so
//! they are copied across from the old database before the swap.

use std::path::Path;

use shared::db::Db;
use sqlx::Row;

/// Matching's own notification tables (migration 0010), referenced ones first.
pub const OWN_TABLES: [&str; 7] = [
    "notification",
    "notification_read",
    "inbox_feed_token",
    "notify_invitation",
    "webhook",
    "webhook_delivery",
    "webhook_attempt",
];

/// Copies every row of [`OWN_TABLES`] from the SQLite database file `old` into `new` (an
/// SQLite database migrated by the same migrations, whose tables are still empty), column
/// by name; a table the old database does not have (made before migration 0010) is
/// skipped. Answers how many rows were copied.
pub async fn carry_over(new: &Db, old: &Path) -> anyhow::Result<u64> {
    let mut conn = new.pool.acquire().await?;
    sqlx::query("ATTACH DATABASE $1 AS old")
        .bind(old.display().to_string())
        .execute(&mut *conn)
        .await?;
    let copied = async {
        let mut copied = 0;
        for table in OWN_TABLES {
            let held: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM old.sqlite_master WHERE type = 'table' AND name = $1",
            )
            .bind(table)
            .fetch_one(&mut *conn)
            .await?;
            if held == 0 {
                continue;
            }
            let columns: Vec<String> = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT name FROM pragma_table_info('{table}')"
            )))
            .fetch_all(&mut *conn)
            .await?
            .iter()
            .map(|r| r.try_get::<String, _>("name"))
            .collect::<Result<_, _>>()?;
            let list = columns.join(", ");
            copied += sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO main.{table} ({list}) SELECT {list} FROM old.{table}"
            )))
            .execute(&mut *conn)
            .await?
            .rows_affected();
        }
        anyhow::Ok(copied)
    }
    .await;
    sqlx::query("DETACH DATABASE old")
        .execute(&mut *conn)
        .await?;
    copied
}
