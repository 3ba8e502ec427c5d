//! Matching's replica of the catalog's and tender's data (its own tables), kept from the
//! feeds by the [`Tables`] sink: places, firms,
//! compounds (current and every version with the day it took effect), contracts,
//! tenders, satisfaction surveys and inspection requests. See
//! `migrations/matching/0003_statistics.sql` and `0007_inspections.sql`.
//!
//! Every write is "the entity is now like this, as of change `seq`": an upsert that only
//! replaces a row written by an older change, so a replay changes nothing.

use futures::future::BoxFuture;
use shared::clock::{china_date, now_ms};
use shared::domain::roster::format_date;
use shared::events::tender::InspectionPublished;
use shared::feed::Change;
use sqlx::AnyConnection;

use crate::follow::{
    CompoundRecord, ContractRecord, Entity, Event, FirmRecord, SatisfactionRecord, Sink,
    TenderRecord, VoteRecord,
};
use shared::events::catalog::{SubsidyPublished, WorkPlan};

/// The sink that keeps matching's tables.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tables;

impl Sink for Tables {
    fn apply<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        change: &'a Change,
        event: &'a Event,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            match event {
                Event::Place => {
                    shared::follow::apply_place(conn, change).await?;
                }
                Event::Firm(f) => upsert_firm(conn, change.seq, f).await?,
                Event::Compound(c) => upsert_compound(conn, change, c).await?,
                Event::Contract(c) => upsert_contract(conn, change.seq, c).await?,
                Event::Satisfaction(s) => upsert_satisfaction(conn, change.seq, s).await?,
                Event::Tender(t) => upsert_tender(conn, change, t).await?,
                Event::WorkPlan(p) => upsert_plan(conn, change.seq, p).await?,
                Event::Vote(v) => upsert_vote(conn, change.seq, v).await?,
                Event::Inspection(i) => upsert_inspection(conn, change.seq, i).await?,
                Event::Subsidy(s) => upsert_subsidy(conn, change.seq, s).await?,
                Event::FundMonth(m) => crate::funds::upsert(conn, change.seq, m).await?,
                Event::Removed { entity, id } => remove(conn, change, *entity, id).await?,
                Event::Ignored => {}
            }
            Ok(())
        })
    }
}

async fn upsert_firm(conn: &mut AnyConnection, seq: i64, f: &FirmRecord) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO catalog_firm (id, name, districts_served, standing_record, payload, seq, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, districts_served = excluded.districts_served, \
         standing_record = excluded.standing_record, payload = excluded.payload, seq = excluded.seq, \
         updated_at = excluded.updated_at WHERE catalog_firm.seq < excluded.seq",
    )
    .bind(&f.id)
    .bind(&f.name)
    .bind(serde_json::to_string(&f.districts_served)?)
    .bind(serde_json::to_string(&f.standing_record)?)
    .bind(serde_json::to_string(&f.payload)?)
    .bind(seq)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn upsert_compound(
    conn: &mut AnyConnection,
    change: &Change,
    record: &CompoundRecord,
) -> anyhow::Result<()> {
    let c = &record.compound.facts;
    sqlx::query(
        "INSERT INTO catalog_compound (id, code, name, district_code, street_code, households, management, \
         governance_body, eligible_and_willing, is_old, payload, seq, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name, \
         district_code = excluded.district_code, street_code = excluded.street_code, \
         households = excluded.households, management = excluded.management, \
         governance_body = excluded.governance_body, eligible_and_willing = excluded.eligible_and_willing, \
         is_old = excluded.is_old, payload = excluded.payload, seq = excluded.seq, updated_at = excluded.updated_at \
         WHERE catalog_compound.seq < excluded.seq",
    )
    .bind(&record.id)
    .bind(&c.code)
    .bind(&c.name)
    .bind(c.district.as_str())
    .bind(c.street.as_str())
    .bind(i64::from(c.households.get()))
    .bind(c.management.as_str())
    .bind(c.governance_body.as_str())
    .bind(c.eligible_and_willing)
    .bind(c.is_old)
    .bind(serde_json::to_string(&change.payload)?)
    .bind(change.seq)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    insert_version(
        conn,
        change,
        Version {
            district: c.district.as_str(),
            street: c.street.as_str(),
            management: c.management.as_str(),
            governance_body: c.governance_body.as_str(),
            eligible_and_willing: c.eligible_and_willing,
            is_old: c.is_old,
            removed: false,
        },
    )
    .await
}

struct Version<'a> {
    district: &'a str,
    street: &'a str,
    management: &'a str,
    governance_body: &'a str,
    eligible_and_willing: bool,
    is_old: bool,
    removed: bool,
}

async fn insert_version(
    conn: &mut AnyConnection,
    change: &Change,
    v: Version<'_>,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO catalog_compound_version (compound_id, seq, effective_on, district_code, street_code, \
         management, governance_body, eligible_and_willing, is_old, removed) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (compound_id, seq) DO NOTHING",
    )
    .bind(&change.entity_id)
    .bind(change.seq)
    .bind(format_date(china_date(change.at)))
    .bind(v.district)
    .bind(v.street)
    .bind(v.management)
    .bind(v.governance_body)
    .bind(v.eligible_and_willing)
    .bind(v.is_old)
    .bind(v.removed)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn upsert_contract(
    conn: &mut AnyConnection,
    seq: i64,
    c: &ContractRecord,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO tender_contract (id, tender_id, compound_id, firm_id, firm_name, service_model, fee_model, \
         start_date, end_date, signed_on, status, terminated_on, termination_reason, seq, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15) \
         ON CONFLICT (id) DO UPDATE SET tender_id = excluded.tender_id, compound_id = excluded.compound_id, \
         firm_id = excluded.firm_id, firm_name = excluded.firm_name, service_model = excluded.service_model, \
         fee_model = excluded.fee_model, start_date = excluded.start_date, end_date = excluded.end_date, \
         signed_on = excluded.signed_on, status = excluded.status, terminated_on = excluded.terminated_on, \
         termination_reason = excluded.termination_reason, seq = excluded.seq, updated_at = excluded.updated_at \
         WHERE tender_contract.seq < excluded.seq",
    )
    .bind(&c.id)
    .bind(&c.tender_id)
    .bind(&c.compound_id)
    .bind(&c.firm_id)
    .bind(&c.firm_name)
    .bind(&c.service_model)
    .bind(&c.fee_model)
    .bind(format_date(c.start_date))
    .bind(format_date(c.end_date))
    .bind(format_date(c.signed_on))
    .bind(c.status.as_str())
    .bind(c.terminated_on.map(format_date))
    .bind(&c.termination_reason)
    .bind(seq)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn upsert_plan(conn: &mut AnyConnection, seq: i64, p: &WorkPlan) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO catalog_work_plan (id, street_code, district_code, year, payload, seq, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (id) DO UPDATE SET street_code = excluded.street_code, \
         district_code = excluded.district_code, year = excluded.year, payload = excluded.payload, \
         seq = excluded.seq, updated_at = excluded.updated_at WHERE catalog_work_plan.seq < excluded.seq",
    )
    .bind(&p.id)
    .bind(&p.street_code)
    .bind(&p.district_code)
    .bind(i64::from(p.year))
    .bind(serde_json::to_string(p)?)
    .bind(seq)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn upsert_vote(conn: &mut AnyConnection, seq: i64, v: &VoteRecord) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO tender_vote_decision (id, compound_id, matter, passed, decided_on, seq, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (id) DO UPDATE SET compound_id = excluded.compound_id, matter = excluded.matter, \
         passed = excluded.passed, decided_on = excluded.decided_on, seq = excluded.seq, \
         updated_at = excluded.updated_at WHERE tender_vote_decision.seq < excluded.seq",
    )
    .bind(&v.id)
    .bind(&v.compound_id)
    .bind(&v.matter)
    .bind(i64::from(v.passed))
    .bind(format_date(v.decided_on))
    .bind(seq)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn upsert_tender(
    conn: &mut AnyConnection,
    change: &Change,
    t: &TenderRecord,
) -> anyhow::Result<()> {
    let seq = change.seq;
    if t.tender.status != "draft" {
        // The first change out of draft dates the publication (招标); a replay keeps it.
        sqlx::query(
            "INSERT INTO tender_published (tender_id, compound_id, published_on, seq) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (tender_id) DO NOTHING",
        )
        .bind(&t.id)
        .bind(&t.tender.compound_id)
        .bind(format_date(china_date(change.at)))
        .bind(seq)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "INSERT INTO tender_tender (id, compound_id, status, payload, seq, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) \
         ON CONFLICT (id) DO UPDATE SET compound_id = excluded.compound_id, status = excluded.status, \
         payload = excluded.payload, seq = excluded.seq, updated_at = excluded.updated_at \
         WHERE tender_tender.seq < excluded.seq",
    )
    .bind(&t.id)
    .bind(&t.tender.compound_id)
    .bind(&t.tender.status)
    .bind(serde_json::to_string(&t.payload)?)
    .bind(seq)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A subsidy record as published (records never change at the source; a replayed change
/// writes the same row).
async fn upsert_subsidy(
    conn: &mut AnyConnection,
    seq: i64,
    s: &SubsidyPublished,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO catalog_subsidy (id, compound_id, street_code, district_code, amount_fen, corrects, \
         first_recorded_on, seq, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (id) DO UPDATE SET compound_id = excluded.compound_id, \
         street_code = excluded.street_code, district_code = excluded.district_code, \
         amount_fen = excluded.amount_fen, corrects = excluded.corrects, \
         first_recorded_on = excluded.first_recorded_on, seq = excluded.seq, \
         updated_at = excluded.updated_at WHERE catalog_subsidy.seq < excluded.seq",
    )
    .bind(&s.id)
    .bind(&s.compound_id)
    .bind(&s.street_code)
    .bind(&s.district_code)
    .bind(s.amount_fen)
    .bind(s.corrects.clone())
    .bind(&s.first_recorded_on)
    .bind(seq)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn upsert_inspection(
    conn: &mut AnyConnection,
    seq: i64,
    i: &InspectionPublished,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO tender_inspection (id, compound_id, compound_name, district_code, street_code, what, \
         what_label, asked_at, due_on, answered_at, seq, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (id) DO UPDATE SET compound_id = excluded.compound_id, \
         compound_name = excluded.compound_name, district_code = excluded.district_code, \
         street_code = excluded.street_code, what = excluded.what, what_label = excluded.what_label, \
         asked_at = excluded.asked_at, due_on = excluded.due_on, answered_at = excluded.answered_at, \
         seq = excluded.seq, updated_at = excluded.updated_at \
         WHERE tender_inspection.seq < excluded.seq",
    )
    .bind(&i.id)
    .bind(&i.compound_id)
    .bind(&i.compound_name)
    .bind(&i.district_code)
    .bind(&i.street_code)
    .bind(&i.what)
    .bind(&i.what_label)
    .bind(&i.asked_at)
    .bind(format_date(i.due_on))
    .bind(&i.answered_at)
    .bind(seq)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn upsert_satisfaction(
    conn: &mut AnyConnection,
    seq: i64,
    s: &SatisfactionRecord,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO tender_satisfaction (id, compound_id, street_code, district_code, contract_id, firm_id, \
         period, satisfied, basically_satisfied, dissatisfied, recorded_at, seq, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) \
         ON CONFLICT (id) DO UPDATE SET compound_id = excluded.compound_id, street_code = excluded.street_code, \
         district_code = excluded.district_code, contract_id = excluded.contract_id, firm_id = excluded.firm_id, \
         period = excluded.period, satisfied = excluded.satisfied, \
         basically_satisfied = excluded.basically_satisfied, dissatisfied = excluded.dissatisfied, \
         recorded_at = excluded.recorded_at, seq = excluded.seq, updated_at = excluded.updated_at \
         WHERE tender_satisfaction.seq < excluded.seq",
    )
    .bind(&s.id)
    .bind(&s.compound_id)
    .bind(&s.street_code)
    .bind(&s.district_code)
    .bind(&s.contract_id)
    .bind(&s.firm_id)
    .bind(s.period.to_string())
    .bind(s.satisfied)
    .bind(s.basically_satisfied)
    .bind(s.dissatisfied)
    .bind(&s.recorded_at)
    .bind(seq)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn remove(
    conn: &mut AnyConnection,
    change: &Change,
    entity: Entity,
    id: &str,
) -> anyhow::Result<()> {
    let table = match entity {
        Entity::Firm => "catalog_firm",
        Entity::Compound => "catalog_compound",
        Entity::Contract => "tender_contract",
        Entity::Satisfaction => "tender_satisfaction",
        Entity::Tender => "tender_tender",
        Entity::WorkPlan => "catalog_work_plan",
        Entity::Vote => "tender_vote_decision",
        Entity::Inspection => "tender_inspection",
        Entity::Subsidy => "catalog_subsidy",
        Entity::FundMonth => "tender_fund_month",
    };
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM {table} WHERE id = $1 AND seq < $2"
    )))
    .bind(id)
    .bind(change.seq)
    .execute(&mut *conn)
    .await?;
    if entity == Entity::Compound {
        // From this day on the compound is out of the ledger; its earlier versions stay.
        insert_version(
            conn,
            change,
            Version {
                district: "",
                street: "",
                management: "none",
                governance_body: "none",
                eligible_and_willing: false,
                is_old: false,
                removed: true,
            },
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn changes_take_effect_on_the_china_date() {
        // 2026-03-31 16:30 UTC is 2026-04-01 00:30 in Chengdu.
        let ms = 1_774_974_600_000;
        assert_eq!(china_date(ms), date!(2026 - 04 - 01));
        assert_eq!(china_date(ms - 3_600_000), date!(2026 - 03 - 31));
    }
}
