//! Where demonstrations are kept (`demonstration`, `demonstration_event`), their steps
//! and their publication on the feed (topic `demonstration`, the whole [`Demonstration`]).

use shared::auth::Identity;
use shared::clock::{now_ms, rfc3339_utc};
use shared::db::{Bind, Filter, ListQuery, new_id};
use shared::domain::{DistrictCode, StreetCode};
use shared::error::{FieldError, Problem};
use shared::extract::{Page, Pagination};
use shared::feed::WriteTx;
use sqlx::{AnyConnection, Row};

use super::demonstration::{
    Demonstration, DemonstrationStatus, DemonstrationStep, ValidDecision, ValidProposal,
};
use crate::compounds::Reach;

type Result<T> = std::result::Result<T, shared::error::Error>;

/// 404 for an unknown demonstration (and for one the caller may not see).
pub fn not_found() -> Problem {
    Problem::not_found("没有这个标杆示范小区记录。")
}

fn place_name(code: &str, street: bool) -> String {
    if street {
        StreetCode::parse(code).map(|s| s.name().to_string())
    } else {
        DistrictCode::parse(code).map(|d| d.name().to_string())
    }
    .unwrap_or_else(|_| code.to_string())
}

/// The demonstration `id` as kept, with its whole history.
pub async fn load(conn: &mut AnyConnection, id: &str) -> anyhow::Result<Option<Demonstration>> {
    let Some(r) = sqlx::query(
        "SELECT d.id, d.compound_id, c.name AS compound_name, d.street_code, d.district_code, \
         d.model_code, m.name_zh AS model_name, d.merits, d.points, d.status, d.proposed_at \
         FROM demonstration d JOIN compound c ON c.id = d.compound_id \
         JOIN service_model m ON m.code = d.model_code WHERE d.id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let status: String = r.try_get("status")?;
    let points: String = r.try_get("points")?;
    let mut history = Vec::new();
    for e in sqlx::query(
        "SELECT kind, reason, by_account, by_role, at FROM demonstration_event \
         WHERE demonstration_id = $1 ORDER BY position",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?
    {
        let kind: String = e.try_get("kind")?;
        history.push(DemonstrationStep {
            kind: DemonstrationStatus::parse(&kind)
                .ok_or_else(|| anyhow::anyhow!("demonstration_event.kind {kind:?} of {id}"))?,
            reason: e.try_get("reason")?,
            by: Some(e.try_get("by_account")?),
            by_role: e.try_get("by_role")?,
            at: rfc3339_utc(e.try_get("at")?),
        });
    }
    let street: String = r.try_get("street_code")?;
    let district: String = r.try_get("district_code")?;
    Ok(Some(Demonstration {
        id: r.try_get("id")?,
        compound_id: r.try_get("compound_id")?,
        compound_name: r.try_get("compound_name")?,
        street_name: place_name(&street, true),
        district_name: place_name(&district, false),
        street_code: street,
        district_code: district,
        model: r.try_get("model_code")?,
        model_name: r.try_get("model_name")?,
        merits: r.try_get("merits")?,
        points: serde_json::from_str(&points)
            .map_err(|e| anyhow::anyhow!("demonstration.points of {id}: {e}"))?,
        status: DemonstrationStatus::parse(&status)
            .ok_or_else(|| anyhow::anyhow!("demonstration.status {status:?} of {id}"))?,
        proposed_at: rfc3339_utc(r.try_get("proposed_at")?),
        history,
    }))
}

/// What a list selects: equality filters, all optional.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub model: Option<String>,
    pub compound: Option<String>,
    pub status: Option<DemonstrationStatus>,
    /// Only within this reach (officials' lists).
    pub reach: Option<Reach>,
}

/// One page of demonstrations, by district, street, compound and proposal time.
pub async fn list(
    conn: &mut AnyConnection,
    selection: &Selection,
    page: Pagination,
) -> anyhow::Result<Page<Demonstration>> {
    let mut filter = Filter::default();
    let mut equal = |column: &str, value: &str| {
        let n = filter.param(Bind::Text(value.to_string()));
        filter.push(format!("{column} = ${n}"));
    };
    if let Some(m) = &selection.model {
        equal("model_code", m);
    }
    if let Some(c) = &selection.compound {
        equal("compound_id", c);
    }
    if let Some(s) = selection.status {
        equal("status", s.as_str());
    }
    match selection.reach {
        Some(Reach::District(d)) => equal("district_code", d.as_str()),
        Some(Reach::Street(s)) => equal("street_code", s.as_str()),
        Some(Reach::City) | None => {}
    }
    let (rows, total) = ListQuery {
        columns: "id",
        from: "demonstration",
        filter: &filter,
        order_by: "district_code, street_code, compound_id, proposed_at, id",
    }
    .fetch(conn, page)
    .await?;
    let mut items = Vec::new();
    for r in rows {
        let id: String = r.try_get("id")?;
        items.push(
            load(conn, &id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("demonstration {id} vanished"))?,
        );
    }
    Ok(page.of(items, total))
}

fn unknown(field: &str, code: &str, message: &str) -> Problem {
    Problem::validation(vec![FieldError::new(field, code, message)])
}

/// The caller's role as its wire code (`street_official`, …).
fn role_code(by: &Identity) -> String {
    serde_json::to_value(by.role)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

async fn append(
    tx: &mut WriteTx,
    id: &str,
    kind: DemonstrationStatus,
    reason: &str,
    by: &Identity,
) -> anyhow::Result<()> {
    let position: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM demonstration_event WHERE demonstration_id = $1")
            .bind(id)
            .fetch_one(tx.conn())
            .await?;
    sqlx::query(
        "INSERT INTO demonstration_event (demonstration_id, position, kind, reason, by_account, by_role, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(id)
    .bind(position)
    .bind(kind.as_str())
    .bind(reason)
    .bind(&by.name)
    .bind(role_code(by))
    .bind(now_ms())
    .execute(tx.conn())
    .await?;
    Ok(())
}

/// Reads the demonstration as it now is and appends it to the outbox.
async fn publish(tx: &mut WriteTx, id: &str, kind: &str) -> anyhow::Result<Demonstration> {
    let d = load(tx.conn(), id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("demonstration {id} vanished in its own transaction"))?;
    tx.emit(shared::events::catalog::DEMONSTRATION, id, kind, &d)
        .await?;
    Ok(d)
}

/// A street official's proposal: the compound must be of `street`'s ledger (403 when it
/// is elsewhere, 422 when it does not exist), the model known (422), and no open
/// (proposed or confirmed) demonstration of the same compound and model (409).
pub async fn propose(
    tx: &mut WriteTx,
    proposal: &ValidProposal,
    street: StreetCode,
    by: &Identity,
) -> Result<Demonstration> {
    let found = sqlx::query("SELECT street_code, district_code FROM compound WHERE id = $1")
        .bind(&proposal.compound_id)
        .fetch_optional(tx.conn())
        .await?;
    let Some(found) = found else {
        return Err(unknown("compound_id", "unknown_compound", "台账中没有这个小区").into());
    };
    let compound_street: String = found.try_get("street_code")?;
    let district: String = found.try_get("district_code")?;
    if compound_street != street.as_str() {
        return Err(Problem::forbidden(format!(
            "该小区不在{}，只能推荐本街道的小区。",
            street.name()
        ))
        .into());
    }
    let model: Option<String> =
        sqlx::query_scalar("SELECT code FROM service_model WHERE code = $1")
            .bind(&proposal.model)
            .fetch_optional(tx.conn())
            .await?;
    if model.is_none() {
        return Err(unknown("model", "unknown_model", "没有这个服务方式").into());
    }
    let open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM demonstration WHERE compound_id = $1 AND model_code = $2 \
         AND status IN ('proposed', 'confirmed')",
    )
    .bind(&proposal.compound_id)
    .bind(&proposal.model)
    .fetch_one(tx.conn())
    .await?;
    if open > 0 {
        return Err(Problem::conflict(
            "already_demonstration",
            "该小区已被推荐（或已确认）为这一服务方式的标杆示范小区。",
        )
        .into());
    }
    let id = new_id();
    let now = now_ms();
    sqlx::query(
        "INSERT INTO demonstration (id, compound_id, street_code, district_code, model_code, merits, points, \
         status, proposed_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
    )
    .bind(&id)
    .bind(&proposal.compound_id)
    .bind(&compound_street)
    .bind(&district)
    .bind(&proposal.model)
    .bind(&proposal.merits)
    .bind(serde_json::to_string(&proposal.points).map_err(anyhow::Error::from)?)
    .bind(DemonstrationStatus::Proposed.as_str())
    .bind(now)
    .execute(tx.conn())
    .await?;
    append(tx, &id, DemonstrationStatus::Proposed, "", by).await?;
    Ok(publish(tx, &id, "proposed").await?)
}

/// The demonstration `id` for a step by an official whose `reach` must cover its street
/// (404 unknown; 403 out of reach): the handlers' check before the body, and again inside
/// the write transaction.
pub async fn in_reach(conn: &mut AnyConnection, id: &str, reach: Reach) -> Result<Demonstration> {
    let d = load(conn, id).await?.ok_or_else(not_found)?;
    let street = StreetCode::parse(&d.street_code).map_err(|e| anyhow::anyhow!("{e:?}"))?;
    reach.require(street, "标杆示范小区")?;
    Ok(d)
}

async fn set_status(
    tx: &mut WriteTx,
    id: &str,
    status: DemonstrationStatus,
    reason: &str,
    by: &Identity,
) -> Result<Demonstration> {
    sqlx::query("UPDATE demonstration SET status = $2, updated_at = $3 WHERE id = $1")
        .bind(id)
        .bind(status.as_str())
        .bind(now_ms())
        .execute(tx.conn())
        .await?;
    append(tx, id, status, reason, by).await?;
    Ok(publish(tx, id, status.as_str()).await?)
}

/// The district's decision on a proposal (409 `not_proposed` once decided or withdrawn).
pub async fn decide(
    tx: &mut WriteTx,
    id: &str,
    district: DistrictCode,
    decision: &ValidDecision,
    by: &Identity,
) -> Result<Demonstration> {
    let d = in_reach(tx.conn(), id, Reach::District(district)).await?;
    if d.status != DemonstrationStatus::Proposed {
        return Err(Problem::conflict(
            "not_proposed",
            format!("该记录{}，不能再确认或不予确认。", d.status.label_zh()),
        )
        .into());
    }
    set_status(tx, id, decision.status, &decision.reason, by).await
}

/// A withdrawal by the street or the district (409 `not_open` once declined or withdrawn).
pub async fn withdraw(
    tx: &mut WriteTx,
    id: &str,
    reach: Reach,
    reason: &str,
    by: &Identity,
) -> Result<Demonstration> {
    let d = in_reach(tx.conn(), id, reach).await?;
    if !d.status.is_open() {
        return Err(Problem::conflict(
            "not_open",
            format!("该记录{}，不能撤销。", d.status.label_zh()),
        )
        .into());
    }
    set_status(tx, id, DemonstrationStatus::Withdrawn, reason, by).await
}
