//! Fees on the pages: the desk's bills, payments and import (the file forwarded to the
//! API as it came, the report shown); the public fee section of a compound page (the fee
//! standard with its arithmetic, the collection rate: never a unit); and `/fees`, the
//! collection rate of a street, a district or the city by compound (public: what officials
//! read for their area).

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Multipart, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::budget::{Budget, desk_page, year_of};
use super::desk::Desk;
use super::model::{Collection, ImportReport, collection};
use crate::api::{self, ApiError};
use crate::chrome::Chrome;
use crate::csrf::{self, CsrfForm};
use crate::error::PageError;
use crate::forms::{Flash, FormErrors, see_other_with};
use crate::state::WebState;

/// The largest payments file the page forwards (the API decides its own limits).
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// The desk page again after a refused form, with the API's message.
async fn refused(
    app: &WebState,
    desk: Desk,
    chrome: Chrome,
    year: i32,
    e: ApiError,
) -> Result<Response, PageError> {
    if matches!(e.status(), Some(s) if s == 401 || s == 403) || e.status().is_none() {
        return Err(e.into());
    }
    let message = FormErrors::messages(&e)
        .first()
        .cloned()
        .unwrap_or_else(|| e.message());
    let status = FormErrors::status(&e);
    let mut p = desk_page(app, desk, chrome, year, None, None, Flash::default()).await?;
    p.errors = FormErrors::general(message);
    Ok((status, p).into_response())
}

/// `POST {base}/bills`: bills a month.
pub async fn bills(
    State(app): State<WebState>,
    desk: Desk,
    chrome: Chrome,
    CsrfForm(values): CsrfForm<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let month = values.get("month").cloned().unwrap_or_default();
    let year = year_of(month.get(..4));
    let url = desk.api(&app.api.tender, &["fees", "bills"]);
    match app
        .api
        .send::<Value>(
            Method::POST,
            &url,
            Some(&desk.token),
            &json!({"month": month}),
        )
        .await
    {
        Ok(run) => Ok(see_other_with(
            &format!("{}?year={year}", desk.base),
            &format!(
                "{month} 账单已生成：新增 {} 张，此前已有 {} 张，合计 {} 元",
                run["created"],
                run["already_billed"],
                crate::format::yuan(run["billed_fen"].as_i64().unwrap_or(0))
            ),
        )),
        Err(e) => refused(&app, desk, chrome, year, e).await,
    }
}

/// `POST {base}/payments`: records one payment (amount typed in 元).
pub async fn payment(
    State(app): State<WebState>,
    desk: Desk,
    chrome: Chrome,
    CsrfForm(values): CsrfForm<BTreeMap<String, String>>,
) -> Result<Response, PageError> {
    let year = year_of(values.get("year").map(String::as_str));
    let get = |k: &str| values.get(k).cloned().unwrap_or_default();
    let Some(amount) = crate::format::parse_yuan(&get("amount")) else {
        let mut p = desk_page(&app, desk, chrome, year, None, None, Flash::default()).await?;
        p.errors = FormErrors::general("请填写缴费金额（元），最多两位小数，如 1234.50");
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    };
    let url = desk.api(&app.api.tender, &["fees", "payments"]);
    let body = json!({"bill_id": get("bill_id"), "amount_fen": amount,
        "paid_on": get("paid_on"), "reference": get("reference")});
    match app
        .api
        .send::<Value>(Method::POST, &url, Some(&desk.token), &body)
        .await
    {
        Ok(p) => Ok(see_other_with(
            &format!("{}?year={year}", desk.base),
            &format!(
                "已登记 {} {} 的缴费 {} 元",
                p["unit_label"].as_str().unwrap_or(""),
                p["month"].as_str().unwrap_or(""),
                crate::format::yuan(amount)
            ),
        )),
        Err(e) => refused(&app, desk, chrome, year, e).await,
    }
}

/// `POST {base}/import` (multipart: `_csrf`, `mode`, `year`, `file`): forwards the file to
/// the API and shows its report on the desk.
pub async fn import(
    State(app): State<WebState>,
    desk: Desk,
    chrome: Chrome,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let (mut sent_csrf, mut mode, mut year, mut file) = (None, String::new(), None, None);
    while let Ok(Some(field)) = multipart.next_field().await {
        match field.name().unwrap_or("") {
            "_csrf" => sent_csrf = field.text().await.ok(),
            "mode" => mode = field.text().await.unwrap_or_default(),
            "year" => year = field.text().await.ok(),
            "file" => {
                let name = field.file_name().unwrap_or("").to_lowercase();
                if let Ok(b) = field.bytes().await {
                    file = Some((name, b));
                }
            }
            _ => {}
        }
    }
    csrf::check(&headers, sent_csrf.as_deref())?;
    let year = year_of(year.as_deref());
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        let mut p = desk_page(&app, desk, chrome, year, None, None, Flash::default()).await?;
        p.errors = FormErrors::general("请选择要导入的缴费记录文件（CSV 或 .xlsx）。");
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    };
    let format = if name.ends_with(".xlsx") {
        "xlsx"
    } else {
        "csv"
    };
    let mode = match mode.as_str() {
        "good_rows" | "strict" => mode,
        _ => "dry_run".to_string(),
    };
    let url = format!(
        "{}?{}",
        desk.api(&app.api.tender, &["fees", "payments", "import"]),
        api::query(&[("format", format), ("mode", &mode)])
    );
    let res = app
        .api
        .http
        .post(&url)
        .bearer_auth(&desk.token)
        .body(bytes)
        .send()
        .await
        .map_err(|e| PageError::from(ApiError::Unavailable(anyhow::Error::new(e))))?;
    let status = res.status();
    let answer: Value = res.json().await.unwrap_or(Value::Null);
    let report: Option<ImportReport> = serde_json::from_value(answer.clone()).ok();
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        return Err(PageError::new(
            status,
            "无权导入",
            answer["detail"].as_str().unwrap_or("无权进行此操作。"),
        ));
    }
    let mut p = desk_page(
        &app,
        desk,
        chrome,
        year,
        None,
        report.clone(),
        Flash::default(),
    )
    .await?;
    if report.is_none() {
        p.errors = FormErrors::general(
            answer["errors"][0]["message"]
                .as_str()
                .or(answer["detail"].as_str())
                .unwrap_or("导入失败，请稍后再试。"),
        );
    }
    let status = if status.is_success() {
        StatusCode::OK
    } else {
        status
    };
    Ok((status, p).into_response())
}

/// A compound's public fee section: its approved (or draft) budgets and the collection
/// rate of the latest budget's year.
#[derive(Debug, Clone, Default)]
pub struct PublicFees {
    pub budgets: Vec<Budget>,
    /// The latest budget's year and its collection rate.
    pub collection: Option<(i32, Collection)>,
}

/// Loads a compound's public fee section (anonymously; empty when the API does not answer).
pub async fn public_fees(app: &WebState, compound_id: &str) -> PublicFees {
    let url = format!(
        "{}{}",
        app.api.tender,
        api::path(&["tenders", "compounds", compound_id, "budgets"])
    );
    let budgets: Vec<Budget> = app.api.get(&url, None).await.unwrap_or_default();
    let collection = match budgets.first().map(|b| b.year) {
        Some(y) => collection(app, compound_id, y).await.map(|c| (y, c)),
        None => None,
    };
    PublicFees {
        budgets,
        collection,
    }
}

/// The area's collection rate as the API answers it.
#[derive(Debug, Clone, Deserialize)]
pub struct AreaCollection {
    pub billed_fen: i64,
    pub paid_fen: i64,
    pub rate_text: String,
    pub compounds: Vec<Collection>,
}

impl AreaCollection {
    pub fn billed(&self) -> String {
        crate::format::yuan(self.billed_fen)
    }

    pub fn paid(&self) -> String {
        crate::format::yuan(self.paid_fen)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "money_collection.html")]
pub struct AreaPage {
    pub chrome: Chrome,
    pub year: i32,
    pub street: String,
    pub district: String,
    pub area: Option<AreaCollection>,
    pub error: Option<String>,
}

/// `/fees?street=&district=&year=`.
#[derive(Debug, Default, Deserialize)]
pub struct AreaQuery {
    pub street: Option<String>,
    pub district: Option<String>,
    pub year: Option<String>,
}

/// The collection rate of a street, a district or the city, by compound (public).
pub async fn area_page(
    State(app): State<WebState>,
    chrome: Chrome,
    Query(q): Query<AreaQuery>,
) -> Result<AreaPage, PageError> {
    let year = year_of(q.year.as_deref());
    let street = q.street.unwrap_or_default().trim().to_string();
    let district = q.district.unwrap_or_default().trim().to_string();
    let (from, to) = (format!("{year}-01"), format!("{year}-12"));
    let mut pairs = vec![("from", from.as_str()), ("to", to.as_str())];
    if !street.is_empty() {
        pairs.push(("street", &street));
    } else if !district.is_empty() {
        pairs.push(("district", &district));
    }
    let url = format!(
        "{}/tenders/fee-collection?{}",
        app.api.tender,
        api::query(&pairs)
    );
    let (area, error) = match app.api.get::<AreaCollection>(&url, None).await {
        Ok(a) => (Some(a), None),
        Err(e @ ApiError::Refused { .. }) => (None, Some(e.message())),
        Err(e) => return Err(e.into()),
    };
    Ok(AreaPage {
        chrome,
        year,
        street,
        district,
        area,
        error,
    })
}
