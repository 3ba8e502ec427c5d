//! 小区公开文件 (`/compounds/{id}/documents`): everyone sees a compound's public documents
//! (管理规约, 业主大会议事规则, 自治组织工作规则, 表决公告和结果, 物业服务合同) with a link to
//! each file; linked from the public compound page. A compound tender does not know is the
//! API's 404.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::routing::get;
use serde_json::Value;

use crate::api;
use crate::chrome::Chrome;
use crate::error::PageError;
use crate::pages::committee::documents::Doc;
use crate::state::WebState;

pub fn routes() -> Router<WebState> {
    Router::new().route("/compounds/{id}/documents", get(public_documents))
}

#[derive(Template, WebTemplate)]
#[template(path = "public_documents.html")]
pub struct PublicDocuments {
    chrome: Chrome,
    compound_id: String,
    name: String,
    docs: Vec<Doc>,
}

pub async fn public_documents(
    State(app): State<WebState>,
    chrome: Chrome,
    Path(id): Path<String>,
) -> Result<PublicDocuments, PageError> {
    let url = format!(
        "{}{}",
        app.api.tender,
        api::path(&["tenders", "compounds", &id, "documents"])
    );
    let docs: Vec<Doc> = app.api.get(&url, None).await?;
    let compound: Option<Value> = app
        .api
        .catalog_get(&api::path(&["catalog", "compounds", &id]), None)
        .await
        .ok();
    let name = compound
        .as_ref()
        .and_then(|c| c["name"].as_str())
        .unwrap_or("小区")
        .to_string();
    Ok(PublicDocuments {
        chrome,
        compound_id: id,
        name,
        docs,
    })
}
