//! Where plans are kept, and their publication on the feed.

use shared::auth::Identity;
use shared::clock::{now_ms, rfc3339_utc};
use shared::domain::StreetCode;
use shared::domain::plan::{Stage, StageDue, StageRecord, WorkPlan};
use shared::domain::roster::format_date;
use shared::error::{FieldError, Problem};
use shared::feed::WriteTx;
use sqlx::{AnyConnection, Row};

use super::input::{ValidPlan, ValidStage};

const DUE_COLUMNS: [(Stage, &str); 6] = [
    (Stage::Survey, "due_survey"),
    (Stage::Mobilisation, "due_mobilisation"),
    (Stage::SelfGovernance, "due_self_governance"),
    (Stage::OwnersVote, "due_owners_vote"),
    (Stage::Tender, "due_tender"),
    (Stage::Contract, "due_contract"),
];

/// The plan of `street` for `year`, as kept.
pub async fn load(
    conn: &mut AnyConnection,
    street: StreetCode,
    year: i32,
) -> anyhow::Result<Option<WorkPlan>> {
    let id = WorkPlan::id_of(street.as_str(), year);
    let Some(r) = sqlx::query(
        "SELECT id, street_code, district_code, year, target_compounds, target_rate_percent, due_survey, \
         due_mobilisation, due_self_governance, due_owners_vote, due_tender, due_contract, version, \
         updated_at, updated_by FROM work_plan WHERE id = $1",
    )
    .bind(&id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let mut dues = Vec::new();
    for (stage, column) in DUE_COLUMNS {
        dues.push(StageDue {
            stage,
            due: r.try_get(column)?,
        });
    }
    let compounds: Vec<String> = sqlx::query(
        "SELECT compound_id FROM work_plan_compound WHERE plan_id = $1 ORDER BY position",
    )
    .bind(&id)
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| r.try_get("compound_id"))
    .collect::<Result<_, _>>()?;
    let mut records = Vec::new();
    for s in sqlx::query(
        "SELECT s.compound_id, s.stage, s.done_on, s.note, s.recorded_by, s.recorded_at \
         FROM work_plan_stage s JOIN work_plan_compound c \
         ON c.plan_id = s.plan_id AND c.compound_id = s.compound_id \
         WHERE s.plan_id = $1 ORDER BY c.position, s.stage",
    )
    .bind(&id)
    .fetch_all(&mut *conn)
    .await?
    {
        let stage: String = s.try_get("stage")?;
        let stage = Stage::parse(&stage)
            .map_err(|e| anyhow::anyhow!("work_plan_stage.stage of plan {id}: {}", e.message))?;
        records.push(StageRecord {
            compound_id: s.try_get("compound_id")?,
            stage,
            done_on: s.try_get("done_on")?,
            note: s.try_get("note")?,
            recorded_by: s.try_get("recorded_by")?,
            recorded_at: rfc3339_utc(s.try_get("recorded_at")?),
        });
    }
    records.sort_by_key(|x| (compounds.iter().position(|c| *c == x.compound_id), x.stage));
    Ok(Some(WorkPlan {
        id,
        street_code: r.try_get("street_code")?,
        district_code: r.try_get("district_code")?,
        year: i32::try_from(r.try_get::<i64, _>("year")?)?,
        target_compounds: r.try_get("target_compounds")?,
        target_rate_percent: r.try_get("target_rate_percent")?,
        dues,
        compounds,
        records,
        version: r.try_get("version")?,
        updated_at: rfc3339_utc(r.try_get("updated_at")?),
        updated_by: r.try_get("updated_by")?,
    }))
}

fn stale(current: i64) -> Problem {
    Problem::conflict(
        "stale_version",
        format!("工作方案已被他人修改（当前版本 {current}），请刷新后重新编辑。"),
    )
}

/// 422 for every planned compound that is not a compound of the street's ledger.
async fn check_compounds(
    conn: &mut AnyConnection,
    street: StreetCode,
    compounds: &[String],
) -> anyhow::Result<Result<(), Problem>> {
    let mut errors = Vec::new();
    for (i, id) in compounds.iter().enumerate() {
        let found: Option<String> =
            sqlx::query_scalar("SELECT street_code FROM compound WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?;
        match found {
            None => errors.push(FieldError::new(
                format!("compounds[{i}]"),
                "unknown_compound",
                "台账中没有这个小区",
            )),
            Some(s) if s != street.as_str() => errors.push(FieldError::new(
                format!("compounds[{i}]"),
                "compound_not_in_street",
                format!("该小区不在{}，不能列入本街道的工作方案", street.name()),
            )),
            Some(_) => {}
        }
    }
    Ok(if errors.is_empty() {
        Ok(())
    } else {
        Err(Problem::validation(errors))
    })
}

/// Creates or replaces the plan of `street` for `year` in the caller's transaction and
/// publishes it; changing nothing writes nothing.
pub async fn save(
    tx: &mut WriteTx,
    street: StreetCode,
    year: i32,
    plan: &ValidPlan,
    by: &Identity,
) -> Result<WorkPlan, shared::error::Error> {
    let current = load(tx.conn(), street, year).await?;
    if let (Some(c), Some(v)) = (&current, plan.version)
        && c.version != v
    {
        return Err(stale(c.version).into());
    }
    check_compounds(tx.conn(), street, &plan.compounds).await??;
    let dues: Vec<StageDue> = plan
        .dues
        .iter()
        .map(|(stage, d)| StageDue {
            stage: *stage,
            due: format_date(*d),
        })
        .collect();
    if let Some(c) = &current
        && c.target_compounds == plan.target_compounds
        && c.target_rate_percent == plan.target_rate_percent
        && c.dues == dues
        && c.compounds == plan.compounds
    {
        return Ok(c.clone());
    }
    let id = WorkPlan::id_of(street.as_str(), year);
    let version = current.as_ref().map_or(1, |c| c.version + 1);
    let due = |s: Stage| format_date(plan.dues[s.index()].1);
    sqlx::query(
        "INSERT INTO work_plan (id, street_code, district_code, year, target_compounds, target_rate_percent, \
         due_survey, due_mobilisation, due_self_governance, due_owners_vote, due_tender, due_contract, \
         version, updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
         ON CONFLICT (id) DO UPDATE SET target_compounds = excluded.target_compounds, \
         target_rate_percent = excluded.target_rate_percent, due_survey = excluded.due_survey, \
         due_mobilisation = excluded.due_mobilisation, due_self_governance = excluded.due_self_governance, \
         due_owners_vote = excluded.due_owners_vote, due_tender = excluded.due_tender, \
         due_contract = excluded.due_contract, version = excluded.version, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by",
    )
    .bind(&id)
    .bind(street.as_str())
    .bind(street.district().as_str())
    .bind(i64::from(year))
    .bind(plan.target_compounds)
    .bind(plan.target_rate_percent)
    .bind(due(Stage::Survey))
    .bind(due(Stage::Mobilisation))
    .bind(due(Stage::SelfGovernance))
    .bind(due(Stage::OwnersVote))
    .bind(due(Stage::Tender))
    .bind(due(Stage::Contract))
    .bind(version)
    .bind(now_ms())
    .bind(&by.name)
    .execute(tx.conn())
    .await?;
    sqlx::query("DELETE FROM work_plan_compound WHERE plan_id = $1")
        .bind(&id)
        .execute(tx.conn())
        .await?;
    for (i, c) in plan.compounds.iter().enumerate() {
        sqlx::query(
            "INSERT INTO work_plan_compound (plan_id, compound_id, position) VALUES ($1, $2, $3)",
        )
        .bind(&id)
        .bind(c)
        .bind(i as i64)
        .execute(tx.conn())
        .await?;
    }
    Ok(publish(tx, street, year).await?)
}

/// Records (or records again) a stage of a planned compound and publishes the plan.
pub async fn record_stage(
    tx: &mut WriteTx,
    street: StreetCode,
    year: i32,
    stage: &ValidStage,
    by: &Identity,
) -> Result<WorkPlan, shared::error::Error> {
    let plan = load(tx.conn(), street, year)
        .await?
        .ok_or_else(|| not_found(street, year))?;
    if !plan.compounds.contains(&stage.compound_id) {
        return Err(Problem::validation(vec![FieldError::new(
            "compound_id",
            "not_in_plan",
            "该小区不在本年度工作方案中",
        )])
        .into());
    }
    sqlx::query(
        "INSERT INTO work_plan_stage (plan_id, compound_id, stage, done_on, note, recorded_by, recorded_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (plan_id, compound_id, stage) DO UPDATE SET \
         done_on = excluded.done_on, note = excluded.note, recorded_by = excluded.recorded_by, \
         recorded_at = excluded.recorded_at",
    )
    .bind(&plan.id)
    .bind(&stage.compound_id)
    .bind(stage.stage.as_str())
    .bind(format_date(stage.done_on))
    .bind(&stage.note)
    .bind(&by.name)
    .bind(now_ms())
    .execute(tx.conn())
    .await?;
    sqlx::query("UPDATE work_plan SET version = version + 1, updated_at = $2, updated_by = $3 WHERE id = $1")
        .bind(&plan.id)
        .bind(now_ms())
        .bind(&by.name)
        .execute(tx.conn())
        .await?;
    Ok(publish(tx, street, year).await?)
}

/// Reads the plan as it now is and appends it to the outbox.
async fn publish(tx: &mut WriteTx, street: StreetCode, year: i32) -> anyhow::Result<WorkPlan> {
    let plan = load(tx.conn(), street, year)
        .await?
        .ok_or_else(|| anyhow::anyhow!("plan {street:?} {year} vanished in its own transaction"))?;
    tx.emit(shared::events::catalog::WORK_PLAN, &plan.id, "saved", &plan)
        .await?;
    Ok(plan)
}

/// 404: the street has no plan for the year.
pub fn not_found(street: StreetCode, year: i32) -> Problem {
    Problem::not_found(format!("{}尚未制定 {year} 年度工作方案。", street.name()))
}
