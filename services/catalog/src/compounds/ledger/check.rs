//! Checking a ledger file's rows: each row's cells into the API's form and through the
//! same validation as the API, repeated codes, rows out of the importer's reach.

use std::collections::{HashMap, HashSet};

use axum::body::Bytes;
use shared::error::{FieldError, Problem};
use shared::sheet::{Layout, RowError, SheetFormat as LedgerFormat, clip};

use super::format::{COLUMNS, LEDGER, c};
use crate::compounds::input::{CompoundInput, FacilitiesInput, LocationInput, validate};
use crate::compounds::{CompoundFacts, Reach};

/// A data row's cells by ledger column.
pub(super) struct RowCells<'a> {
    pub(super) line: u32,
    pub(super) cells: Vec<&'a str>,
}

impl<'a> RowCells<'a> {
    pub(super) fn new(layout: &Layout, row: &'a shared::sheet::SheetRow) -> Self {
        Self {
            line: row.line,
            cells: layout.cells(row),
        }
    }
}

/// Turns one row's cells into the API's form, noting cells that are not even the right
/// kind of value (a word where a number belongs).
pub(super) struct RowReader<'a> {
    pub(super) row: &'a RowCells<'a>,
    pub(super) errors: Vec<RowError>,
}

impl RowReader<'_> {
    pub(super) fn error(&mut self, k: usize, code: &str, message: String) {
        self.errors.push(RowError {
            line: self.row.line,
            column: COLUMNS[k].header.to_string(),
            field: COLUMNS[k].field.to_string(),
            value: self.row.cells[k].to_string(),
            code: code.to_string(),
            message,
        });
    }

    pub(super) fn text(&self, k: usize) -> Option<String> {
        let s = self.row.cells[k];
        (!s.is_empty()).then(|| s.to_string())
    }

    pub(super) fn int(&mut self, k: usize) -> Option<i64> {
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
    pub(super) fn area(&mut self, k: usize) -> Option<i64> {
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

    pub(super) fn float(&mut self, k: usize) -> Option<f64> {
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

    pub(super) fn boolean(&mut self, k: usize) -> Option<bool> {
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

pub(super) fn parse_number(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|f| f.is_finite())
}

pub(super) fn parse_yes_no(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "是" | "有" | "y" | "yes" | "true" | "1" | "√" => Some(true),
        "否" | "无" | "n" | "no" | "false" | "0" | "×" => Some(false),
        _ => None,
    }
}

pub(super) fn yes_no(b: bool) -> &'static str {
    if b { "是" } else { "否" }
}

/// `2021/6/18`, `2021.6.18`, `2021-6-18` → `2021-06-18`; anything else unchanged (and
/// then refused by validation).
pub(super) fn normalize_date(s: &str) -> String {
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
pub(super) struct CheckedRow {
    pub(super) line: u32,
    /// The code cell as written (for duplicate detection even when the row is bad).
    pub(super) code: String,
    pub(super) facts: Option<CompoundFacts>,
    pub(super) errors: Vec<RowError>,
}

pub(super) fn check_row(row: &RowCells<'_>) -> CheckedRow {
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
pub(super) fn row_error(row: &RowCells<'_>, e: FieldError) -> RowError {
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
pub(super) fn check_file(
    format: LedgerFormat,
    bytes: Bytes,
) -> Result<(Vec<CheckedRow>, Vec<String>), Problem> {
    let sheet = LEDGER.read(format, &bytes)?;
    let (header, data) = LEDGER.split_header(&sheet, "“小区编码”“小区名称”")?;
    let layout = LEDGER.layout(header, &COLUMNS)?;
    let rows = data
        .iter()
        .map(|row| check_row(&RowCells::new(&layout, row)))
        .collect();
    Ok((rows, layout.ignored))
}

/// Refuses every row whose code appears more than once in the file, reporting each such
/// code once, at its first line, with how often it appears (one pass over the rows, and
/// one error per code however many rows repeat it).
pub(super) fn refuse_duplicate_codes(rows: &mut [CheckedRow]) {
    // For each code: the index of its first row, and its count.
    let mut seen: HashMap<&str, (usize, usize)> = HashMap::new();
    for (i, r) in rows.iter().enumerate() {
        if !r.code.is_empty() {
            seen.entry(r.code.as_str()).or_insert((i, 0)).1 += 1;
        }
    }
    let repeated: HashMap<String, (usize, usize)> = seen
        .into_iter()
        .filter(|(_, (_, count))| *count > 1)
        .map(|(code, at)| (code.to_string(), at))
        .collect();
    for (i, r) in rows.iter_mut().enumerate() {
        let Some(&(first, count)) = repeated.get(&r.code) else {
            continue;
        };
        r.facts = None;
        if i == first {
            r.errors.push(RowError {
                line: r.line,
                column: COLUMNS[c::CODE].header.into(),
                field: COLUMNS[c::CODE].field.into(),
                value: r.code.clone(),
                code: "duplicate_code".into(),
                message: format!(
                    "小区编码 {} 在文件中出现了 {count} 次（首次在第 {} 行），这些行都未导入",
                    clip(&r.code, 40),
                    r.line
                ),
            });
        }
    }
}

/// Refuses rows whose street is outside the importer's reach.
pub(super) fn refuse_out_of_reach(rows: &mut [CheckedRow], reach: &Reach) {
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
