//! Many firms in few write transactions, for the synthetic data sets of `wuye admin
//! load-synthetic` (a national-size roster would take an hour through the API, one
//! application a request). Each firm takes the path of an application (`POST
//! /catalog/firms`: the same check, the same store functions, an `apply` standing event, a
//! feed change of kind `applied`) and, when asked, of the association's recommendation
//! (`POST /catalog/firms/{id}/standing`: the standing record, its event, kind
//! `standing_changed`); a batch is one [`WriteTx`], so the feed carries exactly what the
//! API would have written and followers build their copies from it. No accounts are made:
//! synthetic firms are acted for with issued tokens.
//!
//! Compounds need nothing here: the ledger import
//! ([`crate::compounds::ledger::import`]) already writes a whole file in one transaction.

use std::collections::HashMap;

use shared::auth::Identity;
use shared::clock::{china_today, now_ms};
use shared::db::Db;
use shared::error::Problem;
use shared::feed::{Notifier, WriteTx};

use crate::error::Result;
use crate::firms::standing::{self, NewStandingEvent, StandingInput};
use crate::firms::{self, Author, FirmInput, kind, models};
use crate::policy::CatalogPolicy;

/// One firm to load: its application and, when it is to be recommended, the
/// association's standing change.
#[derive(Debug)]
pub struct BulkFirm {
    pub input: FirmInput,
    pub recommend: Option<StandingInput>,
}

/// Snapshots are read back this many at a time (a bounded `IN` list on both backends).
const READ_BACK: usize = 500;

/// Loads `firms` in one transaction, `by` (the association) acting; answers their ids in
/// order. A firm whose credit code is taken already keeps its record and answers its id
/// (so a load that was interrupted can be run again). A firm the application's check
/// refuses fails the whole batch with that problem.
pub async fn apply_firms(
    db: &Db,
    notifier: &Notifier,
    policy: &CatalogPolicy,
    by: &Identity,
    firms: Vec<BulkFirm>,
) -> Result<Vec<String>> {
    let today = china_today();
    let now = now_ms();
    let author = Author::of(by);
    let mut tx = WriteTx::begin(db, notifier).await?;
    let known = models::codes(tx.conn()).await?;
    let mut checked = Vec::with_capacity(firms.len());
    for f in firms {
        checked.push((f.input.check(&known, None)?, f.recommend));
    }
    let codes: Vec<&str> = checked
        .iter()
        .map(|(f, _)| f.credit_code.as_str())
        .collect();
    let taken = ids_of_credit_codes(tx.conn(), &codes).await?;
    let mut ids = Vec::with_capacity(checked.len());
    let (mut new, mut recommend) = (Vec::new(), Vec::new());
    for (firm, change) in checked {
        if let Some(id) = taken.get(firm.credit_code.as_str()) {
            ids.push(id.clone());
            continue;
        }
        let id = shared::db::new_id();
        if let Some(change) = change {
            recommend.push((id.clone(), change));
        }
        ids.push(id.clone());
        new.push((id, firm));
    }
    firms::insert_many(tx.conn(), &new, now).await?;
    let record = shared::domain::roster::StandingRecord::applicant();
    for (id, _) in &new {
        standing::append_event(
            tx.conn(),
            NewStandingEvent {
                firm_id: id,
                action: "apply",
                reason: "提交入库申请",
                today,
                before: None,
                after: &record,
                author: &author,
                at: now,
            },
        )
        .await?;
    }
    let applied: Vec<String> = new.into_iter().map(|(id, _)| id).collect();
    emit_snapshots(&mut tx, policy, &applied, kind::APPLIED).await?;

    let mut recommended = Vec::with_capacity(recommend.len());
    for chunk in recommend.chunks(READ_BACK) {
        let chunk_ids: Vec<String> = chunk.iter().map(|(id, _)| id.clone()).collect();
        let current = firms::load_many(tx.conn(), &chunk_ids, policy, today).await?;
        for ((id, input), firm) in chunk.iter().zip(current) {
            debug_assert_eq!(*id, firm.id);
            let change = input.check(today)?;
            let next = firm
                .standing_record
                .apply(&change.action, today)
                .map_err(|e| Problem::conflict(e.code, e.message))?;
            standing::write_record(tx.conn(), id, &next, now).await?;
            standing::append_event(
                tx.conn(),
                NewStandingEvent {
                    firm_id: id,
                    action: change.action.as_str(),
                    reason: &change.reason,
                    today,
                    before: Some(firm.standing),
                    after: &next,
                    author: &author,
                    at: now,
                },
            )
            .await?;
            recommended.push(id.clone());
        }
    }
    emit_snapshots(&mut tx, policy, &recommended, kind::STANDING_CHANGED).await?;
    tx.commit().await?;
    Ok(ids)
}

/// The ids of the firms holding these credit codes, by code.
async fn ids_of_credit_codes(
    conn: &mut sqlx::AnyConnection,
    codes: &[&str],
) -> Result<HashMap<String, String>> {
    let mut out = HashMap::new();
    for chunk in codes.chunks(READ_BACK) {
        let params = (1..=chunk.len())
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let mut q = sqlx::query_as::<_, (String, String)>(sqlx::AssertSqlSafe(format!(
            "SELECT credit_code, id FROM firm WHERE credit_code IN ({params})"
        )));
        for code in chunk {
            q = q.bind(*code);
        }
        out.extend(q.fetch_all(&mut *conn).await?);
    }
    Ok(out)
}

/// Appends each firm's snapshot as it is now in the transaction, as a change of `kind`.
async fn emit_snapshots(
    tx: &mut WriteTx,
    policy: &CatalogPolicy,
    ids: &[String],
    kind: &str,
) -> Result<()> {
    let today = china_today();
    for chunk in ids.chunks(READ_BACK) {
        let snapshots = firms::load_many(tx.conn(), chunk, policy, today).await?;
        tx.emit_many(
            firms::TOPIC,
            snapshots.iter().map(|s| (s.id.as_str(), kind, s)),
        )
        .await?;
    }
    Ok(())
}
