//! The tender service's settings.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use shared::auth::TokenKeys;
use shared::client_addr::TrustedProxies;
use shared::http::Limits;

#[derive(Debug, Clone)]
pub struct TenderConfig {
    /// `sqlite://…` or `postgres://…`.
    pub database_url: String,
    /// Base URL of the catalog service, e.g. `http://127.0.0.1:8080` (its API is under `/catalog`).
    pub catalog_url: String,
    pub keys: Arc<TokenKeys>,
    pub limits: Limits,
    pub policy: TenderPolicy,
    /// Peers whose `X-Forwarded-For` is believed when counting owner-code requests per
    /// client address (the pages, a reverse proxy); default none.
    pub trusted_proxies: TrustedProxies,
    /// The data folder's `files/`, where documents are kept when `[tender] files` names no
    /// other place (`wuye up`); `None`: in memory unless `files` is set (tests).
    pub files_dir: Option<std::path::PathBuf>,
}

/// The tender rules that are configuration rather than code.
///
/// In a settings file it is the `[tender]` table, in the environment `WUYE_TENDER__…`
/// (e.g. `WUYE_TENDER__MIN_BID_WINDOW_SECS=86400`). Durations are whole seconds
/// (`min_bid_window_secs`, `notice_period_secs`) or milliseconds (`scheduler_tick_ms`);
/// every key has a default, so a file names only what it changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TenderPolicy {
    /// 最短投标期: the shortest time between publishing a tender (or changing its material
    /// terms) and its bid deadline. National practice for property-service tenders is 20
    /// days (《前期物业管理招标投标管理暂行办法》第十八条); tests and the demo shorten it.
    #[serde(rename = "min_bid_window_secs", with = "secs")]
    pub min_bid_window: Duration,
    /// 公示期: how long an award stays in public notice before the contract can be signed
    /// (default 5 days).
    #[serde(rename = "notice_period_secs", with = "secs")]
    pub notice_period: Duration,
    /// Whether an award re-checks the winner's standing by asking the catalog directly
    /// (`GET /catalog/firms/{id}`) besides the followed copy. On by default.
    pub verify_award_with_catalog: bool,
    /// How often the scheduler looks for tenders whose opening time has come.
    #[serde(rename = "scheduler_tick_ms", with = "millis")]
    pub scheduler_tick: Duration,
    /// The OCDS ocid prefix registered for this publisher (`ocds-` and six letters or
    /// digits); a tender's ocid is this prefix, `-`, and the tender's id.
    pub ocid_prefix: String,
    /// 补录期限: how many days back a contract's start, signing or termination date may lie
    /// (default 30). Dates earlier than today minus this window are refused, so the public
    /// coverage history cannot be rewritten after the fact.
    pub backdate_window_days: u32,
    /// 表决码限流: requests carrying an owner code one client address may make per minute
    /// (default 30); more are answered 429 with `Retry-After`.
    pub owner_code_requests_per_minute: u32,
    /// Where documents are kept (content-addressed): a local folder, `s3://bucket/prefix`
    /// (an S3-compatible store; credentials, region and endpoint from the `AWS_*`
    /// environment, e.g. `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`,
    /// `AWS_ENDPOINT`), or `memory`. Unset: the data folder's `files/` (`wuye up`), else
    /// memory. Environment: `WUYE_TENDER__FILES=s3://wuye-files/prod`.
    pub files: Option<String>,
    /// The largest document accepted, in bytes (default 15 MiB: under the service-wide
    /// request limit of 16 MiB). Checked while the upload is read.
    pub max_file_bytes: u64,
    /// 查阅期限: days an inspection request may wait for its answer (default 15).
    pub inspection_days: u32,
    /// 复核申请期限: how long after the committee's answer (or the street's decision) a
    /// bidder not satisfied may escalate its complaint to the next level (default 5 days).
    /// While it is open the contract cannot be signed.
    #[serde(rename = "escalation_window_secs", with = "secs")]
    pub escalation_window: Duration,
    /// 入不敷出: a compound's service fund is flagged once its month-end balance has been
    /// negative this many consecutive months (default 3).
    pub fund_deficit_months: u32,
    /// 公共收益归集: a fund that has kept at least this many months is flagged when it
    /// recorded no common revenue (parking, advertising, other) over the last this many
    /// months (default 3).
    pub fund_pooling_months: u32,
}

impl Default for TenderPolicy {
    fn default() -> Self {
        Self {
            min_bid_window: Duration::from_secs(20 * 24 * 3600),
            notice_period: Duration::from_secs(5 * 24 * 3600),
            verify_award_with_catalog: true,
            scheduler_tick: Duration::from_millis(500),
            ocid_prefix: DEFAULT_OCID_PREFIX.to_string(),
            backdate_window_days: DEFAULT_BACKDATE_WINDOW_DAYS,
            owner_code_requests_per_minute: DEFAULT_OWNER_CODE_REQUESTS_PER_MINUTE,
            files: None,
            max_file_bytes: DEFAULT_MAX_FILE_BYTES,
            inspection_days: DEFAULT_INSPECTION_DAYS,
            escalation_window: Duration::from_secs(5 * 24 * 3600),
            fund_deficit_months: 3,
            fund_pooling_months: 3,
        }
    }
}

/// The largest document accepted until configured otherwise: 15 MiB.
pub const DEFAULT_MAX_FILE_BYTES: u64 = 15 * 1024 * 1024;

/// Days an inspection request may wait for its answer until configured otherwise.
pub const DEFAULT_INSPECTION_DAYS: u32 = 15;

/// How many days back contract dates may lie until configured otherwise.
pub const DEFAULT_BACKDATE_WINDOW_DAYS: u32 = 30;

/// Owner-code requests per client address per minute until configured otherwise.
pub const DEFAULT_OWNER_CODE_REQUESTS_PER_MINUTE: u32 = 30;

/// The ocid prefix used until one is configured.
pub const DEFAULT_OCID_PREFIX: &str = "ocds-wuye01";

impl TenderPolicy {
    /// The minimum bidding window in milliseconds.
    pub fn min_bid_window_ms(&self) -> i64 {
        i64::try_from(self.min_bid_window.as_millis()).unwrap_or(i64::MAX)
    }

    /// The notice period in milliseconds.
    pub fn notice_period_ms(&self) -> i64 {
        i64::try_from(self.notice_period.as_millis()).unwrap_or(i64::MAX)
    }

    /// The escalation window in milliseconds.
    pub fn escalation_window_ms(&self) -> i64 {
        i64::try_from(self.escalation_window.as_millis()).unwrap_or(i64::MAX)
    }

    /// The earliest contract date (start, signing, termination) accepted on `today`.
    pub fn earliest_backdate(&self, today: time::Date) -> time::Date {
        today
            .checked_sub(time::Duration::days(i64::from(self.backdate_window_days)))
            .unwrap_or(time::Date::MIN)
    }

    /// Checks the rules are coherent; a message in English for the operator otherwise.
    pub fn validate(&self) -> Result<(), String> {
        let mut problems = Vec::new();
        if self.min_bid_window.is_zero() {
            problems.push("tender.min_bid_window_secs must be at least 1".to_string());
        }
        if self.scheduler_tick < Duration::from_millis(10)
            || self.scheduler_tick > Duration::from_secs(3600)
        {
            problems.push("tender.scheduler_tick_ms must be between 10 and 3600000".to_string());
        }
        let prefix = self.ocid_prefix.strip_prefix("ocds-").unwrap_or("");
        if prefix.len() != 6
            || !prefix
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())
        {
            problems.push(format!(
                "tender.ocid_prefix must be `ocds-` and six lower-case letters or digits, not {:?}",
                self.ocid_prefix
            ));
        }
        if self.max_file_bytes < 1024 || self.max_file_bytes > 1024 * 1024 * 1024 {
            problems.push("tender.max_file_bytes must be between 1024 and 1073741824".to_string());
        }
        if self.inspection_days == 0 || self.inspection_days > 365 {
            problems.push("tender.inspection_days must be between 1 and 365".to_string());
        }
        if self.escalation_window.is_zero() {
            problems.push("tender.escalation_window_secs must be at least 1".to_string());
        }
        if self.backdate_window_days > 3650 {
            problems.push("tender.backdate_window_days must be at most 3650".to_string());
        }
        if self.owner_code_requests_per_minute == 0 {
            problems.push("tender.owner_code_requests_per_minute must be at least 1".to_string());
        }
        for (key, months) in [
            ("fund_deficit_months", self.fund_deficit_months),
            ("fund_pooling_months", self.fund_pooling_months),
        ] {
            if !(1..=24).contains(&months) {
                problems.push(format!("tender.{key} must be between 1 and 24"));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems.join("; "))
        }
    }

    /// The ocid of a tender's contracting process.
    pub fn ocid(&self, tender_id: &str) -> String {
        format!("{}-{tender_id}", self.ocid_prefix)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_valid_and_round_trip() {
        let p = TenderPolicy::default();
        assert!(p.validate().is_ok());
        assert_eq!(p.min_bid_window, Duration::from_secs(20 * 86_400));
        assert_eq!(p.notice_period, Duration::from_secs(5 * 86_400));
        assert_eq!(p.ocid("t1"), "ocds-wuye01-t1");
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(json["min_bid_window_secs"], 1_728_000);
        assert_eq!(json["scheduler_tick_ms"], 500);
        assert_eq!(json["backdate_window_days"], 30);
        assert_eq!(json["max_file_bytes"], 15 * 1024 * 1024);
        assert_eq!(json["inspection_days"], 15);
        assert_eq!(json["escalation_window_secs"], 432_000);
        assert_eq!(json["fund_deficit_months"], 3);
        assert_eq!(json["fund_pooling_months"], 3);
        assert_eq!(json["files"], serde_json::Value::Null);
        assert_eq!(
            p.earliest_backdate(time::macros::date!(2026 - 03 - 01)),
            time::macros::date!(2026 - 01 - 30)
        );
        let back: TenderPolicy = serde_json::from_value(json).unwrap();
        assert_eq!(back, p);
    }

    #[test]
    fn incoherent_policies_are_refused() {
        let bad = TenderPolicy {
            min_bid_window: Duration::ZERO,
            scheduler_tick: Duration::from_millis(1),
            ocid_prefix: "OCDS-x".into(),
            backdate_window_days: 10_000,
            max_file_bytes: 10,
            inspection_days: 0,
            escalation_window: Duration::ZERO,
            fund_deficit_months: 0,
            ..TenderPolicy::default()
        };
        let message = bad.validate().unwrap_err();
        assert!(message.contains("min_bid_window_secs"), "{message}");
        assert!(message.contains("scheduler_tick_ms"), "{message}");
        assert!(message.contains("ocid_prefix"), "{message}");
        assert!(message.contains("backdate_window_days"), "{message}");
        assert!(message.contains("max_file_bytes"), "{message}");
        assert!(message.contains("inspection_days"), "{message}");
        assert!(message.contains("fund_deficit_months"), "{message}");
        assert!(message.contains("escalation_window_secs"), "{message}");
        assert!(serde_json::from_str::<TenderPolicy>(r#"{"min_bid_window":1}"#).is_err());
    }
}

mod secs {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_secs(u64::deserialize(d)?))
    }
}

mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        Ok(Duration::from_millis(u64::deserialize(d)?))
    }
}
