//! Publishing a contract's budget or accounts, and correcting (更正) a published version:
//! who may, which periods, and the new version that supersedes the current one.

use serde::Deserialize;
use shared::auth::Identity;
use shared::clock::china_today;
use shared::clock::now_ms;
use shared::db::{ResultExt, new_id};
use shared::error::{FieldError, Problem, Validation};
use shared::feed::WriteTx;
use utoipa::ToSchema;
use validator::Validate;

use super::figures::{self, Checked, DisclosureInput, DisclosureKind};
use super::store::{self, Disclosure, Publisher};
use crate::audit;
use crate::award::records::Contract;
use crate::clock;
use crate::config::TenderPolicy;
use crate::error::Result;
use crate::input::trimmed_opt;
use crate::ocds;

/// Who may publish for a contract: its firm, or its compound's committee.
pub fn publisher(identity: &Identity, c: &Contract) -> Result<Publisher> {
    if identity.own_firm() == Some(c.firm_id.as_str()) {
        Ok(Publisher::Firm)
    } else if identity.is_committee_of(&c.compound_id) {
        Ok(Publisher::Committee)
    } else {
        Err(
            Problem::forbidden("只有合同的物业服务企业或小区自治组织可以公开该合同的预算和收支。")
                .into(),
        )
    }
}

/// The period of `checked` against the contract's term: within it (up to a termination),
/// and accounts only for a period that has begun.
fn within_term(c: &Contract, checked: &Checked) -> Result<()> {
    let start = c.start_date;
    let last = c.terminated_on.unwrap_or(c.end_date);
    let (from, to) = (checked.period.start(), checked.period.end());
    let mut v = Validation::new();
    if to < start || from > last {
        v.push(FieldError::new(
            "period",
            "outside_contract_term",
            format!(
                "期间 {} 不在合同服务期限（{} 至 {}）内",
                checked.period,
                clock::format_date(start),
                clock::format_date(last)
            ),
        ));
    }
    if checked.kind == DisclosureKind::Accounts && from > china_today() {
        v.push(FieldError::new(
            "period",
            "period_not_begun",
            format!("期间 {} 尚未开始，不能公开收支情况", checked.period),
        ));
    }
    v.finish()?;
    Ok(())
}

/// A new version of a contract's budget or accounts, published now by `identity`.
fn new_version(
    c: &Contract,
    checked: Checked,
    by: Publisher,
    identity: &Identity,
    now: i64,
    corrects: Option<(&Disclosure, String)>,
) -> Disclosure {
    Disclosure {
        id: new_id(),
        contract_id: c.id.clone(),
        tender_id: c.tender_id.clone(),
        compound_id: c.compound_id.clone(),
        firm_id: c.firm_id.clone(),
        kind: checked.kind,
        kind_label: checked.kind.label().to_string(),
        period: checked.period.to_string(),
        period_start: clock::format_date(checked.period.start()),
        period_end: clock::format_date(checked.period.end()),
        common_revenue_fen: checked.income.common_revenue_fen(),
        income: checked.income,
        total_income_fen: checked.total_income_fen,
        spending: checked.spending,
        total_spending_fen: checked.total_spending_fen,
        opening_balance_fen: checked.opening_balance_fen,
        closing_balance_fen: checked.closing_balance_fen,
        note: checked.note,
        published_by: by,
        published_by_name: Some(identity.name.clone()),
        published_at: clock::to_rfc3339(now),
        version: corrects.as_ref().map_or(1, |(old, _)| old.version + 1),
        supersedes: corrects.as_ref().map(|(old, _)| old.id.clone()),
        correction_reason: corrects.map(|(_, reason)| reason),
        superseded_by: None,
        superseded_at: None,
    }
}

/// Appends the audit row of a disclosure step.
async fn record(tx: &mut WriteTx, identity: &Identity, d: &Disclosure, action: &str) -> Result<()> {
    audit::record_step(
        tx.conn(),
        identity,
        ("disclosure", &d.id),
        Some(&d.tender_id),
        (action, false),
        d,
    )
    .await?;
    Ok(())
}

/// Checks figures for contract `c`: they add up, and their period fits the contract.
pub fn check(input: &DisclosureInput, c: &Contract) -> Result<Checked> {
    let checked = figures::check(input).map_err(Problem::validation)?;
    within_term(c, &checked)?;
    Ok(checked)
}

/// Publishes checked figures of contract `c` by `by`, inside the transaction: a period is
/// published once (a second budget for the year, or accounts overlapping accounts
/// already published, is 409) — published figures are not rewritten.
pub async fn publish(
    tx: &mut WriteTx,
    c: &Contract,
    checked: Checked,
    by: Publisher,
    identity: &Identity,
    policy: &TenderPolicy,
) -> Result<Disclosure> {
    if checked.kind == DisclosureKind::Accounts
        && let Some(p) = store::overlapping_accounts(tx.conn(), &c.id, checked.period).await?
    {
        let code = if p == checked.period.to_string() {
            "already_published"
        } else {
            "period_overlaps"
        };
        return Err(Problem::conflict(
            code,
            format!(
                "该合同 {p} 的收支情况已公开，期间 {} 与之重叠；已公开的数字不能改写，如有错误请提交更正。",
                checked.period
            ),
        )
        .into());
    }
    let now = now_ms();
    let d = new_version(c, checked, by, identity, now, None);
    store::insert(tx.conn(), &d, &identity.account_id, now)
        .await
        .on_constraint(|| {
            Problem::conflict(
                "already_published",
                format!(
                    "该合同 {} 的{}已公开；已公开的数字不能改写，如有错误请提交更正。",
                    d.period, d.kind_label
                ),
            )
        })?;
    tx.emit(shared::events::tender::DISCLOSURE, &d.id, "published", &d)
        .await?;
    record(tx, identity, &d, "published").await?;
    ocds::release(
        tx.conn(),
        policy,
        &d.tender_id,
        &[ocds::tag::IMPLEMENTATION],
        None,
    )
    .await?;
    Ok(d)
}

/// A correction (更正) of a published budget or accounts: the whole corrected figures (same
/// body as a publication, same `kind` and `period`) and why.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
pub struct CorrectionInput {
    /// 更正原因, required, 1–500 characters.
    #[serde(default, deserialize_with = "trimmed_opt")]
    #[validate(
        required(message = "请填写更正原因"),
        custom(function = "shared::validate::not_blank", message = "请填写更正原因"),
        length(max = 500, message = "更正原因不能超过 500 字")
    )]
    pub reason: Option<String>,
    #[serde(flatten)]
    pub figures: DisclosureInput,
}

impl CorrectionInput {
    /// Checks a correction of `old`: the figures as for a publication, the same kind and
    /// period, and a reason; every problem at once.
    pub fn check(&self, old: &Disclosure) -> Result<(Checked, String)> {
        let checked = figures::check(&self.figures);
        let mut errors = checked.as_ref().err().cloned().unwrap_or_default();
        if self.figures.kind.trim() != old.kind.as_str() {
            errors.push(FieldError::new(
                "kind",
                "not_editable",
                format!("更正不能改变类型，原公开的是{}", old.kind_label),
            ));
        }
        if self.figures.period.trim() != old.period {
            errors.push(FieldError::new(
                "period",
                "not_editable",
                format!("更正不能改变期间，原公开的期间为 {}", old.period),
            ));
        }
        if let Err(e) = self.validate() {
            errors.extend(shared::error::from_validator(&e, ""));
        }
        let reason = self.reason.clone().filter(|r| !r.is_empty());
        match (checked, reason) {
            (Ok(checked), Some(reason)) if errors.is_empty() => Ok((checked, reason)),
            _ => Err(Problem::validation(errors).into()),
        }
    }
}

/// Corrects `old` with checked figures, inside the transaction: a new version of the same
/// contract, kind and period that supersedes it (only the current version can be corrected:
/// 409 `already_superseded` names the current one).
pub async fn correct(
    tx: &mut WriteTx,
    c: &Contract,
    old: &Disclosure,
    (checked, reason): (Checked, String),
    by: Publisher,
    identity: &Identity,
    policy: &TenderPolicy,
) -> Result<Disclosure> {
    let now = now_ms();
    let d = new_version(c, checked, by, identity, now, Some((old, reason)));
    if !store::supersede(tx.conn(), &old.id, &d.id, now).await? {
        let current = store::versions(tx.conn(), old)
            .await?
            .into_iter()
            .find(|v| v.superseded_by.is_none())
            .map(|v| v.id)
            .unwrap_or_default();
        return Err(Problem::conflict(
            "already_superseded",
            format!("这一版已被更正，请更正现行版本（{current}）。"),
        )
        .into());
    }
    store::insert(tx.conn(), &d, &identity.account_id, now)
        .await
        .on_constraint(|| Problem::conflict("already_superseded", "这一版已被更正。"))?;
    tx.emit(shared::events::tender::DISCLOSURE, &d.id, "corrected", &d)
        .await?;
    record(tx, identity, &d, "corrected").await?;
    ocds::release(
        tx.conn(),
        policy,
        &d.tender_id,
        &[ocds::tag::IMPLEMENTATION_UPDATE],
        None,
    )
    .await?;
    Ok(d)
}
