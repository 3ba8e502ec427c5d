//! Prometheus metrics at `<prefix>/metrics` on every service: the text format, requests and
//! latency per matched route (never the raw URL), feed lag per followed feed, the index's
//! documents and generation, the scheduler's queue and database pool use; read only by
//! service and association tokens or a configured network. And request ids: a caller's
//! plain id is kept, anything else replaced.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use shared::auth::{Role, Scope};
use wuye_e2e::{Backend, Options, TestApp, both_backends, spawn_app, spawn_app_with};

both_backends!(
    every_service_answers_prometheus_text_by_route,
    metrics_are_for_services_the_association_and_the_configured_network,
    a_plain_request_id_is_kept_and_an_odd_one_replaced,
);

async fn scrape(
    app: &TestApp,
    base: &str,
    prefix: &str,
    token: Option<&str>,
) -> (StatusCode, String, String) {
    let a = app.get(&format!("{base}{prefix}/metrics"), token).await;
    (a.status, a.content_type, a.body)
}

/// The value of the first sample of `name` whose labels include every one of `labels`.
fn sample(body: &str, name: &str, labels: &[&str]) -> Option<f64> {
    body.lines()
        .filter(|l| !l.starts_with('#'))
        .filter(|l| l.split(['{', ' ']).next() == Some(name))
        .find(|l| labels.iter().all(|want| l.contains(want)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

async fn every_service_answers_prometheus_text_by_route(backend: Backend) {
    let app = spawn_app(backend).await;
    let service = app.service_token();
    // Two reads of one firm route with different ids, and a list.
    // A made-up method is counted as `other`, never as a label value of its own.
    let brew = reqwest::Method::from_bytes(b"BREW").unwrap();
    app.client
        .request(brew, format!("{}/catalog/districts", app.catalog_url))
        .send()
        .await
        .unwrap();
    for path in [
        "/catalog/firms/nope-1",
        "/catalog/firms/nope-2",
        "/catalog/districts",
    ] {
        app.catalog_get(path, None).await;
    }
    let (status, content_type, body) =
        scrape(&app, &app.catalog_url, "/catalog", Some(&service)).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    assert!(
        body.contains("# TYPE wuye_http_requests_total counter"),
        "{body}"
    );
    assert!(
        body.contains("# TYPE wuye_http_request_duration_seconds histogram"),
        "{body}"
    );
    let by_route = sample(
        &body,
        "wuye_http_requests_total",
        &[
            "service=\"catalog\"",
            "route=\"/catalog/firms/{id}\"",
            "status=\"404\"",
        ],
    );
    assert_eq!(by_route, Some(2.0), "{body}");
    assert!(!body.contains("nope-1"), "a raw URL became a label: {body}");
    assert!(
        !body.contains("BREW"),
        "a made-up method became a label: {body}"
    );
    assert!(
        sample(&body, "wuye_http_requests_total", &["method=\"other\""]) >= Some(1.0),
        "{body}"
    );
    assert!(
        sample(
            &body,
            "wuye_http_request_duration_seconds_count",
            &["route=\"/catalog/districts\""]
        ) >= Some(1.0),
        "{body}"
    );
    assert!(
        sample(&body, "wuye_state", &["name=\"db_pool_size\""]) >= Some(1.0),
        "{body}"
    );

    // Tender: its catalog feed's lag (0 once caught up) and the scheduler's queue.
    app.tender_follows_catalog().await;
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (status, _, body) = scrape(&app, &app.tender_url, "/tenders", Some(&service)).await;
        assert_eq!(status, 200, "{body}");
        let lag = sample(
            &body,
            "wuye_state",
            &["name=\"feed_lag\"", "source=\"catalog\""],
        );
        let head = sample(
            &body,
            "wuye_state",
            &["name=\"feed_head\"", "source=\"catalog\""],
        );
        if lag == Some(0.0) && head >= Some(wuye_e2e::REFERENCE_CHANGES as f64) {
            assert_eq!(
                sample(&body, "wuye_state", &["name=\"tenders_due_for_opening\""]),
                Some(0.0),
                "{body}"
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "tender's catalog lag never reached 0: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Matching: both feeds, the index's documents per kind and its generation.
    let (status, _, body) = scrape(&app, &app.matching_url, "/match", Some(&service)).await;
    assert_eq!(status, 200, "{body}");
    for source in ["catalog", "tender"] {
        let lag = format!("source=\"{source}\"");
        assert!(
            sample(&body, "wuye_state", &["name=\"feed_lag\"", &lag]).is_some(),
            "{body}"
        );
    }
    for kind in ["firm", "compound", "tender"] {
        let kind = format!("kind=\"{kind}\"");
        assert!(
            sample(&body, "wuye_state", &["name=\"index_documents\"", &kind]).is_some(),
            "{body}"
        );
    }
    assert!(
        sample(&body, "wuye_state", &["name=\"index_generation\""]).is_some(),
        "{body}"
    );
    // The pages count their requests too.
    app.get(&format!("{}/", app.web_url), None).await;
    let (status, _, body) = scrape(&app, &app.web_url, "", Some(&service)).await;
    assert_eq!(status, 200, "{body}");
    assert!(
        sample(
            &body,
            "wuye_http_requests_total",
            &["service=\"web\"", "route=\"/\""]
        ) >= Some(1.0),
        "{body}"
    );
    app.stop().await;
}

async fn metrics_are_for_services_the_association_and_the_configured_network(backend: Backend) {
    let app = spawn_app(backend.clone()).await;
    let firm = app.token(Role::Firm, Scope::Firm("f1".into()));
    let association = app.token(Role::Association, Scope::City);
    for (base, prefix) in [
        (&app.catalog_url, "/catalog"),
        (&app.tender_url, "/tenders"),
        (&app.matching_url, "/match"),
        (&app.web_url, ""),
    ] {
        let anonymous = app.get(&format!("{base}{prefix}/metrics"), None).await;
        anonymous.problem(401, "unauthenticated");
        let by_firm = app
            .get(&format!("{base}{prefix}/metrics"), Some(&firm))
            .await;
        by_firm.problem(403, "forbidden");
        let forged = app
            .get(&format!("{base}{prefix}/metrics"), Some("not.a.token"))
            .await;
        forged.problem(401, "unauthenticated");
        assert_eq!(scrape(&app, base, prefix, Some(&association)).await.0, 200);
    }
    app.stop().await;

    // A configured network (here loopback, where the test runs) reads without a token.
    let app = spawn_app_with(
        backend,
        Options {
            metrics_from_loopback: true,
            ..Options::default()
        },
    )
    .await;
    assert_eq!(
        scrape(&app, &app.catalog_url, "/catalog", None).await.0,
        200
    );
    app.stop().await;
}

/// The request id the catalog answers for a request sent with `sent`.
async fn request_id_answered(app: &TestApp, sent: &str) -> String {
    let res = app
        .client
        .get(format!("{}/catalog/districts", app.catalog_url))
        .header("x-request-id", sent)
        .send()
        .await
        .unwrap();
    res.headers()["x-request-id"].to_str().unwrap().to_string()
}

async fn a_plain_request_id_is_kept_and_an_odd_one_replaced(backend: Backend) {
    let app = spawn_app(backend).await;
    assert_eq!(
        request_id_answered(&app, "trace-7f3a.1:2").await,
        "trace-7f3a.1:2"
    );
    for odd in [
        "<script>".to_string(),
        "with space".to_string(),
        "x".repeat(65),
    ] {
        let answered = request_id_answered(&app, &odd).await;
        assert_ne!(answered, odd);
        assert!(uuid::Uuid::parse_str(&answered).is_ok(), "{answered}");
    }
    app.stop().await;
}
