//! Who keeps a compound's budget and fees on the pages: the committee its own compound's,
//! at `/committee/money…`; a firm the compound it serves, at `/firm/compounds/{cid}/money…`.
//! The API decides (a firm whose contract does not cover the compound gets its 403); this
//! only says which compound a page is about and where its pages are.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use shared::auth::TokenKeys;

use crate::api;
use crate::error::PageError;
use crate::roles::{CommitteeUser, FirmUser};

/// The signed-in keeper of one compound's money, as a page sees them.
#[derive(Debug, Clone)]
pub struct Desk {
    pub token: String,
    pub compound_id: String,
    /// `/committee/money` or `/firm/compounds/{cid}/money`.
    pub base: String,
    pub committee: bool,
}

impl Desk {
    /// A page of this desk: `{base}{rest}`.
    pub fn path(&self, rest: &str) -> String {
        format!("{}{rest}", self.base)
    }

    /// The tender API's URL of this compound: `{tender}/tenders/compounds/{cid}/{rest…}`.
    pub fn api(&self, tender: &str, rest: &[&str]) -> String {
        let mut segments = vec!["tenders", "compounds", &self.compound_id];
        segments.extend_from_slice(rest);
        format!("{tender}{}", api::path(&segments))
    }

    /// Where the keeper goes back to.
    pub fn home_path(&self) -> &'static str {
        if self.committee {
            "/committee"
        } else {
            "/firm"
        }
    }

    pub fn home_label(&self) -> &'static str {
        if self.committee {
            "本小区工作台"
        } else {
            "企业工作台"
        }
    }
}

impl<S> FromRequestParts<S> for Desk
where
    Arc<TokenKeys>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        if parts.uri.path().starts_with("/committee/") {
            let c = CommitteeUser::from_request_parts(parts, state).await?;
            return Ok(Self {
                token: c.token,
                base: "/committee/money".into(),
                compound_id: c.compound_id,
                committee: true,
            });
        }
        let f = FirmUser::from_request_parts(parts, state).await?;
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| PageError::not_found("没有这个小区。").into_response())?;
        let compound_id = params
            .get("cid")
            .cloned()
            .ok_or_else(|| PageError::not_found("没有这个小区。").into_response())?;
        Ok(Self {
            token: f.token,
            base: format!("/firm/compounds{}/money", api::path(&[&compound_id])),
            compound_id,
            committee: false,
        })
    }
}
