//! What the tender API answers about tenders, as the pages read it (only the fields they
//! show), with the texts the templates print: terms, Q&A, bids, the opening, ranking and
//! award, invitations, the audit trail.

use serde::Deserialize;
use shared::clock::now_ms;
use shared::events::tender::Remuneration;

use super::contract::Contract;
use crate::format::{
    agrees_remuneration, fee_label, fee_model_label, instant_ms, method_label, model_label,
    place_label, remaining, remuneration_label, time_left, when, when_secs, yuan, yuan_label,
};

#[derive(Debug, Clone, Deserialize)]
pub struct Criterion {
    pub name: String,
    pub weight: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Evaluation {
    pub method: String,
    pub price_weight: Option<i64>,
    #[serde(default)]
    pub criteria: Vec<Criterion>,
}

impl Evaluation {
    pub fn label(&self) -> String {
        match (self.method.as_str(), self.price_weight) {
            ("rated", Some(w)) => format!(
                "综合评分法（价格 {w} 分；{}）",
                self.criteria
                    .iter()
                    .map(|c| format!("{} {} 分", c.name, c.weight))
                    .collect::<Vec<_>>()
                    .join("、")
            ),
            (m, _) => method_label(m).to_string(),
        }
    }

    pub fn is_rated(&self) -> bool {
        self.method == "rated"
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct OpenedBid {
    pub firm_id: String,
    pub firm_name: String,
    pub fee: i64,
    pub annual_price_fen: i64,
    pub received_at: String,
    pub valid: bool,
    pub invalid_reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OpeningRecord {
    pub opened_at: String,
    #[serde(default)]
    pub bids: Vec<OpenedBid>,
    pub valid_bids: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Ranked {
    pub rank: i64,
    pub bid_id: String,
    pub firm_name: String,
    pub fee: i64,
    pub annual_price_fen: i64,
    pub price_score: Option<f64>,
    pub quality_score: Option<f64>,
    pub total_score: Option<f64>,
    #[serde(default)]
    pub chosen_by_vote: bool,
    /// The annual price exceeds the tender's budget (超出预算).
    #[serde(default)]
    pub above_budget: bool,
}

impl Ranked {
    pub fn score(v: &Option<f64>) -> String {
        v.map_or("—".into(), |s| format!("{s:.2}"))
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Skipped {
    pub firm_name: String,
    pub reason: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Award {
    pub firm_id: String,
    pub firm_name: String,
    pub fee: i64,
    pub annual_price_fen: i64,
    #[serde(default)]
    pub ranking: Vec<Ranked>,
    #[serde(default)]
    pub skipped: Vec<Skipped>,
    pub awarded_at: String,
    pub notice_ends_at: String,
    pub status: String,
    pub revoked_reason: Option<String>,
    /// For an `owners_vote` tender: the vote from ballots the award rests on.
    #[serde(default)]
    pub vote_id: Option<String>,
}

impl Award {
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "in_notice" => "公示中",
            "final" => "已签约",
            "revoked" => "已撤销",
            _ => "—",
        }
    }
}

/// A tender as `GET /tenders/{id}` answers it.
#[derive(Debug, Clone, Deserialize)]
pub struct TenderView {
    pub id: String,
    pub compound_id: String,
    pub compound_name: String,
    pub district_code: String,
    pub street_code: Option<String>,
    pub title: String,
    pub status: String,
    pub status_label: String,
    pub service_model: String,
    pub fee_model: String,
    pub grade: i64,
    pub term_months: i64,
    pub annual_budget_fen: i64,
    pub proposed_fee: i64,
    pub needs: String,
    pub enquiry_deadline: String,
    pub bid_deadline: String,
    pub opening_at: String,
    pub evaluation: Evaluation,
    /// 酬金 the committee proposes (酬金制, 信托制 tenders), if any.
    #[serde(default)]
    pub remuneration: Option<Remuneration>,
    #[serde(default)]
    pub accepting_bids: bool,
    /// Open and before the enquiry deadline: firms may ask.
    #[serde(default)]
    pub accepting_questions: bool,
    pub cancel_reason: Option<String>,
    pub published_at: Option<String>,
    pub opened_at: Option<String>,
    pub opening: Option<OpeningRecord>,
    pub award: Option<Award>,
    pub contract: Option<Contract>,
}

impl TenderView {
    pub fn badge_class(&self) -> &'static str {
        match self.status.as_str() {
            "open" | "contracted" => "",
            "evaluation" | "awarded" => "warn",
            "cancelled" | "unsuccessful" => "bad",
            _ => "plain",
        }
    }

    pub fn model_label(&self) -> &str {
        model_label(&self.service_model)
    }

    pub fn fee_model_label(&self) -> &str {
        fee_model_label(&self.fee_model)
    }

    /// Whether its fee model agrees a remuneration (酬金制, 信托制).
    pub fn agrees_remuneration(&self) -> bool {
        agrees_remuneration(&self.fee_model)
    }

    /// The remuneration proposed, in Chinese, if any.
    pub fn remuneration_text(&self) -> Option<String> {
        self.remuneration.map(remuneration_label)
    }

    pub fn place(&self) -> String {
        place_label(&self.district_code, self.street_code.as_deref())
    }

    /// Until the bid deadline, while bids are accepted.
    pub fn bid_countdown(&self) -> Option<String> {
        if self.accepting_bids {
            time_left(self.bid_deadline_ms())
        } else {
            None
        }
    }

    pub fn bid_deadline_ms(&self) -> i64 {
        instant_ms(&self.bid_deadline).unwrap_or(0)
    }

    /// Time left to bid, as people say it (`0 秒` once passed).
    pub fn remaining_text(&self) -> String {
        remaining(self.bid_deadline_ms() - now_ms())
    }

    pub fn method_label(&self) -> &str {
        method_label(&self.evaluation.method)
    }

    /// A firm's result on this tender, once known.
    pub fn result_for(&self, firm: &str) -> String {
        match (&self.award, self.status.as_str()) {
            (Some(a), _) if a.firm_id == firm => {
                if self.contract.is_some() {
                    "中标，已签约".into()
                } else {
                    format!("中标（公示至 {}）", when_secs(&a.notice_ends_at))
                }
            }
            (Some(a), _) => format!("未中标（中标企业：{}）", a.firm_name),
            (None, "open") => "密封中，等待开标".into(),
            (None, "evaluation") => "已开标，评标中".into(),
            (None, "unsuccessful") => "流标".into(),
            (None, "cancelled") => "招标已终止".into(),
            _ => self.status_label.clone(),
        }
    }
}

/// A bid as `GET /tenders/{id}/bids` (the committee, after the opening) and
/// `GET /tenders/{id}/bids/mine` (the firm, its own sealed bid) answer it.
#[derive(Debug, Clone, Deserialize)]
pub struct Bid {
    pub id: String,
    pub tender_id: String,
    pub firm_name: String,
    pub status: String,
    pub fee: i64,
    pub annual_price_fen: i64,
    /// The tender service's flag: the annual price exceeds the tender's budget.
    #[serde(default)]
    pub above_budget: bool,
    pub staffing_plan: String,
    pub service_plan: String,
    #[serde(default)]
    pub criteria_answers: Vec<CriterionAnswer>,
    pub revision: i64,
    pub updated_at: String,
    pub invalid_reason: Option<String>,
    /// 酬金 the firm asks (酬金制, 信托制 tenders), if any.
    #[serde(default)]
    pub remuneration: Option<Remuneration>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CriterionAnswer {
    pub name: String,
    pub answer: String,
}

impl Bid {
    /// The remuneration asked, in Chinese, if any.
    pub fn remuneration_text(&self) -> Option<String> {
        self.remuneration.map(remuneration_label)
    }
    /// The fee in 元/㎡·月, the number only.
    pub fn fee_yuan(&self) -> String {
        yuan(self.fee)
    }
    pub fn fee_text(&self) -> String {
        fee_label(self.fee)
    }
    pub fn price_text(&self) -> String {
        yuan_label(self.annual_price_fen)
    }
    pub fn received_text(&self) -> String {
        when_secs(&self.updated_at)
    }
    pub fn valid(&self) -> bool {
        self.status == "opened"
    }
    pub fn answer_for(&self, name: &str) -> String {
        self.criteria_answers
            .iter()
            .find(|a| a.name == name)
            .map(|a| a.answer.clone())
            .unwrap_or_else(|| "—".into())
    }
    pub fn status_label(&self) -> &'static str {
        match self.status.as_str() {
            "submitted" => "已密封提交",
            "needs_reconfirmation" => "招标条件已变更，待确认",
            "opened" => "已开标",
            "invalid" => "无效",
            "withdrawn" => "已撤回",
            _ => "其他",
        }
    }
}

/// A committee's invitation to bid (`GET /tenders/{id}/invitations` for the committee,
/// `GET /tenders/invitations/mine` for a firm).
#[derive(Debug, Clone, Deserialize)]
pub struct Invitation {
    pub tender_id: String,
    #[serde(default)]
    pub tender_title: String,
    #[serde(default)]
    pub compound_name: String,
    pub firm_id: String,
    pub firm_name: String,
    #[serde(default)]
    pub message: Option<String>,
    pub invited_at: String,
    #[serde(default)]
    pub bid_deadline: String,
}

impl Invitation {
    pub fn invited_text(&self) -> String {
        when(&self.invited_at)
    }
    pub fn deadline_text(&self) -> String {
        when(&self.bid_deadline)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Question {
    pub id: String,
    pub question: String,
    pub answer: Option<String>,
    pub answered_at: Option<String>,
    pub asked_at: Option<String>,
}

// Texts for the templates (askama calls methods more readily than free functions).

impl TenderView {
    pub fn budget_text(&self) -> String {
        format!("{} 元/年", yuan(self.annual_budget_fen))
    }
    pub fn fee_text(&self) -> String {
        fee_label(self.proposed_fee)
    }
    pub fn enquiry_text(&self) -> String {
        when(&self.enquiry_deadline)
    }
    pub fn deadline_text(&self) -> String {
        when_secs(&self.bid_deadline)
    }
    pub fn opening_text(&self) -> String {
        when_secs(&self.opening_at)
    }
    pub fn published_text(&self) -> String {
        self.published_at.as_deref().map(when).unwrap_or_default()
    }
    pub fn is_draft(&self) -> bool {
        self.status == "draft"
    }
    pub fn is_open(&self) -> bool {
        self.status == "open"
    }
    pub fn is_evaluation(&self) -> bool {
        self.status == "evaluation"
    }
    pub fn is_awarded(&self) -> bool {
        self.status == "awarded"
    }
    pub fn is_final(&self) -> bool {
        matches!(
            self.status.as_str(),
            "contracted" | "cancelled" | "unsuccessful"
        )
    }
}

impl OpenedBid {
    /// The fee in 元/㎡·月, the number only.
    pub fn fee_yuan(&self) -> String {
        yuan(self.fee)
    }
    /// The annual price in 元, the number only.
    pub fn price_yuan(&self) -> String {
        yuan(self.annual_price_fen)
    }
    pub fn fee_text(&self) -> String {
        fee_label(self.fee)
    }
    pub fn price_text(&self) -> String {
        yuan_label(self.annual_price_fen)
    }
    pub fn received_text(&self) -> String {
        when_secs(&self.received_at)
    }
}

impl OpeningRecord {
    pub fn opened_text(&self) -> String {
        when_secs(&self.opened_at)
    }
}

impl Ranked {
    pub fn fee_text(&self) -> String {
        fee_label(self.fee)
    }
    pub fn price_text(&self) -> String {
        yuan_label(self.annual_price_fen)
    }
    pub fn price_score_text(&self) -> String {
        Self::score(&self.price_score)
    }
    pub fn quality_score_text(&self) -> String {
        Self::score(&self.quality_score)
    }
    pub fn total_text(&self) -> String {
        Self::score(&self.total_score)
    }
}

impl Award {
    pub fn fee_text(&self) -> String {
        fee_label(self.fee)
    }
    pub fn price_text(&self) -> String {
        yuan_label(self.annual_price_fen)
    }
    pub fn awarded_text(&self) -> String {
        when_secs(&self.awarded_at)
    }
    pub fn notice_text(&self) -> String {
        when_secs(&self.notice_ends_at)
    }
    pub fn notice_ms(&self) -> i64 {
        instant_ms(&self.notice_ends_at).unwrap_or(0)
    }
    pub fn notice_left(&self) -> Option<String> {
        time_left(self.notice_ms())
    }
}

impl Question {
    pub fn answered_text(&self) -> String {
        self.answered_at.as_deref().map(when).unwrap_or_default()
    }
    pub fn asked_text(&self) -> String {
        self.asked_at.as_deref().map(when).unwrap_or_default()
    }
}

/// One row of a tender's audit trail (`GET /tenders/{id}/audit`).
#[derive(Debug, Clone, Deserialize)]
pub struct AuditEvent {
    pub at: String,
    pub actor: String,
    pub actor_role: String,
    pub entity: String,
    pub action: String,
}

impl AuditEvent {
    pub fn at_text(&self) -> String {
        when_secs(&self.at)
    }

    /// The actor's role in Chinese.
    pub fn role_label(&self) -> &'static str {
        match self.actor_role.as_str() {
            "association" => "物业管理协会",
            "district_official" => "区县工作人员",
            "street_official" => "街道工作人员",
            "committee" => "小区自治组织",
            "firm" => "物业服务企业",
            "service" => "系统服务",
            "system" => "系统（定时）",
            _ => "其他",
        }
    }

    /// What was done, in Chinese.
    pub fn what(&self) -> String {
        let entity = match self.entity.as_str() {
            "tender" => "招标项目",
            "bid" => "投标文件",
            "question" => "答疑",
            "vote" => "业主表决",
            "complaint" => "异议",
            "contract" => "合同",
            "disclosure" => "预算与收支公开",
            "invitation" => "邀请投标",
            "satisfaction" => "满意度调查",
            other => other,
        };
        let action = match self.action.as_str() {
            "created" => "创建",
            "published" => "发布",
            "updated" | "amended" => "修改",
            "cancelled" => "取消",
            "opened" => "开标",
            "submitted" => "提交",
            "withdrawn" => "撤回",
            "asked" => "提问",
            "answered" => "答复",
            "scored" => "评分",
            "awarded" => "定标",
            "lodged" => "提出",
            "signed" | "contracted" => "签订",
            "terminated" => "终止",
            "corrected" => "更正",
            "recorded" => "记录",
            "invited" => "邀请",
            other => other,
        };
        format!("{entity}：{action}")
    }
}
