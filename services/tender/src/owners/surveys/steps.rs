//! The steps of a survey per unit: open, notices, a paper answer, an online answer with a
//! code, close (publish the quarter's satisfaction survey from the answers), the serving
//! firm's reply; and the reads.

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shared::auth::Identity;
use shared::clock::{china_today, now_ms};
use shared::db::new_id;
use shared::error::{Problem, Validation};
use shared::events::tender as events;
use shared::feed::WriteTx;
use sqlx::AnyConnection;
use utoipa::ToSchema;
use validator::Validate;

use super::store::{self, StoredAnswer};
use super::survey::{Comment, OwnAnswer, Rating, Reply, StoredSurvey, UnitSurvey, ValidUnitSurvey};
use crate::audit;
use crate::clock::to_rfc3339;
use crate::error::Result;
use crate::input::{refused, trimmed, trimmed_opt};
use crate::owners::ballots::{self, Channel, CodeHolder, Notices, Subject, VoteState};
use crate::period::Period;
use crate::replica::CompoundCopy;
use crate::satisfaction;

/// The survey, or 404.
pub async fn load(conn: &mut AnyConnection, id: &str) -> Result<StoredSurvey> {
    Ok(store::survey(conn, id)
        .await?
        .ok_or_else(|| Problem::not_found("没有这次满意度调查。"))?)
}

fn survey_closed() -> Problem {
    Problem::conflict("survey_closed", "满意度调查已结束，答卷不能再增加或更改。")
}

fn survey_not_open(s: &StoredSurvey, now: i64) -> Problem {
    let when = if now < s.opens_at {
        format!("调查尚未开始（{} 开始）", to_rfc3339(s.opens_at))
    } else {
        format!("调查已于 {} 截止", to_rfc3339(s.closes_at))
    };
    Problem::conflict("survey_not_open", format!("{when}。"))
}

fn already_answered() -> Problem {
    Problem::conflict(
        "unit_already_answered",
        "该房屋已经作答，每户每次调查只能作答一次。",
    )
}

/// The public view: counts from the answers, comments without units.
pub async fn view(conn: &mut AnyConnection, s: &StoredSurvey) -> Result<UnitSurvey> {
    let units = store::unit_count(conn, &s.id).await?;
    let answers = store::answers(conn, &s.id).await?;
    let counts = store::counts(&answers);
    let state = s.state(now_ms());
    Ok(UnitSurvey {
        id: s.id.clone(),
        compound_id: s.compound_id.clone(),
        period: s.period.clone(),
        opens_at: to_rfc3339(s.opens_at),
        closes_at: to_rfc3339(s.closes_at),
        state,
        state_label: state.label().to_string(),
        units,
        rate: satisfaction::rate(
            counts.satisfied,
            counts.basically_satisfied,
            counts.dissatisfied,
        ),
        counts,
        comments: answers
            .into_iter()
            .filter_map(|a| {
                Some(Comment {
                    comment: a.comment.filter(|c| !c.is_empty())?,
                    id: a.id,
                    rating: a.rating,
                    answered_at: to_rfc3339(a.answered_at),
                    reply: a.reply.map(|text| Reply {
                        text,
                        replied_at: a.replied_at.map(to_rfc3339).unwrap_or_default(),
                    }),
                })
            })
            .collect(),
        closed_at: s.closed_at.map(to_rfc3339),
        satisfaction_id: s.satisfaction_id.clone(),
    })
}

/// Opens the quarter's survey of `compound` on its register as it stands (422
/// `register_empty`); one per compound and quarter, typed or per unit (409
/// `survey_exists`).
pub async fn open(
    tx: &mut WriteTx,
    compound: &CompoundCopy,
    input: ValidUnitSurvey,
    identity: &Identity,
) -> Result<UnitSurvey> {
    let register = crate::owners::register::units(tx.conn(), &compound.id).await?;
    if register.is_empty() {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "register_empty",
            "业主名册为空",
        )
        .with_detail("请先导入或录入本小区的业主名册，调查按名册中的房屋作答。")
        .into());
    }
    let period = input.period.to_string();
    if store::period_taken(tx.conn(), &compound.id, &period).await? {
        return Err(Problem::conflict(
            "survey_exists",
            format!("该小区 {period} 的满意度调查已存在，不能重复开展。"),
        )
        .into());
    }
    let s = StoredSurvey {
        id: new_id(),
        compound_id: compound.id.clone(),
        period,
        opens_at: input.opens_at,
        closes_at: input.closes_at,
        closed_at: None,
        satisfaction_id: None,
    };
    let units: Vec<(String, String)> = register
        .iter()
        .map(|u| (u.id.clone(), u.label.to_string()))
        .collect();
    store::insert(tx.conn(), &s, &units, &identity.account_id, now_ms()).await?;
    let shown = view(tx.conn(), &s).await?;
    audit::record_step(
        tx.conn(),
        identity,
        ("unit_survey", &s.id),
        None,
        ("opened", false),
        &shown,
    )
    .await?;
    Ok(shown)
}

/// A fresh code for every unit that has not answered, while the survey is scheduled or
/// open; answered once.
pub async fn notices(tx: &mut WriteTx, s: &StoredSurvey, identity: &Identity) -> Result<Notices> {
    let now = now_ms();
    match s.state(now) {
        VoteState::Scheduled | VoteState::Open => {}
        VoteState::Counting => return Err(survey_not_open(s, now).into()),
        VoteState::Closed => return Err(survey_closed().into()),
    }
    let answered = store::answers(tx.conn(), &s.id).await?;
    let units: Vec<(String, String)> = store::units(tx.conn(), &s.id)
        .await?
        .into_iter()
        .filter(|(id, _)| !answered.iter().any(|a| &a.unit_id == id))
        .collect();
    let notices = ballots::issue(
        tx.conn(),
        (Subject::Survey, &s.id),
        &s.compound_id,
        &units,
        &identity.account_id,
    )
    .await?;
    audit::record_step(
        tx.conn(),
        identity,
        ("unit_survey", &s.id),
        None,
        ("notices_generated", false),
        &serde_json::json!({"units": units.len()}),
    )
    .await?;
    Ok(Notices {
        vote_id: s.id.clone(),
        generated_at: to_rfc3339(now),
        notices,
    })
}

/// A paper answer the committee records.
#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct PaperAnswerInput {
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 100, message = "请指定房屋"))]
    pub unit_id: String,
    /// `satisfied` | `basically_satisfied` | `dissatisfied`.
    pub rating: String,
    /// At most 500 characters; published without the unit.
    #[serde(default, deserialize_with = "trimmed_opt")]
    #[validate(length(max = 500, message = "意见不能超过 500 个字符"))]
    pub comment: Option<String>,
    /// The paper questionnaire's reference (1–100 characters).
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 100, message = "纸质问卷编号应为 1–100 个字符"))]
    pub paper_ref: String,
}

/// An owner's answer with the unit's code.
#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct SurveyAnswerInput {
    pub code: String,
    /// `satisfied` | `basically_satisfied` | `dissatisfied`.
    pub rating: String,
    /// At most 500 characters; published without the unit.
    #[serde(default, deserialize_with = "trimmed_opt")]
    #[validate(length(max = 500, message = "意见不能超过 500 个字符"))]
    pub comment: Option<String>,
}

/// The receipt of an answer.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AnswerReceipt {
    pub survey_id: String,
    pub unit_label: String,
    pub channel: Channel,
    /// RFC 3339.
    pub answered_at: String,
}

async fn answer(
    tx: &mut WriteTx,
    s: &StoredSurvey,
    unit_id: &str,
    (channel, rating, comment): (Channel, Rating, Option<String>),
    (paper_ref, recorded_by): (Option<String>, Option<String>),
) -> Result<AnswerReceipt> {
    let label = store::units(tx.conn(), &s.id)
        .await?
        .into_iter()
        .find(|(id, _)| id == unit_id)
        .map(|(_, label)| label)
        .ok_or_else(|| Problem::not_found("本次调查的业主名册中没有这套房屋。"))?;
    if store::answer_of_unit(tx.conn(), &s.id, unit_id)
        .await?
        .is_some()
    {
        return Err(already_answered().into());
    }
    let now = now_ms();
    store::insert_answer(
        tx.conn(),
        &s.id,
        &StoredAnswer {
            id: new_id(),
            unit_id: unit_id.to_string(),
            channel,
            rating,
            comment: comment.filter(|c| !c.is_empty()),
            paper_ref,
            recorded_by,
            answered_at: now,
            reply: None,
            replied_at: None,
        },
    )
    .await?;
    Ok(AnswerReceipt {
        survey_id: s.id.clone(),
        unit_label: label,
        channel,
        answered_at: to_rfc3339(now),
    })
}

/// Records a paper answer while the survey is open or counting.
pub async fn record_paper(
    tx: &mut WriteTx,
    s: &StoredSurvey,
    input: PaperAnswerInput,
    identity: &Identity,
) -> Result<AnswerReceipt> {
    let mut v = Validation::new();
    v.rules(&input, &["unit_id", "rating", "comment", "paper_ref"]);
    let rating = v.field("rating", Rating::parse(&input.rating));
    let Some(rating) = rating.filter(|_| v.is_empty()) else {
        return Err(refused(v).into());
    };
    let now = now_ms();
    match s.state(now) {
        VoteState::Open | VoteState::Counting => {}
        VoteState::Scheduled => return Err(survey_not_open(s, now).into()),
        VoteState::Closed => return Err(survey_closed().into()),
    }
    let by = crate::owners::register::actor(identity);
    answer(
        tx,
        s,
        &input.unit_id,
        (Channel::Paper, rating, input.comment),
        (Some(input.paper_ref), Some(by)),
    )
    .await
}

/// Records the answer of the code's unit while the survey is open.
pub async fn answer_online(
    tx: &mut WriteTx,
    holder: &CodeHolder,
    input: SurveyAnswerInput,
) -> Result<AnswerReceipt> {
    let mut v = Validation::new();
    v.rules(&input, &["code", "rating", "comment"]);
    let rating = v.field("rating", Rating::parse(&input.rating));
    let Some(rating) = rating.filter(|_| v.is_empty()) else {
        return Err(refused(v).into());
    };
    let s = load(tx.conn(), &holder.subject_id).await?;
    let now = now_ms();
    match s.state(now) {
        VoteState::Open => {}
        VoteState::Closed => return Err(survey_closed().into()),
        _ => return Err(survey_not_open(&s, now).into()),
    }
    answer(
        tx,
        &s,
        &holder.unit_id,
        (Channel::Online, rating, input.comment),
        (None, None),
    )
    .await
}

/// Closes the survey after its period and publishes the quarter's satisfaction survey from
/// the answers (topic `satisfaction`, kind `recorded`, marked verified), credited to the
/// contract that served the quarter; nothing is published without an answer.
pub async fn close(tx: &mut WriteTx, s: &StoredSurvey, identity: &Identity) -> Result<UnitSurvey> {
    let now = now_ms();
    match s.state(now) {
        VoteState::Counting => {}
        VoteState::Closed => return Err(survey_closed().into()),
        _ => {
            return Err(Problem::conflict(
                "survey_still_open",
                format!(
                    "调查期尚未结束（{} 截止），截止后才能结束调查。",
                    to_rfc3339(s.closes_at)
                ),
            )
            .into());
        }
    }
    let compound = crate::owners::register::compound(tx.conn(), &s.compound_id).await?;
    let counts = store::counts(&store::answers(tx.conn(), &s.id).await?);
    let units = store::unit_count(tx.conn(), &s.id).await?;
    if counts.respondents > units {
        return Err(anyhow::anyhow!("survey {}: more answers than units", s.id).into());
    }
    let published = if counts.respondents > 0 {
        let quarter = Period::parse_quarter(&s.period)
            .map_err(|e| anyhow::anyhow!("survey {}: period: {}", s.id, e.message))?;
        let contracts = satisfaction::served_contracts(tx.conn(), &compound.id).await?;
        let serving = satisfaction::serving_contract(
            &contracts,
            quarter.start(),
            quarter.end(),
            china_today(),
        );
        let survey = satisfaction::Survey {
            id: new_id(),
            compound_id: compound.id.clone(),
            street_code: compound.street_code.clone(),
            district_code: compound.district_code.clone(),
            contract_id: serving.map(|c| c.contract_id.clone()),
            firm_id: serving.map(|c| c.firm_id.clone()),
            period: s.period.clone(),
            satisfied: counts.satisfied,
            basically_satisfied: counts.basically_satisfied,
            dissatisfied: counts.dissatisfied,
            respondents: counts.respondents,
            rate: satisfaction::rate(
                counts.satisfied,
                counts.basically_satisfied,
                counts.dissatisfied,
            )
            .unwrap_or(0.0),
            recorded_at: to_rfc3339(now),
            verified: true,
            verified_label: satisfaction::verified_label(true),
        };
        satisfaction::insert(tx.conn(), &survey, &identity.account_id, now).await?;
        sqlx::query("UPDATE satisfaction_survey SET verified = $1 WHERE id = $2")
            .bind(true)
            .bind(&survey.id)
            .execute(&mut *tx.conn())
            .await?;
        tx.emit(
            events::SATISFACTION,
            &survey.id,
            "recorded",
            &survey.change(),
        )
        .await?;
        Some(survey.id)
    } else {
        None
    };
    if !store::close(tx.conn(), &s.id, now, published.as_deref()).await? {
        return Err(survey_closed().into());
    }
    let closed = load(tx.conn(), &s.id).await?;
    let shown = view(tx.conn(), &closed).await?;
    audit::record_step(
        tx.conn(),
        identity,
        ("unit_survey", &s.id),
        None,
        ("closed", false),
        &shown,
    )
    .await?;
    Ok(shown)
}

/// The serving firm's public reply to a comment.
#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct ReplyInput {
    /// 1–500 characters.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 500, message = "回复应为 1–500 个字符"))]
    pub text: String,
}

/// Whether the caller may reply to the survey's comments: only the firm that served the
/// compound longest in the survey's quarter (checked before the body is read, and in
/// [`reply`]).
pub async fn may_reply(
    conn: &mut AnyConnection,
    s: &StoredSurvey,
    identity: &Identity,
) -> Result<()> {
    let quarter = Period::parse_quarter(&s.period)
        .map_err(|e| anyhow::anyhow!("survey {}: period: {}", s.id, e.message))?;
    let contracts = satisfaction::served_contracts(conn, &s.compound_id).await?;
    let serving =
        satisfaction::serving_contract(&contracts, quarter.start(), quarter.end(), china_today());
    if serving.is_none_or(|c| identity.own_firm() != Some(c.firm_id.as_str())) {
        return Err(
            Problem::forbidden("只有该季度为本小区服务的物业服务企业可以回复意见。").into(),
        );
    }
    Ok(())
}

/// The firm of the contract serving the survey's quarter replies to a comment, once (409
/// `already_replied`); 403 for any other caller; 404 for an answer without a comment.
pub async fn reply(
    tx: &mut WriteTx,
    s: &StoredSurvey,
    comment_id: &str,
    input: ReplyInput,
    identity: &Identity,
) -> Result<Comment> {
    may_reply(tx.conn(), s, identity).await?;
    crate::input::declared(&input)?;
    let a = store::answer(tx.conn(), &s.id, comment_id)
        .await?
        .filter(|a| a.comment.as_deref().is_some_and(|c| !c.is_empty()))
        .ok_or_else(|| Problem::not_found("没有这条意见。"))?;
    if a.reply.is_some() {
        return Err(Problem::conflict("already_replied", "该意见已经回复过。").into());
    }
    let now = now_ms();
    store::reply(tx.conn(), &a.id, &input.text, &identity.account_id, now).await?;
    audit::record_step(
        tx.conn(),
        identity,
        ("unit_survey", &s.id),
        None,
        ("comment_replied", false),
        &serde_json::json!({"comment_id": a.id, "text": input.text}),
    )
    .await?;
    Ok(Comment {
        id: a.id,
        rating: a.rating,
        comment: a.comment.unwrap_or_default(),
        answered_at: to_rfc3339(a.answered_at),
        reply: Some(Reply {
            text: input.text,
            replied_at: to_rfc3339(now),
        }),
    })
}

/// The survey of the code's unit, its answer (if any) and whether it may answer now.
pub async fn for_owner(
    conn: &mut AnyConnection,
    holder: &CodeHolder,
) -> Result<(UnitSurvey, Option<OwnAnswer>, bool, String)> {
    let s = load(conn, &holder.subject_id).await?;
    let shown = view(conn, &s).await?;
    let answer = store::answer_of_unit(conn, &s.id, &holder.unit_id)
        .await?
        .map(|a| OwnAnswer {
            channel: a.channel,
            answered_at: to_rfc3339(a.answered_at),
        });
    let label = store::units(conn, &s.id)
        .await?
        .into_iter()
        .find(|(id, _)| id == &holder.unit_id)
        .map(|(_, l)| l)
        .unwrap_or_default();
    let can = answer.is_none() && s.state(now_ms()) == VoteState::Open;
    Ok((shown, answer, can, label))
}
