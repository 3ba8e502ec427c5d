//! 物业服务合同 (the contract): recorded by the compound's committee after the notice
//! period with every complaint settled (answered, no escalation pending or still possible); ended early by the committee or the association.
//! Contract dates are checked against the award's day, the start and the backdating window.

use serde::Deserialize;
use shared::auth::Identity;
use shared::clock::china_date;
use shared::clock::china_today;
use shared::clock::now_ms;
use shared::db::new_id;
use shared::error::{FieldError, Problem, Validation};
use shared::feed::WriteTx;
use time::Date;
use utoipa::ToSchema;
use validator::Validate;

use super::complaint_store;
use super::dismissal;
use super::records::{self, AwardRow, AwardStatus, Contract, ContractStatus, end_of_term};
use crate::audit::{self, Actor};
use crate::bids;
use crate::clock::{self, to_rfc3339};
use crate::config::TenderPolicy;
use crate::error::Result;
use crate::input::{refused, trimmed};
use crate::money::fund::terms::{Remuneration, RemunerationInput, describe};
use crate::ocds;
use crate::tenders::change::record_change;
use crate::tenders::store;
use crate::tenders::tender::{Tender, not_awarded};
use crate::terms::{FeeModel, TenderStatus};

#[derive(Debug, Deserialize, ToSchema)]
pub struct NewContract {
    /// First day of service, `YYYY-MM-DD`.
    pub start_date: String,
    /// Day of signing, `YYYY-MM-DD`, not in the future (default today).
    pub signed_on: Option<String>,
    /// The remuneration (酬金) agreed, for a tender whose fee model is `commission` (酬金制)
    /// or `trust` (信托制); refused for `lump_sum`. Without it the fund refuses every
    /// remuneration the firm would draw.
    #[serde(default)]
    pub remuneration: Option<RemunerationInput>,
}

/// What the committee states when it signs: the dates and the remuneration agreed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ContractDates {
    pub start: Date,
    pub signed_on: Date,
    pub remuneration: Option<Remuneration>,
}

impl NewContract {
    /// The dates, parsed, the signing day not in the future; the remuneration checked.
    pub fn check(&self) -> std::result::Result<ContractDates, Problem> {
        let mut v = Validation::new();
        let start = v.field("start_date", clock::parse_date(&self.start_date));
        let signed_on = match self.signed_on.as_deref() {
            Some(s) => v.field("signed_on", clock::parse_date(s)),
            None => Some(china_today()),
        };
        if signed_on.is_some_and(|d| d > china_today()) {
            v.push(FieldError::new(
                "signed_on",
                "date_in_future",
                "签订日期不能晚于今天",
            ));
        }
        let remuneration = match self.remuneration.as_ref().map(|r| r.check("remuneration")) {
            Some(Ok(r)) => Some(r),
            Some(Err(errors)) => {
                errors.into_iter().for_each(|e| v.push(e));
                None
            }
            None => None,
        };
        match (start, signed_on) {
            (Some(start), Some(signed_on)) if v.is_empty() => Ok(ContractDates {
                start,
                signed_on,
                remuneration,
            }),
            _ => Err(refused(v)),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct Termination {
    /// Why, 2–500 characters (e.g. the firm was blacklisted).
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 2, max = 500, message = "终止原因应为 2–500 个字符"))]
    pub reason: String,
    /// Last day of service, `YYYY-MM-DD` (default today).
    pub terminated_on: Option<String>,
    /// The owners' passing vote on `dismiss_firm` (解聘物业服务企业) of the contract's
    /// compound, decided on or after the signing, that the termination rests on: a vote
    /// from ballots or a typed vote's id (see `GET /tenders/contracts/{cid}/dismissal-votes`).
    #[serde(default, deserialize_with = "trimmed")]
    pub vote_id: String,
}

impl Termination {
    /// The last day of service (default today), the reason declared.
    pub fn check(&self) -> std::result::Result<Date, Problem> {
        let mut v = Validation::new();
        v.validator(self.validate());
        let on = match self.terminated_on.as_deref() {
            Some(s) => v.field("terminated_on", clock::parse_date(s)),
            None => Some(china_today()),
        };
        match on {
            Some(on) if v.is_empty() => Ok(on),
            _ => Err(refused(v)),
        }
    }
}

/// A date earlier than the backdating window allows.
fn backdated(field: &str, label: &str, earliest: Date, policy: &TenderPolicy) -> FieldError {
    FieldError::new(
        field,
        "backdated",
        format!(
            "{label}不能早于 {}（最多补录 {} 天前的日期）",
            clock::format_date(earliest),
            policy.backdate_window_days
        ),
    )
}

/// A contract's start and signing dates: not before the award's day, and not earlier than
/// today minus `[tender] backdate_window_days`. One message per field.
fn check_dates(policy: &TenderPolicy, award: &AwardRow, dates: ContractDates) -> Result<()> {
    let awarded_on = clock::parse_rfc3339(&award.view.awarded_at)
        .map(china_date)
        .map_err(|e| anyhow::anyhow!("stored award instant: {e:?}"))?;
    let earliest = policy.earliest_backdate(china_today());
    let mut v = Validation::new();
    for (field, label, day) in [
        ("start_date", "服务开始日期", dates.start),
        ("signed_on", "签订日期", dates.signed_on),
    ] {
        if day < awarded_on {
            v.push(FieldError::new(
                field,
                "before_award",
                format!("{label}不能早于定标日期 {}", clock::format_date(awarded_on)),
            ));
        } else if day < earliest {
            v.push(backdated(field, label, earliest, policy));
        }
    }
    Ok(v.finish()?)
}

/// Records the signed contract of `t` (awarded, its award in notice) with the awarded
/// firm, inside the transaction: after the notice period, with every complaint settled
/// ([`complaint_store::Complaint::holds_contract`]);
/// the tender becomes `contracted`.
pub async fn sign(
    tx: &mut WriteTx,
    mut t: Tender,
    dates: ContractDates,
    identity: &Identity,
    policy: &TenderPolicy,
) -> Result<Contract> {
    let now = now_ms();
    let award = match records::current(tx.conn(), &t.id).await? {
        Some(a) if a.view.status == AwardStatus::InNotice => a,
        _ => return Err(not_awarded().into()),
    };
    if now < award.notice_ends_at_ms {
        return Err(Problem::conflict(
            "notice_period_running",
            format!(
                "定标公示期至 {} 结束，期满后方可签订合同。",
                award.view.notice_ends_at
            ),
        )
        .into());
    }
    let pending = complaint_store::of_award(tx.conn(), &award.view.id)
        .await?
        .iter()
        .filter(|c| c.holds_contract(now, policy.escalation_window_ms(), t.street_code.is_some()))
        .count();
    if pending > 0 {
        return Err(Problem::conflict(
            "complaints_pending",
            format!(
                "还有 {pending} 条质疑尚未了结（未答复、复核中或仍可申请复核），了结后方可签订合同。"
            ),
        )
        .into());
    }
    check_dates(policy, &award, dates)?;
    let terms = &t.terms;
    let remuneration = agreed_remuneration(tx.conn(), &award, &t, dates.remuneration).await?;
    let c = Contract {
        id: new_id(),
        tender_id: t.id.clone(),
        compound_id: t.compound_id.clone(),
        firm_id: award.view.firm_id.clone(),
        firm_name: award.view.firm_name.clone(),
        service_model: terms.service_model.as_str().to_string(),
        fee_model: terms.fee_model.as_str().to_string(),
        fee: award.view.fee,
        annual_price_fen: award.view.annual_price_fen,
        term_months: terms.term_months,
        start_date: dates.start,
        end_date: end_of_term(dates.start, terms.term_months),
        signed_on: dates.signed_on,
        signed_at: to_rfc3339(now),
        status: ContractStatus::Active,
        terminated_on: None,
        termination_reason: None,
        termination_vote_id: None,
        termination_vote_kind: None,
        remuneration,
        fee_in_force: None,
    };
    records::insert_contract(tx.conn(), &c, now).await?;
    records::make_final(tx.conn(), &award.view.id).await?;
    t.status = TenderStatus::Contracted;
    t.closed_at = Some(now);
    t.updated_at = now;
    store::update(tx.conn(), &t).await?;
    record_change(
        tx,
        &t,
        "contracted",
        &Actor::from(identity),
        &serde_json::json!({ "contract_id": c.id }),
    )
    .await?;
    tx.emit(shared::events::tender::CONTRACT, &c.id, "signed", &c)
        .await?;
    record(tx, identity, &c, "signed").await?;
    ocds::release(tx.conn(), policy, &t.id, &[ocds::tag::CONTRACT], None).await?;
    Ok(c)
}

/// The remuneration the contract agrees: the one stated at signing, else the awarded
/// bid's; none on a lump-sum tender (422 `remuneration_not_agreed`), and a stated one must
/// be the bid's when the bid asked one (422 `remuneration_differs_from_bid`).
async fn agreed_remuneration(
    conn: &mut sqlx::AnyConnection,
    award: &AwardRow,
    t: &Tender,
    stated: Option<Remuneration>,
) -> Result<Option<Remuneration>> {
    let refuse = |code: &str, message: String| -> crate::error::Error {
        Problem::validation(vec![FieldError::new("remuneration", code, message)]).into()
    };
    if stated.is_some() && t.terms.fee_model == FeeModel::LumpSum {
        return Err(refuse(
            "remuneration_not_agreed",
            "包干制合同不约定酬金；只有酬金制、信托制合同约定酬金".into(),
        ));
    }
    let bid = bids::one(conn, &award.view.bid_id)
        .await?
        .and_then(|b| b.remuneration);
    match (stated, bid) {
        (Some(s), Some(b)) if s != b => Err(refuse(
            "remuneration_differs_from_bid",
            format!("约定的酬金应为中标投标提出的{}", describe(b)),
        )),
        (Some(s), _) => Ok(Some(s)),
        (None, b) => Ok(b),
    }
}

fn no_contract() -> Problem {
    Problem::not_found("没有这份合同。")
}

/// A termination date: not before the contract's start, and not earlier than today minus
/// `[tender] backdate_window_days` (a backdated termination would rewrite the public
/// coverage history).
fn check_termination_date(policy: &TenderPolicy, c: &Contract, on: Date) -> Result<()> {
    let earliest = policy.earliest_backdate(china_today());
    let mut v = Validation::new();
    if on < c.start_date {
        v.push(FieldError::new(
            "terminated_on",
            "before_start",
            format!(
                "终止日期不能早于合同服务开始日期 {}",
                clock::format_date(c.start_date)
            ),
        ));
    } else if on < earliest {
        v.push(backdated("terminated_on", "终止日期", earliest, policy));
    }
    Ok(v.finish()?)
}

/// Who may end a contract: the compound's own committee or the association (the cheap check
/// before the body is read; [`terminate`] decides again inside its transaction).
pub async fn may_terminate(
    conn: &mut sqlx::AnyConnection,
    cid: &str,
    identity: &Identity,
) -> Result<Contract> {
    let c = records::contract(conn, cid)
        .await?
        .ok_or_else(no_contract)?;
    if !identity.oversees_compound(&c.compound_id) {
        return Err(Problem::forbidden("只有合同所属小区的自治组织或协会可以终止合同。").into());
    }
    Ok(c)
}

/// Ends contract `cid` early on `on`, inside the transaction. Role: the committee of the
/// contract's compound, or the association.
pub async fn terminate(
    tx: &mut WriteTx,
    cid: &str,
    on: Date,
    reason: &str,
    vote_id: &str,
    identity: &Identity,
    policy: &TenderPolicy,
) -> Result<Contract> {
    let c = may_terminate(tx.conn(), cid, identity).await?;
    if c.status != ContractStatus::Active {
        return Err(Problem::conflict("contract_not_active", "该合同已终止。").into());
    }
    check_termination_date(policy, &c, on)?;
    let vote = dismissal::basis(tx.conn(), &c.compound_id, c.signed_on, vote_id)
        .await?
        .map_err(|e| Problem::validation(vec![e]))?;
    records::terminate_contract(
        tx.conn(),
        cid,
        &clock::format_date(on),
        reason,
        (&vote.id, &vote.kind),
    )
    .await?;
    let c = records::contract(tx.conn(), cid)
        .await?
        .ok_or_else(no_contract)?;
    tx.emit(shared::events::tender::CONTRACT, cid, "terminated", &c)
        .await?;
    record(tx, identity, &c, "terminated").await?;
    ocds::release(
        tx.conn(),
        policy,
        &c.tender_id,
        &[ocds::tag::CONTRACT_TERMINATION],
        None,
    )
    .await?;
    Ok(c)
}

/// The audit row of a contract step.
async fn record(tx: &mut WriteTx, identity: &Identity, c: &Contract, action: &str) -> Result<()> {
    audit::record_step(
        tx.conn(),
        identity,
        ("contract", &c.id),
        Some(&c.tender_id),
        (action, false),
        c,
    )
    .await?;
    Ok(())
}
