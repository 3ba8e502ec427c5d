//! Writing a file people open in a spreadsheet: CSV (UTF-8 with a BOM, formula-escaped
//! text) and XLSX (a bold, frozen header row; numbers as numbers, text as text, dates as
//! date cells), with the same columns and values an import reads back.

use anyhow::Context;

use super::cell::escape_cell;
use super::kind::Column;

/// One exported cell.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Float(f64),
    Date(time::Date),
    Empty,
}

const DATE: &[time::format_description::FormatItem<'static>] =
    time::macros::format_description!("[year]-[month]-[day]");

/// CSV: UTF-8 with a BOM (so Excel shows the Chinese), the header row, one row per record.
/// A text cell that a spreadsheet would take for a formula is escaped with a leading `'`
/// ([`escape_cell`]; the import takes it off again).
pub fn csv(
    columns: &[Column],
    rows: impl IntoIterator<Item = Vec<Cell>>,
) -> anyhow::Result<Vec<u8>> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(columns.iter().map(|c| c.header))?;
        for row in rows {
            let row = row.into_iter().map(|cell| match cell {
                Cell::Text(s) => escape_cell(s),
                Cell::Int(i) => i.to_string(),
                Cell::Float(f) => format!("{f}"),
                Cell::Date(d) => d.format(DATE).unwrap_or_else(|_| d.to_string()),
                Cell::Empty => String::new(),
            });
            w.write_record(row)?;
        }
        w.flush()?;
    }
    Ok(out)
}

/// XLSX: one sheet named `sheet_name`, a bold and frozen header row, each column `widths`
/// wide where given (else 12).
pub fn xlsx(
    sheet_name: &str,
    columns: &[Column],
    widths: &dyn Fn(&Column) -> f64,
    rows: impl IntoIterator<Item = Vec<Cell>>,
) -> anyhow::Result<Vec<u8>> {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(sheet_name)?;
    let bold = Format::new().set_bold();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    for (k, column) in columns.iter().enumerate() {
        let k = u16::try_from(k).context("too many columns")?;
        sheet.write_string_with_format(0, k, column.header, &bold)?;
        sheet.set_column_width(k, widths(column))?;
    }
    sheet.set_freeze_panes(1, 0)?;
    for (i, cells) in rows.into_iter().enumerate() {
        let row = u32::try_from(i + 1).context("too many rows for a worksheet")?;
        for (k, cell) in cells.into_iter().enumerate() {
            let k = u16::try_from(k).context("too many columns")?;
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
