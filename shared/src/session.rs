//! Sessions that end before their token expires (登录凭证的注销与失效).
//!
//! A signed token stays cryptographically valid until its `exp`; a session nevertheless
//! ends when its account signs it out, changes its password (every session issued before
//! the change ends, the one making it gets a fresh token) or is disabled. The catalog
//! owns those facts and publishes them on its change feed under the [`TOPIC`] `session`:
//!
//! | kind | entity | payload |
//! | --- | --- | --- |
//! | `revoked` | the token id | [`RevokedToken`]: the token id, its account, when the token expires (ms) |
//! | `cutoff` | the account id | [`AccountCutoff`]: tokens issued before `valid_after` (ms) are refused; `disabled` refuses all |
//!
//! Tender and matching follow the catalog feed: [`apply`] keeps the facts in their own
//! tables `session_revoked` and `session_account` (in the consumer's transaction, with the
//! cursor, so a restart keeps them). Every service checks a token through
//! [`crate::auth::Auth::identify`], which asks the service's [`SessionCheck`]: the catalog
//! asks its own tables, the followers theirs ([`StoredSessions`]). Asking the database,
//! not a copy in memory, is what lets replicas share one: tender replicas on one database
//! share one catalog cursor, so each fact is applied by whichever replica's consumer reads
//! it first, and every replica sees it. Service tokens never end this way.

use anyhow::Context;
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sqlx::{AnyConnection, Row};

pub use crate::auth::{NoSessionFacts, SessionCheck};
use crate::db::{Db, now_ms};
use crate::feed::Change;
use crate::identity::Claims;

/// The catalog feed topic of session facts.
pub const TOPIC: &str = "session";
/// A signed-out token.
pub const REVOKED: &str = "revoked";
/// An account's sessions issued before an instant end (password change, disabling).
pub const CUTOFF: &str = "cutoff";

/// The payload of a `session` / `revoked` change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RevokedToken {
    pub jti: String,
    pub account_id: String,
    /// When the token expires anyway (ms since the Unix epoch); the fact is kept until then.
    pub expires_at: i64,
}

/// The payload of a `session` / `cutoff` change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountCutoff {
    pub account_id: String,
    /// Tokens issued before this instant (ms since the Unix epoch) are refused.
    pub valid_after: i64,
    /// A disabled account's tokens are all refused.
    pub disabled: bool,
}

/// When a token was issued, in ms: the `iat_ms` claim, or `iat` (seconds) for tokens
/// issued before that claim existed.
pub fn issued_at_ms(claims: &Claims) -> i64 {
    claims
        .iat_ms
        .unwrap_or_else(|| claims.iat.saturating_mul(1000))
}

/// Whether a session has ended, given what the tables say about it: its token was signed
/// out, or its account has a cutoff (`valid_after` in ms, `disabled`).
pub fn has_ended(claims: &Claims, revoked: bool, cutoff: Option<(i64, bool)>) -> bool {
    revoked
        || cutoff
            .is_some_and(|(valid_after, disabled)| disabled || issued_at_ms(claims) < valid_after)
}

/// A follower's check of ended sessions: its tables `session_revoked` and
/// `session_account`, kept by [`apply`] (two primary-key lookups per signed-in request).
#[derive(Debug, Clone)]
pub struct StoredSessions {
    pub db: Db,
}

impl StoredSessions {
    pub async fn ended(&self, claims: &Claims) -> anyhow::Result<bool> {
        let revoked: Option<i64> = sqlx::query_scalar(
            "SELECT expires_at FROM session_revoked WHERE jti = $1 AND expires_at >= $2",
        )
        .bind(&claims.jti)
        .bind(now_ms())
        .fetch_optional(&self.db.pool)
        .await
        .context("reading revoked tokens")?;
        let cutoff =
            sqlx::query("SELECT valid_after, disabled FROM session_account WHERE account_id = $1")
                .bind(&claims.sub)
                .fetch_optional(&self.db.pool)
                .await
                .context("reading account cutoffs")?
                .map(|r| -> Result<(i64, bool), sqlx::Error> {
                    Ok((
                        r.try_get("valid_after")?,
                        r.try_get::<i64, _>("disabled")? != 0,
                    ))
                })
                .transpose()?;
        Ok(has_ended(claims, revoked.is_some(), cutoff))
    }
}

impl SessionCheck for StoredSessions {
    fn ended<'a>(&'a self, claims: &'a Claims) -> BoxFuture<'a, anyhow::Result<bool>> {
        Box::pin(StoredSessions::ended(self, claims))
    }
}

/// Applies a catalog `session` change to a follower's tables (`session_revoked`,
/// `session_account`) inside the consumer's transaction. Returns false for other topics. A change that cannot be read is logged and
/// skipped (one malformed change must not stop the follower).
pub async fn apply(conn: &mut AnyConnection, change: &Change) -> anyhow::Result<bool> {
    if change.topic != TOPIC {
        return Ok(false);
    }
    match change.kind.as_str() {
        REVOKED => match serde_json::from_value::<RevokedToken>(change.payload.clone()) {
            Ok(t) => {
                sqlx::query("DELETE FROM session_revoked WHERE expires_at < $1")
                    .bind(now_ms())
                    .execute(&mut *conn)
                    .await?;
                sqlx::query(
                    "INSERT INTO session_revoked (jti, account_id, expires_at, seq) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (jti) DO NOTHING",
                )
                .bind(&t.jti)
                .bind(&t.account_id)
                .bind(t.expires_at)
                .bind(change.seq)
                .execute(&mut *conn)
                .await?;
            }
            Err(e) => {
                tracing::warn!(seq = change.seq, error = %e, "session change skipped: payload not readable");
            }
        },
        CUTOFF => match serde_json::from_value::<AccountCutoff>(change.payload.clone()) {
            Ok(c) => {
                sqlx::query(
                    "INSERT INTO session_account (account_id, valid_after, disabled, seq) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (account_id) DO UPDATE SET valid_after = excluded.valid_after, \
                     disabled = excluded.disabled, seq = excluded.seq \
                     WHERE session_account.seq < excluded.seq",
                )
                .bind(&c.account_id)
                .bind(c.valid_after)
                .bind(i64::from(c.disabled))
                .bind(change.seq)
                .execute(&mut *conn)
                .await?;
            }
            Err(e) => {
                tracing::warn!(seq = change.seq, error = %e, "session change skipped: payload not readable");
            }
        },
        other => {
            tracing::warn!(
                seq = change.seq,
                kind = other,
                "session change of an unknown kind skipped"
            );
        }
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auth::{Role, Scope};

    fn claims(jti: &str, sub: &str, iat_ms: i64) -> Claims {
        Claims {
            sub: sub.into(),
            name: "某人".into(),
            role: Role::Firm,
            scope: Scope::Firm("f1".into()),
            iat: iat_ms / 1000,
            iat_ms: Some(iat_ms),
            exp: iat_ms / 1000 + 3600,
            jti: jti.into(),
        }
    }

    #[test]
    fn revoked_tokens_and_cutoffs_end_sessions() {
        let now = now_ms();
        let t = claims("t1", "a1", now - 10);
        assert!(!has_ended(&t, false, None));
        assert!(has_ended(&t, true, None));
        // A cutoff ends the tokens issued before it, not those issued after.
        assert!(has_ended(&t, false, Some((now, false))));
        assert!(!has_ended(
            &claims("t3", "a1", now),
            false,
            Some((now, false))
        ));
        // Disabling ends every token.
        assert!(has_ended(
            &claims("t4", "a1", now + 5),
            false,
            Some((now, true))
        ));
    }

    #[test]
    fn tokens_without_iat_ms_use_iat() {
        let mut c = claims("t", "a", 0);
        c.iat = 1_700_000_000;
        c.iat_ms = None;
        assert_eq!(issued_at_ms(&c), 1_700_000_000_000);
    }
}
