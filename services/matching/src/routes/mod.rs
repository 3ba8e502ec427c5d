//! The matching service's HTTP API: one module per resource, each with a `router()` that
//! lists its handlers once (`utoipa_axum::routes!`), giving both the route and its OpenAPI
//! operation; assembled here into the service's routes and its document.

pub mod inbox;
pub mod matching;
pub mod plans;
pub mod reports;
pub mod statistics;

/// Where this service's API lives.
pub const PREFIX: &str = "/match";

use axum::Router;
use axum::body::Bytes;
use axum::routing::get;
use shared::auth::Identity;
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;

use crate::serving::Answer;
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

/// Every route of the API with its OpenAPI operation, from one list per resource module
/// (`routes!`): a route cannot exist without its operation, nor an operation without its
/// route. Paths are the operations' own, absolute (under [`PREFIX`]).
pub fn api() -> OpenApiRouter<AppState> {
    let mut api = OpenApiRouter::with_openapi(ApiDoc::openapi())
        .merge(statistics::router())
        .merge(matching::router())
        .merge(plans::router())
        .merge(reports::router())
        .merge(inbox::router());
    shared::openapi::ProblemResponses { public: PUBLIC }.modify(api.get_openapi_mut());
    api
}

/// The whole document, as `/match/openapi.json` serves it.
pub fn openapi_doc() -> utoipa::openapi::OpenApi {
    api().into_openapi()
}

/// The operations that never read the caller's token (so never answer 401).
const PUBLIC: &[&str] = &[
    "GET /match/coverage",
    "GET /match/coverage/history",
    "GET /match/satisfaction/ranking",
    "GET /match/reports/bulletin",
    "GET /match/inbox/atom/{token}",
];

/// Benchmarks only (`[matching] bench_fixed_body_bytes` > 0): `GET /match/bench/fixed` answers
/// any signed-in caller with the same JSON body of `bytes` bytes, the HTTP ladder's rung
/// between `/match/healthz` and a cached match answer (`bench/http.sh`). Not an API operation.
pub fn bench_fixed(router: Router<AppState>, bytes: usize) -> Router<AppState> {
    if bytes == 0 {
        return router;
    }
    let padding = "x".repeat(bytes.saturating_sub(20));
    let body = Bytes::from(format!("{{\"items\":[],\"pad\":\"{padding}\"}}"));
    router.route(
        &format!("{PREFIX}/bench/fixed"),
        get(move |_signed_in: Identity| {
            let body = body.clone();
            async move {
                Answer {
                    compound_id: None,
                    body,
                }
            }
        }),
    )
}

/// The API's routes and `/match/openapi.json`, which serves their document.
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

    /// Every enum the document lists is exactly what serde reads and writes; a new one must
    /// be named here.
    #[test]
    fn every_documented_enum_value_round_trips_through_serde() {
        let problems = enum_problems(
            &openapi_doc(),
            &[("Stage", round_trip::<shared::domain::plan::Stage>)],
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
