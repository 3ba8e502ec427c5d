//! The committee's tender pages: the draft form (create and edit), publish and cancel, and
//! one tender's workbench (countdown, Q&A, matched firms and invitations, the opened bids
//! side by side, scores, ranking, award, notice period and contract).

use std::collections::BTreeMap;

use super::Created;
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::super::public::model::*;
use super::super::{Chrome, WebState};
use super::{
    Committee, all_messages, committee, errors_for, forbidden, int_field, see_other_at, today,
    yuan_field,
};
use crate::api::{self, ApiError};
use crate::csrf::{CsrfForm, CsrfToken};
use crate::error::PageError;
use crate::forms::{Flash, FormErrors, see_other_with};
use crate::session::Session;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/committee/tenders/new", get(new_form))
        .route("/committee/tenders", post(create))
        .route("/committee/tenders/{id}", get(detail))
        .route("/committee/tenders/{id}/edit", get(edit_form).post(edit))
        .route("/committee/tenders/{id}/publish", post(publish))
        .route("/committee/tenders/{id}/cancel", post(cancel))
        .route(
            "/committee/tenders/{id}/questions/{qid}/answer",
            post(answer),
        )
        .route("/committee/tenders/{id}/invitations", post(invite))
        .route("/committee/tenders/{id}/scores", post(scores))
        .route("/committee/tenders/{id}/award", post(award))
        .route("/committee/tenders/{id}/contract", post(contract))
}

// ---------------------------------------------------------------------------------------
// The draft form

/// The tender form as typed. Amounts are in 元 (the API takes 分); instants are Beijing
/// time `YYYY-MM-DD HH:MM[:SS]`; criteria are one `名称 分值` per line.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
pub struct TenderForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    service_model: String,
    #[serde(default)]
    fee_model: String,
    #[serde(default)]
    grade: String,
    #[serde(default)]
    term_months: String,
    #[serde(default)]
    annual_budget_yuan: String,
    #[serde(default)]
    proposed_fee_yuan: String,
    #[serde(default)]
    needs: String,
    #[serde(default)]
    enquiry_deadline: String,
    #[serde(default)]
    bid_deadline: String,
    #[serde(default)]
    opening_at: String,
    #[serde(default)]
    evaluation_method: String,
    #[serde(default)]
    price_weight: String,
    #[serde(default)]
    criteria: String,
}

/// API field → form input, where they differ.
const RENAMES: [(&str, &str); 3] = [
    ("annual_budget_fen", "annual_budget_yuan"),
    ("proposed_fee", "proposed_fee_yuan"),
    ("compound_id", "general"),
];

fn beijing_now() -> time::OffsetDateTime {
    time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8))
}

fn local_text(t: time::OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// An API instant as the form shows it (`2026-03-01 09:30:00`, Beijing time).
fn instant_text(s: &str) -> String {
    when_secs(s)
}

/// A typed Beijing time as RFC 3339, or a message.
fn parse_local(raw: &str) -> Result<String, &'static str> {
    let s = raw.trim().replace('T', " ");
    if s.is_empty() {
        return Err("此项必填");
    }
    let (date, clock) = s.split_once(' ').ok_or("时间格式应为 2026-12-01 18:00")?;
    let mut parts = clock.trim().split(':');
    let h = parts.next().unwrap_or_default();
    let m = parts.next().unwrap_or_default();
    let sec = parts.next().unwrap_or("00");
    let sec = sec.split('.').next().unwrap_or("00");
    let text = format!("{}T{h:0>2}:{m:0>2}:{sec:0>2}+08:00", date.trim());
    time::OffsetDateTime::parse(&text, &time::format_description::well_known::Rfc3339)
        .map(|_| text)
        .map_err(|_| "时间格式应为 2026-12-01 18:00")
}

fn criteria_text(e: &Evaluation) -> String {
    e.criteria
        .iter()
        .map(|c| format!("{} {}", c.name, c.weight))
        .collect::<Vec<_>>()
        .join("\n")
}

impl TenderForm {
    fn defaults() -> Self {
        let now = beijing_now().replace_second(0).unwrap_or(beijing_now());
        Self {
            service_model: "professional".into(),
            fee_model: "commission".into(),
            grade: "3".into(),
            term_months: "36".into(),
            enquiry_deadline: local_text(now + time::Duration::days(10)),
            bid_deadline: local_text(now + time::Duration::days(21)),
            opening_at: local_text(now + time::Duration::days(21)),
            evaluation_method: "price_only".into(),
            ..Default::default()
        }
    }

    fn of(t: &TenderView) -> Self {
        Self {
            title: t.title.clone(),
            service_model: t.service_model.clone(),
            fee_model: t.fee_model.clone(),
            grade: t.grade.to_string(),
            term_months: t.term_months.to_string(),
            annual_budget_yuan: yuan(t.annual_budget_fen).replace(',', ""),
            proposed_fee_yuan: format!("{}.{:02}", t.proposed_fee / 100, t.proposed_fee % 100),
            needs: t.needs.clone(),
            enquiry_deadline: instant_text(&t.enquiry_deadline),
            bid_deadline: instant_text(&t.bid_deadline),
            opening_at: instant_text(&t.opening_at),
            evaluation_method: t.evaluation.method.clone(),
            price_weight: t
                .evaluation
                .price_weight
                .map(|w| w.to_string())
                .unwrap_or_default(),
            criteria: criteria_text(&t.evaluation),
        }
    }

    /// The API body: every field on create; on edit only those that differ from `base`.
    fn body(&self, base: Option<&TenderForm>, errors: &mut FormErrors) -> Value {
        let mut body = json!({});
        let changed = |pick: fn(&TenderForm) -> &String| {
            base.is_none_or(|b| pick(b).trim() != pick(self).trim())
        };
        if changed(|f| &f.title) && !self.title.trim().is_empty() {
            body["title"] = json!(self.title.trim());
        }
        if changed(|f| &f.service_model) {
            body["service_model"] = json!(self.service_model);
        }
        if changed(|f| &f.fee_model) {
            body["fee_model"] = json!(self.fee_model);
        }
        if changed(|f| &f.grade)
            && let Some(g) = int_field(errors, "grade", &self.grade)
        {
            body["grade"] = json!(g);
        }
        if changed(|f| &f.term_months)
            && let Some(m) = int_field(errors, "term_months", &self.term_months)
        {
            body["term_months"] = json!(m);
        }
        if changed(|f| &f.annual_budget_yuan)
            && let Some(v) = yuan_field(errors, "annual_budget_yuan", &self.annual_budget_yuan)
        {
            body["annual_budget_fen"] = json!(v);
        }
        if changed(|f| &f.proposed_fee_yuan)
            && let Some(v) = yuan_field(errors, "proposed_fee_yuan", &self.proposed_fee_yuan)
        {
            body["proposed_fee"] = json!(v);
        }
        if changed(|f| &f.needs) {
            body["needs"] = json!(self.needs);
        }
        for (name, raw) in [
            ("enquiry_deadline", &self.enquiry_deadline),
            ("bid_deadline", &self.bid_deadline),
            ("opening_at", &self.opening_at),
        ] {
            let differs = base.is_none_or(|b| {
                let old = match name {
                    "enquiry_deadline" => &b.enquiry_deadline,
                    "bid_deadline" => &b.bid_deadline,
                    _ => &b.opening_at,
                };
                old.trim() != raw.trim()
            });
            if differs {
                match parse_local(raw) {
                    Ok(v) => body[name] = json!(v),
                    Err(m) => errors.add(name, m),
                }
            }
        }
        let evaluation_changed = changed(|f| &f.evaluation_method)
            || changed(|f| &f.price_weight)
            || changed(|f| &f.criteria);
        if evaluation_changed {
            body["evaluation_method"] = json!(self.evaluation_method);
            if self.evaluation_method == "rated" {
                if let Some(w) = int_field(errors, "price_weight", &self.price_weight) {
                    body["price_weight"] = json!(w);
                }
                let mut list = Vec::new();
                for line in self
                    .criteria
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                {
                    let parsed = line
                        .rsplit_once([' ', '\t', '：', ':', '，', ','])
                        .and_then(|(n, w)| Some((n.trim(), w.trim().parse::<i64>().ok()?)));
                    match parsed {
                        Some((name, weight)) if !name.is_empty() => {
                            list.push(json!({"name": name, "weight": weight}));
                        }
                        _ => errors.add(
                            "criteria",
                            format!("无法识别“{line}”：每行写一个评分项，格式为“名称 分值”"),
                        ),
                    }
                }
                body["criteria"] = json!(list);
            }
        }
        body
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "committee_tender_form.html")]
pub struct TenderFormPage {
    chrome: Chrome,
    /// `None` for a new draft.
    tender: Option<TenderView>,
    f: TenderForm,
    errors: FormErrors,
}

impl TenderFormPage {
    fn action(&self) -> String {
        match &self.tender {
            Some(t) => format!("/committee/tenders/{}/edit", t.id),
            None => "/committee/tenders".into(),
        }
    }

    fn models(&self) -> Vec<(&'static str, &'static str)> {
        vec![
            ("professional", "专业化物业服务"),
            ("trust", "信托制物业"),
            ("community", "公益/保障型物业"),
            ("self_managed", "业主自治管理"),
        ]
    }

    fn fee_models(&self) -> Vec<(&'static str, &'static str)> {
        vec![
            ("lump_sum", "包干制"),
            ("commission", "酬金制"),
            ("trust", "信托制"),
        ]
    }

    fn methods(&self) -> Vec<(&'static str, &'static str)> {
        vec![
            ("price_only", "最低价法"),
            ("rated", "综合评分法"),
            ("owners_vote", "业主表决定标"),
        ]
    }

    fn grades(&self) -> Vec<&'static str> {
        vec!["1", "2", "3", "4", "5"]
    }
}

pub async fn new_form(session: Session, Extension(csrf): Extension<CsrfToken>) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    if let Err(r) = committee(&session, &chrome, "/committee/tenders/new") {
        return r;
    }
    TenderFormPage {
        chrome,
        tender: None,
        f: TenderForm::defaults(),
        errors: FormErrors::none(),
    }
    .into_response()
}

pub async fn create(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(f): CsrfForm<TenderForm>,
) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    let c = match committee(&session, &chrome, "/committee/tenders/new") {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut errors = FormErrors::none();
    let mut body = f.body(None, &mut errors);
    let refused = |chrome, f, errors, status| {
        (
            status,
            TenderFormPage {
                chrome,
                tender: None,
                f,
                errors,
            },
        )
            .into_response()
    };
    if !errors.is_empty() {
        return refused(chrome, f, errors, StatusCode::UNPROCESSABLE_ENTITY);
    }
    body["compound_id"] = json!(c.compound_id);
    let answer: Result<Created, ApiError> = app
        .api
        .send(
            Method::POST,
            &format!("{}/tenders", app.api.tender),
            Some(&c.token),
            &body,
        )
        .await;
    match answer {
        Ok(t) => see_other_with(
            &format!("/committee/tenders/{}", t.id),
            "已保存招标草稿；核对无误后请发布",
        ),
        Err(e) => refused(
            chrome,
            f,
            errors_for(&e, &RENAMES, false),
            FormErrors::status(&e),
        ),
    }
}

/// The caller's own tender (as the API shows it to them); 403 for another compound's.
async fn own_tender(
    app: &WebState,
    c: &Committee,
    id: &str,
    chrome: &Chrome,
) -> Result<TenderView, Response> {
    let t: TenderView = app
        .api
        .get(
            &format!("{}{}", app.api.tender, api::path(&["tenders", id])),
            Some(&c.token),
        )
        .await
        .map_err(|e| PageError::from_api(e, chrome.clone()).into_response())?;
    if t.compound_id != c.compound_id {
        return Err(forbidden(
            chrome,
            "这是其他小区的招标项目，只能查看其公开页面。",
        ));
    }
    Ok(t)
}

pub async fn edit_form(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    let c = match committee(&session, &chrome, &format!("/committee/tenders/{id}/edit")) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let t = match own_tender(&app, &c, &id, &chrome).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    TenderFormPage {
        chrome,
        f: TenderForm::of(&t),
        tender: Some(t),
        errors: FormErrors::none(),
    }
    .into_response()
}

pub async fn edit(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    CsrfForm(f): CsrfForm<TenderForm>,
) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    let c = match committee(&session, &chrome, &format!("/committee/tenders/{id}/edit")) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let t = match own_tender(&app, &c, &id, &chrome).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    let base = TenderForm::of(&t);
    let mut errors = FormErrors::none();
    let body = f.body(Some(&base), &mut errors);
    if !errors.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            TenderFormPage {
                chrome,
                tender: Some(t),
                f,
                errors,
            },
        )
            .into_response();
    }
    let answer: Result<Value, ApiError> = app
        .api
        .send(
            Method::PATCH,
            &format!("{}{}", app.api.tender, api::path(&["tenders", &id])),
            Some(&c.token),
            &body,
        )
        .await;
    match answer {
        Ok(_) => see_other_with(&format!("/committee/tenders/{id}"), "已保存招标条件"),
        Err(e) => (
            FormErrors::status(&e),
            TenderFormPage {
                chrome,
                tender: Some(t),
                f,
                errors: errors_for(&e, &RENAMES, false),
            },
        )
            .into_response(),
    }
}

// ---------------------------------------------------------------------------------------
// One tender's workbench

#[derive(Debug, Clone, Deserialize)]
pub struct ScorePart {
    pub value: f64,
    pub detail: String,
}

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

impl ScorePart {
    pub fn value_text(&self) -> String {
        format!("{:+.1}", self.value)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Invitation {
    pub firm_id: String,
    pub firm_name: String,
    pub invited_at: String,
}

impl Invitation {
    pub fn invited_text(&self) -> String {
        when(&self.invited_at)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct CriterionAnswer {
    pub name: String,
    pub answer: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Bid {
    pub id: String,
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
    pub updated_at: String,
    pub invalid_reason: Option<String>,
}

impl Bid {
    pub fn fee_text(&self) -> String {
        fee_label(self.fee)
    }
    pub fn price_text(&self) -> String {
        format!("{} 元", yuan(self.annual_price_fen))
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
}

/// Which form of the workbench a refusal belongs to, and what was typed in it.
#[derive(Debug, Default)]
pub struct Refused {
    pub form: &'static str,
    pub errors: FormErrors,
    /// Every message (for the score table, whose cells the API names by index).
    pub messages: Vec<String>,
    pub typed: BTreeMap<String, String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "committee_tender.html")]
pub struct TenderPage {
    chrome: Chrome,
    t: TenderView,
    questions: Vec<Question>,
    matches: Vec<FirmMatch>,
    matches_note: Option<String>,
    invitations: Vec<Invitation>,
    bids: Vec<Bid>,
    ranking: Vec<Ranked>,
    ranking_note: Option<String>,
    flash: Flash,
    refused: Refused,
    today: String,
}

impl TenderPage {
    fn invited(&self, firm_id: &str) -> bool {
        self.invitations.iter().any(|i| i.firm_id == firm_id)
    }

    fn valid_bids(&self) -> Vec<&Bid> {
        self.bids.iter().filter(|b| b.valid()).collect()
    }

    /// The error of the refused form `form` for `field`.
    fn err(&self, form: &str, field: &str) -> Option<&str> {
        if self.refused.form == form {
            self.refused.errors.get(field)
        } else {
            None
        }
    }

    fn general(&self, form: &str) -> Option<&str> {
        if self.refused.form == form {
            self.refused.errors.general.as_deref()
        } else {
            None
        }
    }

    fn messages(&self, form: &str) -> Vec<String> {
        if self.refused.form == form {
            self.refused.messages.clone()
        } else {
            Vec::new()
        }
    }

    /// What was typed in `field` of the refused form, else `default`.
    fn typed(&self, form: &str, field: &str, default: &str) -> String {
        if self.refused.form == form
            && let Some(v) = self.refused.typed.get(field)
        {
            return v.clone();
        }
        default.to_string()
    }

    fn score_name(&self, bid: &str, i: &usize) -> String {
        format!("pts:{bid}:{i}")
    }

    fn score_value(&self, bid: &str, i: &usize) -> String {
        self.typed("scores", &self.score_name(bid, i), "")
    }

    fn answer_value(&self, qid: &str) -> String {
        self.typed("qa", &format!("answer:{qid}"), "")
    }

    fn top_bid(&self) -> String {
        self.ranking
            .first()
            .map(|r| r.bid_id.clone())
            .unwrap_or_default()
    }

    fn contract_start(&self) -> String {
        // The first day of next month.
        let now = beijing_now();
        let (y, m) = if u8::from(now.month()) == 12 {
            (now.year() + 1, 1)
        } else {
            (now.year(), u8::from(now.month()) + 1)
        };
        format!("{y:04}-{m:02}-01")
    }
}

async fn load_page(
    app: &WebState,
    c: &Committee,
    t: TenderView,
    chrome: Chrome,
    flash: Flash,
    refused: Refused,
) -> TenderPage {
    let base = &app.api.tender;
    let id = t.id.clone();
    let token = Some(c.token.as_str());
    let questions_url = format!("{base}{}", api::path(&["tenders", &id, "questions"]));
    let questions = app.api.get::<Vec<Question>>(&questions_url, token);
    let open = t.is_open() && t.accepting_bids;
    let matches = async {
        if !open {
            return Ok(None);
        }
        app.api
            .get::<Page<FirmMatch>>(
                &format!(
                    "{}{}?limit=20",
                    app.api.matching,
                    api::path(&["match", "tenders", &id, "firms"])
                ),
                token,
            )
            .await
            .map(Some)
    };
    let invitations = async {
        if t.is_draft() {
            return Ok(Vec::new());
        }
        app.api
            .get::<Vec<Invitation>>(
                &format!("{base}{}", api::path(&["tenders", &id, "invitations"])),
                token,
            )
            .await
    };
    let opened = t.opened_at.is_some();
    let bids = async {
        if !opened {
            return Ok(Vec::new());
        }
        app.api
            .get::<Vec<Bid>>(
                &format!("{base}{}", api::path(&["tenders", &id, "bids"])),
                token,
            )
            .await
    };
    let ranking = async {
        if !opened {
            return Ok(Vec::new());
        }
        app.api
            .get::<Vec<Ranked>>(
                &format!("{base}{}", api::path(&["tenders", &id, "ranking"])),
                token,
            )
            .await
    };
    let (questions, matches, invitations, bids, ranking) =
        futures::join!(questions, matches, invitations, bids, ranking);
    let (matches, matches_note) = match matches {
        Ok(Some(p)) if p.items.is_empty() => (
            Vec::new(),
            Some("暂无符合条件的推荐企业（服务方式、收费方式、等级、服务区域和剩余服务能力均须满足）。".to_string()),
        ),
        Ok(Some(p)) => (p.items, None),
        Ok(None) => (Vec::new(), None),
        Err(e) if e.status() == Some(StatusCode::NOT_FOUND) => (
            Vec::new(),
            Some("匹配结果正在生成（招标发布后数秒内完成），请稍后刷新本页。".to_string()),
        ),
        Err(e) => (Vec::new(), Some(format!("暂时无法获取匹配企业：{}", e.message()))),
    };
    let (ranking, ranking_note) = match ranking {
        Ok(r) => (r, None),
        Err(e) => (Vec::new(), opened.then(|| e.message())),
    };
    TenderPage {
        chrome,
        t,
        questions: questions.unwrap_or_default(),
        matches,
        matches_note,
        invitations: invitations.unwrap_or_default(),
        bids: bids.unwrap_or_default(),
        ranking,
        ranking_note,
        flash,
        refused,
        today: today(),
    }
}

pub async fn detail(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    let c = match committee(&session, &chrome, &format!("/committee/tenders/{id}")) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let t = match own_tender(&app, &c, &id, &chrome).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    load_page(&app, &c, t, chrome, flash, Refused::default())
        .await
        .into_response()
}

/// Runs one action of the workbench: guard, call the API, then either redirect with
/// `done` or show the workbench again with the refusal next to the form `form`.
#[allow(clippy::too_many_arguments)]
async fn act(
    app: &WebState,
    session: &Session,
    csrf: &CsrfToken,
    id: &str,
    form: &'static str,
    typed: BTreeMap<String, String>,
    call: impl AsyncFnOnce(&WebState, &Committee, &TenderView) -> Result<(), ApiError>,
    renames: &[(&str, &str)],
    done: &str,
) -> Response {
    let chrome = Chrome::new(session, csrf);
    let c = match committee(session, &chrome, &format!("/committee/tenders/{id}")) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let t = match own_tender(app, &c, id, &chrome).await {
        Ok(t) => t,
        Err(r) => return r,
    };
    match call(app, &c, &t).await {
        Ok(()) => see_other_at(&format!("/committee/tenders/{id}"), done, form),
        Err(e) => {
            let status = FormErrors::status(&e);
            let refused = Refused {
                form,
                errors: errors_for(&e, renames, false),
                messages: all_messages(&e),
                typed,
            };
            // Show the tender as it is now (the refusal may be about its state).
            let t = own_tender(app, &c, id, &chrome).await.unwrap_or(t);
            (
                status,
                load_page(app, &c, t, chrome, Flash::default(), refused).await,
            )
                .into_response()
        }
    }
}

async fn send(
    app: &WebState,
    c: &Committee,
    method: Method,
    path: &str,
    body: &Value,
) -> Result<(), ApiError> {
    app.api
        .send::<Value>(
            method,
            &format!("{}{path}", app.api.tender),
            Some(&c.token),
            body,
        )
        .await
        .map(|_| ())
}

/// A form that carries only the CSRF field.
#[derive(Debug, Deserialize)]
pub struct Empty {}

pub async fn publish(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Response {
    let path = api::path(&["tenders", &id, "publish"]);
    act(
        &app,
        &session,
        &csrf,
        &id,
        "publish",
        BTreeMap::new(),
        async |app, c, _| send(app, c, Method::POST, &path, &json!({})).await,
        &[],
        "已发布招标公告，企业现在可以提问和投标",
    )
    .await
}

pub async fn cancel(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<BTreeMap<String, String>>,
) -> Response {
    let reason = form.get("reason").cloned().unwrap_or_default();
    let path = api::path(&["tenders", &id, "cancel"]);
    act(
        &app,
        &session,
        &csrf,
        &id,
        "cancel",
        form,
        async |app, c, _| send(app, c, Method::POST, &path, &json!({"reason": reason})).await,
        &[],
        "已终止招标项目",
    )
    .await
}

pub async fn answer(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path((id, qid)): Path<(String, String)>,
    CsrfForm(mut form): CsrfForm<BTreeMap<String, String>>,
) -> Response {
    let text = form.get("answer").cloned().unwrap_or_default();
    // Which question the typed answer belongs to.
    form.insert(format!("answer:{qid}"), text.clone());
    let path = api::path(&["tenders", &id, "questions", &qid, "answer"]);
    act(
        &app,
        &session,
        &csrf,
        &id,
        "qa",
        form,
        async |app, c, _| send(app, c, Method::POST, &path, &json!({"answer": text})).await,
        &[],
        "已答复，答复内容已公开",
    )
    .await
}

pub async fn invite(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<BTreeMap<String, String>>,
) -> Response {
    let firm_id = form.get("firm_id").cloned().unwrap_or_default();
    let firm_name = form.get("firm_name").cloned().unwrap_or_default();
    let path = api::path(&["tenders", &id, "invitations"]);
    let done = if firm_name.is_empty() {
        "已发出投标邀请".to_string()
    } else {
        format!("已邀请{firm_name}投标")
    };
    act(
        &app,
        &session,
        &csrf,
        &id,
        "matched",
        form,
        async |app, c, _| send(app, c, Method::POST, &path, &json!({"firm_id": firm_id})).await,
        &[],
        &done,
    )
    .await
}

pub async fn scores(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<BTreeMap<String, String>>,
) -> Response {
    let path = api::path(&["tenders", &id, "scores"]);
    let typed = form.clone();
    act(
        &app,
        &session,
        &csrf,
        &id,
        "scores",
        typed,
        async |app, c, t| {
            // `pts:<bid>:<criterion index>` → {bid: {criterion: points}}.
            let mut by_bid: BTreeMap<String, serde_json::Map<String, Value>> = BTreeMap::new();
            let mut unreadable = Vec::new();
            for (k, v) in &form {
                let Some(rest) = k.strip_prefix("pts:") else {
                    continue;
                };
                let Some((bid, i)) = rest.rsplit_once(':') else {
                    continue;
                };
                let Some(c) = i
                    .parse::<usize>()
                    .ok()
                    .and_then(|i| t.evaluation.criteria.get(i))
                else {
                    continue;
                };
                let entry = by_bid.entry(bid.to_string()).or_default();
                match v.trim().parse::<i64>() {
                    Ok(p) => {
                        entry.insert(c.name.clone(), json!(p));
                    }
                    Err(_) => unreadable.push(c.name.clone()),
                }
            }
            if !unreadable.is_empty() {
                let mut problem = shared::error::Problem::validation(
                    unreadable
                        .iter()
                        .map(|n| {
                            shared::error::FieldError::new(
                                "scores",
                                "invalid",
                                format!("“{n}”的得分应为整数"),
                            )
                        })
                        .collect(),
                );
                problem.detail = Some("评分表有误，请按提示修改。".into());
                return Err(ApiError::Refused {
                    status: StatusCode::UNPROCESSABLE_ENTITY,
                    problem: Box::new(problem),
                    retry_after: None,
                });
            }
            let scores: Vec<Value> = by_bid
                .into_iter()
                .map(|(bid, points)| json!({"bid_id": bid, "points": points}))
                .collect();
            send(app, c, Method::PUT, &path, &json!({"scores": scores})).await
        },
        &[],
        "已保存评分，排名已更新",
    )
    .await
}

pub async fn award(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<BTreeMap<String, String>>,
) -> Response {
    let bid_id = form.get("bid_id").cloned().unwrap_or_default();
    let reason = form.get("reason").cloned().unwrap_or_default();
    let base = app.api.tender.clone();
    let path = api::path(&["tenders", &id, "award"]);
    act(
        &app,
        &session,
        &csrf,
        &id,
        "award",
        form,
        async |app, c, _| {
            // Every valid bid ranked above the chosen one is passed over with the reason.
            let ranking: Vec<Ranked> = app
                .api
                .get(
                    &format!("{base}{}", api::path(&["tenders", &id, "ranking"])),
                    Some(&c.token),
                )
                .await?;
            let rank = ranking
                .iter()
                .find(|r| r.bid_id == bid_id)
                .map_or(i64::MAX, |r| r.rank);
            let skipped: Vec<Value> = ranking
                .iter()
                .filter(|r| r.rank < rank)
                .map(|r| json!({"bid_id": r.bid_id, "reason": reason.trim()}))
                .collect();
            send(
                app,
                c,
                Method::POST,
                &path,
                &json!({"bid_id": bid_id, "skipped": skipped}),
            )
            .await
        },
        &[("skipped", "reason")],
        "已定标，定标结果进入公示期",
    )
    .await
}

pub async fn contract(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<BTreeMap<String, String>>,
) -> Response {
    let start = form.get("start_date").cloned().unwrap_or_default();
    let signed = form.get("signed_on").cloned().unwrap_or_default();
    let path = api::path(&["tenders", &id, "contract"]);
    act(
        &app,
        &session,
        &csrf,
        &id,
        "contract",
        form,
        async |app, c, _| {
            let mut body = json!({"start_date": start.trim()});
            if !signed.trim().is_empty() {
                body["signed_on"] = json!(signed.trim());
            }
            send(app, c, Method::POST, &path, &body).await
        },
        &[],
        "已签订物业服务合同，小区纳入物业服务覆盖",
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_beijing_times_become_rfc3339() {
        assert_eq!(
            parse_local("2026-12-01 18:00").unwrap(),
            "2026-12-01T18:00:00+08:00"
        );
        assert_eq!(
            parse_local(" 2026-12-01T08:05:09 ").unwrap(),
            "2026-12-01T08:05:09+08:00"
        );
        assert_eq!(parse_local("").unwrap_err(), "此项必填");
        assert!(parse_local("2026-13-01 18:00").is_err());
        assert!(parse_local("明天").is_err());
    }

    #[test]
    fn an_edit_sends_only_what_changed() {
        let base = TenderForm {
            title: "望江小区物业服务招标".into(),
            service_model: "professional".into(),
            fee_model: "commission".into(),
            grade: "3".into(),
            term_months: "36".into(),
            annual_budget_yuan: "604800.00".into(),
            proposed_fee_yuan: "1.80".into(),
            needs: "保洁".into(),
            enquiry_deadline: "2099-01-01 10:00:00".into(),
            bid_deadline: "2099-02-01 10:00:00".into(),
            opening_at: "2099-02-01 10:00:00".into(),
            evaluation_method: "rated".into(),
            price_weight: "40".into(),
            criteria: "服务方案 40\n人员配置 20".into(),
        };
        let mut errors = FormErrors::none();
        let typed = TenderForm {
            proposed_fee_yuan: "1.95".into(),
            ..base.clone()
        };
        assert_eq!(
            typed.body(Some(&base), &mut errors),
            json!({"proposed_fee": 195})
        );
        assert!(errors.is_empty());
        let body = base.body(None, &mut errors);
        assert_eq!(body["annual_budget_fen"], 60_480_000);
        assert_eq!(
            body["criteria"],
            json!([{"name": "服务方案", "weight": 40}, {"name": "人员配置", "weight": 20}])
        );
        assert_eq!(body["bid_deadline"], "2099-02-01T10:00:00+08:00");
        let bad = TenderForm {
            criteria: "服务方案".into(),
            grade: "三".into(),
            ..base
        };
        bad.body(None, &mut errors);
        assert!(errors.has("criteria") && errors.has("grade"));
    }
}
