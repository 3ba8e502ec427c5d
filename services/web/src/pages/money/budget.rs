//! The keepers' desk (预算与收费): the year's budget with its state (草案, 表决中, 已批准)
//! and the fee arithmetic; its draft form (amounts typed in 元); the vote it is put to
//! (the committee picks one of its `approve_budget` votes); and the fees (see `fees.rs`).

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::desk::Desk;
use super::model::{self, Arrears, Collection, ImportReport};
use crate::api::ApiError;
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::forms::{Flash, FormErrors, see_other_with};
use crate::state::WebState;

/// The spending lines (API field, label) in the order the API declares them.
pub const SPENDING: [(&str, &str); 7] = [
    ("personnel_fen", "人员费用"),
    ("cleaning_fen", "保洁"),
    ("greening_fen", "绿化"),
    ("security_fen", "秩序维护"),
    ("maintenance_fen", "设施设备维护"),
    ("energy_fen", "公共能耗"),
    ("other_fen", "其他支出"),
];

/// The expected common revenue lines (API field, label).
pub const REVENUE: [(&str, &str); 3] = [
    ("parking_fen", "停车收益"),
    ("advertising_fen", "广告收益"),
    ("other_fen", "其他公共收益"),
];

/// The fee arithmetic as the API answers it.
#[derive(Debug, Clone, Deserialize)]
pub struct Arithmetic {
    /// Every term and the result, in Chinese.
    pub explanation: String,
}

/// The vote a budget was put to.
#[derive(Debug, Clone, Deserialize)]
pub struct BudgetVote {
    pub id: String,
    pub question: String,
    pub state_label: String,
    pub passed: Option<bool>,
    #[serde(default)]
    pub reasons: Vec<String>,
}

/// A budget as the API answers it.
#[derive(Debug, Clone, Deserialize)]
pub struct Budget {
    pub year: i32,
    pub spending: BTreeMap<String, i64>,
    pub total_spending_fen: i64,
    pub common_revenue: BTreeMap<String, i64>,
    pub common_revenue_fen: i64,
    pub remuneration_fen: i64,
    pub carry_in_fen: i64,
    pub note: Option<String>,
    pub version: i64,
    pub state: String,
    pub state_label: String,
    pub vote: Option<BudgetVote>,
    pub fee: Arithmetic,
    pub fee_standard_fen: Option<i64>,
    pub updated_by: String,
    pub updated_at: String,
}

impl Budget {
    pub fn is_draft(&self) -> bool {
        self.state == "draft"
    }

    pub fn total_spending_text(&self) -> String {
        crate::format::yuan(self.total_spending_fen)
    }

    pub fn remuneration_text(&self) -> String {
        crate::format::yuan(self.remuneration_fen)
    }

    pub fn common_revenue_text(&self) -> String {
        crate::format::yuan(self.common_revenue_fen)
    }

    pub fn carry_in_text(&self) -> String {
        crate::format::yuan(self.carry_in_fen)
    }

    /// `16.67 元/㎡·月`, once approved.
    pub fn fee_standard_text(&self) -> Option<String> {
        self.fee_standard_fen.map(crate::format::fee_label)
    }

    pub fn updated_text(&self) -> String {
        crate::format::when(&self.updated_at)
    }

    /// Each spending line: label and 元.
    pub fn spending_lines(&self) -> Vec<(&'static str, String)> {
        SPENDING
            .iter()
            .map(|(k, label)| {
                (
                    *label,
                    crate::format::yuan(*self.spending.get(*k).unwrap_or(&0)),
                )
            })
            .collect()
    }

    pub fn revenue_lines(&self) -> Vec<(&'static str, String)> {
        REVENUE
            .iter()
            .map(|(k, label)| {
                (
                    *label,
                    crate::format::yuan(*self.common_revenue.get(*k).unwrap_or(&0)),
                )
            })
            .collect()
    }
}

/// A vote of the compound the committee may put the budget to.
#[derive(Debug, Clone, Deserialize)]
pub struct VoteOption {
    pub id: String,
    pub matter: String,
    pub question: String,
    pub state_label: String,
    #[serde(default)]
    pub result: Option<Value>,
}

/// The draft form's fields (元 as typed), keyed by input name.
#[derive(Debug, Clone, Default)]
pub struct DraftForm(pub BTreeMap<String, String>);

impl DraftForm {
    /// The input name of a spending line (`s_personnel_fen`) or revenue line (`r_…`).
    fn of(b: Option<&Budget>) -> Self {
        let mut out = BTreeMap::new();
        if let Some(b) = b {
            for (k, _) in SPENDING {
                let v = *b.spending.get(k).unwrap_or(&0);
                out.insert(format!("s_{k}"), crate::format::yuan_plain(v));
            }
            for (k, _) in REVENUE {
                let v = *b.common_revenue.get(k).unwrap_or(&0);
                out.insert(format!("r_{k}"), crate::format::yuan_plain(v));
            }
            out.insert(
                "remuneration".into(),
                crate::format::yuan_plain(b.remuneration_fen),
            );
            out.insert("carry_in".into(), crate::format::yuan_plain(b.carry_in_fen));
            out.insert("note".into(), b.note.clone().unwrap_or_default());
        }
        Self(out)
    }

    pub fn get(&self, name: &str) -> &str {
        self.0.get(name).map_or("", String::as_str)
    }

    /// The API's body, or the messages of amounts that cannot be read.
    fn body(&self) -> Result<Value, FormErrors> {
        let mut errors = FormErrors::none();
        let mut amount = |name: &str| -> i64 {
            let raw = self.get(name);
            if raw.trim().is_empty() {
                0
            } else {
                errors.yuan(name, raw).unwrap_or(0)
            }
        };
        let spending: serde_json::Map<String, Value> = SPENDING
            .iter()
            .map(|(k, _)| (k.to_string(), json!(amount(&format!("s_{k}")))))
            .collect();
        let revenue: serde_json::Map<String, Value> = REVENUE
            .iter()
            .map(|(k, _)| (k.to_string(), json!(amount(&format!("r_{k}")))))
            .collect();
        let body = json!({
            "spending": spending,
            "common_revenue": revenue,
            "remuneration_fen": amount("remuneration"),
            "carry_in_fen": amount("carry_in"),
            "note": self.get("note"),
        });
        if errors.is_empty() {
            Ok(body)
        } else {
            Err(errors)
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "money_desk.html")]
pub struct DeskPage {
    pub chrome: Chrome,
    pub flash: Flash,
    pub desk: Desk,
    pub year: i32,
    pub budget: Option<Budget>,
    pub votes: Vec<VoteOption>,
    pub form: DraftForm,
    pub errors: FormErrors,
    pub collection: Option<Collection>,
    pub arrears: Arrears,
    pub report: Option<ImportReport>,
}

impl DeskPage {
    /// Whether the year's budget may be drafted or revised here (none yet, or a draft).
    pub fn may_draft(&self) -> bool {
        self.budget.as_ref().is_none_or(Budget::is_draft)
    }

    /// Whether the committee may put the year's draft to a vote here.
    pub fn may_put_to_vote(&self) -> bool {
        self.desk.committee && self.budget.as_ref().is_some_and(Budget::is_draft)
    }

    pub fn spending_inputs(&self) -> Vec<(String, &'static str, &str)> {
        SPENDING
            .iter()
            .map(|(k, label)| {
                let name = format!("s_{k}");
                let value = self.form.get(&name);
                (name, *label, value)
            })
            .collect()
    }

    pub fn revenue_inputs(&self) -> Vec<(String, &'static str, &str)> {
        REVENUE
            .iter()
            .map(|(k, label)| {
                let name = format!("r_{k}");
                let value = self.form.get(&name);
                (name, *label, value)
            })
            .collect()
    }

    /// The months of the page's year, for the bills' form.
    pub fn months(&self) -> Vec<String> {
        (1..=12).map(|m| format!("{}-{m:02}", self.year)).collect()
    }
}

/// `?year=`.
#[derive(Debug, Default, Deserialize)]
pub struct YearQuery {
    pub year: Option<String>,
    #[serde(default)]
    pub done: Option<String>,
}

fn this_year() -> i32 {
    crate::format::beijing_now().year()
}

/// The desk's page for `year`, with what the form holds and its errors.
pub async fn desk_page(
    app: &WebState,
    desk: Desk,
    chrome: Chrome,
    year: i32,
    form: Option<(DraftForm, FormErrors)>,
    report: Option<ImportReport>,
    flash: Flash,
) -> Result<DeskPage, PageError> {
    let tender = &app.api.tender;
    let url = desk.api(tender, &["budgets", &year.to_string()]);
    let budget: Option<Budget> = match app.api.get(&url, Some(&desk.token)).await {
        Ok(b) => Some(b),
        Err(ApiError::Refused { status, .. }) if status == 404 => None,
        Err(e) => return Err(e.into()),
    };
    // The arrears are the keepers' own: the API's refusal is the page's.
    let arrears = model::arrears(app, &desk, year).await?;
    let collection = model::collection(app, &desk.compound_id, year).await;
    let votes = if desk.committee {
        let url = format!("{}?limit=100", desk.api(tender, &["ballot-votes"]));
        let listed: Value = app.api.get(&url, Some(&desk.token)).await?;
        let items = listed.get("items").cloned().unwrap_or(listed);
        serde_json::from_value::<Vec<VoteOption>>(items)
            .unwrap_or_default()
            .into_iter()
            .filter(|v| v.matter == "approve_budget")
            .filter(|v| v.result.as_ref().is_none_or(|r| r["passed"] == json!(true)))
            .collect()
    } else {
        Vec::new()
    };
    let (form, errors) =
        form.unwrap_or_else(|| (DraftForm::of(budget.as_ref()), FormErrors::none()));
    Ok(DeskPage {
        chrome,
        flash,
        desk,
        year,
        budget,
        votes,
        form,
        errors,
        collection,
        arrears,
        report,
    })
}

/// The year asked for (2000–2100), this year otherwise.
pub fn year_of(raw: Option<&str>) -> i32 {
    raw.and_then(|y| y.trim().parse::<i32>().ok())
        .filter(|y| (2000..=2100).contains(y))
        .unwrap_or_else(this_year)
}

/// `GET {base}?year=`.
pub async fn page(
    State(app): State<WebState>,
    desk: Desk,
    chrome: Chrome,
    Query(q): Query<YearQuery>,
) -> Result<DeskPage, PageError> {
    let year = year_of(q.year.as_deref());
    desk_page(&app, desk, chrome, year, None, None, Flash { done: q.done }).await
}

/// `POST {base}/budget`: drafts or revises the year's budget.
pub async fn draft(
    State(app): State<WebState>,
    desk: Desk,
    chrome: Chrome,
    CsrfForm(values): CsrfForm<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let year = year_of(values.get("year").map(String::as_str));
    let form = DraftForm(values);
    let url = desk.api(&app.api.tender, &["budgets", &year.to_string()]);
    let sent = match form.body() {
        Ok(body) => app
            .api
            .send::<Value>(Method::PUT, &url, Some(&desk.token), &body)
            .await
            .map_err(|e| {
                let renames: Vec<(String, String)> = SPENDING
                    .iter()
                    .map(|(k, _)| (format!("spending.{k}"), format!("s_{k}")))
                    .chain(
                        REVENUE
                            .iter()
                            .map(|(k, _)| (format!("common_revenue.{k}"), format!("r_{k}"))),
                    )
                    .chain([
                        ("remuneration_fen".to_string(), "remuneration".to_string()),
                        ("carry_in_fen".to_string(), "carry_in".to_string()),
                    ])
                    .collect();
                let pairs: Vec<(&str, &str)> = renames
                    .iter()
                    .map(|(a, b)| (a.as_str(), b.as_str()))
                    .collect();
                FormErrors::from_api_as(&e, crate::forms::Keys::Path, &pairs)
            }),
        Err(errors) => Err(errors),
    };
    match sent {
        Ok(_) => Ok(see_other_with(
            &format!("{}?year={year}", desk.base),
            "预算已保存（草案）",
        )),
        Err(errors) => {
            let p = desk_page(
                &app,
                desk,
                chrome,
                year,
                Some((form, errors)),
                None,
                Flash::default(),
            )
            .await?;
            Ok((axum::http::StatusCode::UNPROCESSABLE_ENTITY, p).into_response())
        }
    }
}

/// `POST {base}/vote`: puts the year's budget to the chosen vote (the committee).
pub async fn put_to_vote(
    State(app): State<WebState>,
    desk: Desk,
    chrome: Chrome,
    CsrfForm(values): CsrfForm<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let year = year_of(values.get("year").map(String::as_str));
    let url = desk.api(&app.api.tender, &["budgets", &year.to_string(), "vote"]);
    let vote_id = values.get("vote_id").cloned().unwrap_or_default();
    match app
        .api
        .send::<Value>(
            Method::POST,
            &url,
            Some(&desk.token),
            &json!({"vote_id": vote_id}),
        )
        .await
    {
        Ok(_) => Ok(see_other_with(
            &format!("{}?year={year}", desk.base),
            "预算已提交业主表决；表决通过后即为本小区该年度的物业费标准",
        )),
        Err(e) if matches!(e.status(), Some(s) if s.is_client_error() && s != 403 && s != 401) => {
            let errors = FormErrors::general(
                FormErrors::messages(&e)
                    .first()
                    .cloned()
                    .unwrap_or_else(|| e.message()),
            );
            let form = DraftForm::default();
            let mut p = desk_page(
                &app,
                desk,
                chrome,
                year,
                Some((form, errors)),
                None,
                Flash::default(),
            )
            .await?;
            p.form = DraftForm::of(p.budget.as_ref());
            Ok((FormErrors::status(&e), p).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
