//! Chengdu's districts (区县) and streets (镇街道), embedded from the project's reference data,
//! used to name places in explanations and to seat synthetic data.

use std::collections::HashMap;
use std::sync::OnceLock;

const DISTRICTS_CSV: &str = include_str!("../../shared/data/chengdu_districts.csv");
const STREETS_CSV: &str = include_str!("../../shared/data/chengdu_streets.csv");

/// A district with the approximate coordinates of its government seat.
#[derive(Debug, Clone, PartialEq)]
pub struct DistrictSeat {
    /// 6-digit GB/T 2260 code.
    pub code: &'static str,
    /// Chinese name, e.g. 锦江区.
    pub name: &'static str,
    /// Longitude of the seat.
    pub lon: f64,
    /// Latitude of the seat.
    pub lat: f64,
}

/// A street or town under a district.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreetPlace {
    /// 9-digit statistical code.
    pub code: &'static str,
    /// Chinese name, e.g. 春熙路街道.
    pub name: &'static str,
    /// Parent district code.
    pub district_code: &'static str,
}

struct Places {
    districts: Vec<DistrictSeat>,
    streets: Vec<StreetPlace>,
    names: HashMap<&'static str, &'static str>,
}

fn places() -> &'static Places {
    static PLACES: OnceLock<Places> = OnceLock::new();
    PLACES.get_or_init(|| {
        let districts: Vec<DistrictSeat> = DISTRICTS_CSV
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                let f: Vec<&'static str> = line.split(',').collect();
                DistrictSeat {
                    code: f[0],
                    name: f[1],
                    lon: f[3].trim().parse().expect("district longitude"),
                    lat: f[4].trim().parse().expect("district latitude"),
                }
            })
            .collect();
        let streets: Vec<StreetPlace> = STREETS_CSV
            .lines()
            .skip(1)
            .filter(|l| !l.trim().is_empty())
            .map(|line| {
                let f: Vec<&'static str> = line.split(',').collect();
                StreetPlace {
                    code: f[0],
                    name: f[1],
                    district_code: f[2].trim(),
                }
            })
            .collect();
        let names = districts
            .iter()
            .map(|d| (d.code, d.name))
            .chain(streets.iter().map(|s| (s.code, s.name)))
            .collect();
        Places {
            districts,
            streets,
            names,
        }
    })
}

/// Chengdu's 20 districts with their seats.
pub fn districts() -> &'static [DistrictSeat] {
    &places().districts
}

/// Chengdu's 261 streets and towns.
pub fn streets() -> &'static [StreetPlace] {
    &places().streets
}

/// The Chinese name of a district or street code, if it is one of Chengdu's.
pub fn place_name(code: &str) -> Option<&'static str> {
    places().names.get(code).copied()
}

/// A place for explanations: its name if known, else its code.
pub(crate) fn place_label(code: &str) -> String {
    place_name(code).map_or_else(|| code.to_string(), str::to_string)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_reference_data_parses() {
        assert_eq!(districts().len(), 20);
        assert_eq!(streets().len(), 261);
        assert_eq!(place_name("510104"), Some("锦江区"));
        assert_eq!(place_name("510104022"), Some("春熙路街道"));
        assert_eq!(place_label("999999"), "999999");
        assert!(
            streets()
                .iter()
                .all(|s| districts().iter().any(|d| d.code == s.district_code))
        );
    }
}
