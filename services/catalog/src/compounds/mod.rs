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
pub mod store;

use serde::{Deserialize, Serialize};
use shared::auth::{Identity, Role, Scope};
use shared::db::{new_id, now_ms};
use shared::domain::{
    Buildings, Coordinates, DistrictCode, DomainError, FloorArea, Households, StreetCode,
};
use shared::error::Problem;
use shared::feed::WriteTx;
use utoipa::ToSchema;

pub use input::{CompoundInput, FacilitiesInput, LocationInput, validate};
pub use store::{CompoundFilter, code_taken as code_in_use, fetch, fetch_by_codes, in_reach, list};

/// The feed topic of compound changes.
pub const TOPIC: &str = "compound";

/// Defines a closed set of ledger values with an English machine name (API, JSON, feed)
/// and the Chinese label ledgers use, plus `parse`, which accepts either (and aliases).
macro_rules! ledger_enum {
    (
        $(#[$meta:meta])*
        $name:ident {
            code: $code:literal,
            noun: $noun:literal,
            $( $(#[$vmeta:meta])* $variant:ident = $machine:literal / $label:literal $(| $alias:literal)* ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        // JSON, the OpenAPI schema and `parse` all come from `ALL` and `as_str`: one source
        // for the wire values (utoipa's derive cannot read a `#[serde(rename = $machine)]`
        // made by a macro, and documented the variant names instead).
        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Self::ALL.iter().copied().find(|v| v.as_str() == s).ok_or_else(|| {
                    let known: Vec<&str> = Self::ALL.iter().map(|v| v.as_str()).collect();
                    serde::de::Error::custom(format!(
                        "unknown value `{}`, expected one of: {}",
                        shared::domain::quoted(&s),
                        known.join(", ")
                    ))
                })
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                utoipa::openapi::schema::ObjectBuilder::new()
                    .schema_type(utoipa::openapi::schema::Type::String)
                    .description(Some(concat!($("`", $machine, "` ", $label, "; "),+).trim_end_matches("; ")))
                    .enum_values(Some(Self::ALL.iter().map(|v| v.as_str())))
                    .into()
            }
        }

        impl ToSchema for $name {}

        impl $name {
            /// Every value, in ledger order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The machine name used in JSON and query parameters.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $machine),+ }
            }

            /// The Chinese label used in ledgers and on pages.
            pub fn label_zh(self) -> &'static str {
                match self { $(Self::$variant => $label),+ }
            }

            /// Parses a machine name (any case) or a Chinese label; surrounding
            /// whitespace is ignored.
            pub fn parse(input: &str) -> Result<Self, DomainError> {
                let s = input.trim();
                $(
                    if s.eq_ignore_ascii_case($machine) || s == $label $(|| s == $alias)* {
                        return Ok(Self::$variant);
                    }
                )+
                Err(DomainError::new(
                    $code,
                    format!(
                        concat!($noun, "应为以下之一：{}"),
                        Self::ALL
                            .iter()
                            .map(|v| format!("{}（{}）", v.label_zh(), v.as_str()))
                            .collect::<Vec<_>>()
                            .join("、")
                    ),
                ))
            }
        }
    };
}

ledger_enum! {
    /// How a compound is managed now (管理方式).
    Management {
        code: "invalid_management",
        noun: "管理方式",
        /// 无物业: nobody manages it.
        None = "none" / "无物业" | "无",
        /// 自管: the owners or the community manage it themselves.
        SelfManaged = "self_managed" / "自管" | "自治管理" | "业主自管",
        /// 物业企业: a property service firm (物业服务企业).
        PropertyFirm = "property_firm" / "物业企业" | "物业公司" | "物业服务企业",
        /// 其他: any other arrangement.
        Other = "other" / "其他",
    }
}

ledger_enum! {
    /// The compound's self-governance body (自治组织), if it has one.
    GovernanceBody {
        code: "invalid_governance_body",
        noun: "自治组织",
        /// 无: none formed.
        None = "none" / "无",
        /// 业主委员会 (业委会): elected by the owners' assembly.
        OwnersCommittee = "owners_committee" / "业主委员会" | "业委会",
        /// 物业管理委员会 (物管会): set up where an owners' committee cannot be formed.
        PropertyManagementCommittee = "property_management_committee" / "物业管理委员会" | "物管会",
        /// 院委会: the courtyard committee of a small compound (院落).
        CourtyardCommittee = "courtyard_committee" / "院委会" | "院落自治委员会",
    }
}

/// A compound's facilities (配套设施).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
pub struct Facilities {
    /// 消防设施: fire-safety installations in working order.
    pub fire_safety: bool,
    /// 视频监控: video surveillance.
    pub video_surveillance: bool,
    /// 门禁: access control at the gates.
    pub access_control: bool,
    /// 垃圾分类投放点: garbage sorting points.
    pub garbage_sorting_points: u32,
    /// 停车位: parking spaces.
    pub parking_spaces: u32,
    /// 电梯: lifts.
    pub elevators: u32,
}

/// How dates are written everywhere: `YYYY-MM-DD`.
pub(crate) const DATE_FORMAT: time::format_description::StaticFormatDescription =
    time::macros::format_description!("[year]-[month]-[day]");

time::serde::format_description!(iso_date, Date, DATE_FORMAT);

/// Everything the ledger records about a compound, every field checked.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct CompoundFacts {
    /// The ledger's compound code (小区编码): unique, 1–40 of `A–Z a–z 0–9 - _`; the key
    /// by which a re-import finds the compound.
    #[schema(example = "JJ-0001", pattern = "^[A-Za-z0-9_-]{1,40}$")]
    pub code: String,
    /// 小区名称.
    pub name: String,
    /// 地址.
    pub address: String,
    /// 区县.
    pub district: DistrictCode,
    /// 街道（镇）; always one of `district`'s.
    pub street: StreetCode,
    /// 社区 (the community the compound belongs to).
    pub community: String,
    /// 经纬度 (WGS-84).
    pub location: Coordinates,
    /// 建成年份: 1900 to the current year.
    #[schema(minimum = 1900, example = 1995)]
    pub year_built: i32,
    /// 楼栋数.
    pub buildings: Buildings,
    /// 户数.
    pub households: Households,
    /// 建筑面积 in m².
    pub floor_area_m2: FloorArea,
    /// 管理方式.
    pub management: Management,
    /// 配套设施.
    pub facilities: Facilities,
    /// 自治组织.
    pub governance_body: GovernanceBody,
    /// The date the governance body was formed (`YYYY-MM-DD`); `null` exactly when
    /// `governance_body` is `none`.
    #[serde(with = "iso_date::option")]
    #[schema(value_type = Option<String>, format = Date, example = "2021-06-18")]
    pub governance_formed_on: Option<time::Date>,
    /// 符合条件、业主自愿: eligible and the owners willing; coverage counts against these.
    pub eligible_and_willing: bool,
    /// 老旧小区: an old compound.
    pub is_old: bool,
}

/// A compound: the API view and the payload of the `compound` feed topic.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Compound {
    /// UUIDv7.
    pub id: String,
    #[serde(flatten)]
    pub facts: CompoundFacts,
    /// When it was created (ms since the Unix epoch).
    pub created_at: i64,
    /// When it last changed (ms since the Unix epoch).
    pub updated_at: i64,
}

impl Compound {
    /// A new compound with a fresh id.
    pub fn new(facts: CompoundFacts) -> Self {
        let now = now_ms();
        Self {
            id: new_id(),
            facts,
            created_at: now,
            updated_at: now,
        }
    }

    /// This compound with new facts (same id and creation time).
    pub fn with_facts(&self, facts: CompoundFacts) -> Self {
        Self {
            id: self.id.clone(),
            facts,
            created_at: self.created_at,
            updated_at: now_ms().max(self.updated_at),
        }
    }
}

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
    /// The reach of an official (association staff, district or street official); 403 for
    /// every other role, or a token whose scope does not name a known district or street.
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
