//! 小区自治组织工作台: the committee's compound profile, owners' votes, tenders (create, edit, publish), matched firms and invitations, Q&A, opening, scoring, award, contract, budgets and accounts, satisfaction surveys.
//!
//! Every page is for a committee account (role `committee`, scope one compound) and acts on
//! that compound only: the tender, vote and contract pages of another compound answer 403
//! even where the API would show the public facts (those are on the public pages).

mod tender;

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use shared::auth::{Role, Scope};

use super::public::model::*;
use super::public::{CompoundFacts, compound_facts};
use super::{Chrome, WebState, require_role};
use crate::api::{self, ApiError};
use crate::csrf::{CsrfForm, CsrfToken};
use crate::error::PageError;
use crate::forms::{Flash, FormErrors, see_other_with};
use crate::session::Session;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/committee", get(home))
        .route("/committee/votes/new", get(vote_form))
        .route("/committee/votes", post(vote_submit))
        .route("/committee/votes/{id}", get(vote_result))
        .route(
            "/committee/satisfaction",
            get(survey_form).post(survey_submit),
        )
        .route(
            "/committee/contracts/{cid}/disclosures",
            get(disclosure_form).post(disclosure_submit),
        )
        .merge(tender::routes())
}

/// Who is acting: the committee's token and its compound.
pub(crate) struct Committee {
    pub token: String,
    pub compound_id: String,
}

/// The signed-in committee, or the page to answer instead (sign in; 403 for other roles).
pub(crate) fn committee(
    session: &Session,
    chrome: &Chrome,
    path: &str,
) -> Result<Committee, Response> {
    let (identity, token) = require_role(session, &[Role::Committee], chrome, path)?;
    match identity.scope {
        Scope::Compound(compound_id) => Ok(Committee { token, compound_id }),
        _ => Err(forbidden(
            chrome,
            "账号没有对应的小区，请联系街道开设账号。",
        )),
    }
}

pub(crate) fn forbidden(chrome: &Chrome, message: &str) -> Response {
    PageError::new(StatusCode::FORBIDDEN, "无权查看", message, chrome.clone()).into_response()
}

/// A refused form's errors keyed by the page's input names: the API's field names, except
/// those in `renames` (API field → input), and nested fields kept whole
/// (`income.fee_fen`), unlike [`FormErrors::from_api`] which keeps only the first part.
pub(crate) fn errors_for(e: &ApiError, renames: &[(&str, &str)], whole: bool) -> FormErrors {
    let mut out = FormErrors::from_api(e);
    if let ApiError::Refused { problem, .. } = e {
        let mut fields = BTreeMap::new();
        for f in &problem.errors {
            let key = if whole {
                f.field.clone()
            } else {
                f.field
                    .split(['.', '['])
                    .next()
                    .unwrap_or(&f.field)
                    .to_string()
            };
            let key = renames
                .iter()
                .find(|(api, _)| *api == key)
                .map_or(key, |(_, input)| input.to_string());
            fields.entry(key).or_insert_with(|| f.message.clone());
        }
        out.fields = fields;
    }
    out
}

/// Every field message of a refusal, for forms that list them (scores).
pub(crate) fn all_messages(e: &ApiError) -> Vec<String> {
    match e {
        ApiError::Refused { problem, .. } => {
            problem.errors.iter().map(|f| f.message.clone()).collect()
        }
        ApiError::Unavailable(_) => Vec::new(),
    }
}

/// A whole number typed in a form; a message next to the field otherwise.
pub(crate) fn int_field(errors: &mut FormErrors, field: &str, raw: &str) -> Option<i64> {
    let s = raw.trim().replace([',', '，', ' '], "");
    match s.parse::<i64>() {
        Ok(n) => Some(n),
        Err(_) => {
            errors.add(
                field,
                if s.is_empty() {
                    "此项必填"
                } else {
                    "请填写整数"
                },
            );
            None
        }
    }
}

/// An amount in 元 (up to two decimals) as 分.
pub(crate) fn parse_yuan(raw: &str) -> Option<i64> {
    let s = raw.trim().replace([',', '，', ' ', '¥', '￥'], "");
    let (neg, s) = match s.strip_prefix('-') {
        Some(rest) => (true, rest.to_string()),
        None => (false, s),
    };
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w.to_string(), f.to_string()),
        None => (s.clone(), String::new()),
    };
    if whole.is_empty() && frac.is_empty() {
        return None;
    }
    if !whole.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
    {
        return None;
    }
    let w: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let f: i64 = format!("{frac:0<2}").parse().ok()?;
    let v = w.checked_mul(100)?.checked_add(f)?;
    Some(if neg { -v } else { v })
}

pub(crate) fn yuan_field(errors: &mut FormErrors, field: &str, raw: &str) -> Option<i64> {
    let v = parse_yuan(raw);
    if v.is_none() {
        errors.add(
            field,
            if raw.trim().is_empty() {
                "此项必填"
            } else {
                "请填写金额（元），最多两位小数，如 1234.50"
            },
        );
    }
    v
}

/// `303` to `path?done=<message>#<fragment>` (the notice, then the section it is about).
pub(crate) fn see_other_at(path: &str, done: &str, fragment: &str) -> Response {
    let query = serde_urlencoded::to_string([("done", done)]).unwrap_or_default();
    crate::forms::see_other(&format!("{path}?{query}#{fragment}"))
}

/// Today in Beijing, `YYYY-MM-DD`.
pub(crate) fn today() -> String {
    let now = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8));
    format!(
        "{:04}-{:02}-{:02}",
        now.year(),
        u8::from(now.month()),
        now.day()
    )
}

// ---------------------------------------------------------------------------------------
// Home

#[derive(Template, WebTemplate)]
#[template(path = "committee_home.html")]
pub struct HomePage {
    chrome: Chrome,
    f: CompoundFacts,
    flash: Flash,
    tender_link_prefix: &'static str,
    vote_links: bool,
}

impl HomePage {
    /// A tender in progress (the compound may have one at a time).
    fn current_tender(&self) -> Option<&TenderView> {
        self.f.tenders.iter().find(|t| {
            matches!(
                t.status.as_str(),
                "draft" | "open" | "evaluation" | "awarded"
            )
        })
    }
}

pub async fn home(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Query(flash): Query<Flash>,
) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    let c = match committee(&session, &chrome, "/committee") {
        Ok(c) => c,
        Err(r) => return r,
    };
    match compound_facts(&app, &c.compound_id, Some(&c.token), &chrome).await {
        Ok(f) => HomePage {
            chrome,
            f,
            flash,
            tender_link_prefix: "/committee/tenders/",
            vote_links: true,
        }
        .into_response(),
        Err(e) => e.into_response(),
    }
}

// ---------------------------------------------------------------------------------------
// Owners' votes

#[derive(Debug, Default, Deserialize)]
pub struct VoteInput {
    #[serde(default)]
    matter: String,
    #[serde(default)]
    subject: String,
    #[serde(default)]
    total_owners: String,
    #[serde(default)]
    total_area_m2: String,
    #[serde(default)]
    participating_owners: String,
    #[serde(default)]
    participating_area_m2: String,
    #[serde(default)]
    approving_owners: String,
    #[serde(default)]
    approving_area_m2: String,
    #[serde(default)]
    held_on: String,
    #[serde(default)]
    document_ref: String,
    /// For `choose_firm` on an `owners_vote` tender: the opened bid the owners chose.
    #[serde(default)]
    chosen_bid_id: String,
}

/// `?matter=choose_firm&chosen_bid_id=…`: the form opened from a tender's bid.
#[derive(Debug, Default, Deserialize)]
pub struct VoteQuery {
    #[serde(default)]
    matter: Option<String>,
    #[serde(default)]
    chosen_bid_id: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "committee_vote_form.html")]
pub struct VoteFormPage {
    chrome: Chrome,
    v: VoteInput,
    errors: FormErrors,
    matters: Vec<(&'static str, &'static str)>,
}

const MATTERS: [(&str, &str); 4] = [
    ("choose_service_model", "选择物业服务方式"),
    ("choose_firm", "选聘物业服务企业"),
    ("other", "其他共同决定事项"),
    ("maintenance_fund", "筹集维修资金（须四分之三同意）"),
];

pub async fn vote_form(
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    axum::extract::Query(q): axum::extract::Query<VoteQuery>,
) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    if let Err(r) = committee(&session, &chrome, "/committee/votes/new") {
        return r;
    }
    let matter = q
        .matter
        .filter(|m| MATTERS.iter().any(|(code, _)| code == m))
        .unwrap_or_else(|| "choose_service_model".into());
    VoteFormPage {
        chrome,
        v: VoteInput {
            matter,
            held_on: today(),
            chosen_bid_id: q.chosen_bid_id.unwrap_or_default(),
            ..Default::default()
        },
        errors: FormErrors::none(),
        matters: MATTERS.to_vec(),
    }
    .into_response()
}

#[derive(Deserialize)]
struct Created {
    id: String,
}

pub async fn vote_submit(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(v): CsrfForm<VoteInput>,
) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    let c = match committee(&session, &chrome, "/committee/votes/new") {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut errors = FormErrors::none();
    let mut n = |f: &str, raw: &str| int_field(&mut errors, f, raw);
    let counts = [
        ("total_owners", n("total_owners", &v.total_owners)),
        ("total_area_m2", n("total_area_m2", &v.total_area_m2)),
        (
            "participating_owners",
            n("participating_owners", &v.participating_owners),
        ),
        (
            "participating_area_m2",
            n("participating_area_m2", &v.participating_area_m2),
        ),
        (
            "approving_owners",
            n("approving_owners", &v.approving_owners),
        ),
        (
            "approving_area_m2",
            n("approving_area_m2", &v.approving_area_m2),
        ),
    ];
    let refused = |errors: FormErrors, status: StatusCode, chrome: Chrome, v: VoteInput| {
        (
            status,
            VoteFormPage {
                chrome,
                v,
                errors,
                matters: MATTERS.to_vec(),
            },
        )
            .into_response()
    };
    if !errors.is_empty() {
        return refused(errors, StatusCode::UNPROCESSABLE_ENTITY, chrome, v);
    }
    let mut body = json!({
        "compound_id": c.compound_id,
        "matter": v.matter,
        "held_on": v.held_on.trim(),
        "document_ref": v.document_ref,
    });
    if !v.subject.trim().is_empty() {
        body["subject"] = json!(v.subject.trim());
    }
    if !v.chosen_bid_id.trim().is_empty() {
        body["chosen_bid_id"] = json!(v.chosen_bid_id.trim());
    }
    for (k, value) in counts {
        body[k] = json!(value);
    }
    let answer: Result<Created, ApiError> = app
        .api
        .send(
            Method::POST,
            &format!("{}/tenders/votes", app.api.tender),
            Some(&c.token),
            &body,
        )
        .await;
    match answer {
        Ok(vote) => see_other_with(
            &format!("/committee/votes/{}", vote.id),
            "已录入业主表决结果",
        ),
        Err(e) => refused(
            errors_for(&e, &[], false),
            FormErrors::status(&e),
            chrome,
            v,
        ),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "committee_vote_result.html")]
pub struct VoteResultPage {
    chrome: Chrome,
    v: Vote,
    flash: Flash,
}

pub async fn vote_result(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    let c = match committee(&session, &chrome, &format!("/committee/votes/{id}")) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let v: Vote = match app
        .api
        .get(
            &format!(
                "{}{}",
                app.api.tender,
                api::path(&["tenders", "votes", &id])
            ),
            Some(&c.token),
        )
        .await
    {
        Ok(v) => v,
        Err(e) => return PageError::from_api(e, chrome).into_response(),
    };
    if v.compound_id != c.compound_id {
        return forbidden(&chrome, "这是其他小区的表决记录。");
    }
    VoteResultPage { chrome, v, flash }.into_response()
}

// ---------------------------------------------------------------------------------------
// Satisfaction surveys

#[derive(Debug, Default, Deserialize)]
pub struct SurveyInput {
    #[serde(default)]
    period: String,
    #[serde(default)]
    satisfied: String,
    #[serde(default)]
    basically_satisfied: String,
    #[serde(default)]
    dissatisfied: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "committee_survey_form.html")]
pub struct SurveyFormPage {
    chrome: Chrome,
    s: SurveyInput,
    errors: FormErrors,
}

fn current_quarter() -> String {
    let now = time::OffsetDateTime::now_utc().to_offset(time::macros::offset!(+8));
    format!("{}-Q{}", now.year(), (u8::from(now.month()) - 1) / 3 + 1)
}

pub async fn survey_form(session: Session, Extension(csrf): Extension<CsrfToken>) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    if let Err(r) = committee(&session, &chrome, "/committee/satisfaction") {
        return r;
    }
    SurveyFormPage {
        chrome,
        s: SurveyInput {
            period: current_quarter(),
            ..Default::default()
        },
        errors: FormErrors::none(),
    }
    .into_response()
}

pub async fn survey_submit(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(s): CsrfForm<SurveyInput>,
) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    let c = match committee(&session, &chrome, "/committee/satisfaction") {
        Ok(c) => c,
        Err(r) => return r,
    };
    let mut errors = FormErrors::none();
    let a = int_field(&mut errors, "satisfied", &s.satisfied);
    let b = int_field(&mut errors, "basically_satisfied", &s.basically_satisfied);
    let d = int_field(&mut errors, "dissatisfied", &s.dissatisfied);
    if !errors.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            SurveyFormPage { chrome, s, errors },
        )
            .into_response();
    }
    let body = json!({"compound_id": c.compound_id, "period": s.period.trim(),
        "satisfied": a, "basically_satisfied": b, "dissatisfied": d});
    let answer: Result<Value, ApiError> = app
        .api
        .send(
            Method::POST,
            &format!("{}/tenders/satisfaction", app.api.tender),
            Some(&c.token),
            &body,
        )
        .await;
    match answer {
        Ok(_) => see_other_at("/committee", "已录入满意度调查结果", "sat-heading"),
        Err(e) => (
            FormErrors::status(&e),
            SurveyFormPage {
                chrome,
                s,
                errors: errors_for(&e, &[], false),
            },
        )
            .into_response(),
    }
}

// ---------------------------------------------------------------------------------------
// Budgets and accounts

/// The disclosure form's amounts: input name, API field, label.
const AMOUNTS: [(&str, &str, &str); 15] = [
    ("income_fee", "income.fee_fen", "物业费收入"),
    ("income_parking", "income.parking_fen", "停车收益"),
    ("income_advertising", "income.advertising_fen", "广告收益"),
    ("income_other", "income.other_fen", "其他收入"),
    ("total_income", "total_income_fen", "收入合计"),
    ("spending_personnel", "spending.personnel_fen", "人员费用"),
    ("spending_cleaning", "spending.cleaning_fen", "保洁"),
    ("spending_greening", "spending.greening_fen", "绿化"),
    ("spending_security", "spending.security_fen", "秩序维护"),
    (
        "spending_maintenance",
        "spending.maintenance_fen",
        "维修养护",
    ),
    ("spending_energy", "spending.energy_fen", "能耗"),
    ("spending_other", "spending.other_fen", "其他支出"),
    ("total_spending", "total_spending_fen", "支出合计"),
    ("opening_balance", "opening_balance_fen", "期初结余"),
    ("closing_balance", "closing_balance_fen", "期末结余"),
];

/// One amount input of the disclosure form.
pub struct AmountField {
    pub name: &'static str,
    pub label: &'static str,
    pub value: String,
    pub error: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "committee_disclosure_form.html")]
pub struct DisclosureFormPage {
    chrome: Chrome,
    contract: Contract,
    kind: String,
    period: String,
    note: String,
    income: Vec<AmountField>,
    spending: Vec<AmountField>,
    balances: Vec<AmountField>,
    errors: FormErrors,
}

impl DisclosureFormPage {
    fn new(
        chrome: Chrome,
        contract: Contract,
        form: &BTreeMap<String, String>,
        errors: FormErrors,
    ) -> Self {
        let field = |(name, _, label): &(&'static str, &str, &'static str)| AmountField {
            name,
            label,
            value: form.get(*name).cloned().unwrap_or_default(),
            error: errors.get(name).map(str::to_string),
        };
        let get = |k: &str| form.get(k).cloned().unwrap_or_default();
        Self {
            chrome,
            contract,
            kind: get("kind"),
            period: get("period"),
            note: get("note"),
            income: AMOUNTS[..5].iter().map(field).collect(),
            spending: AMOUNTS[5..13].iter().map(field).collect(),
            balances: AMOUNTS[13..].iter().map(field).collect(),
            errors,
        }
    }
}

async fn own_contract(
    app: &WebState,
    c: &Committee,
    cid: &str,
    chrome: &Chrome,
) -> Result<Contract, Response> {
    #[derive(Deserialize)]
    struct WithCompound {
        compound_id: String,
    }
    let url = format!(
        "{}{}",
        app.api.tender,
        api::path(&["tenders", "contracts", cid])
    );
    let raw: Value = app
        .api
        .get(&url, Some(&c.token))
        .await
        .map_err(|e| PageError::from_api(e, chrome.clone()).into_response())?;
    let owner: WithCompound = serde_json::from_value(raw.clone()).map_err(|_| {
        PageError::new(
            StatusCode::BAD_GATEWAY,
            "服务暂不可用",
            "合同信息无法读取。",
            chrome.clone(),
        )
        .into_response()
    })?;
    if owner.compound_id != c.compound_id {
        return Err(forbidden(chrome, "这是其他小区的合同。"));
    }
    serde_json::from_value(raw).map_err(|_| {
        PageError::new(
            StatusCode::BAD_GATEWAY,
            "服务暂不可用",
            "合同信息无法读取。",
            chrome.clone(),
        )
        .into_response()
    })
}

pub async fn disclosure_form(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(cid): Path<String>,
) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    let path = format!("/committee/contracts/{cid}/disclosures");
    let c = match committee(&session, &chrome, &path) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let contract = match own_contract(&app, &c, &cid, &chrome).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    let mut form = BTreeMap::new();
    form.insert("kind".to_string(), "budget".to_string());
    form.insert("period".to_string(), today()[..4].to_string());
    DisclosureFormPage::new(chrome, contract, &form, FormErrors::none()).into_response()
}

pub async fn disclosure_submit(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(cid): Path<String>,
    CsrfForm(form): CsrfForm<BTreeMap<String, String>>,
) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    let path = format!("/committee/contracts/{cid}/disclosures");
    let c = match committee(&session, &chrome, &path) {
        Ok(c) => c,
        Err(r) => return r,
    };
    let contract = match own_contract(&app, &c, &cid, &chrome).await {
        Ok(k) => k,
        Err(r) => return r,
    };
    let mut errors = FormErrors::none();
    let mut body = json!({
        "kind": form.get("kind").cloned().unwrap_or_default(),
        "period": form.get("period").map(|s| s.trim().to_string()).unwrap_or_default(),
        "income": {}, "spending": {},
    });
    if let Some(note) = form.get("note").map(|s| s.trim()).filter(|s| !s.is_empty()) {
        body["note"] = json!(note);
    }
    for (name, api, _) in AMOUNTS {
        let raw = form.get(name).cloned().unwrap_or_default();
        if let Some(fen) = yuan_field(&mut errors, name, &raw) {
            match api.split_once('.') {
                Some((group, key)) => body[group][key] = json!(fen),
                None => body[api] = json!(fen),
            }
        }
    }
    if !errors.is_empty() {
        return (
            StatusCode::UNPROCESSABLE_ENTITY,
            DisclosureFormPage::new(chrome, contract, &form, errors),
        )
            .into_response();
    }
    let answer: Result<Value, ApiError> = app
        .api
        .send(
            Method::POST,
            &format!(
                "{}{}",
                app.api.tender,
                api::path(&["tenders", "contracts", &cid, "disclosures"])
            ),
            Some(&c.token),
            &body,
        )
        .await;
    match answer {
        Ok(_) => see_other_at("/committee", "已公开预算/收支情况", "money-heading"),
        Err(e) => {
            let renames: Vec<(&str, &str)> = AMOUNTS.iter().map(|(n, a, _)| (*a, *n)).collect();
            let errors = errors_for(&e, &renames, true);
            (
                FormErrors::status(&e),
                DisclosureFormPage::new(chrome, contract, &form, errors),
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::parse_yuan;

    #[test]
    fn amounts_in_yuan_become_fen() {
        assert_eq!(parse_yuan("604800"), Some(60_480_000));
        assert_eq!(parse_yuan("1.8"), Some(180));
        assert_eq!(parse_yuan("1,234.05"), Some(123_405));
        assert_eq!(parse_yuan("-3"), Some(-300));
        assert_eq!(parse_yuan("0"), Some(0));
        assert_eq!(parse_yuan("1.234"), None);
        assert_eq!(parse_yuan("abc"), None);
        assert_eq!(parse_yuan(""), None);
    }
}
