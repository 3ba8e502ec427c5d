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
//! | `cutoff` | the account id | [`AccountCutoff`]: tokens issued before `valid_after` (ms) are refused; `disabled` refuses all; `must_change_password` (a reset password not yet changed) answers 403 `password_change_required` |
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

pub use crate::auth::{NoSessionFacts, SessionCheck, SessionState};
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
    /// The password was reset and not yet changed: the account's tokens are answered 403
    /// `password_change_required` (changes published before the flag existed lack it).
    #[serde(default)]
    pub must_change_password: bool,
}

/// When a token was issued, in ms: the `iat_ms` claim, or `iat` (seconds) for tokens
/// issued before that claim existed.
pub fn issued_at_ms(claims: &Claims) -> i64 {
    claims
        .iat_ms
        .unwrap_or_else(|| claims.iat.saturating_mul(1000))
}

/// What the tables say about a session: its token was signed out, or its account has a
/// cutoff that ends it (issued before `valid_after` in ms, or `disabled`) or holds it until
/// the password is changed.
pub fn session_state(
    claims: &Claims,
    revoked: bool,
    cutoff: Option<&AccountCutoff>,
) -> SessionState {
    match cutoff {
        _ if revoked => SessionState::Ended,
        Some(c) if c.disabled || issued_at_ms(claims) < c.valid_after => SessionState::Ended,
        Some(c) if c.must_change_password => SessionState::PasswordChangeRequired,
        _ => SessionState::Open,
    }
}

/// A follower's check of ended sessions: its tables `session_revoked` and
/// `session_account`, kept by [`apply`] (two primary-key lookups per signed-in request).
#[derive(Debug, Clone)]
pub struct StoredSessions {
    pub db: Db,
}

impl StoredSessions {
    pub async fn state(&self, claims: &Claims) -> anyhow::Result<SessionState> {
        let revoked: Option<i64> = sqlx::query_scalar(
            "SELECT expires_at FROM session_revoked WHERE jti = $1 AND expires_at >= $2",
        )
        .bind(&claims.jti)
        .bind(now_ms())
        .fetch_optional(&self.db.pool)
        .await
        .context("reading revoked tokens")?;
        let cutoff = sqlx::query(
            "SELECT valid_after, disabled, must_change_password FROM session_account \
             WHERE account_id = $1",
        )
        .bind(&claims.sub)
        .fetch_optional(&self.db.pool)
        .await
        .context("reading account cutoffs")?
        .map(|r| -> Result<AccountCutoff, sqlx::Error> {
            Ok(AccountCutoff {
                account_id: claims.sub.clone(),
                valid_after: r.try_get("valid_after")?,
                disabled: r.try_get::<i64, _>("disabled")? != 0,
                must_change_password: r.try_get::<i64, _>("must_change_password")? != 0,
            })
        })
        .transpose()?;
        Ok(session_state(claims, revoked.is_some(), cutoff.as_ref()))
    }
}

impl SessionCheck for StoredSessions {
    fn state<'a>(&'a self, claims: &'a Claims) -> BoxFuture<'a, anyhow::Result<SessionState>> {
        Box::pin(StoredSessions::state(self, claims))
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
                    "INSERT INTO session_account (account_id, valid_after, disabled, must_change_password, seq) \
                     VALUES ($1, $2, $3, $4, $5) \
                     ON CONFLICT (account_id) DO UPDATE SET valid_after = excluded.valid_after, \
                     disabled = excluded.disabled, must_change_password = excluded.must_change_password, \
                     seq = excluded.seq \
                     WHERE session_account.seq < excluded.seq",
                )
                .bind(&c.account_id)
                .bind(c.valid_after)
                .bind(i64::from(c.disabled))
                .bind(i64::from(c.must_change_password))
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

    fn cutoff(valid_after: i64, disabled: bool, must_change_password: bool) -> AccountCutoff {
        AccountCutoff {
            account_id: "a1".into(),
            valid_after,
            disabled,
            must_change_password,
        }
    }

    #[test]
    fn revoked_tokens_and_cutoffs_end_sessions() {
        use SessionState::{Ended, Open, PasswordChangeRequired};
        let now = now_ms();
        let t = claims("t1", "a1", now - 10);
        assert_eq!(session_state(&t, false, None), Open);
        assert_eq!(session_state(&t, true, None), Ended);
        // A cutoff ends the tokens issued before it, not those issued after.
        let c = cutoff(now, false, false);
        assert_eq!(session_state(&t, false, Some(&c)), Ended);
        assert_eq!(
            session_state(&claims("t3", "a1", now), false, Some(&c)),
            Open
        );
        // Disabling ends every token.
        let c = cutoff(now, true, false);
        assert_eq!(
            session_state(&claims("t4", "a1", now + 5), false, Some(&c)),
            Ended
        );
        // A reset password holds the tokens issued after the reset until it is changed;
        // those issued before have ended.
        let c = cutoff(now, false, true);
        assert_eq!(
            session_state(&claims("t5", "a1", now + 5), false, Some(&c)),
            PasswordChangeRequired
        );
        assert_eq!(session_state(&t, false, Some(&c)), Ended);
    }

    #[test]
    fn cutoffs_published_before_the_flag_still_decode() {
        let old = serde_json::json!({ "account_id": "a1", "valid_after": 5, "disabled": false });
        let c: AccountCutoff = serde_json::from_value(old).unwrap();
        assert!(!c.must_change_password);
    }

    #[test]
    fn tokens_without_iat_ms_use_iat() {
        let mut c = claims("t", "a", 0);
        c.iat = 1_700_000_000;
        c.iat_ms = None;
        assert_eq!(issued_at_ms(&c), 1_700_000_000_000);
    }
}
