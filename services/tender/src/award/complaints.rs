//! 质疑 (complaints): a firm that bid may complain about an award during its notice period;
//! the compound's committee or the association answers. An upheld complaint about the
//! standing award revokes it and reopens evaluation.

use serde::Deserialize;
use shared::auth::Identity;
use shared::clock::now_ms;
use shared::db::new_id;
use shared::error::Problem;
use shared::feed::WriteTx;
use utoipa::ToSchema;
use validator::Validate;

use super::records::{self, Complaint};
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
        firm_id: firm_id.to_string(),
        firm_name,
        grounds: input.grounds,
        lodged_at: to_rfc3339(now),
        answer: None,
        upheld: None,
        answered_at: None,
    };
    records::insert_complaint(tx.conn(), &c, now).await?;
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
    let c = records::complaint(tx.conn(), &t.id, cid)
        .await?
        .ok_or_else(no_complaint)?;
    if c.answer.is_some() {
        return Err(Problem::conflict("already_answered", "该质疑已答复。").into());
    }
    let now = now_ms();
    records::answer_complaint(
        tx.conn(),
        &c.id,
        &input.answer,
        input.upheld,
        &identity.account_id,
        now,
    )
    .await?;
    let current = records::current(tx.conn(), &t.id).await?;
    if input.upheld
        && t.status == TenderStatus::Awarded
        && current.as_ref().is_some_and(|a| a.view.id == c.award_id)
    {
        reopen_evaluation(tx, t.clone(), &c, &input.answer, identity, policy, now).await?;
    }
    let answered = records::complaint(tx.conn(), &t.id, cid)
        .await?
        .ok_or_else(no_complaint)?;
    tx.emit(
        shared::events::tender::COMPLAINT,
        cid,
        "answered",
        &answered,
    )
    .await?;
    record(tx, identity, &answered, "answered").await?;
    Ok(answered)
}

/// The award `c` complained about is revoked; the tender is in evaluation again.
async fn reopen_evaluation(
    tx: &mut WriteTx,
    mut t: Tender,
    c: &Complaint,
    answer: &str,
    identity: &Identity,
    policy: &TenderPolicy,
    now: i64,
) -> Result<()> {
    records::revoke(tx.conn(), &c.award_id, now, &format!("质疑成立：{answer}")).await?;
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
