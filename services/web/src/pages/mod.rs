//! The pages, one module per area, and what every page's layout needs ([`Chrome`]).

mod home;
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

/// The pages' state.
#[derive(Clone)]
pub struct WebState {
    pub api: Api,
    pub keys: Arc<TokenKeys>,
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
        }
    }

    pub fn anonymous() -> Self {
        Self::default()
    }

    pub fn signed_in(&self) -> bool {
        self.user_name.is_some()
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
}
