//! 以奖代补资金 (`/official/subsidies`): a district official records a subsidy of a
//! compound of its district (amount in 元, reason, period, the approval document's 文号) and
//! corrects one by a new record that replaces it; street officials read their street's,
//! city officials the city's. The catalog decides who may record (`POST
//! /catalog/subsidies`); the list is public (`GET /catalog/subsidies`).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde_json::{Value, json};

use crate::api::{self, ApiError};
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::format::parse_yuan;
use crate::forms::{Fields, Flash, FormErrors, see_other_with};
use crate::pages::choice::Choice;
use crate::pages::model::Page;
use crate::pages::model::catalog::Compound;
use crate::pages::model::incentives::Subsidy;
use crate::roles::{Area, OfficialUser};
use crate::state::WebState;

const HERE: &str = "/official/subsidies";

/// The form as typed (a correction names the record in `corrects`).
#[derive(Debug, Default, Clone)]
pub struct SubsidyForm {
    pub compound_id: String,
    /// In 元.
    pub amount: String,
    pub reason: String,
    pub period_from: String,
    pub period_to: String,
    pub document_number: String,
    pub corrects: String,
    pub correction_reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "official_subsidies.html")]
pub struct SubsidiesPage {
    chrome: Chrome,
    area_name: String,
    records: bool,
    compounds: Vec<Choice>,
    form: SubsidyForm,
    errors: FormErrors,
    items: Vec<Subsidy>,
    done: Option<String>,
}

async fn build(
    app: &WebState,
    user: &OfficialUser,
    chrome: Chrome,
    form: SubsidyForm,
    errors: FormErrors,
) -> Result<SubsidiesPage, PageError> {
    let c = &app.api.catalog;
    let mut params = vec![("limit", "200".to_string())];
    if let Some(d) = user.area.district() {
        params.push(("district", d.as_str().to_string()));
    }
    let q = serde_urlencoded::to_string(&params).unwrap_or_default();
    let page: Page<Subsidy> = app
        .api
        .get(&format!("{c}/catalog/subsidies?{q}"), Some(&user.token))
        .await?;
    let items = page
        .items
        .into_iter()
        .filter(|s| user.area.covers(&s.street_code))
        .collect();
    let compounds = match user.area {
        Area::District(d) => {
            let q = serde_urlencoded::to_string([("district", d.as_str())]).unwrap_or_default();
            let url = format!("{c}/catalog/compounds?{q}&limit=200");
            let page: Page<Compound> = app.api.get(&url, Some(&user.token)).await?;
            page.items
                .into_iter()
                .map(|x| Choice {
                    selected: x.id == form.compound_id,
                    value: x.id,
                    label: x.name,
                })
                .collect()
        }
        Area::Street(_) | Area::City => Vec::new(),
    };
    Ok(SubsidiesPage {
        chrome,
        area_name: user.area.name(),
        records: matches!(user.area, Area::District(_)),
        compounds,
        form,
        errors,
        items,
        done: None,
    })
}

pub async fn page(
    State(app): State<WebState>,
    user: OfficialUser,
    chrome: Chrome,
    Query(flash): Query<Flash>,
) -> Result<SubsidiesPage, PageError> {
    let mut page = build(
        &app,
        &user,
        chrome,
        SubsidyForm::default(),
        FormErrors::none(),
    )
    .await?;
    page.done = flash.done;
    Ok(page)
}

pub async fn record(
    State(app): State<WebState>,
    user: OfficialUser,
    chrome: Chrome,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let f = Fields(fields);
    let form = SubsidyForm {
        compound_id: f.get("compound_id"),
        amount: f.get("amount"),
        reason: f.get("reason"),
        period_from: f.get("period_from"),
        period_to: f.get("period_to"),
        document_number: f.get("document_number"),
        corrects: f.get("corrects"),
        correction_reason: f.get("correction_reason"),
    };
    let amount = parse_yuan(&form.amount);
    let mut body = json!({"compound_id": form.compound_id, "amount_fen": amount.unwrap_or(0),
        "reason": form.reason, "period_from": form.period_from, "period_to": form.period_to,
        "document_number": form.document_number});
    if !form.corrects.is_empty() {
        body["corrects"] = json!(form.corrects);
        body["correction_reason"] = json!(form.correction_reason);
    }
    let url = format!(
        "{}{}",
        app.api.catalog,
        api::path(&["catalog", "subsidies"])
    );
    let answer: Result<Value, ApiError> = app
        .api
        .send(Method::POST, &url, Some(&user.token), &body)
        .await;
    match answer {
        Ok(_) => Ok(see_other_with(
            HERE,
            if form.corrects.is_empty() {
                "补助已登记"
            } else {
                "补助已更正"
            },
        )),
        Err(e) if e.status().is_some_and(|s| s.is_client_error()) => {
            let status = FormErrors::status(&e);
            let mut errors =
                FormErrors::from_api_as(&e, crate::forms::Keys::Top, &[("amount_fen", "amount")]);
            if amount.is_none() {
                errors
                    .fields
                    .insert("amount".into(), "请按元填写金额，最多两位小数".into());
            }
            let page = build(&app, &user, chrome, form, errors).await?;
            Ok((status, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}
