//! The ledger's file format: its columns (in export order, with the indexes the reader
//! and writer use), the formats, the limits a file is read within, and what an import
//! answers (its report and each row's errors).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The MIME type of an XLSX workbook.
pub const XLSX_MIME: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// At most this many data rows per file.
pub const MAX_ROWS: usize = 20_000;

// Limits on what a file may make the reader do. Each is checked while reading, before the
// work or memory it bounds is spent, and a file over one is refused (413
// `ledger_file_too_large`) with a Chinese message that names the limit.

/// The last spreadsheet row a cell may be in (room for titles, notes and blank rows
/// around [`MAX_ROWS`] data rows); CSV lines count the same way.
pub const MAX_SHEET_ROWS: u32 = 25_000;

/// The last column a non-blank cell may be in (the ledger has 23; the rest is room for
/// notes columns, which are ignored).
pub const MAX_COLUMNS: usize = 100;

/// Memory the cells read from one sheet may take (their text plus a slot per cell).
pub const MAX_SHEET_BYTES: usize = 64 * MIB;

/// At most this many errors are listed in a report; the rest are counted
/// ([`ImportReport::errors_total`]) and summed up in [`ImportReport::errors_not_listed`].
pub const MAX_LISTED_ERRORS: usize = 200;

/// A cell's text in an error (`value`, `message`) is cut to this many characters.
pub const MAX_ERROR_TEXT_CHARS: usize = 200;

pub(super) const MIB: usize = 1024 * 1024;

/// A ledger file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum LedgerFormat {
    /// Comma-separated values (UTF-8 with or without BOM, or GB18030).
    Csv,
    /// An Excel 2007+ workbook; the first sheet with a 小区编码 header is read.
    Xlsx,
}

impl LedgerFormat {
    /// The format a `Content-Type` names, if any.
    pub fn from_content_type(content_type: &str) -> Option<Self> {
        let essence = content_type.split(';').next().unwrap_or("").trim();
        match essence.to_ascii_lowercase().as_str() {
            "text/csv" | "application/csv" => Some(Self::Csv),
            XLSX_MIME => Some(Self::Xlsx),
            _ => None,
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Self::Csv => "text/csv; charset=utf-8",
            Self::Xlsx => XLSX_MIME,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Csv => "csv",
            Self::Xlsx => "xlsx",
        }
    }
}

/// What an import does with the rows it checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportMode {
    /// Check every row, write nothing (试导入).
    DryRun,
    /// Import everything, or nothing if any row is bad.
    Strict,
    /// Import the valid rows, report the bad ones.
    GoodRows,
}

/// One bad cell (or row) of an imported file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct RowError {
    /// The row number as the spreadsheet shows it (the header row is line 1 when it is
    /// the first row).
    pub line: u32,
    /// The column's header (小区编码, 户数, …); `经度/纬度` for the coordinates together.
    pub column: String,
    /// The API field (`code`, `households`, `location`, …).
    pub field: String,
    /// The cell's text as read.
    pub value: String,
    /// Stable machine code (`required`, `invalid_households`, `duplicate_code`, …).
    pub code: String,
    /// Why, in Chinese.
    pub message: String,
}

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
    /// The first [`MAX_LISTED_ERRORS`] errors, by line then column. A code repeated in
    /// the file is one error, at its first line, with the count.
    pub errors: Vec<RowError>,
    /// Every error found, listed or not.
    pub errors_total: usize,
    /// When not every error is listed, what was left out, in Chinese
    /// (“另有 M 个错误未列出……”).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub errors_not_listed: Option<String>,
}

/// A ledger column: its Chinese header and the API field it fills.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub header: &'static str,
    pub field: &'static str,
    /// Whether a file must have this column (a missing optional column takes the default).
    pub required: bool,
}

pub(super) const fn col(header: &'static str, field: &'static str) -> Column {
    Column {
        header,
        field,
        required: true,
    }
}

/// The ledger's columns, in export order.
pub const COLUMNS: [Column; 23] = [
    col("小区编码", "code"),
    col("小区名称", "name"),
    col("地址", "address"),
    col("区县代码", "district"),
    col("街道代码", "street"),
    col("社区", "community"),
    col("经度", "location.lon"),
    col("纬度", "location.lat"),
    col("建成年份", "year_built"),
    col("楼栋数", "buildings"),
    col("户数", "households"),
    col("建筑面积", "floor_area_m2"),
    col("管理方式", "management"),
    col("消防设施", "facilities.fire_safety"),
    col("视频监控", "facilities.video_surveillance"),
    col("门禁", "facilities.access_control"),
    col("垃圾分类投放点", "facilities.garbage_sorting_points"),
    col("停车位", "facilities.parking_spaces"),
    col("电梯", "facilities.elevators"),
    col("自治组织", "governance_body"),
    Column {
        header: "自治组织成立日期",
        field: "governance_formed_on",
        required: false,
    },
    col("符合条件且业主自愿", "eligible_and_willing"),
    Column {
        header: "是否老旧小区",
        field: "is_old",
        required: false,
    },
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
