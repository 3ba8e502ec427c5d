//! Matching through the search index: firms and compounds made through the catalog's API, a
//! tender through tender's, everything reaching matching over the feeds. Matched firms in the
//! expected order with their reasons, feed-driven freshness (a blacklisted firm disappears),
//! a firm's open tenders, free-text search, bundles, refusals, bad filters, and a rebuild
//! from the tables answering exactly as the live index.

use std::time::{Duration, Instant};

use reqwest::Method;
use search_index::{IndexHandle, IndexLocation, TenderQuery, Weights};
use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use wuye_e2e::fixtures::{compound_body, firm_body};
use wuye_e2e::{Answer, Backend, TestApp, both_backends, spawn_app};

use wuye_e2e::fixtures::{JINGUANYI, merged};
use wuye_e2e::tender::{from_now, tender_body};

both_backends!(
    tender_firms_ranked_fresh_and_role_aware,
    search_bundles_and_bad_filters,
    satisfaction_and_old_compound_experience_lift_a_firm,
    synonyms_and_proximity_beat_exact_words_from_afar,
);

async fn post(app: &TestApp, url: String, token: Option<&str>, body: &Value) -> Answer {
    app.send(Method::POST, &url, token, Some(body)).await
}

fn association(app: &TestApp) -> String {
    app.token(Role::Association, Scope::City)
}

/// Applies a firm through the catalog (with `overrides`) and, if asked, recommends it.
async fn firm(app: &TestApp, name: &str, n: u32, overrides: Value, recommend: bool) -> String {
    let body = merged(firm_body(name, n), overrides);
    let a = post(
        app,
        format!("{}/catalog/firms", app.catalog_url),
        None,
        &body,
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.json()["id"].as_str().unwrap().to_string();
    if recommend {
        let r = post(
            app,
            format!("{}/catalog/firms/{id}/standing", app.catalog_url),
            Some(&association(app)),
            &json!({"action": "recommend", "reason": "年度评审通过", "review_date": "2099-12-31"}),
        )
        .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    id
}

/// Creates a compound through the catalog as the association.
async fn compound(app: &TestApp, code: &str, street: &str, overrides: Value) -> String {
    let body = merged(compound_body(code, street), overrides);
    let a = post(
        app,
        format!("{}/catalog/compounds", app.catalog_url),
        Some(&association(app)),
        &body,
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.json()["id"].as_str().unwrap().to_string()
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> Answer {
    app.get(&format!("{}/match{path}", app.matching_url), token)
        .await
}

/// Polls a matching GET until `done` holds on its 200 answer (at most `secs`); returns it.
async fn until(
    app: &TestApp,
    path: &str,
    token: Option<&str>,
    secs: u64,
    done: impl Fn(&Value) -> bool,
) -> (Value, Duration) {
    let start = Instant::now();
    loop {
        let a = get(app, path, token).await;
        if a.status == 200 && done(&a.json()) {
            return (a.json(), start.elapsed());
        }
        assert!(
            start.elapsed() < Duration::from_secs(secs),
            "{path} never reached the expected state: {} {}",
            a.status,
            a.body
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn ids(page: &Value, field: &str) -> Vec<String> {
    page["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i[field].as_str().unwrap().to_string())
        .collect()
}

fn terms(item: &Value) -> Vec<String> {
    item["matched_terms"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t.as_str().unwrap().to_string())
        .collect()
}

async fn tender_firms_ranked_fresh_and_role_aware(backend: Backend) {
    let app = spawn_app(backend).await;
    let wants = json!({"service_models": ["professional"], "fee_models": ["lump_sum"],
        "grades": [3], "districts_served": ["510104"]});
    // Near the compound, a profile about lifts.
    let near = firm(
        &app,
        "近邻物业",
        1,
        merged(
            wants.clone(),
            json!({"location": {"lon": 104.084, "lat": 30.653},
                "profile": "老旧小区电梯维保和消防设施管理经验丰富。"}),
        ),
        true,
    )
    .await;
    // Same terms, 8 km away, nothing about lifts.
    let far = firm(
        &app,
        "远郊物业",
        2,
        merged(
            wants.clone(),
            json!({"location": {"lon": 104.150, "lat": 30.700},
                "profile": "保洁绿化秩序维护。"}),
        ),
        true,
    )
    .await;
    // Not on the roster, and one that cannot deliver grade 3: never matched.
    let applicant = firm(&app, "申请中物业", 3, wants.clone(), false).await;
    let low_grade = firm(
        &app,
        "一级物业",
        4,
        merged(wants, json!({"grades": [1]})),
        true,
    )
    .await;
    let c = compound(&app, "m001", JINGUANYI, json!({})).await;
    app.tender_follows_catalog().await;

    let committee = app.token(Role::Committee, Scope::Compound(c.clone()));
    let body = tender_body(
        &c,
        json!({"needs": "需要电梯维保和日常保洁。", "enquiry_deadline": from_now(3_600_000),
            "bid_deadline": from_now(7_200_000), "opening_at": from_now(7_200_000)}),
    );
    let created = post(
        &app,
        format!("{}/tenders", app.tender_url),
        Some(&committee),
        &body,
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let tender = created.json()["id"].as_str().unwrap().to_string();
    let published = post(
        &app,
        format!("{}/tenders/{tender}/publish", app.tender_url),
        Some(&committee),
        &json!({}),
    )
    .await;
    assert_eq!(published.status, 200, "{}", published.body);

    // The committee sees the matched firms: near (distance, 电梯) before far; the applicant
    // and the grade-1 firm are filtered out.
    let path = format!("/tenders/{tender}/firms");
    let (page, _) = until(&app, &path, Some(&committee), 10, |p| p["total"] == 2).await;
    assert_eq!(ids(&page, "firm_id"), vec![near.clone(), far.clone()]);
    let first = &page["items"][0];
    assert!(terms(first).contains(&"电梯".to_string()), "{first}");
    assert!(first["distance_km"].as_f64().unwrap() < 1.0);
    assert!(page["items"][1]["distance_km"].as_f64().unwrap() > 5.0);
    let parts: Vec<&str> = first["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert!(parts.contains(&"distance"), "{parts:?}");
    assert!(
        first["parts"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| !p["detail"].as_str().unwrap().is_empty())
    );
    assert!(!ids(&page, "firm_id").contains(&applicant));
    assert!(!ids(&page, "firm_id").contains(&low_grade));
    // Pagination.
    let second = get(&app, &format!("{path}?limit=1&offset=1"), Some(&committee))
        .await
        .json();
    assert_eq!(ids(&second, "firm_id"), vec![far.clone()]);
    assert_eq!(second["total"], 2);

    // Who may see it: the association yes; anonymous 401; firms, other committees and
    // officials 403; an unknown tender 404; a bad page 422.
    assert_eq!(get(&app, &path, Some(&association(&app))).await.status, 200);
    get(&app, &path, None).await.problem(401, "unauthenticated");
    let near_token = app.token(Role::Firm, Scope::Firm(near.clone()));
    get(&app, &path, Some(&near_token))
        .await
        .problem(403, "forbidden");
    let other = app.token(Role::Committee, Scope::Compound("elsewhere".into()));
    get(&app, &path, Some(&other))
        .await
        .problem(403, "forbidden");
    let street = app.token(Role::StreetOfficial, Scope::Street(JINGUANYI.into()));
    get(&app, &path, Some(&street))
        .await
        .problem(403, "forbidden");
    get(&app, "/tenders/nope/firms", Some(&committee))
        .await
        .problem(404, "not_found");
    let bad = get(&app, &format!("{path}?limit=0&offset=-1"), Some(&committee)).await;
    bad.problem(422, "validation_failed");
    assert!(bad.field_error("limit").is_some() && bad.field_error("offset").is_some());

    // The firm's own open tenders, with the reasons; other firms and committees are refused.
    let (mine, _) = until(
        &app,
        &format!("/firms/{near}/tenders"),
        Some(&near_token),
        10,
        |p| p["total"] == 1,
    )
    .await;
    assert_eq!(ids(&mine, "tender_id"), vec![tender.clone()]);
    assert_eq!(mine["items"][0]["compound_id"], c.as_str());
    assert!(terms(&mine["items"][0]).contains(&"电梯".to_string()));
    let far_token = app.token(Role::Firm, Scope::Firm(far.clone()));
    get(&app, &format!("/firms/{near}/tenders"), Some(&far_token))
        .await
        .problem(403, "forbidden");
    get(&app, &format!("/firms/{near}/tenders"), Some(&committee))
        .await
        .problem(403, "forbidden");
    let by_assoc = get(
        &app,
        &format!("/firms/{near}/tenders"),
        Some(&association(&app)),
    )
    .await;
    assert_eq!(by_assoc.json()["total"], 1);
    // A firm that may not bid gets no tenders.
    let applicant_token = app.token(Role::Firm, Scope::Firm(applicant.clone()));
    let none = get(
        &app,
        &format!("/firms/{applicant}/tenders"),
        Some(&applicant_token),
    )
    .await;
    assert_eq!(none.json()["total"], 0, "{}", none.body);

    // Rebuild equivalence: an index rebuilt from matching's tables answers exactly as the
    // live one (compared before the blacklisting, which the live index must then follow).
    let db = shared::db::connect(&app.matching_db).await.unwrap();
    let rebuilt = IndexHandle::open(IndexLocation::Ram).unwrap();
    matching::index::rebuild(&rebuilt, &db, &mut |_| {})
        .await
        .unwrap();
    let live = get(&app, &format!("{path}?limit=50"), Some(&committee))
        .await
        .json();
    let doc = rebuilt
        .snapshot()
        .tender(&tender)
        .unwrap()
        .expect("indexed");
    assert!(doc.open);
    let again = rebuilt
        .match_firms(&TenderQuery::from(&doc), 50, 0, &Weights::default())
        .unwrap();
    assert_eq!(again.total, 2);
    for (a, b) in again.items.iter().zip(live["items"].as_array().unwrap()) {
        assert_eq!(a.firm_id, b["firm_id"].as_str().unwrap());
        assert_eq!(a.matched_terms, terms(b));
        assert!(
            (a.score - b["score"].as_f64().unwrap()).abs() < 1e-9,
            "{a:?} vs {b}"
        );
        assert!((a.distance_km - b["distance_km"].as_f64().unwrap()).abs() < 1e-9);
    }
    let rebuilt_mine = rebuilt
        .match_tenders(
            &(&rebuilt.snapshot().firm(&near).unwrap().unwrap()).into(),
            50,
            0,
            &Weights::default(),
        )
        .unwrap();
    assert_eq!(rebuilt_mine.total, 1);
    assert_eq!(rebuilt_mine.items[0].tender_id, tender);
    db.pool.close().await;

    // Rebuild from scratch from the feeds: a new database and an empty index follow both
    // feeds from 0 and answer exactly as the live index; the progress ends at the heads.
    let fresh = wuye_e2e::fresh_database(&app.backend, "matching")
        .await
        .unwrap();
    let fresh = shared::db::connect(&fresh).await.unwrap();
    fresh.migrate(&matching::MIGRATOR).await.unwrap();
    let from_feeds = IndexHandle::open(IndexLocation::Ram).unwrap();
    let feeds = matching::rebuild::Feeds {
        catalog: shared::feed::feed_url(&app.catalog_url, "/catalog"),
        tender: shared::feed::feed_url(&app.tender_url, "/tenders"),
        token: app.service_token(),
    };
    let mut last = (0, 0);
    let applied =
        matching::rebuild::from_feeds(&fresh, &from_feeds, &feeds, &mut |d, t| last = (d, t))
            .await
            .unwrap();
    assert!(
        applied > 0 && last.0 == last.1 && last.1 >= applied,
        "{applied} {last:?}"
    );
    let doc = from_feeds
        .snapshot()
        .tender(&tender)
        .unwrap()
        .expect("indexed");
    let replayed = from_feeds
        .match_firms(&TenderQuery::from(&doc), 50, 0, &Weights::default())
        .unwrap();
    assert_eq!(replayed.total, 2);
    for (a, b) in replayed.items.iter().zip(live["items"].as_array().unwrap()) {
        assert_eq!(a.firm_id, b["firm_id"].as_str().unwrap());
        assert_eq!(a.matched_terms, terms(b));
        assert!(
            (a.score - b["score"].as_f64().unwrap()).abs() < 1e-9,
            "{a:?} vs {b}"
        );
    }
    // A database that has already followed the feeds is refused (it would double-count).
    let again = matching::rebuild::from_feeds(&fresh, &from_feeds, &feeds, &mut |_, _| {}).await;
    assert!(again.is_err());
    fresh.pool.close().await;

    // Freshness: blacklisted in the catalog, gone from the recommendations within seconds.
    let b = post(
        &app,
        format!("{}/catalog/firms/{near}/standing", app.catalog_url),
        Some(&association(&app)),
        &json!({"action": "blacklist", "reason": "弄虚作假", "to": "2099-12-31"}),
    )
    .await;
    assert_eq!(b.status, 200, "{}", b.body);
    let (page, took) = until(&app, &path, Some(&committee), 5, |p| p["total"] == 1).await;
    assert_eq!(ids(&page, "firm_id"), vec![far.clone()]);
    assert!(took < Duration::from_secs(5), "took {took:?}");
    let gone = get(&app, &format!("/firms/{near}/tenders"), Some(&near_token)).await;
    assert_eq!(gone.json()["total"], 0);

    // Crash between the tables and the index: an index whose recorded cursors are behind
    // moves the database's cursors back, the feeds replay, and the answers end the same.
    let db = shared::db::connect(&app.matching_db).await.unwrap();
    let behind = IndexHandle::open(IndexLocation::Ram).unwrap();
    behind.commit(Some("catalog=3;tender=0")).unwrap();
    let cursor = |source: &'static str| {
        let pool = db.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT seq FROM feed_cursor WHERE source = $1")
                .bind(source)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    assert!(cursor("catalog").await > 3 && cursor("tender").await > 0);
    matching::index::reconcile_cursors(&behind, &db)
        .await
        .unwrap();
    let (catalog_after, tender_after) = (cursor("catalog").await, cursor("tender").await);
    // (The live followers may already have replayed a little.)
    assert!(
        catalog_after < wuye_e2e::REFERENCE_CHANGES,
        "{catalog_after}"
    );
    assert!(tender_after < 3, "{tender_after}");
    app.wait_followed(&app.matching_db, "catalog", &app.catalog_url, "/catalog")
        .await;
    app.wait_followed(&app.matching_db, "tender", &app.tender_url, "/tenders")
        .await;
    let (page, _) = until(&app, &path, Some(&committee), 5, |p| p["total"] == 1).await;
    assert_eq!(ids(&page, "firm_id"), vec![far.clone()]);
    let (mine, _) = until(
        &app,
        &format!("/firms/{far}/tenders"),
        Some(&far_token),
        5,
        |p| p["total"] == 1,
    )
    .await;
    assert_eq!(ids(&mine, "tender_id"), vec![tender.clone()]);
    db.pool.close().await;
    app.stop().await;
}

async fn search_bundles_and_bad_filters(backend: Backend) {
    let app = spawn_app(backend).await;
    let lifts = firm(
        &app,
        "电梯专家物业",
        11,
        json!({"profile": "专业电梯维保，兼营垃圾分类投放点管理。"}),
        true,
    )
    .await;
    let applicant = firm(
        &app,
        "电梯申请物业",
        12,
        json!({"profile": "电梯维保。"}),
        false,
    )
    .await;
    // Three small neighbouring compounds with no service, and one large one.
    let street = JINGUANYI;
    let small = |i: u32| {
        json!({"households": 120, "management": "none", "is_old": true,
            "eligible_and_willing": true,
            "location": {"lon": 104.083 + f64::from(i) * 0.001, "lat": 30.652}})
    };
    let a = compound(&app, "b001", street, small(0)).await;
    let b = compound(&app, "b002", street, small(1)).await;
    let c = compound(&app, "b003", street, small(2)).await;
    compound(&app, "b004", street, json!({"households": 900})).await;

    // 电梯 finds the profile that says 电梯维保; the applicant is not public.
    let (found, _) = until(&app, "/search?q=电梯&kind=firm", None, 10, |p| {
        p["total"] == 1
    })
    .await;
    assert_eq!(ids(&found, "id"), vec![lifts.clone()]);
    assert!(terms(&found["items"][0]).contains(&"电梯".to_string()));
    assert!(!ids(&found, "id").contains(&applicant));
    let sorted = get(&app, "/search?q=垃圾分类&kind=firm&district=510104", None)
        .await
        .json();
    assert_eq!(ids(&sorted, "id"), vec![lifts.clone()]);
    let elsewhere = get(&app, "/search?q=电梯&kind=firm&district=510107", None)
        .await
        .json();
    assert_eq!(elsewhere["total"], 0);
    let (compounds, _) = until(
        &app,
        &format!("/search?kind=compound&street={street}&limit=10"),
        None,
        10,
        |p| p["total"] == 4,
    )
    .await;
    assert_eq!(compounds["items"].as_array().unwrap().len(), 4);

    // Bad filters: every field reported at once.
    let bad = get(
        &app,
        "/search?q=x&kind=bank&district=12&street=abc&model=Bad!&grade=9&limit=0",
        None,
    )
    .await;
    bad.problem(422, "validation_failed");
    for f in ["kind", "district", "street", "model", "grade", "limit"] {
        assert!(
            bad.field_error(f).is_some(),
            "no error for {f}: {}",
            bad.body
        );
    }
    // A filter that does not apply to the kind.
    get(&app, "/search?kind=compound&model=professional", None)
        .await
        .problem(422, "validation_failed");

    // Bundles: the three small compounds together reach 300 households.
    let official = app.token(Role::StreetOfficial, Scope::Street(street.into()));
    let path = format!("/bundles?street={street}&viable_households=300&max_distance_km=1");
    let (bundles, _) = until(&app, &path, Some(&official), 10, |b| {
        b.as_array().is_some_and(|l| !l.is_empty())
    })
    .await;
    let list = bundles.as_array().unwrap();
    assert_eq!(list.len(), 1, "{bundles}");
    assert_eq!(list[0]["total_households"], 360);
    let mut members: Vec<String> = list[0]["compound_ids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    members.sort();
    let mut expected = vec![a, b, c];
    expected.sort();
    assert_eq!(members, expected);
    assert!(!list[0]["reason"].as_str().unwrap().is_empty());
    // The district's official and the association may ask; others not.
    let district = app.token(Role::DistrictOfficial, Scope::District("510104".into()));
    assert_eq!(get(&app, &path, Some(&district)).await.status, 200);
    assert_eq!(get(&app, &path, Some(&association(&app))).await.status, 200);
    get(&app, &path, None).await.problem(401, "unauthenticated");
    let other_district = app.token(Role::DistrictOfficial, Scope::District("510107".into()));
    get(&app, &path, Some(&other_district))
        .await
        .problem(403, "forbidden");
    let other_street = app.token(Role::StreetOfficial, Scope::Street("510104018".into()));
    get(&app, &path, Some(&other_street))
        .await
        .problem(403, "forbidden");
    let committee = app.token(Role::Committee, Scope::Compound("x".into()));
    get(&app, &path, Some(&committee))
        .await
        .problem(403, "forbidden");
    let bad = get(
        &app,
        "/bundles?street=1&viable_households=0&max_distance_km=-1",
        Some(&official),
    )
    .await;
    bad.problem(422, "validation_failed");
    for f in ["street", "viable_households", "max_distance_km"] {
        assert!(
            bad.field_error(f).is_some(),
            "no error for {f}: {}",
            bad.body
        );
    }

    // Every route is in the OpenAPI document: they come from one list
    // (`foundation::every_documented_operation_is_served`).
    app.stop().await;
}

/// Two firms alike in everything the catalog knows but the office street; one has served an
/// old compound under a contract and its residents rated it in a survey (both reach
/// matching over tender's feed). That firm comes first, and the answer says why: the
/// `satisfaction` part with the surveyed rate, the `experience` part with the number of old
/// compounds and `same_street` for its office, where the other firm gets the default
/// satisfaction and neither of the others.
async fn satisfaction_and_old_compound_experience_lift_a_firm(backend: Backend) {
    use shared::db;
    use shared::feed::{Notifier, WriteTx};

    let app = spawn_app(backend).await;
    let wants = json!({"service_models": ["professional"], "fee_models": ["lump_sum"],
        "grades": [3], "districts_served": ["510104"],
        "location": {"lon": 104.084, "lat": 30.653}, "profile": "保洁绿化秩序维护。"});
    // The seasoned firm also gives its office street: the tender's own (锦官驿街道).
    let seasoned = firm(
        &app,
        "老练物业",
        1,
        merged(wants.clone(), json!({"office_street": JINGUANYI})),
        true,
    )
    .await;
    let newcomer = firm(&app, "新手物业", 2, wants, true).await;
    let served = compound(&app, "m101", JINGUANYI, json!({})).await;
    let c = compound(&app, "m102", JINGUANYI, json!({})).await;
    app.tender_follows_catalog().await;

    // The seasoned firm's contract at an old compound and its residents' survey, written
    // into tender's feed as tender writes them.
    let tender_db = db::connect(&app.tender_db).await.unwrap();
    let contract = tender::award::Contract {
        id: "k-seasoned".into(),
        tender_id: "t-earlier".into(),
        compound_id: served.clone(),
        firm_id: seasoned.clone(),
        firm_name: "老练物业".into(),
        service_model: "professional".into(),
        fee_model: "lump_sum".into(),
        fee: 150,
        annual_price_fen: 150 * 42_000 * 12,
        term_months: 36,
        start_date: tender::clock::parse_date("2025-01-01").unwrap(),
        end_date: tender::clock::parse_date("2027-12-31").unwrap(),
        signed_on: tender::clock::parse_date("2024-12-20").unwrap(),
        signed_at: "2024-12-20T04:00:00Z".into(),
        status: tender::award::ContractStatus::Active,
        terminated_on: None,
        termination_reason: None,
        termination_vote_id: None,
        termination_vote_kind: None,
        remuneration: None,
        fee_in_force: None,
    };
    let survey = json!({
        "id": "s-seasoned", "compound_id": &served, "street_code": JINGUANYI,
        "district_code": &JINGUANYI[..6], "contract_id": "k-seasoned", "firm_id": &seasoned,
        "period": "2026-Q3", "satisfied": 80, "basically_satisfied": 10, "dissatisfied": 10,
        "recorded_at": tender::clock::to_rfc3339(shared::db::now_ms()),
    });
    let mut tx = WriteTx::begin(&tender_db, &Notifier::default())
        .await
        .unwrap();
    tx.emit("contract", "k-seasoned", "signed", &contract)
        .await
        .unwrap();
    tx.emit("satisfaction", "s-seasoned", "recorded", &survey)
        .await
        .unwrap();
    tx.commit().await.unwrap();

    // A tender published through the API afterwards (its write wakes matching's long poll,
    // which then reads the injected changes before it).
    let committee = app.token(Role::Committee, Scope::Compound(c.clone()));
    let body = tender_body(
        &c,
        json!({"enquiry_deadline": from_now(3_600_000),
            "bid_deadline": from_now(7_200_000), "opening_at": from_now(7_200_000)}),
    );
    let created = post(
        &app,
        format!("{}/tenders", app.tender_url),
        Some(&committee),
        &body,
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let tender = created.json()["id"].as_str().unwrap().to_string();
    let published = post(
        &app,
        format!("{}/tenders/{tender}/publish", app.tender_url),
        Some(&committee),
        &json!({}),
    )
    .await;
    assert_eq!(published.status, 200, "{}", published.body);

    let path = format!("/tenders/{tender}/firms");
    let (page, _) = until(&app, &path, Some(&committee), 15, |p| {
        p["total"] == 2 && p["items"][0]["firm_id"] == seasoned.as_str()
    })
    .await;
    assert_eq!(
        ids(&page, "firm_id"),
        vec![seasoned.clone(), newcomer.clone()]
    );
    let part = |item: &Value, name: &str| -> Option<(f64, String)> {
        item["parts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| {
                (
                    p["value"].as_f64().unwrap(),
                    p["detail"].as_str().unwrap().to_string(),
                )
            })
    };
    let (first, second) = (&page["items"][0], &page["items"][1]);
    // 90 of 100 respondents satisfied or basically satisfied, at the default weight 1.0.
    let (value, detail) = part(first, "satisfaction").expect("a satisfaction part");
    assert!((value - 0.9).abs() < 1e-9, "{value}");
    assert_eq!(detail, "其他小区居民满意度 90%");
    // One old compound served, of the 10 at which experience counts in full (weight 0.5).
    let (value, detail) = part(first, "experience").expect("an experience part");
    assert!((value - 0.05).abs() < 1e-9, "{value}");
    assert_eq!(detail, "已服务老旧小区 1 个");
    // The newcomer: the default satisfaction (60 %), no experience part.
    let (value, detail) = part(second, "satisfaction").expect("a satisfaction part");
    assert!((value - 0.6).abs() < 1e-9, "{value}");
    assert!(detail.contains("暂无居民满意度评价"), "{detail}");
    assert!(part(second, "experience").is_none(), "{second}");
    // Its office in the compound's street: the same-street part (weight 0.5); the newcomer,
    // which gave no office street, has none.
    let (value, detail) = part(first, "same_street").expect("a same-street part");
    assert!((value - 0.5).abs() < 1e-9, "{value}");
    assert!(detail.contains("街道"), "{detail}");
    assert!(part(second, "same_street").is_none(), "{second}");
    let gap = first["score"].as_f64().unwrap() - second["score"].as_f64().unwrap();
    assert!((gap - 0.85).abs() < 1e-6, "score gap {gap}: {page}");
    app.stop().await;
}

/// Every notification (kind, recipient) with how many accounts read it.
async fn inbox_rows(db: &shared::db::Db) -> Vec<(String, String, i64)> {
    sqlx::query_as(
        "SELECT n.kind, n.recipient, COUNT(r.account_id) FROM notification n \
         LEFT JOIN notification_read r ON r.notification_id = n.id \
         GROUP BY n.id, n.kind, n.recipient ORDER BY n.kind, n.recipient, n.id",
    )
    .fetch_all(&db.pool)
    .await
    .unwrap()
}

/// `wuye admin rebuild-index` on a data folder (SQLite, as `wuye up` keeps it): the command
/// serves the folder's catalog and tender feeds to itself, follows them from 0 into a new
/// matching database and index, and swaps them in; the rebuilt index answers a tender's
/// match exactly as the live service did, and its cursors stand at the feeds' heads.
#[tokio::test]
async fn admin_rebuild_index_follows_a_data_folders_feeds_from_zero() {
    let app = spawn_app(Backend::Sqlite).await;
    let wants = json!({"service_models": ["professional"], "fee_models": ["lump_sum"],
        "grades": [3], "districts_served": ["510104"]});
    let near = firm(
        &app,
        "近邻物业",
        1,
        merged(
            wants.clone(),
            json!({"location": {"lon": 104.084, "lat": 30.653},
            "profile": "老旧小区电梯维保经验丰富。"}),
        ),
        true,
    )
    .await;
    let far = firm(
        &app,
        "远郊物业",
        2,
        merged(wants, json!({"location": {"lon": 104.150, "lat": 30.700}})),
        true,
    )
    .await;
    let c = compound(&app, "m201", JINGUANYI, json!({})).await;
    app.tender_follows_catalog().await;
    let committee = app.token(Role::Committee, Scope::Compound(c.clone()));
    let body = tender_body(
        &c,
        json!({"needs": "需要电梯维保。", "enquiry_deadline": from_now(3_600_000),
            "bid_deadline": from_now(7_200_000), "opening_at": from_now(7_200_000)}),
    );
    let created = post(
        &app,
        format!("{}/tenders", app.tender_url),
        Some(&committee),
        &body,
    )
    .await;
    let tender = created.json()["id"].as_str().unwrap().to_string();
    let published = post(
        &app,
        format!("{}/tenders/{tender}/publish", app.tender_url),
        Some(&committee),
        &json!({}),
    )
    .await;
    assert_eq!(published.status, 200, "{}", published.body);
    let path = format!("/tenders/{tender}/firms");
    let (live, _) = until(&app, &path, Some(&committee), 10, |p| p["total"] == 2).await;
    assert_eq!(ids(&live, "firm_id"), vec![near.clone(), far.clone()]);

    // The firms were told of the tender; one reads its inbox (matching's own records,
    // which the rebuild carries across).
    let near_token = app.token(Role::Firm, Scope::Firm(near.clone()));
    let read = post(
        &app,
        format!("{}/match/inbox/read-all", app.matching_url),
        Some(&near_token),
        &json!({}),
    )
    .await;
    assert_eq!(read.status, 200, "{}", read.body);

    // A data folder holding consistent copies of the three services' databases.
    let data = wuye_e2e::test_dir().unwrap();
    for (url, file) in [
        (&app.catalog_db, "catalog.db"),
        (&app.tender_db, "tender.db"),
        (&app.matching_db, "matching.db"),
    ] {
        let db = shared::db::connect(url).await.unwrap();
        let target = data.join(file);
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "VACUUM INTO '{}'",
            target.display()
        )))
        .execute(&db.pool)
        .await
        .unwrap();
        db.pool.close().await;
    }
    let heads = [
        app.feed(&app.catalog_url, "/catalog", 0, 1, 0).await.json()["head"]
            .as_i64()
            .unwrap(),
        app.feed(&app.tender_url, "/tenders", 0, 1, 0).await.json()["head"]
            .as_i64()
            .unwrap(),
    ];
    app.stop().await;

    let old = shared::db::connect(&shared::db::sqlite_url(&data.join("matching.db")))
        .await
        .unwrap();
    let before = inbox_rows(&old).await;
    old.pool.close().await;
    assert!(
        before
            .iter()
            .any(|(kind, _, read)| kind == "tender_matched" && *read == 1),
        "{before:?}"
    );
    wuye::launcher::rebuild_index(&data, false).await.unwrap();
    assert!(!data.join("matching.rebuild.db").exists() && !data.join("index.rebuild").exists());

    let db = shared::db::connect(&shared::db::sqlite_url(&data.join("matching.db")))
        .await
        .unwrap();
    let cursors = matching::index::db_cursors(&db).await.unwrap();
    assert_eq!(cursors.get("catalog"), Some(&heads[0]), "{cursors:?}");
    assert_eq!(cursors.get("tender"), Some(&heads[1]), "{cursors:?}");
    assert_eq!(
        inbox_rows(&db).await,
        before,
        "the notifications and their read marks carried across"
    );
    db.pool.close().await;
    let index = IndexHandle::open(IndexLocation::Dir(data.join("index"))).unwrap();
    let doc = index.snapshot().tender(&tender).unwrap().expect("indexed");
    let again = index
        .match_firms(&TenderQuery::from(&doc), 50, 0, &Weights::default())
        .unwrap();
    assert_eq!(again.total, 2);
    for (a, b) in again.items.iter().zip(live["items"].as_array().unwrap()) {
        assert_eq!(a.firm_id, b["firm_id"].as_str().unwrap());
        assert!(
            (a.score - b["score"].as_f64().unwrap()).abs() < 1e-9,
            "{a:?} vs {b}"
        );
    }
    assert!(
        index
            .last_commit_payload()
            .unwrap()
            .contains(&format!("tender={}", heads[1]))
    );
}

/// Creates and publishes a tender for compound `c` with these needs; returns its id.
async fn published_tender(app: &TestApp, committee: &str, c: &str, needs: &str) -> String {
    let body = tender_body(
        c,
        json!({"needs": needs, "enquiry_deadline": from_now(3_600_000),
            "bid_deadline": from_now(7_200_000), "opening_at": from_now(7_200_000)}),
    );
    let url = format!("{}/tenders", app.tender_url);
    let created = post(app, url, Some(committee), &body).await;
    assert_eq!(created.status, 201, "{}", created.body);
    let tender = created.json()["id"].as_str().unwrap().to_string();
    let url = format!("{}/tenders/{tender}/publish", app.tender_url);
    let published = post(app, url, Some(committee), &json!({})).await;
    assert_eq!(published.status, 200, "{}", published.body);
    tender
}

/// Issue 18 through the services: a firm 0.4 km away in the compound's street that says the
/// tender's needs in other words (维护保养, 检查, 车辆停放) ranks above a firm 7 km away in
/// another district using the tender's exact words, and the reasons show the firm's words.
async fn synonyms_and_proximity_beat_exact_words_from_afar(backend: Backend) {
    let app = spawn_app(backend).await;
    let wants = json!({"service_models": ["professional"], "fee_models": ["lump_sum"],
        "grades": [3], "districts_served": ["510104"]});
    let near = firm(
        &app,
        "同街物业",
        1,
        merged(
            wants.clone(),
            json!({"office_street": JINGUANYI, "location": {"lon": 104.087, "lat": 30.652},
                "profile": "电梯维护保养、消防安全检查、生活垃圾分类指导、车辆停放管理，24 小时响应。"}),
        ),
        true,
    )
    .await;
    let far = firm(
        &app,
        "远处物业",
        2,
        merged(
            wants,
            json!({"office_street": "510108010", "location": {"lon": 104.083, "lat": 30.715},
                "districts_served": ["510104", "510108"],
                "profile": "电梯维保、消防设施巡检、垃圾分类投放点管理、停车秩序管理。"}),
        ),
        true,
    )
    .await;
    let c = compound(&app, "m201", JINGUANYI, json!({})).await;
    app.tender_follows_catalog().await;
    let committee = app.token(Role::Committee, Scope::Compound(c.clone()));
    let needs = "需要电梯维保、消防设施巡检、垃圾分类投放点管理和停车秩序管理。";
    let tender = published_tender(&app, &committee, &c, needs).await;

    let path = format!("/tenders/{tender}/firms");
    let (page, _) = until(&app, &path, Some(&committee), 10, |p| p["total"] == 2).await;
    assert_eq!(ids(&page, "firm_id"), vec![near, far], "{page}");
    let first = &page["items"][0];
    assert_eq!(
        terms(first),
        vec!["电梯", "维护保养", "消防", "检查", "垃圾分类", "车辆停放"]
    );
    let text = first["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "text")
        .unwrap();
    let detail = text["detail"].as_str().unwrap();
    assert!(detail.contains("维保（同义：维护保养）"), "{detail}");
    // The exact-word firm covers every need: its text part is the whole text weight.
    let second = &page["items"][1];
    let far_text = second["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "text")
        .unwrap();
    assert_eq!(
        far_text["value"].as_f64(),
        Some(Weights::default().text),
        "{far_text}"
    );
    app.stop().await;
}
