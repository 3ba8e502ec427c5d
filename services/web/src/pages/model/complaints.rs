//! What the tender API answers about complaints (质疑) and their escalations (复核), as the
//! pages read them, with the texts the templates print. The complainant's id and name come
//! only to those who may see them (the firm itself, the committee, the officials in reach).

use serde::Deserialize;

use crate::format::when;

/// An escalation of a complaint to the street or the district, with its decision.
#[derive(Debug, Clone, Deserialize)]
pub struct Escalation {
    /// `street` | `district`.
    pub level: String,
    pub grounds: String,
    pub escalated_at: String,
    pub decision: Option<String>,
    pub upheld: Option<bool>,
    pub decided_at: Option<String>,
}

/// A complaint as `GET /tenders/{id}/complaints` (or a list across tenders) answers it.
#[derive(Debug, Clone, Deserialize)]
pub struct Complaint {
    pub id: String,
    pub tender_id: String,
    #[serde(default)]
    pub firm_name: Option<String>,
    #[serde(default)]
    pub firm_id: Option<String>,
    pub grounds: String,
    pub lodged_at: String,
    pub answer: Option<String>,
    pub upheld: Option<bool>,
    pub answered_at: Option<String>,
    /// `lodged`, `answered`, `escalated_to_street`, `street_decided`,
    /// `escalated_to_district`, `district_decided`.
    pub stage: String,
    /// The latest decision: upheld or not; none while one is awaited.
    pub outcome: Option<bool>,
    #[serde(default)]
    pub escalations: Vec<Escalation>,
    /// In lists across tenders: the tender's title and compound.
    #[serde(default)]
    pub tender_title: String,
    #[serde(default)]
    pub compound_name: String,
}

/// 成立 / 不成立.
fn upheld_label(upheld: bool) -> &'static str {
    if upheld {
        "质疑成立"
    } else {
        "质疑不成立"
    }
}

impl Escalation {
    pub fn level_label(&self) -> &'static str {
        if self.level == "street" {
            "街道复核"
        } else {
            "区县复核"
        }
    }
    pub fn escalated_text(&self) -> String {
        when(&self.escalated_at)
    }
    pub fn decided_text(&self) -> String {
        self.decided_at.as_deref().map(when).unwrap_or_default()
    }
    pub fn outcome_label(&self) -> &'static str {
        self.upheld.map_or("待决定", upheld_label)
    }
}

impl Complaint {
    pub fn stage_label(&self) -> &'static str {
        match self.stage.as_str() {
            "lodged" => "待答复",
            "answered" => "已答复",
            "escalated_to_street" => "街道复核中",
            "street_decided" => "街道已决定",
            "escalated_to_district" => "区县复核中",
            "district_decided" => "区县已决定（最终）",
            _ => "—",
        }
    }
    pub fn lodged_text(&self) -> String {
        when(&self.lodged_at)
    }
    pub fn answered_text(&self) -> String {
        self.answered_at.as_deref().map(when).unwrap_or_default()
    }
    pub fn answer_label(&self) -> &'static str {
        self.upheld.map_or("待答复", upheld_label)
    }
    /// Whether the complaining firm may ask for the next level's review: the latest
    /// decision did not uphold it and the district has not had it (the API also checks
    /// the time limit).
    pub fn escalable(&self) -> bool {
        self.outcome == Some(false) && self.stage != "district_decided"
    }
    /// The level waiting for a decision: `street`, `district`, or empty.
    pub fn pending_level(&self) -> &'static str {
        match self.stage.as_str() {
            "escalated_to_street" => "street",
            "escalated_to_district" => "district",
            _ => "",
        }
    }
    pub fn is_lodged(&self) -> bool {
        self.stage == "lodged"
    }
}
