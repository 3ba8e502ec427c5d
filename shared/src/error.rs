//! RFC 9457 problem details (`application/problem+json`).
//!
//! Every service has one error type (`catalog::Error`, `tender::Error`, …) that converts
//! into [`Problem`]. A problem carries a stable machine `code`, a Chinese `title` and
//! `detail` for people, and for validation failures one message per field in `errors`.
//! Internal errors are logged with their whole cause chain and answered with a generic
//! 500 that names only the request id.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::domain::DomainError;

/// A message about one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct FieldError {
    /// The field's name as the client sent it (`credit_code`, `location.lat`, …).
    pub field: String,
    /// Stable machine code (`invalid_credit_code`, `required`, …).
    pub code: String,
    /// Message in Simplified Chinese.
    pub message: String,
}

impl FieldError {
    pub fn new(
        field: impl Into<String>,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            field: field.into(),
            code: code.into(),
            message: message.into(),
        }
    }

    /// A field that failed a domain newtype's parse.
    pub fn domain(field: impl Into<String>, err: &DomainError) -> Self {
        Self::new(field, err.code, err.message.clone())
    }
}

/// An RFC 9457 problem document.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Problem {
    /// A URI naming the problem type (`urn:wuye:problem:<code>`).
    #[serde(rename = "type")]
    pub type_: String,
    /// Short Chinese summary of the problem type.
    pub title: String,
    /// HTTP status code.
    pub status: u16,
    /// Chinese explanation of this occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// Stable machine-readable code.
    pub code: String,
    /// Per-field messages for validation problems.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    /// The request id, so a user can quote it to support.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// Seconds after which a retry may succeed (429, 503): sent as `Retry-After`, not in
    /// the body.
    #[serde(skip)]
    #[schema(ignore)]
    pub retry_after: Option<u64>,
}

impl Problem {
    pub fn new(status: StatusCode, code: &str, title: impl Into<String>) -> Self {
        Self {
            type_: format!("urn:wuye:problem:{code}"),
            title: title.into(),
            status: status.as_u16(),
            detail: None,
            code: code.to_string(),
            errors: Vec::new(),
            request_id: None,
            retry_after: None,
        }
    }

    /// Answers `Retry-After` in whole seconds (at least 1, rounded up).
    pub fn with_retry_after(mut self, wait: std::time::Duration) -> Self {
        self.retry_after = Some(retry_after_secs(wait));
        self
    }

    pub fn with_detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// 422 with one message per field.
    pub fn validation(errors: Vec<FieldError>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation_failed",
            "提交的数据有误",
        )
        .with_detail("请根据每个字段的提示修改后重新提交。")
        .with_errors(errors)
    }

    pub fn bad_request(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, "请求格式错误").with_detail(detail)
    }

    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "unauthenticated", "需要登录")
            .with_detail("请先登录后再进行此操作。")
    }

    pub fn forbidden(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "forbidden", "无权进行此操作").with_detail(detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "not_found", "未找到").with_detail(detail)
    }

    pub fn conflict(code: &str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, code, "与当前状态冲突").with_detail(detail)
    }

    pub fn too_many_requests(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "请求过于频繁",
        )
        .with_detail(detail)
    }

    pub fn unavailable(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "unavailable",
            "服务暂不可用",
        )
        .with_detail(detail)
    }

    /// The generic answer to an internal error: nothing about the cause, only the request id.
    /// 503 with `Retry-After`: the database is out of reach for now (restarting, its
    /// connections dropped, the pool waiting for one); the request may be sent again.
    pub fn database_unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "database_unavailable",
            "数据库暂时不可用",
        )
        .with_detail("服务正在重新连接数据库，请稍后重试。")
        .with_retry_after(std::time::Duration::from_secs(1))
    }

    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "服务器内部错误",
        )
        .with_detail("服务器处理请求时出错，请稍后重试；如问题持续，请向管理员提供请求编号。")
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut response = (status, axum::Json(&self)).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/problem+json"),
        );
        if let Some(secs) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        }
        // The request-id middleware fills `request_id` on the way out (see `http::problem_request_id`).
        response.extensions_mut().insert(ProblemMarker);
        response
    }
}

/// A wait in whole seconds for `Retry-After`: rounded up, at least 1.
pub fn retry_after_secs(wait: std::time::Duration) -> u64 {
    (wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1)
}

/// Marks a response as a problem document so middleware can add the request id.
#[derive(Clone, Copy, Debug)]
pub struct ProblemMarker;

/// The error type shared by the kernel's own handlers (feed, health) and the base of
/// every service's error type.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0:?}")]
    Problem(Box<Problem>),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl From<Problem> for Error {
    fn from(p: Problem) -> Self {
        Error::Problem(Box::new(p))
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Internal(anyhow::Error::new(e))
    }
}

/// Whether an error comes from the database being out of reach rather than from a bug: a
/// connection that failed or dropped, a pool with none to give, or PostgreSQL refusing
/// connections while it shuts down or starts (SQLSTATE class 08, 57P01–57P03). Such
/// requests are answered 503, so a client (and the load scripts) can tell an outage from a
/// fault.
pub fn database_unreachable(e: &anyhow::Error) -> bool {
    e.chain()
        .any(|cause| match cause.downcast_ref::<sqlx::Error>() {
            Some(
                sqlx::Error::Io(_)
                | sqlx::Error::Tls(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::WorkerCrashed,
            ) => true,
            Some(sqlx::Error::Database(d)) => d
                .code()
                .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
            _ => false,
        })
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        match self {
            Error::Problem(p) => p.into_response(),
            Error::Internal(e) if database_unreachable(&e) => {
                tracing::warn!(error = ?e, "the database is out of reach");
                Problem::database_unavailable().into_response()
            }
            Error::Internal(e) => {
                tracing::error!(error = ?e, "internal error");
                Problem::internal().into_response()
            }
        }
    }
}

/// Collects field errors from parsing a request, so every bad field is reported at once.
#[derive(Debug, Default)]
pub struct Validation {
    errors: Vec<FieldError>,
}

impl Validation {
    pub fn new() -> Self {
        Self::default()
    }

    /// Parse one field with a newtype's constructor, remembering the failure.
    pub fn field<T>(&mut self, name: &str, parsed: Result<T, DomainError>) -> Option<T> {
        match parsed {
            Ok(v) => Some(v),
            Err(e) => {
                self.errors.push(FieldError::domain(name, &e));
                None
            }
        }
    }

    pub fn push(&mut self, error: FieldError) {
        self.errors.push(error);
    }

    /// Adds the messages of a `validator::Validate` failure.
    pub fn validator(&mut self, result: Result<(), validator::ValidationErrors>) {
        if let Err(errs) = result {
            self.errors.extend(from_validator(&errs, ""));
        }
    }

    /// Adds the field rules a request type declares with `#[derive(Validate)]`, in the
    /// order of `fields` (the type's fields as declared; fields not named come first, by
    /// name), after anything already collected. Cross-field and domain rules are pushed
    /// after them by the type's own check.
    pub fn rules(&mut self, value: &impl validator::Validate, fields: &[&str]) {
        if let Err(errs) = value.validate() {
            let mut found = from_validator(&errs, "");
            let position = |name: &str| {
                let top = name.split(['.', '[']).next().unwrap_or(name);
                fields.iter().position(|f| *f == top)
            };
            found.sort_by_key(|e| position(&e.field));
            self.errors.extend(found);
        }
    }

    /// Answers the messages in the order of `fields` (a request's fields as declared),
    /// whatever order the checks ran in; messages about fields not named (unknown fields)
    /// come first, and a field's own messages keep their order.
    pub fn in_order(mut self, fields: &[&str]) -> Self {
        let position = |name: &str| {
            let top = name.split(['.', '[']).next().unwrap_or(name);
            fields.iter().position(|f| *f == top)
        };
        self.errors.sort_by_key(|e| position(&e.field));
        self
    }

    /// Whether a field already has a message (so a later rule on it can be skipped).
    pub fn has(&self, field: &str) -> bool {
        self.errors.iter().any(|e| e.field == field)
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The checked value when nothing failed, otherwise the 422 problem. `build` assembles
    /// the value from the parts the checks produced; every part it finds missing must have
    /// reported a field error, so a `None` with no error is a bug: a logged 500, never a
    /// panic.
    pub fn finish_with<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, Problem> {
        self.finish()?;
        build().ok_or_else(|| {
            tracing::error!("a request passed its checks but a checked part is missing");
            Problem::internal()
        })
    }

    /// `Ok(())` when nothing failed, otherwise the 422 problem.
    pub fn finish(self) -> Result<(), Problem> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Problem::validation(self.errors))
        }
    }
}

/// Flattens `validator` errors into field errors; nested structs become `outer.inner`.
pub fn from_validator(errs: &validator::ValidationErrors, prefix: &str) -> Vec<FieldError> {
    use validator::ValidationErrorsKind;
    let mut out = Vec::new();
    for (field, kind) in errs.errors() {
        let name = if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}.{field}")
        };
        match kind {
            ValidationErrorsKind::Field(list) => {
                for e in list {
                    let message = e
                        .message
                        .as_ref()
                        .map(|m| with_params(m, &e.params))
                        .unwrap_or_else(|| default_message(&e.code));
                    out.push(FieldError::new(&name, e.code.to_string(), message));
                }
            }
            ValidationErrorsKind::Struct(inner) => out.extend(from_validator(inner, &name)),
            ValidationErrorsKind::List(items) => {
                for (i, inner) in items {
                    out.extend(from_validator(inner, &format!("{name}[{i}]")));
                }
            }
        }
    }
    out.sort_by(|a, b| a.field.cmp(&b.field));
    out
}

/// A message with `{name}` replaced by the error's parameter `name` (a rule's `min`, `max`,
/// the `chars` a text has), so one declared message can say "当前为 {chars} 个字".
fn with_params(
    message: &str,
    params: &std::collections::HashMap<std::borrow::Cow<'static, str>, serde_json::Value>,
) -> String {
    let mut out = message.to_string();
    for (name, value) in params {
        let key = format!("{{{name}}}");
        if out.contains(&key) {
            let text = match value {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            out = out.replace(&key, &text);
        }
    }
    out
}

fn default_message(code: &str) -> String {
    match code {
        "length" => "长度不符合要求".into(),
        "range" => "数值超出允许范围".into(),
        "required" => "此项必填".into(),
        "email" => "邮箱格式不正确".into(),
        _ => "格式不正确".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use validator::Validate;

    #[derive(Validate)]
    struct Form {
        #[validate(length(min = 1, max = 10, message = "名称长度应为 1–10 个字符"))]
        name: String,
        #[validate(range(min = 1))]
        count: i64,
    }

    #[test]
    fn validator_errors_become_one_message_per_field() {
        let form = Form {
            name: String::new(),
            count: 0,
        };
        let mut v = Validation::new();
        v.validator(form.validate());
        let problem = v.finish().unwrap_err();
        assert_eq!(problem.status, 422);
        assert_eq!(problem.errors.len(), 2);
        assert_eq!(problem.errors[0].field, "count");
        assert_eq!(problem.errors[0].message, "数值超出允许范围");
        assert_eq!(problem.errors[1].field, "name");
        assert_eq!(problem.errors[1].message, "名称长度应为 1–10 个字符");
    }

    #[derive(Validate)]
    struct Ordered {
        #[validate(length(min = 1, message = "请填写 b"))]
        b: String,
        #[validate(range(min = 1, max = 9, message = "a 应在 {min}–{max} 之间"))]
        a: i64,
    }

    #[test]
    fn rules_follow_the_declared_order_and_fill_in_parameters() {
        let mut v = Validation::new();
        v.rules(
            &Ordered {
                b: String::new(),
                a: 10,
            },
            &["b", "a"],
        );
        assert!(v.has("a") && v.has("b"));
        let problem = v.finish().unwrap_err();
        let fields: Vec<_> = problem.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["b", "a"]);
        assert_eq!(problem.errors[1].message, "a 应在 1–9 之间");
        assert_eq!(
            Validation::new()
                .finish_with(|| None::<()>)
                .unwrap_err()
                .status,
            500
        );
    }

    #[test]
    fn problem_serialises_as_rfc9457() {
        let p = Problem::not_found("没有这个小区");
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["type"], "urn:wuye:problem:not_found");
        assert_eq!(json["status"], 404);
        assert_eq!(json["detail"], "没有这个小区");
        assert!(json.get("errors").is_none());
    }
}
