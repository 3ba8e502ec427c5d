//! Counts and areas of a residential compound: 户数, 建筑面积, 楼栋数.

use std::fmt;

use serde::{Deserialize, Serialize, Serializer};
use utoipa::openapi::schema::KnownFormat;
use utoipa::openapi::{RefOr, Schema};

use super::error::DomainError;
use super::schema::IntegerSchema;

/// Defines a positive integer newtype bounded by `1..=MAX`, serialised as a bare integer.
macro_rules! bounded_count {
    (
        $(#[$meta:meta])*
        $name:ident($inner:ty) {
            max: $max:expr,
            code: $code:literal,
            noun: $noun:literal,
            unit: $unit:literal,
            example: $example:literal,
            format: $format:ident $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
        #[serde(try_from = "i64")]
        pub struct $name($inner);

        impl $name {
            /// Smallest accepted value.
            pub const MIN: $inner = 1;
            /// Largest accepted value.
            pub const MAX: $inner = $max;

            #[doc = concat!("Checks that `value` lies in `1..=", stringify!($max), "`.")]
            pub fn new(value: $inner) -> Result<Self, DomainError> {
                if value < Self::MIN {
                    Err(Self::not_positive())
                } else if value > Self::MAX {
                    Err(Self::too_large())
                } else {
                    Ok(Self(value))
                }
            }

            /// The number itself.
            pub fn get(self) -> $inner {
                self.0
            }

            fn not_positive() -> DomainError {
                DomainError::new($code, concat!($noun, "必须大于 0"))
            }

            fn too_large() -> DomainError {
                DomainError::new(
                    $code,
                    format!(concat!($noun, "不能超过 {} ", $unit), Self::MAX),
                )
            }
        }

        impl TryFrom<i64> for $name {
            type Error = DomainError;

            /// Accepts any integer so that negative input gets the Chinese message too.
            fn try_from(value: i64) -> Result<Self, Self::Error> {
                if value < 1 {
                    return Err(Self::not_positive());
                }
                <$inner>::try_from(value).map_err(|_| Self::too_large()).and_then(Self::new)
            }
        }

        impl From<$name> for $inner {
            fn from(value: $name) -> Self {
                value.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, concat!("{} ", $unit), self.0)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                self.0.serialize(serializer)
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                IntegerSchema {
                    description: concat!($noun, "（单位：", $unit, "）"),
                    format: KnownFormat::$format,
                    minimum: i64::try_from(Self::MIN).ok(),
                    maximum: i64::try_from(Self::MAX).ok(),
                    example: $example,
                }
                .build()
            }
        }

        impl utoipa::ToSchema for $name {}
    };
}

bounded_count! {
    /// 户数: number of households (dwelling units) of a compound or building, 1–100 000.
    ///
    /// Error code: `invalid_households`.
    Households(u32) {
        max: 100_000,
        code: "invalid_households",
        noun: "户数",
        unit: "户",
        example: 480,
        format: Int32,
    }
}

bounded_count! {
    /// 建筑面积: gross floor area in whole square metres, 1–10 000 000 m².
    ///
    /// Error code: `invalid_floor_area`.
    FloorArea(u64) {
        max: 10_000_000,
        code: "invalid_floor_area",
        noun: "建筑面积",
        unit: "平方米",
        example: 42_000,
        format: Int64,
    }
}

bounded_count! {
    /// 楼栋数: number of buildings of a compound, 1–1 000.
    ///
    /// Error code: `invalid_buildings`.
    Buildings(u32) {
        max: 1_000,
        code: "invalid_buildings",
        noun: "楼栋数",
        unit: "栋",
        example: 12,
        format: Int32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_values_in_range() {
        assert_eq!(Households::new(1).unwrap().get(), 1);
        assert_eq!(Households::new(100_000).unwrap().get(), 100_000);
        assert_eq!(FloorArea::new(10_000_000).unwrap().get(), 10_000_000);
        assert_eq!(Buildings::new(1_000).unwrap().get(), 1_000);
    }

    #[test]
    fn zero_and_negative_are_refused_in_chinese() {
        let error = Households::new(0).unwrap_err();
        assert_eq!(error.code, "invalid_households");
        assert_eq!(error.message, "户数必须大于 0");
        assert_eq!(
            Households::try_from(-5).unwrap_err().message,
            "户数必须大于 0"
        );
        assert_eq!(
            FloorArea::try_from(-1).unwrap_err().message,
            "建筑面积必须大于 0"
        );
        assert_eq!(Buildings::new(0).unwrap_err().message, "楼栋数必须大于 0");
    }

    #[test]
    fn too_large_is_refused_in_chinese() {
        assert_eq!(
            Households::new(100_001).unwrap_err().message,
            "户数不能超过 100000 户"
        );
        assert_eq!(
            FloorArea::new(10_000_001).unwrap_err().message,
            "建筑面积不能超过 10000000 平方米"
        );
        assert_eq!(
            Buildings::try_from(i64::MAX).unwrap_err().code,
            "invalid_buildings"
        );
    }

    #[test]
    fn display_has_the_unit() {
        assert_eq!(Households::new(480).unwrap().to_string(), "480 户");
        assert_eq!(FloorArea::new(42_000).unwrap().to_string(), "42000 平方米");
        assert_eq!(Buildings::new(12).unwrap().to_string(), "12 栋");
    }

    #[test]
    fn serde_uses_bare_integers_and_validates() {
        let households: Households = serde_json::from_str("480").unwrap();
        assert_eq!(serde_json::to_string(&households).unwrap(), "480");
        let error = serde_json::from_str::<Households>("-3").unwrap_err();
        assert!(error.to_string().contains("户数必须大于 0"), "{error}");
        assert!(serde_json::from_str::<FloorArea>("0").is_err());
        assert!(serde_json::from_str::<Buildings>("\"12\"").is_err());
    }

    proptest! {
        #[test]
        fn households_accept_exactly_their_range(value in any::<i64>()) {
            let ok = (1..=100_000).contains(&value);
            prop_assert_eq!(Households::try_from(value).is_ok(), ok);
        }

        #[test]
        fn floor_area_accepts_exactly_its_range(value in -20_000_000i64..20_000_000) {
            let ok = (1..=10_000_000).contains(&value);
            prop_assert_eq!(FloorArea::try_from(value).is_ok(), ok);
        }

        #[test]
        fn buildings_round_trip_through_json(value in 1u32..=1_000) {
            let buildings = Buildings::new(value).unwrap();
            let json = serde_json::to_string(&buildings).unwrap();
            prop_assert_eq!(&json, &value.to_string());
            prop_assert_eq!(serde_json::from_str::<Buildings>(&json).unwrap(), buildings);
        }
    }
}
