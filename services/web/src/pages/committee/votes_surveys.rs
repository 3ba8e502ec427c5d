//! 满意度调查（按户）: the committee's surveys answered per unit (`/committee/surveys`): the
//! list with the counts derived from the answers, the form that opens one for a quarter, and
//! the close once its period is over (which publishes the quarter's satisfaction), and one
//! survey's page (`/committee/surveys/{sid}`) where paper questionnaires are recorded for
//! units picked from the register. The codes are printed by the street, as for votes;
//! owners answer at `/o`.

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
use crate::pages::choice::Choice;
use crate::pages::model::owners::UnitSurvey;
use crate::pages::model::register::{Register, Unit};
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

/// A paper questionnaire as typed, with the picker's search kept.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct PaperAnswer {
    #[serde(default)]
    unit_id: String,
    #[serde(default)]
    rating: String,
    #[serde(default)]
    comment: String,
    #[serde(default)]
    paper_ref: String,
    #[serde(default)]
    building: String,
    #[serde(default)]
    q: String,
}

impl PaperAnswer {
    fn body(&self) -> Result<serde_json::Value, FormErrors> {
        let mut errors = FormErrors::none();
        if self.unit_id.trim().is_empty() {
            errors.add("unit_id", "请先查找并选择作答的房屋");
        }
        if self.rating.trim().is_empty() {
            errors.add("rating", "请选择评价");
        }
        if self.paper_ref.trim().is_empty() {
            errors.add("paper_ref", "请填写纸质问卷编号");
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut body = json!({
            "unit_id": self.unit_id.trim(),
            "rating": self.rating.trim(),
            "paper_ref": self.paper_ref.trim(),
        });
        if !self.comment.trim().is_empty() {
            body["comment"] = json!(self.comment.trim());
        }
        Ok(body)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "committee_vote_survey.html")]
pub struct SurveyPage {
    chrome: Chrome,
    s: UnitSurvey,
    buildings: Vec<Choice>,
    units: Vec<Unit>,
    searched: bool,
    paper: PaperAnswer,
    errors: FormErrors,
    flash: Flash,
}

impl SurveyPage {
    pub fn ratings(&self) -> Vec<Choice> {
        Choice::list(
            &[
                ("satisfied", "满意"),
                ("basically_satisfied", "基本满意"),
                ("dissatisfied", "不满意"),
            ],
            &self.paper.rating,
        )
    }

    pub fn takes_paper(&self) -> bool {
        matches!(self.s.state.as_str(), "open" | "counting")
    }
}

async fn survey_page(
    app: &WebState,
    c: &CommitteeUser,
    chrome: Chrome,
    sid: &str,
    paper: PaperAnswer,
    errors: FormErrors,
    flash: Flash,
) -> Result<SurveyPage, PageError> {
    let t = &app.api.tender;
    let s: UnitSurvey = app
        .api
        .get(
            &format!("{t}{}", api::path(&["tenders", "unit-surveys", sid])),
            Some(&c.token),
        )
        .await?;
    if s.compound_id != c.compound_id {
        return Err(PageError::forbidden("这是其他小区的调查。"));
    }
    let mut params = vec![("limit", "20".to_string())];
    for (k, value) in [("building", &paper.building), ("q", &paper.q)] {
        if !value.trim().is_empty() {
            params.push((k, value.trim().to_string()));
        }
    }
    let url = format!(
        "{t}{}?{}",
        api::path(&["tenders", "compounds", &c.compound_id, "register"]),
        serde_urlencoded::to_string(&params).unwrap_or_default()
    );
    let register = app.api.get::<Register>(&url, Some(&c.token)).await.ok();
    let (buildings, units) = match register {
        Some(r) => {
            let mut buildings = vec![Choice {
                value: String::new(),
                label: "全部楼栋".into(),
                selected: paper.building.is_empty(),
            }];
            buildings.extend(r.buildings.iter().map(|b| Choice {
                value: b.clone(),
                label: b.clone(),
                selected: *b == paper.building,
            }));
            (buildings, r.units.items)
        }
        None => (Vec::new(), Vec::new()),
    };
    Ok(SurveyPage {
        chrome,
        s,
        buildings,
        units,
        searched: !paper.building.trim().is_empty() || !paper.q.trim().is_empty(),
        paper,
        errors,
        flash,
    })
}

/// The picker's search on a survey's page.
#[derive(Debug, Default, Deserialize)]
pub struct Pick {
    #[serde(default)]
    building: String,
    #[serde(default)]
    q: String,
}

pub async fn page(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    Path(sid): Path<String>,
    Query(pick): Query<Pick>,
    Query(flash): Query<Flash>,
) -> Result<SurveyPage, PageError> {
    let paper = PaperAnswer {
        building: pick.building,
        q: pick.q,
        ..Default::default()
    };
    survey_page(&app, &c, chrome, &sid, paper, FormErrors::none(), flash).await
}

pub async fn paper(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    Path(sid): Path<String>,
    CsrfForm(form): CsrfForm<PaperAnswer>,
) -> Result<Response, PageError> {
    let (errors, status) = match form.body() {
        Err(errors) => (errors, StatusCode::UNPROCESSABLE_ENTITY),
        Ok(body) => {
            let url = format!(
                "{}{}",
                app.api.tender,
                api::path(&["tenders", "unit-surveys", &sid, "paper-answers"])
            );
            match app
                .api
                .send::<serde_json::Value>(Method::POST, &url, Some(&c.token), &body)
                .await
            {
                Ok(_) => {
                    return Ok(crate::forms::see_other_at(
                        &format!("/committee/surveys{}", api::path(&[&sid])),
                        &format!("已录入纸质问卷 {}", form.paper_ref.trim()),
                        "paper",
                    ));
                }
                Err(e) => (FormErrors::from_api(&e), FormErrors::status(&e)),
            }
        }
    };
    let page = survey_page(&app, &c, chrome, &sid, form, errors, Flash::default()).await?;
    Ok((status, page).into_response())
}
