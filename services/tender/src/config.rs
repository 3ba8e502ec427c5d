//! The tender service's settings.

use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use shared::auth::TokenKeys;
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
}

/// The tender rules that are configuration rather than code.
///
/// Durations are whole seconds in files and the environment (`min_bid_window_secs`, …).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(default)]
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
}

impl Default for TenderPolicy {
    fn default() -> Self {
        Self {
            min_bid_window: Duration::from_secs(20 * 24 * 3600),
            notice_period: Duration::from_secs(5 * 24 * 3600),
            verify_award_with_catalog: true,
            scheduler_tick: Duration::from_millis(500),
        }
    }
}

impl TenderPolicy {
    /// The minimum bidding window in milliseconds.
    pub fn min_bid_window_ms(&self) -> i64 {
        i64::try_from(self.min_bid_window.as_millis()).unwrap_or(i64::MAX)
    }

    /// The notice period in milliseconds.
    pub fn notice_period_ms(&self) -> i64 {
        i64::try_from(self.notice_period.as_millis()).unwrap_or(i64::MAX)
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
