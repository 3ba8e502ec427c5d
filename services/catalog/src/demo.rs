//! Whether this installation still has demo accounts: the launcher's demo (`wuye up` on a
//! new data folder) creates accounts named `demo.…` whose password is published in the
//! README. While an enabled one exists, every page says 演示环境, and `wuye up` refuses to
//! listen on a non-loopback address. Decided from the account records, not from a flag.

use shared::db::Db;

/// The username prefix of the launcher's demo accounts.
pub const DEMO_USERNAME_PREFIX: &str = "demo.";

/// How many enabled accounts are demo accounts.
pub async fn demo_accounts(db: &Db) -> anyhow::Result<i64> {
    // `.` is no LIKE wildcard; the prefix is a constant, not user input.
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM account WHERE username LIKE 'demo.%' AND NOT disabled",
    )
    .fetch_one(&db.pool)
    .await?;
    Ok(n)
}

/// [`demo_accounts`] of the catalog database at `database_url` (the launcher, before it
/// starts anything).
pub async fn demo_accounts_in(database_url: &str) -> anyhow::Result<i64> {
    let db = shared::db::connect(database_url).await?;
    db.migrate(&crate::schema::MIGRATOR).await?;
    let n = demo_accounts(&db).await;
    db.pool.close().await;
    n
}
