//! The inbox (`/match/inbox…`): each account's organisation's notifications with this
//! account's read state, the unread count, marking read; the account's private Atom feed
//! token and the feed itself; the organisation's webhooks and their delivery log. What the
//! notifications are and where they come from is `crate::notifications`. Who: every
//! signed-in account but a service (403); another organisation's notification or webhook
//! is 404. City officials read their inbox and keep their own feed token but register no
//! webhook (they write nothing).

use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use shared::auth::{Identity, Role};
use shared::clock::now_ms;
use shared::error::{FieldError, Problem, Validation};
use shared::extract::{Json, LateJson, Page, PageQuery, Query};
use utoipa::{IntoParams, OpenApi, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::error::Result;
use crate::notifications::atom::{self, Opened};
use crate::notifications::recipient::Recipient;
use crate::notifications::store::{self, Listing, NotificationView, Order};
use crate::notifications::webhooks::{self, AttemptView, NewWebhookAnswer, WebhookView};
use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(components(schemas(
    NotificationView,
    Page<NotificationView>,
    UnreadCount,
    MarkedRead,
    FeedToken,
    FeedTokenState,
    NewWebhook,
    NewWebhookAnswer,
    WebhookView,
    AttemptView,
    Page<AttemptView>
)))]
pub struct Api;

/// The routes, each with its OpenAPI operation (the path is the operation's).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(Api::openapi())
        .routes(routes!(inbox))
        .routes(routes!(unread_count))
        .routes(routes!(mark_read))
        .routes(routes!(mark_all_read))
        .routes(routes!(
            feed_token_state,
            issue_feed_token,
            revoke_feed_token
        ))
        .routes(routes!(atom_feed))
        .routes(routes!(list_webhooks, create_webhook))
        .routes(routes!(revoke_webhook))
        .routes(routes!(webhook_deliveries))
}

/// `?unread=&order=` of the inbox.
#[derive(Debug, Deserialize, IntoParams)]
pub struct InboxQuery {
    /// `true`: unread only.
    pub unread: Option<String>,
    /// `newest` (default) or `unread_first`.
    pub order: Option<String>,
}

/// The caller's organisation's notifications with this account's read state, newest first
/// (or unread first), paged.
#[utoipa::path(get, path = "/match/inbox", tag = "inbox", params(InboxQuery, PageQuery),
    responses((status = 200, body = Page<NotificationView>), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 422, body = Problem)))]
async fn inbox(
    State(app): State<AppState>,
    identity: Identity,
    Query(q): Query<InboxQuery>,
    Query(p): Query<PageQuery>,
) -> Result<Json<Page<NotificationView>>> {
    let recipient = Recipient::of(&identity)?;
    let mut v = Validation::new();
    let unread_only = match q.unread.as_deref().map(str::trim) {
        None | Some("" | "false") => false,
        Some("true") => true,
        Some(_) => {
            v.push(FieldError::new(
                "unread",
                "invalid",
                "unread 只能是 true 或 false",
            ));
            false
        }
    };
    let order = match q.order.as_deref().map(str::trim) {
        None | Some("" | "newest") => Order::Newest,
        Some("unread_first") => Order::UnreadFirst,
        Some(_) => {
            v.push(FieldError::new(
                "order",
                "invalid",
                "order 只能是 newest 或 unread_first",
            ));
            Order::Newest
        }
    };
    let page = p.collect(&mut v);
    let page = v.finish_with(|| page)?;
    let mut conn = app.db.pool.acquire().await?;
    let listing = Listing {
        recipient: &recipient,
        account_id: &identity.account_id,
        unread_only,
        order,
        limit: page.limit,
        offset: page.offset,
    };
    let (items, total) = store::list(&mut conn, &listing).await?;
    Ok(Json(page.of(items, total)))
}

/// How many notifications this account has not read.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct UnreadCount {
    pub unread: i64,
}

/// The unread count (the pages' navigation asks it on every render).
#[utoipa::path(get, path = "/match/inbox/unread-count", tag = "inbox",
    responses((status = 200, body = UnreadCount), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn unread_count(
    State(app): State<AppState>,
    identity: Identity,
) -> Result<Json<UnreadCount>> {
    let recipient = Recipient::of(&identity)?;
    let mut conn = app.db.pool.acquire().await?;
    let unread = store::unread_count(&mut conn, &recipient, &identity.account_id).await?;
    Ok(Json(UnreadCount { unread }))
}

fn no_notification() -> Problem {
    Problem::not_found("没有这条通知。")
}

/// Marks one notification read for this account (404 for another organisation's).
#[utoipa::path(post, path = "/match/inbox/{id}/read", tag = "inbox",
    params(("id" = String, Path, description = "Notification id")),
    responses((status = 204, description = "Marked read"), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem)))]
async fn mark_read(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let recipient = Recipient::of(&identity)?;
    let mut conn = app.db.pool.acquire().await?;
    if store::mark_read(&mut conn, &recipient, &identity.account_id, &id, now_ms()).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(no_notification().into())
    }
}

/// How many notifications were marked read.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct MarkedRead {
    pub marked: u64,
}

/// Marks every notification of the organisation read for this account.
#[utoipa::path(post, path = "/match/inbox/read-all", tag = "inbox",
    responses((status = 200, body = MarkedRead), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn mark_all_read(
    State(app): State<AppState>,
    identity: Identity,
) -> Result<Json<MarkedRead>> {
    let recipient = Recipient::of(&identity)?;
    let mut conn = app.db.pool.acquire().await?;
    let marked =
        store::mark_all_read(&mut conn, &recipient, &identity.account_id, now_ms()).await?;
    Ok(Json(MarkedRead { marked }))
}

/// A new feed token: shown once.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FeedToken {
    pub token: String,
    /// The feed's path (`/match/inbox/atom/<token>`).
    pub path: String,
}

/// Whether the account has a feed token (never the token).
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct FeedTokenState {
    pub active: bool,
    /// RFC 3339, when it was made.
    pub created_at: Option<String>,
}

/// Whether this account has a feed token.
#[utoipa::path(get, path = "/match/inbox/atom-token", tag = "inbox",
    responses((status = 200, body = FeedTokenState), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn feed_token_state(
    State(app): State<AppState>,
    identity: Identity,
) -> Result<Json<FeedTokenState>> {
    Recipient::of(&identity)?;
    let mut conn = app.db.pool.acquire().await?;
    let at = atom::issued_at(&mut conn, &identity.account_id).await?;
    Ok(Json(FeedTokenState {
        active: at.is_some(),
        created_at: at.map(shared::clock::rfc3339_utc),
    }))
}

/// Makes (or rotates) this account's private feed token; the earlier one stops working.
/// Answered once (`Cache-Control: no-store`); only its digest is kept.
#[utoipa::path(post, path = "/match/inbox/atom-token", tag = "inbox",
    responses((status = 201, body = FeedToken, headers(("Cache-Control" = String, description = "no-store"))),
        (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn issue_feed_token(State(app): State<AppState>, identity: Identity) -> Result<Response> {
    let recipient = Recipient::of(&identity)?;
    let mut conn = app.db.pool.acquire().await?;
    let token = atom::issue(&mut conn, &identity.account_id, &recipient, now_ms()).await?;
    let path = format!("/match/inbox/atom/{token}");
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        Json(FeedToken { token, path }),
    )
        .into_response())
}

/// Revokes this account's feed token (404 when it has none).
#[utoipa::path(delete, path = "/match/inbox/atom-token", tag = "inbox",
    responses((status = 204, description = "Revoked"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn revoke_feed_token(State(app): State<AppState>, identity: Identity) -> Result<StatusCode> {
    Recipient::of(&identity)?;
    let mut conn = app.db.pool.acquire().await?;
    if atom::revoke(&mut conn, &identity.account_id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Problem::not_found("当前没有订阅令牌。").into())
    }
}

/// The account's notifications as Atom 1.0 (the latest 50), opened by its private token
/// alone: 404 for an unknown or revoked token, 410 when the account was disabled or its
/// sessions ended after the token was made.
#[utoipa::path(get, path = "/match/inbox/atom/{token}", tag = "inbox",
    params(("token" = String, Path, description = "The private feed token")),
    responses((status = 200, content_type = "application/atom+xml", body = String),
        (status = 404, body = Problem), (status = 410, body = Problem)))]
async fn atom_feed(State(app): State<AppState>, Path(token): Path<String>) -> Result<Response> {
    let mut conn = app.db.pool.acquire().await?;
    let holder = match atom::open(&mut conn, &token).await? {
        Opened::Feed(h) => h,
        Opened::Unknown => return Err(Problem::not_found("没有这个订阅地址。").into()),
        Opened::Gone => {
            return Err(Problem::new(
                StatusCode::GONE,
                "feed_token_gone",
                "订阅地址已失效：账号已停用或已重新登录，请重新生成。",
            )
            .into());
        }
    };
    let Some(recipient) = Recipient::parse(&holder.recipient) else {
        return Err(Problem::not_found("没有这个订阅地址。").into());
    };
    let listing = Listing {
        recipient: &recipient,
        account_id: &holder.account_id,
        unread_only: false,
        order: Order::Newest,
        limit: atom::ENTRIES,
        offset: 0,
    };
    let (entries, _) = store::list(&mut conn, &listing).await?;
    let xml = atom::render(&holder, &entries, now_ms());
    Ok((
        [
            (header::CONTENT_TYPE, "application/atom+xml; charset=utf-8"),
            (header::CACHE_CONTROL, "private, no-store"),
        ],
        xml,
    )
        .into_response())
}

/// A webhook to register.
#[derive(Debug, Deserialize, ToSchema)]
pub struct NewWebhook {
    /// HTTPS (HTTP only on loopback), no credentials, at most 2000 characters.
    pub url: String,
}

/// The caller's organisation, if it may keep webhooks (city officials write nothing).
fn webhook_owner(identity: &Identity) -> Result<Recipient, Problem> {
    if identity.role == Role::CityOfficial {
        return Err(Problem::forbidden("市级工作人员账号不能登记接收地址。"));
    }
    Recipient::of(identity)
}

fn no_webhook() -> Problem {
    Problem::not_found("没有这个接收地址。")
}

/// The organisation's live webhooks with their delivery counts (never a secret).
#[utoipa::path(get, path = "/match/inbox/webhooks", tag = "inbox",
    responses((status = 200, body = Vec<WebhookView>), (status = 401, body = Problem), (status = 403, body = Problem)))]
async fn list_webhooks(
    State(app): State<AppState>,
    identity: Identity,
) -> Result<Json<Vec<WebhookView>>> {
    // Readable by every organisation (a city official's list is empty: it registers none).
    let recipient = Recipient::of(&identity)?;
    let mut conn = app.db.pool.acquire().await?;
    Ok(Json(webhooks::list(&mut conn, &recipient).await?))
}

/// Registers a webhook for the organisation; its secret is answered this once
/// (`Cache-Control: no-store`). Every later notification is delivered to it, signed.
#[utoipa::path(post, path = "/match/inbox/webhooks", tag = "inbox", request_body = NewWebhook,
    responses((status = 201, body = NewWebhookAnswer), (status = 400, body = Problem), (status = 401, body = Problem),
        (status = 403, body = Problem), (status = 409, body = Problem), (status = 422, body = Problem)))]
async fn create_webhook(
    State(app): State<AppState>,
    identity: Identity,
    body: LateJson<NewWebhook>,
) -> Result<Response> {
    let recipient = webhook_owner(&identity)?;
    let url = webhooks::check_url(&body.value()?.url)?;
    let mut conn = app.db.pool.acquire().await?;
    let made =
        webhooks::create(&mut conn, &recipient, &url, &identity.account_id, now_ms()).await??;
    Ok((
        StatusCode::CREATED,
        [(header::CACHE_CONTROL, "no-store")],
        Json(made),
    )
        .into_response())
}

/// Stops one of the organisation's webhooks (waiting deliveries are cancelled).
#[utoipa::path(delete, path = "/match/inbox/webhooks/{id}", tag = "inbox",
    params(("id" = String, Path, description = "Webhook id")),
    responses((status = 204, description = "Stopped"), (status = 401, body = Problem), (status = 403, body = Problem), (status = 404, body = Problem)))]
async fn revoke_webhook(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
) -> Result<StatusCode> {
    let recipient = webhook_owner(&identity)?;
    let mut conn = app.db.pool.acquire().await?;
    if !webhooks::owns(&mut conn, &recipient, &id).await? {
        return Err(no_webhook().into());
    }
    webhooks::revoke(&mut conn, &id, now_ms()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The delivery log of one of the organisation's webhooks: every attempt, newest first,
/// with the receiver's status code or the error.
#[utoipa::path(get, path = "/match/inbox/webhooks/{id}/deliveries", tag = "inbox",
    params(("id" = String, Path, description = "Webhook id"), PageQuery),
    responses((status = 200, body = Page<AttemptView>), (status = 401, body = Problem), (status = 403, body = Problem),
        (status = 404, body = Problem), (status = 422, body = Problem)))]
async fn webhook_deliveries(
    State(app): State<AppState>,
    identity: Identity,
    Path(id): Path<String>,
    Query(p): Query<PageQuery>,
) -> Result<Json<Page<AttemptView>>> {
    let recipient = webhook_owner(&identity)?;
    let page = p.checked().map_err(Problem::validation)?;
    let mut conn = app.db.pool.acquire().await?;
    if !webhooks::owns(&mut conn, &recipient, &id).await? {
        return Err(no_webhook().into());
    }
    let (items, total) = webhooks::deliveries(&mut conn, &id, page.limit, page.offset).await?;
    Ok(Json(page.of(items, total)))
}
