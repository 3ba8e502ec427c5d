//! Invitations to bid (邀请投标), see [`crate::invitations`]: a compound's committee
//! invites a recommended firm to bid for its open tender; the firm sees its own
//! invitations. Each handler parses the request, calls the domain and answers.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use shared::auth::{Identity, Role};
use shared::error::Problem;
use shared::extract::{Json, LateJson};
use shared::feed::WriteTx;
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::Result;
use crate::input::declared;
use crate::invitations::{self, Invitation, Invited, NewInvitation};
use crate::opening::{load_current, visible_tender};
use crate::state::AppState;
use crate::tenders::{Step, for_committee};

#[derive(OpenApi)]
#[openapi(components(schemas(Invitation, NewInvitation)))]
pub struct Api;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(list_invitations, invite))
        .routes(routes!(my_invitations))
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
    body: LateJson<NewInvitation>,
) -> Result<(StatusCode, Json<Invitation>)> {
    identity.require_any(&[Role::Committee])?;
    // Bring the tender up to date (a passed deadline moves it on) before deciding.
    load_current(&app, &id).await?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let t = for_committee(tx.conn(), &id, &identity, Step::Invite).await?;
    let dto = body.value()?;
    declared(&dto)?;
    let firm_id = dto.firm_id.clone();
    match invitations::invite(&mut tx, &t, dto, &identity).await? {
        Some(Invited::New(invitation)) => {
            tx.commit().await?;
            Ok((StatusCode::CREATED, Json(invitation)))
        }
        Some(Invited::Existing(found)) => Ok((StatusCode::OK, Json(found))),
        None => {
            // Raced by the same invitation: answer the one that won.
            drop(tx);
            let mut conn = app.db.pool.acquire().await?;
            let found = invitations::existing(&mut conn, &id, &firm_id)
                .await?
                .ok_or_else(|| anyhow::anyhow!("invitation vanished"))?;
            Ok((StatusCode::OK, Json(found)))
        }
    }
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
    let firm = if identity.is_committee_of(&t.compound_id) {
        None
    } else if let Some(f) = identity.own_firm() {
        Some(f)
    } else {
        return Err(Problem::forbidden("邀请记录仅供招标小区自治组织和受邀企业查看。").into());
    };
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(invitations::of_tender(&mut conn, &t.id, firm).await?))
}

/// The caller's own invitations across tenders, newest first. Role: firm.
#[utoipa::path(get, path = "/tenders/invitations/mine", tag = "invitations",
    responses((status = 200, body = Vec<Invitation>), (status = 401, body = Problem),
        (status = 403, body = Problem)))]
pub async fn my_invitations(
    State(app): State<AppState>,
    identity: Identity,
) -> Result<Json<Vec<Invitation>>> {
    let firm = identity
        .own_firm()
        .ok_or_else(|| Problem::forbidden("只有物业服务企业账号有受邀记录。"))?;
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(invitations::of_firm(&mut conn, firm).await?))
}
