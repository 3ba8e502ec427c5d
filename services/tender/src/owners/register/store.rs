//! 业主名册 (owner register) rows: a compound's units with their registered exclusive area and
//! holder, every change a numbered version in `register_unit_history`, and the register's
//! totals derived from the rows ([`RegisterCount`]), never typed.

use serde::{Deserialize, Serialize};
use shared::db::{Filter, ListQuery};
use shared::domain::{ExclusiveArea, Holder, OwnerKey, RegisterCount, UnitLabel};
use shared::extract::{Page, Pagination};
use sqlx::{AnyConnection, Row};

use crate::rows::{Conditions, undecodable as undecodable_row};

/// One unit (专有部分) of a compound's register.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub id: String,
    pub compound_id: String,
    pub label: UnitLabel,
    pub area: ExclusiveArea,
    pub holder: Holder,
    pub version: i64,
    pub removed: bool,
    pub updated_by: String,
    pub updated_at: i64,
}

impl Unit {
    /// Whom the count treats as this unit's owner (SPC interpretation art. 9).
    pub fn owner_key(&self) -> OwnerKey {
        self.holder.key()
    }

    /// The unit's key within its compound: building, unit and room, normalised.
    pub fn unit_key(&self) -> String {
        key_of(&self.label)
    }
}

/// The normalised key of a label (`3栋|2单元|501`).
pub fn key_of(label: &UnitLabel) -> String {
    format!("{}|{}|{}", label.building(), label.unit(), label.room())
}

const COLUMNS: &str = concat!(
    "id, compound_id, building, unit, room, area_centi, holder, version, ",
    shared::bool_column!("removed", "removed"),
    ", updated_by, updated_at"
);

/// A stored value that no longer parses: which unit, which column, why.
fn undecodable(id: &str, column: &str, why: impl std::fmt::Display) -> sqlx::Error {
    undecodable_row("register_unit", id, column, why)
}

fn from_row(r: &sqlx::any::AnyRow) -> Result<Unit, sqlx::Error> {
    let id: String = r.try_get("id")?;
    let text = |c: &str| r.try_get::<String, _>(c);
    let label = UnitLabel::parse(&text("building")?, &text("unit")?, &text("room")?)
        .map_err(|e| undecodable(&id, "label", format!("{e:?}")))?;
    let area = u64::try_from(r.try_get::<i64, _>("area_centi")?)
        .ok()
        .and_then(|c| ExclusiveArea::from_centi(c).ok())
        .ok_or_else(|| undecodable(&id, "area_centi", "not a valid area"))?;
    let holder: Holder =
        serde_json::from_str(&text("holder")?).map_err(|e| undecodable(&id, "holder", e))?;
    Ok(Unit {
        compound_id: text("compound_id")?,
        label,
        area,
        holder,
        version: r.try_get("version")?,
        removed: shared::db::flag(r, "removed")?,
        updated_by: text("updated_by")?,
        updated_at: r.try_get("updated_at")?,
        id,
    })
}

/// A part of a label as people count it: runs of digits by their number, so `2栋` comes
/// before `10栋`, whatever the database's collation.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Chunk<'a> {
    /// Digits without leading zeros: longer is larger, then by digits.
    Number(usize, &'a str),
    Text(&'a str),
}

fn chunks(s: &str) -> Vec<Chunk<'_>> {
    let mut out = Vec::new();
    let mut rest = s;
    while let Some(first) = rest.chars().next() {
        let digit = first.is_ascii_digit();
        let end = rest
            .char_indices()
            .find(|(_, c)| c.is_ascii_digit() != digit)
            .map_or(rest.len(), |(i, _)| i);
        let (run, tail) = rest.split_at(end);
        out.push(if digit {
            let n = run.trim_start_matches('0');
            Chunk::Number(n.len(), n)
        } else {
            Chunk::Text(run)
        });
        rest = tail;
    }
    out
}

/// Units by building, unit and room as people count them (`2栋` before `10栋`).
fn in_order(mut units: Vec<Unit>) -> Vec<Unit> {
    fn key(u: &Unit) -> [Vec<Chunk<'_>>; 3] {
        [
            chunks(u.label.building()),
            chunks(u.label.unit()),
            chunks(u.label.room()),
        ]
    }
    units.sort_by(|a, b| key(a).cmp(&key(b)));
    units
}

/// The units of a compound's register (removed ones left out), by building, unit and room.
pub async fn units(conn: &mut AnyConnection, compound_id: &str) -> Result<Vec<Unit>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM register_unit WHERE compound_id = $1 AND NOT removed"
    )))
    .bind(compound_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(from_row)
        .collect::<Result<_, _>>()
        .map(in_order)
}

/// Every unit of a compound's register, removed ones too (an import matches its rows to
/// them by label, and restores a removed unit it names again).
pub async fn all_units(
    conn: &mut AnyConnection,
    compound_id: &str,
) -> Result<Vec<Unit>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM register_unit WHERE compound_id = $1"
    )))
    .bind(compound_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter()
        .map(from_row)
        .collect::<Result<_, _>>()
        .map(in_order)
}

/// One unit of a compound (removed or not).
pub async fn unit(
    conn: &mut AnyConnection,
    compound_id: &str,
    id: &str,
) -> Result<Option<Unit>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM register_unit WHERE compound_id = $1 AND id = $2"
    )))
    .bind(compound_id)
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The unit of a compound with this label's key, if any (removed or not).
pub async fn unit_by_label(
    conn: &mut AnyConnection,
    compound_id: &str,
    label: &UnitLabel,
) -> Result<Option<Unit>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM register_unit WHERE compound_id = $1 AND unit_key = $2"
    )))
    .bind(compound_id)
    .bind(key_of(label))
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

/// The register's totals, derived from its units.
pub fn count(units: &[Unit]) -> RegisterCount {
    let keys: Vec<(OwnerKey, ExclusiveArea)> =
        units.iter().map(|u| (u.owner_key(), u.area)).collect();
    RegisterCount::of(keys.iter().map(|(k, a)| (k, *a)))
}

/// How a unit's new version came about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// Edited one unit at a time.
    Edit,
    /// Taken out of the register.
    Remove,
    /// Written by the import with this id.
    Import(String),
}

impl Source {
    /// As stored: `edit`, `remove`, `import:<id>`.
    pub fn as_text(&self) -> String {
        match self {
            Source::Edit => "edit".into(),
            Source::Remove => "remove".into(),
            Source::Import(id) => format!("import:{id}"),
        }
    }

    /// A stored source; `None` for a text no version was ever written with.
    pub fn from_stored(s: &str) -> Option<Self> {
        match s {
            "edit" => Some(Source::Edit),
            "remove" => Some(Source::Remove),
            _ => s
                .strip_prefix("import:")
                .map(|id| Source::Import(id.to_string())),
        }
    }
}

/// Writes `unit` as its next version (`unit.version` is the new version: 1 for a new unit),
/// with the version before it (`None` for a new unit) in the history. Call inside the write
/// transaction that emits the change.
pub async fn save(
    conn: &mut AnyConnection,
    before: Option<&Unit>,
    unit: &Unit,
    source: &Source,
) -> anyhow::Result<()> {
    let holder = serde_json::to_string(&unit.holder)?;
    if before.is_some() {
        sqlx::query(
            "UPDATE register_unit SET building = $1, unit = $2, room = $3, unit_key = $4, \
             area_centi = $5, holder = $6, owner_key = $7, version = $8, removed = $9, \
             updated_by = $10, updated_at = $11 WHERE id = $12",
        )
        .bind(unit.label.building())
        .bind(unit.label.unit())
        .bind(unit.label.room())
        .bind(unit.unit_key())
        .bind(unit.area.centi() as i64)
        .bind(&holder)
        .bind(unit.owner_key().as_str())
        .bind(unit.version)
        .bind(unit.removed)
        .bind(&unit.updated_by)
        .bind(unit.updated_at)
        .bind(&unit.id)
        .execute(&mut *conn)
        .await?;
    } else {
        sqlx::query(
            "INSERT INTO register_unit (id, compound_id, unit_key, building, unit, room, area_centi, \
             holder, owner_key, version, removed, updated_by, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        )
        .bind(&unit.id)
        .bind(&unit.compound_id)
        .bind(unit.unit_key())
        .bind(unit.label.building())
        .bind(unit.label.unit())
        .bind(unit.label.room())
        .bind(unit.area.centi() as i64)
        .bind(&holder)
        .bind(unit.owner_key().as_str())
        .bind(unit.version)
        .bind(unit.removed)
        .bind(&unit.updated_by)
        .bind(unit.updated_at)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query(
        "INSERT INTO register_unit_history (unit_id, version, compound_id, before_state, \
         after_state, source, changed_by, changed_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&unit.id)
    .bind(unit.version)
    .bind(&unit.compound_id)
    .bind(before.map(serde_json::to_string).transpose()?)
    .bind(serde_json::to_string(unit)?)
    .bind(source.as_text())
    .bind(&unit.updated_by)
    .bind(unit.updated_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One version of a unit as the history keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    pub unit_id: String,
    pub version: i64,
    /// The unit before this version (`None` when it was created by it).
    pub before: Option<Unit>,
    pub after: Unit,
    pub source: Source,
    pub changed_by: String,
    pub changed_at: i64,
}

fn version_from_row(r: &sqlx::any::AnyRow) -> Result<Version, sqlx::Error> {
    let unit_id: String = r.try_get("unit_id")?;
    let version: i64 = r.try_get("version")?;
    let key = format!("{unit_id} v{version}");
    let state = |column: &str, text: &str| -> Result<Unit, sqlx::Error> {
        serde_json::from_str(text)
            .map_err(|e| undecodable_row("register_unit_history", &key, column, e))
    };
    let before: Option<String> = r.try_get("before_state")?;
    let after: String = r.try_get("after_state")?;
    let source: String = r.try_get("source")?;
    Ok(Version {
        before: before
            .as_deref()
            .map(|b| state("before_state", b))
            .transpose()?,
        after: state("after_state", &after)?,
        source: Source::from_stored(&source)
            .ok_or_else(|| undecodable_row("register_unit_history", &key, "source", &source))?,
        changed_by: r.try_get("changed_by")?,
        changed_at: r.try_get("changed_at")?,
        unit_id,
        version,
    })
}

/// The history of a compound's register (of one unit when `unit_id` is given), newest
/// first.
pub async fn history(
    conn: &mut AnyConnection,
    compound_id: &str,
    unit_id: Option<&str>,
    page: Pagination,
) -> Result<Page<Version>, sqlx::Error> {
    let mut filter = Filter::default();
    filter.equal([("compound_id", Some(compound_id)), ("unit_id", unit_id)]);
    ListQuery {
        columns: "unit_id, version, before_state, after_state, source, changed_by, changed_at",
        from: "register_unit_history",
        filter: &filter,
        order_by: "changed_at DESC, version DESC, unit_id",
    }
    .page(conn, page, version_from_row)
    .await
}

/// When the register last changed, if it ever did.
pub async fn last_change(
    conn: &mut AnyConnection,
    compound_id: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT MAX(changed_at) FROM register_unit_history WHERE compound_id = $1")
        .bind(compound_id)
        .fetch_one(&mut *conn)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::domain::Holder;

    #[test]
    fn units_are_in_the_order_people_count_them() {
        let unit = |b: &str, u: &str, r: &str| Unit {
            id: format!("{b}{u}{r}"),
            compound_id: "c".into(),
            label: UnitLabel::parse(b, u, r).unwrap(),
            area: ExclusiveArea::from_centi(100).unwrap(),
            holder: Holder::Developer,
            version: 1,
            removed: false,
            updated_by: String::new(),
            updated_at: 0,
        };
        let units = in_order(vec![
            unit("10栋", "1单元", "101"),
            unit("2栋", "2单元", "1001"),
            unit("2栋", "2单元", "201"),
            unit("2栋", "", "09"),
            unit("A座", "", "1"),
            unit("2栋", "10单元", "101"),
        ]);
        let labels: Vec<String> = units.iter().map(|u| u.label.to_string()).collect();
        assert_eq!(
            labels,
            [
                "2栋09",
                "2栋2单元201",
                "2栋2单元1001",
                "2栋10单元101",
                "10栋1单元101",
                "A座1"
            ]
        );
    }
}
