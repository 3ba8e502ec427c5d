//! What a new account's username, display name and password must be, and the scope its
//! role acts on.

use std::borrow::Cow;

use shared::auth::{Role, Scope};
use shared::domain::{DistrictCode, StreetCode};
use shared::error::{FieldError, Validation};
use validator::ValidationError;

use super::record::{
    DISPLAY_NAME_MAX, NewAccount, PASSWORD_MAX, PASSWORD_MIN, USERNAME_MAX, USERNAME_MIN,
};

/// How a username typed at sign-in is compared: trimmed and lower-cased (usernames are
/// stored lower-case), so `Admin ` and `admin` are the same account and the same
/// throttling key.
pub fn normalise_username(input: &str) -> String {
    input.trim().to_lowercase()
}

fn refused(code: &'static str, message: String) -> ValidationError {
    ValidationError::new(code).with_message(Cow::Owned(message))
}

/// A new account's username: 3–32 characters of `a-z 0-9 _ . -` (code `invalid_username`);
/// a field rule (`#[validate(custom(function = "…::username"))]`) with its own message.
pub fn username(username: &str) -> Result<(), ValidationError> {
    let len = username.chars().count();
    if !(USERNAME_MIN..=USERNAME_MAX).contains(&len) {
        return Err(refused(
            "invalid_username",
            format!("用户名长度应为 {USERNAME_MIN}–{USERNAME_MAX} 个字符"),
        ));
    }
    if !username
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'))
    {
        return Err(refused(
            "invalid_username",
            "用户名只能包含小写字母、数字、下划线、点和连字符".into(),
        ));
    }
    Ok(())
}

/// A display name: 1–64 characters, not only blanks (codes `required`, `length`); a field
/// rule with its own message.
pub fn display_name(name: &str) -> Result<(), ValidationError> {
    let len = shared::validate::chars(name);
    if len == 0 {
        Err(refused("required", "请填写显示名称".into()))
    } else if len > DISPLAY_NAME_MAX {
        Err(refused(
            "length",
            format!("显示名称不能超过 {DISPLAY_NAME_MAX} 个字符"),
        ))
    } else {
        Ok(())
    }
}

/// A new password: 10–128 characters (codes `password_too_short`, `password_too_long`); a
/// field rule with its own message. That it is not the username is
/// [`password_is_username`], a rule across fields.
pub fn new_password(password: &str) -> Result<(), ValidationError> {
    let len = password.chars().count();
    if len < PASSWORD_MIN {
        Err(refused(
            "password_too_short",
            format!("密码至少需要 {PASSWORD_MIN} 个字符"),
        ))
    } else if len > PASSWORD_MAX {
        Err(refused(
            "password_too_long",
            format!("密码不能超过 {PASSWORD_MAX} 个字符"),
        ))
    } else {
        Ok(())
    }
}

/// A new password that is the username (compared trimmed and lower-cased), on `field`.
pub fn password_is_username(field: &str, password: &str, username: &str) -> Option<FieldError> {
    (password.trim().to_lowercase() == username.trim().to_lowercase())
        .then(|| FieldError::new(field, "password_is_username", "密码不能与用户名相同"))
}

/// The rule across a new account's fields, after their declared rules: the password is
/// not the username (when the password passed its own rules).
pub fn credentials_across(v: &mut Validation, (username, password): (&str, &str)) {
    if !v.has("password")
        && let Some(e) = password_is_username("password", password, username)
    {
        v.push(e);
    }
}

/// The scope a new account of this role acts on, from the submitted `scope_id`:
/// association and city official → the city (no id), district official → a known district code, street
/// official → a known street code, committee → a compound id, firm → a firm id.
pub fn scope_for(field: &str, role: Role, scope_id: Option<&str>) -> Result<Scope, FieldError> {
    let id = scope_id.map(str::trim).filter(|s| !s.is_empty());
    let required = |what: &str| FieldError::new(field, "required", format!("请填写{what}"));
    match role {
        Role::Association | Role::CityOfficial | Role::Service => match id {
            None => Ok(Scope::City),
            Some(_) => Err(FieldError::new(
                field,
                "not_applicable",
                "协会和市级账号作用于全市，不应填写范围",
            )),
        },
        Role::DistrictOfficial => {
            let id = id.ok_or_else(|| required("区县代码"))?;
            DistrictCode::parse(id)
                .map(|d| Scope::District(d.as_str().to_string()))
                .map_err(|e| FieldError::domain(field, &e))
        }
        Role::StreetOfficial => {
            let id = id.ok_or_else(|| required("镇街道代码"))?;
            StreetCode::parse(id)
                .map(|s| Scope::Street(s.as_str().to_string()))
                .map_err(|e| FieldError::domain(field, &e))
        }
        // Existence of the compound or firm is checked where those live.
        Role::Committee => Ok(Scope::Compound(
            id.ok_or_else(|| required("小区编号"))?.to_string(),
        )),
        Role::Firm => Ok(Scope::Firm(
            id.ok_or_else(|| required("企业编号"))?.to_string(),
        )),
    }
}

/// Every field error of a new account (its declared rules in the order of its fields, then
/// the password against the username): what `POST /catalog/accounts` answers, and what
/// `wuye admin create-association` refuses.
pub fn check_new_account(account: &NewAccount) -> Vec<FieldError> {
    let mut v = Validation::new();
    v.rules(account, &["username", "display_name", "password"]);
    credentials_across(&mut v, (&account.username, &account.password));
    v.finish().err().map(|p| p.errors).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(username("zhang.san-01_x").is_ok());
        for bad in ["ab", "Zhang", "张三", "a b", &"x".repeat(33)] {
            assert!(username(bad).is_err(), "{bad} accepted");
        }
        assert_eq!(normalise_username("  Admin "), "admin");
    }

    #[test]
    fn passwords() {
        assert!(new_password("correct horse").is_ok());
        assert!(password_is_username("p", "correct horse", "zhang").is_none());
        assert_eq!(
            new_password("short").unwrap_err().code,
            "password_too_short"
        );
        assert_eq!(
            password_is_username("p", "zhangsan01", "zhangsan01")
                .unwrap()
                .code,
            "password_is_username"
        );
        assert_eq!(
            new_password(&"x".repeat(129)).unwrap_err().code,
            "password_too_long"
        );
    }

    #[test]
    fn a_new_account_answers_its_fields_in_order() {
        let account = NewAccount {
            username: "Zhang".into(),
            display_name: " ".into(),
            password: "short".into(),
            role: Role::Association,
            scope: Scope::City,
        };
        let errors = check_new_account(&account);
        let codes: Vec<_> = errors
            .iter()
            .map(|e| (e.field.as_str(), e.code.as_str(), e.message.as_str()))
            .collect();
        assert_eq!(
            codes,
            [
                (
                    "username",
                    "invalid_username",
                    "用户名只能包含小写字母、数字、下划线、点和连字符"
                ),
                ("display_name", "required", "请填写显示名称"),
                ("password", "password_too_short", "密码至少需要 10 个字符"),
            ]
        );
        let same = NewAccount {
            username: "zhangsan01".into(),
            display_name: "张三".into(),
            password: "ZhangSan01".into(),
            ..account
        };
        assert_eq!(check_new_account(&same)[0].code, "password_is_username");
    }

    #[test]
    fn scopes_follow_the_role() {
        assert_eq!(
            scope_for("s", Role::Association, None).unwrap(),
            Scope::City
        );
        assert!(scope_for("s", Role::Association, Some("510104")).is_err());
        assert_eq!(
            scope_for("s", Role::DistrictOfficial, Some("510104")).unwrap(),
            Scope::District("510104".into())
        );
        assert!(scope_for("s", Role::DistrictOfficial, Some("999999")).is_err());
        assert!(scope_for("s", Role::StreetOfficial, Some("510104")).is_err());
        assert!(scope_for("s", Role::Firm, Some(" ")).is_err());
        assert_eq!(
            scope_for("s", Role::Committee, Some("c1")).unwrap(),
            Scope::Compound("c1".into())
        );
    }
}
