//! Writing the register: the import's columns and values, in CSV and XLSX, so an exported
//! file imports back unchanged (idempotent: every row `unchanged`).

use shared::domain::Holder;
use shared::sheet::Column;
use shared::sheet::write::{self, Cell};

use super::file::{COLUMNS, UNSOLD};
use super::store::Unit;

fn row(u: &Unit) -> Vec<Cell> {
    let text = |s: &str| {
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::Text(s.to_string())
        }
    };
    let (names, phones, status) = match &u.holder {
        Holder::Developer => (String::new(), String::new(), UNSOLD),
        Holder::Owners(owners) => {
            let names: Vec<&str> = owners.iter().map(|o| o.name()).collect();
            let mut phones: Vec<&str> = owners
                .iter()
                .map(|o| o.phone().map_or("", |p| p.as_str()))
                .collect();
            while phones.last().is_some_and(|p| p.is_empty()) {
                phones.pop();
            }
            (names.join("、"), phones.join("、"), "")
        }
    };
    vec![
        text(u.label.building()),
        text(u.label.unit()),
        text(u.label.room()),
        Cell::Float(u.area.centi() as f64 / 100.0),
        text(&names),
        text(&phones),
        text(status),
    ]
}

/// The live units as CSV: UTF-8 with a BOM, the header row, formula-escaped text.
pub fn csv(units: &[Unit]) -> anyhow::Result<Vec<u8>> {
    write::csv(&COLUMNS, units.iter().filter(|u| !u.removed).map(row))
}

/// The live units as an XLSX workbook: one sheet 业主名册, a bold and frozen header row,
/// areas as numbers, labels as text.
pub fn xlsx(units: &[Unit]) -> anyhow::Result<Vec<u8>> {
    let width = |column: &Column| match column.field {
        "owners" => 24.0,
        "phones" => 28.0,
        "area" => 16.0,
        _ => 10.0,
    };
    write::xlsx(
        "业主名册",
        &COLUMNS,
        &width,
        units.iter().filter(|u| !u.removed).map(row),
    )
}

#[cfg(test)]
mod tests {
    use super::super::check::{CheckedRow, check_file};
    use super::*;
    use axum::body::Bytes;
    use shared::domain::{ExclusiveArea, Owner, PhoneNumber, UnitLabel};
    use shared::sheet::SheetFormat;

    fn unit(room: &str, area: &str, holder: Holder) -> Unit {
        Unit {
            id: room.into(),
            compound_id: "c".into(),
            label: UnitLabel::parse("3栋", "", room).unwrap(),
            area: ExclusiveArea::parse(area).unwrap(),
            holder,
            version: 1,
            removed: false,
            updated_by: "x".into(),
            updated_at: 0,
        }
    }

    fn units() -> Vec<Unit> {
        let owner = |n: &str, p: Option<&str>| {
            Owner::new(n, p.map(|p| PhoneNumber::parse(p).unwrap())).unwrap()
        };
        vec![
            unit(
                "101",
                "89.57",
                Holder::owners(vec![
                    owner("=HYPERLINK(\"x\")", Some("13800000001")),
                    owner("李四", None),
                ])
                .unwrap(),
            ),
            unit(
                "102",
                "0.07",
                Holder::owners(vec![
                    owner("王五", None),
                    owner("赵六", Some("028-12345678")),
                ])
                .unwrap(),
            ),
            unit("103", "100000", Holder::Developer),
        ]
    }

    fn back(rows: Vec<CheckedRow>) -> Vec<(UnitLabel, ExclusiveArea, Holder)> {
        rows.into_iter()
            .map(|r| {
                let u = r.unit.unwrap_or_else(|| panic!("{:?}", r.errors));
                (u.label, u.area, u.holder)
            })
            .collect()
    }

    #[test]
    fn an_export_imports_back_unchanged_in_both_formats() {
        let units = units();
        let expected: Vec<_> = units
            .iter()
            .map(|u| (u.label.clone(), u.area, u.holder.clone()))
            .collect();
        let csv_bytes = csv(&units).unwrap();
        let text = String::from_utf8(csv_bytes.clone()).unwrap();
        assert!(text.contains("'=HYPERLINK"), "{text}");
        let (rows, _) = check_file(SheetFormat::Csv, Bytes::from(csv_bytes)).unwrap();
        assert_eq!(back(rows), expected);
        let (rows, _) = check_file(SheetFormat::Xlsx, Bytes::from(xlsx(&units).unwrap())).unwrap();
        assert_eq!(back(rows), expected);
    }
}
