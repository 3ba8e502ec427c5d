//! The pages over HTTP: sign-in and sign-out through the form (with CSRF), the public
//! roster and firm pages, the blacklist, and pages never showing what the API would not.

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Client, StatusCode};
use serde_json::json;
use shared::auth::{Role, Scope};
use wuye_e2e::fixtures::firm_body;
use wuye_e2e::{Backend, TestApp, both_backends, spawn_app};

both_backends!(sign_in_and_out_through_the_form, public_roster_pages);

/// A browser-like client that does not follow redirects (so the test sees them).
fn browser() -> Client {
    Client::builder().redirect(Policy::none()).build().unwrap()
}

/// `name=value` of a Set-Cookie header with that cookie name.
fn set_cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with(&format!("{name}=")))
        .map(str::to_string)
}

fn cookie_pair(set_cookie: &str) -> String {
    set_cookie.split(';').next().unwrap().to_string()
}

async fn admin(app: &TestApp) {
    catalog::accounts::bootstrap_association(
        &app.catalog_db,
        "admin",
        "协会管理员",
        "correct-horse-battery",
    )
    .await
    .unwrap();
}

async fn sign_in_and_out_through_the_form(backend: Backend) {
    let app = spawn_app(backend).await;
    admin(&app).await;
    let b = browser();
    let url = |p: &str| format!("{}{p}", app.web_url);

    // The form page hands out a CSRF cookie and embeds the same token.
    let res = b.get(url("/signin")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let csrf_set = set_cookie(&res, "wuye_csrf").expect("a CSRF cookie");
    assert!(csrf_set.contains("HttpOnly") && csrf_set.contains("SameSite=Lax"));
    let csrf = cookie_pair(&csrf_set);
    let token = csrf.split_once('=').unwrap().1.to_string();
    let page = res.text().await.unwrap();
    assert!(page.contains(&format!("value=\"{token}\"")));
    assert!(page.contains("<label for=\"username\">用户名</label>"));

    // Without the token (or with another), the form is refused.
    let res = b
        .post(url("/signin"))
        .header(COOKIE, &csrf)
        .form(&[("username", "admin"), ("password", "correct-horse-battery")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("表单已过期或来源不明"));
    let res = b
        .post(url("/signin"))
        .form(&[
            ("_csrf", token.as_str()),
            ("username", "admin"),
            ("password", "correct-horse-battery"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "a token without its cookie"
    );

    // A wrong password keeps what was typed and says why, beside the form.
    let res = b
        .post(url("/signin"))
        .header(COOKIE, &csrf)
        .form(&[
            ("_csrf", token.as_str()),
            ("username", "admin"),
            ("password", "wrong-password"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    let page = res.text().await.unwrap();
    assert!(page.contains("用户名或密码错误"));
    assert!(page.contains("value=\"admin\""));
    assert!(
        !page.contains("wrong-password"),
        "the password is never echoed"
    );

    // The right one: a session cookie, and a redirect only to a same-site path.
    let res = b
        .post(url("/signin"))
        .header(COOKIE, &csrf)
        .form(&[
            ("_csrf", token.as_str()),
            ("username", "admin"),
            ("password", "correct-horse-battery"),
            ("next", "//evil.example/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(res.headers()[LOCATION], "/");
    let session_set = set_cookie(&res, "wuye_session").expect("a session cookie");
    assert!(session_set.contains("HttpOnly") && session_set.contains("SameSite=Lax"));
    let session = cookie_pair(&session_set);
    let cookies = format!("{csrf}; {session}");
    let home = b
        .get(url("/"))
        .header(COOKIE, &cookies)
        .send()
        .await
        .unwrap();
    let home = home.text().await.unwrap();
    assert!(home.contains("协会管理员（物业管理协会）"));
    assert!(home.contains("action=\"/signout\""));

    // Signing out clears the cookie and revokes the token at the catalog.
    let res = b
        .post(url("/signout"))
        .header(COOKIE, &cookies)
        .form(&[("_csrf", token.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        set_cookie(&res, "wuye_session")
            .unwrap()
            .contains("Max-Age=0")
    );
    let raw = session.split_once('=').unwrap().1;
    app.catalog_get("/catalog/me", Some(raw))
        .await
        .problem(401, "unauthenticated");
    app.stop().await;
}

async fn public_roster_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let association = app.token(Role::Association, Scope::City);
    let mut ids = Vec::new();
    for (name, n, recommend) in [
        ("锦城物业", 1, true),
        ("蓉安物业", 2, true),
        ("申请中物业", 3, false),
    ] {
        let a = app
            .send(
                reqwest::Method::POST,
                &format!("{}/catalog/firms", app.catalog_url),
                None,
                Some(&firm_body(name, n)),
            )
            .await;
        let id = a.json()["id"].as_str().unwrap().to_string();
        if recommend {
            let a = app
                .send(
                    reqwest::Method::POST,
                    &format!("{}/catalog/firms/{id}/standing", app.catalog_url),
                    Some(&association),
                    Some(&json!({"action": "recommend", "reason": "审核通过", "review_date": "2099-12-31"})),
                )
                .await;
            assert_eq!(a.status, 200, "{}", a.body);
        }
        ids.push(id);
    }
    let b = browser();
    let page = |p: String| {
        let b = b.clone();
        async move {
            let res = b.get(p).send().await.unwrap();
            (res.status(), res.text().await.unwrap())
        }
    };

    // The roster lists recommended firms only, filtered by what the visitor picks.
    let (status, roster) = page(format!("{}/roster", app.web_url)).await;
    assert_eq!(status, 200);
    assert!(roster.contains("锦城物业") && roster.contains("蓉安物业"));
    assert!(!roster.contains("申请中物业"));
    assert!(roster.contains("共 2 家推荐企业"));
    let (_, filtered) = page(format!("{}/roster?q=%E9%94%A6%E5%9F%8E", app.web_url)).await;
    assert!(filtered.contains("锦城物业") && !filtered.contains("蓉安物业"));
    let (status, bad) = page(format!("{}/roster?grade=9", app.web_url)).await;
    assert_eq!(status, 200, "a bad filter shows the form again");
    assert!(bad.contains("class=\"alert\""));

    // A firm's page: the phone is masked for the public, as in the API.
    let (status, firm) = page(format!("{}/roster/{}", app.web_url, ids[0])).await;
    assert_eq!(status, 200);
    assert!(firm.contains("锦城物业") && firm.contains("138****5678"));
    assert!(!firm.contains("13812345678"));
    assert!(firm.contains("列入推荐名录"));
    let (status, missing) = page(format!("{}/roster/no-such-firm", app.web_url)).await;
    assert_eq!(status, 404);
    assert!(missing.contains("未找到"));

    // The blacklist page.
    let a = app
        .send(
            reqwest::Method::POST,
            &format!("{}/catalog/firms/{}/standing", app.catalog_url, ids[1]),
            Some(&association),
            Some(&json!({"action": "blacklist", "reason": "弄虚作假", "from": shared::domain::roster::format_date(shared::domain::roster::china_today())})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let (_, blacklist) = page(format!("{}/blacklist", app.web_url)).await;
    assert!(
        blacklist.contains("蓉安物业")
            && blacklist.contains("弄虚作假")
            && blacklist.contains("长期")
    );
    app.stop().await;
}

/// `wuye up` serves the three APIs and the pages on one port: their paths must not clash (a
/// page at `/tenders/{id}` would shadow the tender API, and axum refuses the merge).
#[tokio::test]
async fn pages_and_apis_share_one_port_without_clashing_paths() {
    let app = spawn_app(Backend::Sqlite).await;
    let router = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        wuye::platform::assemble(app.services(), app.keys.clone())
    }));
    assert!(router.is_ok(), "the services' routes clash");
    app.stop().await;
}
