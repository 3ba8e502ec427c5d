//! Many open tenders in few write transactions, for the synthetic data sets of `wuye admin
//! load-synthetic`. Each tender takes the committee's path through the API (its terms
//! checked as `POST /tenders` checks them, [`lifecycle::draft`] then
//! [`lifecycle::open_for_bids`]: feed changes `drafted` and `published`, audit rows, OCDS
//! releases) and each bid the firm's (`POST /tenders/{id}/bids`: [`bidding::submit`], with
//! every eligibility rule), so the feed and the tables hold exactly what the API would have
//! written. A batch is one [`WriteTx`]. The compounds and firms must already be in tender's
//! copy of the catalog (its follower must have caught up).

use shared::auth::{Identity, Role, Scope};
use shared::clock::now_ms;
use shared::db::Db;
use shared::error::Error;
use shared::feed::{Notifier, WriteTx};

use crate::bidding::{self, BidInput};
use crate::config::TenderPolicy;
use crate::error::Result;
use crate::tenders::input::{Schedule, TermsInput};
use crate::tenders::{lifecycle, store};

/// One tender to open, on a compound known to tender, and the sealed bids to place on it.
#[derive(Debug)]
pub struct BulkTender {
    pub compound_id: String,
    pub terms: TermsInput,
    /// `(firm id, bid)`.
    pub bids: Vec<(String, BidInput)>,
}

/// What a batch did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// The ids of the tenders opened, in order.
    pub tenders: Vec<String>,
    /// Compounds that already had a tender in progress (nothing written for them).
    pub skipped: usize,
    /// Bids placed.
    pub bids: usize,
    /// Bids the rules refused (the firm not eligible, e.g. out of its area or capacity).
    pub bids_refused: usize,
}

/// A refusal a caller would have been answered (4xx), as opposed to a fault.
fn is_refusal(e: &Error) -> bool {
    matches!(e, Error::Problem(p) if p.status < 500)
}

fn acting(account: &str, role: Role, scope: Scope) -> Identity {
    Identity {
        account_id: account.into(),
        name: "合成数据加载（示例）".into(),
        role,
        scope,
        token_id: String::new(),
    }
}

/// Opens `tenders` in one transaction under `policy` (their bid deadlines must leave its
/// shortest bidding window); answers what was written. A compound with a tender in
/// progress is skipped; a bid the rules refuse is counted and left out; a tender whose
/// terms are refused fails the batch with that problem.
pub async fn open_tenders(
    db: &Db,
    notifier: &Notifier,
    policy: &TenderPolicy,
    tenders: Vec<BulkTender>,
) -> Result<Loaded> {
    let mut tx = WriteTx::begin(db, notifier).await?;
    let mut out = Loaded::default();
    for t in tenders {
        let committee = acting(
            "synthetic-committee",
            Role::Committee,
            Scope::Compound(t.compound_id.clone()),
        );
        let now = now_ms();
        let schedule = Schedule {
            now,
            min_window: policy.min_bid_window_ms(),
            extend: false,
        };
        let proposal = t.terms.check(None, schedule)?;
        if store::in_progress(tx.conn(), &t.compound_id).await? > 0 {
            out.skipped += 1;
            continue;
        }
        let drafted = lifecycle::draft(&mut tx, &t.compound_id, proposal, &committee, now).await?;
        let draft = store::load(tx.conn(), &drafted.id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("a drafted tender vanished"))?;
        lifecycle::open_for_bids(&mut tx, draft, &committee, policy).await?;
        for (firm_id, bid) in &t.bids {
            let firm = acting("synthetic-firm", Role::Firm, Scope::Firm(firm_id.clone()));
            match bidding::submit(&mut tx, &drafted.id, firm_id, bid, &firm).await {
                Ok(_) => out.bids += 1,
                Err(e) if is_refusal(&e) => out.bids_refused += 1,
                Err(e) => return Err(e),
            }
        }
        out.tenders.push(drafted.id);
    }
    tx.commit().await?;
    Ok(out)
}
