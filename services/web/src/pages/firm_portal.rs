//! 企业工作台: the firm's application form and profile, nearby open tenders with reasons, sealed bids (place, replace, withdraw) with a countdown, results, contracts and published accounts.

use axum::Router;

use super::WebState;

pub fn routes() -> Router<WebState> {
    Router::new()
}
