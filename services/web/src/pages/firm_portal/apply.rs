//! 入库申请 (anyone) and 企业信息维护 (the firm itself): one form, posted to
//! `POST /catalog/firms` or `PUT /catalog/firms/{id}`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde_json::{Value, json};
use shared::domain::districts;

use crate::api::{self, ApiError};
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::format::FEE_MODELS;
use crate::forms::{Fields, FormErrors, Keys, see_other_with};
use crate::pages::choice::Choice;
use crate::pages::model::catalog::{FirmRecord, ServiceModel};
use crate::roles::FirmUser;
use crate::state::WebState;

/// What the form holds, as typed.
#[derive(Debug, Clone, Default)]
pub struct FirmForm {
    pub name: String,
    pub credit_code: String,
    pub legal_representative: String,
    pub contact_phone: String,
    pub ownership: String,
    pub base_address: String,
    /// The office's street code (optional).
    pub office_street: String,
    pub lon: String,
    pub lat: String,
    pub districts_served: Vec<String>,
    pub service_radius_km: String,
    pub service_models: Vec<String>,
    pub fee_models: Vec<String>,
    pub grades: Vec<String>,
    pub capacity_households: String,
    pub households_served: String,
    pub staff_count: String,
    pub profile: String,
    pub low_profit_commitment: bool,
    pub username: String,
}

impl FirmForm {
    fn from_fields(f: &Fields) -> Self {
        Self {
            name: f.get("name"),
            credit_code: f.get("credit_code"),
            legal_representative: f.get("legal_representative"),
            contact_phone: f.get("contact_phone"),
            ownership: f.get("ownership"),
            base_address: f.get("base_address"),
            office_street: f.get("office_street"),
            lon: f.get("lon"),
            lat: f.get("lat"),
            districts_served: f.all("districts_served"),
            service_radius_km: f.get("service_radius_km"),
            service_models: f.all("service_models"),
            fee_models: f.all("fee_models"),
            grades: f.all("grades"),
            capacity_households: f.get("capacity_households"),
            households_served: f.get("households_served"),
            staff_count: f.get("staff_count"),
            profile: f.get("profile"),
            low_profit_commitment: !f.get("low_profit_commitment").is_empty(),
            username: f.get("account.username"),
        }
    }

    fn from_firm(f: &FirmRecord) -> Self {
        let b = &f.base;
        Self {
            name: b.name.clone(),
            credit_code: f.credit_code.clone(),
            legal_representative: f.legal_representative.clone(),
            contact_phone: b.contact_phone.clone(),
            ownership: b.ownership.clone(),
            base_address: b.base_address.clone(),
            office_street: f.office_street.clone().unwrap_or_default(),
            lon: f.location.lon.to_string(),
            lat: f.location.lat.to_string(),
            districts_served: b.districts_served.clone(),
            service_radius_km: b.service_radius_km.to_string(),
            service_models: b.service_models.clone(),
            fee_models: b.fee_models.clone(),
            grades: b.grades.iter().map(i64::to_string).collect(),
            capacity_households: b.capacity_households.to_string(),
            households_served: b.households_served.to_string(),
            staff_count: b.staff_count.to_string(),
            profile: b.profile.clone(),
            low_profit_commitment: b.low_profit_commitment,
            username: String::new(),
        }
    }

    /// The API's body; numbers the page cannot read get a message here (and are left out,
    /// so the API reports the other fields).
    fn body(&self, local: &mut Vec<(&'static str, &'static str)>) -> Value {
        let mut body = json!({
            "name": self.name,
            "credit_code": self.credit_code,
            "legal_representative": self.legal_representative,
            "contact_phone": self.contact_phone,
            "ownership": self.ownership,
            "base_address": self.base_address,
            "districts_served": self.districts_served,
            "service_models": self.service_models,
            "fee_models": self.fee_models,
            "profile": self.profile,
            "low_profit_commitment": self.low_profit_commitment,
        });
        if !self.office_street.trim().is_empty() {
            body["office_street"] = json!(self.office_street.trim());
        }
        if self.ownership.is_empty()
            && let Some(o) = body.as_object_mut()
        {
            o.remove("ownership");
        }
        let grades: Vec<i64> = self.grades.iter().filter_map(|g| g.parse().ok()).collect();
        body["grades"] = json!(grades);
        let float = |s: &str| s.parse::<f64>().ok().filter(|x| x.is_finite());
        match (float(&self.lon), float(&self.lat)) {
            (Some(lon), Some(lat)) => body["location"] = json!({"lon": lon, "lat": lat}),
            _ if self.lon.is_empty() && self.lat.is_empty() => {}
            _ => local.push(("location", "经度和纬度应为数字，如 104.081 和 30.658")),
        }
        if !self.service_radius_km.is_empty() {
            match float(&self.service_radius_km) {
                Some(r) => body["service_radius_km"] = json!(r),
                None => local.push(("service_radius_km", "服务半径应为数字（公里）")),
            }
        }
        for (field, value) in [
            ("capacity_households", &self.capacity_households),
            ("households_served", &self.households_served),
            ("staff_count", &self.staff_count),
        ] {
            if value.is_empty() {
                continue;
            }
            match value.parse::<i64>() {
                Ok(n) => body[field] = json!(n),
                Err(_) => local.push((field, "应为整数")),
            }
        }
        body
    }

    pub fn has_district(&self, code: &str) -> bool {
        self.districts_served.iter().any(|c| c == code)
    }
    pub fn has_model(&self, code: &str) -> bool {
        self.service_models.iter().any(|c| c == code)
    }
    pub fn has_fee_model(&self, code: &str) -> bool {
        self.fee_models.iter().any(|c| c == code)
    }
    pub fn has_grade(&self, g: &str) -> bool {
        self.grades.iter().any(|c| c == g)
    }
}

/// The lists the form offers.
pub struct Choices {
    pub districts: Vec<Choice>,
    /// Every street and town, labelled with its district.
    pub streets: Vec<Choice>,
    pub models: Vec<Choice>,
    pub fee_models: Vec<Choice>,
    pub grades: Vec<Choice>,
    pub ownerships: Vec<Choice>,
}

async fn choices(app: &WebState) -> Choices {
    let models: Vec<ServiceModel> = app
        .api
        .catalog_get("/catalog/service-models", None)
        .await
        .unwrap_or_default();
    let pairs = |xs: &[(&str, &str)]| Choice::list(xs, "");
    let choice = |value: String, label: String| Choice {
        value,
        label,
        selected: false,
    };
    Choices {
        districts: districts()
            .iter()
            .map(|d| choice(d.code.as_str().to_string(), d.name.to_string()))
            .collect(),
        streets: shared::domain::streets()
            .iter()
            .map(|st| {
                let district = shared::domain::district(st.district.as_str())
                    .map(|d| d.name)
                    .unwrap_or_default();
                choice(
                    st.code.as_str().to_string(),
                    format!("{district} · {}", st.name),
                )
            })
            .collect(),
        models: models
            .into_iter()
            .map(|m| choice(m.code, m.name_zh))
            .collect(),
        fee_models: pairs(&FEE_MODELS),
        grades: pairs(&[
            ("1", "一级"),
            ("2", "二级"),
            ("3", "三级"),
            ("4", "四级"),
            ("5", "五级"),
        ]),
        ownerships: pairs(&[
            ("soe", "国有企业"),
            ("private", "民营企业"),
            ("other", "其他"),
        ]),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "portal_apply.html")]
pub struct ApplyPage {
    chrome: Chrome,
    form: FirmForm,
    errors: FormErrors,
    choices: Choices,
    /// `true` on the firm's own profile page (no account fields, PUT).
    editing: bool,
    action: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "portal_applied.html")]
pub struct AppliedPage {
    chrome: Chrome,
    name: String,
    username: String,
}

pub async fn form(State(app): State<WebState>, chrome: Chrome) -> ApplyPage {
    ApplyPage {
        chrome,
        form: FirmForm {
            low_profit_commitment: true,
            ..FirmForm::default()
        },
        errors: FormErrors::none(),
        choices: choices(&app).await,
        editing: false,
        action: "/apply".into(),
    }
}

/// Sends the form; `Ok` with the API's answer, or the errors to show: the API's, with the
/// page's own messages (`local`: numbers it could not read, left out of the body) in
/// their place.
async fn send(
    app: &WebState,
    method: Method,
    url: &str,
    token: Option<&str>,
    body: Value,
    local: Vec<(&'static str, &'static str)>,
) -> Result<Value, (StatusCode, FormErrors)> {
    let answer: Result<Value, ApiError> = app.api.send(method, url, token, &body).await;
    let (status, mut errors) = match answer {
        Ok(v) if local.is_empty() => return Ok(v),
        // The API accepted a body whose numbers the page had left out: cannot happen (they
        // are required), but if it did, the typed values are still wrong — say so.
        Ok(_) => (StatusCode::UNPROCESSABLE_ENTITY, FormErrors::none()),
        Err(e) => (
            FormErrors::status(&e),
            FormErrors::from_api_as(&e, Keys::Path, &[]),
        ),
    };
    for (field, message) in local {
        errors.set(field, message);
    }
    Err((status, errors))
}

pub async fn submit(
    State(app): State<WebState>,
    chrome: Chrome,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let fields = Fields(fields);
    let form = FirmForm::from_fields(&fields);
    let mut local = Vec::new();
    let mut body = form.body(&mut local);
    let password = fields
        .0
        .iter()
        .find(|(k, _)| k == "account.password")
        .map(|(_, v)| v.clone())
        .unwrap_or_default();
    body["account"] = json!({"username": form.username, "password": password});
    let url = format!("{}/catalog/firms", app.api.catalog);
    match send(&app, Method::POST, &url, None, body, local).await {
        Ok(v) => AppliedPage {
            chrome,
            name: v["name"].as_str().unwrap_or_default().to_string(),
            username: form.username,
        }
        .into_response(),
        Err((status, errors)) => (
            status,
            ApplyPage {
                chrome,
                form,
                errors,
                choices: choices(&app).await,
                editing: false,
                action: "/apply".into(),
            },
        )
            .into_response(),
    }
}

pub async fn profile_form(
    State(app): State<WebState>,
    user: FirmUser,
    chrome: Chrome,
) -> Result<ApplyPage, PageError> {
    let firm: FirmRecord = app
        .api
        .catalog_get(
            &api::path(&["catalog", "firms", &user.firm_id]),
            Some(&user.token),
        )
        .await?;
    Ok(ApplyPage {
        chrome,
        form: FirmForm::from_firm(&firm),
        errors: FormErrors::none(),
        choices: choices(&app).await,
        editing: true,
        action: "/firm/profile".into(),
    })
}

pub async fn profile_submit(
    State(app): State<WebState>,
    user: FirmUser,
    chrome: Chrome,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Response {
    let form = FirmForm::from_fields(&Fields(fields));
    let mut local = Vec::new();
    let body = form.body(&mut local);
    let url = format!(
        "{}{}",
        app.api.catalog,
        api::path(&["catalog", "firms", &user.firm_id])
    );
    match send(&app, Method::PUT, &url, Some(&user.token), body, local).await {
        Ok(_) => see_other_with("/firm", "已保存企业信息。"),
        Err((status, errors)) => (
            status,
            ApplyPage {
                chrome,
                form,
                errors,
                choices: choices(&app).await,
                editing: true,
                action: "/firm/profile".into(),
            },
        )
            .into_response(),
    }
}
