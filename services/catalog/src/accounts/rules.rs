//! What a new account's username, display name and password must be, and the scope its
//! role acts on.

use shared::auth::{Role, Scope};
use shared::domain::{DistrictCode, StreetCode};
use shared::error::FieldError;

use super::record::{
    DISPLAY_NAME_MAX, NewAccount, PASSWORD_MAX, PASSWORD_MIN, USERNAME_MAX, USERNAME_MIN,
};

/// How a username typed at sign-in is compared: trimmed and lower-cased (usernames are
/// stored lower-case), so `Admin ` and `admin` are the same account and the same
/// throttling key.
pub fn normalise_username(input: &str) -> String {
    input.trim().to_lowercase()
}

/// A new account's username: 3–32 characters of `a-z 0-9 _ . -`.
pub fn check_username(field: &str, username: &str) -> Option<FieldError> {
    let len = username.chars().count();
    if !(USERNAME_MIN..=USERNAME_MAX).contains(&len) {
        return Some(FieldError::new(
            field,
            "invalid_username",
            format!("用户名长度应为 {USERNAME_MIN}–{USERNAME_MAX} 个字符"),
        ));
    }
    if !username
        .chars()
        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '_' | '.' | '-'))
    {
        return Some(FieldError::new(
            field,
            "invalid_username",
            "用户名只能包含小写字母、数字、下划线、点和连字符",
        ));
    }
    None
}

/// A display name: 1–64 characters, not only blanks.
pub fn check_display_name(field: &str, name: &str) -> Option<FieldError> {
    let len = name.trim().chars().count();
    if len == 0 {
        Some(FieldError::new(field, "required", "请填写显示名称"))
    } else if len > DISPLAY_NAME_MAX {
        Some(FieldError::new(
            field,
            "length",
            format!("显示名称不能超过 {DISPLAY_NAME_MAX} 个字符"),
        ))
    } else {
        None
    }
}

/// A new password: 10–128 characters and not the username.
pub fn check_new_password(field: &str, password: &str, username: &str) -> Option<FieldError> {
    let len = password.chars().count();
    if len < PASSWORD_MIN {
        Some(FieldError::new(
            field,
            "password_too_short",
            format!("密码至少需要 {PASSWORD_MIN} 个字符"),
        ))
    } else if len > PASSWORD_MAX {
        Some(FieldError::new(
            field,
            "password_too_long",
            format!("密码不能超过 {PASSWORD_MAX} 个字符"),
        ))
    } else if password.trim().to_lowercase() == username.trim().to_lowercase() {
        Some(FieldError::new(
            field,
            "password_is_username",
            "密码不能与用户名相同",
        ))
    } else {
        None
    }
}

/// The scope a new account of this role acts on, from the submitted `scope_id`:
/// association → the city (no id), district official → a known district code, street
/// official → a known street code, committee → a compound id, firm → a firm id.
pub fn scope_for(field: &str, role: Role, scope_id: Option<&str>) -> Result<Scope, FieldError> {
    let id = scope_id.map(str::trim).filter(|s| !s.is_empty());
    let required = |what: &str| FieldError::new(field, "required", format!("请填写{what}"));
    match role {
        Role::Association | Role::Service => match id {
            None => Ok(Scope::City),
            Some(_) => Err(FieldError::new(
                field,
                "not_applicable",
                "协会账号作用于全市，不应填写范围",
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

/// Every field error of a new account's username, display name and password.
pub fn check_credentials(username: &str, display_name: &str, password: &str) -> Vec<FieldError> {
    [
        check_username("username", username),
        check_display_name("display_name", display_name),
        check_new_password("password", password, username),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Every field error of a new account.
pub fn check_new_account(account: &NewAccount) -> Vec<FieldError> {
    check_credentials(&account.username, &account.display_name, &account.password)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames() {
        assert!(check_username("u", "zhang.san-01_x").is_none());
        for bad in ["ab", "Zhang", "张三", "a b", &"x".repeat(33)] {
            assert!(check_username("u", bad).is_some(), "{bad} accepted");
        }
        assert_eq!(normalise_username("  Admin "), "admin");
    }

    #[test]
    fn passwords() {
        assert!(check_new_password("p", "correct horse", "zhang").is_none());
        assert_eq!(
            check_new_password("p", "short", "zhang").unwrap().code,
            "password_too_short"
        );
        assert_eq!(
            check_new_password("p", "zhangsan01", "zhangsan01")
                .unwrap()
                .code,
            "password_is_username"
        );
        assert_eq!(
            check_new_password("p", &"x".repeat(129), "zhang")
                .unwrap()
                .code,
            "password_too_long"
        );
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
