//! The audit trail (审计记录): who changed what, when. Rows are only ever inserted, in the
//! same transaction as the change they describe.

use serde::Serialize;
use shared::auth::Identity;
use shared::db::{new_id, now_ms};
use sqlx::AnyConnection;

/// Who did it: an account, or the service itself (the scheduler).
#[derive(Debug, Clone)]
pub struct Actor {
    pub id: String,
    pub role: String,
}

impl Actor {
    /// The tender service's own scheduler (time-driven transitions).
    pub fn scheduler() -> Self {
        Self {
            id: "system:scheduler".into(),
            role: "system".into(),
        }
    }
}

impl From<&Identity> for Actor {
    fn from(identity: &Identity) -> Self {
        Self {
            id: identity.account_id.clone(),
            role: serde_json::to_value(identity.role)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        }
    }
}

/// One audit row.
pub struct Entry<'a, D: Serialize> {
    pub actor: &'a Actor,
    /// `tender`, `bid`, `question`, `vote`, …
    pub entity: &'a str,
    pub entity_id: &'a str,
    pub tender_id: Option<&'a str>,
    /// `created`, `published`, `submitted`, …
    pub action: &'a str,
    /// About a sealed bid: hidden until the tender's bids are opened.
    pub sealed: bool,
    pub detail: &'a D,
}

/// Appends an audit row inside the caller's transaction.
pub async fn record<D: Serialize>(conn: &mut AnyConnection, e: Entry<'_, D>) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO audit_event (id, at, actor, actor_role, entity, entity_id, tender_id, action, sealed, detail) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(new_id())
    .bind(now_ms())
    .bind(&e.actor.id)
    .bind(&e.actor.role)
    .bind(e.entity)
    .bind(e.entity_id)
    .bind(e.tender_id)
    .bind(e.action)
    .bind(e.sealed)
    .bind(serde_json::to_string(e.detail)?)
    .execute(&mut *conn)
    .await?;
    Ok(())
}
