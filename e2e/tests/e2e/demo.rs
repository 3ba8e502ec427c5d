//! The demo data of `wuye up --demo`: loaded through the API, listable and filterable,
//! with working demo accounts, and loaded only once.

use reqwest::Method;
use serde_json::json;
use wuye_e2e::{Backend, both_backends, spawn_app};

both_backends!(demo_roster_and_ledger_can_be_listed_and_filtered);

async fn demo_roster_and_ledger_can_be_listed_and_filtered(backend: Backend) {
    let app = spawn_app(backend).await;
    let accounts = wuye::demo::load(&app.catalog_url, &app.keys)
        .await
        .expect("loading the demo");
    assert_eq!(accounts.len(), 5);

    // The roster: 24 synthetic firms, all marked, in every standing.
    let all = app
        .catalog_get("/catalog/firms?limit=100", None)
        .await
        .json();
    assert_eq!(all["total"], 24);
    assert!(
        all["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["name"].as_str().unwrap().starts_with("【演示】"))
    );
    let count = |v: serde_json::Value| v["total"].as_i64().unwrap();
    let recommended = count(
        app.catalog_get("/catalog/firms?standing=recommended", None)
            .await
            .json(),
    );
    let suspended = count(
        app.catalog_get("/catalog/firms?standing=suspended", None)
            .await
            .json(),
    );
    let blacklisted = count(
        app.catalog_get("/catalog/firms?standing=blacklisted", None)
            .await
            .json(),
    );
    let applicants = count(
        app.catalog_get("/catalog/firms?standing=applicant", None)
            .await
            .json(),
    );
    assert_eq!(
        (recommended, suspended, blacklisted, applicants),
        (19, 2, 1, 2)
    );
    let blacklist = app.catalog_get("/catalog/blacklist", None).await.json();
    assert_eq!(blacklist["total"], 1);
    let in_jinjiang = app
        .catalog_get("/catalog/firms?district=510104&model=trust", None)
        .await
        .json();
    assert!(count(in_jinjiang.clone()) > 0);
    for f in in_jinjiang["items"].as_array().unwrap() {
        assert!(
            f["districts_served"]
                .as_array()
                .unwrap()
                .contains(&json!("510104"))
        );
        assert!(
            f["service_models"]
                .as_array()
                .unwrap()
                .contains(&json!("trust"))
        );
    }

    // The ledger: 6 districts × 4 streets × 5 synthetic compounds.
    let ledger = app
        .catalog_get("/catalog/compounds?limit=1", None)
        .await
        .json();
    assert_eq!(ledger["total"], 120);
    let street = app
        .catalog_get("/catalog/compounds?street=510104017", None)
        .await
        .json();
    assert_eq!(street["total"], 5);
    assert!(
        street["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|c| c["name"].as_str().unwrap().starts_with("【演示】"))
    );

    // Every demo account signs in.
    for a in &accounts {
        let session = app
            .send(
                Method::POST,
                &format!("{}/catalog/session", app.catalog_url),
                None,
                Some(&json!({"username": a.username, "password": wuye::demo::DEMO_PASSWORD})),
            )
            .await;
        assert_eq!(session.status, 200, "{}: {}", a.username, session.body);
    }

    // Loading again changes nothing.
    let head = app.feed(&app.catalog_url, "/catalog", 0, 1, 0).await.json()["head"].clone();
    wuye::demo::load(&app.catalog_url, &app.keys).await.unwrap();
    let again = app.feed(&app.catalog_url, "/catalog", 0, 1, 0).await.json()["head"].clone();
    assert_eq!(head, again);
    app.stop().await;
}
