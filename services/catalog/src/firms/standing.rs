//! 名录状态 (roster standing): the association's transitions, the append-only audit trail
//! of every one of them (`firm_standing_event`, never updated or deleted), and the SQL
//! that selects firms by their standing on a day, mirroring
//! [`StandingRecord::effective`].

use serde::{Deserialize, Serialize};
use shared::domain::roster::{
    Date, RosterStanding, StandingAction, StandingRecord, format_date, parse_date,
};
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{Page, Pagination};
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;
use validator::{Validate, ValidationError};

use super::history::{Author, author_columns, history_of};
use crate::error::Result;

/// A change of standing as the association sends it.
#[derive(Debug, Clone, Default, Deserialize, ToSchema, Validate)]
pub struct StandingInput {
    /// `recommend`, `suspend`, `restore`, `blacklist` or `end_blacklist`.
    #[validate(
        required(message = "请选择操作"),
        custom(function = "shared::validate::not_blank", message = "请选择操作"),
        custom(
            function = "standing_action",
            message = "未知的操作“{action}”，可选：recommend（推荐）、suspend（重点监管）、restore（恢复）、blacklist（列入黑名单）、end_blacklist（解除黑名单）"
        )
    )]
    pub action: Option<String>,
    /// Why (required, 1–500 characters).
    #[validate(
        required(message = "请填写理由"),
        custom(function = "shared::validate::not_blank", message = "请填写理由"),
        custom(
            function = "shared::validate::max_chars::<500>",
            message = "理由不能超过 500 字"
        )
    )]
    pub reason: Option<String>,
    /// `recommend`: required, the last day of the recommendation (复核日期, not before
    /// today). `restore`: optional, a new review date (else the previous one is kept).
    #[validate(custom(function = "shared::validate::date"))]
    pub review_date: Option<String>,
    /// `suspend`: required, the rectification deadline (整改期限, not before today).
    #[validate(custom(function = "shared::validate::date"))]
    pub rectify_by: Option<String>,
    /// `blacklist`: first day (default today).
    #[validate(custom(function = "shared::validate::date"))]
    pub from: Option<String>,
    /// `blacklist`: last day, inclusive (not before `from` nor today); absent = permanent.
    #[validate(custom(function = "shared::validate::date"))]
    pub to: Option<String>,
}

/// The actions, once trimmed (a blank one is `not_blank`'s to name).
const ACTIONS: &[&str] = &[
    "recommend",
    "suspend",
    "restore",
    "blacklist",
    "end_blacklist",
];

fn standing_action(action: &str) -> Result<(), ValidationError> {
    let action = action.trim();
    if action.is_empty() || ACTIONS.contains(&action) {
        Ok(())
    } else {
        let mut e = ValidationError::new("invalid_action");
        e.add_param(std::borrow::Cow::from("action"), &action);
        Err(e)
    }
}

/// A checked [`StandingInput`].
#[derive(Debug, Clone)]
pub struct ValidStanding {
    pub action: StandingAction,
    pub reason: String,
}

const FIELDS: &[&str] = &[
    "action",
    "reason",
    "review_date",
    "rectify_by",
    "from",
    "to",
];

/// A date that passed its field rule.
fn date(value: Option<&str>) -> Option<Date> {
    value.and_then(|s| parse_date(s).ok())
}

fn not_before_today(v: &mut Validation, field: &str, label: &str, d: Option<Date>, today: Date) {
    if let Some(d) = d
        && d < today
    {
        v.push(FieldError::new(
            field,
            "date_in_past",
            format!("{label}不能早于今天（{}）", format_date(today)),
        ));
    }
}

impl StandingInput {
    /// Checks the request; `today` bounds the deadlines.
    pub fn check(&self, today: Date) -> std::result::Result<ValidStanding, Problem> {
        let mut v = Validation::new();
        v.rules(self, FIELDS);
        let action = self
            .action
            .as_deref()
            .map(str::trim)
            .filter(|a| ACTIONS.contains(a));
        let reason = self
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        let review_date = date(self.review_date.as_deref());
        let rectify_by = date(self.rectify_by.as_deref());
        let from = date(self.from.as_deref());
        let to = date(self.to.as_deref());

        // Which dates each action takes; any other date is refused rather than ignored.
        let uses: &[&str] = match action {
            Some("recommend") | Some("restore") => &["review_date"],
            Some("suspend") => &["rectify_by"],
            Some("blacklist") => &["from", "to"],
            _ => &[],
        };
        if let Some(action) = action {
            for (field, given) in [
                ("review_date", self.review_date.is_some()),
                ("rectify_by", self.rectify_by.is_some()),
                ("from", self.from.is_some()),
                ("to", self.to.is_some()),
            ] {
                if given && !uses.contains(&field) {
                    v.push(FieldError::new(
                        field,
                        "not_applicable",
                        format!("操作 {action} 不使用此日期"),
                    ));
                }
            }
        }
        match action {
            Some("recommend") => {
                if self.review_date.is_none() {
                    v.push(FieldError::new(
                        "review_date",
                        "required",
                        "推荐须填写复核日期（推荐有效至该日）",
                    ));
                }
                not_before_today(&mut v, "review_date", "复核日期", review_date, today);
            }
            Some("restore") => {
                not_before_today(&mut v, "review_date", "复核日期", review_date, today);
            }
            Some("suspend") => {
                if self.rectify_by.is_none() {
                    v.push(FieldError::new(
                        "rectify_by",
                        "required",
                        "列为重点监管须填写整改期限",
                    ));
                }
                not_before_today(&mut v, "rectify_by", "整改期限", rectify_by, today);
            }
            Some("blacklist") => {
                let start = from.unwrap_or(today);
                if let Some(end) = to {
                    if end < start {
                        v.push(FieldError::new(
                            "to",
                            "invalid_period",
                            "黑名单截止日期不能早于起始日期",
                        ));
                    } else {
                        not_before_today(&mut v, "to", "黑名单截止日期", to, today);
                    }
                }
            }
            _ => {}
        }
        v.finish_with(|| {
            let reason = reason?.to_string();
            let action = match action? {
                "recommend" => StandingAction::Recommend {
                    review_date: review_date?,
                },
                "suspend" => StandingAction::Suspend {
                    rectify_by: rectify_by?,
                },
                "restore" => StandingAction::Restore { review_date },
                "blacklist" => StandingAction::Blacklist {
                    from: from.unwrap_or(today),
                    to,
                    reason: reason.clone(),
                },
                _ => StandingAction::EndBlacklist,
            };
            Some(ValidStanding { action, reason })
        })
    }
}

/// Writes a firm's standing record.
pub async fn write_record(
    conn: &mut AnyConnection,
    firm_id: &str,
    record: &StandingRecord,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE firm SET stage = $2, review_date = $3, rectify_by = $4, blacklist_from = $5, \
         blacklist_to = $6, blacklist_reason = $7, updated_at = $8 WHERE id = $1",
    )
    .bind(firm_id)
    .bind(record.stage.as_str())
    .bind(record.review_date.map(format_date))
    .bind(record.rectify_by.map(format_date))
    .bind(record.blacklist_from.map(format_date))
    .bind(record.blacklist_to.map(format_date))
    .bind(record.blacklist_reason.clone())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(())
}

/// One audit row to append.
pub struct NewStandingEvent<'a> {
    pub firm_id: &'a str,
    /// `apply` or a [`StandingAction::as_str`].
    pub action: &'a str,
    pub reason: &'a str,
    pub today: Date,
    pub before: Option<RosterStanding>,
    pub after: &'a StandingRecord,
    pub author: &'a Author,
    pub at: i64,
}

/// Appends an audit row (the only statement that ever touches `firm_standing_event`
/// besides reading it).
pub async fn append_event(conn: &mut AnyConnection, e: NewStandingEvent<'_>) -> Result<()> {
    sqlx::query(
        "INSERT INTO firm_standing_event (id, firm_id, action, reason, on_date, review_date, rectify_by, \
         blacklist_from, blacklist_to, standing_before, standing_after, author_id, author_name, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)",
    )
    .bind(shared::db::new_id())
    .bind(e.firm_id)
    .bind(e.action)
    .bind(e.reason)
    .bind(format_date(e.today))
    .bind(e.after.review_date.map(format_date))
    .bind(e.after.rectify_by.map(format_date))
    .bind(e.after.blacklist_from.map(format_date))
    .bind(e.after.blacklist_to.map(format_date))
    .bind(e.before.map(|s| s.as_str()))
    .bind(e.after.effective(e.today).as_str())
    .bind(e.author.id.clone())
    .bind(&e.author.name)
    .bind(e.at)
    .execute(conn)
    .await?;
    Ok(())
}

/// One entry of a firm's standing history.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct StandingEvent {
    pub id: String,
    /// `apply`, `recommend`, `suspend`, `restore`, `blacklist` or `end_blacklist`.
    pub action: String,
    pub reason: String,
    /// The day it was decided.
    pub on_date: String,
    /// The record's dates after the transition.
    pub review_date: Option<String>,
    pub rectify_by: Option<String>,
    pub blacklist_from: Option<String>,
    pub blacklist_to: Option<String>,
    /// Standing on `on_date` before and after (none before an application).
    pub standing_before: Option<RosterStanding>,
    pub standing_after: RosterStanding,
    /// Who did it: shown to association staff only.
    pub author_id: Option<String>,
    pub author_name: Option<String>,
    /// When (ms since the Unix epoch).
    pub at: i64,
}

/// A firm's standing history, oldest first: one page.
pub async fn history(
    conn: &mut AnyConnection,
    firm_id: &str,
    page: Pagination,
    with_authors: bool,
) -> Result<Page<StandingEvent>> {
    let standing = |s: Option<String>| -> Result<Option<RosterStanding>> {
        s.map(|s| {
            RosterStanding::parse(&s).map_err(|e| {
                crate::error::Error::Internal(anyhow::anyhow!(
                    "stored standing {s:?} is invalid: {e}"
                ))
            })
        })
        .transpose()
    };
    history_of(firm_id)
        .list(
            "id, action, reason, on_date, review_date, rectify_by, blacklist_from, blacklist_to, \
             standing_before, standing_after, author_id, author_name, at",
            "firm_standing_event",
        )
        .page(conn, page, |r| {
            let (author_id, author_name) = author_columns(r, with_authors)?;
            let after: String = r.try_get("standing_after")?;
            Ok(StandingEvent {
                id: r.try_get("id")?,
                action: r.try_get("action")?,
                reason: r.try_get("reason")?,
                on_date: r.try_get("on_date")?,
                review_date: r.try_get("review_date")?,
                rectify_by: r.try_get("rectify_by")?,
                blacklist_from: r.try_get("blacklist_from")?,
                blacklist_to: r.try_get("blacklist_to")?,
                standing_before: standing(r.try_get("standing_before")?)?,
                standing_after: RosterStanding::parse(&after).map_err(|e| {
                    crate::error::Error::Internal(anyhow::anyhow!(
                        "stored standing {after:?} is invalid: {e}"
                    ))
                })?,
                author_id,
                author_name,
                at: r.try_get("at")?,
            })
        })
        .await
}

/// A blacklisting in force on a day: firm `f`'s `blacklist_from <= day <= blacklist_to`
/// (or no end). `$n` is the day as `YYYY-MM-DD` (ISO dates compare as text).
pub fn blacklist_active_sql(n: usize) -> String {
    format!(
        "(f.blacklist_from IS NOT NULL AND f.blacklist_from <= ${n} \
         AND (f.blacklist_to IS NULL OR f.blacklist_to >= ${n}))"
    )
}

/// SQL selecting firms (`f`) whose standing on day `$n` is `standing`: the same decision
/// as [`StandingRecord::effective`], written over the stored columns.
pub fn standing_sql(standing: RosterStanding, n: usize) -> String {
    let none_or_pending = format!("(f.blacklist_from IS NULL OR f.blacklist_from > ${n})");
    let ended = format!(
        "(f.blacklist_from IS NOT NULL AND f.blacklist_from <= ${n} \
         AND f.blacklist_to IS NOT NULL AND f.blacklist_to < ${n})"
    );
    match standing {
        RosterStanding::Blacklisted => blacklist_active_sql(n),
        RosterStanding::Applicant => {
            format!("((f.stage = 'applicant' AND {none_or_pending}) OR {ended})")
        }
        RosterStanding::Recommended => format!(
            "(f.stage = 'recommended' AND {none_or_pending} \
             AND f.review_date IS NOT NULL AND f.review_date >= ${n})"
        ),
        RosterStanding::ReviewOverdue => format!(
            "(f.stage = 'recommended' AND {none_or_pending} \
             AND (f.review_date IS NULL OR f.review_date < ${n}))"
        ),
        RosterStanding::Suspended => format!("(f.stage = 'suspended' AND {none_or_pending})"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::domain::roster::RosterStage;
    use time::macros::date;

    const TODAY: Date = date!(2025 - 06 - 10);

    fn day(n: i32) -> Date {
        Date::from_julian_day(TODAY.to_julian_day() + n).unwrap()
    }

    fn input(action: &str) -> StandingInput {
        StandingInput {
            action: Some(action.into()),
            reason: Some("年度考评".into()),
            ..Default::default()
        }
    }

    fn fields(p: Problem) -> Vec<String> {
        p.errors.into_iter().map(|e| e.field).collect()
    }

    #[test]
    fn recommend_needs_a_review_date_not_in_the_past() {
        let p = input("recommend").check(TODAY).unwrap_err();
        assert_eq!(fields(p), ["review_date"]);
        let p = StandingInput {
            review_date: Some(format_date(day(-1))),
            ..input("recommend")
        }
        .check(TODAY)
        .unwrap_err();
        assert_eq!(p.errors[0].code, "date_in_past");
        let ok = StandingInput {
            review_date: Some(format_date(TODAY)),
            ..input("recommend")
        }
        .check(TODAY)
        .unwrap();
        assert_eq!(ok.action, StandingAction::Recommend { review_date: TODAY });
    }

    #[test]
    fn every_problem_at_once() {
        let p = StandingInput {
            action: Some("promote".into()),
            reason: Some("  ".into()),
            review_date: Some("2025-13-01".into()),
            ..Default::default()
        }
        .check(TODAY)
        .unwrap_err();
        assert_eq!(fields(p), ["action", "reason", "review_date"]);
    }

    #[test]
    fn dates_an_action_does_not_use_are_refused() {
        let p = StandingInput {
            rectify_by: Some(format_date(day(3))),
            review_date: Some(format_date(day(3))),
            ..input("recommend")
        }
        .check(TODAY)
        .unwrap_err();
        assert_eq!(fields(p), ["rectify_by"]);
        let p = StandingInput {
            to: Some(format_date(day(3))),
            ..input("end_blacklist")
        }
        .check(TODAY)
        .unwrap_err();
        assert_eq!(p.errors[0].code, "not_applicable");
    }

    #[test]
    fn blacklist_period() {
        let ok = input("blacklist").check(TODAY).unwrap();
        assert_eq!(
            ok.action,
            StandingAction::Blacklist {
                from: TODAY,
                to: None,
                reason: "年度考评".into()
            }
        );
        let p = StandingInput {
            from: Some(format_date(day(5))),
            to: Some(format_date(day(4))),
            ..input("blacklist")
        }
        .check(TODAY)
        .unwrap_err();
        assert_eq!(p.errors[0].code, "invalid_period");
        let p = StandingInput {
            from: Some(format_date(day(-30))),
            to: Some(format_date(day(-1))),
            ..input("blacklist")
        }
        .check(TODAY)
        .unwrap_err();
        assert_eq!(p.errors[0].code, "date_in_past");
    }

    /// Every combination of stage, review date and blacklisting, around `TODAY`.
    fn records() -> Vec<StandingRecord> {
        let dates = [None, Some(day(-2)), Some(day(0)), Some(day(2))];
        let mut out = Vec::new();
        for stage in RosterStage::ALL {
            for review_date in dates {
                for from in dates {
                    for to in dates {
                        if from.is_none() && to.is_some() {
                            continue;
                        }
                        out.push(StandingRecord {
                            stage: *stage,
                            review_date,
                            rectify_by: Some(day(1)),
                            blacklist_from: from,
                            blacklist_to: to,
                            blacklist_reason: from.map(|_| "原因".into()),
                        });
                    }
                }
            }
        }
        out
    }

    /// The SQL selection agrees with `StandingRecord::effective` on every record (SQLite).
    #[tokio::test]
    async fn standing_sql_agrees_with_effective() {
        sqlx::any::install_default_drivers();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect("sqlite::memory:")
            .await
            .unwrap();
        sqlx::query(
            "CREATE TABLE firm (id TEXT PRIMARY KEY, stage TEXT NOT NULL, review_date TEXT, \
             rectify_by TEXT, blacklist_from TEXT, blacklist_to TEXT)",
        )
        .execute(&mut conn)
        .await
        .unwrap();
        let records = records();
        for (i, r) in records.iter().enumerate() {
            sqlx::query(
                "INSERT INTO firm (id, stage, review_date, rectify_by, blacklist_from, blacklist_to) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(format!("{i:04}"))
            .bind(r.stage.as_str())
            .bind(r.review_date.map(format_date))
            .bind(r.rectify_by.map(format_date))
            .bind(r.blacklist_from.map(format_date))
            .bind(r.blacklist_to.map(format_date))
            .execute(&mut conn)
            .await
            .unwrap();
        }
        for on in [day(-3), day(-2), day(-1), TODAY, day(1), day(2), day(3)] {
            for standing in RosterStanding::ALL {
                let sql = format!(
                    "SELECT id FROM firm f WHERE {} ORDER BY id",
                    standing_sql(*standing, 1)
                );
                let got: Vec<String> = sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
                    .bind(format_date(on))
                    .fetch_all(&mut conn)
                    .await
                    .unwrap();
                let want: Vec<String> = records
                    .iter()
                    .enumerate()
                    .filter(|(_, r)| r.effective(on) == *standing)
                    .map(|(i, _)| format!("{i:04}"))
                    .collect();
                assert_eq!(got, want, "{standing:?} on {on}");
            }
        }
    }
}
