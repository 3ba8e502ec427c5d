//! What every form page needs: the API's refusal turned into a message per field (shown
//! next to the input) plus one general message, and the 303 redirect after a successful post.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use crate::api::ApiError;
use serde_json::{Value, json};

use crate::format::{parse_percent, parse_yuan};

const INVALID: &str = "表单有误，请按提示修改后重新提交。";

/// How an API field name (`prices[0].amount`, `income.fee_fen`) becomes a form's input name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keys {
    /// Its top-level field: `prices`, `income`.
    Top,
    /// Its path up to the first list index: `income.fee_fen`, `account.username`,
    /// `districts_served` (from `districts_served[0]`), `criteria_answers` (from
    /// `criteria_answers[0].answer`).
    Path,
}

impl Keys {
    fn of(self, field: &str) -> String {
        let cut: &[char] = match self {
            Keys::Top => &['.', '['],
            Keys::Path => &['['],
        };
        field.split(cut).next().unwrap_or(field).to_string()
    }
}

/// The 酬金 inputs the tender, bid and contract forms share: the kind select and the one
/// value input.
pub const REMUNERATION_KIND: &str = "remuneration_kind";
pub const REMUNERATION_VALUE: &str = "remuneration_value";

/// The API's remuneration fields → those inputs (with [`Keys::Path`]): the kind, and the
/// whole remuneration refused (not agreed on a lump-sum tender, not the bid's) beside the
/// kind; the amount or share beside the value.
pub const REMUNERATION_RENAMES: [(&str, &str); 4] = [
    ("remuneration", REMUNERATION_KIND),
    ("remuneration.kind", REMUNERATION_KIND),
    ("remuneration.annual_fen", REMUNERATION_VALUE),
    ("remuneration.basis_points", REMUNERATION_VALUE),
];

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

    /// From an API refusal: its per-field messages keyed by their top-level field
    /// (`prices[0].amount` → `prices`), and its detail when no field is named.
    pub fn from_api(e: &ApiError) -> Self {
        Self::from_api_as(e, Keys::Top, &[])
    }

    /// From an API refusal, its field names turned into the form's input names by `keys`,
    /// then `renames` (API field → input).
    pub fn from_api_as(e: &ApiError, keys: Keys, renames: &[(&str, &str)]) -> Self {
        let mut out = Self::default();
        if let ApiError::Refused { problem, .. } = e {
            for f in &problem.errors {
                let key = keys.of(&f.field);
                let key = renames
                    .iter()
                    .find(|(api, _)| *api == key)
                    .map_or(key, |(_, input)| input.to_string());
                out.fields.entry(key).or_insert_with(|| f.message.clone());
            }
        }
        out.general = Some(if out.fields.is_empty() {
            e.message()
        } else {
            INVALID.into()
        });
        out
    }

    /// Every field message of a refusal, in order (for forms that list them: scores).
    pub fn messages(e: &ApiError) -> Vec<String> {
        match e {
            ApiError::Refused { problem, .. } => {
                problem.errors.iter().map(|f| f.message.clone()).collect()
            }
            ApiError::Unavailable(_) => Vec::new(),
        }
    }

    /// Another set's messages for fields this one has no message for.
    pub fn merge(mut self, other: FormErrors) -> Self {
        for (k, v) in other.fields {
            self.fields.entry(k).or_insert(v);
        }
        if self.general.is_none() || !self.fields.is_empty() {
            self.general = other.general.or(self.general);
        }
        self
    }

    /// A whole number typed in `field`; a message beside it otherwise.
    pub fn int(&mut self, field: &str, raw: &str) -> Option<i64> {
        let s = raw.trim().replace([',', '，', ' '], "");
        match s.parse::<i64>() {
            Ok(n) => Some(n),
            Err(_) => {
                self.add(
                    field,
                    if s.is_empty() {
                        "此项必填"
                    } else {
                        "请填写整数"
                    },
                );
                None
            }
        }
    }

    /// An amount typed in 元 in `field`, as 分; a message beside it otherwise.
    pub fn yuan(&mut self, field: &str, raw: &str) -> Option<i64> {
        let v = parse_yuan(raw);
        if v.is_none() {
            self.add(
                field,
                if raw.trim().is_empty() {
                    "此项必填"
                } else {
                    "请填写金额（元），最多两位小数，如 1234.50"
                },
            );
        }
        v
    }

    /// The `remuneration` the API takes from a form's 酬金 inputs: the kind chosen in
    /// [`REMUNERATION_KIND`] (`fixed`, `percentage`; empty for 不约定, which sends nothing)
    /// and the value typed in [`REMUNERATION_VALUE`] (元 a year, or a percentage of the fee
    /// income with up to two decimals); a message beside the input otherwise.
    pub fn remuneration(&mut self, kind: &str, raw: &str) -> Option<Value> {
        let empty = raw.trim().is_empty();
        match kind.trim() {
            "" => None,
            "fixed" => match parse_yuan(raw) {
                Some(fen) => Some(json!({"kind": "fixed", "annual_fen": fen})),
                None => {
                    self.add(
                        REMUNERATION_VALUE,
                        if empty {
                            "请填写每年的固定酬金（元）"
                        } else {
                            "请填写每年的固定酬金（元），最多两位小数，如 120000"
                        },
                    );
                    None
                }
            },
            "percentage" => match parse_percent(raw) {
                Some(bp) => Some(json!({"kind": "percentage", "basis_points": bp})),
                None => {
                    self.add(
                        REMUNERATION_VALUE,
                        if empty {
                            "请填写酬金占物业费收入的比例（%）"
                        } else {
                            "请填写百分比，最多两位小数，如 8 或 7.5"
                        },
                    );
                    None
                }
            },
            _ => {
                self.add(REMUNERATION_KIND, "请选择酬金方式");
                None
            }
        }
    }

    /// Adds a field message (for checks the page makes itself, such as an unreadable
    /// number) unless the field has one.
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.fields
            .entry(field.to_string())
            .or_insert_with(|| message.into());
        if self.general.is_none() {
            self.general = Some(INVALID.into());
        }
    }

    /// Sets a field message, replacing the API's for that field.
    pub fn set(&mut self, field: &str, message: impl Into<String>) {
        self.fields.insert(field.to_string(), message.into());
        if self.general.is_none() {
            self.general = Some(INVALID.into());
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

/// A posted form as name/value pairs, in order (checkbox groups repeat a name).
#[derive(Debug, Default, Clone)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name`, trimmed ("" when absent).
    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    }

    /// Every non-empty value of `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
            .collect()
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

/// `303` to `path?done=<message>#<fragment>` (the notice, then the section it is about).
pub fn see_other_at(path: &str, done: &str, fragment: &str) -> Response {
    let query = serde_urlencoded::to_string([("done", done)]).unwrap_or_default();
    see_other(&format!("{path}?{query}#{fragment}"))
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
    fn field_names_become_input_names() {
        let mut problem = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", "输入有误");
        for field in ["districts_served[0]", "income.fee_fen", "skipped[1].reason"] {
            problem.errors.push(FieldError {
                field: field.into(),
                code: "invalid".into(),
                message: format!("{field} 有误"),
            });
        }
        let e = ApiError::Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            problem: Box::new(problem),
            retry_after: None,
        };
        let path = FormErrors::from_api_as(&e, Keys::Path, &[("skipped", "reason")]);
        assert!(path.has("districts_served") && path.has("income.fee_fen") && path.has("reason"));
        let top = FormErrors::from_api(&e);
        assert!(top.has("income") && top.has("skipped"));
        assert_eq!(FormErrors::messages(&e).len(), 3);
        let mut local = FormErrors::none();
        assert_eq!(local.int("n", "1,200"), Some(1200));
        assert_eq!(local.int("m", "三"), None);
        assert_eq!(local.yuan("y", "1.8"), Some(180));
        assert_eq!(local.get("m"), Some("请填写整数"));
        let merged = local.merge(top);
        assert_eq!(merged.get("m"), Some("请填写整数"));
        assert!(merged.has("income"));
    }

    #[test]
    fn remuneration_inputs_become_the_api_field() {
        let mut e = FormErrors::none();
        assert_eq!(
            e.remuneration("fixed", "120,000"),
            Some(json!({"kind": "fixed", "annual_fen": 12_000_000}))
        );
        assert_eq!(
            e.remuneration("percentage", "8"),
            Some(json!({"kind": "percentage", "basis_points": 800}))
        );
        assert_eq!(
            e.remuneration("percentage", "7.5%"),
            Some(json!({"kind": "percentage", "basis_points": 750}))
        );
        // 不约定 sends nothing, whatever is typed beside it.
        assert_eq!(e.remuneration("", "8"), None);
        assert!(e.is_empty());
        assert_eq!(e.remuneration("percentage", "7.555"), None);
        assert_eq!(
            e.get(REMUNERATION_VALUE),
            Some("请填写百分比，最多两位小数，如 8 或 7.5")
        );
        let mut e = FormErrors::none();
        assert_eq!(e.remuneration("fixed", "十万"), None);
        assert!(
            e.get(REMUNERATION_VALUE)
                .unwrap()
                .contains("固定酬金（元）")
        );
        let mut e = FormErrors::none();
        assert_eq!(e.remuneration("fixed", " "), None);
        assert_eq!(
            e.get(REMUNERATION_VALUE),
            Some("请填写每年的固定酬金（元）")
        );
        let mut e = FormErrors::none();
        assert_eq!(e.remuneration("bonus", "1"), None);
        assert_eq!(e.get(REMUNERATION_KIND), Some("请选择酬金方式"));
    }

    #[test]
    fn remuneration_refusals_show_beside_their_inputs() {
        let mut problem = Problem::new(StatusCode::UNPROCESSABLE_ENTITY, "validation", "输入有误");
        for (field, message) in [
            (
                "remuneration.basis_points",
                "酬金比例应为物业费收入的 0.01%–30%",
            ),
            ("remuneration", "包干制招标不约定酬金"),
            ("criteria[0].name", "评分项名称不能重复"),
        ] {
            problem.errors.push(FieldError {
                field: field.into(),
                code: "invalid".into(),
                message: message.into(),
            });
        }
        let e = ApiError::Refused {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            problem: Box::new(problem),
            retry_after: None,
        };
        let errors = FormErrors::from_api_as(&e, Keys::Path, &REMUNERATION_RENAMES);
        assert_eq!(
            errors.get(REMUNERATION_VALUE),
            Some("酬金比例应为物业费收入的 0.01%–30%")
        );
        assert_eq!(errors.get(REMUNERATION_KIND), Some("包干制招标不约定酬金"));
        assert_eq!(errors.get("criteria"), Some("评分项名称不能重复"));
    }

    #[test]
    fn flash_messages_are_encoded() {
        let r = see_other_with("/a?x=1", "已保存 & 发布");
        let loc = r.headers()["location"].to_str().unwrap();
        assert!(loc.starts_with("/a?x=1&done="), "{loc}");
        assert!(!loc.contains(' ') && !loc.contains("& "), "{loc}");
    }
}
