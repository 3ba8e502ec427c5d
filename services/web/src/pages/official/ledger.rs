//! 小区台账: the official's compounds with filters and pagination, the edit and new
//! compound forms (field errors beside the inputs, typed values kept) and the export.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Area, Choice, GOVERNANCE, MANAGEMENT, label_of, official, street_name};
use crate::api::{self, ApiError};
use crate::csrf::{CsrfForm, CsrfToken};
use crate::error::PageError;
use crate::forms::{Flash, FormErrors, see_other_with};
use crate::pages::{Chrome, WebState};
use crate::session::Session;

#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Location {
    pub lon: f64,
    pub lat: f64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Facilities {
    pub fire_safety: bool,
    pub video_surveillance: bool,
    pub access_control: bool,
    pub garbage_sorting_points: i64,
    pub parking_spaces: i64,
    pub elevators: i64,
}

/// A compound as the catalog answers it.
#[derive(Debug, Clone, Deserialize)]
pub struct Compound {
    pub id: String,
    pub code: String,
    pub name: String,
    pub address: String,
    pub street: String,
    pub community: String,
    pub location: Location,
    pub year_built: i64,
    pub buildings: i64,
    pub households: i64,
    pub floor_area_m2: i64,
    pub management: String,
    pub facilities: Facilities,
    pub governance_body: String,
    pub governance_formed_on: Option<String>,
    pub eligible_and_willing: bool,
    pub is_old: bool,
}

impl Compound {
    pub fn street_label(&self) -> String {
        street_name(&self.street)
    }
    pub fn management_label(&self) -> String {
        label_of(MANAGEMENT, &self.management)
    }
}

#[derive(Debug, Deserialize)]
pub struct CompoundPage {
    pub items: Vec<Compound>,
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}

#[derive(Debug, Default, Deserialize)]
pub struct LedgerQuery {
    #[serde(default)]
    street: String,
    #[serde(default)]
    management: String,
    #[serde(default)]
    eligible: String,
    #[serde(default)]
    old: String,
    #[serde(default)]
    q: String,
    #[serde(default)]
    offset: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "official_ledger.html")]
pub struct LedgerPage {
    chrome: Chrome,
    area_name: String,
    is_district: bool,
    compounds: Vec<Compound>,
    total: i64,
    first: i64,
    last: i64,
    q: String,
    street_choices: Vec<Choice>,
    management_choices: Vec<Choice>,
    eligible_choices: Vec<Choice>,
    old_choices: Vec<Choice>,
    prev: Option<String>,
    next: Option<String>,
    error: Option<String>,
    done: Option<String>,
}

const PAGE: i64 = 20;

pub async fn list(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Query(q): Query<LedgerQuery>,
    Query(flash): Query<Flash>,
) -> Result<LedgerPage, Response> {
    let chrome = Chrome::new(&session, &csrf);
    let (_, token, area) = official(&session, &chrome, "/official/ledger")?;
    // Only the official's own streets: another street in the query is ignored.
    let street = if !q.street.is_empty() && area.covers(&q.street) {
        q.street.clone()
    } else {
        String::new()
    };
    let offset = q.offset.unwrap_or(0).max(0);
    let mut params: Vec<(&str, String)> =
        vec![("limit", PAGE.to_string()), ("offset", offset.to_string())];
    if street.is_empty() {
        let (k, v) = area.param();
        params.push((k, v.to_string()));
    } else {
        params.push(("street", street.clone()));
    }
    for (k, v) in [
        ("management", &q.management),
        ("eligible", &q.eligible),
        ("old", &q.old),
        ("q", &q.q),
    ] {
        if !v.trim().is_empty() {
            params.push((k, v.trim().to_string()));
        }
    }
    let query = serde_urlencoded::to_string(&params).unwrap_or_default();
    let answer = app
        .api
        .catalog_get::<CompoundPage>(&format!("/catalog/compounds?{query}"), Some(&token))
        .await;
    let (page, error) = match answer {
        Ok(p) => (p, None),
        Err(e) if e.status().is_some_and(|s| s.as_u16() == 422) => (
            CompoundPage {
                items: vec![],
                total: 0,
                limit: PAGE,
                offset: 0,
            },
            Some(e.message()),
        ),
        Err(e) => return Err(PageError::from_api(e, chrome).into_response()),
    };
    let link = |offset: i64| {
        let mut p: Vec<(&str, String)> = vec![];
        for (k, v) in [
            ("street", &street),
            ("management", &q.management),
            ("eligible", &q.eligible),
            ("old", &q.old),
            ("q", &q.q),
        ] {
            if !v.is_empty() {
                p.push((k, v.clone()));
            }
        }
        p.push(("offset", offset.to_string()));
        format!(
            "/official/ledger?{}",
            serde_urlencoded::to_string(&p).unwrap_or_default()
        )
    };
    let prev = (page.offset > 0).then(|| link((page.offset - page.limit).max(0)));
    let next = (page.offset + page.limit < page.total).then(|| link(page.offset + page.limit));
    let mut street_choices = vec![Choice {
        value: String::new(),
        label: "全部街道（镇）".into(),
        selected: street.is_empty(),
    }];
    street_choices.extend(area.streets().into_iter().map(|s| Choice {
        value: s.as_str().to_string(),
        label: s.name().to_string(),
        selected: s.as_str() == street,
    }));
    let mut management = vec![("", "全部管理方式")];
    management.extend_from_slice(MANAGEMENT);
    Ok(LedgerPage {
        area_name: area.name(),
        is_district: area.is_district(),
        first: if page.items.is_empty() {
            0
        } else {
            page.offset + 1
        },
        last: page.offset + page.items.len() as i64,
        total: page.total,
        compounds: page.items,
        q: q.q.clone(),
        street_choices,
        management_choices: Choice::list(&management, &q.management),
        eligible_choices: Choice::list(
            &[
                ("", "全部"),
                ("true", "符合条件且业主自愿"),
                ("false", "其他"),
            ],
            &q.eligible,
        ),
        old_choices: Choice::list(
            &[("", "全部"), ("true", "老旧小区"), ("false", "非老旧小区")],
            &q.old,
        ),
        prev,
        next,
        error,
        done: flash.done,
        chrome,
    })
}

#[derive(Debug, Default, Deserialize)]
pub struct ExportQuery {
    #[serde(default)]
    format: String,
}

/// The catalog's ledger export of the official's area, passed through as a download.
pub async fn export(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Query(q): Query<ExportQuery>,
) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    let (_, token, _) = match official(&session, &chrome, "/official/ledger") {
        Ok(x) => x,
        Err(r) => return r,
    };
    let format = if q.format == "xlsx" { "xlsx" } else { "csv" };
    let url = format!(
        "{}/catalog/compounds/export?format={format}",
        app.api.catalog
    );
    let answer = app.api.http.get(&url).bearer_auth(&token).send().await;
    let res = match answer {
        Ok(r) if r.status().is_success() => r,
        Ok(r) => {
            let status = r.status();
            let message = r
                .json::<shared::error::Problem>()
                .await
                .map(|p| p.detail.unwrap_or(p.title))
                .unwrap_or_else(|_| "导出失败，请稍后再试。".into());
            let status = StatusCode::from_u16(status.as_u16()).unwrap_or(StatusCode::BAD_GATEWAY);
            return PageError::new(status, "无法导出", message, chrome).into_response();
        }
        Err(e) => {
            tracing::error!(error = ?e, "exporting the ledger");
            return PageError::new(
                StatusCode::BAD_GATEWAY,
                "服务暂不可用",
                "服务暂时不可用，请稍后再试。",
                chrome,
            )
            .into_response();
        }
    };
    let content_type = res.headers().get(header::CONTENT_TYPE).cloned();
    let disposition = res.headers().get(header::CONTENT_DISPOSITION).cloned();
    let bytes = match res.bytes().await {
        Ok(b) => b,
        Err(_) => {
            return PageError::new(
                StatusCode::BAD_GATEWAY,
                "服务暂不可用",
                "导出中断，请重试。",
                chrome,
            )
            .into_response();
        }
    };
    let mut response = (StatusCode::OK, bytes).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        content_type.unwrap_or(HeaderValue::from_static("application/octet-stream")),
    );
    if let Some(d) = disposition {
        h.insert(header::CONTENT_DISPOSITION, d);
    }
    response
}

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
                Area::District(_) => String::new(),
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
            management_choices: Choice::list(MANAGEMENT, &form.management),
            governance_choices: Choice::list(GOVERNANCE, &form.governance_body),
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
    token: &str,
    area: &Area,
    id: &str,
    chrome: &Chrome,
) -> Result<Compound, Response> {
    let c: Compound = app
        .api
        .catalog_get(&api::path(&["catalog", "compounds", id]), Some(token))
        .await
        .map_err(|e| PageError::from_api(e, chrome.clone()).into_response())?;
    if !area.covers(&c.street) {
        return Err(PageError::new(
            StatusCode::FORBIDDEN,
            "无权查看",
            format!(
                "该小区位于{}，不在您的管辖范围（{}）内。",
                street_name(&c.street),
                area.name()
            ),
            chrome.clone(),
        )
        .into_response());
    }
    Ok(c)
}

pub async fn edit_form(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Result<CompoundFormPage, Response> {
    let chrome = Chrome::new(&session, &csrf);
    let path = format!("/official/ledger/{id}");
    let (_, token, area) = official(&session, &chrome, &path)?;
    let c = compound_in_area(&app, &token, &area, &id, &chrome).await?;
    Ok(CompoundFormPage::new(
        chrome,
        &area,
        Some(id),
        format!("编辑小区：{}", c.name),
        CompoundForm::of(&c),
        FormErrors::none(),
        flash.done,
    ))
}

/// The refused form again, with the API's status.
fn refused(page: CompoundFormPage, status: StatusCode) -> Response {
    (status, page).into_response()
}

pub async fn update(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    CsrfForm(form): CsrfForm<CompoundForm>,
) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    let path = format!("/official/ledger/{id}");
    let (_, token, area) = match official(&session, &chrome, &path) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let current = match compound_in_area(&app, &token, &area, &id, &chrome).await {
        Ok(c) => c,
        Err(r) => return r,
    };
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
            Some(&token),
            &body,
        )
        .await;
    let heading = format!("编辑小区：{}", current.name);
    match answer {
        Ok(_) if local.is_empty() => see_other_with(&path, "已保存小区信息"),
        Ok(_) => refused(
            CompoundFormPage::new(chrome, &area, Some(id), heading, form, local, None),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        Err(e) => {
            let status = FormErrors::status(&e);
            let errors = merge(local, FormErrors::from_api(&e));
            refused(
                CompoundFormPage::new(chrome, &area, Some(id), heading, form, errors, None),
                status,
            )
        }
    }
}

/// The page's own messages first (a value that is not a number), then the API's.
fn merge(mut local: FormErrors, api: FormErrors) -> FormErrors {
    for (k, v) in api.fields {
        local.fields.entry(k).or_insert(v);
    }
    if local.general.is_none() || !local.fields.is_empty() {
        local.general = api.general.or(local.general);
    }
    local
}

pub async fn new_form(
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
) -> Result<CompoundFormPage, Response> {
    let chrome = Chrome::new(&session, &csrf);
    let (_, _, area) = official(&session, &chrome, "/official/ledger/new")?;
    Ok(CompoundFormPage::new(
        chrome,
        &area,
        None,
        "登记新小区".into(),
        CompoundForm::blank(&area),
        FormErrors::none(),
        None,
    ))
}

#[derive(Debug, Deserialize)]
struct Created {
    id: String,
}

pub async fn create(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(form): CsrfForm<CompoundForm>,
) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    let (_, token, area) = match official(&session, &chrome, "/official/ledger/new") {
        Ok(x) => x,
        Err(r) => return r,
    };
    let mut local = FormErrors::none();
    let body = form.body(&mut local);
    let answer: Result<Created, ApiError> = app
        .api
        .send(
            Method::POST,
            &format!("{}/catalog/compounds", app.api.catalog),
            Some(&token),
            &body,
        )
        .await;
    // A value the page could not read is sent as missing, so the API refuses the form.
    match answer {
        Ok(c) => see_other_with(&format!("/official/ledger/{}", c.id), "已登记新小区"),
        Err(e) => {
            let status = FormErrors::status(&e);
            let errors = merge(local, FormErrors::from_api(&e));
            refused(
                CompoundFormPage::new(chrome, &area, None, "登记新小区".into(), form, errors, None),
                status,
            )
        }
    }
}
