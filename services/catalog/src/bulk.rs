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
    let mut ids = Vec::with_capacity(firms.len());
    let (mut applied, mut recommend) = (Vec::new(), Vec::new());
    for f in firms {
        let firm = f.input.check(&known, None)?;
        if let Some(id) = firms::firm_with_credit_code(tx.conn(), &firm.credit_code).await? {
            ids.push(id);
            continue;
        }
        let id = shared::db::new_id();
        firms::insert(tx.conn(), &id, &firm, now).await?;
        let record = shared::domain::roster::StandingRecord::applicant();
        standing::append_event(
            tx.conn(),
            NewStandingEvent {
                firm_id: &id,
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
        if let Some(change) = f.recommend {
            recommend.push((id.clone(), change));
        }
        applied.push(id.clone());
        ids.push(id);
    }
    emit_snapshots(&mut tx, policy, &applied, kind::APPLIED).await?;

    let mut recommended = Vec::with_capacity(recommend.len());
    for (id, input) in recommend {
        let change = input.check(today)?;
        let firm = firms::load_or_404(tx.conn(), &id, policy, today).await?;
        let next = firm
            .standing_record
            .apply(&change.action, today)
            .map_err(|e| Problem::conflict(e.code, e.message))?;
        standing::write_record(tx.conn(), &id, &next, now).await?;
        standing::append_event(
            tx.conn(),
            NewStandingEvent {
                firm_id: &id,
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
        recommended.push(id);
    }
    emit_snapshots(&mut tx, policy, &recommended, kind::STANDING_CHANGED).await?;
    tx.commit().await?;
    Ok(ids)
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
