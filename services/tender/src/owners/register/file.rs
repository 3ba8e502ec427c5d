//! The register file's format: its kind (noun, problem codes, header, limits), its columns
//! in export order, the header names people write for them, and the report an import
//! answers.

use serde::{Deserialize, Serialize};
use shared::sheet::{Column, FileKind, ImportMode, Limits, RowError, SheetFormat};
use utoipa::ToSchema;

use super::view::Totals;

/// A register file: its problems (`invalid_register_file`, 413 `register_file_too_large`),
/// its header (the row with 房号) and the kernel's default limits (at most 20,000 data rows;
/// cells up to row 25,000 and column 100; 64 MB of cells per sheet).
pub const REGISTER: FileKind = FileKind {
    noun: "业主名册",
    invalid_code: "invalid_register_file",
    too_large_code: "register_file_too_large",
    header_key: "房号",
    limits: Limits::DEFAULT,
};

/// The register's columns, in export order.
pub const COLUMNS: [Column; 7] = [
    Column::required("楼栋", "building"),
    Column::optional("单元", "unit"),
    Column::required("房号", "room"),
    Column::required("专有部分面积(㎡)", "area"),
    Column::required("业主姓名", "owners"),
    Column::optional("联系电话", "phones"),
    Column::optional("状态", "status"),
];

/// Indexes into [`COLUMNS`].
pub mod c {
    pub const BUILDING: usize = 0;
    pub const UNIT: usize = 1;
    pub const ROOM: usize = 2;
    pub const AREA: usize = 3;
    pub const OWNERS: usize = 4;
    pub const PHONES: usize = 5;
    pub const STATUS: usize = 6;
}

/// What separates co-owners (and their phones, in the same order) in one cell.
pub const OWNER_SEPARATORS: [char; 5] = ['、', ';', '；', ',', '，'];

/// The 状态 of a unit the developer still holds, as the export writes it.
pub const UNSOLD: &str = "未售";

/// A header cell as the register's column it names: the area column is found whatever
/// brackets and unit it is written with (`专有部分面积（㎡）`, `专有部分面积(平方米)`,
/// `专有部分面积`).
pub fn canonical_header(cell: &str) -> Option<&'static str> {
    let s: String = shared::sheet::clean_header(cell)
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect();
    let area = [
        "专有部分面积",
        "专有部分面积(㎡)",
        "专有部分面积(平方米)",
        "专有部分面积(m²)",
        "专有部分面积(m2)",
    ];
    if area.contains(&s.as_str()) {
        return Some(COLUMNS[c::AREA].header);
    }
    COLUMNS.iter().map(|c| c.header).find(|h| *h == s)
}

/// The answer to an import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct ImportReport {
    pub mode: ImportMode,
    pub format: SheetFormat,
    /// Whether this import wrote its changes: false for a dry run and for a strict import
    /// refused because of bad rows.
    pub committed: bool,
    /// The import's id in the history (`source = import`), when it wrote something.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import_id: Option<String>,
    /// Data rows in the file (blank rows not counted).
    pub rows_total: usize,
    /// Rows without any error.
    pub rows_valid: usize,
    /// Units added (in a dry run: that would be added).
    pub created: usize,
    /// Units changed, or removed ones entered again (in a dry run: that would be).
    pub updated: usize,
    /// Valid rows identical to the unit already held.
    pub unchanged: usize,
    /// Header columns that are not register columns and were ignored.
    pub ignored_columns: Vec<String>,
    /// The first [`shared::sheet::MAX_LISTED_ERRORS`] errors, by line then column. A unit
    /// repeated in the file is one error, at its first line, with the count.
    pub errors: Vec<RowError>,
    /// Every error found, listed or not.
    pub errors_total: usize,
    /// When not every error is listed, what was left out, in Chinese.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors_not_listed: Option<String>,
    /// The register's totals after this import (for a dry run, as they would be; for a
    /// refused import, as they are). Units not in the file are kept as they are.
    pub totals: Totals,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_area_column_is_found_however_it_is_written() {
        for h in [
            "专有部分面积(㎡)",
            "专有部分面积（㎡）",
            " 专有部分面积 ",
            "专有部分面积（平方米）",
        ] {
            assert_eq!(canonical_header(h), Some("专有部分面积(㎡)"), "{h}");
        }
        assert_eq!(canonical_header("房号"), Some("房号"));
        assert_eq!(canonical_header("备注"), None);
    }
}
