//! Places: districts (区县) and streets (镇街道). Loaded at start-up from the reference
//! data compiled into `shared` (Chengdu's 20 districts and 261 streets); a load that
//! changes nothing writes nothing, so restarts do not flood the feed. The same start-up
//! step publishes the service models the migration seeds, so followers learn them too.

use serde::Serialize;
use shared::db::{Db, now_ms};
use shared::domain;
use shared::events::catalog::{self, DistrictPublished, StreetPublished};
use shared::feed::{Notifier, WriteTx};
use sqlx::Row;

use crate::firms::models::{self, ServiceModel};
use utoipa::ToSchema;

/// A district as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct District {
    /// GB/T 2260 code, e.g. `510104`.
    pub code: String,
    pub name: String,
    /// `district` (区), `city` (县级市) or `county` (县).
    pub kind: String,
    /// Longitude of the district government seat.
    pub lon: f64,
    /// Latitude of the district government seat.
    pub lat: f64,
    /// How many streets and towns it has.
    pub streets: i64,
}

/// A street or town as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct Street {
    /// 9-digit statistical code, e.g. `510104017`.
    pub code: String,
    pub name: String,
    pub district_code: String,
}

/// Loads the reference places; returns how many rows were inserted or changed.
pub async fn load_reference(db: &Db, notifier: &Notifier) -> anyhow::Result<usize> {
    let mut tx = WriteTx::begin(db, notifier).await?;
    let mut changed = 0;
    let now = now_ms();
    for d in domain::districts() {
        let existing = sqlx::query("SELECT name, kind, lon, lat FROM district WHERE code = $1")
            .bind(d.code.as_str())
            .fetch_optional(&mut *tx.conn())
            .await?;
        let kind = d.kind.as_str();
        let same = existing.as_ref().is_some_and(|r| {
            r.get::<String, _>("name") == d.name
                && r.get::<String, _>("kind") == kind
                && r.get::<f64, _>("lon") == d.seat.lon()
                && r.get::<f64, _>("lat") == d.seat.lat()
        });
        if same {
            continue;
        }
        sqlx::query(
            "INSERT INTO district (code, name, kind, lon, lat, updated_at) VALUES ($1, $2, $3, $4, $5, $6) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, \
             lon = excluded.lon, lat = excluded.lat, updated_at = excluded.updated_at",
        )
        .bind(d.code.as_str())
        .bind(d.name)
        .bind(kind)
        .bind(d.seat.lon())
        .bind(d.seat.lat())
        .bind(now)
        .execute(&mut *tx.conn())
        .await?;
        tx.emit(
            catalog::DISTRICT,
            d.code.as_str(),
            "upserted",
            &DistrictPublished {
                code: d.code.as_str().into(),
                name: d.name.into(),
                kind: kind.into(),
                lon: d.seat.lon(),
                lat: d.seat.lat(),
            },
        )
        .await?;
        changed += 1;
    }
    for s in domain::streets() {
        let existing: Option<(String, String)> =
            sqlx::query_as("SELECT name, district_code FROM street WHERE code = $1")
                .bind(s.code.as_str())
                .fetch_optional(&mut *tx.conn())
                .await?;
        if existing
            .as_ref()
            .is_some_and(|(n, dc)| n == s.name && dc == s.district.as_str())
        {
            continue;
        }
        sqlx::query(
            "INSERT INTO street (code, name, district_code, updated_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (code) DO UPDATE SET name = excluded.name, district_code = excluded.district_code, \
             updated_at = excluded.updated_at",
        )
        .bind(s.code.as_str())
        .bind(s.name)
        .bind(s.district.as_str())
        .bind(now)
        .execute(&mut *tx.conn())
        .await?;
        tx.emit(
            catalog::STREET,
            s.code.as_str(),
            "upserted",
            &StreetPublished {
                code: s.code.as_str().into(),
                name: s.name.into(),
                district_code: s.district.as_str().into(),
            },
        )
        .await?;
        changed += 1;
    }
    // The service models seeded by the migration, published once.
    let unpublished: Vec<ServiceModel> = sqlx::query_as(
        "SELECT code, name_zh, description_zh FROM service_model m WHERE NOT EXISTS \
         (SELECT 1 FROM outbox o WHERE o.topic = $1 AND o.entity_id = m.code) ORDER BY code",
    )
    .bind(models::TOPIC)
    .fetch_all(&mut *tx.conn())
    .await?;
    for model in &unpublished {
        tx.emit(models::TOPIC, &model.code, "created", model)
            .await?;
        changed += 1;
    }
    tx.commit().await?;
    Ok(changed)
}

/// All districts with their street counts, by code.
pub async fn districts(db: &Db) -> Result<Vec<District>, sqlx::Error> {
    let rows = sqlx::query(
        "SELECT d.code, d.name, d.kind, d.lon, d.lat, \
         (SELECT COUNT(*) FROM street s WHERE s.district_code = d.code) AS streets \
         FROM district d ORDER BY d.code",
    )
    .fetch_all(&db.pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(District {
                code: r.try_get("code")?,
                name: r.try_get("name")?,
                kind: r.try_get("kind")?,
                lon: r.try_get("lon")?,
                lat: r.try_get("lat")?,
                streets: r.try_get("streets")?,
            })
        })
        .collect()
}

/// The streets of one district, or all streets.
pub async fn streets(db: &Db, district: Option<&str>) -> Result<Vec<Street>, sqlx::Error> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT code, name, district_code FROM street \
         WHERE ($1 IS NULL OR district_code = $1) ORDER BY code",
    )
    .bind(district)
    .fetch_all(&db.pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(code, name, district_code)| Street {
            code,
            name,
            district_code,
        })
        .collect())
}
