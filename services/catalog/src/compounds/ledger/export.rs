//! Writing the ledger: the same columns and values as the import reads, in CSV and XLSX.

use anyhow::Context;

use super::cell::{escape_cell, yes_no};
use super::format::COLUMNS;
use crate::compounds::Compound;

/// One exported cell.
pub(super) enum Cell {
    Text(String),
    Int(i64),
    Float(f64),
    Date(time::Date),
    Empty,
}

pub(super) fn export_row(c: &Compound) -> [Cell; COLUMNS.len()] {
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
/// row per compound. A text cell that a spreadsheet would take for a formula is escaped
/// with a leading `'` ([`escape_cell`]; the import takes it off again).
pub fn export_csv(compounds: &[Compound]) -> anyhow::Result<Vec<u8>> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut w = csv::Writer::from_writer(&mut out);
        w.write_record(COLUMNS.iter().map(|c| c.header))?;
        for compound in compounds {
            let row = export_row(compound).map(|cell| match cell {
                Cell::Text(s) => escape_cell(s),
                Cell::Int(i) => i.to_string(),
                Cell::Float(f) => format!("{f}"),
                Cell::Date(d) => d
                    .format(super::super::DATE_FORMAT)
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
