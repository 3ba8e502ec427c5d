//! 物业服务方式 (service models): how a compound is served. Data, not an enum: the
//! migration seeds the four of Chengdu practice (`professional` 专业化物业服务, `trust`
//! 信托制物业, `community` 公益/保障型物业, `self_managed` 业主自治管理) and the association
//! may add more, each addition a `service_model` change on the feed.

use serde::{Deserialize, Serialize};
use shared::error::{FieldError, Problem, Validation};
use sqlx::AnyConnection;
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use crate::error::Result;

/// The feed topic of service models.
pub const TOPIC: &str = shared::events::catalog::SERVICE_MODEL;

/// A service model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema, sqlx::FromRow)]
pub struct ServiceModel {
    /// Machine code, e.g. `trust`.
    pub code: String,
    /// Chinese name, e.g. 信托制物业.
    pub name_zh: String,
    /// What it means, in Chinese.
    pub description_zh: String,
}

/// A service model to add.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, Validate)]
pub struct ServiceModelInput {
    /// Lowercase letters, digits and `_`, starting with a letter, 2–32 characters.
    #[validate(
        required(message = "请填写代码"),
        custom(function = "shared::validate::not_blank", message = "请填写代码"),
        custom(
            function = "model_code",
            code = "invalid_code",
            message = "代码应为 2–32 位小写字母、数字或下划线，且以字母开头"
        )
    )]
    pub code: Option<String>,
    /// 1–50 characters.
    #[validate(
        required(message = "请填写中文名称"),
        custom(function = "shared::validate::not_blank", message = "请填写中文名称"),
        custom(
            function = "shared::validate::max_chars::<50>",
            message = "中文名称不能超过 50 字"
        )
    )]
    pub name_zh: Option<String>,
    /// 1–1000 characters.
    #[validate(
        required(message = "请填写说明"),
        custom(function = "shared::validate::not_blank", message = "请填写说明"),
        custom(
            function = "shared::validate::max_chars::<1000>",
            message = "说明不能超过 1000 字"
        )
    )]
    pub description_zh: Option<String>,
}

fn valid_code(code: &str) -> bool {
    let mut chars = code.chars();
    (2..=32).contains(&code.len())
        && chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// A model code once trimmed (a blank one is `not_blank`'s to name).
fn model_code(code: &str) -> Result<(), ValidationError> {
    let code = code.trim();
    if code.is_empty() || valid_code(code) {
        Ok(())
    } else {
        Err(ValidationError::new("invalid_code"))
    }
}

impl ServiceModelInput {
    pub fn check(&self) -> std::result::Result<ServiceModel, Problem> {
        let mut v = Validation::new();
        v.rules(self, &["code", "name_zh", "description_zh"]);
        let text = |s: &Option<String>| Some(s.as_deref()?.trim().to_string());
        v.finish_with(|| {
            Some(ServiceModel {
                code: text(&self.code)?,
                name_zh: text(&self.name_zh)?,
                description_zh: text(&self.description_zh)?,
            })
        })
    }
}

/// All service models, by code.
pub async fn all(conn: &mut AnyConnection) -> Result<Vec<ServiceModel>> {
    Ok(
        sqlx::query_as("SELECT code, name_zh, description_zh FROM service_model ORDER BY code")
            .fetch_all(conn)
            .await?,
    )
}

/// The codes of all service models.
pub async fn codes(conn: &mut AnyConnection) -> Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT code FROM service_model ORDER BY code")
            .fetch_all(conn)
            .await?,
    )
}

/// Whether a model with this code exists.
pub async fn exists(conn: &mut AnyConnection, code: &str) -> Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM service_model WHERE code = $1")
        .bind(code)
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}

/// 409 for a code that is taken.
pub fn duplicate(code: &str) -> Problem {
    Problem::conflict(
        "duplicate_service_model",
        format!("物业服务方式“{code}”已存在。"),
    )
    .with_errors(vec![FieldError::new("code", "duplicate", "该代码已被使用")])
}

/// Inserts a model.
pub async fn insert(conn: &mut AnyConnection, model: &ServiceModel, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO service_model (code, name_zh, description_zh, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(&model.code)
    .bind(&model.name_zh)
    .bind(&model.description_zh)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes() {
        assert!(valid_code("trust"));
        assert!(valid_code("mixed_2"));
        for bad in ["T", "Trust", "2x", "a-b", "信托", "a"] {
            assert!(!valid_code(bad), "{bad}");
        }
    }
}
