//! The tender service's HTTP API: one module per resource, assembled here with the
//! OpenAPI document that describes them.

pub mod audit;
pub mod award;
pub mod bids;
pub mod disclosures;
pub mod invitations;
pub mod ocds;
pub mod questions;
pub mod satisfaction;
pub mod tenders;
pub mod votes;

use axum::Router;
use axum::routing::get;
use utoipa::{Modify, OpenApi};

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

/// The whole document: each resource module's paths merged in.
pub fn openapi_doc() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(votes::Api::openapi());
    doc.merge(tenders::Api::openapi());
    doc.merge(questions::Api::openapi());
    doc.merge(bids::Api::openapi());
    doc.merge(award::Api::openapi());
    doc.merge(disclosures::Api::openapi());
    doc.merge(satisfaction::Api::openapi());
    doc.merge(ocds::Api::openapi());
    doc.merge(invitations::Api::openapi());
    doc.merge(audit::Api::openapi());
    shared::openapi::ProblemResponses { public: PUBLIC }.modify(&mut doc);
    doc
}

/// The operations that never read the caller's token (so never answer 401).
const PUBLIC: &[&str] = &[
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

/// The API routes, relative to the service prefix.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
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
}

async fn openapi() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(openapi_doc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::openapi::{enum_problems, round_trip};

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
            ],
        );
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn the_document_lists_every_endpoint() {
        let doc = openapi_doc();
        let paths: Vec<&str> = doc.paths.paths.keys().map(String::as_str).collect();
        for p in [
            "/tenders",
            "/tenders/{id}",
            "/tenders/{id}/publish",
            "/tenders/{id}/cancel",
            "/tenders/{id}/opening",
            "/tenders/votes",
            "/tenders/votes/{id}",
            "/tenders/{id}/questions",
            "/tenders/{id}/questions/{qid}/answer",
            "/tenders/{id}/bids",
            "/tenders/{id}/bids/mine",
            "/tenders/{id}/bids/mine/confirm",
            "/tenders/{id}/scores",
            "/tenders/{id}/ranking",
            "/tenders/{id}/award",
            "/tenders/{id}/awards",
            "/tenders/{id}/complaints",
            "/tenders/{id}/complaints/{cid}/answer",
            "/tenders/{id}/contract",
            "/tenders/contracts",
            "/tenders/contracts/{cid}",
            "/tenders/contracts/{cid}/terminate",
            "/tenders/contracts/{cid}/disclosures",
            "/tenders/disclosures",
            "/tenders/disclosures/{did}",
            "/tenders/satisfaction",
            "/tenders/ocds/releases",
            "/tenders/ocds/releases/{ocid}",
            "/tenders/{id}/invitations",
            "/tenders/invitations/mine",
            "/tenders/{id}/audit",
            "/tenders/disclosures/{did}/corrections",
            "/tenders/disclosures/{did}/versions",
        ] {
            assert!(paths.contains(&p), "{p} missing from {paths:?}");
        }
        assert!(serde_json::to_string(&doc).is_ok());
    }
}
