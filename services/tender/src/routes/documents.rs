//! Documents (文件): attach to a compound, a ballot vote, a tender, a bid, a contract or a
//! disclosure (multipart: `file`, `kind`, `title`), list them, read one and its bytes, take
//! one down. Who may do what is the thing's rule (`crate::documents::access`); a bid's
//! documents are sealed like the bid. Each handler parses, calls the domain, answers.

use axum::body::Body;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use shared::auth::Identity;
use shared::error::Problem;
use shared::extract::Json;
use shared::feed::WriteTx;
use utoipa::OpenApi;
use utoipa_axum::router::{OpenApiRouter, UtoipaMethodRouterExt};
use utoipa_axum::routes;

use crate::documents::{self, DocumentKind, DocumentView, OwnerKind, UploadForm};
use crate::error::Result;
use crate::files::MediaType;
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(components(schemas(DocumentView, DocumentKind, OwnerKind, MediaType, UploadForm)))]
pub struct Api;

/// The request limit of an upload route; the configured file limit (`[tender]
/// max_file_bytes`) is counted as the file streams in, and the service-wide request limit
/// applies too.
const UPLOAD_LIMIT: usize = 1024 * 1024 * 1024;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    let upload = DefaultBodyLimit::max(UPLOAD_LIMIT);
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(attach_to_compound, compound_documents).layer(upload))
        .routes(routes!(attach_to_vote, vote_documents).layer(upload))
        .routes(routes!(attach_to_tender, tender_documents).layer(upload))
        .routes(routes!(attach_to_bid).layer(upload))
        .routes(routes!(attach_to_contract, contract_documents).layer(upload))
        .routes(routes!(attach_to_disclosure, disclosure_documents).layer(upload))
        .routes(routes!(document, remove_document))
        .routes(routes!(content))
}

/// Reads, checks and stores an upload for owner `kind` `id` after `identity` was found
/// allowed to attach to it (nothing of the request body, not even its form, is looked at
/// before); then the row, in the write transaction.
async fn attach(
    app: &AppState,
    identity: &Identity,
    (kind, id): (OwnerKind, &str),
    request: Request,
) -> Result<(StatusCode, Json<DocumentView>)> {
    documents::precheck(app, identity, kind, id).await?;
    let max = app.policy.max_file_bytes;
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > max.saturating_add(64 * 1024)) {
        return Err(documents::too_large(max).into());
    }
    let form = Multipart::from_request(request, &()).await.map_err(|_| {
        Problem::bad_request(
            "invalid_upload",
            "请以 multipart/form-data 上传，文件放在 file 字段。",
        )
    })?;
    let upload = documents::read(form, max).await?.check(kind).await?;
    app.files.put(&upload.sha256, upload.bytes.clone()).await?;
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let doc = documents::attach(&mut tx, identity, (kind, id), &upload).await?;
    tx.commit().await?;
    Ok((StatusCode::CREATED, Json(DocumentView::from(&doc))))
}

fn views(docs: Vec<documents::Document>) -> Json<Vec<DocumentView>> {
    Json(docs.iter().map(DocumentView::from).collect())
}

/// Attaches a compound's 管理规约, 业主大会议事规则 or 自治组织工作规则 (`kind` required).
/// Roles: the compound's committee, its street official. The file: PDF, JPEG, PNG or XLSX
/// by content (415 otherwise), at most the configured size (413, checked as it streams in).
#[utoipa::path(post, path = "/tenders/compounds/{cid}/documents", tag = "documents",
    params(("cid" = String, Path, description = "compound id")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = DocumentView), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn attach_to_compound(
    State(app): State<AppState>,
    identity: Identity,
    Path(cid): Path<String>,
    request: Request,
) -> Result<(StatusCode, Json<DocumentView>)> {
    attach(&app, &identity, (OwnerKind::Compound, &cid), request).await
}

/// The public documents of a compound: its own (规约, 规则), its ballot votes' (公告, 结果)
/// and its contracts', oldest first. Anyone.
#[utoipa::path(get, path = "/tenders/compounds/{cid}/documents", tag = "documents",
    params(("cid" = String, Path, description = "compound id")),
    responses((status = 200, body = Vec<DocumentView>), (status = 404, body = Problem)))]
pub async fn compound_documents(
    State(app): State<AppState>,
    Path(cid): Path<String>,
) -> Result<Json<Vec<DocumentView>>> {
    Ok(views(documents::of_compound(&app, &cid).await?))
}

/// Attaches a ballot vote's 表决公告 or 表决结果/会议记录 (`kind` required). Roles: the
/// compound's committee, its street official.
#[utoipa::path(post, path = "/tenders/ballot-votes/{vid}/documents", tag = "documents",
    params(("vid" = String, Path, description = "ballot vote id")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = DocumentView), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn attach_to_vote(
    State(app): State<AppState>,
    identity: Identity,
    Path(vid): Path<String>,
    request: Request,
) -> Result<(StatusCode, Json<DocumentView>)> {
    attach(&app, &identity, (OwnerKind::BallotVote, &vid), request).await
}

/// A ballot vote's documents. Anyone.
#[utoipa::path(get, path = "/tenders/ballot-votes/{vid}/documents", tag = "documents",
    params(("vid" = String, Path, description = "ballot vote id")),
    responses((status = 200, body = Vec<DocumentView>), (status = 404, body = Problem)))]
pub async fn vote_documents(
    State(app): State<AppState>,
    Path(vid): Path<String>,
) -> Result<Json<Vec<DocumentView>>> {
    Ok(views(
        documents::of_owner(&app, None, OwnerKind::BallotVote, &vid).await?,
    ))
}

/// Attaches a 招标文件 to a tender. Role: its compound's committee, while the terms may
/// change (a draft, or open before the bid deadline; 409 `tender_not_editable` otherwise).
#[utoipa::path(post, path = "/tenders/{id}/documents", tag = "documents",
    params(("id" = String, Path, description = "tender id")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = DocumentView), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 409, body = Problem), (status = 413, body = Problem), (status = 415, body = Problem),
        (status = 422, body = Problem)))]
pub async fn attach_to_tender(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    request: Request,
) -> Result<(StatusCode, Json<DocumentView>)> {
    attach(&app, &identity, (OwnerKind::Tender, &id), request).await
}

/// A tender's documents (招标文件) and, of its bids' documents, those the caller may learn
/// of: before the opening only a firm's own; after it, all of them for the compound's
/// committee and the association. Whoever sees the tender.
#[utoipa::path(get, path = "/tenders/{id}/documents", tag = "documents",
    params(("id" = String, Path, description = "tender id")),
    responses((status = 200, body = Vec<DocumentView>), (status = 404, body = Problem)))]
pub async fn tender_documents(
    State(app): State<AppState>,
    identity: Option<Identity>,
    Path(id): Path<String>,
) -> Result<Json<Vec<DocumentView>>> {
    Ok(views(
        documents::of_tender(&app, identity.as_ref(), &id).await?,
    ))
}

/// Attaches a 投标文件 to the caller's own live bid, before the bid deadline (409
/// `bid_deadline_passed` after). Sealed like the bid: until the opening nobody else can
/// read it or learn it exists. Role: the bidding firm; any other caller, or a bid of
/// another tender, answers 404 as an unknown bid.
#[utoipa::path(post, path = "/tenders/{id}/bids/{bid}/documents", tag = "documents",
    params(("id" = String, Path, description = "tender id"), ("bid" = String, Path, description = "bid id")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = DocumentView), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn attach_to_bid(
    State(app): State<AppState>,
    identity: Identity,
    Path((id, bid)): Path<(String, String)>,
    request: Request,
) -> Result<(StatusCode, Json<DocumentView>)> {
    documents::bid_of_tender(&app, &id, &bid).await?;
    attach(&app, &identity, (OwnerKind::Bid, &bid), request).await
}

/// Attaches the signed 物业服务合同 to a contract. Role: the compound's committee.
#[utoipa::path(post, path = "/tenders/contracts/{cid}/documents", tag = "documents",
    params(("cid" = String, Path, description = "contract id")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = DocumentView), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn attach_to_contract(
    State(app): State<AppState>,
    identity: Identity,
    Path(cid): Path<String>,
    request: Request,
) -> Result<(StatusCode, Json<DocumentView>)> {
    attach(&app, &identity, (OwnerKind::Contract, &cid), request).await
}

/// A contract's documents (the signed contract). Anyone: contracts are public.
#[utoipa::path(get, path = "/tenders/contracts/{cid}/documents", tag = "documents",
    params(("cid" = String, Path, description = "contract id")),
    responses((status = 200, body = Vec<DocumentView>), (status = 404, body = Problem)))]
pub async fn contract_documents(
    State(app): State<AppState>,
    Path(cid): Path<String>,
) -> Result<Json<Vec<DocumentView>>> {
    Ok(views(
        documents::of_owner(&app, None, OwnerKind::Contract, &cid).await?,
    ))
}

/// Attaches a 凭证 (voucher) to published accounts or a budget. Role: whoever published it
/// (the contract's firm or the compound's committee).
#[utoipa::path(post, path = "/tenders/disclosures/{did}/documents", tag = "documents",
    params(("did" = String, Path, description = "disclosure id")),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses((status = 201, body = DocumentView), (status = 400, body = Problem),
        (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem), (status = 422, body = Problem)))]
pub async fn attach_to_disclosure(
    State(app): State<AppState>,
    identity: Identity,
    Path(did): Path<String>,
    request: Request,
) -> Result<(StatusCode, Json<DocumentView>)> {
    attach(&app, &identity, (OwnerKind::Disclosure, &did), request).await
}

/// The vouchers of a disclosure. Roles: the compound's committee, the contract's firm,
/// the officials of the compound's street and district, the association (owners through
/// an inspection request).
#[utoipa::path(get, path = "/tenders/disclosures/{did}/documents", tag = "documents",
    params(("did" = String, Path, description = "disclosure id")),
    responses((status = 200, body = Vec<DocumentView>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn disclosure_documents(
    State(app): State<AppState>,
    identity: Option<Identity>,
    Path(did): Path<String>,
) -> Result<Json<Vec<DocumentView>>> {
    let docs = documents::of_owner(&app, identity.as_ref(), OwnerKind::Disclosure, &did).await?;
    Ok(views(docs))
}

/// One document's description, removed or not, for whoever may read the thing it belongs
/// to; a bid's document before the opening answers 404 to everyone but the bidder, exactly
/// as an unknown id.
#[utoipa::path(get, path = "/tenders/documents/{id}", tag = "documents",
    params(("id" = String, Path, description = "document id")),
    responses((status = 200, body = DocumentView), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn document(
    State(app): State<AppState>,
    identity: Option<Identity>,
    Path(id): Path<String>,
) -> Result<Json<DocumentView>> {
    let doc = documents::readable(&app, identity.as_ref(), &id).await?;
    Ok(Json(DocumentView::from(&doc)))
}

/// Takes a document down (撤下): no longer listed or served, its row and history kept.
/// Roles: whoever may attach to the thing it belongs to, now (a bid's: the firm, before
/// the deadline).
#[utoipa::path(delete, path = "/tenders/documents/{id}", tag = "documents",
    params(("id" = String, Path, description = "document id")),
    responses((status = 200, body = DocumentView), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 404, body = Problem), (status = 409, body = Problem)))]
pub async fn remove_document(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<Json<DocumentView>> {
    let mut tx = WriteTx::begin(&app.db, &app.notifier).await?;
    let doc = documents::remove(&mut tx, &identity, &id).await?;
    tx.commit().await?;
    Ok(Json(DocumentView::from(&doc)))
}

/// A document's bytes, with its type (`Content-Type` from the content), as an attachment
/// (`Content-Disposition`, a safe file name) and `X-Content-Type-Options: nosniff`. Same
/// readers as its description; a removed document 410 `document_removed`.
#[utoipa::path(get, path = "/tenders/documents/{id}/content", tag = "documents",
    params(("id" = String, Path, description = "document id")),
    responses(
        (status = 200, description = "the file", content(
            (Vec<u8> = "application/pdf"), (Vec<u8> = "image/jpeg"), (Vec<u8> = "image/png"),
            (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))),
        (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 410, body = Problem)))]
pub async fn content(
    State(app): State<AppState>,
    identity: Option<Identity>,
    Path(id): Path<String>,
) -> Result<Response> {
    let doc = documents::readable(&app, identity.as_ref(), &id).await?;
    bytes_of(&app, &doc).await
}

/// A document's bytes as an attachment (see [`content`]); a removed one 410.
pub(crate) async fn bytes_of(app: &AppState, doc: &documents::Document) -> Result<Response> {
    if doc.removed {
        return Err(
            Problem::new(StatusCode::GONE, "document_removed", "文件已撤下")
                .with_detail("该文件已被撤下，不再提供下载；撤下记录仍可查看。")
                .into(),
        );
    }
    let bytes = app.files.get(&doc.sha256).await?;
    let mut response = (StatusCode::OK, Body::from_stream(bytes)).into_response();
    let h = response.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(doc.media_type.mime()),
    );
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(doc.size_bytes));
    if let Ok(v) = HeaderValue::from_str(&disposition(doc)) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    h.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, no-store"),
    );
    Ok(response)
}

/// `attachment`, an ASCII name (`document-<id>.<ext>`) and the title as RFC 5987
/// `filename*` (every byte but letters, digits and `-._~` percent-encoded).
fn disposition(doc: &documents::Document) -> String {
    let ext = doc.media_type.extension();
    let title: String = format!("{}.{ext}", doc.title)
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!(
        "attachment; filename=\"document-{}.{ext}\"; filename*=UTF-8''{title}",
        doc.id
    )
}
