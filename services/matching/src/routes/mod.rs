//! The matching service's HTTP API: one module per resource, assembled here with the
//! OpenAPI document that describes them.

pub mod matching;
pub mod statistics;

/// Where this service's API lives.
pub const PREFIX: &str = "/match";

use axum::Router;
use axum::routing::get;
use utoipa::{Modify, OpenApi};

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "wuye matching",
        description = "撮合、检索、覆盖率统计、满意度排名与关注清单（matching service）"
    ),
    components(schemas(shared::error::Problem, shared::error::FieldError))
)]
pub struct ApiDoc;

/// The whole document: each resource module's paths merged in.
pub fn openapi_doc() -> utoipa::openapi::OpenApi {
    let mut doc = ApiDoc::openapi();
    doc.merge(statistics::Api::openapi());
    doc.merge(matching::Api::openapi());
    shared::openapi::ProblemResponses { public: PUBLIC }.modify(&mut doc);
    doc
}

/// The operations that never read the caller's token (so never answer 401).
const PUBLIC: &[&str] = &[
    "GET /match/coverage",
    "GET /match/coverage/history",
    "GET /match/satisfaction/ranking",
];

/// The API routes, relative to the service prefix.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", get(openapi))
        .merge(statistics::router())
        .merge(matching::router())
}

async fn openapi() -> axum::Json<utoipa::openapi::OpenApi> {
    axum::Json(openapi_doc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::openapi::enum_problems;

    /// Every enum the document lists is exactly what serde reads and writes. The document
    /// has none today (its answers are numbers and names); a new one must be named here.
    #[test]
    fn every_documented_enum_value_round_trips_through_serde() {
        let problems = enum_problems(&openapi_doc(), &[]);
        assert!(problems.is_empty(), "{problems:#?}");
    }

    #[test]
    fn the_document_lists_every_endpoint() {
        let doc = openapi_doc();
        let paths: Vec<&str> = doc.paths.paths.keys().map(String::as_str).collect();
        for p in [
            "/match/coverage",
            "/match/coverage/history",
            "/match/satisfaction/ranking",
            "/match/attention",
            "/match/tenders/{id}/firms",
            "/match/firms/{id}/tenders",
            "/match/search",
            "/match/bundles",
        ] {
            assert!(paths.contains(&p), "{p} missing from {paths:?}");
        }
        assert!(serde_json::to_string(&doc).is_ok());
    }
}
