//! Sessions that end before their token expires: signing out revokes the token id, a
//! password change or disabling sets the account's cutoff; each is published on the feed
//! (topic `session`) in the same write, and [`DbSessions`] is the catalog's own check.

use futures::future::BoxFuture;
use shared::auth::Claims;
use shared::clock::now_ms;
use shared::db::Db;
use shared::feed::{Notifier, WriteTx};
use shared::session::{self, AccountCutoff, RevokedToken, SessionCheck, SessionState};
use sqlx::{AnyConnection, Row};

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

/// Publishes an account's session cutoff (its `sessions_valid_after`, whether it is
/// disabled and whether it must change its password) on the feed (topic `session`, kind `cutoff`), inside the caller's write.
pub async fn publish_cutoff(tx: &mut WriteTx, account_id: &str) -> anyhow::Result<()> {
    let row = sqlx::query(concat!(
        "SELECT sessions_valid_after, ",
        shared::bool_column!("disabled", "disabled"),
        ", ",
        shared::bool_column!("must_change_password", "must_change_password"),
        " FROM account WHERE id = $1"
    ))
    .bind(account_id)
    .fetch_one(&mut *tx.conn())
    .await?;
    let cutoff = AccountCutoff {
        account_id: account_id.to_string(),
        valid_after: row.try_get("sessions_valid_after")?,
        disabled: shared::db::flag(&row, "disabled")?,
        must_change_password: shared::db::flag(&row, "must_change_password")?,
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
    fn state<'a>(&'a self, claims: &'a Claims) -> BoxFuture<'a, anyhow::Result<SessionState>> {
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
            // A reset password is the catalog's gate's (`password_change_gate`): it knows
            // which of its routes such an account may still use.
            Ok(if refused > 0 {
                SessionState::Ended
            } else {
                SessionState::Open
            })
        })
    }
}
