//! Request extractors whose rejections are problem documents in Chinese.

use axum::body::{Body, Bytes};
use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use axum::response::{IntoResponse, Response};

use crate::control_chars;
use crate::error::{FieldError, Problem, Validation};

/// JSON in and out: the one JSON type of every handler. As a body extractor, a body that
/// is not JSON, or whose fields have the wrong JSON types, answers 400 `malformed_json`
/// with serde's explanation of where it failed; a string holding a C0 control character
/// other than a line break or tab answers 422 naming the field (see
/// [`crate::control_chars`]); as an answer it is `application/json`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Json<T>(pub T);

impl<T: Serialize> IntoResponse for Json<T> {
    fn into_response(self) -> Response {
        axum::Json(self.0).into_response()
    }
}

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let bytes = Bytes::from_request(Request::from_parts(parts.clone(), body), state)
            .await
            .map_err(|e| {
                Problem::bad_request(
                    "malformed_json",
                    format!("无法读取请求体：{}", e.body_text()),
                )
            })?;
        let req = Request::from_parts(parts, Body::from(bytes.clone()));
        let value = match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => v,
            Err(rejection) => return Err(json_problem(rejection)),
        };
        // The typed value parsed, so the bytes are JSON: no string in it may hold a C0
        // control character (see `control_chars`).
        let document: serde_json::Value = serde_json::from_slice(&bytes).unwrap_or_default();
        let errors = control_chars::check_json(&document);
        if errors.is_empty() {
            Ok(Json(value))
        } else {
            Err(Problem::validation(errors))
        }
    }
}

/// A JSON body read with the request but judged after the handler has decided who may act:
/// a caller who may not act is refused (401/403/404) whatever the body, and only a caller
/// who may act learns what is wrong with it (400/415, as [`Json`]). The handler checks the
/// caller's role and scope first, then takes the body with `body.value()?`.
#[derive(Debug)]
pub struct LateJson<T>(Result<T, Problem>);

impl<T> LateJson<T> {
    /// The body, or the problem [`Json`] would have answered.
    pub fn value(self) -> Result<T, Problem> {
        self.0
    }
}

impl<S, T> FromRequest<S> for LateJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        Ok(LateJson(
            Json::<T>::from_request(req, state).await.map(|Json(v)| v),
        ))
    }
}

fn json_problem(r: JsonRejection) -> Problem {
    match r {
        JsonRejection::MissingJsonContentType(_) => Problem::new(
            axum::http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "unsupported_media_type",
            "不支持的内容类型",
        )
        .with_detail("请以 Content-Type: application/json 提交。"),
        JsonRejection::JsonDataError(e) => Problem::bad_request(
            "malformed_json",
            format!("请求体字段类型不正确：{}", e.body_text()),
        ),
        JsonRejection::JsonSyntaxError(e) => Problem::bad_request(
            "malformed_json",
            format!("请求体不是有效的 JSON：{}", e.body_text()),
        ),
        other => Problem::bad_request(
            "malformed_json",
            format!("无法读取请求体：{}", other.body_text()),
        ),
    }
}

/// Query parameters; a malformed query answers 400 `bad_query`.
pub struct Query<T>(pub T);

impl<S, T> FromRequestParts<S> for Query<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => {
                let pairs = axum::extract::Query::<Vec<(String, String)>>::try_from_uri(&parts.uri)
                    .map(|q| q.0)
                    .unwrap_or_default();
                let errors = control_chars::check_pairs(&pairs);
                if errors.is_empty() {
                    Ok(Query(v))
                } else {
                    Err(Problem::validation(errors))
                }
            }
            Err(QueryRejection::FailedToDeserializeQueryString(e)) => Err(Problem::bad_request(
                "bad_query",
                format!("查询参数不正确：{}", e.body_text()),
            )),
            Err(e) => Err(Problem::bad_request(
                "bad_query",
                format!("查询参数不正确：{}", e.body_text()),
            )),
        }
    }
}

/// `?limit=&offset=` on every list endpoint, as sent. Documented as query parameters
/// wherever a handler lists it, also beside the [`Pagination`] extractor (which utoipa cannot
/// see through).
#[derive(Debug, Clone, Copy, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// At most this many items (1–200, default 50).
    pub limit: Option<i64>,
    /// Skip this many items (default 0).
    pub offset: Option<i64>,
}

impl PageQuery {
    pub const MAX_LIMIT: i64 = 200;
    pub const DEFAULT_LIMIT: i64 = 50;

    /// Checked `(limit, offset)`, or field errors (see [`PageQuery::checked`]).
    pub fn check(&self) -> Result<(i64, i64), Vec<FieldError>> {
        self.checked().map(|p| (p.limit, p.offset))
    }

    /// Checked bounds, or field errors.
    pub fn checked(&self) -> Result<Pagination, Vec<FieldError>> {
        let limit = self.limit.unwrap_or(Self::DEFAULT_LIMIT);
        let offset = self.offset.unwrap_or(0);
        let mut errors = Vec::new();
        if !(1..=Self::MAX_LIMIT).contains(&limit) {
            errors.push(FieldError::new("limit", "range", "limit 应在 1–200 之间"));
        }
        if offset < 0 {
            errors.push(FieldError::new("offset", "range", "offset 不能为负数"));
        }
        if errors.is_empty() {
            Ok(Pagination { limit, offset })
        } else {
            Err(errors)
        }
    }

    /// Checked bounds, its field errors added to `v` (for lists whose filters are checked
    /// too, so every bad parameter is answered at once).
    pub fn collect(&self, v: &mut Validation) -> Option<Pagination> {
        match self.checked() {
            Ok(p) => Some(p),
            Err(errors) => {
                for e in errors {
                    v.push(e);
                }
                None
            }
        }
    }
}

/// Checked `?limit=&offset=`: 1 ≤ limit ≤ 200 (default 50), offset ≥ 0 (default 0). As an
/// extractor it answers its own 422 naming `limit` or `offset`; a list that also checks
/// filters reads [`PageQuery`] and calls [`PageQuery::collect`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pagination {
    pub limit: i64,
    pub offset: i64,
}

impl Pagination {
    /// This page of a list of `total` items.
    pub fn of<T>(self, items: Vec<T>, total: i64) -> Page<T> {
        Page {
            items,
            total,
            limit: self.limit,
            offset: self.offset,
        }
    }

    /// The bounds as `usize` (for lists not read from SQL).
    pub fn as_usize(self) -> (usize, usize) {
        (
            usize::try_from(self.limit).unwrap_or(0),
            usize::try_from(self.offset).unwrap_or(0),
        )
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Pagination {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(q) = Query::<PageQuery>::from_request_parts(parts, state).await?;
        q.checked().map_err(Problem::validation)
    }
}

/// One page of a list.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many items match in all.
    pub total: i64,
    pub limit: i64,
    pub offset: i64,
}
