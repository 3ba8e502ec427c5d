//! What the tender API answers about owners' votes (业主表决) and residents' satisfaction
//! surveys, as the pages read it, with the texts the templates print.

use serde::Deserialize;

use crate::format::{matter_label, rate_percent, when, when_secs};

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
    /// Whether the vote was counted from ballots against the register: never for a typed
    /// vote (shown as 未经名册核验).
    #[serde(default)]
    pub verified: bool,
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
    /// Counted from per-unit answers (按户作答), or typed as totals (未经名册核验).
    #[serde(default)]
    pub verified: bool,
    #[serde(default)]
    pub verified_label: String,
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

impl Vote {
    /// Typed votes are never checked against a register: the API says `verified: false`
    /// (absent in older answers: unverified all the same).
    pub fn unverified(&self) -> bool {
        !self.verified
    }
}

// ---------------------------------------------------------------------------------------
// Votes from ballots (表决): the vote, its ballots, the street's notices, the owner's code.
// ---------------------------------------------------------------------------------------

/// The matters a ballot vote may be opened on (value, label), in the order the form lists
/// them; the last two need three quarters of the participants (《民法典》第二百七十八条).
pub const BALLOT_MATTERS: [(&str, &str); 8] = [
    ("choose_service_model", "选择物业服务方式"),
    ("choose_firm", "选聘物业服务企业"),
    ("dismiss_firm", "解聘物业服务企业"),
    ("amend_covenant", "制定和修改管理规约"),
    ("other", "其他共同决定事项"),
    ("approve_budget", "审议年度物业服务预算（确定物业费标准）"),
    ("maintenance_fund", "筹集和使用维修资金（须四分之三同意）"),
    (
        "common_parts_use",
        "改变共有部分用途或者利用共有部分从事经营活动（须四分之三同意）",
    ),
];

/// Whether a matter needs three quarters of the participants (rather than more than half).
pub fn needs_three_quarters(matter: &str) -> bool {
    matches!(matter, "maintenance_fund" | "common_parts_use")
}

/// An area in 0.01 ㎡ as `1234.56`.
pub fn area_text(centi: u64) -> String {
    format!("{}.{:02}", centi / 100, centi % 100)
}

fn pct_u(a: u64, b: u64) -> String {
    if b == 0 {
        "—".into()
    } else {
        format!("{:.1}%", a as f64 * 100.0 / b as f64)
    }
}

/// One choice open to the owners (for 选聘物业服务企业: an opened valid bid).
#[derive(Debug, Clone, Deserialize)]
pub struct VoteOption {
    pub id: String,
    pub label: String,
}

/// The register's totals a vote is measured against.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RegisterTotals {
    pub units: u64,
    pub owners: u64,
    pub area_centi: u64,
}

/// How many units have cast a ballot, and how.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Turnout {
    pub units_voted: u64,
    pub online: u64,
    pub paper: u64,
}

/// How many owners (by head) and how much area chose an option.
#[derive(Debug, Clone, Deserialize)]
pub struct OptionCount {
    pub label: String,
    pub owners: u64,
    pub area_centi: u64,
}

impl OptionCount {
    pub fn area_text(&self) -> String {
        area_text(self.area_centi)
    }
}

/// A closed vote's result, computed by the API from the ballots against the register.
#[derive(Debug, Clone, Deserialize)]
pub struct BallotResult {
    pub participating_owners: u64,
    pub participating_area_centi: u64,
    pub approving_owners: u64,
    pub approving_area_centi: u64,
    #[serde(default)]
    pub opposing_owners: u64,
    #[serde(default)]
    pub opposing_area_centi: u64,
    #[serde(default)]
    pub abstaining_owners: u64,
    #[serde(default)]
    pub abstaining_area_centi: u64,
    /// Owners of several units whose ballots differ: they take part and make no choice.
    #[serde(default)]
    pub split_owners: u64,
    #[serde(default)]
    pub options: Vec<OptionCount>,
    #[serde(default)]
    pub chosen_option: Option<String>,
    pub passed: bool,
    #[serde(default)]
    pub reasons: Vec<String>,
}

/// An owners' vote from ballots as `GET /tenders/ballot-votes/{vid}` answers it (public: no
/// ballot in it).
#[derive(Debug, Clone, Deserialize)]
pub struct BallotVote {
    pub id: String,
    pub compound_id: String,
    pub matter: String,
    #[serde(default)]
    pub matter_label: String,
    pub question: String,
    pub opens_at: String,
    pub closes_at: String,
    #[serde(default)]
    pub tender_id: Option<String>,
    #[serde(default)]
    pub options: Vec<VoteOption>,
    pub state: String,
    #[serde(default)]
    pub register: RegisterTotals,
    #[serde(default)]
    pub turnout: Turnout,
    #[serde(default)]
    pub result: Option<BallotResult>,
}

impl BallotVote {
    pub fn matter_text(&self) -> &str {
        if self.matter_label.is_empty() {
            BALLOT_MATTERS
                .iter()
                .find(|(c, _)| *c == self.matter)
                .map_or(self.matter.as_str(), |(_, l)| l)
        } else {
            &self.matter_label
        }
    }

    pub fn state_label(&self) -> &'static str {
        match self.state.as_str() {
            "scheduled" => "未开始",
            "open" => "投票中",
            "counting" => "投票已截止，待计票",
            "closed" => "已计票封存",
            _ => "—",
        }
    }

    pub fn state_class(&self) -> &'static str {
        match self.state.as_str() {
            "open" => "",
            "closed" => "plain",
            _ => "warn",
        }
    }

    pub fn is_open(&self) -> bool {
        self.state == "open"
    }

    pub fn is_counting(&self) -> bool {
        self.state == "counting"
    }

    pub fn is_closed(&self) -> bool {
        self.state == "closed"
    }

    /// Ballots may still be given out (the street's notices): before and during the vote.
    pub fn takes_notices(&self) -> bool {
        matches!(self.state.as_str(), "scheduled" | "open")
    }

    /// Paper ballots may be recorded: during the vote and until it is counted.
    pub fn takes_paper(&self) -> bool {
        matches!(self.state.as_str(), "open" | "counting")
    }

    pub fn has_options(&self) -> bool {
        !self.options.is_empty()
    }

    pub fn period_text(&self) -> String {
        format!("{} 至 {}", when(&self.opens_at), when(&self.closes_at))
    }

    pub fn participating_area(&self) -> String {
        self.result
            .as_ref()
            .map_or_else(String::new, |r| area_text(r.participating_area_centi))
    }

    pub fn register_area(&self) -> String {
        area_text(self.register.area_centi)
    }

    /// Units that have not voted yet.
    pub fn units_left(&self) -> u64 {
        self.register.units.saturating_sub(self.turnout.units_voted)
    }

    /// The label of an option id (or the id when unknown).
    pub fn option_label<'a>(&'a self, id: &'a str) -> &'a str {
        self.options
            .iter()
            .find(|o| o.id == id)
            .map_or(id, |o| o.label.as_str())
    }

    /// The option chosen, by label, when the result names one.
    pub fn chosen_label(&self) -> Option<&str> {
        let r = self.result.as_ref()?;
        r.chosen_option.as_deref().map(|id| self.option_label(id))
    }

    /// Each condition of art. 278 with the result's figures: participation by area and by
    /// head against the register; approval by area and by head against the participants
    /// (more than half, or at least three quarters for the weightier matters).
    pub fn conditions(&self) -> Vec<Condition> {
        let Some(r) = &self.result else {
            return Vec::new();
        };
        let at_least = |a: u64, b: u64, n: u64, d: u64| a * d >= b * n;
        let three_quarters = needs_three_quarters(&self.matter);
        let rule = if three_quarters { "≥ 3/4" } else { "> 1/2" };
        let approves = |a: u64, b: u64| {
            b > 0
                && if three_quarters {
                    at_least(a, b, 3, 4)
                } else {
                    a * 2 > b
                }
        };
        let what_approving = if self.has_options() {
            "选定方案"
        } else {
            "同意"
        };
        let t = &self.register;
        vec![
            Condition {
                what: "参与表决的专有部分面积 / 名册总面积",
                rule: "≥ 2/3",
                actual: format!(
                    "{} / {} ㎡（{}）",
                    area_text(r.participating_area_centi),
                    area_text(t.area_centi),
                    pct_u(r.participating_area_centi, t.area_centi)
                ),
                met: at_least(r.participating_area_centi, t.area_centi, 2, 3),
            },
            Condition {
                what: "参与表决的业主人数 / 名册业主人数",
                rule: "≥ 2/3",
                actual: format!(
                    "{} / {} 人（{}）",
                    r.participating_owners,
                    t.owners,
                    pct_u(r.participating_owners, t.owners)
                ),
                met: at_least(r.participating_owners, t.owners, 2, 3),
            },
            Condition {
                what: if self.has_options() {
                    "选定方案的专有部分面积 / 参与表决面积"
                } else {
                    "同意的专有部分面积 / 参与表决面积"
                },
                rule,
                actual: format!(
                    "{} / {} ㎡（{}）",
                    area_text(r.approving_area_centi),
                    area_text(r.participating_area_centi),
                    pct_u(r.approving_area_centi, r.participating_area_centi)
                ),
                met: approves(r.approving_area_centi, r.participating_area_centi),
            },
            Condition {
                what: if what_approving == "同意" {
                    "同意的业主人数 / 参与表决人数"
                } else {
                    "选定方案的业主人数 / 参与表决人数"
                },
                rule,
                actual: format!(
                    "{} / {} 人（{}）",
                    r.approving_owners,
                    r.participating_owners,
                    pct_u(r.approving_owners, r.participating_owners)
                ),
                met: approves(r.approving_owners, r.participating_owners),
            },
        ]
    }

    /// The rows of the count: 同意 / 反对 / 弃权 (or each option), owners and area.
    pub fn count_rows(&self) -> Vec<(String, u64, String)> {
        let Some(r) = &self.result else {
            return Vec::new();
        };
        if self.has_options() {
            let mut rows: Vec<(String, u64, String)> = r
                .options
                .iter()
                .map(|o| (o.label.clone(), o.owners, o.area_text()))
                .collect();
            if r.abstaining_owners > 0 || r.abstaining_area_centi > 0 {
                rows.push((
                    "弃权".into(),
                    r.abstaining_owners,
                    area_text(r.abstaining_area_centi),
                ));
            }
            rows
        } else {
            vec![
                (
                    "同意".into(),
                    r.approving_owners,
                    area_text(r.approving_area_centi),
                ),
                (
                    "反对".into(),
                    r.opposing_owners,
                    area_text(r.opposing_area_centi),
                ),
                (
                    "弃权".into(),
                    r.abstaining_owners,
                    area_text(r.abstaining_area_centi),
                ),
            ]
        }
    }
}

/// The label of a ballot's choice.
pub fn choice_label(choice: &str) -> &'static str {
    match choice {
        "approve" => "同意",
        "oppose" => "反对",
        "abstain" => "弃权",
        "option" => "选择",
        _ => "—",
    }
}

/// How a ballot was cast.
pub fn channel_label(channel: &str) -> &'static str {
    match channel {
        "online" => "线上（凭表决码）",
        "paper" => "纸质表决票",
        _ => "—",
    }
}

/// One ballot as the committee, the street and the association check them.
#[derive(Debug, Clone, Deserialize)]
pub struct Ballot {
    pub unit_id: String,
    pub unit_label: String,
    pub channel: String,
    #[serde(default)]
    pub paper_ref: Option<String>,
    pub choice: String,
    #[serde(default)]
    pub option_id: Option<String>,
    pub cast_at: String,
    #[serde(default)]
    pub recorded_by: Option<String>,
}

impl Ballot {
    pub fn channel_text(&self) -> &'static str {
        channel_label(&self.channel)
    }

    pub fn cast_text(&self) -> String {
        when(&self.cast_at)
    }

    /// 同意 / 反对 / 弃权, or the option's label.
    pub fn choice_text(&self, vote: &BallotVote) -> String {
        match &self.option_id {
            Some(id) if self.choice != "abstain" => vote.option_label(id).to_string(),
            _ => choice_label(&self.choice).to_string(),
        }
    }
}

/// A list the API answers either as an array or as a page of items.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum Listed<T> {
    Items(Vec<T>),
    Page { items: Vec<T> },
}

impl<T> Listed<T> {
    pub fn into_vec(self) -> Vec<T> {
        match self {
            Listed::Items(v) | Listed::Page { items: v } => v,
        }
    }
}

/// An owner's objection to a vote's participation list (or anything about the vote).
#[derive(Debug, Clone, Deserialize)]
pub struct Objection {
    #[serde(default)]
    pub unit_label: String,
    pub text: String,
    #[serde(default, alias = "raised_at", alias = "created_at", alias = "at")]
    pub recorded_at: String,
}

impl Objection {
    pub fn when_text(&self) -> String {
        when(&self.recorded_at)
    }
}

/// One unit's notice: its code, answered once when the street generates them.
#[derive(Debug, Clone, Deserialize)]
pub struct Notice {
    pub unit_label: String,
    pub code: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Notices {
    pub generated_at: String,
    pub notices: Vec<Notice>,
}

impl Notices {
    pub fn generated_text(&self) -> String {
        when(&self.generated_at)
    }
}

/// The unit a code is for.
#[derive(Debug, Clone, Deserialize)]
pub struct CodeUnit {
    pub label: String,
    pub compound_id: String,
    #[serde(default)]
    pub compound_name: String,
}

/// The unit's ballot as its owner may see it (never who else voted what).
#[derive(Debug, Clone, Deserialize)]
pub struct OwnBallot {
    pub channel: String,
    pub cast_at: String,
    #[serde(default)]
    pub counted: bool,
}

impl OwnBallot {
    pub fn channel_text(&self) -> &'static str {
        channel_label(&self.channel)
    }

    pub fn cast_text(&self) -> String {
        when(&self.cast_at)
    }
}

/// The answers' counts of a survey per unit (derived from the answers by the API).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AnswerCounts {
    pub satisfied: i64,
    pub basically_satisfied: i64,
    pub dissatisfied: i64,
    pub respondents: i64,
    pub online: i64,
    pub paper: i64,
}

/// The serving firm's public reply to a comment.
#[derive(Debug, Clone, Deserialize)]
pub struct Reply {
    pub text: String,
    pub replied_at: String,
}

/// A survey comment as the public reads it: no unit.
#[derive(Debug, Clone, Deserialize)]
pub struct SurveyComment {
    #[serde(default)]
    pub id: String,
    pub rating: String,
    pub comment: String,
    pub answered_at: String,
    #[serde(default)]
    pub reply: Option<Reply>,
}

impl SurveyComment {
    pub fn rating_label(&self) -> &'static str {
        rating_label(&self.rating)
    }

    pub fn answered_text(&self) -> String {
        when(&self.answered_at)
    }

    pub fn reply_text(&self) -> Option<(String, String)> {
        self.reply
            .as_ref()
            .map(|r| (r.text.clone(), when(&r.replied_at)))
    }
}

/// 满意 / 基本满意 / 不满意.
pub fn rating_label(rating: &str) -> &'static str {
    match rating {
        "satisfied" => "满意",
        "basically_satisfied" => "基本满意",
        "dissatisfied" => "不满意",
        _ => "—",
    }
}

/// A residents' satisfaction survey answered per unit (one answer a unit, with a code or on
/// paper), as `GET /tenders/unit-surveys/{sid}` answers it.
#[derive(Debug, Clone, Deserialize)]
pub struct UnitSurvey {
    pub id: String,
    pub compound_id: String,
    pub period: String,
    pub opens_at: String,
    pub closes_at: String,
    pub state: String,
    #[serde(default)]
    pub state_label: String,
    #[serde(default)]
    pub units: i64,
    #[serde(default)]
    pub counts: AnswerCounts,
    #[serde(default)]
    pub rate: Option<f64>,
    #[serde(default)]
    pub comments: Vec<SurveyComment>,
}

/// A request to inspect (查阅) asked with the unit's code, as `POST /tenders/owner-code`
/// lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct OwnerInspection {
    #[serde(default)]
    pub what_label: String,
    #[serde(default)]
    pub text: String,
    pub asked_at: String,
    pub due_on: String,
    #[serde(default)]
    pub state_label: String,
    #[serde(default)]
    pub answer: Option<String>,
    /// The files the answer gave (opened with the code).
    #[serde(default)]
    pub answer_documents: Vec<String>,
}

impl OwnerInspection {
    pub fn asked_text(&self) -> String {
        when(&self.asked_at)
    }

    /// `(document id, 附件 n)` of the files the answer gave.
    pub fn files(&self) -> Vec<(String, String)> {
        self.answer_documents
            .iter()
            .enumerate()
            .map(|(i, d)| (d.clone(), format!("附件 {}", i + 1)))
            .collect()
    }
}

/// A vote of an area, as `GET /tenders/ballot-votes` lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct AreaVote {
    #[serde(flatten)]
    pub v: BallotVote,
    #[serde(default)]
    pub compound_name: String,
    /// `None` for a caller who does not read them.
    #[serde(default)]
    pub objections: Option<i64>,
}

impl AreaVote {
    pub fn objections_count(&self) -> i64 {
        self.objections.unwrap_or(0)
    }
}

/// A survey per unit of an area, as `GET /tenders/unit-surveys` lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct AreaSurvey {
    #[serde(flatten)]
    pub s: UnitSurvey,
    #[serde(default)]
    pub compound_name: String,
}

impl UnitSurvey {
    pub fn period_text(&self) -> String {
        format!("{} 至 {}", when(&self.opens_at), when(&self.closes_at))
    }

    pub fn rate_text(&self) -> String {
        self.rate.map_or("—".into(), rate_percent)
    }

    pub fn takes_notices(&self) -> bool {
        matches!(self.state.as_str(), "scheduled" | "open")
    }

    pub fn is_counting(&self) -> bool {
        self.state == "counting"
    }

    pub fn state_class(&self) -> &'static str {
        match self.state.as_str() {
            "open" => "",
            "closed" => "plain",
            _ => "warn",
        }
    }

    /// Units that have not answered yet.
    pub fn units_left(&self) -> i64 {
        (self.units - self.counts.respondents).max(0)
    }
}

/// The unit's answer to a survey (never shown to others with its unit).
#[derive(Debug, Clone, Deserialize)]
pub struct SurveyAnswer {
    pub channel: String,
    pub answered_at: String,
}

impl SurveyAnswer {
    pub fn channel_text(&self) -> &'static str {
        match self.channel.as_str() {
            "online" => "线上（凭调查码）",
            "paper" => "纸质问卷",
            _ => "—",
        }
    }

    pub fn answered_text(&self) -> String {
        when(&self.answered_at)
    }
}

/// The survey a code is for, the unit's answer and whether it may answer now.
#[derive(Debug, Clone, Deserialize)]
pub struct CodeSurvey {
    pub survey: UnitSurvey,
    #[serde(default)]
    pub answer: Option<SurveyAnswer>,
    #[serde(default)]
    pub can_answer: bool,
}

impl CodeSurvey {
    pub fn closes_text(&self) -> String {
        when(&self.survey.closes_at)
    }
}

/// What `POST /tenders/owner-code` answers: the unit, its vote and what it may do.
#[derive(Debug, Clone, Deserialize)]
pub struct CodeLookup {
    pub unit: CodeUnit,
    #[serde(default)]
    pub vote: Option<BallotVote>,
    #[serde(default)]
    pub ballot: Option<OwnBallot>,
    #[serde(default)]
    pub can_vote: bool,
    #[serde(default)]
    pub survey: Option<CodeSurvey>,
    /// The unit's requests to inspect and their answers.
    #[serde(default)]
    pub inspections: Vec<OwnerInspection>,
}

/// The receipt of an online ballot.
#[derive(Debug, Clone, Deserialize)]
pub struct Receipt {
    pub unit_label: String,
    pub cast_at: String,
}

impl Receipt {
    pub fn cast_text(&self) -> String {
        when_secs(&self.cast_at)
    }
}

/// Whether a unit took part, and how (never its choice).
#[derive(Debug, Clone, Deserialize)]
pub struct TookPart {
    pub unit_label: String,
    pub took_part: bool,
    #[serde(default)]
    pub channel: Option<String>,
}

impl TookPart {
    pub fn channel_text(&self) -> &'static str {
        self.channel.as_deref().map_or("—", channel_label)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Participation {
    pub units: Vec<TookPart>,
}

impl Participation {
    pub fn took_part(&self) -> usize {
        self.units.iter().filter(|u| u.took_part).count()
    }
}
