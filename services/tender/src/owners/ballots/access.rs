//! Who may act on a compound's votes and surveys.
//!
//! | who | may |
//! | --- | --- |
//! | the compound's committee | open and close votes and surveys, record paper ballots and answers, read the ballot list and the objections |
//! | the street official of the compound's street | generate the notices with the codes (never the committee: the body that counts does not hold the codes), read the ballot list and the objections |
//! | the association | read the ballot list and the objections |
//! | anyone | the votes' public views (counts and results, never a ballot) |
//! | an owner, with the unit's code | see the unit and the vote, vote, see which units took part, object |

use shared::auth::{Identity, Role, Scope};
use shared::error::Problem;

use crate::replica::CompoundCopy;

/// 403 unless the caller is the compound's committee.
pub fn committee(identity: &Identity, compound: &CompoundCopy) -> Result<(), Problem> {
    if identity.is_committee_of(&compound.id) {
        Ok(())
    } else {
        Err(Problem::forbidden("只有本小区的自治组织可以进行此操作。"))
    }
}

/// Whether the caller is the street official of the compound's street.
fn is_street_of(identity: &Identity, compound: &CompoundCopy) -> bool {
    match (&identity.role, &identity.scope) {
        (Role::StreetOfficial, Scope::Street(s)) => {
            compound.street_code.as_deref() == Some(s.as_str())
        }
        _ => false,
    }
}

/// 403 unless the caller is the street official of the compound's street.
pub fn street(identity: &Identity, compound: &CompoundCopy) -> Result<(), Problem> {
    if is_street_of(identity, compound) {
        Ok(())
    } else {
        Err(Problem::forbidden(
            "表决码通知单只能由小区所在街道（乡镇）的工作人员生成和打印；计票的自治组织不能持有表决码。",
        ))
    }
}

/// 403 unless the caller checks the compound's ballots: its committee, its street
/// official, the association.
pub fn checker(identity: &Identity, compound: &CompoundCopy) -> Result<(), Problem> {
    if identity.is_committee_of(&compound.id)
        || is_street_of(identity, compound)
        || identity.role == Role::Association
    {
        Ok(())
    } else {
        Err(Problem::forbidden(
            "只有本小区自治组织、小区所在街道（乡镇）的工作人员和协会可以查看表决票和异议。",
        ))
    }
}
