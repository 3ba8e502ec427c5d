//! Signing out signs out everywhere: a signed-out token, the old tokens of an account whose
//! password changed and the tokens of a disabled account are refused within seconds by
//! every service and route (the catalog's API and feed, tender's API and feed, matching's
//! statistics, the pages), while the fresh token of the password change and service tokens
//! keep working. A reset account's one-time-password token is answered 403
//! `password_change_required` by tender and matching too until the password is changed.
//! The followers keep the facts in their own tables: a restarted tender
//! still refuses. Tokens are signed per service (Ed25519): what tender's or matching's key
//! signs beyond its own service token is refused everywhere.

use std::time::{Duration, Instant};

use reqwest::Method;
use reqwest::StatusCode;
use reqwest::header::{COOKIE, SET_COOKIE};
use serde_json::{Value, json};
use wuye_e2e::{Backend, TestApp, both_backends, spawn_app};

both_backends!(
    a_signed_out_token_is_refused_everywhere,
    a_password_change_ends_the_other_sessions_everywhere,
    a_disabled_account_is_refused_everywhere,
    a_reset_account_is_refused_everywhere_until_it_changes_its_password,
    an_official_signed_out_is_refused_by_matching_and_its_pages,
    a_restarted_tender_still_refuses_a_signed_out_token,
    a_service_key_cannot_mint_an_account_token,
);

const ADMIN_PASSWORD: &str = "correct-horse-battery";
const STAFF_PASSWORD: &str = "a-long-enough-password";
const JINJIANG: &str = "510104";
/// How long a follower may take to learn a session fact (it long-polls the catalog feed:
/// moments in practice).
const WITHIN: Duration = Duration::from_secs(10);

/// An association account `staff` (besides the bootstrap admin) and the admin's token.
async fn staff(app: &TestApp) -> (String, String) {
    catalog::accounts::bootstrap_association(
        &app.catalog_db,
        "admin",
        "协会管理员",
        ADMIN_PASSWORD,
    )
    .await
    .expect("bootstrapping the association account");
    let admin = sign_in(app, "admin", ADMIN_PASSWORD).await;
    let created = app
        .send(
            Method::POST,
            &format!("{}/catalog/accounts", app.catalog_url),
            Some(&admin),
            Some(&json!({
                "username": "staff",
                "display_name": "协会工作人员",
                "password": STAFF_PASSWORD,
                "role": "association",
            })),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    (created.json()["id"].as_str().unwrap().to_string(), admin)
}

async fn sign_in(app: &TestApp, username: &str, password: &str) -> String {
    let a = app
        .send(
            Method::POST,
            &format!("{}/catalog/session", app.catalog_url),
            None,
            Some(&json!({ "username": username, "password": password })),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()["token"].as_str().unwrap().to_string()
}

/// What an association token reads on every service: the catalog's API and feed,
/// tender's API and feed, matching's statistics.
fn association_urls(app: &TestApp) -> Vec<String> {
    vec![
        format!("{}/catalog/me", app.catalog_url),
        format!("{}/catalog/accounts", app.catalog_url),
        format!("{}/catalog/feed?after=0&limit=5", app.catalog_url),
        format!("{}/tenders/feed?after=0&limit=5", app.tender_url),
        format!("{}/tenders/contracts", app.tender_url),
        format!("{}/match/attention", app.matching_url),
        format!("{}/match/coverage", app.matching_url),
    ]
}

async fn status(app: &TestApp, url: &str, token: &str) -> StatusCode {
    app.get(url, Some(token)).await.status
}

/// A page with the token as the session cookie: its status and whether it clears the cookie.
async fn page(app: &TestApp, path: &str, token: &str) -> (StatusCode, bool) {
    let res = app
        .client
        .get(format!("{}{path}", app.web_url))
        .header(COOKIE, format!("wuye_session={token}"))
        .send()
        .await
        .expect("requesting a page");
    let clears = res
        .headers()
        .get_all(SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with("wuye_session=;") && v.contains("Max-Age=0"));
    (res.status(), clears)
}

async fn assert_accepted(app: &TestApp, urls: &[String], token: &str) {
    for url in urls {
        let a = app.get(url, Some(token)).await;
        assert_eq!(a.status, 200, "{url}: {}", a.body);
    }
}

/// Waits (bounded) until every URL refuses the token with 401 `unauthenticated`.
async fn assert_refused_within(app: &TestApp, urls: &[String], token: &str) {
    let deadline = Instant::now() + WITHIN;
    for url in urls {
        loop {
            let a = app.get(url, Some(token)).await;
            if a.status == 401 {
                a.problem(401, "unauthenticated");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{url} still answers {} to an ended session after {WITHIN:?}: {}",
                a.status,
                a.body
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// Waits (bounded) until the page answers 401 and clears the cookie.
async fn assert_page_refused_within(app: &TestApp, path: &str, token: &str) {
    let deadline = Instant::now() + WITHIN;
    loop {
        let (status, clears) = page(app, path, token).await;
        if status == StatusCode::UNAUTHORIZED {
            assert!(
                clears,
                "{path}: the refused session's cookie is not cleared"
            );
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{path} still answers {status} to an ended session after {WITHIN:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Service tokens are not sessions: they read both feeds whatever happens to accounts.
async fn assert_service_token_reads_feeds(app: &TestApp) {
    let service = app.service_token();
    for url in [
        format!("{}/catalog/feed?after=0&limit=5", app.catalog_url),
        format!("{}/tenders/feed?after=0&limit=5", app.tender_url),
    ] {
        assert_eq!(status(app, &url, &service).await, 200, "{url}");
    }
}

async fn sign_out(app: &TestApp, token: &str) {
    let out = app
        .send(
            Method::DELETE,
            &format!("{}/catalog/session", app.catalog_url),
            Some(token),
            None::<&Value>,
        )
        .await;
    assert_eq!(out.status, 204, "{}", out.body);
}

async fn a_signed_out_token_is_refused_everywhere(backend: Backend) {
    let app = spawn_app(backend).await;
    staff(&app).await;
    let urls = association_urls(&app);
    let leaving = sign_in(&app, "staff", STAFF_PASSWORD).await;
    let staying = sign_in(&app, "staff", STAFF_PASSWORD).await;
    assert_accepted(&app, &urls, &leaving).await;
    assert_eq!(page(&app, "/association", &leaving).await.0, 200);

    sign_out(&app, &leaving).await;
    assert_refused_within(&app, &urls, &leaving).await;
    assert_page_refused_within(&app, "/association", &leaving).await;
    // As a cookie too, on a service other than the catalog: refused and cleared.
    let res = app
        .client
        .get(format!("{}/tenders/feed?after=0&limit=1", app.tender_url))
        .header(COOKIE, format!("wuye_session={leaving}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    assert!(
        res.headers()[SET_COOKIE]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    // The account's other session is untouched; service tokens are unaffected.
    assert_accepted(&app, &urls, &staying).await;
    assert_eq!(page(&app, "/association", &staying).await.0, 200);
    assert_service_token_reads_feeds(&app).await;
    app.stop().await;
}

async fn a_password_change_ends_the_other_sessions_everywhere(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, admin) = staff(&app).await;
    let urls = association_urls(&app);
    let changing = sign_in(&app, "staff", STAFF_PASSWORD).await;
    let other = sign_in(&app, "staff", STAFF_PASSWORD).await;
    assert_accepted(&app, &urls, &other).await;

    let changed = app
        .client
        .put(format!("{}/catalog/me/password", app.catalog_url))
        .bearer_auth(&changing)
        .json(
            &json!({ "current_password": STAFF_PASSWORD, "new_password": "a-brand-new-password" }),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(changed.status(), 200);
    let cookie = changed.headers()[SET_COOKIE].to_str().unwrap().to_string();
    let body: Value = changed.json().await.unwrap();
    let fresh = body["token"].as_str().unwrap().to_string();
    assert!(
        cookie.starts_with(&format!("wuye_session={fresh};")),
        "{cookie}"
    );
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert_eq!(body["account"]["username"], "staff");

    // Both old sessions end everywhere, the one that made the change included; the fresh
    // token works everywhere.
    for old in [&other, &changing] {
        assert_refused_within(&app, &urls, old).await;
        assert_page_refused_within(&app, "/association", old).await;
    }
    assert_accepted(&app, &urls, &fresh).await;
    assert_eq!(page(&app, "/association", &fresh).await.0, 200);
    // Sessions of other accounts are untouched; service tokens too.
    assert_accepted(&app, &urls, &admin).await;
    assert_service_token_reads_feeds(&app).await;
    app.stop().await;
}

async fn a_disabled_account_is_refused_everywhere(backend: Backend) {
    let app = spawn_app(backend).await;
    let (staff_id, admin) = staff(&app).await;
    let urls = association_urls(&app);
    let before = sign_in(&app, "staff", STAFF_PASSWORD).await;
    assert_accepted(&app, &urls, &before).await;

    let patch = |disabled: bool| {
        let (app, admin, id) = (&app, &admin, &staff_id);
        async move {
            let a = app
                .send(
                    Method::PATCH,
                    &format!("{}/catalog/accounts/{id}", app.catalog_url),
                    Some(admin),
                    Some(&json!({ "disabled": disabled })),
                )
                .await;
            assert_eq!(a.status, 200, "{}", a.body);
        }
    };
    patch(true).await;
    assert_refused_within(&app, &urls, &before).await;
    assert_page_refused_within(&app, "/association", &before).await;
    assert_service_token_reads_feeds(&app).await;
    assert_accepted(&app, &urls, &admin).await;

    // Re-enabling does not revive the old session; signing in again works everywhere.
    patch(false).await;
    let after = sign_in(&app, "staff", STAFF_PASSWORD).await;
    let deadline = Instant::now() + WITHIN;
    for url in &urls {
        while status(&app, url, &after).await != 200 {
            assert!(
                Instant::now() < deadline,
                "{url} refuses a re-enabled account"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
    assert_refused_within(&app, &urls, &before).await;
    app.stop().await;
}

/// Waits (bounded) until `url` answers `token` with `status`; returns the answer.
async fn answers_within(app: &TestApp, url: &str, token: &str, status: u16) -> wuye_e2e::Answer {
    let deadline = Instant::now() + WITHIN;
    loop {
        let a = app.get(url, Some(token)).await;
        if a.status == status {
            return a;
        }
        assert!(
            Instant::now() < deadline,
            "{url} still answers {} instead of {status} after {WITHIN:?}: {}",
            a.status,
            a.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_reset_account_is_refused_everywhere_until_it_changes_its_password(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, admin) = staff(&app).await;
    let created = app
        .send(
            Method::POST,
            &format!("{}/catalog/accounts", app.catalog_url),
            Some(&admin),
            Some(&json!({
                "username": "jj.district",
                "display_name": "锦江区住建局",
                "password": STAFF_PASSWORD,
                "role": "district_official",
                "scope_id": JINJIANG,
            })),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let id = created.json()["id"].as_str().unwrap().to_string();
    let urls = [
        format!("{}/tenders/contracts", app.tender_url),
        format!("{}/match/attention", app.matching_url),
        format!("{}/match/coverage?district={JINJIANG}", app.matching_url),
    ];
    let before = sign_in(&app, "jj.district", STAFF_PASSWORD).await;
    assert_accepted(&app, &urls, &before).await;

    let reset = app
        .send(
            Method::POST,
            &format!("{}/catalog/accounts/{id}/password-reset", app.catalog_url),
            Some(&admin),
            None::<&Value>,
        )
        .await;
    assert_eq!(reset.status, 200, "{}", reset.body);
    let otp = reset.json()["one_time_password"]
        .as_str()
        .unwrap()
        .to_string();
    // The session before the reset has ended; the one-time password's is held on every
    // service until the password is changed.
    assert_refused_within(&app, &urls, &before).await;
    let held = sign_in(&app, "jj.district", &otp).await;
    for url in &urls {
        let p = answers_within(&app, url, &held, 403)
            .await
            .problem(403, "password_change_required");
        assert!(p["detail"].as_str().unwrap().contains("修改"), "{url}: {p}");
        assert_eq!(p["title"], "请先修改密码", "{url}: {p}");
    }
    let changed = app
        .send(
            Method::PUT,
            &format!("{}/catalog/me/password", app.catalog_url),
            Some(&held),
            Some(&json!({ "current_password": otp, "new_password": "my-own-new-password" })),
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let fresh = changed.json()["token"].as_str().unwrap().to_string();
    for url in &urls {
        answers_within(&app, url, &fresh, 200).await;
    }
    assert_refused_within(&app, &urls, &held).await;
    // Other accounts were never held.
    assert_accepted(&app, &urls, &admin).await;
    app.stop().await;
}

async fn an_official_signed_out_is_refused_by_matching_and_its_pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let (_, admin) = staff(&app).await;
    let created = app
        .send(
            Method::POST,
            &format!("{}/catalog/accounts", app.catalog_url),
            Some(&admin),
            Some(&json!({
                "username": "jj.district",
                "display_name": "锦江区住建局",
                "password": STAFF_PASSWORD,
                "role": "district_official",
                "scope_id": JINJIANG,
            })),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let official = sign_in(&app, "jj.district", STAFF_PASSWORD).await;
    let urls = vec![
        format!("{}/match/attention", app.matching_url),
        format!("{}/match/coverage?district={JINJIANG}", app.matching_url),
    ];
    assert_accepted(&app, &urls, &official).await;
    // The coverage dashboard reads matching only.
    assert_eq!(page(&app, "/official/coverage", &official).await.0, 200);

    sign_out(&app, &official).await;
    assert_refused_within(&app, &urls, &official).await;
    assert_page_refused_within(&app, "/official/coverage", &official).await;
    app.stop().await;
}

async fn a_restarted_tender_still_refuses_a_signed_out_token(backend: Backend) {
    let app = spawn_app(backend).await;
    staff(&app).await;
    let token = sign_in(&app, "staff", STAFF_PASSWORD).await;
    let feed = |base: &str| format!("{base}/tenders/feed?after=0&limit=1");
    sign_out(&app, &token).await;
    assert_refused_within(&app, &[feed(&app.tender_url)], &token).await;

    // A second tender process on the same database, following a catalog that is not
    // there: what it refuses it knows from its own tables.
    let cancel = tokio_util::sync::CancellationToken::new();
    let restarted = tender::build(
        tender::TenderConfig {
            database_url: app.tender_db.clone(),
            catalog_url: "http://127.0.0.1:9".into(),
            keys: app.service_keys(Some(shared::auth::Signer::Tender)),
            limits: Default::default(),
            policy: Default::default(),
            trusted_proxies: Default::default(),
            files_dir: None,
        },
        cancel.clone(),
    )
    .await
    .expect("restarting tender");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(shared::http::serve(
        listener,
        restarted.router.clone(),
        cancel.clone(),
    ));
    app.get(&feed(&base), Some(&token))
        .await
        .problem(401, "unauthenticated");
    assert_eq!(
        app.get(&feed(&base), Some(&app.service_token()))
            .await
            .status,
        200
    );
    let fresh = sign_in(&app, "staff", STAFF_PASSWORD).await;
    assert_eq!(app.get(&feed(&base), Some(&fresh)).await.status, 200);
    cancel.cancel();
    restarted.tasks.close();
    restarted.tasks.wait().await;
    app.stop().await;
}

/// A compromised tender or matching process holds its own private key only. Signing
/// association claims with it, by hand as an attacker would, gets a token every service
/// refuses on every route; its own service token still reads the feeds; the pages' process
/// has no private key at all.
async fn a_service_key_cannot_mint_an_account_token(backend: Backend) {
    use ed25519_dalek::pkcs8::{DecodePrivateKey, EncodePrivateKey};
    let app = spawn_app(backend).await;
    let now = shared::db::now_ms() / 1000;
    let claims = json!({
        "sub": "attacker", "name": "协会", "role": "association",
        "scope": { "kind": "city" }, "iat": now, "exp": now + 600, "jti": "minted",
    });
    let mint = |signer: &str, kid: Option<&str>| {
        let pem = std::fs::read_to_string(app.keys_dir.join(format!("{signer}.key"))).unwrap();
        let der = ed25519_dalek::SigningKey::from_pkcs8_pem(&pem)
            .unwrap()
            .to_pkcs8_der()
            .unwrap();
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::EdDSA);
        header.kid = kid.map(str::to_string);
        jsonwebtoken::encode(
            &header,
            &claims,
            &jsonwebtoken::EncodingKey::from_ed_der(der.as_bytes()),
        )
        .unwrap()
    };
    // The same claims signed by the catalog's key are honoured: the refusals below are the
    // signer's, not the claims'.
    let genuine = mint("catalog", Some("catalog"));
    let a = app
        .get(
            &format!("{}/catalog/accounts", app.catalog_url),
            Some(&genuine),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    // A minted token gets what an anonymous caller gets, never more: 401 where a token is
    // needed (the accounts, every feed, the statistics).
    let mut protected = 0;
    for url in association_urls(&app) {
        let anonymous = app.get(&url, None).await;
        protected += usize::from(anonymous.status == 401);
        for (signer, kid) in [
            ("tender", Some("tender")),
            ("matching", Some("matching")),
            ("tender", Some("catalog")),
            ("tender", None),
        ] {
            let a = app.get(&url, Some(&mint(signer, kid))).await;
            assert_eq!(
                a.status, anonymous.status,
                "{signer} as {kid:?}: {url}: {}",
                a.body
            );
            if a.status == 200 {
                assert_eq!(a.body, anonymous.body, "{signer} as {kid:?}: {url}");
            }
        }
    }
    assert!(protected >= 4, "the probe reaches routes that need a token");
    // Each service's own key still signs its own service token, which reads the feeds.
    let tender = app.service_keys(Some(shared::auth::Signer::Tender));
    let own = tender.service_token("tender").unwrap();
    let a = app
        .get(
            &format!("{}/catalog/feed?after=0&limit=1", app.catalog_url),
            Some(&own),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(tender.service_token("catalog").is_err());
    // The pages verify only.
    assert!(app.service_keys(None).service_token("web").is_err());
    app.stop().await;
}
