//! What a ledger file that cannot be imported answers: 422 `invalid_ledger_file` (an
//! unreadable file, no header, missing columns) or 413 `ledger_file_too_large` (over one of
//! the reader's limits), each naming the file field.

use axum::http::StatusCode;
use shared::error::{FieldError, Problem};

/// A file-level problem (unreadable file, no header, missing columns): 422.
pub(super) fn file_problem(detail: impl Into<String>, errors: Vec<FieldError>) -> Problem {
    Problem::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "invalid_ledger_file",
        "台账文件无法导入",
    )
    .with_detail(detail)
    .with_errors(errors)
}

pub(super) fn file_error(message: impl Into<String>) -> Problem {
    let message = message.into();
    file_problem(
        message.clone(),
        vec![FieldError::new("file", "invalid_ledger_file", message)],
    )
}

/// A file over one of the reader's limits: 413, the message naming the limit.
pub(super) fn too_large(message: impl Into<String>) -> Problem {
    let message = message.into();
    Problem::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "ledger_file_too_large",
        "台账文件超出导入限制",
    )
    .with_detail(message.clone())
    .with_errors(vec![FieldError::new(
        "file",
        "ledger_file_too_large",
        message,
    )])
}

/// An XLSX file calamine cannot read.
pub(super) fn unreadable_workbook(e: impl std::fmt::Display) -> Problem {
    file_error(format!(
        "无法读取 Excel 工作簿（须是 .xlsx 格式；.xls 请先另存为 .xlsx）：{e}"
    ))
}
