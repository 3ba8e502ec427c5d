//! 质疑 (complaints): a firm that bid may complain about an award during its notice period;
//! the compound's committee or the association answers. A complaining firm not satisfied
//! with the answer escalates (复核) within `[tender] escalation_window_secs` to the street
//! official of the compound's street, and after the street's decision to the district
//! official (a compound outside any street goes straight to the district); each level
//! decides once. An upheld answer or decision about the standing award revokes it and
//! reopens evaluation.

use serde::Deserialize;
use shared::auth::{Identity, Role, Scope};
use shared::clock::now_ms;
use shared::db::new_id;
use shared::error::Problem;
use shared::feed::WriteTx;
use utoipa::ToSchema;
use validator::Validate;

use super::complaint_store::{self as store_c, Complaint, Level};
use super::records;
use crate::audit::{self, Actor};
use crate::clock::to_rfc3339;
use crate::config::TenderPolicy;
use crate::error::Result;
use crate::input::trimmed;
use crate::ocds;
use crate::tenders::change::record_change;
use crate::tenders::store;
use crate::tenders::tender::{Tender, not_found};
use crate::terms::TenderStatus;

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct NewComplaint {
    /// 5–5000 characters.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 5, max = 5000, message = "质疑理由应为 5–5000 个字符"))]
    pub grounds: String,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct ComplaintAnswer {
    /// Whether the complaint is upheld: an upheld complaint revokes the award and reopens
    /// evaluation.
    pub upheld: bool,
    /// 2–5000 characters.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 2, max = 5000, message = "答复应为 2–5000 个字符"))]
    pub answer: String,
}

fn not_a_bidder() -> Problem {
    Problem::forbidden("只有本项目的投标人可以提出质疑。")
}

fn no_complaint() -> Problem {
    Problem::not_found("没有这条质疑。")
}

/// Lodges `firm_id`'s complaint about tender `id`'s award, inside the transaction: the
/// firm must have bid (its bid opened, valid or not), and the award must be in its notice
/// period.
pub async fn lodge(
    tx: &mut WriteTx,
    id: &str,
    firm_id: &str,
    input: NewComplaint,
    identity: &Identity,
) -> Result<Complaint> {
    let t = store::load(tx.conn(), id).await?.ok_or_else(not_found)?;
    let firm_name: Option<String> = sqlx::query_scalar(
        "SELECT firm_name FROM bid WHERE tender_id = $1 AND firm_id = $2 AND status IN ('opened', 'invalid')",
    )
    .bind(&t.id)
    .bind(firm_id)
    .fetch_optional(&mut *tx.conn())
    .await?;
    let Some(firm_name) = firm_name else {
        return Err(not_a_bidder().into());
    };
    let now = now_ms();
    let award = match records::current(tx.conn(), &t.id).await? {
        Some(a) if t.status == TenderStatus::Awarded && now < a.notice_ends_at_ms => a,
        _ => {
            return Err(Problem::conflict("not_in_notice", "只能在定标公示期内提出质疑。").into());
        }
    };
    let c = Complaint {
        id: new_id(),
        tender_id: t.id.clone(),
        award_id: award.view.id.clone(),
        firm_id: Some(firm_id.to_string()),
        firm_name: Some(firm_name),
        grounds: input.grounds,
        lodged_at: to_rfc3339(now),
        answer: None,
        upheld: None,
        answered_at: None,
        stage: Default::default(),
        outcome: None,
        escalations: Vec::new(),
        answered_at_ms: None,
    };
    store_c::insert(tx.conn(), &c, now).await?;
    tx.emit(shared::events::tender::COMPLAINT, &c.id, "lodged", &c)
        .await?;
    record(tx, identity, &c, "lodged").await?;
    Ok(c)
}

/// Answers complaint `cid` about tender `id`, inside the transaction; an upheld complaint
/// about the standing award in notice revokes it and the tender returns to evaluation.
pub async fn answer(
    tx: &mut WriteTx,
    id: &str,
    cid: &str,
    input: ComplaintAnswer,
    identity: &Identity,
    policy: &TenderPolicy,
) -> Result<Complaint> {
    let t = store::load(tx.conn(), id).await?.ok_or_else(not_found)?;
    let c = store_c::one(tx.conn(), &t.id, cid)
        .await?
        .ok_or_else(no_complaint)?;
    if c.answer.is_some() {
        return Err(Problem::conflict("already_answered", "该质疑已答复。").into());
    }
    let now = now_ms();
    store_c::answer(
        tx.conn(),
        &c.id,
        &input.answer,
        input.upheld,
        &identity.account_id,
        now,
    )
    .await?;
    if input.upheld {
        let reason = format!("质疑成立：{}", input.answer);
        reopen_evaluation(tx, t.clone(), &c, &reason, identity, policy, now).await?;
    }
    finish(tx, &t.id, cid, "answered", identity).await
}

/// The award `c` complained about is revoked, if it still stands in its notice (the tender
/// awarded); the tender is in evaluation again.
async fn reopen_evaluation(
    tx: &mut WriteTx,
    mut t: Tender,
    c: &Complaint,
    reason: &str,
    identity: &Identity,
    policy: &TenderPolicy,
    now: i64,
) -> Result<()> {
    let current = records::current(tx.conn(), &t.id).await?;
    if t.status != TenderStatus::Awarded || current.is_none_or(|a| a.view.id != c.award_id) {
        return Ok(());
    }
    records::revoke(tx.conn(), &c.award_id, now, reason).await?;
    t.status = TenderStatus::Evaluation;
    t.updated_at = now;
    store::update(tx.conn(), &t).await?;
    record_change(
        tx,
        &t,
        "award_revoked",
        &Actor::from(identity),
        &serde_json::json!({ "award_id": c.award_id, "complaint_id": c.id }),
    )
    .await?;
    ocds::release(tx.conn(), policy, &t.id, &[ocds::tag::AWARD_UPDATE], None).await?;
    Ok(())
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct NewEscalation {
    /// Why the answer does not satisfy the firm, 5–5000 characters.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 5, max = 5000, message = "复核理由应为 5–5000 个字符"))]
    pub grounds: String,
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct EscalationDecision {
    /// Whether the complaint is upheld at this level: upheld revokes the award and reopens
    /// evaluation.
    pub upheld: bool,
    /// The reasons, 2–5000 characters.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 2, max = 5000, message = "复核决定应为 2–5000 个字符"))]
    pub decision: String,
}

/// Escalates complaint `cid` about tender `id` to the next level, inside the transaction:
/// only the complaining firm, only after a decision that did not uphold it, within the
/// window after it, once per level, while the award complained about stands.
pub async fn escalate(
    tx: &mut WriteTx,
    id: &str,
    cid: &str,
    input: NewEscalation,
    identity: &Identity,
    policy: &TenderPolicy,
) -> Result<Complaint> {
    let (t, c) = may_escalate(tx.conn(), id, cid, identity).await?;
    let level = escalation_level(tx, &t, &c, policy).await?;
    let now = now_ms();
    if !store_c::escalate(
        tx.conn(),
        &c,
        level,
        &input.grounds,
        &identity.account_id,
        now,
    )
    .await?
    {
        return Err(already_escalated().into());
    }
    finish(tx, &t.id, cid, "escalated", identity).await
}

/// The tender and complaint `cid`, if `identity` is the complaining firm (the check before
/// the body is read; [`escalate`] decides again inside its transaction).
pub async fn may_escalate(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    cid: &str,
    identity: &Identity,
) -> Result<(Tender, Complaint)> {
    let t = store::load(conn, id).await?.ok_or_else(not_found)?;
    let c = store_c::one(conn, &t.id, cid)
        .await?
        .ok_or_else(no_complaint)?;
    if identity.own_firm().is_none() || identity.own_firm() != c.firm_id.as_deref() {
        return Err(Problem::forbidden("只有提出质疑的企业可以申请复核。").into());
    }
    Ok((t, c))
}

/// 403 unless `identity` decides escalations of tender `t` at some level (the check before
/// the body is read; [`decide`] checks the pending level inside its transaction).
pub fn may_decide(identity: &Identity, t: &Tender) -> std::result::Result<(), Problem> {
    if decides(identity, t, Level::Street) || decides(identity, t, Level::District) {
        Ok(())
    } else {
        Err(Problem::forbidden(
            "只有小区所在街道、区县的工作人员可以作出复核决定。",
        ))
    }
}

fn already_escalated() -> Problem {
    Problem::conflict(
        "already_escalated",
        "每一级只能申请一次复核，区县的决定为最终决定。",
    )
}

/// The level `c` may be escalated to now (see [`escalate`]), or why not.
async fn escalation_level(
    tx: &mut WriteTx,
    t: &Tender,
    c: &Complaint,
    policy: &TenderPolicy,
) -> Result<Level> {
    if c.answer.is_none() {
        return Err(Problem::conflict("not_answered", "质疑尚未答复，答复后方可申请复核。").into());
    }
    if c.pending().is_some() {
        return Err(Problem::conflict("escalation_pending", "复核申请正在处理中。").into());
    }
    if c.outcome == Some(true) {
        return Err(Problem::conflict("already_upheld", "质疑已成立，无需复核。").into());
    }
    let Some(level) = c.next_level(t.street_code.is_some()) else {
        return Err(already_escalated().into());
    };
    let until = c.escalable_until(policy.escalation_window_ms(), t.street_code.is_some());
    if until.is_none_or(|until| now_ms() >= until) {
        return Err(Problem::conflict(
            "escalation_closed",
            format!(
                "已超过申请复核的期限（答复或决定后 {} 小时内）。",
                policy.escalation_window.as_secs().div_ceil(3600)
            ),
        )
        .into());
    }
    let standing = records::current(tx.conn(), &t.id).await?;
    if t.status != TenderStatus::Awarded || standing.is_none_or(|a| a.view.id != c.award_id) {
        return Err(Problem::conflict(
            "award_settled",
            "所质疑的定标已撤销或已签订合同，不能再申请复核。",
        )
        .into());
    }
    Ok(level)
}

/// Whether `identity` decides escalations to `level` for tender `t`: the street official
/// of its street, the district official of its district.
pub fn decides(identity: &Identity, t: &Tender, level: Level) -> bool {
    match (level, &identity.role, &identity.scope) {
        (Level::Street, Role::StreetOfficial, Scope::Street(s)) => {
            t.street_code.as_ref() == Some(s)
        }
        (Level::District, Role::DistrictOfficial, Scope::District(d)) => *d == t.district_code,
        _ => false,
    }
}

/// Decides the pending escalation of complaint `cid` about tender `id`, inside the
/// transaction: the official of its level in reach; upheld revokes the standing award and
/// reopens evaluation.
pub async fn decide(
    tx: &mut WriteTx,
    id: &str,
    cid: &str,
    input: EscalationDecision,
    identity: &Identity,
    policy: &TenderPolicy,
) -> Result<Complaint> {
    let t = store::load(tx.conn(), id).await?.ok_or_else(not_found)?;
    let c = store_c::one(tx.conn(), &t.id, cid)
        .await?
        .ok_or_else(no_complaint)?;
    let Some(level) = c.pending().map(|e| e.level) else {
        if c.escalations.iter().any(|e| decides(identity, &t, e.level)) {
            return Err(Problem::conflict("already_decided", "该复核申请已作出决定。").into());
        }
        return Err(Problem::forbidden("该质疑没有待本级决定的复核申请。").into());
    };
    if !decides(identity, &t, level) {
        return Err(Problem::forbidden(format!(
            "只有小区所在{}的工作人员可以作出复核决定。",
            level.label_zh()
        ))
        .into());
    }
    let now = now_ms();
    if !store_c::decide(
        tx.conn(),
        &c.id,
        level,
        &input.decision,
        input.upheld,
        &identity.account_id,
        now,
    )
    .await?
    {
        return Err(Problem::conflict("already_decided", "该复核申请已作出决定。").into());
    }
    if input.upheld {
        let reason = format!("{}复核，质疑成立：{}", level.label_zh(), input.decision);
        reopen_evaluation(tx, t.clone(), &c, &reason, identity, policy, now).await?;
    }
    finish(tx, &t.id, cid, "decided", identity).await
}

/// The complaint as it now stands, published (topic `complaint`) and audited as `kind`.
async fn finish(
    tx: &mut WriteTx,
    tender_id: &str,
    cid: &str,
    kind: &str,
    identity: &Identity,
) -> Result<Complaint> {
    let c = store_c::one(tx.conn(), tender_id, cid)
        .await?
        .ok_or_else(no_complaint)?;
    tx.emit(shared::events::tender::COMPLAINT, cid, kind, &c)
        .await?;
    record(tx, identity, &c, kind).await?;
    Ok(c)
}

/// The audit row of a complaint step.
async fn record(tx: &mut WriteTx, identity: &Identity, c: &Complaint, action: &str) -> Result<()> {
    audit::record_step(
        tx.conn(),
        identity,
        ("complaint", &c.id),
        Some(&c.tender_id),
        (action, false),
        c,
    )
    .await?;
    Ok(())
}
