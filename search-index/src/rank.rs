//! Ranking (排序): the weights of each score part and the Chinese explanations returned with
//! every match.
//!
//! A match's score is the sum of its parts; each part is returned with its value and a
//! sentence saying why, so a committee sees *why* a firm ranks where it does. Parts that record
//! a satisfied hard filter (model, fee model, grade, reach) carry the value 0.

use serde::{Deserialize, Serialize};

use crate::error::{IndexError, Result};
use crate::needs::{MatchKind, TextReport};
use crate::places::place_label;

/// Weights of the score parts (configuration: every field has a default, so a partial table
/// in the service's config is enough).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Weights {
    /// Multiplies the text relevance: the share (0–1) of the query's needs the other side
    /// covers (see [`crate::needs`]), so a firm covering every need gets `text` points.
    pub text: f64,
    /// Distance decay: `distance · exp(−d / distance_scale_km)`.
    pub distance: f64,
    /// The distance (km) at which the decay has fallen to 1/e.
    pub distance_scale_km: f64,
    /// Firm's office in the compound's district.
    pub same_district: f64,
    /// Firm's office in the compound's street.
    pub same_street: f64,
    /// Capacity fit: full when the firm keeps at least as many households free again after
    /// taking the compound, falling linearly to 0 when it would be full.
    pub capacity: f64,
    /// Multiplies credit score / 100.
    pub credit: f64,
    /// Multiplies residents' satisfaction (0–1).
    pub satisfaction: f64,
    /// Satisfaction assumed for a firm nobody has rated yet (0–1).
    pub satisfaction_prior: f64,
    /// Whitelisted firm (检查白名单).
    pub whitelist: f64,
    /// SOE or low-profit commitment, counted only for the `community` model.
    pub public_interest: f64,
    /// Experience with old compounds: `experience · min(n, saturation) / saturation`.
    pub experience: f64,
    /// Number of old compounds at which experience counts in full.
    pub experience_saturation: u32,
}

impl Default for Weights {
    fn default() -> Self {
        Self {
            // Covering every need is worth a little more than being next door (distance 3):
            // wording alone cannot beat proximity plus standing (issue 18).
            text: 4.0,
            distance: 3.0,
            distance_scale_km: 5.0,
            same_district: 0.5,
            same_street: 0.5,
            capacity: 0.5,
            credit: 1.0,
            satisfaction: 1.0,
            satisfaction_prior: 0.6,
            whitelist: 0.5,
            public_interest: 1.0,
            experience: 0.5,
            experience_saturation: 10,
        }
    }
}

impl Weights {
    /// Checks that every weight is a finite non-negative number and the scales are positive.
    pub fn validate(&self) -> Result<()> {
        let named = [
            ("text", self.text),
            ("distance", self.distance),
            ("same_district", self.same_district),
            ("same_street", self.same_street),
            ("capacity", self.capacity),
            ("credit", self.credit),
            ("satisfaction", self.satisfaction),
            ("whitelist", self.whitelist),
            ("public_interest", self.public_interest),
            ("experience", self.experience),
        ];
        for (field, value) in named {
            if !value.is_finite() || value < 0.0 {
                return Err(IndexError::query(field, "权重须为非负数"));
            }
        }
        if !self.distance_scale_km.is_finite() || self.distance_scale_km <= 0.0 {
            return Err(IndexError::query("distance_scale_km", "距离尺度须为正数"));
        }
        if !(0.0..=1.0).contains(&self.satisfaction_prior) {
            return Err(IndexError::query(
                "satisfaction_prior",
                "默认满意度须在 0–1 之间",
            ));
        }
        if self.experience_saturation == 0 {
            return Err(IndexError::query("experience_saturation", "须大于 0"));
        }
        Ok(())
    }
}

/// One part of a match's score, with its reason.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScorePart {
    /// Stable English name (`text`, `distance`, `same_district`, …).
    pub name: String,
    /// Contribution to the score.
    pub value: f64,
    /// Chinese explanation, e.g. “距离 2.3 公里”.
    pub detail: String,
}

impl ScorePart {
    pub(crate) fn new(name: &str, value: f64, detail: String) -> Self {
        Self {
            name: name.to_string(),
            value,
            detail,
        }
    }
}

/// Chinese label of a service model code.
pub fn model_label(code: &str) -> String {
    match code {
        "professional" => "专业化物业服务".into(),
        "trust" => "信托制物业".into(),
        "community" => "公益/保障型物业".into(),
        "self_managed" => "业主自治管理".into(),
        other => other.into(),
    }
}

/// Chinese label of a fee model code.
pub fn fee_label(code: &str) -> String {
    match code {
        "lump_sum" => "包干制".into(),
        "commission" => "酬金制".into(),
        "trust" => "信托制".into(),
        other => other.into(),
    }
}

/// Chinese label of a service grade (一级 … 五级).
pub fn grade_label(grade: u8) -> String {
    const NUM: [&str; 6] = ["零", "一", "二", "三", "四", "五"];
    match NUM.get(grade as usize) {
        Some(n) => format!("{n}级"),
        None => format!("{grade}级"),
    }
}

pub(crate) fn code_label(code: u32) -> String {
    place_label(&code.to_string())
}

/// Distance decay part.
pub(crate) fn distance_value(w: &Weights, km: f64) -> f64 {
    w.distance * (-km / w.distance_scale_km).exp()
}

/// Capacity fit in [0, 1]: headroom left after taking `households`, relative to `households`.
pub(crate) fn capacity_fit(capacity_left: u32, households: u32) -> f64 {
    if households == 0 {
        return 1.0;
    }
    let spare = f64::from(capacity_left.saturating_sub(households));
    (spare / f64::from(households)).min(1.0)
}

pub(crate) fn credit_value(w: &Weights, credit: i64) -> f64 {
    w.credit * credit as f64 / 100.0
}

pub(crate) fn satisfaction_value(w: &Weights, satisfaction: Option<f64>) -> f64 {
    w.satisfaction * satisfaction.unwrap_or(w.satisfaction_prior)
}

pub(crate) fn satisfaction_detail(w: &Weights, satisfaction: Option<f64>) -> String {
    match satisfaction {
        Some(s) => format!("其他小区居民满意度 {:.0}%", s * 100.0),
        None => format!(
            "暂无居民满意度评价，按默认 {:.0}% 计",
            w.satisfaction_prior * 100.0
        ),
    }
}

pub(crate) fn experience_value(w: &Weights, n: u32) -> f64 {
    let sat = w.experience_saturation.max(1);
    w.experience * f64::from(n.min(sat)) / f64::from(sat)
}

/// Text part: which of the query's needs the document covers, with the word the document used
/// for each (同义 for a thesaurus synonym, 部分 for some parts of a compound word), and how the
/// value is made (share of the needs × the text weight).
/// `what` names the two texts (for “无共同关键词”), `covers` says what was covered.
pub(crate) fn text_part(
    value: f64,
    weight: f64,
    report: &TextReport,
    what: &str,
    covers: &str,
) -> ScorePart {
    if report.hits.is_empty() {
        return ScorePart::new("text", value, format!("{what}无共同关键词"));
    }
    let hits: Vec<String> = report
        .hits
        .iter()
        .map(|h| match h.kind {
            MatchKind::Exact => h.word.clone(),
            MatchKind::Synonym => format!("{}（同义：{}）", h.need, h.word),
            MatchKind::Part => format!("{}（部分：{}）", h.need, h.word),
        })
        .collect();
    let mut detail = format!(
        "{covers} {:.2}/{} 项：{}",
        report.covered,
        report.needs,
        hits.join("、")
    );
    if !report.missing.is_empty() {
        detail.push_str(&format!("；未覆盖：{}", report.missing.join("、")));
    }
    let share = if report.needs == 0 {
        0.0
    } else {
        report.covered / report.needs as f64
    };
    detail.push_str(&format!(
        "；{:.0}% × 权重 {weight} = {value:.2}",
        share * 100.0
    ));
    ScorePart::new("text", value, detail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_load_from_partial_config_and_validate() {
        let w: Weights = serde_json::from_str(r#"{"distance": 5.0}"#).unwrap();
        assert_eq!(w.distance, 5.0);
        assert_eq!(w.text, Weights::default().text);
        assert!(w.validate().is_ok());
        assert!(serde_json::from_str::<Weights>(r#"{"distanse": 5.0}"#).is_err());
        let bad = Weights {
            credit: -1.0,
            ..Weights::default()
        };
        assert!(matches!(
            bad.validate(),
            Err(IndexError::InvalidQuery {
                field: "credit",
                ..
            })
        ));
        let bad = Weights {
            distance_scale_km: 0.0,
            ..Weights::default()
        };
        assert!(bad.validate().is_err());
    }

    #[test]
    fn parts_explain_in_chinese() {
        let w = Weights::default();
        assert!((distance_value(&w, 2.345) - 3.0 * (-2.345f64 / 5.0).exp()).abs() < 1e-12);
        assert_eq!(capacity_fit(1000, 300), 1.0);
        assert!((capacity_fit(450, 300) - 0.5).abs() < 1e-12);
        assert_eq!(capacity_fit(300, 300), 0.0);
        assert_eq!(grade_label(3), "三级");
        assert_eq!(model_label("trust"), "信托制物业");
        assert_eq!(fee_label("commission"), "酬金制");
        assert_eq!(model_label("other_model"), "other_model");
        assert_eq!(satisfaction_value(&w, None), 0.6);
        assert_eq!(satisfaction_detail(&w, Some(0.9)), "其他小区居民满意度 90%");
        assert_eq!(
            satisfaction_detail(&w, None),
            "暂无居民满意度评价，按默认 60% 计"
        );
        assert_eq!(experience_value(&w, 25), 0.5);
        assert_eq!(experience_value(&w, 5), 0.25);
    }
}
