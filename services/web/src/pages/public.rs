//! 公开页面: each compound's and each tender's public page (model, firm, fee, budget and accounts, satisfaction, tender history; terms, Q&A, opening record, award, notice period, contract).

use axum::Router;

use super::WebState;

pub fn routes() -> Router<WebState> {
    Router::new()
}
