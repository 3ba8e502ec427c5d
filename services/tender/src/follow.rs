//! Following the catalog's change feed into tender's own tables.
//!
//! Each `firm` and `compound` change is decoded once into the part of the catalog's
//! published payloads tender relies on (`shared::events::catalog::FirmOffer`,
//! `CompoundSite`); [`FirmColumns::of`] and [`CompoundColumns::of`] map them into the
//! columns tender queries, and the whole snapshot is kept as `payload`
//! (the roster standing is read from it by [`crate::roster`]). Both *fail closed*: a
//! missing field offers nothing (no models, no capacity, no place), and a payload that does
//! not decode at all removes tender's copy of that firm or compound (a firm tender does not
//! know cannot bid); either is logged, so a surprise in the catalog's payload can never let
//! a firm bid, nor stop the follower.

use futures::future::BoxFuture;
use serde::Deserialize;
use serde_json::Value;
use shared::clock::now_ms;
use shared::events::catalog::{self, CompoundSite, FirmOffer};
use shared::events::{decode, is_removal};
use shared::feed::{Apply, Change};
use sqlx::AnyConnection;

/// Applies catalog changes to tender's replica of catalog data, and the catalog's session
/// facts to tender's tables (so a signed-out token is refused here too, by every replica).
pub struct CatalogFollower;

impl Apply for CatalogFollower {
    fn apply<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        change: &'a Change,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            match change.topic.as_str() {
                catalog::FIRM => apply_firm(conn, change).await?,
                catalog::COMPOUND => apply_compound(conn, change).await?,
                catalog::SESSION => {
                    shared::session::apply(conn, change).await?;
                }
                // Places go to the shared copy; topics tender does not keep are skipped
                // and the cursor still moves past them.
                _ => {
                    shared::follow::apply_place(conn, change).await?;
                }
            }
            Ok(())
        })
    }
}

/// The columns of `catalog_firm`, from a `firm` payload.
#[derive(Debug, Clone, PartialEq)]
pub struct FirmColumns {
    pub name: String,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub service_radius_km: f64,
    pub districts_served: Vec<String>,
    pub service_models: Vec<String>,
    pub fee_models: Vec<String>,
    pub grades: Vec<i64>,
    pub capacity_households: i64,
    pub households_served: i64,
}

impl FirmColumns {
    /// The columns of a firm's offer as the catalog publishes it.
    pub fn of(f: FirmOffer) -> Self {
        Self {
            name: f.name,
            lon: f.location.map(|p| p.lon),
            lat: f.location.map(|p| p.lat),
            service_radius_km: f.service_radius_km,
            districts_served: f.districts_served,
            service_models: f.service_models,
            fee_models: f.fee_models,
            grades: f.grades,
            capacity_households: f.capacity_households,
            households_served: f.households_served,
        }
    }

    /// The columns of a `firm` payload, decoded once as the catalog's [`FirmOffer`]; a
    /// payload that does not decode fails closed (and is logged).
    pub fn from_payload(p: &Value) -> Self {
        Self::of(FirmOffer::deserialize(p).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "firm payload unreadable; read failing closed");
            FirmOffer::nothing()
        }))
    }
}

/// The columns of `catalog_compound`, from a `compound` payload.
#[derive(Debug, Clone, PartialEq)]
pub struct CompoundColumns {
    pub code: Option<String>,
    pub name: String,
    pub district_code: String,
    pub street_code: Option<String>,
    pub lon: Option<f64>,
    pub lat: Option<f64>,
    pub households: i64,
    pub floor_area_m2: i64,
}

impl CompoundColumns {
    /// The columns of a compound's site as the catalog publishes it.
    pub fn of(c: CompoundSite) -> Self {
        Self {
            code: c.code,
            name: c.name,
            district_code: c.district,
            street_code: c.street,
            lon: c.location.map(|p| p.lon),
            lat: c.location.map(|p| p.lat),
            households: c.households,
            floor_area_m2: c.floor_area_m2,
        }
    }
}

/// Removes tender's copy of an entity (a removal at the source, or a payload tender cannot
/// read: a firm or compound it cannot read is one it does not know, which fails closed).
async fn remove(conn: &mut AnyConnection, table: &str, change: &Change) -> anyhow::Result<()> {
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DELETE FROM {table} WHERE id = $1 AND seq < $2"
    )))
    .bind(&change.entity_id)
    .bind(change.seq)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn apply_firm(conn: &mut AnyConnection, change: &Change) -> anyhow::Result<()> {
    if is_removal(change) {
        return remove(conn, "catalog_firm", change).await;
    }
    let c = match decode::<FirmOffer>(change) {
        Ok(f) => FirmColumns::of(f),
        Err(e) => {
            tracing::warn!(seq = change.seq, firm = %change.entity_id, error = %e,
                "firm change unreadable; tender's copy removed (fails closed)");
            return remove(conn, "catalog_firm", change).await;
        }
    };
    if c.name.is_empty() || c.lon.is_none() || c.service_models.is_empty() {
        tracing::warn!(seq = change.seq, firm = %change.entity_id, "firm change lacks expected fields; stored failing closed");
    }
    sqlx::query(
        "INSERT INTO catalog_firm (id, name, lon, lat, service_radius_km, districts_served, service_models, \
         fee_models, grades, capacity_households, households_served, payload, seq, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) \
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, lon = excluded.lon, lat = excluded.lat, \
         service_radius_km = excluded.service_radius_km, districts_served = excluded.districts_served, \
         service_models = excluded.service_models, fee_models = excluded.fee_models, grades = excluded.grades, \
         capacity_households = excluded.capacity_households, households_served = excluded.households_served, \
         payload = excluded.payload, seq = excluded.seq, updated_at = excluded.updated_at \
         WHERE catalog_firm.seq < excluded.seq",
    )
    .bind(&change.entity_id)
    .bind(&c.name)
    .bind(c.lon)
    .bind(c.lat)
    .bind(c.service_radius_km)
    .bind(serde_json::to_string(&c.districts_served)?)
    .bind(serde_json::to_string(&c.service_models)?)
    .bind(serde_json::to_string(&c.fee_models)?)
    .bind(serde_json::to_string(&c.grades)?)
    .bind(c.capacity_households)
    .bind(c.households_served)
    .bind(serde_json::to_string(&change.payload)?)
    .bind(change.seq)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn apply_compound(conn: &mut AnyConnection, change: &Change) -> anyhow::Result<()> {
    if is_removal(change) {
        return remove(conn, "catalog_compound", change).await;
    }
    let c = match decode::<CompoundSite>(change) {
        Ok(c) => CompoundColumns::of(c),
        Err(e) => {
            tracing::warn!(seq = change.seq, compound = %change.entity_id, error = %e,
                "compound change unreadable; tender's copy removed");
            return remove(conn, "catalog_compound", change).await;
        }
    };
    if c.name.is_empty() || c.district_code.is_empty() || c.households == 0 {
        tracing::warn!(seq = change.seq, compound = %change.entity_id, "compound change lacks expected fields");
    }
    sqlx::query(
        "INSERT INTO catalog_compound (id, code, name, district_code, street_code, lon, lat, households, \
         floor_area_m2, payload, seq, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
         ON CONFLICT (id) DO UPDATE SET code = excluded.code, name = excluded.name, \
         district_code = excluded.district_code, street_code = excluded.street_code, lon = excluded.lon, \
         lat = excluded.lat, households = excluded.households, floor_area_m2 = excluded.floor_area_m2, \
         payload = excluded.payload, seq = excluded.seq, updated_at = excluded.updated_at \
         WHERE catalog_compound.seq < excluded.seq",
    )
    .bind(&change.entity_id)
    .bind(&c.code)
    .bind(&c.name)
    .bind(&c.district_code)
    .bind(&c.street_code)
    .bind(c.lon)
    .bind(c.lat)
    .bind(c.households)
    .bind(c.floor_area_m2)
    .bind(serde_json::to_string(&change.payload)?)
    .bind(change.seq)
    .bind(now_ms())
    .execute(&mut *conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn firm_payload_maps_to_columns() {
        let c = FirmColumns::from_payload(&json!({
            "id": "f1", "name": "锦江物业", "location": {"lon": 104.08, "lat": 30.65},
            "districts_served": ["510104"], "service_radius_km": 5.5,
            "service_models": ["professional"], "fee_models": ["lump_sum", "trust"],
            "grades": [2, 3], "capacity_households": 5000, "households_served": 1200,
        }));
        assert_eq!(c.name, "锦江物业");
        assert_eq!((c.lon, c.lat), (Some(104.08), Some(30.65)));
        assert_eq!(c.districts_served, vec!["510104"]);
        assert_eq!(c.fee_models, vec!["lump_sum", "trust"]);
        assert_eq!(c.grades, vec![2, 3]);
        assert_eq!(c.capacity_households - c.households_served, 3800);
    }

    #[test]
    fn a_thin_firm_payload_fails_closed() {
        let c = FirmColumns::from_payload(&json!({"id": "f1"}));
        assert!(c.service_models.is_empty() && c.grades.is_empty());
        assert!(c.capacity_households - c.households_served < 0);
    }

    /// Places travel as codes (the catalog's `Compound`); the object form an old reader
    /// also accepted was never published and is refused.
    #[test]
    fn compound_places_are_codes() {
        let mut p = json!({
            "id": "c1", "code": "JJ-0001", "name": "望江小区", "address": "锦江区望江路 1 号",
            "district": "510104", "street": "510104017", "community": "望江社区",
            "location": {"lon": 104.08, "lat": 30.64}, "year_built": 1995, "buildings": 6,
            "households": 320, "floor_area_m2": 28000, "management": "none",
            "facilities": {"fire_safety": true, "video_surveillance": false, "access_control": false,
                "garbage_sorting_points": 2, "parking_spaces": 10, "elevators": 0},
            "governance_body": "none", "governance_formed_on": null,
            "eligible_and_willing": true, "is_old": true, "created_at": 0, "updated_at": 0,
        });
        let c = CompoundColumns::of(CompoundSite::deserialize(&p).unwrap());
        assert_eq!(c.district_code, "510104");
        assert_eq!(c.street_code.as_deref(), Some("510104017"));
        assert_eq!(c.households, 320);
        p["district"] = json!({"code": "510104", "name": "锦江区"});
        assert!(CompoundSite::deserialize(&p).is_err());
    }
}
