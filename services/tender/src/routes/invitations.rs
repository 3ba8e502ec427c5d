//! Invitations to bid (邀请投标): a compound's committee invites a recommended firm (usually
//! one the matching service suggested) to bid for its open tender; the firm sees its own
//! invitations. An invitation is a nudge, not a right: the firm still has to meet every
//! bidding condition when it bids.
//!
//! Inviting the same firm twice is not an error: the second call answers the existing
//! invitation (200 instead of 201), so a page may resend it safely.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use shared::auth::{Identity, Role, Scope};
use shared::db::{is_unique_violation, new_id, now_ms};
use shared::error::{FieldError, Problem};
use shared::extract;
use shared::feed::WriteTx;
use sqlx::{AnyConnection, Row};
use utoipa::{OpenApi, ToSchema};

use crate::audit::{self, Actor};
use crate::clock::{self, to_rfc3339};
use crate::error::Result;
use crate::routes::tenders::{own_tender, visible_tender};
use crate::state::AppState;
use crate::tenders::load_current;
use crate::terms::TenderStatus;

#[derive(OpenApi)]
#[openapi(
    paths(invite, list_invitations, my_invitations),
    components(schemas(Invitation, NewInvitation))
)]
pub struct Api;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/{id}/invitations", get(list_invitations).post(invite))
        .route("/invitations/mine", get(my_invitations))
}

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
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewInvitation {
    pub firm_id: String,
    /// Up to 500 characters.
    pub message: Option<String>,
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

async fn existing(
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

/// Invites a firm to bid. Role: the tender's committee; while the tender accepts bids
/// (409 `tender_not_open` otherwise). The firm must be recommended on the roster today, as
/// tender's copy of the catalog says (422 with the reason's code, e.g.
/// `firm_not_recommended`, `firm_suspended`, `firm_blacklisted`, `firm_unknown`, on the
/// field `firm_id`). Idempotent per tender and firm: a repeated invitation answers the
/// existing one with 200; a new one is 201.
#[utoipa::path(post, path = "/tenders/{id}/invitations", tag = "invitations", request_body = NewInvitation,
    params(("id" = String, Path, description = "tender id")),
    responses((status = 201, body = Invitation), (status = 200, body = Invitation, description = "Already invited"),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 422, body = Problem)))]
pub async fn invite(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    extract::Json(dto): extract::Json<NewInvitation>,
) -> Result<(StatusCode, Json<Invitation>)> {
    identity.require_any(&[Role::Committee])?;
    let firm_id = dto.firm_id.trim().to_string();
    let message = dto
        .message
        .as_deref()
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .map(str::to_string);
    let mut errors = Vec::new();
    if firm_id.is_empty() {
        errors.push(FieldError::new("firm_id", "required", "请选择要邀请的企业"));
    }
    if message.as_ref().is_some_and(|m| m.chars().count() > 500) {
        errors.push(FieldError::new(
            "message",
            "length",
            "邀请说明不能超过 500 个字符",
        ));
    }
    if !errors.is_empty() {
        return Err(Problem::validation(errors).into());
    }
    // Bring the tender up to date (a passed deadline moves it on) before deciding.
    load_current(&app, &id).await?;

    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let t = own_tender(tx.conn(), &id, &identity).await?;
    let now = now_ms();
    if !(t.status == TenderStatus::Open && now < t.bid_deadline) {
        return Err(Problem::conflict(
            "tender_not_open",
            format!(
                "只能为招标中且投标未截止的项目邀请企业（该项目{}）。",
                t.status.label()
            ),
        )
        .into());
    }
    if let Some(found) = existing(tx.conn(), &t.id, &firm_id).await? {
        return Ok((StatusCode::OK, Json(found)));
    }
    let firm = crate::replica::firm(tx.conn(), &firm_id)
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
    if let Err(r) = crate::roster::firm_may_bid(&firm, clock::today()) {
        let message = r.message.replace("不能投标", "不能邀请投标");
        return Err(
            Problem::new(StatusCode::UNPROCESSABLE_ENTITY, r.code, "不能邀请该企业")
                .with_detail(message.clone())
                .with_errors(vec![FieldError::new("firm_id", r.code, message)])
                .into(),
        );
    }
    let invitation = Invitation {
        id: new_id(),
        tender_id: t.id.clone(),
        firm_id: firm.id.clone(),
        firm_name: firm.name.clone(),
        message,
        invited_at: to_rfc3339(now),
        tender_title: t.title.clone(),
        compound_id: t.compound_id.clone(),
        compound_name: t.compound_name.clone(),
        bid_deadline: to_rfc3339(t.bid_deadline),
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
    if let Err(e) = inserted {
        if is_unique_violation(&e) {
            // Raced by the same invitation: answer the one that won.
            drop(tx);
            let mut conn = app.db.pool.acquire().await?;
            let found = existing(&mut conn, &id, &firm_id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("invitation vanished"))?;
            return Ok((StatusCode::OK, Json(found)));
        }
        return Err(e.into());
    }
    tx.emit("tender_invitation", &invitation.id, "invited", &invitation)
        .await?;
    audit::record(
        tx.conn(),
        audit::Entry {
            actor: &Actor::from(&identity),
            entity: "invitation",
            entity_id: &invitation.id,
            tender_id: Some(&t.id),
            action: "invited",
            sealed: false,
            detail: &invitation,
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(invitation)))
}

/// A tender's invitations, oldest first. The tender's committee sees them all; a firm
/// sees only its own (an empty list if it was not invited); everyone else 403.
#[utoipa::path(get, path = "/tenders/{id}/invitations", tag = "invitations",
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = Vec<Invitation>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn list_invitations(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Json<Vec<Invitation>>> {
    let t = visible_tender(&app, &id, Some(&identity)).await?;
    let firm = match (&identity.role, &identity.scope) {
        (Role::Committee, _) if identity.require_compound(&t.compound_id).is_ok() => None,
        (Role::Firm, Scope::Firm(f)) => Some(f.clone()),
        _ => {
            return Err(Problem::forbidden("邀请记录仅供招标小区自治组织和受邀企业查看。").into());
        }
    };
    let mut conn = app.db.pool.acquire().await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE i.tender_id = $1 AND ($2 IS NULL OR i.firm_id = $2) \
         ORDER BY i.invited_at, i.id"
    )))
    .bind(&t.id)
    .bind(&firm)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Json(
        rows.iter()
            .map(from_row)
            .collect::<std::result::Result<_, _>>()?,
    ))
}

/// The caller's own invitations across tenders, newest first. Role: firm.
#[utoipa::path(get, path = "/tenders/invitations/mine", tag = "invitations",
    responses((status = 200, body = Vec<Invitation>), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
pub async fn my_invitations(
    State(app): State<AppState>,
    identity: Identity,
) -> Result<Json<Vec<Invitation>>> {
    let firm = match (&identity.role, &identity.scope) {
        (Role::Firm, Scope::Firm(f)) => f.clone(),
        _ => return Err(Problem::forbidden("只有物业服务企业账号有受邀记录。").into()),
    };
    let mut conn = app.db.pool.acquire().await?;
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE i.firm_id = $1 ORDER BY i.invited_at DESC, i.id DESC LIMIT 200"
    )))
    .bind(&firm)
    .fetch_all(&mut *conn)
    .await?;
    Ok(Json(
        rows.iter()
            .map(from_row)
            .collect::<std::result::Result<_, _>>()?,
    ))
}
