//! Accounts on the pages (`/accounts`, `/accounts/{id}`, `/account/password`): who may
//! open them, each manager's list and form offering only what it may create, and every
//! refusal beyond its reach shown as the catalog's 403 (a district official opening,
//! renaming, disabling or resetting another district's street official; a street official
//! creating a committee account for another street's compound or a district official, a
//! district official one for another district's compound). A district official's form
//! offers street officials and committee accounts; committee accounts show their
//! compound's name.
//! In the browser: a district official creates a street official, resets its password,
//! and the street official signs in with the one-time password and is made to change it.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use wuye_e2e::browser::Browser;
use wuye_e2e::fixtures::compound_body;
use wuye_e2e::pages::{self, CSRF};
use wuye_e2e::{Backend, TestApp, both_backends, spawn_app};

both_backends!(
    account_pages_keep_to_the_managers_reach,
    a_district_official_resets_a_street_officials_password_in_a_browser,
);

/// 锦江区 锦官驿街道 and 东湖街道; 青羊区 草市街街道.
const JINJIANG: &str = "510104";
const JINGUANYI: &str = "510104017";
const DONGHU: &str = "510104018";
const CAOSHIJIE: &str = "510105002";
const PASSWORD: &str = "a-long-enough-password";

async fn post_json(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    let a = app
        .send(
            Method::POST,
            &format!("{}{path}", app.catalog_url),
            Some(token),
            Some(&body),
        )
        .await;
    assert_eq!(a.status, 201, "{path}: {}", a.body);
    a.json()
}

fn account(username: &str, role: &str, scope: Option<&str>) -> Value {
    json!({"username": username, "display_name": format!("{username} 的账号"),
           "password": PASSWORD, "role": role, "scope_id": scope})
}

async fn sign_in(app: &TestApp, username: &str) -> String {
    let a = app
        .send(
            Method::POST,
            &format!("{}/catalog/session", app.catalog_url),
            None,
            Some(&json!({"username": username, "password": PASSWORD})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()["token"].as_str().unwrap().to_string()
}

async fn account_pages_keep_to_the_managers_reach(backend: Backend) {
    let app = spawn_app(backend).await;
    let assoc = app.token(Role::Association, Scope::City);
    let qy_street = post_json(
        &app,
        &assoc,
        "/catalog/accounts",
        account("qy.street", "street_official", Some(CAOSHIJIE)),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    post_json(
        &app,
        &assoc,
        "/catalog/accounts",
        account("jj.district", "district_official", Some(JINJIANG)),
    )
    .await;
    let district = sign_in(&app, "jj.district").await;
    let own_compound = post_json(
        &app,
        &assoc,
        "/catalog/compounds",
        compound_body("JGY-1", JINGUANYI),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let other_compound = post_json(
        &app,
        &assoc,
        "/catalog/compounds",
        compound_body("DH-1", DONGHU),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Who may open the page: a visitor signs in first; committees, firms and city
    // officials manage no accounts.
    let (status, location, _) = pages::get(&app, "/accounts", None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with("/signin"), "{location}");
    for token in [
        app.token(Role::Committee, Scope::Compound(own_compound.clone())),
        app.token(Role::Firm, Scope::Firm("f1".into())),
        app.token(Role::CityOfficial, Scope::City),
    ] {
        let (status, _, html) = pages::get(&app, "/accounts", Some(&token)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{html}");
    }

    // The district official's form offers street officials and committee accounts, its own
    // district's streets and compounds only.
    let (status, _, html) = pages::get(&app, "/accounts", Some(&district)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("账号管理")
            && html.contains(r#"<option value="street_official" selected>街道工作人员</option>"#)
            && html.contains(r#"<option value="committee">小区自治组织</option>"#),
        "{html}"
    );
    assert!(
        html.contains(JINGUANYI) && !html.contains(CAOSHIJIE),
        "{html}"
    );
    assert!(
        html.contains(&format!(
            r#"<option value="{own_compound}">小区：JGY-1号院（JGY-1）</option>"#
        )) && html.contains(&format!(
            r#"<option value="{other_compound}">小区：DH-1号院（DH-1）</option>"#
        )),
        "{html}"
    );
    let qy_compound = post_json(
        &app,
        &assoc,
        "/catalog/compounds",
        compound_body("CSJ-1", CAOSHIJIE),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let (_, _, html) = pages::get(&app, "/accounts", Some(&district)).await;
    assert!(
        !html.contains(&qy_compound) && !html.contains("CSJ-1"),
        "{html}"
    );
    // It creates a committee account for a compound of its district; the account shows
    // the compound by its name, in the list and on its page.
    let (status, location, html) = pages::post(
        &app,
        "/accounts",
        Some(&district),
        &[
            ("_csrf", CSRF),
            ("role", "committee"),
            ("scope_id", &other_compound),
            ("username", "dh.committee"),
            ("display_name", "东湖一号院业委会"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let (_, _, html) = pages::get(&app, &location, Some(&district)).await;
    assert!(
        html.contains("小区自治组织") && html.contains("小区 DH-1号院"),
        "{html}"
    );
    assert!(!html.contains(&format!("小区 {other_compound}")), "{html}");
    let (_, _, html) = pages::get(&app, "/accounts?role=committee", Some(&district)).await;
    assert!(
        html.contains("dh.committee") && html.contains("<td>小区 DH-1号院</td>"),
        "{html}"
    );
    // Beyond its district: the catalog's 403 beside the form, nothing created.
    let (status, _, html) = pages::post(
        &app,
        "/accounts",
        Some(&district),
        &[
            ("_csrf", CSRF),
            ("role", "committee"),
            ("scope_id", &qy_compound),
            ("username", "csj.committee"),
            ("display_name", "越权"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{html}");
    assert!(
        !html.contains("qy.street"),
        "another district's account is not listed"
    );

    // Creating beyond reach: the catalog's 403, shown beside the form, nothing created.
    let (status, _, html) = pages::post(
        &app,
        "/accounts",
        Some(&district),
        &[
            ("_csrf", CSRF),
            ("role", "street_official"),
            ("scope_id", CAOSHIJIE),
            ("username", "nope.street"),
            ("display_name", "越权"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{html}");
    assert!(html.contains("只能创建和管理本区县"), "{html}");
    // A role it may not give is not offered, and a forged one is refused as well.
    let (status, _, html) = pages::post(
        &app,
        "/accounts",
        Some(&district),
        &[
            ("_csrf", CSRF),
            ("role", "district_official"),
            ("scope_id", JINJIANG),
            ("username", "nope.district"),
            ("display_name", "越权"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_ne!(status, StatusCode::SEE_OTHER, "{html}");
    // A bad field is shown beside it, with what was typed (never the password).
    let (status, _, html) = pages::post(
        &app,
        "/accounts",
        Some(&district),
        &[
            ("_csrf", CSRF),
            ("role", "street_official"),
            ("scope_id", JINGUANYI),
            ("username", "Bad Name"),
            ("display_name", "锦官驿街道 张三"),
            ("password", "short-one"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("username-error") && html.contains("password-error"),
        "{html}"
    );
    assert!(
        html.contains("锦官驿街道 张三") && !html.contains("short-one"),
        "{html}"
    );
    // Without the form token: refused.
    let (status, _, _) =
        pages::post(&app, "/accounts", Some(&district), &[("username", "x")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Within reach: created, then shown with its trail.
    let (status, location, html) = pages::post(
        &app,
        "/accounts",
        Some(&district),
        &[
            ("_csrf", CSRF),
            ("role", "street_official"),
            ("scope_id", JINGUANYI),
            ("username", "jgy.street"),
            ("display_name", "锦官驿街道 张三"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let (status, _, html) = pages::get(&app, &location, Some(&district)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(
        html.contains("账号已创建") && html.contains("创建账号"),
        "{html}"
    );
    assert!(html.contains("锦江区锦官驿街道"), "{html}");

    // Renamed, disabled and enabled again through the page; each change in the trail.
    let page_of = location.split('?').next().unwrap().to_string();
    let (status, _, html) = pages::post(
        &app,
        &format!("{page_of}/name"),
        Some(&district),
        &[("_csrf", CSRF), ("display_name", "")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("display_name-error") && html.contains("请填写显示名称"),
        "{html}"
    );
    let (status, _, _) = pages::post(
        &app,
        &format!("{page_of}/name"),
        Some(&district),
        &[("_csrf", CSRF), ("display_name", "锦官驿街道 李四")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    for action in ["disable", "enable"] {
        let (status, _, html) = pages::post(
            &app,
            &format!("{page_of}/status"),
            Some(&district),
            &[("_csrf", CSRF), ("action", action)],
        )
        .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{action}: {html}");
    }
    let (_, _, html) = pages::get(&app, &page_of, Some(&district)).await;
    for seen in [
        "锦官驿街道 张三 → 锦官驿街道 李四",
        "修改显示名称",
        "停用",
        "启用",
        "jj.district 的账号",
    ] {
        assert!(html.contains(seen), "{seen}: {html}");
    }

    // Another district's street official: every page and action is a 403.
    let (status, _, html) =
        pages::get(&app, &format!("/accounts/{qy_street}"), Some(&district)).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{html}");
    for (action, fields) in [
        ("password-reset", vec![("_csrf", CSRF)]),
        ("status", vec![("_csrf", CSRF), ("action", "disable")]),
        ("name", vec![("_csrf", CSRF), ("display_name", "越权改名")]),
    ] {
        let (status, _, html) = pages::post(
            &app,
            &format!("/accounts/{qy_street}/{action}"),
            Some(&district),
            &fields,
        )
        .await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{action}: {html}");
        assert!(!html.contains("一次性密码："), "{action}");
    }
    let qy = app
        .catalog_get(&format!("/catalog/accounts/{qy_street}"), Some(&assoc))
        .await
        .json();
    assert_eq!(
        (qy["disabled"].as_bool(), qy["display_name"].as_str()),
        (Some(false), Some("qy.street 的账号"))
    );

    // The street official creates committee accounts for its own street's compounds only.
    let street = sign_in(&app, "jgy.street").await;
    let (status, _, html) = pages::get(&app, "/accounts", Some(&street)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("JGY-1") && !html.contains("DH-1"), "{html}");
    let (status, _, html) = pages::post(
        &app,
        "/accounts",
        Some(&street),
        &[
            ("_csrf", CSRF),
            ("role", "committee"),
            ("scope_id", &other_compound),
            ("username", "dh.committee"),
            ("display_name", "越权"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{html}");
    assert!(html.contains("只能创建和管理本街道小区"), "{html}");
    let (status, _, html) = pages::post(
        &app,
        "/accounts",
        Some(&street),
        &[
            ("_csrf", CSRF),
            ("role", "committee"),
            ("scope_id", &own_compound),
            ("username", "jgy.committee"),
            ("display_name", "锦官驿一号院业委会"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let (_, _, html) = pages::get(&app, "/accounts", Some(&street)).await;
    assert!(
        html.contains("jgy.committee") && html.contains("<td>小区 JGY-1号院</td>"),
        "{html}"
    );

    // The association creates city officials (no scope) and district officials.
    let (status, _, html) = pages::get(&app, "/accounts", Some(&assoc)).await;
    assert!(
        html.contains("市级工作人员") && html.contains("区县工作人员"),
        "{html}"
    );
    assert_eq!(status, StatusCode::OK);
    let (status, location, html) = pages::post(
        &app,
        "/accounts",
        Some(&assoc),
        &[
            ("_csrf", CSRF),
            ("role", "city_official"),
            ("scope_id", ""),
            ("username", "city.zjj"),
            ("display_name", "市住建局 王五"),
            ("password", PASSWORD),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    let (_, _, html) = pages::get(&app, &location, Some(&assoc)).await;
    assert!(
        html.contains("市级工作人员") && html.contains("全市"),
        "{html}"
    );

    // The association's list: filters by role and status, search by username.
    let (_, _, html) = pages::get(&app, "/accounts?role=committee", Some(&assoc)).await;
    assert!(
        html.contains("jgy.committee") && !html.contains("jj.district"),
        "{html}"
    );
    let (_, _, html) = pages::get(&app, "/accounts?q=qy.", Some(&assoc)).await;
    assert!(
        html.contains("共 1 个账号") && html.contains("qy.street"),
        "{html}"
    );
    let (_, _, html) = pages::get(&app, "/accounts?status=disabled", Some(&assoc)).await;
    assert!(html.contains("共 0 个账号"), "{html}");
    app.stop().await;
}

/// The one-time password the reset page shows: after `一次性密码：`.
fn one_time_password(text: &str) -> String {
    let at = text
        .find("一次性密码：")
        .expect("the one-time password is shown");
    text[at + "一次性密码：".len()..]
        .split_whitespace()
        .next()
        .unwrap()
        .to_string()
}

async fn a_district_official_resets_a_street_officials_password_in_a_browser(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_app(backend.clone()).await;
    let tag = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres(_) => "postgres",
    };
    let assoc = app.token(Role::Association, Scope::City);
    post_json(
        &app,
        &assoc,
        "/catalog/accounts",
        account("jj.district", "district_official", Some(JINJIANG)),
    )
    .await;
    let url = |p: &str| format!("{}{p}", app.web_url);

    // The district official signs in and opens 账号管理 from the navigation.
    browser.open(&url("/signin")).await.unwrap();
    browser.fill("#username", "jj.district").await.unwrap();
    browser.fill("#password", PASSWORD).await.unwrap();
    browser
        .click("form[action='/signin'] button[type=submit]")
        .await
        .unwrap();
    browser.wait_for("退出").await.unwrap();
    browser
        .click("header nav a[href='/accounts']")
        .await
        .unwrap();
    browser.wait_for("创建账号").await.unwrap();

    // Creates a street official of its district.
    browser
        .click(&format!("#scope_id option[value='{JINGUANYI}']"))
        .await
        .unwrap();
    browser.fill("#username", "jgy.street").await.unwrap();
    browser
        .fill("#display_name", "锦官驿街道 张三")
        .await
        .unwrap();
    browser.fill("#password", PASSWORD).await.unwrap();
    browser
        .click("#create-account button[type=submit]")
        .await
        .unwrap();
    browser.wait_for("账号已创建").await.unwrap();
    browser.wait_for("锦江区锦官驿街道").await.unwrap();

    // Resets its password: the one-time password is shown once.
    browser.click("#reset-password").await.unwrap();
    let text = browser.wait_for("一次性密码：").await.unwrap();
    let otp = one_time_password(&text);
    assert!(otp.chars().count() >= 10, "{otp}");
    browser
        .screenshot(&format!("account-reset-{tag}"))
        .await
        .unwrap();
    browser.wait_for("重置密码").await.unwrap();
    browser
        .click("form[action='/signout'] button[type=submit]")
        .await
        .unwrap();
    browser.wait_for("登录").await.unwrap();

    // The street official signs in with it and is sent to change it first.
    browser.open(&url("/signin?next=/accounts")).await.unwrap();
    browser.fill("#username", "jgy.street").await.unwrap();
    browser.fill("#password", &otp).await.unwrap();
    browser
        .click("form[action='/signin'] button[type=submit]")
        .await
        .unwrap();
    browser.wait_for("您的密码已被重置").await.unwrap();
    // Any other page sends it back here.
    browser.open(&url("/accounts")).await.unwrap();
    browser.wait_for("您的密码已被重置").await.unwrap();
    // A mismatch is refused beside the field; then the change goes through.
    browser.fill("#current_password", &otp).await.unwrap();
    browser
        .fill("#new_password", "street-own-password")
        .await
        .unwrap();
    browser
        .fill("#confirm_password", "street-other-password")
        .await
        .unwrap();
    browser
        .click("form[action='/account/password'] button[type=submit]")
        .await
        .unwrap();
    browser.wait_for("两次输入的新密码不一致").await.unwrap();
    browser.fill("#current_password", &otp).await.unwrap();
    browser
        .fill("#new_password", "street-own-password")
        .await
        .unwrap();
    browser
        .fill("#confirm_password", "street-own-password")
        .await
        .unwrap();
    browser
        .click("form[action='/account/password'] button[type=submit]")
        .await
        .unwrap();
    // Back to the page it was sent from, signed in afresh.
    let text = browser.wait_for("账号管理").await.unwrap();
    assert!(text.contains("锦官驿街道 张三（街道工作人员）"), "{text}");
    assert!(text.contains("密码已修改"), "{text}");
    browser.wait_for("共 0 个账号").await.unwrap();
    browser
        .screenshot(&format!("account-changed-{tag}"))
        .await
        .unwrap();
    browser.close().await;

    // The new password works over the API too; the one-time password no longer does.
    let a = app
        .send(
            Method::POST,
            &format!("{}/catalog/session", app.catalog_url),
            None,
            Some(&json!({"username": "jgy.street", "password": "street-own-password"})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["account"]["must_change_password"], false);
    app.stop().await;
}
