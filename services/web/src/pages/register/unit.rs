//! One unit at a time: add a unit, change it (the form carries the version it was read
//! at, so a change made meanwhile by someone else is refused, not overwritten), take it
//! out of the register; its history beside the form; the whole register's history.
//!
//! The form's inputs are the API's fields (`building`, `room`, `area` …); the owners are
//! rows `owner_{i}_name` / `owner_{i}_phone`, whose API fields are `owners[i].name` /
//! `owners[i].phone`. A refused form comes back with what was typed and the API's message
//! beside each input.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::desk::Desk;
use crate::api::ApiError;
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::forms::{Fields, Flash, FormErrors, see_other_with};
use crate::pages::model::register::{Unit, Version};
use crate::pages::model::{Page, Pager};
use crate::state::WebState;

/// At most this many owners on the form (the API's limit).
const MAX_OWNERS: usize = 10;

/// One owner row of the form.
#[derive(Debug, Clone, Default)]
pub struct OwnerRow {
    pub name: String,
    pub phone: String,
}

/// What the form shows and sends.
#[derive(Debug, Clone, Default)]
pub struct UnitForm {
    pub building: String,
    pub unit: String,
    pub room: String,
    pub area: String,
    pub developer: bool,
    pub owners: Vec<OwnerRow>,
    pub version: String,
}

impl UnitForm {
    fn of(u: &Unit) -> Self {
        Self {
            building: u.building.clone(),
            unit: u.unit.clone(),
            room: u.room.clone(),
            area: u.area_m2.clone(),
            developer: u.developer,
            owners: u
                .owners
                .iter()
                .map(|o| OwnerRow {
                    name: o.name.clone(),
                    phone: o.phone.clone().unwrap_or_default(),
                })
                .collect(),
            version: u.version.to_string(),
        }
        .with_blank_rows()
    }

    fn from_fields(f: &Fields) -> Self {
        let owners = (0..MAX_OWNERS)
            .map(|i| OwnerRow {
                name: f.get(&format!("owner_{i}_name")),
                phone: f.get(&format!("owner_{i}_phone")),
            })
            .collect();
        Self {
            building: f.get("building"),
            unit: f.get("unit"),
            room: f.get("room"),
            area: f.get("area"),
            developer: !f.get("developer").is_empty(),
            owners,
            version: f.get("version"),
        }
    }

    /// The rows to show: those filled in, then blank ones up to at least three (and one
    /// more than those filled), at most [`MAX_OWNERS`].
    fn with_blank_rows(mut self) -> Self {
        while self
            .owners
            .last()
            .is_some_and(|o| o.name.is_empty() && o.phone.is_empty())
        {
            self.owners.pop();
        }
        let shown = (self.owners.len() + 1).clamp(3, MAX_OWNERS);
        self.owners.resize(shown, OwnerRow::default());
        self
    }

    /// The API's body: the owner rows filled in, in order.
    fn body(&self) -> Value {
        let owners: Vec<Value> = self
            .owners
            .iter()
            .filter(|o| !o.name.is_empty() || !o.phone.is_empty())
            .map(|o| {
                if o.phone.is_empty() {
                    json!({"name": o.name})
                } else {
                    json!({"name": o.name, "phone": o.phone})
                }
            })
            .collect();
        let mut body = json!({
            "building": self.building,
            "unit": self.unit,
            "room": self.room,
            "area": self.area,
            "developer": self.developer,
            "owners": owners,
        });
        if let Ok(v) = self.version.parse::<i64>() {
            body["version"] = json!(v);
        }
        body
    }
}

/// The API's refusal as messages beside the form's inputs: `owners[1].phone` beside
/// `owner_1_phone`, the filled rows being sent in order (so the API's index is the row's
/// among the filled ones).
fn errors_of(e: &ApiError, form: &UnitForm) -> FormErrors {
    let filled: Vec<usize> = form
        .owners
        .iter()
        .enumerate()
        .filter(|(_, o)| !o.name.is_empty() || !o.phone.is_empty())
        .map(|(i, _)| i)
        .collect();
    let mut errors = FormErrors::from_api(e);
    if let ApiError::Refused { problem, .. } = e {
        for f in &problem.errors {
            let Some(rest) = f.field.strip_prefix("owners[") else {
                continue;
            };
            let Some((index, part)) = rest.split_once("].") else {
                continue;
            };
            let Some(row) = index.parse::<usize>().ok().and_then(|i| filled.get(i)) else {
                continue;
            };
            errors
                .fields
                .entry(format!("owner_{row}_{part}"))
                .or_insert_with(|| f.message.clone());
        }
        // `owners` itself stays for the holder as a whole (no owner, unsold with names).
        if problem.errors.iter().all(|f| f.field != "owners") {
            errors.fields.remove("owners");
        }
    }
    errors
}

#[derive(Template, WebTemplate)]
#[template(path = "register_unit.html")]
pub struct UnitPage {
    chrome: Chrome,
    base: String,
    /// `None`: a new unit.
    unit: Option<Unit>,
    f: UnitForm,
    errors: FormErrors,
    history: Vec<Version>,
    flash: Flash,
}

impl UnitPage {
    fn action(&self) -> String {
        match &self.unit {
            Some(u) => format!("{}/units/{}", self.base, u.id),
            None => format!("{}/units", self.base),
        }
    }
}

fn unit_url(app: &WebState, desk: &Desk, id: &str) -> String {
    format!("{}{}", app.api.tender, desk.api(&["units", id]))
}

async fn history_of(app: &WebState, desk: &Desk, id: &str) -> Result<Vec<Version>, PageError> {
    let url = format!(
        "{}{}?{}",
        app.api.tender,
        desk.api(&["history"]),
        serde_urlencoded::to_string([("unit", id), ("limit", "200")]).unwrap_or_default()
    );
    let page: Page<Version> = app.api.get(&url, Some(&desk.token)).await?;
    Ok(page.items)
}

pub async fn new_form(
    State(app): State<WebState>,
    desk: Desk,
    chrome: Chrome,
) -> Result<UnitPage, PageError> {
    desk.in_reach(&app).await?;
    Ok(UnitPage {
        chrome,
        base: desk.path(""),
        unit: None,
        f: UnitForm::default().with_blank_rows(),
        errors: FormErrors::none(),
        history: Vec::new(),
        flash: Flash::default(),
    })
}

pub async fn create(
    State(app): State<WebState>,
    desk: Desk,
    chrome: Chrome,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let f = UnitForm::from_fields(&Fields(fields));
    let url = format!("{}{}", app.api.tender, desk.api(&["units"]));
    let answer: Result<Unit, ApiError> = app
        .api
        .send(Method::POST, &url, Some(&desk.token), &f.body())
        .await;
    Ok(match answer {
        Ok(u) => see_other_with(
            &desk.path(&crate::api::path(&["units", &u.id])),
            &format!("已将 {} 登记入名册", u.label),
        ),
        Err(e) => {
            let status = FormErrors::status(&e);
            let page = UnitPage {
                chrome,
                base: desk.path(""),
                unit: None,
                errors: errors_of(&e, &f),
                f: f.with_blank_rows(),
                history: Vec::new(),
                flash: Flash::default(),
            };
            (status, page).into_response()
        }
    })
}

#[derive(Debug, Deserialize)]
pub struct UnitPath {
    uid: String,
}

pub async fn edit_form(
    State(app): State<WebState>,
    desk: Desk,
    chrome: Chrome,
    Path(p): Path<UnitPath>,
    Query(flash): Query<Flash>,
) -> Result<UnitPage, PageError> {
    let unit: Unit = app
        .api
        .get(&unit_url(&app, &desk, &p.uid), Some(&desk.token))
        .await?;
    let history = history_of(&app, &desk, &p.uid).await?;
    Ok(UnitPage {
        chrome,
        base: desk.path(""),
        f: UnitForm::of(&unit),
        unit: Some(unit),
        errors: FormErrors::none(),
        history,
        flash,
    })
}

pub async fn update(
    State(app): State<WebState>,
    desk: Desk,
    chrome: Chrome,
    Path(p): Path<UnitPath>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let f = UnitForm::from_fields(&Fields(fields));
    let url = unit_url(&app, &desk, &p.uid);
    let answer: Result<Unit, ApiError> = app
        .api
        .send(Method::PUT, &url, Some(&desk.token), &f.body())
        .await;
    match answer {
        Ok(u) => Ok(see_other_with(
            &desk.path(&crate::api::path(&["units", &u.id])),
            &format!("已保存 {}（第 {} 版）", u.label, u.version),
        )),
        Err(e) => {
            let status = FormErrors::status(&e);
            // The unit as it is now (for the heading, the history and its version).
            let unit: Unit = app.api.get(&url, Some(&desk.token)).await?;
            let history = history_of(&app, &desk, &p.uid).await?;
            let page = UnitPage {
                chrome,
                base: desk.path(""),
                errors: errors_of(&e, &f),
                f: f.with_blank_rows(),
                unit: Some(unit),
                history,
                flash: Flash::default(),
            };
            Ok((status, page).into_response())
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct RemoveForm {
    #[serde(default)]
    version: String,
}

/// Takes the unit out of the register (at the version the page showed).
pub async fn remove(
    State(app): State<WebState>,
    desk: Desk,
    Path(p): Path<UnitPath>,
    CsrfForm(form): CsrfForm<RemoveForm>,
) -> Result<Response, PageError> {
    let url = format!(
        "{}?{}",
        unit_url(&app, &desk, &p.uid),
        serde_urlencoded::to_string([("version", form.version.trim())]).unwrap_or_default()
    );
    let unit: Unit = app
        .api
        .call(Method::DELETE, &url, Some(&desk.token), None, None)
        .await?;
    Ok(see_other_with(
        &desk.path(""),
        &format!("已将 {} 移出名册（记录和变更历史保留）", unit.label),
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "register_history.html")]
pub struct HistoryPage {
    chrome: Chrome,
    base: String,
    versions: Vec<Version>,
    total: i64,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct HistoryQuery {
    #[serde(default)]
    offset: Option<i64>,
}

/// Every change to the register, newest first.
pub async fn history(
    State(app): State<WebState>,
    desk: Desk,
    chrome: Chrome,
    Query(q): Query<HistoryQuery>,
) -> Result<HistoryPage, PageError> {
    let offset = q.offset.unwrap_or(0).max(0).to_string();
    let url = format!(
        "{}{}?{}",
        app.api.tender,
        desk.api(&["history"]),
        serde_urlencoded::to_string([("limit", "50"), ("offset", offset.as_str())])
            .unwrap_or_default()
    );
    let page: Page<Version> = app.api.get(&url, Some(&desk.token)).await?;
    let base = desk.path("");
    let (prev, next) = page.pager(&format!("{base}/history"), &[]);
    Ok(HistoryPage {
        chrome,
        base,
        total: page.total,
        versions: page.items,
        prev,
        next,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::StatusCode;
    use shared::error::{FieldError, Problem};

    #[test]
    fn owner_errors_go_beside_the_row_they_are_about() {
        let f = UnitForm::from_fields(&Fields(vec![
            ("owner_0_name".into(), "张三".into()),
            ("owner_2_name".into(), "李四".into()),
            ("owner_2_phone".into(), "123".into()),
        ]));
        assert_eq!(f.body()["owners"].as_array().unwrap().len(), 2);
        let mut problem = Problem::validation(vec![FieldError::new(
            "owners[1].phone",
            "invalid_phone",
            "手机号应为 11 位数字",
        )]);
        problem.status = 422;
        let e = ApiError::Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            problem: Box::new(problem),
            retry_after: None,
        };
        let errors = errors_of(&e, &f);
        assert_eq!(errors.get("owner_2_phone"), Some("手机号应为 11 位数字"));
        assert!(!errors.has("owners"));
        assert_eq!(f.with_blank_rows().owners.len(), 4);
    }
}
