//! A document as the API answers it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::kind::{DocumentKind, OwnerKind};
use super::store::Document;
use crate::clock::to_rfc3339;
use crate::files::MediaType;

/// A document's description (its bytes at `content_url`).
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct DocumentView {
    pub id: String,
    /// What it is attached to.
    pub owner_kind: OwnerKind,
    pub owner_id: String,
    pub compound_id: String,
    /// The tender it belongs to, if any.
    pub tender_id: Option<String>,
    pub kind: DocumentKind,
    /// The kind in Chinese.
    pub kind_label: String,
    pub title: String,
    /// Lower-case hex SHA-256 of the bytes: anyone holding a copy can check it is this one.
    pub sha256: String,
    pub size_bytes: i64,
    /// Decided from the content.
    pub media_type: MediaType,
    /// Who uploaded it, as people read it (`王主任（小区自治组织）`).
    pub uploaded_by: String,
    /// RFC 3339.
    pub uploaded_at: String,
    /// Taken down (撤下): kept with its history, no longer listed or served.
    pub removed: bool,
    pub removed_at: Option<String>,
    /// Where its bytes are served (`GET`).
    pub content_url: String,
}

impl From<&Document> for DocumentView {
    fn from(d: &Document) -> Self {
        Self {
            id: d.id.clone(),
            owner_kind: d.owner_kind,
            owner_id: d.owner_id.clone(),
            compound_id: d.compound_id.clone(),
            tender_id: d.tender_id.clone(),
            kind: d.kind,
            kind_label: d.kind.label().to_string(),
            title: d.title.clone(),
            sha256: d.sha256.clone(),
            size_bytes: d.size_bytes,
            media_type: d.media_type,
            uploaded_by: d.uploaded_by_name.clone(),
            uploaded_at: to_rfc3339(d.uploaded_at),
            removed: d.removed,
            removed_at: d.removed_at.map(to_rfc3339),
            content_url: format!("/tenders/documents/{}/content", d.id),
        }
    }
}
