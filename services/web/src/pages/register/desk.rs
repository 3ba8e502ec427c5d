//! Who keeps which register on the pages: the committee its own compound's, at
//! `/committee/register…`; a street or district official any compound of their area, at
//! `/official/register/{cid}…`. The API decides what each may see and do (a district
//! official reads masked names and keeps nothing; another street's compound is the API's
//! 403); this only says which compound a page is about and where its pages are.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts, Path};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use shared::auth::TokenKeys;

use crate::api;
use crate::error::PageError;
use crate::pages::model::catalog::Compound;
use crate::roles::{Area, CommitteeUser, OfficialUser};
use crate::state::WebState;

/// The signed-in keeper (or reader) of one compound's register, as a page sees them.
#[derive(Debug, Clone)]
pub struct Desk {
    pub token: String,
    /// The account (import uploads belong to it).
    pub account_id: String,
    pub compound_id: String,
    /// Where this compound's register pages are: `/committee/register` or
    /// `/official/register/{cid}`.
    pub base: String,
    /// The official's area; `None` for the committee.
    pub area: Option<Area>,
}

impl Desk {
    /// A page of this register: `{base}{rest}` (`rest` empty or starting with `/`).
    pub fn path(&self, rest: &str) -> String {
        format!("{}{rest}", self.base)
    }

    /// The tender API's path of this register: `/tenders/compounds/{cid}/register{rest}`.
    pub fn api(&self, rest: &[&str]) -> String {
        let mut segments = vec!["tenders", "compounds", &self.compound_id, "register"];
        segments.extend_from_slice(rest);
        api::path(&segments)
    }

    /// For an official, the 403 page unless they may change the register: the compound's
    /// street official (district and city officials read it, as the API says). The pages
    /// that ask the register API nothing (its empty forms) check it here; the others answer
    /// the API's own refusal.
    pub async fn in_reach(&self, app: &WebState) -> Result<(), PageError> {
        let Some(area) = self.area else {
            return Ok(());
        };
        if !matches!(area, Area::Street(_)) {
            return Err(PageError::forbidden(
                "业主名册由小区自治组织或所在街道工作人员登记，区县和市级只能查看。",
            ));
        }
        let path = api::path(&["catalog", "compounds", &self.compound_id]);
        let c: Compound = app.api.catalog_get(&path, None).await?;
        if area.covers(&c.street) {
            Ok(())
        } else {
            Err(PageError::forbidden("该小区不在您的管辖范围内。"))
        }
    }

    /// Whether the page is the committee's.
    pub fn is_committee(&self) -> bool {
        self.area.is_none()
    }

    /// Where the keeper goes back to: the committee's workbench or the official's list.
    pub fn home(&self) -> (&'static str, &'static str) {
        if self.is_committee() {
            ("/committee", "本小区工作台")
        } else {
            ("/official/register", "业主名册")
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
                account_id: c.identity.account_id,
                base: "/committee/register".into(),
                compound_id: c.compound_id,
                area: None,
            });
        }
        let o = OfficialUser::from_request_parts(parts, state).await?;
        let Path(params) = Path::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map_err(|_| PageError::not_found("没有这个小区。").into_response())?;
        let compound_id = params
            .get("cid")
            .cloned()
            .ok_or_else(|| PageError::not_found("没有这个小区。").into_response())?;
        Ok(Self {
            token: o.token,
            account_id: o.identity.account_id,
            base: format!("/official/register{}", api::path(&[&compound_id])),
            compound_id,
            area: Some(o.area),
        })
    }
}
