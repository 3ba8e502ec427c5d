//! 协会工作台: the association's review queue (applications, material profile changes awaiting review, firms under watch), a firm's full record with its audit trail, and the roster actions (recommend, suspend, restore, blacklist, credit event, whitelist, reject an application, confirm a profile change), each with a reason.

mod actions;
mod queue;
mod record;

use axum::Router;
use axum::routing::{get, post};

use crate::state::WebState;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/association", get(queue::queue))
        .route("/association/firms/{id}", get(record::record))
        .route(
            "/association/firms/{id}/standing",
            post(actions::change_standing),
        )
        .route("/association/firms/{id}/credit", post(actions::add_credit))
        .route(
            "/association/firms/{id}/whitelist",
            post(actions::set_whitelist),
        )
        .route("/association/firms/{id}/reject", post(actions::reject))
        .route(
            "/association/firms/{id}/review",
            post(actions::confirm_review),
        )
}
