//! The officials' time-driven notifications, derived by the sweep from matching's tables on
//! the China date: a work plan's stage past its due date and not reached (`stage_overdue`,
//! as the progress list derives it), a suspended firm past its rectification deadline
//! (`rectification_overdue`, from its `StandingRecord`), and a street in the bottom three
//! of its district in the quarterly bulletin (`bottom_three`, the quarter the bulletin
//! publishes by default: the last one ended). Each fact is named by its `dedup_key`, so
//! sweeping again writes nothing new.

use shared::domain::StreetCode;
use shared::domain::roster::{Date, StandingRecord, format_date};
use sqlx::{AnyConnection, Row};

use super::derive::note;
use super::recipient::Recipient;
use super::store::NewNotification;
use crate::coverage::Area;
use crate::policy::MatchingPolicy;
use crate::progress;
use crate::satisfaction::{self, Level, Measure, Period};

/// At most this many compounds of one firm are looked at for its officials.
const MAX_COMPOUNDS: i64 = 500;

/// Every officials' notification due on `today`; a kind that cannot be derived (a record
/// it cannot read) is logged and does not hold back the others.
pub async fn due(
    conn: &mut AnyConnection,
    policy: &MatchingPolicy,
    today: Date,
) -> Vec<NewNotification> {
    let mut out = Vec::new();
    for (kind, found) in [
        ("stage_overdue", stages_overdue(conn, today).await),
        (
            "rectification_overdue",
            rectifications_overdue(conn, today).await,
        ),
        ("bottom_three", bottom_three(conn, policy, today).await),
    ] {
        match found {
            Ok(found) => out.extend(found),
            Err(e) => tracing::warn!(kind, error = %e, "officials' notifications not derived"),
        }
    }
    out
}

/// The street's and the district's officials.
fn officials(street: &str, district: &str) -> [Recipient; 2] {
    [
        Recipient::Street(street.into()),
        Recipient::District(district.into()),
    ]
}

fn street_name(code: &str) -> String {
    StreetCode::parse(code).map_or_else(|_| code.to_string(), |s| s.name().to_string())
}

/// Each planned compound's stage that is overdue, once per (plan, compound, stage).
async fn stages_overdue(
    conn: &mut AnyConnection,
    today: Date,
) -> anyhow::Result<Vec<NewNotification>> {
    let mut out = Vec::new();
    for (street, plan) in progress::plans(conn, &Area::City, today.year()).await? {
        let Ok(code) = StreetCode::parse(&street) else {
            continue;
        };
        let facts = progress::facts(conn, &Area::Street(code)).await?;
        for c in progress::compounds(&plan, &facts, today) {
            let name = c
                .compound_name
                .clone()
                .unwrap_or_else(|| c.compound_id.clone());
            for s in c.stages.iter().filter(|s| s.overdue) {
                let due = s.due.clone().unwrap_or_default();
                for who in officials(&plan.street_code, &plan.district_code) {
                    out.push(note(
                        &format!(
                            "stage_overdue:{}:{}:{}",
                            plan.id,
                            c.compound_id,
                            s.stage.as_str()
                        ),
                        who,
                        "stage_overdue",
                        format!("工作方案环节逾期：{name}（{}）", s.label),
                        format!("{name}的“{}”环节应于 {due} 前完成，至今未完成。", s.label),
                        "/official/plan".into(),
                    ));
                }
            }
        }
    }
    Ok(out)
}

/// Each suspended firm past its rectification deadline, once per (firm, deadline): the
/// association, and the officials of every compound it serves under an active contract.
async fn rectifications_overdue(
    conn: &mut AnyConnection,
    today: Date,
) -> anyhow::Result<Vec<NewNotification>> {
    // Only suspended firms can be overdue; the record decides.
    let firms = sqlx::query(
        "SELECT id, name, standing_record FROM catalog_firm \
         WHERE standing_record LIKE '%suspended%' ORDER BY id",
    )
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::new();
    for f in &firms {
        let record: String = f.try_get("standing_record")?;
        let Ok(record) = serde_json::from_str::<StandingRecord>(&record) else {
            continue;
        };
        let Some(deadline) = record
            .rectify_by
            .filter(|_| record.rectification_overdue(today))
        else {
            continue;
        };
        let (id, name): (String, String) = (f.try_get("id")?, f.try_get("name")?);
        let deadline = format_date(deadline);
        let fact = format!("rectification_overdue:{id}:{deadline}");
        let title = format!("整改期限已过：{name}");
        let body = format!("{name}的整改期限为 {deadline}，期限已过仍处于重点监管，请跟进。");
        let mut whom = vec![Recipient::Association];
        let areas = sqlx::query(
            "SELECT DISTINCT cc.street_code, cc.district_code FROM tender_contract c \
             JOIN catalog_compound cc ON cc.id = c.compound_id \
             WHERE c.firm_id = $1 AND c.status = 'active' \
             ORDER BY cc.street_code LIMIT $2",
        )
        .bind(&id)
        .bind(MAX_COMPOUNDS)
        .fetch_all(&mut *conn)
        .await?;
        for a in &areas {
            whom.extend(officials(
                &a.try_get::<String, _>("street_code")?,
                &a.try_get::<String, _>("district_code")?,
            ));
        }
        whom.dedup();
        for who in whom {
            let link = if who == Recipient::Association {
                format!("/association/firms/{id}")
            } else {
                "/official/coverage".into()
            };
            out.push(note(
                &fact,
                who,
                "rectification_overdue",
                title.clone(),
                body.clone(),
                link,
            ));
        }
    }
    Ok(out)
}

/// Each street in the bottom three of its district in the quarterly bulletin (the last
/// quarter ended, by the policy's measure), for its officials, once per (street, quarter).
async fn bottom_three(
    conn: &mut AnyConnection,
    policy: &MatchingPolicy,
    today: Date,
) -> anyhow::Result<Vec<NewNotification>> {
    let period = Period::last_ended(today);
    let measure = Measure::parse(&policy.bulletin_measure).unwrap_or(Measure::Satisfaction);
    let compounds = satisfaction::compounds(conn, &[period]).await?;
    let units = satisfaction::aggregate(
        &compounds,
        Level::Street,
        measure,
        policy.low_satisfaction_percent,
    );
    let mut out = Vec::new();
    for ((district, street), placing) in satisfaction::placings(&units) {
        if !placing.bottom_three {
            continue;
        }
        let name = street_name(&street);
        for who in officials(&street, &district) {
            out.push(note(
                &format!("bottom_three:{period}:{street}"),
                who,
                "bottom_three",
                format!("{period} 季度通报：{name}排名后三位"),
                format!(
                    "{name}在 {period} 季度满意度通报中位列所属区县第 {} 名（共 {} 个），排名后三位。",
                    placing.rank, placing.group_size
                ),
                "/official/reports".into(),
            ));
        }
    }
    Ok(out)
}
