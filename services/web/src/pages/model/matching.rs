//! What the matching API answers, as the pages read it: matched firms and tenders with the
//! parts of their score, coverage against the targets, the satisfaction ranking, the
//! officials' attention lists and bundle suggestions.

use serde::Deserialize;

use crate::format::street_name;

/// One part of a match's score, with what it means.
#[derive(Debug, Clone, Deserialize)]
pub struct ScorePart {
    pub value: f64,
    pub detail: String,
}

impl ScorePart {
    pub fn value_text(&self) -> String {
        format!("{:+.1}", self.value)
    }
}

/// A firm matched to a tender (`GET /match/tenders/{id}/firms`).
#[derive(Debug, Clone, Deserialize)]
pub struct FirmMatch {
    pub firm_id: String,
    pub name: String,
    pub score: f64,
    pub distance_km: f64,
    #[serde(default)]
    pub parts: Vec<ScorePart>,
    #[serde(default)]
    pub matched_terms: Vec<String>,
}

impl FirmMatch {
    pub fn score_text(&self) -> String {
        format!("{:.1}", self.score)
    }
    pub fn distance_text(&self) -> String {
        format!("{:.1} 公里", self.distance_km)
    }
    pub fn terms_text(&self) -> String {
        self.matched_terms.join("、")
    }
}

/// A tender matched to a firm (`GET /match/firms/{id}/tenders`).
#[derive(Debug, Clone, Deserialize)]
pub struct TenderMatch {
    pub tender_id: String,
    pub compound_name: String,
    pub score: f64,
    pub distance_km: f64,
    #[serde(default)]
    pub parts: Vec<ScorePart>,
    #[serde(default)]
    pub matched_terms: Vec<String>,
}

impl TenderMatch {
    pub fn distance_label(&self) -> String {
        format!("{:.1}", self.distance_km)
    }
    pub fn score_label(&self) -> String {
        format!("{:.2}", self.score)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct TargetView {
    pub due: String,
    pub rate: f64,
    pub percent: String,
}

/// Coverage of one area (the API's `AreaFigures`).
#[derive(Debug, Clone, Deserialize)]
pub struct Figures {
    pub code: Option<String>,
    pub name: String,
    pub old_compounds: i64,
    pub eligible: i64,
    pub covered: i64,
    pub rate: Option<f64>,
    pub percent: Option<String>,
    pub gap_compounds: i64,
    pub target_met: Option<bool>,
}

impl Figures {
    /// `45%（9/20）` or why there is no rate.
    pub fn note(&self) -> String {
        match &self.percent {
            Some(p) => format!("{p}（{}/{}）", self.covered, self.eligible),
            None => "无符合条件的小区".into(),
        }
    }
}

/// `GET /match/coverage`: coverage on a day, citywide, per district, per street.
#[derive(Debug, Clone, Deserialize)]
pub struct CoverageReport {
    pub as_of: String,
    pub target: TargetView,
    pub city: Figures,
    pub districts: Vec<Figures>,
    pub streets: Vec<Figures>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HistoryPoint {
    pub date: String,
    pub target: TargetView,
    pub rate: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct History {
    pub points: Vec<HistoryPoint>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RankingItem {
    pub rank: u32,
    pub group_size: u32,
    pub code: String,
    pub name: String,
    pub respondents: i64,
    pub rate: f64,
    pub percent: String,
    pub bottom_three: bool,
    pub previous_rank: Option<u32>,
    pub notify: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Ranking {
    pub period: String,
    pub previous_period: String,
    pub rule: String,
    pub items: Vec<RankingItem>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LiveContract {
    pub compound_id: String,
    pub compound_name: Option<String>,
    pub end_date: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SupervisedFirm {
    pub firm_id: String,
    pub firm_name: String,
    pub rectify_by: Option<String>,
    pub rectification_overdue: bool,
    pub contracts: Vec<LiveContract>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct BlacklistedFirmCompound {
    /// The live contract with the blacklisted firm.
    #[serde(default)]
    pub contract_id: String,
    pub compound_id: String,
    pub compound_name: Option<String>,
    pub street_code: Option<String>,
    pub firm_id: String,
    pub firm_name: String,
    pub blacklist_from: Option<String>,
    pub blacklist_to: Option<String>,
    pub blacklist_reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Attention {
    pub firms_under_supervision: Vec<SupervisedFirm>,
    pub compounds_with_blacklisted_firm: Vec<BlacklistedFirmCompound>,
    #[serde(default)]
    pub inspection_requests: PendingInspections,
}

/// The area's requests to inspect (查阅) still unanswered (the most urgent first) and
/// their counts.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PendingInspections {
    pub items: Vec<PendingInspection>,
    pub total: i64,
    pub overdue: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct PendingInspection {
    pub compound_id: String,
    pub compound_name: String,
    pub what_label: String,
    pub asked_at: String,
    pub due_on: String,
    /// `open` or `overdue`.
    pub state: String,
}

impl PendingInspection {
    pub fn is_overdue(&self) -> bool {
        self.state == "overdue"
    }
}

impl BlacklistedFirmCompound {
    pub fn street_label(&self) -> String {
        self.street_code
            .as_deref()
            .map(street_name)
            .unwrap_or_default()
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct BundleView {
    pub compound_ids: Vec<String>,
    pub total_households: u32,
    pub max_pair_distance_km: f64,
    pub reason: String,
}
