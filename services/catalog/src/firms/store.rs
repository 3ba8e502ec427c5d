//! Where firms are kept: the `firm` row and its lists (served districts, service models,
//! fee models, grades), read back as whole [`FirmSnapshot`]s, and the roster list.

use std::collections::BTreeMap;

use shared::db::{Backend, Bind, Db, Filter, ListQuery};
use shared::domain::roster::{
    Date, FeeModel, FirmSnapshot, Ownership, RosterStage, RosterStanding, ServiceGrade,
    StandingRecord, format_date, parse_date,
};
use shared::domain::{Coordinates, CreditCode, DistrictCode, StreetCode};
use shared::error::Problem;
use shared::extract::{Page, Pagination};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use super::credit;
use super::input::ValidFirm;
use crate::error::{Error, Result};
use crate::policy::CatalogPolicy;

/// The id of the firm holding `code`, if any.
pub async fn firm_with_credit_code(
    conn: &mut AnyConnection,
    code: &CreditCode,
) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT id FROM firm WHERE credit_code = $1")
            .bind(code.as_str())
            .fetch_optional(conn)
            .await?,
    )
}

/// Inserts a new firm (standing `applicant`) with its lists.
pub async fn insert(conn: &mut AnyConnection, id: &str, firm: &ValidFirm, now: i64) -> Result<()> {
    sqlx::query(
        "INSERT INTO firm (id, name, credit_code, legal_representative, contact_phone, ownership, \
         base_address, lon, lat, service_radius_km, capacity_households, households_served, \
         staff_count, profile, low_profit_commitment, stage, credit_net, whitelisted, created_at, updated_at, \
         office_street) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, 0, FALSE, $17, $17, $18)",
    )
    .bind(id)
    .bind(&firm.name)
    .bind(firm.credit_code.as_str())
    .bind(&firm.legal_representative)
    .bind(firm.contact_phone.as_str())
    .bind(firm.ownership.as_str())
    .bind(&firm.base_address)
    .bind(firm.location.lon())
    .bind(firm.location.lat())
    .bind(firm.service_radius_km)
    .bind(firm.capacity_households)
    .bind(firm.households_served)
    .bind(firm.staff_count)
    .bind(&firm.profile)
    .bind(firm.low_profit_commitment)
    .bind(RosterStage::Applicant.as_str())
    .bind(now)
    .bind(firm.office_street.map(|s| s.as_str().to_string()))
    .execute(&mut *conn)
    .await?;
    insert_lists(conn, id, firm).await
}

/// Inserts many new firms (standing `applicant`) with their lists, in a few multi-row
/// statements: [`insert`] for a bulk load (`crate::bulk`).
pub async fn insert_many(
    conn: &mut AnyConnection,
    firms: &[(String, ValidFirm)],
    now: i64,
) -> Result<()> {
    const COLUMNS: usize = 18;
    for chunk in firms.chunks(250) {
        let rows = (0..chunk.len())
            .map(|r| {
                let p = |c: usize| format!("${}", r * COLUMNS + c);
                format!(
                    "({}, 0, FALSE, {}, {}, {})",
                    (1..=16).map(p).collect::<Vec<_>>().join(", "),
                    p(17),
                    p(17),
                    p(18)
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO firm (id, name, credit_code, legal_representative, contact_phone, ownership, \
             base_address, lon, lat, service_radius_km, capacity_households, households_served, \
             staff_count, profile, low_profit_commitment, stage, credit_net, whitelisted, created_at, \
             updated_at, office_street) VALUES {rows}"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for (id, firm) in chunk {
            q = q
                .bind(id.as_str())
                .bind(firm.name.as_str())
                .bind(firm.credit_code.as_str())
                .bind(firm.legal_representative.as_str())
                .bind(firm.contact_phone.as_str())
                .bind(firm.ownership.as_str())
                .bind(firm.base_address.as_str())
                .bind(firm.location.lon())
                .bind(firm.location.lat())
                .bind(firm.service_radius_km)
                .bind(firm.capacity_households)
                .bind(firm.households_served)
                .bind(firm.staff_count)
                .bind(firm.profile.as_str())
                .bind(firm.low_profit_commitment)
                .bind(RosterStage::Applicant.as_str())
                .bind(now)
                .bind(firm.office_street.map(|s| s.as_str().to_string()));
        }
        q.execute(&mut *conn).await?;
    }
    let mut lists: [(&str, Vec<(&str, Bind)>); 4] = [
        ("firm_district (firm_id, district_code)", Vec::new()),
        ("firm_service_model (firm_id, model_code)", Vec::new()),
        ("firm_fee_model (firm_id, fee_model)", Vec::new()),
        ("firm_grade (firm_id, grade)", Vec::new()),
    ];
    for (id, firm) in firms {
        for d in &firm.districts_served {
            lists[0].1.push((id, Bind::Text(d.as_str().into())));
        }
        for m in &firm.service_models {
            lists[1].1.push((id, Bind::Text(m.clone())));
        }
        for f in &firm.fee_models {
            lists[2].1.push((id, Bind::Text(f.as_str().into())));
        }
        for g in &firm.grades {
            lists[3].1.push((id, Bind::Int(i64::from(g.get()))));
        }
    }
    for (table, rows) in &lists {
        for chunk in rows.chunks(1000) {
            let values = (0..chunk.len())
                .map(|r| format!("(${}, ${})", 2 * r + 1, 2 * r + 2))
                .collect::<Vec<_>>()
                .join(", ");
            let mut q = sqlx::query(sqlx::AssertSqlSafe(format!(
                "INSERT INTO {table} VALUES {values}"
            )));
            for (id, value) in chunk {
                q = q.bind(*id);
                q = match value {
                    Bind::Text(t) => q.bind(t.clone()),
                    Bind::Int(i) => q.bind(*i),
                    Bind::Bool(b) => q.bind(*b),
                };
            }
            q.execute(&mut *conn).await?;
        }
    }
    Ok(())
}

/// Replaces a firm's profile fields and lists (not its standing, credit or whitelist).
pub async fn update_profile(
    conn: &mut AnyConnection,
    id: &str,
    firm: &ValidFirm,
    now: i64,
) -> Result<()> {
    sqlx::query(
        "UPDATE firm SET name = $2, credit_code = $3, legal_representative = $4, contact_phone = $5, \
         ownership = $6, base_address = $7, lon = $8, lat = $9, service_radius_km = $10, \
         capacity_households = $11, households_served = $12, staff_count = $13, profile = $14, \
         low_profit_commitment = $15, updated_at = $16, office_street = $17 WHERE id = $1",
    )
    .bind(id)
    .bind(&firm.name)
    .bind(firm.credit_code.as_str())
    .bind(&firm.legal_representative)
    .bind(firm.contact_phone.as_str())
    .bind(firm.ownership.as_str())
    .bind(&firm.base_address)
    .bind(firm.location.lon())
    .bind(firm.location.lat())
    .bind(firm.service_radius_km)
    .bind(firm.capacity_households)
    .bind(firm.households_served)
    .bind(firm.staff_count)
    .bind(&firm.profile)
    .bind(firm.low_profit_commitment)
    .bind(now)
    .bind(firm.office_street.map(|s| s.as_str().to_string()))
    .execute(&mut *conn)
    .await?;
    for table in [
        "DELETE FROM firm_district WHERE firm_id = $1",
        "DELETE FROM firm_service_model WHERE firm_id = $1",
        "DELETE FROM firm_fee_model WHERE firm_id = $1",
        "DELETE FROM firm_grade WHERE firm_id = $1",
    ] {
        sqlx::query(table).bind(id).execute(&mut *conn).await?;
    }
    insert_lists(conn, id, firm).await
}

async fn insert_lists(conn: &mut AnyConnection, id: &str, firm: &ValidFirm) -> Result<()> {
    for d in &firm.districts_served {
        sqlx::query("INSERT INTO firm_district (firm_id, district_code) VALUES ($1, $2)")
            .bind(id)
            .bind(d.as_str())
            .execute(&mut *conn)
            .await?;
    }
    for m in &firm.service_models {
        sqlx::query("INSERT INTO firm_service_model (firm_id, model_code) VALUES ($1, $2)")
            .bind(id)
            .bind(m)
            .execute(&mut *conn)
            .await?;
    }
    for f in &firm.fee_models {
        sqlx::query("INSERT INTO firm_fee_model (firm_id, fee_model) VALUES ($1, $2)")
            .bind(id)
            .bind(f.as_str())
            .execute(&mut *conn)
            .await?;
    }
    for g in &firm.grades {
        sqlx::query("INSERT INTO firm_grade (firm_id, grade) VALUES ($1, $2)")
            .bind(id)
            .bind(i64::from(g.get()))
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Marks a firm changed now.
pub async fn touch(conn: &mut AnyConnection, id: &str, now: i64) -> Result<()> {
    sqlx::query("UPDATE firm SET updated_at = $2 WHERE id = $1")
        .bind(id)
        .bind(now)
        .execute(conn)
        .await?;
    Ok(())
}

const FIRM_COLUMNS: &str = concat!(
    "f.id, f.name, COALESCE(f.rejected_credit_code, f.credit_code) AS credit_code, \
     f.legal_representative, f.contact_phone, \
     f.ownership, f.base_address, f.lon, f.lat, f.service_radius_km, f.capacity_households, \
     f.households_served, f.staff_count, f.profile, f.stage, \
     f.review_date, f.rectify_by, f.blacklist_from, f.blacklist_to, f.blacklist_reason, \
     f.credit_net, f.created_at, f.updated_at, f.office_street, \
     f.review_pending_since, f.rejected_at, f.rejection_reason, ",
    shared::bool_column!("f.low_profit_commitment", "low_profit_commitment"),
    ", ",
    shared::bool_column!("f.whitelisted", "whitelisted")
);

/// Data that the database holds but the domain refuses: an internal error, never the
/// client's.
fn corrupt(what: &str, id: &str, e: impl std::fmt::Display) -> Error {
    Error::Internal(anyhow::anyhow!("firm {id}: stored {what} is invalid: {e}"))
}

fn optional_date(row: &AnyRow, column: &str, id: &str) -> Result<Option<Date>> {
    let value: Option<String> = row.try_get(column)?;
    value
        .map(|s| parse_date(&s).map_err(|e| corrupt(column, id, e)))
        .transpose()
}

/// The stored standing record of a row.
fn standing_record(row: &AnyRow, id: &str) -> Result<StandingRecord> {
    let stage: String = row.try_get("stage")?;
    Ok(StandingRecord {
        stage: RosterStage::parse(&stage).map_err(|e| corrupt("stage", id, e))?,
        review_date: optional_date(row, "review_date", id)?,
        rectify_by: optional_date(row, "rectify_by", id)?,
        blacklist_from: optional_date(row, "blacklist_from", id)?,
        blacklist_to: optional_date(row, "blacklist_to", id)?,
        blacklist_reason: row.try_get("blacklist_reason")?,
    })
}

/// The lists of some firms, by firm id.
#[derive(Default)]
struct Lists {
    districts: BTreeMap<String, Vec<DistrictCode>>,
    models: BTreeMap<String, Vec<String>>,
    fee_models: BTreeMap<String, Vec<FeeModel>>,
    grades: BTreeMap<String, Vec<ServiceGrade>>,
}

fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn pairs(
    conn: &mut AnyConnection,
    sql: String,
    ids: &[String],
) -> Result<Vec<(String, String)>> {
    let mut q = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(id.as_str());
    }
    Ok(q.fetch_all(conn).await?)
}

async fn load_lists(conn: &mut AnyConnection, ids: &[String]) -> Result<Lists> {
    let mut lists = Lists::default();
    if ids.is_empty() {
        return Ok(lists);
    }
    let ph = placeholders(ids.len());
    for (id, code) in pairs(
        conn,
        format!("SELECT firm_id, district_code FROM firm_district WHERE firm_id IN ({ph}) ORDER BY firm_id, district_code"),
        ids,
    )
    .await?
    {
        let code = DistrictCode::parse(&code).map_err(|e| corrupt("district", &id, e))?;
        lists.districts.entry(id).or_default().push(code);
    }
    for (id, code) in pairs(
        conn,
        format!("SELECT firm_id, model_code FROM firm_service_model WHERE firm_id IN ({ph}) ORDER BY firm_id, model_code"),
        ids,
    )
    .await?
    {
        lists.models.entry(id).or_default().push(code);
    }
    for (id, code) in pairs(
        conn,
        format!("SELECT firm_id, fee_model FROM firm_fee_model WHERE firm_id IN ({ph}) ORDER BY firm_id, fee_model"),
        ids,
    )
    .await?
    {
        let fee = FeeModel::parse(&code).map_err(|e| corrupt("fee model", &id, e))?;
        lists.fee_models.entry(id).or_default().push(fee);
    }
    let mut q = sqlx::query_as::<_, (String, i64)>(sqlx::AssertSqlSafe(format!(
        "SELECT firm_id, grade FROM firm_grade WHERE firm_id IN ({ph}) ORDER BY firm_id, grade"
    )));
    for id in ids {
        q = q.bind(id.as_str());
    }
    for (id, grade) in q.fetch_all(&mut *conn).await? {
        let grade = ServiceGrade::new(grade).map_err(|e| corrupt("grade", &id, e))?;
        lists.grades.entry(id).or_default().push(grade);
    }
    for fees in lists.fee_models.values_mut() {
        fees.sort();
    }
    Ok(lists)
}

fn snapshot(
    row: &AnyRow,
    lists: &mut Lists,
    policy: &CatalogPolicy,
    today: Date,
) -> Result<FirmSnapshot> {
    let id: String = row.try_get("id")?;
    let record = standing_record(row, &id)?;
    let credit_code: String = row.try_get("credit_code")?;
    let ownership: String = row.try_get("ownership")?;
    let location = Coordinates::new(row.try_get("lon")?, row.try_get("lat")?)
        .map_err(|e| corrupt("location", &id, e))?;
    let credit_net: i64 = row.try_get("credit_net")?;
    Ok(FirmSnapshot {
        name: row.try_get("name")?,
        credit_code: CreditCode::parse(&credit_code).map_err(|e| corrupt("credit code", &id, e))?,
        legal_representative: row.try_get("legal_representative")?,
        contact_phone: row.try_get("contact_phone")?,
        ownership: Ownership::parse(&ownership).map_err(|e| corrupt("ownership", &id, e))?,
        base_address: row.try_get("base_address")?,
        location,
        office_street: row
            .try_get::<Option<String>, _>("office_street")?
            .as_deref()
            .map(StreetCode::parse)
            .transpose()
            .map_err(|e| corrupt("office street", &id, e))?,
        districts_served: lists.districts.remove(&id).unwrap_or_default(),
        service_radius_km: row.try_get("service_radius_km")?,
        service_models: lists.models.remove(&id).unwrap_or_default(),
        fee_models: lists.fee_models.remove(&id).unwrap_or_default(),
        grades: lists.grades.remove(&id).unwrap_or_default(),
        capacity_households: row.try_get("capacity_households")?,
        households_served: row.try_get("households_served")?,
        staff_count: row.try_get("staff_count")?,
        profile: row.try_get("profile")?,
        low_profit_commitment: shared::db::flag(row, "low_profit_commitment")?,
        standing: record.effective(today),
        standing_as_of: today,
        standing_record: record,
        credit: credit::summary(credit_net, &policy.credit),
        whitelisted: shared::db::flag(row, "whitelisted")?,
        applied_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        review_pending_since: row.try_get("review_pending_since")?,
        rejection: match row.try_get::<Option<i64>, _>("rejected_at")? {
            Some(at) => Some(shared::domain::roster::Rejection {
                at,
                reason: row
                    .try_get::<Option<String>, _>("rejection_reason")?
                    .unwrap_or_default(),
            }),
            None => None,
        },
        id,
    })
}

/// Firms by id, in the order given (unknown ids are skipped).
pub async fn load_many(
    conn: &mut AnyConnection,
    ids: &[String],
    policy: &CatalogPolicy,
    today: Date,
) -> Result<Vec<FirmSnapshot>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {FIRM_COLUMNS} FROM firm f WHERE f.id IN ({})",
        placeholders(ids.len())
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for id in ids {
        q = q.bind(id.as_str());
    }
    let rows = q.fetch_all(&mut *conn).await?;
    let mut lists = load_lists(conn, ids).await?;
    let mut by_id = BTreeMap::new();
    for row in &rows {
        let firm = snapshot(row, &mut lists, policy, today)?;
        by_id.insert(firm.id.clone(), firm);
    }
    Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
}

/// One firm, if it exists.
pub async fn load(
    conn: &mut AnyConnection,
    id: &str,
    policy: &CatalogPolicy,
    today: Date,
) -> Result<Option<FirmSnapshot>> {
    Ok(load_many(conn, &[id.to_string()], policy, today)
        .await?
        .pop())
}

/// 404 for a firm that does not exist.
pub fn not_found() -> Problem {
    Problem::not_found("没有这个企业。")
}

/// One firm or 404.
pub async fn load_or_404(
    conn: &mut AnyConnection,
    id: &str,
    policy: &CatalogPolicy,
    today: Date,
) -> Result<FirmSnapshot> {
    load(conn, id, policy, today)
        .await?
        .ok_or_else(|| not_found().into())
}

/// Roster filters, already checked.
#[derive(Debug, Clone, Default)]
pub struct RosterFilter {
    /// Serves this district.
    pub district: Option<DistrictCode>,
    /// Has this standing today.
    pub standing: Option<RosterStanding>,
    /// Offers this service model.
    pub model: Option<String>,
    /// Offers this fee model.
    pub fee_model: Option<FeeModel>,
    /// Can deliver this grade.
    pub grade: Option<ServiceGrade>,
    /// Text in the name or the profile.
    pub q: Option<String>,
    /// Only firms with a material profile change awaiting review.
    pub review_pending: bool,
    /// Only rejected applications (else rejected applications are left out).
    pub rejected: bool,
    /// Only whitelisted firms (白名单).
    pub whitelisted: bool,
}

/// The roster, filtered, by application order: one page.
pub async fn list(
    db: &Db,
    filter: &RosterFilter,
    page: Pagination,
    policy: &CatalogPolicy,
    today: Date,
) -> Result<Page<FirmSnapshot>> {
    let mut c = Filter::default();
    c.push(if filter.rejected {
        "f.rejected_at IS NOT NULL"
    } else {
        "f.rejected_at IS NULL"
    });
    if filter.review_pending {
        c.push("f.review_pending_since IS NOT NULL");
    }
    if filter.whitelisted {
        c.push("CAST(CASE WHEN f.whitelisted THEN 1 ELSE 0 END AS BIGINT) = 1");
    }
    if let Some(d) = &filter.district {
        let n = c.param(Bind::Text(d.as_str().into()));
        c.push(format!(
            "EXISTS (SELECT 1 FROM firm_district x WHERE x.firm_id = f.id AND x.district_code = ${n})"
        ));
    }
    if let Some(m) = &filter.model {
        let n = c.param(Bind::Text(m.clone()));
        c.push(format!(
            "EXISTS (SELECT 1 FROM firm_service_model x WHERE x.firm_id = f.id AND x.model_code = ${n})"
        ));
    }
    if let Some(fm) = filter.fee_model {
        let n = c.param(Bind::Text(fm.as_str().into()));
        c.push(format!(
            "EXISTS (SELECT 1 FROM firm_fee_model x WHERE x.firm_id = f.id AND x.fee_model = ${n})"
        ));
    }
    if let Some(g) = filter.grade {
        let n = c.param(Bind::Int(i64::from(g.get())));
        c.push(format!(
            "EXISTS (SELECT 1 FROM firm_grade x WHERE x.firm_id = f.id AND x.grade = ${n})"
        ));
    }
    if let Some(s) = filter.standing {
        let n = c.param(Bind::Text(format_date(today)));
        c.push(super::standing::standing_sql(s, n));
    }
    if let Some(q) = &filter.q {
        let n = c.param(Bind::Text(q.clone()));
        let backend: Backend = db.backend;
        c.push(format!(
            "({} OR {})",
            shared::db::dialect::contains(backend, "f.name", n),
            shared::db::dialect::contains(backend, "f.profile", n)
        ));
    }
    let mut conn = db.pool.acquire().await?;
    let ids = ListQuery {
        columns: "f.id",
        from: "firm f",
        filter: &c,
        order_by: "f.id",
    }
    .page(&mut conn, page, |r| r.try_get::<String, _>("id"))
    .await?;
    let firms = load_many(&mut conn, &ids.items, policy, today).await?;
    Ok(page.of(firms, ids.total))
}
