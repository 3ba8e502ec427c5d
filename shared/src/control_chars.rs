//! Control characters (C0: U+0000–U+001F) in text a client sends.
//!
//! No text field of any API takes them: a NUL cannot be stored in PostgreSQL's `text` and
//! the others only hide or garble what a person reads. Line breaks and tabs (`\n`, `\r`,
//! `\t`) stay allowed, as multi-line text (reasons, comments, notes) needs them; a
//! single-line field that must not hold them says so in its own rule. The JSON body and
//! query extractors of [`crate::extract`] call [`check_json`] and [`check_pairs`], so every
//! service answers a 422 naming the field before a handler sees the text.

use serde_json::Value;

use crate::error::FieldError;

/// The stable code of the field error.
pub const CODE: &str = "control_characters";

/// The Chinese message of the field error.
pub const MESSAGE: &str = "含有不允许的控制字符（如 NUL），请删除后重新提交";

/// Whether `s` holds a C0 control character other than a line break or a tab.
pub fn has_forbidden(s: &str) -> bool {
    s.chars()
        .any(|c| c.is_ascii_control() && c != '\u{7f}' && !matches!(c, '\n' | '\r' | '\t'))
}

/// One error per string (value or key) of the JSON document holding a forbidden control
/// character, named by its path (`title`, `options[1]`, `location.lat`).
pub fn check_json(value: &Value) -> Vec<FieldError> {
    let mut errors = Vec::new();
    walk(value, &mut String::new(), &mut errors);
    errors
}

/// One error per query parameter whose name or value holds a forbidden control character.
pub fn check_pairs(pairs: &[(String, String)]) -> Vec<FieldError> {
    let mut errors: Vec<FieldError> = Vec::new();
    for (name, value) in pairs {
        if (has_forbidden(name) || has_forbidden(value)) && !errors.iter().any(|e| e.field == *name)
        {
            errors.push(error(printable(name)));
        }
    }
    errors
}

fn error(field: String) -> FieldError {
    FieldError::new(field, CODE, MESSAGE)
}

/// A field name fit to echo back: its control characters shown as `\u{…}`.
fn printable(name: &str) -> String {
    name.chars()
        .map(|c| {
            if has_forbidden(c.encode_utf8(&mut [0; 4])) {
                format!("\\u{{{:04x}}}", c as u32)
            } else {
                c.to_string()
            }
        })
        .collect()
}

fn walk(value: &Value, path: &mut String, errors: &mut Vec<FieldError>) {
    match value {
        Value::String(s) if has_forbidden(s) => errors.push(error(root_named(path))),
        Value::Array(items) => {
            for (i, item) in items.iter().enumerate() {
                let len = path.len();
                path.push_str(&format!("[{i}]"));
                walk(item, path, errors);
                path.truncate(len);
            }
        }
        Value::Object(fields) => {
            for (key, item) in fields {
                let len = path.len();
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(&printable(key));
                if has_forbidden(key) {
                    errors.push(error(path.clone()));
                } else {
                    walk(item, path, errors);
                }
                path.truncate(len);
            }
        }
        _ => {}
    }
}

/// The path, or `body` for a document that is itself one string.
fn root_named(path: &str) -> String {
    if path.is_empty() {
        "body".to_string()
    } else {
        path.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn line_breaks_and_tabs_pass_other_c0_characters_do_not() {
        assert!(!has_forbidden("第一行\n第二行\r\n\t缩进"));
        assert!(has_forbidden("a\u{0}b"));
        assert!(has_forbidden("\u{1b}[31m"));
        assert!(has_forbidden("\u{7}"));
        assert!(!has_forbidden("普通文字 DEL\u{7f}"));
    }

    #[test]
    fn every_bad_string_is_named_by_its_path() {
        let body = json!({
            "title": "标题\u{0}",
            "note": "多行\n说明",
            "options": ["好", "坏\u{1}"],
            "place": { "name": "\u{8}" , "lat": 30.1 },
            "bad\u{0}key": "x"
        });
        let mut fields: Vec<String> = check_json(&body).into_iter().map(|e| e.field).collect();
        fields.sort();
        assert_eq!(
            fields,
            ["bad\\u{0000}key", "options[1]", "place.name", "title"]
        );
        assert!(check_json(&json!({"a": ["x\ty"], "b": 1})).is_empty());
    }

    #[test]
    fn query_pairs_are_named_once() {
        let pairs = vec![
            ("q".to_string(), "a\u{0}".to_string()),
            ("q".to_string(), "b\u{0}".to_string()),
            ("state".to_string(), "open".to_string()),
        ];
        let errors = check_pairs(&pairs);
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].field, "q");
        assert_eq!(errors[0].code, CODE);
    }
}
