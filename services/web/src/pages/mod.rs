//! The pages, one module per area, and the router that puts them at the site root.
//!
//! Every handler takes what it needs as extractors: [`crate::chrome::Chrome`] for the
//! layout, a role guard from [`crate::roles`] for who may use it (its rejection is the page
//! to answer instead), [`crate::csrf::CsrfForm`] for a form; it answers
//! `Result<…, PageError>` and uses `?` on the API's answers.

mod accounts;
mod association;
mod bulletin;
mod choice;
mod committee;
mod disclosure;
mod documents;
mod firm_portal;
mod home;
mod inbox;
pub mod incentives;
mod lists;
mod model;
mod money;
mod official;
mod owner;
mod public;
mod register;
mod roster;
mod signin;

use axum::Router;
use axum::routing::{get, post};

use crate::state::WebState;

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/", get(home::home))
        .route("/signin", get(signin::form).post(signin::submit))
        .route("/signout", post(signin::sign_out))
        .route("/roster", get(roster::list))
        .route("/roster/{id}", get(roster::detail))
        .route("/blacklist", get(roster::blacklist))
        .merge(accounts::routes())
        .route("/bulletin", get(bulletin::page))
        .merge(association::routes())
        .merge(official::routes())
        .merge(committee::routes())
        .merge(documents::routes())
        .merge(firm_portal::routes())
        .merge(public::routes())
        .merge(money::routes())
        .merge(incentives::routes())
        .merge(register::routes())
        .merge(owner::routes())
        .route("/inbox", get(inbox::page))
        .route("/inbox/read-all", post(inbox::read_all))
        .route("/inbox/atom-token", post(inbox::feed_token))
        .route("/inbox/atom-token/revoke", post(inbox::revoke_feed_token))
        .route("/inbox/webhooks", post(inbox::create_webhook))
        .route("/inbox/webhooks/{id}", get(inbox::webhook_log))
        .route("/inbox/webhooks/{id}/revoke", post(inbox::revoke_webhook))
        .route("/inbox/{id}/open", post(inbox::open))
}
