//! 企业工作台 (`/firm`): the firm's standing, nearby open tenders with the reasons they fit,
//! its bids and results, its contracts, and publishing a contract's budget or accounts.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use shared::auth::Role;

use super::{FieldErrors, Fields, beijing, fen_of_yuan, firm_id, instant_ms, now_ms, remaining};
use crate::api::{self, ApiError};
use crate::csrf::{CsrfForm, CsrfToken};
use crate::error::PageError;
use crate::forms::{Flash, FormErrors, see_other_with};
use crate::pages::association::{Contract, FirmRecord, contracts_of, yuan};
use crate::pages::{Chrome, WebState, require_role};
use crate::session::Session;

#[derive(Debug, Clone, Deserialize)]
pub struct ScorePart {
    pub value: f64,
    pub detail: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TenderMatch {
    pub tender_id: String,
    pub compound_name: String,
    pub score: f64,
    pub distance_km: f64,
    pub parts: Vec<ScorePart>,
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

impl ScorePart {
    pub fn value_label(&self) -> String {
        format!("{:+.2}", self.value)
    }
}

#[derive(Debug, Deserialize)]
struct MatchPage {
    items: Vec<TenderMatch>,
}

/// A tender as the pages need it (a subset of the API's view).
#[derive(Debug, Clone, Deserialize)]
pub struct Tender {
    pub id: String,
    pub compound_name: String,
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
    pub accepting_bids: bool,
    pub cancel_reason: Option<String>,
    #[serde(default)]
    pub opening: Option<Opening>,
    #[serde(default)]
    pub award: Option<Award>,
    #[serde(default)]
    pub contract: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Evaluation {
    pub method: String,
    pub price_weight: Option<u32>,
    pub criteria: Vec<Criterion>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Criterion {
    pub name: String,
    pub weight: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Opening {
    pub opened_at: String,
    pub bids: Vec<OpenedBid>,
    pub valid_bids: i64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct OpenedBid {
    pub firm_id: String,
    pub firm_name: String,
    pub fee: i64,
    pub annual_price_fen: i64,
    pub valid: bool,
    pub invalid_reason: Option<String>,
}

impl OpenedBid {
    pub fn fee_label(&self) -> String {
        yuan(self.fee)
    }
    pub fn price_label(&self) -> String {
        yuan(self.annual_price_fen)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Award {
    pub firm_id: String,
    pub firm_name: String,
    pub notice_ends_at: String,
}

impl Tender {
    pub fn deadline_label(&self) -> String {
        beijing(&self.bid_deadline)
    }
    pub fn opening_label(&self) -> String {
        beijing(&self.opening_at)
    }
    pub fn enquiry_label(&self) -> String {
        beijing(&self.enquiry_deadline)
    }
    pub fn deadline_ms(&self) -> i64 {
        instant_ms(&self.bid_deadline).unwrap_or(0)
    }
    /// Time left to bid, as people say it.
    pub fn remaining_label(&self) -> String {
        remaining(self.deadline_ms() - now_ms())
    }
    pub fn budget_label(&self) -> String {
        yuan(self.annual_budget_fen)
    }
    pub fn proposed_fee_label(&self) -> String {
        yuan(self.proposed_fee)
    }
    pub fn model_label(&self) -> &str {
        crate::pages::roster::model_label(&self.service_model)
    }
    pub fn fee_model_label(&self) -> &'static str {
        match self.fee_model.as_str() {
            "lump_sum" => "包干制",
            "commission" => "酬金制",
            "trust" => "信托制",
            _ => "其他",
        }
    }
    pub fn method_label(&self) -> &'static str {
        match self.evaluation.method.as_str() {
            "price_only" => "最低价评标",
            "rated" => "综合评分",
            "owners_vote" => "业主投票决定",
            _ => "其他",
        }
    }
    /// The firm's result on this tender, once known.
    pub fn result_for(&self, firm: &str) -> String {
        match (&self.award, self.status.as_str()) {
            (Some(a), _) if a.firm_id == firm => {
                if self.contract.is_some() {
                    "中标，已签约".into()
                } else {
                    format!("中标（公示至 {}）", beijing(&a.notice_ends_at))
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

/// The firm's bid (its own sealed content).
#[derive(Debug, Clone, Deserialize)]
pub struct Bid {
    pub tender_id: String,
    pub status: String,
    pub fee: i64,
    pub annual_price_fen: i64,
    pub staffing_plan: String,
    pub service_plan: String,
    #[serde(default)]
    pub criteria_answers: Vec<CriterionAnswer>,
    pub revision: i64,
    pub updated_at: String,
    pub invalid_reason: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CriterionAnswer {
    pub name: String,
    pub answer: String,
}

impl Bid {
    pub fn fee_label(&self) -> String {
        yuan(self.fee)
    }
    pub fn price_label(&self) -> String {
        yuan(self.annual_price_fen)
    }
    pub fn updated_label(&self) -> String {
        beijing(&self.updated_at)
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

/// A bid with its tender.
pub struct BidRow {
    pub bid: Bid,
    pub tender: Tender,
}

#[derive(Debug, Deserialize)]
pub struct Disclosure {
    pub kind_label: String,
    pub period: String,
    pub total_income_fen: i64,
    pub total_spending_fen: i64,
    pub closing_balance_fen: i64,
    pub published_at: String,
}

impl Disclosure {
    pub fn income(&self) -> String {
        yuan(self.total_income_fen)
    }
    pub fn spending(&self) -> String {
        yuan(self.total_spending_fen)
    }
    pub fn closing(&self) -> String {
        yuan(self.closing_balance_fen)
    }
    pub fn published(&self) -> String {
        beijing(&self.published_at)
    }
}

pub struct ContractRow {
    pub contract: Contract,
    pub disclosures: Vec<Disclosure>,
}

/// The budget/accounts form's lines: (input name, label).
pub const INCOME: [(&str, &str); 4] = [
    ("income.fee_fen", "物业服务费收入"),
    ("income.parking_fen", "停车收益"),
    ("income.advertising_fen", "广告收益"),
    ("income.other_fen", "其他公共收益"),
];
pub const SPENDING: [(&str, &str); 7] = [
    ("spending.personnel_fen", "人员费用"),
    ("spending.cleaning_fen", "保洁费用"),
    ("spending.greening_fen", "绿化费用"),
    ("spending.security_fen", "秩序维护费用"),
    ("spending.maintenance_fen", "设施设备维护费用"),
    ("spending.energy_fen", "公共能耗费用"),
    ("spending.other_fen", "其他支出"),
];

pub struct Line {
    pub name: &'static str,
    pub label: &'static str,
    pub id: String,
}

fn lines(xs: &[(&'static str, &'static str)]) -> Vec<Line> {
    xs.iter()
        .map(|(name, label)| Line {
            name,
            label,
            id: name.replace('.', "-"),
        })
        .collect()
}

/// `GET /tenders/invitations/mine` (the fields the page shows).
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Invitation {
    pub tender_id: String,
    pub tender_title: String,
    pub compound_name: String,
    pub message: Option<String>,
    pub invited_at: String,
    pub bid_deadline: String,
}

impl Invitation {
    /// `2026-11-28 10:00` from RFC 3339 (Beijing time as the API writes it).
    pub fn short(at: &str) -> String {
        at.get(..16).unwrap_or(at).replace('T', " ")
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "portal_home.html")]
pub struct HomePage {
    chrome: Chrome,
    done: Option<String>,
    firm: FirmRecord,
    matches: Vec<(TenderMatch, Option<Tender>)>,
    match_note: Option<String>,
    /// Committees' invitations to bid (newest first).
    invitations: Vec<Invitation>,
    bids: Vec<BidRow>,
    contracts: Vec<ContractRow>,
    income_lines: Vec<Line>,
    spending_lines: Vec<Line>,
    /// The contract whose disclosure form was refused.
    failed: String,
    typed: Fields,
    errors: FieldErrors,
}

impl HomePage {
    pub fn val(&self, contract: &str, field: &str) -> String {
        if self.failed == contract {
            self.typed.get(field)
        } else {
            String::new()
        }
    }
    pub fn err(&self, contract: &str, field: &str) -> Option<String> {
        if self.failed == contract {
            self.errors.get(field).map(str::to_string)
        } else {
            None
        }
    }
    pub fn alert(&self, contract: &str) -> Option<String> {
        if self.failed == contract {
            self.errors.general.clone()
        } else {
            None
        }
    }
}

async fn tender(app: &WebState, token: &str, id: &str) -> Result<Tender, ApiError> {
    app.api
        .get(
            &format!("{}{}", app.api.tender, api::path(&["tenders", id])),
            Some(token),
        )
        .await
}

async fn load(
    app: &WebState,
    token: &str,
    id: &str,
    chrome: Chrome,
) -> Result<HomePage, PageError> {
    let err = |e| PageError::from_api(e, chrome.clone());
    let firm: FirmRecord = app
        .api
        .catalog_get(&api::path(&["catalog", "firms", id]), Some(token))
        .await
        .map_err(err)?;
    let matched: Result<MatchPage, ApiError> = app
        .api
        .get(
            &format!(
                "{}{}?limit=20",
                app.api.matching,
                api::path(&["match", "firms", id, "tenders"])
            ),
            Some(token),
        )
        .await;
    let (matched, match_note) = match matched {
        Ok(p) => (p.items, None),
        Err(e) if e.status() == Some(StatusCode::NOT_FOUND) => (
            Vec::new(),
            Some("企业列入推荐名录后，这里会列出附近适合投标的招标项目。".to_string()),
        ),
        Err(e) => (Vec::new(), Some(e.message())),
    };
    let views =
        futures::future::join_all(matched.iter().map(|m| tender(app, token, &m.tender_id))).await;
    let matches = matched
        .into_iter()
        .zip(views)
        .map(|(m, v)| (m, v.ok()))
        .collect();
    // Invitations are a convenience: the page still shows when tender cannot list them.
    let invitations: Vec<Invitation> = app
        .api
        .get(
            &format!("{}/tenders/invitations/mine", app.api.tender),
            Some(token),
        )
        .await
        .unwrap_or_default();
    let bids: Vec<Bid> = app
        .api
        .get(
            &format!("{}/tenders/bids/mine", app.api.tender),
            Some(token),
        )
        .await
        .map_err(err)?;
    let tenders =
        futures::future::join_all(bids.iter().map(|b| tender(app, token, &b.tender_id))).await;
    let bids = bids
        .into_iter()
        .zip(tenders)
        .filter_map(|(bid, t)| t.ok().map(|tender| BidRow { bid, tender }))
        .collect();
    let contracts = contracts_of(app, Some(token), id).await.map_err(err)?;
    let disclosures = futures::future::join_all(contracts.iter().map(|c| {
        let url = format!(
            "{}{}",
            app.api.tender,
            api::path(&["tenders", "contracts", &c.id, "disclosures"])
        );
        async move { app.api.get::<Vec<Disclosure>>(&url, Some(token)).await }
    }))
    .await;
    let contracts = contracts
        .into_iter()
        .zip(disclosures)
        .map(|(contract, d)| ContractRow {
            contract,
            disclosures: d.unwrap_or_default(),
        })
        .collect();
    Ok(HomePage {
        chrome,
        done: None,
        firm,
        matches,
        match_note,
        invitations,
        bids,
        contracts,
        income_lines: lines(&INCOME),
        spending_lines: lines(&SPENDING),
        failed: String::new(),
        typed: Fields::default(),
        errors: FieldErrors::default(),
    })
}

pub async fn home(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Query(flash): Query<Flash>,
) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    let (identity, token) = match require_role(&session, &[Role::Firm], &chrome, "/firm") {
        Ok(x) => x,
        Err(r) => return r,
    };
    match load(&app, &token, &firm_id(&identity), chrome).await {
        Ok(mut page) => {
            page.done = flash.done;
            page.into_response()
        }
        Err(e) => e.into_response(),
    }
}

pub async fn publish_disclosure(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(cid): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    let (identity, token) = match require_role(&session, &[Role::Firm], &chrome, "/firm") {
        Ok(x) => x,
        Err(r) => return r,
    };
    let fields = Fields(fields);
    let mut local = FieldErrors::default();
    let mut amount = |name: &str| -> i64 {
        let v = fields.get(name);
        if v.is_empty() {
            return 0;
        }
        fen_of_yuan(&v).unwrap_or_else(|| {
            local.set(name, "请填写金额（元），最多两位小数");
            0
        })
    };
    let mut income = serde_json::Map::new();
    let mut total_income = 0i64;
    for (name, _) in INCOME {
        let v = amount(name);
        total_income = total_income.saturating_add(v);
        income.insert(name.trim_start_matches("income.").to_string(), json!(v));
    }
    let mut spending = serde_json::Map::new();
    let mut total_spending = 0i64;
    for (name, _) in SPENDING {
        let v = amount(name);
        total_spending = total_spending.saturating_add(v);
        spending.insert(name.trim_start_matches("spending.").to_string(), json!(v));
    }
    let opening = amount("opening_balance_fen");
    let note = fields.get("note");
    let body = json!({
        "kind": fields.get("kind"),
        "period": fields.get("period"),
        "income": income,
        "total_income_fen": total_income,
        "spending": spending,
        "total_spending_fen": total_spending,
        "opening_balance_fen": opening,
        "closing_balance_fen": opening.saturating_add(total_income).saturating_sub(total_spending),
        "note": if note.is_empty() { Value::Null } else { json!(note) },
    });
    let answer: Result<Value, ApiError> = if local.is_empty() {
        app.api
            .send(
                Method::POST,
                &format!(
                    "{}{}",
                    app.api.tender,
                    api::path(&["tenders", "contracts", &cid, "disclosures"])
                ),
                Some(&token),
                &body,
            )
            .await
    } else {
        Ok(Value::Null)
    };
    let (status, errors) = match answer {
        Ok(v) if local.is_empty() => {
            let label = v["kind_label"].as_str().unwrap_or("信息");
            let period = v["period"].as_str().unwrap_or_default();
            return see_other_with("/firm", &format!("已公开 {period} {label}。"));
        }
        Ok(_) => (StatusCode::UNPROCESSABLE_ENTITY, local),
        Err(e)
            if matches!(
                e.status(),
                Some(StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
            ) =>
        {
            return PageError::from_api(e, chrome).into_response();
        }
        Err(e) => (FormErrors::status(&e), FieldErrors::from_api(&e)),
    };
    match load(&app, &token, &firm_id(&identity), chrome).await {
        Ok(mut page) => {
            page.failed = cid;
            page.typed = fields;
            page.errors = errors;
            (status, page).into_response()
        }
        Err(e) => e.into_response(),
    }
}
