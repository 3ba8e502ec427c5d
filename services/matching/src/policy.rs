//! The matching service's rules that are configuration rather than code, with the defaults
//! the city's plan (成都市老旧小区物业服务全覆盖工作方案, 2023) sets.

use serde::{Deserialize, Serialize};
use shared::domain::roster::{Date, format_date};
use utoipa::ToSchema;

time::serde::format_description!(iso_date, Date, "[year]-[month]-[day]");

/// Configurable matching rules. Every part has a default, so a settings file may name only
/// what it changes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MatchingPolicy {
    /// The coverage targets (覆盖率目标), by due date, ascending.
    pub coverage_targets: Vec<CoverageTarget>,
    /// Weights of the matching score parts (匹配权重).
    pub weights: search_index::Weights,
    /// Bundles (片区化): default households a group must reach.
    pub bundle_viable_households: u32,
    /// Bundles: default largest distance between two members, km.
    pub bundle_max_distance_km: f64,
    /// The quarterly bulletin's (季度通报) default measure: `satisfaction` (the satisfaction
    /// rate) or `low_satisfaction` (the share of surveyed compounds with a low rate).
    pub bulletin_measure: String,
    /// A compound's satisfaction rate below this percentage is low (群众满意率低).
    pub low_satisfaction_percent: u32,
    /// Notifications: a newly open tender is announced to its best-matching firms, this
    /// many (新招标匹配提醒, top N of the match).
    pub notify_top_firms: u32,
    /// Notifications: … and to every other matching firm (up to 50) scoring at least this
    /// (`None`: the top N only).
    pub notify_min_score: Option<f64>,
    /// Notifications: how often, in seconds, the officials' kinds (overdue stages and
    /// rectifications, the bottom three) are looked for; each look reads every plan, every
    /// suspended firm and the quarter's surveys, and the facts change by the day.
    pub notify_officials_every_secs: u64,
    /// Serving: keep rendered match and search answers until the index next changes
    /// (`false` computes every answer; for measuring).
    pub answer_cache: bool,
    /// Serving: the most MiB of rendered answers kept per index generation (past it, answers
    /// are computed and not kept). At national size the matching service's resident memory is
    /// about 260 MiB plus this, ≈ 70 MiB of it the mapped index files (BENCHMARKS.md §7).
    pub answer_cache_mib: u32,
    /// Serving: the index commits the feeds' changes at most once per this many ms (the first
    /// change after a quiet spell commits at once), so a busy feed does not empty the answer
    /// cache at every batch. 0 commits after every batch.
    pub index_commit_every_ms: u64,
    /// Benchmarks only: when above 0, `GET /match/bench/fixed` answers any signed-in caller
    /// with a fixed JSON body of this many bytes (the HTTP ladder's "fixed body" rung, see
    /// `bench/http.sh`). 0 (the default): no such route.
    pub bench_fixed_body_bytes: usize,
}

impl Default for MatchingPolicy {
    /// 30% by the end of 2023, 70% by the end of 2024, every eligible and willing old
    /// compound (100%) by the end of 2025.
    fn default() -> Self {
        let target = |year, rate| CoverageTarget {
            due: Date::from_calendar_date(year, time::Month::December, 31)
                .expect("31 December is a date"),
            rate,
        };
        Self {
            coverage_targets: vec![target(2023, 0.30), target(2024, 0.70), target(2025, 1.0)],
            weights: search_index::Weights::default(),
            bundle_viable_households: 300,
            bundle_max_distance_km: 1.0,
            bulletin_measure: "satisfaction".into(),
            low_satisfaction_percent: 60,
            notify_top_firms: 10,
            notify_min_score: None,
            notify_officials_every_secs: 300,
            answer_cache: true,
            answer_cache_mib: 32,
            index_commit_every_ms: 200,
            bench_fixed_body_bytes: 0,
        }
    }
}

/// One coverage target: at least `rate` of the eligible and willing old compounds covered by
/// the end of `due`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct CoverageTarget {
    /// The last day by which the target is to be reached, `YYYY-MM-DD`.
    #[serde(with = "iso_date")]
    #[schema(value_type = String, format = Date, example = "2024-12-31")]
    pub due: Date,
    /// The share to reach, a fraction in (0, 1].
    #[schema(example = 0.7)]
    pub rate: f64,
}

impl CoverageTarget {
    /// The rate in basis points (1/10 000), the unit gaps are computed in.
    pub fn basis_points(&self) -> i64 {
        (self.rate * 10_000.0).round() as i64
    }

    /// `70%`.
    pub fn percent(&self) -> String {
        percent_of_basis_points(self.basis_points())
    }
}

/// `7000` → `70%`, `3333` → `33.33%`.
pub fn percent_of_basis_points(bp: i64) -> String {
    if bp % 100 == 0 {
        format!("{}%", bp / 100)
    } else {
        let s = format!("{}.{:02}", bp / 100, bp % 100);
        format!("{}%", s.trim_end_matches('0'))
    }
}

impl MatchingPolicy {
    /// Checks the targets are coherent; a message in English for the operator otherwise.
    pub fn validate(&self) -> Result<(), String> {
        if self.coverage_targets.is_empty() {
            return Err("at least one coverage target is needed".into());
        }
        for t in &self.coverage_targets {
            if !(t.rate > 0.0 && t.rate <= 1.0) {
                return Err(format!(
                    "coverage target due {} must be a rate in (0, 1], not {}",
                    format_date(t.due),
                    t.rate
                ));
            }
        }
        for pair in self.coverage_targets.windows(2) {
            if pair[1].due <= pair[0].due || pair[1].rate < pair[0].rate {
                return Err(format!(
                    "coverage targets must have rising due dates and non-falling rates ({} {} then {} {})",
                    format_date(pair[0].due),
                    pair[0].rate,
                    format_date(pair[1].due),
                    pair[1].rate
                ));
            }
        }
        if self.notify_top_firms > 50 || self.notify_min_score.is_some_and(|s| !s.is_finite()) {
            return Err("notify_top_firms must be at most 50 and notify_min_score finite".into());
        }
        if !(1..=86_400).contains(&self.notify_officials_every_secs) {
            return Err("notify_officials_every_secs must be 1–86400".into());
        }
        if self.index_commit_every_ms > 60_000 || self.bench_fixed_body_bytes > 1 << 20 {
            return Err(
                "index_commit_every_ms must be at most 60000 and bench_fixed_body_bytes at most 1048576"
                    .into(),
            );
        }
        self.weights
            .validate()
            .map_err(|e| format!("matching weights: {e}"))?;
        if self.bundle_viable_households == 0
            || !(self.bundle_max_distance_km.is_finite() && self.bundle_max_distance_km > 0.0)
        {
            return Err("bundle defaults must be positive".into());
        }
        if crate::satisfaction::Measure::parse(&self.bulletin_measure).is_err() {
            return Err("bulletin_measure must be `satisfaction` or `low_satisfaction`".into());
        }
        if !(1..=100).contains(&self.low_satisfaction_percent) {
            return Err("low_satisfaction_percent must be 1–100".into());
        }
        Ok(())
    }

    /// The target in force on `day`: the first one not yet due (the one being worked
    /// towards), or after the last due date the last one, which stays in force.
    pub fn target_on(&self, day: Date) -> CoverageTarget {
        self.coverage_targets
            .iter()
            .find(|t| day <= t.due)
            .or(self.coverage_targets.last())
            .copied()
            .unwrap_or(CoverageTarget {
                due: day,
                rate: 1.0,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn the_plan_s_targets_by_date() {
        let p = MatchingPolicy::default();
        assert!(p.validate().is_ok());
        let rate = |d| p.target_on(d).rate;
        assert_eq!(rate(date!(2023 - 01 - 01)), 0.30);
        assert_eq!(rate(date!(2023 - 12 - 31)), 0.30);
        assert_eq!(rate(date!(2024 - 01 - 01)), 0.70);
        assert_eq!(rate(date!(2024 - 12 - 31)), 0.70);
        assert_eq!(rate(date!(2025 - 01 - 01)), 1.0);
        assert_eq!(rate(date!(2030 - 06 - 30)), 1.0);
        assert_eq!(
            p.target_on(date!(2030 - 06 - 30)).due,
            date!(2025 - 12 - 31)
        );
        assert_eq!(p.target_on(date!(2024 - 03 - 01)).percent(), "70%");
    }

    #[test]
    fn settings_name_only_what_they_change_and_are_checked() {
        let p: MatchingPolicy = serde_json::from_str(
            r#"{"coverage_targets": [{"due": "2024-06-30", "rate": 0.5}, {"due": "2025-12-31", "rate": 0.9}]}"#,
        )
        .unwrap();
        assert!(p.validate().is_ok());
        assert_eq!(p.target_on(date!(2024 - 07 - 01)).rate, 0.9);
        let empty: MatchingPolicy = serde_json::from_str("{}").unwrap();
        assert_eq!(empty, MatchingPolicy::default());
        let falling: MatchingPolicy = serde_json::from_str(
            r#"{"coverage_targets": [{"due": "2024-06-30", "rate": 0.5}, {"due": "2025-12-31", "rate": 0.4}]}"#,
        )
        .unwrap();
        assert!(falling.validate().is_err());
        let too_high: MatchingPolicy =
            serde_json::from_str(r#"{"coverage_targets": [{"due": "2024-06-30", "rate": 1.5}]}"#)
                .unwrap();
        assert!(too_high.validate().is_err());
        assert!(
            serde_json::from_str::<MatchingPolicy>(
                r#"{"coverage_targets": [{"due": "2024-13-30", "rate": 0.5}]}"#
            )
            .is_err()
        );
    }

    #[test]
    fn percentages() {
        assert_eq!(percent_of_basis_points(7000), "70%");
        assert_eq!(percent_of_basis_points(10_000), "100%");
        assert_eq!(percent_of_basis_points(3333), "33.33%");
        assert_eq!(percent_of_basis_points(4290), "42.9%");
        assert_eq!(percent_of_basis_points(5), "0.05%");
    }
}
