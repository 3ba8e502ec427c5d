//! The tender service's HTTP API: one module per resource, each with a `router()` that
//! lists its handlers once (`utoipa_axum::routes!`), giving both the route and its OpenAPI
//! operation; assembled here into the service's routes and its document.

pub mod audit;
pub mod award;
pub mod ballots;
pub mod best;
pub mod bids;
pub mod budgets;
pub mod disclosures;
pub mod documents;
pub mod fees;
pub mod fund;
pub mod inspections;
pub mod invitations;
pub mod ocds;
pub mod owner_codes;
pub mod questions;
pub mod register;
pub mod satisfaction;
pub mod tenders;
pub mod unit_surveys;
pub mod votes;

/// Where this service's API lives.
pub const PREFIX: &str = "/tenders";

use axum::Router;
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "wuye tender",
        description = "招标、密封投标、评标、合同、信息公开与满意度（tender service）"
    ),
    components(schemas(
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
        .merge(votes::router())
        .merge(tenders::router())
        .merge(questions::router())
        .merge(bids::router())
        .merge(award::router())
        .merge(disclosures::router())
        .merge(satisfaction::router())
        .merge(ocds::router())
        .merge(invitations::router())
        .merge(audit::router())
        .merge(register::router())
        .merge(ballots::router())
        .merge(owner_codes::router())
        .merge(unit_surveys::router())
        .merge(documents::router())
        .merge(inspections::router())
        .merge(best::router())
        .merge(budgets::router())
        .merge(fees::router())
        .merge(fund::router());
    shared::openapi::ProblemResponses { public: PUBLIC }.modify(api.get_openapi_mut());
    api
}

/// The whole document, as `/tenders/openapi.json` serves it.
pub fn openapi_doc() -> utoipa::openapi::OpenApi {
    api().into_openapi()
}

/// The operations that never read the caller's token (so never answer 401).
const PUBLIC: &[&str] = &[
    "GET /tenders/ballot-votes/{vid}",
    "GET /tenders/compounds/{cid}/ballot-votes",
    "GET /tenders/compounds/{cid}/unit-surveys",
    "GET /tenders/unit-surveys/{sid}",
    "POST /tenders/owner-code",
    "POST /tenders/owner-code/ballot",
    "POST /tenders/owner-code/objection",
    "POST /tenders/owner-code/participation",
    "POST /tenders/owner-code/survey",
    "GET /tenders/ballot-votes/{vid}/documents",
    "GET /tenders/compounds/{cid}/documents",
    "GET /tenders/contracts/{cid}/documents",
    "POST /tenders/owner-code/inspection",
    "POST /tenders/owner-code/inspections",
    "POST /tenders/owner-code/documents/{id}/content",
    "GET /tenders/compounds/{cid}/register/summary",
    "GET /tenders/compounds/{cid}/budgets",
    "GET /tenders/compounds/{cid}/budgets/{year}",
    "GET /tenders/compounds/{cid}/fees/collection",
    "GET /tenders/fee-collection",
    "GET /tenders/compounds/{cid}/fund",
    "GET /tenders/compounds/{cid}/fund/statements/{month}",
    "GET /tenders/contracts",
    "GET /tenders/contracts/{cid}",
    "GET /tenders/contracts/{cid}/disclosures",
    "GET /tenders/disclosures",
    "GET /tenders/disclosures/{did}",
    "GET /tenders/ocds/releases",
    "GET /tenders/ocds/releases/{ocid}",
    "GET /tenders/satisfaction",
    "GET /tenders/votes",
    "GET /tenders/votes/{id}",
];

/// The API's routes and `/tenders/openapi.json`, which serves their document.
pub fn router() -> Router<AppState> {
    let (router, doc) = api().split_for_parts();
    router.route(
        &format!("{}/openapi.json", PREFIX),
        shared::openapi::serve(doc),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::openapi::{enum_problems, round_trip};

    /// A remuneration's `kind` through the whole tagged value it names.
    fn remuneration_kind(kind: &serde_json::Value) -> Result<serde_json::Value, String> {
        let value = serde_json::json!({"kind": kind, "annual_fen": 1, "basis_points": 1});
        let parsed: crate::money::fund::terms::Remuneration =
            serde_json::from_value(value).map_err(|e| e.to_string())?;
        let back = serde_json::to_value(parsed).map_err(|e| e.to_string())?;
        Ok(back["kind"].clone())
    }

    /// Every enum the document lists is exactly what serde reads and writes.
    #[test]
    fn every_documented_enum_value_round_trips_through_serde() {
        let problems = enum_problems(
            &openapi_doc(),
            &[
                ("VoteMatter", round_trip::<crate::votes::VoteMatter>),
                ("BidStatus", round_trip::<crate::bids::BidStatus>),
                ("AwardStatus", round_trip::<crate::award::AwardStatus>),
                ("ContractStatus", round_trip::<crate::award::ContractStatus>),
                (
                    "DisclosureKind",
                    round_trip::<crate::disclosure::DisclosureKind>,
                ),
                ("Publisher", round_trip::<crate::disclosure::Publisher>),
                (
                    "EvaluationMethod",
                    round_trip::<crate::terms::EvaluationMethod>,
                ),
                ("TenderStatus", round_trip::<crate::terms::TenderStatus>),
                (
                    "ChangeKind",
                    round_trip::<crate::owners::register::ChangeKind>,
                ),
                ("ImportMode", round_trip::<shared::sheet::ImportMode>),
                (
                    "BallotChoice",
                    round_trip::<crate::owners::ballots::BallotChoice>,
                ),
                ("Channel", round_trip::<crate::owners::ballots::Channel>),
                ("VoteState", round_trip::<crate::owners::ballots::VoteState>),
                ("Rating", round_trip::<crate::owners::surveys::Rating>),
                ("SheetFormat", round_trip::<shared::sheet::SheetFormat>),
                ("DocumentKind", round_trip::<crate::documents::DocumentKind>),
                ("OwnerKind", round_trip::<crate::documents::OwnerKind>),
                ("MediaType", round_trip::<crate::files::MediaType>),
                ("What", round_trip::<crate::inspections::What>),
                ("AskedBy", round_trip::<crate::inspections::AskedBy>),
                ("State", round_trip::<crate::inspections::State>),
                ("Level", round_trip::<crate::award::complaint_store::Level>),
                ("Stage", round_trip::<crate::award::complaint_store::Stage>),
                (
                    "BudgetState",
                    round_trip::<crate::money::budget::BudgetState>,
                ),
                (
                    "FundCategory",
                    round_trip::<crate::money::fund::category::Category>,
                ),
                (
                    "FundDirection",
                    round_trip::<crate::money::fund::category::Direction>,
                ),
                (
                    "FundRecorder",
                    round_trip::<crate::money::fund::ledger::Recorder>,
                ),
                ("Remuneration/oneOf/0/properties/kind", remuneration_kind),
                ("Remuneration/oneOf/1/properties/kind", remuneration_kind),
            ],
        );
        assert!(problems.is_empty(), "{problems:#?}");
    }

    /// Routes and operations come from one list (`routes!`), so no test keeps a list of
    /// paths: every operation lies under the service's prefix and the document serialises.
    #[test]
    fn every_operation_lies_under_the_prefix() {
        let problems = shared::openapi::outside_prefix(&openapi_doc(), PREFIX);
        assert!(problems.is_empty(), "{problems:#?}");
    }
}
