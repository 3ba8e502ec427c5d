//! Journeys in a real headless Chromium (see `wuye_e2e::browser`), with a screenshot of
//! each key page saved under `e2e/artifacts/`.

use reqwest::Method;
use serde_json::json;
use shared::auth::{Role, Scope};
use wuye_e2e::browser::Browser;
use wuye_e2e::fixtures::firm_body;
use wuye_e2e::{Backend, both_backends, spawn_app};

both_backends!(public_pages_and_signing_in_in_a_browser);

async fn public_pages_and_signing_in_in_a_browser(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_app(backend.clone()).await;
    let tag = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres(_) => "postgres",
    };
    catalog::accounts::bootstrap_association(
        &app.catalog_db,
        "admin",
        "协会管理员",
        "correct-horse-battery",
    )
    .await
    .unwrap();
    let association = app.token(Role::Association, Scope::City);
    let firm = app
        .send(
            Method::POST,
            &format!("{}/catalog/firms", app.catalog_url),
            None,
            Some(&firm_body("成都锦城物业服务有限公司", 11)),
        )
        .await
        .json();
    let id = firm["id"].as_str().unwrap().to_string();
    let a = app
        .send(
            Method::POST,
            &format!("{}/catalog/firms/{id}/standing", app.catalog_url),
            Some(&association),
            Some(&json!({"action": "recommend", "reason": "材料齐全，审核通过", "review_date": "2099-12-31"})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let url = |p: &str| format!("{}{p}", app.web_url);

    // The home page lists Chengdu's districts.
    browser.open(&url("/")).await.unwrap();
    let text = browser.text().await.unwrap();
    assert!(text.contains("共 20 个区（市）县、261 个镇街道"));
    assert!(text.contains("锦江区") && text.contains("蒲江县"));
    browser.screenshot(&format!("home-{tag}")).await.unwrap();

    // A wrong password keeps the username and explains, next to the form.
    browser.click("header.site .who a").await.unwrap();
    browser.fill("#username", "admin").await.unwrap();
    browser.fill("#password", "not-the-password").await.unwrap();
    browser
        .click("form[action='/signin'] button[type=submit]")
        .await
        .unwrap();
    browser.wait_for("用户名或密码错误").await.unwrap();
    let kept = browser
        .client
        .find(fantoccini::Locator::Css("#username"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("admin"));
    browser
        .screenshot(&format!("signin-error-{tag}"))
        .await
        .unwrap();

    // Signing in: the header names the user.
    browser
        .fill("#password", "correct-horse-battery")
        .await
        .unwrap();
    browser
        .click("form[action='/signin'] button[type=submit]")
        .await
        .unwrap();
    browser
        .wait_for("协会管理员（物业管理协会）")
        .await
        .unwrap();

    // The roster, filtered by a word of the firm's profile, and the firm's page.
    browser.open(&url("/roster")).await.unwrap();
    browser.fill("#q", "电梯维保").await.unwrap();
    browser
        .click("form.filters button[type=submit]")
        .await
        .unwrap();
    browser.wait_for("共 1 家推荐企业").await.unwrap();
    browser.screenshot(&format!("roster-{tag}")).await.unwrap();
    browser.click("table a").await.unwrap();
    let text = browser.wait_for("名录记录").await.unwrap();
    assert!(text.contains("成都锦城物业服务有限公司") && text.contains("列入推荐名录"));
    // The association sees the phone whole; the public page masks it (tested over HTTP).
    assert!(text.contains("13812345678"));
    browser.screenshot(&format!("firm-{tag}")).await.unwrap();

    // Signing out.
    browser
        .click("form[action='/signout'] button")
        .await
        .unwrap();
    let text = browser.wait_for("共 20 个区（市）县").await.unwrap();
    assert!(text.contains("登录") && !text.contains("协会管理员（"));
    browser.close().await;
    app.stop().await;
}
