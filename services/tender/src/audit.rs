//! The audit trail (审计记录): who changed what, when. Rows are only ever inserted, in the
//! same transaction as the change they describe.

use serde::Serialize;
use shared::auth::Identity;
use shared::clock::now_ms;
use shared::db::{Filter, ListQuery, new_id};
use shared::extract::{Page, Pagination};
use sqlx::AnyConnection;

use crate::rows::Conditions;

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

/// Appends the audit row of `identity`'s `action` on `entity` `entity_id` (of tender
/// `tender_id`), with `detail`, inside the caller's transaction; `sealed` rows (about a
/// sealed bid or question) stay hidden until the tender's bids are opened.
pub async fn record_step<D: Serialize>(
    conn: &mut AnyConnection,
    identity: &Identity,
    (entity, entity_id): (&str, &str),
    tender_id: Option<&str>,
    (action, sealed): (&str, bool),
    detail: &D,
) -> anyhow::Result<()> {
    record(
        conn,
        Entry {
            actor: &Actor::from(identity),
            entity,
            entity_id,
            tender_id,
            action,
            sealed,
            detail,
        },
    )
    .await
}

/// One audit row as read back (`GET /tenders/{id}/audit`).
#[derive(Debug, Clone, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct Event {
    pub id: String,
    /// RFC 3339.
    pub at: String,
    /// The account id, or `system:scheduler`.
    pub actor: String,
    /// `association`, `committee`, `firm`, …, or `system`.
    pub actor_role: String,
    /// `tender`, `bid`, `question`, `vote`, `complaint`, `contract`, `disclosure`, …
    pub entity: String,
    pub entity_id: String,
    /// `created`, `published`, `submitted`, `corrected`, …
    pub action: String,
    /// What was recorded with it (a sealed bid's row has none).
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

/// One page of a tender's audit rows, oldest first. Rows about sealed bids and questions
/// are left out, and not counted, unless `with_sealed` (the bids are open).
pub async fn of_tender(
    conn: &mut AnyConnection,
    tender_id: &str,
    with_sealed: bool,
    page: Pagination,
) -> Result<Page<Event>, sqlx::Error> {
    let mut filter = Filter::default();
    filter.equal([("tender_id", Some(tender_id))]);
    if !with_sealed {
        filter.push("sealed = FALSE");
    }
    ListQuery {
        columns: "id, at, actor, actor_role, entity, entity_id, action, detail",
        from: "audit_event",
        filter: &filter,
        order_by: "at, id",
    }
    .page(conn, page, |r| {
        use sqlx::Row;
        let detail: String = r.try_get("detail")?;
        Ok(Event {
            id: r.try_get("id")?,
            at: crate::clock::to_rfc3339(r.try_get("at")?),
            actor: r.try_get("actor")?,
            actor_role: r.try_get("actor_role")?,
            entity: r.try_get("entity")?,
            entity_id: r.try_get("entity_id")?,
            action: r.try_get("action")?,
            detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
        })
    })
    .await
}
