//! 投标 (`/firm/tenders/{id}`): a tender's terms and the firm's sealed bid — place,
//! replace, confirm or withdraw it until the deadline, with a countdown; afterwards the
//! opening record and the firm's result.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::Role;

use super::home::{Bid, Tender};
use super::{FieldErrors, Fields, fen_of_yuan, firm_id, now_ms};
use crate::api::{self, ApiError};
use crate::csrf::{CsrfForm, CsrfToken};
use crate::error::PageError;
use crate::forms::{Flash, FormErrors, see_other_with};
use crate::pages::association::yuan;
use crate::pages::{Chrome, WebState, require_role};
use crate::session::Session;

#[derive(Template, WebTemplate)]
#[template(path = "portal_tender.html")]
pub struct BidPage {
    chrome: Chrome,
    done: Option<String>,
    tender: Tender,
    bid: Option<Bid>,
    firm: String,
    /// Server time when rendered (ms), for the countdown script.
    now: i64,
    /// Which form was refused: `place`, `replace`, `withdraw`, `confirm`.
    failed: String,
    typed: Fields,
    errors: FieldErrors,
}

impl BidPage {
    /// The value of a bid field: as typed when refused, else the current bid's.
    pub fn val(&self, field: &str) -> String {
        if self.failed == "place" || self.failed == "replace" {
            return self.typed.get(field);
        }
        let Some(b) = &self.bid else {
            return String::new();
        };
        match field {
            "fee" => yuan(b.fee),
            "annual_price" => yuan(b.annual_price_fen),
            "staffing_plan" => b.staffing_plan.clone(),
            "service_plan" => b.service_plan.clone(),
            _ => String::new(),
        }
    }

    /// The answer to the `i`th criterion.
    pub fn answer(&self, i: &usize, name: &str) -> String {
        if self.failed == "place" || self.failed == "replace" {
            return self.typed.get(&format!("answer_{i}"));
        }
        self.bid
            .as_ref()
            .and_then(|b| b.criteria_answers.iter().find(|a| a.name == name))
            .map(|a| a.answer.clone())
            .unwrap_or_default()
    }

    pub fn err(&self, field: &str) -> Option<String> {
        self.errors.get(field).map(str::to_string)
    }

    /// The opening record's line of this firm, if it bid.
    pub fn own_opened(&self) -> bool {
        self.tender
            .opening
            .as_ref()
            .is_some_and(|o| o.bids.iter().any(|b| b.firm_id == self.firm))
    }
}

async fn load(
    app: &WebState,
    token: &str,
    firm: &str,
    id: &str,
    chrome: Chrome,
) -> Result<BidPage, PageError> {
    let tender: Tender = app
        .api
        .get(
            &format!("{}{}", app.api.tender, api::path(&["tenders", id])),
            Some(token),
        )
        .await
        .map_err(|e| PageError::from_api(e, chrome.clone()))?;
    let bid: Result<Bid, ApiError> = app
        .api
        .get(
            &format!(
                "{}{}",
                app.api.tender,
                api::path(&["tenders", id, "bids", "mine"])
            ),
            Some(token),
        )
        .await;
    let bid = match bid {
        Ok(b) => Some(b),
        Err(e) if e.status() == Some(StatusCode::NOT_FOUND) => None,
        Err(e) => return Err(PageError::from_api(e, chrome)),
    };
    Ok(BidPage {
        chrome,
        done: None,
        tender,
        bid,
        firm: firm.to_string(),
        now: now_ms(),
        failed: String::new(),
        typed: Fields::default(),
        errors: FieldErrors::default(),
    })
}

pub async fn page(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    let path = format!("/firm/tenders/{id}");
    let (identity, token) = match require_role(&session, &[Role::Firm], &chrome, &path) {
        Ok(x) => x,
        Err(r) => return r,
    };
    match load(&app, &token, &firm_id(&identity), &id, chrome).await {
        Ok(mut page) => {
            page.done = flash.done;
            page.into_response()
        }
        Err(e) => e.into_response(),
    }
}

/// The bid body from the form; amounts typed in 元.
fn bid_body(fields: &Fields, local: &mut FieldErrors) -> Value {
    let mut money = |name: &str, api: &str, message: &str| -> i64 {
        match fen_of_yuan(&fields.get(name)) {
            Some(v) => v,
            None => {
                local.set(api, message);
                0
            }
        }
    };
    let fee = money("fee", "fee", "请填写物业费单价（元/㎡·月），如 1.80");
    let price = money(
        "annual_price",
        "annual_price_fen",
        "请填写年度报价（元），最多两位小数",
    );
    let answers: Vec<Value> = fields
        .0
        .iter()
        .filter_map(|(k, v)| {
            let i = k.strip_prefix("criterion_")?;
            Some(json!({"name": v, "answer": fields.get(&format!("answer_{i}"))}))
        })
        .collect();
    json!({
        "fee": fee,
        "annual_price_fen": price,
        "staffing_plan": fields.get("staffing_plan"),
        "service_plan": fields.get("service_plan"),
        "criteria_answers": answers,
    })
}

/// Sends a bid action as the firm; success → back to the page with `done`; refusal → the
/// page again with what was typed and why.
async fn act(
    app: WebState,
    session: Session,
    csrf: CsrfToken,
    id: String,
    form: &str,
    fields: Fields,
) -> Response {
    let chrome = Chrome::new(&session, &csrf);
    let path = format!("/firm/tenders/{id}");
    let (identity, token) = match require_role(&session, &[Role::Firm], &chrome, &path) {
        Ok(x) => x,
        Err(r) => return r,
    };
    let base = format!("{}{}", app.api.tender, api::path(&["tenders", &id, "bids"]));
    let mut local = FieldErrors::default();
    let (method, url, body, done) = match form {
        "place" => (
            Method::POST,
            base,
            Some(bid_body(&fields, &mut local)),
            "已密封提交投标。开标前任何人都看不到投标内容。",
        ),
        "replace" => (
            Method::PUT,
            format!("{base}/mine"),
            Some(bid_body(&fields, &mut local)),
            "已替换投标，以最新一版为准。",
        ),
        "confirm" => (
            Method::POST,
            format!("{base}/mine/confirm"),
            Some(json!({})),
            "已确认投标响应最新的招标条件。",
        ),
        _ => (
            Method::DELETE,
            format!("{base}/mine"),
            None,
            "已撤回投标。截止前可重新投标。",
        ),
    };
    let answer: Result<Value, ApiError> = if local.is_empty() {
        app.api
            .call(method, &url, Some(&token), body.as_ref(), None)
            .await
    } else {
        Ok(Value::Null)
    };
    let (status, errors) = match answer {
        Ok(_) if local.is_empty() => return see_other_with(&path, done),
        Ok(_) => (StatusCode::UNPROCESSABLE_ENTITY, local),
        Err(e)
            if matches!(
                e.status(),
                Some(StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
            ) && form == "place" =>
        {
            return PageError::from_api(e, chrome).into_response();
        }
        Err(e) => (FormErrors::status(&e), FieldErrors::from_api(&e)),
    };
    match load(&app, &token, &firm_id(&identity), &id, chrome).await {
        Ok(mut page) => {
            page.failed = form.to_string();
            page.typed = fields;
            page.errors = errors;
            (status, page).into_response()
        }
        Err(e) => e.into_response(),
    }
}

pub async fn place(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Response {
    act(app, session, csrf, id, "place", Fields(fields)).await
}

pub async fn replace(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Response {
    act(app, session, csrf, id, "replace", Fields(fields)).await
}

pub async fn withdraw(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Response {
    act(app, session, csrf, id, "withdraw", Fields(fields)).await
}

pub async fn confirm(
    State(app): State<WebState>,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Response {
    act(app, session, csrf, id, "confirm", Fields(fields)).await
}
