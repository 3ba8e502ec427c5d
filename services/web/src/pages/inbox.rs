//! 通知 (`/inbox`): the signed-in account's notifications (matching's `/match/inbox`), each
//! opened through `POST /inbox/{id}/open`, which marks it read and goes to the page where
//! the thing is; all marked read at once; the account's private Atom feed address (made,
//! replaced, revoked: shown once) and the organisation's webhooks (registered with their
//! secret shown once, stopped, each with its delivery log at `/inbox/webhooks/{id}`).
//! Every account but a service's; what each sees is matching's rule.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};
use shared::auth::Role;

use crate::api;
use crate::chrome::Chrome;
use crate::csrf::CsrfForm;
use crate::error::PageError;
use crate::forms::{FormErrors, see_other, see_other_with};
use crate::pages::model::Page;
use crate::roles::SignedInUser;
use crate::state::WebState;

/// Notifications per page.
const PAGE: i64 = 30;

#[derive(Debug, Clone, Deserialize)]
pub struct Notification {
    pub id: String,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub link: String,
    pub created_at: String,
    pub read: bool,
}

impl Notification {
    /// `2026-12-07 09:30` (Beijing).
    pub fn when(&self) -> String {
        crate::format::when(&self.created_at)
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct FeedTokenState {
    pub active: bool,
    pub created_at: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Webhook {
    pub id: String,
    pub url: String,
    pub created_at: String,
    pub pending: i64,
    pub delivered: i64,
    pub failed: i64,
}

/// Something to show once: the feed address or a webhook's secret.
#[derive(Debug, Default)]
pub struct Once {
    pub feed_url: Option<String>,
    pub secret: Option<(String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "inbox.html")]
pub struct InboxPage {
    chrome: Chrome,
    done: Option<String>,
    unread_only: bool,
    offset: i64,
    list: Page<Notification>,
    feed: FeedTokenState,
    /// `None` for city officials (they register no webhook).
    webhooks: Option<Vec<Webhook>>,
    once: Once,
    url_typed: String,
    url_error: Option<String>,
}

impl InboxPage {
    pub fn next_offset(&self) -> Option<i64> {
        let next = self.offset + PAGE;
        (next < self.list.total).then_some(next)
    }
    pub fn prev_offset(&self) -> Option<i64> {
        (self.offset > 0).then(|| (self.offset - PAGE).max(0))
    }
    pub fn filter_query(&self) -> &'static str {
        if self.unread_only { "&unread=true" } else { "" }
    }
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    unread: Option<String>,
    #[serde(default)]
    offset: Option<i64>,
}

fn inbox_url(app: &WebState, rest: &str) -> String {
    format!("{}/match/inbox{rest}", app.api.matching)
}

struct Shown {
    done: Option<String>,
    unread_only: bool,
    offset: i64,
    once: Once,
    url_typed: String,
    url_error: Option<String>,
}

async fn load(
    app: &WebState,
    user: &SignedInUser,
    chrome: Chrome,
    s: Shown,
) -> Result<InboxPage, PageError> {
    let token = Some(user.token.as_str());
    let filter = if s.unread_only { "&unread=true" } else { "" };
    let list: Page<Notification> = app
        .api
        .get(
            &inbox_url(app, &format!("?limit={PAGE}&offset={}{filter}", s.offset)),
            token,
        )
        .await?;
    let feed: FeedTokenState = app.api.get(&inbox_url(app, "/atom-token"), token).await?;
    let webhooks = if user.identity.role == Role::CityOfficial {
        None
    } else {
        Some(app.api.get(&inbox_url(app, "/webhooks"), token).await?)
    };
    Ok(InboxPage {
        chrome,
        done: s.done,
        unread_only: s.unread_only,
        offset: s.offset,
        list,
        feed,
        webhooks,
        once: s.once,
        url_typed: s.url_typed,
        url_error: s.url_error,
    })
}

pub async fn page(
    State(app): State<WebState>,
    user: SignedInUser,
    chrome: Chrome,
    Query(q): Query<ListQuery>,
) -> Result<InboxPage, PageError> {
    let shown = Shown {
        done: q.done,
        unread_only: q.unread.as_deref() == Some("true"),
        offset: q.offset.unwrap_or(0).clamp(0, 1_000_000),
        once: Once::default(),
        url_typed: String::new(),
        url_error: None,
    };
    load(&app, &user, chrome, shown).await
}

/// A form with nothing but the CSRF token.
#[derive(Debug, Deserialize)]
pub struct Empty {}

/// Marks it read and goes to where the thing is (a site path only).
pub async fn open(
    State(app): State<WebState>,
    user: SignedInUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let token = Some(user.token.as_str());
    let url = format!(
        "{}{}",
        app.api.matching,
        api::path(&["match", "inbox", &id, "read"])
    );
    app.api
        .send::<Value>(Method::POST, &url, token, &json!({}))
        .await?;
    // The link is where the thing is; found again in the list, never taken from the form.
    let list: Page<Notification> = app.api.get(&inbox_url(&app, "?limit=200"), token).await?;
    let link = list
        .items
        .iter()
        .find(|n| n.id == id)
        .map(|n| n.link.clone())
        .filter(|l| l.starts_with('/') && !l.starts_with("//"))
        .unwrap_or_else(|| "/inbox".into());
    Ok(see_other(&link))
}

pub async fn read_all(
    State(app): State<WebState>,
    user: SignedInUser,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    app.api
        .send::<Value>(
            Method::POST,
            &inbox_url(&app, "/read-all"),
            Some(&user.token),
            &json!({}),
        )
        .await?;
    Ok(see_other_with("/inbox", "已全部标为已读。"))
}

/// Makes (or replaces) the feed address and shows it this once.
pub async fn feed_token(
    State(app): State<WebState>,
    user: SignedInUser,
    chrome: Chrome,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let made: Value = app
        .api
        .send(
            Method::POST,
            &inbox_url(&app, "/atom-token"),
            Some(&user.token),
            &json!({}),
        )
        .await?;
    let path = made["path"].as_str().unwrap_or_default();
    let shown = Shown {
        done: Some("已生成新的订阅地址，旧地址已失效。".into()),
        unread_only: false,
        offset: 0,
        once: Once {
            feed_url: Some(format!("{}{path}", app.api.matching)),
            secret: None,
        },
        url_typed: String::new(),
        url_error: None,
    };
    let page = load(&app, &user, chrome, shown).await?;
    Ok(([(axum::http::header::CACHE_CONTROL, "no-store")], page).into_response())
}

pub async fn revoke_feed_token(
    State(app): State<WebState>,
    user: SignedInUser,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let done = app
        .api
        .send::<Value>(
            Method::DELETE,
            &inbox_url(&app, "/atom-token"),
            Some(&user.token),
            &json!({}),
        )
        .await;
    match done {
        Ok(_) => Ok(see_other_with("/inbox", "订阅地址已停用。")),
        Err(e) if e.status() == Some(reqwest::StatusCode::NOT_FOUND) => {
            Ok(see_other_with("/inbox", "当前没有订阅地址。"))
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Debug, Deserialize)]
pub struct WebhookForm {
    #[serde(default)]
    url: String,
}

/// Registers a webhook; shows its secret this once, or the form again with why not.
pub async fn create_webhook(
    State(app): State<WebState>,
    user: SignedInUser,
    chrome: Chrome,
    CsrfForm(form): CsrfForm<WebhookForm>,
) -> Result<Response, PageError> {
    let made = app
        .api
        .send::<Value>(
            Method::POST,
            &inbox_url(&app, "/webhooks"),
            Some(&user.token),
            &json!({"url": form.url}),
        )
        .await;
    let mut shown = Shown {
        done: None,
        unread_only: false,
        offset: 0,
        once: Once::default(),
        url_typed: String::new(),
        url_error: None,
    };
    let status = match made {
        Ok(hook) => {
            shown.done = Some("接收地址已登记。".into());
            shown.once.secret = Some((
                hook["url"].as_str().unwrap_or_default().to_string(),
                hook["secret"].as_str().unwrap_or_default().to_string(),
            ));
            reqwest::StatusCode::OK
        }
        Err(e) => {
            let errors = FormErrors::from_api_as(&e, crate::forms::Keys::Top, &[]);
            shown.url_error = Some(
                errors
                    .get("url")
                    .map_or_else(|| e.message(), str::to_string),
            );
            shown.url_typed = form.url;
            FormErrors::status(&e)
        }
    };
    let page = load(&app, &user, chrome, shown).await?;
    Ok((
        status,
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        page,
    )
        .into_response())
}

pub async fn revoke_webhook(
    State(app): State<WebState>,
    user: SignedInUser,
    Path(id): Path<String>,
    CsrfForm(_): CsrfForm<Empty>,
) -> Result<Response, PageError> {
    let url = format!(
        "{}{}",
        app.api.matching,
        api::path(&["match", "inbox", "webhooks", &id])
    );
    app.api
        .send::<Value>(Method::DELETE, &url, Some(&user.token), &json!({}))
        .await?;
    Ok(see_other_with("/inbox", "接收地址已停用。"))
}

#[derive(Debug, Clone, Deserialize)]
pub struct Attempt {
    pub kind: String,
    pub attempt: i64,
    pub at: String,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub state: String,
}

impl Attempt {
    pub fn when(&self) -> String {
        crate::format::when(&self.at)
    }
    pub fn status_text(&self) -> String {
        self.status_code
            .map_or_else(|| "—".into(), |c| c.to_string())
    }
    pub fn error_text(&self) -> &str {
        self.error.as_deref().unwrap_or("")
    }
    pub fn state_label(&self) -> &'static str {
        match self.state.as_str() {
            "delivered" => "已送达",
            "pending" => "等待重试",
            "failed" => "已放弃",
            _ => "已取消",
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "inbox_webhook.html")]
pub struct WebhookLogPage {
    chrome: Chrome,
    id: String,
    log: Page<Attempt>,
}

/// The delivery log of one of the organisation's webhooks.
pub async fn webhook_log(
    State(app): State<WebState>,
    user: SignedInUser,
    chrome: Chrome,
    Path(id): Path<String>,
) -> Result<WebhookLogPage, PageError> {
    let url = format!(
        "{}{}?limit=100",
        app.api.matching,
        api::path(&["match", "inbox", "webhooks", &id, "deliveries"])
    );
    let log = app.api.get(&url, Some(&user.token)).await?;
    Ok(WebhookLogPage { chrome, id, log })
}
