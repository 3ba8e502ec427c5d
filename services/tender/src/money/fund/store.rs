//! The fund's ledger, bank statements and their lines as stored (migration 0026).

use sqlx::{AnyConnection, Row};

use super::category::{Category, Direction};
use super::ledger::{Recorder, Transaction};
use crate::clock::to_rfc3339;
use crate::rows::undecodable;

const COLUMNS: &str = "id, compound_id, contract_id, day, direction, category, amount_fen, \
    counterparty, memo, voucher_id, bank_reference, reverses, recorded_by, recorded_by_name, recorded_at";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Transaction, sqlx::Error> {
    let id: String = r.try_get("id")?;
    let direction: String = r.try_get("direction")?;
    let category: String = r.try_get("category")?;
    let by: String = r.try_get("recorded_by")?;
    let category = Category::parse(&category)
        .map_err(|_| undecodable("fund_transaction", &id, "category", &category))?;
    Ok(Transaction {
        compound_id: r.try_get("compound_id")?,
        contract_id: r.try_get("contract_id")?,
        day: r.try_get("day")?,
        direction: Direction::parse(&direction)
            .ok_or_else(|| undecodable("fund_transaction", &id, "direction", &direction))?,
        category_label: category.label_zh().to_string(),
        category,
        amount_fen: r.try_get("amount_fen")?,
        counterparty: r.try_get("counterparty")?,
        memo: r.try_get("memo")?,
        voucher_id: r.try_get("voucher_id")?,
        bank_reference: r.try_get("bank_reference")?,
        reverses: r.try_get("reverses")?,
        reversed_by: None,
        recorded_by: Recorder::parse(&by)
            .ok_or_else(|| undecodable("fund_transaction", &id, "recorded_by", &by))?,
        recorded_by_name: r.try_get("recorded_by_name")?,
        recorded_at: to_rfc3339(r.try_get("recorded_at")?),
        id,
    })
}

/// Stores a transaction.
pub async fn insert(
    conn: &mut AnyConnection,
    t: &Transaction,
    account_id: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO fund_transaction (id, compound_id, contract_id, day, direction, category, \
         amount_fen, counterparty, memo, voucher_id, bank_reference, reverses, recorded_by, \
         recorded_by_account, recorded_by_name, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
    )
    .bind(&t.id)
    .bind(&t.compound_id)
    .bind(&t.contract_id)
    .bind(&t.day)
    .bind(t.direction.as_str())
    .bind(t.category.as_str())
    .bind(t.amount_fen)
    .bind(&t.counterparty)
    .bind(&t.memo)
    .bind(&t.voucher_id)
    .bind(&t.bank_reference)
    .bind(&t.reverses)
    .bind(t.recorded_by.as_str())
    .bind(account_id)
    .bind(&t.recorded_by_name)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Every transaction of a compound's fund in booking order (day, then when recorded), each
/// with the reversal that reversed it.
pub async fn of_compound(
    conn: &mut AnyConnection,
    compound_id: &str,
) -> Result<Vec<Transaction>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM fund_transaction WHERE compound_id = $1 \
         ORDER BY day, recorded_at, id"
    )))
    .bind(compound_id)
    .fetch_all(&mut *conn)
    .await?;
    let mut list = rows.iter().map(from_row).collect::<Result<Vec<_>, _>>()?;
    let reversals: std::collections::HashMap<String, String> = list
        .iter()
        .filter_map(|t| t.reverses.clone().map(|r| (r, t.id.clone())))
        .collect();
    for t in &mut list {
        t.reversed_by = reversals.get(&t.id).cloned();
    }
    Ok(list)
}

/// A bank statement line as stored, with its reconciliation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankLine {
    pub line: u32,
    pub day: String,
    /// Signed: credit +, debit −.
    pub amount_fen: i64,
    pub counterparty: String,
    pub memo: Option<String>,
    pub reference: Option<String>,
    pub balance_fen: Option<i64>,
    pub transaction_id: Option<String>,
}

/// The lines of earlier statements of the compound that could repeat a new line: with one
/// of these references, or on one of these days.
pub async fn earlier_lines(
    conn: &mut AnyConnection,
    compound_id: &str,
    first_day: &str,
    last_day: &str,
) -> Result<Vec<BankLine>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT line, day, amount_fen, counterparty, memo, reference, balance_fen, transaction_id \
         FROM fund_bank_line WHERE compound_id = $1 AND day >= $2 AND day <= $3",
    )
    .bind(compound_id)
    .bind(first_day)
    .bind(last_day)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(line_from_row).collect()
}

/// Transaction ids an earlier statement already matched.
pub async fn matched_transactions(
    conn: &mut AnyConnection,
    compound_id: &str,
) -> Result<std::collections::HashSet<String>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT transaction_id FROM fund_bank_line \
         WHERE compound_id = $1 AND transaction_id IS NOT NULL",
    )
    .bind(compound_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(|r| r.try_get::<String, _>("transaction_id"))
        .collect()
}

fn line_from_row(r: &sqlx::any::AnyRow) -> Result<BankLine, sqlx::Error> {
    Ok(BankLine {
        line: u32::try_from(r.try_get::<i64, _>("line")?).unwrap_or(0),
        day: r.try_get("day")?,
        amount_fen: r.try_get("amount_fen")?,
        counterparty: r.try_get("counterparty")?,
        memo: r.try_get("memo")?,
        reference: r.try_get("reference")?,
        balance_fen: r.try_get("balance_fen")?,
        transaction_id: r.try_get("transaction_id")?,
    })
}

/// An imported statement's header row.
#[derive(Debug, Clone)]
pub struct StatementRow<'a> {
    pub id: &'a str,
    pub compound_id: &'a str,
    pub first_day: &'a str,
    pub last_day: &'a str,
    pub lines: i64,
    pub closing_balance_fen: i64,
    pub ledger_balance_fen: i64,
    pub imported_by: &'a str,
    pub imported_by_account: &'a str,
    pub imported_by_name: &'a str,
    pub imported_at: i64,
}

/// Stores an imported statement and its lines.
pub async fn insert_statement(
    conn: &mut AnyConnection,
    s: &StatementRow<'_>,
    lines: &[BankLine],
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO fund_bank_statement (id, compound_id, first_day, last_day, lines, \
         closing_balance_fen, ledger_balance_fen, imported_by, imported_by_account, \
         imported_by_name, imported_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(s.id)
    .bind(s.compound_id)
    .bind(s.first_day)
    .bind(s.last_day)
    .bind(s.lines)
    .bind(s.closing_balance_fen)
    .bind(s.ledger_balance_fen)
    .bind(s.imported_by)
    .bind(s.imported_by_account)
    .bind(s.imported_by_name)
    .bind(s.imported_at)
    .execute(&mut *conn)
    .await?;
    for l in lines {
        sqlx::query(
            "INSERT INTO fund_bank_line (id, statement_id, compound_id, line, day, amount_fen, \
             counterparty, memo, reference, balance_fen, transaction_id) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(shared::db::new_id())
        .bind(s.id)
        .bind(s.compound_id)
        .bind(i64::from(l.line))
        .bind(&l.day)
        .bind(l.amount_fen)
        .bind(&l.counterparty)
        .bind(&l.memo)
        .bind(&l.reference)
        .bind(l.balance_fen)
        .bind(&l.transaction_id)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}
