//! 业主表决 for the street (乡镇/街道) official: the votes of the street's compounds
//! (`/official/votes`), one vote with its ballot list for checking and the owners'
//! objections (`/official/votes/{vid}`). The printable notices with the codes are in
//! `votes_notices.rs`. Only a street official: the codes are the street's to hand out
//! (never the committee's, which counts), and a district official does not hold them.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use serde::Deserialize;
use shared::domain::StreetCode;

use crate::api;
use crate::chrome::Chrome;
use crate::error::PageError;
use crate::pages::model::catalog::Compound;
use crate::pages::model::owners::{Ballot, BallotVote, Listed, Objection, UnitSurvey};
use crate::pages::model::{Page, Pager, empty_page};
use crate::pages::public::{ballot_votes, unit_surveys};
use crate::roles::{Area, OfficialUser};
use crate::state::WebState;

/// Compounds looked at per page of the list.
const COMPOUNDS_PAGE: i64 = 50;

/// The official's street, or the 403 page for a district or city official.
pub fn street_of(o: &OfficialUser) -> Result<StreetCode, PageError> {
    match o.area {
        Area::Street(s) => Ok(s),
        Area::District(_) | Area::City => Err(PageError::forbidden(
            "业主表决的通知和表决码由小区所在街道（乡镇）的工作人员管理。",
        )),
    }
}

/// Vote `vid` and its compound, when the compound lies in the official's street.
pub async fn own_vote(
    app: &WebState,
    o: &OfficialUser,
    vid: &str,
) -> Result<(BallotVote, Compound), PageError> {
    let street = street_of(o)?;
    let v: BallotVote = app
        .api
        .get(
            &format!(
                "{}{}",
                app.api.tender,
                api::path(&["tenders", "ballot-votes", vid])
            ),
            Some(&o.token),
        )
        .await?;
    let compound: Compound = app
        .api
        .catalog_get(&api::path(&["catalog", "compounds", &v.compound_id]), None)
        .await?;
    if compound.street != street.as_str() {
        return Err(PageError::forbidden("这是其他街道（乡镇）小区的表决。"));
    }
    Ok((v, compound))
}

/// A vote of the street with its compound and how many objections it has.
pub struct Row {
    pub v: BallotVote,
    pub compound: Compound,
    pub objections: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "official_votes.html")]
pub struct VotesPage {
    chrome: Chrome,
    area_name: String,
    rows: Vec<Row>,
    /// The surveys per unit of the street's compounds, with their compound.
    surveys: Vec<(UnitSurvey, Compound)>,
    compounds_total: i64,
    prev: Option<String>,
    next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    offset: Option<i64>,
}

pub async fn list(
    State(app): State<WebState>,
    o: OfficialUser,
    chrome: Chrome,
    Query(q): Query<ListQuery>,
) -> Result<VotesPage, PageError> {
    let street = street_of(&o)?;
    let offset = q.offset.unwrap_or(0).max(0);
    let query = api::query(&[
        ("street", street.as_str()),
        ("limit", &COMPOUNDS_PAGE.to_string()),
        ("offset", &offset.to_string()),
    ]);
    let page: Page<Compound> = match app
        .api
        .catalog_get(&format!("/catalog/compounds?{query}"), Some(&o.token))
        .await
    {
        Ok(p) => p,
        Err(e) if e.status().is_some_and(|s| s.as_u16() == 422) => empty_page(COMPOUNDS_PAGE),
        Err(e) => return Err(e.into()),
    };
    let (prev, next) = page.pager("/official/votes", &[]);
    let lists = futures::future::join_all(
        page.items
            .iter()
            .map(|c| ballot_votes(&app, &c.id, Some(&o.token))),
    )
    .await;
    let survey_lists = futures::future::join_all(
        page.items
            .iter()
            .map(|c| unit_surveys(&app, &c.id, Some(&o.token))),
    )
    .await;
    let surveys = page
        .items
        .iter()
        .zip(survey_lists)
        .flat_map(|(c, list)| {
            list.unwrap_or_default()
                .into_iter()
                .map(move |s| (s, c.clone()))
        })
        .collect();
    let mut rows = Vec::new();
    for (c, votes) in page.items.iter().zip(lists) {
        // A compound tender has not heard of yet has no votes yet.
        for v in votes.unwrap_or_default() {
            rows.push(Row {
                v,
                compound: c.clone(),
                objections: 0,
            });
        }
    }
    let counts =
        futures::future::join_all(rows.iter().map(|r| objections(&app, &o, &r.v.id))).await;
    for (row, list) in rows.iter_mut().zip(counts) {
        row.objections = list.len();
    }
    Ok(VotesPage {
        chrome,
        area_name: o.area.name(),
        rows,
        surveys,
        compounds_total: page.total,
        prev,
        next,
    })
}

/// A vote's objections as the official reads them (none when the API refuses).
async fn objections(app: &WebState, o: &OfficialUser, vid: &str) -> Vec<Objection> {
    let url = format!(
        "{}{}",
        app.api.tender,
        api::path(&["tenders", "ballot-votes", vid, "objections"])
    );
    app.api
        .get::<Listed<Objection>>(&url, Some(&o.token))
        .await
        .map(Listed::into_vec)
        .unwrap_or_default()
}

#[derive(Template, WebTemplate)]
#[template(path = "official_vote.html")]
pub struct VotePage {
    chrome: Chrome,
    v: BallotVote,
    compound: Compound,
    ballots: Vec<Ballot>,
    objections: Vec<Objection>,
}

impl VotePage {
    pub fn choice_of(&self, b: &Ballot) -> String {
        b.choice_text(&self.v)
    }
}

pub async fn page(
    State(app): State<WebState>,
    o: OfficialUser,
    chrome: Chrome,
    Path(vid): Path<String>,
) -> Result<VotePage, PageError> {
    let (v, compound) = own_vote(&app, &o, &vid).await?;
    let url = format!(
        "{}{}",
        app.api.tender,
        api::path(&["tenders", "ballot-votes", &vid, "ballots"])
    );
    let (ballots, objections) = futures::join!(
        app.api.get::<Listed<Ballot>>(&url, Some(&o.token)),
        objections(&app, &o, &vid),
    );
    Ok(VotePage {
        chrome,
        v,
        compound,
        ballots: ballots?.into_vec(),
        objections,
    })
}
