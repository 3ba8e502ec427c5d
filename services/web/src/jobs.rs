//! The officials' ledger import jobs of this process (in memory): each upload and each
//! confirmation is a job that a task runs (see `pages::official::import`). Jobs are kept for
//! an hour and belong to the account that started them: anyone else is told none exists.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::body::Bytes;
use serde::Deserialize;

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
    pub fn as_str(self) -> &'static str {
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
    pub owner: String,
    pub started: Instant,
    pub file_name: String,
    pub format: &'static str,
    pub mode: Mode,
    pub bytes: Bytes,
    pub state: JobState,
}

/// The import jobs of this process.
#[derive(Debug, Default)]
pub struct ImportJobs {
    jobs: Mutex<HashMap<String, Job>>,
}

impl ImportJobs {
    pub fn insert(&self, id: String, job: Job) {
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
    pub fn get(&self, id: &str, owner: &str) -> Option<Job> {
        let jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        jobs.get(id)
            .filter(|j| j.owner == owner && j.started.elapsed() < KEEP)
            .cloned()
    }

    pub fn finish(&self, id: &str, state: JobState) {
        let mut jobs = self.jobs.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(j) = jobs.get_mut(id) {
            j.state = state;
        }
    }
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
}
