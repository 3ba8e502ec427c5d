//! 标杆示范小区 (`/official/demonstrations`): a street official proposes a compound of its
//! street as a demonstration of a service model (what makes it exemplary and its concrete
//! points) and withdraws its proposals; a district official confirms or declines its
//! district's proposals (a reason to decline) and withdraws confirmed ones; a city official
//! reads the city's. The catalog decides who may do what (`/catalog/demonstrations…`).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde_json::{Value, json};

use crate::api::{self, ApiError};
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::forms::{Fields, Flash, FormErrors, see_other_with};
use crate::pages::choice::Choice;
use crate::pages::model::Page;
use crate::pages::model::catalog::{Compound, ServiceModel};
use crate::pages::model::incentives::Demonstration;
use crate::roles::{Area, OfficialUser};
use crate::state::WebState;

const HERE: &str = "/official/demonstrations";

/// The proposal form as typed.
#[derive(Debug, Default, Clone)]
pub struct ProposalForm {
    pub compound_id: String,
    pub model: String,
    pub merits: String,
    /// One point a line.
    pub points: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "official_demonstrations.html")]
pub struct DemonstrationsPage {
    chrome: Chrome,
    area_name: String,
    proposes: bool,
    decides: bool,
    withdraws: bool,
    compounds: Vec<Choice>,
    models: Vec<Choice>,
    form: ProposalForm,
    errors: FormErrors,
    items: Vec<Demonstration>,
    done: Option<String>,
    /// A refused decision or withdrawal: the demonstration ("" for none) and why.
    refused_id: String,
    refused_message: String,
}

async fn build(
    app: &WebState,
    user: &OfficialUser,
    chrome: Chrome,
    form: ProposalForm,
    errors: FormErrors,
) -> Result<DemonstrationsPage, PageError> {
    let c = &app.api.catalog;
    let list = format!("{c}/catalog/demonstrations/area?limit=200");
    let items: Page<Demonstration> = app.api.get(&list, Some(&user.token)).await?;
    let (compounds, models) = match user.area {
        Area::Street(s) => {
            let q = serde_urlencoded::to_string([("street", s.as_str())]).unwrap_or_default();
            let url = format!("{c}/catalog/compounds?{q}&limit=200");
            let page: Page<Compound> = app.api.get(&url, Some(&user.token)).await?;
            let models: Vec<ServiceModel> =
                app.api.catalog_get("/catalog/service-models", None).await?;
            let pairs: Vec<(String, String)> =
                page.items.into_iter().map(|c| (c.id, c.name)).collect();
            (
                choices(&pairs, &form.compound_id),
                choices(
                    &models
                        .into_iter()
                        .map(|m| (m.code, m.name_zh))
                        .collect::<Vec<_>>(),
                    &form.model,
                ),
            )
        }
        Area::District(_) | Area::City => (Vec::new(), Vec::new()),
    };
    Ok(DemonstrationsPage {
        chrome,
        area_name: user.area.name(),
        proposes: matches!(user.area, Area::Street(_)),
        decides: matches!(user.area, Area::District(_)),
        withdraws: user.area != Area::City,
        compounds,
        models,
        form,
        errors,
        items: items.items,
        done: None,
        refused_id: String::new(),
        refused_message: String::new(),
    })
}

fn choices(pairs: &[(String, String)], current: &str) -> Vec<Choice> {
    pairs
        .iter()
        .map(|(v, l)| Choice {
            value: v.clone(),
            label: l.clone(),
            selected: v == current,
        })
        .collect()
}

pub async fn page(
    State(app): State<WebState>,
    user: OfficialUser,
    chrome: Chrome,
    Query(flash): Query<Flash>,
) -> Result<DemonstrationsPage, PageError> {
    let mut page = build(
        &app,
        &user,
        chrome,
        ProposalForm::default(),
        FormErrors::none(),
    )
    .await?;
    page.done = flash.done;
    Ok(page)
}

/// Sends a write to the catalog as the official; a refusal the client caused is shown on
/// the page again with the status.
async fn write(
    app: &WebState,
    user: &OfficialUser,
    path: &[&str],
    body: &Value,
) -> Result<(), ApiError> {
    let url = format!("{}{}", app.api.catalog, api::path(path));
    app.api
        .send::<Value>(Method::POST, &url, Some(&user.token), body)
        .await
        .map(|_| ())
}

pub async fn propose(
    State(app): State<WebState>,
    user: OfficialUser,
    chrome: Chrome,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let fields = Fields(fields);
    let form = ProposalForm {
        compound_id: fields.get("compound_id"),
        model: fields.get("model"),
        merits: fields.get("merits"),
        points: fields.get("points"),
    };
    let points: Vec<&str> = form
        .points
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let body = json!({"compound_id": form.compound_id, "model": form.model,
        "merits": form.merits, "points": points});
    match write(&app, &user, &["catalog", "demonstrations"], &body).await {
        Ok(()) => Ok(see_other_with(HERE, "已推荐，等待区县确认")),
        Err(e) if e.status().is_some_and(|s| s.is_client_error()) => {
            let status = FormErrors::status(&e);
            let page = build(&app, &user, chrome, form, FormErrors::from_api(&e)).await?;
            Ok((status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A decision or a withdrawal of demonstration `id`, then back to the list.
async fn step(
    app: &WebState,
    user: &OfficialUser,
    chrome: Chrome,
    id: &str,
    (action, body, done): (&str, Value, &str),
) -> Result<Response, PageError> {
    match write(app, user, &["catalog", "demonstrations", id, action], &body).await {
        Ok(()) => Ok(see_other_with(HERE, done)),
        Err(e) if e.status().is_some_and(|s| s.is_client_error()) => {
            let status = FormErrors::status(&e);
            let message = FormErrors::messages(&e).join("；");
            let message = if message.is_empty() {
                e.message()
            } else {
                message
            };
            let mut page = build(
                app,
                user,
                chrome,
                ProposalForm::default(),
                FormErrors::none(),
            )
            .await?;
            page.refused_id = id.to_string();
            page.refused_message = message;
            Ok((status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn decide(
    State(app): State<WebState>,
    user: OfficialUser,
    chrome: Chrome,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let fields = Fields(fields);
    let decision = fields.get("decision");
    let done = if decision == "confirm" {
        "已确认为标杆示范小区"
    } else {
        "已不予确认"
    };
    let body = json!({"decision": decision, "reason": fields.get("reason")});
    step(&app, &user, chrome, &id, ("decision", body, done)).await
}

pub async fn withdraw(
    State(app): State<WebState>,
    user: OfficialUser,
    chrome: Chrome,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let body = json!({"reason": Fields(fields).get("reason")});
    step(&app, &user, chrome, &id, ("withdrawal", body, "已撤销")).await
}
