//! What the tender, catalog and matching APIs answer, as the compound and tender pages read
//! it (only the fields they show), and the formatting those pages share: money in 元,
//! instants in Beijing time, labels in Chinese.

use serde::Deserialize;
use shared::domain::{district, street};

/// `12345` 分 → `123.45`, with thousands separators.
pub fn yuan(fen: i64) -> String {
    let neg = fen < 0;
    let f = fen.unsigned_abs();
    let whole = (f / 100).to_string();
    let mut grouped = String::new();
    for (i, c) in whole.chars().enumerate() {
        if i > 0 && (whole.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(c);
    }
    format!("{}{}.{:02}", if neg { "-" } else { "" }, grouped, f % 100)
}

/// A fee in 分/㎡·月 as `1.80 元/㎡·月`.
pub fn fee_label(fee: i64) -> String {
    format!("{}.{:02} 元/㎡·月", fee / 100, fee % 100)
}

/// An API instant (`2026-03-01T09:30:00.000+08:00`) as `2026-03-01 09:30`.
pub fn when(s: &str) -> String {
    if s.len() >= 16 && s.as_bytes()[10] == b'T' {
        format!("{} {}", &s[..10], &s[11..16])
    } else {
        s.to_string()
    }
}

/// An API instant with seconds: `2026-03-01 09:30:05`.
pub fn when_secs(s: &str) -> String {
    if s.len() >= 19 && s.as_bytes()[10] == b'T' {
        format!("{} {}", &s[..10], &s[11..19])
    } else {
        s.to_string()
    }
}

/// Milliseconds since the epoch of an API instant (for countdowns), or 0.
pub fn instant_ms(s: &str) -> i64 {
    time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
        .map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
        .unwrap_or(0)
}

/// Now, ms since the epoch.
pub fn now_ms() -> i64 {
    (time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000) as i64
}

/// “3 天 4 小时”, “12 分 5 秒” until `ms`; `None` once passed.
pub fn remaining(until_ms: i64) -> Option<String> {
    let left = until_ms - now_ms();
    if left <= 0 {
        return None;
    }
    let s = left / 1000;
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    Some(if d > 0 {
        format!("{d} 天 {h} 小时")
    } else if h > 0 {
        format!("{h} 小时 {m} 分")
    } else {
        format!("{m} 分 {sec} 秒")
    })
}

pub fn model_label(m: &str) -> &str {
    super::super::roster::model_label(m)
}

pub fn fee_model_label(m: &str) -> &str {
    match m {
        "lump_sum" => "包干制",
        "commission" => "酬金制",
        "trust" => "信托制",
        other => other,
    }
}

pub fn method_label(m: &str) -> &str {
    match m {
        "price_only" => "最低价法",
        "rated" => "综合评分法",
        "owners_vote" => "业主表决定标",
        other => other,
    }
}

pub fn place_label(district_code: &str, street_code: Option<&str>) -> String {
    let d = district(district_code).map_or(district_code.to_string(), |d| d.name.to_string());
    match street_code.and_then(street) {
        Some(s) => format!("{d}{}", s.name),
        None => d,
    }
}

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

#[derive(Debug, Clone, Deserialize)]
pub struct Contract {
    pub id: String,
    pub tender_id: String,
    pub firm_id: String,
    pub firm_name: String,
    pub service_model: String,
    pub fee_model: String,
    pub fee: i64,
    pub annual_price_fen: i64,
    pub term_months: i64,
    pub start_date: String,
    pub end_date: String,
    pub signed_on: String,
    pub status: String,
    pub terminated_on: Option<String>,
    pub termination_reason: Option<String>,
}

impl Contract {
    pub fn status_label(&self) -> &'static str {
        if self.status == "active" {
            "履行中"
        } else {
            "已终止"
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
    #[serde(default)]
    pub accepting_bids: bool,
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

    pub fn place(&self) -> String {
        place_label(&self.district_code, self.street_code.as_deref())
    }

    /// Until the bid deadline, while bids are accepted.
    pub fn bid_countdown(&self) -> Option<String> {
        if self.accepting_bids {
            remaining(instant_ms(&self.bid_deadline))
        } else {
            None
        }
    }

    pub fn bid_deadline_ms(&self) -> i64 {
        instant_ms(&self.bid_deadline)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Page<T> {
    pub items: Vec<T>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Question {
    pub id: String,
    pub question: String,
    pub answer: Option<String>,
    pub answered_at: Option<String>,
    pub asked_at: Option<String>,
}

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

pub fn matter_label(m: &str) -> &str {
    match m {
        "choose_service_model" => "选择物业服务方式",
        "choose_firm" => "选聘物业服务企业",
        "other" => "其他共同决定事项",
        "maintenance_fund" => "筹集维修资金",
        other => other,
    }
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
pub struct Facilities {
    #[serde(default)]
    pub fire_safety: bool,
    #[serde(default)]
    pub video_surveillance: bool,
    #[serde(default)]
    pub access_control: bool,
    #[serde(default)]
    pub garbage_sorting_points: i64,
    #[serde(default)]
    pub parking_spaces: i64,
    #[serde(default)]
    pub elevators: i64,
}

/// A compound as `GET /catalog/compounds/{id}` answers it.
#[derive(Debug, Clone, Deserialize)]
pub struct Compound {
    pub id: String,
    pub code: String,
    pub name: String,
    pub address: String,
    pub district: String,
    pub street: String,
    pub community: String,
    pub year_built: i64,
    pub buildings: i64,
    pub households: i64,
    pub floor_area_m2: i64,
    pub management: String,
    pub facilities: Facilities,
    pub governance_body: String,
    pub governance_formed_on: Option<String>,
    pub eligible_and_willing: bool,
    #[serde(default)]
    pub is_old: bool,
}

impl Compound {
    pub fn place(&self) -> String {
        place_label(&self.district, Some(&self.street))
    }

    pub fn management_label(&self) -> &str {
        match self.management.as_str() {
            "none" => "无物业",
            "self_managed" => "自管",
            "property_firm" => "物业企业",
            "other" => "其他",
            m => m,
        }
    }

    pub fn governance_label(&self) -> &str {
        match self.governance_body.as_str() {
            "none" => "无",
            "owners_committee" => "业主委员会",
            "property_management_committee" => "物业管理委员会",
            "courtyard_committee" => "院委会",
            m => m,
        }
    }

    pub fn facilities_label(&self) -> String {
        let f = &self.facilities;
        let yes = |b: bool| if b { "有" } else { "无" };
        format!(
            "消防设施{}、视频监控{}、门禁{}；垃圾分类投放点 {} 个，停车位 {} 个，电梯 {} 部",
            yes(f.fire_safety),
            yes(f.video_surveillance),
            yes(f.access_control),
            f.garbage_sorting_points,
            f.parking_spaces,
            f.elevators
        )
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Income {
    pub fee_fen: i64,
    pub parking_fen: i64,
    pub advertising_fen: i64,
    pub other_fen: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Spending {
    pub personnel_fen: i64,
    pub cleaning_fen: i64,
    pub greening_fen: i64,
    pub security_fen: i64,
    pub maintenance_fen: i64,
    pub energy_fen: i64,
    pub other_fen: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Disclosure {
    pub kind_label: String,
    pub period: String,
    pub income: Income,
    pub total_income_fen: i64,
    pub spending: Spending,
    pub total_spending_fen: i64,
    pub opening_balance_fen: i64,
    pub closing_balance_fen: i64,
    pub note: Option<String>,
    pub published_by: String,
    #[serde(default)]
    pub published_by_name: Option<String>,
    pub published_at: String,
    #[serde(default = "first_version")]
    pub version: i64,
    #[serde(default)]
    pub correction_reason: Option<String>,
    #[serde(default)]
    pub superseded_by: Option<String>,
    #[serde(default)]
    pub superseded_at: Option<String>,
}

fn first_version() -> i64 {
    1
}

impl Disclosure {
    /// Whether a later version corrected it (已更正).
    pub fn is_superseded(&self) -> bool {
        self.superseded_by.is_some()
    }

    /// When it was superseded, as people read it.
    pub fn superseded_text(&self) -> String {
        self.superseded_at.as_deref().map(when).unwrap_or_default()
    }

    /// Who published it: the party, and the account's name when known.
    pub fn author_label(&self) -> String {
        match &self.published_by_name {
            Some(n) => format!("{}·{n}", self.publisher_label()),
            None => self.publisher_label().to_string(),
        }
    }

    pub fn publisher_label(&self) -> &'static str {
        if self.published_by == "firm" {
            "物业服务企业"
        } else {
            "小区自治组织"
        }
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
        format!("{:.1}%", self.rate * 100.0)
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
        self.rate
            .map_or("暂无调查".into(), |r| format!("{:.1}%", r * 100.0))
    }
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
    pub fn fee_text(&self) -> String {
        fee_label(self.fee)
    }
    pub fn price_text(&self) -> String {
        format!("{} 元", yuan(self.annual_price_fen))
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
        format!("{} 元", yuan(self.annual_price_fen))
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
        format!("{} 元", yuan(self.annual_price_fen))
    }
    pub fn awarded_text(&self) -> String {
        when_secs(&self.awarded_at)
    }
    pub fn notice_text(&self) -> String {
        when_secs(&self.notice_ends_at)
    }
    pub fn notice_ms(&self) -> i64 {
        instant_ms(&self.notice_ends_at)
    }
    pub fn notice_left(&self) -> Option<String> {
        remaining(self.notice_ms())
    }
}

impl Contract {
    pub fn fee_text(&self) -> String {
        fee_label(self.fee)
    }
    pub fn price_text(&self) -> String {
        format!("{} 元", yuan(self.annual_price_fen))
    }
    pub fn model_text(&self) -> &str {
        model_label(&self.service_model)
    }
    pub fn fee_model_text(&self) -> &str {
        fee_model_label(&self.fee_model)
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

impl Vote {
    pub fn recorded_text(&self) -> String {
        when(&self.recorded_at)
    }
}

impl Disclosure {
    pub fn published_text(&self) -> String {
        when(&self.published_at)
    }
    pub fn income_text(&self) -> String {
        yuan(self.total_income_fen)
    }
    pub fn spending_text(&self) -> String {
        yuan(self.total_spending_fen)
    }
    pub fn closing_text(&self) -> String {
        yuan(self.closing_balance_fen)
    }
    /// The published lines, label and amount in 元.
    pub fn lines(&self) -> Vec<(&'static str, String)> {
        let (i, s) = (&self.income, &self.spending);
        vec![
            ("物业费收入", yuan(i.fee_fen)),
            ("停车收益", yuan(i.parking_fen)),
            ("广告收益", yuan(i.advertising_fen)),
            ("其他收入", yuan(i.other_fen)),
            ("人员费用", yuan(s.personnel_fen)),
            ("保洁", yuan(s.cleaning_fen)),
            ("绿化", yuan(s.greening_fen)),
            ("秩序维护", yuan(s.security_fen)),
            ("维修养护", yuan(s.maintenance_fen)),
            ("能耗", yuan(s.energy_fen)),
            ("其他支出", yuan(s.other_fen)),
            ("期初结余", yuan(self.opening_balance_fen)),
            ("期末结余", yuan(self.closing_balance_fen)),
        ]
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
