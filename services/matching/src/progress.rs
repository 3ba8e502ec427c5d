//! The progress list (动态推进清单) of the streets' work plans (工作方案).
//!
//! A plan (from the catalog's `work_plan` topic) names a street's compounds for a year and
//! each stage's due date. A compound's stages are read from the records the platform keeps:
//!
//! | stage | reached when | link |
//! | --- | --- | --- |
//! | 摸底 `survey` | the compound is in the ledger (the day it first entered it) | the compound |
//! | 动员 `mobilisation`, 自治组织 `self_governance` | the street recorded it (day and note, in the plan) | — |
//! | 业主表决 `owners_vote` | a passing owners' vote on the service model or the firm (`choose_service_model`, `choose_firm`): a typed vote on its day, a vote from ballots on the day it closed | the vote |
//! | 招标 `tender` | a tender of the compound left draft (the day of its first such change) | the tender |
//! | 签约 `contract` | a contract was signed (its `signed_on`) | the contract |
//!
//! A stage is **overdue** when its due date has passed (it is before `today`) and it has
//! not been reached: derived on every read, never stored. A compound's **current stage** is
//! the furthest stage it has reached.

use std::collections::{BTreeMap, HashMap};

use serde::Serialize;
use shared::domain::plan::{Stage, WorkPlan};
use shared::domain::roster::{Date, format_date, parse_date};
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use crate::coverage::Area;

/// The owners' matters whose passing vote is the 业主表决 stage.
pub const DECIDING_MATTERS: [&str; 2] = ["choose_service_model", "choose_firm"];

/// What the platform records about one compound.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Facts {
    /// In the ledger now: its name and the day it entered.
    pub ledger: Option<(String, Date)>,
    /// The first passing deciding vote: id and day.
    pub vote: Option<(String, Date)>,
    /// The first published tender: id and day.
    pub tender: Option<(String, Date)>,
    /// The first signed contract: id and day.
    pub contract: Option<(String, Date)>,
}

/// The record a stage rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Link {
    /// `compound`, `vote`, `tender` or `contract`.
    pub kind: String,
    pub id: String,
}

/// One stage of one compound.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StageState {
    pub stage: Stage,
    /// 摸底, 动员, ….
    pub label: String,
    /// The plan's due date, `YYYY-MM-DD`.
    pub due: Option<String>,
    /// The day it was reached, `YYYY-MM-DD`; `null` while not reached.
    pub done_on: Option<String>,
    /// The record it rests on (vote, tender, contract, compound).
    pub link: Option<Link>,
    /// The street's note, for the stages it records.
    pub note: Option<String>,
    /// Due date passed, not reached.
    pub overdue: bool,
}

/// One planned compound on the progress list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CompoundProgress {
    pub compound_id: String,
    /// `null` when matching does not know the compound (not in the ledger).
    pub compound_name: Option<String>,
    /// The furthest stage reached; `null` when none is.
    pub stage: Option<Stage>,
    pub stage_label: String,
    /// Every stage, in order.
    pub stages: Vec<StageState>,
    /// Some stage is overdue.
    pub overdue: bool,
}

/// A plan's compounds on the progress list as they stood on `today` (a stage counts as
/// reached from its day on), in the plan's order.
pub fn compounds(
    plan: &WorkPlan,
    facts: &HashMap<String, Facts>,
    today: Date,
) -> Vec<CompoundProgress> {
    plan.compounds
        .iter()
        .map(|id| one(plan, id, facts.get(id).cloned().unwrap_or_default(), today))
        .collect()
}

fn one(plan: &WorkPlan, id: &str, facts: Facts, today: Date) -> CompoundProgress {
    let link = |kind: &str, f: &Option<(String, Date)>| {
        f.as_ref().map(|(id, day)| {
            (
                *day,
                Some(Link {
                    kind: kind.into(),
                    id: id.clone(),
                }),
            )
        })
    };
    let stages: Vec<StageState> = Stage::ALL
        .into_iter()
        .map(|stage| {
            let record = plan.record(id, stage);
            let reached: Option<(Date, Option<Link>)> = match stage {
                Stage::Survey => facts.ledger.as_ref().map(|(_, day)| {
                    (
                        *day,
                        Some(Link {
                            kind: "compound".into(),
                            id: id.into(),
                        }),
                    )
                }),
                Stage::Mobilisation | Stage::SelfGovernance => record
                    .and_then(|r| parse_date(&r.done_on).ok())
                    .map(|d| (d, None)),
                Stage::OwnersVote => link("vote", &facts.vote),
                Stage::Tender => link("tender", &facts.tender),
                Stage::Contract => link("contract", &facts.contract),
            };
            let reached = reached.filter(|(d, _)| *d <= today);
            let due = plan.due(stage).map(str::to_string);
            let overdue = reached.is_none()
                && due
                    .as_deref()
                    .and_then(|d| parse_date(d).ok())
                    .is_some_and(|d| d < today);
            StageState {
                stage,
                label: stage.label().into(),
                due,
                done_on: reached.as_ref().map(|(d, _)| format_date(*d)),
                link: reached.and_then(|(_, l)| l),
                note: record.map(|r| r.note.clone()),
                overdue,
            }
        })
        .collect();
    let stage = stages
        .iter()
        .rev()
        .find(|s| s.done_on.is_some())
        .map(|s| s.stage);
    CompoundProgress {
        compound_id: id.into(),
        compound_name: facts.ledger.map(|(name, _)| name),
        stage,
        stage_label: stage.map_or("未开始", Stage::label).into(),
        overdue: stages.iter().any(|s| s.overdue),
        stages,
    }
}

/// Counts of a set of planned compounds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, ToSchema)]
pub struct Counts {
    /// Compounds planned.
    pub planned: i64,
    /// By current stage, in stage order (`survey` … `contract`).
    pub at_stage: Vec<StageCount>,
    /// Compounds with an overdue stage.
    pub overdue: i64,
    /// Compounds that reached 签约.
    pub contracted: i64,
}

/// How many compounds stand at a stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct StageCount {
    pub stage: Stage,
    pub label: String,
    pub compounds: i64,
}

impl Counts {
    pub fn of(list: &[CompoundProgress]) -> Self {
        let mut at = [0i64; 6];
        for c in list {
            if let Some(s) = c.stage {
                at[s.index()] += 1;
            }
        }
        Self {
            planned: list.len() as i64,
            at_stage: Stage::ALL
                .into_iter()
                .map(|s| StageCount {
                    stage: s,
                    label: s.label().into(),
                    compounds: at[s.index()],
                })
                .collect(),
            overdue: list.iter().filter(|c| c.overdue).count() as i64,
            contracted: list
                .iter()
                .filter(|c| c.stage == Some(Stage::Contract))
                .count() as i64,
        }
    }
}

/// The plans of `year` in `area`, by street code.
pub async fn plans(
    conn: &mut AnyConnection,
    area: &Area,
    year: i32,
) -> anyhow::Result<BTreeMap<String, WorkPlan>> {
    let rows = sqlx::query(
        "SELECT street_code, district_code, payload FROM catalog_work_plan WHERE year = $1",
    )
    .bind(i64::from(year))
    .fetch_all(&mut *conn)
    .await?;
    let mut out = BTreeMap::new();
    for r in rows {
        let street: String = r.try_get("street_code")?;
        let district: String = r.try_get("district_code")?;
        if !area.contains(&district, &street) {
            continue;
        }
        let payload: String = r.try_get("payload")?;
        let plan: WorkPlan = serde_json::from_str(&payload)
            .map_err(|e| anyhow::anyhow!("catalog_work_plan {street} {year}: {e}"))?;
        out.insert(street, plan);
    }
    Ok(out)
}

/// The area's filter on a `catalog_compound` aliased `c`, and its bound code.
fn area_filter(area: &Area) -> (&'static str, Option<String>) {
    match area {
        Area::City => ("", None),
        Area::District(d) => (" AND c.district_code = $1", Some(d.as_str().into())),
        Area::Street(s) => (" AND c.street_code = $1", Some(s.as_str().into())),
    }
}

/// Picks one of a compound's facts: the first `(record id, day)` of a kind.
type Pick = fn(&mut Facts) -> &mut Option<(String, Date)>;

/// Keeps the earliest `(id, day)` per compound.
fn earliest(
    into: &mut HashMap<String, Facts>,
    compound: String,
    id: String,
    day: &str,
    pick: Pick,
) {
    let Ok(day) = parse_date(day) else { return };
    let slot = pick(into.entry(compound).or_default());
    if slot.as_ref().is_none_or(|(_, d)| day < *d) {
        *slot = Some((id, day));
    }
}

/// What the platform records about every compound now in `area`.
pub async fn facts(
    conn: &mut AnyConnection,
    area: &Area,
) -> anyhow::Result<HashMap<String, Facts>> {
    let (filter, code) = area_filter(area);
    let mut out: HashMap<String, Facts> = HashMap::new();
    let queries: [(&str, Pick); 3] = [
        (
            "SELECT d.compound_id, d.id, d.decided_on AS day FROM tender_vote_decision d \
             JOIN catalog_compound c ON c.id = d.compound_id \
             WHERE d.passed = 1 AND d.matter IN ('choose_service_model', 'choose_firm')",
            |f| &mut f.vote,
        ),
        (
            "SELECT p.compound_id, p.tender_id AS id, p.published_on AS day FROM tender_published p \
             JOIN catalog_compound c ON c.id = p.compound_id WHERE 1 = 1",
            |f| &mut f.tender,
        ),
        (
            "SELECT k.compound_id, k.id, k.signed_on AS day FROM tender_contract k \
             JOIN catalog_compound c ON c.id = k.compound_id WHERE 1 = 1",
            |f| &mut f.contract,
        ),
    ];
    let ledger_sql = format!(
        "SELECT c.id, c.name, MIN(v.effective_on) AS day FROM catalog_compound c \
         JOIN catalog_compound_version v ON v.compound_id = c.id WHERE 1 = 1{filter} GROUP BY c.id, c.name"
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(ledger_sql));
    if let Some(code) = &code {
        q = q.bind(code.clone());
    }
    for r in q.fetch_all(&mut *conn).await? {
        let day: String = r.try_get("day")?;
        if let Ok(day) = parse_date(&day) {
            out.entry(r.try_get("id")?).or_default().ledger = Some((r.try_get("name")?, day));
        }
    }
    for (sql, pick) in queries {
        let mut q = sqlx::query(sqlx::AssertSqlSafe(format!("{sql}{filter}")));
        if let Some(code) = &code {
            q = q.bind(code.clone());
        }
        for r in q.fetch_all(&mut *conn).await? {
            let day: String = r.try_get("day")?;
            earliest(
                &mut out,
                r.try_get("compound_id")?,
                r.try_get("id")?,
                &day,
                pick,
            );
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::domain::plan::{StageDue, StageRecord};
    use time::macros::date;

    fn plan() -> WorkPlan {
        WorkPlan {
            id: "510104017-2026".into(),
            street_code: "510104017".into(),
            district_code: "510104".into(),
            year: 2026,
            target_compounds: 3,
            target_rate_percent: 70,
            dues: Stage::ALL
                .into_iter()
                .zip([
                    "2026-01-31",
                    "2026-03-31",
                    "2026-05-31",
                    "2026-07-31",
                    "2026-09-30",
                    "2026-12-31",
                ])
                .map(|(stage, due)| StageDue {
                    stage,
                    due: due.into(),
                })
                .collect(),
            compounds: vec!["a".into(), "b".into(), "c".into()],
            records: vec![StageRecord {
                compound_id: "a".into(),
                stage: Stage::Mobilisation,
                done_on: "2026-03-01".into(),
                note: "召开业主大会筹备会".into(),
                recorded_by: "街道".into(),
                recorded_at: "2026-03-01T08:00:00Z".into(),
            }],
            version: 1,
            updated_at: "2026-01-01T00:00:00Z".into(),
            updated_by: "街道".into(),
        }
    }

    #[test]
    fn stages_come_from_records_and_overdue_is_derived_from_today() {
        let mut facts = HashMap::new();
        facts.insert(
            "a".to_string(),
            Facts {
                ledger: Some(("甲小区".into(), date!(2025 - 06 - 01))),
                ..Facts::default()
            },
        );
        facts.insert(
            "b".to_string(),
            Facts {
                ledger: Some(("乙小区".into(), date!(2025 - 06 - 01))),
                vote: Some(("v1".into(), date!(2026 - 03 - 02))),
                tender: Some(("t1".into(), date!(2026 - 03 - 15))),
                contract: Some(("k1".into(), date!(2026 - 03 - 30))),
            },
        );
        let list = compounds(&plan(), &facts, date!(2026 - 04 - 01));
        assert_eq!(list[0].stage, Some(Stage::Mobilisation));
        assert_eq!(
            list[0].stages[1].note.as_deref(),
            Some("召开业主大会筹备会")
        );
        // a: 自治组织 due 05-31 not yet passed on 04-01.
        assert!(!list[0].overdue);
        assert_eq!(list[1].stage, Some(Stage::Contract));
        assert_eq!(list[1].stages[5].link.as_ref().unwrap().id, "k1");
        // b never recorded 动员: due 03-31 has passed.
        assert!(list[1].stages[1].overdue && list[1].overdue);
        // c is not in the ledger: nothing reached, 摸底 overdue.
        assert_eq!(
            (list[2].stage, list[2].compound_name.as_deref()),
            (None, None)
        );
        assert!(list[2].stages[0].overdue);
        // On the due day itself nothing is overdue yet.
        let on_due = compounds(&plan(), &facts, date!(2026 - 03 - 31));
        assert!(!on_due[1].stages[1].overdue);
        // As of an earlier day, a stage reached later does not count.
        let before = compounds(&plan(), &facts, date!(2026 - 03 - 20));
        assert_eq!(before[1].stage, Some(Stage::Tender));
        assert_eq!(before[1].stages[5].done_on, None);
        let counts = Counts::of(&list);
        assert_eq!(
            (counts.planned, counts.overdue, counts.contracted),
            (3, 2, 1)
        );
        assert_eq!(counts.at_stage[1].compounds, 1);
    }
}
