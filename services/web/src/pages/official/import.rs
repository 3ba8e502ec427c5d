//! 台账导入: upload a CSV or XLSX ledger, see the catalog's dry run (every error by row and
//! column, nothing saved), then confirm the import (all rows, or only the valid ones).
//!
//! Each upload and each confirmation is a job run by a task of this process; the job page
//! (`/official/import/jobs/{id}`) shows a `<progress>` and reloads itself every second (no
//! script needed) until the catalog has answered, then the preview or the result. Jobs are
//! kept in memory for an hour and belong to the account that started them: anyone else
//! gets a 404.

use std::time::{Duration, Instant};

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use crate::chrome::Chrome;
use crate::csrf::{self, CsrfForm};
use crate::error::PageError;
use crate::forms::see_other;
use crate::jobs::{ImportReport, Job, JobState, Mode};
use crate::roles::{Area, LedgerKeeper, OfficialUser};
use crate::state::WebState;

/// The largest file the page accepts (the catalog's own limit).
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;
#[derive(Template, WebTemplate)]
#[template(path = "official_import.html")]
pub struct ImportForm {
    chrome: Chrome,
    area_name: String,
    error: Option<String>,
}

pub async fn form(LedgerKeeper(user): LedgerKeeper, chrome: Chrome) -> ImportForm {
    ImportForm {
        chrome,
        area_name: user.area.name(),
        error: None,
    }
}

/// The ledger format of an uploaded file, by its name, else its declared type.
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

/// Receives the file (multipart, with the `_csrf` field) and starts its dry run.
pub async fn upload(
    State(app): State<WebState>,
    LedgerKeeper(OfficialUser {
        identity,
        token,
        area,
    }): LedgerKeeper,
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
                                &area,
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
                    &area,
                    "无法读取上传的内容，请重试（文件不超过 16 MB）。",
                ));
            }
        }
    }
    // The CSRF field must match the cookie, as for every form.
    csrf::check(&headers, sent_csrf.as_deref())?;
    let Some((file_name, content_type, bytes)) = file.filter(|f| !f.2.is_empty()) else {
        return Ok(refused(chrome, &area, "请选择要导入的台账文件。"));
    };
    let Some(format) = format_of(&file_name, content_type.as_deref()) else {
        return Ok(refused(
            chrome,
            &area,
            "只能导入 CSV（.csv）或 Excel（.xlsx）格式的台账文件。",
        ));
    };
    let id = start(
        &app,
        Job {
            owner: identity.account_id.clone(),
            started: Instant::now(),
            file_name,
            format,
            mode: Mode::DryRun,
            bytes,
            state: JobState::Running,
        },
        token,
    );
    Ok(see_other(&format!("/official/import/jobs/{id}")))
}

fn refused(chrome: Chrome, area: &Area, message: &str) -> Response {
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        ImportForm {
            chrome,
            area_name: area.name(),
            error: Some(message.to_string()),
        },
    )
        .into_response()
}

/// Registers a job and runs it in a task; returns its id.
fn start(app: &WebState, job: Job, token: String) -> String {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let (format, mode, bytes) = (job.format, job.mode, job.bytes.clone());
    app.imports.insert(id.clone(), job);
    let app = app.clone();
    let job_id = id.clone();
    tokio::spawn(async move {
        let state = run(&app, &token, format, mode, bytes).await;
        app.imports.finish(&job_id, state);
    });
    id
}

/// Sends the file to the catalog's import.
async fn run(app: &WebState, token: &str, format: &str, mode: Mode, bytes: Bytes) -> JobState {
    let url = format!(
        "{}/catalog/compounds/import?format={format}&mode={}",
        app.api.catalog,
        mode.as_str()
    );
    let res = app
        .api
        .http
        .post(&url)
        .bearer_auth(token)
        .timeout(Duration::from_secs(300))
        .body(bytes)
        .send()
        .await;
    let res = match res {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = ?e, "the ledger import did not reach the catalog");
            return JobState::Failed("台账服务暂时不可用，请稍后再试。".into());
        }
    };
    let status = res.status();
    let Ok(body) = res.bytes().await else {
        return JobState::Failed("台账服务的答复中断，请重试。".into());
    };
    // A report (200, or 422 for a refused strict import), else a problem.
    if let Ok(report) = serde_json::from_slice::<ImportReport>(&body) {
        return JobState::Done(report);
    }
    match serde_json::from_slice::<shared::error::Problem>(&body) {
        Ok(p) => {
            let mut message = p.detail.clone().unwrap_or_else(|| p.title.clone());
            for e in &p.errors {
                message.push_str(&format!("（{}）", e.message));
            }
            JobState::Failed(message)
        }
        Err(_) => {
            tracing::error!(%status, "the catalog answered the import with no report");
            JobState::Failed("台账服务暂时不可用，请稍后再试。".into())
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "official_import_job.html")]
pub struct JobPage {
    chrome: Chrome,
    id: String,
    file_name: String,
    format: String,
    dry_run: bool,
    mode_label: &'static str,
    running: bool,
    seconds: u64,
    report: Option<ImportReport>,
    failure: Option<String>,
}

impl JobPage {
    /// Rows refused for an error (the report may not list every error, so they are
    /// counted from the totals).
    pub fn bad_lines(&self) -> usize {
        self.report
            .as_ref()
            .map_or(0, |r| r.rows_total.saturating_sub(r.rows_valid))
    }

    /// Errors found, listed or not.
    pub fn error_count(&self) -> usize {
        self.report
            .as_ref()
            .map_or(0, |r| r.errors_total.max(r.errors.len()))
    }
}

pub async fn job(
    State(app): State<WebState>,
    user: OfficialUser,
    chrome: Chrome,
    Path(id): Path<String>,
) -> Result<Response, PageError> {
    let job = app
        .imports
        .get(&id, &user.identity.account_id)
        .ok_or_else(no_job)?;
    let (running, report, failure) = match job.state {
        JobState::Running => (true, None, None),
        JobState::Done(r) => (false, Some(r), None),
        JobState::Failed(m) => (false, None, Some(m)),
    };
    let page = JobPage {
        chrome,
        id,
        file_name: job.file_name,
        format: job.format.to_uppercase(),
        dry_run: job.mode == Mode::DryRun,
        mode_label: match job.mode {
            Mode::DryRun => "试导入（预览）",
            Mode::Strict => "导入全部行",
            Mode::GoodRows => "仅导入正确的行",
        },
        running,
        seconds: job.started.elapsed().as_secs(),
        report,
        failure,
    };
    let mut response = page.into_response();
    let h = response.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    if running {
        // Reload until done (also said by the page's <meta http-equiv="refresh">).
        h.insert(header::REFRESH, HeaderValue::from_static("1"));
    }
    Ok(response)
}

fn no_job() -> PageError {
    PageError::not_found("没有这个导入任务（任务只保留一小时，且只有发起人可以查看）。")
}

#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    mode: String,
}

/// Imports the previewed file: `strict` (every row) or `good_rows` (the valid ones).
pub async fn confirm(
    State(app): State<WebState>,
    LedgerKeeper(OfficialUser {
        identity, token, ..
    }): LedgerKeeper,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Result<Response, PageError> {
    let previous = app
        .imports
        .get(&id, &identity.account_id)
        .ok_or_else(no_job)?;
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
    if previous.mode != Mode::DryRun || !matches!(previous.state, JobState::Done(_)) {
        return Err(PageError::new(
            StatusCode::CONFLICT,
            "无法导入",
            "只能确认已完成预览的文件，请重新上传。",
        ));
    }
    let new_id = start(
        &app,
        Job {
            owner: identity.account_id.clone(),
            started: Instant::now(),
            file_name: previous.file_name,
            format: previous.format,
            mode,
            bytes: previous.bytes,
            state: JobState::Running,
        },
        token,
    );
    Ok(see_other(&format!("/official/import/jobs/{new_id}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_by_name_then_type() {
        assert_eq!(format_of("台账.CSV", None), Some("csv"));
        assert_eq!(format_of("台账.xlsx", Some("text/csv")), Some("xlsx"));
        assert_eq!(
            format_of("blob", Some("text/csv; charset=utf-8")),
            Some("csv")
        );
        assert_eq!(
            format_of("台账.xls", Some("application/vnd.ms-excel")),
            None
        );
    }
}
