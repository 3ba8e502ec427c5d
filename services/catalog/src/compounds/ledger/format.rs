//! The ledger file's format: its kind (noun, problem codes, header, limits), its columns in
//! export order, and the report an import answers.

use serde::{Deserialize, Serialize};
use shared::sheet::{Column, FileKind, ImportMode, Limits, RowError, SheetFormat as LedgerFormat};
use utoipa::ToSchema;

/// A ledger file: its problems (`invalid_ledger_file`, 413 `ledger_file_too_large`), its
/// header (the row with 小区编码) and its limits: at most 20,000 data rows; cells up to row
/// 25,000 (room for titles, notes and blank rows) and column 100 (the ledger has 23; the rest
/// is room for notes columns, which are ignored); 64 MB of cells per sheet.
pub const LEDGER: FileKind = FileKind {
    noun: "台账",
    invalid_code: "invalid_ledger_file",
    too_large_code: "ledger_file_too_large",
    header_key: "小区编码",
    limits: Limits::DEFAULT,
};

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
    /// The first [`shared::sheet::MAX_LISTED_ERRORS`] errors, by line then column. A code repeated in
    /// the file is one error, at its first line, with the count.
    pub errors: Vec<RowError>,
    /// Every error found, listed or not.
    pub errors_total: usize,
    /// When not every error is listed, what was left out, in Chinese
    /// (“另有 M 个错误未列出……”).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors_not_listed: Option<String>,
}

/// The ledger's columns, in export order.
pub const COLUMNS: [Column; 23] = [
    Column::required("小区编码", "code"),
    Column::required("小区名称", "name"),
    Column::required("地址", "address"),
    Column::required("区县代码", "district"),
    Column::required("街道代码", "street"),
    Column::required("社区", "community"),
    Column::required("经度", "location.lon"),
    Column::required("纬度", "location.lat"),
    Column::required("建成年份", "year_built"),
    Column::required("楼栋数", "buildings"),
    Column::required("户数", "households"),
    Column::required("建筑面积", "floor_area_m2"),
    Column::required("管理方式", "management"),
    Column::required("消防设施", "facilities.fire_safety"),
    Column::required("视频监控", "facilities.video_surveillance"),
    Column::required("门禁", "facilities.access_control"),
    Column::required("垃圾分类投放点", "facilities.garbage_sorting_points"),
    Column::required("停车位", "facilities.parking_spaces"),
    Column::required("电梯", "facilities.elevators"),
    Column::required("自治组织", "governance_body"),
    Column::optional("自治组织成立日期", "governance_formed_on"),
    Column::required("符合条件且业主自愿", "eligible_and_willing"),
    Column::optional("是否老旧小区", "is_old"),
];

/// Indexes into [`COLUMNS`].
pub(super) mod c {
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
