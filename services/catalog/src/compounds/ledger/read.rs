//! Reading a ledger file: CSV (UTF-8 or GB18030) or XLSX into a sparse sheet of non-blank
//! cells within the limits, the header row, and each data row's cells by column.

use std::collections::BTreeMap;
use std::io::Cursor;

use axum::body::Bytes;
use calamine::{Data, Reader, Xlsx};
use shared::error::{FieldError, Problem};

use super::archive;
use super::cell::{clip, unescape_cell, yes_no};
use super::format::{
    COLUMNS, MAX_COLUMNS, MAX_ERROR_TEXT_CHARS, MAX_SHEET_BYTES, MAX_SHEET_ROWS, MIB, c,
};
use super::refusal::{file_error, file_problem, too_large, unreadable_workbook};

/// A spreadsheet read as text: each non-blank row with its spreadsheet row number.
#[derive(Debug, Default)]
pub(super) struct Sheet {
    pub(super) rows: Vec<SheetRow>,
}

#[derive(Debug)]
pub(super) struct SheetRow {
    pub(super) line: u32,
    pub(super) cells: Vec<String>,
}

impl SheetRow {
    pub(super) fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// Collects the non-blank cells of one sheet within [`MAX_SHEET_ROWS`], [`MAX_COLUMNS`]
/// and [`MAX_SHEET_BYTES`], whatever order they come in, without allocating for the
/// blank cells around them (a sheet declaring `A1:XFD1048576` costs what its cells do).
#[derive(Debug, Default)]
pub(super) struct SheetBuilder {
    /// By 0-based row index.
    pub(super) rows: BTreeMap<u32, Vec<String>>,
    pub(super) bytes: usize,
}

impl SheetBuilder {
    /// Puts a cell at a 0-based position; a blank cell is skipped wherever it is.
    pub(super) fn put(&mut self, row: u32, col: usize, text: String) -> Result<(), Problem> {
        if text.trim().is_empty() {
            return Ok(());
        }
        if row >= MAX_SHEET_ROWS {
            return Err(too_large(format!(
                "工作表超过 {MAX_SHEET_ROWS} 行（第 {} 行有内容），请删除多余的行或分批导入",
                u64::from(row) + 1
            )));
        }
        if col >= MAX_COLUMNS {
            return Err(too_large(format!(
                "工作表超过 {MAX_COLUMNS} 列（第 {} 行第 {} 列有内容），请删除多余的列",
                u64::from(row) + 1,
                col + 1
            )));
        }
        let cells = self.rows.entry(row).or_default();
        if cells.len() <= col {
            self.bytes += (col + 1 - cells.len()) * std::mem::size_of::<String>();
            cells.resize(col + 1, String::new());
        }
        self.bytes += text.len();
        if self.bytes > MAX_SHEET_BYTES {
            return Err(too_large(format!(
                "工作表内容超过 {} MB，请分批导入",
                MAX_SHEET_BYTES / MIB
            )));
        }
        cells[col] = text;
        Ok(())
    }

    pub(super) fn finish(self) -> Sheet {
        let rows = self
            .rows
            .into_iter()
            .map(|(row, cells)| SheetRow {
                line: row + 1,
                cells,
            })
            .filter(|r| !r.is_blank())
            .collect();
        Sheet { rows }
    }
}

/// Decodes CSV bytes: UTF-8 (a BOM is dropped), else GB18030 (which includes GBK).
pub(super) fn decode_text(bytes: &[u8]) -> Result<String, Problem> {
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

pub(super) fn read_csv(bytes: &[u8]) -> Result<Sheet, Problem> {
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
    let mut sheet = SheetBuilder::default();
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                return Err(file_error(format!("CSV 格式错误（约第 {line} 行）：{e}")));
            }
        }
        // The reader places a record after blank lines at the first of them; skip them.
        let mut byte = record.position().map_or(0, |p| p.byte()) as usize;
        while matches!(text.as_bytes().get(byte), Some(b'\r' | b'\n')) {
            byte += 1;
        }
        // 0-based; past the last counted start it is MAX_SHEET_ROWS or more.
        let row = u32::try_from(starts.partition_point(|&s| s <= byte))
            .unwrap_or(u32::MAX)
            .saturating_sub(1);
        for (col, cell) in record.iter().enumerate() {
            sheet.put(row, col, cell.to_string())?;
        }
    }
    Ok(sheet.finish())
}

/// The byte offsets where the rows of a CSV text begin, as a spreadsheet counts rows:
/// blank lines are rows, line breaks inside a quoted cell are not (RFC 4180 quoting).
/// (The CSV reader's own line count skips blank lines in some cases, so it is not used.)
/// Counts at most one row past [`MAX_SHEET_ROWS`]: a cell beyond is refused anyway.
pub(super) fn row_starts(text: &str) -> Vec<usize> {
    let b = text.as_bytes();
    let mut starts = vec![0];
    let (mut quoted, mut field_start) = (false, true);
    let mut i = 0;
    while i < b.len() && starts.len() <= MAX_SHEET_ROWS as usize {
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
pub(super) fn xlsx_text(cell: &Data) -> String {
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
pub(super) fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// Reads the first sheet with a 小区编码 header (else the first sheet). The archive is
/// checked first ([`archive::check`]: part count, declared and inflated sizes); the
/// sheets are read cell by cell, never as a dense range.
pub(super) fn read_xlsx(bytes: Bytes) -> Result<Sheet, Problem> {
    archive::check(&bytes)?;
    let mut book: Xlsx<_> =
        calamine::open_workbook_from_rs(Cursor::new(bytes)).map_err(unreadable_workbook)?;
    let mut first: Option<Sheet> = None;
    for name in book.sheet_names() {
        let mut cells = match book.worksheet_cells_reader(&name) {
            Ok(cells) => cells,
            // A chart sheet or the like: no cells.
            Err(calamine::XlsxError::NotAWorksheet(_)) => continue,
            Err(e) => return Err(file_error(format!("无法读取工作表“{name}”：{e}"))),
        };
        let mut sheet = SheetBuilder::default();
        while let Some(cell) = cells
            .next_cell()
            .map_err(|e| file_error(format!("无法读取工作表“{name}”：{e}")))?
        {
            let (row, col) = cell.get_position();
            let text = xlsx_text(&Data::from(cell.get_value().clone()));
            sheet.put(row, col as usize, text)?;
        }
        let sheet = sheet.finish();
        if header_index(&sheet).is_some() {
            return Ok(sheet);
        }
        first.get_or_insert(sheet);
    }
    first.ok_or_else(|| file_error("工作簿中没有工作表"))
}

/// How many leading rows may precede the header (titles, notes).
pub(super) const HEADER_SEARCH_ROWS: usize = 10;

/// The index (in `sheet.rows`) of the header row: the first of the first rows with a
/// 小区编码 cell.
pub(super) fn header_index(sheet: &Sheet) -> Option<usize> {
    let key = COLUMNS[c::CODE].header;
    sheet
        .rows
        .iter()
        .take(HEADER_SEARCH_ROWS)
        .position(|r| r.cells.iter().any(|cell| clean_header(cell) == key))
}

pub(super) fn clean_header(cell: &str) -> &str {
    cell.trim_start_matches('\u{feff}').trim()
}

/// Where each ledger column is in the file.
#[derive(Debug)]
pub(super) struct Layout {
    /// For each of [`COLUMNS`], its cell index, if the file has it.
    pub(super) index: [Option<usize>; COLUMNS.len()],
    pub(super) ignored: Vec<String>,
}

pub(super) fn layout(header: &SheetRow) -> Result<Layout, Problem> {
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
            None => ignored.push(clip(name, MAX_ERROR_TEXT_CHARS)),
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
pub(super) struct RowCells<'a> {
    pub(super) line: u32,
    pub(super) cells: [&'a str; COLUMNS.len()],
}

impl<'a> RowCells<'a> {
    pub(super) fn new(layout: &Layout, row: &'a SheetRow) -> Self {
        let mut cells = [""; COLUMNS.len()];
        for (k, idx) in layout.index.iter().enumerate() {
            if let Some(i) = idx {
                cells[k] = row.cells.get(*i).map_or("", |s| unescape_cell(s.trim()));
            }
        }
        Self {
            line: row.line,
            cells,
        }
    }
}
