//! What the tender API answers about owners' votes (业主表决) and residents' satisfaction
//! surveys, as the pages read it, with the texts the templates print.

use serde::Deserialize;

use crate::format::{matter_label, rate_percent, when};

#[derive(Debug, Clone, Deserialize)]
pub struct Vote {
    pub id: String,
    pub compound_id: String,
    pub matter: String,
    pub subject: String,
    pub total_owners: i64,
    pub total_area_m2: i64,
    pub participating_owners: i64,
    pub participating_area_m2: i64,
    pub approving_owners: i64,
    pub approving_area_m2: i64,
    pub held_on: String,
    pub document_ref: String,
    pub passed: bool,
    #[serde(default)]
    pub reasons: Vec<String>,
    pub recorded_at: String,
}

/// One condition of Civil Code art. 278 as the result page explains it.
pub struct Condition {
    pub what: &'static str,
    pub rule: &'static str,
    pub actual: String,
    pub met: bool,
}

fn pct(a: i64, b: i64) -> String {
    if b == 0 {
        "—".into()
    } else {
        format!("{:.1}%", a as f64 * 100.0 / b as f64)
    }
}

impl Vote {
    pub fn matter_label(&self) -> &str {
        matter_label(&self.matter)
    }

    /// The four conditions of the double majority (participation two thirds of area and of
    /// owners; approval more than half — three quarters for the maintenance fund — of the
    /// participating area and owners), with the tally's figures.
    pub fn conditions(&self) -> Vec<Condition> {
        let at_least = |a: i64, b: i64, n: i64, d: i64| a * d >= b * n;
        let fund = self.matter == "maintenance_fund";
        let (approve_rule, approve_ok): (&'static str, fn(i64, i64) -> bool) = if fund {
            ("≥ 3/4", |a, b| a * 4 >= b * 3)
        } else {
            ("> 1/2", |a, b| a * 2 > b)
        };
        vec![
            Condition {
                what: "参与表决的专有部分面积 / 总面积",
                rule: "≥ 2/3",
                actual: format!(
                    "{} / {} ㎡（{}）",
                    self.participating_area_m2,
                    self.total_area_m2,
                    pct(self.participating_area_m2, self.total_area_m2)
                ),
                met: at_least(self.participating_area_m2, self.total_area_m2, 2, 3),
            },
            Condition {
                what: "参与表决的业主人数 / 业主总人数",
                rule: "≥ 2/3",
                actual: format!(
                    "{} / {} 人（{}）",
                    self.participating_owners,
                    self.total_owners,
                    pct(self.participating_owners, self.total_owners)
                ),
                met: at_least(self.participating_owners, self.total_owners, 2, 3),
            },
            Condition {
                what: "同意的专有部分面积 / 参与表决面积",
                rule: approve_rule,
                actual: format!(
                    "{} / {} ㎡（{}）",
                    self.approving_area_m2,
                    self.participating_area_m2,
                    pct(self.approving_area_m2, self.participating_area_m2)
                ),
                met: self.participating_area_m2 > 0
                    && approve_ok(self.approving_area_m2, self.participating_area_m2),
            },
            Condition {
                what: "同意的业主人数 / 参与表决人数",
                rule: approve_rule,
                actual: format!(
                    "{} / {} 人（{}）",
                    self.approving_owners,
                    self.participating_owners,
                    pct(self.approving_owners, self.participating_owners)
                ),
                met: self.participating_owners > 0
                    && approve_ok(self.approving_owners, self.participating_owners),
            },
        ]
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Survey {
    pub period: String,
    pub satisfied: i64,
    pub basically_satisfied: i64,
    pub dissatisfied: i64,
    pub respondents: i64,
    pub rate: f64,
}

impl Survey {
    pub fn rate_label(&self) -> String {
        rate_percent(self.rate)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct SatisfactionSummary {
    pub surveys: i64,
    pub respondents: i64,
    pub rate: Option<f64>,
    #[serde(default)]
    pub items: Vec<Survey>,
}

impl SatisfactionSummary {
    pub fn rate_label(&self) -> String {
        self.rate.map_or("暂无调查".into(), rate_percent)
    }
}

impl Vote {
    pub fn recorded_text(&self) -> String {
        when(&self.recorded_at)
    }
}
