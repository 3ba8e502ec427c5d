//! Recording a transaction of the fund and reversing one, inside the write transaction,
//! and publishing the months they change (topic `fund_month`).

use shared::auth::Identity;
use shared::clock::{china_today, now_ms};
use shared::db::{ResultExt, new_id};
use shared::error::{FieldError, Problem};
use shared::events::tender::FundMonth;
use shared::feed::WriteTx;
use sqlx::AnyConnection;
use time::Date;

use super::account;
use super::category::Category;
use super::ledger::{Recorder, Transaction, ValidTransaction};
use super::months::{self, Month, Thresholds};
use super::store;
use super::terms;
use crate::audit;
use crate::award::records::Contract;
use crate::clock;
use crate::config::TenderPolicy;
use crate::documents::{self, DocumentKind};
use crate::error::Result;
use crate::ocds;

/// The thresholds of the fund's flags, from the policy.
pub fn thresholds(policy: &TenderPolicy) -> Thresholds {
    Thresholds {
        deficit_months: policy.fund_deficit_months,
        pooling_months: policy.fund_pooling_months,
    }
}

/// A day the contract covers: not before its start (422 `before_contract`).
fn within_contract(c: &Contract, day: Date) -> Result<()> {
    if day < c.start_date {
        return Err(Problem::validation(vec![FieldError::new(
            "day",
            "before_contract",
            format!(
                "日期不能早于合同服务开始日期 {}",
                clock::format_date(c.start_date)
            ),
        )])
        .into());
    }
    Ok(())
}

/// The voucher named: a 凭证 of this compound in the documents store, not taken down.
async fn check_voucher(conn: &mut AnyConnection, compound_id: &str, id: &str) -> Result<()> {
    let ok = documents::row(conn, id).await?.is_some_and(|d| {
        d.kind == DocumentKind::Voucher && d.compound_id == compound_id && !d.removed
    });
    if ok {
        return Ok(());
    }
    Err(Problem::validation(vec![FieldError::new(
        "voucher_id",
        "unknown_voucher",
        "没有这份本小区的凭证（须先上传类型为凭证的文件）",
    )])
    .into())
}

/// Net amount of `category` under contract `c` up to and including `day`.
fn net_under(list: &[Transaction], c: &Contract, category: Category, day: Option<Date>) -> i64 {
    list.iter()
        .filter(|t| t.contract_id == c.id && t.category == category)
        .filter(|t| day.is_none_or(|d| t.date() <= d))
        .map(|t| {
            if t.direction == category.direction() {
                t.amount_fen
            } else {
                -t.amount_fen
            }
        })
        .sum()
}

/// 酬金按约提取: all remuneration drawn under `c` with `amount` more may not exceed what
/// its terms allow by `day` (see [`terms`]); 422 on `amount_fen` naming the figures.
fn remuneration_within_terms(
    c: &Contract,
    list: &[Transaction],
    day: Date,
    amount: i64,
) -> Result<()> {
    let refuse = |code: &str, message: String| -> crate::error::Error {
        Problem::validation(vec![FieldError::new("amount_fen", code, message)]).into()
    };
    let Some(r) = c.remuneration else {
        return Err(refuse(
            "no_remuneration_terms",
            "合同未约定酬金，不能提取酬金".into(),
        ));
    };
    let fee_income = net_under(list, c, Category::Fee, Some(day));
    let allowed = terms::allowance(
        r,
        terms::months_begun(c.start_date, c.term_months, day),
        fee_income,
    );
    let drawn = net_under(list, c, Category::Remuneration, None);
    if drawn + amount > allowed {
        let yuan = |f: i64| shared::domain::Fen::new(f).to_yuan_string();
        return Err(refuse(
            "remuneration_exceeds_terms",
            format!(
                "合同约定{}；截至 {} 可提取酬金 {} 元，已提取 {} 元，本次 {} 元将超出 {} 元",
                terms::describe(r),
                clock::format_date(day),
                yuan(allowed),
                yuan(drawn),
                yuan(amount),
                yuan(drawn + amount - allowed)
            ),
        ));
    }
    Ok(())
}

/// Publishes the fund's months from `from` through `today`'s (topic `fund_month`, kind
/// `summarised`).
pub(super) async fn publish_months(
    tx: &mut WriteTx,
    c: &Contract,
    list: &[Transaction],
    (from, today): (Month, Date),
    policy: &TenderPolicy,
) -> Result<Vec<FundMonth>> {
    let all = months::months(
        list,
        today,
        (c.id.as_str(), c.fee_model.as_str()),
        thresholds(policy),
        &c.compound_id,
    );
    let changed: Vec<FundMonth> = all
        .into_iter()
        .filter(|m| Month::parse(&m.month).is_some_and(|m| m >= from))
        .collect();
    let ids: Vec<String> = changed
        .iter()
        .map(|m| format!("{}:{}", m.compound_id, m.month))
        .collect();
    tx.emit_many(
        shared::events::tender::FUND_MONTH,
        ids.iter()
            .zip(&changed)
            .map(|(id, m)| (id.as_str(), "summarised", m)),
    )
    .await?;
    Ok(changed)
}

/// Stores `t`, its audit row, and publishes the months it changes.
async fn book(
    tx: &mut WriteTx,
    c: &Contract,
    mut list: Vec<Transaction>,
    t: Transaction,
    identity: &Identity,
    (action, policy): (&str, &TenderPolicy),
) -> Result<Transaction> {
    let now = now_ms();
    store::insert(tx.conn(), &t, &identity.account_id, now)
        .await
        .on_constraint(|| Problem::conflict("already_reversed", "这笔收支已冲正过。"))?;
    audit::record_step(
        tx.conn(),
        identity,
        ("fund_transaction", &t.id),
        Some(&c.tender_id),
        (action, false),
        &t,
    )
    .await?;
    list.push(t.clone());
    publish_months(tx, c, &list, (Month::of(t.date()), china_today()), policy).await?;
    ocds::release(
        tx.conn(),
        policy,
        &c.tender_id,
        &[ocds::tag::IMPLEMENTATION],
        None,
    )
    .await?;
    Ok(t)
}

/// Records a transaction of the compound's fund, by its firm or committee: within the
/// contract's term, its voucher the compound's, a remuneration within the agreed terms.
pub async fn record(
    tx: &mut WriteTx,
    compound_id: &str,
    v: ValidTransaction,
    identity: &Identity,
    policy: &TenderPolicy,
) -> Result<Transaction> {
    let c = account::require_fund_contract(tx.conn(), compound_id).await?;
    let by = account::recorder(identity, &c)?;
    account::may_record(by, v.category)?;
    within_contract(&c, v.day)?;
    if let Some(voucher) = &v.voucher_id {
        check_voucher(tx.conn(), compound_id, voucher).await?;
    }
    let list = store::of_compound(tx.conn(), compound_id).await?;
    if v.category == Category::Remuneration {
        remuneration_within_terms(&c, &list, v.day, v.amount_fen)?;
    }
    let t = new_transaction(&c, by, identity, v);
    book(tx, &c, list, t, identity, ("recorded", policy)).await
}

fn new_transaction(
    c: &Contract,
    by: Recorder,
    identity: &Identity,
    v: ValidTransaction,
) -> Transaction {
    Transaction {
        id: new_id(),
        compound_id: c.compound_id.clone(),
        contract_id: c.id.clone(),
        day: clock::format_date(v.day),
        direction: v.category.direction(),
        category: v.category,
        category_label: v.category.label_zh().to_string(),
        amount_fen: v.amount_fen,
        counterparty: v.counterparty,
        memo: v.memo,
        voucher_id: v.voucher_id,
        bank_reference: v.bank_reference,
        reverses: None,
        reversed_by: None,
        recorded_by: by,
        recorded_by_name: identity.name.clone(),
        recorded_at: clock::to_rfc3339(now_ms()),
    }
}

/// Reverses (冲正) transaction `tid` of the compound's fund on `day` with `reason`: a new
/// transaction of the opposite direction, same category and amount. A reversal is not
/// reversed again (409 `is_reversal`), a transaction only once (409 `already_reversed`).
pub async fn reverse(
    tx: &mut WriteTx,
    (compound_id, tid): (&str, &str),
    (day, reason): (Date, String),
    identity: &Identity,
    policy: &TenderPolicy,
) -> Result<Transaction> {
    let c = account::require_fund_contract(tx.conn(), compound_id).await?;
    let by = account::recorder(identity, &c)?;
    let list = store::of_compound(tx.conn(), compound_id).await?;
    let Some(original) = list.iter().find(|t| t.id == tid).cloned() else {
        return Err(Problem::not_found("没有这笔收支记录。").into());
    };
    if original.reverses.is_some() {
        return Err(
            Problem::conflict("is_reversal", "冲正记录不能再冲正；请重新记录正确的收支。").into(),
        );
    }
    if original.reversed_by.is_some() {
        return Err(Problem::conflict("already_reversed", "这笔收支已冲正过。").into());
    }
    if day < original.date() {
        return Err(Problem::validation(vec![FieldError::new(
            "day",
            "before_original",
            format!("冲正日期不能早于原记录的日期 {}", original.day),
        )])
        .into());
    }
    let mut t = new_transaction(
        &c,
        by,
        identity,
        ValidTransaction {
            day,
            category: original.category,
            amount_fen: original.amount_fen,
            counterparty: original.counterparty.clone(),
            memo: Some(format!("冲正：{reason}")),
            voucher_id: None,
            bank_reference: None,
        },
    );
    t.direction = original.direction.opposite();
    t.contract_id = original.contract_id.clone();
    t.reverses = Some(original.id.clone());
    book(tx, &c, list, t, identity, ("reversed", policy)).await
}
