//! Compounds (小区/院落) and the districts' old-compound ledger (老旧小区台账).
//!
//! A compound is the place a service arrangement is for: its address and place in the
//! district → street (镇街道) → community (社区) hierarchy, its size, how it is managed
//! now, its facilities, its self-governance body (自治组织) and whether it is eligible and
//! its owners willing (符合条件、业主自愿), which is what coverage is counted against.
//!
//! - [`CompoundFacts`] is the validated record (every field a checked value);
//!   [`Compound`] adds the id and timestamps. The same [`Compound`] is the API view and
//!   the payload of the `compound` topic of the change feed.
//! - [`CompoundInput`] is the raw form clients send; [`validate`] turns it into facts,
//!   reporting every bad field at once. The ledger import ([`ledger`]) maps each
//!   spreadsheet row to the same input, so a row and a form are checked by one function.
//! - [`Reach`] is the part of the city an official keeps the ledger for (管辖范围).

mod input;
pub mod ledger;
mod reach;
pub mod store;

use shared::error::Problem;
use shared::feed::WriteTx;

pub use input::{CompoundInput, FacilitiesInput, LocationInput, validate};
pub use reach::Reach;
/// The compound record is the payload of the `compound` feed topic, so it is defined in the
/// kernel, the language the services publish to each other.
pub use shared::domain::compound::{
    Compound, CompoundFacts, Facilities, GovernanceBody, Management,
};
pub use store::{CompoundFilter, code_taken as code_in_use, fetch, fetch_by_codes, in_reach, list};

/// The feed topic of compound changes.
pub const TOPIC: &str = shared::events::catalog::COMPOUND;

/// The fields a compound's committee (scope: that compound) may change: its facilities
/// and its governance body. Everything else is the officials' ledger.
pub const COMMITTEE_FIELDS: &[&str] = &["facilities", "governance_body", "governance_formed_on"];

/// The top-level fields whose values differ between two records, by API name.
pub fn changed_fields(old: &CompoundFacts, new: &CompoundFacts) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut check = |changed: bool, name: &'static str| {
        if changed {
            out.push(name);
        }
    };
    check(old.code != new.code, "code");
    check(old.name != new.name, "name");
    check(old.address != new.address, "address");
    check(old.district != new.district, "district");
    check(old.street != new.street, "street");
    check(old.community != new.community, "community");
    check(old.location != new.location, "location");
    check(old.year_built != new.year_built, "year_built");
    check(old.buildings != new.buildings, "buildings");
    check(old.households != new.households, "households");
    check(old.floor_area_m2 != new.floor_area_m2, "floor_area_m2");
    check(old.management != new.management, "management");
    check(old.facilities != new.facilities, "facilities");
    check(
        old.governance_body != new.governance_body,
        "governance_body",
    );
    check(
        old.governance_formed_on != new.governance_formed_on,
        "governance_formed_on",
    );
    check(
        old.eligible_and_willing != new.eligible_and_willing,
        "eligible_and_willing",
    );
    check(old.is_old != new.is_old, "is_old");
    out
}

/// Writes one new or changed compound and its feed change in the caller's transaction.
pub async fn save(tx: &mut WriteTx, compound: &Compound, created: bool) -> anyhow::Result<()> {
    store::upsert(tx.conn(), std::slice::from_ref(compound)).await?;
    tx.emit(
        TOPIC,
        &compound.id,
        if created { "created" } else { "updated" },
        compound,
    )
    .await?;
    Ok(())
}

/// The 409 answer for a compound code another compound already has.
pub fn code_taken(code: &str) -> Problem {
    Problem::conflict(
        "compound_code_taken",
        format!("小区编码 {code} 已被其他小区使用。"),
    )
    .with_errors(vec![shared::error::FieldError::new(
        "code",
        "compound_code_taken",
        format!("小区编码 {code} 已被其他小区使用"),
    )])
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::domain::{DistrictCode, StreetCode};

    #[test]
    fn ledger_enums_parse_machine_names_labels_and_aliases() {
        assert_eq!(Management::parse("无物业").unwrap(), Management::None);
        assert_eq!(
            Management::parse(" PROPERTY_FIRM ").unwrap(),
            Management::PropertyFirm
        );
        assert_eq!(
            Management::parse("物业公司").unwrap(),
            Management::PropertyFirm
        );
        let e = Management::parse("托管").unwrap_err();
        assert_eq!(e.code, "invalid_management");
        assert!(e.message.contains("无物业（none）"), "{}", e.message);
        assert_eq!(
            GovernanceBody::parse("业委会").unwrap(),
            GovernanceBody::OwnersCommittee
        );
        for g in GovernanceBody::ALL {
            assert_eq!(GovernanceBody::parse(g.label_zh()).unwrap(), *g);
            assert_eq!(GovernanceBody::parse(g.as_str()).unwrap(), *g);
            assert_eq!(serde_json::to_value(g).unwrap(), g.as_str());
        }
    }

    #[test]
    fn reach_covers_its_area() {
        let jinguanyi = StreetCode::parse("510104017").unwrap();
        let caoshijie = StreetCode::parse("510105002").unwrap();
        let jinjiang = DistrictCode::parse("510104").unwrap();
        assert!(Reach::City.covers(caoshijie));
        assert!(Reach::District(jinjiang).covers(jinguanyi));
        assert!(!Reach::District(jinjiang).covers(caoshijie));
        assert!(Reach::Street(jinguanyi).covers(jinguanyi));
        assert!(!Reach::Street(jinguanyi).covers(caoshijie));
        assert_eq!(Reach::Street(jinguanyi).describe(), "锦官驿街道");
        let refusal = Reach::Street(jinguanyi)
            .require(caoshijie, "无权修改")
            .unwrap_err();
        assert_eq!(refusal.status, 403);
        assert!(refusal.detail.unwrap().contains("青羊区草市街街道"));
    }
}
