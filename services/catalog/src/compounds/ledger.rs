//! The ledger (台账) as the files districts keep: import from CSV or XLSX, export to both.
//!
//! **Columns.** A ledger file has one header row with the Chinese column names of
//! [`COLUMNS`] (小区编码, 小区名称, …), in any order; unknown columns are ignored (and
//! listed in the report), rows above the header (a title such as "锦江区老旧小区台账") are
//! skipped. Values are written as districts write them: 管理方式 无物业/自管/物业企业/其他,
//! 自治组织 无/业主委员会/物业管理委员会/院委会, booleans 是/否 (also 有/无, Y/N, true/false,
//! 1/0), dates `YYYY-MM-DD` (also `YYYY/M/D`, `YYYY.M.D`, or an Excel date cell). CSV may be
//! UTF-8 with or without BOM, or GB18030/GBK (what Excel writes on a Chinese Windows).
//!
//! **Import.** Every row is checked by the same [`validate`](super::validate) as the API,
//! plus: its street must be in the importer's [`Reach`]; an existing compound with the
//! same code must be in reach too; a code may appear only once in a file (every row with
//! a repeated code is refused, since the file does not say which one is right; the code
//! is one error, at its first line, with the count). Each error names the row as the spreadsheet shows it (`line`, the header row being line 1
//! when it is the first row), the column, the API field, the cell's value and a Chinese
//! reason. Then, by [`ImportMode`]: `dry_run` writes nothing and says what an import
//! would do; `strict` imports nothing unless every row is valid; `good_rows` imports the
//! valid rows. Rows are matched to compounds by code: a new code creates a compound, a
//! changed row updates it, an identical row is `unchanged` and writes nothing (so
//! importing the same file twice changes nothing and emits no feed change). All writes
//! of one import are one transaction.
//!
//! **Limits.** A file is hostile until read: the reader bounds what a file may make it do
//! before doing it ([`LEDGER`]'s limits, and for an XLSX archive the part count and inflated
//! sizes of [`shared::sheet::archive`]), and refuses a file over a limit with a 413
//! `ledger_file_too_large` that names the limit. Sheets are read cell
//! by cell, keeping only non-blank cells, so a sheet's declared dimension costs nothing.
//! A report lists at most [`shared::sheet::MAX_LISTED_ERRORS`] errors and counts the rest.
//!
//! **Export** writes the same columns and values, so an exported file imports unchanged.
//! CSV text cells that a spreadsheet would run as a formula get a leading `'`, which the
//! import takes off.
//!
//! | file | what |
//! | --- | --- |
//! | here | the columns, the limits, the report, the import (plan and write) |
//! | `shared::sheet` | CSV and XLSX into a sparse sheet within the limits (an XLSX archive's bounds checked before calamine opens it), the header and each row's cells, bounded reports, CSV and XLSX out |
//! | `ledger/check.rs` | each row into the API's form and through its validation; repeated codes, reach |
//! | `ledger/export.rs` | the ledger's rows as cells |

use anyhow::Context;
use axum::body::Bytes;
use shared::db::Db;
use shared::feed::{Notifier, WriteTx};
use shared::sheet::listed;

use super::{Compound, Reach, store};
use shared::events::catalog::COMPOUND as TOPIC;

mod check;
mod export;
mod format;

use check::{CheckedRow, check_file, refuse_duplicate_codes, refuse_out_of_reach};
pub use export::{export_csv, export_xlsx};
use format::c;
pub use format::{COLUMNS, ImportReport, LEDGER};
pub use shared::sheet::{ImportMode, RowError, SheetFormat as LedgerFormat};

/// What importing the valid rows does to the stored compounds.
#[derive(Debug, Default)]
struct Plan {
    /// New and changed compounds in file order, `true` for new.
    changes: Vec<(Compound, bool)>,
    unchanged: usize,
}

/// Matches valid rows to stored compounds by code. A row whose code belongs to a compound
/// outside the importer's reach becomes a row error.
async fn plan(
    conn: &mut sqlx::AnyConnection,
    reach: &Reach,
    rows: &mut [CheckedRow],
) -> Result<Plan, sqlx::Error> {
    let codes: Vec<&str> = rows
        .iter()
        .filter_map(|r| r.facts.as_ref().map(|f| f.code.as_str()))
        .collect();
    let existing = store::fetch_by_codes(conn, &codes).await?;
    let mut plan = Plan::default();
    for r in rows.iter_mut() {
        let Some(facts) = r.facts.take() else {
            continue;
        };
        match existing.get(&facts.code) {
            Some(old) if !reach.covers(old.facts.street) => {
                r.errors.push(RowError {
                    line: r.line,
                    column: COLUMNS[c::CODE].header.into(),
                    field: COLUMNS[c::CODE].field.into(),
                    value: facts.code.clone(),
                    code: "out_of_reach".into(),
                    message: format!(
                        "编码为 {} 的小区已登记在{}{}，不在您的管辖范围（{}）内",
                        facts.code,
                        old.facts.street.district().name(),
                        old.facts.street.name(),
                        reach.describe()
                    ),
                });
            }
            Some(old) if old.facts == facts => {
                plan.unchanged += 1;
                r.facts = Some(facts);
            }
            Some(old) => {
                plan.changes.push((old.with_facts(facts.clone()), false));
                r.facts = Some(facts);
            }
            None => {
                plan.changes.push((Compound::new(facts.clone()), true));
                r.facts = Some(facts);
            }
        }
    }
    Ok(plan)
}

/// An import's result: the report, and whether a strict import was refused (422).
#[derive(Debug)]
pub struct ImportOutcome {
    pub report: ImportReport,
    pub refused: bool,
}

/// Imports a ledger file for an official whose reach is `reach`; see the module docs.
/// File-level problems (unreadable file, no header, missing columns) are a 422 problem;
/// row problems are in the report.
pub async fn import(
    db: &Db,
    notifier: &Notifier,
    reach: Reach,
    format: LedgerFormat,
    mode: ImportMode,
    bytes: Bytes,
) -> crate::error::Result<ImportOutcome> {
    let (mut rows, ignored_columns) =
        tokio::task::spawn_blocking(move || check_file(format, bytes))
            .await
            .context("joining the ledger parser")??;
    refuse_duplicate_codes(&mut rows);
    refuse_out_of_reach(&mut rows, &reach);

    let mut conn = db.pool.acquire().await?;
    let mut plan = plan(&mut conn, &reach, &mut rows).await?;
    drop(conn);
    let has_errors = |rows: &[CheckedRow]| rows.iter().any(|r| !r.errors.is_empty());
    let mut refused = mode == ImportMode::Strict && has_errors(&rows);
    let writes = matches!(mode, ImportMode::Strict | ImportMode::GoodRows);

    if writes && !refused && !plan.changes.is_empty() {
        let mut tx = WriteTx::begin(db, notifier).await?;
        // Plan again under the feed-head lock, so that a change committed since the first
        // look cannot slip between the check and the write.
        plan = self::plan(tx.conn(), &reach, &mut rows).await?;
        refused = mode == ImportMode::Strict && has_errors(&rows);
        if !refused {
            let compounds: Vec<Compound> = plan.changes.iter().map(|(c, _)| c.clone()).collect();
            store::upsert(tx.conn(), &compounds).await?;
            let changes = plan.changes.iter().map(|(compound, created)| {
                let kind = if *created { "created" } else { "updated" };
                (compound.id.as_str(), kind, compound)
            });
            tx.emit_many(TOPIC, changes).await?;
            tx.commit().await?;
        }
    }

    let mut errors: Vec<RowError> = rows.iter_mut().flat_map(|r| r.errors.drain(..)).collect();
    errors.sort_by_key(|e| (e.line, column_order(&e.column)));
    let (errors, errors_total, errors_not_listed) = listed(errors);
    let rows_total = rows.len();
    let rows_valid = rows.iter().filter(|r| r.facts.is_some()).count();
    let (created, updated, unchanged) = if refused {
        (0, 0, 0)
    } else {
        let created = plan.changes.iter().filter(|(_, c)| *c).count();
        (created, plan.changes.len() - created, plan.unchanged)
    };
    Ok(ImportOutcome {
        report: ImportReport {
            mode,
            format,
            committed: writes && !refused,
            rows_total,
            rows_valid,
            created,
            updated,
            unchanged,
            ignored_columns,
            errors,
            errors_total,
            errors_not_listed,
        },
        refused,
    })
}

fn column_order(column: &str) -> usize {
    // `经度/纬度` (the coordinates together) sorts with 经度.
    COLUMNS
        .iter()
        .position(|c| c.header == column)
        .or_else(|| COLUMNS.iter().position(|c| column.starts_with(c.header)))
        .unwrap_or(COLUMNS.len())
}

#[cfg(test)]
mod tests {
    use super::check::*;
    use super::*;
    use shared::error::Problem;
    use shared::sheet::{
        MAX_ERROR_TEXT_CHARS, MAX_LISTED_ERRORS, XLSX_MIME, archive, escape_cell, number_text,
        unescape_cell,
    };
    use std::io::Cursor;

    const MAX_SHEET_ROWS: u32 = LEDGER.limits.max_sheet_rows;
    const MAX_COLUMNS: usize = LEDGER.limits.max_columns;
    const MAX_ROWS: usize = LEDGER.limits.max_rows;

    const HEADER: &str = "小区编码,小区名称,地址,区县代码,街道代码,社区,经度,纬度,建成年份,楼栋数,户数,建筑面积,管理方式,消防设施,视频监控,门禁,垃圾分类投放点,停车位,电梯,自治组织,自治组织成立日期,符合条件且业主自愿,是否老旧小区";

    fn good_row(code: &str) -> String {
        format!(
            "{code},锦官驿小区,水津街12号,510104,510104017,水井坊社区,104.083,30.652,1995,6,480,42000.4,无物业,是,否,有,2,40,0,业委会,2021/6/18,是,是"
        )
    }

    fn check(text: &str) -> Result<(Vec<CheckedRow>, Vec<String>), Problem> {
        check_file(LedgerFormat::Csv, Bytes::from(text.as_bytes().to_vec()))
    }

    #[test]
    fn a_good_row_reads_like_the_api_form() {
        let (rows, ignored) = check(&format!("{HEADER},备注\n{},旧\n", good_row("A1"))).unwrap();
        assert_eq!(ignored, vec!["备注".to_string()]);
        assert_eq!(rows.len(), 1);
        assert!(rows[0].errors.is_empty(), "{:?}", rows[0].errors);
        let facts = rows[0].facts.as_ref().unwrap();
        assert_eq!(rows[0].line, 2);
        assert_eq!(facts.floor_area_m2.get(), 42_000, "areas round to whole m²");
        assert!(facts.facilities.access_control);
        assert_eq!(
            facts.governance_formed_on,
            Some(time::macros::date!(2021 - 06 - 18))
        );
    }

    #[test]
    fn bom_title_rows_blank_rows_and_multi_line_cells_keep_line_numbers() {
        let text = format!(
            "\u{feff}锦江区老旧小区台账,,\n\n{HEADER}\n{}\n\"A2\",\"两行\n名称\",x\n\n{}\n",
            good_row("A1"),
            good_row("A3").replace("480", "-5")
        );
        let (rows, _) = check(&text).unwrap();
        let lines: Vec<u32> = rows.iter().map(|r| r.line).collect();
        // title 1, blank 2, header 3, A1 4, A2 5 (spanning two physical lines), blank 6, A3 7
        assert_eq!(lines, vec![4, 5, 7]);
        // The same with Windows line ends, as Excel writes them.
        let (crlf, _) = check(&text.replace('\n', "\r\n")).unwrap();
        assert_eq!(crlf.iter().map(|r| r.line).collect::<Vec<_>>(), lines);
        assert!(rows[0].errors.is_empty());
        let households = rows[2]
            .errors
            .iter()
            .find(|e| e.field == "households")
            .unwrap();
        assert_eq!(households.column, "户数");
        assert_eq!(households.value, "-5");
        assert_eq!(households.message, "户数必须大于 0");
    }

    #[test]
    fn gbk_files_are_read() {
        let text = format!("{HEADER}\n{}\n", good_row("G1"));
        let (bytes, _, _) = encoding_rs::GBK.encode(&text);
        let (rows, _) = check_file(LedgerFormat::Csv, Bytes::from(bytes.into_owned())).unwrap();
        assert_eq!(rows[0].facts.as_ref().unwrap().name, "锦官驿小区");
    }

    #[test]
    fn words_in_number_cells_are_one_error_each() {
        let row = good_row("B1")
            .replace(",6,480,", ",六,480,")
            .replace(",是,否,有,", ",也许,否,有,");
        let (rows, _) = check(&format!("{HEADER}\n{row}\n")).unwrap();
        let errs: Vec<(&str, &str)> = rows[0]
            .errors
            .iter()
            .map(|e| (e.column.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(
            errs,
            vec![("楼栋数", "not_an_integer"), ("消防设施", "not_yes_no")]
        );
    }

    #[test]
    fn missing_columns_are_a_file_problem() {
        let header = HEADER.replace(",户数", "");
        let problem = check(&format!("{header}\n")).unwrap_err();
        assert_eq!(problem.code, "invalid_ledger_file");
        assert_eq!(problem.errors[0].field, "户数");
        assert_eq!(check("a,b\n1,2\n").unwrap_err().code, "invalid_ledger_file");
        assert_eq!(check("").unwrap_err().code, "invalid_ledger_file");
    }

    #[test]
    fn duplicate_codes_refuse_every_occurrence() {
        let text = format!(
            "{HEADER}\n{}\n{}\n{}\n",
            good_row("D1"),
            good_row("D2"),
            good_row("D1")
        );
        let (mut rows, _) = check(&text).unwrap();
        refuse_duplicate_codes(&mut rows);
        assert!(rows[0].facts.is_none() && rows[2].facts.is_none());
        assert!(rows[1].facts.is_some());
        assert_eq!(
            rows[0].errors[0].message,
            "小区编码 D1 在文件中出现了 2 次（首次在第 2 行），这些行都未导入"
        );
        assert!(
            rows[2].errors.is_empty(),
            "each repeated code is reported once"
        );
    }

    #[test]
    fn values_read_as_users_write_them() {
        assert_eq!(normalize_date("2021/6/8"), "2021-06-08");
        assert_eq!(normalize_date("2021.12.31"), "2021-12-31");
        assert_eq!(normalize_date("昨天"), "昨天");
        assert_eq!(parse_yes_no(" 是 "), Some(true));
        assert_eq!(parse_yes_no("无"), Some(false));
        assert_eq!(parse_yes_no("TRUE"), Some(true));
        assert_eq!(parse_yes_no("maybe"), None);
        assert_eq!(number_text(510104.0), "510104");
        assert_eq!(number_text(104.0661), "104.0661");
        assert_eq!(
            LedgerFormat::from_content_type("text/csv; charset=utf-8"),
            Some(LedgerFormat::Csv)
        );
        assert_eq!(
            LedgerFormat::from_content_type(XLSX_MIME),
            Some(LedgerFormat::Xlsx)
        );
    }

    // ----- hostile files -----

    /// A workbook with the given cells (row, column, text), as rust_xlsxwriter writes it.
    fn workbook(cells: &[(u32, u16, &str)]) -> Vec<u8> {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (r, c, text) in cells {
            sheet.write_string(*r, *c, *text).unwrap();
        }
        book.save_to_buffer().unwrap()
    }

    /// `xlsx` with its part `name` replaced by what `write` writes (stored or deflated).
    fn replace_part(
        xlsx: &[u8],
        name: &str,
        deflate: bool,
        write: impl FnOnce(&mut dyn std::io::Write),
    ) -> Vec<u8> {
        use std::io::{Read, Write};
        use zip::write::SimpleFileOptions;
        let mut from = zip::ZipArchive::new(Cursor::new(xlsx)).unwrap();
        let mut to = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let method = if deflate {
            zip::CompressionMethod::Deflated
        } else {
            zip::CompressionMethod::Stored
        };
        let options = SimpleFileOptions::default()
            .compression_method(method)
            .large_file(true);
        let mut write = Some(write);
        for i in 0..from.len() {
            let mut part = from.by_index(i).unwrap();
            let part_name = part.name().unwrap().to_string();
            to.start_file(part_name.as_str(), options).unwrap();
            if part_name == name {
                (write.take().unwrap())(&mut to);
            } else {
                let mut bytes = Vec::new();
                part.read_to_end(&mut bytes).unwrap();
                to.write_all(&bytes).unwrap();
            }
        }
        assert!(write.is_none(), "no part {name}");
        to.finish().unwrap().into_inner()
    }

    const SHEET: &str = "xl/worksheets/sheet1.xml";

    fn check_xlsx(bytes: Vec<u8>) -> Result<(Vec<CheckedRow>, Vec<String>), Problem> {
        check_file(LedgerFormat::Xlsx, Bytes::from(bytes))
    }

    fn refused_as_too_large(result: Result<(Vec<CheckedRow>, Vec<String>), Problem>) -> String {
        let problem = result.expect_err("refused");
        assert_eq!(problem.status, 413, "{problem:?}");
        assert_eq!(problem.code, "ledger_file_too_large");
        problem.detail.unwrap()
    }

    #[test]
    fn a_workbook_with_one_cell_at_xfd1048576_is_refused_without_densifying() {
        // The declared dimension is A1:XFD1048576: a dense read is 17 billion cells.
        let started = std::time::Instant::now();
        let bytes = workbook(&[(0, 0, "小区编码"), (1_048_575, 16_383, "x")]);
        let detail = refused_as_too_large(check_xlsx(bytes));
        assert!(detail.contains("超过 25000 行"), "{detail}");
        // Far to the right only: the column cap.
        let bytes = workbook(&[(0, 0, "小区编码"), (1, 16_383, "x")]);
        let detail = refused_as_too_large(check_xlsx(bytes));
        assert!(detail.contains("超过 100 列"), "{detail}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn the_same_cells_inside_the_limits_still_read() {
        let header: Vec<&str> = HEADER.split(',').collect();
        let row: Vec<String> = good_row("X1").split(',').map(str::to_string).collect();
        let mut cells: Vec<(u32, u16, &str)> = Vec::new();
        for (k, h) in header.iter().enumerate() {
            cells.push((2, k as u16, h));
        }
        for (k, v) in row.iter().enumerate() {
            cells.push((24_000, k as u16, v));
        }
        cells.push((24_000, 99, "备注在第 100 列"));
        let (rows, _) = check_xlsx(workbook(&cells)).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 24_001);
        assert!(rows[0].errors.is_empty(), "{:?}", rows[0].errors);
    }

    /// A sheet part whose sheetData is `spaces` bytes of whitespace.
    fn whitespace_sheet(out: &mut dyn std::io::Write, spaces: u64) {
        out.write_all(
            br#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
        )
        .unwrap();
        let chunk = vec![b' '; 1 << 20];
        let mut left = spaces;
        while left > 0 {
            let n = left.min(chunk.len() as u64) as usize;
            out.write_all(&chunk[..n]).unwrap();
            left -= n as u64;
        }
        out.write_all(b"</sheetData></worksheet>").unwrap();
    }

    #[test]
    fn a_part_that_inflates_past_the_limit_is_refused_by_its_declared_size() {
        let base = workbook(&[(0, 0, "小区编码")]);
        let bomb = replace_part(&base, SHEET, true, |out| {
            whitespace_sheet(out, archive::MAX_PART_BYTES + 1)
        });
        assert!(bomb.len() < 1 << 20, "{} bytes", bomb.len());
        let started = std::time::Instant::now();
        let detail = refused_as_too_large(check_xlsx(bomb));
        assert!(detail.contains("解压后超过 64 MB"), "{detail}");
        assert!(started.elapsed() < std::time::Duration::from_secs(2));
    }

    /// Sets the uncompressed size that the zip headers (local and central) declare for
    /// `name`, as a crafted archive would.
    fn understate_size(zip_bytes: &mut [u8], name: &str, size: u32) {
        let name = name.as_bytes();
        let mut patched = 0;
        for i in 0..zip_bytes.len().saturating_sub(46) {
            let sig = &zip_bytes[i..i + 4];
            let (size_at, name_len_at, name_at) = match sig {
                b"PK\x03\x04" => (i + 22, i + 26, i + 30),
                b"PK\x01\x02" => (i + 24, i + 28, i + 46),
                _ => continue,
            };
            let len = u16::from_le_bytes([zip_bytes[name_len_at], zip_bytes[name_len_at + 1]]);
            if zip_bytes.get(name_at..name_at + len as usize) == Some(name) {
                zip_bytes[size_at..size_at + 4].copy_from_slice(&size.to_le_bytes());
                patched += 1;
            }
        }
        assert_eq!(patched, 2, "local and central header of {name:?}");
    }

    #[test]
    fn a_part_that_inflates_past_its_declared_size_is_refused_too() {
        let base = workbook(&[(0, 0, "小区编码")]);
        // Not a zip64 entry, so that the 32-bit size fields are the ones read.
        let mut bomb = {
            use std::io::{Read, Write};
            let mut from = zip::ZipArchive::new(Cursor::new(&base[..])).unwrap();
            let mut to = zip::ZipWriter::new(Cursor::new(Vec::new()));
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            for i in 0..from.len() {
                let mut part = from.by_index(i).unwrap();
                let name = part.name().unwrap().to_string();
                to.start_file(name.as_str(), options).unwrap();
                if name == SHEET {
                    whitespace_sheet(&mut to, archive::MAX_PART_BYTES + (8 << 20));
                } else {
                    let mut bytes = Vec::new();
                    part.read_to_end(&mut bytes).unwrap();
                    to.write_all(&bytes).unwrap();
                }
            }
            to.finish().unwrap().into_inner()
        };
        understate_size(&mut bomb, SHEET, 1000);
        let started = std::time::Instant::now();
        let problem = check_xlsx(bomb).expect_err("refused");
        assert!([413, 422].contains(&problem.status), "{problem:?}");
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
    }

    #[test]
    fn shared_strings_cannot_multiply_past_the_sheet_budget() {
        // One 40 KB string in 2,000 cells: a 100 KB file, 80 MB of cell text.
        let long = "长".repeat(40_000 / 3);
        let mut cells: Vec<(u32, u16, &str)> = vec![(0, 0, "小区编码")];
        for r in 1..=2_000 {
            cells.push((r, 1, long.as_str()));
        }
        let bytes = workbook(&cells);
        assert!(bytes.len() < 1 << 20, "{} bytes", bytes.len());
        let detail = refused_as_too_large(check_xlsx(bytes));
        assert!(detail.contains("超过 64 MB"), "{detail}");
    }

    #[test]
    fn csv_rows_and_columns_are_capped() {
        let far = format!("{HEADER}\n{}x\n", "\n".repeat(MAX_SHEET_ROWS as usize));
        let detail = refused_as_too_large(check(&far));
        assert!(detail.contains("超过 25000 行"), "{detail}");
        let wide = format!("{HEADER}\n{}x\n", ",".repeat(MAX_COLUMNS));
        let detail = refused_as_too_large(check(&wide));
        assert!(detail.contains("超过 100 列"), "{detail}");
        // Trailing empty cells (as Excel writes for a formatted column) are no content.
        let trailing = format!(
            "{HEADER}{}\n{}{}\n",
            ",".repeat(500),
            good_row("T1"),
            ",".repeat(500)
        );
        let (rows, _) = check(&trailing).unwrap();
        assert!(rows[0].errors.is_empty(), "{:?}", rows[0].errors);
        // Blank lines are rows too, but only the cells in them count.
        let (rows, _) = check(&format!(
            "{HEADER}\n{}{}\n",
            "\n".repeat(20_000),
            good_row("T2")
        ))
        .unwrap();
        assert_eq!(rows[0].line, 20_002);
    }

    #[test]
    fn thousands_of_repeated_codes_are_one_error_and_linear_work() {
        let mut text = format!("{HEADER}\n");
        for _ in 0..8_000 {
            text.push_str(&good_row("SAME"));
            text.push('\n');
        }
        let started = std::time::Instant::now();
        let (mut rows, _) = check(&text).unwrap();
        refuse_duplicate_codes(&mut rows);
        assert!(rows.iter().all(|r| r.facts.is_none()));
        let errors: Vec<&RowError> = rows.iter().flat_map(|r| &r.errors).collect();
        assert_eq!(errors.len(), 1);
        assert_eq!(
            errors[0].message,
            "小区编码 SAME 在文件中出现了 8000 次（首次在第 2 行），这些行都未导入"
        );
        assert!(started.elapsed() < std::time::Duration::from_secs(10));
    }

    #[test]
    fn a_report_lists_the_first_errors_and_sums_up_the_rest() {
        let error = |line: u32| RowError {
            line,
            column: "户数".into(),
            field: "households".into(),
            value: "多".repeat(5_000),
            code: "not_an_integer".into(),
            message: "户数应为整数".into(),
        };
        let errors: Vec<RowError> = (2..2 + 500).flat_map(|l| [error(l), error(l)]).collect();
        let (listed, total, note) = listed(errors);
        assert_eq!(listed.len(), MAX_LISTED_ERRORS);
        assert_eq!(total, 1_000);
        assert_eq!(
            note.as_deref(),
            Some(
                "共 1000 个错误，只列出前 200 个；另有 800 个错误未列出（涉及 400 行，第 102 至 501 行）"
            )
        );
        assert!(
            listed
                .iter()
                .all(|e| e.value.chars().count() == MAX_ERROR_TEXT_CHARS + 1)
        );
        let (listed, total, note) = listed_of(3);
        assert_eq!((listed, total, note), (3, 3, None));
    }

    fn listed_of(n: u32) -> (usize, usize, Option<String>) {
        let errors = (0..n)
            .map(|line| RowError {
                line,
                column: String::new(),
                field: String::new(),
                value: String::new(),
                code: String::new(),
                message: String::new(),
            })
            .collect();
        let (listed, total, note) = listed(errors);
        (listed.len(), total, note)
    }

    #[test]
    fn csv_export_escapes_cells_a_spreadsheet_would_run_and_imports_them_back() {
        let hostile = [
            "=HYPERLINK(\"http://x\",\"点我\")",
            "+1+1",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ];
        for (i, name) in hostile.iter().enumerate() {
            let text = format!(
                "{HEADER}\n{}\n",
                good_row(&format!("F{i}"))
                    .replace("锦官驿小区", &format!("\"{}\"", name.replace('"', "\"\"")))
            );
            let (rows, _) = check(&text).unwrap();
            let Some(facts) = rows[0].facts.clone() else {
                // A name the validation refuses is never stored, so never exported.
                continue;
            };
            let compound = Compound::new(facts);
            let exported =
                String::from_utf8(export_csv(std::slice::from_ref(&compound)).unwrap()).unwrap();
            let mut reader = csv::ReaderBuilder::new().from_reader(exported.as_bytes());
            let record = reader.records().next().unwrap().unwrap();
            let name_cell = &record[1];
            assert!(
                name_cell.starts_with('\''),
                "{name:?} exported as {name_cell:?}"
            );
            assert_eq!(&name_cell[1..], compound.facts.name);
            let (back, _) = check(&exported).unwrap();
            assert_eq!(
                back[0].facts.as_ref().unwrap(),
                &compound.facts,
                "round trip of {name:?}"
            );
        }
        // A name that only contains such a character is left alone.
        assert_eq!(escape_cell("锦官驿=小区".into()), "锦官驿=小区");
        assert_eq!(unescape_cell("'锦官驿"), "'锦官驿");
    }

    mod arbitrary_input {
        use super::*;
        use proptest::prelude::*;
        use std::time::{Duration, Instant};

        /// A reader's answer to any input: rows, or a 413/422 problem; never a panic, and
        /// quickly.
        fn bounded(format: LedgerFormat, bytes: Vec<u8>) -> Result<(), TestCaseError> {
            let started = Instant::now();
            match check_file(format, Bytes::from(bytes)) {
                Ok((mut rows, ignored)) => {
                    prop_assert!(rows.len() <= MAX_ROWS);
                    prop_assert!(ignored.len() <= MAX_COLUMNS);
                    refuse_duplicate_codes(&mut rows);
                    let errors: Vec<RowError> = rows.into_iter().flat_map(|r| r.errors).collect();
                    let (listed, _, _) = listed(errors);
                    prop_assert!(listed.len() <= MAX_LISTED_ERRORS);
                }
                Err(problem) => prop_assert!([413, 422].contains(&problem.status), "{problem:?}"),
            }
            prop_assert!(started.elapsed() < Duration::from_secs(2));
            Ok(())
        }

        fn csv_like() -> impl Strategy<Value = String> {
            // Header plus rows of the characters that matter to a CSV reader.
            proptest::collection::vec("[A-Z0-9,\"\r\n 是否=\\-'\t]{0,60}", 0..40)
                .prop_map(|rows| format!("{HEADER}\n{}", rows.join("\n")))
        }

        /// A worksheet of arbitrary rows and cells (positions, types, values), written
        /// into a well-formed archive so that calamine parses it.
        fn sheet_xml() -> impl Strategy<Value = String> {
            let cell = (
                0u32..2_000_000,
                0u32..20_000,
                prop_oneof![
                    Just(""),
                    Just("s"),
                    Just("n"),
                    Just("b"),
                    Just("str"),
                    Just("e"),
                    Just("d"),
                    Just("x")
                ],
                "[0-9a-z.<>&;# -]{0,12}",
            );
            (proptest::collection::vec(cell, 0..30), "[A-Z]{1,3}[0-9]{1,7}(:[A-Z]{1,3}[0-9]{1,7})?")
                .prop_map(|(cells, dim)| {
                    let mut xml = format!(
                        r#"<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{dim}"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>小区编码</t></is></c></row>"#
                    );
                    for (row, col, t, v) in cells {
                        let mut name = String::new();
                        let mut c = col + 1;
                        while c > 0 {
                            name.insert(0, char::from(b'A' + ((c - 1) % 26) as u8));
                            c = (c - 1) / 26;
                        }
                        xml.push_str(&format!(r#"<row r="{}"><c r="{name}{}" t="{t}"><v>{v}</v></c></row>"#, row + 1, row + 1));
                    }
                    xml.push_str("</sheetData></worksheet>");
                    xml
                })
        }

        proptest! {
            #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

            #[test]
            fn the_csv_reader_takes_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
                bounded(LedgerFormat::Csv, bytes)?;
            }

            #[test]
            fn the_csv_reader_takes_any_csv_like_text(text in csv_like()) {
                bounded(LedgerFormat::Csv, text.into_bytes())?;
            }

            #[test]
            fn the_xlsx_reader_takes_any_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..2048)) {
                bounded(LedgerFormat::Xlsx, bytes)?;
            }

            #[test]
            fn the_xlsx_reader_takes_a_zip_header_then_anything(tail in proptest::collection::vec(any::<u8>(), 0..2048)) {
                let mut bytes = b"PK\x03\x04".to_vec();
                bytes.extend(tail);
                bounded(LedgerFormat::Xlsx, bytes)?;
            }

            #[test]
            fn the_xlsx_reader_takes_any_sheet(xml in sheet_xml()) {
                let base = workbook(&[(0, 0, "小区编码")]);
                let bytes = replace_part(&base, SHEET, false, |out| out.write_all(xml.as_bytes()).unwrap());
                bounded(LedgerFormat::Xlsx, bytes)?;
            }

            #[test]
            fn the_xlsx_reader_takes_a_damaged_workbook(at in any::<prop::sample::Index>(), byte in any::<u8>()) {
                let mut bytes = workbook(&[(0, 0, "小区编码"), (1, 1, "锦官驿")]);
                let i = at.index(bytes.len());
                bytes[i] = byte;
                bounded(LedgerFormat::Xlsx, bytes)?;
            }
        }
    }
}
