//! The catalog's HTTP API: one module per resource, all routes assembled here together
//! with the OpenAPI document that describes them. Each resource module has its own
//! `Api` (utoipa) merged into the service's document.

mod accounts;
mod compounds;
mod demo;
mod firms;
mod places;
mod session;

/// Where this service's API lives.
pub const PREFIX: &str = "/catalog";

use axum::Router;
use axum::routing::get;
use utoipa::{Modify, OpenApi};

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "wuye catalog",
        description = "供应商名录、小区台账、地点与账号（catalog service）"
    ),
    paths(places::list_districts, places::get_district, places::list_streets),
    components(schemas(
        crate::places::District,
        crate::places::Street,
        shared::error::Problem,
        shared::error::FieldError,
        shared::feed::FeedPage,
        shared::feed::Change
    ))
)]
pub struct ApiDoc;

/// The whole document: places here, plus each resource module's own.
pub fn openapi_doc() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(session::Api::openapi());
    doc.merge(accounts::Api::openapi());
    doc.merge(firms::Api::openapi());
    doc.merge(compounds::Api::openapi());
    // No catalog operation is public in the 401 sense: `session_guard` refuses a revoked
    // token on every route (sign-in documents its own 401).
    shared::openapi::ProblemResponses { public: &[] }.modify(&mut doc);
    doc.merge(demo::Api::openapi());
    doc
}

/// The API routes, relative to the service prefix.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .route("/districts", get(places::list_districts))
        .route("/districts/{code}", get(places::get_district))
        .route("/streets", get(places::list_streets))
        .route("/demo", get(demo::demo_status))
        .merge(session::router())
        .merge(accounts::router())
        .merge(firms::router())
        .merge(compounds::router())
}

async fn openapi() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(openapi_doc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::openapi::{enum_problems, round_trip};

    /// A `Scope`'s `kind` tag, read and written inside a scope.
    fn scope_kind(kind: &serde_json::Value) -> Result<serde_json::Value, String> {
        let scope = if kind == "city" {
            serde_json::json!({ "kind": kind })
        } else {
            serde_json::json!({ "kind": kind, "id": "510104" })
        };
        let back = round_trip::<shared::auth::Scope>(&scope)?;
        Ok(back["kind"].clone())
    }

    /// Every enum the document lists is exactly what serde reads and writes (issue 10: the
    /// ledger enums documented their variant names, not the wire values).
    #[test]
    fn every_documented_enum_value_round_trips_through_serde() {
        use crate::compounds::{GovernanceBody, Management};
        use shared::domain::roster::{
            CreditGrade, FeeModel, Ownership, RosterStage, RosterStanding,
        };
        let problems = enum_problems(
            &openapi_doc(),
            &[
                ("GovernanceBody", round_trip::<GovernanceBody>),
                ("Management", round_trip::<Management>),
                ("Ownership", round_trip::<Ownership>),
                ("FeeModel", round_trip::<FeeModel>),
                ("RosterStage", round_trip::<RosterStage>),
                ("RosterStanding", round_trip::<RosterStanding>),
                ("CreditGrade", round_trip::<CreditGrade>),
                ("Role", round_trip::<shared::auth::Role>),
                ("CreditKind", round_trip::<crate::firms::credit::CreditKind>),
                (
                    "ImportMode",
                    round_trip::<crate::compounds::ledger::ImportMode>,
                ),
                (
                    "SheetFormat",
                    round_trip::<crate::compounds::ledger::LedgerFormat>,
                ),
                ("Scope/oneOf/0/properties/kind", scope_kind),
                ("Scope/oneOf/1/properties/kind", scope_kind),
                ("Scope/oneOf/2/properties/kind", scope_kind),
                ("Scope/oneOf/3/properties/kind", scope_kind),
                ("Scope/oneOf/4/properties/kind", scope_kind),
            ],
        );
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
