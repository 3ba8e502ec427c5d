//! Importing a register file, the ledger's way: every row checked and every bad one named
//! (line, column, value, reason in Chinese); then by [`ImportMode`] a dry run (nothing
//! written), strict (everything or nothing) or good rows (the valid rows). Rows are matched
//! to units by label (楼栋, 单元, 房号, normalised): a new label adds a unit, a changed row
//! makes a new version (a removed unit named again is entered again), an identical row is
//! `unchanged` and writes nothing, so importing the same file twice changes nothing. Units
//! the file does not name are kept as they are. All writes of one import are one
//! transaction, planned again under the write lock; each written version names the import
//! (`import:<id>`) in the history.

use std::collections::HashMap;

use anyhow::Context;
use axum::body::Bytes;
use shared::clock::now_ms;
use shared::db::{Db, new_id};
use shared::feed::{Notifier, WriteTx};
use shared::sheet::{ImportMode, RowError, SheetFormat, listed};

use super::check::{CheckedRow, check_file, refuse_repeated_units};
use super::edit::{MAX_UNITS, register_full};
use super::file::{COLUMNS, ImportReport};
use super::store::{self, Source, Unit};
use super::view::Totals;

/// What importing the valid rows does to the stored units.
#[derive(Debug, Default)]
struct Plan {
    /// New and changed units in file order, with the version before (`None`: new).
    changes: Vec<(Option<Unit>, Unit)>,
    unchanged: usize,
    /// The register's units after the import.
    after: Vec<Unit>,
}

fn plan_rows(existing: Vec<Unit>, rows: &[CheckedRow], actor: &str, now: i64) -> Plan {
    let mut by_key: HashMap<String, usize> = existing
        .iter()
        .enumerate()
        .map(|(i, u)| (u.unit_key(), i))
        .collect();
    let mut after = existing;
    let mut plan = Plan::default();
    for new in rows.iter().filter_map(|r| r.unit.as_ref()) {
        let key = store::key_of(&new.label);
        match by_key.get(&key).copied() {
            Some(i) => {
                let old = &after[i];
                if !old.removed && old.area == new.area && old.holder == new.holder {
                    plan.unchanged += 1;
                    continue;
                }
                let unit = Unit {
                    label: new.label.clone(),
                    area: new.area,
                    holder: new.holder.clone(),
                    version: old.version + 1,
                    removed: false,
                    updated_by: actor.to_string(),
                    updated_at: now,
                    ..old.clone()
                };
                plan.changes.push((Some(old.clone()), unit.clone()));
                after[i] = unit;
            }
            None => {
                let unit = Unit {
                    id: new_id(),
                    compound_id: String::new(),
                    label: new.label.clone(),
                    area: new.area,
                    holder: new.holder.clone(),
                    version: 1,
                    removed: false,
                    updated_by: actor.to_string(),
                    updated_at: now,
                };
                by_key.insert(key, after.len());
                plan.changes.push((None, unit.clone()));
                after.push(unit);
            }
        }
    }
    plan.after = after;
    plan
}

/// An import's result: the report, and whether a strict import was refused (422).
#[derive(Debug)]
pub struct ImportOutcome {
    pub report: ImportReport,
    pub refused: bool,
}

/// Imports a register file into `compound_id`'s register, written by `actor`. File-level
/// problems (unreadable, no header, missing columns) are a 422 problem, a file over a limit
/// a 413, a register that would hold more than [`MAX_UNITS`] units a 422 `register_full`;
/// row problems are in the report.
pub async fn import(
    db: &Db,
    notifier: &Notifier,
    compound_id: &str,
    actor: &str,
    format: SheetFormat,
    mode: ImportMode,
    bytes: Bytes,
) -> crate::error::Result<ImportOutcome> {
    let (mut rows, ignored_columns) =
        tokio::task::spawn_blocking(move || check_file(format, bytes))
            .await
            .context("joining the register parser")??;
    refuse_repeated_units(&mut rows);
    let has_errors = rows.iter().any(|r| !r.errors.is_empty());
    let refused = mode == ImportMode::Strict && has_errors;
    let writes = matches!(mode, ImportMode::Strict | ImportMode::GoodRows) && !refused;
    let now = now_ms();

    let with_compound = |mut plan: Plan| {
        for (_, u) in &mut plan.changes {
            u.compound_id = compound_id.to_string();
        }
        plan
    };
    let mut import_id = None;
    let plan = if writes {
        let mut tx = WriteTx::begin(db, notifier).await?;
        let existing = store::all_units(tx.conn(), compound_id).await?;
        let plan = with_compound(plan_rows(existing, &rows, actor, now));
        check_size(&plan)?;
        if !plan.changes.is_empty() {
            let id = new_id();
            let source = Source::Import(id.clone());
            for (before, unit) in &plan.changes {
                store::save(tx.conn(), before.as_ref(), unit, &source).await?;
            }
            tx.commit().await?;
            import_id = Some(id);
        }
        plan
    } else {
        let mut conn = db.pool.acquire().await?;
        let existing = store::all_units(&mut conn, compound_id).await?;
        if refused {
            // Nothing changes: the totals are the register's as it is.
            Plan {
                after: existing,
                ..Plan::default()
            }
        } else {
            let plan = plan_rows(existing, &rows, actor, now);
            check_size(&plan)?;
            plan
        }
    };

    let mut errors: Vec<RowError> = rows.iter_mut().flat_map(|r| r.errors.drain(..)).collect();
    errors.sort_by_key(|e| (e.line, COLUMNS.iter().position(|c| c.header == e.column)));
    let (errors, errors_total, errors_not_listed) = listed(errors);
    let created = plan.changes.iter().filter(|(b, _)| b.is_none()).count();
    Ok(ImportOutcome {
        report: ImportReport {
            mode,
            format,
            committed: writes,
            import_id,
            rows_total: rows.len(),
            rows_valid: rows.iter().filter(|r| r.unit.is_some()).count(),
            created,
            updated: plan.changes.len() - created,
            unchanged: plan.unchanged,
            ignored_columns,
            errors,
            errors_total,
            errors_not_listed,
            totals: Totals::of(&plan.after),
        },
        refused,
    })
}

fn check_size(plan: &Plan) -> Result<(), shared::error::Problem> {
    let live = plan.after.iter().filter(|u| !u.removed).count();
    if live > MAX_UNITS {
        Err(register_full(live))
    } else {
        Ok(())
    }
}
