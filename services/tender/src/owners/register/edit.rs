//! Keeping the register one unit at a time: add a unit, change it (naming the version
//! changed, so two people cannot overwrite each other), take it out. Every change is a new
//! version in the history; a change that changes nothing writes nothing. Call inside the
//! write transaction.

use shared::clock::now_ms;
use shared::db::new_id;
use shared::error::Problem;
use sqlx::AnyConnection;

use super::input::CheckedUnit;
use super::store::{self, Source, Unit};

/// A register holds at most this many units (the largest compounds have a few thousand).
pub const MAX_UNITS: usize = 20_000;

fn unit_exists(label: &str) -> Problem {
    Problem::conflict(
        "unit_exists",
        format!("房屋 {label} 已在名册中，请修改该房屋的记录。"),
    )
}

fn stale(current: i64) -> Problem {
    Problem::conflict(
        "stale_version",
        format!("该房屋的记录已被修改（当前为第 {current} 版），请刷新后在最新记录上修改。"),
    )
}

fn no_unit() -> Problem {
    Problem::not_found("名册中没有这套房屋。")
}

/// 422 `register_full` for a register that would hold more than [`MAX_UNITS`] units.
pub fn register_full(units: usize) -> Problem {
    Problem::validation(vec![shared::error::FieldError::new(
        "units",
        "register_full",
        format!("一个小区的名册最多登记 {MAX_UNITS} 套房屋（将有 {units} 套）"),
    )])
}

/// Adds a unit; a unit taken out earlier under the same label is entered again (a new
/// version of it). 409 `unit_exists` when the label is in the register.
pub async fn create(
    conn: &mut AnyConnection,
    compound_id: &str,
    new: CheckedUnit,
    actor: &str,
) -> crate::error::Result<Unit> {
    let now = now_ms();
    match store::unit_by_label(conn, compound_id, &new.label).await? {
        Some(old) if !old.removed => Err(unit_exists(&old.label.to_string()).into()),
        Some(old) => {
            let unit = Unit {
                label: new.label,
                area: new.area,
                holder: new.holder,
                version: old.version + 1,
                removed: false,
                updated_by: actor.to_string(),
                updated_at: now,
                ..old.clone()
            };
            store::save(conn, Some(&old), &unit, &Source::Edit).await?;
            Ok(unit)
        }
        None => {
            let live = store::units(conn, compound_id).await?.len();
            if live + 1 > MAX_UNITS {
                return Err(register_full(live + 1).into());
            }
            let unit = Unit {
                id: new_id(),
                compound_id: compound_id.to_string(),
                label: new.label,
                area: new.area,
                holder: new.holder,
                version: 1,
                removed: false,
                updated_by: actor.to_string(),
                updated_at: now,
            };
            store::save(conn, None, &unit, &Source::Edit).await?;
            Ok(unit)
        }
    }
}

/// Changes a unit from `version` to what `new` says (a removed unit is entered again). 404
/// for a unit the compound's register does not have, 409 `stale_version` when the unit has
/// moved on from `version`, 409 `unit_exists` when the new label is another unit's.
pub async fn change(
    conn: &mut AnyConnection,
    compound_id: &str,
    unit_id: &str,
    version: i64,
    new: CheckedUnit,
    actor: &str,
) -> crate::error::Result<Unit> {
    let old = store::unit(conn, compound_id, unit_id)
        .await?
        .ok_or_else(no_unit)?;
    if old.version != version {
        return Err(stale(old.version).into());
    }
    if store::key_of(&new.label) != old.unit_key()
        && let Some(other) = store::unit_by_label(conn, compound_id, &new.label).await?
    {
        if other.removed {
            return Err(Problem::conflict(
                "unit_exists",
                format!(
                    "房屋 {} 曾登记在名册中并已移出，请重新添加该房屋，而不是修改本房屋的房号。",
                    other.label
                ),
            )
            .into());
        }
        return Err(unit_exists(&other.label.to_string()).into());
    }
    if !old.removed && old.label == new.label && old.area == new.area && old.holder == new.holder {
        return Ok(old);
    }
    let unit = Unit {
        label: new.label,
        area: new.area,
        holder: new.holder,
        version: old.version + 1,
        removed: false,
        updated_by: actor.to_string(),
        updated_at: now_ms(),
        ..old.clone()
    };
    store::save(conn, Some(&old), &unit, &Source::Edit).await?;
    Ok(unit)
}

/// Takes a unit out of the register (kept with its history, out of the totals). 404, 409
/// `stale_version`, 409 `unit_removed` when it is out already.
pub async fn remove(
    conn: &mut AnyConnection,
    compound_id: &str,
    unit_id: &str,
    version: i64,
    actor: &str,
) -> crate::error::Result<Unit> {
    let old = store::unit(conn, compound_id, unit_id)
        .await?
        .ok_or_else(no_unit)?;
    if old.removed {
        return Err(Problem::conflict("unit_removed", "该房屋已移出名册。").into());
    }
    if old.version != version {
        return Err(stale(old.version).into());
    }
    let unit = Unit {
        version: old.version + 1,
        removed: true,
        updated_by: actor.to_string(),
        updated_at: now_ms(),
        ..old.clone()
    };
    store::save(conn, Some(&old), &unit, &Source::Remove).await?;
    Ok(unit)
}
