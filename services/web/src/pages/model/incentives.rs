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
