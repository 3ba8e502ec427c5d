//! Invitations to bid (邀请投标): a compound's committee invites a recommended firm (usually
//! one the matching service suggested) to bid for its open tender; the firm sees its own
//! invitations. An invitation is a nudge, not a right: the firm still has to meet every
//! bidding condition when it bids.
//!
//! Inviting the same firm twice is not an error: the second call answers the existing
//! invitation, so a page may resend it safely.

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shared::auth::Identity;
use shared::clock::china_today;
use shared::clock::now_ms;
use shared::db::{is_unique_violation, new_id};
use shared::error::{FieldError, Problem};
use shared::feed::WriteTx;
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;
use validator::Validate;

use crate::audit;
use crate::clock::to_rfc3339;
use crate::error::Result;
use crate::input::{trimmed, trimmed_opt};
use crate::tenders::tender::Tender;

/// An invitation to bid (feed topic `tender_invitation`, kind `invited`; this is the
/// payload).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Invitation {
    pub id: String,
    pub tender_id: String,
    pub firm_id: String,
    pub firm_name: String,
    /// The committee's note to the firm.
    pub message: Option<String>,
    pub invited_at: String,
    /// The tender's title and compound (for the firm's list).
    pub tender_title: String,
    pub compound_id: String,
    pub compound_name: String,
    pub bid_deadline: String,
}

/// Whom to invite.
#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct NewInvitation {
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, code = "required", message = "请选择要邀请的企业"))]
    pub firm_id: String,
    /// Up to 500 characters.
    #[serde(default, deserialize_with = "trimmed_opt")]
    #[validate(length(max = 500, message = "邀请说明不能超过 500 个字符"))]
    pub message: Option<String>,
}

/// What came of an invitation: a new one, or the one that already existed.
#[derive(Debug, Clone)]
pub enum Invited {
    New(Invitation),
    Existing(Invitation),
}

const SELECT: &str = "SELECT i.id, i.tender_id, i.firm_id, i.firm_name, i.message, i.invited_at, \
    t.title, t.compound_id, t.compound_name, t.bid_deadline \
    FROM tender_invitation i JOIN tender t ON t.id = i.tender_id";

fn from_row(r: &sqlx::any::AnyRow) -> std::result::Result<Invitation, sqlx::Error> {
    Ok(Invitation {
        id: r.try_get("id")?,
        tender_id: r.try_get("tender_id")?,
        firm_id: r.try_get("firm_id")?,
        firm_name: r.try_get("firm_name")?,
        message: r.try_get("message")?,
        invited_at: to_rfc3339(r.try_get("invited_at")?),
        tender_title: r.try_get("title")?,
        compound_id: r.try_get("compound_id")?,
        compound_name: r.try_get("compound_name")?,
        bid_deadline: to_rfc3339(r.try_get("bid_deadline")?),
    })
}

/// The invitation of `firm_id` to tender `tender_id`, if there is one.
pub async fn existing(
    conn: &mut AnyConnection,
    tender_id: &str,
    firm_id: &str,
) -> std::result::Result<Option<Invitation>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE i.tender_id = $1 AND i.firm_id = $2"
    )))
    .bind(tender_id)
    .bind(firm_id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// Invites a firm to bid for `t` (open, before its bid deadline), inside the transaction:
/// the existing invitation if there is one; else the firm must be recommended on the
/// roster today, as tender's copy of the catalog says (422 with the reason's code on
/// `firm_id`). `None` when a concurrent invitation of the same firm won the race (the
/// caller answers that one, read after this transaction).
pub async fn invite(
    tx: &mut WriteTx,
    t: &Tender,
    input: NewInvitation,
    identity: &Identity,
) -> Result<Option<Invited>> {
    if let Some(found) = existing(tx.conn(), &t.id, &input.firm_id).await? {
        return Ok(Some(Invited::Existing(found)));
    }
    let firm = crate::replica::firm(tx.conn(), &input.firm_id)
        .await?
        .ok_or_else(|| {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "firm_unknown",
                "不能邀请该企业",
            )
            .with_detail("平台尚未收到该企业的名录信息，不能邀请。")
            .with_errors(vec![FieldError::new(
                "firm_id",
                "firm_unknown",
                "平台尚未收到该企业的名录信息",
            )])
        })?;
    if let Err(r) = crate::roster::firm_may_bid(&firm, china_today()) {
        let message = r.message.replace("不能投标", "不能邀请投标");
        return Err(
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, r.code, "不能邀请该企业")
                .with_detail(message.clone())
                .with_errors(vec![FieldError::new("firm_id", r.code, message)])
                .into(),
        );
    }
    let now = now_ms();
    let invitation = Invitation {
        id: new_id(),
        tender_id: t.id.clone(),
        firm_id: firm.id.clone(),
        firm_name: firm.name.clone(),
        message: input.message.filter(|m| !m.is_empty()),
        invited_at: to_rfc3339(now),
        tender_title: t.title.clone(),
        compound_id: t.compound_id.clone(),
        compound_name: t.compound_name.clone(),
        bid_deadline: to_rfc3339(t.terms.bid_deadline),
    };
    let inserted = sqlx::query(
        "INSERT INTO tender_invitation (id, tender_id, firm_id, firm_name, message, invited_by, invited_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&invitation.id)
    .bind(&invitation.tender_id)
    .bind(&invitation.firm_id)
    .bind(&invitation.firm_name)
    .bind(&invitation.message)
    .bind(&identity.account_id)
    .bind(now)
    .execute(&mut *tx.conn())
    .await;
    match inserted {
        Ok(_) => {}
        // Raced by the same invitation: the one that won is answered.
        Err(e) if is_unique_violation(&e) => return Ok(None),
        Err(e) => return Err(e.into()),
    }
    tx.emit(
        shared::events::tender::INVITATION,
        &invitation.id,
        "invited",
        &invitation,
    )
    .await?;
    audit::record_step(
        tx.conn(),
        identity,
        ("invitation", &invitation.id),
        Some(&t.id),
        ("invited", false),
        &invitation,
    )
    .await?;
    Ok(Some(Invited::New(invitation)))
}

/// A tender's invitations, oldest first: all of them, or only one firm's.
pub async fn of_tender(
    conn: &mut AnyConnection,
    tender_id: &str,
    firm: Option<&str>,
) -> std::result::Result<Vec<Invitation>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE i.tender_id = $1 AND ($2 IS NULL OR i.firm_id = $2) \
         ORDER BY i.invited_at, i.id"
    )))
    .bind(tender_id)
    .bind(firm)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// A firm's invitations across tenders, newest first (at most 200).
pub async fn of_firm(
    conn: &mut AnyConnection,
    firm_id: &str,
) -> std::result::Result<Vec<Invitation>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE i.firm_id = $1 ORDER BY i.invited_at DESC, i.id DESC LIMIT 200"
    )))
    .bind(firm_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}
