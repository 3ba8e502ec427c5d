//! What an owner may open with the unit's code: the documents the answer to one of the
//! unit's inspection requests gave (vouchers of the compound's published accounts, the
//! signed contract, …). Nothing before the answer; nothing another unit asked for; nothing
//! of another compound (an answer only names the compound's own documents); a document
//! taken down since is gone.

use axum::http::StatusCode;
use shared::domain::OwnerCode;
use shared::error::Problem;
use sqlx::AnyConnection;

use super::codes;
use super::steps::code_unknown;
use super::store;
use crate::documents::{self, Document};
use crate::error::Result;

fn not_granted() -> Problem {
    Problem::new(StatusCode::FORBIDDEN, "not_granted", "无权查阅该文件")
        .with_detail("只能查阅对本户查阅申请的答复中提供的文件；申请答复前不能查阅。")
}

/// The document `id`, when an answered request of the code's unit gave it; 404
/// `code_unknown` for a wrong code, 403 `not_granted` otherwise.
pub async fn document(conn: &mut AnyConnection, code: &str, id: &str) -> Result<Document> {
    let code = OwnerCode::parse(code).map_err(|_| code_unknown())?;
    let holder = codes::resolve(conn, &code)
        .await?
        .ok_or_else(code_unknown)?;
    let unit = (holder.compound_id.as_str(), holder.unit_id.as_str());
    if !store::granted_to_unit(conn, unit, id).await? {
        return Err(not_granted().into());
    }
    let found = documents::of_compound_among(conn, &holder.compound_id, &[id.to_string()]).await?;
    Ok(found.into_iter().next().ok_or_else(|| {
        Problem::new(StatusCode::GONE, "document_removed", "文件已撤下")
            .with_detail("该文件已被撤下，不再提供下载。")
    })?)
}
