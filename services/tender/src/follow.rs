//! Following the catalog's change feed into tender's own tables.
//!
//! This is the ONE place that knows the shape of the catalog's `firm` and `compound`
//! payloads: [`FirmColumns::from_payload`] and [`CompoundColumns::from_payload`] map a
//! snapshot into the columns tender queries, and the whole snapshot is kept as `payload`
//! (the roster standing is read from it by [`crate::roster`]). The readers are tolerant:
//! a missing or malformed field takes a value that *fails closed* (no models offered, no
//! capacity, …) and is logged, so a surprise in the catalog's payload can never let a firm
//! bid, nor stop the follower.

use std::sync::Arc;

use futures::future::BoxFuture;
use serde_json::Value;
use shared::db::now_ms;
use shared::feed::{Apply, Change};
use shared::session::SessionSet;
use sqlx::AnyConnection;

/// Applies catalog changes to tender's copy, and the catalog's session facts to tender's
/// tables and its in-memory [`SessionSet`] (so a signed-out token is refused here too).
pub struct CatalogFollower {
    pub sessions: Arc<SessionSet>,
}

impl Apply for CatalogFollower {
    fn apply<'a>(
        &'a self,
        conn: &'a mut AnyConnection,
        change: &'a Change,
    ) -> BoxFuture<'a, anyhow::Result<()>> {
        Box::pin(async move {
            match change.topic.as_str() {
                "firm" => apply_firm(conn, change).await?,
                "compound" => apply_compound(conn, change).await?,
                shared::session::TOPIC => {
                    shared::session::apply(conn, change, Some(&self.sessions)).await?;
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

/// Whether a change removes its entity rather than describing its new state.
fn is_removal(change: &Change) -> bool {
    matches!(change.kind.as_str(), "deleted" | "removed")
}

/// The columns of `catalog_firm`, read from a `firm` payload.
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
    pub fn from_payload(p: &Value) -> Self {
        let (lon, lat) = location(p);
        Self {
            name: text(p, &["name"]).unwrap_or_default(),
            lon,
            lat,
            service_radius_km: number(p, &["service_radius_km"]).unwrap_or(0.0),
            districts_served: codes(p, &["districts_served", "districts"]),
            service_models: codes(p, &["service_models"]),
            fee_models: codes(p, &["fee_models"]),
            grades: list(p, &["grades"])
                .iter()
                .filter_map(Value::as_i64)
                .collect(),
            capacity_households: integer(p, &["capacity_households", "capacity"]).unwrap_or(0),
            // Unknown households served counts as "full": fail closed.
            households_served: integer(p, &["households_served"]).unwrap_or(i64::MAX / 2),
        }
    }
}

/// The columns of `catalog_compound`, read from a `compound` payload.
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
    pub fn from_payload(p: &Value) -> Self {
        let (lon, lat) = location(p);
        Self {
            code: text(p, &["code"]),
            name: text(p, &["name"]).unwrap_or_default(),
            district_code: place_code(p, &["district", "district_code"]).unwrap_or_default(),
            street_code: place_code(p, &["street", "street_code"]),
            lon,
            lat,
            households: integer(p, &["households"]).unwrap_or(0),
            floor_area_m2: integer(p, &["floor_area_m2", "floor_area"]).unwrap_or(0),
        }
    }
}

async fn apply_firm(conn: &mut AnyConnection, change: &Change) -> anyhow::Result<()> {
    if is_removal(change) {
        sqlx::query("DELETE FROM catalog_firm WHERE id = $1 AND seq < $2")
            .bind(&change.entity_id)
            .bind(change.seq)
            .execute(&mut *conn)
            .await?;
        return Ok(());
    }
    let c = FirmColumns::from_payload(&change.payload);
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
        sqlx::query("DELETE FROM catalog_compound WHERE id = $1 AND seq < $2")
            .bind(&change.entity_id)
            .bind(change.seq)
            .execute(&mut *conn)
            .await?;
        return Ok(());
    }
    let c = CompoundColumns::from_payload(&change.payload);
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

/// The first of `keys` present in `p`.
fn field<'a>(p: &'a Value, keys: &[&str]) -> Option<&'a Value> {
    keys.iter().find_map(|k| p.get(*k).filter(|v| !v.is_null()))
}

fn text(p: &Value, keys: &[&str]) -> Option<String> {
    field(p, keys).and_then(Value::as_str).map(str::to_string)
}

fn number(p: &Value, keys: &[&str]) -> Option<f64> {
    field(p, keys).and_then(Value::as_f64)
}

fn integer(p: &Value, keys: &[&str]) -> Option<i64> {
    field(p, keys).and_then(Value::as_i64)
}

fn list<'a>(p: &'a Value, keys: &[&str]) -> &'a [Value] {
    field(p, keys)
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[])
}

/// A list of codes: plain strings, or objects with a `code`.
fn codes(p: &Value, keys: &[&str]) -> Vec<String> {
    list(p, keys)
        .iter()
        .filter_map(|v| {
            v.as_str()
                .or_else(|| v.get("code").and_then(Value::as_str))
                .map(str::to_string)
        })
        .collect()
}

/// A place given as its code, or as an object with a `code`.
fn place_code(p: &Value, keys: &[&str]) -> Option<String> {
    let v = field(p, keys)?;
    v.as_str()
        .or_else(|| v.get("code").and_then(Value::as_str))
        .map(str::to_string)
}

/// `location: {lon, lat}` (or top-level `lon`/`lat`).
fn location(p: &Value) -> (Option<f64>, Option<f64>) {
    let at = p.get("location").filter(|v| v.is_object()).unwrap_or(p);
    (
        at.get("lon").and_then(Value::as_f64),
        at.get("lat").and_then(Value::as_f64),
    )
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

    #[test]
    fn compound_places_may_be_codes_or_objects() {
        let c = CompoundColumns::from_payload(&json!({
            "name": "望江小区", "district": {"code": "510104", "name": "锦江区"},
            "street": "510104017", "households": 320, "floor_area_m2": 28000,
            "location": {"lon": 104.08, "lat": 30.64},
        }));
        assert_eq!(c.district_code, "510104");
        assert_eq!(c.street_code.as_deref(), Some("510104017"));
        assert_eq!(c.households, 320);
    }
}
