//! The committee's tender pages: the draft form (create and edit), one tender's workbench,
//! and the workbench's actions.

mod actions;
mod form;
mod workbench;

use axum::Router;
use axum::routing::{get, post};

use crate::state::WebState;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/committee/tenders/new", get(form::new_form))
        .route("/committee/tenders", post(form::create))
        .route("/committee/tenders/{id}", get(workbench::detail))
        .route(
            "/committee/tenders/{id}/edit",
            get(form::edit_form).post(form::edit),
        )
        .route("/committee/tenders/{id}/publish", post(actions::publish))
        .route("/committee/tenders/{id}/cancel", post(actions::cancel))
        .route(
            "/committee/tenders/{id}/questions/{qid}/answer",
            post(actions::answer),
        )
        .route("/committee/tenders/{id}/invitations", post(actions::invite))
        .route("/committee/tenders/{id}/scores", post(actions::scores))
        .route("/committee/tenders/{id}/award", post(actions::award))
        .route("/committee/tenders/{id}/contract", post(actions::contract))
        .route(
            "/committee/tenders/{id}/complaints/{cid}/answer",
            post(actions::answer_complaint),
        )
        .route(
            "/committee/tenders/{id}/terminate",
            post(actions::terminate),
        )
}
