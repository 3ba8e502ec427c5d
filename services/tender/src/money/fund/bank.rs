//! A bank's statement export (银行对账单) read with the column mapping the importer gives:
//! which header is the date, the amount (signed, or a debit and a credit column), the
//! counterparty, the memo, the bank's reference and the balance. Read with the kernel's
//! `shared::sheet` within [`BANK`]'s limits; every bad row named by its line with a
//! Chinese reason.

use serde::Deserialize;
use shared::domain::Fen;
use shared::error::{FieldError, Problem, Validation};
use shared::sheet::{
    FileKind, HEADER_SEARCH_ROWS, Limits, RowError, Sheet, SheetFormat, SheetRow, clean_header,
    unescape_cell,
};
use time::Date;
use utoipa::IntoParams;
use validator::Validate;

/// What a bank statement file is, and its limits: 5 000 lines.
pub const BANK: FileKind = FileKind {
    noun: "银行对账单",
    invalid_code: "invalid_bank_file",
    too_large_code: "bank_file_too_large",
    // The header row is found by the mapped date column instead.
    header_key: "",
    limits: Limits {
        max_rows: 5_000,
        max_sheet_rows: 6_000,
        max_columns: 50,
        max_sheet_bytes: 16 * 1024 * 1024,
    },
};

/// The largest statement file: 4 MiB (413 `bank_file_too_large` naming it).
pub const MAX_FILE_BYTES: usize = 4 * 1024 * 1024;

/// The import's mode and column mapping: each value is a header cell of the file, as the
/// bank writes it (e.g. `交易日期`, `贷方发生额`).
#[derive(Debug, Clone, Deserialize, IntoParams, Validate)]
pub struct BankMapping {
    /// `dry_run` (default: check, match and reconcile, write nothing) or `apply`.
    pub mode: Option<String>,
    /// `csv` (default) or `xlsx`.
    pub format: Option<String>,
    /// The date column (YYYY-MM-DD, YYYY/MM/DD or YYYYMMDD).
    #[validate(length(min = 1, max = 50, message = "请填写日期列的列名（1–50 字）"))]
    pub date: String,
    /// A signed amount column (income +, spending −); or give `debit` and `credit`.
    #[validate(length(min = 1, max = 50, message = "金额列的列名应为 1–50 字"))]
    pub amount: Option<String>,
    /// The debit (支出) column.
    #[validate(length(min = 1, max = 50, message = "借方列的列名应为 1–50 字"))]
    pub debit: Option<String>,
    /// The credit (收入) column.
    #[validate(length(min = 1, max = 50, message = "贷方列的列名应为 1–50 字"))]
    pub credit: Option<String>,
    /// The counterparty (对方户名) column.
    #[validate(length(min = 1, max = 50, message = "请填写对方户名列的列名（1–50 字）"))]
    pub counterparty: String,
    /// The memo (摘要) column.
    #[validate(length(min = 1, max = 50, message = "摘要列的列名应为 1–50 字"))]
    pub memo: Option<String>,
    /// The bank's reference (流水号) column.
    #[validate(length(min = 1, max = 50, message = "流水号列的列名应为 1–50 字"))]
    pub reference: Option<String>,
    /// The balance (余额) column: the statement's closing balance is the balance after its
    /// latest line.
    #[validate(length(min = 1, max = 50, message = "请填写余额列的列名（1–50 字）"))]
    pub balance: String,
}

/// Whether an import writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    DryRun,
    Apply,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::DryRun => "dry_run",
            Self::Apply => "apply",
        }
    }
}

/// How the amount is given.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Amount {
    Signed(String),
    DebitCredit(String, String),
}

/// A checked mapping.
#[derive(Debug, Clone)]
pub struct Checked {
    pub mode: Mode,
    pub format: SheetFormat,
    date: String,
    amount: Amount,
    counterparty: String,
    memo: Option<String>,
    reference: Option<String>,
    balance: String,
}

impl BankMapping {
    /// The mode, format and mapping, every problem at once (422).
    pub fn check(&self) -> Result<Checked, Problem> {
        let mut v = Validation::new();
        v.rules(
            self,
            &[
                "date",
                "amount",
                "debit",
                "credit",
                "counterparty",
                "memo",
                "reference",
                "balance",
            ],
        );
        let mode = match self.mode.as_deref().map(str::trim) {
            None | Some("") | Some("dry_run") => Some(Mode::DryRun),
            Some("apply") => Some(Mode::Apply),
            Some(_) => {
                v.push(FieldError::new(
                    "mode",
                    "invalid_mode",
                    "mode 应为 dry_run（试导入）或 apply（导入）",
                ));
                None
            }
        };
        let format = match self.format.as_deref().map(str::trim) {
            None | Some("") | Some("csv") => Some(SheetFormat::Csv),
            Some("xlsx") => Some(SheetFormat::Xlsx),
            Some(_) => {
                v.push(FieldError::new(
                    "format",
                    "invalid_format",
                    "format 应为 csv 或 xlsx",
                ));
                None
            }
        };
        let amount = match (&self.amount, &self.debit, &self.credit) {
            (Some(a), None, None) => Some(Amount::Signed(a.trim().to_string())),
            (None, Some(d), Some(c)) => Some(Amount::DebitCredit(
                d.trim().to_string(),
                c.trim().to_string(),
            )),
            _ => {
                v.push(FieldError::new(
                    "amount",
                    "amount_mapping",
                    "请指明金额列（amount，收入为正、支出为负），或同时指明借方列（debit）和贷方列（credit）",
                ));
                None
            }
        };
        let trimmed = |s: &Option<String>| s.as_deref().map(|s| s.trim().to_string());
        v.finish_with(|| {
            Some(Checked {
                mode: mode?,
                format: format?,
                date: self.date.trim().to_string(),
                amount: amount?,
                counterparty: self.counterparty.trim().to_string(),
                memo: trimmed(&self.memo),
                reference: trimmed(&self.reference),
                balance: self.balance.trim().to_string(),
            })
        })
    }
}

/// One line of the statement, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BankRow {
    pub line: u32,
    pub day: Date,
    /// Signed: income +, spending −.
    pub amount_fen: i64,
    pub counterparty: String,
    pub memo: Option<String>,
    pub reference: Option<String>,
    pub balance_fen: Option<i64>,
}

/// Where each mapped column is.
struct Columns {
    date: usize,
    amount: (usize, Option<usize>),
    counterparty: usize,
    memo: Option<usize>,
    reference: Option<usize>,
    balance: usize,
}

fn header_of(sheet: &Sheet, date: &str) -> Option<usize> {
    sheet
        .rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .position(|r| r.cells.iter().any(|c| clean_header(c) == date))
}

fn columns(header: &SheetRow, m: &Checked) -> Result<Columns, Problem> {
    let mut missing = Vec::new();
    let mut find = |name: &str, field: &str| -> Option<usize> {
        let at = header.cells.iter().position(|c| clean_header(c) == name);
        if at.is_none() {
            missing.push(FieldError::new(
                field,
                "missing_column",
                format!("第 {} 行表头中没有“{name}”列", header.line),
            ));
        }
        at
    };
    let date = find(&m.date, "date");
    let amount = match &m.amount {
        Amount::Signed(a) => find(a, "amount").map(|a| (a, None)),
        Amount::DebitCredit(d, c) => match (find(d, "debit"), find(c, "credit")) {
            (Some(d), Some(c)) => Some((d, Some(c))),
            _ => None,
        },
    };
    let counterparty = find(&m.counterparty, "counterparty");
    let memo = m.memo.as_ref().map(|x| find(x, "memo"));
    let reference = m.reference.as_ref().map(|x| find(x, "reference"));
    let balance = find(&m.balance, "balance");
    let built = (|| {
        Some(Columns {
            date: date?,
            amount: amount?,
            counterparty: counterparty?,
            memo: memo.map_or(Some(None), |x| x.map(Some))?,
            reference: reference.map_or(Some(None), |x| x.map(Some))?,
            balance: balance?,
        })
    })();
    built.ok_or_else(|| {
        BANK.file_problem(
            "表头中缺少映射的列，请核对列名与银行导出文件一致。",
            missing,
        )
    })
}

/// A date as banks write it.
fn parse_day(s: &str) -> Option<Date> {
    let digits: String = s
        .split([' ', 'T'])
        .next()
        .unwrap_or("")
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect();
    if digits.len() != 8 {
        return None;
    }
    let text = format!("{}-{}-{}", &digits[..4], &digits[4..6], &digits[6..]);
    crate::clock::parse_date(&text).ok()
}

/// An amount as banks write it (`1,234.50`, `¥1234.5`, `-20.00`), in fen; blank is `None`.
fn parse_amount(s: &str) -> Result<Option<i64>, ()> {
    let cleaned: String = s
        .chars()
        .filter(|c| !matches!(c, ',' | '，' | '¥' | '￥' | ' '))
        .collect();
    if cleaned.is_empty() {
        return Ok(None);
    }
    Fen::parse_yuan(&cleaned)
        .map(|f| Some(f.get()))
        .map_err(|_| ())
}

fn row_error(line: u32, field: &str, value: &str, code: &str, message: &str) -> RowError {
    RowError {
        line,
        column: field.to_string(),
        field: field.to_string(),
        value: value.to_string(),
        code: code.to_string(),
        message: message.to_string(),
    }
}

fn cell(row: &SheetRow, at: usize) -> &str {
    row.cells.get(at).map_or("", |s| unescape_cell(s.trim()))
}

fn check_row(row: &SheetRow, c: &Columns) -> Result<BankRow, Vec<RowError>> {
    let line = row.line;
    let mut errors = Vec::new();
    let date_text = cell(row, c.date);
    let day = parse_day(date_text);
    if day.is_none() {
        errors.push(row_error(
            line,
            "date",
            date_text,
            "invalid_date",
            "日期无法识别（应为 2026-03-05、2026/03/05 或 20260305）",
        ));
    }
    let amount = match c.amount {
        (a, None) => match parse_amount(cell(row, a)) {
            Ok(Some(v)) if v != 0 => Some(v),
            Ok(_) => None,
            Err(()) => None,
        },
        (d, Some(k)) => match (parse_amount(cell(row, d)), parse_amount(cell(row, k))) {
            (Ok(Some(d)), Ok(None)) | (Ok(Some(d)), Ok(Some(0))) if d > 0 => Some(-d),
            (Ok(None), Ok(Some(k))) | (Ok(Some(0)), Ok(Some(k))) if k > 0 => Some(k),
            _ => None,
        },
    };
    if amount.is_none() {
        let text = match c.amount {
            (a, None) => cell(row, a).to_string(),
            (d, Some(k)) => format!("{} / {}", cell(row, d), cell(row, k)),
        };
        errors.push(row_error(
            line,
            "amount",
            &text,
            "invalid_amount",
            "金额无法识别：应为非零金额（借方、贷方只填一个正数）",
        ));
    }
    let balance_text = cell(row, c.balance);
    let balance = parse_amount(balance_text);
    if balance.is_err() {
        errors.push(row_error(
            line,
            "balance",
            balance_text,
            "invalid_balance",
            "余额无法识别",
        ));
    }
    let counterparty = cell(row, c.counterparty);
    if counterparty.chars().count() > 100 {
        errors.push(row_error(
            line,
            "counterparty",
            counterparty,
            "too_long",
            "对方户名不能超过 100 字",
        ));
    }
    let reference = c.reference.map(|i| cell(row, i)).filter(|s| !s.is_empty());
    if reference.is_some_and(|r| r.chars().count() > 64) {
        errors.push(row_error(
            line,
            "reference",
            reference.unwrap_or(""),
            "too_long",
            "流水号不能超过 64 个字符",
        ));
    }
    let memo = c.memo.map(|i| cell(row, i)).filter(|s| !s.is_empty());
    match (day, amount, balance) {
        (Some(day), Some(amount_fen), Ok(balance_fen)) if errors.is_empty() => Ok(BankRow {
            line,
            day,
            amount_fen,
            counterparty: counterparty.to_string(),
            memo: memo.map(|m| shared::sheet::clip(m, 200)),
            reference: reference.map(str::to_string),
            balance_fen,
        }),
        _ => Err(errors),
    }
}

/// Reads the file: its good lines and the bad ones named (a bank reference repeated in
/// the file is refused on every line after its first).
pub fn read(m: &Checked, bytes: &[u8]) -> Result<(Vec<BankRow>, Vec<RowError>), Problem> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(BANK.too_large(format!(
            "银行对账单文件有 {} 字节，一次最多导入 {} MB",
            bytes.len(),
            MAX_FILE_BYTES / 1024 / 1024
        )));
    }
    let sheet = BANK.read(m.format, bytes)?;
    let header = header_of(&sheet, &m.date).ok_or_else(|| {
        BANK.file_error(format!(
            "前 {HEADER_SEARCH_ROWS} 行中没有找到表头（应有“{}”列）",
            m.date
        ))
    })?;
    let data = &sheet.rows[header + 1..];
    if data.len() > BANK.limits.max_rows {
        return Err(BANK.too_large(format!(
            "文件有 {} 行数据，一次最多导入 {} 行，请分批导入",
            data.len(),
            BANK.limits.max_rows
        )));
    }
    let columns = columns(&sheet.rows[header], m)?;
    let (mut good, mut bad) = (Vec::new(), Vec::new());
    let mut seen = std::collections::HashMap::new();
    for row in data.iter().filter(|r| !r.is_blank()) {
        match check_row(row, &columns) {
            Ok(r) => {
                if let Some(first) = r.reference.as_ref().and_then(|x| seen.get(x)) {
                    bad.push(row_error(
                        r.line,
                        "reference",
                        r.reference.as_deref().unwrap_or(""),
                        "duplicate_reference",
                        &format!("流水号与第 {first} 行重复，这一行不导入"),
                    ));
                    continue;
                }
                if let Some(x) = &r.reference {
                    seen.insert(x.clone(), r.line);
                }
                good.push(r);
            }
            Err(errors) => bad.extend(errors),
        }
    }
    Ok((good, bad))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mapping(amount: bool) -> Checked {
        let m = BankMapping {
            mode: None,
            format: None,
            date: "交易日期".into(),
            amount: amount.then(|| "金额".into()),
            debit: (!amount).then(|| "借方".into()),
            credit: (!amount).then(|| "贷方".into()),
            counterparty: "对方户名".into(),
            memo: Some("摘要".into()),
            reference: Some("流水号".into()),
            balance: "余额".into(),
        };
        m.check().unwrap()
    }

    #[test]
    fn lines_are_read_through_the_mapping_and_bad_ones_named() {
        let csv = "某银行对账单\n交易日期,借方,贷方,余额,对方户名,摘要,流水号\n\
            2026/03/01,,\"1,000.00\",1000.00,业主,物业费,B1\n\
            20260302,200.5,,799.50,某保洁公司,保洁费,B2\n\
            2026-03-03,abc,,799.50,x,,B3\n\
            2026-03-04,,10.00,809.50,y,,B2\n";
        let (good, bad) = read(&mapping(false), csv.as_bytes()).unwrap();
        assert_eq!(good.len(), 2);
        assert_eq!(good[0].amount_fen, 100_000);
        assert_eq!(good[0].line, 3);
        assert_eq!(good[1].amount_fen, -20_050);
        assert_eq!(good[1].balance_fen, Some(79_950));
        let codes: Vec<(u32, &str)> = bad.iter().map(|e| (e.line, e.code.as_str())).collect();
        assert_eq!(codes, [(5, "invalid_amount"), (6, "duplicate_reference")]);
    }

    #[test]
    fn a_mapping_needs_an_amount_and_names_missing_columns() {
        let mut m = BankMapping {
            mode: Some("apply".into()),
            format: None,
            date: "日期".into(),
            amount: None,
            debit: Some("借方".into()),
            credit: None,
            counterparty: "对方".into(),
            memo: None,
            reference: None,
            balance: "余额".into(),
        };
        assert!(m.check().is_err());
        m.amount = Some("金额".into());
        m.debit = None;
        let checked = m.check().unwrap();
        assert_eq!(checked.mode, Mode::Apply);
        let e = read(&checked, "日期,金额,对方\n2026-01-01,1,x\n".as_bytes()).unwrap_err();
        assert_eq!(e.status().as_u16(), 422);
        let too_big = vec![b'a'; MAX_FILE_BYTES + 1];
        assert_eq!(read(&checked, &too_big).unwrap_err().status().as_u16(), 413);
    }
}
