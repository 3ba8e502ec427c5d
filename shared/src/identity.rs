//! Who the caller is: the roles and scopes accounts act in, a token's claims, and the
//! authenticated caller ([`Identity`]) with what it may act for (a compound as its
//! committee or the association, its own firm). How a token becomes an `Identity` (the
//! extractor, the session check) is [`crate::auth`]; how it is signed, [`crate::keys`].

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::Problem;

/// What an account is allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// City property management association staff (市物业管理协会).
    Association,
    /// District (区县) official; scope: a district.
    DistrictOfficial,
    /// City official (市住建局 / 市委社治委); scope: the city. Reads everything district
    /// officials read, across the whole city, and edits nothing in the roster or ledger.
    CityOfficial,
    /// Street or town (镇街道) official; scope: a street.
    StreetOfficial,
    /// Compound committee (业委会/物管会/院委会); scope: one compound.
    Committee,
    /// Property service firm (物业服务企业); scope: one firm.
    Firm,
    /// Another wuye service (feeds, internal look-ups).
    Service,
}

impl Role {
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Association => "物业管理协会",
            Role::DistrictOfficial => "区县工作人员",
            Role::CityOfficial => "市级工作人员",
            Role::StreetOfficial => "街道工作人员",
            Role::Committee => "小区自治组织",
            Role::Firm => "物业服务企业",
            Role::Service => "系统服务",
        }
    }
}

/// What a role acts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Scope {
    /// Everything (association staff, services).
    City,
    /// A district's 6-digit code.
    District(String),
    /// A street's 9-digit code.
    Street(String),
    /// A compound's id.
    Compound(String),
    /// A firm's id.
    Firm(String),
}

/// The token's claims.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The account id.
    pub sub: String,
    pub name: String,
    pub role: Role,
    pub scope: Scope,
    /// Issued at (seconds since the Unix epoch).
    pub iat: i64,
    /// Issued at (ms since the Unix epoch), so a session cutoff made in the same second as
    /// a sign-in tells them apart. Absent in tokens issued before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat_ms: Option<i64>,
    /// Expires at (seconds since the Unix epoch).
    pub exp: i64,
    /// Token id, so a session can be revoked.
    pub jti: String,
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Identity {
    pub account_id: String,
    pub name: String,
    pub role: Role,
    pub scope: Scope,
    /// The token id.
    #[serde(skip)]
    pub token_id: String,
}

impl Identity {
    /// Whether the caller is a city official (市住建局 / 市委社治委) acting on the city: reads
    /// what district officials read, citywide, and writes nothing.
    pub fn is_city_official(&self) -> bool {
        self.role == Role::CityOfficial && self.scope == Scope::City
    }

    /// 403 unless the caller has one of these roles.
    pub fn require_any(&self, roles: &[Role]) -> Result<(), Problem> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(Problem::forbidden(format!(
                "当前账号（{}）无权进行此操作。",
                self.role.label_zh()
            )))
        }
    }

    /// 403 unless the caller is the given firm's own account.
    pub fn require_firm(&self, firm_id: &str) -> Result<(), Problem> {
        match &self.scope {
            Scope::Firm(id) if self.role == Role::Firm && id == firm_id => Ok(()),
            _ => Err(Problem::forbidden("只能操作本企业的信息。")),
        }
    }

    /// 403 unless the caller is the given compound's committee.
    pub fn require_compound(&self, compound_id: &str) -> Result<(), Problem> {
        if self.is_committee_of(compound_id) {
            Ok(())
        } else {
            Err(Problem::forbidden("只能操作本小区的信息。"))
        }
    }

    /// The compound whose committee (业委会/物管会/院委会) the caller is, if it is one.
    pub fn committee_compound(&self) -> Option<&str> {
        match (&self.role, &self.scope) {
            (Role::Committee, Scope::Compound(id)) => Some(id),
            _ => None,
        }
    }

    /// Whether the caller is the given compound's own committee.
    pub fn is_committee_of(&self, compound_id: &str) -> bool {
        self.committee_compound() == Some(compound_id)
    }

    /// Whether the caller oversees what a compound's committee does for it: the compound's
    /// own committee, or the association, which oversees every compound. They, and nobody
    /// else, see a compound's drafts and full bids, answer complaints about its awards and
    /// end its contracts.
    pub fn oversees_compound(&self, compound_id: &str) -> bool {
        self.role == Role::Association || self.is_committee_of(compound_id)
    }

    /// The firm whose account the caller is, if it is a firm's.
    pub fn own_firm(&self) -> Option<&str> {
        match (&self.role, &self.scope) {
            (Role::Firm, Scope::Firm(id)) => Some(id),
            _ => None,
        }
    }
}

impl Claims {
    pub fn into_identity(self) -> Identity {
        Identity {
            account_id: self.sub,
            name: self.name,
            role: self.role,
            scope: self.scope,
            token_id: self.jti,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn firm() -> Identity {
        Identity {
            account_id: "a1".into(),
            name: "某物业".into(),
            role: Role::Firm,
            scope: Scope::Firm("f1".into()),
            token_id: String::new(),
        }
    }

    #[test]
    fn scope_checks() {
        let id = firm();
        assert!(id.require_firm("f1").is_ok());
        assert_eq!(id.require_firm("f2").unwrap_err().status, 403);
        assert_eq!(id.require_compound("c1").unwrap_err().status, 403);
        assert_eq!(
            id.require_any(&[Role::Association]).unwrap_err().status,
            403
        );
        assert!(id.require_any(&[Role::Firm]).is_ok());
    }

    #[test]
    fn who_acts_for_a_compound_or_a_firm() {
        let committee = Identity {
            account_id: "a2".into(),
            name: "某小区业委会".into(),
            role: Role::Committee,
            scope: Scope::Compound("c1".into()),
            token_id: String::new(),
        };
        let association = Identity {
            role: Role::Association,
            scope: Scope::City,
            ..committee.clone()
        };
        // A scope that does not match its role gives nothing.
        let odd = Identity {
            role: Role::Firm,
            scope: Scope::Compound("c1".into()),
            ..committee.clone()
        };
        assert_eq!(committee.committee_compound(), Some("c1"));
        assert!(committee.is_committee_of("c1") && !committee.is_committee_of("c2"));
        assert!(committee.oversees_compound("c1") && !committee.oversees_compound("c2"));
        assert!(association.oversees_compound("c2") && !association.is_committee_of("c2"));
        assert!(!firm().oversees_compound("c1"));
        assert!(!odd.oversees_compound("c1") && odd.committee_compound().is_none());
        assert_eq!(firm().own_firm(), Some("f1"));
        assert_eq!(committee.own_firm(), None);
        assert_eq!(odd.own_firm(), None);
    }
}
