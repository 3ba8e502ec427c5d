//! Work plans and the progress list as the pages read them: the catalog's plan
//! (`/catalog/plans/{street}/{year}`), matching's progress list and roll-up
//! (`/match/plans/progress`, `/match/plans/rollup`).

use serde::Deserialize;

use super::Page;

/// A stage's due date.
#[derive(Debug, Clone, Deserialize)]
pub struct StageDue {
    pub stage: String,
    pub due: String,
}

impl StageDue {
    /// 摸底, 动员, ….
    pub fn stage_label(&self) -> &'static str {
        crate::format::stage_label(&self.stage)
    }
}

/// A stage the street recorded.
#[derive(Debug, Clone, Deserialize)]
pub struct StageRecord {
    pub compound_id: String,
    pub stage: String,
    pub done_on: String,
    pub note: String,
}

/// The catalog's plan.
#[derive(Debug, Clone, Deserialize)]
pub struct WorkPlan {
    pub year: i32,
    pub target_compounds: i64,
    pub target_rate_percent: i64,
    pub dues: Vec<StageDue>,
    pub compounds: Vec<String>,
    #[serde(default)]
    pub records: Vec<StageRecord>,
    pub version: i64,
    pub updated_at: String,
    pub updated_by: String,
}

impl WorkPlan {
    /// The due date of `stage`, "" when none.
    pub fn due(&self, stage: &str) -> String {
        self.dues
            .iter()
            .find(|d| d.stage == stage)
            .map(|d| d.due.clone())
            .unwrap_or_default()
    }
}

/// The record a stage rests on.
#[derive(Debug, Clone, Deserialize)]
pub struct Link {
    pub kind: String,
    pub id: String,
}

impl Link {
    /// The public page of the record, if it has one.
    pub fn href(&self) -> String {
        match self.kind.as_str() {
            "vote" => format!("/votes/{}", self.id),
            "tender" => format!("/tender/{}", self.id),
            _ => format!("/compounds/{}", self.id),
        }
    }
}

/// One stage of one compound.
#[derive(Debug, Clone, Deserialize)]
pub struct StageState {
    pub stage: String,
    pub label: String,
    pub due: Option<String>,
    pub done_on: Option<String>,
    pub link: Option<Link>,
    pub note: Option<String>,
    pub overdue: bool,
}

/// One planned compound.
#[derive(Debug, Clone, Deserialize)]
pub struct CompoundProgress {
    pub compound_id: String,
    pub compound_name: Option<String>,
    pub stage_label: String,
    pub stages: Vec<StageState>,
    pub overdue: bool,
}

/// How many compounds stand at a stage.
#[derive(Debug, Clone, Deserialize)]
pub struct StageCount {
    pub stage: String,
    pub label: String,
    pub compounds: i64,
}

/// Counts of planned compounds.
#[derive(Debug, Clone, Deserialize)]
pub struct Counts {
    pub planned: i64,
    pub at_stage: Vec<StageCount>,
    pub overdue: i64,
    pub contracted: i64,
}

/// Matching's progress list of a street.
#[derive(Debug, Clone, Deserialize)]
pub struct PlanProgress {
    pub year: i32,
    pub street_name: String,
    pub district_name: String,
    pub as_of: String,
    pub counts: Counts,
    pub compounds: Page<CompoundProgress>,
}

/// One row of a roll-up.
#[derive(Debug, Clone, Deserialize)]
pub struct RollupRow {
    pub code: String,
    pub name: String,
    pub plans: i64,
    pub target_compounds: i64,
    pub counts: Counts,
}

/// Matching's roll-up of a district's streets or the city's districts.
#[derive(Debug, Clone, Deserialize)]
pub struct Rollup {
    pub year: i32,
    pub as_of: String,
    pub level: String,
    pub name: String,
    pub rows: Vec<RollupRow>,
    pub total: RollupRow,
}
