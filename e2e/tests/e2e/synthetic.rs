//! `wuye admin load-synthetic` (`wuye::synthetic`) at a small size, into running services:
//! what it writes through the services' stores and outboxes appears in the catalog's and
//! tender's API, on both feeds, and in matching's answers (its follower and index built
//! from the feeds); sealed bids stay sealed; a second run adds nothing.

use std::collections::HashMap;
use std::time::Duration;

use search_index::synthetic::Scale;
use serde_json::Value;
use shared::auth::{Role, Scope};
use wuye::synthetic::{Batches, Spec, load};
use wuye_e2e::{Backend, TestApp, both_backends, spawn_app};

both_backends!(a_small_synthetic_set_reaches_every_service);

fn spec(app: &TestApp) -> Spec {
    Spec {
        scale: Scale {
            firms: 60,
            compounds: 240,
            tenders: 10,
        },
        seed: 20_261_207,
        catalog_database: app.catalog_db.clone(),
        tender_database: app.tender_db.clone(),
        // Small batches, so that several transactions of each kind are written.
        batches: Batches {
            compounds: 100,
            firms: 25,
            tenders: 4,
        },
        bid_window_days: 30,
        bids_every: 1,
        follow_timeout: Duration::from_secs(60),
        catalog_policy: Default::default(),
        tender_policy: Default::default(),
    }
}

/// Every change of a feed, counted by `topic/kind`.
async fn feed_kinds(app: &TestApp, base: &str, prefix: &str) -> HashMap<String, usize> {
    let mut kinds = HashMap::new();
    let mut after = 0;
    loop {
        let page = app.feed(base, prefix, after, 500, 0).await.json();
        let changes = page["changes"].as_array().expect("changes").clone();
        if changes.is_empty() {
            return kinds;
        }
        for c in &changes {
            let key = format!(
                "{}/{}",
                c["topic"].as_str().unwrap(),
                c["kind"].as_str().unwrap()
            );
            *kinds.entry(key).or_default() += 1;
        }
        after = page["next_after"].as_i64().expect("next_after");
    }
}

fn total(v: &Value) -> i64 {
    v["total"].as_i64().unwrap_or_else(|| panic!("a page: {v}"))
}

async fn a_small_synthetic_set_reaches_every_service(backend: Backend) {
    let app = spawn_app(backend).await;
    let association = app.token(Role::Association, Scope::City);
    let report = load(&spec(&app)).await.expect("the synthetic load");
    assert_eq!((report.compounds, report.compounds_created), (240, 240));
    assert_eq!(report.firms, 60);
    assert!(report.recommended > 30, "{report:?}");
    assert_eq!(report.tenders, 10, "{report:?}");
    assert_eq!(report.tenders_skipped, 0);
    assert!(report.bids > 0, "no bid placed: {report:?}");

    // The catalog's API and feed.
    let compounds = app
        .catalog_get("/catalog/compounds?q=SYN-&limit=1", Some(&association))
        .await
        .json();
    assert_eq!(total(&compounds), 240);
    let recommended = app
        .catalog_get("/catalog/firms?standing=recommended&limit=1", None)
        .await
        .json();
    assert_eq!(total(&recommended), report.recommended as i64);
    let kinds = feed_kinds(&app, &app.catalog_url, "/catalog").await;
    assert_eq!(kinds.get("compound/created"), Some(&240), "{kinds:?}");
    assert_eq!(kinds.get("firm/applied"), Some(&60), "{kinds:?}");
    assert_eq!(
        kinds.get("firm/standing_changed"),
        Some(&report.recommended),
        "{kinds:?}"
    );

    // Tender's API and feed: open tenders, bids sealed to all but their bidder.
    let open = app
        .get(
            &format!("{}/tenders?status=open&limit=1", app.tender_url),
            None,
        )
        .await
        .json();
    assert_eq!(total(&open), 10);
    let kinds = feed_kinds(&app, &app.tender_url, "/tenders").await;
    assert_eq!(kinds.get("tender/published"), Some(&10), "{kinds:?}");
    let db = shared::db::connect(&app.tender_db)
        .await
        .expect("tender's db");
    let (tender_id, firm_id): (String, String) =
        sqlx::query_as("SELECT tender_id, firm_id FROM bid ORDER BY id LIMIT 1")
            .fetch_one(&db.pool)
            .await
            .expect("a bid");
    let placed: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM bid")
        .fetch_one(&db.pool)
        .await
        .expect("bids");
    assert_eq!(placed, report.bids as i64);
    db.pool.close().await;
    let bids = format!("{}/tenders/{tender_id}/bids", app.tender_url);
    app.get(&bids, Some(&association))
        .await
        .problem(409, "bids_sealed");
    let mine = app
        .get(
            &format!("{bids}/mine"),
            Some(&app.token(Role::Firm, Scope::Firm(firm_id.clone()))),
        )
        .await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    assert_eq!(mine.json()["firm_id"], firm_id.as_str());

    // Matching followed both feeds into its index.
    app.wait_followed(&app.matching_db, "catalog", &app.catalog_url, "/catalog")
        .await;
    app.wait_followed(&app.matching_db, "tender", &app.tender_url, "/tenders")
        .await;
    // The index is reopened a moment after the tables' cursor moves.
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let tenders = app
            .get(
                &format!("{}/match/search?kind=tender&limit=1", app.matching_url),
                None,
            )
            .await
            .json();
        if total(&tenders) == 10 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "matching's index holds {} of the 10 tenders",
            total(&tenders)
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let mut matched = 0;
    for id in &report.tender_ids {
        let firms = app
            .get(
                &format!("{}/match/tenders/{id}/firms?limit=50", app.matching_url),
                Some(&association),
            )
            .await;
        assert_eq!(firms.status, 200, "{}", firms.body);
        matched += total(&firms.json());
    }
    assert!(
        matched > 0,
        "matching found no firm for any synthetic tender"
    );

    // Run again: nothing new.
    let again = load(&spec(&app)).await.expect("the second load");
    assert_eq!(again.compounds_created, 0);
    assert_eq!((again.tenders, again.tenders_skipped), (0, 10));
    let open = app
        .get(
            &format!("{}/tenders?status=open&limit=1", app.tender_url),
            None,
        )
        .await
        .json();
    assert_eq!(total(&open), 10);
    app.stop().await;
}
