//! Bidding (投标): what a firm sends, the checks of its content against the tender and the
//! compound, whether the firm may bid, and the steps (submit, replace, confirm, withdraw),
//! each decided inside the write transaction against the clock read after the feed-head
//! lock (see [`crate::bids`]).

use axum::http::StatusCode;
use serde::Deserialize;
use shared::auth::Identity;
use shared::clock::now_ms;
use shared::db::{ResultExt, new_id};
use shared::domain::{FeeRate, Fen};
use shared::error::{FieldError, Problem, Validation};
use shared::feed::WriteTx;
use sqlx::AnyConnection;
use utoipa::ToSchema;
use validator::Validate;

use crate::audit;
use crate::award::records::{annual_price, households_on_platform, price_tolerance};
use crate::bids::{self, Bid, BidContent, BidStatus, CriterionAnswer};
use crate::error::Result;
use crate::input::{declared_item, refused, trimmed};
use crate::money::fund::terms::{Remuneration, RemunerationInput};
use crate::replica::CompoundCopy;
use crate::roster::{self, Requirements};
use crate::tenders::store;
use crate::tenders::tender::{Tender, not_found};
use crate::terms::{EvaluationMethod, FeeModel, TenderStatus};

/// A firm's answer to one quality criterion of a rated tender, as sent.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
pub struct CriterionAnswerInput {
    /// The criterion's name, as in the tender.
    pub name: String,
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 5000, message = "评分项响应应为 1–5000 个字符"))]
    pub answer: String,
}

/// A bid's content.
#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct BidInput {
    /// Offered fee, 分/㎡·月 (1–2000).
    pub fee: i64,
    /// Optional: the annual price, 分, as the firm computed it. The service always derives
    /// it as fee × the compound's floor area (whole ㎡, from the ledger copy) × 12; a typed
    /// price that differs from that by more than one square metre's fee for a year
    /// (fee × 12) is refused on this field (`price_mismatch`), and the answer shows the
    /// derived price.
    #[serde(default)]
    #[validate(range(min = 1, code = "invalid_price", message = "年度报价必须大于 0"))]
    pub annual_price_fen: Option<i64>,
    /// 人员配置方案, 1–5000 characters.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 5000, message = "人员配置方案应为 1–5000 个字符"))]
    pub staffing_plan: String,
    /// 服务方案, 1–20000 characters.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 20000, message = "服务方案应为 1–20000 个字符"))]
    pub service_plan: String,
    /// For a rated tender: one answer per quality criterion.
    #[serde(default)]
    #[schema(value_type = Vec<CriterionAnswer>)]
    pub criteria_answers: Vec<CriterionAnswerInput>,
    /// The remuneration (酬金) the firm asks, on a commission (酬金制) or trust (信托制)
    /// tender only: `{"kind": "fixed", "annual_fen"}` or `{"kind": "percentage",
    /// "basis_points"}`. The contract takes it unless the committee states it at signing.
    #[serde(default)]
    pub remuneration: Option<RemunerationInput>,
}

impl BidInput {
    /// The content of a stored bid, to be checked again (its price derived again).
    fn of(bid: &Bid) -> Self {
        Self {
            fee: bid.fee,
            annual_price_fen: None,
            staffing_plan: bid.staffing_plan.clone(),
            service_plan: bid.service_plan.clone(),
            criteria_answers: bid
                .criteria_answers
                .iter()
                .map(|a| CriterionAnswerInput {
                    name: a.name.clone(),
                    answer: a.answer.clone(),
                })
                .collect(),
            remuneration: bid.remuneration.map(RemunerationInput::of),
        }
    }

    /// The content checked against tender `t` and its compound: the fee, the price it
    /// makes on the compound's floor area, the plans, and one answer per criterion of a
    /// rated tender (none otherwise). Every problem at once.
    pub fn check(
        &self,
        t: &Tender,
        compound: &CompoundCopy,
    ) -> std::result::Result<BidContent, Problem> {
        let mut v = Validation::new();
        v.validator(self.validate());
        let fee = v.field("fee", FeeRate::try_from(self.fee));
        let price = match fee {
            Some(f) if self.annual_price_fen.is_none_or(|p| p > 0) => {
                derived_price(&mut v, i64::from(f.get()), self.annual_price_fen, compound)
            }
            _ => None,
        };
        let criteria = &t.terms.evaluation.criteria;
        let mut answers = Vec::new();
        if t.terms.evaluation.method == EvaluationMethod::Rated {
            for (i, a) in self.criteria_answers.iter().enumerate() {
                if !criteria.iter().any(|c| c.name == a.name) {
                    v.push(FieldError::new(
                        format!("criteria_answers[{i}].name"),
                        "unknown_criterion",
                        "招标文件中没有这个评分项",
                    ));
                } else if self.criteria_answers[..i].iter().any(|b| b.name == a.name) {
                    v.push(FieldError::new(
                        format!("criteria_answers[{i}].name"),
                        "duplicate",
                        "同一评分项只能回答一次",
                    ));
                }
                declared_item(&mut v, &format!("criteria_answers[{i}]"), a);
                answers.push(CriterionAnswer {
                    name: a.name.clone(),
                    answer: a.answer.clone(),
                });
            }
            for c in criteria {
                if !self.criteria_answers.iter().any(|a| a.name == c.name) {
                    v.push(FieldError::new(
                        "criteria_answers",
                        "missing_answer",
                        format!("缺少对评分项“{}”的响应", c.name),
                    ));
                }
            }
        } else if !self.criteria_answers.is_empty() {
            v.push(FieldError::new(
                "criteria_answers",
                "not_rated",
                "该招标不采用综合评分法，没有评分项",
            ));
        }
        let remuneration = self.remuneration(t, &mut v);
        match (fee, price) {
            (Some(fee), Some(annual_price_fen)) if v.is_empty() => Ok(BidContent {
                fee: i64::from(fee.get()),
                annual_price_fen,
                staffing_plan: self.staffing_plan.clone(),
                service_plan: self.service_plan.clone(),
                criteria_answers: answers,
                remuneration,
            }),
            _ => Err(refused(v)),
        }
    }

    /// The remuneration asked, checked: only on a commission or trust tender.
    fn remuneration(&self, t: &Tender, v: &mut Validation) -> Option<Remuneration> {
        let asked = self.remuneration.as_ref()?;
        if t.terms.fee_model == FeeModel::LumpSum {
            v.push(FieldError::new(
                "remuneration",
                "remuneration_not_agreed",
                "包干制招标不约定酬金；只有酬金制、信托制招标的投标提出酬金",
            ));
            return None;
        }
        match asked.check("remuneration") {
            Ok(r) => Some(r),
            Err(errors) => {
                errors.into_iter().for_each(|e| v.push(e));
                None
            }
        }
    }
}

/// The annual price of a bid: fee × the compound's floor area × 12 (exact in 分). A typed
/// price must agree within [`price_tolerance`]; the derived one is what is stored.
fn derived_price(
    v: &mut Validation,
    fee: i64,
    typed: Option<i64>,
    compound: &CompoundCopy,
) -> Option<i64> {
    let area = compound.floor_area_m2;
    let Some(derived) = annual_price(fee, area).filter(|p| *p > 0) else {
        v.push(FieldError::new(
            "annual_price_fen",
            "area_unknown",
            "招标小区台账中的建筑面积无效，无法计算年度报价",
        ));
        return None;
    };
    if let Some(typed) = typed
        && (i128::from(typed) - i128::from(derived)).abs() > i128::from(price_tolerance(fee))
    {
        v.push(FieldError::new(
            "annual_price_fen",
            "price_mismatch",
            format!(
                "年度报价应为物业费单价 × 小区建筑面积 {area} ㎡ × 12 个月 = {}，与填写的 {}不符",
                Fen::new(derived),
                Fen::new(typed)
            ),
        ));
        return None;
    }
    Some(derived)
}

/// The caller's firm (role firm).
pub fn bidder(identity: &Identity) -> Result<String> {
    identity
        .own_firm()
        .map(str::to_string)
        .ok_or_else(|| Problem::forbidden("只有物业服务企业账号可以投标。").into())
}

/// The tender's compound as tender's copy of the ledger has it.
pub async fn compound_of(conn: &mut AnyConnection, t: &Tender) -> Result<CompoundCopy> {
    Ok(crate::replica::compound(conn, &t.compound_id)
        .await?
        .ok_or_else(|| {
            Problem::conflict(
                "compound_unknown",
                "招标小区的台账信息暂不可用，请稍后再试。",
            )
        })?)
}

/// Inside the write transaction (feed-head lock held): the tender as it is now, and the
/// decision whether bids are still accepted, taken against the clock read here, after the
/// lock. Returns the tender and that instant.
async fn bidding_open(tx: &mut WriteTx, tender_id: &str) -> Result<(Tender, i64)> {
    let t = store::load(tx.conn(), tender_id)
        .await?
        .ok_or_else(not_found)?;
    let now = now_ms();
    match t.status {
        TenderStatus::Draft => Err(not_found().into()),
        TenderStatus::Cancelled => {
            Err(Problem::conflict("tender_cancelled", "该招标项目已终止，不再接受投标。").into())
        }
        TenderStatus::Open if now < t.terms.bid_deadline => Ok((t, now)),
        _ => Err(deadline_passed(&t).into()),
    }
}

fn deadline_passed(t: &Tender) -> Problem {
    Problem::conflict(
        "bid_deadline_passed",
        format!(
            "投标已于 {} 截止，不再接受投标、修改或撤回。",
            crate::clock::to_rfc3339(t.terms.bid_deadline)
        ),
    )
}

/// Checks that the firm may bid for the tender (standing, model, fee model, grade,
/// service area, capacity), inside the transaction. Returns the firm's name.
async fn check_eligible(
    tx: &mut WriteTx,
    t: &Tender,
    compound: &CompoundCopy,
    firm_id: &str,
) -> Result<String> {
    let firm = crate::replica::firm(tx.conn(), firm_id)
        .await?
        .ok_or_else(|| {
            Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "firm_unknown",
                "不符合投标条件",
            )
            .with_detail("平台尚未收到该企业的名录信息，暂不能投标。")
        })?;
    let today = shared::clock::china_today();
    let on_platform = households_on_platform(tx.conn(), firm_id, &compound.id, today).await?;
    let refusals = roster::bid_refusals(
        &firm,
        compound,
        &Requirements::of(&t.terms),
        today,
        on_platform,
    );
    if let Some(first) = refusals.first() {
        let detail = refusals
            .iter()
            .map(|r| r.message.as_str())
            .collect::<Vec<_>>()
            .join("");
        return Err(Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            first.code,
            "不符合投标条件",
        )
        .with_detail(detail)
        .with_errors(
            refusals
                .iter()
                .map(|r| FieldError::new("firm", r.code, r.message.clone()))
                .collect(),
        )
        .into());
    }
    Ok(firm.name)
}

/// The audit row of a bid step: sealed (hidden until the opening), without detail.
async fn audit_bid(
    tx: &mut WriteTx,
    identity: &Identity,
    bid_id: &str,
    tender_id: &str,
    action: &str,
) -> anyhow::Result<()> {
    audit::record_step(
        tx.conn(),
        identity,
        ("bid", bid_id),
        Some(tender_id),
        (action, true),
        &serde_json::json!({}),
    )
    .await
}

fn bid_exists() -> Problem {
    Problem::conflict(
        "bid_exists",
        "贵企业在该项目已有有效投标；如需修改请替换（PUT …/bids/mine）或先撤回。",
    )
}

/// The answer for a firm without a live bid on the tender.
pub fn no_bid() -> Problem {
    Problem::not_found("贵企业在该项目没有有效投标。")
}

/// The firm's live bid on `tender_id`, read inside the transaction.
async fn live(tx: &mut WriteTx, tender_id: &str, firm_id: &str) -> Result<Bid> {
    Ok(bids::live_of(tx.conn(), tender_id, firm_id)
        .await?
        .ok_or_else(no_bid)?)
}

/// Submits `firm_id`'s sealed bid on tender `id`, inside the transaction: one live bid per
/// firm (409 `bid_exists`), the content checked against the terms as they are inside it,
/// and the firm eligible.
pub async fn submit(
    tx: &mut WriteTx,
    id: &str,
    firm_id: &str,
    input: &BidInput,
    identity: &Identity,
) -> Result<Bid> {
    let (t, now) = bidding_open(tx, id).await?;
    if bids::live_of(tx.conn(), &t.id, firm_id).await?.is_some() {
        return Err(bid_exists().into());
    }
    let compound = compound_of(tx.conn(), &t).await?;
    let content = input.check(&t, &compound)?;
    let firm_name = check_eligible(tx, &t, &compound, firm_id).await?;
    let bid_id = new_id();
    bids::insert(
        tx.conn(),
        &bid_id,
        &t.id,
        firm_id,
        &firm_name,
        &content,
        t.terms_version,
        now,
    )
    .await
    .on_constraint(bid_exists)?;
    audit_bid(tx, identity, &bid_id, &t.id, "submitted").await?;
    Ok(bids::live_of(tx.conn(), &t.id, firm_id)
        .await?
        .ok_or_else(|| anyhow::anyhow!("bid vanished"))?)
}

/// Replaces `firm_id`'s live bid on tender `id` (same checks as submitting); it answers the
/// current terms, so it needs no re-confirmation.
pub async fn replace(
    tx: &mut WriteTx,
    id: &str,
    firm_id: &str,
    input: &BidInput,
    identity: &Identity,
) -> Result<Bid> {
    let (t, now) = bidding_open(tx, id).await?;
    let current = live(tx, &t.id, firm_id).await?;
    let compound = compound_of(tx.conn(), &t).await?;
    let content = input.check(&t, &compound)?;
    let firm_name = check_eligible(tx, &t, &compound, firm_id).await?;
    bids::replace(
        tx.conn(),
        &current.id,
        &firm_name,
        &content,
        t.terms_version,
        now,
    )
    .await?;
    audit_bid(tx, identity, &current.id, &t.id, "replaced").await?;
    live(tx, &t.id, firm_id).await
}

/// Confirms `firm_id`'s live bid on tender `id` for the current terms after they changed:
/// its content must still fit them (409 `bid_must_be_replaced` otherwise, with the reasons),
/// its price is derived again and the firm must still be eligible. A bid that needs no
/// confirmation is answered as it is.
pub async fn confirm(
    tx: &mut WriteTx,
    id: &str,
    firm_id: &str,
    identity: &Identity,
) -> Result<Bid> {
    let (t, now) = bidding_open(tx, id).await?;
    let current = live(tx, &t.id, firm_id).await?;
    if current.status == BidStatus::NeedsReconfirmation {
        let compound = compound_of(tx.conn(), &t).await?;
        let content = BidInput::of(&current).check(&t, &compound).map_err(|p| {
            Problem::conflict(
                "bid_must_be_replaced",
                "招标条件变更后原投标内容已不符合要求，请替换投标。",
            )
            .with_errors(p.errors)
        })?;
        let firm_name = check_eligible(tx, &t, &compound, firm_id).await?;
        bids::confirm(
            tx.conn(),
            &current.id,
            &firm_name,
            content.annual_price_fen,
            t.terms_version,
            now,
        )
        .await?;
        audit_bid(tx, identity, &current.id, &t.id, "confirmed").await?;
    }
    live(tx, &t.id, firm_id).await
}

/// Withdraws `firm_id`'s live bid on tender `id` before the deadline; it may bid again.
pub async fn withdraw(
    tx: &mut WriteTx,
    id: &str,
    firm_id: &str,
    identity: &Identity,
) -> Result<()> {
    let (t, now) = bidding_open(tx, id).await?;
    let current = live(tx, &t.id, firm_id).await?;
    bids::withdraw(tx.conn(), &current.id, now).await?;
    audit_bid(tx, identity, &current.id, &t.id, "withdrawn").await?;
    Ok(())
}
