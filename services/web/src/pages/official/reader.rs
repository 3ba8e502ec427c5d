//! Who reads the work plans and the reports: an official of a street or a district (their
//! area), or a city-wide reader, the association (the city; a city official's role would join
//! it here). Writing a plan stays the street official's ([`crate::roles::OfficialUser`]).

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::response::Response;
use shared::auth::TokenKeys;

use crate::roles::{Area, AssociationUser, OfficialUser};

/// A reader of plans and reports, with its area (`None`: the whole city).
pub struct Reader {
    pub token: String,
    pub area: Option<Area>,
}

impl Reader {
    /// 锦江区锦官驿街道, 锦江区, 成都市.
    pub fn name(&self) -> String {
        self.area.map_or_else(|| "成都市".to_string(), |a| a.name())
    }
}

impl From<&OfficialUser> for Reader {
    fn from(o: &OfficialUser) -> Self {
        Self {
            token: o.token.clone(),
            area: Some(o.area),
        }
    }
}

impl<S> FromRequestParts<S> for Reader
where
    Arc<TokenKeys>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    /// An official, else the association; otherwise the official guard's answer (sign in,
    /// or the 403 page).
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match OfficialUser::from_request_parts(parts, state).await {
            Ok(o) => Ok(Reader::from(&o)),
            Err(refused) => match AssociationUser::from_request_parts(parts, state).await {
                Ok(a) => Ok(Reader {
                    token: a.token,
                    area: None,
                }),
                Err(_) => Err(refused),
            },
        }
    }
}
