//! 企业工作台: the firm's application form and profile, nearby open tenders with reasons, sealed bids (place, replace, withdraw) with a countdown, results, contracts and their budgets and accounts (publish and correct), residents' survey comments and the firm's public replies; questions about a tender, complaints about its award and their escalation.
//!
//! Every page but the application is for a firm account ([`crate::roles::FirmUser`]).

mod apply;
mod bid;
mod comments;
mod home;
mod voice;

use axum::Router;
use axum::routing::{get, post};

use super::disclosure;
use crate::roles::FirmUser;
use crate::state::WebState;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/apply", get(apply::form).post(apply::submit))
        .route("/firm", get(home::home))
        .route(
            "/firm/profile",
            get(apply::profile_form).post(apply::profile_submit),
        )
        .route(
            "/firm/contracts/{cid}/disclosures",
            get(disclosure::new_form::<FirmUser>).post(disclosure::publish::<FirmUser>),
        )
        .route(
            "/firm/disclosures/{did}/correction",
            get(disclosure::correction_form::<FirmUser>).post(disclosure::correct::<FirmUser>),
        )
        .route("/firm/comments", get(comments::page))
        .route("/firm/comments/{sid}/{comment_id}", post(comments::reply))
        .route("/firm/tenders/{id}", get(bid::page))
        .route("/firm/tenders/{id}/bid", post(bid::place))
        .route("/firm/tenders/{id}/bid/{action}", post(bid::change))
        .route("/firm/tenders/{id}/questions", post(voice::ask))
        .route("/firm/tenders/{id}/complaints", post(voice::complain))
        .route(
            "/firm/tenders/{id}/complaints/{cid}/escalate",
            post(voice::escalate),
        )
}
