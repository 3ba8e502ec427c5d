//! The pages and the launcher, hardened: sign-in's `next` stays on this site, ids cannot
//! reach another API path, `/readyz` tells anonymous callers no error text, cookies are
//! `Secure` on an https site, every page response carries the security headers, and every
//! page says 演示环境 while demo accounts (with the published password) exist.

use std::sync::Arc;

use reqwest::header::{COOKIE, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Client, Method, StatusCode};
use serde_json::json;
use shared::auth::{Role, Scope};
use shared::http::{Check, Readiness};
use wuye_e2e::fixtures::firm_body;
use wuye_e2e::pages::{self, CSRF};
use wuye_e2e::{Backend, Options, TestApp, both_backends, spawn_app, spawn_app_with};

both_backends!(
    sign_in_follows_only_same_site_next,
    page_ids_cannot_reach_another_api_path,
    readyz_tells_anonymous_callers_no_error_text,
    cookies_are_secure_on_an_https_site,
    pages_send_security_headers_and_no_inline_script,
    every_page_says_demo_while_demo_accounts_exist,
);

fn client() -> Client {
    Client::builder().redirect(Policy::none()).build().unwrap()
}

const ADMIN_PASSWORD: &str = "correct-horse-battery";

async fn admin(app: &TestApp, username: &str) -> String {
    catalog::accounts::bootstrap_association(
        &app.catalog_db,
        username,
        "协会管理员",
        ADMIN_PASSWORD,
    )
    .await
    .unwrap()
}

/// Signs in through the form with `next`; the answer's `Location`.
async fn sign_in_next(app: &TestApp, next: &str) -> String {
    let (status, location, body) = pages::post(
        app,
        "/signin",
        None,
        &[
            ("_csrf", CSRF),
            ("username", "admin"),
            ("password", ADMIN_PASSWORD),
            ("next", next),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    location
}

async fn sign_in_follows_only_same_site_next(backend: Backend) {
    let app = spawn_app(backend).await;
    admin(&app, "admin").await;

    // Issue 10: `/%09/evil.example` arrives as `/<TAB>/evil.example`, which browsers
    // follow to `//evil.example`.
    for evil in [
        "/\t/evil.example",
        "/%09/evil.example",
        "//evil.example",
        "/\\evil.example",
        "/%2F/evil.example",
        "/%5Cevil.example",
        "https://evil.example/",
        "javascript:alert(1)",
        "/\n/evil.example",
    ] {
        assert_eq!(sign_in_next(&app, evil).await, "/", "{evil:?}");
    }
    assert_eq!(
        sign_in_next(&app, "/roster?district=510104").await,
        "/roster?district=510104"
    );
    // Non-ASCII is no header value: home, not a crash.
    assert_eq!(sign_in_next(&app, "/锦江").await, "/");

    // The form page never carries a refused `next` into its hidden field.
    let (status, _, page) = pages::get(&app, "/signin?next=/%09/evil.example", None).await;
    assert_eq!(status, 200);
    assert!(page.contains(r#"name="next" value="/""#), "{page}");
    assert!(!page.contains("evil.example"));
    let (_, _, page) = pages::get(&app, "/signin?next=%2Froster", None).await;
    assert!(page.contains(r#"name="next" value="/roster""#));
    app.stop().await;
}

async fn create_firm(app: &TestApp, name: &str, n: u32) -> String {
    let a = app
        .send(
            Method::POST,
            &format!("{}/catalog/firms", app.catalog_url),
            None,
            Some(&firm_body(name, n)),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.json()["id"].as_str().unwrap().to_string()
}

async fn page_ids_cannot_reach_another_api_path(backend: Backend) {
    let app = spawn_app(backend).await;
    let association = app.token(Role::Association, Scope::City);
    let a = create_firm(&app, "甲物业", 1).await;
    let b = create_firm(&app, "乙物业", 2).await;
    let (status, _, page) = pages::get(&app, &format!("/roster/{b}"), Some(&association)).await;
    assert_eq!(status, 200);
    assert!(page.contains("乙物业"));

    // Before: `/catalog/firms/{a}/../{b}` was resolved to firm b, `{b}?x` and `{b}#z` to b
    // too, and `a/../../catalog/accounts` to the account list. Now each id is one segment.
    for id in [
        format!("{a}%2F..%2F{b}"),
        format!("{b}%3Fx%3D1"),
        format!("{b}%23z"),
        "a%2F..%2F..%2Fcatalog%2Faccounts".to_string(),
        "x%3Fy%23z".to_string(),
    ] {
        for path in [format!("/roster/{id}"), format!("/association/firms/{id}")] {
            let (status, _, page) = pages::get(&app, &path, Some(&association)).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{path}: {page}");
            assert!(!page.contains("乙物业"), "{path}");
        }
    }
    // The public tender and compound pages too.
    for path in [
        "/tender/x%2F..%2F..%2Fcatalog%2Fdistricts",
        "/compounds/x%2F..%2F..%2Fdistricts",
        "/tender/x%3Fy%23z",
    ] {
        let (status, _, page) = pages::get(&app, path, None).await;
        assert!(
            status == StatusCode::NOT_FOUND || status == StatusCode::UNPROCESSABLE_ENTITY,
            "{path}: {status} {page}"
        );
        assert!(!page.contains("锦江区"), "{path} reached the districts");
    }
    app.stop().await;
}

/// A service whose readiness check fails with a detail an attacker would like to read.
fn failing() -> shared::service::Service {
    let ready: Readiness = Arc::new(|| {
        Box::pin(async {
            vec![
                Check::ok("probe.ok"),
                Check::fail(
                    "probe.database",
                    "error connecting to postgres://wuye:secret@db.internal:5432/catalog",
                ),
            ]
        })
    });
    shared::service::Service {
        name: "probe",
        prefix: "/probe",
        router: axum::Router::new(),
        ready,
        tasks: tokio_util::task::TaskTracker::new(),
        metrics: shared::metrics::Metrics::new("web"),
    }
}

async fn readyz_tells_anonymous_callers_no_error_text(backend: Backend) {
    let app = spawn_app(backend).await;
    // The launcher's combined `/readyz` over the four services and a failing one.
    let mut services: Vec<shared::service::Service> = Vec::new();
    for s in app.services() {
        services.push(shared::service::Service {
            name: s.name,
            prefix: s.prefix,
            router: s.router.clone(),
            ready: s.ready.clone(),
            tasks: tokio_util::task::TaskTracker::new(),
            metrics: s.metrics.clone(),
        });
    }
    services.push(failing());
    let router = wuye::platform::assemble(&services, app.keys.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let cancel = tokio_util::sync::CancellationToken::new();
    tokio::spawn(shared::http::serve(listener, router, cancel.clone()));

    let readyz = |token: Option<String>| {
        let app = &app;
        let url = format!("{base}/readyz");
        async move { app.get(&url, token.as_deref()).await }
    };
    let anonymous = readyz(None).await;
    assert_eq!(anonymous.status, 503);
    assert!(!anonymous.body.contains("secret") && !anonymous.body.contains("db.internal"));
    let v = anonymous.json();
    assert_eq!(v["status"], "not_ready");
    let checks = v["checks"].as_array().unwrap();
    assert!(checks.iter().all(|c| c.get("detail").is_none()), "{v}");
    let probe = checks
        .iter()
        .find(|c| c["name"] == "probe.database")
        .unwrap();
    assert_eq!(probe["ok"], false);
    assert!(
        checks
            .iter()
            .any(|c| c["name"] == "catalog.database" && c["ok"] == true)
    );

    // Signed in as someone else, or with a forged token: no details either.
    for token in [
        app.token(Role::Firm, Scope::Firm("f".into())),
        app.token(Role::DistrictOfficial, Scope::District("510104".into())),
        "not-a-token".to_string(),
    ] {
        let a = readyz(Some(token)).await;
        assert!(!a.body.contains("secret"), "{}", a.body);
    }
    // Services and the association see why.
    for token in [
        app.service_token(),
        app.token(Role::Association, Scope::City),
    ] {
        let a = readyz(Some(token)).await;
        assert_eq!(a.status, 503);
        assert!(a.body.contains("db.internal"), "{}", a.body);
    }

    // Each service's own `/readyz` follows the same rule.
    let a = app
        .get(&format!("{}/catalog/readyz", app.catalog_url), None)
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(
        a.json()["checks"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c.get("detail").is_none())
    );
    cancel.cancel();
    app.stop().await;
}

fn set_cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

async fn cookies_are_secure_on_an_https_site(backend: Backend) {
    for secure in [true, false] {
        let app = spawn_app_with(
            backend.clone(),
            Options {
                secure_cookies: secure,
                ..Options::default()
            },
        )
        .await;
        admin(&app, "admin").await;
        let c = client();
        let has_secure = |v: &str| v.split(';').any(|a| a.trim() == "Secure");

        // The web's CSRF cookie.
        let res = c
            .get(format!("{}/signin", app.web_url))
            .send()
            .await
            .unwrap();
        let csrf = set_cookie(&res, "wuye_csrf").expect("a CSRF cookie");
        assert_eq!(has_secure(&csrf), secure, "{csrf}");
        // The web's session cookie, set by the sign-in form, and cleared by signing out.
        let res = c
            .post(format!("{}/signin", app.web_url))
            .header(COOKIE, format!("wuye_csrf={CSRF}"))
            .form(&[
                ("_csrf", CSRF),
                ("username", "admin"),
                ("password", ADMIN_PASSWORD),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let session = set_cookie(&res, "wuye_session").expect("a session cookie");
        assert_eq!(has_secure(&session), secure, "{session}");
        let token = session
            .split(';')
            .next()
            .unwrap()
            .split_once('=')
            .unwrap()
            .1
            .to_string();
        let res = c
            .post(format!("{}/signout", app.web_url))
            .header(COOKIE, format!("wuye_csrf={CSRF}; wuye_session={token}"))
            .form(&[("_csrf", CSRF)])
            .send()
            .await
            .unwrap();
        let cleared = set_cookie(&res, "wuye_session").expect("the cookie cleared");
        assert_eq!(has_secure(&cleared), secure, "{cleared}");
        // The catalog's own sign-in cookie.
        let res = c
            .post(format!("{}/catalog/session", app.catalog_url))
            .json(&json!({"username": "admin", "password": ADMIN_PASSWORD}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        let api = set_cookie(&res, "wuye_session").expect("the catalog's cookie");
        assert_eq!(has_secure(&api), secure, "{api}");
        app.stop().await;
    }
}

async fn pages_send_security_headers_and_no_inline_script(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = client();
    for path in [
        "/",
        "/signin",
        "/roster",
        "/roster/no-such-firm",
        "/official/ledger",
        "/static/countdown.js",
        "/static/bid-countdown.js",
    ] {
        let res = c
            .get(format!("{}{path}", app.web_url))
            .send()
            .await
            .unwrap();
        let h = res.headers();
        let csp = h
            .get("content-security-policy")
            .unwrap_or_else(|| panic!("{path}: no CSP"))
            .to_str()
            .unwrap()
            .to_string();
        assert!(csp.contains("default-src 'self'"), "{csp}");
        assert!(
            csp.contains("script-src 'self';"),
            "scripts only from files: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["referrer-policy"], "same-origin", "{path}");
        let script = path.ends_with(".js");
        let body = res.text().await.unwrap();
        if script {
            assert!(body.contains("function"), "{path}");
        } else {
            assert!(!body.contains("<script>"), "{path}: an inline script");
        }
    }
    let res = c
        .get(format!("{}/static/countdown.js", app.web_url))
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/javascript")
    );
    app.stop().await;
}

async fn demo_status(app: &TestApp) -> bool {
    let a = app.catalog_get("/catalog/demo", None).await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()["demo_accounts"].as_bool().unwrap()
}

async fn every_page_says_demo_while_demo_accounts_exist(backend: Backend) {
    let app = spawn_app(backend).await;
    // A real installation: no demo account, no banner.
    admin(&app, "xiehui.admin").await;
    assert!(!demo_status(&app).await);
    let banner = r#"id="demo-banner""#;

    // The demo's accounts (`wuye up` on a new data folder) are named `demo.…`.
    let demo_id = catalog::accounts::bootstrap_association(
        &app.catalog_db,
        "demo.xiehui",
        "【演示】demo.xiehui",
        "wuye-demo-2026",
    )
    .await
    .unwrap();
    assert!(demo_status(&app).await);
    let token = app.token(Role::Association, Scope::City);
    for (path, who) in [
        ("/", None),
        ("/signin", None),
        ("/roster", None),
        ("/blacklist", None),
        ("/association", Some(token.as_str())),
    ] {
        let (status, _, page) = pages::get(&app, path, who).await;
        assert_eq!(status, 200, "{path}");
        assert!(page.contains(banner) && page.contains("演示环境"), "{path}");
    }

    // Once the association disables the demo accounts, the banner goes (within seconds).
    let signed_in = app
        .send(
            Method::POST,
            &format!("{}/catalog/session", app.catalog_url),
            None,
            Some(&json!({"username": "xiehui.admin", "password": ADMIN_PASSWORD})),
        )
        .await
        .json();
    let admin_token = signed_in["token"].as_str().unwrap().to_string();
    let a = app
        .send(
            Method::PATCH,
            &format!("{}/catalog/accounts/{demo_id}", app.catalog_url),
            Some(&admin_token),
            Some(&json!({"disabled": true})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(!demo_status(&app).await);
    tokio::time::sleep(
        web::security::DemoStatus::FRESH_FOR + std::time::Duration::from_millis(300),
    )
    .await;
    let (_, _, page) = pages::get(&app, "/", None).await;
    assert!(!page.contains(banner));
    app.stop().await;
}
