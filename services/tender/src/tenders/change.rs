//! Recording a step of a tender: one `tender` change in the outbox (payload: the tender's
//! [`TenderView`] after the step) and one audit row, in the step's write transaction.

use shared::feed::WriteTx;

use super::tender::Tender;
use super::view::{TenderView, view};
use crate::audit::{self, Actor};

/// Appends the tender's `tender` change of `kind` and its audit row; answers the view.
pub async fn record_change(
    tx: &mut WriteTx,
    t: &Tender,
    kind: &str,
    actor: &Actor,
    detail: &serde_json::Value,
) -> anyhow::Result<TenderView> {
    let v = view(tx.conn(), t).await?;
    tx.emit(shared::events::tender::TENDER, &t.id, kind, &v)
        .await?;
    audit::record(
        tx.conn(),
        audit::Entry {
            actor,
            entity: "tender",
            entity_id: &t.id,
            tender_id: Some(&t.id),
            action: kind,
            sealed: false,
            detail,
        },
    )
    .await?;
    Ok(v)
}
