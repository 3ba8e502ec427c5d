//! The `compound` table: reading and writing compounds, the same SQL on both backends.

use std::collections::HashMap;

use shared::db::{Bind, Db, Filter, ListQuery, dialect};
use shared::domain::roster::format_date;
use shared::domain::{Buildings, Coordinates, DistrictCode, FloorArea, Households, StreetCode};
use shared::extract::{Page, Pagination};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, AssertSqlSafe, Row};

use shared::domain::compound::{
    Compound, CompoundFacts, DATE_FORMAT, Facilities, GovernanceBody, Management,
};

use super::reach::Reach;

/// The table's columns, in the order [`upsert`] binds them.
const COLUMNS: [&str; 26] = [
    "id",
    "code",
    "name",
    "address",
    "district_code",
    "street_code",
    "community",
    "lon",
    "lat",
    "year_built",
    "buildings",
    "households",
    "floor_area_m2",
    "management",
    "fire_safety",
    "video_surveillance",
    "access_control",
    "garbage_sorting_points",
    "parking_spaces",
    "elevators",
    "governance_body",
    "governance_formed_on",
    "eligible_and_willing",
    "is_old",
    "created_at",
    "updated_at",
];

/// Rows per multi-row statement: 250 × 26 parameters stays far below both backends'
/// limits (SQLite 32766, PostgreSQL 65535).
const CHUNK: usize = 250;

/// The BOOLEAN columns. The `Any` driver cannot read a column declared BOOLEAN from
/// SQLite, so they are selected as 0/1 integers on both backends.
const FLAGS: [&str; 5] = [
    "fire_safety",
    "video_surveillance",
    "access_control",
    "eligible_and_willing",
    "is_old",
];

fn select() -> String {
    format!("SELECT {} FROM compound", columns())
}

/// The columns [`from_row`] reads, flags as 0/1.
fn columns() -> String {
    COLUMNS
        .iter()
        .map(|c| {
            if FLAGS.contains(c) {
                shared::db::bool_column(c, c)
            } else {
                c.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Inserts or updates compounds (by id) in a few multi-row statements.
pub async fn upsert(conn: &mut AnyConnection, compounds: &[Compound]) -> Result<(), sqlx::Error> {
    let updates = COLUMNS
        .iter()
        .filter(|c| !matches!(**c, "id" | "created_at"))
        .map(|c| format!("{c} = excluded.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    for chunk in compounds.chunks(CHUNK) {
        let rows = (0..chunk.len())
            .map(|r| {
                let params = (1..=COLUMNS.len())
                    .map(|c| format!("${}", r * COLUMNS.len() + c))
                    .collect::<Vec<_>>()
                    .join(", ");
                format!("({params})")
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO compound ({}) VALUES {rows} ON CONFLICT (id) DO UPDATE SET {updates}",
            COLUMNS.join(", ")
        );
        let mut q = sqlx::query(AssertSqlSafe(sql));
        for c in chunk {
            let f = &c.facts;
            q = q
                .bind(c.id.clone())
                .bind(f.code.clone())
                .bind(f.name.clone())
                .bind(f.address.clone())
                .bind(f.district.as_str())
                .bind(f.street.as_str())
                .bind(f.community.clone())
                .bind(f.location.lon())
                .bind(f.location.lat())
                .bind(i64::from(f.year_built))
                .bind(i64::from(f.buildings.get()))
                .bind(i64::from(f.households.get()))
                .bind(f.floor_area_m2.get() as i64)
                .bind(f.management.as_str())
                .bind(f.facilities.fire_safety)
                .bind(f.facilities.video_surveillance)
                .bind(f.facilities.access_control)
                .bind(i64::from(f.facilities.garbage_sorting_points))
                .bind(i64::from(f.facilities.parking_spaces))
                .bind(i64::from(f.facilities.elevators))
                .bind(f.governance_body.as_str())
                .bind(f.governance_formed_on.map(format_date))
                .bind(f.eligible_and_willing)
                .bind(f.is_old)
                .bind(c.created_at)
                .bind(c.updated_at);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// One compound by id.
pub async fn fetch(conn: &mut AnyConnection, id: &str) -> Result<Option<Compound>, sqlx::Error> {
    let row = sqlx::query(AssertSqlSafe(format!("{} WHERE id = $1", select())))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The compounds with these codes, by code.
pub async fn fetch_by_codes(
    conn: &mut AnyConnection,
    codes: &[&str],
) -> Result<HashMap<String, Compound>, sqlx::Error> {
    let mut out = HashMap::with_capacity(codes.len());
    for chunk in codes.chunks(500) {
        let params = (1..=chunk.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut q = sqlx::query(AssertSqlSafe(format!(
            "{} WHERE code IN ({params})",
            select()
        )));
        for code in chunk {
            q = q.bind(code.to_string());
        }
        for row in q.fetch_all(&mut *conn).await? {
            let c = from_row(&row)?;
            out.insert(c.facts.code.clone(), c);
        }
    }
    Ok(out)
}

/// True when another compound than `except_id` has this code.
pub async fn code_taken(
    conn: &mut AnyConnection,
    code: &str,
    except_id: Option<&str>,
) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM compound WHERE code = $1 AND ($2 IS NULL OR id <> $2)",
    )
    .bind(code)
    .bind(except_id)
    .fetch_one(&mut *conn)
    .await?;
    Ok(n > 0)
}

/// Filters of the compound list; all optional, combined with AND.
#[derive(Debug, Clone, Default)]
pub struct CompoundFilter {
    pub district: Option<DistrictCode>,
    pub street: Option<StreetCode>,
    pub management: Option<Management>,
    pub eligible: Option<bool>,
    /// Old compounds (`true`) or the others (`false`).
    pub old: Option<bool>,
    /// Case-insensitive substring of the name, address, community or code.
    pub q: Option<String>,
}

impl CompoundFilter {
    /// The filter as SQL conditions and parameters.
    fn sql(&self, db: &Db) -> Filter {
        let mut f = Filter::default();
        if let Some(d) = &self.district {
            let n = f.param(Bind::Text(d.as_str().into()));
            f.push(format!("district_code = ${n}"));
        }
        if let Some(s) = &self.street {
            let n = f.param(Bind::Text(s.as_str().into()));
            f.push(format!("street_code = ${n}"));
        }
        if let Some(m) = self.management {
            let n = f.param(Bind::Text(m.as_str().into()));
            f.push(format!("management = ${n}"));
        }
        if let Some(e) = self.eligible {
            let n = f.param(Bind::Bool(e));
            f.push(format!("eligible_and_willing = ${n}"));
        }
        if let Some(o) = self.old {
            let n = f.param(Bind::Bool(o));
            f.push(format!("is_old = ${n}"));
        }
        if let Some(q) = self.q.as_deref().map(str::trim).filter(|q| !q.is_empty()) {
            let any = ["name", "address", "community", "code"]
                .iter()
                .map(|col| {
                    let n = f.param(Bind::Text(q.to_string()));
                    dialect::contains(db.backend, col, n)
                })
                .collect::<Vec<_>>()
                .join(" OR ");
            f.push(format!("({any})"));
        }
        f
    }
}

/// One page of compounds matching `filter`, by code.
pub async fn list(
    db: &Db,
    filter: &CompoundFilter,
    page: Pagination,
) -> Result<Page<Compound>, sqlx::Error> {
    let mut conn = db.pool.acquire().await?;
    ListQuery {
        columns: &columns(),
        from: "compound",
        filter: &filter.sql(db),
        order_by: "code",
    }
    .page(&mut conn, page, from_row)
    .await
}

/// Every compound within an official's reach, by code (the ledger export).
pub async fn in_reach(db: &Db, reach: &Reach) -> Result<Vec<Compound>, sqlx::Error> {
    let filter = match reach {
        Reach::City => CompoundFilter::default(),
        Reach::District(d) => CompoundFilter {
            district: Some(*d),
            ..Default::default()
        },
        Reach::Street(s) => CompoundFilter {
            street: Some(*s),
            ..Default::default()
        },
    };
    let filter = filter.sql(db);
    let rows = filter
        .bind_to(sqlx::query(AssertSqlSafe(format!(
            "{}{} ORDER BY code",
            select(),
            filter.sql()
        ))))
        .fetch_all(&db.pool)
        .await?;
    rows.iter().map(from_row).collect()
}

/// A stored value that no longer parses: the database was changed behind our back.
fn corrupt(column: &str, e: impl std::fmt::Display) -> sqlx::Error {
    sqlx::Error::Decode(format!("compound.{column} holds an invalid value: {e}").into())
}

fn from_row(r: &AnyRow) -> Result<Compound, sqlx::Error> {
    let int = |col: &str| -> Result<i64, sqlx::Error> { r.try_get::<i64, _>(col) };
    let flag = |col: &str| -> Result<bool, sqlx::Error> { Ok(int(col)? != 0) };
    let small = |col: &str| -> Result<u32, sqlx::Error> {
        u32::try_from(int(col)?).map_err(|e| corrupt(col, e))
    };
    let district: String = r.try_get("district_code")?;
    let street: String = r.try_get("street_code")?;
    let management: String = r.try_get("management")?;
    let governance: String = r.try_get("governance_body")?;
    let formed_on: Option<String> = r.try_get("governance_formed_on")?;
    let facts = CompoundFacts {
        code: r.try_get("code")?,
        name: r.try_get("name")?,
        address: r.try_get("address")?,
        district: DistrictCode::parse(&district).map_err(|e| corrupt("district_code", e))?,
        street: StreetCode::parse(&street).map_err(|e| corrupt("street_code", e))?,
        community: r.try_get("community")?,
        location: Coordinates::new(r.try_get("lon")?, r.try_get("lat")?)
            .map_err(|e| corrupt("lon/lat", e))?,
        year_built: i32::try_from(int("year_built")?).map_err(|e| corrupt("year_built", e))?,
        buildings: Buildings::try_from(int("buildings")?).map_err(|e| corrupt("buildings", e))?,
        households: Households::try_from(int("households")?)
            .map_err(|e| corrupt("households", e))?,
        floor_area_m2: FloorArea::try_from(int("floor_area_m2")?)
            .map_err(|e| corrupt("floor_area_m2", e))?,
        management: Management::parse(&management).map_err(|e| corrupt("management", e))?,
        facilities: Facilities {
            fire_safety: flag("fire_safety")?,
            video_surveillance: flag("video_surveillance")?,
            access_control: flag("access_control")?,
            garbage_sorting_points: small("garbage_sorting_points")?,
            parking_spaces: small("parking_spaces")?,
            elevators: small("elevators")?,
        },
        governance_body: GovernanceBody::parse(&governance)
            .map_err(|e| corrupt("governance_body", e))?,
        governance_formed_on: formed_on
            .map(|s| {
                time::Date::parse(&s, DATE_FORMAT).map_err(|e| corrupt("governance_formed_on", e))
            })
            .transpose()?,
        eligible_and_willing: flag("eligible_and_willing")?,
        is_old: flag("is_old")?,
    };
    Ok(Compound {
        id: r.try_get("id")?,
        facts,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}
