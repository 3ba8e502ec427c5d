//! The one place that documents problem responses in every service's OpenAPI document.
//!
//! Handlers document their own answers (`(status = 404, body = Problem)`), but utoipa
//! writes every `body = …` as `application/json`, while [`Problem`] is served as
//! `application/problem+json`; and the framework's own refusals (a malformed path, query
//! or body, a body too large or of the wrong type, a timeout) are answered by every
//! operation whether its handler mentions them or not. [`ProblemResponses`] is a utoipa
//! [`Modify`] that each service applies to its whole document (see
//! `services/*/src/routes/mod.rs`, `openapi_doc`), so that for every operation:
//!
//! - every documented 4xx/5xx response is served as `application/problem+json` with the
//!   [`Problem`] schema (any `application/json` content is rewritten);
//! - the problems the shared plumbing can emit are documented, as applicable to the
//!   operation's shape ([`framework_statuses`]): 400 when it takes a path, query or body;
//!   401 when it may read the caller's token; 404 when it has a path parameter; 413 and 415
//!   when it takes a body; 422 when it takes a query or a body (`Validation`, `PageQuery`);
//!   503 always (the request timeout).
//!
//! The fuzzer (`scripts/fuzz-api.sh`, schemathesis) checks the result against the running
//! services.

use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::response::Response;
use utoipa::openapi::{Content, OpenApi, Ref, RefOr};
use utoipa::{Modify, PartialSchema};

use crate::error::{FieldError, Problem};

/// The content type of every error answer.
pub const PROBLEM_JSON: &str = "application/problem+json";

/// A [`Modify`] documenting problem responses on every operation; see the module docs.
///
/// `public` lists the operations (as `"METHOD /path"`, e.g. `"GET /catalog/districts"`)
/// that never read the caller's token, so a token never changes their answer and they
/// never answer 401. Every other operation may.
#[derive(Debug, Clone, Copy, Default)]
pub struct ProblemResponses<'a> {
    pub public: &'a [&'a str],
}

/// `GET` answering a service's document (`<prefix>/openapi.json`), built once at start-up.
pub fn serve<S>(doc: OpenApi) -> axum::routing::MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    axum::routing::get(move || std::future::ready(axum::Json(doc.clone())))
}

impl Modify for ProblemResponses<'_> {
    fn modify(&self, openapi: &mut OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .schemas
            .entry("Problem".into())
            .or_insert_with(Problem::schema);
        components
            .schemas
            .entry("FieldError".into())
            .or_insert_with(FieldError::schema);
        for (path, item) in openapi.paths.paths.iter_mut() {
            let path_params = item
                .parameters
                .iter()
                .flatten()
                .any(|p| p.parameter_in == ParameterIn::Path);
            for (method, op) in [
                ("GET", &mut item.get),
                ("PUT", &mut item.put),
                ("POST", &mut item.post),
                ("DELETE", &mut item.delete),
                ("PATCH", &mut item.patch),
                ("HEAD", &mut item.head),
                ("OPTIONS", &mut item.options),
                ("TRACE", &mut item.trace),
            ] {
                let Some(op) = op.as_mut() else { continue };
                let reads_token = !self.public.contains(&format!("{method} {path}").as_str());
                document_problems(op, path_params, reads_token);
            }
        }
    }
}

/// What the shared plumbing can answer for an operation of this shape, with why.
pub fn framework_statuses(
    op: &Operation,
    path_params: bool,
    reads_token: bool,
) -> Vec<(u16, &'static str)> {
    let params = op.parameters.as_deref().unwrap_or_default();
    let has_path = path_params || params.iter().any(|p| p.parameter_in == ParameterIn::Path);
    let has_query = params.iter().any(|p| p.parameter_in == ParameterIn::Query);
    let has_body = op.request_body.is_some();
    let mut out = Vec::new();
    if has_path || has_query || has_body {
        out.push((
            400,
            "The request could not be parsed (a malformed path, query or body).",
        ));
    }
    if reads_token {
        out.push((
            401,
            "Signing in is required, or the token is invalid or expired.",
        ));
    }
    if has_path {
        out.push((404, "Nothing with this identifier."));
    }
    if has_body {
        out.push((413, "The body is larger than allowed."));
        out.push((415, "The body is not `application/json`."));
    }
    if has_query || has_body {
        out.push((422, "A field failed validation (one message per field)."));
    }
    out.push((
        503,
        "The request timed out or a service it needs is unavailable.",
    ));
    out
}

fn document_problems(op: &mut Operation, path_params: bool, reads_token: bool) {
    let framework = framework_statuses(op, path_params, reads_token);
    for (status, description) in framework {
        op.responses
            .responses
            .entry(status.to_string())
            .or_insert_with(|| RefOr::T(Response::new(description)));
    }
    for (status, response) in op.responses.responses.iter_mut() {
        let is_error = status.starts_with('4') || status.starts_with('5');
        let RefOr::T(response) = response else {
            continue;
        };
        if !is_error {
            continue;
        }
        // `body = Problem` is documented as JSON by utoipa: it is served as a problem. Any
        // other JSON body an error answers (e.g. a refused strict import's report) stays.
        let json_problem = response
            .content
            .get("application/json")
            .is_some_and(|c| is_problem_ref(c.schema.as_ref()));
        if json_problem {
            response.content.shift_remove("application/json");
        }
        if json_problem || response.content.is_empty() {
            response.content.insert(
                PROBLEM_JSON.to_string(),
                Content::new(Some(Ref::from_schema_name("Problem"))),
            );
        }
    }
}

fn is_problem_ref(schema: Option<&RefOr<utoipa::openapi::Schema>>) -> bool {
    matches!(schema, Some(RefOr::Ref(r)) if r.ref_location == "#/components/schemas/Problem")
}

/// Every `enum` of a document's schemas, as (JSON pointer, values), for tests that check
/// each documented value against the type's serde implementation.
pub fn enums(doc: &OpenApi) -> Vec<(String, Vec<serde_json::Value>)> {
    fn walk(v: &serde_json::Value, at: String, out: &mut Vec<(String, Vec<serde_json::Value>)>) {
        match v {
            serde_json::Value::Object(map) => {
                if let Some(serde_json::Value::Array(values)) = map.get("enum") {
                    out.push((at.clone(), values.clone()));
                }
                for (k, v) in map {
                    walk(
                        v,
                        format!("{at}/{}", k.replace('~', "~0").replace('/', "~1")),
                        out,
                    );
                }
            }
            serde_json::Value::Array(items) => {
                for (i, v) in items.iter().enumerate() {
                    walk(v, format!("{at}/{i}"), out);
                }
            }
            _ => {}
        }
    }
    let json = serde_json::to_value(doc).expect("an OpenAPI document serialises");
    let mut out = Vec::new();
    walk(&json, String::new(), &mut out);
    out
}

/// How a test proves one documented enum value is what the type's serde reads and writes:
/// given the value, it answers the value the type serialises back (or why it refused).
pub type RoundTrip = fn(&serde_json::Value) -> Result<serde_json::Value, String>;

/// The [`RoundTrip`] of a type whose JSON form is the enum value itself.
pub fn round_trip<T: serde::Serialize + serde::de::DeserializeOwned>(
    value: &serde_json::Value,
) -> Result<serde_json::Value, String> {
    let parsed: T = serde_json::from_value(value.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(parsed).map_err(|e| e.to_string())
}

/// Checks every `enum` of `doc` against `types`, keyed by where the enum is: a component's
/// name (`GovernanceBody`), or its JSON pointer below the components
/// (`Scope/oneOf/0/properties/kind`) or in the document (`/paths/...`). Answers one line per
/// problem: an enum no entry names (so a new enum cannot slip past), a value that does not
/// round-trip unchanged, or an entry that names no enum.
pub fn enum_problems(doc: &OpenApi, types: &[(&str, RoundTrip)]) -> Vec<String> {
    let mut problems = Vec::new();
    let found = enums(doc);
    for (at, values) in &found {
        let key = at.strip_prefix("/components/schemas/").unwrap_or(at);
        let Some((_, check)) = types.iter().find(|(name, _)| *name == key) else {
            problems.push(format!("{key}: an enum {values:?} that no test type names"));
            continue;
        };
        for value in values {
            match check(value) {
                Ok(back) if &back == value => {}
                Ok(back) => problems.push(format!("{key}: {value} comes back as {back}")),
                Err(e) => problems.push(format!("{key}: {value} is refused: {e}")),
            }
        }
    }
    for (name, _) in types {
        if !found
            .iter()
            .any(|(at, _)| at.strip_prefix("/components/schemas/").unwrap_or(at) == *name)
        {
            problems.push(format!("{name}: named, but no such enum in the document"));
        }
    }
    problems
}

/// What is wrong with a service's document for tests: no operation at all, a path outside
/// the service's `prefix`, or a document that does not serialise. (Routes and operations
/// come from one list, `routes!`, so no test keeps a list of paths.)
pub fn outside_prefix(doc: &OpenApi, prefix: &str) -> Vec<String> {
    let mut problems: Vec<String> = doc
        .paths
        .paths
        .keys()
        .filter(|path| {
            !path
                .strip_prefix(prefix)
                .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
        })
        .map(|path| format!("{path}: not under {prefix}"))
        .collect();
    if doc.paths.paths.is_empty() {
        problems.push("no operation".to_string());
    }
    if let Err(e) = serde_json::to_string(doc) {
        problems.push(format!("does not serialise: {e}"));
    }
    problems
}

/// The component schema named `name` as JSON, for tests.
pub fn component(doc: &OpenApi, name: &str) -> Option<serde_json::Value> {
    let schema = doc.components.as_ref()?.schemas.get(name)?;
    serde_json::to_value(schema).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use utoipa::OpenApi as _;

    #[derive(serde::Deserialize, utoipa::IntoParams)]
    #[into_params(parameter_in = Query)]
    #[allow(dead_code)]
    struct Filter {
        q: Option<String>,
    }

    #[derive(serde::Deserialize, utoipa::ToSchema)]
    #[allow(dead_code)]
    struct Body {
        name: String,
    }

    /// Public.
    #[utoipa::path(get, path = "/x/public", responses((status = 200, body = String)))]
    #[allow(dead_code)]
    async fn public() {}

    /// Filtered, with a handler-documented 422.
    #[utoipa::path(get, path = "/x/items", params(Filter),
        responses((status = 200, body = String), (status = 422, body = Problem)))]
    #[allow(dead_code)]
    async fn items() {}

    /// One item by id.
    #[utoipa::path(post, path = "/x/items/{id}", params(("id" = String, Path)), request_body = Body,
        responses((status = 200, body = String), (status = 409, body = Problem),
            (status = 422, description = "a report or a problem", content(
                (Body = "application/json"), (Problem = "application/problem+json")))))]
    #[allow(dead_code)]
    async fn update() {}

    #[derive(utoipa::OpenApi)]
    #[openapi(paths(public, items, update))]
    struct Doc;

    fn doc() -> OpenApi {
        let mut doc = Doc::openapi();
        ProblemResponses {
            public: &["GET /x/public"],
        }
        .modify(&mut doc);
        doc
    }

    fn statuses(doc: &OpenApi, path: &str, post: bool) -> Vec<String> {
        let item = &doc.paths.paths[path];
        let op = if post { &item.post } else { &item.get };
        op.as_ref()
            .unwrap()
            .responses
            .responses
            .keys()
            .cloned()
            .collect()
    }

    #[test]
    fn every_error_response_is_problem_json_with_the_problem_schema() {
        let doc = doc();
        let json = serde_json::to_value(&doc).unwrap();
        let mut errors = 0;
        for (path, item) in json["paths"].as_object().unwrap() {
            for (method, op) in item.as_object().unwrap() {
                for (status, response) in op["responses"].as_object().unwrap() {
                    if status.starts_with('2') {
                        continue;
                    }
                    errors += 1;
                    let content = response["content"].as_object().unwrap();
                    if path == "/x/items/{id}" && status == "422" {
                        // A deliberate JSON body beside the problem is kept.
                        assert_eq!(content.len(), 2);
                        assert_eq!(
                            content["application/json"]["schema"]["$ref"],
                            "#/components/schemas/Body"
                        );
                    } else {
                        assert_eq!(content.len(), 1, "{method} {path} {status}");
                    }
                    assert_eq!(
                        content[PROBLEM_JSON]["schema"]["$ref"],
                        "#/components/schemas/Problem"
                    );
                }
            }
        }
        assert!(errors >= 10, "{errors}");
        assert!(component(&doc, "Problem").is_some());
        assert!(component(&doc, "FieldError").is_some());
    }

    #[test]
    fn framework_problems_are_documented_as_the_operation_shape_allows() {
        let doc = doc();
        assert_eq!(statuses(&doc, "/x/public", false), ["200", "503"]);
        let get = doc.paths.paths["/x/items"].get.as_ref().unwrap();
        let framework: Vec<u16> = framework_statuses(get, false, true)
            .iter()
            .map(|s| s.0)
            .collect();
        assert_eq!(framework, [400, 401, 422, 503]);
        assert_eq!(
            statuses(&doc, "/x/items", false),
            ["200", "400", "401", "422", "503"]
        );
        assert_eq!(
            statuses(&doc, "/x/items/{id}", true),
            [
                "200", "400", "401", "404", "409", "413", "415", "422", "503"
            ]
        );
    }

    #[test]
    fn enum_problems_name_unlisted_enums_and_values_serde_refuses() {
        #[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        enum Good {
            DarkRed,
        }
        // Documents the variant names, but the wire has other values: the bug of issue 10.
        #[derive(serde::Serialize, serde::Deserialize)]
        enum Wrong {
            #[serde(rename = "red")]
            Red,
        }
        impl utoipa::PartialSchema for Wrong {
            fn schema() -> RefOr<utoipa::openapi::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .enum_values(Some(["Red"]))
                    .into()
            }
        }
        impl utoipa::ToSchema for Wrong {}
        #[derive(utoipa::OpenApi)]
        #[openapi(components(schemas(Good, Wrong)))]
        struct Doc;
        let doc = Doc::openapi();
        assert!(
            enum_problems(
                &doc,
                &[("Good", round_trip::<Good>), ("Wrong", round_trip::<Good>)]
            )
            .len()
                == 1
        );
        let problems = enum_problems(
            &doc,
            &[("Good", round_trip::<Good>), ("Wrong", round_trip::<Wrong>)],
        );
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(
            problems[0].starts_with("Wrong: \"Red\" is refused"),
            "{problems:?}"
        );
        let problems = enum_problems(
            &doc,
            &[("Good", round_trip::<Good>), ("Gone", round_trip::<Good>)],
        );
        assert_eq!(problems.len(), 2, "{problems:?}");
    }

    #[test]
    fn enums_are_found_anywhere_in_a_document() {
        #[derive(serde::Serialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        #[allow(dead_code)]
        enum Colour {
            DarkRed,
            Blue,
        }
        #[derive(utoipa::OpenApi)]
        #[openapi(components(schemas(Colour)))]
        struct WithEnum;
        let found = enums(&WithEnum::openapi());
        assert_eq!(
            found,
            [(
                "/components/schemas/Colour".to_string(),
                vec![serde_json::json!("dark_red"), serde_json::json!("blue")]
            )]
        );
    }
}
