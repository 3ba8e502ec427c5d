//! Payments (缴费) recorded one by one against a bill by the committee or the serving firm:
//! never more than the bill still owes; a reference (收据号 / 流水号) is recorded once per
//! compound, so the same payment entered twice is recognised (409 `duplicate_payment`).

use serde::{Deserialize, Serialize};
use shared::auth::Identity;
use shared::clock::{china_today, now_ms};
use shared::db::new_id;
use shared::domain::Fen;
use shared::error::{FieldError, Problem, Validation};
use shared::feed::WriteTx;
use sqlx::AnyConnection;
use utoipa::ToSchema;
use validator::Validate;

use super::store::{self, BillPaid, Payment};
use crate::audit;
use crate::clock::{format_date, parse_date};
use crate::error::Result;
use crate::input::trimmed;
use crate::money::budget;
use crate::replica::CompoundCopy;

/// A payment as the committee or the serving firm records it.
#[derive(Debug, Clone, Deserialize, ToSchema, Validate)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    /// The bill paid (from the arrears list).
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 64, message = "请指明所缴的账单"))]
    pub bill_id: String,
    /// 分, more than 0 and at most what the bill still owes.
    #[validate(range(
        min = 1,
        max = 1_000_000_000_000_i64,
        code = "invalid_amount",
        message = "缴费金额应大于 0"
    ))]
    pub amount_fen: i64,
    /// `YYYY-MM-DD`, not in the future.
    pub paid_on: String,
    /// 收据号或银行流水号 (1–64 characters), unique in the compound.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 64, message = "收据号（流水号）应为 1–64 个字符"))]
    pub reference: String,
}

/// A payment checked field by field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidPayment {
    pub bill_id: String,
    pub amount_fen: i64,
    pub paid_on: String,
    pub reference: String,
}

/// `YYYY-MM-DD`, not after today (China).
pub fn paid_on(input: &str) -> std::result::Result<String, shared::domain::DomainError> {
    let day = parse_date(input)?;
    if day > china_today() {
        return Err(shared::domain::DomainError::new(
            "paid_in_future",
            "缴费日期不能晚于今天",
        ));
    }
    Ok(format_date(day))
}

impl PaymentInput {
    pub fn check(self) -> std::result::Result<ValidPayment, Problem> {
        let mut v = Validation::new();
        v.rules(&self, &["bill_id", "amount_fen", "paid_on", "reference"]);
        let day = v.field("paid_on", paid_on(&self.paid_on));
        v.finish_with(|| {
            Some(ValidPayment {
                paid_on: day?,
                bill_id: self.bill_id,
                amount_fen: self.amount_fen,
                reference: self.reference,
            })
        })
    }
}

/// A recorded payment with the bill it paid.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PaymentView {
    pub id: String,
    pub bill_id: String,
    pub unit_label: String,
    /// `YYYY-MM`.
    pub month: String,
    pub amount_fen: i64,
    pub paid_on: String,
    pub reference: String,
    /// What the bill still owes after it, 分.
    pub owed_after_fen: i64,
}

/// 409 `duplicate_payment`: the reference is recorded already.
pub fn duplicate(existing: &Payment) -> Problem {
    Problem::conflict(
        "duplicate_payment",
        format!(
            "收据号（流水号）{} 已于 {} 登记过（{} 元），同一笔缴费不能重复登记。",
            existing.reference,
            existing.paid_on,
            Fen::new(existing.amount_fen).to_yuan_string()
        ),
    )
}

/// The message when `amount` is more than `bill` still owes.
pub fn exceeds(bill: &BillPaid, amount: i64) -> Option<String> {
    let owed = bill.bill.amount_fen - bill.paid_fen;
    (amount > owed).then(|| {
        format!(
            "缴费 {} 元超过该账单尚欠的 {} 元",
            Fen::new(amount).to_yuan_string(),
            Fen::new(owed.max(0)).to_yuan_string()
        )
    })
}

/// Inserts a payment of `bill` (the caller checked it) and answers its view.
pub async fn insert(
    conn: &mut AnyConnection,
    bill: &BillPaid,
    p: &ValidPayment,
    source: &str,
    who: &str,
) -> Result<PaymentView> {
    let payment = Payment {
        id: new_id(),
        bill_id: bill.bill.id.clone(),
        compound_id: bill.bill.compound_id.clone(),
        amount_fen: p.amount_fen,
        paid_on: p.paid_on.clone(),
        reference: p.reference.clone(),
        source: source.to_string(),
        recorded_by: who.to_string(),
        recorded_at: now_ms(),
    };
    store::insert_payment(conn, &payment).await?;
    Ok(PaymentView {
        id: payment.id,
        bill_id: payment.bill_id,
        unit_label: bill.bill.unit_label.clone(),
        month: bill.bill.month.clone(),
        amount_fen: payment.amount_fen,
        paid_on: payment.paid_on,
        reference: payment.reference,
        owed_after_fen: bill.bill.amount_fen - bill.paid_fen - p.amount_fen,
    })
}

/// Records one payment of `compound` (the committee or the serving firm): 404 for a bill
/// of another compound or none, 409 `duplicate_payment`, 422 `exceeds_owed`.
pub async fn record(
    tx: &mut WriteTx,
    identity: &Identity,
    compound: &CompoundCopy,
    p: ValidPayment,
) -> Result<PaymentView> {
    budget::keeper(tx.conn(), identity, compound).await?;
    let bill = store::bill(tx.conn(), &compound.id, &p.bill_id)
        .await?
        .ok_or_else(|| Problem::not_found("本小区没有这张账单。"))?;
    if let Some(existing) =
        store::payment_by_reference(tx.conn(), &compound.id, &p.reference).await?
    {
        return Err(duplicate(&existing).into());
    }
    if let Some(message) = exceeds(&bill, p.amount_fen) {
        return Err(Problem::validation(vec![FieldError::new(
            "amount_fen",
            "exceeds_owed",
            message,
        )])
        .into());
    }
    let view = insert(tx.conn(), &bill, &p, "recorded", &budget::actor(identity)).await?;
    audit::record_step(
        tx.conn(),
        identity,
        ("fee_payment", &view.id),
        None,
        ("recorded", false),
        &view,
    )
    .await?;
    Ok(view)
}
