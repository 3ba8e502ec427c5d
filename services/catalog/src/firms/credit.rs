//! 信用 (credit) and 检查白名单 (the inspection whitelist).
//!
//! A firm's credit score is the policy's base plus its good-behaviour points minus its
//! bad-behaviour points; each change is a dated credit event with reason, source and
//! author. The score is computed when read (from the firm's stored net points), so a
//! changed base or threshold applies to every firm at once. The whitelist is a flag on the
//! firm with an append-only history of who turned it on or off, when and why.

use serde::{Deserialize, Serialize};
use shared::domain::roster::{CreditSummary, Date, format_date, parse_date};
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{Page, Pagination};
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use super::history::{Author, author_columns, history_of};
use crate::error::Result;
use crate::policy::CreditPolicy;

/// 信用加分 (good) or 信用扣分 (bad).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CreditKind {
    Good,
    Bad,
}

impl CreditKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CreditKind::Good => "good",
            CreditKind::Bad => "bad",
        }
    }

    /// `good` or `bad`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "good" => Some(CreditKind::Good),
            "bad" => Some(CreditKind::Bad),
            _ => None,
        }
    }

    /// The signed change of the score: `+points` or `−points`.
    pub fn signed(self, points: i64) -> i64 {
        match self {
            CreditKind::Good => points,
            CreditKind::Bad => -points,
        }
    }
}

/// Score = base + net points (Σ good − Σ bad).
pub fn score(policy: &CreditPolicy, net_points: i64) -> i64 {
    policy.base.saturating_add(net_points)
}

/// Score and grade from a firm's net points.
pub fn summary(net_points: i64, policy: &CreditPolicy) -> CreditSummary {
    let score = score(policy, net_points);
    CreditSummary {
        score,
        grade: policy.thresholds.grade(score),
    }
}

/// Points of one credit event: 1–100.
pub const POINTS: std::ops::RangeInclusive<i64> = 1..=100;

/// A credit event as the association records it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, Validate)]
pub struct CreditEventInput {
    /// `good` (加分) or `bad` (扣分).
    #[validate(
        required(message = "请选择加分（good）或扣分（bad）"),
        custom(
            function = "shared::validate::not_blank",
            message = "请选择加分（good）或扣分（bad）"
        ),
        custom(
            function = "credit_kind",
            message = "未知的类型“{kind}”，应为 good（加分）或 bad（扣分）"
        )
    )]
    pub kind: Option<String>,
    /// 1–100.
    #[validate(
        required(message = "请填写分值"),
        range(min = 1, max = 100, message = "分值应为 1–100 的整数")
    )]
    pub points: Option<i64>,
    /// What happened (1–500 characters).
    #[validate(
        required(message = "请填写理由"),
        custom(function = "shared::validate::not_blank", message = "请填写理由"),
        custom(
            function = "shared::validate::max_chars::<500>",
            message = "理由不能超过 500 字"
        )
    )]
    pub reason: Option<String>,
    /// Where it comes from, e.g. 街道检查, 业主投诉, 行政处罚 (1–100 characters).
    #[validate(
        required(message = "请填写来源"),
        custom(function = "shared::validate::not_blank", message = "请填写来源"),
        custom(
            function = "shared::validate::max_chars::<100>",
            message = "来源不能超过 100 字"
        )
    )]
    pub source: Option<String>,
    /// The day it happened (`YYYY-MM-DD`, not in the future).
    #[validate(
        required(message = "请填写发生日期"),
        custom(function = "shared::validate::date")
    )]
    pub date: Option<String>,
}

/// `good` or `bad`, once trimmed (a blank one is `not_blank`'s to name).
fn credit_kind(kind: &str) -> Result<(), ValidationError> {
    let kind = kind.trim();
    if kind.is_empty() || CreditKind::parse(kind).is_some() {
        Ok(())
    } else {
        let mut e = ValidationError::new("invalid_kind");
        e.add_param(std::borrow::Cow::from("kind"), &kind);
        Err(e)
    }
}

/// A checked [`CreditEventInput`].
#[derive(Debug, Clone)]
pub struct ValidCreditEvent {
    pub kind: CreditKind,
    pub points: i64,
    pub reason: String,
    pub source: String,
    pub date: Date,
}

/// A text field once trimmed.
fn trimmed(s: &Option<String>) -> Option<String> {
    Some(s.as_deref()?.trim().to_string())
}

/// A day that passed its field rule (`YYYY-MM-DD`), not after `today` (a domain rule).
fn day_not_in_future(
    v: &mut Validation,
    field: &str,
    value: Option<&str>,
    today: Date,
) -> Option<Date> {
    let d = parse_date(value?).ok()?;
    if d > today {
        v.push(FieldError::new(
            field,
            "date_in_future",
            format!("日期不能晚于今天（{}）", format_date(today)),
        ));
        return None;
    }
    Some(d)
}

const CREDIT_FIELDS: &[&str] = &["kind", "points", "reason", "source", "date"];

impl CreditEventInput {
    pub fn check(&self, today: Date) -> std::result::Result<ValidCreditEvent, Problem> {
        let mut v = Validation::new();
        v.rules(self, CREDIT_FIELDS);
        let date = if v.has("date") {
            None
        } else {
            day_not_in_future(&mut v, "date", self.date.as_deref(), today)
        };
        v.in_order(CREDIT_FIELDS).finish_with(|| {
            Some(ValidCreditEvent {
                kind: CreditKind::parse(self.kind.as_deref()?.trim())?,
                points: self.points?,
                reason: trimmed(&self.reason)?,
                source: trimmed(&self.source)?,
                date: date?,
            })
        })
    }
}

/// Appends a credit event and moves the firm's net points, in the caller's transaction.
pub async fn record(
    conn: &mut AnyConnection,
    firm_id: &str,
    event: &ValidCreditEvent,
    author: &Author,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO firm_credit_event (id, firm_id, kind, points, reason, source, event_date, author_id, author_name, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(shared::db::new_id())
    .bind(firm_id)
    .bind(event.kind.as_str())
    .bind(event.points)
    .bind(&event.reason)
    .bind(&event.source)
    .bind(format_date(event.date))
    .bind(author.id.clone())
    .bind(&author.name)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE firm SET credit_net = credit_net + $2, updated_at = $3 WHERE id = $1")
        .bind(firm_id)
        .bind(event.kind.signed(event.points))
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One credit event as listed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct CreditEvent {
    pub id: String,
    pub kind: CreditKind,
    pub points: i64,
    pub reason: String,
    pub source: String,
    /// The day it happened.
    pub date: String,
    /// Who recorded it: shown to association staff only.
    pub author_id: Option<String>,
    pub author_name: Option<String>,
    /// When it was recorded (ms since the Unix epoch).
    pub at: i64,
}

/// A firm's credit events, oldest first: one page.
pub async fn events(
    conn: &mut AnyConnection,
    firm_id: &str,
    page: Pagination,
    with_authors: bool,
) -> Result<Page<CreditEvent>> {
    history_of(firm_id)
        .list(
            "id, kind, points, reason, source, event_date, author_id, author_name, at",
            "firm_credit_event",
        )
        .page(conn, page, |r| {
            let (author_id, author_name) = author_columns(r, with_authors)?;
            let kind: String = r.try_get("kind")?;
            Ok(CreditEvent {
                id: r.try_get("id")?,
                kind: if kind == "good" {
                    CreditKind::Good
                } else {
                    CreditKind::Bad
                },
                points: r.try_get("points")?,
                reason: r.try_get("reason")?,
                source: r.try_get("source")?,
                date: r.try_get("event_date")?,
                author_id,
                author_name,
                at: r.try_get("at")?,
            })
        })
        .await
}

/// Turning the whitelist on or off.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, Validate)]
pub struct WhitelistInput {
    /// `true` to put the firm on the whitelist, `false` to take it off.
    #[validate(required(message = "请说明列入（true）还是移出（false）白名单"))]
    pub on: Option<bool>,
    /// Why (1–500 characters).
    #[validate(
        required(message = "请填写理由"),
        custom(function = "shared::validate::not_blank", message = "请填写理由"),
        custom(
            function = "shared::validate::max_chars::<500>",
            message = "理由不能超过 500 字"
        )
    )]
    pub reason: Option<String>,
    /// The day it takes effect (`YYYY-MM-DD`, not in the future; default today).
    #[validate(custom(function = "shared::validate::date"))]
    pub date: Option<String>,
}

/// A checked [`WhitelistInput`].
#[derive(Debug, Clone)]
pub struct ValidWhitelist {
    pub on: bool,
    pub reason: String,
    pub date: Date,
}

const WHITELIST_FIELDS: &[&str] = &["on", "reason", "date"];

impl WhitelistInput {
    pub fn check(&self, today: Date) -> std::result::Result<ValidWhitelist, Problem> {
        let mut v = Validation::new();
        v.rules(self, WHITELIST_FIELDS);
        let date = match self.date.as_deref() {
            None => Some(today),
            Some(_) if v.has("date") => None,
            d => day_not_in_future(&mut v, "date", d, today),
        };
        v.in_order(WHITELIST_FIELDS).finish_with(|| {
            Some(ValidWhitelist {
                on: self.on?,
                reason: trimmed(&self.reason)?,
                date: date?,
            })
        })
    }
}

/// Sets the whitelist flag and appends its history row, in the caller's transaction.
pub async fn set_whitelist(
    conn: &mut AnyConnection,
    firm_id: &str,
    change: &ValidWhitelist,
    author: &Author,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO firm_whitelist_event (id, firm_id, listed, reason, on_date, author_id, author_name, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(shared::db::new_id())
    .bind(firm_id)
    .bind(change.on)
    .bind(&change.reason)
    .bind(format_date(change.date))
    .bind(author.id.clone())
    .bind(&author.name)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE firm SET whitelisted = $2, updated_at = $3 WHERE id = $1")
        .bind(firm_id)
        .bind(change.on)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// One whitelist change as listed.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct WhitelistEvent {
    pub id: String,
    /// On (`true`) or off.
    pub on: bool,
    pub reason: String,
    /// The day it took effect.
    pub date: String,
    /// Who recorded it: shown to association staff only.
    pub author_id: Option<String>,
    pub author_name: Option<String>,
    pub at: i64,
}

/// A firm's whitelist history, oldest first: one page.
pub async fn whitelist_history(
    conn: &mut AnyConnection,
    firm_id: &str,
    page: Pagination,
    with_authors: bool,
) -> Result<Page<WhitelistEvent>> {
    history_of(firm_id)
        .list(
            concat!(
                "id, ",
                shared::bool_column!("listed", "listed"),
                ", reason, on_date, author_id, author_name, at"
            ),
            "firm_whitelist_event",
        )
        .page(conn, page, |r| {
            let (author_id, author_name) = author_columns(r, with_authors)?;
            Ok(WhitelistEvent {
                id: r.try_get("id")?,
                on: shared::db::flag(r, "listed")?,
                reason: r.try_get("reason")?,
                date: r.try_get("on_date")?,
                author_id,
                author_name,
                at: r.try_get("at")?,
            })
        })
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::GradeThresholds;
    use shared::domain::roster::CreditGrade;
    use time::macros::date;

    fn grade(policy: &CreditPolicy, net: i64) -> (i64, CreditGrade) {
        let s = summary(net, policy);
        (s.score, s.grade)
    }

    #[test]
    fn score_is_base_plus_good_minus_bad() {
        let policy = CreditPolicy::default();
        assert_eq!(score(&policy, 0), 80);
        let events = [
            (CreditKind::Good, 10),
            (CreditKind::Bad, 3),
            (CreditKind::Bad, 20),
            (CreditKind::Good, 1),
        ];
        let net: i64 = events.iter().map(|(k, p)| k.signed(*p)).sum();
        assert_eq!(net, -12);
        assert_eq!(score(&policy, net), 68);
        assert_eq!(
            score(
                &CreditPolicy {
                    base: 100,
                    ..Default::default()
                },
                net
            ),
            88
        );
    }

    #[test]
    fn grades_at_every_boundary_with_the_defaults() {
        let policy = CreditPolicy::default();
        // base 80: net points → score → grade, on both sides of each threshold.
        let cases = [
            (1000, CreditGrade::Aaa),
            (5, CreditGrade::Aaa),  // 85
            (4, CreditGrade::Aa),   // 84
            (0, CreditGrade::Aa),   // 80
            (-1, CreditGrade::A),   // 79
            (-10, CreditGrade::A),  // 70
            (-11, CreditGrade::B),  // 69
            (-20, CreditGrade::B),  // 60
            (-21, CreditGrade::C),  // 59
            (-200, CreditGrade::C), // −120
        ];
        for (net, want) in cases {
            assert_eq!(grade(&policy, net).1, want, "net {net}");
        }
        assert_eq!(grade(&policy, -21), (59, CreditGrade::C));
    }

    #[test]
    fn thresholds_are_configurable() {
        let policy = CreditPolicy {
            base: 60,
            thresholds: GradeThresholds {
                aaa: 90,
                aa: 75,
                a: 60,
                b: 40,
            },
        };
        let t = policy.thresholds;
        for (score, want) in [
            (90, CreditGrade::Aaa),
            (89, CreditGrade::Aa),
            (75, CreditGrade::Aa),
            (74, CreditGrade::A),
            (60, CreditGrade::A),
            (59, CreditGrade::B),
            (40, CreditGrade::B),
            (39, CreditGrade::C),
        ] {
            assert_eq!(t.grade(score), want, "score {score}");
        }
        assert_eq!(grade(&policy, 0), (60, CreditGrade::A));
    }

    #[test]
    fn credit_event_checks() {
        let today = date!(2025 - 06 - 10);
        let p = CreditEventInput {
            kind: Some("great".into()),
            points: Some(0),
            reason: None,
            source: Some(" ".into()),
            date: Some("2025-06-11".into()),
        }
        .check(today)
        .unwrap_err();
        let fields: Vec<_> = p.errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["kind", "points", "reason", "source", "date"]);
        let ok = CreditEventInput {
            kind: Some("bad".into()),
            points: Some(100),
            reason: Some("未按期整改".into()),
            source: Some("街道检查".into()),
            date: Some("2025-06-10".into()),
        }
        .check(today)
        .unwrap();
        assert_eq!(ok.kind.signed(ok.points), -100);
        assert!(
            CreditEventInput {
                points: Some(101),
                ..Default::default()
            }
            .check(today)
            .unwrap_err()
            .errors
            .iter()
            .any(|e| e.field == "points")
        );
    }
}
