//! Attaching, reading and removing documents, each with the rules of the thing they belong
//! to ([`super::access`]). A write stores the bytes first, then the row in the write
//! transaction, deciding the rules again inside it (after the feed-head lock: a bid's
//! deadline is decided there, as for the bid itself). Nothing about documents goes to the
//! feed or OCDS; the audit row of a bid's document is sealed until the opening.

use shared::auth::Identity;
use shared::clock::now_ms;
use shared::db::new_id;
use shared::error::Problem;
use shared::feed::WriteTx;
use sqlx::AnyConnection;

use super::access::{Sight, may_attach, no_document, sight};
use super::kind::OwnerKind;
use super::owner::{self, Owner};
use super::store::{self, Document};
use super::upload::Checked;
use crate::audit;
use crate::error::Result;
use crate::opening;
use crate::state::AppState;

/// The answer for an owner that does not exist.
fn no_owner(kind: OwnerKind) -> Problem {
    match kind {
        OwnerKind::Compound => Problem::not_found("平台尚未收到该小区的台账信息。"),
        OwnerKind::BallotVote => Problem::not_found("没有这个表决。"),
        OwnerKind::Tender => crate::tenders::tender::not_found(),
        OwnerKind::Bid => super::access::no_bid(),
        OwnerKind::Contract => Problem::not_found("没有这个合同。"),
        OwnerKind::Disclosure => Problem::not_found("没有这份公开信息。"),
    }
}

/// The owner `kind` `id`, or its 404.
async fn owner_or_404(conn: &mut AnyConnection, kind: OwnerKind, id: &str) -> Result<Owner> {
    Ok(owner::load(conn, kind, id)
        .await?
        .ok_or_else(|| no_owner(kind))?)
}

/// Before the upload is read: the owner exists and `identity` may attach to it now (so
/// nobody else can make the service read a file).
pub async fn precheck(
    app: &AppState,
    identity: &Identity,
    kind: OwnerKind,
    id: &str,
) -> Result<()> {
    let mut conn = app.db.pool.acquire().await?;
    let owner = owner_or_404(&mut conn, kind, id).await?;
    may_attach(identity, &owner, now_ms())?;
    Ok(())
}

/// Attaches the checked upload (its bytes already stored) to owner `kind` `id`, inside the
/// transaction: the rules decided again, the row, the audit row.
pub async fn attach(
    tx: &mut WriteTx,
    identity: &Identity,
    (kind, id): (OwnerKind, &str),
    upload: &Checked,
) -> Result<Document> {
    let owner = owner_or_404(tx.conn(), kind, id).await?;
    let now = now_ms();
    may_attach(identity, &owner, now)?;
    let doc = Document {
        id: new_id(),
        owner_kind: kind,
        owner_id: owner.id().to_string(),
        compound_id: owner.compound_id().to_string(),
        tender_id: owner.tender_id().map(str::to_string),
        kind: upload.kind,
        title: upload.title.clone(),
        sha256: upload.sha256.clone(),
        size_bytes: upload.bytes.len() as i64,
        media_type: upload.media_type,
        uploaded_by: identity.account_id.clone(),
        uploaded_by_name: crate::owners::register::actor(identity),
        uploaded_at: now,
        removed: false,
        removed_by: None,
        removed_at: None,
    };
    store::insert(tx.conn(), &doc).await?;
    record(tx, identity, &doc, "attached").await?;
    Ok(doc)
}

/// The audit row of a document step; about a bid's document it is sealed and says nothing.
async fn record(tx: &mut WriteTx, identity: &Identity, doc: &Document, action: &str) -> Result<()> {
    let sealed = doc.owner_kind == OwnerKind::Bid;
    let detail = if sealed {
        serde_json::json!({})
    } else {
        serde_json::json!({
            "owner_kind": doc.owner_kind, "owner_id": doc.owner_id, "kind": doc.kind,
            "title": doc.title, "sha256": doc.sha256,
        })
    };
    audit::record_step(
        tx.conn(),
        identity,
        ("document", &doc.id),
        doc.tender_id.as_deref(),
        (action, sealed),
        &detail,
    )
    .await?;
    Ok(())
}

/// Takes a document down (撤下), inside the transaction: by whoever may attach to its owner
/// now; the row and its bytes stay. Removing it again changes nothing.
pub async fn remove(tx: &mut WriteTx, identity: &Identity, id: &str) -> Result<Document> {
    let doc = store::load(tx.conn(), id).await?.ok_or_else(no_document)?;
    let owner = owner_or_404(tx.conn(), doc.owner_kind, &doc.owner_id).await?;
    if matches!(sight(Some(identity), &owner), Sight::Hidden) {
        return Err(no_document().into());
    }
    may_attach(identity, &owner, now_ms())?;
    if !doc.removed {
        store::remove(tx.conn(), &doc.id, &identity.account_id, now_ms()).await?;
        record(tx, identity, &doc, "removed").await?;
    }
    Ok(store::load(tx.conn(), id).await?.ok_or_else(no_document)?)
}

/// The owner, for a read: its tender brought up to date first (the opening by time), so a
/// bid's documents open exactly when the bids do.
async fn owner_for_read(app: &AppState, kind: OwnerKind, id: &str) -> Result<Owner> {
    let mut conn = app.db.pool.acquire().await?;
    let mut owner = owner_or_404(&mut conn, kind, id).await?;
    if let Some(tender) = owner.tender_id().map(str::to_string)
        && matches!(kind, OwnerKind::Tender | OwnerKind::Bid)
    {
        drop(conn);
        opening::load_current(app, &tender).await?;
        let mut conn = app.db.pool.acquire().await?;
        owner = owner_or_404(&mut conn, kind, id).await?;
    }
    Ok(owner)
}

fn allowed(sight: Sight, hidden: impl FnOnce() -> Problem) -> Result<()> {
    match sight {
        Sight::Read => Ok(()),
        Sight::Refused(p) => Err(p.into()),
        Sight::Hidden => Err(hidden().into()),
    }
}

/// One document `identity` may read (removed or not); a document it may not learn of
/// answers as one that does not exist.
pub async fn readable(app: &AppState, identity: Option<&Identity>, id: &str) -> Result<Document> {
    let doc = {
        let mut conn = app.db.pool.acquire().await?;
        store::load(&mut conn, id).await?.ok_or_else(no_document)?
    };
    let owner = owner_for_read(app, doc.owner_kind, &doc.owner_id).await?;
    allowed(sight(identity, &owner), no_document)?;
    Ok(doc)
}

/// The documents attached to owner `kind` `id` (not removed), for a reader who may read
/// them; an owner it may not learn of answers as one that does not exist.
pub async fn of_owner(
    app: &AppState,
    identity: Option<&Identity>,
    kind: OwnerKind,
    id: &str,
) -> Result<Vec<Document>> {
    let owner = owner_for_read(app, kind, id).await?;
    allowed(sight(identity, &owner), || no_owner(kind))?;
    let mut conn = app.db.pool.acquire().await?;
    Ok(store::of_owner(&mut conn, kind, owner.id()).await?)
}

/// A tender's documents and those of its bids that `identity` may learn of: before the
/// opening, a firm sees its own bid's and nobody sees another's (not even that they exist).
pub async fn of_tender(
    app: &AppState,
    identity: Option<&Identity>,
    tender_id: &str,
) -> Result<Vec<Document>> {
    let tender = opening::visible_tender(app, tender_id, identity).await?;
    let mut conn = app.db.pool.acquire().await?;
    let mut shown = Vec::new();
    let mut bids: Vec<(String, bool)> = Vec::new();
    for doc in store::of_tender(&mut conn, &tender.id).await? {
        let visible = match doc.owner_kind {
            OwnerKind::Tender => true,
            OwnerKind::Bid => match bids.iter().find(|(b, _)| *b == doc.owner_id) {
                Some((_, v)) => *v,
                None => {
                    let v = match owner::load(&mut conn, OwnerKind::Bid, &doc.owner_id).await? {
                        Some(o) => matches!(sight(identity, &o), Sight::Read),
                        None => false,
                    };
                    bids.push((doc.owner_id.clone(), v));
                    v
                }
            },
            _ => false,
        };
        if visible {
            shown.push(doc);
        }
    }
    Ok(shown)
}

/// The public documents of a compound: its own (规约, 规则), its ballot votes' and its
/// contracts'.
pub async fn of_compound(app: &AppState, compound_id: &str) -> Result<Vec<Document>> {
    let mut conn = app.db.pool.acquire().await?;
    let place = owner_or_404(&mut conn, OwnerKind::Compound, compound_id).await?;
    let mut docs = store::of_owner(&mut conn, OwnerKind::Compound, place.id()).await?;
    docs.extend(store::public_of_compound(&mut conn, place.id()).await?);
    Ok(docs)
}

/// 404 (as an unknown bid) unless bid `bid_id` is one of tender `tender_id`'s.
pub async fn bid_of_tender(app: &AppState, tender_id: &str, bid_id: &str) -> Result<()> {
    let mut conn = app.db.pool.acquire().await?;
    let of: Option<String> = sqlx::query_scalar("SELECT tender_id FROM bid WHERE id = $1")
        .bind(bid_id)
        .fetch_optional(&mut *conn)
        .await?;
    if of.as_deref() == Some(tender_id) {
        Ok(())
    } else {
        Err(super::access::no_bid().into())
    }
}
