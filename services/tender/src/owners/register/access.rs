//! Who may read and keep a compound's register, and how much of it they see.
//!
//! | who | reads | names and phones | keeps (import, edit, export) |
//! | --- | --- | --- | --- |
//! | the compound's committee | yes | whole | yes |
//! | the street official of the compound's street | yes | whole | yes |
//! | the district official of the compound's district | yes | masked | no |
//! | the association, a city official | yes | masked | no |
//! | anyone else (another compound's committee, another street, a firm) | 403 | | |
//!
//! The register's totals (units, owners by head, area) are public
//! (`GET …/register/summary`): every vote of the compound is measured against them.

use shared::auth::{Identity, Role, Scope};
use shared::error::Problem;
use sqlx::AnyConnection;

use crate::replica::{self, CompoundCopy};

/// How much of the owners a reader sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sight {
    /// Names and phones whole: the committee and the compound's street.
    Whole,
    /// `张**`, `138****5678`: the district and the association.
    Masked,
}

/// What the caller may do with a compound's register.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Access {
    pub sight: Sight,
    /// Import, edit one unit, export.
    pub keeps: bool,
}

impl Access {
    /// The caller's access to `compound`'s register, or the 403 (see the module's table).
    pub fn of(identity: &Identity, compound: &CompoundCopy) -> Result<Self, Problem> {
        let keeper = Self {
            sight: Sight::Whole,
            keeps: true,
        };
        let reader = Self {
            sight: Sight::Masked,
            keeps: false,
        };
        match (&identity.role, &identity.scope) {
            (Role::Committee, Scope::Compound(c)) if *c == compound.id => Ok(keeper),
            (Role::StreetOfficial, Scope::Street(s))
                if compound.street_code.as_deref() == Some(s.as_str()) =>
            {
                Ok(keeper)
            }
            (Role::DistrictOfficial, Scope::District(d)) if *d == compound.district_code => {
                Ok(reader)
            }
            (Role::Association, _) | (Role::CityOfficial, Scope::City) => Ok(reader),
            _ => Err(Problem::forbidden(
                "只有本小区自治组织、小区所在街道（乡镇）、区县和市级的工作人员以及协会可以查看业主名册。",
            )),
        }
    }

    /// 403 unless the caller keeps the register.
    pub fn require_keeper(self) -> Result<(), Problem> {
        if self.keeps {
            Ok(())
        } else {
            Err(Problem::forbidden(
                "只有本小区自治组织和小区所在街道（乡镇）的工作人员可以导入、修改或导出业主名册。",
            ))
        }
    }
}

/// The compound as tender knows it, or 404.
pub async fn compound(conn: &mut AnyConnection, id: &str) -> crate::error::Result<CompoundCopy> {
    replica::compound(conn, id)
        .await?
        .ok_or_else(|| Problem::not_found("平台尚未收到该小区的台账信息。").into())
}

/// The text a change is recorded with: who, as people read it (`王主任（街道工作人员）`).
pub fn actor(identity: &Identity) -> String {
    format!("{}（{}）", identity.name, identity.role.label_zh())
}
