//! Request bodies as the API reads them. Text fields are trimmed as they are read
//! ([`trimmed`], [`trimmed_opt`]), so the length a field declares with
//! `#[validate(length(…))]` counts the characters that are kept, exactly as stored.
//! Field rules are declared on the request types; the rules that need other fields or
//! stored records stay in the domain that checks the request.

use serde::{Deserialize, Deserializer};
use shared::error::{FieldError, Problem, Validation, from_validator};

/// A string field, trimmed.
pub fn trimmed<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(String::deserialize(d)?.trim().to_string())
}

/// An optional string field, trimmed (absent and `null` stay `None`).
pub fn trimmed_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(Option::<String>::deserialize(d)?.map(|s| s.trim().to_string()))
}

/// The declared field rules of `input` (`validator`), as one 422 with a message per field.
pub fn declared(input: &impl validator::Validate) -> Result<(), Problem> {
    let mut v = Validation::new();
    v.validator(input.validate());
    v.finish()
}

/// Adds the declared field rules of an item of a list to `v`, its fields named
/// `{prefix}.{field}` (e.g. `criteria[2].name`).
pub fn declared_item(v: &mut Validation, prefix: &str, item: &impl validator::Validate) {
    if let Err(errors) = item.validate() {
        for e in from_validator(&errors, prefix) {
            v.push(e);
        }
    }
}

/// The 422 of `v` (whose errors say why a parsed value is missing).
pub fn refused(v: Validation) -> Problem {
    v.finish()
        .err()
        .unwrap_or_else(|| Problem::validation(Vec::new()))
}

/// A request naming a compound tender has no copy of (the catalog's ledger entry has not
/// arrived): 422 on `compound_id`.
pub fn unknown_compound() -> Problem {
    Problem::validation(vec![FieldError::new(
        "compound_id",
        "unknown_compound",
        "平台尚未收到该小区的台账信息",
    )])
}
