//! 企业工作台: the firm's application form and profile, nearby open tenders with reasons, sealed bids (place, replace, withdraw) with a countdown, results, contracts and published accounts.

mod apply;
mod bid;
mod home;

use std::collections::BTreeMap;

use axum::Router;
use axum::routing::{get, post};
use shared::auth::{Identity, Scope};

use super::WebState;
use crate::api::ApiError;

pub fn routes() -> Router<WebState> {
    Router::new()
        .route("/apply", get(apply::form).post(apply::submit))
        .route("/firm", get(home::home))
        .route(
            "/firm/profile",
            get(apply::profile_form).post(apply::profile_submit),
        )
        .route(
            "/firm/contracts/{cid}/disclosures",
            post(home::publish_disclosure),
        )
        .route("/firm/tenders/{id}", get(bid::page))
        .route("/firm/tenders/{id}/bid", post(bid::place))
        .route("/firm/tenders/{id}/bid/replace", post(bid::replace))
        .route("/firm/tenders/{id}/bid/withdraw", post(bid::withdraw))
        .route("/firm/tenders/{id}/bid/confirm", post(bid::confirm))
}

/// The firm a firm account acts for.
pub fn firm_id(identity: &Identity) -> String {
    match &identity.scope {
        Scope::Firm(id) => id.clone(),
        _ => String::new(),
    }
}

/// A posted form as name/value pairs (checkbox groups repeat a name).
#[derive(Debug, Default, Clone)]
pub struct Fields(pub Vec<(String, String)>);

impl Fields {
    /// The first value of `name`, trimmed ("" when absent).
    pub fn get(&self, name: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    }

    /// Every non-empty value of `name`.
    pub fn all(&self, name: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, v)| k == name && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
            .collect()
    }
}

/// Errors of a refused form, keyed by the API's field path without list indexes
/// (`districts_served[0]` → `districts_served`, `account.username` stays).
#[derive(Debug, Clone, Default)]
pub struct FieldErrors {
    pub general: Option<String>,
    pub fields: BTreeMap<String, String>,
}

impl FieldErrors {
    pub fn from_api(e: &ApiError) -> Self {
        let mut out = Self::default();
        if let ApiError::Refused { problem, .. } = e {
            for f in &problem.errors {
                let key = f.field.split('[').next().unwrap_or(&f.field).to_string();
                out.fields.entry(key).or_insert_with(|| f.message.clone());
            }
        }
        out.general = Some(if out.fields.is_empty() {
            e.message()
        } else {
            "表单有误，请按提示修改后重新提交。".into()
        });
        out
    }

    /// A message the page itself found (it replaces the API's for that field).
    pub fn set(&mut self, field: &str, message: &str) {
        self.fields.insert(field.to_string(), message.to_string());
        if self.general.is_none() {
            self.general = Some("表单有误，请按提示修改后重新提交。".into());
        }
    }

    pub fn get(&self, field: &str) -> Option<&str> {
        self.fields.get(field).map(String::as_str)
    }

    pub fn has(&self, field: &str) -> bool {
        self.fields.contains_key(field)
    }

    pub fn is_empty(&self) -> bool {
        self.general.is_none() && self.fields.is_empty()
    }
}

/// A money amount typed in 元 (up to two decimals) as 分; `None` when it is not one.
pub fn fen_of_yuan(input: &str) -> Option<i64> {
    let s = input.trim().replace([',', '，'], "");
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), f.to_string()),
        None => (s.clone(), String::new()),
    };
    let negative = int.starts_with('-');
    let int = int.trim_start_matches('-');
    if int.is_empty() && frac.is_empty()
        || !int.chars().all(|c| c.is_ascii_digit())
        || !frac.chars().all(|c| c.is_ascii_digit())
        || frac.len() > 2
    {
        return None;
    }
    let whole: i64 = if int.is_empty() { 0 } else { int.parse().ok()? };
    let cents: i64 = format!("{frac:0<2}").parse().ok()?;
    let v = whole.checked_mul(100)?.checked_add(cents)?;
    Some(if negative { -v } else { v })
}

/// Remaining time as people say it: “2 天 3 小时”, “3 小时 5 分”, “4 分 10 秒”, “35 秒”.
pub fn remaining(ms: i64) -> String {
    let s = (ms.max(0) + 999) / 1000;
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3600, s % 3600 / 60, s % 60);
    if d > 0 {
        format!("{d} 天 {h} 小时")
    } else if h > 0 {
        format!("{h} 小时 {m} 分")
    } else if m > 0 {
        format!("{m} 分 {sec} 秒")
    } else {
        format!("{sec} 秒")
    }
}

/// An RFC 3339 instant as ms since the epoch.
pub fn instant_ms(s: &str) -> Option<i64> {
    let at = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339).ok()?;
    i64::try_from(at.unix_timestamp_nanos() / 1_000_000).ok()
}

/// An RFC 3339 instant as Beijing time, `2026-03-01 09:30`.
pub fn beijing(s: &str) -> String {
    let Ok(at) = time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
    else {
        return s.to_string();
    };
    let at = at.to_offset(time::macros::offset!(+8));
    let fmt = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second]");
    at.format(&fmt).unwrap_or_else(|_| s.to_string())
}

pub fn now_ms() -> i64 {
    i64::try_from(time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yuan_are_read_as_fen() {
        assert_eq!(fen_of_yuan("1.8"), Some(180));
        assert_eq!(fen_of_yuan("1.80"), Some(180));
        assert_eq!(fen_of_yuan("2"), Some(200));
        assert_eq!(fen_of_yuan("604,800.5"), Some(60_480_050));
        assert_eq!(fen_of_yuan("-3.25"), Some(-325));
        assert_eq!(fen_of_yuan("1.234"), None);
        assert_eq!(fen_of_yuan("abc"), None);
        assert_eq!(fen_of_yuan(""), None);
    }

    #[test]
    fn remaining_time_reads_naturally() {
        assert_eq!(remaining(35_000), "35 秒");
        assert_eq!(remaining(34_001), "35 秒");
        assert_eq!(remaining(250_000), "4 分 10 秒");
        assert_eq!(remaining((3 * 3600 + 5 * 60) * 1000), "3 小时 5 分");
        assert_eq!(remaining((2 * 86_400 + 3 * 3600) * 1000), "2 天 3 小时");
        assert_eq!(remaining(-5), "0 秒");
    }

    #[test]
    fn instants_read_in_beijing_time() {
        assert_eq!(beijing("2026-03-01T01:30:00.000Z"), "2026-03-01 09:30:00");
        assert_eq!(instant_ms("1970-01-01T08:00:01.500+08:00"), Some(1_500));
    }
}
