//! Incentives as the catalog answers them: demonstration compounds (标杆示范).

use serde::Deserialize;

use crate::format::when;

/// One step of a demonstration's history.
#[derive(Debug, Clone, Deserialize)]
pub struct DemonstrationStep {
    pub kind: String,
    #[serde(default)]
    pub reason: String,
    /// The account (officials only).
    #[serde(default)]
    pub by: Option<String>,
    #[serde(default)]
    pub by_role: String,
    pub at: String,
}

impl DemonstrationStep {
    pub fn label(&self) -> &'static str {
        status_label(&self.kind)
    }

    pub fn day(&self) -> String {
        when(&self.at)
    }
}

/// A demonstration compound as `GET /catalog/demonstrations…` answers it.
#[derive(Debug, Clone, Deserialize)]
pub struct Demonstration {
    pub id: String,
    pub compound_id: String,
    pub compound_name: String,
    pub street_name: String,
    pub district_name: String,
    pub model: String,
    pub model_name: String,
    pub merits: String,
    #[serde(default)]
    pub points: Vec<String>,
    pub status: String,
    #[serde(default)]
    pub history: Vec<DemonstrationStep>,
}

/// The status in Chinese.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "proposed" => "待区县确认",
        "confirmed" => "已确认",
        "declined" => "未予确认",
        "withdrawn" => "已撤销",
        _ => "未知",
    }
}

impl Demonstration {
    pub fn status_label(&self) -> &'static str {
        status_label(&self.status)
    }

    pub fn is_proposed(&self) -> bool {
        self.status == "proposed"
    }

    /// Proposed or confirmed: it may be withdrawn.
    pub fn is_open(&self) -> bool {
        matches!(self.status.as_str(), "proposed" | "confirmed")
    }

    /// The day it was confirmed, if it was.
    pub fn confirmed_on(&self) -> Option<String> {
        self.history
            .iter()
            .rev()
            .find(|s| s.kind == "confirmed")
            .map(DemonstrationStep::day)
    }
}

/// A 以奖代补 subsidy as `GET /catalog/subsidies` answers it.
#[derive(Debug, Clone, Deserialize)]
pub struct Subsidy {
    pub id: String,
    pub compound_id: String,
    pub compound_name: String,
    pub street_code: String,
    pub district_name: String,
    pub amount_fen: i64,
    pub reason: String,
    pub period_from: String,
    pub period_to: String,
    pub document_number: String,
    #[serde(default)]
    pub corrects: Option<String>,
    #[serde(default)]
    pub correction_reason: String,
    #[serde(default)]
    pub corrected_by: Option<String>,
    pub recorded_on: String,
}

impl Subsidy {
    /// The amount in 元, `50,000.00`.
    pub fn amount_text(&self) -> String {
        crate::format::yuan(self.amount_fen)
    }

    /// The amount as typed in the form, `50000.00`.
    pub fn amount_plain(&self) -> String {
        crate::format::yuan_plain(self.amount_fen)
    }

    pub fn is_current(&self) -> bool {
        self.corrected_by.is_none()
    }

    pub fn is_correction(&self) -> bool {
        self.corrects.is_some()
    }
}

/// A compound's figures in the 百佳 ranking (a candidate, or an entry at selection time).
#[derive(Debug, Clone, Deserialize)]
pub struct BestFigures {
    pub rank: i64,
    pub compound_id: String,
    pub compound_name: String,
    pub street_code: String,
    pub satisfaction_basis_points: i64,
    pub respondents: i64,
    pub months_served: i64,
    pub served_since: String,
}

impl BestFigures {
    /// `95.50%`.
    pub fn satisfaction_text(&self) -> String {
        format!(
            "{}.{:02}%",
            self.satisfaction_basis_points / 100,
            self.satisfaction_basis_points % 100
        )
    }

    /// The street's name.
    pub fn street_text(&self) -> String {
        crate::format::street_name(&self.street_code)
    }
}

/// The year's candidates as `GET /tenders/best/{year}/candidates` answers them.
#[derive(Debug, Clone, Deserialize)]
pub struct BestCandidates {
    pub as_of: String,
    pub items: Vec<BestFigures>,
}

/// A selected compound with the day its figures were read.
#[derive(Debug, Clone, Deserialize)]
pub struct BestEntry {
    #[serde(flatten)]
    pub f: BestFigures,
    pub as_of: String,
}

/// A year's 百佳示范小区 list.
#[derive(Debug, Clone, Deserialize)]
pub struct BestList {
    #[serde(default)]
    pub published_at: Option<String>,
    pub entries: Vec<BestEntry>,
}

impl BestList {
    pub fn is_published(&self) -> bool {
        self.published_at.is_some()
    }

    /// Whether `compound` is selected.
    pub fn has(&self, compound: &str) -> bool {
        self.entries.iter().any(|e| e.f.compound_id == compound)
    }

    pub fn published_text(&self) -> String {
        self.published_at.as_deref().map(when).unwrap_or_default()
    }
}
