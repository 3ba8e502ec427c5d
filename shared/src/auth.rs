//! Signed auth tokens and the axum extractor that yields the caller's identity.
//!
//! The catalog holds the accounts and issues tokens; every service verifies them locally
//! with the signers' public keys (Ed25519, see [`crate::keys`]). A token names the account, its role, the scope the role
//! acts on (a district, a street, one compound, one firm) and an expiry. Browsers carry
//! it in the HttpOnly cookie [`SESSION_COOKIE`]; API clients as `Authorization: Bearer`.
//!
//! A validly signed token is still refused when its session has ended (signed out, the
//! password changed, the account disabled): [`Auth::identify`] asks the service's
//! [`SessionCheck`] (see `crate::session`). It is the one check every service uses, through
//! the [`Identity`] extractor and the [`session_guard`] middleware in front of every route.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::Problem;
use crate::session::{NoSessionFacts, SessionCheck};

pub use crate::keys::{KeyRing, Signer, TokenKeys};

/// The browser session cookie.
pub const SESSION_COOKIE: &str = "wuye_session";

/// What an account is allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// City property management association staff (市物业管理协会).
    Association,
    /// District (区县) official; scope: a district.
    DistrictOfficial,
    /// Street or town (镇街道) official; scope: a street.
    StreetOfficial,
    /// Compound committee (业委会/物管会/院委会); scope: one compound.
    Committee,
    /// Property service firm (物业服务企业); scope: one firm.
    Firm,
    /// Another wuye service (feeds, internal look-ups).
    Service,
}

impl Role {
    pub fn label_zh(self) -> &'static str {
        match self {
            Role::Association => "物业管理协会",
            Role::DistrictOfficial => "区县工作人员",
            Role::StreetOfficial => "街道工作人员",
            Role::Committee => "小区自治组织",
            Role::Firm => "物业服务企业",
            Role::Service => "系统服务",
        }
    }
}

/// What a role acts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Scope {
    /// Everything (association staff, services).
    City,
    /// A district's 6-digit code.
    District(String),
    /// A street's 9-digit code.
    Street(String),
    /// A compound's id.
    Compound(String),
    /// A firm's id.
    Firm(String),
}

/// The token's claims.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Claims {
    /// The account id.
    pub sub: String,
    pub name: String,
    pub role: Role,
    pub scope: Scope,
    /// Issued at (seconds since the Unix epoch).
    pub iat: i64,
    /// Issued at (ms since the Unix epoch), so a session cutoff made in the same second as
    /// a sign-in tells them apart. Absent in tokens issued before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat_ms: Option<i64>,
    /// Expires at (seconds since the Unix epoch).
    pub exp: i64,
    /// Token id, so a session can be revoked.
    pub jti: String,
}

/// The authenticated caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Identity {
    pub account_id: String,
    pub name: String,
    pub role: Role,
    pub scope: Scope,
    /// The token id.
    #[serde(skip)]
    pub token_id: String,
}

impl Identity {
    /// 403 unless the caller has one of these roles.
    pub fn require_any(&self, roles: &[Role]) -> Result<(), Problem> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(Problem::forbidden(format!(
                "当前账号（{}）无权进行此操作。",
                self.role.label_zh()
            )))
        }
    }

    /// 403 unless the caller is the given firm's own account.
    pub fn require_firm(&self, firm_id: &str) -> Result<(), Problem> {
        match &self.scope {
            Scope::Firm(id) if self.role == Role::Firm && id == firm_id => Ok(()),
            _ => Err(Problem::forbidden("只能操作本企业的信息。")),
        }
    }

    /// 403 unless the caller is the given compound's committee.
    pub fn require_compound(&self, compound_id: &str) -> Result<(), Problem> {
        if self.is_committee_of(compound_id) {
            Ok(())
        } else {
            Err(Problem::forbidden("只能操作本小区的信息。"))
        }
    }

    /// The compound whose committee (业委会/物管会/院委会) the caller is, if it is one.
    pub fn committee_compound(&self) -> Option<&str> {
        match (&self.role, &self.scope) {
            (Role::Committee, Scope::Compound(id)) => Some(id),
            _ => None,
        }
    }

    /// Whether the caller is the given compound's own committee.
    pub fn is_committee_of(&self, compound_id: &str) -> bool {
        self.committee_compound() == Some(compound_id)
    }

    /// Whether the caller oversees what a compound's committee does for it: the compound's
    /// own committee, or the association, which oversees every compound. They, and nobody
    /// else, see a compound's drafts and full bids, answer complaints about its awards and
    /// end its contracts.
    pub fn oversees_compound(&self, compound_id: &str) -> bool {
        self.role == Role::Association || self.is_committee_of(compound_id)
    }

    /// The firm whose account the caller is, if it is a firm's.
    pub fn own_firm(&self) -> Option<&str> {
        match (&self.role, &self.scope) {
            (Role::Firm, Scope::Firm(id)) => Some(id),
            _ => None,
        }
    }
}

impl Claims {
    pub fn into_identity(self) -> Identity {
        Identity {
            account_id: self.sub,
            name: self.name,
            role: self.role,
            scope: self.scope,
            token_id: self.jti,
        }
    }
}

/// How a service authenticates a caller: the token keys, and whether a session has ended.
#[derive(Clone)]
pub struct Auth {
    pub keys: Arc<TokenKeys>,
    pub sessions: Arc<dyn SessionCheck>,
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth").field("keys", &self.keys).finish()
    }
}

/// The answer to a validly signed token whose session has ended.
pub fn session_ended() -> Problem {
    Problem::unauthorized().with_detail("登录已注销或账号已停用，请重新登录。")
}

impl Auth {
    pub fn new(keys: Arc<TokenKeys>, sessions: Arc<dyn SessionCheck>) -> Self {
        Self { keys, sessions }
    }

    /// Keys only: tokens end when they expire (tools that serve a feed to themselves).
    pub fn without_session_facts(keys: Arc<TokenKeys>) -> Self {
        Self::new(keys, Arc::new(NoSessionFacts))
    }

    /// The caller of a token: signature and expiry verified, and its session not ended
    /// (service tokens have no session).
    pub async fn identify(&self, token: &str) -> Result<Identity, Problem> {
        self.check(self.keys.verify_claims(token)?).await
    }

    /// The caller of verified claims, unless their session has ended.
    pub async fn check(&self, claims: Claims) -> Result<Identity, Problem> {
        if claims.role != Role::Service {
            match self.sessions.ended(&claims).await {
                Ok(false) => {}
                Ok(true) => return Err(session_ended()),
                Err(e) => {
                    tracing::error!(error = ?e, "checking whether a session has ended");
                    return Err(Problem::internal());
                }
            }
        }
        Ok(claims.into_identity())
    }
}

/// The identity [`session_guard`] has already checked for this request.
#[derive(Debug, Clone)]
struct Checked(Identity);

/// Middleware in front of every route of a service: a request carrying a validly signed
/// token whose session has ended is answered 401, whatever route it is for (public ones
/// too, so a client learns it is signed out); when the token came in the cookie, the
/// answer also clears the cookie so the browser recovers. Sign-in (`POST …/session`) is
/// exempt, so a stale cookie never blocks signing in again. Requests without a token or
/// with an invalid one pass on to the handler's own [`Identity`] check.
pub async fn session_guard(State(auth): State<Auth>, req: Request, next: Next) -> Response {
    let signing_in = req.method() == Method::POST && req.uri().path().ends_with("/session");
    let (mut parts, body) = req.into_parts();
    if let Some(claims) = token_from_parts(&parts)
        .filter(|_| !signing_in)
        .and_then(|token| auth.keys.verify_claims(&token).ok())
    {
        match auth.check(claims).await {
            Ok(identity) => {
                parts.extensions.insert(Checked(identity));
            }
            Err(problem) => {
                let mut response = problem.into_response();
                let bearer = parts
                    .headers
                    .get(header::AUTHORIZATION)
                    .and_then(|v| v.to_str().ok())
                    .is_some_and(|v| v.starts_with("Bearer "));
                if !bearer && response.status() == axum::http::StatusCode::UNAUTHORIZED {
                    response
                        .headers_mut()
                        .append(header::SET_COOKIE, clear_session_cookie(&parts));
                }
                return response;
            }
        }
    }
    next.run(Request::from_parts(parts, body)).await
}

/// A `Set-Cookie` value that clears the session cookie (`Secure` behind HTTPS).
fn clear_session_cookie(parts: &Parts) -> HeaderValue {
    let https = parts
        .headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"));
    HeaderValue::from_static(if https {
        "wuye_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0; Secure"
    } else {
        "wuye_session=; HttpOnly; SameSite=Lax; Path=/; Max-Age=0"
    })
}

/// The caller of a request: the identity [`session_guard`] checked, or the token checked
/// now.
async fn identify_parts(parts: &Parts, auth: &Auth, token: &str) -> Result<Identity, Problem> {
    if let Some(Checked(identity)) = parts.extensions.get::<Checked>() {
        return Ok(identity.clone());
    }
    auth.identify(token).await
}

/// The raw token from the request: bearer header first, then the session cookie.
pub fn token_from_parts(parts: &Parts) -> Option<String> {
    if let Some(v) = parts.headers.get(header::AUTHORIZATION)
        && let Ok(s) = v.to_str()
        && let Some(t) = s.strip_prefix("Bearer ")
    {
        return Some(t.trim().to_string());
    }
    cookie(parts, SESSION_COOKIE)
}

/// A cookie's value.
pub fn cookie(parts: &Parts, name: &str) -> Option<String> {
    parts
        .headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

impl<S> FromRequestParts<S> for Identity
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_ref(state);
        let token = token_from_parts(parts).ok_or_else(Problem::unauthorized)?;
        identify_parts(parts, &auth, &token).await
    }
}

/// `Option<Identity>`: anonymous callers are `None`; a present but invalid token is refused
/// (a client that thinks it is signed in should learn that it is not).
impl<S> OptionalFromRequestParts<S> for Identity
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Problem;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let auth = Auth::from_ref(state);
        match token_from_parts(parts) {
            None => Ok(None),
            Some(token) => identify_parts(parts, &auth, &token).await.map(Some),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn firm() -> Identity {
        Identity {
            account_id: "a1".into(),
            name: "某物业".into(),
            role: Role::Firm,
            scope: Scope::Firm("f1".into()),
            token_id: String::new(),
        }
    }

    #[test]
    fn scope_checks() {
        let id = firm();
        assert!(id.require_firm("f1").is_ok());
        assert_eq!(id.require_firm("f2").unwrap_err().status, 403);
        assert_eq!(id.require_compound("c1").unwrap_err().status, 403);
        assert_eq!(
            id.require_any(&[Role::Association]).unwrap_err().status,
            403
        );
        assert!(id.require_any(&[Role::Firm]).is_ok());
    }

    #[test]
    fn who_acts_for_a_compound_or_a_firm() {
        let committee = Identity {
            account_id: "a2".into(),
            name: "某小区业委会".into(),
            role: Role::Committee,
            scope: Scope::Compound("c1".into()),
            token_id: String::new(),
        };
        let association = Identity {
            role: Role::Association,
            scope: Scope::City,
            ..committee.clone()
        };
        // A scope that does not match its role gives nothing.
        let odd = Identity {
            role: Role::Firm,
            scope: Scope::Compound("c1".into()),
            ..committee.clone()
        };
        assert_eq!(committee.committee_compound(), Some("c1"));
        assert!(committee.is_committee_of("c1") && !committee.is_committee_of("c2"));
        assert!(committee.oversees_compound("c1") && !committee.oversees_compound("c2"));
        assert!(association.oversees_compound("c2") && !association.is_committee_of("c2"));
        assert!(!firm().oversees_compound("c1"));
        assert!(!odd.oversees_compound("c1") && odd.committee_compound().is_none());
        assert_eq!(firm().own_firm(), Some("f1"));
        assert_eq!(committee.own_firm(), None);
        assert_eq!(odd.own_firm(), None);
    }
}
