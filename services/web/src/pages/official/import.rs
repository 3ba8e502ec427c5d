//! 台账导入: upload a CSV or XLSX ledger, see the catalog's dry run (every error by row and
//! column, nothing saved), then confirm the import (all rows, or only the valid ones).
//!
//! Each upload and each confirmation is a job run by a task of this process; the job page
//! (`/official/import/jobs/{id}`) shows a `<progress>` and reloads itself every second (no
//! script needed) until the catalog has answered, then the preview or the result. Jobs are
//! kept in memory for an hour and belong to the account that started them: anyone else
//! gets a 404.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::{Area, official};
use crate::csrf::{CSRF_COOKIE, CsrfForm, CsrfToken};
use crate::error::PageError;
use crate::forms::see_other;
use crate::pages::{Chrome, WebState};
use crate::session::Session;

/// The largest file the page accepts (the catalog's own limit).
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;
/// How long a finished job stays viewable.
const KEEP: Duration = Duration::from_secs(3600);
/// At most this many jobs held at once (the oldest go first).
const MAX_JOBS: usize = 500;

/// What an import job does with the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 试导入: check every row, save nothing.
    DryRun,
    /// Import every row, or nothing if one is bad.
    Strict,
    /// Import the valid rows.
    GoodRows,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::DryRun => "dry_run",
            Mode::Strict => "strict",
            Mode::GoodRows => "good_rows",
        }
    }
}

/// One bad cell or row, as the catalog reports it.
#[derive(Debug, Clone, Deserialize)]
pub struct RowError {
    pub line: u32,
    pub column: String,
    pub value: String,
    pub message: String,
}

/// The catalog's import report.
#[derive(Debug, Clone, Deserialize)]
pub struct ImportReport {
    pub committed: bool,
    pub rows_total: usize,
    pub rows_valid: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub ignored_columns: Vec<String>,
    /// The first errors (the catalog lists at most a few hundred).
    pub errors: Vec<RowError>,
    /// Every error found, listed or not.
    #[serde(default)]
    pub errors_total: usize,
    /// What was left out of `errors`, in Chinese, when not every error is listed.
    #[serde(default)]
    pub errors_not_listed: Option<String>,
}

#[derive(Debug, Clone)]
pub enum JobState {
    Running,
    Done(ImportReport),
    Failed(String),
}

#[derive(Debug, Clone)]
pub struct Job {
    owner: String,
    started: Instant,
    file_name: String,
    format: &'static str,
    mode: Mode,
    bytes: Bytes,
    state: JobState,
}

/// The import jobs of this process.
#[derive(Debug, Default)]
pub struct ImportJobs {
    jobs: Mutex<HashMap<String, Job>>,
}

impl ImportJobs {
    fn insert(&self, id: String, job: Job) {
        let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        jobs.retain(|_, j| j.started.elapsed() < KEEP);
        while jobs.len() >= MAX_JOBS {
            let Some(oldest) = jobs
                .iter()
                .min_by_key(|(_, j)| j.started)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            jobs.remove(&oldest);
        }
        jobs.insert(id, job);
    }

    /// The job, if it exists and `owner` started it.
    fn get(&self, id: &str, owner: &str) -> Option<Job> {
        let jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        jobs.get(id)
            .filter(|j| j.owner == owner && j.started.elapsed() < KEEP)
            .cloned()
    }

    fn finish(&self, id: &str, state: JobState) {
        let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(j) = jobs.get_mut(id) {
            j.state = state;
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "official_import.html")]
pub struct ImportForm {
    chrome: Chrome,
    area_name: String,
    error: Option<String>,
}

pub async fn form(
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<ImportForm, Response> {
    let chrome = Chrome::new(&session, &csrf);
    let (_, _, area) = official(&session, &chrome, "/official/import")?;
    Ok(ImportForm {
        chrome,
        area_name: area.name(),
        error: None,
    })
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|p| p.trim().split_once('='))
        .find(|(k, v)| *k == name && !v.is_empty())
        .map(|(_, v)| v.to_string())
}

fn form_expired() -> Response {
    PageError::new(
        StatusCode::FORBIDDEN,
        "表单已失效",
        "表单已过期或来源不明，请刷新页面后重新提交。",
        Chrome::anonymous(),
    )
    .into_response()
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
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    let (identity, token, area) = match official(&session, &chrome, "/official/import") {
        Ok(x) => x,
        Err(r) => return r,
    };
    let expected = cookie(&headers, CSRF_COOKIE);
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
                            return refused(chrome, &area, "文件上传中断或超过 16 MB，请重试。");
                        }
                    }
                }
                _ => {}
            },
            Ok(None) => break,
            Err(_) => {
                return refused(
                    chrome,
                    &area,
                    "无法读取上传的内容，请重试（文件不超过 16 MB）。",
                );
            }
        }
    }
    // The CSRF field must match the cookie, as for every form.
    match (expected, sent_csrf) {
        (Some(c), Some(s)) if !s.is_empty() && c == s => {}
        _ => return form_expired(),
    }
    let Some((file_name, content_type, bytes)) = file.filter(|f| !f.2.is_empty()) else {
        return refused(chrome, &area, "请选择要导入的台账文件。");
    };
    let Some(format) = format_of(&file_name, content_type.as_deref()) else {
        return refused(
            chrome,
            &area,
            "只能导入 CSV（.csv）或 Excel（.xlsx）格式的台账文件。",
        );
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
    see_other(&format!("/official/import/jobs/{id}"))
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
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    let path = format!("/official/import/jobs/{id}");
    let (identity, _, _) = match official(&session, &chrome, &path) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(job) = app.imports.get(&id, &identity.account_id) else {
        return not_found(chrome);
    };
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
    response
}

fn not_found(chrome: Chrome) -> Response {
    PageError::new(
        StatusCode::NOT_FOUND,
        "未找到",
        "没有这个导入任务（任务只保留一小时，且只有发起人可以查看）。",
        chrome,
    )
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    mode: String,
}

/// Imports the previewed file: `strict` (every row) or `good_rows` (the valid ones).
pub async fn confirm(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<ConfirmForm>,
) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    let path = format!("/official/import/jobs/{id}");
    let (identity, token, _) = match official(&session, &chrome, &path) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let Some(previous) = app.imports.get(&id, &identity.account_id) else {
        return not_found(chrome);
    };
    let mode = match form.mode.as_str() {
        "strict" => Mode::Strict,
        "good_rows" => Mode::GoodRows,
        _ => {
            return PageError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "请求有误",
                "请选择导入方式。",
                chrome,
            )
            .into_response();
        }
    };
    if previous.mode != Mode::DryRun || !matches!(previous.state, JobState::Done(_)) {
        return PageError::new(
            StatusCode::CONFLICT,
            "无法导入",
            "只能确认已完成预览的文件，请重新上传。",
            chrome,
        )
        .into_response();
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
    see_other(&format!("/official/import/jobs/{new_id}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(owner: &str) -> Job {
        Job {
            owner: owner.into(),
            started: Instant::now(),
            file_name: "a.csv".into(),
            format: "csv",
            mode: Mode::DryRun,
            bytes: Bytes::new(),
            state: JobState::Running,
        }
    }

    #[test]
    fn a_job_is_seen_only_by_its_owner() {
        let jobs = ImportJobs::default();
        jobs.insert("j1".into(), job("alice"));
        assert!(jobs.get("j1", "alice").is_some());
        assert!(jobs.get("j1", "bob").is_none());
        assert!(jobs.get("j2", "alice").is_none());
        jobs.finish("j1", JobState::Failed("x".into()));
        assert!(matches!(
            jobs.get("j1", "alice").unwrap().state,
            JobState::Failed(_)
        ));
    }

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
