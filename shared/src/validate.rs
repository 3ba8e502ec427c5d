//! Field rules for `#[derive(validator::Validate)]` request types: `custom(function = …)`
//! targets that read text the way the platform does (trimmed, counted in characters, not
//! bytes) or call a domain newtype's parser, so the rule sits next to the field and the
//! message is the newtype's own.
//!
//! ```text
//! #[derive(Deserialize, Validate)]
//! struct ReasonInput {
//!     #[validate(
//!         required(message = "请填写理由"),
//!         custom(function = "shared::validate::not_blank", message = "请填写理由"),
//!         custom(function = "shared::validate::max_chars::<500>", message = "理由不能超过 500 字")
//!     )]
//!     reason: Option<String>,
//! }
//! ```
//!
//! A message may name the parameters a rule sets: `{chars}` (the trimmed text's length),
//! `{min}`, `{max}` (see `shared::error::from_validator`).

use std::borrow::Cow;

use validator::ValidationError;

use crate::domain::roster::parse_date;
use crate::domain::{CreditCode, DistrictCode, DomainError, PhoneNumber, StreetCode};

/// Trimmed length in characters (not bytes: 企业 is 2).
pub fn chars(s: &str) -> usize {
    s.trim().chars().count()
}

fn error(code: &'static str, chars: usize) -> ValidationError {
    let mut e = ValidationError::new(code);
    e.add_param(Cow::from("chars"), &chars);
    e
}

/// An optional text field of a request whose rules were already checked, as the trimmed
/// text it holds (empty when absent).
pub fn trimmed_or_empty(text: &Option<String>) -> String {
    text.as_deref().unwrap_or("").trim().to_string()
}

/// Not blank once trimmed (code `required`).
pub fn not_blank(s: &str) -> Result<(), ValidationError> {
    if chars(s) == 0 {
        Err(ValidationError::new("required"))
    } else {
        Ok(())
    }
}

/// Not empty, as sent (a password: blanks are characters too) (code `required`).
pub fn not_empty(s: &str) -> Result<(), ValidationError> {
    if s.is_empty() {
        Err(ValidationError::new("required"))
    } else {
        Ok(())
    }
}

/// At most `MAX` characters once trimmed (code `length`, parameter `chars`).
pub fn max_chars<const MAX: usize>(s: &str) -> Result<(), ValidationError> {
    let n = chars(s);
    if n > MAX {
        let mut e = error("length", n);
        e.add_param(Cow::from("max"), &MAX);
        Err(e)
    } else {
        Ok(())
    }
}

/// `MIN`–`MAX` characters once trimmed (code `length`, parameter `chars`); a blank text
/// passes, for `not_blank` to name it.
pub fn chars_between<const MIN: usize, const MAX: usize>(s: &str) -> Result<(), ValidationError> {
    let n = chars(s);
    if n != 0 && !(MIN..=MAX).contains(&n) {
        let mut e = error("length", n);
        e.add_param(Cow::from("min"), &MIN);
        e.add_param(Cow::from("max"), &MAX);
        Err(e)
    } else {
        Ok(())
    }
}

/// A whole number not below zero (code `negative`).
pub fn not_negative(n: i64) -> Result<(), ValidationError> {
    if n < 0 {
        Err(ValidationError::new("negative"))
    } else {
        Ok(())
    }
}

/// A whole number of at least `MIN` (code `range`, parameter `min`); a negative one passes,
/// for `not_negative` to name.
pub fn at_least<const MIN: i64>(n: i64) -> Result<(), ValidationError> {
    if (0..MIN).contains(&n) {
        let mut e = ValidationError::new("range");
        e.add_param(Cow::from("min"), &MIN);
        Err(e)
    } else {
        Ok(())
    }
}

/// A whole number of at most `MAX` (code `range`, parameter `max`).
pub fn at_most<const MAX: i64>(n: i64) -> Result<(), ValidationError> {
    if n > MAX {
        let mut e = ValidationError::new("range");
        e.add_param(Cow::from("max"), &MAX);
        Err(e)
    } else {
        Ok(())
    }
}

/// A domain parser's verdict as a field rule: its code and Chinese message.
pub fn domain<T>(parsed: Result<T, DomainError>) -> Result<(), ValidationError> {
    parsed
        .map(|_| ())
        .map_err(|e| ValidationError::new(e.code).with_message(Cow::Owned(e.message)))
}

/// A `YYYY-MM-DD` date.
pub fn date(s: &str) -> Result<(), ValidationError> {
    domain(parse_date(s))
}

/// A `YYYY-MM-DD` date; blank passes (an optional parameter left empty).
pub fn date_if_given(s: &str) -> Result<(), ValidationError> {
    if s.trim().is_empty() {
        return Ok(());
    }
    date(s)
}

/// A 统一社会信用代码.
pub fn credit_code(s: &str) -> Result<(), ValidationError> {
    domain(CreditCode::parse(s))
}

/// A phone number.
pub fn phone(s: &str) -> Result<(), ValidationError> {
    domain(PhoneNumber::parse(s))
}

/// A district code of Chengdu; blank passes (an optional field left empty).
pub fn district_code(s: &str) -> Result<(), ValidationError> {
    if s.trim().is_empty() {
        return Ok(());
    }
    domain(DistrictCode::parse(s))
}

/// A street code of Chengdu; blank passes (an optional field left empty).
pub fn street_code(s: &str) -> Result<(), ValidationError> {
    if s.trim().is_empty() {
        return Ok(());
    }
    domain(StreetCode::parse(s))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Validation;
    use validator::Validate;

    #[derive(Validate)]
    struct Form {
        #[validate(
            required(message = "请填写名称"),
            custom(function = "not_blank", message = "请填写名称"),
            custom(
                function = "chars_between::<2, 4>",
                message = "名称应为 {min}–{max} 个字，当前为 {chars} 个字"
            )
        )]
        name: Option<String>,
        #[validate(custom(function = "district_code"))]
        district: Option<String>,
        #[validate(custom(function = "max_chars::<3>", message = "不能超过 {max} 字"))]
        note: String,
    }

    fn messages(form: &Form) -> Vec<(String, String, String)> {
        let mut v = Validation::new();
        v.rules(form, &["name", "district", "note"]);
        match v.finish() {
            Ok(()) => Vec::new(),
            Err(p) => p
                .errors
                .into_iter()
                .map(|e| (e.field, e.code, e.message))
                .collect(),
        }
    }

    #[test]
    fn text_is_trimmed_and_counted_in_characters() {
        let ok = Form {
            name: Some(" 锦江物业 ".into()),
            district: Some("510104".into()),
            note: "  备注  ".into(),
        };
        assert!(messages(&ok).is_empty());
        let bad = Form {
            name: Some("锦江物业公司".into()),
            district: Some("999999".into()),
            note: "四个字了".into(),
        };
        let m = messages(&bad);
        assert_eq!(m[0].0, "name");
        assert_eq!(m[0].2, "名称应为 2–4 个字，当前为 6 个字");
        assert_eq!(m[1].0, "district");
        assert_eq!(m[1].1, DistrictCode::parse("999999").unwrap_err().code);
        assert_eq!(m[2].2, "不能超过 3 字");
        let missing = Form {
            name: Some("  ".into()),
            district: None,
            note: String::new(),
        };
        assert_eq!(
            messages(&missing),
            [("name".into(), "required".into(), "请填写名称".into())]
        );
        let absent = Form {
            name: None,
            ..missing
        };
        assert_eq!(messages(&absent)[0].1, "required");
    }
}
