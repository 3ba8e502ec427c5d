//! Review of a firm's record by the association: material profile changes of firms on the
//! roster (资料变更待复核), rejecting an application (驳回申请), and the firm's whole audit
//! trail read back (standing, credit, whitelist and profile history in one list).
//!
//! - A **material change** is one to what decides which tenders a firm may serve: grades,
//!   service models, fee models, served districts, service radius, location, capacity. Made
//!   by the firm itself to a firm that has been on the roster (stage not `applicant`), it is
//!   written to `firm_history_event` (what changed, old → new, who, when) and the firm waits
//!   in the association's review queue (`firm.review_pending_since`) until the association
//!   confirms it or changes the firm's standing. The association's own edits are recorded
//!   but do not queue. Non-material edits (phone, address, profile text…) do neither.
//! - A **rejected application** keeps its row and history; its credit code is moved to
//!   `rejected_credit_code` (the row's `credit_code` becomes `rejected:<id>`), so the real
//!   holder of the code can apply, and every account of the firm is disabled.

use serde::{Deserialize, Serialize};
use shared::domain::roster::{FirmSnapshot, RosterStage, RosterStanding};
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{Page, Pagination};
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;
use validator::Validate;

use super::history::{Author, author_columns};
use super::input::ValidFirm;
use crate::error::Result;

/// Kinds of `firm_history_event`.
pub mod kind {
    pub const PROFILE_CHANGED: &str = "profile_changed";
    pub const PROFILE_REVIEWED: &str = "profile_reviewed";
    pub const REJECTED: &str = "rejected";
}

#[cfg(test)]
const REASON_MAX: usize = 500;

/// One changed field of a profile: old → new, as people read them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FieldChange {
    pub field: String,
    /// The field in Chinese.
    pub label: String,
    pub old: String,
    pub new: String,
}

fn joined<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("、")
}

/// The material changes `new` makes to `old` (empty when none).
pub fn material_changes(old: &FirmSnapshot, new: &ValidFirm) -> Vec<FieldChange> {
    let grades = |g: &[shared::domain::roster::ServiceGrade]| {
        g.iter()
            .map(|g| format!("{}级", g.get()))
            .collect::<Vec<_>>()
            .join("、")
    };
    let fees = |f: &[shared::domain::roster::FeeModel]| {
        f.iter()
            .map(|f| f.label_zh())
            .collect::<Vec<_>>()
            .join("、")
    };
    let districts = |d: &[shared::domain::DistrictCode]| {
        joined(&d.iter().map(|d| d.as_str()).collect::<Vec<_>>())
    };
    let point = |c: &shared::domain::Coordinates| format!("{:.6}, {:.6}", c.lon(), c.lat());
    let mut new_fees = new.fee_models.clone();
    new_fees.sort();
    let candidates = [
        (
            "grades",
            "服务等级",
            grades(&old.grades),
            grades(&new.grades),
        ),
        (
            "service_models",
            "物业服务方式",
            joined(&old.service_models),
            joined(&new.service_models),
        ),
        (
            "fee_models",
            "收费方式",
            fees(&old.fee_models),
            fees(&new_fees),
        ),
        (
            "districts_served",
            "服务区县",
            districts(&old.districts_served),
            districts(&new.districts_served),
        ),
        (
            "service_radius_km",
            "服务半径（公里）",
            old.service_radius_km.to_string(),
            new.service_radius_km.to_string(),
        ),
        (
            "location",
            "企业位置（经度, 纬度）",
            point(&old.location),
            point(&new.location),
        ),
        (
            "capacity_households",
            "可承接总户数",
            old.capacity_households.to_string(),
            new.capacity_households.to_string(),
        ),
    ];
    candidates
        .into_iter()
        .filter(|(_, _, a, b)| a != b)
        .map(|(field, label, old, new)| FieldChange {
            field: field.into(),
            label: label.into(),
            old,
            new,
        })
        .collect()
}

/// Whether a firm has been on the roster, so that its material changes need review.
pub fn on_roster(firm: &FirmSnapshot) -> bool {
    firm.standing_record.stage != RosterStage::Applicant
}

/// A reason as sent: `{reason}`.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, Validate)]
pub struct ReasonInput {
    /// Why, in Chinese (1–500 characters). Required to reject; optional to confirm a review.
    #[validate(custom(
        function = "shared::validate::max_chars::<500>",
        message = "理由不能超过 500 字"
    ))]
    pub reason: Option<String>,
}

impl ReasonInput {
    /// The trimmed reason; `required` makes a missing one an error.
    pub fn check(&self, required: bool) -> std::result::Result<Option<String>, Problem> {
        let mut v = Validation::new();
        v.rules(self, &["reason"]);
        let reason = self
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        if required && reason.is_none() {
            v.push(FieldError::new("reason", "required", "请填写理由"));
        }
        v.finish()?;
        Ok(reason)
    }
}

/// 409 for anything but reading a rejected application.
pub fn rejected_conflict() -> Problem {
    Problem::conflict(
        "application_rejected",
        "该企业的入库申请已被驳回，不能再变更；如需入库请重新申请。",
    )
}

/// Whether a firm's application may be rejected: a pending application, never on the
/// roster, not blacklisted, not already rejected.
pub fn check_rejectable(firm: &FirmSnapshot) -> std::result::Result<(), Problem> {
    if firm.rejection.is_some() {
        return Err(Problem::conflict(
            "already_rejected",
            "该企业的入库申请已被驳回。",
        ));
    }
    if firm.standing_record.stage != RosterStage::Applicant
        || firm.standing != RosterStanding::Applicant
        || firm.standing_record.blacklist_from.is_some()
    {
        return Err(Problem::conflict(
            "not_pending",
            "只能驳回待审核的入库申请；已列入名录的企业请使用重点监管或黑名单。",
        ));
    }
    Ok(())
}

/// One history row to append.
pub struct NewHistory<'a> {
    pub firm_id: &'a str,
    pub kind: &'a str,
    pub reason: &'a str,
    pub changes: &'a [FieldChange],
    pub author: &'a Author,
    pub at: i64,
}

/// Appends a history row (the only statement that writes `firm_history_event`).
pub async fn append(conn: &mut AnyConnection, e: NewHistory<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO firm_history_event (id, firm_id, kind, reason, changes, author_id, author_name, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(shared::db::new_id())
    .bind(e.firm_id)
    .bind(e.kind)
    .bind(e.reason)
    .bind(serde_json::to_string(e.changes).map_err(anyhow::Error::from)?)
    .bind(e.author.id.clone())
    .bind(&e.author.name)
    .bind(e.at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Puts a firm in the review queue (keeps the earliest pending time).
pub async fn mark_pending(conn: &mut AnyConnection, firm_id: &str, now: i64) -> Result<()> {
    sqlx::query(
        "UPDATE firm SET review_pending_since = COALESCE(review_pending_since, $2) WHERE id = $1",
    )
    .bind(firm_id)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// Takes a firm out of the review queue.
pub async fn clear_pending(conn: &mut AnyConnection, firm_id: &str) -> Result<()> {
    sqlx::query("UPDATE firm SET review_pending_since = NULL WHERE id = $1")
        .bind(firm_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Rejects a firm's application: frees its credit code, records why; answers the ids of
/// the firm's accounts it disabled.
pub async fn reject(
    conn: &mut AnyConnection,
    firm_id: &str,
    reason: &str,
    now: i64,
) -> Result<Vec<String>> {
    sqlx::query(
        "UPDATE firm SET rejected_at = $2, rejection_reason = $3, rejected_credit_code = credit_code, \
         credit_code = 'rejected:' || id, review_pending_since = NULL, updated_at = $2 WHERE id = $1",
    )
    .bind(firm_id)
    .bind(now)
    .bind(reason)
    .execute(&mut *conn)
    .await?;
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM account WHERE scope_kind = 'firm' AND scope_id = $1 AND disabled = FALSE ORDER BY id",
    )
    .bind(firm_id)
    .fetch_all(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE account SET disabled = TRUE, updated_at = $2 WHERE scope_kind = 'firm' AND scope_id = $1",
    )
    .bind(firm_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    Ok(ids)
}

/// One entry of a firm's audit trail, from whichever history it is kept in.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct AuditEntry {
    pub id: String,
    /// When (ms since the Unix epoch).
    pub at: i64,
    /// `standing`, `credit`, `whitelist` or `profile`.
    pub source: String,
    /// standing: `apply`, `recommend`, `suspend`, `restore`, `blacklist`, `end_blacklist`;
    /// credit: `good`, `bad`; whitelist: `listed`, `unlisted`; profile: `profile_changed`,
    /// `profile_reviewed`, `rejected`.
    pub action: String,
    /// The action in Chinese.
    pub action_label: String,
    pub reason: String,
    /// What it did, in Chinese (e.g. 申请中 → 推荐, 扣 5 分（街道检查）).
    pub summary: String,
    /// Profile changes: each field, old → new.
    pub changes: Vec<FieldChange>,
    /// Who: shown to the association and officials only.
    pub author_id: Option<String>,
    pub author_name: Option<String>,
}

fn action_label(source: &str, action: &str) -> &'static str {
    match (source, action) {
        ("standing", "apply") => "提交入库申请",
        ("standing", "recommend") => "列入推荐名录",
        ("standing", "suspend") => "列为重点监管",
        ("standing", "restore") => "恢复推荐",
        ("standing", "blacklist") => "列入黑名单",
        ("standing", "end_blacklist") => "解除黑名单",
        ("credit", "good") => "信用加分",
        ("credit", "bad") => "信用扣分",
        ("whitelist", "listed") => "列入检查白名单",
        ("whitelist", "unlisted") => "移出检查白名单",
        ("profile", kind::PROFILE_CHANGED) => "资料变更",
        ("profile", kind::PROFILE_REVIEWED) => "资料变更已复核",
        ("profile", kind::REJECTED) => "驳回入库申请",
        _ => "其他",
    }
}

fn standing_label(s: Option<&str>) -> &'static str {
    s.and_then(|s| RosterStanding::parse(s).ok())
        .map_or("—", RosterStanding::label_zh)
}

/// Every history of a firm in one relation (`source`, `action`, `a`, `b`, `changes`):
/// standing, credit, whitelist and profile.
const AUDIT_TRAIL: &str = "(SELECT firm_id, id, at, CAST('standing' AS TEXT) AS source, action, reason, \
         standing_before AS a, standing_after AS b, CAST(NULL AS TEXT) AS changes, author_id, author_name \
     FROM firm_standing_event \
     UNION ALL \
     SELECT firm_id, id, at, CAST('credit' AS TEXT), kind, reason, source, CAST(points AS TEXT), \
         CAST(NULL AS TEXT), author_id, author_name \
     FROM firm_credit_event \
     UNION ALL \
     SELECT firm_id, id, at, CAST('whitelist' AS TEXT), \
         CASE WHEN listed THEN CAST('listed' AS TEXT) ELSE CAST('unlisted' AS TEXT) END, \
         reason, on_date, CAST(NULL AS TEXT), CAST(NULL AS TEXT), author_id, author_name \
     FROM firm_whitelist_event \
     UNION ALL \
     SELECT firm_id, id, at, CAST('profile' AS TEXT), kind, reason, CAST(NULL AS TEXT), CAST(NULL AS TEXT), \
         changes, author_id, author_name \
     FROM firm_history_event) t";

/// A firm's audit trail, newest first: standing, credit, whitelist and profile history in
/// one list; one page.
pub async fn audit(
    conn: &mut AnyConnection,
    firm_id: &str,
    page: Pagination,
    with_authors: bool,
) -> Result<Page<AuditEntry>> {
    let mut filter = shared::db::Filter::default();
    let n = filter.param(shared::db::Bind::Text(firm_id.to_string()));
    filter.push(format!("t.firm_id = ${n}"));
    shared::db::ListQuery {
        columns: "t.id, t.at, t.source, t.action, t.reason, t.a, t.b, t.changes, t.author_id, t.author_name",
        from: AUDIT_TRAIL,
        filter: &filter,
        order_by: "t.at DESC, t.id DESC",
    }
    .page(conn, page, |r| audit_entry(r, with_authors))
    .await
}

fn audit_entry(r: &sqlx::any::AnyRow, with_authors: bool) -> Result<AuditEntry> {
    let source: String = r.try_get("source")?;
    let action: String = r.try_get("action")?;
    let a: Option<String> = r.try_get("a")?;
    let b: Option<String> = r.try_get("b")?;
    let changes: Vec<FieldChange> = match r.try_get::<Option<String>, _>("changes")? {
        Some(text) => serde_json::from_str(&text).map_err(anyhow::Error::from)?,
        None => Vec::new(),
    };
    let summary = match source.as_str() {
        "standing" => format!(
            "{} → {}",
            standing_label(a.as_deref()),
            standing_label(b.as_deref())
        ),
        "credit" => format!(
            "{}{} 分（{}）",
            if action == "good" { "加" } else { "扣" },
            b.unwrap_or_default(),
            a.unwrap_or_default()
        ),
        "whitelist" => format!("自 {}", a.unwrap_or_default()),
        _ => changes
            .iter()
            .map(|c| format!("{}：{} → {}", c.label, c.old, c.new))
            .collect::<Vec<_>>()
            .join("；"),
    };
    let (author_id, author_name) = author_columns(r, with_authors)?;
    Ok(AuditEntry {
        id: r.try_get("id")?,
        at: r.try_get("at")?,
        action_label: action_label(&source, &action).to_string(),
        reason: r.try_get("reason")?,
        summary,
        changes,
        author_id,
        author_name,
        source,
        action,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_are_bounded_and_required_only_when_asked() {
        let none = ReasonInput { reason: None };
        assert_eq!(none.check(false).unwrap(), None);
        let p = none.check(true).unwrap_err();
        assert_eq!(p.errors[0].field, "reason");
        let long = ReasonInput {
            reason: Some("长".repeat(REASON_MAX + 1)),
        };
        assert_eq!(long.check(false).unwrap_err().errors[0].code, "length");
        let ok = ReasonInput {
            reason: Some("  冒用他人信用代码  ".into()),
        };
        assert_eq!(ok.check(true).unwrap().as_deref(), Some("冒用他人信用代码"));
    }
}
