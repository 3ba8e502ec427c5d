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
//! cursor, so a restart keeps them) and in the in-memory [`SessionSet`] loaded at start-up
//! ([`SessionSet::load`]). Every service checks a token through
//! [`crate::auth::Auth::identify`], which asks the service's [`SessionCheck`]: the catalog
//! asks its own database, the followers their [`SessionSet`]. Service tokens never end
//! this way.

use std::collections::HashMap;
use std::sync::RwLock;

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

/// Sweep expired revoked tokens from memory once this many are held.
const SWEEP_ABOVE: usize = 10_000;

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

#[derive(Debug, Clone, Copy)]
struct Cutoff {
    valid_after: i64,
    disabled: bool,
    seq: i64,
}

#[derive(Debug, Default)]
struct Facts {
    /// Token id → expiry (ms).
    revoked: HashMap<String, i64>,
    accounts: HashMap<String, Cutoff>,
}

/// A follower's session facts in memory, kept in step with its tables by [`apply`].
#[derive(Debug, Default)]
pub struct SessionSet {
    facts: RwLock<Facts>,
}

impl SessionSet {
    /// Lists a token as signed out until it expires.
    pub fn revoke(&self, token: &RevokedToken) {
        let now = now_ms();
        if token.expires_at < now {
            return;
        }
        let mut f = self.facts.write().unwrap_or_else(|e| e.into_inner());
        if f.revoked.len() >= SWEEP_ABOVE {
            f.revoked.retain(|_, exp| *exp >= now);
        }
        f.revoked.insert(token.jti.clone(), token.expires_at);
    }

    /// Records an account's cutoff as of change `seq` (an older change never overrides a
    /// newer one).
    pub fn cut_off(&self, seq: i64, cutoff: &AccountCutoff) {
        let mut f = self.facts.write().unwrap_or_else(|e| e.into_inner());
        let entry = f
            .accounts
            .entry(cutoff.account_id.clone())
            .or_insert(Cutoff {
                valid_after: 0,
                disabled: false,
                seq: i64::MIN,
            });
        if entry.seq < seq {
            *entry = Cutoff {
                valid_after: cutoff.valid_after,
                disabled: cutoff.disabled,
                seq,
            };
        }
    }

    /// Whether the session of these claims has ended.
    pub fn has_ended(&self, claims: &Claims) -> bool {
        let f = self.facts.read().unwrap_or_else(|e| e.into_inner());
        if f.revoked.contains_key(&claims.jti) {
            return true;
        }
        f.accounts
            .get(&claims.sub)
            .is_some_and(|c| c.disabled || issued_at_ms(claims) < c.valid_after)
    }

    /// The facts a follower's tables hold (at start-up).
    pub async fn load(db: &Db) -> anyhow::Result<Self> {
        let set = Self::default();
        let rows = sqlx::query(
            "SELECT jti, account_id, expires_at FROM session_revoked WHERE expires_at >= $1",
        )
        .bind(now_ms())
        .fetch_all(&db.pool)
        .await
        .context("loading revoked tokens")?;
        for r in rows {
            set.revoke(&RevokedToken {
                jti: r.try_get("jti")?,
                account_id: r.try_get("account_id")?,
                expires_at: r.try_get("expires_at")?,
            });
        }
        let rows =
            sqlx::query("SELECT account_id, valid_after, disabled, seq FROM session_account")
                .fetch_all(&db.pool)
                .await
                .context("loading account cutoffs")?;
        for r in rows {
            set.cut_off(
                r.try_get("seq")?,
                &AccountCutoff {
                    account_id: r.try_get("account_id")?,
                    valid_after: r.try_get("valid_after")?,
                    disabled: r.try_get::<i64, _>("disabled")? != 0,
                },
            );
        }
        Ok(set)
    }
}

impl SessionCheck for SessionSet {
    fn ended<'a>(&'a self, claims: &'a Claims) -> BoxFuture<'a, anyhow::Result<bool>> {
        let ended = self.has_ended(claims);
        Box::pin(async move { Ok(ended) })
    }
}

/// Applies a catalog `session` change to a follower's tables (`session_revoked`,
/// `session_account`) inside the consumer's transaction, and to its in-memory set when it
/// has one. Returns false for other topics. A change that cannot be read is logged and
/// skipped (one malformed change must not stop the follower).
pub async fn apply(
    conn: &mut AnyConnection,
    change: &Change,
    set: Option<&SessionSet>,
) -> anyhow::Result<bool> {
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
                if let Some(set) = set {
                    set.revoke(&t);
                }
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
                if let Some(set) = set {
                    set.cut_off(change.seq, &c);
                }
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
        let set = SessionSet::default();
        let now = now_ms();
        let t = claims("t1", "a1", now - 10);
        assert!(!set.has_ended(&t));
        set.revoke(&RevokedToken {
            jti: "t1".into(),
            account_id: "a1".into(),
            expires_at: now + 60_000,
        });
        assert!(set.has_ended(&t));
        // Another token of the account is unaffected by that revocation.
        let other = claims("t2", "a1", now - 10);
        assert!(!set.has_ended(&other));
        // A cutoff ends the tokens issued before it, not those issued after.
        set.cut_off(
            5,
            &AccountCutoff {
                account_id: "a1".into(),
                valid_after: now,
                disabled: false,
            },
        );
        assert!(set.has_ended(&other));
        assert!(!set.has_ended(&claims("t3", "a1", now)));
        // Disabling ends every token; an older change never undoes a newer one.
        set.cut_off(
            7,
            &AccountCutoff {
                account_id: "a1".into(),
                valid_after: now,
                disabled: true,
            },
        );
        set.cut_off(
            6,
            &AccountCutoff {
                account_id: "a1".into(),
                valid_after: now,
                disabled: false,
            },
        );
        assert!(set.has_ended(&claims("t4", "a1", now + 5)));
        assert!(!set.has_ended(&claims("t5", "a2", now - 10)));
    }

    #[test]
    fn an_expired_revocation_is_not_kept() {
        let set = SessionSet::default();
        set.revoke(&RevokedToken {
            jti: "old".into(),
            account_id: "a1".into(),
            expires_at: now_ms() - 1,
        });
        assert!(set.facts.read().unwrap().revoked.is_empty());
    }

    #[test]
    fn tokens_without_iat_ms_use_iat() {
        let mut c = claims("t", "a", 0);
        c.iat = 1_700_000_000;
        c.iat_ms = None;
        assert_eq!(issued_at_ms(&c), 1_700_000_000_000);
    }
}
