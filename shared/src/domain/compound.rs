//! A compound (小区/院落) as the catalog's ledger records it: the catalog's API view and the
//! payload of its `compound` feed topic, which tender and matching decode. Its closed sets of
//! ledger values ([`Management`], [`GovernanceBody`]) write their JSON and schema from one
//! table of machine names and Chinese labels.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::DomainError;
use super::geo::Coordinates;
use super::measure::{Buildings, FloorArea, Households};
use super::place::{DistrictCode, StreetCode};
use crate::clock::now_ms;
use crate::db::new_id;

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
                        super::error::quoted(&s),
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
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
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
pub const DATE_FORMAT: time::format_description::StaticFormatDescription =
    time::macros::format_description!("[year]-[month]-[day]");

time::serde::format_description!(iso_date, Date, DATE_FORMAT);

/// Everything the ledger records about a compound, every field checked.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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
    #[serde(deserialize_with = "district_code")]
    pub district: DistrictCode,
    /// 街道（镇）; always one of `district`'s.
    #[serde(deserialize_with = "street_code")]
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
    #[serde(
        serialize_with = "iso_date::option::serialize",
        deserialize_with = "optional_date"
    )]
    #[schema(value_type = Option<String>, format = Date, example = "2021-06-18")]
    pub governance_formed_on: Option<time::Date>,
    /// 符合条件、业主自愿: eligible and the owners willing; coverage counts against these.
    pub eligible_and_willing: bool,
    /// 老旧小区: an old compound.
    pub is_old: bool,
}

/// A compound: the API view and the payload of the `compound` feed topic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
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

/// Deserialises a district code through [`DistrictCode::parse`] (its own derive borrows for
/// `'static`, which a payload read from the feed cannot offer).
fn district_code<'de, D: serde::Deserializer<'de>>(d: D) -> Result<DistrictCode, D::Error> {
    DistrictCode::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
}

fn street_code<'de, D: serde::Deserializer<'de>>(d: D) -> Result<StreetCode, D::Error> {
    StreetCode::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
}

/// An optional `YYYY-MM-DD` date. (Read through `Option<String>`: inside the flattened
/// [`Compound`] serde hands `null` over as a unit, which `time`'s own option reader refuses.)
fn optional_date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<time::Date>, D::Error> {
    Option::<String>::deserialize(d)?
        .map(|s| time::Date::parse(&s, DATE_FORMAT).map_err(serde::de::Error::custom))
        .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// The payload reads back into the same JSON it was read from (a wire contract both ways).
    #[test]
    fn the_payload_round_trips() {
        for formed in [json!(null), json!("2021-06-18")] {
            let body = if formed.is_null() {
                "none"
            } else {
                "owners_committee"
            };
            let p = json!({
                "id": "c1", "code": "JJ-0001", "name": "望江小区", "address": "锦江区望江路 1 号",
                "district": "510104", "street": "510104017", "community": "望江社区",
                "location": {"lon": 104.08, "lat": 30.64}, "year_built": 1995, "buildings": 6,
                "households": 320, "floor_area_m2": 28000, "management": "property_firm",
                "facilities": {"fire_safety": true, "video_surveillance": false, "access_control": false,
                    "garbage_sorting_points": 2, "parking_spaces": 10, "elevators": 0},
                "governance_body": body, "governance_formed_on": formed,
                "eligible_and_willing": true, "is_old": true, "created_at": 1, "updated_at": 2,
            });
            let c: Compound = serde_json::from_value(p.clone()).unwrap();
            assert_eq!(c.facts.management, Management::PropertyFirm);
            assert_eq!(serde_json::to_value(&c).unwrap(), p);
        }
    }
}
