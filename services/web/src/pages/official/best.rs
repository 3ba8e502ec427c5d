//! 百佳示范小区遴选 (`/official/best?year=`): the year's candidates of the official's area,
//! ranked by tender from surveys and contracts; a city official ticks up to 100 of them,
//! saves the selection (`PUT /tenders/best/{year}`) and publishes it (`POST
//! /tenders/best/{year}/publication`): the one thing a city official writes. District and
//! street officials read their area's candidates.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde_json::{Value, json};

use crate::api::{self, ApiError};
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::forms::{Fields, Flash, FormErrors, see_other_with};
use crate::pages::choice::Choice;
use crate::pages::incentives::{YearQuery, year_of};
use crate::pages::model::incentives::{BestCandidates, BestFigures, BestList};
use crate::roles::{Area, OfficialUser};
use crate::state::WebState;

/// A candidate and whether the kept selection has it.
pub struct Row {
    pub c: BestFigures,
    pub selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "official_best.html")]
pub struct BestPage {
    chrome: Chrome,
    area_name: String,
    selects: bool,
    /// The city official may still change the selection (not yet published).
    open: bool,
    year: i32,
    years: Vec<Choice>,
    as_of: String,
    rows: Vec<Row>,
    list: Option<BestList>,
    errors: FormErrors,
    done: Option<String>,
}

fn url(app: &WebState, year: i32, tail: &[&str]) -> String {
    let y = year.to_string();
    let mut segments = vec!["tenders", "best", y.as_str()];
    segments.extend_from_slice(tail);
    format!("{}{}", app.api.tender, api::path(&segments))
}

async fn build(
    app: &WebState,
    user: &OfficialUser,
    chrome: Chrome,
    year: i32,
    errors: FormErrors,
) -> Result<BestPage, PageError> {
    let (_, years) = year_of(&year.to_string());
    let candidates: BestCandidates = app
        .api
        .get(&url(app, year, &["candidates"]), Some(&user.token))
        .await?;
    let list = match app
        .api
        .get::<BestList>(&url(app, year, &[]), Some(&user.token))
        .await
    {
        Ok(l) => Some(l),
        Err(e) if e.status().is_some_and(|s| s.as_u16() == 404) => None,
        Err(e) => return Err(e.into()),
    };
    let selects = user.area == Area::City;
    let rows = candidates
        .items
        .into_iter()
        .map(|c| Row {
            selected: list.as_ref().is_some_and(|l| l.has(&c.compound_id)),
            c,
        })
        .collect();
    Ok(BestPage {
        chrome,
        area_name: user.area.name(),
        selects,
        open: selects && !list.as_ref().is_some_and(BestList::is_published),
        year,
        years,
        as_of: candidates.as_of,
        rows,
        list,
        errors,
        done: None,
    })
}

pub async fn page(
    State(app): State<WebState>,
    user: OfficialUser,
    chrome: Chrome,
    Query(q): Query<YearQuery>,
    Query(flash): Query<Flash>,
) -> Result<BestPage, PageError> {
    let (year, _) = year_of(q.year());
    let mut page = build(&app, &user, chrome, year, FormErrors::none()).await?;
    page.done = flash.done;
    Ok(page)
}

/// Sends the write; back to the page with a notice, or the page again with the refusal.
async fn write(
    app: &WebState,
    user: &OfficialUser,
    chrome: Chrome,
    year: i32,
    (method, tail, body, done): (Method, &[&str], Value, &str),
) -> Result<Response, PageError> {
    let answer: Result<Value, ApiError> = app
        .api
        .send(method, &url(app, year, tail), Some(&user.token), &body)
        .await;
    match answer {
        Ok(_) => Ok(see_other_with(&format!("/official/best?year={year}"), done)),
        Err(e) if e.status().is_some_and(|s| s.is_client_error()) => {
            let status = FormErrors::status(&e);
            let mut errors = FormErrors::general(e.message());
            let messages = FormErrors::messages(&e);
            if !messages.is_empty() {
                errors = FormErrors::general(messages.join("；"));
            }
            Ok((status, build(app, user, chrome, year, errors).await?).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

pub async fn select(
    State(app): State<WebState>,
    user: OfficialUser,
    chrome: Chrome,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let f = Fields(fields);
    let (year, _) = year_of(&f.get("year"));
    let body = json!({"compounds": f.all("compounds")});
    write(
        &app,
        &user,
        chrome,
        year,
        (Method::PUT, &[], body, "名单已保存（尚未公布）"),
    )
    .await
}

pub async fn publish(
    State(app): State<WebState>,
    user: OfficialUser,
    chrome: Chrome,
    CsrfForm(fields): CsrfForm<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let (year, _) = year_of(&Fields(fields).get("year"));
    write(
        &app,
        &user,
        chrome,
        year,
        (Method::POST, &["publication"], json!({}), "名单已公布"),
    )
    .await
}
