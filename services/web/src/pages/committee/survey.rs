//! 满意度调查: the committee records a quarter's residents' satisfaction survey.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use shared::domain::roster::china_today;

use crate::api::ApiError;
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::format::quarter_of;
use crate::forms::{FormErrors, see_other_at};
use crate::roles::CommitteeUser;
use crate::state::WebState;

#[derive(Debug, Default, Deserialize)]
pub struct SurveyInput {
    #[serde(default)]
    period: String,
    #[serde(default)]
    satisfied: String,
    #[serde(default)]
    basically_satisfied: String,
    #[serde(default)]
    dissatisfied: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "committee_survey_form.html")]
pub struct SurveyFormPage {
    chrome: Chrome,
    s: SurveyInput,
    errors: FormErrors,
}

pub async fn form(_c: CommitteeUser, chrome: Chrome) -> SurveyFormPage {
    SurveyFormPage {
        chrome,
        s: SurveyInput {
            period: quarter_of(china_today()),
            ..Default::default()
        },
        errors: FormErrors::none(),
    }
}

pub async fn submit(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    CsrfForm(s): CsrfForm<SurveyInput>,
) -> Result<Response, PageError> {
    let mut errors = FormErrors::none();
    let a = errors.int("satisfied", &s.satisfied);
    let b = errors.int("basically_satisfied", &s.basically_satisfied);
    let d = errors.int("dissatisfied", &s.dissatisfied);
    if !errors.is_empty() {
        let page = SurveyFormPage { chrome, s, errors };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let body = json!({"compound_id": c.compound_id, "period": s.period.trim(),
        "satisfied": a, "basically_satisfied": b, "dissatisfied": d});
    let answer: Result<Value, ApiError> = app
        .api
        .send(
            Method::POST,
            &format!("{}/tenders/satisfaction", app.api.tender),
            Some(&c.token),
            &body,
        )
        .await;
    Ok(match answer {
        Ok(_) => see_other_at("/committee", "已录入满意度调查结果", "sat-heading"),
        Err(e) => {
            let errors = FormErrors::from_api(&e);
            (FormErrors::status(&e), SurveyFormPage { chrome, s, errors }).into_response()
        }
    })
}
