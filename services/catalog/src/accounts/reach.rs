//! Whose accounts an account manages (账号管理范围): the accounts it may create, and only
//! those, it lists, disables, enables, renames and resets.
//!
//! | caller | creates and manages |
//! | --- | --- |
//! | association | every account (but `service`) |
//! | district official | street officials of its district; committees of compounds in its district |
//! | street official | committees of compounds in its street |
//! | everyone else (city officials too) | none |

use shared::auth::{Identity, Role, Scope};
use shared::domain::StreetCode;
use shared::error::Problem;

/// Whose accounts the caller manages, as a list filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Managed {
    /// Every account (the association).
    All,
    /// Street officials of this district, committees of its compounds.
    District(String),
    /// Committees of this street's compounds.
    Street(String),
}

impl Managed {
    /// The caller's reach; 403 for a caller that manages no account.
    pub fn of(caller: &Identity) -> Result<Self, Problem> {
        match (caller.role, &caller.scope) {
            (Role::Association, _) => Ok(Managed::All),
            (Role::DistrictOfficial, Scope::District(d)) => Ok(Managed::District(d.clone())),
            (Role::StreetOfficial, Scope::Street(s)) => Ok(Managed::Street(s.clone())),
            (Role::DistrictOfficial | Role::StreetOfficial, _) => {
                Err(Problem::forbidden("账号的管辖范围无效，请联系管理员。"))
            }
            (role, _) => Err(Problem::forbidden(format!(
                "当前账号（{}）不能管理账号。",
                role.label_zh()
            ))),
        }
    }

    /// 403 unless an account of `role` acting on `scope` is within reach;
    /// `compound_street` is the street of a committee's compound (looked up by the
    /// caller; `None` when unknown).
    pub fn require(
        &self,
        role: Role,
        scope: &Scope,
        compound_street: Option<&str>,
    ) -> Result<(), Problem> {
        let district_of = |street: &str| {
            StreetCode::parse(street)
                .ok()
                .map(|s| s.district().as_str().to_string())
        };
        let allowed = match (self, role, scope) {
            (Managed::All, r, _) => r != Role::Service,
            (Managed::District(d), Role::StreetOfficial, Scope::Street(s)) => {
                district_of(s).as_ref() == Some(d)
            }
            (Managed::District(d), Role::Committee, Scope::Compound(_)) => {
                compound_street.and_then(district_of).as_ref() == Some(d)
            }
            (Managed::Street(own), Role::Committee, Scope::Compound(_)) => {
                compound_street == Some(own.as_str())
            }
            _ => false,
        };
        if allowed {
            Ok(())
        } else {
            Err(Problem::forbidden(match self {
                Managed::All => "不能管理系统服务账号。",
                Managed::District(_) => {
                    "区县工作人员只能创建和管理本区县的街道工作人员账号和本区县小区的自治组织账号。"
                }
                Managed::Street(_) => "街道工作人员只能创建和管理本街道小区的自治组织账号。",
            }))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn who(role: Role, scope: Scope) -> Identity {
        Identity {
            account_id: "a".into(),
            name: "某人".into(),
            role,
            scope,
            token_id: String::new(),
        }
    }

    #[test]
    fn each_manages_what_it_creates() {
        let street = Scope::Street("510104017".into());
        let other_street = Scope::Street("510105002".into());
        let compound = Scope::Compound("c1".into());
        let district = Managed::of(&who(
            Role::DistrictOfficial,
            Scope::District("510104".into()),
        ))
        .unwrap();
        assert!(
            district
                .require(Role::StreetOfficial, &street, None)
                .is_ok()
        );
        assert!(
            district
                .require(Role::StreetOfficial, &other_street, None)
                .is_err()
        );
        assert!(
            district
                .require(Role::Committee, &compound, Some("510104017"))
                .is_ok()
        );
        assert!(
            district
                .require(Role::Committee, &compound, Some("510105002"))
                .is_err()
        );
        assert!(district.require(Role::Committee, &compound, None).is_err());
        assert!(
            district
                .require(
                    Role::DistrictOfficial,
                    &Scope::District("510104".into()),
                    None
                )
                .is_err()
        );
        let own = Managed::of(&who(Role::StreetOfficial, street.clone())).unwrap();
        assert!(
            own.require(Role::Committee, &compound, Some("510104017"))
                .is_ok()
        );
        assert!(
            own.require(Role::Committee, &compound, Some("510104018"))
                .is_err()
        );
        assert!(own.require(Role::StreetOfficial, &street, None).is_err());
        let all = Managed::of(&who(Role::Association, Scope::City)).unwrap();
        assert!(all.require(Role::CityOfficial, &Scope::City, None).is_ok());
        assert!(all.require(Role::Service, &Scope::City, None).is_err());
        for refused in [
            who(Role::CityOfficial, Scope::City),
            who(Role::Committee, compound.clone()),
            who(Role::Firm, Scope::Firm("f".into())),
            who(Role::DistrictOfficial, Scope::City),
        ] {
            assert_eq!(Managed::of(&refused).unwrap_err().status, 403);
        }
    }
}
