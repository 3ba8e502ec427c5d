//! Writing the ledger: the same columns and values as the import reads, in CSV and XLSX.

use shared::sheet::Column;

use super::check::yes_no;
use super::format::COLUMNS;
use crate::compounds::Compound;
use shared::sheet::write::{self, Cell};

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
/// row per compound, formula-escaped text (the import takes the escape off again).
pub fn export_csv(compounds: &[Compound]) -> anyhow::Result<Vec<u8>> {
    write::csv(&COLUMNS, compounds.iter().map(|c| export_row(c).into()))
}

/// The ledger as an XLSX workbook: one sheet 小区台账 with a bold, frozen header row;
/// numbers as numbers, codes as text, dates as date cells.
pub fn export_xlsx(compounds: &[Compound]) -> anyhow::Result<Vec<u8>> {
    let width = |column: &Column| match column.field {
        "name" | "address" => 28.0,
        "community" => 16.0,
        _ => 12.0,
    };
    write::xlsx(
        "小区台账",
        &COLUMNS,
        &width,
        compounds.iter().map(|c| export_row(c).into()),
    )
}
