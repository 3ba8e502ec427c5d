//! The foundation: places served, health and readiness, problem+json for bad requests,
//! OpenAPI documents (every operation served), tender and matching following the catalog.

use reqwest::Method;
use shared::auth::{Role, Scope};
use wuye_e2e::{Backend, both_backends, spawn_app};

both_backends!(
    home_page_lists_the_twenty_districts,
    places_api_and_validation,
    health_readiness_and_openapi,
    followers_copy_the_catalog_places,
    feed_refuses_callers_without_a_service_role,
);

async fn home_page_lists_the_twenty_districts(backend: Backend) {
    let app = spawn_app(backend).await;
    let page = app.get(&format!("{}/", app.web_url), None).await;
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"));
    for name in ["锦江区", "青羊区", "简阳市", "蒲江县"] {
        assert!(page.body.contains(name), "home page lacks {name}");
    }
    assert!(page.body.contains("共 20 个区（市）县、261 个镇街道"));
    app.stop().await;
}

async fn places_api_and_validation(backend: Backend) {
    let app = spawn_app(backend).await;
    let districts = app.catalog_get("/catalog/districts", None).await;
    assert_eq!(districts.status, 200);
    let list = districts.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 20);
    assert_eq!(list[0]["code"], "510104");
    assert_eq!(list[0]["name"], "锦江区");
    let total: i64 = list.iter().map(|d| d["streets"].as_i64().unwrap()).sum();
    assert_eq!(total, 261);

    let one = app
        .catalog_get("/catalog/districts/510104", None)
        .await
        .json();
    assert_eq!(one["name"], "锦江区");
    assert_eq!(one["street_list"].as_array().unwrap().len(), 11);

    let streets = app
        .catalog_get("/catalog/streets?district=510107", None)
        .await
        .json();
    assert!(
        streets
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["district_code"] == "510107")
    );
    let all = app.catalog_get("/catalog/streets", None).await.json();
    assert_eq!(all.as_array().unwrap().len(), 261);

    // Bad input: a clear problem with a message for the field, never a 500.
    let bad = app.catalog_get("/catalog/districts/999999", None).await;
    bad.problem(422, "validation_failed");
    assert_eq!(bad.field_error("code").unwrap(), "未知的区县代码：999999");
    let bad = app.catalog_get("/catalog/streets?district=abc", None).await;
    bad.problem(422, "validation_failed");
    assert!(bad.field_error("district").is_some());

    // Unknown routes and methods answer problem documents with the request id.
    let missing = app.catalog_get("/catalog/no-such-thing", None).await;
    let p = missing.problem(404, "not_found");
    assert!(p["request_id"].as_str().is_some_and(|s| !s.is_empty()));
    let wrong = app
        .send(
            reqwest::Method::DELETE,
            &format!("{}/catalog/districts", app.catalog_url),
            None,
            None::<&()>,
        )
        .await;
    wrong.problem(405, "method_not_allowed");
    app.stop().await;
}

async fn health_readiness_and_openapi(backend: Backend) {
    let app = spawn_app(backend).await;
    for (base, prefix) in [
        (&app.catalog_url, "/catalog"),
        (&app.tender_url, "/tenders"),
        (&app.matching_url, "/match"),
    ] {
        let h = app.get(&format!("{base}{prefix}/healthz"), None).await;
        assert_eq!(h.status, 200, "{prefix}/healthz");
        app.wait_ready(base, prefix, 20).await;
        let r = app
            .get(&format!("{base}{prefix}/readyz"), None)
            .await
            .json();
        assert_eq!(r["status"], "ready");
        assert!(
            r["checks"]
                .as_array()
                .unwrap()
                .iter()
                .all(|c| c["ok"] == true)
        );
        let doc = app.get(&format!("{base}{prefix}/openapi.json"), None).await;
        assert_eq!(doc.status, 200);
        let doc = doc.json();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    }
    let doc = app.catalog_get("/catalog/openapi.json", None).await.json();
    assert!(doc["paths"]["/catalog/districts"]["get"].is_object());
    app.stop().await;
}

/// Routes and OpenAPI operations come from one list in each service (`routes!`), so no
/// test keeps its own list of paths: every operation a served document lists is routed
/// (asked without a token or body, it gets some answer of its own, never the router's
/// 404 for an unknown path or its 405).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_documented_operation_is_served() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut operations = 0;
    for (base, prefix) in [
        (&app.catalog_url, "/catalog"),
        (&app.tender_url, "/tenders"),
        (&app.matching_url, "/match"),
    ] {
        let doc = app
            .get(&format!("{base}{prefix}/openapi.json"), None)
            .await
            .json();
        let paths = doc["paths"].as_object().expect("paths");
        assert!(!paths.is_empty(), "{prefix}: no paths");
        for (path, item) in paths {
            // Every path parameter becomes `x`.
            let concrete: String = path
                .split('/')
                .map(|seg| if seg.starts_with('{') { "x" } else { seg })
                .collect::<Vec<_>>()
                .join("/");
            for method in item.as_object().expect("a path item").keys() {
                let Ok(m) = Method::from_bytes(method.to_uppercase().as_bytes()) else {
                    continue;
                };
                if !matches!(
                    m,
                    Method::GET | Method::POST | Method::PUT | Method::PATCH | Method::DELETE
                ) {
                    continue;
                }
                operations += 1;
                let a = app
                    .send(m, &format!("{base}{concrete}"), None, None::<&()>)
                    .await;
                let unrouted =
                    a.status == 405 || (a.status == 404 && a.body.contains("请求的地址不存在。"));
                assert!(!unrouted, "{method} {path} is not routed: {}", a.body);
            }
        }
    }
    assert!(operations > 0);
    app.stop().await;
}

async fn followers_copy_the_catalog_places(backend: Backend) {
    let app = spawn_app(backend).await;
    app.wait_ready(&app.tender_url, "/tenders", 20).await;
    app.wait_ready(&app.matching_url, "/match", 20).await;
    for url in [&app.tender_db, &app.matching_db] {
        let db = shared::db::connect(url).await.unwrap();
        let (districts,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM catalog_district")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        let (streets,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM catalog_street")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!((districts, streets), (20, 261));
        let (cursor,): (i64,) =
            sqlx::query_as("SELECT seq FROM feed_cursor WHERE source = 'catalog'")
                .fetch_one(&db.pool)
                .await
                .unwrap();
        assert_eq!(cursor, wuye_e2e::REFERENCE_CHANGES);
    }
    app.stop().await;
}

async fn feed_refuses_callers_without_a_service_role(backend: Backend) {
    let app = spawn_app(backend).await;
    let url = format!("{}/catalog/feed", app.catalog_url);
    app.get(&url, None).await.problem(401, "unauthenticated");
    app.get(&url, Some("not-a-token"))
        .await
        .problem(401, "unauthenticated");
    for (role, scope) in [
        (Role::Firm, Scope::Firm("f".into())),
        (Role::Committee, Scope::Compound("c".into())),
        (Role::StreetOfficial, Scope::Street("510104017".into())),
        (Role::DistrictOfficial, Scope::District("510104".into())),
    ] {
        app.get(&url, Some(&app.token(role, scope)))
            .await
            .problem(403, "forbidden");
    }
    let page = app.feed(&app.catalog_url, "/catalog", 0, 5, 0).await;
    assert_eq!(page.status, 200);
    let bad = app
        .get(
            &format!("{url}?limit=0&wait=99&after=-1"),
            Some(&app.service_token()),
        )
        .await;
    bad.problem(422, "validation_failed");
    for f in ["limit", "wait", "after"] {
        assert!(bad.field_error(f).is_some(), "no message for {f}");
    }
    app.stop().await;
}
