//! 登记/编辑小区: the official's new and edit compound forms (field errors beside the
//! inputs, typed values kept), for compounds in their area only.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{self, ApiError};
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::format::{GOVERNANCE, MANAGEMENT, street_name};
use crate::forms::{Flash, FormErrors, see_other_with};
use crate::pages::choice::Choice;
use crate::pages::model::Created;
use crate::pages::model::catalog::Compound;
use crate::roles::{Area, LedgerKeeper, OfficialUser};
use crate::state::WebState;

/// The compound form as typed: every value a string, checkboxes present when ticked.
/// Names are the API's fields (`location` split into `lon`/`lat`, `facilities` into its
/// items) so that the API's field errors land beside the right input.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CompoundForm {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: String,
    #[serde(default)]
    pub street: String,
    #[serde(default)]
    pub community: String,
    #[serde(default)]
    pub lon: String,
    #[serde(default)]
    pub lat: String,
    #[serde(default)]
    pub year_built: String,
    #[serde(default)]
    pub buildings: String,
    #[serde(default)]
    pub households: String,
    #[serde(default)]
    pub floor_area_m2: String,
    #[serde(default)]
    pub management: String,
    #[serde(default)]
    pub fire_safety: Option<String>,
    #[serde(default)]
    pub video_surveillance: Option<String>,
    #[serde(default)]
    pub access_control: Option<String>,
    #[serde(default)]
    pub garbage_sorting_points: String,
    #[serde(default)]
    pub parking_spaces: String,
    #[serde(default)]
    pub elevators: String,
    #[serde(default)]
    pub governance_body: String,
    #[serde(default)]
    pub governance_formed_on: String,
    #[serde(default)]
    pub eligible_and_willing: String,
    #[serde(default)]
    pub is_old: String,
}

impl CompoundForm {
    fn of(c: &Compound) -> Self {
        let on = |b: bool| b.then(|| "on".to_string());
        Self {
            code: c.code.clone(),
            name: c.name.clone(),
            address: c.address.clone(),
            street: c.street.clone(),
            community: c.community.clone(),
            lon: c.location.lon.to_string(),
            lat: c.location.lat.to_string(),
            year_built: c.year_built.to_string(),
            buildings: c.buildings.to_string(),
            households: c.households.to_string(),
            floor_area_m2: c.floor_area_m2.to_string(),
            management: c.management.clone(),
            fire_safety: on(c.facilities.fire_safety),
            video_surveillance: on(c.facilities.video_surveillance),
            access_control: on(c.facilities.access_control),
            garbage_sorting_points: c.facilities.garbage_sorting_points.to_string(),
            parking_spaces: c.facilities.parking_spaces.to_string(),
            elevators: c.facilities.elevators.to_string(),
            governance_body: c.governance_body.clone(),
            governance_formed_on: c.governance_formed_on.clone().unwrap_or_default(),
            eligible_and_willing: c.eligible_and_willing.to_string(),
            is_old: c.is_old.to_string(),
        }
    }

    fn blank(area: &Area) -> Self {
        Self {
            street: match area {
                Area::Street(s) => s.as_str().to_string(),
                Area::District(_) | Area::City => String::new(),
            },
            management: "none".into(),
            governance_body: "none".into(),
            eligible_and_willing: "true".into(),
            is_old: "true".into(),
            garbage_sorting_points: "0".into(),
            parking_spaces: "0".into(),
            elevators: "0".into(),
            ..Self::default()
        }
    }

    /// The API body, and the page's own messages for values that are not numbers (sent as
    /// missing, so the API reports every other field too).
    fn body(&self, errors: &mut FormErrors) -> Value {
        let mut int = |error_key: &str, v: &str| -> Value {
            let v = v.trim();
            if v.is_empty() {
                return Value::Null;
            }
            match v.parse::<i64>() {
                Ok(n) => json!(n),
                Err(_) => {
                    errors.add(error_key, format!("“{v}”不是整数"));
                    Value::Null
                }
            }
        };
        let year_built = int("year_built", &self.year_built);
        let buildings = int("buildings", &self.buildings);
        let households = int("households", &self.households);
        let floor_area_m2 = int("floor_area_m2", &self.floor_area_m2);
        let points = int("facilities", &self.garbage_sorting_points);
        let parking = int("facilities", &self.parking_spaces);
        let elevators = int("facilities", &self.elevators);
        let mut float = |v: &str| -> Value {
            let v = v.trim();
            if v.is_empty() {
                return Value::Null;
            }
            match v.parse::<f64>() {
                Ok(n) if n.is_finite() => json!(n),
                _ => {
                    errors.add("location", format!("“{v}”不是数字"));
                    Value::Null
                }
            }
        };
        let lon = float(&self.lon);
        let lat = float(&self.lat);
        let boolean = |v: &str| match v {
            "true" => json!(true),
            "false" => json!(false),
            _ => Value::Null,
        };
        let street = self.street.trim();
        json!({
            "code": self.code.trim(),
            "name": self.name.trim(),
            "address": self.address.trim(),
            "district": street.get(..6).unwrap_or(""),
            "street": street,
            "community": self.community.trim(),
            "location": {"lon": lon, "lat": lat},
            "year_built": year_built,
            "buildings": buildings,
            "households": households,
            "floor_area_m2": floor_area_m2,
            "management": self.management,
            "facilities": {
                "fire_safety": self.fire_safety.is_some(),
                "video_surveillance": self.video_surveillance.is_some(),
                "access_control": self.access_control.is_some(),
                "garbage_sorting_points": points,
                "parking_spaces": parking,
                "elevators": elevators,
            },
            "governance_body": self.governance_body,
            "governance_formed_on": self.governance_formed_on.trim(),
            "eligible_and_willing": boolean(&self.eligible_and_willing),
            "is_old": boolean(&self.is_old),
        })
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "official_compound.html")]
pub struct CompoundFormPage {
    chrome: Chrome,
    /// `None` for a new compound.
    id: Option<String>,
    heading: String,
    form: CompoundForm,
    errors: FormErrors,
    street_choices: Vec<Choice>,
    management_choices: Vec<Choice>,
    governance_choices: Vec<Choice>,
    done: Option<String>,
}

impl CompoundFormPage {
    fn new(
        chrome: Chrome,
        area: &Area,
        id: Option<String>,
        heading: String,
        form: CompoundForm,
        errors: FormErrors,
        done: Option<String>,
    ) -> Self {
        let mut street_choices: Vec<Choice> = Vec::new();
        if area.is_district() {
            street_choices.push(Choice {
                value: String::new(),
                label: "请选择街道（镇）".into(),
                selected: form.street.is_empty(),
            });
        }
        street_choices.extend(area.streets().into_iter().map(|s| Choice {
            value: s.as_str().to_string(),
            label: format!("{}（{}）", s.name(), s.as_str()),
            selected: s.as_str() == form.street,
        }));
        Self {
            management_choices: Choice::list(&MANAGEMENT, &form.management),
            governance_choices: Choice::list(&GOVERNANCE, &form.governance_body),
            chrome,
            id,
            heading,
            form,
            errors,
            street_choices,
            done,
        }
    }

    /// The action of the form.
    pub fn action(&self) -> String {
        match &self.id {
            Some(id) => format!("/official/ledger/{id}"),
            None => "/official/ledger/new".into(),
        }
    }
}

/// The compound, if it lies in the official's area; a 404/403 page otherwise.
async fn compound_in_area(
    app: &WebState,
    user: &OfficialUser,
    id: &str,
) -> Result<Compound, PageError> {
    let c: Compound = app
        .api
        .catalog_get(&api::path(&["catalog", "compounds", id]), Some(&user.token))
        .await?;
    if !user.area.covers(&c.street) {
        return Err(PageError::forbidden(format!(
            "该小区位于{}，不在您的管辖范围（{}）内。",
            street_name(&c.street),
            user.area.name()
        )));
    }
    Ok(c)
}

pub async fn edit_form(
    State(app): State<WebState>,
    LedgerKeeper(user): LedgerKeeper,
    chrome: Chrome,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<CompoundFormPage, PageError> {
    let c = compound_in_area(&app, &user, &id).await?;
    Ok(CompoundFormPage::new(
        chrome,
        &user.area,
        Some(id),
        format!("编辑小区：{}", c.name),
        CompoundForm::of(&c),
        FormErrors::none(),
        flash.done,
    ))
}

pub async fn update(
    State(app): State<WebState>,
    LedgerKeeper(user): LedgerKeeper,
    chrome: Chrome,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<CompoundForm>,
) -> Result<Response, PageError> {
    let current = compound_in_area(&app, &user, &id).await?;
    let mut local = FormErrors::none();
    let body = form.body(&mut local);
    let answer: Result<Value, ApiError> = app
        .api
        .send(
            Method::PUT,
            &format!(
                "{}{}",
                app.api.catalog,
                api::path(&["catalog", "compounds", &id])
            ),
            Some(&user.token),
            &body,
        )
        .await;
    let heading = format!("编辑小区：{}", current.name);
    let (status, errors) = match answer {
        Ok(_) if local.is_empty() => {
            return Ok(see_other_with(
                &format!("/official/ledger/{id}"),
                "已保存小区信息",
            ));
        }
        Ok(_) => (StatusCode::UNPROCESSABLE_ENTITY, local),
        Err(e) => (
            FormErrors::status(&e),
            local.merge(FormErrors::from_api(&e)),
        ),
    };
    let page = CompoundFormPage::new(chrome, &user.area, Some(id), heading, form, errors, None);
    Ok((status, page).into_response())
}

pub async fn new_form(LedgerKeeper(user): LedgerKeeper, chrome: Chrome) -> CompoundFormPage {
    CompoundFormPage::new(
        chrome,
        &user.area,
        None,
        "登记新小区".into(),
        CompoundForm::blank(&user.area),
        FormErrors::none(),
        None,
    )
}

pub async fn create(
    State(app): State<WebState>,
    LedgerKeeper(user): LedgerKeeper,
    chrome: Chrome,
    CsrfForm(form): CsrfForm<CompoundForm>,
) -> Response {
    let mut local = FormErrors::none();
    let body = form.body(&mut local);
    let answer: Result<Created, ApiError> = app
        .api
        .send(
            Method::POST,
            &format!("{}/catalog/compounds", app.api.catalog),
            Some(&user.token),
            &body,
        )
        .await;
    // A value the page could not read is sent as missing, so the API refuses the form.
    match answer {
        Ok(c) => see_other_with(&format!("/official/ledger/{}", c.id), "已登记新小区"),
        Err(e) => {
            let errors = local.merge(FormErrors::from_api(&e));
            let page = CompoundFormPage::new(
                chrome,
                &user.area,
                None,
                "登记新小区".into(),
                form,
                errors,
                None,
            );
            (FormErrors::status(&e), page).into_response()
        }
    }
}
