//! 满意度调查通知: the street official generates the codes of a survey's units that have not
//! answered (`POST /official/surveys/{sid}/notices`) and prints them, one notice per unit,
//! like a vote's (`votes_notices.rs`): answered once, never cached, generating again voids
//! the earlier codes of the units that have not answered.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde_json::json;

use super::votes::street_of;
use crate::api;
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::forms::FormErrors;
use crate::pages::model::catalog::Compound;
use crate::pages::model::owners::{Notices, UnitSurvey};
use crate::roles::OfficialUser;
use crate::state::WebState;

/// Survey `sid` and its compound, when the compound lies in the official's street.
async fn own_survey(
    app: &WebState,
    o: &OfficialUser,
    sid: &str,
) -> Result<(UnitSurvey, Compound), PageError> {
    let street = street_of(o)?;
    let s: UnitSurvey = app
        .api
        .get(
            &format!(
                "{}{}",
                app.api.tender,
                api::path(&["tenders", "unit-surveys", sid])
            ),
            Some(&o.token),
        )
        .await?;
    let compound: Compound = app
        .api
        .catalog_get(&api::path(&["catalog", "compounds", &s.compound_id]), None)
        .await?;
    if compound.street != street.as_str() {
        return Err(PageError::forbidden("这是其他街道（乡镇）小区的调查。"));
    }
    Ok((s, compound))
}

#[derive(Template, WebTemplate)]
#[template(path = "official_vote_survey_notices.html")]
pub struct NoticesForm {
    chrome: Chrome,
    s: UnitSurvey,
    compound: Compound,
    error: Option<String>,
}

pub async fn form(
    State(app): State<WebState>,
    o: OfficialUser,
    chrome: Chrome,
    Path(sid): Path<String>,
) -> Result<NoticesForm, PageError> {
    let (s, compound) = own_survey(&app, &o, &sid).await?;
    Ok(NoticesForm {
        chrome,
        s,
        compound,
        error: None,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "official_vote_survey_print.html")]
pub struct PrintPage {
    chrome: Chrome,
    s: UnitSurvey,
    compound: Compound,
    n: Notices,
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
    Path(sid): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let (s, compound) = own_survey(&app, &o, &sid).await?;
    let url = format!(
        "{}{}",
        app.api.tender,
        api::path(&["tenders", "unit-surveys", &sid, "notices"])
    );
    let n: Notices = match app
        .api
        .send(Method::POST, &url, Some(&o.token), &json!({}))
        .await
    {
        Ok(n) => n,
        Err(e) => {
            let status = FormErrors::status(&e);
            let page = NoticesForm {
                chrome,
                s,
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
        s,
        compound,
        n,
        short_url: format!("{host}/o"),
    };
    let mut r = (StatusCode::OK, page).into_response();
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(r)
}
