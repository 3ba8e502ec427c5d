//! 满意度调查（按户）: the committee's surveys answered per unit (`/committee/surveys`): the
//! list with the counts derived from the answers, the form that opens one for a quarter, and
//! the close once its period is over (which publishes the quarter's satisfaction). The codes
//! are printed by the street, as for votes; owners answer at `/o`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::json;

use super::votes_open::parse_local;
use crate::api;
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::format::{beijing_now, local_text, quarter_of};
use crate::forms::{Flash, FormErrors, see_other_with};
use crate::pages::model::owners::UnitSurvey;
use crate::pages::public::unit_surveys;
use crate::roles::CommitteeUser;
use crate::state::WebState;

/// The survey form as typed: a quarter and the period in Beijing time.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct SurveyForm {
    #[serde(default)]
    period: String,
    #[serde(default)]
    opens_at: String,
    #[serde(default)]
    closes_at: String,
}

impl SurveyForm {
    fn body(&self) -> Result<serde_json::Value, FormErrors> {
        let mut errors = FormErrors::none();
        if self.period.trim().is_empty() {
            errors.add("period", "请填写季度，如 2026-Q4");
        }
        let mut instant = |field: &str, raw: &str| match parse_local(raw) {
            Ok(v) => Some(v),
            Err(m) => {
                errors.add(field, m);
                None
            }
        };
        let opens = instant("opens_at", &self.opens_at);
        let closes = instant("closes_at", &self.closes_at);
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(json!({"period": self.period.trim(), "opens_at": opens, "closes_at": closes}))
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "committee_vote_surveys.html")]
pub struct SurveysPage {
    chrome: Chrome,
    surveys: Vec<UnitSurvey>,
    v: SurveyForm,
    errors: FormErrors,
    close_error: Option<String>,
    flash: Flash,
}

async fn render(
    app: &WebState,
    c: &CommitteeUser,
    chrome: Chrome,
    v: SurveyForm,
    errors: FormErrors,
    close_error: Option<String>,
    flash: Flash,
) -> Result<SurveysPage, PageError> {
    Ok(SurveysPage {
        chrome,
        surveys: unit_surveys(app, &c.compound_id, Some(&c.token)).await?,
        v,
        errors,
        close_error,
        flash,
    })
}

pub async fn list(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    Query(flash): Query<Flash>,
) -> Result<SurveysPage, PageError> {
    let now = beijing_now();
    let v = SurveyForm {
        period: quarter_of(now.date()),
        opens_at: local_text(now + time::Duration::minutes(10)),
        closes_at: local_text(now + time::Duration::days(14)),
    };
    render(&app, &c, chrome, v, FormErrors::none(), None, flash).await
}

pub async fn open(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    CsrfForm(v): CsrfForm<SurveyForm>,
) -> Result<Response, PageError> {
    let (errors, status) = match v.body() {
        Err(errors) => (errors, StatusCode::UNPROCESSABLE_ENTITY),
        Ok(body) => {
            let url = format!(
                "{}{}",
                app.api.tender,
                api::path(&["tenders", "compounds", &c.compound_id, "unit-surveys"])
            );
            match app
                .api
                .send::<serde_json::Value>(Method::POST, &url, Some(&c.token), &body)
                .await
            {
                Ok(_) => {
                    return Ok(see_other_with(
                        "/committee/surveys",
                        "已发起满意度调查。请通知街道（乡镇）打印各户的调查通知（含调查码）。",
                    ));
                }
                Err(e) => (FormErrors::from_api(&e), FormErrors::status(&e)),
            }
        }
    };
    let page = render(&app, &c, chrome, v, errors, None, Flash::default()).await?;
    Ok((status, page).into_response())
}

/// A form that carries only the CSRF field.
#[derive(Debug, Deserialize)]
pub struct Empty {}

pub async fn close(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    Path(sid): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let url = format!(
        "{}{}",
        app.api.tender,
        api::path(&["tenders", "unit-surveys", &sid, "close"])
    );
    match app
        .api
        .send::<serde_json::Value>(Method::POST, &url, Some(&c.token), &json!({}))
        .await
    {
        Ok(_) => Ok(see_other_with(
            "/committee/surveys",
            "调查已结束，满意度已按各户答卷公布。",
        )),
        Err(e) => {
            let status = FormErrors::status(&e);
            let page = render(
                &app,
                &c,
                chrome,
                SurveyForm::default(),
                FormErrors::none(),
                Some(e.message()),
                Flash::default(),
            )
            .await?;
            Ok((status, page).into_response())
        }
    }
}
