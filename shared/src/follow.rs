//! Copies of catalog places kept by the services that follow `/catalog/feed`.
//!
//! Tender and matching each keep `catalog_district` and `catalog_street` tables; both
//! apply the catalog's `district` and `street` changes the same way, here. Applying is an
//! upsert guarded by the change's sequence number, so a replay changes nothing.

use anyhow::Context;
use sqlx::AnyConnection;

use crate::events::catalog::{self, DistrictPublished, StreetPublished};
use crate::events::decode;
use crate::feed::Change;

/// Applies a `district` or `street` change; returns false for other topics.
pub async fn apply_place(conn: &mut AnyConnection, change: &Change) -> anyhow::Result<bool> {
    let unreadable = || format!("{} change {} is unreadable", change.topic, change.seq);
    match change.topic.as_str() {
        catalog::DISTRICT => {
            let d: DistrictPublished = decode(change).with_context(unreadable)?;
            sqlx::query(
                "INSERT INTO catalog_district (code, name, seq) VALUES ($1, $2, $3) \
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, seq = excluded.seq \
                 WHERE catalog_district.seq < excluded.seq",
            )
            .bind(d.code)
            .bind(d.name)
            .bind(change.seq)
            .execute(&mut *conn)
            .await?;
            Ok(true)
        }
        catalog::STREET => {
            let s: StreetPublished = decode(change).with_context(unreadable)?;
            sqlx::query(
                "INSERT INTO catalog_street (code, name, district_code, seq) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (code) DO UPDATE SET name = excluded.name, \
                 district_code = excluded.district_code, seq = excluded.seq \
                 WHERE catalog_street.seq < excluded.seq",
            )
            .bind(s.code)
            .bind(s.name)
            .bind(s.district_code)
            .bind(change.seq)
            .execute(&mut *conn)
            .await?;
            Ok(true)
        }
        _ => Ok(false),
    }
}
