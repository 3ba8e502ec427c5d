//! 协会工作台: the association's review queue, a firm's full record and the roster actions (recommend, suspend, restore, blacklist, credit event, whitelist), each with a reason.

use axum::Router;

use super::WebState;

pub fn routes() -> Router<WebState> {
    Router::new()
}
