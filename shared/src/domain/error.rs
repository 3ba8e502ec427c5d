//! The error every domain constructor returns.

use std::borrow::Cow;

use serde::Serialize;

/// Why a value was refused by a domain constructor.
///
/// `code` is a stable snake_case machine code (e.g. `"invalid_credit_code_check"`) that
/// clients may switch on; `message` is a Simplified Chinese sentence for end users (e.g.
/// "统一社会信用代码校验位错误"). Callers usually attach it to the form or JSON field the
/// value came from, e.g. through the [`validator::ValidationError`] conversion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{message}")]
pub struct DomainError {
    /// Stable snake_case machine code.
    pub code: &'static str,
    /// Message for end users, in Simplified Chinese.
    pub message: String,
}

impl DomainError {
    /// Builds an error from a machine code and a Chinese message.
    pub fn new(code: &'static str, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// The most of a refused input an error message quotes, in characters.
pub const QUOTED_CHARS: usize = 40;

/// `input` as an error message may quote it: at most [`QUOTED_CHARS`] characters, then `…`,
/// so a hostile megabyte never comes back (and is never copied) in a message.
pub fn quoted(input: &str) -> Cow<'_, str> {
    match input.char_indices().nth(QUOTED_CHARS) {
        None => Cow::Borrowed(input),
        Some((end, _)) => Cow::Owned(format!("{}…", &input[..end])),
    }
}

impl From<DomainError> for validator::ValidationError {
    fn from(error: DomainError) -> Self {
        validator::ValidationError::new(error.code).with_message(Cow::Owned(error.message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn displays_the_chinese_message() {
        let error = DomainError::new("invalid_thing", "东西不对");
        assert_eq!(error.to_string(), "东西不对");
        assert_eq!(error.code, "invalid_thing");
    }

    #[test]
    fn converts_to_a_validation_error() {
        let error: validator::ValidationError =
            DomainError::new("invalid_thing", "东西不对").into();
        assert_eq!(error.code, "invalid_thing");
        assert_eq!(error.message.as_deref(), Some("东西不对"));
    }
}
