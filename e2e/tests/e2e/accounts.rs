//! Accounts and roles: the admin bootstrap, sign-in (token and cookie), failed sign-ins
//! that do not reveal whether an account exists, throttling, sign-out, password change,
//! who may create and list which accounts, disabling, and the `account` feed topic.

use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::header::{COOKIE, HeaderMap, RETRY_AFTER, SET_COOKIE};
use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use wuye_e2e::fixtures::{compound_body, firm_body};
use wuye_e2e::{Answer, Backend, TestApp, both_backends, spawn_app};

both_backends!(
    bootstrap_then_sign_in_with_token_and_cookie,
    failed_sign_ins_look_alike_and_are_throttled,
    sign_out_revokes_the_session,
    password_change,
    who_may_create_and_list_accounts,
    disabling_accounts_and_the_account_feed,
    managing_accounts_within_reach,
    a_reset_password_must_be_changed_first,
);

/// The catalog's reference data (places, seeded service models) opens its feed.
const PLACES: i64 = wuye_e2e::REFERENCE_CHANGES;
const ADMIN_PASSWORD: &str = "correct-horse-battery";
const JINJIANG: &str = "510104";
const QINGYANG: &str = "510105";

/// An answer with its headers.
struct Reply {
    answer: Answer,
    headers: HeaderMap,
}

/// Sends a request with optional bearer token, cookie, `X-Forwarded-For` and JSON body.
async fn request(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    cookie: Option<&str>,
    forwarded_for: Option<&str>,
    body: Option<&Value>,
) -> Reply {
    let mut req = app
        .client
        .request(method, format!("{}{path}", app.catalog_url));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(c) = cookie {
        req = req.header(COOKIE, c);
    }
    if let Some(ip) = forwarded_for {
        req = req.header("x-forwarded-for", ip);
    }
    if let Some(b) = body {
        req = req.json(b);
    }
    let res = req.send().await.expect("sending a request");
    let status = res.status();
    let headers = res.headers().clone();
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let body = res.text().await.expect("reading a response");
    Reply {
        answer: Answer {
            status,
            content_type,
            body,
        },
        headers,
    }
}

/// `POST /catalog/session` from the client address `ip`.
async fn login(app: &TestApp, username: &str, password: &str, ip: &str) -> Reply {
    request(
        app,
        Method::POST,
        "/catalog/session",
        None,
        None,
        Some(ip),
        Some(&json!({ "username": username, "password": password })),
    )
    .await
}

/// Signs in and returns the token (panics unless 200).
async fn token_for(app: &TestApp, username: &str, password: &str) -> String {
    let r = login(app, username, password, "198.51.100.1").await;
    assert_eq!(r.answer.status, 200, "{}", r.answer.body);
    r.answer.json()["token"].as_str().unwrap().to_string()
}

async fn bootstrap_admin(app: &TestApp) -> String {
    catalog::accounts::bootstrap_association(&app.catalog_db, "admin", "协会管理员", ADMIN_PASSWORD)
        .await
        .expect("bootstrapping the association account")
}

async fn post_account(app: &TestApp, token: &str, body: Value) -> Answer {
    app.send(
        Method::POST,
        &format!("{}/catalog/accounts", app.catalog_url),
        Some(token),
        Some(&body),
    )
    .await
}

fn account(username: &str, role: &str, scope_id: Option<&str>) -> Value {
    json!({
        "username": username,
        "display_name": format!("{username} 的账号"),
        "password": "a-long-enough-password",
        "role": role,
        "scope_id": scope_id,
    })
}

/// Creates an entity with the association's token; returns its id.
async fn create(app: &TestApp, token: &str, path: &str, body: &Value) -> String {
    let a = app
        .send(
            Method::POST,
            &format!("{}{path}", app.catalog_url),
            Some(token),
            Some(body),
        )
        .await;
    assert_eq!(a.status, 201, "{path}: {}", a.body);
    a.json()["id"].as_str().unwrap().to_string()
}

/// The streets of a district, by code.
async fn streets_of(app: &TestApp, district: &str) -> Vec<String> {
    app.catalog_get(&format!("/catalog/streets?district={district}"), None)
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap().to_string())
        .collect()
}

fn cookie_attributes(headers: &HeaderMap) -> String {
    let cookies: Vec<&str> = headers
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect();
    assert_eq!(cookies.len(), 1, "one Set-Cookie: {cookies:?}");
    cookies[0].to_string()
}

fn retry_after(headers: &HeaderMap) -> u64 {
    headers
        .get(RETRY_AFTER)
        .expect("Retry-After")
        .to_str()
        .unwrap()
        .parse()
        .expect("Retry-After in seconds")
}

async fn bootstrap_then_sign_in_with_token_and_cookie(backend: Backend) {
    let app = spawn_app(backend).await;
    // Anonymous callers are refused.
    app.catalog_get("/catalog/me", None)
        .await
        .problem(401, "unauthenticated");
    app.catalog_get("/catalog/accounts", None)
        .await
        .problem(401, "unauthenticated");

    let id = bootstrap_admin(&app).await;
    // The same username again is refused; bad values are reported per field.
    let again = catalog::accounts::bootstrap_association(
        &app.catalog_db,
        "admin",
        "另一个",
        ADMIN_PASSWORD,
    )
    .await
    .unwrap_err();
    assert!(format!("{again:#}").contains("already exists"), "{again:#}");
    let bad = catalog::accounts::bootstrap_association(&app.catalog_db, "Ad", " ", "short")
        .await
        .unwrap_err()
        .to_string();
    for field in ["username", "display_name", "password"] {
        assert!(bad.contains(field), "{bad}");
    }

    // Usernames are compared lower-case and trimmed.
    let r = login(&app, " ADMIN ", ADMIN_PASSWORD, "198.51.100.1").await;
    assert_eq!(r.answer.status, 200, "{}", r.answer.body);
    let session = r.answer.json();
    let token = session["token"].as_str().unwrap().to_string();
    assert!(session["expires_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(session["account"]["id"], id.as_str());
    assert_eq!(session["account"]["username"], "admin");
    assert_eq!(session["account"]["display_name"], "协会管理员");
    assert_eq!(session["account"]["role"], "association");
    assert_eq!(session["account"]["scope"], json!({ "kind": "city" }));
    assert!(
        !r.answer.body.contains("argon2"),
        "no hash: {}",
        r.answer.body
    );

    let cookie = cookie_attributes(&r.headers);
    assert!(
        cookie.starts_with(&format!("wuye_session={token};")),
        "{cookie}"
    );
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(
            cookie.split("; ").any(|a| a == attribute),
            "{attribute} in {cookie}"
        );
    }
    let max_age: i64 = cookie
        .split("; ")
        .find_map(|a| a.strip_prefix("Max-Age="))
        .unwrap()
        .parse()
        .unwrap();
    assert!((3500..=3600).contains(&max_age), "Max-Age {max_age}");
    assert!(!cookie.contains("Secure"), "plain HTTP: {cookie}");

    // The token as a bearer, and the cookie alone, both authenticate.
    let me = app.catalog_get("/catalog/me", Some(&token)).await;
    assert_eq!(me.status, 200, "{}", me.body);
    assert_eq!(me.json()["id"], id.as_str());
    let by_cookie = request(
        &app,
        Method::GET,
        "/catalog/me",
        None,
        Some(&format!("other=1; wuye_session={token}")),
        None,
        None,
    )
    .await;
    assert_eq!(by_cookie.answer.status, 200, "{}", by_cookie.answer.body);
    assert_eq!(by_cookie.answer.json()["username"], "admin");

    // A minted token without an account behind it has no `me`.
    let stranger = app.token(Role::Firm, Scope::Firm("f1".into()));
    app.catalog_get("/catalog/me", Some(&stranger))
        .await
        .problem(404, "not_found");

    // Behind an HTTPS proxy the cookie is Secure.
    let r = app
        .client
        .post(format!("{}/catalog/session", app.catalog_url))
        .header("x-forwarded-proto", "https")
        .json(&json!({ "username": "admin", "password": ADMIN_PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert!(cookie_attributes(r.headers()).ends_with("; Secure"));

    // Blank credentials are a validation problem, naming both fields.
    let blank = login(&app, " ", "", "198.51.100.1").await.answer;
    blank.problem(422, "validation_failed");
    assert!(blank.field_error("username").is_some());
    assert!(blank.field_error("password").is_some());

    // Every route is in the OpenAPI document: they come from one list
    // (`foundation::every_documented_operation_is_served`).
    app.stop().await;
}

/// The parts of a problem a client sees, without the request id.
fn problem_shape(a: &Answer) -> Value {
    let mut v = a.problem(401, "invalid_credentials");
    v.as_object_mut().unwrap().remove("request_id");
    v
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

async fn failed_sign_ins_look_alike_and_are_throttled(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = bootstrap_admin(&app).await;
    assert!(!admin.is_empty());

    // A wrong password and an unknown username answer exactly alike.
    let wrong = login(&app, "admin", "not-the-password", "192.0.2.1").await;
    let unknown = login(&app, "nobody", "not-the-password", "192.0.2.1").await;
    assert_eq!(wrong.answer.status, unknown.answer.status);
    assert_eq!(wrong.answer.content_type, unknown.answer.content_type);
    let shape = problem_shape(&wrong.answer);
    assert_eq!(shape, problem_shape(&unknown.answer));
    assert_eq!(shape["title"], "用户名或密码错误");
    assert!(
        shape["detail"]
            .as_str()
            .unwrap()
            .contains("用户名或密码错误")
    );
    assert!(wrong.headers.get(SET_COOKIE).is_none());

    // ... and take comparable time: an unknown username is checked against a dummy hash.
    let (mut known, mut missing) = (Vec::new(), Vec::new());
    for i in 0..3 {
        let ip = format!("192.0.2.{}", 10 + i);
        let t = Instant::now();
        login(&app, "admin", "still-not-the-password", &ip).await;
        known.push(t.elapsed());
        let t = Instant::now();
        login(&app, &format!("ghost{i}"), "still-not-the-password", &ip).await;
        missing.push(t.elapsed());
    }
    let (known, missing) = (median(known), median(missing));
    assert!(
        missing * 4 >= known,
        "unknown user {missing:?} vs wrong password {known:?}"
    );

    // Four failures so far for `admin`, each from another address: none of them delays
    // the owner (throttling is per username and client address; see `throttling`).
    login(&app, "admin", "wrong-again-1", "192.0.2.20")
        .await
        .answer
        .problem(401, "invalid_credentials");
    let owner = login(&app, "ADMIN ", ADMIN_PASSWORD, "192.0.2.21").await;
    assert_eq!(owner.answer.status, 200, "{}", owner.answer.body);

    // Other usernames are not affected.
    let other = post_account(
        &app,
        &app.token(Role::Association, Scope::City),
        account("li.si", "district_official", Some(JINJIANG)),
    )
    .await;
    assert_eq!(other.status, 201, "{}", other.body);
    assert_eq!(
        login(&app, "li.si", "a-long-enough-password", "192.0.2.23")
            .await
            .answer
            .status,
        200
    );

    // One client address may try 30 times a minute, whatever the usernames.
    let ip = "203.0.113.7";
    for i in 0..30 {
        login(&app, &format!("guess{i}"), "whatever-password", ip)
            .await
            .answer
            .problem(401, "invalid_credentials");
    }
    let flooded = login(&app, "li.si", "a-long-enough-password", ip).await;
    flooded.answer.problem(429, "rate_limited");
    let wait = retry_after(&flooded.headers);
    assert!((1..=60).contains(&wait), "Retry-After {wait}");
    // Another address still signs in.
    assert_eq!(
        login(&app, "li.si", "a-long-enough-password", "203.0.113.8")
            .await
            .answer
            .status,
        200
    );
    app.stop().await;
}

async fn sign_out_revokes_the_session(backend: Backend) {
    let app = spawn_app(backend).await;
    bootstrap_admin(&app).await;
    let first = token_for(&app, "admin", ADMIN_PASSWORD).await;
    let second = token_for(&app, "admin", ADMIN_PASSWORD).await;

    let out = request(
        &app,
        Method::DELETE,
        "/catalog/session",
        Some(&first),
        None,
        None,
        None,
    )
    .await;
    assert_eq!(out.answer.status, 204, "{}", out.answer.body);
    let cleared = cookie_attributes(&out.headers);
    assert!(cleared.starts_with("wuye_session=;"), "{cleared}");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert!(cleared.contains("HttpOnly"), "{cleared}");

    // The signed-out token is refused everywhere in the catalog, as bearer or cookie.
    let refused = app.catalog_get("/catalog/me", Some(&first)).await;
    refused.problem(401, "unauthenticated");
    let by_cookie = request(
        &app,
        Method::GET,
        "/catalog/me",
        None,
        Some(&format!("wuye_session={first}")),
        None,
        None,
    )
    .await;
    by_cookie.answer.problem(401, "unauthenticated");
    app.catalog_get("/catalog/accounts", Some(&first))
        .await
        .problem(401, "unauthenticated");
    request(
        &app,
        Method::DELETE,
        "/catalog/session",
        Some(&first),
        None,
        None,
        None,
    )
    .await
    .answer
    .problem(401, "unauthenticated");
    // Like an invalid token, a signed-out one is refused even on public endpoints, so the
    // client learns that it is signed out; without it they answer as usual.
    app.catalog_get("/catalog/districts", Some(&first))
        .await
        .problem(401, "unauthenticated");
    assert_eq!(
        app.catalog_get("/catalog/districts", None).await.status,
        200
    );

    // A stale cookie is cleared when refused, and never blocks signing in again.
    let stale = request(
        &app,
        Method::GET,
        "/catalog/me",
        None,
        Some(&format!("wuye_session={first}")),
        None,
        None,
    )
    .await;
    assert!(cookie_attributes(&stale.headers).contains("Max-Age=0"));
    let again = request(
        &app,
        Method::POST,
        "/catalog/session",
        None,
        Some(&format!("wuye_session={first}")),
        Some("198.51.100.3"),
        Some(&json!({ "username": "admin", "password": ADMIN_PASSWORD })),
    )
    .await;
    assert_eq!(again.answer.status, 200, "{}", again.answer.body);

    // The other session is untouched; signing out by cookie works too.
    assert_eq!(
        app.catalog_get("/catalog/me", Some(&second)).await.status,
        200
    );
    let out = request(
        &app,
        Method::DELETE,
        "/catalog/session",
        None,
        Some(&format!("wuye_session={second}")),
        None,
        None,
    )
    .await;
    assert_eq!(out.answer.status, 204);
    app.catalog_get("/catalog/me", Some(&second))
        .await
        .problem(401, "unauthenticated");

    // Anonymous sign-out is refused.
    request(
        &app,
        Method::DELETE,
        "/catalog/session",
        None,
        None,
        None,
        None,
    )
    .await
    .answer
    .problem(401, "unauthenticated");
    app.stop().await;
}

async fn change_password(app: &TestApp, token: &str, current: &str, new: &str) -> Answer {
    app.send(
        Method::PUT,
        &format!("{}/catalog/me/password", app.catalog_url),
        Some(token),
        Some(&json!({ "current_password": current, "new_password": new })),
    )
    .await
}

async fn password_change(backend: Backend) {
    let app = spawn_app(backend).await;
    bootstrap_admin(&app).await;
    let token = token_for(&app, "admin", ADMIN_PASSWORD).await;

    // Every bad field at once: wrong current password and a too-short new one.
    let bad = change_password(&app, &token, "wrong-current", "short").await;
    bad.problem(422, "validation_failed");
    assert_eq!(
        bad.field_error("current_password").unwrap(),
        "当前密码不正确"
    );
    assert!(bad.field_error("new_password").unwrap().contains("10"));
    // The new password may be neither the username nor the current password.
    let same_as_name = change_password(&app, &token, ADMIN_PASSWORD, "admin").await;
    assert!(same_as_name.field_error("new_password").is_some());
    let contains_name = change_password(&app, &token, ADMIN_PASSWORD, "Admin12345").await;
    assert_eq!(contains_name.status, 200, "{}", contains_name.body);
    // The change ends the session that made it too, and answers a fresh one.
    app.catalog_get("/catalog/me", Some(&token))
        .await
        .problem(401, "unauthenticated");
    let token = contains_name.json()["token"].as_str().unwrap().to_string();
    let unchanged = change_password(&app, &token, "Admin12345", "Admin12345").await;
    unchanged.problem(422, "validation_failed");
    assert_eq!(
        unchanged.field_error("new_password").unwrap(),
        "新密码不能与当前密码相同"
    );
    assert!(unchanged.field_error("current_password").is_none());
    let blank = change_password(&app, &token, "", "new-password-123").await;
    assert!(blank.field_error("current_password").is_some());

    // A good change: the old password fails, the new one works, the caller carries on
    // with the fresh session it answers.
    let ok = change_password(&app, &token, "Admin12345", "a-brand-new-password").await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    let token = ok.json()["token"].as_str().unwrap().to_string();
    for old in [ADMIN_PASSWORD, "Admin12345"] {
        login(&app, "admin", old, "198.51.100.9")
            .await
            .answer
            .problem(401, "invalid_credentials");
    }
    token_for(&app, "admin", "a-brand-new-password").await;
    assert_eq!(
        app.catalog_get("/catalog/me", Some(&token)).await.status,
        200
    );

    // Anonymous callers cannot change a password.
    app.send(
        Method::PUT,
        &format!("{}/catalog/me/password", app.catalog_url),
        None,
        Some(&json!({ "current_password": "x", "new_password": "y" })),
    )
    .await
    .problem(401, "unauthenticated");
    app.stop().await;
}

async fn who_may_create_and_list_accounts(backend: Backend) {
    let app = spawn_app(backend).await;
    bootstrap_admin(&app).await;
    let admin = token_for(&app, "admin", ADMIN_PASSWORD).await;
    let jinjiang = streets_of(&app, JINJIANG).await;
    let qingyang = streets_of(&app, QINGYANG).await;
    let firm = create(&app, &admin, "/catalog/firms", &firm_body("锦城物业", 7)).await;
    let jj_compound = create(
        &app,
        &admin,
        "/catalog/compounds",
        &compound_body("JJ-1", &jinjiang[0]),
    )
    .await;
    let qy_compound = create(
        &app,
        &admin,
        "/catalog/compounds",
        &compound_body("QY-1", &qingyang[0]),
    )
    .await;

    // The association creates any role.
    for (username, role, scope) in [
        ("jj.district", "district_official", Some(JINJIANG)),
        ("qy.street", "street_official", Some(qingyang[0].as_str())),
        ("second.admin", "association", None),
        ("committee.1", "committee", Some(jj_compound.as_str())),
        ("firm.1", "firm", Some(firm.as_str())),
    ] {
        let a = post_account(&app, &admin, account(username, role, scope)).await;
        assert_eq!(a.status, 201, "{username}: {}", a.body);
        let v = a.json();
        assert_eq!(v["role"], role);
        assert_eq!(v["disabled"], false);
        assert!(v.get("password_hash").is_none() && !a.body.contains("argon2"));
    }

    // Every bad field at once.
    let bad = post_account(
        &app,
        &admin,
        json!({ "username": "No Spaces", "display_name": "", "password": "short", "role": "king" }),
    )
    .await;
    bad.problem(422, "validation_failed");
    for field in ["username", "display_name", "password", "role"] {
        assert!(bad.field_error(field).is_some(), "{field}: {}", bad.body);
    }
    for (role, scope, why) in [
        ("district_official", Some("999999"), "unknown district"),
        ("street_official", Some("510104999"), "unknown street"),
        ("street_official", None, "missing street"),
        ("firm", Some("  "), "blank firm id"),
        ("committee", None, "missing compound id"),
        ("association", Some(JINJIANG), "association with a scope"),
        ("committee", Some("no-such-compound"), "unknown compound"),
        ("firm", Some("no-such-firm"), "unknown firm"),
    ] {
        let a = post_account(&app, &admin, account("valid.name", role, scope)).await;
        a.problem(422, "validation_failed");
        assert!(a.field_error("scope_id").is_some(), "{why}: {}", a.body);
    }
    let a = post_account(&app, &admin, account("x.service", "service", None)).await;
    assert!(a.field_error("role").is_some());

    // A duplicate username is a conflict naming the field.
    let dup = post_account(&app, &admin, account("firm.1", "firm", Some(firm.as_str()))).await;
    let p = dup.problem(409, "username_taken");
    assert_eq!(p["errors"][0]["field"], "username");

    // A district official creates street officials of its own district only.
    let district = token_for(&app, "jj.district", "a-long-enough-password").await;
    let a = post_account(
        &app,
        &district,
        account("jj.street", "street_official", Some(jinjiang[0].as_str())),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(
        a.json()["scope"],
        json!({ "kind": "street", "id": jinjiang[0] })
    );
    post_account(
        &app,
        &district,
        account("qy.street2", "street_official", Some(qingyang[1].as_str())),
    )
    .await
    .problem(403, "forbidden");
    // A district official token without a district scope creates nothing.
    post_account(
        &app,
        &app.token(Role::DistrictOfficial, Scope::City),
        account("nope.0", "street_official", Some(jinjiang[1].as_str())),
    )
    .await
    .problem(403, "forbidden");
    for (role, scope) in [
        ("association", None),
        ("district_official", Some(JINJIANG)),
        ("firm", Some(firm.as_str())),
        ("committee", Some(qy_compound.as_str())),
    ] {
        post_account(&app, &district, account("nope.1", role, scope))
            .await
            .problem(403, "forbidden");
    }
    // … and committee accounts for compounds of its district.
    let a = post_account(
        &app,
        &district,
        account("committee.2", "committee", Some(jj_compound.as_str())),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);

    // A street official creates committee accounts for compounds of its own street only.
    let street = token_for(&app, "jj.street", "a-long-enough-password").await;
    let a = post_account(
        &app,
        &street,
        account("committee.3", "committee", Some(jj_compound.as_str())),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(
        a.json()["scope"],
        json!({ "kind": "compound", "id": jj_compound })
    );
    post_account(
        &app,
        &street,
        account("committee.4", "committee", Some(qy_compound.as_str())),
    )
    .await
    .problem(403, "forbidden");

    // Firms, committees and city officials create nothing; street officials no officials.
    for token in [
        token_for(&app, "firm.1", "a-long-enough-password").await,
        token_for(&app, "committee.1", "a-long-enough-password").await,
        app.token(Role::CityOfficial, Scope::City),
        street.clone(),
    ] {
        post_account(
            &app,
            &token,
            account("nope.2", "street_official", Some(jinjiang[1].as_str())),
        )
        .await
        .problem(403, "forbidden");
    }
    for token in [
        token_for(&app, "firm.1", "a-long-enough-password").await,
        token_for(&app, "committee.1", "a-long-enough-password").await,
        app.token(Role::CityOfficial, Scope::City),
    ] {
        app.catalog_get("/catalog/accounts", Some(&token))
            .await
            .problem(403, "forbidden");
    }

    // The association lists everyone, filtered and paginated.
    let all = app
        .catalog_get("/catalog/accounts", Some(&admin))
        .await
        .json();
    assert_eq!(
        all["total"], 9,
        "admin + 5 by the admin + 1 street official + 2 committees"
    );
    assert_eq!(all["items"][0]["username"], "admin");
    assert!(
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|a| a.get("password_hash").is_none())
    );
    let streets = app
        .catalog_get(
            "/catalog/accounts?role=street_official&limit=1&offset=1",
            Some(&admin),
        )
        .await
        .json();
    assert_eq!(streets["total"], 2);
    assert_eq!(streets["items"].as_array().unwrap().len(), 1);
    assert_eq!(streets["items"][0]["username"], "qy.street");
    let found = app
        .catalog_get("/catalog/accounts?q=FIRM", Some(&admin))
        .await
        .json();
    assert_eq!(found["total"], 1);
    let bad = app
        .catalog_get("/catalog/accounts?role=king&limit=0", Some(&admin))
        .await;
    bad.problem(422, "validation_failed");
    assert!(bad.field_error("role").is_some() && bad.field_error("limit").is_some());

    // The district official sees only the accounts it may create: the street officials of
    // its own district and the committees of its compounds.
    let mine = app
        .catalog_get("/catalog/accounts", Some(&district))
        .await
        .json();
    let names: Vec<&str> = mine["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["username"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["committee.1", "committee.2", "committee.3", "jj.street"]
    );
    // The street official: the committees of its street's compounds.
    let streets_own = app
        .catalog_get("/catalog/accounts", Some(&street))
        .await
        .json();
    assert_eq!(streets_own["total"], 3, "{streets_own}");
    let firms = app
        .catalog_get("/catalog/accounts?role=firm", Some(&district))
        .await
        .json();
    assert_eq!(firms["total"], 0);
    app.stop().await;
}

async fn patch_account(app: &TestApp, token: &str, id: &str, body: Value) -> Answer {
    app.send(
        Method::PATCH,
        &format!("{}/catalog/accounts/{id}", app.catalog_url),
        Some(token),
        Some(&body),
    )
    .await
}

async fn disabling_accounts_and_the_account_feed(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin_id = bootstrap_admin(&app).await;
    let admin = token_for(&app, "admin", ADMIN_PASSWORD).await;
    let jinjiang = streets_of(&app, JINJIANG).await;
    let created = post_account(
        &app,
        &admin,
        account("jj.street", "street_official", Some(jinjiang[0].as_str())),
    )
    .await
    .json();
    let id = created["id"].as_str().unwrap().to_string();
    let street = token_for(&app, "jj.street", "a-long-enough-password").await;

    // Only who manages the account disables it (here: the association; another district's
    // official or the street official itself may not), and nobody itself.
    let district = app.token(Role::DistrictOfficial, Scope::District(QINGYANG.into()));
    patch_account(&app, &district, &id, json!({ "disabled": true }))
        .await
        .problem(403, "forbidden");
    patch_account(&app, &street, &id, json!({ "disabled": true }))
        .await
        .problem(403, "forbidden");
    patch_account(&app, &admin, &admin_id, json!({ "disabled": true }))
        .await
        .problem(409, "cannot_disable_self");
    patch_account(&app, &admin, "no-such-account", json!({ "disabled": true }))
        .await
        .problem(404, "not_found");
    let missing = patch_account(&app, &admin, &id, json!({})).await;
    missing.problem(422, "validation_failed");
    assert!(missing.field_error("disabled").is_some());

    let off = patch_account(&app, &admin, &id, json!({ "disabled": true })).await;
    assert_eq!(off.status, 200, "{}", off.body);
    assert_eq!(off.json()["disabled"], true);
    // A disabled account cannot sign in (the same answer as a wrong password), and its
    // open session is refused by the catalog.
    let refused = login(&app, "jj.street", "a-long-enough-password", "198.51.100.2").await;
    assert_eq!(
        problem_shape(&refused.answer)["detail"],
        "用户名或密码错误，请检查后重试。"
    );
    app.catalog_get("/catalog/me", Some(&street))
        .await
        .problem(401, "unauthenticated");
    let disabled = app
        .catalog_get("/catalog/accounts?disabled=true", Some(&admin))
        .await
        .json();
    assert_eq!(disabled["total"], 1);

    // Disabling again changes nothing; re-enabling lets it sign in again.
    patch_account(&app, &admin, &id, json!({ "disabled": true })).await;
    let on = patch_account(&app, &admin, &id, json!({ "disabled": false })).await;
    assert_eq!(on.json()["disabled"], false);
    let street = token_for(&app, "jj.street", "a-long-enough-password").await;
    assert_eq!(
        change_password(
            &app,
            &street,
            "a-long-enough-password",
            "another-long-password"
        )
        .await
        .status,
        200
    );

    // The feed: bootstrap, creation, disable, enable, password change; never a hash. (The
    // `session` topic beside it carries the sessions those changes end.)
    let page = app
        .feed(&app.catalog_url, "/catalog", PLACES, 100, 0)
        .await
        .json();
    let changes: Vec<&Value> = page["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["topic"] != "session")
        .collect();
    assert!(changes.iter().all(|c| c["topic"] == "account"), "{page}");
    let seen: Vec<(String, String, bool)> = changes
        .iter()
        .map(|c| {
            (
                c["entity_id"].as_str().unwrap().to_string(),
                c["kind"].as_str().unwrap().to_string(),
                c["payload"]["disabled"].as_bool().unwrap(),
            )
        })
        .collect();
    let expected: Vec<(String, String, bool)> = [
        (admin_id.as_str(), "created", false),
        (id.as_str(), "created", false),
        (id.as_str(), "updated", true),
        (id.as_str(), "updated", false),
        (id.as_str(), "password_changed", false),
    ]
    .into_iter()
    .map(|(i, k, d)| (i.to_string(), k.to_string(), d))
    .collect();
    assert_eq!(seen, expected);
    for c in &changes {
        let payload = c["payload"].as_object().unwrap();
        let mut keys: Vec<&str> = payload.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(
            keys,
            [
                "disabled",
                "display_name",
                "id",
                "must_change_password",
                "role",
                "scope",
                "username"
            ]
        );
        assert!(!c["payload"].to_string().contains("argon2"));
    }
    assert_eq!(
        changes[1]["payload"]["scope"],
        json!({ "kind": "street", "id": jinjiang[0] })
    );
    assert_eq!(changes[1]["payload"]["role"], "street_official");
    app.stop().await;
}

async fn reset(app: &TestApp, token: &str, id: &str) -> Answer {
    app.send(
        Method::POST,
        &format!("{}/catalog/accounts/{id}/password-reset", app.catalog_url),
        Some(token),
        None::<&Value>,
    )
    .await
}

async fn events_of(app: &TestApp, token: &str, id: &str) -> Answer {
    app.catalog_get(&format!("/catalog/accounts/{id}/events"), Some(token))
        .await
}

/// Two districts, a street official and a committee in each, created by those who may.
struct Reach {
    admin_id: String,
    admin: String,
    jj_district: String,
    jj_street_id: String,
    jj_street: String,
    qy_street_id: String,
    jj_committee_id: String,
    qy_committee_id: String,
    jj_other_compound: String,
}

async fn reach(app: &TestApp) -> Reach {
    let admin_id = bootstrap_admin(app).await;
    let admin = token_for(app, "admin", ADMIN_PASSWORD).await;
    let jinjiang = streets_of(app, JINJIANG).await;
    let qingyang = streets_of(app, QINGYANG).await;
    let compound = |code: &str, street: &str| compound_body(code, street);
    let jj_compound = create(
        app,
        &admin,
        "/catalog/compounds",
        &compound("JJ-1", &jinjiang[0]),
    )
    .await;
    let jj_other_compound = create(
        app,
        &admin,
        "/catalog/compounds",
        &compound("JJ-2", &jinjiang[1]),
    )
    .await;
    let qy_compound = create(
        app,
        &admin,
        "/catalog/compounds",
        &compound("QY-1", &qingyang[0]),
    )
    .await;
    let id_of = |a: Answer| {
        assert_eq!(a.status, 201, "{}", a.body);
        a.json()["id"].as_str().unwrap().to_string()
    };
    for (name, district) in [("jj.district", JINJIANG), ("qy.district", QINGYANG)] {
        id_of(
            post_account(
                app,
                &admin,
                account(name, "district_official", Some(district)),
            )
            .await,
        );
    }
    let jj_district = token_for(app, "jj.district", "a-long-enough-password").await;
    let qy_district = token_for(app, "qy.district", "a-long-enough-password").await;
    let jj_street_id = id_of(
        post_account(
            app,
            &jj_district,
            account("jj.street", "street_official", Some(&jinjiang[0])),
        )
        .await,
    );
    let qy_street_id = id_of(
        post_account(
            app,
            &qy_district,
            account("qy.street", "street_official", Some(&qingyang[0])),
        )
        .await,
    );
    let jj_street = token_for(app, "jj.street", "a-long-enough-password").await;
    let qy_street = token_for(app, "qy.street", "a-long-enough-password").await;
    let jj_committee_id = id_of(
        post_account(
            app,
            &jj_street,
            account("jj.committee", "committee", Some(&jj_compound)),
        )
        .await,
    );
    let qy_committee_id = id_of(
        post_account(
            app,
            &qy_street,
            account("qy.committee", "committee", Some(&qy_compound)),
        )
        .await,
    );
    Reach {
        admin_id,
        admin,
        jj_district,
        jj_street_id,
        jj_street,
        qy_street_id,
        jj_committee_id,
        qy_committee_id,
        jj_other_compound,
    }
}

async fn managing_accounts_within_reach(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = reach(&app).await;

    // The association creates city officials too.
    let city = post_account(&app, &r.admin, account("city.one", "city_official", None)).await;
    assert_eq!(city.status, 201, "{}", city.body);
    let city_id = city.json()["id"].as_str().unwrap().to_string();

    // Beyond reach: every action is refused with 403, whoever asks.
    let city_token = app.token(Role::CityOfficial, Scope::City);
    let committee = token_for(&app, "jj.committee", "a-long-enough-password").await;
    for (token, id, who) in [
        (
            &r.jj_district,
            &r.qy_street_id,
            "a district official, another district's street official",
        ),
        (
            &r.jj_district,
            &r.qy_committee_id,
            "a district official, another district's committee",
        ),
        (
            &r.jj_district,
            &city_id,
            "a district official, a city official",
        ),
        (
            &r.jj_street,
            &r.qy_committee_id,
            "a street official, another street's committee",
        ),
        (&r.jj_street, &r.jj_street_id, "a street official, itself"),
        (&city_token, &r.jj_street_id, "a city official"),
        (&committee, &r.jj_committee_id, "a committee, itself"),
    ] {
        app.catalog_get(&format!("/catalog/accounts/{id}"), Some(token))
            .await
            .problem(403, "forbidden");
        patch_account(&app, token, id, json!({"display_name": "越权"}))
            .await
            .problem(403, "forbidden");
        patch_account(&app, token, id, json!({"disabled": true}))
            .await
            .problem(403, "forbidden");
        let a = reset(&app, token, id).await;
        assert_eq!(a.status, 403, "{who}: {}", a.body);
        assert!(!a.body.contains("one_time_password"), "{who}");
        events_of(&app, token, id).await.problem(403, "forbidden");
    }
    // Creating beyond reach: a street official creates no district official, nor a
    // committee of another street's compound.
    post_account(
        &app,
        &r.jj_street,
        account("nope.d", "district_official", Some(JINJIANG)),
    )
    .await
    .problem(403, "forbidden");
    post_account(
        &app,
        &r.jj_street,
        account("nope.c", "committee", Some(&r.jj_other_compound)),
    )
    .await
    .problem(403, "forbidden");
    post_account(
        &app,
        &r.jj_district,
        account("nope.city", "city_official", None),
    )
    .await
    .problem(403, "forbidden");
    let nothing = app
        .catalog_get("/catalog/accounts/no-such-account", Some(&r.admin))
        .await;
    nothing.problem(404, "not_found");

    // Within reach: the district official renames, disables and enables its street official.
    let renamed = patch_account(
        &app,
        &r.jj_district,
        &r.jj_street_id,
        json!({"display_name": " 锦官驿街道 李四 "}),
    )
    .await;
    assert_eq!(renamed.status, 200, "{}", renamed.body);
    assert_eq!(renamed.json()["display_name"], "锦官驿街道 李四");
    for (body, field) in [
        (json!({"display_name": ""}), "display_name"),
        (json!({"display_name": "长".repeat(65)}), "display_name"),
        (json!({}), "disabled"),
    ] {
        let a = patch_account(&app, &r.jj_district, &r.jj_street_id, body).await;
        a.problem(422, "validation_failed");
        assert!(a.field_error(field).is_some(), "{}", a.body);
    }
    let off = patch_account(
        &app,
        &r.jj_district,
        &r.jj_street_id,
        json!({"disabled": true}),
    )
    .await;
    assert_eq!(off.json()["disabled"], true);
    app.catalog_get("/catalog/me", Some(&r.jj_street))
        .await
        .problem(401, "unauthenticated");
    patch_account(
        &app,
        &r.jj_district,
        &r.jj_street_id,
        json!({"disabled": false}),
    )
    .await;
    // The street official manages its committee.
    let street = token_for(&app, "jj.street", "a-long-enough-password").await;
    let one = app
        .catalog_get(
            &format!("/catalog/accounts/{}", r.jj_committee_id),
            Some(&street),
        )
        .await;
    assert_eq!(one.status, 200, "{}", one.body);
    assert_eq!(one.json()["username"], "jj.committee");
    // A committee account names its compound as the ledger does; other scopes have no name.
    assert_eq!(one.json()["scope_name"], "JJ-1号院", "{}", one.body);
    let listed = app
        .catalog_get("/catalog/accounts?role=committee", Some(&street))
        .await;
    assert_eq!(
        listed.json()["items"][0]["scope_name"],
        "JJ-1号院",
        "{}",
        listed.body
    );
    let official = app
        .catalog_get(
            &format!("/catalog/accounts/{}", r.jj_street_id),
            Some(&r.jj_district),
        )
        .await;
    assert!(
        official.json().get("scope_name").is_none(),
        "{}",
        official.body
    );
    // Nobody resets its own password here, nor disables itself.
    reset(&app, &r.admin, &r.admin_id)
        .await
        .problem(409, "cannot_reset_self");

    // Every change is recorded: who, when, old → new, never a password.
    let events = events_of(&app, &r.jj_district, &r.jj_street_id).await;
    assert_eq!(events.status, 200, "{}", events.body);
    let items = events.json()["items"].as_array().unwrap().clone();
    let kinds: Vec<&str> = items.iter().map(|e| e["kind"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        ["enabled", "disabled", "display_name_changed", "created"]
    );
    assert_eq!(items[2]["old_value"], "jj.street 的账号");
    assert_eq!(items[2]["new_value"], "锦官驿街道 李四");
    assert_eq!(items[3]["actor_name"], "jj.district 的账号");
    assert!(!events.body.contains("a-long-enough-password"));
    // The association reads every account's trail.
    assert_eq!(events_of(&app, &r.admin, &r.jj_street_id).await.status, 200);
    app.stop().await;
}

async fn a_reset_password_must_be_changed_first(backend: Backend) {
    let app = spawn_app(backend).await;
    let r = reach(&app).await;
    let answer = reset(&app, &r.jj_district, &r.jj_street_id).await;
    assert_eq!(answer.status, 200, "{}", answer.body);
    let v = answer.json();
    let otp = v["one_time_password"].as_str().unwrap().to_string();
    assert!(otp.chars().count() >= 10);
    assert_eq!(v["account"]["must_change_password"], true);
    // The old session and the old password are gone.
    app.catalog_get("/catalog/me", Some(&r.jj_street))
        .await
        .problem(401, "unauthenticated");
    let old = login(&app, "jj.street", "a-long-enough-password", "198.51.100.7").await;
    assert_eq!(old.answer.status, 401);
    // The one-time password signs in, and the catalog answers nothing else until it is
    // changed: its own account and the password change only.
    let signed = login(&app, "jj.street", &otp, "198.51.100.8").await;
    assert_eq!(signed.answer.status, 200, "{}", signed.answer.body);
    assert_eq!(
        signed.answer.json()["account"]["must_change_password"],
        true
    );
    let token = signed.answer.json()["token"].as_str().unwrap().to_string();
    for path in [
        "/catalog/accounts",
        "/catalog/compounds",
        &format!("/catalog/accounts/{}", r.jj_committee_id),
    ] {
        let a = app.catalog_get(path, Some(&token)).await;
        let p = a.problem(403, "password_change_required");
        assert!(p["detail"].as_str().unwrap().contains("修改"), "{p}");
    }
    post_account(&app, &token, account("jj.committee2", "committee", None))
        .await
        .problem(403, "password_change_required");
    let me = app.catalog_get("/catalog/me", Some(&token)).await;
    assert_eq!(me.status, 200);
    assert_eq!(me.json()["must_change_password"], true);
    let changed = change_password(&app, &token, &otp, "my-own-new-password").await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let fresh = changed.json()["token"].as_str().unwrap().to_string();
    let listed = app.catalog_get("/catalog/accounts", Some(&fresh)).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(
        app.catalog_get("/catalog/me", Some(&fresh)).await.json()["must_change_password"],
        false
    );
    // The trail: created, reset by the district official, changed by the account itself;
    // no password in it.
    let events = events_of(&app, &r.jj_district, &r.jj_street_id).await;
    let items = events.json()["items"].as_array().unwrap().clone();
    let kinds: Vec<(&str, &str)> = items
        .iter()
        .map(|e| {
            (
                e["kind"].as_str().unwrap(),
                e["actor_name"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        kinds,
        [
            ("password_changed", "jj.street 的账号"),
            ("password_reset", "jj.district 的账号"),
            ("created", "jj.district 的账号"),
        ]
    );
    assert!(!events.body.contains(&otp) && !events.body.contains("my-own-new-password"));
    app.stop().await;
}
