//! 工作方案与推进清单 (`/official/plan`): a street official's plan for a year (target,
//! compounds, each stage's due date; edited here), the stages only people know (动员,
//! 自治组织; recorded here) and the progress list with filters by stage and overdue; a
//! district official's roll-up of its streets, each street's list read-only.
//!
//! The plan is the catalog's (`/catalog/plans/{street}/{year}`), the progress list and the
//! roll-up are matching's (`/match/plans/…`), which follows the catalog's feed: a saved plan
//! shows in the list a moment later.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;
use shared::domain::StreetCode;
use shared::domain::roster::china_today;

use crate::api::{self, ApiError};
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::format::STAGES;
use crate::forms::{Fields, Flash, FormErrors, see_other_with};
use crate::pages::choice::Choice;
use crate::pages::model::catalog::Compound;
use crate::pages::model::plans::{PlanProgress, Rollup, WorkPlan};
use crate::pages::model::{Page, Pager};
use crate::roles::{Area, OfficialUser};

use super::reader::Reader;
use crate::state::WebState;

/// The stages the street records.
const RECORDED: [(&str, &str); 2] = [("mobilisation", "动员"), ("self_governance", "自治组织")];

/// The progress list's page size.
const PAGE: i64 = 50;

/// The most ledger compounds the plan form offers.
const FORM_COMPOUNDS: i64 = 200;

#[derive(Debug, Default, Deserialize)]
pub struct PlanQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    street: String,
    #[serde(default)]
    stage: String,
    #[serde(default)]
    overdue: String,
    #[serde(default)]
    offset: Option<i64>,
}

/// A due date field of the form.
pub struct DueField {
    pub name: String,
    pub label: &'static str,
    pub value: String,
    pub error: Option<String>,
}

/// A ledger compound offered by the form.
pub struct CompoundChoice {
    pub id: String,
    pub name: String,
    pub code: String,
    pub checked: bool,
}

/// The plan form's values (as kept, or as typed when refused).
#[derive(Debug, Clone, Default)]
pub struct PlanForm {
    pub target_compounds: String,
    pub target_rate_percent: String,
    /// By stage, in order.
    pub dues: Vec<String>,
    pub compounds: Vec<String>,
    pub version: String,
}

impl PlanForm {
    fn of(plan: &WorkPlan) -> Self {
        Self {
            target_compounds: plan.target_compounds.to_string(),
            target_rate_percent: plan.target_rate_percent.to_string(),
            dues: STAGES.iter().map(|(s, _)| plan.due(s)).collect(),
            compounds: plan.compounds.clone(),
            version: plan.version.to_string(),
        }
    }

    /// A new plan's form: the stages due through the year (the street adjusts them).
    fn new_for(year: i32) -> Self {
        Self {
            dues: ["03-31", "06-30", "08-31", "09-30", "10-31", "12-31"]
                .iter()
                .map(|d| format!("{year}-{d}"))
                .collect(),
            ..Self::default()
        }
    }

    fn read(f: &Fields) -> Self {
        Self {
            target_compounds: f.get("target_compounds"),
            target_rate_percent: f.get("target_rate_percent"),
            dues: STAGES
                .iter()
                .map(|(s, _)| f.get(&format!("due_{s}")))
                .collect(),
            compounds: f.all("compound"),
            version: f.get("version"),
        }
    }
}

/// The stage form's values.
#[derive(Debug, Clone, Default)]
pub struct StageForm {
    pub compound_id: String,
    pub stage: String,
    pub done_on: String,
    pub note: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "official_plan.html")]
pub struct PlanPage {
    chrome: Chrome,
    area_name: String,
    /// The street shown; `None` for a district's roll-up.
    street_name: Option<String>,
    street_code: String,
    /// A street official (edits); a district official or the city reads.
    editable: bool,
    /// A city-wide reader (no official's navigation).
    is_city: bool,
    year: i32,
    year_choices: Vec<Choice>,
    done: Option<String>,
    error: Option<String>,
    plan: Option<WorkPlan>,
    progress: Option<PlanProgress>,
    stage_choices: Vec<Choice>,
    overdue_choices: Vec<Choice>,
    prev: Option<String>,
    next: Option<String>,
    rollup: Option<Rollup>,
    // The plan form.
    form: PlanForm,
    form_errors: FormErrors,
    due_fields: Vec<DueField>,
    compound_choices: Vec<CompoundChoice>,
    compounds_total: i64,
    /// The ledger has more compounds than the form lists.
    compounds_more: bool,
    /// The stages' labels, for the list's columns.
    stage_headers: Vec<&'static str>,
    // The stage form.
    stage_form: StageForm,
    stage_errors: FormErrors,
    recorded_choices: Vec<Choice>,
    planned_choices: Vec<Choice>,
}

fn year_of(raw: &str) -> i32 {
    raw.trim()
        .parse::<i32>()
        .ok()
        .filter(|y| (2023..=2100).contains(y))
        .unwrap_or_else(|| china_today().year())
}

fn years(current: i32) -> Vec<Choice> {
    let this = china_today().year();
    (2023..=this.max(2025) + 1)
        .map(|y| Choice {
            value: y.to_string(),
            label: format!("{y} 年度"),
            selected: y == current,
        })
        .collect()
}

/// What the page was asked for, and what a refused form brings back.
struct Ask {
    year: i32,
    street: Option<StreetCode>,
    query: PlanQuery,
    done: Option<String>,
    form: Option<(PlanForm, FormErrors)>,
    stage: Option<(StageForm, FormErrors)>,
}

/// A refusal of an optional read: 404 is "none", anything else an error to show.
fn none_if_missing<T>(answer: Result<T, ApiError>, error: &mut Option<String>) -> Option<T> {
    match answer {
        Ok(v) => Some(v),
        Err(e) if e.status() == Some(StatusCode::NOT_FOUND) => None,
        Err(e) => {
            *error = Some(e.message());
            None
        }
    }
}

async fn build(
    app: &WebState,
    user: &Reader,
    chrome: Chrome,
    ask: Ask,
) -> Result<PlanPage, PageError> {
    let token = Some(user.token.as_str());
    let year = ask.year;
    let mut error = None;
    let street = match (user.area, ask.street) {
        (Some(Area::Street(s)), _) => Some(s),
        (Some(Area::District(d)), Some(s)) if s.district() == d => Some(s),
        (Some(Area::District(_)), Some(_)) => {
            return Err(PageError::forbidden("该街道不在您的管辖范围内。"));
        }
        (None | Some(Area::City), Some(s)) => Some(s),
        (_, None) => None,
    };
    let q = &ask.query;
    let mut page = PlanPage {
        chrome,
        area_name: user.name(),
        street_name: street.map(|s| s.name().to_string()),
        street_code: street.map(|s| s.as_str().to_string()).unwrap_or_default(),
        editable: matches!(user.area, Some(Area::Street(_))),
        is_city: user.area.is_none(),
        year,
        year_choices: years(year),
        done: ask.done,
        error: None,
        plan: None,
        progress: None,
        stage_choices: Choice::list(&[&[("", "全部阶段")][..], &STAGES[..]].concat(), &q.stage),
        overdue_choices: Choice::list(
            &[("", "全部"), ("true", "有逾期"), ("false", "无逾期")],
            &q.overdue,
        ),
        prev: None,
        next: None,
        rollup: None,
        form: PlanForm::default(),
        form_errors: FormErrors::none(),
        due_fields: Vec::new(),
        compound_choices: Vec::new(),
        compounds_total: 0,
        compounds_more: false,
        stage_headers: STAGES.iter().map(|(_, l)| *l).collect(),
        stage_form: StageForm::default(),
        stage_errors: FormErrors::none(),
        recorded_choices: Vec::new(),
        planned_choices: Vec::new(),
    };
    let Some(street) = street else {
        let year_text = year.to_string();
        let mut q = vec![("year", year_text.as_str())];
        if let Some(param) = user.area.as_ref().and_then(Area::param) {
            q.push(param);
        }
        let url = format!("{}/match/plans/rollup?{}", app.api.matching, api::query(&q));
        page.rollup = none_if_missing(app.api.get::<Rollup>(&url, token).await, &mut error);
        page.error = error;
        return Ok(page);
    };
    let plan: Option<WorkPlan> = none_if_missing(
        app.api
            .catalog_get(
                &api::path(&["catalog", "plans", street.as_str(), &year.to_string()]),
                token,
            )
            .await,
        &mut error,
    );
    let offset = q.offset.unwrap_or(0).max(0);
    let url = format!(
        "{}/match/plans/progress?{}",
        app.api.matching,
        api::query(&[
            ("street", street.as_str()),
            ("year", &year.to_string()),
            ("stage", q.stage.as_str()),
            ("overdue", q.overdue.as_str()),
            ("limit", &PAGE.to_string()),
            ("offset", &offset.to_string()),
        ])
    );
    let progress: Option<PlanProgress> = if plan.is_some() {
        none_if_missing(app.api.get(&url, token).await, &mut error)
    } else {
        None
    };
    if let Some(p) = &progress {
        let (prev, next) = p.compounds.pager(
            "/official/plan",
            &[
                ("year", &year.to_string()),
                ("street", if page.editable { "" } else { street.as_str() }),
                ("stage", &q.stage),
                ("overdue", &q.overdue),
            ],
        );
        page.prev = prev;
        page.next = next;
    }
    if page.editable {
        let ledger: Page<Compound> = app
            .api
            .catalog_get(
                &format!(
                    "/catalog/compounds?{}",
                    api::query(&[
                        ("street", street.as_str()),
                        ("limit", &FORM_COMPOUNDS.to_string())
                    ])
                ),
                None,
            )
            .await?;
        let (form, form_errors) = ask.form.unwrap_or_else(|| {
            let form = plan
                .as_ref()
                .map_or_else(|| PlanForm::new_for(year), PlanForm::of);
            (form, FormErrors::none())
        });
        page.compounds_total = ledger.total;
        page.compounds_more = ledger.total > ledger.items.len() as i64;
        page.compound_choices = ledger
            .items
            .iter()
            .map(|c| CompoundChoice {
                id: c.id.clone(),
                name: c.name.clone(),
                code: c.code.clone(),
                checked: form.compounds.contains(&c.id),
            })
            .collect();
        page.due_fields = STAGES
            .iter()
            .zip(&form.dues)
            .map(|((s, label), value)| DueField {
                name: format!("due_{s}"),
                label,
                value: value.clone(),
                error: form_errors.get(&format!("dues.{s}")).map(str::to_string),
            })
            .collect();
        let (mut stage_form, stage_errors) = ask.stage.unwrap_or_default();
        if stage_form.done_on.is_empty() {
            stage_form.done_on = shared::domain::roster::format_date(china_today());
        }
        page.recorded_choices = Choice::list(&RECORDED, &stage_form.stage);
        if let Some(p) = &plan {
            page.planned_choices = p
                .compounds
                .iter()
                .map(|id| Choice {
                    value: id.clone(),
                    label: ledger
                        .items
                        .iter()
                        .find(|c| c.id == *id)
                        .map_or_else(|| id.clone(), |c| c.name.clone()),
                    selected: *id == stage_form.compound_id,
                })
                .collect();
        }
        page.form = form;
        page.form_errors = form_errors;
        page.stage_form = stage_form;
        page.stage_errors = stage_errors;
    }
    page.plan = plan;
    page.progress = progress;
    page.error = error;
    Ok(page)
}

pub async fn page(
    State(app): State<WebState>,
    user: Reader,
    chrome: Chrome,
    Query(q): Query<PlanQuery>,
    Query(flash): Query<Flash>,
) -> Result<PlanPage, PageError> {
    let street = match q.street.trim() {
        "" => None,
        s => Some(StreetCode::parse(s).map_err(|_| PageError::not_found("没有这个街道。"))?),
    };
    let ask = Ask {
        year: year_of(&q.year),
        street,
        query: q,
        done: flash.done,
        form: None,
        stage: None,
    };
    build(&app, &user, chrome, ask).await
}

/// The street official's street, or the 403 page.
fn own_street(user: &OfficialUser) -> Result<StreetCode, PageError> {
    match user.area {
        Area::Street(s) => Ok(s),
        Area::District(_) | Area::City => Err(PageError::forbidden(
            "工作方案由街道（乡镇）工作人员制定和填报，区县和市级只能查看。",
        )),
    }
}

/// An integer as typed, or the text itself (the API names it wrong).
fn number(raw: &str) -> serde_json::Value {
    raw.trim()
        .parse::<i64>()
        .map_or_else(|_| json!(raw.trim()), |n| json!(n))
}

pub async fn save(
    State(app): State<WebState>,
    user: OfficialUser,
    chrome: Chrome,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let street = own_street(&user)?;
    let fields = Fields(fields);
    let year = year_of(&fields.get("year"));
    let form = PlanForm::read(&fields);
    let dues: serde_json::Map<String, serde_json::Value> = STAGES
        .iter()
        .zip(&form.dues)
        .map(|((s, _), d)| (s.to_string(), json!(d)))
        .collect();
    let mut body = json!({
        "target_compounds": number(&form.target_compounds),
        "target_rate_percent": number(&form.target_rate_percent),
        "dues": dues,
        "compounds": form.compounds,
    });
    if let Ok(v) = form.version.parse::<i64>() {
        body["version"] = json!(v);
    }
    let url = format!(
        "{}{}",
        app.api.catalog,
        api::path(&["catalog", "plans", street.as_str(), &year.to_string()])
    );
    let answer: Result<WorkPlan, ApiError> = app
        .api
        .send(Method::PUT, &url, Some(&user.token), &body)
        .await;
    match answer {
        Ok(_) => Ok(see_other_with(
            &format!("/official/plan?year={year}"),
            "工作方案已保存",
        )),
        Err(e) if e.status().is_some_and(|s| s.is_client_error()) => {
            let mut errors = FormErrors::from_api(&e);
            if !errors.has("target_compounds")
                && matches!(body["target_compounds"], serde_json::Value::String(_))
            {
                errors.add("target_compounds", "请填写整数");
            }
            let status = FormErrors::status(&e);
            let ask = Ask {
                year,
                street: None,
                query: PlanQuery::default(),
                done: None,
                form: Some((form, errors)),
                stage: None,
            };
            Ok((
                status,
                build(&app, &Reader::from(&user), chrome, ask).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn record_stage(
    State(app): State<WebState>,
    user: OfficialUser,
    chrome: Chrome,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let street = own_street(&user)?;
    let fields = Fields(fields);
    let year = year_of(&fields.get("year"));
    let form = StageForm {
        compound_id: fields.get("compound_id"),
        stage: fields.get("stage"),
        done_on: fields.get("done_on"),
        note: fields.get("note"),
    };
    let url = format!(
        "{}{}",
        app.api.catalog,
        api::path(&[
            "catalog",
            "plans",
            street.as_str(),
            &year.to_string(),
            "stages"
        ])
    );
    let body = json!({"compound_id": form.compound_id, "stage": form.stage,
        "done_on": form.done_on, "note": form.note});
    let answer: Result<WorkPlan, ApiError> = app
        .api
        .send(Method::POST, &url, Some(&user.token), &body)
        .await;
    match answer {
        Ok(_) => Ok(see_other_with(
            &format!("/official/plan?year={year}"),
            "阶段已记录",
        )),
        Err(e) if e.status().is_some_and(|s| s.is_client_error()) => {
            let status = FormErrors::status(&e);
            let ask = Ask {
                year,
                street: None,
                query: PlanQuery::default(),
                done: None,
                form: None,
                stage: Some((form, FormErrors::from_api(&e))),
            };
            Ok((
                status,
                build(&app, &Reader::from(&user), chrome, ask).await?,
            )
                .into_response())
        }
        Err(e) => Err(e.into()),
    }
}
