//! Money pages (issue 17).
//!
//! Part A, the budget sets the fee: the keepers' desk (the committee's at `/committee/money`,
//! the serving firm's at `/firm/compounds/{cid}/money`) to draft the annual budget and see its
//! state and fee arithmetic, put it to the owners' vote (committee), generate bills, record
//! and import payments, read the arrears; the public fee standard and collection rate on the
//! compound page; the collection rate of a street or district by compound at `/fees`.
//!
//! Part B, the service fund (酬金制, 信托制): the public fund page with its chart and monthly
//! statements, and the parties' ledger page (record, reverse, bank statement import).
//!
//! | file | what |
//! | --- | --- |
//! | `desk.rs` | [`desk::Desk`]: whose desk a page is and which compound it is about |
//! | `budget.rs` | the desk page, the budget's draft form and the vote it is put to |
//! | `model.rs` | the fee answers of the API as the pages read them (rates, arrears, the import report) |
//! | `fees.rs` | bills, payments, the import, the public fee section and the area's rates |
//! | `fund.rs` | the fund's public page and its ledger page |

mod budget;
mod desk;
pub mod fees;
mod fund;
mod model;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::state::WebState;

/// The desk's posts under `base` (its page is routed by [`routes`]).
fn desk_posts(base: &str) -> Router<WebState> {
    Router::new()
        .route(&format!("{base}/budget"), post(budget::draft))
        .route(&format!("{base}/vote"), post(budget::put_to_vote))
        .route(&format!("{base}/bills"), post(fees::bills))
        .route(&format!("{base}/payments"), post(fees::payment))
        .route(
            &format!("{base}/import"),
            post(fees::import).layer(DefaultBodyLimit::max(fees::MAX_FILE_BYTES)),
        )
}

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/committee/money", get(budget::page))
        .route("/firm/compounds/{cid}/money", get(budget::page))
        .merge(desk_posts("/committee/money"))
        .merge(desk_posts("/firm/compounds/{cid}/money"))
        .route("/fees", get(fees::area_page))
        .route("/compounds/{id}/fund", get(fund::public_page))
        .route(
            "/compounds/{id}/fund/ledger",
            get(fund::ledger_page).post(fund::record),
        )
        .route(
            "/compounds/{id}/fund/ledger/bank",
            post(fund::import_bank).layer(DefaultBodyLimit::max(fund::MAX_BANK_FILE_BYTES)),
        )
        .route(
            "/compounds/{id}/fund/ledger/{tid}/reversal",
            post(fund::reverse),
        )
}
