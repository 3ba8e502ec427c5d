//! Accounts as the catalog answers them (`/catalog/accounts…`), with the texts the
//! account pages print.

use serde::Deserialize;
use shared::auth::{Role, Scope};
use shared::domain::{district, street};

use crate::format::when;

/// An account.
#[derive(Debug, Clone, Deserialize)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub scope: Scope,
    /// A committee account's compound name (the catalog reads it from the ledger).
    #[serde(default)]
    pub scope_name: Option<String>,
    pub disabled: bool,
    #[serde(default)]
    pub must_change_password: bool,
    pub created_at: String,
}

impl Account {
    pub fn role_label(&self) -> &'static str {
        self.role.label_zh()
    }

    /// What the account acts on, in words: 全市, 锦江区, 锦江区锦官驿街道, 小区 …, a
    /// committee's compound by its name.
    pub fn scope_label(&self) -> String {
        match (&self.scope, &self.scope_name) {
            (Scope::Compound(_), Some(name)) => format!("小区 {name}"),
            _ => scope_label(&self.scope),
        }
    }

    pub fn status_label(&self) -> &'static str {
        match (self.disabled, self.must_change_password) {
            (true, _) => "已停用",
            (false, true) => "待修改密码",
            (false, false) => "正常",
        }
    }

    pub fn created(&self) -> String {
        when(&self.created_at)
    }
}

/// A scope in words.
pub fn scope_label(scope: &Scope) -> String {
    match scope {
        Scope::City => "全市".into(),
        Scope::District(d) => district(d).map_or_else(|| d.clone(), |x| x.name.to_string()),
        Scope::Street(s) => street(s).map_or_else(
            || s.clone(),
            |x| {
                let d = district(&s[..6.min(s.len())]).map_or("", |d| d.name);
                format!("{d}{}", x.name)
            },
        ),
        Scope::Compound(c) => format!("小区 {c}"),
        Scope::Firm(f) => format!("企业 {f}"),
    }
}

/// One change to an account.
#[derive(Debug, Clone, Deserialize)]
pub struct AccountEvent {
    pub kind: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
    pub actor_name: String,
    pub at: String,
}

impl AccountEvent {
    pub fn kind_label(&self) -> &'static str {
        match self.kind.as_str() {
            "created" => "创建账号",
            "disabled" => "停用",
            "enabled" => "启用",
            "password_reset" => "重置密码",
            "password_changed" => "修改密码",
            "display_name_changed" => "修改显示名称",
            _ => "其他变更",
        }
    }

    /// `旧 → 新`, or nothing when the change has no value to show (passwords never do).
    pub fn change(&self) -> String {
        match (&self.old_value, &self.new_value) {
            (Some(o), Some(n)) => format!("{o} → {n}"),
            (None, Some(n)) => n.clone(),
            _ => String::new(),
        }
    }

    pub fn when(&self) -> String {
        when(&self.at)
    }
}

/// A password reset's answer: the one-time password, shown once.
#[derive(Debug, Clone, Deserialize)]
pub struct PasswordReset {
    pub account: Account,
    pub one_time_password: String,
}
