//! Notifications: derived from the feeds by matching (each kind once, also when the feeds
//! are replayed), each in its own organisation's inbox with read state per account, the
//! private Atom feed (valid, rotated, revoked, gone with the account's sessions), and
//! webhooks (signed, retried after a failure, logged; URLs refused for what they are).

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use reqwest::Method;
use serde_json::{Value, json};
use sha2::Sha256;
use shared::auth::{Identity, Role, Scope};
use shared::db::{self, now_ms};
use shared::feed::{Notifier, WriteTx};
use wuye_e2e::fixtures::{JINGUANYI, JINJIANG, WUHOU, compound_body, firm_body, merged};
use wuye_e2e::tender::{from_now, tender_body};
use wuye_e2e::{Answer, Backend, TestApp, both_backends, spawn_app};

both_backends!(
    every_kind_once_in_its_own_inbox,
    award_complaint_inspection_credit_and_blacklist_once,
    atom_feed_is_private_valid_and_revocable,
    webhooks_are_signed_retried_and_logged,
    webhook_urls_and_owners_are_refused,
    inbox_pages_over_http,
    a_firm_opens_a_notification_in_a_browser,
    officials_hear_of_overdue_stages_rectifications_and_the_bottom_three_once,
);

/// A token of one account (`account`) acting as `role` for `scope`.
fn account(app: &TestApp, account: &str, role: Role, scope: Scope) -> String {
    app.keys
        .issue(&Identity {
            account_id: account.into(),
            name: "测试账号".into(),
            role,
            scope,
            token_id: String::new(),
        })
        .expect("issuing a token")
}

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> Answer {
    app.send(
        method,
        &format!("{}/match{path}", app.matching_url),
        token,
        body,
    )
    .await
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> Answer {
    call(app, Method::GET, path, token, None).await
}

async fn post(app: &TestApp, path: &str, token: Option<&str>, body: &Value) -> Answer {
    call(app, Method::POST, path, token, Some(body)).await
}

/// Applies a firm through the catalog and, if asked, recommends it; its id.
async fn firm(app: &TestApp, name: &str, n: u32, overrides: Value, recommend: bool) -> String {
    let a = app
        .send(
            Method::POST,
            &format!("{}/catalog/firms", app.catalog_url),
            None,
            Some(&merged(firm_body(name, n), overrides)),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.json()["id"].as_str().unwrap().to_string();
    if recommend {
        let r = app
            .send(
                Method::POST,
                &format!("{}/catalog/firms/{id}/standing", app.catalog_url),
                Some(&app.token(Role::Association, Scope::City)),
                Some(&json!({"action": "recommend", "reason": "年度评审通过", "review_date": "2099-12-31"})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
    }
    id
}

/// Matching has applied every catalog and tender change made so far.
async fn followed(app: &TestApp) {
    app.wait_followed(&app.matching_db, "catalog", &app.catalog_url, "/catalog")
        .await;
    app.wait_followed(&app.matching_db, "tender", &app.tender_url, "/tenders")
        .await;
}

/// The kinds in a token's inbox, sorted.
async fn kinds(app: &TestApp, token: &str) -> Vec<String> {
    let a = get(app, "/inbox?limit=200", Some(token)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let mut kinds: Vec<String> = a.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["kind"].as_str().unwrap().to_string())
        .collect();
    kinds.sort();
    kinds
}

/// Polls until a token's inbox holds `want` (sorted kinds), at most 30 s.
async fn until_kinds(app: &TestApp, token: &str, want: &[&str]) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let got = kinds(app, token).await;
        if got == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "inbox {got:?}, expected {want:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn unread(app: &TestApp, token: &str) -> i64 {
    let a = get(app, "/inbox/unread-count", Some(token)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()["unread"].as_i64().unwrap()
}

async fn every_kind_once_in_its_own_inbox(backend: Backend) {
    let app = spawn_app(backend).await;
    let wants = json!({"service_models": ["professional"], "fee_models": ["lump_sum"],
        "grades": [3], "districts_served": ["510104"]});
    let a = firm(
        &app,
        "近邻物业",
        1,
        merged(
            wants.clone(),
            json!({"location": {"lon": 104.084, "lat": 30.653}}),
        ),
        true,
    )
    .await;
    let b = firm(
        &app,
        "远郊物业",
        2,
        merged(
            wants.clone(),
            json!({"location": {"lon": 104.150, "lat": 30.700}}),
        ),
        true,
    )
    .await;
    // An applicant: never matched, and another firm for the scopes.
    let other = firm(&app, "申请中物业", 3, wants, false).await;
    let c = {
        let r = app
            .send(
                Method::POST,
                &format!("{}/catalog/compounds", app.catalog_url),
                Some(&app.token(Role::Association, Scope::City)),
                Some(&compound_body("n001", JINGUANYI)),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        r.json()["id"].as_str().unwrap().to_string()
    };
    app.tender_follows_catalog().await;
    followed(&app).await;

    let committee = app.token(Role::Committee, Scope::Compound(c.clone()));
    let tenders = format!("{}/tenders", app.tender_url);
    let created = app
        .send(
            Method::POST,
            &tenders,
            Some(&committee),
            Some(&tender_body(
                &c,
                json!({"enquiry_deadline": from_now(5_000), "bid_deadline": from_now(9_000),
                    "opening_at": from_now(9_000)}),
            )),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let tid = created.json()["id"].as_str().unwrap().to_string();
    let send = |path: String, token: String, body: Value| {
        let app = &app;
        async move {
            app.send(
                Method::POST,
                &format!("{}/tenders{path}", app.tender_url),
                Some(&token),
                Some(&body),
            )
            .await
        }
    };
    let r = send(format!("/{tid}/publish"), committee.clone(), json!({})).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = send(
        format!("/{tid}/invitations"),
        committee.clone(),
        json!({"firm_id": a}),
    )
    .await;
    assert!(r.status.is_success(), "{}", r.body);
    let (firm_a, firm_b) = (
        account(&app, "acc-a1", Role::Firm, Scope::Firm(a.clone())),
        account(&app, "acc-b1", Role::Firm, Scope::Firm(b.clone())),
    );
    let q = send(
        format!("/{tid}/questions"),
        firm_b.clone(),
        json!({"question": "现有监控设备是否移交？"}),
    )
    .await;
    assert_eq!(q.status, 201, "{}", q.body);
    let qid = q.json()["id"].as_str().unwrap().to_string();
    let r = send(
        format!("/{tid}/questions/{qid}/answer"),
        committee.clone(),
        json!({"answer": "移交。"}),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    for (token, fee) in [(&firm_a, 150), (&firm_b, 160)] {
        let r = send(
            format!("/{tid}/bids"),
            token.clone(),
            wuye_e2e::tender::bid_body(fee, fee * 42_000 * 12),
        )
        .await;
        assert_eq!(r.status, 201, "{}", r.body);
    }

    // The invited firm hears of the deadline (within 48 h) from the sweep while the tender
    // is open; the opening reaches the committee and both bidders.
    until_kinds(
        &app,
        &firm_a,
        &[
            "bids_opened",
            "deadline_soon",
            "invited",
            "standing_changed",
            "tender_matched",
        ],
    )
    .await;
    until_kinds(
        &app,
        &firm_b,
        &[
            "bids_opened",
            "question_answered",
            "standing_changed",
            "tender_matched",
        ],
    )
    .await;
    until_kinds(&app, &committee, &["bids_opened", "question_asked"]).await;
    let association = app.token(Role::Association, Scope::City);
    until_kinds(
        &app,
        &association,
        &["firm_applied", "firm_applied", "firm_applied"],
    )
    .await;
    // Every notification links to the page where the thing is.
    let page = get(&app, "/inbox?limit=200", Some(&firm_a)).await.json();
    for n in page["items"].as_array().unwrap() {
        let link = n["link"].as_str().unwrap();
        let expected = if n["kind"] == "standing_changed" {
            "/firm/profile".to_string()
        } else {
            format!("/firm/tenders/{tid}")
        };
        assert_eq!(link, expected, "{n}");
    }

    // Replaying both feeds from the start writes nothing twice.
    let matching = db::connect(&app.matching_db).await.unwrap();
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM notification")
            .fetch_one(&matching.pool)
            .await
            .unwrap()
    };
    let before = count().await;
    tokio::time::sleep(Duration::from_secs(3)).await; // a few sweeps more
    assert_eq!(count().await, before);
    sqlx::query("UPDATE feed_cursor SET seq = 0")
        .execute(&matching.pool)
        .await
        .unwrap();
    followed(&app).await;
    assert_eq!(count().await, before);
    until_kinds(
        &app,
        &firm_a,
        &[
            "bids_opened",
            "deadline_soon",
            "invited",
            "standing_changed",
            "tender_matched",
        ],
    )
    .await;
    matching.pool.close().await;

    // Read state is per account: a second account of firm A still has everything unread.
    let firm_a2 = account(&app, "acc-a2", Role::Firm, Scope::Firm(a.clone()));
    assert_eq!(unread(&app, &firm_a).await, 5);
    let first = page["items"][0]["id"].as_str().unwrap().to_string();
    let r = post(
        &app,
        &format!("/inbox/{first}/read"),
        Some(&firm_a),
        &json!({}),
    )
    .await;
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(unread(&app, &firm_a).await, 4);
    assert_eq!(unread(&app, &firm_a2).await, 5);
    let unread_first = get(&app, "/inbox?order=unread_first", Some(&firm_a))
        .await
        .json();
    assert_eq!(unread_first["items"][0]["read"], false);
    assert_eq!(unread_first["items"][4]["id"], first.as_str());
    assert_eq!(unread_first["items"][4]["read"], true);
    let only_unread = get(&app, "/inbox?unread=true", Some(&firm_a)).await.json();
    assert_eq!(only_unread["total"], 4);
    let all = post(&app, "/inbox/read-all", Some(&firm_a), &json!({})).await;
    assert_eq!(all.json()["marked"], 4);
    assert_eq!(unread(&app, &firm_a).await, 0);
    assert_eq!(unread(&app, &firm_a2).await, 5);

    // Nobody sees or marks another organisation's notifications.
    let stranger = account(&app, "acc-o", Role::Firm, Scope::Firm(other.clone()));
    assert_eq!(kinds(&app, &stranger).await, Vec::<String>::new());
    post(
        &app,
        &format!("/inbox/{first}/read"),
        Some(&stranger),
        &json!({}),
    )
    .await
    .problem(404, "not_found");
    let other_committee = app.token(Role::Committee, Scope::Compound("c-other".into()));
    assert_eq!(kinds(&app, &other_committee).await, Vec::<String>::new());
    post(
        &app,
        &format!("/inbox/{first}/read"),
        Some(&committee),
        &json!({}),
    )
    .await
    .problem(404, "not_found");
    let street = app.token(Role::StreetOfficial, Scope::Street(JINGUANYI.into()));
    assert_eq!(kinds(&app, &street).await, Vec::<String>::new());
    assert_eq!(unread(&app, &firm_a2).await, 5);
    get(&app, "/inbox", Some(&app.service_token()))
        .await
        .problem(403, "forbidden");
    get(&app, "/inbox", None)
        .await
        .problem(401, "unauthenticated");
    get(&app, "/inbox/unread-count", None)
        .await
        .problem(401, "unauthenticated");
    post(&app, "/inbox/read-all", None, &json!({}))
        .await
        .problem(401, "unauthenticated");
    let bad = get(
        &app,
        "/inbox?unread=maybe&order=oldest&limit=0",
        Some(&firm_a),
    )
    .await;
    assert_eq!(bad.status, 422, "{}", bad.body);
    for field in ["unread", "order", "limit"] {
        assert!(bad.field_error(field).is_some(), "{field}: {}", bad.body);
    }
    app.stop().await;
}

/// The China date `offset` days from today, `YYYY-MM-DD`.
fn day(offset: i32) -> String {
    let today = shared::clock::china_today();
    shared::domain::roster::format_date(
        time::Date::from_julian_day(today.to_julian_day() + offset).unwrap(),
    )
}

/// Polls the tender (as `token`) until its status is `status`, at most 30 s.
async fn until_status(app: &TestApp, tid: &str, token: &str, status: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let t = app
            .get(&format!("{}/tenders/{tid}", app.tender_url), Some(token))
            .await;
        if t.json()["status"] == status {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "tender never {status}: {}",
            t.body
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn award_complaint_inspection_credit_and_blacklist_once(backend: Backend) {
    let app = spawn_app(backend).await;
    let assoc = app.token(Role::Association, Scope::City);
    let wants = json!({"service_models": ["professional"], "fee_models": ["lump_sum"],
        "grades": [3], "districts_served": ["510104"]});
    let a = firm(
        &app,
        "近邻物业",
        1,
        merged(
            wants.clone(),
            json!({"location": {"lon": 104.084, "lat": 30.653}}),
        ),
        true,
    )
    .await;
    let b = firm(
        &app,
        "远郊物业",
        2,
        merged(wants, json!({"location": {"lon": 104.150, "lat": 30.700}})),
        true,
    )
    .await;
    let r = app
        .send(
            Method::POST,
            &format!("{}/catalog/compounds", app.catalog_url),
            Some(&assoc),
            Some(&compound_body("n002", JINGUANYI)),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let c = r.json()["id"].as_str().unwrap().to_string();
    app.tender_follows_catalog().await;
    followed(&app).await;

    let committee = app.token(Role::Committee, Scope::Compound(c.clone()));
    let tenders = |p: &str| format!("{}/tenders{p}", app.tender_url);
    let created = app
        .send(
            Method::POST,
            &tenders(""),
            Some(&committee),
            Some(&tender_body(
                &c,
                json!({"enquiry_deadline": from_now(3_000), "bid_deadline": from_now(3_000),
                    "opening_at": from_now(3_000)}),
            )),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let tid = created.json()["id"].as_str().unwrap().to_string();
    let r = app
        .send(
            Method::POST,
            &tenders(&format!("/{tid}/publish")),
            Some(&committee),
            Some(&json!({})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let (firm_a, firm_b) = (
        app.token(Role::Firm, Scope::Firm(a.clone())),
        app.token(Role::Firm, Scope::Firm(b.clone())),
    );
    let mut bids = Vec::new();
    for (token, fee) in [(&firm_a, 150), (&firm_b, 160)] {
        let r = app
            .send(
                Method::POST,
                &tenders(&format!("/{tid}/bids")),
                Some(token),
                Some(&wuye_e2e::tender::bid_body(fee, fee * 42_000 * 12)),
            )
            .await;
        assert_eq!(r.status, 201, "{}", r.body);
        bids.push(r.json()["id"].as_str().unwrap().to_string());
    }
    until_status(&app, &tid, &committee, "evaluation").await;
    let r = app
        .send(
            Method::POST,
            &tenders(&format!("/{tid}/award")),
            Some(&committee),
            Some(&json!({"bid_id": bids[0]})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The losing bidder complains during the notice; the committee turns it down.
    let r = app
        .send(
            Method::POST,
            &tenders(&format!("/{tid}/complaints")),
            Some(&firm_b),
            Some(&json!({"grounds": "中标企业的人员配置方案明显不足以达到三级标准。"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    let cid = r.json()["id"].as_str().unwrap().to_string();
    let r = app
        .send(
            Method::POST,
            &tenders(&format!("/{tid}/complaints/{cid}/answer")),
            Some(&committee),
            Some(&json!({"upheld": false, "answer": "经核查，人员配置符合三级标准。"})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // The bidder escalates (复核) to the street, then to the district; each level that
    // must decide is told, and the bidder hears each decision.
    let street = app.token(Role::StreetOfficial, Scope::Street(JINGUANYI.into()));
    let district = app.token(Role::DistrictOfficial, Scope::District("510104".into()));
    for (official, stage) in [(&street, "street_decided"), (&district, "district_decided")] {
        let r = app
            .send(
                Method::POST,
                &tenders(&format!("/{tid}/complaints/{cid}/escalate")),
                Some(&firm_b),
                Some(&json!({"grounds": "答复没有回应人员配置的问题。"})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        until_kinds(&app, official, &["complaint_escalated"]).await;
        let r = app
            .send(
                Method::POST,
                &tenders(&format!("/{tid}/complaints/{cid}/decide")),
                Some(official),
                Some(&json!({"upheld": false, "decision": "经复核，答复并无不当。"})),
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.body);
        assert_eq!(r.json()["stage"], stage);
    }
    // The notice ends (2 s in the tests): the sweep tells the committee.
    until_kinds(
        &app,
        &committee,
        &["bids_opened", "complaint_lodged", "notice_ended"],
    )
    .await;
    let r = app
        .send(
            Method::POST,
            &tenders(&format!("/{tid}/contract")),
            Some(&committee),
            Some(&json!({"start_date": day(0)})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    // The committee asks to inspect for the owners: the serving firm answers it.
    let r = app
        .send(
            Method::POST,
            &tenders(&format!("/compounds/{c}/inspections")),
            Some(&committee),
            Some(&json!({"what": "accounts", "text": "业主申请查阅本年度收支"})),
        )
        .await;
    assert_eq!(r.status, 201, "{}", r.body);
    followed(&app).await;
    let catalog = |p: &str| format!("{}/catalog/firms/{a}{p}", app.catalog_url);
    let r = app
        .send(
            Method::POST,
            &catalog("/credit-events"),
            Some(&assoc),
            Some(&json!({"kind": "good", "points": 7, "reason": "满意度第一", "source": "区住建局", "date": day(0)})),
        )
        .await;
    assert!(r.status.is_success(), "{}", r.body);
    let r = app
        .send(
            Method::POST,
            &catalog("/standing"),
            Some(&assoc),
            Some(&json!({"action": "blacklist", "reason": "拒不整改", "to": day(90)})),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);

    let a_kinds = [
        "awarded",
        "bids_opened",
        "credit_changed",
        "inspection_asked",
        "standing_changed",
        "standing_changed",
        "tender_matched",
    ];
    until_kinds(&app, &firm_a, &a_kinds).await;
    let b_kinds = [
        "awarded",
        "bids_opened",
        "complaint_outcome",
        "complaint_outcome",
        "complaint_outcome",
        "standing_changed",
        "tender_matched",
    ];
    until_kinds(&app, &firm_b, &b_kinds).await;
    let area = [
        app.token(Role::StreetOfficial, Scope::Street(JINGUANYI.into())),
        app.token(Role::DistrictOfficial, Scope::District("510104".into())),
        app.token(Role::CityOfficial, Scope::City),
    ];
    for (token, escalated) in area.iter().zip([true, true, false]) {
        let want: &[&str] = if escalated {
            &["blacklisted_firm_in_area", "complaint_escalated"]
        } else {
            &["blacklisted_firm_in_area"]
        };
        until_kinds(&app, token, want).await;
    }
    let other_district = app.token(Role::DistrictOfficial, Scope::District("510105".into()));
    assert_eq!(kinds(&app, &other_district).await, Vec::<String>::new());
    let titles = |page: Value| -> Vec<String> {
        page["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| n["kind"] == "awarded" || n["kind"] == "complaint_outcome")
            .map(|n| n["title"].as_str().unwrap().to_string())
            .collect()
    };
    let a_titles = titles(get(&app, "/inbox", Some(&firm_a)).await.json());
    assert!(
        a_titles.iter().all(|t| t.starts_with("中标通知")),
        "{a_titles:?}"
    );
    let b_page = get(&app, "/inbox", Some(&firm_b)).await.json();
    assert!(
        titles(b_page.clone())
            .iter()
            .any(|t| t.starts_with("中标结果公示"))
    );
    let mut outcomes: Vec<&str> = b_page["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["kind"] == "complaint_outcome")
        .map(|n| n["body"].as_str().unwrap())
        .collect();
    outcomes.sort_unstable();
    assert_eq!(
        outcomes,
        [
            "区（市）县复核认定贵企业的质疑不成立。",
            "街道复核认定贵企业的质疑不成立。",
            "贵企业的质疑不成立。",
        ]
    );
    let outcome = b_page["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["kind"] == "complaint_outcome")
        .unwrap()
        .clone();
    assert_eq!(outcome["link"], format!("/firm/tenders/{tid}"));

    // Replayed from the start, the feeds write nothing twice.
    let matching = db::connect(&app.matching_db).await.unwrap();
    let count = || async {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM notification")
            .fetch_one(&matching.pool)
            .await
            .unwrap()
    };
    let before = count().await;
    sqlx::query("UPDATE feed_cursor SET seq = 0")
        .execute(&matching.pool)
        .await
        .unwrap();
    followed(&app).await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(count().await, before);
    until_kinds(&app, &firm_a, &a_kinds).await;
    matching.pool.close().await;
    app.stop().await;
}

/// Writes a catalog `session` change (as the catalog does when an account is disabled or
/// its sessions end).
async fn session_cutoff(app: &TestApp, account_id: &str, disabled: bool) {
    let catalog = db::connect(&app.catalog_db).await.unwrap();
    let mut tx = WriteTx::begin(&catalog, &Notifier::default())
        .await
        .unwrap();
    tx.emit(
        shared::session::TOPIC,
        account_id,
        shared::session::CUTOFF,
        &json!({"account_id": account_id, "valid_after": now_ms(), "disabled": disabled}),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    catalog.pool.close().await;
}

/// The Atom document's entries' titles, after checking it is well-formed Atom 1.0.
fn atom_titles(xml: &str) -> Vec<String> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut depth, mut root, mut titles, mut in_entry_title) = (0, None, Vec::new(), false);
    let mut path: Vec<String> = Vec::new();
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => {
                let name = e.name().as_ref().to_string();
                if depth == 0 {
                    let ns = e
                        .attributes()
                        .filter_map(Result::ok)
                        .find(|a| a.key.as_ref() == "xmlns")
                        .map(|a| a.value.to_string());
                    root = Some((name.clone(), ns));
                }
                in_entry_title = name == "title" && path.last().is_some_and(|p| p == "entry");
                path.push(name);
                depth += 1;
            }
            Event::End(_) => {
                path.pop();
                depth -= 1;
                in_entry_title = false;
            }
            Event::Text(t) if in_entry_title => {
                titles.push(t.xml10_content().into_owned());
            }
            Event::Eof => break,
            _ => {}
        }
    }
    assert_eq!(depth, 0);
    assert_eq!(
        root,
        Some((
            "feed".to_string(),
            Some("http://www.w3.org/2005/Atom".to_string())
        ))
    );
    titles
}

async fn atom_feed_is_private_valid_and_revocable(backend: Backend) {
    let app = spawn_app(backend).await;
    let staff = account(&app, "assoc-1", Role::Association, Scope::City);
    firm(&app, "锦城物业", 1, json!({}), false).await;
    followed(&app).await;
    until_kinds(&app, &staff, &["firm_applied"]).await;

    let made = post(&app, "/inbox/atom-token", Some(&staff), &json!({})).await;
    assert_eq!(made.status, 201, "{}", made.body);
    assert!(made.content_type.contains("json"), "{}", made.content_type);
    let token = made.json()["token"].as_str().unwrap().to_string();
    let path = made.json()["path"].as_str().unwrap().to_string();
    assert_eq!(path, format!("/match/inbox/atom/{token}"));
    let feed = app.get(&format!("{}{path}", app.matching_url), None).await;
    assert_eq!(feed.status, 200, "{}", feed.body);
    assert!(
        feed.content_type.starts_with("application/atom+xml"),
        "{}",
        feed.content_type
    );
    assert_eq!(atom_titles(&feed.body), ["新的入库申请：锦城物业"]);
    assert!(
        !feed.body.contains(&token),
        "the token is not in the document"
    );
    let state = get(&app, "/inbox/atom-token", Some(&staff)).await.json();
    assert_eq!(state["active"], true);
    assert!(state.get("token").is_none());

    // Rotating: the old token opens nothing.
    let rotated = post(&app, "/inbox/atom-token", Some(&staff), &json!({}))
        .await
        .json();
    let new_path = rotated["path"].as_str().unwrap().to_string();
    app.get(&format!("{}{path}", app.matching_url), None)
        .await
        .problem(404, "not_found");
    assert_eq!(
        app.get(&format!("{}{new_path}", app.matching_url), None)
            .await
            .status,
        200
    );
    // Another account of the same organisation has its own token, or none.
    let colleague = account(&app, "assoc-2", Role::Association, Scope::City);
    assert_eq!(
        get(&app, "/inbox/atom-token", Some(&colleague))
            .await
            .json()["active"],
        false
    );
    call(
        &app,
        Method::DELETE,
        "/inbox/atom-token",
        Some(&colleague),
        None,
    )
    .await
    .problem(404, "not_found");
    // Revoking.
    let gone = call(
        &app,
        Method::DELETE,
        "/inbox/atom-token",
        Some(&staff),
        None,
    )
    .await;
    assert_eq!(gone.status, 204, "{}", gone.body);
    app.get(&format!("{}{new_path}", app.matching_url), None)
        .await
        .problem(404, "not_found");
    for junk in ["x", &"a".repeat(64), &"f".repeat(500), "%3Cscript%3E"] {
        app.get(
            &format!("{}/match/inbox/atom/{junk}", app.matching_url),
            None,
        )
        .await
        .problem(404, "not_found");
    }
    post(&app, "/inbox/atom-token", None, &json!({}))
        .await
        .problem(401, "unauthenticated");
    post(
        &app,
        "/inbox/atom-token",
        Some(&app.service_token()),
        &json!({}),
    )
    .await
    .problem(403, "forbidden");

    // A token made before the account's sessions ended (or it was disabled) is gone.
    let again = post(&app, "/inbox/atom-token", Some(&staff), &json!({}))
        .await
        .json();
    let again = format!("{}{}", app.matching_url, again["path"].as_str().unwrap());
    assert_eq!(app.get(&again, None).await.status, 200);
    tokio::time::sleep(Duration::from_millis(5)).await;
    session_cutoff(&app, "assoc-1", true).await;
    followed(&app).await;
    app.get(&again, None).await.problem(410, "feed_token_gone");
    app.stop().await;
}

/// What the test receiver saw: each request's delivery id and whether its signature held.
#[derive(Default)]
struct Seen {
    secret: Option<String>,
    requests: Vec<(String, bool)>,
}

type Receiver = Arc<Mutex<Seen>>;

async fn receive(State(seen): State<Receiver>, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let mut seen = seen.lock().unwrap();
    let secret = seen.secret.clone().unwrap_or_default();
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(header("x-wuye-timestamp").as_bytes());
    mac.update(b".");
    mac.update(&body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let signed = header("x-wuye-signature") == format!("sha256={expected}");
    let body: Value = serde_json::from_slice(&body).unwrap_or_default();
    let id = header("x-wuye-delivery");
    let consistent = body["id"] == id.as_str();
    seen.requests.push((id, signed && consistent));
    // The first delivery fails, later ones succeed.
    if seen.requests.len() == 1 {
        StatusCode::INTERNAL_SERVER_ERROR
    } else {
        StatusCode::NO_CONTENT
    }
}

async fn receiver() -> (String, Receiver) {
    let seen = Receiver::default();
    let router = axum::Router::new()
        .route("/hook", axum::routing::post(receive))
        .with_state(seen.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, seen)
}

async fn webhooks_are_signed_retried_and_logged(backend: Backend) {
    let app = spawn_app(backend).await;
    let (url, seen) = receiver().await;
    let staff = account(&app, "assoc-1", Role::Association, Scope::City);
    let made = post(&app, "/inbox/webhooks", Some(&staff), &json!({"url": url})).await;
    assert_eq!(made.status, 201, "{}", made.body);
    let hook = made.json();
    let secret = hook["secret"].as_str().unwrap().to_string();
    assert!(secret.starts_with("whsec_"));
    seen.lock().unwrap().secret = Some(secret.clone());
    let id = hook["id"].as_str().unwrap().to_string();

    firm(&app, "锦城物业", 1, json!({}), false).await;
    followed(&app).await;
    until_kinds(&app, &staff, &["firm_applied"]).await;
    let notification = get(&app, "/inbox", Some(&staff)).await.json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Failed first (500), retried after a second, delivered: both attempts logged.
    let log_path = format!("/inbox/webhooks/{id}/deliveries");
    let deadline = Instant::now() + Duration::from_secs(30);
    let log = loop {
        let log = get(&app, &log_path, Some(&staff)).await;
        assert_eq!(log.status, 200, "{}", log.body);
        let log = log.json();
        if log["total"] == 2 && log["items"][0]["state"] == "delivered" {
            break log;
        }
        assert!(Instant::now() < deadline, "{log}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let (second, first) = (&log["items"][0], &log["items"][1]);
    assert_eq!(
        (first["attempt"].as_i64(), first["status_code"].as_i64()),
        (Some(1), Some(500))
    );
    assert!(first["error"].as_str().unwrap().contains("500"));
    assert_eq!(
        (second["attempt"].as_i64(), second["status_code"].as_i64()),
        (Some(2), Some(204))
    );
    assert!(second["error"].is_null());
    assert_eq!(second["notification_id"], notification.as_str());
    {
        let seen = seen.lock().unwrap();
        assert_eq!(
            seen.requests,
            vec![(notification.clone(), true), (notification.clone(), true)],
            "both attempts signed, with the notification as the idempotency id"
        );
    }
    let listed = get(&app, "/inbox/webhooks", Some(&staff)).await;
    assert_eq!(listed.status, 200, "{}", listed.body);
    assert_eq!(listed.json()[0]["delivered"], 1);
    assert_eq!(listed.json()[0]["pending"], 0);
    assert!(!listed.body.contains(&secret), "the secret is shown once");

    // Another organisation neither reads the log nor stops the webhook.
    let firm_token = app.token(Role::Firm, Scope::Firm("f-x".into()));
    get(&app, &log_path, Some(&firm_token))
        .await
        .problem(404, "not_found");
    call(
        &app,
        Method::DELETE,
        &format!("/inbox/webhooks/{id}"),
        Some(&firm_token),
        None,
    )
    .await
    .problem(404, "not_found");
    assert_eq!(
        get(&app, "/inbox/webhooks", Some(&firm_token)).await.json(),
        json!([])
    );

    // Stopped: a later notification is not delivered.
    let stopped = call(
        &app,
        Method::DELETE,
        &format!("/inbox/webhooks/{id}"),
        Some(&staff),
        None,
    )
    .await;
    assert_eq!(stopped.status, 204, "{}", stopped.body);
    firm(&app, "蓉城物业", 2, json!({}), false).await;
    followed(&app).await;
    until_kinds(&app, &staff, &["firm_applied", "firm_applied"]).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(seen.lock().unwrap().requests.len(), 2);
    get(&app, &log_path, Some(&staff))
        .await
        .problem(404, "not_found");
    app.stop().await;
}

async fn webhook_urls_and_owners_are_refused(backend: Backend) {
    let app = spawn_app(backend).await;
    let firm_token = app.token(Role::Firm, Scope::Firm("f-x".into()));
    for (url, code) in [
        ("http://hooks.example.com/wuye", "https_required"),
        ("ftp://hooks.example.com/wuye", "scheme"),
        (
            "https://user:secret@hooks.example.com/",
            "credentials_in_url",
        ),
        ("https://10.1.2.3/hook", "internal_address"),
        (
            "https://169.254.169.254/latest/meta-data",
            "internal_address",
        ),
        ("https://[fc00::1]/hook", "internal_address"),
        ("javascript:alert(1)", "scheme"),
        ("", "required"),
    ] {
        let a = post(
            &app,
            "/inbox/webhooks",
            Some(&firm_token),
            &json!({"url": url}),
        )
        .await;
        assert_eq!(a.status, 422, "{url}: {}", a.body);
        assert_eq!(wuye_e2e::field_code(&a, "url"), code, "{url}");
    }
    let long = format!("https://hooks.example.com/{}", "a".repeat(2000));
    assert_eq!(
        wuye_e2e::field_code(
            &post(
                &app,
                "/inbox/webhooks",
                Some(&firm_token),
                &json!({"url": long})
            )
            .await,
            "url"
        ),
        "too_long"
    );
    post(
        &app,
        "/inbox/webhooks",
        Some(&firm_token),
        &json!({"url": 5}),
    )
    .await
    .problem(400, "malformed_json");
    // Who may not keep webhooks at all, whatever the body.
    let city = app.token(Role::CityOfficial, Scope::City);
    post(
        &app,
        "/inbox/webhooks",
        Some(&city),
        &json!({"url": "https://hooks.example.com/"}),
    )
    .await
    .problem(403, "forbidden");
    post(
        &app,
        "/inbox/webhooks",
        Some(&app.service_token()),
        &json!({"url": 5}),
    )
    .await
    .problem(403, "forbidden");
    post(
        &app,
        "/inbox/webhooks",
        None,
        &json!({"url": "https://hooks.example.com/"}),
    )
    .await
    .problem(401, "unauthenticated");
    // At most five live webhooks per organisation.
    for n in 0..5 {
        let a = post(
            &app,
            "/inbox/webhooks",
            Some(&firm_token),
            &json!({"url": format!("https://hooks.example.com/{n}")}),
        )
        .await;
        assert_eq!(a.status, 201, "{}", a.body);
    }
    post(
        &app,
        "/inbox/webhooks",
        Some(&firm_token),
        &json!({"url": "https://hooks.example.com/6"}),
    )
    .await
    .problem(409, "too_many_webhooks");
    app.stop().await;
}

/// The text between `start` and the next `end` after it.
fn between<'a>(body: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = body.find(start)? + start.len();
    let rest = &body[from..];
    Some(&rest[..rest.find(end)?])
}

async fn inbox_pages_over_http(backend: Backend) {
    use wuye_e2e::pages::{CSRF, get as page, post as form};
    let app = spawn_app(backend).await;
    let (status, location, _) = page(&app, "/inbox", None).await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/signin?next=%2Finbox"), "{location}");

    let staff = account(&app, "assoc-1", Role::Association, Scope::City);
    let fid = firm(&app, "锦城物业", 1, json!({}), false).await;
    followed(&app).await;
    until_kinds(&app, &staff, &["firm_applied"]).await;
    let (status, _, body) = page(&app, "/inbox", Some(&staff)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("新的入库申请：锦城物业"), "{body}");
    assert_eq!(
        between(&body, "id=\"unread-count\" aria-label=\"1 条未读\">", "<"),
        Some("1")
    );
    let nid = get(&app, "/inbox", Some(&staff)).await.json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Opening marks it read and goes where the thing is; without the form token, nothing.
    let (status, _, _) = form(&app, &format!("/inbox/{nid}/open"), Some(&staff), &[]).await;
    assert_eq!(status, 403);
    assert_eq!(unread(&app, &staff).await, 1);
    let (status, location, _) = form(
        &app,
        &format!("/inbox/{nid}/open"),
        Some(&staff),
        &[("_csrf", CSRF)],
    )
    .await;
    assert_eq!(
        (status.as_u16(), location.as_str()),
        (303, format!("/association/firms/{fid}").as_str())
    );
    assert_eq!(unread(&app, &staff).await, 0);
    let (_, _, home) = page(&app, "/", Some(&staff)).await;
    assert!(
        home.contains("id=\"nav-inbox\"") && !home.contains("unread-count"),
        "{home}"
    );
    // Another organisation's notification opens nothing.
    let firm_staff = account(&app, "firm-1", Role::Firm, Scope::Firm(fid.clone()));
    let (status, _, _) = form(
        &app,
        &format!("/inbox/{nid}/open"),
        Some(&firm_staff),
        &[("_csrf", CSRF)],
    )
    .await;
    assert_eq!(status, 404);

    // The feed address and a webhook's secret are shown once.
    let (status, _, body) = form(&app, "/inbox/atom-token", Some(&staff), &[("_csrf", CSRF)]).await;
    assert_eq!(status, 200, "{body}");
    let feed_url = between(&body, "<code id=\"feed-url\">", "<")
        .unwrap()
        .to_string();
    assert!(feed_url.contains("/match/inbox/atom/"), "{feed_url}");
    let atom = app.get(&feed_url, None).await;
    assert_eq!(atom.status, 200, "{}", atom.body);
    assert_eq!(atom_titles(&atom.body), ["新的入库申请：锦城物业"]);
    let (_, _, again) = page(&app, "/inbox", Some(&staff)).await;
    assert!(!again.contains(&feed_url) && again.contains("当前已启用订阅地址"));
    let (status, _, body) = form(
        &app,
        "/inbox/webhooks",
        Some(&staff),
        &[("_csrf", CSRF), ("url", "http://hooks.example.com/wuye")],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        body.contains("接收地址必须使用 HTTPS") && body.contains("http://hooks.example.com/wuye")
    );
    let (status, _, body) = form(
        &app,
        "/inbox/webhooks",
        Some(&staff),
        &[("_csrf", CSRF), ("url", "https://hooks.example.com/wuye")],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let secret = between(&body, "<code id=\"webhook-secret\">", "<")
        .unwrap()
        .to_string();
    assert!(secret.starts_with("whsec_"));
    let (_, _, again) = page(&app, "/inbox", Some(&staff)).await;
    assert!(!again.contains(&secret) && again.contains("https://hooks.example.com/wuye"));
    // City officials read their inbox; they register no webhook.
    let city = app.token(Role::CityOfficial, Scope::City);
    let (status, _, body) = page(&app, "/inbox", Some(&city)).await;
    assert_eq!(status, 200);
    assert!(body.contains("Atom 订阅地址") && !body.contains("Webhook 接收地址"));
    app.stop().await;
}

async fn a_firm_opens_a_notification_in_a_browser(backend: Backend) {
    use fantoccini::Locator;
    let Some(browser) = wuye_e2e::browser::Browser::start().await else {
        return;
    };
    let tag = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres(_) => "postgres",
    };
    let app = spawn_app(backend).await;
    let mut body = firm_body("锦城物业服务有限公司", 701);
    body["account"] = json!({"username": "jincheng", "password": "jincheng-password-2026"});
    let a = app
        .send(
            Method::POST,
            &format!("{}/catalog/firms", app.catalog_url),
            None,
            Some(&body),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let fid = a.json()["id"].as_str().unwrap().to_string();
    let r = app
        .send(
            Method::POST,
            &format!("{}/catalog/firms/{fid}/standing", app.catalog_url),
            Some(&app.token(Role::Association, Scope::City)),
            Some(
                &json!({"action": "recommend", "reason": "审核通过", "review_date": "2099-12-31"}),
            ),
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let c = app
        .send(
            Method::POST,
            &format!("{}/catalog/compounds", app.catalog_url),
            Some(&app.token(Role::Association, Scope::City)),
            Some(&compound_body("JJ-INBOX-1", JINGUANYI)),
        )
        .await;
    assert_eq!(c.status, 201, "{}", c.body);
    let compound = c.json()["id"].as_str().unwrap().to_string();
    app.tender_follows_catalog().await;
    followed(&app).await;
    let committee = app.token(Role::Committee, Scope::Compound(compound.clone()));
    let deadline = from_now(3_600_000);
    let t = app
        .send(
            Method::POST,
            &format!("{}/tenders", app.tender_url),
            Some(&committee),
            Some(&tender_body(
                &compound,
                json!({"fee_model": "commission", "enquiry_deadline": deadline,
                    "bid_deadline": deadline, "opening_at": deadline, "title": "JJ-INBOX-1号院物业服务招标"}),
            )),
        )
        .await;
    assert_eq!(t.status, 201, "{}", t.body);
    let tid = t.json()["id"].as_str().unwrap().to_string();
    let p = app
        .send(
            Method::POST,
            &format!("{}/tenders/{tid}/publish", app.tender_url),
            Some(&committee),
            Some(&json!({})),
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    let firm_token = app.token(Role::Firm, Scope::Firm(fid.clone()));
    until_kinds(&app, &firm_token, &["standing_changed", "tender_matched"]).await;

    browser
        .open(&format!("{}/signin?next=/inbox", app.web_url))
        .await
        .unwrap();
    browser.fill("#username", "jincheng").await.unwrap();
    browser
        .fill("#password", "jincheng-password-2026")
        .await
        .unwrap();
    browser
        .click("form[action='/signin'] button[type=submit]")
        .await
        .unwrap();
    let text = browser
        .wait_for("新的匹配招标：JJ-INBOX-1号院物业服务招标")
        .await
        .unwrap();
    assert!(text.contains("名录状态变更"), "{text}");
    let count = |b: &wuye_e2e::browser::Browser| {
        let client = b.client.clone();
        async move {
            client
                .find(Locator::Css("#unread-count"))
                .await
                .unwrap()
                .text()
                .await
                .unwrap()
        }
    };
    assert_eq!(count(&browser).await, "2");
    browser.screenshot(&format!("inbox-{tag}")).await.unwrap();
    browser
        .click("tr[data-kind='tender_matched'] button.open")
        .await
        .unwrap();
    // The inbox itself names the tender, so wait for the navigation, not for the text.
    let deadline = Instant::now() + Duration::from_secs(15);
    let url = loop {
        let url = browser.client.current_url().await.unwrap();
        if url.path().ends_with(&format!("/firm/tenders/{tid}")) || Instant::now() > deadline {
            break url;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(
        url.path().ends_with(&format!("/firm/tenders/{tid}")),
        "{url}"
    );
    browser
        .wait_for("JJ-INBOX-1号院物业服务招标")
        .await
        .unwrap();
    assert_eq!(count(&browser).await, "1");
    browser
        .screenshot(&format!("inbox-opened-{tag}"))
        .await
        .unwrap();
    browser.close().await;
    app.stop().await;
}

/// Runs one statement on matching's tables.
async fn matching_row(pool: &sqlx::AnyPool, sql: &str, binds: &[&str]) {
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
    for b in binds {
        q = q.bind(b.to_string());
    }
    q.execute(pool).await.expect(sql);
}

/// The officials' kinds come from the sweep over matching's tables (as the followers keep
/// them): a planned compound's overdue stage, a suspended firm past its rectification
/// deadline serving a compound, a street in the bottom three of its district's last
/// bulletin. Each reaches its own officials only, once, however often the sweep runs.
async fn officials_hear_of_overdue_stages_rectifications_and_the_bottom_three_once(
    backend: Backend,
) {
    use shared::domain::{DistrictCode, streets_of};
    let app = spawn_app(backend).await;
    let matching = db::connect(&app.matching_db).await.unwrap();
    let pool = &matching.pool;
    let today = shared::clock::china_today();
    let now = now_ms().to_string();
    // A plan of 金冠驿 whose survey (摸底) was due five days ago, for a compound not in
    // the ledger: overdue. Its tender stage is due next month: not overdue.
    let plan = json!({
        "id": format!("{JINGUANYI}-{}", today.year()), "street_code": JINGUANYI,
        "district_code": JINJIANG, "year": today.year(), "target_compounds": 1,
        "target_rate_percent": 100,
        "dues": [{"stage": "survey", "due": day(-5)}, {"stage": "tender", "due": day(30)}],
        "compounds": ["planned-compound"], "records": [], "version": 1,
        "updated_at": "2026-01-01T00:00:00Z", "updated_by": "s1"
    });
    matching_row(
        pool,
        "INSERT INTO catalog_work_plan (id, street_code, district_code, year, payload, seq, updated_at) \
         VALUES ($1, $2, $3, CAST($4 AS BIGINT), $5, 1, CAST($6 AS BIGINT))",
        &[plan["id"].as_str().unwrap(), JINGUANYI, JINJIANG, &today.year().to_string(), &plan.to_string(), &now],
    )
    .await;
    // A suspended firm whose rectification was due three days ago, serving a compound of
    // 金冠驿 under an active contract; another suspended firm with time left.
    for (firm, rectify_by) in [("late-firm", day(-3)), ("timely-firm", day(3))] {
        let record = json!({"stage": "suspended", "rectify_by": rectify_by});
        matching_row(
            pool,
            "INSERT INTO catalog_firm (id, name, districts_served, standing_record, payload, seq, updated_at) \
             VALUES ($1, $2, '[]', $3, '{}', 1, CAST($4 AS BIGINT))",
            &[firm, &format!("{firm}物业"), &record.to_string(), &now],
        )
        .await;
        matching_row(
            pool,
            "INSERT INTO catalog_compound (id, code, name, district_code, street_code, households, management, \
             governance_body, eligible_and_willing, is_old, payload, seq, updated_at) \
             VALUES ($1, $1, '测试小区', $2, $3, 100, 'none', 'committee', TRUE, TRUE, '{}', 1, CAST($4 AS BIGINT))",
            &[&format!("{firm}-compound"), JINJIANG, JINGUANYI, &now],
        )
        .await;
        matching_row(
            pool,
            "INSERT INTO tender_contract (id, tender_id, compound_id, firm_id, firm_name, service_model, fee_model, \
             start_date, end_date, signed_on, status, seq, updated_at) \
             VALUES ($1, 't', $2, $3, '测试物业', 'm', 'f', $4, $4, $4, 'active', 1, CAST($5 AS BIGINT))",
            &[&format!("{firm}-contract"), &format!("{firm}-compound"), firm, &day(-100), &now],
        )
        .await;
    }
    // Five streets of 锦江 surveyed in the last quarter ended: 金冠驿 the least satisfied,
    // the best (`top`) not in the bottom three.
    let period = {
        let q = (u8::from(today.month()) - 1) / 3 + 1;
        if q == 1 {
            format!("{}-Q4", today.year() - 1)
        } else {
            format!("{}-Q{}", today.year(), q - 1)
        }
    };
    let jinjiang = DistrictCode::parse(JINJIANG).unwrap();
    let mut streets: Vec<String> = streets_of(&jinjiang)
        .map(|s| s.code.as_str().to_string())
        .filter(|c| c != JINGUANYI)
        .take(4)
        .collect();
    streets.push(JINGUANYI.into());
    for (i, street) in streets.iter().enumerate() {
        let satisfied = (90 - 10 * i).to_string();
        matching_row(
            pool,
            "INSERT INTO tender_satisfaction (id, compound_id, street_code, district_code, period, satisfied, \
             basically_satisfied, dissatisfied, seq, updated_at) \
             VALUES ($1, $1, $2, $3, $4, CAST($5 AS BIGINT), 0, CAST($6 AS BIGINT), 1, CAST($7 AS BIGINT))",
            &[&format!("survey-{i}"), street, JINJIANG, &period, &satisfied, &(100 - 10 * i).to_string(), &now],
        )
        .await;
    }
    let street = account(
        &app,
        "s1",
        Role::StreetOfficial,
        Scope::Street(JINGUANYI.into()),
    );
    let district = account(
        &app,
        "d1",
        Role::DistrictOfficial,
        Scope::District(JINJIANG.into()),
    );
    let association = account(&app, "a1", Role::Association, Scope::City);
    let top = account(
        &app,
        "s2",
        Role::StreetOfficial,
        Scope::Street(streets[0].clone()),
    );
    let other_district = account(
        &app,
        "d2",
        Role::DistrictOfficial,
        Scope::District(WUHOU.into()),
    );
    let street_kinds = ["bottom_three", "rectification_overdue", "stage_overdue"];
    until_kinds(&app, &street, &street_kinds).await;
    let district_kinds = [
        "bottom_three",
        "bottom_three",
        "bottom_three",
        "rectification_overdue",
        "stage_overdue",
    ];
    until_kinds(&app, &district, &district_kinds).await;
    until_kinds(&app, &association, &["rectification_overdue"]).await;
    tokio::time::sleep(Duration::from_secs(5)).await; // two sweeps more at least
    assert_eq!(kinds(&app, &street).await, street_kinds);
    assert_eq!(kinds(&app, &district).await, district_kinds);
    assert_eq!(kinds(&app, &association).await, ["rectification_overdue"]);
    assert!(kinds(&app, &top).await.is_empty());
    assert!(kinds(&app, &other_district).await.is_empty());
    let items = get(&app, "/inbox?limit=200", Some(&association))
        .await
        .json();
    let body = items["items"][0]["body"].as_str().unwrap().to_string();
    assert!(
        body.contains("late-firm") && body.contains(&day(-3)),
        "{body}"
    );
    let items = get(&app, "/inbox?limit=200", Some(&street)).await.json();
    let titles: Vec<&str> = items["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap())
        .collect();
    assert!(titles.iter().any(|t| t.contains(&period)), "{titles:?}");
}
