//! Pages over plain HTTP, as a browser without JavaScript sends them: a fixed double-submit
//! CSRF cookie (forms carry the same value in `_csrf`), the session cookie when signed in,
//! redirects not followed so tests see the 303 and where it points.

use reqwest::header::{COOKIE, LOCATION};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};

use crate::app::TestApp;

/// The CSRF token these requests hold in their cookie; a form posts it as `_csrf`.
pub const CSRF: &str = "0123456789abcdef0123456789abcdef-pages";

fn client() -> Client {
    Client::builder().redirect(Policy::none()).build().unwrap()
}

/// The cookies of a browser signed in with `token` (none: anonymous).
fn cookies(token: Option<&str>) -> String {
    match token {
        Some(t) => format!("wuye_csrf={CSRF}; wuye_session={t}"),
        None => format!("wuye_csrf={CSRF}"),
    }
}

async fn answer(res: reqwest::Response) -> (StatusCode, String, String) {
    let location = res
        .headers()
        .get(LOCATION)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    (res.status(), location, res.text().await.unwrap())
}

/// `GET` a page: (status, `Location` or empty, body).
pub async fn get(app: &TestApp, path: &str, token: Option<&str>) -> (StatusCode, String, String) {
    let res = client()
        .get(format!("{}{path}", app.web_url))
        .header(COOKIE, cookies(token))
        .send()
        .await
        .unwrap();
    answer(res).await
}

/// `POST` a form (the caller includes `("_csrf", CSRF)` or leaves it out on purpose).
pub async fn post(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    form: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let res = client()
        .post(format!("{}{path}", app.web_url))
        .header(COOKIE, cookies(token))
        .form(form)
        .send()
        .await
        .unwrap();
    answer(res).await
}

/// Posts a multipart form (text fields, then an optional file `(name, content type, bytes)`
/// as field `file`) as a browser would.
pub async fn post_multipart(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    form: &[(&str, &str)],
    file: Option<(&str, &str, &[u8])>,
) -> (StatusCode, String, String) {
    let (content_type, body) = crate::fixtures::multipart(form, file);
    let res = client()
        .post(format!("{}{path}", app.web_url))
        .header(COOKIE, cookies(token))
        .header(reqwest::header::CONTENT_TYPE, content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    answer(res).await
}
