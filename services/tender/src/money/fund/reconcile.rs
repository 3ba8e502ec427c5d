//! Bank reconciliation (银行对账, 信托制): a statement's lines matched to the ledger, its
//! duplicates refused, and its closing balance compared with the ledger's balance.
//!
//! - **Duplicates**: a line whose bank reference an earlier statement of the compound
//!   already imported, or, without a reference, whose day, amount and counterparty equal
//!   such a line, is refused (`duplicate_line`) and never imported twice.
//! - **Matching**: a line matches a ledger transaction of the same day and signed amount
//!   with the same bank reference or the same counterparty, not matched before (each
//!   transaction matches one line).
//! - **Balance**: the statement's closing balance is the balance after its latest line;
//!   the ledger's is the sum of its transactions up to that day. Reconciled when they are
//!   equal; otherwise the difference is answered with the unmatched lines on both sides.

use std::collections::HashSet;

use serde::Serialize;
use shared::auth::Identity;
use shared::clock::now_ms;
use shared::db::{ResultExt, new_id};
use shared::error::Problem;
use shared::sheet::{RowError, listed};
use sqlx::AnyConnection;
use utoipa::ToSchema;

use super::bank::{BankRow, Mode};
use super::ledger::{Recorder, Transaction};
use super::store::{self, BankLine, StatementRow};
use crate::clock;
use crate::error::Result;

/// A statement line no ledger transaction matched.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct UnmatchedLine {
    pub line: u32,
    pub day: String,
    /// Signed: income +, spending −.
    pub amount_fen: i64,
    pub counterparty: String,
    pub reference: Option<String>,
}

/// What an import found (and, applied, did).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct BankReport {
    /// `dry_run` or `apply`.
    pub mode: String,
    /// The imported statement's id (`apply` only).
    pub statement_id: Option<String>,
    /// Data lines read, and the good ones (imported when applied).
    pub lines_total: usize,
    pub lines_ok: usize,
    /// Bad and duplicate lines, by line, with the reason in Chinese (at most 200 listed).
    pub errors: Vec<RowError>,
    pub errors_total: usize,
    pub errors_not_listed: Option<String>,
    /// The statement's first and last day, `YYYY-MM-DD` (none without a good line).
    pub first_day: Option<String>,
    pub last_day: Option<String>,
    /// The bank's balance after the latest line.
    pub closing_balance_fen: Option<i64>,
    /// The ledger's balance at the end of `last_day`.
    pub ledger_balance_fen: Option<i64>,
    /// Bank − ledger.
    pub difference_fen: Option<i64>,
    /// The balances agree.
    pub reconciled: bool,
    /// Lines matched to ledger transactions.
    pub matched: usize,
    /// Lines no transaction matched: to be recorded in the ledger (with the reference).
    pub unmatched_lines: Vec<UnmatchedLine>,
    /// Transactions of the statement's days that no line matched.
    pub unmatched_transactions: Vec<Transaction>,
}

fn duplicate(r: &BankRow, earlier: &[BankLine]) -> bool {
    let day = clock::format_date(r.day);
    earlier.iter().any(|e| match (&r.reference, &e.reference) {
        (Some(a), Some(b)) => a == b,
        (None, _) => {
            e.day == day && e.amount_fen == r.amount_fen && e.counterparty == r.counterparty
        }
        (Some(_), None) => false,
    })
}

fn matches(r: &BankRow, t: &Transaction) -> bool {
    t.day == clock::format_date(r.day)
        && t.signed_fen() == r.amount_fen
        && (r.reference.is_some() && t.bank_reference == r.reference
            || t.counterparty == r.counterparty)
}

/// The balance after the latest line: the file may list oldest or newest first.
fn closing_balance(rows: &[BankRow]) -> Option<i64> {
    let last_day = rows.iter().map(|r| r.day).max()?;
    let ascending = rows.first()?.day <= rows.last()?.day;
    let on_last: Vec<&BankRow> = rows.iter().filter(|r| r.day == last_day).collect();
    let latest = if ascending {
        on_last.last()
    } else {
        on_last.first()
    };
    latest.and_then(|r| r.balance_fen)
}

/// Plans the import of `rows` (with `bad` already found) against the compound's ledger and
/// earlier statements: the report and the lines to store.
pub async fn plan(
    conn: &mut AnyConnection,
    compound_id: &str,
    mode: Mode,
    (rows, mut bad): (Vec<BankRow>, Vec<RowError>),
) -> Result<(BankReport, Vec<BankLine>)> {
    let lines_total = rows.len() + bad.iter().map(|e| e.line).collect::<HashSet<_>>().len();
    let (first, last) = match (
        rows.iter().map(|r| r.day).min(),
        rows.iter().map(|r| r.day).max(),
    ) {
        (Some(f), Some(l)) => (clock::format_date(f), clock::format_date(l)),
        _ => (String::new(), String::new()),
    };
    let earlier = store::earlier_lines(conn, compound_id, &first, &last).await?;
    let ledger = store::of_compound(conn, compound_id).await?;
    let mut taken = store::matched_transactions(conn, compound_id).await?;
    let (mut good, mut unmatched_lines, mut lines) = (Vec::new(), Vec::new(), Vec::new());
    for r in rows {
        if duplicate(&r, &earlier) {
            bad.push(RowError {
                line: r.line,
                column: "reference".into(),
                field: "reference".into(),
                value: r.reference.clone().unwrap_or_default(),
                code: "duplicate_line".into(),
                message: "这一笔已在此前导入的对账单中（流水号相同，或日期、金额、对方户名相同），不再导入".into(),
            });
            continue;
        }
        let hit = ledger
            .iter()
            .find(|t| !taken.contains(&t.id) && matches(&r, t))
            .map(|t| t.id.clone());
        if let Some(id) = &hit {
            taken.insert(id.clone());
        } else {
            unmatched_lines.push(UnmatchedLine {
                line: r.line,
                day: clock::format_date(r.day),
                amount_fen: r.amount_fen,
                counterparty: r.counterparty.clone(),
                reference: r.reference.clone(),
            });
        }
        lines.push(BankLine {
            line: r.line,
            day: clock::format_date(r.day),
            amount_fen: r.amount_fen,
            counterparty: r.counterparty.clone(),
            memo: r.memo.clone(),
            reference: r.reference.clone(),
            balance_fen: r.balance_fen,
            transaction_id: hit,
        });
        good.push(r);
    }
    bad.sort_by_key(|e| e.line);
    let closing = closing_balance(&good);
    let ledger_balance = (!good.is_empty()).then(|| {
        ledger
            .iter()
            .filter(|t| t.day <= last)
            .map(Transaction::signed_fen)
            .sum::<i64>()
    });
    let difference = closing.zip(ledger_balance).map(|(b, l)| b - l);
    // `taken`: matched by an earlier statement or by this one.
    let unmatched_transactions = ledger
        .iter()
        .filter(|t| !good.is_empty() && t.day >= first && t.day <= last)
        .filter(|t| !taken.contains(&t.id))
        .cloned()
        .collect();
    let (errors, errors_total, errors_not_listed) = listed(bad);
    let report = BankReport {
        mode: mode.as_str().into(),
        statement_id: None,
        lines_total,
        lines_ok: good.len(),
        errors,
        errors_total,
        errors_not_listed,
        first_day: (!good.is_empty()).then(|| first.clone()),
        last_day: (!good.is_empty()).then(|| last.clone()),
        closing_balance_fen: closing,
        ledger_balance_fen: ledger_balance,
        difference_fen: difference,
        reconciled: difference == Some(0),
        matched: lines.iter().filter(|l| l.transaction_id.is_some()).count(),
        unmatched_lines,
        unmatched_transactions,
    };
    Ok((report, lines))
}

/// Stores the planned statement (`apply`): 422 `nothing_to_import` without a good line,
/// 409 `duplicate_line` when a reference was imported meanwhile.
pub async fn apply(
    conn: &mut AnyConnection,
    compound_id: &str,
    (mut report, lines): (BankReport, Vec<BankLine>),
    (by, identity): (Recorder, &Identity),
) -> Result<BankReport> {
    let (Some(first), Some(last)) = (report.first_day.clone(), report.last_day.clone()) else {
        return Err(Problem::validation(vec![shared::error::FieldError::new(
            "file",
            "nothing_to_import",
            "对账单中没有可导入的行",
        )])
        .into());
    };
    let id = new_id();
    let row = StatementRow {
        id: &id,
        compound_id,
        first_day: &first,
        last_day: &last,
        lines: i64::try_from(lines.len()).unwrap_or(i64::MAX),
        closing_balance_fen: report.closing_balance_fen.unwrap_or(0),
        ledger_balance_fen: report.ledger_balance_fen.unwrap_or(0),
        imported_by: by.as_str(),
        imported_by_account: &identity.account_id,
        imported_by_name: &identity.name,
        imported_at: now_ms(),
    };
    store::insert_statement(conn, &row, &lines)
        .await
        .on_constraint(|| {
            Problem::conflict(
                "duplicate_line",
                "对账单中有流水号已导入过的行，请重新试导入。",
            )
        })?;
    report.statement_id = Some(id);
    Ok(report)
}
