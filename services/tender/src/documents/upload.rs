//! An upload as sent (multipart: the `file` part, `kind` and `title`), read within bounds:
//! the file at most the configured size, counted while it streams in (413 the moment it
//! passes, before the rest is read), text fields at most 4 KiB, at most 16 parts. Then
//! checked: the kind one the owner takes, a title, and the content one of the accepted
//! types (decided from the bytes, off the async runtime).

use axum::body::Bytes;
use axum::extract::Multipart;
use axum::extract::multipart::{Field, MultipartError};
use axum::http::StatusCode;
use serde::Deserialize;
use shared::error::{FieldError, Problem, Validation};
use utoipa::ToSchema;

use super::kind::{DocumentKind, OwnerKind};
use crate::files::{MediaType, digest};

const MAX_TEXT_BYTES: usize = 4 * 1024;
const MAX_PARTS: usize = 16;
const MAX_TITLE_CHARS: usize = 100;

/// The multipart form of an upload (its OpenAPI description).
#[derive(Debug, Deserialize, ToSchema)]
pub struct UploadForm {
    /// The file: PDF, JPEG, PNG or XLSX (decided from its content), at most the configured
    /// size (15 MiB by default).
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
    /// The document's kind (`management_covenant`, …); optional where the owner takes one
    /// kind only.
    pub kind: Option<String>,
    /// Its title, 1–100 characters; the file's name when absent.
    pub title: Option<String>,
}

/// An upload as read.
#[derive(Debug)]
pub struct Upload {
    pub kind: Option<String>,
    pub title: Option<String>,
    pub file_name: Option<String>,
    pub bytes: Option<Bytes>,
}

/// An upload checked: its kind, title, type, digest and bytes.
#[derive(Debug, Clone)]
pub struct Checked {
    pub kind: DocumentKind,
    pub title: String,
    pub media_type: MediaType,
    pub sha256: String,
    pub bytes: Bytes,
}

/// The answer for a file over `max` bytes.
pub fn too_large(max: u64) -> Problem {
    let mb = max as f64 / (1024.0 * 1024.0);
    let message = format!("文件超过 {mb:.0} MB 的上限，请压缩或拆分后再上传。");
    Problem::new(StatusCode::PAYLOAD_TOO_LARGE, "file_too_large", "文件过大")
        .with_detail(message.clone())
        .with_errors(vec![FieldError::new("file", "file_too_large", message)])
}

fn unreadable(e: &MultipartError, max: u64) -> Problem {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        too_large(max)
    } else {
        Problem::bad_request(
            "invalid_upload",
            "无法读取上传的内容：请以 multipart/form-data 上传，文件放在 file 字段。",
        )
    }
}

async fn text(mut field: Field<'_>, max: u64) -> Result<String, Problem> {
    let mut out = Vec::new();
    while let Some(chunk) = field.chunk().await.map_err(|e| unreadable(&e, max))? {
        if out.len() + chunk.len() > MAX_TEXT_BYTES {
            return Err(Problem::bad_request(
                "invalid_upload",
                "kind、title 等文字字段不能超过 4 KB。",
            ));
        }
        out.extend_from_slice(&chunk);
    }
    String::from_utf8(out)
        .map_err(|_| Problem::bad_request("invalid_upload", "文字字段须是 UTF-8 编码。"))
}

/// Reads the form, the file counted against `max` bytes as it streams in.
pub async fn read(mut form: Multipart, max: u64) -> Result<Upload, Problem> {
    let mut upload = Upload {
        kind: None,
        title: None,
        file_name: None,
        bytes: None,
    };
    let mut parts = 0;
    while let Some(mut field) = form.next_field().await.map_err(|e| unreadable(&e, max))? {
        parts += 1;
        if parts > MAX_PARTS {
            return Err(Problem::bad_request(
                "invalid_upload",
                "上传的表单字段过多。",
            ));
        }
        match field.name().unwrap_or("") {
            "file" => {
                upload.file_name = field.file_name().map(str::to_string);
                let mut bytes = Vec::new();
                while let Some(chunk) = field.chunk().await.map_err(|e| unreadable(&e, max))? {
                    if (bytes.len() + chunk.len()) as u64 > max {
                        return Err(too_large(max));
                    }
                    bytes.extend_from_slice(&chunk);
                }
                upload.bytes = Some(Bytes::from(bytes));
            }
            "kind" => upload.kind = Some(text(field, max).await?),
            "title" => upload.title = Some(text(field, max).await?),
            _ => {
                text(field, max).await?;
            }
        }
    }
    Ok(upload)
}

/// The title as given, else the file's name without its extension.
fn title_of(upload: &Upload) -> Option<String> {
    let given = upload
        .title
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let from_name = || {
        let name = upload.file_name.as_deref()?.rsplit(['/', '\\']).next()?;
        let stem = name.rsplit_once('.').map_or(name, |(s, _)| s).trim();
        (!stem.is_empty()).then(|| stem.to_string())
    };
    given.map(str::to_string).or_else(from_name)
}

impl Upload {
    /// Checks the form for an owner of kind `owner`: the kind (one it takes; may be left
    /// out when it takes one only), the title, the file present; then the content's type
    /// and digest, off the async runtime. All field errors at once (422), then the type
    /// (415, or 413 for an XLSX over the archive bounds).
    pub async fn check(self, owner: OwnerKind) -> Result<Checked, Problem> {
        let mut v = Validation::new();
        let kinds = owner.kinds();
        let kind = match self
            .kind
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            None if kinds.len() == 1 => Some(kinds[0]),
            None => {
                v.push(FieldError::new(
                    "kind",
                    "required",
                    format!("请选择文件类别：{}", owner.kinds_named()),
                ));
                None
            }
            Some(k) => match DocumentKind::parse(k).filter(|k| kinds.contains(k)) {
                Some(k) => Some(k),
                None => {
                    v.push(FieldError::new(
                        "kind",
                        "invalid_kind",
                        format!("这里只能上传：{}", owner.kinds_named()),
                    ));
                    None
                }
            },
        };
        let title = title_of(&self);
        match &title {
            None => v.push(FieldError::new("title", "required", "请填写文件标题")),
            Some(t) if t.chars().count() > MAX_TITLE_CHARS => v.push(FieldError::new(
                "title",
                "length",
                format!("文件标题不能超过 {MAX_TITLE_CHARS} 个字"),
            )),
            Some(t) if t.chars().any(char::is_control) => v.push(FieldError::new(
                "title",
                "invalid_title",
                "文件标题不能含有换行等控制字符",
            )),
            Some(_) => {}
        }
        let bytes = self.bytes.filter(|b| !b.is_empty());
        if bytes.is_none() {
            v.push(FieldError::new("file", "required", "请选择要上传的文件"));
        }
        let (kind, title, bytes) = v.finish_with(|| Some((kind?, title?, bytes?)))?;
        let sniffed = bytes.clone();
        let (media_type, sha256) = tokio::task::spawn_blocking(move || {
            MediaType::sniff(&sniffed).map(|m| (m, digest(&sniffed)))
        })
        .await
        .map_err(|e| {
            tracing::error!(error = %e, "checking an upload");
            Problem::internal()
        })??;
        Ok(Checked {
            kind,
            title,
            media_type,
            sha256,
            bytes,
        })
    }
}
