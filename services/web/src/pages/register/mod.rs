//! 业主名册 pages: a compound's owner register, kept by its committee
//! (`/committee/register…`) and by its street official (`/official/register/{cid}…`), read
//! by its district official with names and phones masked (the API decides who sees and
//! does what; [`desk::Desk`] says which compound a page is about). The register with its
//! derived totals (`list.rs`), one unit at a time with its history (`unit.rs`), the import
//! with a dry-run preview (`import.rs`), the export (`export.rs`); the officials' list of
//! their area's compounds (`/official/register`).

mod desk;
mod export;
mod import;
mod list;
mod unit;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::state::WebState;

/// The pages of one register under `base` (`/committee/register` or
/// `/official/register/{cid}`).
fn register_routes(base: &str) -> Router<WebState> {
    Router::new()
        .route(base, get(list::page))
        .route(&format!("{base}/units/new"), get(unit::new_form))
        .route(&format!("{base}/units"), post(unit::create))
        .route(
            &format!("{base}/units/{{uid}}"),
            get(unit::edit_form).post(unit::update),
        )
        .route(&format!("{base}/units/{{uid}}/remove"), post(unit::remove))
        .route(&format!("{base}/history"), get(unit::history))
        .route(
            &format!("{base}/import"),
            get(import::form)
                .post(import::upload)
                .layer(DefaultBodyLimit::max(import::MAX_FILE_BYTES)),
        )
        .route(
            &format!("{base}/import/{{job}}"),
            get(import::preview).post(import::confirm),
        )
        .route(&format!("{base}/export"), get(export::export))
}

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/official/register", get(list::compounds))
        .merge(register_routes("/committee/register"))
        .merge(register_routes("/official/register/{cid}"))
}
