//! What every form page needs: the API's refusal turned into a message per field (shown
//! next to the input) plus one general message, and the 303 redirect after a successful post.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::api::ApiError;

/// Errors to show on a refused form. Field names are the API's (`households`, `deadline` …),
/// so a form's inputs use the API's field names.
#[derive(Debug, Clone, Default)]
pub struct FormErrors {
    /// A message for the whole form (shown in an alert above it).
    pub general: Option<String>,
    pub fields: BTreeMap<String, String>,
}

impl FormErrors {
    pub fn none() -> Self {
        Self::default()
    }

    /// A single message for the whole form.
    pub fn general(message: impl Into<String>) -> Self {
        Self {
            general: Some(message.into()),
            fields: BTreeMap::new(),
        }
    }

    /// From an API refusal: its per-field messages, and its detail when no field is named.
    pub fn from_api(e: &ApiError) -> Self {
        let mut out = Self::default();
        if let ApiError::Refused { problem, .. } = e {
            for f in &problem.errors {
                // Nested fields (`prices[0].amount`) are shown at their top-level input.
                let key = f
                    .field
                    .split(['.', '['])
                    .next()
                    .unwrap_or(&f.field)
                    .to_string();
                out.fields.entry(key).or_insert_with(|| f.message.clone());
            }
        }
        if out.fields.is_empty() {
            out.general = Some(e.message());
        } else {
            out.general = Some("表单有误，请按提示修改后重新提交。".into());
        }
        out
    }

    /// Adds a field message (for checks the page makes itself, such as an unreadable number).
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.fields
            .entry(field.to_string())
            .or_insert_with(|| message.into());
        if self.general.is_none() {
            self.general = Some("表单有误，请按提示修改后重新提交。".into());
        }
    }

    /// The message for a field, for templates: `{% if let Some(m) = errors.get("name") %}`.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }

    pub fn has(&self, field: &str) -> bool {
        self.fields.contains_key(field)
    }

    pub fn is_empty(&self) -> bool {
        self.general.is_none() && self.fields.is_empty()
    }

    /// The status a refused form page answers with: the API's client error, else 422.
    pub fn status(e: &ApiError) -> StatusCode {
        match e.status() {
            Some(s) if s.is_client_error() => s,
            Some(_) | None => StatusCode::BAD_GATEWAY,
        }
    }
}

/// `303 See Other` to `path` (post/redirect/get), with an optional flash message carried in
/// the query string as `?done=<message>`.
pub fn see_other(path: &str) -> Response {
    // `Redirect::to` panics on a value that is no header (a page id with non-ASCII or
    // control characters typed into the address bar); such a path goes home instead.
    let location = axum::http::HeaderValue::try_from(path)
        .unwrap_or_else(|_| axum::http::HeaderValue::from_static("/"));
    (
        StatusCode::SEE_OTHER,
        [(axum::http::header::LOCATION, location)],
    )
        .into_response()
}

/// `303` to `path` with `done=<message>` appended, shown by pages that read [`Flash`].
pub fn see_other_with(path: &str, message: &str) -> Response {
    let sep = if path.contains('?') { '&' } else { '?' };
    let encoded: String = url_encode(message);
    see_other(&format!("{path}{sep}done={encoded}"))
}

fn url_encode(s: &str) -> String {
    serde_urlencoded::to_string([("", s)])
        .map(|v| v.trim_start_matches('=').to_string())
        .unwrap_or_default()
}

/// The `?done=` message a redirect left for the page (shown as a green notice).
#[derive(Debug, Default, serde::Deserialize)]
pub struct Flash {
    #[serde(default)]
    pub done: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::error::{FieldError, Problem};

    #[test]
    fn field_messages_come_from_the_problem() {
        let mut problem = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", "输入有误");
        problem.errors.push(FieldError {
            field: "prices[0].amount".into(),
            code: "invalid".into(),
            message: "金额须为正数".into(),
        });
        let e = ApiError::Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            problem: Box::new(problem),
            retry_after: None,
        };
        let errors = FormErrors::from_api(&e);
        assert_eq!(errors.get("prices"), Some("金额须为正数"));
        assert!(errors.general.is_some());
        assert_eq!(FormErrors::status(&e), StatusCode::UNPROCESSABLE_ENTITY);
    }

    #[test]
    fn flash_messages_are_encoded() {
        let r = see_other_with("/a?x=1", "已保存 & 发布");
        let loc = r.headers()["location"].to_str().unwrap();
        assert!(loc.starts_with("/a?x=1&done="), "{loc}");
        assert!(!loc.contains(' ') && !loc.contains("& "), "{loc}");
    }
}
