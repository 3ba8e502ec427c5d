//! 街道/区县工作台: the officials' compound ledger (filters, edit), CSV/XLSX import with a preview of errors by row, the coverage dashboard with SVG charts, the satisfaction ranking and bundle suggestions.

use axum::Router;

use super::WebState;

pub fn routes() -> Router<WebState> {
    Router::new()
}
