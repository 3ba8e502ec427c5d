//! 小区自治组织工作台: the committee's compound profile, owners' votes from ballots (open,
//! paper ballots, close; typed votes of before the register only as 未经名册核验), tenders (create, edit, publish), matched firms and invitations, Q&A, opening, scoring, award, contract, budgets and accounts (publish and correct), satisfaction surveys.
//!
//! Every page is for a committee account (role `committee`, scope one compound: the
//! [`crate::roles::CommitteeUser`] extractor) and acts on that compound only: the tender,
//! vote and contract pages of another compound answer 403 even where the API would show the
//! public facts (those are on the public pages).

pub mod documents;
mod home;
mod survey;
mod tender;
mod votes;
mod votes_one;
mod votes_open;
mod votes_surveys;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use super::disclosure;
use crate::roles::CommitteeUser;
use crate::state::WebState;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/committee", get(home::home))
        .route(
            "/committee/documents",
            get(documents::list)
                .post(documents::upload)
                .layer(DefaultBodyLimit::max(documents::MAX_FILE_BYTES)),
        )
        .route("/committee/documents/{id}/remove", post(documents::remove))
        .route(
            "/committee/votes",
            get(votes_open::list).post(votes_open::open),
        )
        .route("/committee/votes/new", get(votes_open::new_form))
        .route("/committee/votes/{id}", get(votes_one::page))
        .route(
            "/committee/votes/{id}/paper-ballots",
            post(votes_one::paper),
        )
        .route("/committee/votes/{id}/close", post(votes_one::close))
        .route(
            "/committee/surveys",
            get(votes_surveys::list).post(votes_surveys::open),
        )
        .route("/committee/surveys/{sid}", get(votes_surveys::page))
        .route(
            "/committee/surveys/{sid}/paper-answers",
            post(votes_surveys::paper),
        )
        .route("/committee/surveys/{sid}/close", post(votes_surveys::close))
        .route("/committee/typed-votes/new", get(votes::form))
        .route("/committee/typed-votes", post(votes::submit))
        .route("/committee/typed-votes/{id}", get(votes::result))
        .route(
            "/committee/satisfaction",
            get(survey::form).post(survey::submit),
        )
        .route(
            "/committee/contracts/{cid}/disclosures",
            get(disclosure::new_form::<CommitteeUser>).post(disclosure::publish::<CommitteeUser>),
        )
        .route(
            "/committee/disclosures/{did}/correction",
            get(disclosure::correction_form::<CommitteeUser>)
                .post(disclosure::correct::<CommitteeUser>),
        )
        .merge(tender::routes())
}
