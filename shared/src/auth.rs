//! Signed auth tokens and the axum extractor that yields the caller's identity.
//!
//! The catalog holds the accounts and issues tokens; every service verifies them locally
//! with the signers' public keys (Ed25519, see [`crate::keys`]). A token names the account, its role, the scope the role
//! acts on (a district, a street, one compound, one firm) and an expiry. Browsers carry
//! it in the HttpOnly cookie [`SESSION_COOKIE`]; API clients as `Authorization: Bearer`.
//!
//! A validly signed token is still refused when its session has ended (signed out, the
//! password changed, the account disabled): [`Auth::identify`] asks the service's
//! [`SessionCheck`] (the facts and the followers' [`crate::session::StoredSessions`] are
//! `crate::session`). Who the caller is ([`Identity`], its [`Role`] and [`Scope`], the
//! token's [`Claims`]) is `crate::identity`. It is the one check every service uses, through
//! the [`Identity`] extractor and the [`session_guard`] middleware in front of every route.

use std::sync::Arc;

use axum::extract::{FromRef, FromRequestParts, OptionalFromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use futures::future::BoxFuture;

use crate::error::Problem;

pub use crate::identity::{Claims, Identity, Role, Scope};
pub use crate::keys::{KeyRing, Signer, TokenKeys};

/// The browser session cookie.
pub const SESSION_COOKIE: &str = "wuye_session";

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

/// What the session facts say about a validly signed token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// The session is on.
    Open,
    /// Signed out, issued before a password change, or the account is disabled: 401.
    Ended,
    /// The account's password was reset and not yet changed: 403
    /// `password_change_required` (the catalog, which owns the fact, answers it itself
    /// with its exemptions; the followers refuse every request).
    PasswordChangeRequired,
}

/// Whether a validly signed token's session has ended.
pub trait SessionCheck: Send + Sync + 'static {
    fn state<'a>(&'a self, claims: &'a Claims) -> BoxFuture<'a, anyhow::Result<SessionState>>;
}

/// No session facts: tokens end only when they expire (tools and unit tests).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSessionFacts;

impl SessionCheck for NoSessionFacts {
    fn state<'a>(&'a self, _claims: &'a Claims) -> BoxFuture<'a, anyhow::Result<SessionState>> {
        Box::pin(async { Ok(SessionState::Open) })
    }
}

/// The answer to a validly signed token whose session has ended.
pub fn session_ended() -> Problem {
    Problem::unauthorized().with_detail("登录已注销或账号已停用，请重新登录。")
}

/// The answer to any request of an account whose password was reset and not yet changed.
pub fn password_change_required() -> Problem {
    Problem::new(
        axum::http::StatusCode::FORBIDDEN,
        "password_change_required",
        "请先修改密码",
    )
    .with_detail("您的密码已被重置，请先修改一次性密码后再继续使用。")
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
            match self.sessions.state(&claims).await {
                Ok(SessionState::Open) => {}
                Ok(SessionState::Ended) => return Err(session_ended()),
                Ok(SessionState::PasswordChangeRequired) => {
                    return Err(password_change_required());
                }
                Err(e) if crate::error::database_unreachable(&e) => {
                    tracing::warn!(error = ?e, "checking whether a session has ended");
                    return Err(Problem::database_unavailable());
                }
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
