//! 导入业主名册: upload a CSV or XLSX register, see the tender API's dry run (every bad row
//! by line and column, the totals the register would have, nothing saved), then import
//! every row or only the good ones.
//!
//! The uploaded file is kept in this process's import store ([`crate::jobs`], an hour, up to
//! 500 files) under the account *and the compound* it was uploaded for, so nobody else can
//! see it and it cannot be imported into another compound; the ledger's import pages never
//! see it. The preview runs the dry run again each time it is shown (the register may have
//! changed since), so it is always what an import would do now.

use std::time::{Duration, Instant};

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::desk::Desk;
use crate::chrome::Chrome;
use crate::csrf::{self, CsrfForm};
use crate::error::PageError;
use crate::forms::{see_other, see_other_with};
use crate::jobs::{Job, JobState, Mode};
use crate::pages::model::register::ImportReport;
use crate::state::WebState;

/// The largest file the page accepts (the API's own limit).
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

#[derive(Template, WebTemplate)]
#[template(path = "register_import.html")]
pub struct UploadPage {
    chrome: Chrome,
    base: String,
    error: Option<String>,
}

pub async fn form(
    State(app): State<WebState>,
    desk: Desk,
    chrome: Chrome,
) -> Result<UploadPage, PageError> {
    desk.in_reach(&app).await?;
    Ok(UploadPage {
        chrome,
        base: desk.path(""),
        error: None,
    })
}

fn refused(chrome: Chrome, desk: &Desk, message: &str) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        UploadPage {
            chrome,
            base: desk.path(""),
            error: Some(message.to_string()),
        },
    )
        .into_response()
}

/// The format of an uploaded file, by its name, else its declared type.
fn format_of(file_name: &str, content_type: Option<&str>) -> Option<&'static str> {
    let lower = file_name.to_ascii_lowercase();
    if lower.ends_with(".csv") {
        return Some("csv");
    }
    if lower.ends_with(".xlsx") {
        return Some("xlsx");
    }
    match content_type.map(|c| c.split(';').next().unwrap_or("").trim()) {
        Some("text/csv") => Some("csv"),
        Some("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") => Some("xlsx"),
        _ => None,
    }
}

/// Whose upload a stored file is: the account, for this compound's register.
fn owner(desk: &Desk) -> String {
    format!("{}|register|{}", desk.account_id, desk.compound_id)
}

/// Receives the file (multipart, with the `_csrf` field), keeps it and shows its preview.
pub async fn upload(
    State(app): State<WebState>,
    desk: Desk,
    chrome: Chrome,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let mut sent_csrf = None;
    let mut file: Option<(String, Option<String>, Bytes)> = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => match field.name().map(str::to_string).as_deref() {
                Some("_csrf") => sent_csrf = field.text().await.ok(),
                Some("file") => {
                    let name = field.file_name().unwrap_or("").to_string();
                    let ct = field.content_type().map(str::to_string);
                    match field.bytes().await {
                        Ok(b) => file = Some((name, ct, b)),
                        Err(_) => {
                            return Ok(refused(
                                chrome,
                                &desk,
                                "文件上传中断或超过 16 MB，请重试。",
                            ));
                        }
                    }
                }
                _ => {}
            },
            Ok(None) => break,
            Err(_) => {
                return Ok(refused(
                    chrome,
                    &desk,
                    "无法读取上传的内容，请重试（文件不超过 16 MB）。",
                ));
            }
        }
    }
    csrf::check(&headers, sent_csrf.as_deref())?;
    let Some((file_name, content_type, bytes)) = file.filter(|f| !f.2.is_empty()) else {
        return Ok(refused(chrome, &desk, "请选择要导入的业主名册文件。"));
    };
    let Some(format) = format_of(&file_name, content_type.as_deref()) else {
        return Ok(refused(
            chrome,
            &desk,
            "只能导入 CSV（.csv）或 Excel（.xlsx）格式的业主名册。",
        ));
    };
    let id = uuid::Uuid::new_v4().simple().to_string();
    app.imports.insert(
        id.clone(),
        Job {
            owner: owner(&desk),
            started: Instant::now(),
            file_name,
            format,
            mode: Mode::DryRun,
            bytes,
            state: JobState::Running,
        },
    );
    Ok(see_other(&desk.path(&format!("/import/{id}"))))
}

/// What the API answered an import: its report (200, or 422 for a refused strict import),
/// or why the file cannot be imported.
enum Answer {
    Report(Box<ImportReport>),
    Refused(StatusCode, String),
}

async fn send(app: &WebState, desk: &Desk, job: &Job, mode: Mode) -> Result<Answer, PageError> {
    let url = format!(
        "{}{}?{}",
        app.api.tender,
        desk.api(&["import"]),
        serde_urlencoded::to_string([("format", job.format), ("mode", mode.as_str())])
            .unwrap_or_default()
    );
    let res = app
        .api
        .http
        .post(&url)
        .bearer_auth(&desk.token)
        .timeout(Duration::from_secs(300))
        .body(job.bytes.clone())
        .send()
        .await
        .map_err(|e| {
            tracing::error!(error = ?e, "the register import did not reach tender");
            PageError::unavailable("名册服务暂时不可用，请稍后再试。")
        })?;
    let status = res.status();
    let body = res
        .bytes()
        .await
        .map_err(|_| PageError::unavailable("名册服务的答复中断，请重试。"))?;
    if let Ok(report) = serde_json::from_slice::<ImportReport>(&body) {
        return Ok(Answer::Report(Box::new(report)));
    }
    match serde_json::from_slice::<shared::error::Problem>(&body) {
        Ok(p) if p.status == 403 || p.status == 404 || p.status == 401 => Err(PageError::new(
            StatusCode::from_u16(p.status).unwrap_or(StatusCode::FORBIDDEN),
            "无法导入",
            p.detail.unwrap_or(p.title),
        )),
        Ok(p) => {
            let mut message = p.detail.clone().unwrap_or_else(|| p.title.clone());
            for e in &p.errors {
                if !message.contains(&e.message) {
                    message.push_str(&format!("（{}）", e.message));
                }
            }
            let status = StatusCode::from_u16(p.status).unwrap_or(StatusCode::BAD_GATEWAY);
            Ok(Answer::Refused(status, message))
        }
        Err(_) => {
            tracing::error!(%status, "tender answered the register import with no report");
            Err(PageError::unavailable("名册服务暂时不可用，请稍后再试。"))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "register_import_preview.html")]
pub struct PreviewPage {
    chrome: Chrome,
    base: String,
    id: String,
    file_name: String,
    format: String,
    /// The dry run's report, or (after a refused strict import) that import's.
    report: Option<ImportReport>,
    /// A strict import refused because of bad rows.
    strict_refused: bool,
    failure: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct JobPath {
    job: String,
}

fn no_upload() -> PageError {
    PageError::not_found(
        "没有这个上传的文件（文件只保留一小时，且只有上传人可以查看），请重新上传。",
    )
}

/// The preview: the dry run of the kept file, now.
pub async fn preview(
    State(app): State<WebState>,
    desk: Desk,
    chrome: Chrome,
    Path(p): Path<JobPath>,
) -> Result<Response, PageError> {
    let job = app
        .imports
        .get(&p.job, &owner(&desk))
        .ok_or_else(no_upload)?;
    let answer = send(&app, &desk, &job, Mode::DryRun).await?;
    Ok(preview_page(chrome, &desk, p.job, &job, answer, false).into_response())
}

fn preview_page(
    chrome: Chrome,
    desk: &Desk,
    id: String,
    job: &Job,
    answer: Answer,
    strict_refused: bool,
) -> (StatusCode, PreviewPage) {
    let (status, report, failure) = match answer {
        Answer::Report(r) if strict_refused => (StatusCode::UNPROCESSABLE_ENTITY, Some(*r), None),
        Answer::Report(r) => (StatusCode::OK, Some(*r), None),
        Answer::Refused(status, m) => (status, None, Some(m)),
    };
    (
        status,
        PreviewPage {
            chrome,
            base: desk.path(""),
            id,
            file_name: job.file_name.clone(),
            format: job.format.to_uppercase(),
            report,
            strict_refused,
            failure,
        },
    )
}

#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    mode: String,
}

/// Imports the kept file: `strict` (every row, or none) or `good_rows` (the good ones).
pub async fn confirm(
    State(app): State<WebState>,
    desk: Desk,
    chrome: Chrome,
    Path(p): Path<JobPath>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<Response, PageError> {
    let job = app
        .imports
        .get(&p.job, &owner(&desk))
        .ok_or_else(no_upload)?;
    let mode = match form.mode.as_str() {
        "strict" => Mode::Strict,
        "good_rows" => Mode::GoodRows,
        _ => {
            return Err(PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "请求有误",
                "请选择导入方式。",
            ));
        }
    };
    match send(&app, &desk, &job, mode).await? {
        Answer::Report(r) if r.committed => Ok(see_other_with(
            &desk.path(""),
            &format!(
                "已导入业主名册：新增 {} 套，更新 {} 套，{} 套无变化{}",
                r.created,
                r.updated,
                r.unchanged,
                if r.bad_rows() > 0 {
                    format!("；有错误的 {} 行未导入", r.bad_rows())
                } else {
                    String::new()
                }
            ),
        )),
        answer => Ok(preview_page(chrome, &desk, p.job, &job, answer, true).into_response()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_name_then_type() {
        assert_eq!(format_of("名册.CSV", None), Some("csv"));
        assert_eq!(format_of("名册.xlsx", Some("text/csv")), Some("xlsx"));
        assert_eq!(
            format_of("blob", Some("text/csv; charset=utf-8")),
            Some("csv")
        );
        assert_eq!(
            format_of("名册.xls", Some("application/vnd.ms-excel")),
            None
        );
    }
}
