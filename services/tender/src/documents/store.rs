//! Documents as stored (`document`): one row per attachment, naming its bytes in the file
//! store by their digest. Removal keeps the row (who, when).

use sqlx::{AnyConnection, Row};

use super::kind::{DocumentKind, OwnerKind};
use crate::files::MediaType;
use crate::rows::undecodable;

/// A document row.
#[derive(Debug, Clone)]
pub struct Document {
    pub id: String,
    pub owner_kind: OwnerKind,
    pub owner_id: String,
    pub compound_id: String,
    pub tender_id: Option<String>,
    pub kind: DocumentKind,
    pub title: String,
    pub sha256: String,
    pub size_bytes: i64,
    pub media_type: MediaType,
    pub uploaded_by: String,
    pub uploaded_by_name: String,
    pub uploaded_at: i64,
    pub removed: bool,
    pub removed_by: Option<String>,
    pub removed_at: Option<i64>,
}

const SELECT: &str = "SELECT id, owner_kind, owner_id, compound_id, tender_id, kind, title, sha256, \
    size_bytes, media_type, uploaded_by, uploaded_by_name, uploaded_at, removed_by, removed_at, \
    CASE WHEN removed THEN CAST(1 AS BIGINT) ELSE CAST(0 AS BIGINT) END AS removed FROM document";

fn from_row(r: &sqlx::any::AnyRow) -> Result<Document, sqlx::Error> {
    let id: String = r.try_get("id")?;
    let owner: String = r.try_get("owner_kind")?;
    let kind: String = r.try_get("kind")?;
    let media: String = r.try_get("media_type")?;
    Ok(Document {
        owner_kind: OwnerKind::parse(&owner)
            .ok_or_else(|| undecodable("document", &id, "owner_kind", &owner))?,
        kind: DocumentKind::parse(&kind)
            .ok_or_else(|| undecodable("document", &id, "kind", &kind))?,
        media_type: MediaType::parse(&media)
            .ok_or_else(|| undecodable("document", &id, "media_type", &media))?,
        owner_id: r.try_get("owner_id")?,
        compound_id: r.try_get("compound_id")?,
        tender_id: r.try_get("tender_id")?,
        title: r.try_get("title")?,
        sha256: r.try_get("sha256")?,
        size_bytes: r.try_get("size_bytes")?,
        uploaded_by: r.try_get("uploaded_by")?,
        uploaded_by_name: r.try_get("uploaded_by_name")?,
        uploaded_at: r.try_get("uploaded_at")?,
        removed: shared::db::flag(r, "removed")?,
        removed_by: r.try_get("removed_by")?,
        removed_at: r.try_get("removed_at")?,
        id,
    })
}

/// Stores a new document row (its bytes already in the file store).
pub async fn insert(conn: &mut AnyConnection, d: &Document) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO document (id, owner_kind, owner_id, compound_id, tender_id, kind, title, sha256, \
         size_bytes, media_type, uploaded_by, uploaded_by_name, uploaded_at, removed) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, FALSE)",
    )
    .bind(&d.id)
    .bind(d.owner_kind.as_str())
    .bind(&d.owner_id)
    .bind(&d.compound_id)
    .bind(&d.tender_id)
    .bind(d.kind.as_str())
    .bind(&d.title)
    .bind(&d.sha256)
    .bind(d.size_bytes)
    .bind(d.media_type.mime())
    .bind(&d.uploaded_by)
    .bind(&d.uploaded_by_name)
    .bind(d.uploaded_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// One document, removed or not.
pub async fn load(conn: &mut AnyConnection, id: &str) -> Result<Option<Document>, sqlx::Error> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!("{SELECT} WHERE id = $1")))
        .bind(id)
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref().map(from_row).transpose()
}

/// The documents attached to one owner that were not removed, oldest first (at most 500).
pub async fn of_owner(
    conn: &mut AnyConnection,
    owner: OwnerKind,
    owner_id: &str,
) -> Result<Vec<Document>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE owner_kind = $1 AND owner_id = $2 AND removed = FALSE \
         ORDER BY uploaded_at, id LIMIT 500"
    )))
    .bind(owner.as_str())
    .bind(owner_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// The documents of a tender (its own and its bids') that were not removed, oldest first
/// (at most 500). The caller decides which of them the reader may learn of.
pub async fn of_tender(
    conn: &mut AnyConnection,
    tender_id: &str,
) -> Result<Vec<Document>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE tender_id = $1 AND removed = FALSE ORDER BY uploaded_at, id LIMIT 500"
    )))
    .bind(tender_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}

/// Marks a document removed (the row and its bytes stay).
pub async fn remove(
    conn: &mut AnyConnection,
    id: &str,
    by: &str,
    at: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE document SET removed = TRUE, removed_by = $2, removed_at = $3 WHERE id = $1",
    )
    .bind(id)
    .bind(by)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Of `ids`, those that are documents of compound `compound_id`, not removed.
pub async fn of_compound_among(
    conn: &mut AnyConnection,
    compound_id: &str,
    ids: &[String],
) -> Result<Vec<Document>, sqlx::Error> {
    let mut found = Vec::new();
    for id in ids {
        if let Some(d) = load(conn, id).await?
            && d.compound_id == compound_id
            && !d.removed
        {
            found.push(d);
        }
    }
    Ok(found)
}

/// A compound's documents attached to its ballot votes and contracts (public), not
/// removed, oldest first (at most 500).
pub async fn public_of_compound(
    conn: &mut AnyConnection,
    compound_id: &str,
) -> Result<Vec<Document>, sqlx::Error> {
    let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
        "{SELECT} WHERE compound_id = $1 AND owner_kind IN ('ballot_vote', 'contract') \
         AND removed = FALSE ORDER BY uploaded_at, id LIMIT 500"
    )))
    .bind(compound_id)
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(from_row).collect()
}
