//! The catalog's HTTP API: one module per resource, each with a `router()` that lists its
//! handlers once (`utoipa_axum::routes!`), giving both the route and its OpenAPI operation;
//! assembled here into the service's routes and its document.

mod accounts;
mod compounds;
mod demo;
mod demonstrations;
mod firms;
mod places;
mod plans;
mod priority;
mod session;
mod subsidies;

pub use accounts::password_change_gate;

/// Where this service's API lives.
pub const PREFIX: &str = "/catalog";

use axum::Router;
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "wuye catalog",
        description = "供应商名录、小区台账、地点与账号（catalog service）"
    ),
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

/// Every route of the API with its OpenAPI operation, from one list per resource module
/// (`routes!`): a route cannot exist without its operation, nor an operation without its
/// route. Paths are the operations' own, absolute (under [`PREFIX`]).
pub fn api() -> OpenApiRouter<AppState> {
    let mut api = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(places::router())
        .merge(session::router())
        .merge(accounts::router())
        .merge(firms::router())
        .merge(compounds::router())
        .merge(plans::router())
        .merge(demonstrations::router())
        .merge(subsidies::router())
        .merge(priority::router());
    // No catalog operation is public in the 401 sense: `session_guard` refuses a revoked
    // token on every route (sign-in documents its own 401).
    shared::openapi::ProblemResponses { public: &[] }.modify(api.get_openapi_mut());
    api.merge(demo::router())
}

/// The whole document, as `/catalog/openapi.json` serves it.
pub fn openapi_doc() -> utoipa::openapi::OpenApi {
    api().into_openapi()
}

/// The API's routes and `/catalog/openapi.json`, which serves their document.
pub fn router() -> Router<AppState> {
    let (router, doc) = api().split_for_parts();
    router.route(
        &format!("{PREFIX}/openapi.json"),
        shared::openapi::serve(doc),
    )
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

    /// Routes and operations come from one list (`routes!`), so no test keeps a list of
    /// paths: every operation lies under the service's prefix and the document serialises.
    #[test]
    fn every_operation_lies_under_the_prefix() {
        let problems = shared::openapi::outside_prefix(&openapi_doc(), PREFIX);
        assert!(problems.is_empty(), "{problems:#?}");
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
                ("Stage", round_trip::<shared::domain::plan::Stage>),
                ("CreditKind", round_trip::<crate::firms::credit::CreditKind>),
                (
                    "DemonstrationStatus",
                    round_trip::<crate::incentives::demonstration::DemonstrationStatus>,
                ),
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
