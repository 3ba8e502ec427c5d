//! The steps of a vote from ballots, each inside the caller's write transaction (or on a
//! read connection): open, print the notices, record a paper ballot, cast online with a
//! code, close and seal; and the reads (the view, the ballot list, the participation list).

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shared::auth::Identity;
use shared::clock::now_ms;
use shared::db::new_id;
use shared::error::{FieldError, Problem, Validation};
use shared::feed::WriteTx;
use sqlx::AnyConnection;
use utoipa::ToSchema;
use validator::Validate;

use super::codes::{self, CodeHolder, Notice, Subject};
use super::count::{self, BallotChoice, BallotOption, VoteUnit};
use super::store::{self, Channel, Objection, StoredBallot};
use super::vote::{BallotVote, StoredVote, ValidBallotVote, VoteState};
use crate::audit;
use crate::error::Result;
use crate::input::{refused, trimmed, trimmed_opt};
use crate::replica::CompoundCopy;
use crate::tenders::Tender;
use crate::terms::TenderStatus;
use crate::votes::VoteMatter;

/// The feed topic of votes from ballots: kinds `opened` and `closed`, payload the public
/// [`BallotVote`] (never a ballot or a code).
pub const TOPIC: &str = shared::events::tender::BALLOT_VOTE;

/// 404 for a vote that does not exist.
pub fn not_found() -> Problem {
    Problem::not_found("没有这次表决。")
}

/// 409 `vote_closed`: the vote is sealed.
pub fn vote_closed() -> Problem {
    Problem::conflict("vote_closed", "表决已结束并封存，表决票不能再增加或更改。")
}

/// 409 `vote_not_open`: outside the voting period.
fn vote_not_open(v: &StoredVote, now: i64) -> Problem {
    let when = if now < v.opens_at {
        format!(
            "表决尚未开始（{} 开始）",
            crate::clock::to_rfc3339(v.opens_at)
        )
    } else {
        format!(
            "表决已于 {} 截止，逾期的表决票不予接受",
            crate::clock::to_rfc3339(v.closes_at)
        )
    };
    Problem::conflict("vote_not_open", format!("{when}。"))
}

/// 409 `unit_already_voted`.
fn already_voted(b: &StoredBallot) -> Problem {
    Problem::conflict(
        "unit_already_voted",
        format!(
            "该房屋已经投票（{}），每户只能投一次，不能重复投票。",
            b.channel.label()
        ),
    )
}

/// The vote, or 404.
pub async fn load(conn: &mut AnyConnection, id: &str) -> Result<StoredVote> {
    Ok(store::vote(conn, id).await?.ok_or_else(not_found)?)
}

/// The public view of a vote: its register totals and turnout, the result once closed.
pub async fn view(conn: &mut AnyConnection, v: &StoredVote) -> Result<BallotVote> {
    let register = store::register_totals(conn, &v.id).await?;
    let turnout = store::turnout(conn, &v.id).await?;
    Ok(BallotVote::of(v, register, turnout, now_ms()))
}

fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    let whole = (fen / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{sign}{grouped}.{:02}", fen % 100)
}

/// The options of a `choose_firm` vote: the valid opened bids of `tender`, which must be
/// this compound's and in evaluation (422 on `tender_id` otherwise).
async fn options(
    conn: &mut AnyConnection,
    compound: &CompoundCopy,
    tender: Option<&Tender>,
) -> Result<Vec<BallotOption>> {
    let Some(t) = tender else {
        return Ok(Vec::new());
    };
    let refuse = |code: &str, message: &str| -> crate::error::Error {
        Problem::validation(vec![FieldError::new("tender_id", code, message)]).into()
    };
    if t.compound_id != compound.id {
        return Err(refuse("unknown_tender", "不是本小区的招标项目"));
    }
    if t.status != TenderStatus::Evaluation {
        return Err(refuse(
            "tender_not_in_evaluation",
            "招标项目须已开标、处于评标阶段",
        ));
    }
    let candidates = crate::award::evaluation::candidates(conn, &t.id).await?;
    if candidates.is_empty() {
        return Err(refuse("no_valid_bids", "该招标项目没有有效投标"));
    }
    Ok(candidates
        .into_iter()
        .map(|c| BallotOption {
            label: format!("{} · 年报价 {} 元", c.firm_name, yuan(c.annual_price_fen)),
            id: c.bid_id,
        })
        .collect())
}

/// Opens a vote of `compound` on its register as it stands (422 `register_empty` for an
/// empty register); for `choose_firm`, `tender` is the loaded tender its request named.
pub async fn open(
    tx: &mut WriteTx,
    compound: &CompoundCopy,
    input: ValidBallotVote,
    tender: Option<&Tender>,
    identity: &Identity,
) -> Result<BallotVote> {
    let register = crate::owners::register::units(tx.conn(), &compound.id).await?;
    if register.is_empty() {
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "register_empty",
            "业主名册为空",
        )
        .with_detail("请先导入或录入本小区的业主名册，表决以名册为准计票。")
        .into());
    }
    let options = options(tx.conn(), compound, tender).await?;
    let units: Vec<VoteUnit> = register
        .iter()
        .map(|u| VoteUnit {
            unit_id: u.id.clone(),
            label: u.label.to_string(),
            owner_key: u.owner_key(),
            area: u.area,
        })
        .collect();
    let now = now_ms();
    let v = StoredVote {
        id: new_id(),
        compound_id: compound.id.clone(),
        matter: input.matter,
        question: input.question,
        opens_at: input.opens_at,
        closes_at: input.closes_at,
        tender_id: input.tender_id,
        options,
        closed_at: None,
        result: None,
    };
    store::insert_vote(tx.conn(), &v, &identity.account_id, now).await?;
    store::insert_units(tx.conn(), &v.id, &units).await?;
    let shown = view(tx.conn(), &v).await?;
    tx.emit(TOPIC, &v.id, "opened", &shown).await?;
    audit::record_step(
        tx.conn(),
        identity,
        ("ballot_vote", &v.id),
        v.tender_id.as_deref(),
        ("opened", false),
        &shown,
    )
    .await?;
    Ok(shown)
}

/// The notices answered once to the street.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Notices {
    pub vote_id: String,
    /// RFC 3339.
    pub generated_at: String,
    /// One per unit that has not voted, by label.
    pub notices: Vec<Notice>,
}

/// A fresh code for every unit that has not voted (its earlier code revoked), while the
/// vote is scheduled or open (409 `vote_not_open` / `vote_closed` otherwise). The audit
/// row names the units, never a code.
pub async fn notices(tx: &mut WriteTx, v: &StoredVote, identity: &Identity) -> Result<Notices> {
    let now = now_ms();
    match v.state(now) {
        VoteState::Scheduled | VoteState::Open => {}
        VoteState::Counting => return Err(vote_not_open(v, now).into()),
        VoteState::Closed => return Err(vote_closed().into()),
    }
    let voted = store::ballots(tx.conn(), &v.id).await?;
    let units: Vec<(String, String)> = store::units(tx.conn(), &v.id)
        .await?
        .into_iter()
        .filter(|u| !voted.iter().any(|b| b.unit_id == u.unit_id))
        .map(|u| (u.unit_id, u.label))
        .collect();
    let notices = codes::issue(
        tx.conn(),
        (Subject::Vote, &v.id),
        &v.compound_id,
        &units,
        &identity.account_id,
    )
    .await?;
    let unit_ids: Vec<&str> = units.iter().map(|(id, _)| id.as_str()).collect();
    audit::record_step(
        tx.conn(),
        identity,
        ("ballot_vote", &v.id),
        None,
        ("notices_generated", false),
        &serde_json::json!({"units": unit_ids.len(), "unit_ids": unit_ids}),
    )
    .await?;
    Ok(Notices {
        vote_id: v.id.clone(),
        generated_at: crate::clock::to_rfc3339(now),
        notices,
    })
}

/// What a ballot says, as sent (paper or online).
#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct BallotInput {
    /// `approve` (同意) | `oppose` (反对) | `abstain` (弃权).
    pub choice: String,
    /// For `choose_firm` with `approve`: the option (bid id) chosen.
    #[serde(default, deserialize_with = "trimmed_opt")]
    pub option_id: Option<String>,
}

/// A paper ballot the committee records.
#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct PaperBallotInput {
    /// The unit (register unit id).
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 100, message = "请指定房屋"))]
    pub unit_id: String,
    /// `approve` | `oppose` | `abstain`.
    pub choice: String,
    /// For `choose_firm` with `approve`: the option (bid id) chosen.
    #[serde(default, deserialize_with = "trimmed_opt")]
    pub option_id: Option<String>,
    /// 纸质表决票编号 (1–100 characters).
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 100, message = "纸质表决票编号应为 1–100 个字符"))]
    pub paper_ref: String,
}

fn parse_choice(s: &str) -> std::result::Result<BallotChoice, shared::domain::DomainError> {
    BallotChoice::from_stored(s.trim()).ok_or_else(|| {
        shared::domain::DomainError::new(
            "invalid_choice",
            "表决意见应为 approve（同意）、oppose（反对）或 abstain（弃权）",
        )
    })
}

/// The choice and option of a ballot, checked against the vote: for `choose_firm` an
/// approval names one of its options, and only an approval names one.
fn checked_choice(
    v: &StoredVote,
    mut errors: Validation,
    choice: &str,
    option_id: Option<String>,
) -> std::result::Result<(BallotChoice, Option<String>), Problem> {
    let choice = errors.field("choice", parse_choice(choice));
    let option_id = option_id.filter(|o| !o.is_empty());
    match (v.matter, choice, &option_id) {
        (VoteMatter::ChooseFirm, Some(BallotChoice::Approve), None) => errors.push(
            FieldError::new("option_id", "option_required", "同意时须选择一家投标企业"),
        ),
        (VoteMatter::ChooseFirm, Some(BallotChoice::Approve), Some(o)) if v.option(o).is_none() => {
            errors.push(FieldError::new(
                "option_id",
                "unknown_option",
                "不是本次表决的选项",
            ))
        }
        (VoteMatter::ChooseFirm, Some(BallotChoice::Approve), Some(_)) => {}
        (_, _, Some(_)) => errors.push(FieldError::new(
            "option_id",
            "option_not_for_choice",
            "只有选聘物业服务企业的表决在同意时选择选项",
        )),
        _ => {}
    }
    match choice {
        Some(c) if errors.is_empty() => Ok((c, option_id)),
        _ => Err(refused(errors)),
    }
}

/// The answer to a recorded paper ballot.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaperReceipt {
    pub unit_id: String,
    pub channel: Channel,
    pub paper_ref: String,
    /// Who recorded it (`王主任（小区自治组织）`).
    pub recorded_by: String,
    /// RFC 3339.
    pub recorded_at: String,
}

/// Records a paper ballot while the vote is open or counting (409 `vote_not_open` before,
/// `vote_closed` after); 404 for a unit not among the vote's; 409 `unit_already_voted`.
pub async fn record_paper(
    tx: &mut WriteTx,
    v: &StoredVote,
    input: PaperBallotInput,
    identity: &Identity,
) -> Result<PaperReceipt> {
    let mut errors = Validation::new();
    errors.rules(&input, &["unit_id", "choice", "option_id", "paper_ref"]);
    let (choice, option_id) = checked_choice(v, errors, &input.choice, input.option_id)?;
    let now = now_ms();
    match v.state(now) {
        VoteState::Open | VoteState::Counting => {}
        VoteState::Scheduled => return Err(vote_not_open(v, now).into()),
        VoteState::Closed => return Err(vote_closed().into()),
    }
    if store::unit(tx.conn(), &v.id, &input.unit_id)
        .await?
        .is_none()
    {
        return Err(Problem::not_found("本次表决的业主名册中没有这套房屋。").into());
    }
    if let Some(b) = store::ballot(tx.conn(), &v.id, &input.unit_id).await? {
        return Err(already_voted(&b).into());
    }
    let recorded_by = crate::owners::register::actor(identity);
    let ballot = StoredBallot {
        unit_id: input.unit_id,
        channel: Channel::Paper,
        choice,
        option_id,
        paper_ref: Some(input.paper_ref),
        recorded_by: Some(recorded_by.clone()),
        cast_at: now,
    };
    store::insert_ballot(tx.conn(), &v.id, &ballot).await?;
    audit::record_step(
        tx.conn(),
        identity,
        ("ballot_vote", &v.id),
        None,
        ("paper_ballot_recorded", false),
        &serde_json::json!({"unit_id": ballot.unit_id, "paper_ref": ballot.paper_ref}),
    )
    .await?;
    Ok(PaperReceipt {
        unit_id: ballot.unit_id,
        channel: Channel::Paper,
        paper_ref: ballot.paper_ref.unwrap_or_default(),
        recorded_by,
        recorded_at: crate::clock::to_rfc3339(now),
    })
}

/// The receipt of an online ballot.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OnlineReceipt {
    pub unit_label: String,
    pub channel: Channel,
    /// RFC 3339.
    pub cast_at: String,
}

/// Casts the ballot of the code's unit, while the vote is open (409 `vote_not_open`:
/// before it or late; `vote_closed`); 409 `unit_already_voted` when the unit voted (the
/// code used, or a paper ballot recorded).
pub async fn cast_online(
    tx: &mut WriteTx,
    holder: &CodeHolder,
    input: BallotInput,
) -> Result<OnlineReceipt> {
    let v = load(tx.conn(), &holder.subject_id).await?;
    let (choice, option_id) =
        checked_choice(&v, Validation::new(), &input.choice, input.option_id)?;
    let now = now_ms();
    match v.state(now) {
        VoteState::Open => {}
        VoteState::Closed => return Err(vote_closed().into()),
        _ => return Err(vote_not_open(&v, now).into()),
    }
    let unit = store::unit(tx.conn(), &v.id, &holder.unit_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("code of a unit not in vote {}", v.id))?;
    if let Some(b) = store::ballot(tx.conn(), &v.id, &holder.unit_id).await? {
        return Err(already_voted(&b).into());
    }
    store::insert_ballot(
        tx.conn(),
        &v.id,
        &StoredBallot {
            unit_id: unit.unit_id.clone(),
            channel: Channel::Online,
            choice,
            option_id,
            paper_ref: None,
            recorded_by: None,
            cast_at: now,
        },
    )
    .await?;
    Ok(OnlineReceipt {
        unit_label: unit.label,
        channel: Channel::Online,
        cast_at: crate::clock::to_rfc3339(now),
    })
}

/// Closes the vote once its period has ended (409 `vote_still_open` before, `vote_closed`
/// when already closed): computes the result from the ballots against the vote's units and
/// seals it.
pub async fn close(tx: &mut WriteTx, v: &StoredVote, identity: &Identity) -> Result<BallotVote> {
    let now = now_ms();
    match v.state(now) {
        VoteState::Counting => {}
        VoteState::Closed => return Err(vote_closed().into()),
        _ => {
            return Err(Problem::conflict(
                "vote_still_open",
                format!(
                    "表决期尚未结束（{} 截止），截止后才能结束表决并计票。",
                    crate::clock::to_rfc3339(v.closes_at)
                ),
            )
            .into());
        }
    }
    let units = store::units(tx.conn(), &v.id).await?;
    let ballots: Vec<_> = store::ballots(tx.conn(), &v.id)
        .await?
        .iter()
        .map(StoredBallot::counted)
        .collect();
    let result = count::result(v.matter, &units, &v.options, &ballots);
    if !store::close(tx.conn(), &v.id, &identity.account_id, now, &result).await? {
        return Err(vote_closed().into());
    }
    let closed = load(tx.conn(), &v.id).await?;
    let shown = view(tx.conn(), &closed).await?;
    tx.emit(TOPIC, &v.id, "closed", &shown).await?;
    audit::record_step(
        tx.conn(),
        identity,
        ("ballot_vote", &v.id),
        v.tender_id.as_deref(),
        ("closed", false),
        &shown,
    )
    .await?;
    Ok(shown)
}

/// One ballot as the committee, the street and the association check it.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct BallotView {
    pub unit_id: String,
    pub unit_label: String,
    pub channel: Channel,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paper_ref: Option<String>,
    pub choice: BallotChoice,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub option_id: Option<String>,
    /// RFC 3339.
    pub cast_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recorded_by: Option<String>,
}

/// The ballots of a vote, in the order cast.
pub async fn ballot_list(conn: &mut AnyConnection, v: &StoredVote) -> Result<Vec<BallotView>> {
    let units = store::units(conn, &v.id).await?;
    let label = |id: &str| {
        units
            .iter()
            .find(|u| u.unit_id == id)
            .map(|u| u.label.clone())
            .unwrap_or_default()
    };
    Ok(store::ballots(conn, &v.id)
        .await?
        .into_iter()
        .map(|b| BallotView {
            unit_label: label(&b.unit_id),
            unit_id: b.unit_id,
            channel: b.channel,
            paper_ref: b.paper_ref,
            choice: b.choice,
            option_id: b.option_id,
            cast_at: crate::clock::to_rfc3339(b.cast_at),
            recorded_by: b.recorded_by,
        })
        .collect())
}

/// Whether one unit took part, and how: never its choice.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitParticipation {
    pub unit_label: String,
    pub took_part: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub channel: Option<Channel>,
}

/// Which units of a vote took part and how.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Participation {
    pub vote_id: String,
    pub units: Vec<UnitParticipation>,
}

/// Every unit of the vote, whether it took part and how.
pub async fn participation(conn: &mut AnyConnection, v: &StoredVote) -> Result<Participation> {
    let ballots = store::ballots(conn, &v.id).await?;
    let units = store::units(conn, &v.id).await?;
    Ok(Participation {
        vote_id: v.id.clone(),
        units: units
            .into_iter()
            .map(|u| {
                let channel = ballots
                    .iter()
                    .find(|b| b.unit_id == u.unit_id)
                    .map(|b| b.channel);
                UnitParticipation {
                    unit_label: u.label,
                    took_part: channel.is_some(),
                    channel,
                }
            })
            .collect(),
    })
}

/// An owner's objection, with the unit's code.
#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct ObjectionInput {
    pub code: String,
    /// 1–1000 characters.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 1000, message = "异议内容应为 1–1000 个字符"))]
    pub text: String,
}

/// Records an owner's objection about the vote of the code's unit.
pub async fn object(tx: &mut WriteTx, holder: &CodeHolder, text: String) -> Result<Objection> {
    let v = load(tx.conn(), &holder.subject_id).await?;
    let unit = store::unit(tx.conn(), &v.id, &holder.unit_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("code of a unit not in vote {}", v.id))?;
    let now = now_ms();
    let o = Objection {
        id: new_id(),
        vote_id: v.id.clone(),
        unit_id: unit.unit_id,
        unit_label: unit.label,
        text,
        created_at: crate::clock::to_rfc3339(now),
    };
    store::insert_objection(tx.conn(), &o, now).await?;
    Ok(o)
}

/// How the code's unit voted, as its owner sees it: the channel and time, never more.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OwnBallot {
    pub channel: Channel,
    /// RFC 3339.
    pub cast_at: String,
    /// Whether it is in the sealed result (the vote is closed).
    pub counted: bool,
}

/// The vote of the code's unit, its ballot (if any) and whether it may vote now.
pub async fn for_owner(
    conn: &mut AnyConnection,
    holder: &CodeHolder,
) -> Result<(BallotVote, Option<OwnBallot>, bool)> {
    let v = load(conn, &holder.subject_id).await?;
    let shown = view(conn, &v).await?;
    let ballot = store::ballot(conn, &v.id, &holder.unit_id)
        .await?
        .map(|b| OwnBallot {
            channel: b.channel,
            cast_at: crate::clock::to_rfc3339(b.cast_at),
            counted: v.closed_at.is_some(),
        });
    let can_vote = ballot.is_none() && v.state(now_ms()) == VoteState::Open;
    Ok((shown, ballot, can_vote))
}

/// The unit of a code as the register holds it for the vote: `(label)`.
pub async fn unit_label(conn: &mut AnyConnection, holder: &CodeHolder) -> Result<String> {
    Ok(store::unit(conn, &holder.subject_id, &holder.unit_id)
        .await?
        .map(|u| u.label)
        .unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vote(matter: VoteMatter) -> StoredVote {
        StoredVote {
            id: "v".into(),
            compound_id: "c".into(),
            matter,
            question: "q".into(),
            opens_at: 0,
            closes_at: 1,
            tender_id: None,
            options: vec![BallotOption {
                id: "bid-1".into(),
                label: "锦城物业".into(),
            }],
            closed_at: None,
            result: None,
        }
    }

    fn refused_fields(
        r: std::result::Result<(BallotChoice, Option<String>), Problem>,
    ) -> Vec<String> {
        r.unwrap_err()
            .errors
            .iter()
            .map(|e| format!("{}:{}", e.field, e.code))
            .collect()
    }

    #[test]
    fn a_firm_choice_names_one_option_and_only_an_approval_does() {
        let firm = vote(VoteMatter::ChooseFirm);
        let check = |v: &StoredVote, choice: &str, option: Option<&str>| {
            checked_choice(v, Validation::new(), choice, option.map(str::to_string))
        };
        assert_eq!(
            check(&firm, "approve", Some("bid-1")).unwrap(),
            (BallotChoice::Approve, Some("bid-1".into()))
        );
        assert_eq!(
            check(&firm, "oppose", None).unwrap(),
            (BallotChoice::Oppose, None)
        );
        assert_eq!(
            refused_fields(check(&firm, "approve", None)),
            ["option_id:option_required"]
        );
        assert_eq!(
            refused_fields(check(&firm, "approve", Some("bid-9"))),
            ["option_id:unknown_option"]
        );
        assert_eq!(
            refused_fields(check(&firm, "abstain", Some("bid-1"))),
            ["option_id:option_not_for_choice"]
        );
        let other = vote(VoteMatter::DismissFirm);
        assert_eq!(
            refused_fields(check(&other, "approve", Some("bid-1"))),
            ["option_id:option_not_for_choice"]
        );
        assert_eq!(
            refused_fields(check(&other, "maybe", None)),
            ["choice:invalid_choice"]
        );
        assert_eq!(yuan(96_768_000), "967,680.00");
        assert_eq!(yuan(5), "0.05");
    }
}
