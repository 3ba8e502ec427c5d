//! Tender's replica of catalog data: reading the firms and compounds kept from the catalog's
//! feed by [`crate::follow`].

use serde_json::Value;
use shared::domain::Coordinates;
use sqlx::{AnyConnection, Row};

/// A firm as tender knows it from the catalog's feed.
#[derive(Debug, Clone)]
pub struct FirmCopy {
    pub id: String,
    pub name: String,
    pub location: Option<Coordinates>,
    pub service_radius_km: f64,
    pub districts_served: Vec<String>,
    pub service_models: Vec<String>,
    pub fee_models: Vec<String>,
    pub grades: Vec<i64>,
    pub capacity_households: i64,
    pub households_served: i64,
    /// The catalog's whole snapshot (roster standing, credit, …).
    pub payload: Value,
}

impl FirmCopy {
    /// Households it can still take on.
    pub fn capacity_left(&self) -> i64 {
        self.capacity_households
            .saturating_sub(self.households_served)
    }
}

/// A compound as tender knows it from the catalog's feed.
#[derive(Debug, Clone)]
pub struct CompoundCopy {
    pub id: String,
    pub name: String,
    pub district_code: String,
    pub street_code: Option<String>,
    pub location: Option<Coordinates>,
    pub households: i64,
    pub floor_area_m2: i64,
}

fn json_list<T: serde::de::DeserializeOwned>(s: &str) -> Vec<T> {
    serde_json::from_str(s).unwrap_or_default()
}

fn coordinates(lon: Option<f64>, lat: Option<f64>) -> Option<Coordinates> {
    Coordinates::new(lon?, lat?).ok()
}

/// The copied firm, if tender has heard of it.
pub async fn firm(conn: &mut AnyConnection, id: &str) -> Result<Option<FirmCopy>, sqlx::Error> {
    let Some(r) = sqlx::query(
        "SELECT id, name, lon, lat, service_radius_km, districts_served, service_models, fee_models, \
         grades, capacity_households, households_served, payload FROM catalog_firm WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    let text = |k: &str| -> Result<String, sqlx::Error> { r.try_get::<String, _>(k) };
    Ok(Some(FirmCopy {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        location: coordinates(r.try_get("lon")?, r.try_get("lat")?),
        service_radius_km: r.try_get("service_radius_km")?,
        districts_served: json_list(&text("districts_served")?),
        service_models: json_list(&text("service_models")?),
        fee_models: json_list(&text("fee_models")?),
        grades: json_list(&text("grades")?),
        capacity_households: r.try_get("capacity_households")?,
        households_served: r.try_get("households_served")?,
        payload: serde_json::from_str(&text("payload")?).unwrap_or(Value::Null),
    }))
}

/// The copied compound, if tender has heard of it.
pub async fn compound(
    conn: &mut AnyConnection,
    id: &str,
) -> Result<Option<CompoundCopy>, sqlx::Error> {
    let Some(r) = sqlx::query(
        "SELECT id, name, district_code, street_code, lon, lat, households, floor_area_m2 \
         FROM catalog_compound WHERE id = $1",
    )
    .bind(id)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(CompoundCopy {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        district_code: r.try_get("district_code")?,
        street_code: r.try_get("street_code")?,
        location: coordinates(r.try_get("lon")?, r.try_get("lat")?),
        households: r.try_get("households")?,
        floor_area_m2: r.try_get("floor_area_m2")?,
    }))
}

impl FirmCopy {
    /// A firm from a catalog snapshot (a feed payload, or the catalog's own answer), read
    /// with the same mapping as the follower uses.
    pub fn from_payload(id: &str, payload: Value) -> Self {
        let c = crate::follow::FirmColumns::from_payload(&payload);
        Self {
            id: id.to_string(),
            name: c.name,
            location: coordinates(c.lon, c.lat),
            service_radius_km: c.service_radius_km,
            districts_served: c.districts_served,
            service_models: c.service_models,
            fee_models: c.fee_models,
            grades: c.grades,
            capacity_households: c.capacity_households,
            households_served: c.households_served,
            payload,
        }
    }
}
