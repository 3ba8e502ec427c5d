//! Request extractors whose rejections are problem documents in Chinese.

use axum::extract::rejection::{JsonRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::error::{FieldError, Problem};

/// A JSON body. A body that is not JSON, or whose fields have the wrong JSON types,
/// answers 400 `malformed_json` with serde's explanation of where it failed.
pub struct Json<T>(pub T);

impl<S, T> FromRequest<S> for Json<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(Json(v)),
            Err(rejection) => Err(json_problem(rejection)),
        }
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
            Ok(axum::extract::Query(v)) => Ok(Query(v)),
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

/// `?limit=&offset=` on every list endpoint.
#[derive(Debug, Clone, Copy, Deserialize, IntoParams)]
pub struct PageQuery {
    /// At most this many items (1–200, default 50).
    pub limit: Option<i64>,
    /// Skip this many items (default 0).
    pub offset: Option<i64>,
}

impl PageQuery {
    pub const MAX_LIMIT: i64 = 200;

    /// Checked `(limit, offset)`, or field errors.
    pub fn check(&self) -> Result<(i64, i64), Vec<FieldError>> {
        let limit = self.limit.unwrap_or(50);
        let offset = self.offset.unwrap_or(0);
        let mut errors = Vec::new();
        if !(1..=Self::MAX_LIMIT).contains(&limit) {
            errors.push(FieldError::new("limit", "range", "limit 应在 1–200 之间"));
        }
        if offset < 0 {
            errors.push(FieldError::new("offset", "range", "offset 不能为负数"));
        }
        if errors.is_empty() {
            Ok((limit, offset))
        } else {
            Err(errors)
        }
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
