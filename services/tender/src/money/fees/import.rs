//! Importing payments from a file (缴费记录导入), the register's way on `shared::sheet`:
//! columns 楼栋, 单元, 房号, 月份, 金额(元), 缴费日期, 收据号; every bad row named (line,
//! column, value, reason in Chinese); a dry run writes nothing, strict everything or
//! nothing, good rows the valid ones. Duplicates are recognised: a reference repeated in
//! the file is refused on every row; a row whose reference is recorded already for the
//! same bill and amount is `already_recorded` (so the same file twice records nothing),
//! with anything else under that reference a bad row. Rows of one bill together never pay
//! more than it owes. All writes are one transaction, planned again under the write lock.

use std::collections::HashMap;

use anyhow::Context;
use axum::body::Bytes;
use serde::{Deserialize, Serialize};
use shared::db::{Db, new_id};
use shared::domain::{Fen, UnitLabel};
use shared::error::Problem;
use shared::feed::{Notifier, WriteTx};
use shared::sheet::{Column, FileKind, ImportMode, Limits, RowError, SheetFormat, listed};
use sqlx::AnyConnection;
use utoipa::ToSchema;

use super::month::Month;
use super::payments::{ValidPayment, insert, paid_on};
use super::store::{self, BillPaid};
use crate::error::Result;
use crate::owners::register;

/// A payments file: problems `invalid_payment_file`, 413 `payment_file_too_large`; its
/// header is the row with 收据号; the kernel's default limits (at most 20,000 data rows).
pub const PAYMENTS: FileKind = FileKind {
    noun: "缴费记录",
    invalid_code: "invalid_payment_file",
    too_large_code: "payment_file_too_large",
    header_key: "收据号",
    limits: Limits::DEFAULT,
};

/// The file's columns.
pub const COLUMNS: [Column; 7] = [
    Column::required("楼栋", "building"),
    Column::optional("单元", "unit"),
    Column::required("房号", "room"),
    Column::required("月份", "month"),
    Column::required("金额(元)", "amount"),
    Column::required("缴费日期", "paid_on"),
    Column::required("收据号", "reference"),
];

mod c {
    pub const BUILDING: usize = 0;
    pub const UNIT: usize = 1;
    pub const ROOM: usize = 2;
    pub const MONTH: usize = 3;
    pub const AMOUNT: usize = 4;
    pub const PAID_ON: usize = 5;
    pub const REFERENCE: usize = 6;
}

/// The answer to an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct PaymentImportReport {
    pub mode: ImportMode,
    pub format: SheetFormat,
    /// Whether payments were written.
    pub committed: bool,
    pub import_id: Option<String>,
    pub rows_total: usize,
    pub rows_valid: usize,
    /// New payments (recorded, or to be recorded by a dry run).
    pub recorded: usize,
    /// Their sum, 分.
    pub recorded_fen: i64,
    /// Rows recorded already under the same reference, bill and amount (nothing done).
    pub already_recorded: usize,
    pub ignored_columns: Vec<String>,
    pub errors: Vec<RowError>,
    pub errors_total: usize,
    pub errors_not_listed: Option<String>,
}

/// A row as read: its cells parsed, before the records are consulted.
#[derive(Debug)]
struct Row {
    line: u32,
    label: Option<UnitLabel>,
    month: Option<Month>,
    payment: Option<(i64, String, String)>,
    errors: Vec<RowError>,
}

fn error(line: u32, k: usize, value: &str, code: &str, message: impl Into<String>) -> RowError {
    RowError {
        line,
        column: COLUMNS[k].header.to_string(),
        field: COLUMNS[k].field.to_string(),
        value: value.to_string(),
        code: code.to_string(),
        message: message.into(),
    }
}

/// `金额（元）`, `金额` → `金额(元)`.
fn canonical_header(cell: &str) -> String {
    let s: String = shared::sheet::clean_header(cell)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect();
    if s == "金额" {
        COLUMNS[c::AMOUNT].header.to_string()
    } else {
        s
    }
}

fn read_row(line: u32, cells: &[&str]) -> Row {
    let mut errors = Vec::new();
    let label = match UnitLabel::parse(cells[c::BUILDING], cells[c::UNIT], cells[c::ROOM]) {
        Ok(l) => Some(l),
        Err(list) => {
            for (field, e) in list {
                let k = match field {
                    "building" => c::BUILDING,
                    "unit" => c::UNIT,
                    _ => c::ROOM,
                };
                errors.push(error(line, k, cells[k], e.code, e.message));
            }
            None
        }
    };
    let month = Month::parse(cells[c::MONTH])
        .map_err(|e| errors.push(error(line, c::MONTH, cells[c::MONTH], e.code, e.message)))
        .ok();
    let amount = match Fen::parse_yuan(cells[c::AMOUNT]) {
        Ok(f) if f.get() > 0 => Some(f.get()),
        Ok(_) => {
            errors.push(error(
                line,
                c::AMOUNT,
                cells[c::AMOUNT],
                "invalid_amount",
                "缴费金额应大于 0",
            ));
            None
        }
        Err(e) => {
            errors.push(error(line, c::AMOUNT, cells[c::AMOUNT], e.code, e.message));
            None
        }
    };
    let day = paid_on(cells[c::PAID_ON])
        .map_err(|e| {
            errors.push(error(
                line,
                c::PAID_ON,
                cells[c::PAID_ON],
                e.code,
                e.message,
            ))
        })
        .ok();
    let reference = cells[c::REFERENCE].trim();
    let reference = if reference.is_empty() || reference.chars().count() > 64 {
        errors.push(error(
            line,
            c::REFERENCE,
            reference,
            "invalid_reference",
            "收据号（流水号）应为 1–64 个字符",
        ));
        None
    } else {
        Some(reference.to_string())
    };
    let payment = match (amount, day, reference) {
        (Some(a), Some(d), Some(r)) => Some((a, d, r)),
        _ => None,
    };
    Row {
        line,
        label,
        month,
        payment,
        errors,
    }
}

fn read_file(format: SheetFormat, bytes: Bytes) -> Result<(Vec<Row>, Vec<String>), Problem> {
    let sheet = PAYMENTS.read(format, &bytes)?;
    let (header, data) = PAYMENTS.split_header(&sheet, "“房号”“月份”“金额(元)”“收据号”")?;
    let header = shared::sheet::SheetRow {
        line: header.line,
        cells: header
            .cells
            .iter()
            .map(|cell| canonical_header(cell))
            .collect(),
    };
    let layout = PAYMENTS.layout(&header, &COLUMNS)?;
    let mut rows: Vec<Row> = data
        .iter()
        .filter(|r| !r.is_blank())
        .map(|r| read_row(r.line, &layout.cells(r)))
        .collect();
    refuse_repeated_references(&mut rows);
    Ok((rows, layout.ignored))
}

/// A reference on more than one row: every such row is refused, one error at the first.
fn refuse_repeated_references(rows: &mut [Row]) {
    let mut seen: HashMap<String, (usize, u32)> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        if let Some((_, _, reference)) = &r.payment {
            seen.entry(reference.clone())
                .and_modify(|(_, n)| *n += 1)
                .or_insert((i, 1));
        }
    }
    for (reference, (first, n)) in seen.into_iter().filter(|(_, (_, n))| *n > 1) {
        let line = rows[first].line;
        rows[first].errors.push(error(
            line,
            c::REFERENCE,
            &reference,
            "duplicate_reference",
            format!(
                "收据号 {reference} 在文件中出现了 {n} 次（首次在第 {line} 行），这些行都未导入"
            ),
        ));
        for r in rows.iter_mut() {
            if r.payment.as_ref().is_some_and(|(_, _, x)| *x == reference) {
                r.payment = None;
            }
        }
    }
}

/// What the valid rows do, against the records.
#[derive(Debug, Default)]
struct Plan {
    new: Vec<(BillPaid, ValidPayment)>,
    already: usize,
}

async fn plan(conn: &mut AnyConnection, compound_id: &str, rows: &mut [Row]) -> Result<Plan> {
    let mut out = Plan::default();
    let mut paid_in_file: HashMap<String, i64> = HashMap::new();
    for r in rows.iter_mut() {
        let (Some(label), Some(month), Some((amount, day, reference))) =
            (r.label.clone(), r.month, r.payment.clone())
        else {
            continue;
        };
        let line = r.line;
        let bill = match register::unit_by_label(conn, compound_id, &label).await? {
            Some(u) if !u.removed => store::bill_of_unit(conn, &u.id, &month.to_string()).await?,
            _ => None,
        };
        let Some(bill) = bill else {
            r.errors.push(error(
                line,
                c::MONTH,
                &month.to_string(),
                "no_bill",
                format!("房屋 {label} 没有 {month} 的账单"),
            ));
            r.payment = None;
            continue;
        };
        if let Some(existing) = store::payment_by_reference(conn, compound_id, &reference).await? {
            if existing.bill_id == bill.bill.id && existing.amount_fen == amount {
                out.already += 1;
            } else {
                r.errors.push(error(
                    line,
                    c::REFERENCE,
                    &reference,
                    "reference_used",
                    format!(
                        "收据号 {reference} 已登记为另一笔缴费（{} 元，{}）",
                        Fen::new(existing.amount_fen).to_yuan_string(),
                        existing.paid_on
                    ),
                ));
            }
            r.payment = None;
            continue;
        }
        let before = paid_in_file.get(&bill.bill.id).copied().unwrap_or(0);
        let owed = bill.bill.amount_fen - bill.paid_fen - before;
        if amount > owed {
            r.errors.push(error(
                line,
                c::AMOUNT,
                &Fen::new(amount).to_yuan_string(),
                "exceeds_owed",
                format!(
                    "缴费 {} 元超过房屋 {label} {month} 账单尚欠的 {} 元",
                    Fen::new(amount).to_yuan_string(),
                    Fen::new(owed.max(0)).to_yuan_string()
                ),
            ));
            r.payment = None;
            continue;
        }
        paid_in_file.insert(bill.bill.id.clone(), before + amount);
        let bill_paid = BillPaid {
            paid_fen: bill.paid_fen + before,
            bill: bill.bill.clone(),
        };
        out.new.push((
            bill_paid,
            ValidPayment {
                bill_id: bill.bill.id.clone(),
                amount_fen: amount,
                paid_on: day,
                reference,
            },
        ));
    }
    Ok(out)
}

/// Imports a payments file into `compound_id`'s bills, written by `who`. File-level
/// problems are a 422 problem, a file over a limit a 413; row problems are in the report.
/// Answers the report and whether a strict import was refused.
pub async fn import(
    db: &Db,
    notifier: &Notifier,
    compound_id: &str,
    who: &str,
    (format, mode): (SheetFormat, ImportMode),
    bytes: Bytes,
) -> Result<(PaymentImportReport, bool)> {
    let (mut rows, ignored_columns) = tokio::task::spawn_blocking(move || read_file(format, bytes))
        .await
        .context("joining the payments parser")??;
    let (plan, import_id, committed, refused) = if mode == ImportMode::DryRun {
        let mut conn = db.pool.acquire().await?;
        (
            plan(&mut conn, compound_id, &mut rows).await?,
            None,
            false,
            false,
        )
    } else {
        let mut tx = WriteTx::begin(db, notifier).await?;
        let planned = plan(tx.conn(), compound_id, &mut rows).await?;
        let bad = rows.iter().any(|r| !r.errors.is_empty());
        if mode == ImportMode::Strict && bad {
            (planned, None, false, true)
        } else {
            let id = new_id();
            let source = format!("import:{id}");
            for (bill, p) in &planned.new {
                insert(tx.conn(), bill, p, &source, who).await?;
            }
            tx.commit().await?;
            let id = (!planned.new.is_empty()).then_some(id);
            (planned, id, true, false)
        }
    };
    let mut errors: Vec<RowError> = rows.iter_mut().flat_map(|r| r.errors.drain(..)).collect();
    errors.sort_by_key(|e| (e.line, COLUMNS.iter().position(|c| c.header == e.column)));
    let (errors, errors_total, errors_not_listed) = listed(errors);
    let recorded = if refused { 0 } else { plan.new.len() };
    let report = PaymentImportReport {
        mode,
        format,
        committed,
        import_id,
        rows_total: rows.len(),
        rows_valid: plan.new.len() + plan.already,
        recorded,
        recorded_fen: if refused {
            0
        } else {
            plan.new.iter().map(|(_, p)| p.amount_fen).sum()
        },
        already_recorded: plan.already,
        ignored_columns,
        errors,
        errors_total,
        errors_not_listed,
    };
    Ok((report, refused))
}
