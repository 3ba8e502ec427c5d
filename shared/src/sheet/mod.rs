//! Spreadsheets as offices keep them (CSV in UTF-8 or GB18030, XLSX), read as hostile input
//! within named limits and written back so that an export imports unchanged: the compound
//! ledger (台账), the owner register (业主名册), bank statements.
//!
//! A [`FileKind`] says what a file is (its Chinese noun, its problem codes, the header cell
//! that finds its header row, its [`Limits`]). Reading ([`FileKind::read`]) bounds what a
//! file may make the reader do before doing it, and refuses a file over a limit with 413 and
//! a Chinese message that names the limit; sheets are read cell by cell, keeping only
//! non-blank cells, so a sheet's declared dimension costs nothing; an XLSX archive's parts are
//! checked before calamine opens it ([`archive`]). [`FileKind::layout`] finds the columns of a
//! header row, [`Layout::cells`] a data row's cells by column, [`listed`] bounds a report's
//! errors. [`write`] makes CSV (formula-escaped) and XLSX.

pub mod archive;
mod cell;
mod kind;
mod read;
pub mod write;

pub use cell::{FORMULA_STARTS, clean_header, clip, escape_cell, unescape_cell};
pub use kind::{
    Column, FileKind, HEADER_SEARCH_ROWS, ImportMode, Limits, MAX_ERROR_TEXT_CHARS,
    MAX_LISTED_ERRORS, RowError, SheetFormat, XLSX_MIME, listed,
};
pub use read::{Layout, Sheet, SheetRow, number_text};

#[cfg(test)]
mod tests {
    use super::*;

    const KIND: FileKind = FileKind {
        noun: "测试",
        invalid_code: "invalid_test_file",
        too_large_code: "test_file_too_large",
        header_key: "编号",
        limits: Limits::DEFAULT,
    };

    const COLUMNS: [Column; 3] = [
        Column::required("编号", "code"),
        Column::required("名称", "name"),
        Column::optional("备注", "note"),
    ];

    #[test]
    fn a_layout_finds_columns_in_any_order_and_names_what_is_missing() {
        let sheet = KIND
            .read(
                SheetFormat::Csv,
                "标题\n名称,其他,编号\nA,x,'=1\n".as_bytes(),
            )
            .unwrap();
        let (header, data) = KIND.split_header(&sheet, "“编号”").unwrap();
        let layout = KIND.layout(header, &COLUMNS).unwrap();
        assert_eq!(layout.ignored, ["其他"]);
        assert_eq!(layout.cells(&data[0]), ["=1", "A", ""]);
        let missing = KIND
            .layout(
                &SheetRow {
                    line: 1,
                    cells: vec!["编号".into()],
                },
                &COLUMNS,
            )
            .unwrap_err();
        assert_eq!(missing.code, "invalid_test_file");
        assert_eq!(missing.errors[0].message, "缺少“名称”列");
    }

    #[test]
    fn formula_cells_escape_and_come_back() {
        for s in ["=SUM(A1)", "+1", "-2", "@x", "\tx", "plain", "'quoted"] {
            assert_eq!(unescape_cell(&escape_cell(s.to_string())), s);
        }
        assert_eq!(escape_cell("=1".into()), "'=1");
    }

    #[test]
    fn reports_list_a_bounded_number_of_errors() {
        let errors: Vec<RowError> = (0..250)
            .map(|i| RowError {
                line: i + 2,
                column: "编号".into(),
                field: "code".into(),
                value: "x".repeat(300),
                code: "bad".into(),
                message: "坏".into(),
            })
            .collect();
        let (listed, total, note) = listed(errors);
        assert_eq!((listed.len(), total), (MAX_LISTED_ERRORS, 250));
        assert_eq!(listed[0].value.chars().count(), MAX_ERROR_TEXT_CHARS + 1);
        assert!(note.unwrap().contains("另有 50 个错误未列出"));
    }
}
