//! An inspection request and its answer as sent, and their checks.

use serde::Deserialize;
use shared::error::{FieldError, Problem, Validation};
use utoipa::ToSchema;
use validator::Validate;

use super::terms::What;
use crate::input::{trimmed, trimmed_opt};

const WHAT_MESSAGE: &str =
    "请选择查阅内容：accounts（收支情况）、vouchers（凭证）或 contract（物业服务合同）";

/// A request to inspect, by the committee for owners.
#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct InspectionInput {
    /// `accounts` (收支情况), `vouchers` (凭证) or `contract` (物业服务合同).
    pub what: String,
    /// The published accounts meant (a disclosure of this compound), if one.
    #[serde(default, deserialize_with = "trimmed_opt")]
    pub disclosure_id: Option<String>,
    /// What is asked, 1–1000 characters.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 1000, message = "查阅说明应为 1–1000 个字"))]
    pub text: String,
}

/// A request to inspect, by an owner with the unit's one-time code.
#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct OwnerInspectionInput {
    /// The code printed on the unit's notice (`7KQ2-M9XD-4HTC`).
    pub code: String,
    /// `accounts`, `vouchers` or `contract`.
    pub what: String,
    #[serde(default, deserialize_with = "trimmed_opt")]
    pub disclosure_id: Option<String>,
    /// What is asked, 1–1000 characters.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 1000, message = "查阅说明应为 1–1000 个字"))]
    pub text: String,
}

/// The answer to a request.
#[derive(Debug, Deserialize, ToSchema, Validate)]
pub struct AnswerInput {
    /// The answer (when and where to inspect, or what is given), 1–2000 characters.
    #[serde(deserialize_with = "trimmed")]
    #[validate(length(min = 1, max = 2000, message = "答复应为 1–2000 个字"))]
    pub text: String,
    /// Documents of this compound given with the answer (at most 20).
    #[serde(default)]
    #[validate(length(max = 20, message = "答复最多附 20 个文件"))]
    pub document_ids: Vec<String>,
}

/// A request checked.
#[derive(Debug, Clone)]
pub struct Checked {
    pub what: What,
    pub disclosure_id: Option<String>,
    pub text: String,
}

fn check(
    v: &mut Validation,
    what: &str,
    disclosure_id: Option<String>,
    text: String,
) -> Option<Checked> {
    let what = What::parse(what.trim());
    if what.is_none() {
        v.push(FieldError::new("what", "invalid_what", WHAT_MESSAGE));
    }
    if disclosure_id
        .as_ref()
        .is_some_and(|d| d.chars().count() > 64)
    {
        v.push(FieldError::new(
            "disclosure_id",
            "unknown_disclosure",
            "没有这份公开信息",
        ));
    }
    Some(Checked {
        what: what?,
        disclosure_id,
        text,
    })
}

impl InspectionInput {
    pub fn check(self) -> Result<Checked, Problem> {
        let mut v = Validation::new();
        v.rules(&self, &["what", "disclosure_id", "text"]);
        let checked = check(&mut v, &self.what, self.disclosure_id, self.text);
        v.in_order(&["what", "disclosure_id", "text"])
            .finish_with(|| checked)
    }
}

impl OwnerInspectionInput {
    /// The request checked, and the code as sent.
    pub fn check(self) -> Result<(String, Checked), Problem> {
        let mut v = Validation::new();
        v.rules(&self, &["code", "what", "disclosure_id", "text"]);
        let checked = check(&mut v, &self.what, self.disclosure_id, self.text);
        let checked = v
            .in_order(&["code", "what", "disclosure_id", "text"])
            .finish_with(|| checked)?;
        Ok((self.code, checked))
    }
}

impl AnswerInput {
    pub fn check(self) -> Result<(String, Vec<String>), Problem> {
        crate::input::declared(&self)?;
        Ok((self.text, self.document_ids))
    }
}
