//! 经纬度坐标 (WGS-84 coordinates) inside China.

use std::fmt;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::error::DomainError;

/// Mean Earth radius in kilometres (IUGG).
const EARTH_RADIUS_KM: f64 = 6371.0088;
/// Longitude range of China's bounding box, in degrees.
const LON_RANGE: std::ops::RangeInclusive<f64> = 73.4..=135.1;
/// Latitude range of China's bounding box, in degrees.
const LAT_RANGE: std::ops::RangeInclusive<f64> = 3.8..=53.6;

/// A point given by 经纬度 (longitude and latitude) in WGS-84 degrees, inside the bounding box
/// of China (longitude 73.4–135.1 °E, latitude 3.8–53.6 °N).
///
/// Serialises as `{"lon": 104.066, "lat": 30.657}`; deserialisation is checked by
/// [`Coordinates::new`]. Error codes: `invalid_coordinates` (not a finite number),
/// `coordinates_out_of_range` (outside China).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(try_from = "RawCoordinates")]
#[schema(example = json!({"lon": 104.066, "lat": 30.657}))]
pub struct Coordinates {
    /// 经度 (longitude), degrees east.
    #[schema(minimum = 73.4, maximum = 135.1)]
    lon: f64,
    /// 纬度 (latitude), degrees north.
    #[schema(minimum = 3.8, maximum = 53.6)]
    lat: f64,
}

/// Unchecked wire form of [`Coordinates`].
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCoordinates {
    lon: f64,
    lat: f64,
}

impl TryFrom<RawCoordinates> for Coordinates {
    type Error = DomainError;

    fn try_from(raw: RawCoordinates) -> Result<Self, Self::Error> {
        Self::new(raw.lon, raw.lat)
    }
}

impl Coordinates {
    /// Checks that `lon`/`lat` are finite and inside China's bounding box.
    pub fn new(lon: f64, lat: f64) -> Result<Self, DomainError> {
        if !lon.is_finite() || !lat.is_finite() {
            return Err(DomainError::new(
                "invalid_coordinates",
                "经纬度必须是有效的数值",
            ));
        }
        if !LON_RANGE.contains(&lon) || !LAT_RANGE.contains(&lat) {
            return Err(DomainError::new(
                "coordinates_out_of_range",
                "坐标不在中国境内（经度应在 73.4 至 135.1 之间，纬度应在 3.8 至 53.6 之间）",
            ));
        }
        Ok(Self { lon, lat })
    }

    /// 经度 (longitude) in degrees east.
    pub fn lon(&self) -> f64 {
        self.lon
    }

    /// 纬度 (latitude) in degrees north.
    pub fn lat(&self) -> f64 {
        self.lat
    }

    /// Great-circle distance to `other` in kilometres (haversine formula on a sphere of
    /// radius 6371.0088 km).
    pub fn distance_km(&self, other: &Coordinates) -> f64 {
        let (lat1, lat2) = (self.lat.to_radians(), other.lat.to_radians());
        let half_dlat = (lat2 - lat1) / 2.0;
        let half_dlon = (other.lon - self.lon).to_radians() / 2.0;
        let h = half_dlat.sin().powi(2) + lat1.cos() * lat2.cos() * half_dlon.sin().powi(2);
        2.0 * EARTH_RADIUS_KM * h.sqrt().min(1.0).asin()
    }
}

impl fmt::Display for Coordinates {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.6}, {:.6}", self.lon, self.lat)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn chengdu_is_valid() {
        let chengdu = Coordinates::new(104.066, 30.657).unwrap();
        assert_eq!(chengdu.lon(), 104.066);
        assert_eq!(chengdu.lat(), 30.657);
        assert_eq!(chengdu.to_string(), "104.066000, 30.657000");
    }

    #[test]
    fn null_island_is_refused() {
        let error = Coordinates::new(0.0, 0.0).unwrap_err();
        assert_eq!(error.code, "coordinates_out_of_range");
        assert!(error.message.contains("中国"));
    }

    #[test]
    fn non_finite_values_are_refused() {
        for (lon, lat) in [
            (f64::NAN, 30.0),
            (104.0, f64::NAN),
            (f64::INFINITY, 30.0),
            (104.0, f64::NEG_INFINITY),
        ] {
            assert_eq!(
                Coordinates::new(lon, lat).unwrap_err().code,
                "invalid_coordinates"
            );
        }
    }

    #[test]
    fn bounding_box_edges_are_inclusive() {
        assert!(Coordinates::new(73.4, 3.8).is_ok());
        assert!(Coordinates::new(135.1, 53.6).is_ok());
        assert!(Coordinates::new(73.39, 30.0).is_err());
        assert!(Coordinates::new(104.0, 53.61).is_err());
    }

    #[test]
    fn jinjiang_to_shuangliu_is_about_17_6_km() {
        let jinjiang = Coordinates::new(104.081, 30.658).unwrap();
        let shuangliu = Coordinates::new(103.923, 30.574).unwrap();
        let distance = jinjiang.distance_km(&shuangliu);
        assert!((distance - 17.6).abs() <= 0.5, "{distance}");
    }

    #[test]
    fn serde_round_trip_and_validation() {
        let chengdu = Coordinates::new(104.066, 30.657).unwrap();
        let json = serde_json::to_string(&chengdu).unwrap();
        assert_eq!(json, r#"{"lon":104.066,"lat":30.657}"#);
        assert_eq!(serde_json::from_str::<Coordinates>(&json).unwrap(), chengdu);
        assert!(serde_json::from_str::<Coordinates>(r#"{"lon":0.0,"lat":0.0}"#).is_err());
        assert!(serde_json::from_str::<Coordinates>(r#"{"lon":104.0}"#).is_err());
    }

    fn coordinates() -> impl Strategy<Value = Coordinates> {
        (LON_RANGE, LAT_RANGE).prop_map(|(lon, lat)| Coordinates::new(lon, lat).unwrap())
    }

    proptest! {
        #[test]
        fn distance_is_symmetric_and_non_negative(a in coordinates(), b in coordinates()) {
            let ab = a.distance_km(&b);
            prop_assert!(ab >= 0.0);
            prop_assert!((ab - b.distance_km(&a)).abs() < 1e-9);
            prop_assert!(a.distance_km(&a).abs() < 1e-9);
        }

        #[test]
        fn distance_obeys_the_triangle_inequality(
            a in coordinates(),
            b in coordinates(),
            c in coordinates(),
        ) {
            prop_assert!(a.distance_km(&c) <= a.distance_km(&b) + b.distance_km(&c) + 1e-6);
        }

        #[test]
        fn new_accepts_exactly_the_bounding_box(lon in -180.0..180.0f64, lat in -90.0..90.0f64) {
            let inside = LON_RANGE.contains(&lon) && LAT_RANGE.contains(&lat);
            prop_assert_eq!(Coordinates::new(lon, lat).is_ok(), inside);
        }
    }
}
