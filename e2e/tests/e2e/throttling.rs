//! End-to-end tests of throttling that cannot be turned against users (issue 10): anonymous
//! applications hash no password before the cheap checks and are limited per client
//! address; sign-in failures delay the (username, client) pair, not the username, and are
//! counted before any hashing; `X-Forwarded-For` is believed only from trusted proxies;
//! the pages forward each browser's address. Hash counts are read from the catalog's
//! argon2 gate, never from timings.

use reqwest::header::{COOKIE, HeaderMap, LOCATION, RETRY_AFTER, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use wuye_e2e::fixtures::firm_body;
use wuye_e2e::pages::CSRF;
use wuye_e2e::{Answer, Backend, Options, TestApp, both_backends, spawn_app, spawn_app_with};

both_backends!(
    duplicate_applications_hash_nothing_and_are_throttled_per_client,
    the_owner_signs_in_while_the_attackers_address_waits,
    a_burst_of_parallel_guesses_gets_only_the_free_ones_verified,
    forwarded_for_is_believed_only_from_trusted_peers,
    through_the_pages_two_browsers_are_counted_apart,
);

const PASSWORD: &str = "a-long-enough-password";

struct Reply {
    answer: Answer,
    headers: HeaderMap,
}

/// A catalog request from the client address `forwarded_for` (as a proxy would say).
async fn request(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    forwarded_for: Option<&str>,
    body: &Value,
) -> Reply {
    let mut req = app
        .client
        .request(method, format!("{}{path}", app.catalog_url))
        .json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    if let Some(ip) = forwarded_for {
        req = req.header("x-forwarded-for", ip);
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

async fn login(app: &TestApp, username: &str, password: &str, ip: Option<&str>) -> Reply {
    request(
        app,
        Method::POST,
        "/catalog/session",
        None,
        ip,
        &json!({ "username": username, "password": password }),
    )
    .await
}

async fn apply(app: &TestApp, token: Option<&str>, ip: &str, body: &Value) -> Reply {
    request(app, Method::POST, "/catalog/firms", token, Some(ip), body).await
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

/// A 429 with `Retry-After` and a Chinese detail saying when; returns the seconds.
fn throttled(reply: &Reply) -> u64 {
    let p = reply.answer.problem(429, "rate_limited");
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("后再试") && detail.contains("北京时间"),
        "{detail}"
    );
    retry_after(&reply.headers)
}

/// A district official's account with [`PASSWORD`], created by the association.
async fn account(app: &TestApp, username: &str) {
    let a = app
        .send(
            Method::POST,
            &format!("{}/catalog/accounts", app.catalog_url),
            Some(&app.token(Role::Association, Scope::City)),
            Some(&json!({
                "username": username,
                "display_name": "锦江区住建局 张三",
                "password": PASSWORD,
                "role": "district_official",
                "scope_id": "510104",
            })),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
}

fn with_account(mut body: Value, username: &str) -> Value {
    body["account"] = json!({ "username": username, "password": PASSWORD });
    body
}

async fn duplicate_applications_hash_nothing_and_are_throttled_per_client(backend: Backend) {
    let app = spawn_app_with(
        backend,
        Options {
            anonymous_applications_per_hour: 4,
            ..Options::default()
        },
    )
    .await;
    let me = "198.51.100.10";
    let first = apply(
        &app,
        None,
        me,
        &with_account(firm_body("成都锦城物业服务有限公司", 1), "jincheng"),
    )
    .await;
    assert_eq!(first.answer.status, 201, "{}", first.answer.body);
    assert_eq!(app.passwords.hashes(), 1);

    // The same credit code again, with an account: 409 before anything is hashed.
    let dup = apply(
        &app,
        None,
        me,
        &with_account(firm_body("成都锦城物业服务有限公司", 1), "jincheng2"),
    )
    .await;
    dup.answer.problem(409, "duplicate_credit_code");
    // A new credit code with a username already taken: 409, nothing hashed either.
    let taken = apply(
        &app,
        None,
        me,
        &with_account(firm_body("成都蓉城物业服务有限公司", 2), "jincheng"),
    )
    .await;
    taken.answer.problem(409, "username_taken");
    assert_eq!(app.passwords.hashes(), 1, "duplicates hashed a password");

    // Invalid applications are answered before they are counted.
    for _ in 0..5 {
        apply(&app, None, me, &json!({"name": ""}))
            .await
            .answer
            .problem(422, "validation_failed");
    }
    // The fourth valid application of this address this hour is the last ...
    apply(&app, None, me, &firm_body("成都锦城物业服务有限公司", 1))
        .await
        .answer
        .problem(409, "duplicate_credit_code");
    // ... the fifth is refused before the database or argon2 are asked.
    let refused = apply(
        &app,
        None,
        me,
        &with_account(firm_body("成都天府物业服务有限公司", 3), "tianfu"),
    )
    .await;
    let wait = throttled(&refused);
    assert!((3000..=3600).contains(&wait), "Retry-After {wait}");
    assert!(
        refused.answer.json()["detail"]
            .as_str()
            .unwrap()
            .contains("每小时最多提交 4 份")
    );
    assert_eq!(app.passwords.hashes(), 1);

    // Another address is counted on its own; the association is not counted.
    let other = apply(
        &app,
        None,
        "198.51.100.11",
        &with_account(firm_body("成都天府物业服务有限公司", 3), "tianfu"),
    )
    .await;
    assert_eq!(other.answer.status, 201, "{}", other.answer.body);
    assert_eq!(app.passwords.hashes(), 2);
    let association = app.token(Role::Association, Scope::City);
    let staff = apply(
        &app,
        Some(&association),
        me,
        &firm_body("成都锦江物业服务有限公司", 4),
    )
    .await;
    assert_eq!(staff.answer.status, 201, "{}", staff.answer.body);
    app.stop().await;
}

async fn the_owner_signs_in_while_the_attackers_address_waits(backend: Backend) {
    let app = spawn_app(backend).await;
    account(&app, "zhang.san").await;
    let attacker = Some("203.0.113.66");
    for _ in 0..3 {
        login(&app, "zhang.san", "guess-guess-guess", attacker)
            .await
            .answer
            .problem(401, "invalid_credentials");
    }
    // The attacker's address now waits, even with the right password ...
    let wait = throttled(&login(&app, "zhang.san", "guess-guess-guess", attacker).await);
    assert_eq!(wait, 1);
    throttled(&login(&app, "ZHANG.SAN ", PASSWORD, attacker).await);
    // ... while the owner, from their own address, signs in at once.
    let owner = login(&app, "zhang.san", PASSWORD, Some("198.51.100.7")).await;
    assert_eq!(owner.answer.status, 200, "{}", owner.answer.body);
    // A delay, not a lock: after it, the attacker's address is answered again, and the
    // next failure doubles the wait.
    tokio::time::sleep(std::time::Duration::from_millis(wait * 1000 + 200)).await;
    login(&app, "zhang.san", "guess-guess-guess", attacker)
        .await
        .answer
        .problem(401, "invalid_credentials");
    assert_eq!(
        throttled(&login(&app, "zhang.san", "guess-guess-guess", attacker).await),
        2
    );
    app.stop().await;
}

async fn a_burst_of_parallel_guesses_gets_only_the_free_ones_verified(backend: Backend) {
    let app = spawn_app(backend).await;
    account(&app, "li.si").await;
    let before = app.passwords.verifications();
    let guesses = (0..50).map(|i| {
        let app = &app;
        async move {
            login(
                app,
                "li.si",
                &format!("guess-number-{i}"),
                Some("203.0.113.9"),
            )
            .await
            .answer
            .status
        }
    });
    let statuses = futures::future::join_all(guesses).await;
    let count = |s: StatusCode| statuses.iter().filter(|x| **x == s).count();
    assert_eq!(count(StatusCode::UNAUTHORIZED), 3, "{statuses:?}");
    assert_eq!(count(StatusCode::TOO_MANY_REQUESTS), 47, "{statuses:?}");
    assert_eq!(app.passwords.verifications() - before, 3);
    assert!(app.passwords.peak_concurrency() <= catalog::throttle::HASH_PERMITS);
    // The owner is not affected.
    let owner = login(&app, "li.si", PASSWORD, Some("198.51.100.8")).await;
    assert_eq!(owner.answer.status, 200, "{}", owner.answer.body);
    app.stop().await;
}

async fn forwarded_for_is_believed_only_from_trusted_peers(backend: Backend) {
    // Untrusted: the test client (loopback) is not a configured proxy, so whatever it
    // writes in X-Forwarded-For, it is counted as itself.
    let app = spawn_app_with(
        backend.clone(),
        Options {
            trust_loopback: false,
            ..Options::default()
        },
    )
    .await;
    account(&app, "wang.wu").await;
    for i in 0..3 {
        let ip = format!("203.0.113.{}", 10 + i);
        login(&app, "wang.wu", "guess-guess-guess", Some(&ip))
            .await
            .answer
            .problem(401, "invalid_credentials");
    }
    throttled(&login(&app, "wang.wu", "guess-guess-guess", Some("203.0.113.99")).await);
    throttled(&login(&app, "wang.wu", "guess-guess-guess", None).await);
    app.stop().await;

    // Trusted: each forwarded address is its own client; the right-most untrusted entry
    // counts, so a forged left-most entry changes nothing.
    let app = spawn_app(backend).await;
    account(&app, "wang.wu").await;
    for _ in 0..3 {
        login(&app, "wang.wu", "guess-guess-guess", Some("203.0.113.10"))
            .await
            .answer
            .problem(401, "invalid_credentials");
    }
    throttled(&login(&app, "wang.wu", "guess-guess-guess", Some("203.0.113.10")).await);
    throttled(
        &login(
            &app,
            "wang.wu",
            "guess-guess-guess",
            Some("198.51.100.1, 203.0.113.10"),
        )
        .await,
    );
    login(&app, "wang.wu", "guess-guess-guess", Some("203.0.113.11"))
        .await
        .answer
        .problem(401, "invalid_credentials");
    // Proxies (loopback here) named in the chain are skipped.
    throttled(
        &login(
            &app,
            "wang.wu",
            "guess-guess-guess",
            Some("203.0.113.10, 127.0.0.1"),
        )
        .await,
    );
    app.stop().await;
}

/// Posts the sign-in form as a browser behind the site's reverse proxy, which names it
/// in `X-Forwarded-For`.
async fn sign_in_page(app: &TestApp, browser: &str, password: &str) -> (StatusCode, String) {
    let res = Client::builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
        .post(format!("{}/signin", app.web_url))
        .header(COOKIE, format!("wuye_csrf={CSRF}"))
        .header("x-forwarded-for", browser)
        .form(&[
            ("_csrf", CSRF),
            ("username", "zhao.liu"),
            ("password", password),
        ])
        .send()
        .await
        .unwrap();
    let status = res.status();
    let signed_in = res.headers().get(LOCATION).is_some()
        && res
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .any(|v| v.to_str().unwrap().starts_with("wuye_session=ey"));
    let body = res.text().await.unwrap();
    (status, if signed_in { "signed in".into() } else { body })
}

async fn through_the_pages_two_browsers_are_counted_apart(backend: Backend) {
    let app = spawn_app(backend).await;
    account(&app, "zhao.liu").await;
    let (a, b) = ("198.51.100.21", "198.51.100.22");
    for _ in 0..3 {
        let (status, page) = sign_in_page(&app, a, "guess-guess-guess").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert!(page.contains("用户名或密码错误"));
    }
    let (status, page) = sign_in_page(&app, a, "guess-guess-guess").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(page.contains("秒后再试"), "{page}");
    // The other browser, sharing the web process's connection to the catalog, signs in.
    let (status, page) = sign_in_page(&app, b, PASSWORD).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{page}");
    assert_eq!(page, "signed in");
    app.stop().await;
}
