//! What a document is attached to, loaded: the compound, ballot vote, tender, bid, contract
//! or disclosure, with where its compound lies (for the officials' scopes).

use sqlx::{AnyConnection, Row};

use super::kind::OwnerKind;
use crate::award::records::{self, Contract};
use crate::disclosure::Disclosure;
use crate::error::Result;
use crate::replica;
use crate::tenders::Tender;
use crate::tenders::store as tenders;

/// Where a compound lies: its district and street when tender has the compound's copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub compound_id: String,
    pub district_code: Option<String>,
    pub street_code: Option<String>,
}

impl Place {
    /// The compound's place as tender's copy of the ledger has it.
    pub async fn of(conn: &mut AnyConnection, compound_id: &str) -> Result<Self> {
        let copy = replica::compound(conn, compound_id).await?;
        Ok(Self {
            compound_id: compound_id.to_string(),
            district_code: copy.as_ref().map(|c| c.district_code.clone()),
            street_code: copy.and_then(|c| c.street_code),
        })
    }
}

/// A sealed or opened bid: whose it is and whether it can still change.
#[derive(Debug, Clone)]
pub struct BidRef {
    pub id: String,
    pub firm_id: String,
    /// Not withdrawn.
    pub live: bool,
}

/// The thing a document is attached to.
#[derive(Debug, Clone)]
pub enum Owner {
    Compound(Place),
    BallotVote {
        id: String,
        place: Place,
    },
    Tender(Box<Tender>),
    Bid {
        tender: Box<Tender>,
        bid: BidRef,
    },
    Contract {
        contract: Box<Contract>,
        place: Place,
    },
    Disclosure {
        disclosure: Box<Disclosure>,
        place: Place,
    },
}

impl Owner {
    pub fn kind(&self) -> OwnerKind {
        match self {
            Owner::Compound(_) => OwnerKind::Compound,
            Owner::BallotVote { .. } => OwnerKind::BallotVote,
            Owner::Tender(_) => OwnerKind::Tender,
            Owner::Bid { .. } => OwnerKind::Bid,
            Owner::Contract { .. } => OwnerKind::Contract,
            Owner::Disclosure { .. } => OwnerKind::Disclosure,
        }
    }

    pub fn id(&self) -> &str {
        match self {
            Owner::Compound(p) => &p.compound_id,
            Owner::BallotVote { id, .. } => id,
            Owner::Tender(t) => &t.id,
            Owner::Bid { bid, .. } => &bid.id,
            Owner::Contract { contract, .. } => &contract.id,
            Owner::Disclosure { disclosure, .. } => &disclosure.id,
        }
    }

    pub fn compound_id(&self) -> &str {
        match self {
            Owner::Compound(p)
            | Owner::BallotVote { place: p, .. }
            | Owner::Contract { place: p, .. }
            | Owner::Disclosure { place: p, .. } => &p.compound_id,
            Owner::Tender(t) | Owner::Bid { tender: t, .. } => &t.compound_id,
        }
    }

    /// The tender it belongs to, if any (its audit trail records the attachment).
    pub fn tender_id(&self) -> Option<&str> {
        match self {
            Owner::Tender(t) | Owner::Bid { tender: t, .. } => Some(&t.id),
            Owner::Contract { contract, .. } => Some(&contract.tender_id),
            Owner::Disclosure { disclosure, .. } => Some(&disclosure.tender_id),
            Owner::Compound(_) | Owner::BallotVote { .. } => None,
        }
    }

    /// Where its compound lies.
    pub fn place(&self) -> Place {
        match self {
            Owner::Compound(p)
            | Owner::BallotVote { place: p, .. }
            | Owner::Contract { place: p, .. }
            | Owner::Disclosure { place: p, .. } => p.clone(),
            Owner::Tender(t) | Owner::Bid { tender: t, .. } => Place {
                compound_id: t.compound_id.clone(),
                district_code: Some(t.district_code.clone()),
                street_code: t.street_code.clone(),
            },
        }
    }
}

/// The compound a ballot vote (`ballot_vote`, `owners::ballots`) belongs to.
async fn ballot_vote_compound(conn: &mut AnyConnection, id: &str) -> Result<Option<String>> {
    Ok(
        sqlx::query_scalar("SELECT compound_id FROM ballot_vote WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?,
    )
}

/// The owner `kind` `id`, as stored now (a tender as stored: a read brings it up to date
/// first, see `documents::read`); `None` when there is none.
pub async fn load(conn: &mut AnyConnection, kind: OwnerKind, id: &str) -> Result<Option<Owner>> {
    Ok(match kind {
        OwnerKind::Compound => match replica::compound(conn, id).await? {
            Some(c) => Some(Owner::Compound(Place {
                compound_id: c.id,
                district_code: Some(c.district_code),
                street_code: c.street_code,
            })),
            None => None,
        },
        OwnerKind::BallotVote => match ballot_vote_compound(conn, id).await? {
            Some(cid) => Some(Owner::BallotVote {
                id: id.to_string(),
                place: Place::of(conn, &cid).await?,
            }),
            None => None,
        },
        OwnerKind::Tender => tenders::load(conn, id)
            .await?
            .map(|t| Owner::Tender(Box::new(t))),
        OwnerKind::Bid => {
            let row = sqlx::query("SELECT tender_id, firm_id, status FROM bid WHERE id = $1")
                .bind(id)
                .fetch_optional(&mut *conn)
                .await?;
            match row {
                None => None,
                Some(r) => {
                    let tender_id: String = r.try_get("tender_id")?;
                    let status: String = r.try_get("status")?;
                    let bid = BidRef {
                        id: id.to_string(),
                        firm_id: r.try_get("firm_id")?,
                        live: status != "withdrawn",
                    };
                    tenders::load(conn, &tender_id).await?.map(|t| Owner::Bid {
                        tender: Box::new(t),
                        bid,
                    })
                }
            }
        }
        OwnerKind::Contract => match records::contract(conn, id).await? {
            Some(c) => Some(Owner::Contract {
                place: Place::of(conn, &c.compound_id).await?,
                contract: Box::new(c),
            }),
            None => None,
        },
        OwnerKind::Disclosure => match crate::disclosure::store::load(conn, id).await? {
            Some(d) => Some(Owner::Disclosure {
                place: Place::of(conn, &d.compound_id).await?,
                disclosure: Box::new(d),
            }),
            None => None,
        },
    })
}
