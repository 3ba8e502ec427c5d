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
use crate::pages::model::owners::{AreaSurvey, AreaVote, Ballot, BallotVote, Listed, Objection};
use crate::pages::model::{Page, Pager};
use crate::roles::{Area, OfficialUser};
use crate::state::WebState;

/// Votes (and surveys) per page of the list.
const PAGE: i64 = 50;

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

#[derive(Template, WebTemplate)]
#[template(path = "official_votes.html")]
pub struct VotesPage {
    chrome: Chrome,
    area_name: String,
    votes: Page<AreaVote>,
    /// The surveys per unit of the street's compounds.
    surveys: Page<AreaSurvey>,
    prev: Option<String>,
    next: Option<String>,
    surveys_prev: Option<String>,
    surveys_next: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    offset: Option<i64>,
    #[serde(default)]
    surveys_offset: Option<i64>,
}

/// The street's votes and surveys, each from one call to tender's area lists
/// (`GET /tenders/ballot-votes`, `GET /tenders/unit-surveys`), paged on their own.
pub async fn list(
    State(app): State<WebState>,
    o: OfficialUser,
    chrome: Chrome,
    Query(q): Query<ListQuery>,
) -> Result<VotesPage, PageError> {
    street_of(&o)?;
    let (offset, surveys_offset) = (
        q.offset.unwrap_or(0).max(0),
        q.surveys_offset.unwrap_or(0).max(0),
    );
    let url = |what: &str, offset: i64| {
        let query = api::query(&[
            ("limit", &PAGE.to_string()),
            ("offset", &offset.to_string()),
        ]);
        format!("{}/tenders/{what}?{query}", app.api.tender)
    };
    let (votes_url, surveys_url) = (
        url("ballot-votes", offset),
        url("unit-surveys", surveys_offset),
    );
    let (votes, surveys) = futures::join!(
        app.api.get::<Page<AreaVote>>(&votes_url, Some(&o.token)),
        app.api
            .get::<Page<AreaSurvey>>(&surveys_url, Some(&o.token)),
    );
    let (votes, surveys) = (votes?, surveys?);
    let surveys_at = surveys_offset.to_string();
    let (prev, next) = votes.pager("/official/votes", &[("surveys_offset", &surveys_at)]);
    let link =
        |o: i64| format!("/official/votes?offset={offset}&surveys_offset={o}#surveys-heading");
    let surveys_prev = (surveys.offset > 0).then(|| link((surveys.offset - surveys.limit).max(0)));
    let surveys_next = (surveys.offset + surveys.limit < surveys.total)
        .then(|| link(surveys.offset + surveys.limit));
    Ok(VotesPage {
        chrome,
        area_name: o.area.name(),
        votes,
        surveys,
        prev,
        next,
        surveys_prev,
        surveys_next,
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
