//! The committee's steps on its own tender: draft, revise, open for bids (发布), cancel
//! (终止). Each is one write transaction that changes the row, records the change
//! ([`record_change`]: feed + audit) and, once the tender is public, an OCDS release.

use shared::auth::{Identity, Role};
use shared::clock::now_ms;
use shared::db::new_id;
use shared::error::{FieldError, Problem};
use shared::feed::WriteTx;
use sqlx::AnyConnection;

use super::change::record_change;
use super::input::{Proposal, window_label};
use super::store;
use super::tender::{Step, Tender, not_found};
use super::view::TenderView;
use crate::audit::Actor;
use crate::award::records;
use crate::clock;
use crate::config::TenderPolicy;
use crate::error::Result;
use crate::input::unknown_compound;
use crate::ocds;
use crate::terms::TenderStatus;

/// The caller's own compound's tender, inside the caller's transaction, when its status
/// admits `step`. Role: committee of the compound. Someone else's draft is as invisible as
/// a tender that does not exist (404); someone else's published tender is 403; a status
/// that does not admit the step is the step's 409.
pub async fn for_committee(
    conn: &mut AnyConnection,
    id: &str,
    identity: &Identity,
    step: Step,
) -> Result<Tender> {
    identity.require_any(&[Role::Committee])?;
    let t = store::load(conn, id).await?.ok_or_else(not_found)?;
    if !identity.is_committee_of(&t.compound_id) {
        if t.status == TenderStatus::Draft {
            return Err(not_found().into());
        }
        return Err(Problem::forbidden("只能操作本小区的招标项目。").into());
    }
    step.admits(&t, now_ms())?;
    Ok(t)
}

/// Drafts a tender for a compound known from the catalog that has no other tender in
/// progress (409 `tender_in_progress`). The title defaults to “〈compound〉物业服务招标”.
pub async fn draft(
    tx: &mut WriteTx,
    compound_id: &str,
    proposal: Proposal,
    identity: &Identity,
    now: i64,
) -> Result<TenderView> {
    let compound = crate::replica::compound(tx.conn(), compound_id)
        .await?
        .ok_or_else(unknown_compound)?;
    if store::in_progress(tx.conn(), &compound.id).await? > 0 {
        return Err(Problem::conflict(
            "tender_in_progress",
            "该小区已有进行中的招标项目，请先完成或终止它。",
        )
        .into());
    }
    let t = Tender {
        id: new_id(),
        title: proposal
            .title
            .unwrap_or_else(|| format!("{}物业服务招标", compound.name)),
        compound_id: compound.id,
        compound_name: compound.name,
        district_code: compound.district_code,
        street_code: compound.street_code,
        status: TenderStatus::Draft,
        terms: proposal.terms,
        terms_version: 1,
        cancel_reason: None,
        created_by: identity.account_id.clone(),
        created_at: now,
        published_at: None,
        opened_at: None,
        closed_at: None,
        updated_at: now,
    };
    store::insert(tx.conn(), &t).await?;
    Ok(record_change(
        tx,
        &t,
        "drafted",
        &Actor::from(identity),
        &serde_json::json!({}),
    )
    .await?)
}

/// Replaces the terms of `t` (a draft, or open before its bid deadline) with `proposal`;
/// `None` when nothing changes. While open any change is material: the terms version goes
/// up, every bid already submitted needs re-confirmation, and an OCDS `tenderAmendment`
/// names what changed (the bid deadline was already moved by the check, see
/// [`super::input::Schedule::extend`]).
pub async fn revise(
    tx: &mut WriteTx,
    t: &mut Tender,
    proposal: Proposal,
    identity: &Identity,
    policy: &TenderPolicy,
    now: i64,
) -> Result<Option<TenderView>> {
    let title = proposal.title.unwrap_or_else(|| t.title.clone());
    if title == t.title && proposal.terms == t.terms {
        return Ok(None);
    }
    let mut changed = Vec::new();
    if title != t.title {
        changed.push("标题");
    }
    changed.extend(t.terms.differences(&proposal.terms));
    t.title = title;
    t.terms = proposal.terms;
    t.updated_at = now;
    let open = t.status == TenderStatus::Open;
    if open {
        t.terms_version += 1;
        sqlx::query(
            "UPDATE bid SET status = 'needs_reconfirmation' WHERE tender_id = $1 AND status = 'submitted'",
        )
        .bind(&t.id)
        .execute(&mut *tx.conn())
        .await?;
    }
    store::update(tx.conn(), t).await?;
    let view = record_change(
        tx,
        t,
        if open { "terms_changed" } else { "updated" },
        &Actor::from(identity),
        &serde_json::json!({ "terms_version": t.terms_version }),
    )
    .await?;
    if open {
        let rationale = format!(
            "招标条件变更（{}）；投标截止时间为 {}，此前提交的投标须在截止前重新确认或替换。",
            changed.join("、"),
            clock::to_rfc3339(t.terms.bid_deadline)
        );
        ocds::release(
            tx.conn(),
            policy,
            &t.id,
            &[ocds::tag::TENDER_AMENDMENT],
            Some(&rationale),
        )
        .await?;
    }
    Ok(Some(view))
}

/// Opens a draft for questions and bids (发布: 草稿 → 招标中), when its bid deadline is
/// still at least the shortest bidding window away and its enquiry deadline has not passed.
pub async fn open_for_bids(
    tx: &mut WriteTx,
    mut t: Tender,
    identity: &Identity,
    policy: &TenderPolicy,
) -> Result<TenderView> {
    let now = now_ms();
    let min = policy.min_bid_window_ms();
    let mut errors = Vec::new();
    if t.terms.bid_deadline < now.saturating_add(min) {
        errors.push(FieldError::new(
            "bid_deadline",
            "bid_window_too_short",
            format!(
                "投标截止时间距现在不得少于最短投标期（{}），请先修改截止时间",
                window_label(min)
            ),
        ));
    }
    if t.terms.enquiry_deadline <= now {
        errors.push(FieldError::new(
            "enquiry_deadline",
            "in_past",
            "答疑截止时间已过，请先修改",
        ));
    }
    if !errors.is_empty() {
        return Err(Problem::validation(errors).into());
    }
    t.status = TenderStatus::Open;
    t.published_at = Some(now);
    t.updated_at = now;
    store::update(tx.conn(), &t).await?;
    let view = record_change(
        tx,
        &t,
        "published",
        &Actor::from(identity),
        &serde_json::json!({}),
    )
    .await?;
    ocds::release(
        tx.conn(),
        policy,
        &t.id,
        &[ocds::tag::PLANNING, ocds::tag::TENDER],
        None,
    )
    .await?;
    Ok(view)
}

/// Cancels (终止) a tender that has not ended, with a reason; an award still in notice falls
/// with it. Bids of a tender cancelled before opening stay sealed for good.
pub async fn cancel(
    tx: &mut WriteTx,
    mut t: Tender,
    reason: String,
    identity: &Identity,
    policy: &TenderPolicy,
) -> Result<TenderView> {
    let now = now_ms();
    records::revoke_in_notice(tx.conn(), &t.id, now, &format!("招标终止：{reason}")).await?;
    t.status = TenderStatus::Cancelled;
    t.cancel_reason = Some(reason.clone());
    t.closed_at = Some(now);
    t.updated_at = now;
    store::update(tx.conn(), &t).await?;
    let view = record_change(
        tx,
        &t,
        "cancelled",
        &Actor::from(identity),
        &serde_json::json!({ "reason": reason }),
    )
    .await?;
    ocds::release(
        tx.conn(),
        policy,
        &t.id,
        &[ocds::tag::TENDER_CANCELLATION],
        None,
    )
    .await?;
    Ok(view)
}
