//! Several processes of one service (replicas): a feed's long-poll woken by another
//! replica's write (PostgreSQL `LISTEN`/`NOTIFY`); matching replicas that each follow the
//! feeds into their own database and index; sign-in throttling counted once across catalog
//! replicas; the owner-code throttle counted once across tender replicas and remembered by a
//! replica started later; a token signed out on one replica refused by every replica of every
//! service; two tender schedulers racing, each tender opened once.

use std::time::{Duration, Instant};

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use wuye::platform::ServiceName;
use wuye_e2e::fixtures::{JINGUANYI, compound_body, firm_body};
use wuye_e2e::tender::{World, opened_with_bids};
use wuye_e2e::{
    Backend, Options, TestApp, both_backends, fresh_database, spawn_app, spawn_app_with,
};

both_backends!(
    each_matching_replica_follows_the_feeds_into_its_own_index,
    a_burst_of_guesses_across_catalog_replicas_is_counted_once,
    owner_codes_are_counted_once_across_tender_replicas,
    a_token_signed_out_on_one_replica_is_refused_by_every_replica,
    two_schedulers_open_each_tender_once,
);

const PASSWORD: &str = "a-long-enough-password";

fn association(app: &TestApp) -> String {
    app.token(Role::Association, Scope::City)
}

async fn feed_head(app: &TestApp, base: &str) -> i64 {
    app.feed(base, "/catalog", 0, 1, 0).await.json()["head"]
        .as_i64()
        .expect("a feed head")
}

/// Only PostgreSQL has `LISTEN`/`NOTIFY`; under `WUYE_REQUIRE_POSTGRES=1` a missing server
/// fails this test instead of skipping it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_poll_wakes_when_another_replica_writes() {
    let Some(backend) = Backend::postgres() else {
        return;
    };
    let app = spawn_app(backend).await;
    let b = app.replica(ServiceName::Catalog, None).await;
    app.wait_ready(&b.url, "/catalog", 10).await;
    // B's listener is connected: from now on B re-reads on its own only every
    // `shared::feed::FALLBACK_POLL` (1 s), so only a notification can wake it sooner.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let metrics = app
            .get(
                &format!("{}/catalog/metrics", b.url),
                Some(&app.service_token()),
            )
            .await
            .body;
        if metrics.contains("name=\"feed_listening\"} 1") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "B's listener never connected: {metrics}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let after = feed_head(&app, &b.url).await;

    // A long-poll on replica B, with nothing new yet ...
    let waiting = {
        let client = app.client.clone();
        let url = format!("{}/catalog/feed?after={after}&limit=10&wait=20", b.url);
        let token = app.service_token();
        tokio::spawn(async move {
            let v: Value = client
                .get(url)
                .bearer_auth(token)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            (v, Instant::now())
        })
    };
    // ... well into its first nap (it re-reads on its own only every
    // `shared::feed::FALLBACK_POLL`, 1 s, while its listener is connected) ...
    tokio::time::sleep(Duration::from_millis(200)).await;
    // ... and a write answered by replica A (the app's catalog).
    let a = app
        .send(
            Method::POST,
            &format!("{}/catalog/firms", app.catalog_url),
            Some(&association(&app)),
            Some(&firm_body("跨进程唤醒物业", 41)),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let written = Instant::now();
    let firm = a.json()["id"].as_str().unwrap().to_string();
    let (page, answered) = waiting.await.unwrap();
    let changes = page["changes"].as_array().unwrap();
    assert!(
        changes.iter().any(|c| c["entity_id"] == firm.as_str()),
        "B's long-poll answered A's change: {page}"
    );
    // Woken by A's NOTIFY: B's own re-read would only have come ~800 ms after the write
    // (its nap started ~200 ms before it). The bound leaves a loaded machine 500 ms for the
    // notification and the answer; typically it takes a few.
    let lag = answered.saturating_duration_since(written);
    assert!(
        lag < Duration::from_millis(500),
        "B answered {lag:?} after A's write: not woken by the notification"
    );
    b.stop().await;
    app.stop().await;
}

async fn compound(app: &TestApp, code: &str) {
    let a = app
        .send(
            Method::POST,
            &format!("{}/catalog/compounds", app.catalog_url),
            Some(&association(app)),
            Some(&compound_body(code, JINGUANYI)),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
}

/// Waits until a matching replica's search lists `n` compounds of the street.
async fn until_indexed(app: &TestApp, base: &str, n: u64) {
    let url = format!("{base}/match/search?kind=compound&street={JINGUANYI}&limit=100");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let a = app.get(&url, None).await;
        if a.status == 200 && a.json()["total"] == json!(n) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{base} never indexed {n} compounds: {} {}",
            a.status,
            a.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn each_matching_replica_follows_the_feeds_into_its_own_index(backend: Backend) {
    let app = spawn_app(backend.clone()).await;
    // Two matching processes: the app's own and a replica with its own database.
    let own = fresh_database(&backend, "matching2").await.unwrap();
    let b = app.replica(ServiceName::Matching, Some(own.clone())).await;
    for i in 0..3 {
        compound(&app, &format!("r{i:03}")).await;
    }
    until_indexed(&app, &app.matching_url, 3).await;
    until_indexed(&app, &b.url, 3).await;
    // Each has consumed the whole catalog feed with its own cursor.
    app.wait_followed(&app.matching_db, "catalog", &app.catalog_url, "/catalog")
        .await;
    app.wait_followed(&own, "catalog", &app.catalog_url, "/catalog")
        .await;
    // Later changes reach both again (neither took them from the other).
    compound(&app, "r100").await;
    until_indexed(&app, &app.matching_url, 4).await;
    until_indexed(&app, &b.url, 4).await;
    b.stop().await;
    app.stop().await;
}

async fn sign_in(
    app: &TestApp,
    base: &str,
    username: &str,
    forwarded_for: &str,
) -> (StatusCode, String) {
    let res = app
        .client
        .post(format!("{base}/catalog/session"))
        .header("x-forwarded-for", forwarded_for)
        .json(&json!({ "username": username, "password": PASSWORD }))
        .send()
        .await
        .expect("signing in");
    let status = res.status();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    (
        status,
        body["token"].as_str().unwrap_or_default().to_string(),
    )
}

async fn guess(app: &TestApp, base: &str, username: &str, i: usize) -> StatusCode {
    app.client
        .post(format!("{base}/catalog/session"))
        .header("x-forwarded-for", "203.0.113.9")
        .json(&json!({ "username": username, "password": format!("guess-number-{i}") }))
        .send()
        .await
        .expect("guessing")
        .status()
}

/// An association account with [`PASSWORD`], created through the API.
async fn association_account(app: &TestApp, username: &str) {
    let a = app
        .send(
            Method::POST,
            &format!("{}/catalog/accounts", app.catalog_url),
            Some(&association(app)),
            Some(&json!({
                "username": username,
                "display_name": "协会工作人员",
                "password": PASSWORD,
                "role": "association",
            })),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
}

async fn a_burst_of_guesses_across_catalog_replicas_is_counted_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let b = app.replica(ServiceName::Catalog, None).await;
    association_account(&app, "li.si").await;
    // Fifty guesses from one address, alternating between the two replicas.
    let guesses = (0..50).map(|i| {
        let base = if i % 2 == 0 { &app.catalog_url } else { &b.url };
        guess(&app, base, "li.si", i)
    });
    let started = Instant::now();
    let statuses = futures::future::join_all(guesses).await;
    let elapsed = started.elapsed().as_secs_f64();
    let count = |s: StatusCode| statuses.iter().filter(|x| **x == s).count();
    // Three free failures in all, not three per replica (six). A burst slower than the first
    // delay (1 s, then 2 s, 4 s, … after each further failure) on a loaded machine may see a
    // further guess admitted as each delay runs out: k more after 2^k − 1 seconds.
    let unauthorized = count(StatusCode::UNAUTHORIZED);
    let delays_passed = (elapsed + 1.0).log2().floor() as usize;
    assert!(
        (3..=3 + delays_passed).contains(&unauthorized),
        "{unauthorized} guesses answered in {elapsed:.2} s: {statuses:?}"
    );
    assert_eq!(
        count(StatusCode::TOO_MANY_REQUESTS),
        50 - unauthorized,
        "{statuses:?}"
    );
    // Either replica still makes that address wait; the owner elsewhere signs in.
    for base in [&app.catalog_url, &b.url] {
        assert_eq!(
            guess(&app, base, "li.si", 99).await,
            StatusCode::TOO_MANY_REQUESTS
        );
    }
    let (owner, _) = sign_in(&app, &b.url, "li.si", "198.51.100.8").await;
    assert_eq!(owner, StatusCode::OK);
    b.stop().await;
    app.stop().await;
}

async fn owner_code(app: &TestApp, base: &str) -> StatusCode {
    app.client
        .post(format!("{base}/tenders/owner-code"))
        .json(&json!({ "code": "0000-0000-0000" }))
        .send()
        .await
        .expect("asking with a code")
        .status()
}

/// Three owner-code requests a minute from one address: a burst of twelve alternating
/// between two tender replicas gets three answers in all (404: no such code), not three per
/// replica, and a third replica started afterwards (as after a restart) still refuses.
async fn owner_codes_are_counted_once_across_tender_replicas(backend: Backend) {
    let app = spawn_app_with(
        backend,
        Options {
            owner_code_requests_per_minute: 3,
            ..Options::default()
        },
    )
    .await;
    let b = app.replica(ServiceName::Tender, None).await;
    app.wait_ready(&b.url, "/tenders", 10).await;
    let asks = (0..12).map(|i| {
        let base = if i % 2 == 0 { &app.tender_url } else { &b.url };
        owner_code(&app, base)
    });
    let statuses = futures::future::join_all(asks).await;
    let count = |s: StatusCode| statuses.iter().filter(|x| **x == s).count();
    assert_eq!(count(StatusCode::NOT_FOUND), 3, "{statuses:?}");
    assert_eq!(count(StatusCode::TOO_MANY_REQUESTS), 9, "{statuses:?}");
    let c = app.replica(ServiceName::Tender, None).await;
    app.wait_ready(&c.url, "/tenders", 10).await;
    assert_eq!(
        owner_code(&app, &c.url).await,
        StatusCode::TOO_MANY_REQUESTS
    );
    c.stop().await;
    b.stop().await;
    app.stop().await;
}

/// Waits (bounded) until every URL refuses the token with 401.
async fn refused_everywhere(app: &TestApp, urls: &[String], token: &str) {
    let deadline = Instant::now() + Duration::from_secs(10);
    for url in urls {
        loop {
            let a = app.get(url, Some(token)).await;
            if a.status == 401 {
                a.problem(401, "unauthenticated");
                break;
            }
            assert!(
                Instant::now() < deadline,
                "{url} still answers {} to a signed-out token: {}",
                a.status,
                a.body
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

async fn a_token_signed_out_on_one_replica_is_refused_by_every_replica(backend: Backend) {
    let app = spawn_app(backend.clone()).await;
    let catalog_b = app.replica(ServiceName::Catalog, None).await;
    // Tender replicas share one database (and one catalog cursor: only one of them
    // applies each session fact); matching replicas each keep their own.
    let tender_b = app.replica(ServiceName::Tender, None).await;
    let own = fresh_database(&backend, "matching2").await.unwrap();
    let matching_b = app.replica(ServiceName::Matching, Some(own)).await;
    association_account(&app, "staff").await;
    let (status, token) = sign_in(&app, &app.catalog_url, "staff", "198.51.100.7").await;
    assert_eq!(status, StatusCode::OK);
    let mut urls = Vec::new();
    for base in [&app.catalog_url, &catalog_b.url] {
        urls.push(format!("{base}/catalog/me"));
    }
    for base in [&app.tender_url, &tender_b.url] {
        urls.push(format!("{base}/tenders/contracts"));
        urls.push(format!("{base}/tenders/feed?after=0&limit=1"));
    }
    for base in [&app.matching_url, &matching_b.url] {
        urls.push(format!("{base}/match/attention"));
    }
    for url in &urls {
        let a = app.get(url, Some(&token)).await;
        assert_eq!(a.status, 200, "{url}: {}", a.body);
    }
    // Signed out through catalog replica B ...
    let out = app
        .send(
            Method::DELETE,
            &format!("{}/catalog/session", catalog_b.url),
            Some(&token),
            None::<&Value>,
        )
        .await;
    assert_eq!(out.status, 204, "{}", out.body);
    // ... refused by both catalogs, both tenders, both matchings.
    refused_everywhere(&app, &urls, &token).await;
    matching_b.stop().await;
    tender_b.stop().await;
    catalog_b.stop().await;
    app.stop().await;
}

async fn two_schedulers_open_each_tender_once(backend: Backend) {
    let w = World::new(backend).await;
    // A second tender process on the same database: its scheduler ticks (every 100 ms, as
    // the app's) race the app's for every due tender.
    let b = w.app.replica(ServiceName::Tender, None).await;
    // Both are ready: each counts what the other applied of their shared catalog cursor.
    w.app.tender_follows_catalog().await;
    w.app.wait_ready(&w.app.tender_url, "/tenders", 20).await;
    w.app.wait_ready(&b.url, "/tenders", 20).await;
    let mut tenders = Vec::new();
    for (i, compound) in ["c-race-1", "c-race-2", "c-race-3"].into_iter().enumerate() {
        let firms = [format!("f-race-{i}a"), format!("f-race-{i}b")];
        let bidders = [(firms[0].as_str(), 180), (firms[1].as_str(), 175)];
        let (id, _) = opened_with_bids(&w, compound, json!({}), &bidders, json!([])).await;
        tenders.push(id);
    }
    for id in &tenders {
        let kinds = w.tender_kinds(id).await;
        assert_eq!(
            kinds.iter().filter(|k| *k == "opened").count(),
            1,
            "tender {id}: {kinds:?}"
        );
        let openings: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM tender_opening WHERE tender_id = $1")
                .bind(id)
                .fetch_one(&w.tender.pool)
                .await
                .unwrap();
        assert_eq!(openings, 1, "tender {id}");
        let opened: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM bid WHERE tender_id = $1 AND status = 'opened'",
        )
        .bind(id)
        .fetch_one(&w.tender.pool)
        .await
        .unwrap();
        assert_eq!(opened, 2, "tender {id}");
    }
    b.stop().await;
    w.stop().await;
}
