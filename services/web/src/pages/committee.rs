//! 小区自治组织工作台: the committee's compound profile, owners' votes, tenders (create, edit, publish), matched firms and invitations, Q&A, opening, scoring, award, contract, budgets and accounts, satisfaction surveys.

use axum::Router;

use super::WebState;

pub fn routes() -> Router<WebState> {
    Router::new()
}
