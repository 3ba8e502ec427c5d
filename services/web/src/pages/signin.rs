//! 登录 / 退出: the sign-in form posts to the catalog's session API; the token it answers
//! becomes the session cookie.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use reqwest::Method;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Chrome, WebState};
use crate::api::ApiError;
use crate::csrf::{CsrfForm, CsrfToken};
use crate::session::{Session, clear_cookie, session_cookie};

#[derive(Template, WebTemplate)]
#[template(path = "signin.html")]
pub struct SignInPage {
    chrome: Chrome,
    username: String,
    next: String,
    error: Option<String>,
    username_error: Option<String>,
    password_error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// Where to go after signing in: a path on this site, parsed from the hostile `next`
/// parameter. What it holds is printable ASCII (so it is a valid `Location` header), begins
/// with one `/`, and neither it nor any percent-decoding of it begins with `//` or `/\`
/// (which browsers follow to another host) or holds a backslash or a control character
/// (which browsers strip or turn into `/`: `/%09/evil.example` → `//evil.example`). Being
/// a path, it has no scheme. Anything else is refused and the user goes home.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafeNext(String);

impl SafeNext {
    /// Longest `next` kept (a path with its query); longer ones go home.
    const MAX_LEN: usize = 2048;
    /// How many layers of percent-encoding are looked through before giving up.
    const MAX_DECODES: usize = 4;

    pub fn parse(raw: &str) -> Option<Self> {
        if raw.len() > Self::MAX_LEN || !raw.bytes().all(|b| b.is_ascii_graphic()) {
            return None;
        }
        let mut layer = raw.as_bytes().to_vec();
        for _ in 0..=Self::MAX_DECODES {
            if !Self::same_site(&layer) {
                return None;
            }
            let decoded: Vec<u8> = percent_encoding::percent_decode(&layer).collect();
            if decoded == layer {
                return Some(Self(raw.to_string()));
            }
            layer = decoded;
        }
        None
    }

    /// One layer's check: a path of this site, with nothing a browser rewrites.
    fn same_site(path: &[u8]) -> bool {
        path.first() == Some(&b'/')
            && !matches!(path.get(1), Some(b'/' | b'\\'))
            && !path.iter().any(|b| *b == b'\\' || b.is_ascii_control())
    }

    /// `next`, or home when it is missing or refused.
    pub fn or_home(raw: Option<&str>) -> Self {
        raw.and_then(Self::parse)
            .unwrap_or_else(|| Self("/".into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub async fn form(
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    Query(q): Query<NextQuery>,
) -> SignInPage {
    SignInPage {
        chrome: Chrome::new(&session, &csrf),
        username: String::new(),
        next: SafeNext::or_home(q.next.as_deref()).as_str().to_string(),
        error: None,
        username_error: None,
        password_error: None,
    }
}

#[derive(Debug, Deserialize)]
pub struct SignInForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: Option<String>,
}

pub async fn submit(
    State(app): State<WebState>,
    headers: HeaderMap,
    session: Session,
    Extension(csrf): Extension<CsrfToken>,
    CsrfForm(form): CsrfForm<SignInForm>,
) -> Response {
    let next = SafeNext::or_home(form.next.as_deref());
    let answer: Result<Value, ApiError> = app
        .api
        .call(
            Method::POST,
            &format!("{}/catalog/session", app.api.catalog),
            None,
            Some(&json!({"username": form.username, "password": form.password})),
            session.client_ip.as_deref(),
        )
        .await;
    match answer {
        Ok(v) => {
            let token = v["token"].as_str().unwrap_or_default();
            let max_age = app.keys.ttl_secs();
            let mut response = Redirect::to(next.as_str()).into_response();
            *response.status_mut() = StatusCode::SEE_OTHER;
            let secure = app.cookies.attributes(&headers);
            response
                .headers_mut()
                .append(header::SET_COOKIE, session_cookie(token, max_age, secure));
            response
        }
        Err(e) => {
            let (mut username_error, mut password_error) = (None, None);
            if let ApiError::Refused { problem, .. } = &e {
                for f in &problem.errors {
                    match f.field.as_str() {
                        "username" => username_error = Some(f.message.clone()),
                        "password" => password_error = Some(f.message.clone()),
                        _ => {}
                    }
                }
            }
            let status = match e.status() {
                Some(s) if s.is_client_error() => s,
                _ => StatusCode::BAD_GATEWAY,
            };
            let error = if username_error.is_some() || password_error.is_some() {
                None
            } else {
                // A 429's detail says when to try again (the catalog's throttling).
                Some(e.message())
            };
            let page = SignInPage {
                chrome: Chrome::new(&session, &csrf),
                username: form.username,
                next: next.as_str().to_string(),
                error,
                username_error,
                password_error,
            };
            (status, page).into_response()
        }
    }
}

#[derive(Debug, Deserialize)]
pub struct SignOutForm {}

pub async fn sign_out(
    State(app): State<WebState>,
    headers: HeaderMap,
    session: Session,
    CsrfForm(_form): CsrfForm<SignOutForm>,
) -> Response {
    if let Some(token) = session.token.as_deref() {
        let revoked: Result<Value, ApiError> = app
            .api
            .call(
                Method::DELETE,
                &format!("{}/catalog/session", app.api.catalog),
                Some(token),
                None,
                None,
            )
            .await;
        if let Err(e) = revoked {
            tracing::warn!(error = ?e, "signing out at the catalog failed; clearing the cookie anyway");
        }
    }
    let mut response = Redirect::to("/").into_response();
    *response.status_mut() = StatusCode::SEE_OTHER;
    let (name, value) = clear_cookie(app.cookies.attributes(&headers));
    response.headers_mut().append(name, value);
    response
}

#[cfg(test)]
mod tests {
    use super::SafeNext;
    use proptest::prelude::*;

    fn next(raw: &str) -> Option<String> {
        SafeNext::parse(raw).map(|n| n.as_str().to_string())
    }

    #[test]
    fn only_same_site_paths_are_followed() {
        assert_eq!(next("/roster").as_deref(), Some("/roster"));
        assert_eq!(
            next("/official/ledger?street=510104017&page=2").as_deref(),
            Some("/official/ledger?street=510104017&page=2")
        );
        assert_eq!(
            next("/signin?next=%2Ffirm").as_deref(),
            Some("/signin?next=%2Ffirm")
        );
        assert_eq!(next("/"), Some("/".into()));
        for refused in [
            "",
            "roster",
            "//evil.example",
            "/\\evil.example",
            "https://evil.example",
            "javascript:alert(1)",
            "/\tevil",
            "/\t/evil.example",
            "/%09/evil.example",
            "/%0a/evil.example",
            "/%2F/evil.example",
            "/%2f%2fevil.example",
            "/%5Cevil.example",
            "/%255C/evil.example",
            "/%252F/evil.example",
            "/%25252F/evil.example",
            "/a\\b",
            "/a%5Cb",
            "/a b",
            "/锦江",
            "/a\u{7f}",
            "/a%00b",
        ] {
            assert_eq!(next(refused), None, "{refused:?}");
        }
        assert_eq!(SafeNext::or_home(Some("//evil.example")).as_str(), "/");
        assert_eq!(SafeNext::or_home(None).as_str(), "/");
        assert_eq!(next(&format!("/{}", "a".repeat(3000))), None);
    }

    /// Every layer of percent-decoding of `s`, `s` first (at most 8).
    fn layers(s: &str) -> Vec<Vec<u8>> {
        let mut out = vec![s.as_bytes().to_vec()];
        for _ in 0..8 {
            let d: Vec<u8> = percent_encoding::percent_decode(out.last().unwrap()).collect();
            if &d == out.last().unwrap() {
                break;
            }
            out.push(d);
        }
        out
    }

    fn assert_safe(raw: &str) {
        let Some(n) = SafeNext::parse(raw) else {
            return;
        };
        let s = n.as_str();
        assert_eq!(s, raw);
        assert!(s.bytes().all(|b| b.is_ascii_graphic()), "{s:?}");
        assert!(axum::http::HeaderValue::from_str(s).is_ok());
        for layer in layers(s) {
            assert_eq!(layer.first(), Some(&b'/'), "{s:?}");
            assert!(
                !layer.starts_with(b"//") && !layer.starts_with(b"/\\"),
                "{s:?}"
            );
            assert!(
                !layer.iter().any(|b| *b == b'\\' || b.is_ascii_control()),
                "{s:?}"
            );
        }
        // A path has no scheme, and the browser keeps it on this site.
        let base = reqwest::Url::parse("https://wuye.example/signin").unwrap();
        let joined = base.join(s).unwrap();
        assert_eq!(joined.host_str(), Some("wuye.example"), "{s:?}");
        assert_eq!(joined.scheme(), "https");
    }

    proptest! {
        #[test]
        fn never_panics_and_never_leaves_the_site(raw in any::<String>()) {
            assert_safe(&raw);
        }

        #[test]
        fn url_like_strings_never_leave_the_site(
            raw in "[/\\\\%0-9a-fA-F.:@?#a-z\t\n ]{0,24}"
        ) {
            assert_safe(&raw);
        }

        #[test]
        fn encoded_slashes_never_leave_the_site(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("/"), Just("\\"), Just("%2F"), Just("%2f"), Just("%5C"), Just("%25"),
                    Just("%09"), Just("%0A"), Just("2F"), Just("5C"), Just("evil.example"), Just(":"),
                ],
                0..8,
            )
        ) {
            assert_safe(&parts.concat());
        }
    }
}
