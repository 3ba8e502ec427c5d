//! What a file is and what an import answers: formats, modes, row errors, limits, the file's
//! kind (its noun, problem codes and header), columns, and the bounded error list.

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::cell::clip;
use crate::error::{FieldError, Problem};

/// The MIME type of an XLSX workbook.
pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

pub(crate) const MIB: usize = 1024 * 1024;

/// At most this many errors are listed in a report; the rest are counted.
pub const MAX_LISTED_ERRORS: usize = 200;

/// A cell's text in an error (`value`, `message`) is cut to this many characters.
pub const MAX_ERROR_TEXT_CHARS: usize = 200;

/// How many leading rows may precede the header (titles, notes).
pub const HEADER_SEARCH_ROWS: usize = 10;

/// A spreadsheet file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum SheetFormat {
    /// Comma-separated values (UTF-8 with or without BOM, or GB18030).
    Csv,
    /// An Excel 2007+ workbook; the first sheet with the file's header is read.
    Xlsx,
}

impl SheetFormat {
    /// The format a `Content-Type` names, if any.
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        let essence = content_type.split(';').next().unwrap_or("").trim();
        match essence.to_ascii_lowercase().as_str() {
            "text/csv" | "application/csv" => Some(Self::Csv),
            XLSX_MIME => Some(Self::Xlsx),
            _ => None,
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => XLSX_MIME,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

/// What an import does with the rows it checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Check every row, write nothing (试导入).
    DryRun,
    /// Import everything, or nothing if any row is bad.
    Strict,
    /// Import the valid rows, report the bad ones.
    GoodRows,
}

/// One bad cell (or row) of an imported file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RowError {
    /// The row number as the spreadsheet shows it (the header row is line 1 when it is
    /// the first row).
    pub line: u32,
    /// The column's header (小区编码, 户数, …).
    pub column: String,
    /// The API field (`code`, `households`, `location`, …).
    pub field: String,
    /// The cell's text as read.
    pub value: String,
    /// Stable machine code (`required`, `invalid_households`, `duplicate_code`, …).
    pub code: String,
    /// Why, in Chinese.
    pub message: String,
}

/// Limits on what one file may make the reader do; each is checked while reading, before
/// the work or memory it bounds is spent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Data rows per file.
    pub max_rows: usize,
    /// The last spreadsheet row a cell may be in (room for titles, notes and blank rows
    /// around `max_rows` data rows); CSV lines count the same way.
    pub max_sheet_rows: u32,
    /// The last column a non-blank cell may be in.
    pub max_columns: usize,
    /// Memory the cells read from one sheet may take (their text plus a slot per cell).
    pub max_sheet_bytes: usize,
}

impl Limits {
    pub const DEFAULT: Self = Self {
        max_rows: 20_000,
        max_sheet_rows: 25_000,
        max_columns: 100,
        max_sheet_bytes: 64 * MIB,
    };
}

/// What a file is: how its problems are named, how its header row is found, its limits.
#[derive(Debug, Clone, Copy)]
pub struct FileKind {
    /// The file's Chinese noun in messages: 台账, 业主名册.
    pub noun: &'static str,
    /// The problem code of a file that cannot be imported (422).
    pub invalid_code: &'static str,
    /// The problem code of a file over a limit (413).
    pub too_large_code: &'static str,
    /// A header cell that marks the header row (小区编码); in a workbook, the first sheet
    /// with it is read.
    pub header_key: &'static str,
    pub limits: Limits,
}

/// A column of a file: its Chinese header and the API field it fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub header: &'static str,
    pub field: &'static str,
    /// Whether a file must have this column (a missing optional column takes the default).
    pub required: bool,
}

impl Column {
    /// A required column.
    pub const fn required(header: &'static str, field: &'static str) -> Self {
        Self {
            header,
            field,
            required: true,
        }
    }

    /// An optional column.
    pub const fn optional(header: &'static str, field: &'static str) -> Self {
        Self {
            header,
            field,
            required: false,
        }
    }
}

impl FileKind {
    /// A file-level problem (unreadable file, no header, missing columns): 422.
    pub fn file_problem(&self, detail: impl Into<String>, errors: Vec<FieldError>) -> Problem {
        Problem::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            self.invalid_code,
            format!("{}文件无法导入", self.noun),
        )
        .with_detail(detail)
        .with_errors(errors)
    }

    /// A file-level problem with one message, on the field `file`.
    pub fn file_error(&self, message: impl Into<String>) -> Problem {
        let message = message.into();
        self.file_problem(
            message.clone(),
            vec![FieldError::new("file", self.invalid_code, message)],
        )
    }

    /// A file over one of the reader's limits: 413, the message naming the limit.
    pub fn too_large(&self, message: impl Into<String>) -> Problem {
        let message = message.into();
        Problem::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            self.too_large_code,
            format!("{}文件超出导入限制", self.noun),
        )
        .with_detail(message.clone())
        .with_errors(vec![FieldError::new("file", self.too_large_code, message)])
    }

    pub(super) fn unreadable_workbook(&self, e: impl std::fmt::Display) -> Problem {
        self.file_error(format!(
            "无法读取 Excel 工作簿（须是 .xlsx 格式；.xls 请先另存为 .xlsx）：{e}"
        ))
    }
}

/// The errors a report lists (the first [`MAX_LISTED_ERRORS`], their cell text cut to
/// [`MAX_ERROR_TEXT_CHARS`]), how many there are, and what was left out, in Chinese.
pub fn listed(mut errors: Vec<RowError>) -> (Vec<RowError>, usize, Option<String>) {
    let total = errors.len();
    let note = (total > MAX_LISTED_ERRORS).then(|| {
        let mut lines: Vec<u32> = errors[MAX_LISTED_ERRORS..].iter().map(|e| e.line).collect();
        let (from, to) = (lines[0], lines[lines.len() - 1]);
        lines.dedup();
        format!(
            "共 {total} 个错误，只列出前 {MAX_LISTED_ERRORS} 个；另有 {} 个错误未列出（涉及 {} 行，第 {from} 至 {to} 行）",
            total - MAX_LISTED_ERRORS,
            lines.len(),
        )
    });
    errors.truncate(MAX_LISTED_ERRORS);
    for e in &mut errors {
        e.value = clip(&e.value, MAX_ERROR_TEXT_CHARS);
        e.message = clip(&e.message, MAX_ERROR_TEXT_CHARS);
    }
    (errors, total, note)
}
