//! Attention lists for officials (需要关注的企业和小区): firms under key supervision
//! (重点监管) and compounds whose contracted firm is blacklisted (黑名单), both decided on
//! a given day from the catalog's dated standing record, never from a stored flag.
//!
//! - A firm is **under supervision** on D when `standing_record.effective(D)` is
//!   `suspended`. It concerns an official when it has a live contract in their area, or it
//!   serves their district (`districts_served`); association staff and city officials
//!   see every one.
//! - A contract is **live** on D when it is `active` (not terminated) and its term has not
//!   ended (`end_date ≥ D`), including one that has not started yet: the plan asks for a
//!   blacklisted firm's live contracts to be ended, so they are listed before they begin.
//!   A compound is listed when its live contract's firm is `blacklisted` on D and the
//!   compound lies in the official's area (compounds matching has not heard of yet are
//!   listed to association staff and city officials only).
//! - Requests to inspect (查阅) of the area's compounds still unanswered, open or overdue
//!   on D (`crate::inspections`).
//! - Compounds whose service fund (酬金制, 信托制) is in deficit for months running or pools
//!   no common revenue, by the fund's latest month (`crate::funds`).

use std::collections::HashMap;

use serde::Serialize;
use shared::auth::{Identity, Role, Scope};
use shared::domain::roster::{Date, RosterStanding, StandingRecord, format_date};
use shared::domain::{DistrictCode, StreetCode};
use shared::error::Problem;
use sqlx::{AnyConnection, Row};
use utoipa::ToSchema;

use crate::coverage::Area;
use crate::funds::{self, FundFlag};
use crate::inspections::{self, Pending};

/// The area an official looks after (管辖范围): association staff and city officials the
/// city, a district
/// official their district, a street official their street. 403 for every other role, or a
/// scope that does not name a known district or street.
pub fn official_area(identity: &Identity) -> Result<Area, Problem> {
    identity.require_any(&[
        Role::Association,
        Role::CityOfficial,
        Role::DistrictOfficial,
        Role::StreetOfficial,
    ])?;
    let bad_scope = || Problem::forbidden("账号的管辖范围无效，请联系管理员。");
    match (identity.role, &identity.scope) {
        (Role::Association, _) | (Role::CityOfficial, Scope::City) => Ok(Area::City),
        (Role::DistrictOfficial, Scope::District(code)) => DistrictCode::parse(code)
            .map(Area::District)
            .map_err(|_| bad_scope()),
        (Role::StreetOfficial, Scope::Street(code)) => StreetCode::parse(code)
            .map(Area::Street)
            .map_err(|_| bad_scope()),
        _ => Err(bad_scope()),
    }
}

/// A live contract, with where its compound is.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct LiveContract {
    pub contract_id: String,
    pub compound_id: String,
    /// `null` when matching has not heard of the compound.
    pub compound_name: Option<String>,
    pub district_code: Option<String>,
    pub street_code: Option<String>,
    /// `YYYY-MM-DD`.
    pub start_date: String,
    /// Last day of the term, `YYYY-MM-DD`.
    pub end_date: String,
}

/// A firm under key supervision (重点监管).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SupervisedFirm {
    pub firm_id: String,
    pub firm_name: String,
    /// The rectification deadline (整改期限), `YYYY-MM-DD`.
    pub rectify_by: Option<String>,
    /// The deadline has passed without the firm being restored.
    pub rectification_overdue: bool,
    pub districts_served: Vec<String>,
    /// Its live contracts in the caller's area.
    pub contracts: Vec<LiveContract>,
}

/// A compound whose contracted firm is blacklisted: the owners should be guided to end the
/// contract (引导业主依法解除合同).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CompoundWithBlacklistedFirm {
    #[serde(flatten)]
    pub contract: LiveContract,
    pub firm_id: String,
    pub firm_name: String,
    /// First day of the blacklisting, `YYYY-MM-DD`.
    pub blacklist_from: Option<String>,
    /// Last day (inclusive); `null` = permanent.
    pub blacklist_to: Option<String>,
    pub blacklist_reason: Option<String>,
}

/// The lists for an area on a day.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Lists {
    pub firms_under_supervision: Vec<SupervisedFirm>,
    pub compounds_with_blacklisted_firm: Vec<CompoundWithBlacklistedFirm>,
    pub inspection_requests: Pending,
    /// Compounds whose service fund is flagged (in deficit, or pooling no common revenue).
    pub funds_flagged: Vec<FundFlag>,
}

struct FirmRow {
    id: String,
    name: String,
    districts_served: Vec<String>,
    record: StandingRecord,
}

fn in_area(area: &Area, c: &LiveContract) -> bool {
    match (&c.district_code, &c.street_code) {
        (Some(d), Some(s)) => area.contains(d, s),
        _ => *area == Area::City,
    }
}

/// The lists for `area` on `day`.
pub async fn lists(conn: &mut AnyConnection, area: &Area, day: Date) -> Result<Lists, sqlx::Error> {
    let firms: Vec<FirmRow> = sqlx::query(
        "SELECT id, name, districts_served, standing_record FROM catalog_firm ORDER BY name, id",
    )
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|r| {
        Ok(FirmRow {
            id: r.try_get("id")?,
            name: r.try_get("name")?,
            districts_served: serde_json::from_str(&r.try_get::<String, _>("districts_served")?)
                .unwrap_or_default(),
            // Unreadable: an applicant, on no list.
            record: serde_json::from_str(&r.try_get::<String, _>("standing_record")?)
                .unwrap_or_else(|_| StandingRecord::applicant()),
        })
    })
    .collect::<Result<_, sqlx::Error>>()?;

    let mut live: HashMap<String, Vec<LiveContract>> = HashMap::new();
    let rows = sqlx::query(
        "SELECT k.id, k.compound_id, k.firm_id, k.start_date, k.end_date, c.name, c.district_code, c.street_code \
         FROM tender_contract k LEFT JOIN catalog_compound c ON c.id = k.compound_id \
         WHERE k.status = 'active' AND k.end_date >= $1 ORDER BY c.street_code, c.name, k.start_date, k.id",
    )
    .bind(format_date(day))
    .fetch_all(&mut *conn)
    .await?;
    for r in rows {
        let contract = LiveContract {
            contract_id: r.try_get("id")?,
            compound_id: r.try_get("compound_id")?,
            compound_name: r.try_get("name")?,
            district_code: r.try_get("district_code")?,
            street_code: r.try_get("street_code")?,
            start_date: r.try_get("start_date")?,
            end_date: r.try_get("end_date")?,
        };
        if in_area(area, &contract) {
            live.entry(r.try_get("firm_id")?)
                .or_default()
                .push(contract);
        }
    }

    let district = match area {
        Area::City => None,
        Area::District(d) => Some(d.as_str()),
        Area::Street(s) => Some(s.district().as_str()),
    };
    let mut out = Lists {
        firms_under_supervision: Vec::new(),
        compounds_with_blacklisted_firm: Vec::new(),
        inspection_requests: inspections::pending(conn, area, day).await?,
        funds_flagged: funds::flagged(conn, area, None).await?,
    };
    for firm in &firms {
        let contracts = live.get(&firm.id).cloned().unwrap_or_default();
        match firm.record.effective(day) {
            RosterStanding::Suspended => {
                let concerns = district
                    .is_none_or(|d| firm.districts_served.iter().any(|s| s == d))
                    || !contracts.is_empty();
                if concerns {
                    out.firms_under_supervision.push(SupervisedFirm {
                        firm_id: firm.id.clone(),
                        firm_name: firm.name.clone(),
                        rectify_by: firm.record.rectify_by.map(format_date),
                        rectification_overdue: firm.record.rectification_overdue(day),
                        districts_served: firm.districts_served.clone(),
                        contracts,
                    });
                }
            }
            RosterStanding::Blacklisted => {
                for contract in contracts {
                    out.compounds_with_blacklisted_firm
                        .push(CompoundWithBlacklistedFirm {
                            contract,
                            firm_id: firm.id.clone(),
                            firm_name: firm.name.clone(),
                            blacklist_from: firm.record.blacklist_from.map(format_date),
                            blacklist_to: firm.record.blacklist_to.map(format_date),
                            blacklist_reason: firm.record.blacklist_reason.clone(),
                        });
                }
            }
            _ => {}
        }
    }
    out.compounds_with_blacklisted_firm.sort_by(|a, b| {
        (
            &a.contract.street_code,
            &a.contract.compound_name,
            &a.contract.contract_id,
        )
            .cmp(&(
                &b.contract.street_code,
                &b.contract.compound_name,
                &b.contract.contract_id,
            ))
    });
    Ok(out)
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
    fn only_officials_have_an_area() {
        assert_eq!(
            official_area(&who(Role::Association, Scope::City)).unwrap(),
            Area::City
        );
        assert_eq!(
            official_area(&who(Role::CityOfficial, Scope::City)).unwrap(),
            Area::City
        );
        assert_eq!(
            official_area(&who(
                Role::DistrictOfficial,
                Scope::District("510104".into())
            ))
            .unwrap(),
            Area::District(DistrictCode::parse("510104").unwrap())
        );
        assert_eq!(
            official_area(&who(
                Role::StreetOfficial,
                Scope::Street("510104017".into())
            ))
            .unwrap(),
            Area::Street(StreetCode::parse("510104017").unwrap())
        );
        for refused in [
            who(Role::Committee, Scope::Compound("c".into())),
            who(Role::Firm, Scope::Firm("f".into())),
            who(Role::Service, Scope::City),
            who(Role::CityOfficial, Scope::District("510104".into())),
            who(Role::DistrictOfficial, Scope::District("999999".into())),
            who(Role::StreetOfficial, Scope::District("510104".into())),
        ] {
            assert_eq!(official_area(&refused).unwrap_err().status, 403);
        }
    }
}
