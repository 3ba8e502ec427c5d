//! The steps of a budget: draft or revise it (a draft only), put it to the owners' vote,
//! and read it with its state and fee arithmetic. The state is derived on every read from
//! the vote it was put to: approved only once that vote is closed and passed.

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use shared::auth::Identity;
use shared::clock::{china_today, now_ms};
use shared::db::new_id;
use shared::error::{FieldError, Problem};
use shared::events::tender::{ContractPublished as Contract, ContractStatus, FeeInForce};
use shared::feed::WriteTx;
use sqlx::AnyConnection;
use utoipa::ToSchema;

use super::access::{self, actor};
use super::figures::{CommonRevenue, FeeArithmetic, ValidBudget};
use super::store::{self, StoredBudget};
use crate::audit;
use crate::clock::to_rfc3339;
use crate::disclosure::Spending;
use crate::error::Result;
use crate::owners::ballots::{self, VoteState};
use crate::owners::register::{self, Totals};
use crate::replica::CompoundCopy;
use crate::votes::VoteMatter;

/// The feed topic of budgets: kinds `drafted`, `revised`, `put_to_vote`; payload the
/// public [`BudgetView`].
pub const TOPIC: &str = shared::events::tender::FEE_BUDGET;

/// Where a budget stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum BudgetState {
    /// 草案: not put to a vote, or its vote did not pass; may be revised.
    Draft,
    /// 表决中: put to a vote not yet closed; locked.
    Voting,
    /// 已批准: its vote closed and passed; it sets the year's fee standard; locked.
    Approved,
}

impl BudgetState {
    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "草案",
            Self::Voting => "表决中",
            Self::Approved => "已批准",
        }
    }
}

/// The owners' vote a budget was put to, as the budget shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BudgetVote {
    pub id: String,
    pub question: String,
    pub state: VoteState,
    pub state_label: String,
    /// RFC 3339.
    pub opens_at: String,
    pub closes_at: String,
    /// Once closed: whether the owners approved.
    pub passed: Option<bool>,
    /// Why it did not pass, in Chinese.
    pub reasons: Vec<String>,
}

/// A compound's annual budget as everyone sees it (budgets are public: 开放式年度预算).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct BudgetView {
    pub id: String,
    pub compound_id: String,
    pub compound_name: String,
    pub year: i32,
    pub spending: Spending,
    pub total_spending_fen: i64,
    pub common_revenue: CommonRevenue,
    pub common_revenue_fen: i64,
    pub remuneration_fen: i64,
    pub carry_in_fen: i64,
    pub note: Option<String>,
    /// Revisions of the draft (1 when drafted).
    pub version: i64,
    pub state: BudgetState,
    pub state_label: String,
    /// The vote it was last put to.
    pub vote: Option<BudgetVote>,
    /// How the fee follows: once approved over the register the vote was measured
    /// against; for a draft over the register as it stands (what the fee would be).
    pub fee: FeeArithmetic,
    /// The compound's fee standard for the year (分/㎡·月): only once approved.
    pub fee_standard_fen: Option<i64>,
    pub drafted_by: String,
    pub updated_by: String,
    /// RFC 3339.
    pub updated_at: String,
}

/// 404 for a year without a budget.
pub fn not_found() -> Problem {
    Problem::not_found("本小区尚未编制该年度的预算。")
}

fn locked(state: BudgetState) -> Problem {
    Problem::conflict(
        "budget_locked",
        format!(
            "该预算{}，不能修改或再次提交表决；表决未通过的预算才可以修改后重新提交。",
            if state == BudgetState::Approved {
                "已经业主表决通过"
            } else {
                "正在业主表决中"
            }
        ),
    )
}

/// The budget as everyone sees it: its state from its vote, its fee arithmetic.
pub async fn view(conn: &mut AnyConnection, b: &StoredBudget) -> Result<BudgetView> {
    let vote = match &b.vote_id {
        Some(id) => {
            let stored = ballots::load(conn, id).await?;
            Some(ballots::view(conn, &stored).await?)
        }
        None => None,
    };
    let (state, area_centi) = match &vote {
        Some(v) if v.result.as_ref().is_some_and(|r| r.passed) => {
            (BudgetState::Approved, v.register.area_centi)
        }
        Some(v) if v.state != VoteState::Closed => {
            (BudgetState::Voting, current_area(conn, b).await?)
        }
        _ => (BudgetState::Draft, current_area(conn, b).await?),
    };
    let fee = FeeArithmetic::of(&b.figures, area_centi);
    let compound_name = crate::replica::compound(conn, &b.compound_id)
        .await?
        .map(|c| c.name)
        .unwrap_or_default();
    let f = &b.figures;
    Ok(BudgetView {
        id: b.id.clone(),
        compound_id: b.compound_id.clone(),
        compound_name,
        year: b.year,
        spending: f.spending,
        total_spending_fen: f.spending.total_fen(),
        common_revenue: f.common_revenue,
        common_revenue_fen: f.common_revenue.total_fen(),
        remuneration_fen: f.remuneration_fen,
        carry_in_fen: f.carry_in_fen,
        note: f.note.clone(),
        version: b.version,
        state,
        state_label: state.label().to_string(),
        vote: vote.map(|v| BudgetVote {
            passed: v.result.as_ref().map(|r| r.passed),
            reasons: v.result.map(|r| r.reasons).unwrap_or_default(),
            id: v.id,
            question: v.question,
            state: v.state,
            state_label: v.state_label,
            opens_at: v.opens_at,
            closes_at: v.closes_at,
        }),
        fee_standard_fen: (state == BudgetState::Approved)
            .then_some(fee.fee_fen_per_m2_month)
            .flatten(),
        fee,
        drafted_by: b.drafted_by.clone(),
        updated_by: b.updated_by.clone(),
        updated_at: to_rfc3339(b.updated_at),
    })
}

async fn current_area(conn: &mut AnyConnection, b: &StoredBudget) -> Result<u64> {
    Ok(Totals::of(&register::units(conn, &b.compound_id).await?).area_centi)
}

/// The budget of `compound` for `year` as everyone sees it, or 404.
pub async fn one(
    conn: &mut AnyConnection,
    compound: &CompoundCopy,
    year: i32,
) -> Result<BudgetView> {
    let b = store::budget(conn, &compound.id, year)
        .await?
        .ok_or_else(not_found)?;
    view(conn, &b).await
}

/// Every budget of `compound`, the latest year first.
pub async fn of_compound(
    conn: &mut AnyConnection,
    compound: &CompoundCopy,
) -> Result<Vec<BudgetView>> {
    let mut out = Vec::new();
    for b in store::budgets(conn, &compound.id).await? {
        out.push(view(conn, &b).await?);
    }
    Ok(out)
}

/// Drafts `compound`'s budget for `year`, or revises its draft (409 `budget_locked` while
/// its vote runs or once approved). A revision that changes nothing writes nothing.
/// Answers whether it was created, and the view.
pub async fn draft(
    tx: &mut WriteTx,
    identity: &Identity,
    compound: &CompoundCopy,
    year: i32,
    figures: ValidBudget,
) -> Result<(bool, BudgetView)> {
    access::keeper(tx.conn(), identity, compound).await?;
    let now = now_ms();
    let who = actor(identity);
    let (b, kind) = match store::budget(tx.conn(), &compound.id, year).await? {
        None => (
            StoredBudget {
                id: new_id(),
                compound_id: compound.id.clone(),
                year,
                figures,
                version: 1,
                drafted_by: who.clone(),
                updated_by: who,
                created_at: now,
                updated_at: now,
                vote_id: None,
            },
            "drafted",
        ),
        Some(old) => {
            let state = view(tx.conn(), &old).await?.state;
            if state != BudgetState::Draft {
                return Err(locked(state).into());
            }
            if old.figures == figures {
                return Ok((false, view(tx.conn(), &old).await?));
            }
            (
                StoredBudget {
                    figures,
                    version: old.version + 1,
                    updated_by: who,
                    updated_at: now,
                    ..old
                },
                "revised",
            )
        }
    };
    store::save(tx.conn(), &b).await?;
    let shown = view(tx.conn(), &b).await?;
    tx.emit(TOPIC, &b.id, kind, &shown).await?;
    audit::record_step(
        tx.conn(),
        identity,
        ("fee_budget", &b.id),
        None,
        (kind, false),
        &shown,
    )
    .await?;
    Ok((b.version == 1, shown))
}

fn vote_refused(code: &str, message: &str) -> Problem {
    Problem::validation(vec![FieldError::new("vote_id", code, message)])
}

/// Puts `compound`'s draft budget for `year` to the owners' vote `vote_id`: a vote from
/// ballots of the compound on `approve_budget`, opened at or after the budget's last
/// revision (so the owners vote on these figures), not closed without passing, not put to
/// another budget. The committee only. The budget is approved once that vote closes and
/// passes.
pub async fn put_to_vote(
    tx: &mut WriteTx,
    identity: &Identity,
    compound: &CompoundCopy,
    year: i32,
    vote_id: &str,
) -> Result<BudgetView> {
    access::committee(identity, compound)?;
    let b = store::budget(tx.conn(), &compound.id, year)
        .await?
        .ok_or_else(not_found)?;
    let state = view(tx.conn(), &b).await?.state;
    if state != BudgetState::Draft {
        return Err(locked(state).into());
    }
    let Some(vote) = ballots::find_vote(tx.conn(), vote_id).await? else {
        return Err(vote_refused("vote_unknown", "没有这次表决").into());
    };
    if vote.compound_id != compound.id || vote.matter != VoteMatter::ApproveBudget {
        return Err(vote_refused(
            "vote_not_for_budget",
            "该表决不是本小区“审议年度物业服务预算”（approve_budget）的表决",
        )
        .into());
    }
    if vote.opens_at < b.updated_at {
        return Err(vote_refused(
            "vote_before_revision",
            "该表决开始于预算最后一次修改之前，业主表决的不是现在的预算；请就现在的预算重新发起表决",
        )
        .into());
    }
    if vote.result.as_ref().is_some_and(|r| !r.passed) {
        return Err(vote_refused("vote_not_passing", "该表决已结束且未通过").into());
    }
    if store::by_vote(tx.conn(), vote_id)
        .await?
        .is_some_and(|o| o.id != b.id)
    {
        return Err(vote_refused("vote_linked", "该表决已用于另一份预算").into());
    }
    store::link_vote(tx.conn(), &b.id, vote_id, now_ms()).await?;
    let linked = StoredBudget {
        vote_id: Some(vote_id.to_string()),
        ..b
    };
    let shown = view(tx.conn(), &linked).await?;
    tx.emit(TOPIC, &linked.id, "put_to_vote", &shown).await?;
    audit::record_step(
        tx.conn(),
        identity,
        ("fee_budget", &linked.id),
        None,
        ("put_to_vote", false),
        &shown,
    )
    .await?;
    Ok(shown)
}

/// The approved fee standard of `compound_id` for `year`: the budget and its fee.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApprovedFee {
    pub budget_id: String,
    /// The owners' vote that approved it.
    pub vote_id: String,
    pub fee_fen_per_m2_month: i64,
}

/// The fee standard `compound_id`'s approved budget for `year` sets, if any.
pub async fn approved_fee(
    conn: &mut AnyConnection,
    compound_id: &str,
    year: i32,
) -> Result<Option<ApprovedFee>> {
    let Some(b) = store::budget(conn, compound_id, year).await? else {
        return Ok(None);
    };
    let shown = view(conn, &b).await?;
    Ok(shown
        .fee_standard_fen
        .zip(shown.vote)
        .map(|(fee, vote)| ApprovedFee {
            budget_id: b.id,
            vote_id: vote.id,
            fee_fen_per_m2_month: fee,
        }))
}

/// Fills in the fee in force of an active contract: the fee standard this year's approved
/// budget of its compound sets (the contract's agreed `fee` stays as awarded). Read-side:
/// derived on every read, so it can never drift from the budget and its vote.
pub async fn fee_in_force(conn: &mut AnyConnection, c: &mut Contract) -> Result<()> {
    c.fee_in_force = None;
    if c.status != ContractStatus::Active {
        return Ok(());
    }
    let year = china_today().year();
    c.fee_in_force = approved_fee(conn, &c.compound_id, year)
        .await?
        .map(|a| FeeInForce {
            fee: a.fee_fen_per_m2_month,
            year,
            budget_id: a.budget_id,
            vote_id: a.vote_id,
        });
    Ok(())
}

/// 409 `no_approved_budget`: the year has no fee standard yet.
pub fn no_approved_budget(year: i32) -> Problem {
    Problem::new(
        StatusCode::CONFLICT,
        "no_approved_budget",
        "该年度尚无经业主表决通过的预算",
    )
    .with_detail(format!(
        "{year} 年度的预算尚未经业主表决通过，没有物业费标准，不能生成账单。"
    ))
}
