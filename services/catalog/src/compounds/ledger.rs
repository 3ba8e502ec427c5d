//! The ledger (台账) as the files districts keep: import from CSV or XLSX, export to both.
//!
//! **Columns.** A ledger file has one header row with the Chinese column names of
//! [`COLUMNS`] (小区编码, 小区名称, …), in any order; unknown columns are ignored (and
//! listed in the report), rows above the header (a title such as "锦江区老旧小区台账") are
//! skipped. Values are written as districts write them: 管理方式 无物业/自管/物业企业/其他,
//! 自治组织 无/业主委员会/物业管理委员会/院委会, booleans 是/否 (also 有/无, Y/N, true/false,
//! 1/0), dates `YYYY-MM-DD` (also `YYYY/M/D`, `YYYY.M.D`, or an Excel date cell). CSV may be
//! UTF-8 with or without BOM, or GB18030/GBK (what Excel writes on a Chinese Windows).
//!
//! **Import.** Every row is checked by the same [`validate`](super::validate) as the API,
//! plus: its street must be in the importer's [`Reach`]; an existing compound with the
//! same code must be in reach too; a code may appear only once in a file (every row with
//! a repeated code is refused, since the file does not say which one is right). Each
//! error names the row as the spreadsheet shows it (`line`, the header row being line 1
//! when it is the first row), the column, the API field, the cell's value and a Chinese
//! reason. Then, by [`ImportMode`]: `dry_run` writes nothing and says what an import
//! would do; `strict` imports nothing unless every row is valid; `good_rows` imports the
//! valid rows. Rows are matched to compounds by code: a new code creates a compound, a
//! changed row updates it, an identical row is `unchanged` and writes nothing (so
//! importing the same file twice changes nothing and emits no feed change). All writes
//! of one import are one transaction.
//!
//! **Export** writes the same columns and values, so an exported file imports unchanged.

use std::collections::{HashMap, HashSet};
use std::io::Cursor;

use anyhow::Context;
use axum::body::Bytes;
use axum::http::StatusCode;
use calamine::{Data, Reader, Xlsx};
use serde::{Deserialize, Serialize};
use shared::db::Db;
use shared::error::{FieldError, Problem};
use shared::feed::{Notifier, WriteTx};
use utoipa::ToSchema;

use super::input::{CompoundInput, FacilitiesInput, LocationInput, validate};
use super::{Compound, CompoundFacts, Reach, TOPIC, store};

/// The MIME type of an XLSX workbook.
pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// At most this many data rows per file.
pub const MAX_ROWS: usize = 20_000;

/// A ledger file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LedgerFormat {
    /// Comma-separated values (UTF-8 with or without BOM, or GB18030).
    Csv,
    /// An Excel 2007+ workbook; the first sheet with a 小区编码 header is read.
    Xlsx,
}

impl LedgerFormat {
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
    /// The column's header (小区编码, 户数, …); `经度/纬度` for the coordinates together.
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

/// The answer to an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImportReport {
    pub mode: ImportMode,
    pub format: LedgerFormat,
    /// Whether this import wrote its changes: false for a dry run and for a strict import
    /// refused because of bad rows.
    pub committed: bool,
    /// Data rows in the file (blank rows not counted).
    pub rows_total: usize,
    /// Rows without any error.
    pub rows_valid: usize,
    /// Compounds created (in a dry run: that would be created).
    pub created: usize,
    /// Compounds changed (in a dry run: that would be changed).
    pub updated: usize,
    /// Valid rows identical to the compound already held.
    pub unchanged: usize,
    /// Header columns that are not ledger columns and were ignored.
    pub ignored_columns: Vec<String>,
    /// Every error, by line then column.
    pub errors: Vec<RowError>,
}

/// A ledger column: its Chinese header and the API field it fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub header: &'static str,
    pub field: &'static str,
    /// Whether a file must have this column (a missing optional column takes the default).
    pub required: bool,
}

const fn col(header: &'static str, field: &'static str) -> Column {
    Column {
        header,
        field,
        required: true,
    }
}

/// The ledger's columns, in export order.
pub const COLUMNS: [Column; 23] = [
    col("小区编码", "code"),
    col("小区名称", "name"),
    col("地址", "address"),
    col("区县代码", "district"),
    col("街道代码", "street"),
    col("社区", "community"),
    col("经度", "location.lon"),
    col("纬度", "location.lat"),
    col("建成年份", "year_built"),
    col("楼栋数", "buildings"),
    col("户数", "households"),
    col("建筑面积", "floor_area_m2"),
    col("管理方式", "management"),
    col("消防设施", "facilities.fire_safety"),
    col("视频监控", "facilities.video_surveillance"),
    col("门禁", "facilities.access_control"),
    col("垃圾分类投放点", "facilities.garbage_sorting_points"),
    col("停车位", "facilities.parking_spaces"),
    col("电梯", "facilities.elevators"),
    col("自治组织", "governance_body"),
    Column {
        header: "自治组织成立日期",
        field: "governance_formed_on",
        required: false,
    },
    col("符合条件且业主自愿", "eligible_and_willing"),
    Column {
        header: "是否老旧小区",
        field: "is_old",
        required: false,
    },
];

/// Indexes into [`COLUMNS`].
mod c {
    pub const CODE: usize = 0;
    pub const NAME: usize = 1;
    pub const ADDRESS: usize = 2;
    pub const DISTRICT: usize = 3;
    pub const STREET: usize = 4;
    pub const COMMUNITY: usize = 5;
    pub const LON: usize = 6;
    pub const LAT: usize = 7;
    pub const YEAR_BUILT: usize = 8;
    pub const BUILDINGS: usize = 9;
    pub const HOUSEHOLDS: usize = 10;
    pub const FLOOR_AREA: usize = 11;
    pub const MANAGEMENT: usize = 12;
    pub const FIRE_SAFETY: usize = 13;
    pub const VIDEO: usize = 14;
    pub const ACCESS: usize = 15;
    pub const GARBAGE: usize = 16;
    pub const PARKING: usize = 17;
    pub const ELEVATORS: usize = 18;
    pub const GOVERNANCE: usize = 19;
    pub const FORMED_ON: usize = 20;
    pub const ELIGIBLE: usize = 21;
    pub const IS_OLD: usize = 22;
}

/// A spreadsheet read as text: each non-blank row with its spreadsheet row number.
#[derive(Debug, Default)]
struct Sheet {
    rows: Vec<SheetRow>,
}

#[derive(Debug)]
struct SheetRow {
    line: u32,
    cells: Vec<String>,
}

impl SheetRow {
    fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// A file-level problem (unreadable file, no header, missing columns): 422.
fn file_problem(detail: impl Into<String>, errors: Vec<FieldError>) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_ledger_file",
        "台账文件无法导入",
    )
    .with_detail(detail)
    .with_errors(errors)
}

fn file_error(message: impl Into<String>) -> Problem {
    let message = message.into();
    file_problem(
        message.clone(),
        vec![FieldError::new("file", "invalid_ledger_file", message)],
    )
}

/// Decodes CSV bytes: UTF-8 (a BOM is dropped), else GB18030 (which includes GBK).
fn decode_text(bytes: &[u8]) -> Result<String, Problem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|s| s.into_owned())
        .ok_or_else(|| {
            file_error(
                "无法识别文件的文字编码，请在 Excel 中“另存为 CSV UTF-8（逗号分隔）”后重新导入",
            )
        })
}

fn read_csv(bytes: &[u8]) -> Result<Sheet, Problem> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(file_error(
            "文件是 Excel 工作簿（XLSX），请以 format=xlsx 导入",
        ));
    }
    let text = decode_text(bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let starts = row_starts(&text);
    let mut sheet = Sheet::default();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map(|p| p.line()).unwrap_or(0);
            file_error(format!("CSV 格式错误（约第 {line} 行）：{e}"))
        })?;
        // The reader places a record after blank lines at the first of them; skip them.
        let mut byte = record.position().map_or(0, |p| p.byte()) as usize;
        while matches!(text.as_bytes().get(byte), Some(b'\r' | b'\n')) {
            byte += 1;
        }
        let line = u32::try_from(starts.partition_point(|&s| s <= byte)).unwrap_or(u32::MAX);
        let row = SheetRow {
            line,
            cells: record.iter().map(str::to_string).collect(),
        };
        if !row.is_blank() {
            sheet.rows.push(row);
        }
    }
    Ok(sheet)
}

/// The byte offsets where the rows of a CSV text begin, as a spreadsheet counts rows:
/// blank lines are rows, line breaks inside a quoted cell are not (RFC 4180 quoting).
/// (The CSV reader's own line count skips blank lines in some cases, so it is not used.)
fn row_starts(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut starts = vec![0];
    let (mut quoted, mut field_start) = (false, true);
    let mut i = 0;
    while i < b.len() {
        let ch = b[i];
        if quoted {
            if ch == b'"' {
                if b.get(i + 1) == Some(&b'"') {
                    i += 1;
                } else {
                    quoted = false;
                }
            }
            field_start = false;
        } else {
            field_start = match ch {
                b'"' if field_start => {
                    quoted = true;
                    false
                }
                b',' => true,
                b'\n' => {
                    starts.push(i + 1);
                    true
                }
                b'\r' => {
                    if b.get(i + 1) != Some(&b'\n') {
                        starts.push(i + 1);
                    }
                    true
                }
                _ => false,
            };
        }
        i += 1;
    }
    starts
}

/// An XLSX cell as the text a user sees (numbers without a trailing `.0`, dates as
/// `YYYY-MM-DD`, booleans as 是/否).
fn xlsx_text(cell: &Data) -> String {
    match cell {
        Data::Empty => String::new(),
        Data::String(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => yes_no(*b).to_string(),
        Data::DateTime(dt) if dt.is_datetime() => {
            let (y, m, d, ..) = dt.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{d:02}")
        }
        Data::DateTime(dt) => number_text(dt.as_f64()),
        Data::DateTimeIso(s) => s.get(..10).unwrap_or(s).to_string(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => format!("#{e:?}"),
    }
}

/// A number as text: whole numbers without a fraction, others in the shortest form that
/// reads back as the same `f64`.
fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

fn read_xlsx(bytes: Bytes) -> Result<Sheet, Problem> {
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(|e| {
        file_error(format!(
            "无法读取 Excel 工作簿（须是 .xlsx 格式；.xls 请先另存为 .xlsx）：{e}"
        ))
    })?;
    let mut first: Option<Sheet> = None;
    for name in book.sheet_names() {
        let range = book
            .worksheet_range(&name)
            .map_err(|e| file_error(format!("无法读取工作表“{name}”：{e}")))?;
        let start_row = range.start().map(|(r, _)| r).unwrap_or(0);
        let mut sheet = Sheet::default();
        for (i, cells) in range.rows().enumerate() {
            let row = SheetRow {
                line: start_row + i as u32 + 1,
                cells: cells.iter().map(xlsx_text).collect(),
            };
            if !row.is_blank() {
                sheet.rows.push(row);
            }
        }
        if header_index(&sheet).is_some() {
            return Ok(sheet);
        }
        first.get_or_insert(sheet);
    }
    first.ok_or_else(|| file_error("工作簿中没有工作表"))
}

/// How many leading rows may precede the header (titles, notes).
const HEADER_SEARCH_ROWS: usize = 10;

/// The index (in `sheet.rows`) of the header row: the first of the first rows with a
/// 小区编码 cell.
fn header_index(sheet: &Sheet) -> Option<usize> {
    let key = COLUMNS[c::CODE].header;
    sheet
        .rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .position(|r| r.cells.iter().any(|cell| clean_header(cell) == key))
}

fn clean_header(cell: &str) -> &str {
    cell.trim_start_matches('\u{feff}').trim()
}

/// Where each ledger column is in the file.
#[derive(Debug)]
struct Layout {
    /// For each of [`COLUMNS`], its cell index, if the file has it.
    index: [Option<usize>; COLUMNS.len()],
    ignored: Vec<String>,
}

fn layout(header: &SheetRow) -> Result<Layout, Problem> {
    let mut index = [None; COLUMNS.len()];
    let mut ignored = Vec::new();
    let mut errors = Vec::new();
    for (i, cell) in header.cells.iter().enumerate() {
        let name = clean_header(cell);
        if name.is_empty() {
            continue;
        }
        match COLUMNS.iter().position(|c| c.header == name) {
            Some(k) if index[k].is_some() => errors.push(FieldError::new(
                name,
                "duplicate_column",
                format!("第 {} 行表头中“{name}”列出现了不止一次", header.line),
            )),
            Some(k) => index[k] = Some(i),
            None => ignored.push(name.to_string()),
        }
    }
    for (k, column) in COLUMNS.iter().enumerate() {
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
        Err(file_problem(
            format!(
                "第 {} 行表头不完整或有重复列，请使用导出的台账模板的列名。",
                header.line
            ),
            errors,
        ))
    }
}

/// A row's cells by ledger column.
struct RowCells<'a> {
    line: u32,
    cells: [&'a str; COLUMNS.len()],
}

impl<'a> RowCells<'a> {
    fn new(layout: &Layout, row: &'a SheetRow) -> Self {
        let mut cells = [""; COLUMNS.len()];
        for (k, idx) in layout.index.iter().enumerate() {
            if let Some(i) = idx {
                cells[k] = row.cells.get(*i).map(|s| s.trim()).unwrap_or("");
            }
        }
        Self {
            line: row.line,
            cells,
        }
    }
}

/// Turns one row's cells into the API's form, noting cells that are not even the right
/// kind of value (a word where a number belongs).
struct RowReader<'a> {
    row: &'a RowCells<'a>,
    errors: Vec<RowError>,
}

impl RowReader<'_> {
    fn error(&mut self, k: usize, code: &str, message: String) {
        self.errors.push(RowError {
            line: self.row.line,
            column: COLUMNS[k].header.to_string(),
            field: COLUMNS[k].field.to_string(),
            value: self.row.cells[k].to_string(),
            code: code.to_string(),
            message,
        });
    }

    fn text(&self, k: usize) -> Option<String> {
        let s = self.row.cells[k];
        (!s.is_empty()).then(|| s.to_string())
    }

    fn int(&mut self, k: usize) -> Option<i64> {
        let s = self.row.cells[k];
        if s.is_empty() {
            return None;
        }
        match parse_number(s) {
            Some(f) if f.fract() == 0.0 && f.abs() < 9e15 => Some(f as i64),
            _ => {
                self.error(
                    k,
                    "not_an_integer",
                    format!("{}应为整数", COLUMNS[k].header),
                );
                None
            }
        }
    }

    /// A whole number of square metres; a decimal area is rounded to the nearest m².
    fn area(&mut self, k: usize) -> Option<i64> {
        let s = self.row.cells[k];
        if s.is_empty() {
            return None;
        }
        match parse_number(s) {
            Some(f) if f.abs() < 9e15 => Some(f.round() as i64),
            _ => {
                self.error(
                    k,
                    "not_a_number",
                    format!("{}应为数字（平方米）", COLUMNS[k].header),
                );
                None
            }
        }
    }

    fn float(&mut self, k: usize) -> Option<f64> {
        let s = self.row.cells[k];
        if s.is_empty() {
            return None;
        }
        let parsed = parse_number(s);
        if parsed.is_none() {
            self.error(
                k,
                "not_a_number",
                format!("{}应为数字（度）", COLUMNS[k].header),
            );
        }
        parsed
    }

    fn boolean(&mut self, k: usize) -> Option<bool> {
        let s = self.row.cells[k];
        if s.is_empty() {
            return None;
        }
        let parsed = parse_yes_no(s);
        if parsed.is_none() {
            self.error(
                k,
                "not_yes_no",
                format!("{}应填“是”或“否”", COLUMNS[k].header),
            );
        }
        parsed
    }
}

fn parse_number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|f| f.is_finite())
}

fn parse_yes_no(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "是" | "有" | "y" | "yes" | "true" | "1" | "√" => Some(true),
        "否" | "无" | "n" | "no" | "false" | "0" | "×" => Some(false),
        _ => None,
    }
}

fn yes_no(b: bool) -> &'static str {
    if b { "是" } else { "否" }
}

/// `2021/6/18`, `2021.6.18`, `2021-6-18` → `2021-06-18`; anything else unchanged (and
/// then refused by validation).
fn normalize_date(s: &str) -> String {
    let parts: Vec<&str> = s.split(['-', '/', '.']).collect();
    if let [y, m, d] = parts.as_slice()
        && y.len() == 4
        && (1..=2).contains(&m.len())
        && (1..=2).contains(&d.len())
        && [y, m, d]
            .iter()
            .all(|p| p.bytes().all(|b| b.is_ascii_digit()))
    {
        return format!("{y}-{m:0>2}-{d:0>2}");
    }
    s.to_string()
}

/// A checked row: its facts, or why not.
#[derive(Debug)]
struct CheckedRow {
    line: u32,
    /// The code cell as written (for duplicate detection even when the row is bad).
    code: String,
    facts: Option<CompoundFacts>,
    errors: Vec<RowError>,
}

fn check_row(row: &RowCells<'_>) -> CheckedRow {
    let mut r = RowReader {
        row,
        errors: Vec::new(),
    };
    let input = CompoundInput {
        code: r.text(c::CODE),
        name: r.text(c::NAME),
        address: r.text(c::ADDRESS),
        district: r.text(c::DISTRICT),
        street: r.text(c::STREET),
        community: r.text(c::COMMUNITY),
        location: Some(LocationInput {
            lon: r.float(c::LON),
            lat: r.float(c::LAT),
        }),
        year_built: r.int(c::YEAR_BUILT),
        buildings: r.int(c::BUILDINGS),
        households: r.int(c::HOUSEHOLDS),
        floor_area_m2: r.area(c::FLOOR_AREA),
        management: r.text(c::MANAGEMENT),
        facilities: Some(FacilitiesInput {
            fire_safety: r.boolean(c::FIRE_SAFETY),
            video_surveillance: r.boolean(c::VIDEO),
            access_control: r.boolean(c::ACCESS),
            garbage_sorting_points: r.int(c::GARBAGE),
            parking_spaces: r.int(c::PARKING),
            elevators: r.int(c::ELEVATORS),
        }),
        governance_body: r.text(c::GOVERNANCE),
        governance_formed_on: r.text(c::FORMED_ON).map(|s| normalize_date(&s)),
        eligible_and_willing: r.boolean(c::ELIGIBLE),
        is_old: r.boolean(c::IS_OLD),
    };
    let mut errors = r.errors;
    let already: HashSet<String> = errors.iter().map(|e| e.field.clone()).collect();
    let facts = match validate(&input) {
        Ok(facts) => Some(facts),
        Err(field_errors) => {
            for e in field_errors {
                if already.contains(&e.field) {
                    continue;
                }
                errors.push(row_error(row, e));
            }
            None
        }
    };
    CheckedRow {
        line: row.line,
        code: row.cells[c::CODE].to_string(),
        facts: if errors.is_empty() { facts } else { None },
        errors,
    }
}

/// A validation error of the form, told in the file's terms.
fn row_error(row: &RowCells<'_>, e: FieldError) -> RowError {
    let (column, value) = if e.field == "location" {
        (
            format!("{}/{}", COLUMNS[c::LON].header, COLUMNS[c::LAT].header),
            format!("{}, {}", row.cells[c::LON], row.cells[c::LAT]),
        )
    } else if let Some(k) = COLUMNS.iter().position(|col| col.field == e.field) {
        (COLUMNS[k].header.to_string(), row.cells[k].to_string())
    } else {
        (String::new(), String::new())
    };
    let message = if e.code == "required" && !column.is_empty() {
        match e.field.as_str() {
            "governance_formed_on" => e.message,
            _ => format!("{column}不能为空"),
        }
    } else {
        e.message
    };
    RowError {
        line: row.line,
        column,
        field: e.field,
        value,
        code: e.code,
        message,
    }
}

/// Reads and checks a whole file (no database): the rows, and the ignored columns.
fn check_file(
    format: LedgerFormat,
    bytes: Bytes,
) -> Result<(Vec<CheckedRow>, Vec<String>), Problem> {
    let sheet = match format {
        LedgerFormat::Csv => read_csv(&bytes)?,
        LedgerFormat::Xlsx => read_xlsx(bytes)?,
    };
    if sheet.rows.is_empty() {
        return Err(file_error("文件是空的"));
    }
    let header = header_index(&sheet).ok_or_else(|| {
        file_error(format!(
            "前 {HEADER_SEARCH_ROWS} 行中没有找到表头（应有“小区编码”“小区名称”等列名）"
        ))
    })?;
    let layout = layout(&sheet.rows[header])?;
    let data = &sheet.rows[header + 1..];
    if data.len() > MAX_ROWS {
        return Err(file_error(format!(
            "文件有 {} 行数据，一次最多导入 {MAX_ROWS} 行，请分批导入",
            data.len()
        )));
    }
    let rows = data
        .iter()
        .map(|row| check_row(&RowCells::new(&layout, row)))
        .collect();
    Ok((rows, layout.ignored))
}

/// Refuses every row whose code appears more than once in the file.
fn refuse_duplicate_codes(rows: &mut [CheckedRow]) {
    let mut lines: HashMap<String, Vec<u32>> = HashMap::new();
    for r in rows.iter().filter(|r| !r.code.is_empty()) {
        lines.entry(r.code.clone()).or_default().push(r.line);
    }
    for r in rows.iter_mut() {
        if let Some(ls) = lines.get(&r.code).filter(|ls| ls.len() > 1) {
            let list = ls
                .iter()
                .map(|l| l.to_string())
                .collect::<Vec<_>>()
                .join("、");
            r.errors.push(RowError {
                line: r.line,
                column: COLUMNS[c::CODE].header.into(),
                field: COLUMNS[c::CODE].field.into(),
                value: r.code.clone(),
                code: "duplicate_code".into(),
                message: format!("小区编码 {} 在文件中重复出现（第 {list} 行）", r.code),
            });
            r.facts = None;
        }
    }
}

/// Refuses rows whose street is outside the importer's reach.
fn refuse_out_of_reach(rows: &mut [CheckedRow], reach: &Reach) {
    for r in rows.iter_mut() {
        let Some(facts) = &r.facts else { continue };
        if !reach.covers(facts.street) {
            r.errors.push(RowError {
                line: r.line,
                column: COLUMNS[c::STREET].header.into(),
                field: COLUMNS[c::STREET].field.into(),
                value: facts.street.as_str().into(),
                code: "out_of_reach".into(),
                message: format!(
                    "该小区位于{}{}，不在您的管辖范围（{}）内",
                    facts.street.district().name(),
                    facts.street.name(),
                    reach.describe()
                ),
            });
            r.facts = None;
        }
    }
}

/// What importing the valid rows does to the stored compounds.
#[derive(Debug, Default)]
struct Plan {
    /// New and changed compounds in file order, `true` for new.
    changes: Vec<(Compound, bool)>,
    unchanged: usize,
}

/// Matches valid rows to stored compounds by code. A row whose code belongs to a compound
/// outside the importer's reach becomes a row error.
async fn plan(
    conn: &mut sqlx::AnyConnection,
    reach: &Reach,
    rows: &mut [CheckedRow],
) -> Result<Plan, sqlx::Error> {
    let codes: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.facts.as_ref().map(|f| f.code.as_str()))
        .collect();
    let existing = store::fetch_by_codes(conn, &codes).await?;
    let mut plan = Plan::default();
    for r in rows.iter_mut() {
        let Some(facts) = r.facts.take() else {
            continue;
        };
        match existing.get(&facts.code) {
            Some(old) if !reach.covers(old.facts.street) => {
                r.errors.push(RowError {
                    line: r.line,
                    column: COLUMNS[c::CODE].header.into(),
                    field: COLUMNS[c::CODE].field.into(),
                    value: facts.code.clone(),
                    code: "out_of_reach".into(),
                    message: format!(
                        "编码为 {} 的小区已登记在{}{}，不在您的管辖范围（{}）内",
                        facts.code,
                        old.facts.street.district().name(),
                        old.facts.street.name(),
                        reach.describe()
                    ),
                });
            }
            Some(old) if old.facts == facts => {
                plan.unchanged += 1;
                r.facts = Some(facts);
            }
            Some(old) => {
                plan.changes.push((old.with_facts(facts.clone()), false));
                r.facts = Some(facts);
            }
            None => {
                plan.changes.push((Compound::new(facts.clone()), true));
                r.facts = Some(facts);
            }
        }
    }
    Ok(plan)
}

/// An import's result: the report, and whether a strict import was refused (422).
#[derive(Debug)]
pub struct ImportOutcome {
    pub report: ImportReport,
    pub refused: bool,
}

/// Imports a ledger file for an official whose reach is `reach`; see the module docs.
/// File-level problems (unreadable file, no header, missing columns) are a 422 problem;
/// row problems are in the report.
pub async fn import(
    db: &Db,
    notifier: &Notifier,
    reach: Reach,
    format: LedgerFormat,
    mode: ImportMode,
    bytes: Bytes,
) -> crate::error::Result<ImportOutcome> {
    let (mut rows, ignored_columns) =
        tokio::task::spawn_blocking(move || check_file(format, bytes))
            .await
            .context("joining the ledger parser")??;
    refuse_duplicate_codes(&mut rows);
    refuse_out_of_reach(&mut rows, &reach);

    let mut conn = db.pool.acquire().await?;
    let mut plan = plan(&mut conn, &reach, &mut rows).await?;
    drop(conn);
    let has_errors = |rows: &[CheckedRow]| rows.iter().any(|r| !r.errors.is_empty());
    let mut refused = mode == ImportMode::Strict && has_errors(&rows);
    let writes = matches!(mode, ImportMode::Strict | ImportMode::GoodRows);

    if writes && !refused && !plan.changes.is_empty() {
        let mut tx = WriteTx::begin(db, notifier).await?;
        // Plan again under the feed-head lock, so that a change committed since the first
        // look cannot slip between the check and the write.
        plan = self::plan(tx.conn(), &reach, &mut rows).await?;
        refused = mode == ImportMode::Strict && has_errors(&rows);
        if !refused {
            let compounds: Vec<Compound> = plan.changes.iter().map(|(c, _)| c.clone()).collect();
            store::upsert(tx.conn(), &compounds).await?;
            for (compound, created) in &plan.changes {
                let kind = if *created { "created" } else { "updated" };
                tx.emit(TOPIC, &compound.id, kind, compound).await?;
            }
            tx.commit().await?;
        }
    }

    let mut errors: Vec<RowError> = rows.iter_mut().flat_map(|r| r.errors.drain(..)).collect();
    errors.sort_by_key(|e| (e.line, column_order(&e.column)));
    let rows_total = rows.len();
    let rows_valid = rows.iter().filter(|r| r.facts.is_some()).count();
    let (created, updated, unchanged) = if refused {
        (0, 0, 0)
    } else {
        let created = plan.changes.iter().filter(|(_, c)| *c).count();
        (created, plan.changes.len() - created, plan.unchanged)
    };
    Ok(ImportOutcome {
        report: ImportReport {
            mode,
            format,
            committed: writes && !refused,
            rows_total,
            rows_valid,
            created,
            updated,
            unchanged,
            ignored_columns,
            errors,
        },
        refused,
    })
}

fn column_order(column: &str) -> usize {
    // `经度/纬度` (the coordinates together) sorts with 经度.
    COLUMNS
        .iter()
        .position(|c| c.header == column)
        .or_else(|| COLUMNS.iter().position(|c| column.starts_with(c.header)))
        .unwrap_or(COLUMNS.len())
}

/// One exported cell.
enum Cell {
    Text(String),
    Int(i64),
    Float(f64),
    Date(time::Date),
    Empty,
}

fn export_row(c: &Compound) -> [Cell; COLUMNS.len()] {
    let f = &c.facts;
    let yn = |b: bool| Cell::Text(yes_no(b).into());
    [
        Cell::Text(f.code.clone()),
        Cell::Text(f.name.clone()),
        Cell::Text(f.address.clone()),
        Cell::Text(f.district.as_str().into()),
        Cell::Text(f.street.as_str().into()),
        Cell::Text(f.community.clone()),
        Cell::Float(f.location.lon()),
        Cell::Float(f.location.lat()),
        Cell::Int(f.year_built.into()),
        Cell::Int(f.buildings.get().into()),
        Cell::Int(f.households.get().into()),
        Cell::Int(f.floor_area_m2.get() as i64),
        Cell::Text(f.management.label_zh().into()),
        yn(f.facilities.fire_safety),
        yn(f.facilities.video_surveillance),
        yn(f.facilities.access_control),
        Cell::Int(f.facilities.garbage_sorting_points.into()),
        Cell::Int(f.facilities.parking_spaces.into()),
        Cell::Int(f.facilities.elevators.into()),
        Cell::Text(f.governance_body.label_zh().into()),
        f.governance_formed_on.map_or(Cell::Empty, Cell::Date),
        yn(f.eligible_and_willing),
        yn(f.is_old),
    ]
}

/// The ledger as CSV: UTF-8 with a BOM (so Excel shows the Chinese), the header row, one
/// row per compound.
pub fn export_csv(compounds: &[Compound]) -> anyhow::Result<Vec<u8>> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(COLUMNS.iter().map(|c| c.header))?;
        for compound in compounds {
            let row = export_row(compound).map(|cell| match cell {
                Cell::Text(s) => s,
                Cell::Int(i) => i.to_string(),
                Cell::Float(f) => format!("{f}"),
                Cell::Date(d) => d
                    .format(super::DATE_FORMAT)
                    .unwrap_or_else(|_| d.to_string()),
                Cell::Empty => String::new(),
            });
            w.write_record(&row)?;
        }
        w.flush()?;
    }
    Ok(out)
}

/// The ledger as an XLSX workbook: one sheet 小区台账 with a bold, frozen header row;
/// numbers as numbers, codes as text, dates as date cells.
pub fn export_xlsx(compounds: &[Compound]) -> anyhow::Result<Vec<u8>> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("小区台账")?;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (k, column) in COLUMNS.iter().enumerate() {
        let k = k as u16;
        sheet.write_string_with_format(0, k, column.header, &bold)?;
        let width = match column.field {
            "name" | "address" => 28.0,
            "community" => 16.0,
            _ => 12.0,
        };
        sheet.set_column_width(k, width)?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (i, compound) in compounds.iter().enumerate() {
        let row = u32::try_from(i + 1).context("too many rows for a worksheet")?;
        for (k, cell) in export_row(compound).into_iter().enumerate() {
            let k = k as u16;
            match cell {
                Cell::Text(s) => {
                    sheet.write_string(row, k, s)?;
                }
                Cell::Int(n) => {
                    sheet.write_number(row, k, n as f64)?;
                }
                Cell::Float(f) => {
                    sheet.write_number(row, k, f)?;
                }
                Cell::Date(d) => {
                    let dt = ExcelDateTime::from_ymd(d.year() as u16, d.month() as u8, d.day())?;
                    sheet.write_datetime_with_format(row, k, &dt, &date)?;
                }
                Cell::Empty => {}
            }
        }
    }
    Ok(book.save_to_buffer()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const HEADER: &str = "小区编码,小区名称,地址,区县代码,街道代码,社区,经度,纬度,建成年份,楼栋数,户数,建筑面积,管理方式,消防设施,视频监控,门禁,垃圾分类投放点,停车位,电梯,自治组织,自治组织成立日期,符合条件且业主自愿,是否老旧小区";

    fn good_row(code: &str) -> String {
        format!(
            "{code},锦官驿小区,水津街12号,510104,510104017,水井坊社区,104.083,30.652,1995,6,480,42000.4,无物业,是,否,有,2,40,0,业委会,2021/6/18,是,是"
        )
    }

    fn check(text: &str) -> Result<(Vec<CheckedRow>, Vec<String>), Problem> {
        check_file(LedgerFormat::Csv, Bytes::from(text.as_bytes().to_vec()))
    }

    #[test]
    fn a_good_row_reads_like_the_api_form() {
        let (rows, ignored) = check(&format!("{HEADER},备注\n{},旧\n", good_row("A1"))).unwrap();
        assert_eq!(ignored, vec!["备注".to_string()]);
        assert_eq!(rows.len(), 1);
        assert!(rows[0].errors.is_empty(), "{:?}", rows[0].errors);
        let facts = rows[0].facts.as_ref().unwrap();
        assert_eq!(rows[0].line, 2);
        assert_eq!(facts.floor_area_m2.get(), 42_000, "areas round to whole m²");
        assert!(facts.facilities.access_control);
        assert_eq!(
            facts.governance_formed_on,
            Some(time::macros::date!(2021 - 06 - 18))
        );
    }

    #[test]
    fn bom_title_rows_blank_rows_and_multi_line_cells_keep_line_numbers() {
        let text = format!(
            "\u{feff}锦江区老旧小区台账,,\n\n{HEADER}\n{}\n\"A2\",\"两行\n名称\",x\n\n{}\n",
            good_row("A1"),
            good_row("A3").replace("480", "-5")
        );
        let (rows, _) = check(&text).unwrap();
        let lines: Vec<u32> = rows.iter().map(|r| r.line).collect();
        // title 1, blank 2, header 3, A1 4, A2 5 (spanning two physical lines), blank 6, A3 7
        assert_eq!(lines, vec![4, 5, 7]);
        // The same with Windows line ends, as Excel writes them.
        let (crlf, _) = check(&text.replace('\n', "\r\n")).unwrap();
        assert_eq!(crlf.iter().map(|r| r.line).collect::<Vec<_>>(), lines);
        assert!(rows[0].errors.is_empty());
        let households = rows[2]
            .errors
            .iter()
            .find(|e| e.field == "households")
            .unwrap();
        assert_eq!(households.column, "户数");
        assert_eq!(households.value, "-5");
        assert_eq!(households.message, "户数必须大于 0");
    }

    #[test]
    fn gbk_files_are_read() {
        let text = format!("{HEADER}\n{}\n", good_row("G1"));
        let (bytes, _, _) = encoding_rs::GBK.encode(&text);
        let (rows, _) = check_file(LedgerFormat::Csv, Bytes::from(bytes.into_owned())).unwrap();
        assert_eq!(rows[0].facts.as_ref().unwrap().name, "锦官驿小区");
    }

    #[test]
    fn words_in_number_cells_are_one_error_each() {
        let row = good_row("B1")
            .replace(",6,480,", ",六,480,")
            .replace(",是,否,有,", ",也许,否,有,");
        let (rows, _) = check(&format!("{HEADER}\n{row}\n")).unwrap();
        let errs: Vec<(&str, &str)> = rows[0]
            .errors
            .iter()
            .map(|e| (e.column.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            errs,
            vec![("楼栋数", "not_an_integer"), ("消防设施", "not_yes_no")]
        );
    }

    #[test]
    fn missing_columns_are_a_file_problem() {
        let header = HEADER.replace(",户数", "");
        let problem = check(&format!("{header}\n")).unwrap_err();
        assert_eq!(problem.code, "invalid_ledger_file");
        assert_eq!(problem.errors[0].field, "户数");
        assert_eq!(check("a,b\n1,2\n").unwrap_err().code, "invalid_ledger_file");
        assert_eq!(check("").unwrap_err().code, "invalid_ledger_file");
    }

    #[test]
    fn duplicate_codes_refuse_every_occurrence() {
        let text = format!(
            "{HEADER}\n{}\n{}\n{}\n",
            good_row("D1"),
            good_row("D2"),
            good_row("D1")
        );
        let (mut rows, _) = check(&text).unwrap();
        refuse_duplicate_codes(&mut rows);
        assert!(rows[0].facts.is_none() && rows[2].facts.is_none());
        assert!(rows[1].facts.is_some());
        assert_eq!(
            rows[0].errors[0].message,
            "小区编码 D1 在文件中重复出现（第 2、4 行）"
        );
    }

    #[test]
    fn values_read_as_users_write_them() {
        assert_eq!(normalize_date("2021/6/8"), "2021-06-08");
        assert_eq!(normalize_date("2021.12.31"), "2021-12-31");
        assert_eq!(normalize_date("昨天"), "昨天");
        assert_eq!(parse_yes_no(" 是 "), Some(true));
        assert_eq!(parse_yes_no("无"), Some(false));
        assert_eq!(parse_yes_no("TRUE"), Some(true));
        assert_eq!(parse_yes_no("maybe"), None);
        assert_eq!(number_text(510104.0), "510104");
        assert_eq!(number_text(104.0661), "104.0661");
        assert_eq!(
            LedgerFormat::from_content_type("text/csv; charset=utf-8"),
            Some(LedgerFormat::Csv)
        );
        assert_eq!(
            LedgerFormat::from_content_type(XLSX_MIME),
            Some(LedgerFormat::Xlsx)
        );
    }
}
