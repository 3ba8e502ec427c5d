//! 表决通知: the street official generates the codes of a vote's units that have not voted
//! (`POST /official/votes/{vid}/notices`) and prints them, one notice per unit (A5, a page
//! each): the compound, the unit, the question and its options, the period, the code, the
//! short address `/o` where to use it, and how to vote on paper instead. The API answers
//! the codes once; the page is never cached, and says that generating again invalidates
//! the earlier codes of the units that have not voted.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde_json::json;

use super::votes::own_vote;
use crate::api;
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::pages::model::catalog::Compound;
use crate::pages::model::owners::{BallotVote, Notices};
use crate::roles::OfficialUser;
use crate::state::WebState;

#[derive(Template, WebTemplate)]
#[template(path = "official_vote_notices.html")]
pub struct NoticesForm {
    chrome: Chrome,
    v: BallotVote,
    compound: Compound,
    error: Option<String>,
}

pub async fn form(
    State(app): State<WebState>,
    o: OfficialUser,
    chrome: Chrome,
    Path(vid): Path<String>,
) -> Result<Response, PageError> {
    let (v, compound) = own_vote(&app, &o, &vid).await?;
    let page = NoticesForm {
        chrome,
        v,
        compound,
        error: None,
    };
    Ok(page.into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "official_vote_print.html")]
pub struct PrintPage {
    chrome: Chrome,
    v: BallotVote,
    compound: Compound,
    n: Notices,
    /// Where owners use their code: `host/o`.
    short_url: String,
}

/// A form that carries only the CSRF field.
#[derive(Debug, serde::Deserialize)]
pub struct Empty {}

pub async fn generate(
    State(app): State<WebState>,
    o: OfficialUser,
    chrome: Chrome,
    headers: HeaderMap,
    Path(vid): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let (v, compound) = own_vote(&app, &o, &vid).await?;
    let url = format!(
        "{}{}",
        app.api.tender,
        api::path(&["tenders", "ballot-votes", &vid, "notices"])
    );
    let n: Notices = match app
        .api
        .send(Method::POST, &url, Some(&o.token), &json!({}))
        .await
    {
        Ok(n) => n,
        Err(e) => {
            let status = crate::forms::FormErrors::status(&e);
            let page = NoticesForm {
                chrome,
                v,
                compound,
                error: Some(e.message()),
            };
            return Ok((status, page).into_response());
        }
    };
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| h.len() <= 253 && !h.contains(['/', ' ']))
        .unwrap_or("");
    let page = PrintPage {
        chrome,
        v,
        compound,
        n,
        short_url: format!("{host}/o"),
    };
    let mut r = (StatusCode::OK, page).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}
