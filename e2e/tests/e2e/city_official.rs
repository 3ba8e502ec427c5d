//! The city official (市住建局 / 市委社治委): an account the association creates, scoped to
//! the city, that reads what district officials read across the whole city (the ledger
//! export, firms' audit trails, attention lists, inspections, registers masked) and edits
//! nothing in the roster, the ledger or the accounts. Over the API and on the pages.
//! (Every operation's class for the city official is in the access matrix.)

use reqwest::{Method, StatusCode};
use serde_json::json;
use shared::auth::{Role, Scope};
use wuye_e2e::fixtures::compound_body;
use wuye_e2e::pages;
use wuye_e2e::{Backend, both_backends, spawn_app};

both_backends!(city_official_reads_the_city_and_writes_nothing);

/// 锦江区锦官驿街道 and 青羊区草市街街道.
const JINGUANYI: &str = "510104017";
const CAOSHIJIE: &str = "510105002";

async fn city_official_reads_the_city_and_writes_nothing(backend: Backend) {
    let app = spawn_app(backend).await;
    let assoc = app.token(Role::Association, Scope::City);
    let post = |path: String, token: String, body: serde_json::Value| {
        let app = &app;
        async move {
            app.send(Method::POST, &path, Some(&token), Some(&body))
                .await
        }
    };

    // The association creates a city official: no scope, like its own accounts.
    let created = post(
        format!("{}/catalog/accounts", app.catalog_url),
        assoc.clone(),
        json!({"username": "city.zjj", "display_name": "市住建局 王五",
               "password": "a-long-enough-password", "role": "city_official"}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.json()["role"], "city_official");
    assert_eq!(created.json()["scope"], json!({"kind": "city"}));
    let scoped = post(
        format!("{}/catalog/accounts", app.catalog_url),
        assoc.clone(),
        json!({"username": "city.bad", "display_name": "市级", "password": "a-long-enough-password",
               "role": "city_official", "scope_id": "510104"}),
    )
    .await;
    scoped.problem(422, "validation_failed");
    assert!(scoped.field_error("scope_id").is_some(), "{}", scoped.body);

    // Its sign-in carries the role and the city.
    let signed = post(
        format!("{}/catalog/session", app.catalog_url),
        String::new(),
        json!({"username": "city.zjj", "password": "a-long-enough-password"}),
    )
    .await;
    assert_eq!(signed.status, 200, "{}", signed.body);
    let city = signed.json()["token"].as_str().unwrap().to_string();
    let me = app.catalog_get("/catalog/me", Some(&city)).await.json();
    assert_eq!(me["role"], "city_official");

    // Compounds in two districts.
    let mut compounds = Vec::new();
    for (code, street) in [("CITY-1", JINGUANYI), ("CITY-2", CAOSHIJIE)] {
        let c = post(
            format!("{}/catalog/compounds", app.catalog_url),
            assoc.clone(),
            compound_body(code, street),
        )
        .await;
        assert_eq!(c.status, 201, "{}", c.body);
        compounds.push(c.json());
    }

    // Reads: the whole city's ledger, attention lists, inspections.
    let export = app
        .catalog_get("/catalog/compounds/export?format=csv", Some(&city))
        .await;
    assert_eq!(export.status, 200, "{}", export.body);
    assert!(export.body.contains("CITY-1") && export.body.contains("CITY-2"));
    let attention = app
        .get(
            &format!("{}/match/attention", app.matching_url),
            Some(&city),
        )
        .await;
    assert_eq!(attention.status, 200, "{}", attention.body);
    assert_eq!(attention.json()["level"], "city");
    let inspections = app
        .get(
            &format!("{}/tenders/inspections?state=open", app.tender_url),
            Some(&city),
        )
        .await;
    assert_eq!(inspections.status, 200, "{}", inspections.body);

    // Writes: none in the ledger, the roster or the accounts.
    post(
        format!("{}/catalog/compounds", app.catalog_url),
        city.clone(),
        compound_body("CITY-3", JINGUANYI),
    )
    .await
    .problem(403, "forbidden");
    let id = compounds[0]["id"].as_str().unwrap();
    app.send(
        Method::PUT,
        &format!("{}/catalog/compounds/{id}", app.catalog_url),
        Some(&city),
        Some(&compound_body("CITY-1", JINGUANYI)),
    )
    .await
    .problem(403, "forbidden");
    for (role, scope) in [
        ("street_official", Some(JINGUANYI)),
        ("district_official", Some("510104")),
        ("city_official", None),
    ] {
        post(
            format!("{}/catalog/accounts", app.catalog_url),
            city.clone(),
            json!({"username": "nope.city", "display_name": "不该有", "password": "a-long-enough-password",
                   "role": role, "scope_id": scope}),
        )
        .await
        .problem(403, "forbidden");
    }
    post(
        format!("{}/catalog/service-models", app.catalog_url),
        city.clone(),
        json!({"code": "x", "name": "不该有"}),
    )
    .await
    .problem(403, "forbidden");

    // The pages: the ledger and coverage of the whole city; no form that edits it.
    let (status, _, html) = pages::get(&app, "/official/ledger", Some(&city)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    assert!(html.contains("全市"), "{html}");
    assert!(html.contains("CITY-1") && html.contains("CITY-2"), "{html}");
    assert!(!html.contains("/official/ledger/new"), "{html}");
    let (status, _, html) = pages::get(&app, "/official/coverage", Some(&city)).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    for path in [
        "/official/ledger/new".to_string(),
        "/official/import".to_string(),
        format!("/official/ledger/{id}"),
    ] {
        let (status, _, html) = pages::get(&app, &path, Some(&city)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}: {html}");
        assert!(html.contains("市级工作人员只能查看台账"), "{path}: {html}");
    }
    let (status, _, _) = pages::post(
        &app,
        "/official/ledger/new",
        Some(&city),
        &[("_csrf", pages::CSRF), ("name", "不该有")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    app.stop().await;
}
