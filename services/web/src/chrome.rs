//! What every page's layout shows ([`Chrome`]: who is signed in, the form token, the demo
//! banner), taken by handlers as an extractor, and the error pages rendered with it.

use std::convert::Infallible;
use std::sync::Arc;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{FromRef, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use shared::auth::{Role, TokenKeys};

use crate::csrf::CsrfToken;
use crate::error::{PASSWORD_PAGE, PageError};
use crate::next::come_back;
use crate::session::Session;

/// What the layout shows on every page: who is signed in, and the form token.
#[derive(Debug, Clone, Default)]
pub struct Chrome {
    /// The signed-in user's name.
    pub user_name: Option<String>,
    /// Their role, in Chinese.
    pub role_label: String,
    /// The CSRF token for this page's forms.
    pub csrf: String,
    /// Their role (drives the navigation).
    pub role: Option<Role>,
    /// Demo accounts with the published password exist: the layout says 演示环境.
    pub demo: bool,
    /// The account's unread notifications (the navigation's 通知 link), if known.
    pub unread: Option<i64>,
}

impl Chrome {
    /// The chrome of a request with this session and form token.
    pub fn of(session: &Session, csrf: Option<&CsrfToken>) -> Self {
        let identity = session.identity.as_ref();
        Self {
            user_name: identity.map(|i| i.name.clone()),
            role_label: identity
                .map(|i| i.role.label_zh().to_string())
                .unwrap_or_default(),
            csrf: csrf.map(|c| c.0.clone()).unwrap_or_default(),
            role: identity.map(|i| i.role),
            demo: session.demo,
            unread: session.unread,
        }
    }

    /// Navigation for the layout: which role's menu to show.
    pub fn is_association(&self) -> bool {
        self.role == Some(Role::Association)
    }
    pub fn is_official(&self) -> bool {
        matches!(
            self.role,
            Some(Role::StreetOfficial | Role::DistrictOfficial | Role::CityOfficial)
        )
    }
    /// Whether the official keeps a ledger (street and district officials; a city official
    /// only reads): the ledger's edit, register and import links.
    pub fn keeps_ledger(&self) -> bool {
        matches!(
            self.role,
            Some(Role::StreetOfficial | Role::DistrictOfficial)
        )
    }
    /// Whether the user manages accounts (`/accounts`): the association, district and
    /// street officials.
    pub fn manages_accounts(&self) -> bool {
        matches!(
            self.role,
            Some(Role::Association | Role::DistrictOfficial | Role::StreetOfficial)
        )
    }
    pub fn is_committee(&self) -> bool {
        self.role == Some(Role::Committee)
    }
    /// The unread count to show beside 通知: none when it is 0 or unknown.
    pub fn unread_badge(&self) -> Option<i64> {
        self.unread.filter(|n| *n > 0)
    }
    pub fn is_firm(&self) -> bool {
        self.role == Some(Role::Firm)
    }
}

impl<S> FromRequestParts<S> for Chrome
where
    Arc<TokenKeys>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let session = Session::from_request_parts(parts, state).await?;
        Ok(Self::of(&session, parts.extensions.get::<CsrfToken>()))
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "error.html")]
struct ErrorPage {
    chrome: Chrome,
    heading: String,
    message: String,
}

/// Middleware over the pages: a response that carries a [`PageError`] (a handler's `Err`, a
/// refused form, a role guard's 403) is rendered as the error page inside the layout, with
/// the request's chrome. Its status and headers (a cleared session cookie) are kept.
pub async fn error_pages(
    State(keys): State<Arc<TokenKeys>>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    let Ok(session) = Session::from_request_parts(&mut parts, &keys).await;
    let chrome = Chrome::of(&session, parts.extensions.get::<CsrfToken>());
    let back = come_back(&parts);
    let response = next.run(Request::from_parts(parts, body)).await;
    let Some(error) = response.extensions().get::<PageError>().cloned() else {
        return response;
    };
    let (mut plain, _) = response.into_parts();
    if error.status == StatusCode::SEE_OTHER {
        // The password must be changed first: to the form, then back to this page.
        let to = format!(
            "{PASSWORD_PAGE}?{}",
            serde_urlencoded::to_string([("next", back.as_str())]).unwrap_or_default()
        );
        if let Ok(v) = HeaderValue::try_from(to) {
            plain.headers.insert(header::LOCATION, v);
        }
    }
    let mut page = (
        error.status,
        ErrorPage {
            chrome,
            heading: error.heading,
            message: error.message,
        },
    )
        .into_response();
    for (name, value) in &plain.headers {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            page.headers_mut().append(name.clone(), value.clone());
        }
    }
    page
}
