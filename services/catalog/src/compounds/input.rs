//! The raw compound form and its validation: one function checks a JSON body and a
//! ledger row alike and reports every bad field at once.

use serde::Deserialize;
use shared::domain::{
    Buildings, Coordinates, DistrictCode, DomainError, FloorArea, Households, StreetCode,
};
use shared::error::{FieldError, Validation};
use time::macros::date;
use utoipa::ToSchema;

use shared::domain::compound::{
    CompoundFacts, DATE_FORMAT, Facilities, GovernanceBody, Management,
};

/// A compound as clients send it (`POST` and `PUT /catalog/compounds…`). Every field is
/// optional on the wire so that a missing one is reported as `required` together with
/// every other problem, rather than failing the whole body.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
pub struct CompoundInput {
    /// 小区编码: 1–40 of `A–Z a–z 0–9 - _`, unique.
    #[schema(example = "JJ-0001")]
    pub code: Option<String>,
    /// 小区名称 (1–100 characters).
    #[schema(example = "锦官驿小区")]
    pub name: Option<String>,
    /// 地址 (1–200 characters).
    #[schema(example = "锦江区水津街 12 号")]
    pub address: Option<String>,
    /// 区县代码 (6 digits).
    #[schema(example = "510104")]
    pub district: Option<String>,
    /// 街道（镇）代码 (9 digits), a street of `district`.
    #[schema(example = "510104017")]
    pub street: Option<String>,
    /// 社区 (1–100 characters).
    #[schema(example = "水井坊社区")]
    pub community: Option<String>,
    /// 经纬度 inside China.
    pub location: Option<LocationInput>,
    /// 建成年份 (1900 to this year).
    #[schema(example = 1995)]
    pub year_built: Option<i64>,
    /// 楼栋数 (1–1000).
    #[schema(example = 6)]
    pub buildings: Option<i64>,
    /// 户数 (1–100000).
    #[schema(example = 480)]
    pub households: Option<i64>,
    /// 建筑面积 in whole m² (1–10000000).
    #[schema(example = 42000)]
    pub floor_area_m2: Option<i64>,
    /// 管理方式: `none`, `self_managed`, `property_firm`, `other` (or the Chinese label).
    #[schema(example = "none")]
    pub management: Option<String>,
    pub facilities: Option<FacilitiesInput>,
    /// 自治组织: `none`, `owners_committee`, `property_management_committee`,
    /// `courtyard_committee` (or the Chinese label).
    #[schema(example = "owners_committee")]
    pub governance_body: Option<String>,
    /// `YYYY-MM-DD`; required unless `governance_body` is `none`, and then absent.
    #[schema(example = "2021-06-18")]
    pub governance_formed_on: Option<String>,
    /// 符合条件、业主自愿.
    pub eligible_and_willing: Option<bool>,
    /// 老旧小区 (default `true`).
    pub is_old: Option<bool>,
}

/// 经纬度 as sent.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
pub struct LocationInput {
    #[schema(example = 104.083)]
    pub lon: Option<f64>,
    #[schema(example = 30.652)]
    pub lat: Option<f64>,
}

/// 配套设施 as sent; every item required.
#[derive(Debug, Clone, Copy, Default, Deserialize, ToSchema)]
pub struct FacilitiesInput {
    pub fire_safety: Option<bool>,
    pub video_surveillance: Option<bool>,
    pub access_control: Option<bool>,
    /// 0–10000.
    pub garbage_sorting_points: Option<i64>,
    /// 0–1000000.
    pub parking_spaces: Option<i64>,
    /// 0–10000.
    pub elevators: Option<i64>,
}

/// Largest accepted count of garbage sorting points and of lifts.
const MAX_POINTS: i64 = 10_000;
/// Largest accepted count of parking spaces.
const MAX_PARKING: i64 = 1_000_000;
/// The earliest year built the ledger accepts.
const FIRST_YEAR: i64 = 1900;

/// Today in China (UTC+8), the reference for "this year" and "not in the future".
pub(crate) use shared::clock::china_today as today;

/// Checks a compound form; on failure every field error at once, named by API field
/// (`households`, `location`, `facilities.parking_spaces`, …).
pub fn validate(input: &CompoundInput) -> Result<CompoundFacts, Vec<FieldError>> {
    let mut v = Validation::new();
    let code = required(&mut v, "code", input.code.as_deref())
        .and_then(|s| v.field("code", parse_code(s)));
    let name = text(&mut v, "name", input.name.as_deref(), 100, "小区名称");
    let address = text(&mut v, "address", input.address.as_deref(), 200, "地址");
    let district = required(&mut v, "district", input.district.as_deref())
        .and_then(|s| v.field("district", DistrictCode::parse(s)));
    let street = required(&mut v, "street", input.street.as_deref())
        .and_then(|s| v.field("street", StreetCode::parse(s)));
    if let (Some(d), Some(s)) = (district, street)
        && s.district() != d
    {
        v.push(FieldError::new(
            "street",
            "street_not_in_district",
            format!(
                "{}（{}）不属于{}（{}）",
                s.name(),
                s.as_str(),
                d.name(),
                d.as_str()
            ),
        ));
    }
    let community = text(&mut v, "community", input.community.as_deref(), 100, "社区");
    let location = match input.location {
        None => missing(&mut v, "location"),
        Some(LocationInput { lon, lat }) => {
            let lon = required(&mut v, "location.lon", lon.as_ref());
            let lat = required(&mut v, "location.lat", lat.as_ref());
            match (lon, lat) {
                (Some(lon), Some(lat)) => v.field("location", Coordinates::new(*lon, *lat)),
                _ => None,
            }
        }
    };
    let year_built = required(&mut v, "year_built", input.year_built.as_ref())
        .and_then(|y| v.field("year_built", parse_year(*y)));
    let buildings = required(&mut v, "buildings", input.buildings.as_ref())
        .and_then(|n| v.field("buildings", Buildings::try_from(*n)));
    let households = required(&mut v, "households", input.households.as_ref())
        .and_then(|n| v.field("households", Households::try_from(*n)));
    let floor_area_m2 = required(&mut v, "floor_area_m2", input.floor_area_m2.as_ref())
        .and_then(|n| v.field("floor_area_m2", FloorArea::try_from(*n)));
    let management = required(&mut v, "management", input.management.as_deref())
        .and_then(|s| v.field("management", Management::parse(s)));
    let facilities = match &input.facilities {
        None => missing(&mut v, "facilities"),
        Some(f) => facilities(&mut v, f),
    };
    let governance_body = required(&mut v, "governance_body", input.governance_body.as_deref())
        .and_then(|s| v.field("governance_body", GovernanceBody::parse(s)));
    let formed_on = input
        .governance_formed_on
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty());
    let governance_formed_on = match (governance_body, formed_on) {
        (Some(GovernanceBody::None), None) | (None, None) => Some(None),
        (Some(GovernanceBody::None), Some(_)) => {
            v.push(FieldError::new(
                "governance_formed_on",
                "unexpected",
                "未成立自治组织时不应填写成立日期",
            ));
            None
        }
        (Some(_), None) => {
            v.push(FieldError::new(
                "governance_formed_on",
                "required",
                "已成立自治组织的，须填写成立日期",
            ));
            None
        }
        (_, Some(s)) => v.field("governance_formed_on", parse_date(s)).map(Some),
    };
    let eligible_and_willing = required(
        &mut v,
        "eligible_and_willing",
        input.eligible_and_willing.as_ref(),
    )
    .copied();
    let is_old = input.is_old.unwrap_or(true);

    if let Err(problem) = v.finish() {
        return Err(problem.errors);
    }
    // Every field parsed, or `finish` would have failed.
    match (
        code,
        name,
        address,
        district,
        street,
        community,
        location,
        year_built,
        buildings,
        households,
        floor_area_m2,
        management,
        facilities,
        governance_body,
        governance_formed_on,
        eligible_and_willing,
    ) {
        (
            Some(code),
            Some(name),
            Some(address),
            Some(district),
            Some(street),
            Some(community),
            Some(location),
            Some(year_built),
            Some(buildings),
            Some(households),
            Some(floor_area_m2),
            Some(management),
            Some(facilities),
            Some(governance_body),
            Some(governance_formed_on),
            Some(eligible_and_willing),
        ) => Ok(CompoundFacts {
            code,
            name,
            address,
            district,
            street,
            community,
            location,
            year_built,
            buildings,
            households,
            floor_area_m2,
            management,
            facilities,
            governance_body,
            governance_formed_on,
            eligible_and_willing,
            is_old,
        }),
        _ => Err(vec![FieldError::new(
            "compound",
            "invalid",
            "小区信息不完整",
        )]),
    }
}

fn missing<T>(v: &mut Validation, field: &str) -> Option<T> {
    v.push(FieldError::new(field, "required", "此项必填"));
    None
}

/// The value, or a `required` error. Blank strings count as missing.
fn required<'a, T: ?Sized + IsBlank>(
    v: &mut Validation,
    field: &str,
    value: Option<&'a T>,
) -> Option<&'a T> {
    match value {
        Some(x) if !x.is_blank() => Some(x),
        _ => missing(v, field),
    }
}

/// Whether a value counts as not given.
trait IsBlank {
    fn is_blank(&self) -> bool {
        false
    }
}
impl IsBlank for str {
    fn is_blank(&self) -> bool {
        self.trim().is_empty()
    }
}
impl IsBlank for i64 {}
impl IsBlank for f64 {}
impl IsBlank for bool {}

/// A required free text, trimmed, at most `max` characters.
fn text(
    v: &mut Validation,
    field: &str,
    value: Option<&str>,
    max: usize,
    noun: &str,
) -> Option<String> {
    let s = required(v, field, value)?.trim();
    if s.chars().count() > max {
        v.push(FieldError::new(
            field,
            "too_long",
            format!("{noun}不能超过 {max} 个字符"),
        ));
        return None;
    }
    Some(s.to_string())
}

/// The ledger's compound code: 1–40 of `A–Z a–z 0–9 - _`.
pub(crate) fn parse_code(input: &str) -> Result<String, DomainError> {
    let s = input.trim();
    let ok = (1..=40).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(s.to_string())
    } else {
        Err(DomainError::new(
            "invalid_compound_code",
            "小区编码应为 1–40 位字母、数字、连字符（-）或下划线（_）",
        ))
    }
}

fn parse_year(year: i64) -> Result<i32, DomainError> {
    let this_year = i64::from(today().year());
    if (FIRST_YEAR..=this_year).contains(&year) {
        Ok(year as i32)
    } else {
        Err(DomainError::new(
            "invalid_year_built",
            format!("建成年份应在 {FIRST_YEAR} 至 {this_year} 年之间"),
        ))
    }
}

/// A `YYYY-MM-DD` date between 1900-01-01 and today.
pub(crate) fn parse_date(input: &str) -> Result<time::Date, DomainError> {
    let date = time::Date::parse(input.trim(), DATE_FORMAT).map_err(|_| {
        DomainError::new(
            "invalid_date",
            "日期格式应为 YYYY-MM-DD（如 2021-06-18），且须是有效日期",
        )
    })?;
    if date < date!(1900 - 01 - 01) || date > today() {
        return Err(DomainError::new(
            "invalid_date",
            "成立日期应在 1900-01-01 至今天之间",
        ));
    }
    Ok(date)
}

fn count(v: &mut Validation, field: &str, value: Option<i64>, max: i64, noun: &str) -> Option<u32> {
    let n = *required(v, field, value.as_ref())?;
    if n < 0 {
        v.push(FieldError::new(
            field,
            "invalid_count",
            format!("{noun}不能为负数"),
        ));
        None
    } else if n > max {
        v.push(FieldError::new(
            field,
            "invalid_count",
            format!("{noun}不能超过 {max}"),
        ));
        None
    } else {
        u32::try_from(n).ok()
    }
}

fn facilities(v: &mut Validation, f: &FacilitiesInput) -> Option<Facilities> {
    let fire_safety = required(v, "facilities.fire_safety", f.fire_safety.as_ref()).copied();
    let video_surveillance = required(
        v,
        "facilities.video_surveillance",
        f.video_surveillance.as_ref(),
    )
    .copied();
    let access_control =
        required(v, "facilities.access_control", f.access_control.as_ref()).copied();
    let garbage_sorting_points = count(
        v,
        "facilities.garbage_sorting_points",
        f.garbage_sorting_points,
        MAX_POINTS,
        "垃圾分类投放点数",
    );
    let parking_spaces = count(
        v,
        "facilities.parking_spaces",
        f.parking_spaces,
        MAX_PARKING,
        "停车位数",
    );
    let elevators = count(v, "facilities.elevators", f.elevators, MAX_POINTS, "电梯数");
    Some(Facilities {
        fire_safety: fire_safety?,
        video_surveillance: video_surveillance?,
        access_control: access_control?,
        garbage_sorting_points: garbage_sorting_points?,
        parking_spaces: parking_spaces?,
        elevators: elevators?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) fn valid() -> CompoundInput {
        CompoundInput {
            code: Some("JJ-0001".into()),
            name: Some(" 锦官驿小区 ".into()),
            address: Some("水津街 12 号".into()),
            district: Some("510104".into()),
            street: Some("510104017".into()),
            community: Some("水井坊社区".into()),
            location: Some(LocationInput {
                lon: Some(104.083),
                lat: Some(30.652),
            }),
            year_built: Some(1995),
            buildings: Some(6),
            households: Some(480),
            floor_area_m2: Some(42_000),
            management: Some("无物业".into()),
            facilities: Some(FacilitiesInput {
                fire_safety: Some(true),
                video_surveillance: Some(false),
                access_control: Some(false),
                garbage_sorting_points: Some(2),
                parking_spaces: Some(40),
                elevators: Some(0),
            }),
            governance_body: Some("owners_committee".into()),
            governance_formed_on: Some("2021-06-18".into()),
            eligible_and_willing: Some(true),
            is_old: None,
        }
    }

    #[test]
    fn a_valid_form_becomes_facts() {
        let facts = validate(&valid()).unwrap();
        assert_eq!(facts.name, "锦官驿小区");
        assert_eq!(facts.management, Management::None);
        assert_eq!(facts.governance_body, GovernanceBody::OwnersCommittee);
        assert_eq!(facts.governance_formed_on, Some(date!(2021 - 06 - 18)));
        assert!(facts.is_old, "is_old defaults to true");
        let json = serde_json::to_value(&facts).unwrap();
        assert_eq!(json["governance_formed_on"], "2021-06-18");
        assert_eq!(json["district"], "510104");
        assert_eq!(json["location"]["lon"], 104.083);
    }

    #[test]
    fn every_bad_field_is_reported_at_once() {
        let mut input = valid();
        input.code = Some("JJ 0001".into());
        input.households = Some(-3);
        input.street = Some("510105002".into()); // 草市街街道 of 青羊区
        input.location = Some(LocationInput {
            lon: Some(0.0),
            lat: Some(0.0),
        });
        input.year_built = Some(1800);
        input.management = Some("托管".into());
        input.facilities.as_mut().unwrap().parking_spaces = Some(-1);
        input.facilities.as_mut().unwrap().elevators = None;
        input.governance_formed_on = None;
        input.name = None;
        let errors = validate(&input).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "code",
            "name",
            "street",
            "location",
            "year_built",
            "households",
            "management",
            "facilities.parking_spaces",
            "facilities.elevators",
            "governance_formed_on",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
        let street = errors.iter().find(|e| e.field == "street").unwrap();
        assert_eq!(street.code, "street_not_in_district");
        assert!(
            street.message.contains("不属于锦江区"),
            "{}",
            street.message
        );
    }

    #[test]
    fn governance_date_goes_with_a_body() {
        let mut input = valid();
        input.governance_body = Some("无".into());
        let e = validate(&input).unwrap_err();
        assert_eq!(e[0].field, "governance_formed_on");
        assert_eq!(e[0].code, "unexpected");
        input.governance_formed_on = None;
        assert_eq!(validate(&input).unwrap().governance_formed_on, None);
        input.governance_body = Some("院委会".into());
        input.governance_formed_on = Some("2999-01-01".into());
        assert_eq!(validate(&input).unwrap_err()[0].code, "invalid_date");
        input.governance_formed_on = Some("2021-02-30".into());
        assert_eq!(validate(&input).unwrap_err()[0].code, "invalid_date");
    }

    #[test]
    fn codes() {
        assert!(parse_code("A_b-9").is_ok());
        assert!(parse_code(&"x".repeat(40)).is_ok());
        assert!(parse_code(&"x".repeat(41)).is_err());
        assert!(parse_code("").is_err());
        assert!(parse_code("小区1").is_err());
    }
}
