//! An account as the API and the feed show it, and its role and scope as stored.

use serde::Serialize;
use shared::auth::{Role, Scope};
use utoipa::ToSchema;
use validator::Validate;

/// The feed topic of account changes.
pub const TOPIC: &str = shared::events::catalog::ACCOUNT;

/// Usernames are 3–32 characters of `a-z 0-9 _ . -`.
pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 32;
/// Passwords are 10–128 characters (the upper bound keeps argon2's input small).
pub const PASSWORD_MIN: usize = 10;
pub const PASSWORD_MAX: usize = 128;
/// Display names are 1–64 characters.
pub const DISPLAY_NAME_MAX: usize = 64;

/// An account to create, with the field rules of its username, display name and password
/// (`super::rules`). The password is hashed before it is stored.
#[derive(Debug, Clone, Validate)]
pub struct NewAccount {
    #[validate(custom(function = "super::rules::username"))]
    pub username: String,
    #[validate(custom(function = "super::rules::display_name"))]
    pub display_name: String,
    #[validate(custom(function = "super::rules::new_password"))]
    pub password: String,
    pub role: Role,
    pub scope: Scope,
}

/// An account as the API and the feed show it: never its password hash.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Account {
    pub id: String,
    /// Sign-in name: 3–32 characters of `a-z 0-9 _ . -`.
    pub username: String,
    /// The name shown to people (e.g. 锦江区住建局 张三).
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
    /// What the scope is called, where the ledger names it: a committee account's compound
    /// name (小区名称); absent otherwise.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scope_name: Option<String>,
    /// A disabled account (已停用) cannot sign in.
    pub disabled: bool,
    /// After a password reset: the account must change its one-time password before the
    /// catalog answers anything else (403 `password_change_required`).
    pub must_change_password: bool,
    /// RFC 3339.
    pub created_at: String,
    /// RFC 3339.
    pub updated_at: String,
}

/// What the `account` feed topic carries for every change (never the hash).
#[derive(Debug, Serialize)]
pub struct AccountChange<'a> {
    pub id: &'a str,
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub scope: &'a Scope,
    pub disabled: bool,
    pub must_change_password: bool,
}

impl Account {
    pub fn change(&self) -> AccountChange<'_> {
        AccountChange {
            id: &self.id,
            username: &self.username,
            display_name: &self.display_name,
            role: self.role,
            scope: &self.scope,
            disabled: self.disabled,
            must_change_password: self.must_change_password,
        }
    }
}

/// An account with its stored hash, for checking a password.
#[derive(Debug, Clone)]
pub struct StoredAccount {
    pub account: Account,
    pub password_hash: String,
}

/// `(scope_kind, scope_id)` as stored.
pub fn scope_columns(scope: &Scope) -> (&'static str, Option<&str>) {
    match scope {
        Scope::City => ("city", None),
        Scope::District(id) => ("district", Some(id)),
        Scope::Street(id) => ("street", Some(id)),
        Scope::Compound(id) => ("compound", Some(id)),
        Scope::Firm(id) => ("firm", Some(id)),
    }
}

/// The scope from its stored columns.
pub fn scope_from_columns(kind: &str, id: Option<String>) -> Option<Scope> {
    match (kind, id) {
        ("city", _) => Some(Scope::City),
        ("district", Some(id)) => Some(Scope::District(id)),
        ("street", Some(id)) => Some(Scope::Street(id)),
        ("compound", Some(id)) => Some(Scope::Compound(id)),
        ("firm", Some(id)) => Some(Scope::Firm(id)),
        _ => None,
    }
}

pub fn role_str(role: Role) -> &'static str {
    match role {
        Role::Association => "association",
        Role::DistrictOfficial => "district_official",
        Role::CityOfficial => "city_official",
        Role::StreetOfficial => "street_official",
        Role::Committee => "committee",
        Role::Firm => "firm",
        Role::Service => "service",
    }
}

/// A role an account can have (every role but `service`, which only services use).
pub fn account_role(s: &str) -> Option<Role> {
    match s {
        "association" => Some(Role::Association),
        "district_official" => Some(Role::DistrictOfficial),
        "city_official" => Some(Role::CityOfficial),
        "street_official" => Some(Role::StreetOfficial),
        "committee" => Some(Role::Committee),
        "firm" => Some(Role::Firm),
        _ => None,
    }
}
