//! The firm's say on a tender, from its tender page (`/firm/tenders/{id}`): a question
//! during the enquiry period (the asker is never shown), a complaint (质疑) about the award
//! during its notice period, and the escalation (复核) of its own complaint to the street,
//! then the district. Each posts to the tender API as the firm; success → back to the page
//! with a notice, refusal → the page again with what was typed and why, beside the form.

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde_json::{Value, json};

use super::bid::{Refused, load};
use crate::api;
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::forms::{Fields, FormErrors, Keys, see_other_at};
use crate::roles::FirmUser;
use crate::state::WebState;

/// Sends `body` to the tender API path `path` as the firm; `form` names the page's form
/// (and the section returned to).
async fn send(
    app: &WebState,
    user: &FirmUser,
    chrome: Chrome,
    id: &str,
    (form, path, body): (&'static str, String, Value),
    (fields, done): (Fields, &str),
) -> Result<Response, PageError> {
    let url = format!("{}{path}", app.api.tender);
    let answer: Result<Value, _> = app
        .api
        .call(Method::POST, &url, Some(&user.token), Some(&body), None)
        .await;
    let e = match answer {
        Ok(_) => return Ok(see_other_at(&format!("/firm/tenders/{id}"), done, form)),
        Err(e) => e,
    };
    let refused = Refused {
        form,
        typed: fields,
        errors: FormErrors::from_api_as(&e, Keys::Path, &[]),
    };
    let page = load(app, user, id, chrome, None, refused).await?;
    Ok((FormErrors::status(&e), page).into_response())
}

/// `POST /firm/tenders/{id}/questions`.
pub async fn ask(
    State(app): State<WebState>,
    user: FirmUser,
    chrome: Chrome,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let fields = Fields(fields);
    let body = json!({"question": fields.get("question")});
    let path = api::path(&["tenders", &id, "questions"]);
    let done = "已提交问题。答复后问题和答复向所有人公开，提问企业的名称不公开。";
    send(
        &app,
        &user,
        chrome,
        &id,
        ("questions", path, body),
        (fields, done),
    )
    .await
}

/// `POST /firm/tenders/{id}/complaints`.
pub async fn complain(
    State(app): State<WebState>,
    user: FirmUser,
    chrome: Chrome,
    Path(id): Path<String>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let fields = Fields(fields);
    let body = json!({"grounds": fields.get("grounds")});
    let path = api::path(&["tenders", &id, "complaints"]);
    let done = "已提出质疑，等待招标方答复。";
    send(
        &app,
        &user,
        chrome,
        &id,
        ("complaints", path, body),
        (fields, done),
    )
    .await
}

/// `POST /firm/tenders/{id}/complaints/{cid}/escalate`.
pub async fn escalate(
    State(app): State<WebState>,
    user: FirmUser,
    chrome: Chrome,
    Path((id, cid)): Path<(String, String)>,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let mut fields = Fields(fields);
    fields.0.push(("cid".into(), cid.clone()));
    let body = json!({"grounds": fields.get("grounds")});
    let path = api::path(&["tenders", &id, "complaints", &cid, "escalate"]);
    let done = "已申请复核，等待上级作出决定。";
    send(
        &app,
        &user,
        chrome,
        &id,
        ("escalate", path, body),
        (fields, done),
    )
    .await
}
