//! The pages, one module per area, and what every page's layout needs ([`Chrome`]).

mod association;
mod committee;
mod firm_portal;
mod home;
mod official;
mod public;
mod roster;
mod signin;

use std::sync::Arc;

use axum::Router;
use axum::extract::FromRef;
use axum::routing::get;
use shared::auth::{Identity, Role, TokenKeys};

use crate::api::Api;
use crate::csrf::CsrfToken;
use crate::session::Session;

pub use official::ImportJobs;

/// The pages' state.
#[derive(Clone)]
pub struct WebState {
    pub api: Api,
    pub keys: Arc<TokenKeys>,
    /// The officials' ledger import jobs (in memory; see `official::import`).
    pub imports: Arc<official::ImportJobs>,
    /// Whether cookies are `Secure`.
    pub cookies: crate::security::CookiePolicy,
}

impl FromRef<WebState> for Arc<TokenKeys> {
    fn from_ref(s: &WebState) -> Self {
        s.keys.clone()
    }
}

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
}

impl Chrome {
    pub fn new(session: &Session, csrf: &CsrfToken) -> Self {
        Self {
            user_name: session.identity.as_ref().map(|i| i.name.clone()),
            role_label: session
                .identity
                .as_ref()
                .map(|i| i.role.label_zh().to_string())
                .unwrap_or_default(),
            csrf: csrf.0.clone(),
            role: session.identity.as_ref().map(|i| i.role),
            demo: session.demo,
        }
    }

    pub fn anonymous() -> Self {
        Self::default()
    }

    pub fn signed_in(&self) -> bool {
        self.user_name.is_some()
    }

    /// Navigation for the layout: which role's menu to show.
    pub fn is_association(&self) -> bool {
        self.role == Some(Role::Association)
    }
    pub fn is_official(&self) -> bool {
        matches!(
            self.role,
            Some(Role::StreetOfficial | Role::DistrictOfficial)
        )
    }
    pub fn is_committee(&self) -> bool {
        self.role == Some(Role::Committee)
    }
    pub fn is_firm(&self) -> bool {
        self.role == Some(Role::Firm)
    }
}

/// The signed-in identity and token when the user has one of `roles`; otherwise the page to
/// answer instead: a redirect to sign in (then back to `path`) for a visitor, 403 for
/// another role.
pub fn require_role(
    session: &Session,
    roles: &[Role],
    chrome: &Chrome,
    path: &str,
) -> Result<(Identity, String), axum::response::Response> {
    use axum::response::IntoResponse;
    match (&session.identity, &session.token) {
        (Some(identity), Some(token)) if roles.contains(&identity.role) => {
            Ok((identity.clone(), token.clone()))
        }
        (Some(identity), Some(_)) => Err(crate::error::PageError::new(
            axum::http::StatusCode::FORBIDDEN,
            "无权查看",
            format!("当前账号（{}）无权使用此页面。", identity.role.label_zh()),
            chrome.clone(),
        )
        .into_response()),
        _ => {
            let next = serde_urlencoded::to_string([("next", path)]).unwrap_or_default();
            Err(crate::forms::see_other(&format!("/signin?{next}")))
        }
    }
}

/// Whether a role may see the association's pages.
pub fn is_association(identity: Option<&Identity>) -> bool {
    identity.is_some_and(|i| i.role == Role::Association)
}

pub fn router() -> Router<WebState> {
    Router::new()
        .route("/", get(home::home))
        .route("/signin", get(signin::form).post(signin::submit))
        .route("/signout", axum::routing::post(signin::sign_out))
        .route("/roster", get(roster::list))
        .route("/roster/{id}", get(roster::detail))
        .route("/blacklist", get(roster::blacklist))
        .merge(association::routes())
        .merge(official::routes())
        .merge(committee::routes())
        .merge(firm_portal::routes())
        .merge(public::routes())
}
