//! The part of the city an official keeps the ledger for (管辖范围).

use shared::auth::{Identity, Role, Scope};
use shared::domain::{DistrictCode, StreetCode};
use shared::error::Problem;

/// The part of the city an official keeps the ledger for (管辖范围).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// Association staff: every compound.
    City,
    /// A district official: the compounds of one district.
    District(DistrictCode),
    /// A street official: the compounds of one street.
    Street(StreetCode),
}

impl Reach {
    /// The reach an official keeps the ledger in (association staff, district or street
    /// official); 403 for every other role (a city official too: it reads, see
    /// [`Reach::to_read`]), or a token whose scope does not name a known district or street.
    pub fn of_official(identity: &Identity) -> Result<Self, Problem> {
        identity.require_any(&[
            Role::Association,
            Role::DistrictOfficial,
            Role::StreetOfficial,
        ])?;
        let bad_scope = || Problem::forbidden("账号的管辖范围无效，请联系管理员。");
        match (identity.role, &identity.scope) {
            (Role::Association, _) => Ok(Reach::City),
            (Role::DistrictOfficial, Scope::District(code)) => DistrictCode::parse(code)
                .map(Reach::District)
                .map_err(|_| bad_scope()),
            (Role::StreetOfficial, Scope::Street(code)) => StreetCode::parse(code)
                .map(Reach::Street)
                .map_err(|_| bad_scope()),
            _ => Err(bad_scope()),
        }
    }

    /// The part of the city an official reads the ledger of: the reach of
    /// [`Reach::of_official`], and a city official's city (市级工作人员 read the whole
    /// ledger and edit none of it).
    pub fn to_read(identity: &Identity) -> Result<Self, Problem> {
        if identity.is_city_official() {
            Ok(Reach::City)
        } else {
            Reach::of_official(identity)
        }
    }

    /// Whether a compound in `street` is within reach (a street names its district).
    pub fn covers(&self, street: StreetCode) -> bool {
        match self {
            Reach::City => true,
            Reach::District(d) => street.district() == *d,
            Reach::Street(s) => *s == street,
        }
    }

    /// The reach in words, for messages: 全市, 锦江区, 锦官驿街道.
    pub fn describe(&self) -> String {
        match self {
            Reach::City => "全市".to_string(),
            Reach::District(d) => d.name().to_string(),
            Reach::Street(s) => s.name().to_string(),
        }
    }

    /// 403 unless a compound in `street` is within reach.
    pub fn require(&self, street: StreetCode, what: &str) -> Result<(), Problem> {
        if self.covers(street) {
            Ok(())
        } else {
            Err(Problem::forbidden(format!(
                "{what}：该小区位于{}{}，不在您的管辖范围（{}）内。",
                street.district().name(),
                street.name(),
                self.describe()
            )))
        }
    }
}
