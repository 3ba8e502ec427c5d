//! Who may attach documents to a thing and who may read them: the rules of the thing they
//! belong to.
//!
//! | attached to | who attaches (and removes) | who reads |
//! | --- | --- | --- |
//! | a compound (管理规约, 议事规则, 工作规则) | its committee, its street official | anyone |
//! | a ballot vote (表决公告, 表决结果) | the compound's committee, its street official | anyone |
//! | a tender (招标文件) | its committee, while the terms may change (draft, or open before the bid deadline) | whoever sees the tender (anyone once published) |
//! | a bid (投标文件) | the bidding firm, before the bid deadline | before the opening: the bidding firm only, and to anyone else it does not exist (404, as an unknown id); after: the firm, the compound's committee, the association |
//! | a contract (物业服务合同) | the compound's committee | anyone: contracts are public |
//! | a disclosure (凭证) | whoever published it (the firm or the committee) | the compound's committee, the contract's firm, the officials of the compound's street and district, the association; owners through an inspection request (查阅) |

use shared::auth::{Identity, Role, Scope};
use shared::error::Problem;

use super::owner::{Owner, Place};
use crate::disclosure::Publisher;
use crate::tenders::Step;
use crate::terms::TenderStatus;

/// What a reader may learn of a document.
#[derive(Debug)]
pub enum Sight {
    Read,
    /// The refusal (403, or 401 when anonymous).
    Refused(Problem),
    /// Answered exactly as a document that does not exist (404).
    Hidden,
}

/// The one answer for a document that does not exist or that the caller may not learn of.
pub fn no_document() -> Problem {
    Problem::not_found("没有这个文件。")
}

/// The one answer for a bid that does not exist or is not the caller's.
pub fn no_bid() -> Problem {
    Problem::not_found("没有这个投标。")
}

fn refused(identity: Option<&Identity>, detail: &str) -> Sight {
    Sight::Refused(match identity {
        None => Problem::unauthorized(),
        Some(_) => Problem::forbidden(detail),
    })
}

/// The compound's committee, the officials of its street and district, the association.
fn oversees(identity: &Identity, place: &Place) -> bool {
    match (&identity.role, &identity.scope) {
        (Role::Association, _) | (Role::CityOfficial, Scope::City) => true,
        (Role::Committee, Scope::Compound(c)) => *c == place.compound_id,
        (Role::StreetOfficial, Scope::Street(s)) => place.street_code.as_ref() == Some(s),
        (Role::DistrictOfficial, Scope::District(d)) => place.district_code.as_ref() == Some(d),
        _ => false,
    }
}

/// The compound's committee or its street official.
fn keeps(identity: &Identity, place: &Place) -> bool {
    match (&identity.role, &identity.scope) {
        (Role::Committee, Scope::Compound(c)) => *c == place.compound_id,
        (Role::StreetOfficial, Scope::Street(s)) => place.street_code.as_ref() == Some(s),
        _ => false,
    }
}

/// What `identity` may learn of the documents attached to `owner` (see the module's table).
pub fn sight(identity: Option<&Identity>, owner: &Owner) -> Sight {
    match owner {
        Owner::Compound(_) | Owner::BallotVote { .. } | Owner::Contract { .. } => Sight::Read,
        Owner::Tender(t) => {
            if t.visible_to(identity) {
                Sight::Read
            } else {
                Sight::Hidden
            }
        }
        Owner::Bid { tender, bid } => {
            let own = identity.is_some_and(|i| i.own_firm() == Some(bid.firm_id.as_str()));
            if own {
                Sight::Read
            } else if tender.opened_at.is_none() {
                Sight::Hidden
            } else if identity.is_some_and(|i| i.oversees_compound(&tender.compound_id)) {
                Sight::Read
            } else {
                refused(
                    identity,
                    "投标文件仅供投标企业、招标小区自治组织和协会查看；开标记录请见 /tenders/{id}/opening。",
                )
            }
        }
        Owner::Disclosure { disclosure, place } => {
            let allowed = identity.is_some_and(|i| {
                oversees(i, place) || i.own_firm() == Some(disclosure.firm_id.as_str())
            });
            if allowed {
                Sight::Read
            } else {
                refused(
                    identity,
                    "凭证仅供本小区自治组织、合同的物业服务企业、小区所在街道和区县的工作人员及协会查看；业主可通过查阅申请查阅。",
                )
            }
        }
    }
}

/// `Ok` when `identity` may attach a document to `owner` (or remove one) at `now`, else
/// the answer (see the module's table). A bid that is not the caller's answers as one
/// that does not exist.
pub fn may_attach(identity: &Identity, owner: &Owner, now: i64) -> Result<(), Problem> {
    match owner {
        Owner::Compound(place) | Owner::BallotVote { place, .. } => {
            if keeps(identity, place) {
                Ok(())
            } else {
                Err(Problem::forbidden(
                    "只有本小区自治组织或小区所在街道（乡镇）的工作人员可以上传这类文件。",
                ))
            }
        }
        Owner::Tender(t) => {
            if !identity.is_committee_of(&t.compound_id) {
                return Err(if t.status == TenderStatus::Draft {
                    crate::tenders::tender::not_found()
                } else {
                    Problem::forbidden("只有招标小区的自治组织可以上传招标文件。")
                });
            }
            Step::Revise.admits(t, now)
        }
        Owner::Bid { tender, bid } => {
            if identity.own_firm() != Some(bid.firm_id.as_str()) || !bid.live {
                return Err(no_bid());
            }
            if tender.accepting_bids(now) {
                Ok(())
            } else {
                Err(Problem::conflict(
                    "bid_deadline_passed",
                    format!(
                        "投标已于 {} 截止，投标文件不能再上传或撤下。",
                        crate::clock::to_rfc3339(tender.terms.bid_deadline)
                    ),
                ))
            }
        }
        Owner::Contract { contract, .. } => {
            if identity.is_committee_of(&contract.compound_id) {
                Ok(())
            } else {
                Err(Problem::forbidden(
                    "只有合同所在小区的自治组织可以上传签订的物业服务合同。",
                ))
            }
        }
        Owner::Disclosure { disclosure, .. } => {
            let publisher = match disclosure.published_by {
                Publisher::Firm => identity.own_firm() == Some(disclosure.firm_id.as_str()),
                Publisher::Committee => identity.is_committee_of(&disclosure.compound_id),
            };
            if publisher {
                Ok(())
            } else {
                Err(Problem::forbidden(
                    "只有公开这份收支或预算的一方可以上传它的凭证。",
                ))
            }
        }
    }
}
