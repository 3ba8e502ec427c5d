//! Reading a file: CSV (UTF-8 or GB18030) or XLSX into a sparse sheet of non-blank cells
//! within the limits.

use std::collections::BTreeMap;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};

use super::archive;
use super::cell::{clean_header, clip, unescape_cell};
use super::kind::{Column, FileKind, HEADER_SEARCH_ROWS, MAX_ERROR_TEXT_CHARS, MIB, SheetFormat};
use crate::error::{FieldError, Problem};

/// A spreadsheet read as text: each non-blank row with its spreadsheet row number.
#[derive(Debug, Default)]
pub struct Sheet {
    pub rows: Vec<SheetRow>,
}

#[derive(Debug)]
pub struct SheetRow {
    /// The row number as the spreadsheet shows it.
    pub line: u32,
    pub cells: Vec<String>,
}

impl SheetRow {
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// Collects the non-blank cells of one sheet within the kind's limits, whatever order they
/// come in, without allocating for the blank cells around them (a sheet declaring
/// `A1:XFD1048576` costs what its cells do).
struct SheetBuilder<'k> {
    kind: &'k FileKind,
    /// By 0-based row index.
    rows: BTreeMap<u32, Vec<String>>,
    bytes: usize,
}

impl<'k> SheetBuilder<'k> {
    fn new(kind: &'k FileKind) -> Self {
        Self {
            kind,
            rows: BTreeMap::new(),
            bytes: 0,
        }
    }

    /// Puts a cell at a 0-based position; a blank cell is skipped wherever it is.
    fn put(&mut self, row: u32, col: usize, text: String) -> Result<(), Problem> {
        let limits = &self.kind.limits;
        if text.trim().is_empty() {
            return Ok(());
        }
        if crate::control_chars::has_forbidden(&text) {
            return Err(self.kind.file_error(format!(
                "第 {} 行第 {} 列{}",
                u64::from(row) + 1,
                col + 1,
                crate::control_chars::MESSAGE
            )));
        }
        if row >= limits.max_sheet_rows {
            return Err(self.kind.too_large(format!(
                "工作表超过 {} 行（第 {} 行有内容），请删除多余的行或分批导入",
                limits.max_sheet_rows,
                u64::from(row) + 1
            )));
        }
        if col >= limits.max_columns {
            return Err(self.kind.too_large(format!(
                "工作表超过 {} 列（第 {} 行第 {} 列有内容），请删除多余的列",
                limits.max_columns,
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
        if self.bytes > limits.max_sheet_bytes {
            return Err(self.kind.too_large(format!(
                "工作表内容超过 {} MB，请分批导入",
                limits.max_sheet_bytes / MIB
            )));
        }
        cells[col] = text;
        Ok(())
    }

    fn finish(self) -> Sheet {
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
fn decode_text(kind: &FileKind, bytes: &[u8]) -> Result<String, Problem> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(s.to_string());
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .map(|s| s.into_owned())
        .ok_or_else(|| {
            kind.file_error(
                "无法识别文件的文字编码，请在 Excel 中“另存为 CSV UTF-8（逗号分隔）”后重新导入",
            )
        })
}

pub(super) fn read_csv(kind: &FileKind, bytes: &[u8]) -> Result<Sheet, Problem> {
    if bytes.starts_with(b"PK\x03\x04") {
        return Err(kind.file_error("文件是 Excel 工作簿（XLSX），请以 format=xlsx 导入"));
    }
    let text = decode_text(kind, bytes)?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let starts = row_starts(&text, kind.limits.max_sheet_rows);
    let mut sheet = SheetBuilder::new(kind);
    let mut record = csv::StringRecord::new();
    loop {
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let line = e.position().map(|p| p.line()).unwrap_or(0);
                return Err(kind.file_error(format!("CSV 格式错误（约第 {line} 行）：{e}")));
            }
        }
        // The reader places a record after blank lines at the first of them; skip them.
        let mut byte = record.position().map_or(0, |p| p.byte()) as usize;
        while matches!(text.as_bytes().get(byte), Some(b'\r' | b'\n')) {
            byte += 1;
        }
        // 0-based; past the last counted start it is the row limit or more.
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
/// Counts at most one row past `max_rows`: a cell beyond is refused anyway.
pub(super) fn row_starts(text: &str, max_rows: u32) -> Vec<usize> {
    let b = text.as_bytes();
    let mut starts = vec![0];
    let (mut quoted, mut field_start) = (false, true);
    let mut i = 0;
    while i < b.len() && starts.len() <= max_rows as usize {
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
        Data::Bool(b) => if *b { "是" } else { "否" }.to_string(),
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
pub fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

/// Reads the first sheet with the kind's header key in its first rows (else the first
/// sheet). The archive is checked first ([`archive::check`]: part count, declared and
/// inflated sizes); the sheets are read cell by cell, never as a dense range.
pub(super) fn read_xlsx(kind: &FileKind, bytes: &[u8]) -> Result<Sheet, Problem> {
    archive::check(kind, bytes)?;
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(Cursor::new(bytes))
        .map_err(|e| kind.unreadable_workbook(e))?;
    let mut first: Option<Sheet> = None;
    for name in book.sheet_names() {
        let mut cells = match book.worksheet_cells_reader(&name) {
            Ok(cells) => cells,
            // A chart sheet or the like: no cells.
            Err(calamine::XlsxError::NotAWorksheet(_)) => continue,
            Err(e) => return Err(kind.file_error(format!("无法读取工作表“{name}”：{e}"))),
        };
        let mut sheet = SheetBuilder::new(kind);
        while let Some(cell) = cells
            .next_cell()
            .map_err(|e| kind.file_error(format!("无法读取工作表“{name}”：{e}")))?
        {
            let (row, col) = cell.get_position();
            let text = xlsx_text(&Data::from(cell.get_value().clone()));
            sheet.put(row, col as usize, text)?;
        }
        let sheet = sheet.finish();
        let has_header = sheet
            .rows
            .iter()
            .take(HEADER_SEARCH_ROWS)
            .any(|r| r.cells.iter().any(|c| clean_header(c) == kind.header_key));
        if has_header {
            return Ok(sheet);
        }
        first.get_or_insert(sheet);
    }
    first.ok_or_else(|| kind.file_error("工作簿中没有工作表"))
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
    /// Reads a file into a sparse sheet within the limits (see the module docs). A
    /// workbook calamine cannot read, or one that makes it panic (an inverted sheet
    /// dimension overflows a subtraction in calamine 0.38), is a bad file, not a server
    /// error.
    pub fn read(&self, format: SheetFormat, bytes: &[u8]) -> Result<Sheet, Problem> {
        let sheet = match format {
            SheetFormat::Csv => read_csv(self, bytes)?,
            SheetFormat::Xlsx => {
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read_xlsx(self, bytes)))
                    .unwrap_or_else(|_| {
                        Err(self.unreadable_workbook(
                            "工作簿的结构有误，请在 Excel 中打开并另存为 .xlsx 后重新导入",
                        ))
                    })?
            }
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

#[cfg(test)]
mod tests {
    use super::super::kind::{Limits, SheetFormat};
    use super::*;

    const KIND: FileKind = FileKind {
        noun: "测试",
        invalid_code: "invalid_test_file",
        too_large_code: "test_file_too_large",
        header_key: "编号",
        limits: Limits {
            max_rows: 10,
            max_sheet_rows: 20,
            max_columns: 5,
            max_sheet_bytes: 4096,
        },
    };

    #[test]
    fn rows_count_as_a_spreadsheet_shows_them() {
        let text = "标题\n\n编号,名称\n\"A\",\"两行\n名称\"\n\nB,x\n";
        let sheet = KIND.read(SheetFormat::Csv, text.as_bytes()).unwrap();
        let lines: Vec<u32> = sheet.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [1, 3, 4, 6]);
        let crlf = KIND
            .read(SheetFormat::Csv, text.replace('\n', "\r\n").as_bytes())
            .unwrap();
        assert_eq!(crlf.rows.iter().map(|r| r.line).collect::<Vec<_>>(), lines);
    }

    #[test]
    fn limits_are_refused_with_413_naming_them() {
        let far = format!("编号\n{}x\n", "\n".repeat(25));
        let e = KIND.read(SheetFormat::Csv, far.as_bytes()).unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (413, "test_file_too_large"));
        assert!(e.detail.unwrap().contains("超过 20 行"));
        let wide = "编号,a,b,c,d,e,f\n";
        let e = KIND.read(SheetFormat::Csv, wide.as_bytes()).unwrap_err();
        assert!(e.detail.unwrap().contains("超过 5 列"));
        let heavy = format!("编号,{}\n", "x".repeat(5000));
        assert_eq!(
            KIND.read(SheetFormat::Csv, heavy.as_bytes())
                .unwrap_err()
                .status,
            413
        );
    }

    #[test]
    fn a_cell_with_a_control_character_is_refused_naming_where() {
        let text = "编号,名称\n1,锦官\u{0}驿\n";
        let e = KIND.read(SheetFormat::Csv, text.as_bytes()).unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (422, "invalid_test_file"));
        assert!(
            e.detail
                .unwrap()
                .contains("第 2 行第 2 列含有不允许的控制字符")
        );
    }

    #[test]
    fn gbk_and_bom_are_read_and_garbage_is_a_422() {
        let (gbk, _, _) = encoding_rs::GBK.encode("编号,名称\n1,锦官驿\n");
        let sheet = KIND.read(SheetFormat::Csv, &gbk).unwrap();
        assert_eq!(sheet.rows[1].cells[1], "锦官驿");
        let bom = "\u{feff}编号\n1\n";
        assert_eq!(
            KIND.read(SheetFormat::Csv, bom.as_bytes())
                .unwrap()
                .rows
                .len(),
            2
        );
        let e = KIND.read(SheetFormat::Xlsx, b"not a zip").unwrap_err();
        assert_eq!((e.status, e.code.as_str()), (422, "invalid_test_file"));
        let e = KIND.read(SheetFormat::Csv, b"").unwrap_err();
        assert_eq!(e.status, 422);
    }
}
