//! Small hand-made documents for the unit tests.

use crate::docs::{CompoundDoc, FirmDoc, TenderDoc};

/// 春熙路街道, 锦江区.
pub const STREET: &str = "510104022";
/// 锦江区.
pub const DISTRICT: &str = "510104";

/// A recommended professional firm in 锦江区 serving it, with a 5 km radius.
pub fn firm(id: &str, lon: f64, lat: f64) -> FirmDoc {
    FirmDoc {
        id: id.into(),
        name: format!("测试物业{id}"),
        profile: String::new(),
        district_code: DISTRICT.into(),
        street_code: Some(STREET.into()),
        lon,
        lat,
        districts_served: vec![DISTRICT.into()],
        service_radius_km: 5.0,
        service_models: vec!["professional".into()],
        fee_models: vec!["lump_sum".into()],
        grades: vec![1, 2, 3],
        recommended: true,
        capacity_left: 1000,
        credit_score: 80,
        satisfaction: Some(0.8),
        whitelisted: false,
        soe: false,
        low_profit: false,
        old_compound_experience: 0,
    }
}

/// An eligible, uncovered compound of 200 households in 春熙路街道.
pub fn compound(id: &str, lon: f64, lat: f64) -> CompoundDoc {
    CompoundDoc {
        id: id.into(),
        name: format!("测试小区{id}"),
        address: format!("锦江区春熙路{id}号"),
        district_code: DISTRICT.into(),
        street_code: STREET.into(),
        lon,
        lat,
        households: 200,
        floor_area_m2: 15_000.0,
        management: "none".into(),
        covered: false,
        eligible: true,
    }
}

/// An open tender of a 200-household compound in 春熙路街道 asking for professional service,
/// lump-sum fees, grade 2.
pub fn tender(id: &str, lon: f64, lat: f64) -> TenderDoc {
    TenderDoc {
        id: id.into(),
        compound_id: format!("c-{id}"),
        compound_name: format!("测试院落{id}"),
        needs: String::new(),
        district_code: DISTRICT.into(),
        street_code: STREET.into(),
        lon,
        lat,
        households: 200,
        floor_area_m2: 15_000.0,
        service_model: "professional".into(),
        fee_model: "lump_sum".into(),
        grade: 2,
        budget_fen_per_m2_month: 150,
        open: true,
    }
}

/// The point `east_km` east and `north_km` north of 104.08, 30.655 (near 春熙路).
pub fn offset(east_km: f64, north_km: f64) -> (f64, f64) {
    let lat0: f64 = 30.655;
    let lat = lat0 + north_km / 111.195;
    let lon = 104.08 + east_km / (111.195 * lat0.to_radians().cos());
    (lon, lat)
}
