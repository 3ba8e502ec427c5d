//! Work plans, the progress list and the reports as the pages read them (only what they
//! show): the catalog's plan
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

/// The catalog's plan.
#[derive(Debug, Clone, Deserialize)]
pub struct WorkPlan {
    pub target_compounds: i64,
    pub target_rate_percent: i64,
    pub dues: Vec<StageDue>,
    pub compounds: Vec<String>,
    pub version: i64,
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

/// Coverage figures of a report (matching's `Figures`).
#[derive(Debug, Clone, Deserialize)]
pub struct Coverage {
    pub old_compounds: i64,
    pub eligible: i64,
    pub covered: i64,
    pub percent: Option<String>,
    pub gap_compounds: i64,
}

impl Coverage {
    /// `45%（9/20）` or why there is no rate.
    pub fn note(&self) -> String {
        match &self.percent {
            Some(p) => format!("{p}（{}/{}）", self.covered, self.eligible),
            None => "无符合条件的小区".into(),
        }
    }
}

/// The target in force.
#[derive(Debug, Clone, Deserialize)]
pub struct TargetView {
    pub due: String,
    pub percent: String,
}

/// A plan target against the month's end.
#[derive(Debug, Clone, Deserialize)]
pub struct TargetProgress {
    pub due: String,
    pub percent: String,
    pub needed: i64,
    pub gap_compounds: i64,
    pub met: bool,
}

/// A street (district) of the monthly report.
#[derive(Debug, Clone, Deserialize)]
pub struct MonthlyRow {
    pub name: String,
    pub coverage: Coverage,
    pub covered_change: i64,
    pub plans: Counts,
    #[serde(default)]
    pub subsidies: SubsidySum,
}

/// 以奖代补 subsidies first recorded in the month (matching sums the catalog's records).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SubsidySum {
    pub count: i64,
    pub amount_fen: i64,
}

impl SubsidySum {
    /// `2 笔 70,000.00 元`, or `—`.
    pub fn text(&self) -> String {
        if self.count == 0 {
            "—".into()
        } else {
            format!(
                "{} 笔 {}",
                self.count,
                crate::format::yuan_label(self.amount_fen)
            )
        }
    }
}

/// A planned compound with an overdue stage.
#[derive(Debug, Clone, Deserialize)]
pub struct OverdueItem {
    pub compound_id: String,
    pub compound_name: Option<String>,
    pub street_name: String,
    pub stage_label: String,
    pub overdue: Vec<String>,
}

/// A contract signed or ended in the month.
#[derive(Debug, Clone, Deserialize)]
pub struct ContractEvent {
    pub compound_id: String,
    pub compound_name: Option<String>,
    pub firm_name: String,
    pub on: String,
    #[serde(default)]
    pub reason: Option<String>,
}

/// A compound whose live contract is with a blacklisted firm (the contract's fields are
/// flattened into it).
#[derive(Debug, Clone, Deserialize)]
pub struct Blacklisted {
    pub compound_id: String,
    pub compound_name: Option<String>,
    pub firm_name: String,
    pub blacklist_from: Option<String>,
}

/// 每月调度.
#[derive(Debug, Clone, Deserialize)]
pub struct MonthlyReport {
    pub month: String,
    pub level: String,
    pub name: String,
    pub as_of: String,
    pub partial: bool,
    pub target: TargetView,
    pub targets: Vec<TargetProgress>,
    pub coverage: Coverage,
    pub previous: Coverage,
    pub covered_change: i64,
    pub rows: Vec<MonthlyRow>,
    pub plans: Counts,
    #[serde(default)]
    pub subsidies: SubsidySum,
    pub overdue: Vec<OverdueItem>,
    pub overdue_total: i64,
    pub new_contracts: Vec<ContractEvent>,
    pub terminations: Vec<ContractEvent>,
    pub blacklisted: Vec<Blacklisted>,
}

/// One district or street of the bulletin.
#[derive(Debug, Clone, Deserialize)]
pub struct BulletinItem {
    pub rank: u32,
    pub group_size: u32,
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub district_name: Option<String>,
    pub compounds: i64,
    pub percent: String,
    pub bottom_three: bool,
    pub previous_rank: Option<u32>,
    pub notify: bool,
}

/// 季度通报.
#[derive(Debug, Clone, Deserialize)]
pub struct Bulletin {
    pub period: String,
    pub previous_period: String,
    pub year: i32,
    pub measure: String,
    pub rule: String,
    pub districts: Vec<BulletinItem>,
    pub streets: Vec<BulletinItem>,
    pub bottom_three_districts: Vec<String>,
    pub notified_districts: Vec<BulletinItem>,
    pub notified_streets: Vec<BulletinItem>,
    pub year_districts: Vec<BulletinItem>,
    pub year_streets: Vec<BulletinItem>,
}
