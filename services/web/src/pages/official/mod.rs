//! 街道/区县工作台: the officials' compound ledger (filters, edit), CSV/XLSX import with a
//! preview of errors by row, the owners' votes of the street with their printable notices
//! and objections, the coverage dashboard with SVG charts, the satisfaction
//! ranking and bundle suggestions, the complaints escalated for review (质疑复核), and the compounds served by a blacklisted firm with the guided termination (引导解除).
//!
//! Every page is for street officials (scope: their street) and district officials (scope:
//! their district): the [`crate::roles::OfficialUser`] extractor, with their
//! [`crate::roles::Area`]. The APIs enforce the scope of every write and of the officials'
//! lists; the ledger reads are public in the catalog, so these pages also keep to the
//! official's own area when they list or open a compound (another street's compound is a
//! 403 page, as the API's edit would be).

mod best;
mod blacklisted;
mod bundles;
mod complaints;
mod compound;
mod coverage;
mod demonstrations;
mod import;
mod ledger;
mod plan;
mod plan_export;
mod reader;
mod reports;
mod subsidies;
mod votes;
mod votes_notices;
mod votes_surveys;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

use crate::state::WebState;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route(
            "/official",
            get(|| async { crate::forms::see_other("/official/ledger") }),
        )
        .route("/official/ledger", get(ledger::list))
        .route("/official/ledger/export", get(ledger::export))
        .route(
            "/official/ledger/new",
            get(compound::new_form).post(compound::create),
        )
        .route(
            "/official/ledger/{id}",
            get(compound::edit_form).post(compound::update),
        )
        .route(
            "/official/import",
            get(import::form)
                .post(import::upload)
                .layer(DefaultBodyLimit::max(import::MAX_FILE_BYTES)),
        )
        .route("/official/import/jobs/{id}", get(import::job))
        .route("/official/import/jobs/{id}/confirm", post(import::confirm))
        .route("/official/coverage", get(coverage::dashboard))
        .route("/official/bundles", get(bundles::page))
        .route("/official/plan", get(plan::page).post(plan::save))
        .route("/official/plan/stages", post(plan::record_stage))
        .route("/official/plan/export", get(plan_export::export))
        .route(
            "/official/demonstrations",
            get(demonstrations::page).post(demonstrations::propose),
        )
        .route(
            "/official/demonstrations/{id}/decision",
            post(demonstrations::decide),
        )
        .route(
            "/official/demonstrations/{id}/withdrawal",
            post(demonstrations::withdraw),
        )
        .route(
            "/official/subsidies",
            get(subsidies::page).post(subsidies::record),
        )
        .route("/official/best", get(best::page).post(best::select))
        .route("/official/best/publication", post(best::publish))
        .route("/official/reports", get(reports::page))
        .route("/official/reports/export", get(reports::export))
        .route("/official/votes", get(votes::list))
        .route("/official/complaints", get(complaints::list))
        .route("/official/blacklisted", get(blacklisted::list))
        .route(
            "/official/blacklisted/{cid}/notices",
            post(blacklisted::notify),
        )
        .route(
            "/official/complaints/{id}/{cid}/decide",
            post(complaints::decide),
        )
        .route("/official/votes/{vid}", get(votes::page))
        .route(
            "/official/votes/{vid}/notices",
            get(votes_notices::form).post(votes_notices::generate),
        )
        .route(
            "/official/surveys/{sid}/notices",
            get(votes_surveys::form).post(votes_surveys::generate),
        )
}
