//! 本小区文件: the committee's documents of its compound (管理规约, 业主大会议事规则,
//! 自治组织工作规则): the list with each file's link, an upload (multipart, forwarded to
//! the tender API, which decides the type from the content and the size), and taking one
//! down (撤下). The API decides who may; this page only asks.

use askama::Template;
use askama_web::WebTemplate;
use axum::body::Bytes;
use axum::extract::{Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::api::{self, ApiError};
use crate::chrome::Chrome;
use crate::csrf::{self, CsrfForm};
use crate::error::PageError;
use crate::forms::{Flash, see_other_with};
use crate::roles::CommitteeUser;
use crate::state::WebState;

/// The largest upload the page forwards (the API's own limit, 15 MiB by default, decides).
pub const MAX_FILE_BYTES: usize = 16 * 1024 * 1024;

/// A document as the tender API lists it.
#[derive(Debug, Clone, Deserialize)]
pub struct Doc {
    pub id: String,
    pub owner_kind: String,
    pub kind_label: String,
    pub title: String,
    pub size_bytes: i64,
    pub uploaded_by: String,
    pub uploaded_at: String,
    pub content_url: String,
}

impl Doc {
    /// The size as people read it (`1.2 MB`, `34 KB`).
    pub fn size(&self) -> String {
        let b = self.size_bytes as f64;
        if b >= 1024.0 * 1024.0 {
            format!("{:.1} MB", b / 1024.0 / 1024.0)
        } else {
            format!("{} KB", (b / 1024.0).ceil() as i64)
        }
    }

    /// The upload time to the minute (Beijing).
    pub fn when(&self) -> &str {
        self.uploaded_at.get(..16).unwrap_or(&self.uploaded_at)
    }

    /// Only the compound's own documents are taken down here.
    pub fn own(&self) -> bool {
        self.owner_kind == "compound"
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "committee_documents.html")]
pub struct DocumentsPage {
    chrome: Chrome,
    flash: Flash,
    docs: Vec<Doc>,
    error: Option<String>,
    kind: String,
    title: String,
}

/// The kinds the committee uploads here, with their labels.
pub const KINDS: [(&str, &str); 3] = [
    ("management_covenant", "管理规约"),
    ("assembly_rules", "业主大会议事规则"),
    ("committee_rules", "自治组织工作规则"),
];

async fn page(
    app: &WebState,
    c: &CommitteeUser,
    chrome: Chrome,
    flash: Flash,
    error: Option<String>,
    (kind, title): (String, String),
) -> Result<DocumentsPage, PageError> {
    let url = format!(
        "{}{}",
        app.api.tender,
        api::path(&["tenders", "compounds", &c.compound_id, "documents"])
    );
    let docs: Vec<Doc> = app.api.get(&url, Some(&c.token)).await?;
    Ok(DocumentsPage {
        chrome,
        flash,
        docs,
        error,
        kind,
        title,
    })
}

pub async fn list(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    Query(flash): Query<Flash>,
) -> Result<DocumentsPage, PageError> {
    page(&app, &c, chrome, flash, None, Default::default()).await
}

/// A multipart body for the API: `kind`, `title`, then the file.
fn form_body(boundary: &str, kind: &str, title: &str, name: &str, bytes: &[u8]) -> Vec<u8> {
    let clean = |s: &str| s.replace(['"', '\r', '\n'], "");
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"kind\"\r\n\r\n{}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\n{}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{}\"\r\n\
         Content-Type: application/octet-stream\r\n\r\n",
        clean(kind),
        clean(title),
        clean(name),
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    body
}

/// Receives the upload (multipart, with `_csrf`) and forwards it to the tender API; a
/// refusal shows the page again with the API's message.
pub async fn upload(
    State(app): State<WebState>,
    c: CommitteeUser,
    chrome: Chrome,
    headers: HeaderMap,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let (mut sent_csrf, mut kind, mut title) = (None, String::new(), String::new());
    let mut file: Option<(String, Bytes)> = None;
    let unreadable = "无法读取上传的文件，请重试（文件不超过 15 MB）。".to_string();
    let mut error = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) => match field.name().unwrap_or("") {
                "_csrf" => sent_csrf = field.text().await.ok(),
                "kind" => kind = field.text().await.unwrap_or_default(),
                "title" => title = field.text().await.unwrap_or_default(),
                "file" => {
                    let name = field.file_name().unwrap_or("").to_string();
                    match field.bytes().await {
                        Ok(b) if !b.is_empty() => file = Some((name, b)),
                        Ok(_) => {}
                        Err(_) => error = Some(unreadable.clone()),
                    }
                }
                _ => {}
            },
            Ok(None) => break,
            Err(_) => {
                error = Some(unreadable.clone());
                break;
            }
        }
    }
    csrf::check(&headers, sent_csrf.as_deref())?;
    let Some((name, bytes)) = file.filter(|_| error.is_none()) else {
        let message = error.unwrap_or_else(|| "请选择要上传的文件。".into());
        let p = page(
            &app,
            &c,
            chrome,
            Flash::default(),
            Some(message),
            (kind, title),
        )
        .await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, p).into_response());
    };
    let boundary = format!("wuye-{}", uuid::Uuid::new_v4().simple());
    let url = format!(
        "{}{}",
        app.api.tender,
        api::path(&["tenders", "compounds", &c.compound_id, "documents"])
    );
    let res = app
        .api
        .http
        .post(&url)
        .bearer_auth(&c.token)
        .header(
            reqwest::header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(form_body(&boundary, &kind, &title, &name, &bytes))
        .send()
        .await
        .map_err(|e| PageError::from(ApiError::Unavailable(anyhow::Error::new(e))))?;
    if res.status().is_success() {
        return Ok(see_other_with("/committee/documents", "文件已上传并公开"));
    }
    let status = res.status();
    let problem: Value = res.json().await.unwrap_or(Value::Null);
    if status == StatusCode::UNAUTHORIZED || status == StatusCode::FORBIDDEN {
        return Err(PageError::new(
            status,
            "无权上传",
            problem["detail"].as_str().unwrap_or("无权进行此操作。"),
        ));
    }
    let message = problem["errors"][0]["message"]
        .as_str()
        .or(problem["detail"].as_str())
        .unwrap_or("上传失败，请稍后再试。")
        .to_string();
    let p = page(
        &app,
        &c,
        chrome,
        Flash::default(),
        Some(message),
        (kind, title),
    )
    .await?;
    Ok((status, p).into_response())
}

#[derive(Debug, Deserialize)]
pub struct RemoveForm {}

/// Takes one of the compound's documents down (the API keeps its record).
pub async fn remove(
    State(app): State<WebState>,
    c: CommitteeUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<RemoveForm>,
) -> Result<Response, PageError> {
    let url = format!(
        "{}{}",
        app.api.tender,
        api::path(&["tenders", "documents", &id])
    );
    let _: Value = app
        .api
        .send(Method::DELETE, &url, Some(&c.token), &json!({}))
        .await?;
    Ok(see_other_with(
        "/committee/documents",
        "文件已撤下（记录保留）",
    ))
}
