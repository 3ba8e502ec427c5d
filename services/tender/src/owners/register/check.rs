//! Checking a register file's rows: each row's cells through the same check as the API's
//! unit ([`super::input::check`]), every problem named by line and column in Chinese; a unit
//! named on more than one row is refused on all of them.

use std::collections::HashMap;

use axum::body::Bytes;
use shared::error::Problem;
use shared::sheet::{RowError, SheetFormat, SheetRow};

use super::file::{COLUMNS, OWNER_SEPARATORS, REGISTER, UNSOLD, c, canonical_header};
use super::input::{CheckedUnit, Part, UnitText, check};
use super::store::key_of;

/// One data row: its line as the spreadsheet shows it, the unit when the row is valid, and
/// its errors.
#[derive(Debug)]
pub struct CheckedRow {
    pub line: u32,
    pub unit: Option<CheckedUnit>,
    pub errors: Vec<RowError>,
}

fn error(line: u32, k: usize, value: &str, code: &str, message: String) -> RowError {
    RowError {
        line,
        column: COLUMNS[k].header.to_string(),
        field: COLUMNS[k].field.to_string(),
        value: value.to_string(),
        code: code.to_string(),
        message,
    }
}

/// `张三、李四` → `["张三", "李四"]` (empty parts dropped).
fn names(cell: &str) -> Vec<&str> {
    cell.split(OWNER_SEPARATORS)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// `13800000001、` → `["13800000001"]`; an empty part keeps its place (that owner has no
/// phone), trailing empty parts are dropped.
fn phones(cell: &str) -> Vec<&str> {
    let mut parts: Vec<&str> = cell.split(OWNER_SEPARATORS).map(str::trim).collect();
    while parts.last().is_some_and(|p| p.is_empty()) {
        parts.pop();
    }
    parts
}

/// 状态: empty (or 已售) for an owner's unit, 未售 (also 未交付, 开发商 …) for one the
/// developer still holds.
pub fn parse_status(cell: &str) -> Option<bool> {
    match cell.trim() {
        "" | "已售" | "已交付" | "正常" => Some(false),
        UNSOLD | "未交付" | "未售出" | "开发商" | "建设单位" | "开发建设单位" => {
            Some(true)
        }
        _ => None,
    }
}

/// Checks one row's cells (by [`COLUMNS`]).
pub fn check_row(line: u32, cells: &[&str]) -> CheckedRow {
    let mut errors = Vec::new();
    let developer = parse_status(cells[c::STATUS]).unwrap_or_else(|| {
        errors.push(error(
            line,
            c::STATUS,
            cells[c::STATUS],
            "invalid_status",
            format!("状态应留空，或填“{UNSOLD}”（开发建设单位未出售或尚未交付的房屋）"),
        ));
        false
    });
    let names = names(cells[c::OWNERS]);
    let phones = phones(cells[c::PHONES]);
    if phones.len() > names.len().max(1) || (!phones.is_empty() && names.is_empty() && !developer) {
        errors.push(error(
            line,
            c::PHONES,
            cells[c::PHONES],
            "phones_without_owners",
            format!(
                "联系电话有 {} 个，业主姓名只有 {} 个：请按业主的顺序填写电话，用“、”分隔",
                phones.len(),
                names.len()
            ),
        ));
    }
    let text = UnitText {
        building: cells[c::BUILDING],
        unit: cells[c::UNIT],
        room: cells[c::ROOM],
        area: cells[c::AREA],
        developer,
        owners: if developer && names.is_empty() && !phones.is_empty() {
            // Phones without names on an unsold unit: said once, by the check below.
            vec![("", phones[0])]
        } else {
            names
                .iter()
                .enumerate()
                .map(|(i, n)| (*n, phones.get(i).copied().unwrap_or("")))
                .collect()
        },
    };
    let several = text.owners.len() > 1;
    let unit = match check(&text) {
        Ok(unit) if errors.is_empty() => Some(unit),
        Ok(_) => None,
        Err(list) => {
            for (part, e) in list {
                let (k, whose) = match part {
                    Part::Building => (c::BUILDING, None),
                    Part::Unit => (c::UNIT, None),
                    Part::Room => (c::ROOM, None),
                    Part::Area => (c::AREA, None),
                    Part::Owners => (c::OWNERS, None),
                    Part::Name(i) => (c::OWNERS, Some(i)),
                    Part::Phone(i) => (c::PHONES, Some(i)),
                };
                let message = match whose {
                    Some(i) if several => format!("第 {} 位业主：{}", i + 1, e.message),
                    _ => e.message,
                };
                errors.push(error(line, k, cells[k], e.code, message));
            }
            None
        }
    };
    errors.sort_by_key(|e| COLUMNS.iter().position(|c| c.header == e.column));
    CheckedRow { line, unit, errors }
}

/// Reads a register file and checks each data row; the header names the register's columns
/// in any order (others are ignored and listed). A file that cannot be read, has no
/// header or lacks a column is a 422 problem; one over a limit a 413.
pub fn check_file(
    format: SheetFormat,
    bytes: Bytes,
) -> Result<(Vec<CheckedRow>, Vec<String>), Problem> {
    let sheet = REGISTER.read(format, &bytes)?;
    let expected = "“楼栋”“房号”“专有部分面积(㎡)”“业主姓名”";
    let (header, data) = REGISTER.split_header(&sheet, expected)?;
    let header = SheetRow {
        line: header.line,
        cells: header
            .cells
            .iter()
            .map(|cell| canonical_header(cell).map_or_else(|| cell.clone(), str::to_string))
            .collect(),
    };
    let layout = REGISTER.layout(&header, &COLUMNS)?;
    let rows = data
        .iter()
        .filter(|r| !r.is_blank())
        .map(|r| check_row(r.line, &layout.cells(r)))
        .collect();
    Ok((rows, layout.ignored))
}

/// A unit named on more than one row: every such row is refused (the file does not say
/// which is right), with one error at its first line giving the count.
pub fn refuse_repeated_units(rows: &mut [CheckedRow]) {
    let mut seen: HashMap<String, (usize, u32)> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        if let Some(u) = &r.unit {
            seen.entry(key_of(&u.label))
                .and_modify(|(_, n)| *n += 1)
                .or_insert((i, 1));
        }
    }
    let mut first_of: HashMap<String, usize> = HashMap::new();
    for (key, (first, n)) in seen {
        if n > 1 {
            first_of.insert(key, first);
            let r = &mut rows[first];
            let (label, line) = (
                r.unit
                    .as_ref()
                    .map(|u| u.label.to_string())
                    .unwrap_or_default(),
                r.line,
            );
            r.errors.push(error(
                line,
                c::ROOM,
                &label,
                "duplicate_unit",
                format!("房屋 {label} 在文件中出现了 {n} 次（首次在第 {line} 行），这些行都未导入"),
            ));
        }
    }
    for r in rows.iter_mut() {
        if r.unit
            .as_ref()
            .is_some_and(|u| first_of.contains_key(&key_of(&u.label)))
        {
            r.unit = None;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::domain::Holder;

    const HEADER: &str = "楼栋,单元,房号,专有部分面积（㎡）,业主姓名,联系电话,状态";

    fn check(text: &str) -> Result<(Vec<CheckedRow>, Vec<String>), Problem> {
        check_file(SheetFormat::Csv, Bytes::from(text.as_bytes().to_vec()))
    }

    #[test]
    fn rows_read_like_the_api_and_name_every_bad_cell() {
        let text = format!(
            "锦官驿小区业主名册\n{HEADER},备注\n\
             3栋,2单元,501,89.57,张三、李四,13800000001、,,\n\
             3栋,2单元,502,60,,,未售,\n\
             3栋,,503,八十,王五,12345,,\n\
             3栋,2单元,504,70,,,,\n\
             3栋,2单元,505,70,赵六,13800000001、13800000002,,\n\
             3栋,2单元,506,70,钱七,,也许,\n"
        );
        let (rows, ignored) = check(&text).unwrap();
        assert_eq!(ignored, ["备注"]);
        assert_eq!(rows[0].line, 3);
        let Some(Holder::Owners(owners)) = rows[0].unit.as_ref().map(|u| &u.holder) else {
            panic!("{:?}", rows[0])
        };
        assert_eq!(owners.len(), 2);
        assert!(owners[1].phone().is_none());
        assert_eq!(rows[1].unit.as_ref().unwrap().holder, Holder::Developer);
        let bad: Vec<(&str, &str)> = rows[2]
            .errors
            .iter()
            .map(|e| (e.column.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            bad,
            [
                ("专有部分面积(㎡)", "invalid_exclusive_area"),
                ("联系电话", "invalid_phone")
            ]
        );
        assert_eq!(rows[3].errors[0].code, "owner_required");
        assert_eq!(rows[4].errors[0].code, "phones_without_owners");
        assert_eq!(rows[5].errors[0].code, "invalid_status");
        assert!(rows[2..].iter().all(|r| r.unit.is_none()));
    }

    #[test]
    fn a_unit_repeated_in_the_file_is_refused_on_every_row() {
        let text = format!("{HEADER}\n3,1,101,50,甲,,\n３,1,101,51,乙,,\n3,1,102,50,丙,,\n");
        let (mut rows, _) = check(&text).unwrap();
        refuse_repeated_units(&mut rows);
        assert!(rows[0].unit.is_none() && rows[1].unit.is_none());
        assert!(rows[2].unit.is_some());
        assert_eq!(
            rows[0].errors[0].message,
            "房屋 3栋1单元101 在文件中出现了 2 次（首次在第 2 行），这些行都未导入"
        );
    }

    #[test]
    fn a_file_without_the_columns_is_a_file_problem() {
        let p = check("楼栋,房号\n1,101\n").unwrap_err();
        assert_eq!(p.code, "invalid_register_file");
        let fields: Vec<&str> = p.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["专有部分面积(㎡)", "业主姓名"]);
        assert_eq!(check("").unwrap_err().code, "invalid_register_file");
        assert_eq!(
            check("a,b\n1,2\n").unwrap_err().code,
            "invalid_register_file"
        );
    }
}
