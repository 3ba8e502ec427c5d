//! 区县 (county-level districts) and 街道（镇）(township-level streets and towns) of Chengdu,
//! checked against the reference data in `shared/data/`.

use std::fmt;
use std::str::FromStr;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize, Serializer};
use utoipa::ToSchema;
use utoipa::openapi::{RefOr, Schema};

use super::error::DomainError;
use super::geo::Coordinates;
use super::schema::StringSchema;

/// `code,name,kind,lon,lat`: Chengdu's 20 county-level divisions (GB/T 2260 codes).
const DISTRICTS_CSV: &str = include_str!("../../data/chengdu_districts.csv");
/// `code,name,district_code`: Chengdu's 261 streets and towns (statistical division codes).
const STREETS_CSV: &str = include_str!("../../data/chengdu_streets.csv");

/// What kind of county-level division a [`District`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum DistrictKind {
    /// 市辖区 (urban district), e.g. 锦江区.
    District,
    /// 县级市 (county-level city), e.g. 都江堰市.
    City,
    /// 县 (county), e.g. 金堂县.
    County,
}

impl DistrictKind {
    /// The machine name used in the reference data and in JSON: `district`, `city` or
    /// `county`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::District => "district",
            Self::City => "city",
            Self::County => "county",
        }
    }

    /// Parses a machine name as written by [`DistrictKind::as_str`].
    fn from_name(name: &str) -> Option<Self> {
        [Self::District, Self::City, Self::County]
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }

    /// The Chinese name of the kind: 市辖区, 县级市 or 县.
    pub fn label(self) -> &'static str {
        match self {
            Self::District => "市辖区",
            Self::City => "县级市",
            Self::County => "县",
        }
    }
}

/// A 区县代码 (county-level division code) of Chengdu: 6 digits naming one of the 20
/// divisions of the reference data, e.g. `510104` (锦江区).
///
/// Error codes: `invalid_district_code` (not 6 digits), `unknown_district_code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct DistrictCode(&'static str);

/// A 街道（镇）代码 (township-level division code) of Chengdu: 9 digits naming one of the
/// 261 streets and towns of the reference data, e.g. `510104017` (锦官驿街道). Its first six
/// digits are its district's code.
///
/// Error codes: `invalid_street_code` (not 9 digits), `unknown_street_code`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct StreetCode(&'static str);

/// One of Chengdu's 20 county-level divisions (区县).
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct District {
    /// 区县代码.
    pub code: DistrictCode,
    /// Name, e.g. 锦江区.
    pub name: &'static str,
    /// 市辖区, 县级市 or 县.
    pub kind: DistrictKind,
    /// Approximate position of the district government seat (not a centroid).
    pub seat: Coordinates,
}

/// One of Chengdu's 261 streets (街道) and towns (镇).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Street {
    /// 街道（镇）代码.
    pub code: StreetCode,
    /// Name, e.g. 锦官驿街道 or 三道堰镇.
    pub name: &'static str,
    /// The district the street belongs to.
    pub district: DistrictCode,
}

/// The parsed reference data, sorted by code.
struct Registry {
    districts: Vec<District>,
    streets: Vec<Street>,
}

static REGISTRY: LazyLock<Registry> = LazyLock::new(|| {
    Registry::load().unwrap_or_else(|problem| panic!("invalid embedded place data: {problem}"))
});

impl Registry {
    fn load() -> Result<Self, String> {
        let mut districts = rows(DISTRICTS_CSV, "code,name,kind,lon,lat")?
            .map(|fields| match fields.as_slice() {
                &[code, name, kind, lon, lat] => {
                    let kind = DistrictKind::from_name(kind)
                        .ok_or_else(|| format!("district {code}: unknown kind {kind:?}"))?;
                    let coordinate = |value: &str| {
                        value
                            .parse::<f64>()
                            .map_err(|error| format!("district {code}: {value:?}: {error}"))
                    };
                    let seat = Coordinates::new(coordinate(lon)?, coordinate(lat)?)
                        .map_err(|error| format!("district {code}: {error}"))?;
                    check_digits(code, 6)?;
                    Ok(District {
                        code: DistrictCode(code),
                        name,
                        kind,
                        seat,
                    })
                }
                _ => Err(format!("district row {fields:?} does not have 5 fields")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        districts.sort_by_key(|district| district.code);

        let mut streets = rows(STREETS_CSV, "code,name,district_code")?
            .map(|fields| match fields.as_slice() {
                &[code, name, district] => {
                    check_digits(code, 9)?;
                    if code.get(..6) != Some(district) {
                        return Err(format!("street {code} is filed under district {district}"));
                    }
                    Ok(Street {
                        code: StreetCode(code),
                        name,
                        district: DistrictCode(district),
                    })
                }
                _ => Err(format!("street row {fields:?} does not have 3 fields")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        streets.sort_by_key(|street| street.code);

        for street in &streets {
            if districts
                .binary_search_by_key(&street.district, |district| district.code)
                .is_err()
            {
                return Err(format!("street {} has an unknown district", street.code));
            }
        }
        if districts
            .windows(2)
            .any(|pair| pair[0].code == pair[1].code)
            || streets.windows(2).any(|pair| pair[0].code == pair[1].code)
        {
            return Err("duplicated code".to_owned());
        }
        Ok(Self { districts, streets })
    }
}

/// The comma-separated fields of each data row of `csv`, after checking its header.
fn rows(
    csv: &'static str,
    header: &str,
) -> Result<impl Iterator<Item = Vec<&'static str>>, String> {
    let mut lines = csv.lines().map(str::trim).filter(|line| !line.is_empty());
    match lines.next() {
        Some(first) if first == header => Ok(lines.map(|line| line.split(',').collect())),
        other => Err(format!("expected header {header:?}, found {other:?}")),
    }
}

fn check_digits(code: &str, length: usize) -> Result<(), String> {
    if is_digits(code, length) {
        Ok(())
    } else {
        Err(format!("{code:?} is not {length} digits"))
    }
}

fn is_digits(code: &str, length: usize) -> bool {
    code.len() == length && code.bytes().all(|b| b.is_ascii_digit())
}

/// All 20 county-level divisions of Chengdu, sorted by code.
pub fn districts() -> &'static [District] {
    &REGISTRY.districts
}

/// All 261 streets and towns of Chengdu, sorted by code.
pub fn streets() -> &'static [Street] {
    &REGISTRY.streets
}

/// The district with the given code (a `&str` or a [`DistrictCode`]), if there is one.
pub fn district(code: impl AsRef<str>) -> Option<&'static District> {
    let code = code.as_ref();
    let districts = districts();
    districts
        .binary_search_by(|district| district.code.0.cmp(code))
        .ok()
        .map(|index| &districts[index])
}

/// The street or town with the given code (a `&str` or a [`StreetCode`]), if there is one.
pub fn street(code: impl AsRef<str>) -> Option<&'static Street> {
    let code = code.as_ref();
    let streets = streets();
    streets
        .binary_search_by(|street| street.code.0.cmp(code))
        .ok()
        .map(|index| &streets[index])
}

/// The streets and towns of `district`, sorted by code.
pub fn streets_of(district: &DistrictCode) -> impl Iterator<Item = &'static Street> + use<> {
    let district = *district;
    streets()
        .iter()
        .filter(move |street| street.district == district)
}

impl DistrictCode {
    /// Parses a 6-digit code (surrounding whitespace is ignored) that must name a district of
    /// the reference data.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let code = input.trim();
        if !is_digits(code, 6) {
            return Err(DomainError::new(
                "invalid_district_code",
                "区县代码应为 6 位数字",
            ));
        }
        district(code).map(|district| district.code).ok_or_else(|| {
            DomainError::new("unknown_district_code", format!("未知的区县代码：{code}"))
        })
    }

    /// The 6 digits.
    pub fn as_str(&self) -> &'static str {
        self.0
    }

    /// The district this code names.
    pub fn details(&self) -> &'static District {
        district(self).expect("a DistrictCode always names a known district")
    }

    /// The district's name, e.g. 锦江区.
    pub fn name(&self) -> &'static str {
        self.details().name
    }
}

impl StreetCode {
    /// Parses a 9-digit code (surrounding whitespace is ignored) that must name a street or
    /// town of the reference data.
    pub fn parse(input: &str) -> Result<Self, DomainError> {
        let code = input.trim();
        if !is_digits(code, 9) {
            return Err(DomainError::new(
                "invalid_street_code",
                "街道（镇）代码应为 9 位数字",
            ));
        }
        street(code).map(|street| street.code).ok_or_else(|| {
            DomainError::new(
                "unknown_street_code",
                format!("未知的街道（镇）代码：{code}"),
            )
        })
    }

    /// The 9 digits.
    pub fn as_str(&self) -> &'static str {
        self.0
    }

    /// The district the street or town belongs to (its code's first six digits).
    pub fn district(&self) -> DistrictCode {
        DistrictCode(&self.0[..6])
    }

    /// The street or town this code names.
    pub fn details(&self) -> &'static Street {
        street(self).expect("a StreetCode always names a known street")
    }

    /// The street's or town's name, e.g. 锦官驿街道.
    pub fn name(&self) -> &'static str {
        self.details().name
    }
}

/// `Display`, `AsRef<str>`, `FromStr`, `TryFrom<String>`, `Serialize` and OpenAPI schema
/// of a code newtype.
macro_rules! code_impls {
    ($name:ident, $length:literal, $description:literal, $example:literal) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.0)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                self.0
            }
        }

        impl FromStr for $name {
            type Err = DomainError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = DomainError;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.0)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                StringSchema {
                    description: $description,
                    pattern: Some(concat!("^[0-9]{", $length, "}$")),
                    min_length: Some($length),
                    max_length: Some($length),
                    example: $example,
                }
                .build()
            }
        }

        impl ToSchema for $name {}
    };
}

code_impls!(DistrictCode, 6, "成都市区县代码（6 位）", "510104");
code_impls!(StreetCode, 9, "成都市街道（镇）代码（9 位）", "510104017");

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reference_data_has_20_districts_and_261_streets() {
        assert_eq!(districts().len(), 20);
        assert_eq!(streets().len(), 261);
        let count = |kind| districts().iter().filter(|d| d.kind == kind).count();
        assert_eq!(count(DistrictKind::District), 12);
        assert_eq!(count(DistrictKind::City), 5);
        assert_eq!(count(DistrictKind::County), 3);
    }

    #[test]
    fn every_street_belongs_to_an_existing_district() {
        for street in streets() {
            let district = district(street.district).expect("district exists");
            assert_eq!(street.code.district(), district.code);
        }
        let total: usize = districts()
            .iter()
            .map(|district| streets_of(&district.code).count())
            .sum();
        assert_eq!(total, 261);
    }

    #[test]
    fn looks_up_known_codes() {
        let jinjiang = DistrictCode::parse("510104").unwrap();
        assert_eq!(jinjiang.name(), "锦江区");
        assert_eq!(jinjiang.details().kind, DistrictKind::District);
        assert_eq!(
            jinjiang.details().seat,
            Coordinates::new(104.081, 30.658).unwrap()
        );
        assert_eq!(streets_of(&jinjiang).count(), 11);
        assert_eq!(district("510185").unwrap().name, "简阳市");
        assert_eq!(
            DistrictCode::parse(" 510121 ")
                .unwrap()
                .details()
                .kind
                .label(),
            "县"
        );

        let code = StreetCode::parse("510104017").unwrap();
        assert_eq!(code.name(), "锦官驿街道");
        assert_eq!(code.district(), jinjiang);
        assert_eq!(code.to_string(), "510104017");
        assert!(street("510104017").is_some());
        assert!(district("5101").is_none());
    }

    #[test]
    fn unknown_codes_are_refused_in_chinese() {
        let error = DistrictCode::parse("510199").unwrap_err();
        assert_eq!(error.code, "unknown_district_code");
        assert!(
            error.message.starts_with("未知的区县代码"),
            "{}",
            error.message
        );
        let error = StreetCode::parse("510104999").unwrap_err();
        assert_eq!(error.code, "unknown_street_code");
        assert!(
            error.message.starts_with("未知的街道（镇）代码"),
            "{}",
            error.message
        );
    }

    #[test]
    fn non_digits_are_refused() {
        for input in ["51010a", "", "5101040", "５１０１０４", "-51010"] {
            assert_eq!(
                DistrictCode::parse(input).unwrap_err().code,
                "invalid_district_code",
                "{input:?}"
            );
        }
        for input in ["51010401x", "510104", "5101040170"] {
            assert_eq!(
                StreetCode::parse(input).unwrap_err().code,
                "invalid_street_code",
                "{input:?}"
            );
        }
    }

    #[test]
    fn serde_goes_through_parse() {
        let code: DistrictCode = serde_json::from_str("\"510107\"").unwrap();
        assert_eq!(serde_json::to_string(&code).unwrap(), "\"510107\"");
        assert!(serde_json::from_str::<DistrictCode>("\"510199\"").is_err());
        assert!(serde_json::from_str::<StreetCode>("\"510104999\"").is_err());
        let street = serde_json::to_value(StreetCode::parse("510104017").unwrap().details());
        assert_eq!(
            street.unwrap(),
            serde_json::json!({"code": "510104017", "name": "锦官驿街道", "district": "510104"})
        );
        let district = serde_json::to_value(district("510181").unwrap()).unwrap();
        assert_eq!(district["kind"], "city");
        for kind in [
            DistrictKind::District,
            DistrictKind::City,
            DistrictKind::County,
        ] {
            assert_eq!(serde_json::to_value(kind).unwrap(), kind.as_str());
        }
        assert_eq!(district["seat"]["lon"], 103.628);
    }

    proptest! {
        #[test]
        fn six_digit_codes_parse_iff_known(code in "[0-9]{6}") {
            let known = districts().iter().any(|d| d.code.as_str() == code);
            prop_assert_eq!(DistrictCode::parse(&code).is_ok(), known);
        }

        #[test]
        fn known_street_codes_round_trip(street in proptest::sample::select(streets())) {
            let parsed = StreetCode::parse(street.code.as_str()).unwrap();
            prop_assert_eq!(parsed, street.code);
            prop_assert_eq!(parsed.details(), &street);
            prop_assert!(streets_of(&parsed.district()).any(|s| s.code == parsed));
        }

        #[test]
        fn nearby_street_codes_parse_iff_known(
            suffix in 0u32..1000,
            district in proptest::sample::select(districts()),
        ) {
            let code = format!("{}{suffix:03}", district.code);
            let known = streets().iter().any(|s| s.code.as_str() == code);
            prop_assert_eq!(StreetCode::parse(&code).is_ok(), known);
        }
    }
}
