//! `POST /tenders/votes` (a committee records its owners' vote), `GET /tenders/votes`
//! and `GET /tenders/votes/{id}` (public: owners' decisions are announced to all).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use shared::auth::{Identity, Role};
use shared::db::{new_id, now_ms};
use shared::domain::VoteTally;
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{self, Page, PageQuery, Query};
use shared::feed::WriteTx;
use utoipa::{IntoParams, OpenApi, ToSchema};

use crate::audit::{self, Actor};
use crate::clock;
use crate::error::Result;
use crate::state::AppState;
use crate::votes::{self, Vote, VoteMatter};

#[derive(OpenApi)]
#[openapi(
    paths(record_vote, list_votes, get_vote),
    components(schemas(Vote, VoteMatter, NewVote))
)]
pub struct Api;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/votes", get(list_votes).post(record_vote))
        .route("/votes/{id}", get(get_vote))
}

/// An owners' vote to record.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewVote {
    /// The committee's own compound.
    pub compound_id: String,
    /// `choose_service_model` | `choose_firm` | `other` | `maintenance_fund`.
    pub matter: String,
    /// What was put to the owners (defaults to the matter's name).
    pub subject: Option<String>,
    pub total_owners: i64,
    pub total_area_m2: i64,
    pub participating_owners: i64,
    pub participating_area_m2: i64,
    pub approving_owners: i64,
    pub approving_area_m2: i64,
    /// `YYYY-MM-DD`, not in the future.
    pub held_on: String,
    /// Reference of the vote's documents.
    pub document_ref: String,
    /// For `choose_firm`: the opened bid the owners chose.
    pub chosen_bid_id: Option<String>,
}

fn count<T: TryFrom<i64>>(v: &mut Validation, field: &str, value: i64) -> Option<T> {
    match T::try_from(value) {
        Ok(n) if value >= 0 => Some(n),
        _ => {
            v.push(FieldError::new(
                field,
                "vote_count_range",
                "人数和面积应为不小于 0 的整数",
            ));
            None
        }
    }
}

/// Records an owners' vote of the caller's own compound and says whether it passes under
/// Civil Code art. 278, and why not. Role: committee of the compound. An impossible tally
/// (more approving than participating, more participating than in all) is refused with one
/// message per field.
#[utoipa::path(post, path = "/tenders/votes", tag = "votes", request_body = NewVote,
    responses((status = 201, body = Vote), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 422, body = Problem)))]
pub async fn record_vote(
    State(app): State<AppState>,
    identity: Identity,
    extract::Json(dto): extract::Json<NewVote>,
) -> Result<(StatusCode, Json<Vote>)> {
    identity.require_any(&[Role::Committee])?;
    identity.require_compound(&dto.compound_id)?;

    let mut v = Validation::new();
    let matter = v.field("matter", VoteMatter::parse(&dto.matter));
    let tally = {
        let to = count::<u32>(&mut v, "total_owners", dto.total_owners);
        let ta = count::<u64>(&mut v, "total_area_m2", dto.total_area_m2);
        let po = count::<u32>(&mut v, "participating_owners", dto.participating_owners);
        let pa = count::<u64>(&mut v, "participating_area_m2", dto.participating_area_m2);
        let ao = count::<u32>(&mut v, "approving_owners", dto.approving_owners);
        let aa = count::<u64>(&mut v, "approving_area_m2", dto.approving_area_m2);
        match (to, ta, po, pa, ao, aa) {
            (Some(to), Some(ta), Some(po), Some(pa), Some(ao), Some(aa)) => {
                match VoteTally::new(to, ta, po, pa, ao, aa) {
                    Ok(t) => Some(t),
                    Err(e) => {
                        for (field, err) in e.errors {
                            v.push(FieldError::domain(field, &err));
                        }
                        None
                    }
                }
            }
            _ => None,
        }
    };
    let held_on = v.field("held_on", clock::parse_date(&dto.held_on));
    if held_on.is_some_and(|d| d > clock::today()) {
        v.push(FieldError::new(
            "held_on",
            "date_in_future",
            "表决日期不能晚于今天",
        ));
    }
    let document_ref = dto.document_ref.trim().to_string();
    if document_ref.is_empty() || document_ref.chars().count() > 200 {
        v.push(FieldError::new(
            "document_ref",
            "length",
            "表决材料编号应为 1–200 个字符",
        ));
    }
    let subject = dto.subject.as_deref().map(str::trim).unwrap_or_default();
    if subject.chars().count() > 500 {
        v.push(FieldError::new(
            "subject",
            "length",
            "表决事项说明不能超过 500 个字符",
        ));
    }
    let chosen_bid = dto
        .chosen_bid_id
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    if chosen_bid.is_some() && matter.is_some_and(|m| m != VoteMatter::ChooseFirm) {
        v.push(FieldError::new(
            "chosen_bid_id",
            "bid_not_for_matter",
            "只有“选聘物业服务企业”的表决可以指定中选投标",
        ));
    }
    v.finish()?;
    let (matter, tally, held_on) = (
        matter.expect("validated"),
        tally.expect("validated"),
        held_on.expect("validated"),
    );

    let now = now_ms();
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    if crate::replica::compound(tx.conn(), &dto.compound_id)
        .await?
        .is_none()
    {
        return Err(Problem::validation(vec![FieldError::new(
            "compound_id",
            "unknown_compound",
            "平台尚未收到该小区的台账信息",
        )])
        .into());
    }
    // A chosen bid must be an opened, valid bid of this compound's tender; a sealed or
    // unknown bid gets the same answer, so the check reveals nothing about sealed bids.
    let tender_id = match chosen_bid {
        None => None,
        Some(bid_id) => {
            let found: Option<String> = sqlx::query_scalar(
                "SELECT b.tender_id FROM bid b JOIN tender t ON t.id = b.tender_id \
                 WHERE b.id = $1 AND t.compound_id = $2 AND b.status = 'opened' AND t.opened_at IS NOT NULL",
            )
            .bind(bid_id)
            .bind(&dto.compound_id)
            .fetch_optional(&mut *tx.conn())
            .await?;
            match found {
                Some(t) => Some(t),
                None => {
                    return Err(Problem::validation(vec![FieldError::new(
                        "chosen_bid_id",
                        "unknown_bid",
                        "不是本小区招标中已开标的有效投标",
                    )])
                    .into());
                }
            }
        }
    };
    let outcome = tally.decide(matter.matter());
    let vote = Vote {
        id: new_id(),
        compound_id: dto.compound_id.clone(),
        matter,
        subject: if subject.is_empty() {
            matter.label().to_string()
        } else {
            subject.to_string()
        },
        total_owners: tally.total_owners().into(),
        total_area_m2: tally.total_area_m2() as i64,
        participating_owners: tally.participating_owners().into(),
        participating_area_m2: tally.participating_area_m2() as i64,
        approving_owners: tally.approving_owners().into(),
        approving_area_m2: tally.approving_area_m2() as i64,
        held_on: clock::format_date(held_on),
        document_ref,
        tender_id,
        chosen_bid_id: chosen_bid.map(str::to_string),
        passed: outcome.passed,
        reasons: outcome.reasons,
        recorded_at: clock::to_rfc3339(now),
    };
    votes::insert(tx.conn(), &vote, &identity.account_id, now).await?;
    tx.emit("vote", &vote.id, "recorded", &vote).await?;
    audit::record(
        tx.conn(),
        audit::Entry {
            actor: &Actor::from(&identity),
            entity: "vote",
            entity_id: &vote.id,
            tender_id: vote.tender_id.as_deref(),
            action: "recorded",
            sealed: false,
            detail: &vote,
        },
    )
    .await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(vote)))
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct VoteQuery {
    /// Only this compound's votes.
    pub compound: Option<String>,
    /// Only votes that chose a bid of this tender.
    pub tender: Option<String>,
    pub limit: Option<i64>,
    pub offset: Option<i64>,
}

/// Recorded owners' votes, newest first. Public.
#[utoipa::path(get, path = "/tenders/votes", tag = "votes", params(VoteQuery),
    responses((status = 200, body = Page<Vote>), (status = 422, body = Problem)))]
pub async fn list_votes(
    State(app): State<AppState>,
    Query(q): Query<VoteQuery>,
) -> Result<Json<Page<Vote>>> {
    let (limit, offset) = PageQuery {
        limit: q.limit,
        offset: q.offset,
    }
    .check()
    .map_err(Problem::validation)?;
    let mut conn = app.db.pool.acquire().await?;
    let (items, total) = votes::list(
        &mut conn,
        q.compound.as_deref(),
        q.tender.as_deref(),
        limit,
        offset,
    )
    .await?;
    Ok(Json(Page {
        items,
        total,
        limit,
        offset,
    }))
}

/// One owners' vote. Public.
#[utoipa::path(get, path = "/tenders/votes/{id}", tag = "votes",
    params(("id" = String, Path, description = "vote id")),
    responses((status = 200, body = Vote), (status = 404, body = Problem)))]
pub async fn get_vote(State(app): State<AppState>, Path(id): Path<String>) -> Result<Json<Vote>> {
    let mut conn = app.db.pool.acquire().await?;
    votes::get(&mut conn, &id)
        .await?
        .map(Json)
        .ok_or_else(|| Problem::not_found("没有这次表决的记录。").into())
}
