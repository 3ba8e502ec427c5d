//! Who may use a page: one extractor per kind of user ([`AssociationUser`],
//! [`CommitteeUser`], [`FirmUser`], [`OfficialUser`] and [`LedgerKeeper`],
//! [`AccountManager`], [`SignedInUser`]), each carrying the identity, the token
//! to call the APIs as them, and what their scope names (the committee's compound, the
//! firm, the official's [`Area`]).
//!
//! A handler that takes one is only run for that user. Otherwise the extractor answers
//! instead: a visitor is sent to sign in and back ([`crate::next::come_back`]), another
//! role (or an account whose scope does not fit) gets the 403 page.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts};
use axum::http::request::Parts;
use axum::response::{IntoResponse, Response};
use shared::auth::{Identity, Role, Scope, TokenKeys};
use shared::domain::{DistrictCode, StreetCode, streets as all_streets, streets_of};

use crate::error::PageError;
use crate::forms::see_other;
use crate::next::{come_back, sign_in_path};
use crate::session::Session;

/// The signed-in identity and token when the user has one of `roles`; otherwise the answer:
/// sign in (then back) for a visitor, 403 for another role.
async fn signed_in<S>(
    parts: &mut Parts,
    state: &S,
    roles: &[Role],
) -> Result<(Identity, String), Response>
where
    Arc<TokenKeys>: FromRef<S>,
    S: Send + Sync,
{
    let Ok(session) = Session::from_request_parts(parts, state).await;
    match (session.identity, session.token) {
        (Some(identity), Some(token)) if roles.contains(&identity.role) => Ok((identity, token)),
        (Some(identity), Some(_)) => Err(PageError::forbidden(format!(
            "当前账号（{}）无权使用此页面。",
            identity.role.label_zh()
        ))
        .into_response()),
        _ => Err(see_other(&sign_in_path(&come_back(parts)))),
    }
}

/// The association (协会), city-wide.
#[derive(Debug, Clone)]
pub struct AssociationUser {
    pub identity: Identity,
    pub token: String,
}

impl<S> FromRequestParts<S> for AssociationUser
where
    Arc<TokenKeys>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let (identity, token) = signed_in(parts, state, &[Role::Association]).await?;
        Ok(Self { identity, token })
    }
}

/// Whoever manages accounts on the pages (`/accounts`): the association, district and
/// street officials. Whose accounts each manages is the catalog's rule
/// (`catalog::accounts::Managed`); the pages only offer what it allows.
#[derive(Debug, Clone)]
pub struct AccountManager {
    pub identity: Identity,
    pub token: String,
}

impl<S> FromRequestParts<S> for AccountManager
where
    Arc<TokenKeys>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let roles = [
            Role::Association,
            Role::DistrictOfficial,
            Role::StreetOfficial,
        ];
        let (identity, token) = signed_in(parts, state, &roles).await?;
        Ok(Self { identity, token })
    }
}

/// Any signed-in account (its own password).
#[derive(Debug, Clone)]
pub struct SignedInUser {
    pub identity: Identity,
    pub token: String,
}

impl<S> FromRequestParts<S> for SignedInUser
where
    Arc<TokenKeys>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let roles = [
            Role::Association,
            Role::CityOfficial,
            Role::DistrictOfficial,
            Role::StreetOfficial,
            Role::Committee,
            Role::Firm,
        ];
        let (identity, token) = signed_in(parts, state, &roles).await?;
        Ok(Self { identity, token })
    }
}

/// A compound's committee (小区自治组织), acting for its compound only.
#[derive(Debug, Clone)]
pub struct CommitteeUser {
    pub identity: Identity,
    pub token: String,
    pub compound_id: String,
}

impl<S> FromRequestParts<S> for CommitteeUser
where
    Arc<TokenKeys>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let (identity, token) = signed_in(parts, state, &[Role::Committee]).await?;
        match identity.scope.clone() {
            Scope::Compound(compound_id) => Ok(Self {
                identity,
                token,
                compound_id,
            }),
            _ => Err(
                PageError::forbidden("账号没有对应的小区，请联系街道开设账号。").into_response(),
            ),
        }
    }
}

/// A property firm's account (物业服务企业), acting for its firm.
#[derive(Debug, Clone)]
pub struct FirmUser {
    pub identity: Identity,
    pub token: String,
    pub firm_id: String,
}

impl<S> FromRequestParts<S> for FirmUser
where
    Arc<TokenKeys>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let (identity, token) = signed_in(parts, state, &[Role::Firm]).await?;
        match identity.scope.clone() {
            Scope::Firm(firm_id) => Ok(Self {
                identity,
                token,
                firm_id,
            }),
            _ => Err(PageError::forbidden("账号没有对应的企业，请联系协会。").into_response()),
        }
    }
}

/// A street, district or city official (街道/区县/市级工作人员) and their area. A city
/// official reads the whole city and keeps nothing ([`OfficialUser::require_keeper`]).
#[derive(Debug, Clone)]
pub struct OfficialUser {
    pub identity: Identity,
    pub token: String,
    pub area: Area,
}

impl<S> FromRequestParts<S> for OfficialUser
where
    Arc<TokenKeys>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let roles = [
            Role::StreetOfficial,
            Role::DistrictOfficial,
            Role::CityOfficial,
        ];
        let (identity, token) = signed_in(parts, state, &roles).await?;
        let area = Area::of(&identity).ok_or_else(|| {
            PageError::forbidden("账号的管辖范围无效，请联系管理员。").into_response()
        })?;
        Ok(Self {
            identity,
            token,
            area,
        })
    }
}

impl OfficialUser {
    /// Whether the official keeps the ledger of their area (street and district
    /// officials); a city official reads it and edits nothing.
    pub fn keeps_ledger(&self) -> bool {
        self.area != Area::City
    }
}

/// An official who keeps the ledger of their area (a street or district official): the
/// ledger's forms and imports. A city official gets the 403 page.
#[derive(Debug, Clone)]
pub struct LedgerKeeper(pub OfficialUser);

impl<S> FromRequestParts<S> for LedgerKeeper
where
    Arc<TokenKeys>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let user = OfficialUser::from_request_parts(parts, state).await?;
        if user.keeps_ledger() {
            Ok(Self(user))
        } else {
            Err(
                PageError::forbidden("市级工作人员只能查看台账，不能登记、修改或导入小区。")
                    .into_response(),
            )
        }
    }
}

/// The part of the city an official works for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Area {
    Street(StreetCode),
    District(DistrictCode),
    /// The whole city (a city official).
    City,
}

impl Area {
    /// The official's area from their token's scope, if it names one.
    fn of(identity: &Identity) -> Option<Self> {
        match (identity.role, &identity.scope) {
            (Role::StreetOfficial, Scope::Street(s)) => StreetCode::parse(s).ok().map(Area::Street),
            (Role::DistrictOfficial, Scope::District(d)) => {
                DistrictCode::parse(d).ok().map(Area::District)
            }
            (Role::CityOfficial, Scope::City) => Some(Area::City),
            _ => None,
        }
    }

    /// 锦江区, 锦江区锦官驿街道 or 全市.
    pub fn name(&self) -> String {
        match self {
            Area::Street(s) => format!("{}{}", s.district().name(), s.name()),
            Area::District(d) => d.name().to_string(),
            Area::City => "全市".to_string(),
        }
    }

    /// The district of the area; none for the city.
    pub fn district(&self) -> Option<DistrictCode> {
        match self {
            Area::Street(s) => Some(s.district()),
            Area::District(d) => Some(*d),
            Area::City => None,
        }
    }

    /// Whether the area spans several streets (a district, or the city): lists show
    /// each row's street.
    pub fn is_district(&self) -> bool {
        !matches!(self, Area::Street(_))
    }

    /// Whether a street code lies in the area.
    pub fn covers(&self, street: &str) -> bool {
        match self {
            Area::Street(s) => s.as_str() == street,
            Area::District(d) => StreetCode::parse(street).is_ok_and(|s| s.district() == *d),
            Area::City => StreetCode::parse(street).is_ok(),
        }
    }

    /// The streets of the area (every street of the city for a city official).
    pub fn streets(&self) -> Vec<StreetCode> {
        match self {
            Area::Street(s) => vec![*s],
            Area::District(d) => streets_of(d).map(|s| s.code).collect(),
            Area::City => all_streets().iter().map(|s| s.code).collect(),
        }
    }

    /// The query parameter naming the area for the APIs: `street=…` or `district=…`;
    /// none for the city (the APIs' lists are citywide without one).
    pub fn param(&self) -> Option<(&'static str, &'static str)> {
        match self {
            Area::Street(s) => Some(("street", s.as_str())),
            Area::District(d) => Some(("district", d.as_str())),
            Area::City => None,
        }
    }
}
