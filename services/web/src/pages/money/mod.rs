//! Money (issue 17): the service fund's pages (`fund.rs`).

mod fund;

use axum::Router;
use axum::routing::{get, post};

use crate::state::WebState;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/compounds/{id}/fund", get(fund::public_page))
        .route(
            "/compounds/{id}/fund/ledger",
            get(fund::ledger_page).post(fund::record),
        )
        .route("/compounds/{id}/fund/ledger/bank", post(fund::import_bank))
        .route(
            "/compounds/{id}/fund/ledger/{tid}/reversal",
            post(fund::reverse),
        )
}
