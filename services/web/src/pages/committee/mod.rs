//! 小区自治组织工作台: the committee's compound profile, owners' votes, tenders (create, edit, publish), matched firms and invitations, Q&A, opening, scoring, award, contract, budgets and accounts (publish and correct), satisfaction surveys.
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
        .route("/committee/votes/new", get(votes::form))
        .route("/committee/votes", post(votes::submit))
        .route("/committee/votes/{id}", get(votes::result))
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
