//! Spreadsheets as offices keep them (CSV in UTF-8 or GB18030, XLSX), read as hostile input
//! within named limits and written back so that an export imports unchanged: the compound
//! ledger (台账), the owner register (业主名册), bank statements.
//!
//! A [`FileKind`] says what a file is (its Chinese noun, its problem codes, the header cell
//! that finds its header row, its [`Limits`]). Reading ([`FileKind::read`]) bounds what a
//! file may make the reader do before doing it, and refuses a file over a limit with 413 and
//! a Chinese message that names the limit; sheets are read cell by cell, keeping only
//! non-blank cells, so a sheet's declared dimension costs nothing; an XLSX archive's parts are
//! checked before calamine opens it ([`archive`]). [`FileKind::layout`] finds the columns of a
//! header row, [`Layout::cells`] a data row's cells by column, [`listed`] bounds a report's
//! errors. [`write`] makes CSV (formula-escaped) and XLSX.

pub mod archive;
mod read;
pub mod write;

use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::{FieldError, Problem};

pub use read::{Sheet, SheetRow, number_text};

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

/// Where each column of a file is.
#[derive(Debug)]
pub struct Layout {
    /// For each column (in the order given to [`FileKind::layout`]), its cell index, if the
    /// file has it.
    pub index: Vec<Option<usize>>,
    /// Header cells that are no column of the file, ignored.
    pub ignored: Vec<String>,
}

impl Layout {
    /// A data row's cells by column (`""` for a column the file lacks), trimmed and with
    /// the export's formula escape taken off.
    pub fn cells<'a>(&self, row: &'a SheetRow) -> Vec<&'a str> {
        self.index
            .iter()
            .map(|idx| {
                idx.and_then(|i| row.cells.get(i))
                    .map_or("", |s| unescape_cell(s.trim()))
            })
            .collect()
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

    pub(crate) fn unreadable_workbook(&self, e: impl std::fmt::Display) -> Problem {
        self.file_error(format!(
            "无法读取 Excel 工作簿（须是 .xlsx 格式；.xls 请先另存为 .xlsx）：{e}"
        ))
    }

    /// Reads a file into a sparse sheet within the limits (see the module docs). A
    /// workbook calamine cannot read, or one that makes it panic (an inverted sheet
    /// dimension overflows a subtraction in calamine 0.38), is a bad file, not a server
    /// error.
    pub fn read(&self, format: SheetFormat, bytes: &[u8]) -> Result<Sheet, Problem> {
        let sheet = match format {
            SheetFormat::Csv => read::read_csv(self, bytes)?,
            SheetFormat::Xlsx => std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                read::read_xlsx(self, bytes)
            }))
            .unwrap_or_else(|_| {
                Err(self.unreadable_workbook(
                    "工作簿的结构有误，请在 Excel 中打开并另存为 .xlsx 后重新导入",
                ))
            })?,
        };
        if sheet.rows.is_empty() {
            return Err(self.file_error("文件是空的"));
        }
        Ok(sheet)
    }

    /// The index (in `sheet.rows`) of the header row: the first of the first
    /// [`HEADER_SEARCH_ROWS`] rows with a [`FileKind::header_key`] cell.
    pub fn header_index(&self, sheet: &Sheet) -> Option<usize> {
        sheet.rows.iter().take(HEADER_SEARCH_ROWS).position(|r| {
            r.cells
                .iter()
                .any(|cell| clean_header(cell) == self.header_key)
        })
    }

    /// The header row and the data rows after it, refusing a file without a header (in its
    /// first rows) or with more data rows than the limit.
    pub fn split_header<'s>(
        &self,
        sheet: &'s Sheet,
        expected: &str,
    ) -> Result<(&'s SheetRow, &'s [SheetRow]), Problem> {
        let header = self.header_index(sheet).ok_or_else(|| {
            self.file_error(format!(
                "前 {HEADER_SEARCH_ROWS} 行中没有找到表头（应有{expected}等列名）"
            ))
        })?;
        let data = &sheet.rows[header + 1..];
        if data.len() > self.limits.max_rows {
            return Err(self.too_large(format!(
                "文件有 {} 行数据，一次最多导入 {} 行，请分批导入",
                data.len(),
                self.limits.max_rows
            )));
        }
        Ok((&sheet.rows[header], data))
    }

    /// Where each of `columns` is in a header row; refuses a missing required column and a
    /// column named twice, every one named.
    pub fn layout(&self, header: &SheetRow, columns: &[Column]) -> Result<Layout, Problem> {
        let mut index = vec![None; columns.len()];
        let mut ignored = Vec::new();
        let mut errors = Vec::new();
        for (i, cell) in header.cells.iter().enumerate() {
            let name = clean_header(cell);
            if name.is_empty() {
                continue;
            }
            match columns.iter().position(|c| c.header == name) {
                Some(k) if index[k].is_some() => errors.push(FieldError::new(
                    name,
                    "duplicate_column",
                    format!("第 {} 行表头中“{name}”列出现了不止一次", header.line),
                )),
                Some(k) => index[k] = Some(i),
                None => ignored.push(clip(name, MAX_ERROR_TEXT_CHARS)),
            }
        }
        for (k, column) in columns.iter().enumerate() {
            if column.required && index[k].is_none() {
                errors.push(FieldError::new(
                    column.header,
                    "missing_column",
                    format!("缺少“{}”列", column.header),
                ));
            }
        }
        if errors.is_empty() {
            Ok(Layout { index, ignored })
        } else {
            Err(self.file_problem(
                format!(
                    "第 {} 行表头不完整或有重复列，请使用导出的{}模板的列名。",
                    header.line, self.noun
                ),
                errors,
            ))
        }
    }
}

/// A header cell without a BOM and surrounding blanks.
pub fn clean_header(cell: &str) -> &str {
    cell.trim_start_matches('\u{feff}').trim()
}

/// The characters that make a spreadsheet read a cell as a formula when they begin it.
pub const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// A text cell as exported to CSV: one that a spreadsheet would run as a formula
/// (`=HYPERLINK(…)`, `+1`, `@SUM(…)`) gets a leading `'`, so it shows as the text it is.
pub fn escape_cell(s: String) -> String {
    if s.starts_with(FORMULA_STARTS) {
        format!("'{s}")
    } else {
        s
    }
}

/// The inverse of [`escape_cell`] on import, so an exported file imports unchanged.
pub fn unescape_cell(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if rest.starts_with(FORMULA_STARTS) => rest,
        _ => s,
    }
}

/// At most `chars` characters of `s`, with `…` when cut.
pub fn clip(s: &str, chars: usize) -> String {
    match s.char_indices().nth(chars) {
        Some((end, _)) => format!("{}…", &s[..end]),
        None => s.to_string(),
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

#[cfg(test)]
mod tests {
    use super::*;

    const KIND: FileKind = FileKind {
        noun: "测试",
        invalid_code: "invalid_test_file",
        too_large_code: "test_file_too_large",
        header_key: "编号",
        limits: Limits::DEFAULT,
    };

    const COLUMNS: [Column; 3] = [
        Column::required("编号", "code"),
        Column::required("名称", "name"),
        Column::optional("备注", "note"),
    ];

    #[test]
    fn a_layout_finds_columns_in_any_order_and_names_what_is_missing() {
        let sheet = KIND
            .read(
                SheetFormat::Csv,
                "标题\n名称,其他,编号\nA,x,'=1\n".as_bytes(),
            )
            .unwrap();
        let (header, data) = KIND.split_header(&sheet, "“编号”").unwrap();
        let layout = KIND.layout(header, &COLUMNS).unwrap();
        assert_eq!(layout.ignored, ["其他"]);
        assert_eq!(layout.cells(&data[0]), ["=1", "A", ""]);
        let missing = KIND
            .layout(
                &SheetRow {
                    line: 1,
                    cells: vec!["编号".into()],
                },
                &COLUMNS,
            )
            .unwrap_err();
        assert_eq!(missing.code, "invalid_test_file");
        assert_eq!(missing.errors[0].message, "缺少“名称”列");
    }

    #[test]
    fn formula_cells_escape_and_come_back() {
        for s in ["=SUM(A1)", "+1", "-2", "@x", "\tx", "plain", "'quoted"] {
            assert_eq!(unescape_cell(&escape_cell(s.to_string())), s);
        }
        assert_eq!(escape_cell("=1".into()), "'=1");
    }

    #[test]
    fn reports_list_a_bounded_number_of_errors() {
        let errors: Vec<RowError> = (0..250)
            .map(|i| RowError {
                line: i + 2,
                column: "编号".into(),
                field: "code".into(),
                value: "x".repeat(300),
                code: "bad".into(),
                message: "坏".into(),
            })
            .collect();
        let (listed, total, note) = listed(errors);
        assert_eq!((listed.len(), total), (MAX_LISTED_ERRORS, 250));
        assert_eq!(listed[0].value.chars().count(), MAX_ERROR_TEXT_CHARS + 1);
        assert!(note.unwrap().contains("另有 50 个错误未列出"));
    }
}
