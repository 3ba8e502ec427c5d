//! The tender service: owners' votes, tender terms and lifecycle (with the scheduler's
//! opening), questions and answers, every bid refusal, replacing and withdrawing bids,
//! the sealed-bid rule for every role against every read endpoint, and bids racing the
//! deadline.
//!
//! Firms and compounds reach tender the way they do in production: as `firm` and
//! `compound` changes in the catalog's outbox, followed by tender's feed consumer.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use shared::db::{self, now_ms};
use wuye_e2e::fixtures::{JINGUANYI, JINJIANG, WUHOU, compound_body, firm_body, merged};
use wuye_e2e::tender::{World, bid_body, from_now, ms, opened_with_bids, sleep_until, tender_body};
use wuye_e2e::{Answer, Backend, assert_fields, both_backends, field_code, spawn_app};

both_backends!(
    owners_votes_pass_fail_and_refuse_impossible_tallies,
    tender_terms_are_checked_and_drafts_are_private,
    lifecycle_opens_all_bids_at_the_opening_time,
    changing_terms_while_open_extends_the_deadline_and_asks_for_reconfirmation,
    questions_and_answers_keep_the_asker_anonymous,
    every_bid_refusal_names_its_reason,
    sealed_bids_reveal_nothing_before_opening,
    bids_racing_the_deadline_are_decided_inside_the_transaction,
    award_notice_complaints_and_contract,
    rated_and_owners_vote_evaluations,
    catalog_firms_bid_and_the_award_asks_the_catalog,
);

// ---------------------------------------------------------------------------------------

async fn owners_votes_pass_fail_and_refuse_impossible_tallies(backend: Backend) {
    let w = World::new(backend).await;
    let committee = w.compound("c-votes", json!({})).await;
    let vote = |overrides: Value| {
        merged(
            json!({
                "compound_id": "c-votes", "matter": "choose_firm",
                "subject": "选聘物业服务企业", "total_owners": 300, "total_area_m2": 30_000,
                "participating_owners": 200, "participating_area_m2": 20_000,
                "approving_owners": 101, "approving_area_m2": 10_001,
                "held_on": "2025-01-10", "document_ref": "望江〔2025〕1号",
            }),
            overrides,
        )
    };

    // Exactly two thirds take part and just over half of them approve: passes.
    let a = w.post("/votes", Some(&committee), &vote(json!({}))).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let passed = a.json();
    assert_eq!(passed["passed"], true);
    assert_eq!(passed["reasons"], json!([]));
    assert_eq!(passed["matter"], "choose_firm");

    // Too few take part, by head and by area: fails, with both reasons in Chinese.
    let a = w
        .post(
            "/votes",
            Some(&committee),
            &vote(
                json!({"participating_owners": 199, "participating_area_m2": 19_999,
                "approving_owners": 150, "approving_area_m2": 15_000}),
            ),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let failed = a.json();
    assert_eq!(failed["passed"], false);
    let reasons = failed["reasons"].as_array().unwrap();
    assert_eq!(reasons.len(), 2, "{reasons:?}");
    assert!(
        reasons
            .iter()
            .all(|r| r.as_str().unwrap().contains("三分之二"))
    );

    // Exactly half approving is not "more than half".
    let a = w
        .post(
            "/votes",
            Some(&committee),
            &vote(
                json!({"matter": "choose_service_model", "approving_owners": 100,
                "approving_area_m2": 10_000}),
            ),
        )
        .await;
    assert_eq!(a.json()["passed"], false);
    assert!(a.json()["reasons"][0].as_str().unwrap().contains("半数"));

    // The maintenance fund needs three quarters.
    let a = w
        .post(
            "/votes",
            Some(&committee),
            &vote(
                json!({"matter": "maintenance_fund", "approving_owners": 149,
                "approving_area_m2": 15_000}),
            ),
        )
        .await;
    assert_eq!(a.json()["passed"], false, "{}", a.body);
    assert!(
        a.json()["reasons"][0]
            .as_str()
            .unwrap()
            .contains("四分之三")
    );
    let a = w
        .post(
            "/votes",
            Some(&committee),
            &vote(
                json!({"matter": "maintenance_fund", "approving_owners": 150,
                "approving_area_m2": 15_000}),
            ),
        )
        .await;
    assert_eq!(a.json()["passed"], true, "{}", a.body);

    // Impossible tallies are refused, one message per field.
    let a = w
        .post(
            "/votes",
            Some(&committee),
            &vote(json!({"participating_owners": 301, "approving_owners": 200,
                "approving_area_m2": 25_000})),
        )
        .await;
    assert_fields(&a, &["participating_owners", "approving_area_m2"]);
    assert_eq!(field_code(&a, "participating_owners"), "vote_exceeds_total");
    assert_eq!(
        field_code(&a, "approving_area_m2"),
        "vote_exceeds_participating"
    );
    assert!(
        a.field_error("participating_owners")
            .unwrap()
            .contains("不能超过")
    );

    // Every bad field at once.
    let a = w
        .post(
            "/votes",
            Some(&committee),
            &vote(
                json!({"matter": "elect", "held_on": "2999-01-01", "document_ref": " ",
                "total_owners": -1}),
            ),
        )
        .await;
    assert_fields(&a, &["matter", "held_on", "document_ref", "total_owners"]);
    let a = w
        .post(
            "/votes",
            Some(&committee),
            &vote(json!({"held_on": "2025-02-30"})),
        )
        .await;
    assert_eq!(field_code(&a, "held_on"), "invalid_date");

    // A chosen bid only for choosing a firm, and only an opened bid of this compound.
    let a = w
        .post(
            "/votes",
            Some(&committee),
            &vote(json!({"matter": "other", "chosen_bid_id": "b"})),
        )
        .await;
    assert_eq!(field_code(&a, "chosen_bid_id"), "bid_not_for_matter");
    let a = w
        .post(
            "/votes",
            Some(&committee),
            &vote(json!({"chosen_bid_id": "no-such-bid"})),
        )
        .await;
    assert_eq!(field_code(&a, "chosen_bid_id"), "unknown_bid");

    // Roles and scope.
    let other = w.committee("c-elsewhere");
    w.post("/votes", Some(&other), &vote(json!({})))
        .await
        .problem(403, "forbidden");
    let firm = w.firm_token("f-votes");
    w.post("/votes", Some(&firm), &vote(json!({})))
        .await
        .problem(403, "forbidden");
    w.post("/votes", None, &vote(json!({})))
        .await
        .problem(401, "unauthenticated");
    let a = w
        .post(
            "/votes",
            Some(&other),
            &vote(json!({"compound_id": "c-elsewhere"})),
        )
        .await;
    assert_eq!(field_code(&a, "compound_id"), "unknown_compound");

    // Votes are public.
    let list = w.get("/votes?compound=c-votes", None).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let list = list.json();
    assert_eq!(list["total"], 5);
    assert_eq!(list["items"].as_array().unwrap().len(), 5);
    let one = w
        .get(&format!("/votes/{}", passed["id"].as_str().unwrap()), None)
        .await;
    assert_eq!(one.json()["document_ref"], "望江〔2025〕1号");
    assert_eq!(one.json()["passed"], true);
    w.get("/votes/nope", None).await.problem(404, "not_found");
    assert_eq!(
        w.get("/votes?compound=c-elsewhere", None).await.json()["total"],
        0
    );
    assert_fields(&w.get("/votes?limit=0", None).await, &["limit"]);

    // In the feed and the audit trail.
    let feed = w.tender_feed().await;
    assert_eq!(feed.iter().filter(|c| c["topic"] == "vote").count(), 5);
    let audited: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_event WHERE entity = 'vote'")
        .fetch_one(&w.tender.pool)
        .await
        .unwrap();
    assert_eq!(audited, 5);
    w.stop().await;
}

async fn tender_terms_are_checked_and_drafts_are_private(backend: Backend) {
    let w = World::new(backend).await;
    let committee = w.compound("c-terms", json!({})).await;
    let mine = Some(committee.as_str());

    // The API describes itself.
    let doc = w.get("/openapi.json", None).await.json();
    assert!(doc["paths"]["/tenders/{id}/bids"]["post"].is_object());

    // Everything missing: each field named.
    let a = w.post("", mine, &json!({"compound_id": "c-terms"})).await;
    assert_fields(
        &a,
        &[
            "service_model",
            "fee_model",
            "grade",
            "term_months",
            "annual_budget_fen",
            "proposed_fee",
            "needs",
            "enquiry_deadline",
            "bid_deadline",
            "opening_at",
            "evaluation_method",
        ],
    );
    assert_eq!(field_code(&a, "grade"), "required");

    // Every bad value at once.
    let a = w
        .post(
            "",
            mine,
            &tender_body(
                "c-terms",
                json!({"service_model": "Professional!", "fee_model": "monthly", "grade": 6,
                    "term_months": 0, "annual_budget_fen": 0, "proposed_fee": 0, "needs": " ",
                    "title": "", "enquiry_deadline": "tomorrow", "bid_deadline": from_now(300),
                    "opening_at": from_now(-1_000), "evaluation_method": "lottery"}),
            ),
        )
        .await;
    assert_fields(
        &a,
        &[
            "service_model",
            "fee_model",
            "grade",
            "term_months",
            "annual_budget_fen",
            "proposed_fee",
            "needs",
            "title",
            "enquiry_deadline",
            "bid_deadline",
            "opening_at",
            "evaluation_method",
        ],
    );
    assert_eq!(field_code(&a, "bid_deadline"), "bid_window_too_short");
    assert!(
        a.field_error("bid_deadline")
            .unwrap()
            .contains("最短投标期")
    );
    assert_eq!(field_code(&a, "enquiry_deadline"), "invalid_instant");
    assert_eq!(field_code(&a, "opening_at"), "before_bid_deadline");

    let a = w
        .post(
            "",
            mine,
            &tender_body("c-terms", json!({"enquiry_deadline": from_now(5_000)})),
        )
        .await;
    assert_eq!(field_code(&a, "enquiry_deadline"), "after_bid_deadline");
    let a = w
        .post(
            "",
            mine,
            &tender_body("c-terms", json!({"enquiry_deadline": from_now(-5_000)})),
        )
        .await;
    assert_eq!(field_code(&a, "enquiry_deadline"), "in_past");

    // Rated evaluation: weights sum to 100, named, unique.
    let rated = |price_weight: Value, criteria: Value| {
        tender_body(
            "c-terms",
            json!({"evaluation_method": "rated", "price_weight": price_weight, "criteria": criteria}),
        )
    };
    let a = w
        .post(
            "",
            mine,
            &rated(
                json!(40),
                json!([{"name": "服务方案", "weight": 30},
            {"name": "人员配置", "weight": 20}]),
            ),
        )
        .await;
    assert_eq!(field_code(&a, "criteria"), "weights_sum");
    assert!(a.field_error("criteria").unwrap().contains("90"));
    let a = w
        .post(
            "",
            mine,
            &rated(
                json!(40),
                json!([{"name": "服务方案", "weight": 60},
            {"name": "服务方案", "weight": 0}]),
            ),
        )
        .await;
    assert_eq!(field_code(&a, "criteria[1].name"), "duplicate");
    assert_eq!(field_code(&a, "criteria[1].weight"), "range");
    let a = w.post("", mine, &rated(Value::Null, json!([]))).await;
    assert_fields(&a, &["price_weight", "criteria"]);
    let a = w
        .post(
            "",
            mine,
            &tender_body(
                "c-terms",
                json!({"criteria": [{"name": "服务方案", "weight": 100}]}),
            ),
        )
        .await;
    assert_eq!(field_code(&a, "criteria"), "not_rated");

    // Roles and scope.
    let body = rated(
        json!(40),
        json!([{"name": "服务方案", "weight": 40}, {"name": "人员配置", "weight": 20}]),
    );
    w.post("", Some(&w.firm_token("f-x")), &body)
        .await
        .problem(403, "forbidden");
    w.post("", Some(&w.committee("c-other")), &body)
        .await
        .problem(403, "forbidden");
    w.post("", None, &body)
        .await
        .problem(401, "unauthenticated");
    w.post("", Some(&w.association()), &body)
        .await
        .problem(403, "forbidden");
    let a = w
        .post(
            "",
            Some(&w.committee("c-unknown")),
            &merged(body.clone(), json!({"compound_id": "c-unknown"})),
        )
        .await;
    assert_eq!(field_code(&a, "compound_id"), "unknown_compound");

    // A good rated draft.
    let a = w.post("", mine, &body).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let draft = a.json();
    let id = draft["id"].as_str().unwrap().to_string();
    assert_eq!(draft["status"], "draft");
    assert_eq!(draft["title"], "望江小区物业服务招标");
    assert_eq!(draft["district_code"], JINJIANG);
    assert_eq!(draft["evaluation"]["price_weight"], 40);
    assert_eq!(draft["evaluation"]["criteria"].as_array().unwrap().len(), 2);
    assert_eq!(draft["accepting_bids"], false);

    // Drafts are private to their committee (and the association).
    let path = format!("/{id}");
    w.get(&path, None).await.problem(404, "not_found");
    w.get(&path, Some(&w.committee("c-other")))
        .await
        .problem(404, "not_found");
    w.get(&path, Some(&w.firm_token("f-x")))
        .await
        .problem(404, "not_found");
    assert_eq!(w.get(&path, Some(&w.association())).await.status, 200);
    assert_eq!(w.get(&path, mine).await.status, 200);
    assert_eq!(w.get("", None).await.json()["total"], 0);
    assert_eq!(w.get("", mine).await.json()["total"], 1);
    assert_eq!(w.get("", Some(&w.association())).await.json()["total"], 1);
    assert_eq!(
        w.get("", Some(&w.committee("c-other"))).await.json()["total"],
        0
    );

    // One tender in progress per compound.
    w.post("", mine, &body)
        .await
        .problem(409, "tender_in_progress");

    // Editing a draft.
    let a = w
        .call(
            Method::PATCH,
            &path,
            mine,
            Some(&json!({"grade": 4, "needs": "新的需求说明"})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["grade"], 4);
    assert_eq!(a.json()["terms_version"], 1);
    let a = w
        .call(
            Method::PATCH,
            &path,
            mine,
            Some(&json!({"grade": 9, "price_weight": 50})),
        )
        .await;
    assert_fields(&a, &["grade", "criteria"]);
    w.call(
        Method::PATCH,
        &path,
        Some(&w.committee("c-other")),
        Some(&json!({"grade": 2})),
    )
    .await
    .problem(404, "not_found");

    // Publishing.
    let publish = format!("/{id}/publish");
    w.post(&publish, Some(&w.firm_token("f-x")), &json!({}))
        .await
        .problem(403, "forbidden");
    let a = w.post(&publish, mine, &json!({})).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let open = a.json();
    assert_eq!(open["status"], "open");
    assert_eq!(open["status_label"], "招标中");
    assert!(open["published_at"].is_string());
    assert_eq!(open["accepting_bids"], true);
    assert_eq!(open["accepting_questions"], true);
    w.post(&publish, mine, &json!({}))
        .await
        .problem(409, "tender_not_draft");

    // Public once published; list filters.
    assert_eq!(w.get(&path, None).await.json()["status"], "open");
    let found = w
        .get(
            &format!("?status=open&district={JINJIANG}&model=professional"),
            None,
        )
        .await;
    assert_eq!(found.json()["total"], 1, "{}", found.body);
    assert_eq!(found.json()["items"][0]["id"], id.as_str());
    assert_eq!(
        w.get(&format!("?district={WUHOU}"), None).await.json()["total"],
        0
    );
    assert_eq!(w.get("?model=trust", None).await.json()["total"], 0);
    assert_eq!(w.get("?status=evaluation", None).await.json()["total"], 0);
    assert_eq!(w.get("?compound=c-terms", None).await.json()["total"], 1);
    assert_fields(
        &w.get("?status=bogus&district=12&limit=0", None).await,
        &["status", "district", "limit"],
    );

    // Cancelling needs a reason and the compound's committee.
    let cancel = format!("/{id}/cancel");
    assert_fields(
        &w.post(&cancel, mine, &json!({"reason": " "})).await,
        &["reason"],
    );
    w.post(&cancel, None, &json!({"reason": "业主大会决定暂缓"}))
        .await
        .problem(401, "unauthenticated");
    w.post(
        &cancel,
        Some(&w.firm_token("f-x")),
        &json!({"reason": "业主大会决定暂缓"}),
    )
    .await
    .problem(403, "forbidden");
    w.post(
        &cancel,
        Some(&w.committee("c-other")),
        &json!({"reason": "业主大会决定暂缓"}),
    )
    .await
    .problem(403, "forbidden");
    let a = w
        .post(&cancel, mine, &json!({"reason": "业主大会决定暂缓选聘"}))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["status"], "cancelled");
    assert_eq!(a.json()["cancel_reason"], "业主大会决定暂缓选聘");
    assert!(a.json()["closed_at"].is_string());
    w.post(&cancel, mine, &json!({"reason": "再次终止"}))
        .await
        .problem(409, "tender_closed");
    w.call(Method::PATCH, &path, mine, Some(&json!({"grade": 2})))
        .await
        .problem(409, "tender_not_editable");

    // Every transition is in the feed and the audit trail.
    assert_eq!(
        w.tender_kinds(&id).await,
        vec!["drafted", "updated", "published", "cancelled"]
    );
    let audited: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_event WHERE entity = 'tender' AND entity_id = $1 ORDER BY at, id",
    )
    .bind(&id)
    .fetch_all(&w.tender.pool)
    .await
    .unwrap();
    assert_eq!(
        audited,
        vec!["drafted", "updated", "published", "cancelled"]
    );

    // A new tender after a cancelled one; publishing checks the window again.
    let a = w
        .post(
            "",
            mine,
            &tender_body(
                "c-terms",
                json!({"enquiry_deadline": from_now(1_100), "bid_deadline": from_now(1_150),
                    "opening_at": from_now(1_150)}),
            ),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let late = a.json()["id"].as_str().unwrap().to_string();
    tokio::time::sleep(Duration::from_millis(300)).await;
    let a = w.post(&format!("/{late}/publish"), mine, &json!({})).await;
    assert_eq!(field_code(&a, "bid_deadline"), "bid_window_too_short");
    w.stop().await;
}

async fn lifecycle_opens_all_bids_at_the_opening_time(backend: Backend) {
    let w = World::new(backend).await;
    let committee = w.compound("c-life", json!({})).await;
    let seq = w
        .firms(&[("f-a", json!({})), ("f-b", json!({})), ("f-c", json!({}))])
        .await;
    w.applied(seq).await;
    let (fa, fb, fc) = (
        w.firm_token("f-a"),
        w.firm_token("f-b"),
        w.firm_token("f-c"),
    );
    let t = w.open_tender("c-life", json!({})).await;
    let id = t["id"].as_str().unwrap().to_string();
    let (deadline, opening) = (ms(&t["bid_deadline"]), ms(&t["opening_at"]));
    let bids = format!("/{id}/bids");
    let mine = format!("/{id}/bids/mine");

    // Submit, replace, withdraw and bid again before the deadline.
    let a = w.post(&bids, Some(&fa), &bid_body(150, 50_400_000)).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let first = a.json();
    assert_eq!(first["status"], "submitted");
    assert_eq!(first["revision"], 1);
    assert_eq!(first["firm_name"], "f-a物业");
    assert!(ms(&first["submitted_at"]) < deadline);
    w.post(&bids, Some(&fa), &bid_body(149, 50_064_000))
        .await
        .problem(409, "bid_exists");
    let a = w
        .call(
            Method::PUT,
            &mine,
            Some(&fa),
            Some(&bid_body(145, 48_720_000)),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["revision"], 2);
    assert_eq!(a.json()["id"], first["id"]);
    assert_eq!(w.get(&mine, Some(&fa)).await.json()["fee"], 145);

    assert_eq!(
        w.post(&bids, Some(&fb), &bid_body(140, 47_040_000))
            .await
            .status,
        201
    );
    assert_eq!(
        w.call(Method::DELETE, &mine, Some(&fb), None).await.status,
        204
    );
    w.get(&mine, Some(&fb)).await.problem(404, "not_found");
    w.call(Method::DELETE, &mine, Some(&fb), None)
        .await
        .problem(404, "not_found");
    w.call(Method::PUT, &mine, Some(&fb), Some(&bid_body(1, 336_000)))
        .await
        .problem(404, "not_found");
    let a = w.post(&bids, Some(&fb), &bid_body(138, 46_368_000)).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let b_bid = a.json()["id"].as_str().unwrap().to_string();

    assert_eq!(
        w.post(&bids, Some(&fc), &bid_body(120, 40_320_000))
            .await
            .status,
        201
    );
    assert_eq!(
        w.call(Method::DELETE, &mine, Some(&fc), None).await.status,
        204
    );

    // The scheduler opens the bids at the opening time on its own: no API read needed.
    let status = w.scheduler_moved(&id, 15).await;
    assert_eq!(status, "evaluation");
    let view = w.get(&format!("/{id}"), None).await.json();
    assert_eq!(view["status"], "evaluation");
    assert!(
        ms(&view["opened_at"]) >= opening,
        "opened before the opening time"
    );
    let record = &view["opening"];
    assert_eq!(record["valid_bids"], 2);
    let opened: Vec<(&str, i64)> = record["bids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["firm_id"].as_str().unwrap(), b["fee"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        opened,
        vec![("f-b", 138), ("f-a", 145)],
        "withdrawn bids are not opened"
    );
    assert_eq!(record["bids"][0]["bid_id"], b_bid.as_str());
    assert_eq!(record["bids"][0]["annual_price_fen"], 46_368_000);
    let public = w.get(&format!("/{id}/opening"), None).await;
    assert_eq!(public.status, 200);
    assert_eq!(&public.json(), record);

    // After the deadline: no new bid, no replacement, no withdrawal.
    w.post(&bids, Some(&fc), &bid_body(120, 40_320_000))
        .await
        .problem(409, "bid_deadline_passed");
    w.call(
        Method::PUT,
        &mine,
        Some(&fa),
        Some(&bid_body(100, 33_600_000)),
    )
    .await
    .problem(409, "bid_deadline_passed");
    w.call(Method::DELETE, &mine, Some(&fa), None)
        .await
        .problem(409, "bid_deadline_passed");
    assert_eq!(w.get(&mine, Some(&fa)).await.json()["status"], "opened");

    // Full bids for the committee and the association; the opening record for the rest.
    let full = w.get(&bids, Some(&committee)).await;
    assert_eq!(full.status, 200, "{}", full.body);
    assert_eq!(full.json().as_array().unwrap().len(), 2);
    assert!(full.json()[0]["staffing_plan"].is_string());
    assert_eq!(
        w.get(&bids, Some(&w.association()))
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        2
    );
    w.get(&bids, None).await.problem(403, "forbidden");
    w.get(&bids, Some(&fa)).await.problem(403, "forbidden");
    w.get(
        &bids,
        Some(
            &w.app
                .token(Role::DistrictOfficial, Scope::District(JINJIANG.into())),
        ),
    )
    .await
    .problem(403, "forbidden");
    assert_eq!(
        w.tender_kinds(&id).await,
        vec!["drafted", "published", "opened"]
    );

    // A tender nobody bids on is unsuccessful at its opening, and a read at that moment
    // already shows it (reads apply due transitions themselves).
    w.compound("c-empty", json!({})).await;
    let t = w
        .open_tender(
            "c-empty",
            json!({"enquiry_deadline": from_now(1_500), "bid_deadline": from_now(1_500),
                "opening_at": from_now(1_500)}),
        )
        .await;
    let empty = t["id"].as_str().unwrap();
    sleep_until(ms(&t["opening_at"])).await;
    let view = w.get(&format!("/{empty}"), None).await.json();
    assert_eq!(view["status"], "unsuccessful", "{view}");
    assert_eq!(view["status_label"], "流标");
    assert_eq!(view["opening"]["valid_bids"], 0);
    assert!(view["closed_at"].is_string());
    assert_eq!(
        w.tender_kinds(empty).await,
        vec!["drafted", "published", "unsuccessful"]
    );
    w.stop().await;
}

async fn changing_terms_while_open_extends_the_deadline_and_asks_for_reconfirmation(
    backend: Backend,
) {
    let w = World::new(backend).await;
    let committee = w.compound("c-change", json!({})).await;
    let seq = w
        .firms(&[("f-x", json!({})), ("f-y", json!({})), ("f-z", json!({}))])
        .await;
    w.applied(seq).await;
    let (fx, fy, fz) = (
        w.firm_token("f-x"),
        w.firm_token("f-y"),
        w.firm_token("f-z"),
    );
    let t = w
        .open_tender(
            "c-change",
            json!({"enquiry_deadline": from_now(2_500), "bid_deadline": from_now(2_500),
                "opening_at": from_now(2_500)}),
        )
        .await;
    let id = t["id"].as_str().unwrap().to_string();
    let old_deadline = ms(&t["bid_deadline"]);
    let bids = format!("/{id}/bids");
    let mine = format!("/{id}/bids/mine");
    assert_eq!(
        w.post(&bids, Some(&fx), &bid_body(150, 50_400_000))
            .await
            .status,
        201
    );
    assert_eq!(
        w.post(&bids, Some(&fy), &bid_body(155, 52_080_000))
            .await
            .status,
        201
    );

    // Late in the bidding period the committee changes the fee it proposes: the deadline
    // moves to at least the minimum window (1 s in tests) from now.
    sleep_until(old_deadline - 800).await;
    let changed_at = now_ms();
    let a = w
        .call(
            Method::PATCH,
            &format!("/{id}"),
            Some(&committee),
            Some(&json!({"proposed_fee": 160})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let changed = a.json();
    let new_deadline = ms(&changed["bid_deadline"]);
    assert!(
        new_deadline >= changed_at + 1_000,
        "deadline not pushed out"
    );
    assert!(new_deadline > old_deadline);
    assert!(ms(&changed["opening_at"]) >= new_deadline);
    assert_eq!(changed["terms_version"], 2);
    assert_eq!(changed["proposed_fee"], 160);

    // Existing bids must be re-confirmed.
    assert_eq!(
        w.get(&mine, Some(&fx)).await.json()["status"],
        "needs_reconfirmation"
    );
    assert_eq!(
        w.get(&mine, Some(&fy)).await.json()["status"],
        "needs_reconfirmation"
    );
    let a = w
        .post(&format!("{mine}/confirm"), Some(&fx), &json!({}))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["status"], "submitted");
    assert_eq!(a.json()["terms_version"], 2);
    let a = w.post(&bids, Some(&fz), &bid_body(158, 53_088_000)).await;
    assert_eq!(a.json()["terms_version"], 2, "{}", a.body);

    // At the opening the unconfirmed bid is opened but invalid.
    assert_eq!(w.scheduler_moved(&id, 15).await, "evaluation");
    let record = w.get(&format!("/{id}/opening"), None).await.json();
    assert_eq!(record["valid_bids"], 2, "{record}");
    let y = record["bids"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["firm_id"] == "f-y")
        .unwrap();
    assert_eq!(y["valid"], false);
    assert!(y["invalid_reason"].as_str().unwrap().contains("重新确认"));
    assert_eq!(w.get(&mine, Some(&fy)).await.json()["status"], "invalid");
    assert_eq!(
        w.tender_kinds(&id).await,
        vec!["drafted", "published", "terms_changed", "opened"]
    );
    w.stop().await;
}

async fn questions_and_answers_keep_the_asker_anonymous(backend: Backend) {
    let w = World::new(backend).await;
    let committee = w.compound("c-qa", json!({})).await;
    let seq = w
        .firms(&[("f-ask", json!({})), ("f-other", json!({}))])
        .await;
    w.applied(seq).await;
    let (asker, other) = (w.firm_token("f-ask"), w.firm_token("f-other"));
    let t = w.open_tender("c-qa", json!({})).await;
    let id = t["id"].as_str().unwrap().to_string();
    let questions = format!("/{id}/questions");

    let a = w
        .post(
            &questions,
            Some(&asker),
            &json!({"question": "现有监控设备是否移交？"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.json()["mine"], true);
    let qid = a.json()["id"].as_str().unwrap().to_string();
    w.post(
        &questions,
        Some(&committee),
        &json!({"question": "自问自答"}),
    )
    .await
    .problem(403, "forbidden");
    w.post(&questions, None, &json!({"question": "匿名提问"}))
        .await
        .problem(401, "unauthenticated");
    assert_fields(
        &w.post(&questions, Some(&asker), &json!({"question": " "}))
            .await,
        &["question"],
    );

    // Unanswered: only the committee and the asker see it.
    assert_eq!(w.get(&questions, None).await.json(), json!([]));
    assert_eq!(w.get(&questions, Some(&other)).await.json(), json!([]));
    let seen = w.get(&questions, Some(&committee)).await.json();
    assert_eq!(seen.as_array().unwrap().len(), 1);
    assert!(seen[0]["answer"].is_null());
    assert!(seen[0].get("mine").is_none());
    assert_eq!(
        w.get(&questions, Some(&asker)).await.json()[0]["mine"],
        true
    );

    // Answering.
    let answer = format!("{questions}/{qid}/answer");
    let body = json!({"answer": "移交，详见附件设备清单。"});
    w.post(&answer, Some(&asker), &body)
        .await
        .problem(403, "forbidden");
    w.post(&answer, Some(&w.committee("c-other")), &body)
        .await
        .problem(403, "forbidden");
    w.post(&format!("{questions}/nope/answer"), Some(&committee), &body)
        .await
        .problem(404, "not_found");
    assert_eq!(w.post(&answer, Some(&committee), &body).await.status, 200);
    w.post(&answer, Some(&committee), &body)
        .await
        .problem(409, "already_answered");

    // Public once answered; nobody but the asker learns who asked.
    for token in [
        None,
        Some(other.as_str()),
        Some(committee.as_str()),
        Some(w.association().as_str()),
    ] {
        let a = w.get(&questions, token).await;
        let list = a.json();
        assert_eq!(list.as_array().unwrap().len(), 1);
        assert_eq!(list[0]["answer"], "移交，详见附件设备清单。");
        assert!(list[0].get("mine").is_none(), "{}", a.body);
        assert!(!a.body.contains("f-ask"), "asker revealed: {}", a.body);
    }
    assert!(
        w.get(&questions, None).await.json()[0]
            .get("asked_at")
            .is_none()
    );
    assert_eq!(
        w.get(&questions, Some(&asker)).await.json()[0]["mine"],
        true
    );
    // The feed names the asker to services only (`service_only`, for matching's
    // notifications): the association, which reads the feed too, never learns it, and the
    // question's text is on the feed only once answered.
    let feed = w.tender_feed().await;
    let question_changes: Vec<_> = feed
        .iter()
        .filter(|c| c["topic"] == "tender_question")
        .collect();
    let kinds: Vec<_> = question_changes
        .iter()
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["asked", "answered"]);
    assert!(question_changes[0]["payload"].get("question").is_none());
    for c in &question_changes {
        assert_eq!(c["payload"]["service_only"]["asker_firm_id"], "f-ask");
    }
    let as_association = w
        .app
        .get(
            &format!("{}/tenders/feed?after=0&limit=1000", w.app.tender_url),
            Some(&w.association()),
        )
        .await;
    assert_eq!(as_association.status, 200);
    let seen: Vec<_> = as_association.json()["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["topic"] == "tender_question")
        .cloned()
        .collect();
    assert_eq!(seen.len(), 2);
    assert!(!Value::Array(seen).to_string().contains("f-ask"));

    // After the enquiry deadline no more questions.
    sleep_until(ms(&t["enquiry_deadline"])).await;
    w.post(
        &questions,
        Some(&other),
        &json!({"question": "还能提问吗？"}),
    )
    .await
    .problem(409, "enquiry_closed");
    w.stop().await;
}

async fn every_bid_refusal_names_its_reason(backend: Backend) {
    let w = World::new(backend).await;
    let committee = w.compound("c-refuse", json!({})).await;
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "f-applicant",
            json!({"standing_record": {"stage": "applicant"}}),
            "firm_not_recommended",
        ),
        (
            "f-overdue",
            json!({"standing_record": {"stage": "recommended", "review_date": "2020-01-01"}}),
            "firm_not_recommended",
        ),
        (
            "f-suspended",
            json!({"standing_record": {"stage": "suspended", "rectify_by": "2099-01-01"}}),
            "firm_suspended",
        ),
        (
            "f-black",
            json!({"standing_record": {"stage": "recommended", "review_date": "2099-12-31", "blacklist_from": "2020-01-01"}}),
            "firm_blacklisted",
        ),
        (
            "f-black-ended",
            json!({"standing_record": {"stage": "recommended", "review_date": "2099-12-31", "blacklist_from": "2020-01-01", "blacklist_to": "2021-01-01"}}),
            "firm_not_recommended",
        ),
        (
            "f-model",
            json!({"service_models": ["trust"]}),
            "service_model_not_offered",
        ),
        (
            "f-fee",
            json!({"fee_models": ["commission"]}),
            "fee_model_not_offered",
        ),
        ("f-grade", json!({"grades": [1, 2]}), "grade_not_offered"),
        (
            "f-far",
            json!({"districts_served": [WUHOU], "location": {"lon": 103.90, "lat": 30.50},
                "service_radius_km": 3.0}),
            "outside_service_area",
        ),
        (
            "f-full",
            json!({"capacity_households": 1_000, "households_served": 900}),
            "capacity_exceeded",
        ),
    ];
    let mut firms: Vec<(&str, Value)> = cases.iter().map(|(id, o, _)| (*id, o.clone())).collect();
    firms.push(("f-ok", json!({})));
    // Serves another district, but its base is 1 km from the compound, within 5 km.
    firms.push((
        "f-near",
        json!({"districts_served": [WUHOU], "location": {"lon": 104.075, "lat": 30.650}}),
    ));
    let seq = w.firms(&firms).await;
    w.applied(seq).await;
    let t = w
        .open_tender(
            "c-refuse",
            json!({"enquiry_deadline": from_now(8_000), "bid_deadline": from_now(8_000),
                "opening_at": from_now(8_000)}),
        )
        .await;
    let id = t["id"].as_str().unwrap().to_string();
    let bids = format!("/{id}/bids");
    let bid = bid_body(150, 50_400_000);

    for (firm, _, code) in &cases {
        let a = w.post(&bids, Some(&w.firm_token(firm)), &bid).await;
        let p = a.problem(422, code);
        assert!(
            p["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{firm}: {}",
            a.body
        );
    }
    // Several failures are all listed; the code names the first.
    let seq = w
        .firms(&[("f-many", json!({"grades": [1], "fee_models": ["trust"]}))])
        .await;
    w.applied(seq).await;
    let a = w.post(&bids, Some(&w.firm_token("f-many")), &bid).await;
    a.problem(422, "fee_model_not_offered");
    let codes: Vec<String> = a.json()["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes, vec!["fee_model_not_offered", "grade_not_offered"]);
    w.post(&bids, Some(&w.firm_token("f-unknown")), &bid)
        .await
        .problem(422, "firm_unknown");

    // Not firms.
    w.post(&bids, Some(&committee), &bid)
        .await
        .problem(403, "forbidden");
    w.post(&bids, Some(&w.association()), &bid)
        .await
        .problem(403, "forbidden");
    w.post(&bids, None, &bid)
        .await
        .problem(401, "unauthenticated");

    // Bad content, every field at once.
    let a = w
        .post(
            &bids,
            Some(&w.firm_token("f-ok")),
            &json!({"fee": 0, "annual_price_fen": 0, "staffing_plan": "", "service_plan": " ",
                "criteria_answers": [{"name": "服务方案", "answer": "好"}]}),
        )
        .await;
    assert_fields(
        &a,
        &[
            "fee",
            "annual_price_fen",
            "staffing_plan",
            "service_plan",
            "criteria_answers",
        ],
    );

    // The eligible ones may bid, including a firm reaching the compound by its radius.
    let ok = w.firm_token("f-ok");
    assert_eq!(w.post(&bids, Some(&ok), &bid).await.status, 201);
    let near = w.firm_token("f-near");
    assert_eq!(w.post(&bids, Some(&near), &bid).await.status, 201);

    // A firm blacklisted in the catalog is refused within a few seconds.
    let started = Instant::now();
    w.firms(&[(
        "f-ok",
        json!({"standing_record": {"stage": "recommended", "review_date": "2099-12-31",
            "blacklist_from": "2025-01-01", "blacklist_reason": "弄虚作假"}}),
    )])
    .await;
    loop {
        let a = w
            .call(
                Method::PUT,
                &format!("/{id}/bids/mine"),
                Some(&ok),
                Some(&bid),
            )
            .await;
        if a.status == 422 {
            a.problem(422, "firm_blacklisted");
            break;
        }
        assert_eq!(a.status, 200, "{}", a.body);
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "blacklisting not seen after 5 s"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // A cancelled tender takes no bids; a draft is invisible to firms.
    let cancelled = w
        .post(
            &format!("/{id}/cancel"),
            Some(&committee),
            &json!({"reason": "小区改造暂缓"}),
        )
        .await;
    assert_eq!(cancelled.status, 200);
    w.call(
        Method::PUT,
        &format!("/{id}/bids/mine"),
        Some(&near),
        Some(&bid),
    )
    .await
    .problem(409, "tender_cancelled");
    w.post(&bids, Some(&w.firm_token("f-many")), &bid)
        .await
        .problem(409, "tender_cancelled");
    // Bids of a tender cancelled before opening stay sealed for good.
    w.get(&bids, Some(&committee))
        .await
        .problem(409, "bids_sealed");
    let draft = w
        .post("", Some(&committee), &tender_body("c-refuse", json!({})))
        .await;
    assert_eq!(draft.status, 201, "{}", draft.body);
    let draft = draft.json()["id"].as_str().unwrap().to_string();
    w.post(&format!("/{draft}/bids"), Some(&near), &bid)
        .await
        .problem(404, "not_found");

    // A rated tender needs one answer per criterion, and no unknown ones.
    w.compound("c-rated", json!({})).await;
    let rated = w
        .post(
            "",
            Some(&w.committee("c-rated")),
            &tender_body(
                "c-rated",
                json!({"evaluation_method": "rated", "price_weight": 40,
                    "criteria": [{"name": "服务方案", "weight": 40}, {"name": "人员配置", "weight": 20}]}),
            ),
        )
        .await;
    let rated = rated.json()["id"].as_str().unwrap().to_string();
    w.post(
        &format!("/{rated}/publish"),
        Some(&w.committee("c-rated")),
        &json!({}),
    )
    .await;
    let rated_bids = format!("/{rated}/bids");
    let a = w
        .post(
            &rated_bids,
            Some(&near),
            &merged(
                bid.clone(),
                json!({"criteria_answers": [
                {"name": "服务方案", "answer": "详见方案"}, {"name": "绿化", "answer": "有"}]}),
            ),
        )
        .await;
    assert_eq!(
        field_code(&a, "criteria_answers[1].name"),
        "unknown_criterion"
    );
    assert_eq!(field_code(&a, "criteria_answers"), "missing_answer");
    let a = w
        .post(
            &rated_bids,
            Some(&near),
            &merged(bid.clone(), json!({"criteria_answers": [
                {"name": "服务方案", "answer": "详见方案"}, {"name": "人员配置", "answer": "9 人"}]})),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.json()["criteria_answers"].as_array().unwrap().len(), 2);
    w.stop().await;
}

/// Drops what legitimately differs between two tenders created a moment apart.
fn normalise(v: &Value, replace: &[(&str, &str)]) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| {
                    !matches!(
                        k.as_str(),
                        "created_at"
                            | "updated_at"
                            | "published_at"
                            | "as_of"
                            | "request_id"
                            | "seq"
                            | "at"
                    )
                })
                .map(|(k, v)| (k.clone(), normalise(v, replace)))
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(|x| normalise(x, replace)).collect()),
        Value::String(s) => {
            let mut s = s.clone();
            for (from, to) in replace {
                s = s.replace(from, to);
            }
            Value::String(s)
        }
        other => other.clone(),
    }
}

/// The structure of a JSON document: its keys and array lengths, every scalar blanked.
fn shape(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), shape(v))).collect()),
        Value::Array(a) => Value::Array(a.iter().map(shape).collect()),
        _ => Value::Null,
    }
}

async fn sealed_bids_reveal_nothing_before_opening(backend: Backend) {
    let w = World::new(backend).await;
    w.compound("c-seal-a", json!({})).await;
    w.compound("c-seal-b", json!({})).await;
    let seq = w
        .firms(&[
            ("f-s1", json!({})),
            ("f-s2", json!({})),
            ("f-s3", json!({})),
        ])
        .await;
    w.applied(seq).await;
    // Two tenders with the same terms and times; only A receives bids.
    let times = json!({"enquiry_deadline": from_now(6_000), "bid_deadline": from_now(6_000),
        "opening_at": from_now(6_000)});
    let a = w.open_tender("c-seal-a", times.clone()).await;
    let b = w.open_tender("c-seal-b", times).await;
    let (ta, tb) = (
        a["id"].as_str().unwrap().to_string(),
        b["id"].as_str().unwrap().to_string(),
    );
    let (s1, s2) = (w.firm_token("f-s1"), w.firm_token("f-s2"));
    let bid1 = w
        .post(
            &format!("/{ta}/bids"),
            Some(&s1),
            &bid_body(177, 59_472_000),
        )
        .await;
    assert_eq!(bid1.status, 201, "{}", bid1.body);
    let bid2 = w
        .post(
            &format!("/{ta}/bids"),
            Some(&s2),
            &bid_body(166, 55_776_000),
        )
        .await;
    assert_eq!(bid2.status, 201, "{}", bid2.body);
    let secret_of = |a: &Answer, firm: &str| {
        vec![
            a.json()["id"].as_str().unwrap().to_string(),
            firm.to_string(),
            format!("{firm}物业"),
            a.json()["annual_price_fen"].to_string(),
        ]
    };
    let secrets1 = secret_of(&bid1, "f-s1");
    let secrets2 = secret_of(&bid2, "f-s2");
    let all: Vec<String> = secrets1.iter().chain(&secrets2).cloned().collect();

    let district = w
        .app
        .token(Role::DistrictOfficial, Scope::District(JINJIANG.into()));
    let street = w
        .app
        .token(Role::StreetOfficial, Scope::Street(JINGUANYI.into()));
    let roles: Vec<(&str, Option<String>, Vec<String>)> = vec![
        ("anonymous", None, all.clone()),
        ("committee", Some(w.committee("c-seal-a")), all.clone()),
        (
            "other committee",
            Some(w.committee("c-seal-b")),
            all.clone(),
        ),
        ("association", Some(w.association()), all.clone()),
        ("district official", Some(district), all.clone()),
        ("street official", Some(street), all.clone()),
        ("firm not bidding", Some(w.firm_token("f-s3")), all.clone()),
        (
            "bidder 1 about bidder 2",
            Some(s1.clone()),
            secrets2.clone(),
        ),
        (
            "bidder 2 about bidder 1",
            Some(s2.clone()),
            secrets1.clone(),
        ),
        ("service", Some(w.app.service_token()), all.clone()),
    ];
    let swap = [(tb.as_str(), ta.as_str()), ("c-seal-b", "c-seal-a")];
    for (role, token, secrets) in &roles {
        let token = token.as_deref();
        for path in ["", "/bids", "/bids/mine", "/opening", "/questions"] {
            let with_bids = w.get(&format!("/{ta}{path}"), token).await;
            let without = w.get(&format!("/{tb}{path}"), token).await;
            for s in secrets {
                assert!(
                    !with_bids.body.contains(s.as_str()),
                    "{role} GET /tenders/{{id}}{path} reveals {s}: {}",
                    with_bids.body
                );
            }
            let bidder_reads_own = path == "/bids/mine" && role.starts_with("bidder");
            if !bidder_reads_own {
                assert_eq!(
                    with_bids.status, without.status,
                    "{role} {path}: {}",
                    with_bids.body
                );
                assert_eq!(
                    normalise(&with_bids.json(), &[]),
                    normalise(&without.json(), &swap),
                    "{role} sees a difference on {path}"
                );
            }
        }
        // The list: both tenders look alike.
        let list = w.get("?limit=200", token).await;
        assert_eq!(list.status, 200);
        for s in secrets {
            assert!(!list.body.contains(s.as_str()), "{role} list reveals {s}");
        }
        let items = list.json()["items"].as_array().unwrap().clone();
        let item = |id: &str| items.iter().find(|t| t["id"] == id).cloned().unwrap();
        assert_eq!(
            normalise(&item(&ta), &[]),
            normalise(&item(&tb), &swap),
            "{role} list"
        );
        // OCDS: the process with bids is published exactly like the one without.
        let ocid = |id: &str| {
            format!(
                "/ocds/releases/{}-{id}",
                tender::config::DEFAULT_OCID_PREFIX
            )
        };
        let (pa, pb) = (
            w.get(&ocid(&ta), token).await,
            w.get(&ocid(&tb), token).await,
        );
        assert_eq!(
            (pa.status.as_u16(), pb.status.as_u16()),
            (200, 200),
            "{role}: {}",
            pa.body
        );
        let page = w.get("/ocds/releases?limit=200", token).await;
        for body in [&pa.body, &page.body] {
            for s in secrets {
                assert!(!body.contains(s.as_str()), "{role} OCDS reveals {s}");
            }
            assert!(!body.contains("tenderers"), "{role} OCDS: {body}");
        }
        assert_eq!(shape(&pa.json()), shape(&pb.json()), "{role} OCDS shapes");
        // The feed, for those who may read it.
        let feed = w
            .app
            .get(
                &format!("{}/tenders/feed?limit=1000", w.app.tender_url),
                token,
            )
            .await;
        if matches!(*role, "association" | "service") {
            assert_eq!(feed.status, 200);
            for s in secrets {
                assert!(!feed.body.contains(s.as_str()), "{role} feed reveals {s}");
            }
            let topics: BTreeSet<String> = feed.json()["changes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["topic"].as_str().unwrap().to_string())
                .collect();
            assert_eq!(topics, BTreeSet::from(["tender".to_string()]));
            let kinds = |id: &str| -> Vec<Value> {
                feed.json()["changes"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|c| c["entity_id"] == id)
                    .map(|c| normalise(&c["payload"], &swap))
                    .collect()
            };
            assert_eq!(kinds(&ta), kinds(&tb), "feed payloads differ");
        } else {
            assert!(
                feed.status == 401 || feed.status == 403,
                "{role} reads the feed"
            );
        }
    }
    // Each bidder reads its own, and only its own.
    assert_eq!(
        w.get(&format!("/{ta}/bids/mine"), Some(&s1)).await.json()["fee"],
        177
    );
    assert_eq!(
        w.get(&format!("/{ta}/bids/mine"), Some(&s2)).await.json()["fee"],
        166
    );
    // Errors reveal nothing either: a second bid, a vote naming a sealed bid.
    let dup = w
        .post(&format!("/{ta}/bids"), Some(&s1), &bid_body(1, 336_000))
        .await;
    assert!(!dup.body.contains(secrets2[0].as_str()));
    let vote = w
        .post(
            "/votes",
            Some(&w.committee("c-seal-a")),
            &json!({"compound_id": "c-seal-a", "matter": "choose_firm", "total_owners": 3,
                "total_area_m2": 300, "participating_owners": 3, "participating_area_m2": 300,
                "approving_owners": 3, "approving_area_m2": 300, "held_on": "2025-01-01",
                "document_ref": "x", "chosen_bid_id": secrets1[0]}),
        )
        .await;
    assert_eq!(field_code(&vote, "chosen_bid_id"), "unknown_bid");

    // At the opening everything opens at once.
    assert_eq!(w.scheduler_moved(&ta, 15).await, "evaluation");
    let record = w.get(&format!("/{ta}/opening"), None).await;
    for s in &all {
        assert!(record.body.contains(s.as_str()), "opening record lacks {s}");
    }
    assert_eq!(w.scheduler_moved(&tb, 15).await, "unsuccessful");
    w.stop().await;
}

async fn bids_racing_the_deadline_are_decided_inside_the_transaction(backend: Backend) {
    let w = World::new(backend).await;
    w.compound("c-race", json!({})).await;
    let ids: Vec<String> = (0..20).map(|i| format!("f-r{i:02}")).collect();
    let firms: Vec<(&str, Value)> = ids.iter().map(|id| (id.as_str(), json!({}))).collect();
    let seq = w.firms(&firms).await;
    w.applied(seq).await;
    let t = w
        .open_tender(
            "c-race",
            json!({"enquiry_deadline": from_now(2_000), "bid_deadline": from_now(2_000),
                "opening_at": from_now(2_000)}),
        )
        .await;
    let id = t["id"].as_str().unwrap().to_string();
    let deadline = ms(&t["bid_deadline"]);

    // 20 firms fire around the deadline, from 300 ms before to 175 ms after it.
    let tasks: Vec<_> = ids
        .iter()
        .enumerate()
        .map(|(i, firm)| {
            let client = w.app.client.clone();
            let url = w.url(&format!("/{id}/bids"));
            let token = w.firm_token(firm);
            let fire_at = deadline - 300 + 25 * i as i64;
            tokio::spawn(async move {
                sleep_until(fire_at).await;
                let started = now_ms();
                let res = client
                    .post(&url)
                    .bearer_auth(token)
                    .json(&bid_body(150 + i as i64, (150 + i as i64) * 336_000))
                    .send()
                    .await
                    .unwrap();
                let status = res.status().as_u16();
                let body: Value = res.json().await.unwrap();
                (status, body, started, now_ms())
            })
        })
        .collect();
    let mut accepted = BTreeSet::new();
    let mut refused = 0;
    for task in tasks {
        let (status, body, started, finished) = task.await.unwrap();
        match status {
            201 => {
                // Decided (and stamped) before the deadline, by a request sent before it.
                assert!(
                    ms(&body["submitted_at"]) < deadline,
                    "accepted late: {body}"
                );
                assert!(started < deadline);
                accepted.insert(body["id"].as_str().unwrap().to_string());
            }
            409 => {
                assert_eq!(body["code"], "bid_deadline_passed", "{body}");
                // Refused only when the decision came at or after the deadline.
                assert!(
                    finished >= deadline,
                    "refused {} ms early",
                    deadline - finished
                );
                refused += 1;
            }
            other => panic!("unexpected {other}: {body}"),
        }
    }
    assert!(
        !accepted.is_empty() && refused > 0,
        "{} accepted, {refused} refused",
        accepted.len()
    );
    assert_eq!(accepted.len() + refused, 20);

    // None lost: the opening record holds exactly the accepted bids.
    assert_eq!(w.scheduler_moved(&id, 15).await, "evaluation");
    let record = w.get(&format!("/{id}/opening"), None).await.json();
    let opened: BTreeSet<String> = record["bids"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| b["bid_id"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(opened, accepted);
    w.stop().await;
}

async fn award_notice_complaints_and_contract(backend: Backend) {
    let w = World::new(backend).await;
    let (id, bid) = opened_with_bids(
        &w,
        "c-award",
        json!({}),
        &[("f-p1", 150), ("f-p2", 140), ("f-p3", 160)],
        json!([]),
    )
    .await;
    let committee = w.committee("c-award");
    let mine = Some(committee.as_str());
    let award = format!("/{id}/award");

    // The ranking: the committee and the association during evaluation.
    w.get(&format!("/{id}/ranking"), None)
        .await
        .problem(403, "forbidden");
    let ranking = w.get(&format!("/{id}/ranking"), mine).await.json();
    let order: Vec<&str> = ranking
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["firm_id"].as_str().unwrap())
        .collect();
    assert_eq!(order, vec!["f-p2", "f-p1", "f-p3"]);
    assert_eq!(
        w.get(&format!("/{id}/ranking"), Some(&w.association()))
            .await
            .status,
        200
    );

    // Passing over the top-ranked bid needs a reason.
    let a = w.post(&award, mine, &json!({"bid_id": bid["f-p1"]})).await;
    assert_eq!(field_code(&a, "skipped"), "unexplained_skip");
    let a = w
        .post(
            &award,
            mine,
            &json!({"bid_id": bid["f-p1"], "skipped": [{"bid_id": bid["f-p2"], "reason": " "}]}),
        )
        .await;
    assert_eq!(field_code(&a, "skipped[0].reason"), "length");
    let a = w
        .post(&award, mine, &json!({"bid_id": bid["f-p2"], "skipped": [{"bid_id": bid["f-p3"], "reason": "价格高"}]}))
        .await;
    assert_eq!(field_code(&a, "skipped[0].bid_id"), "not_above_winner");
    let a = w.post(&award, mine, &json!({"bid_id": "nope"})).await;
    assert_eq!(field_code(&a, "bid_id"), "unknown_bid");
    w.post(
        &award,
        Some(&w.firm_token("f-p2")),
        &json!({"bid_id": bid["f-p2"]}),
    )
    .await
    .problem(403, "forbidden");
    w.post(
        &award,
        Some(&w.committee("c-other")),
        &json!({"bid_id": bid["f-p2"]}),
    )
    .await
    .problem(403, "forbidden");
    w.post(
        &format!("/{id}/contract"),
        mine,
        &json!({"start_date": "2026-01-01"}),
    )
    .await
    .problem(409, "tender_not_awarded");

    // The award to the top-ranked bid opens the notice period.
    let a = w.post(&award, mine, &json!({"bid_id": bid["f-p2"]})).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let view = a.json();
    assert_eq!(view["status"], "awarded");
    assert_eq!(view["award"]["firm_id"], "f-p2");
    assert_eq!(view["award"]["status"], "in_notice");
    assert!(ms(&view["award"]["notice_ends_at"]) > ms(&view["award"]["awarded_at"]));
    assert_eq!(
        w.get(&format!("/{id}/ranking"), None).await.json()[0]["firm_id"],
        "f-p2"
    );
    w.post(&award, mine, &json!({"bid_id": bid["f-p2"]}))
        .await
        .problem(409, "tender_not_in_evaluation");

    // Complaints: by bidders, during the notice.
    let complaints = format!("/{id}/complaints");
    let grounds = json!({"grounds": "中标企业的人员配置方案明显不足以达到三级标准。"});
    let a = w
        .post(&complaints, Some(&w.firm_token("f-p3")), &grounds)
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let c3 = a.json()["id"].as_str().unwrap().to_string();
    w.post(&complaints, Some(&w.firm_token("f-stranger")), &grounds)
        .await
        .problem(403, "forbidden");
    w.post(&complaints, mine, &grounds)
        .await
        .problem(403, "forbidden");
    assert_fields(
        &w.post(
            &complaints,
            Some(&w.firm_token("f-p3")),
            &json!({"grounds": "短"}),
        )
        .await,
        &["grounds"],
    );
    w.post(
        &format!("/{id}/contract"),
        mine,
        &json!({"start_date": "2026-01-01"}),
    )
    .await
    .problem(409, "notice_period_running");
    let a = w
        .post(
            &format!("{complaints}/{c3}/answer"),
            Some(&w.firm_token("f-p3")),
            &json!({"upheld": true, "answer": "自己答复"}),
        )
        .await;
    a.problem(403, "forbidden");
    let a = w
        .post(
            &format!("{complaints}/{c3}/answer"),
            mine,
            &json!({"upheld": false, "answer": "人员配置符合三级标准要求。"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["upheld"], false);
    w.post(
        &format!("{complaints}/{c3}/answer"),
        mine,
        &json!({"upheld": true, "answer": "改判"}),
    )
    .await
    .problem(409, "already_answered");

    // A complaint upheld revokes the award and reopens evaluation.
    let a = w
        .post(
            &complaints,
            Some(&w.firm_token("f-p1")),
            &json!({"grounds": "中标企业在其他项目被投诉，信用存疑。"}),
        )
        .await;
    let c1 = a.json()["id"].as_str().unwrap().to_string();
    let a = w
        .post(
            &format!("{complaints}/{c1}/answer"),
            Some(&w.association()),
            &json!({"upheld": true, "answer": "经核实，质疑成立。"}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let view = w.get(&format!("/{id}"), None).await.json();
    assert_eq!(view["status"], "evaluation");
    assert!(view.get("award").is_none());
    let awards = w.get(&format!("/{id}/awards"), None).await.json();
    assert_eq!(awards[0]["status"], "revoked");
    assert!(
        awards[0]["revoked_reason"]
            .as_str()
            .unwrap()
            .contains("质疑成立")
    );

    // Awarded again, passing over the first winner with the reason on record.
    let a = w
        .post(
            &award,
            mine,
            &json!({"bid_id": bid["f-p1"],
            "skipped": [{"bid_id": bid["f-p2"], "reason": "质疑成立，取消其中标资格"}]}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(
        a.json()["award"]["skipped"][0]["reason"],
        "质疑成立，取消其中标资格"
    );
    let notice_ends = ms(&a.json()["award"]["notice_ends_at"]);

    // After the notice: no more complaints; the contract is signed.
    sleep_until(notice_ends).await;
    w.post(&complaints, Some(&w.firm_token("f-p3")), &grounds)
        .await
        .problem(409, "not_in_notice");
    assert_fields(
        &w.post(
            &format!("/{id}/contract"),
            mine,
            &json!({"start_date": "2026-13-01", "signed_on": "2999-01-01"}),
        )
        .await,
        &["start_date", "signed_on"],
    );
    let today = shared::domain::roster::china_today();
    let a = w
        .post(
            &format!("/{id}/contract"),
            mine,
            &json!({"start_date": tender::clock::format_date(today)}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let contract = a.json();
    assert_eq!(contract["firm_id"], "f-p1");
    assert_eq!(contract["fee"], 150);
    assert_eq!(contract["service_model"], "professional");
    assert_eq!(contract["term_months"], 36);
    assert_eq!(
        contract["end_date"],
        tender::clock::format_date(tender::award::end_of_term(today, 36))
    );
    assert_eq!(contract["status"], "active");
    let cid = contract["id"].as_str().unwrap().to_string();
    let view = w.get(&format!("/{id}"), None).await.json();
    assert_eq!(view["status"], "contracted");
    assert_eq!(view["contract"]["id"], cid.as_str());
    assert_eq!(view["award"]["status"], "final");
    let list = w
        .get("/contracts?compound=c-award&status=active", None)
        .await
        .json();
    assert_eq!(list["total"], 1);
    assert_eq!(
        w.get(&format!("/contracts/{cid}"), None).await.json()["firm_name"],
        "f-p1物业"
    );
    assert_fields(&w.get("/contracts?status=over", None).await, &["status"]);

    // Early termination ends coverage.
    let terminate = format!("/contracts/{cid}/terminate");
    let last_day = tender::clock::format_date(today);
    let reason = json!({"reason": "物业企业被列入黑名单", "terminated_on": last_day});
    w.post(&terminate, Some(&w.firm_token("f-p1")), &reason)
        .await
        .problem(403, "forbidden");
    w.post(&terminate, Some(&w.committee("c-other")), &reason)
        .await
        .problem(403, "forbidden");
    // It rests on the owners' passing decision to dismiss the firm, of this compound.
    assert_eq!(
        field_code(&w.post(&terminate, mine, &reason).await, "vote_id"),
        "vote_required"
    );
    let failing = w
        .post(
            "/votes",
            mine,
            &json!({"compound_id": "c-award", "matter": "dismiss_firm", "subject": "解聘物业服务企业",
                "total_owners": 300, "total_area_m2": 30_000, "participating_owners": 250,
                "participating_area_m2": 25_000, "approving_owners": 100, "approving_area_m2": 10_000,
                "held_on": last_day, "document_ref": "业主大会〔解聘〕0号"}),
        )
        .await;
    assert_eq!(failing.json()["passed"], false, "{}", failing.body);
    w.compound("c-other", json!({})).await;
    let elsewhere = wuye_e2e::tender::dismissal_vote(&w.app, "c-other").await;
    for vote in [failing.json()["id"].as_str().unwrap(), elsewhere.as_str()] {
        let a = w
            .post(
                &terminate,
                mine,
                &merged(reason.clone(), json!({"vote_id": vote})),
            )
            .await;
        assert_eq!(field_code(&a, "vote_id"), "vote_not_passing");
    }
    let vote = wuye_e2e::tender::dismissal_vote(&w.app, "c-award").await;
    let votes = format!("/contracts/{cid}/dismissal-votes");
    w.get(&votes, Some(&w.firm_token("f-p1")))
        .await
        .problem(403, "forbidden");
    let listed = w.get(&votes, mine).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["id"], vote.as_str());
    assert_eq!(listed[0]["kind"], "typed");
    let reason = merged(reason, json!({"vote_id": vote}));
    let a = w.post(&terminate, mine, &reason).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["status"], "terminated");
    assert_eq!(a.json()["terminated_on"], last_day.as_str());
    assert_eq!(a.json()["termination_vote_id"], vote.as_str());
    assert_eq!(a.json()["termination_vote_kind"], "typed");
    assert_eq!(
        w.get(&format!("/contracts/{cid}"), None).await.json()["termination_vote_id"],
        vote.as_str()
    );
    w.post(&terminate, mine, &reason)
        .await
        .problem(409, "contract_not_active");

    let feed = w.tender_feed().await;
    let kinds = |topic: &str| -> Vec<String> {
        feed.iter()
            .filter(|c| c["topic"] == topic)
            .map(|c| c["kind"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(kinds("contract"), vec!["signed", "terminated"]);
    assert_eq!(
        kinds("complaint"),
        vec!["lodged", "answered", "lodged", "answered"]
    );
    let signed = feed.iter().find(|c| c["topic"] == "contract").unwrap();
    assert_eq!(signed["payload"]["compound_id"], "c-award");
    assert_eq!(
        w.tender_kinds(&id).await,
        vec![
            "drafted",
            "published",
            "opened",
            "awarded",
            "award_revoked",
            "awarded",
            "contracted"
        ]
    );
    w.stop().await;
}

async fn rated_and_owners_vote_evaluations(backend: Backend) {
    let w = World::new(backend).await;
    let rated_terms = json!({"evaluation_method": "rated", "price_weight": 40,
        "criteria": [{"name": "服务方案", "weight": 40}, {"name": "人员配置", "weight": 20}]});
    let answers =
        json!([{"name": "服务方案", "answer": "详见方案"}, {"name": "人员配置", "answer": "9 人"}]);
    let (id, bid) = opened_with_bids(
        &w,
        "c-rate",
        rated_terms,
        &[("f-q1", 150), ("f-q2", 120)],
        answers,
    )
    .await;
    let committee = w.committee("c-rate");
    let mine = Some(committee.as_str());
    let award = format!("/{id}/award");
    let scores = format!("/{id}/scores");

    w.post(&award, mine, &json!({"bid_id": bid["f-q1"]}))
        .await
        .problem(409, "scores_missing");
    let a = w
        .call(
            Method::PUT,
            &scores,
            mine,
            Some(&json!({"scores": [
            {"bid_id": bid["f-q1"], "points": {"服务方案": 41, "人员配置": 18}}]})),
        )
        .await;
    assert_fields(&a, &["scores", "scores[0].points.服务方案"]);
    assert_eq!(field_code(&a, "scores"), "missing_bid");
    let a = w
        .call(
            Method::PUT,
            &scores,
            mine,
            Some(&json!({"scores": [
            {"bid_id": bid["f-q1"], "points": {"服务方案": 38, "人员配置": 18}},
            {"bid_id": bid["f-q2"], "points": {"服务方案": 30, "人员配置": 15}}]})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let ranked = a.json();
    // f-q1: 40 × 120/150 = 32 + 56 = 88; f-q2: 40 + 45 = 85.
    assert_eq!(ranked[0]["firm_id"], "f-q1");
    assert_eq!(ranked[0]["total_score"], 88.0);
    assert_eq!(ranked[1]["total_score"], 85.0);
    w.call(
        Method::PUT,
        &scores,
        Some(&w.firm_token("f-q1")),
        Some(&json!({"scores": []})),
    )
    .await
    .problem(403, "forbidden");

    // The top-ranked firm is blacklisted before the award: refused, and passed over.
    let seq = w
        .firms(&[(
            "f-q1",
            json!({"standing_record": {"stage": "recommended", "review_date": "2099-12-31", "blacklist_from": "2025-01-01"}}),
        )])
        .await;
    w.applied(seq).await;
    w.post(&award, mine, &json!({"bid_id": bid["f-q1"]}))
        .await
        .problem(422, "firm_blacklisted");
    let a = w
        .post(
            &award,
            mine,
            &json!({"bid_id": bid["f-q2"],
            "skipped": [{"bid_id": bid["f-q1"], "reason": "该企业已被列入黑名单"}]}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["award"]["ranking"][0]["total_score"], 88.0);

    // Owners' vote: the award needs a passing vote naming the bid.
    let (id, bid) = opened_with_bids(
        &w,
        "c-owners",
        json!({"evaluation_method": "owners_vote"}),
        &[("f-v1", 150), ("f-v2", 160)],
        json!([]),
    )
    .await;
    let committee = w.committee("c-owners");
    let mine = Some(committee.as_str());
    let award = format!("/{id}/award");
    w.post(&award, mine, &json!({"bid_id": bid["f-v2"]}))
        .await
        .problem(409, "vote_required");
    let vote = |approving: i64, chosen: &str| {
        json!({"compound_id": "c-owners", "matter": "choose_firm", "total_owners": 300,
            "total_area_m2": 30_000, "participating_owners": 250, "participating_area_m2": 25_000,
            "approving_owners": approving, "approving_area_m2": approving * 100,
            "held_on": "2025-06-01", "document_ref": "表决〔2025〕3号", "chosen_bid_id": chosen})
    };
    let a = w.post("/votes", mine, &vote(100, &bid["f-v2"])).await;
    assert_eq!(a.json()["passed"], false, "{}", a.body);
    w.post(&award, mine, &json!({"bid_id": bid["f-v2"]}))
        .await
        .problem(409, "vote_required");
    // A bid of another compound's tender cannot be chosen.
    let a = w
        .post("/votes", mine, &vote(200, &bid_of_other(&w).await))
        .await;
    assert_eq!(field_code(&a, "chosen_bid_id"), "unknown_bid");
    let a = w.post("/votes", mine, &vote(200, &bid["f-v2"])).await;
    assert_eq!(a.json()["passed"], true, "{}", a.body);
    assert_eq!(a.json()["tender_id"], id.as_str());
    assert_eq!(a.json()["verified"], false, "{}", a.body);
    assert_eq!(a.json()["verified_label"], "未经名册核验");
    // A typed tally, even a passing one, is never enough to award.
    let refused = w
        .post(&award, mine, &json!({"bid_id": bid["f-v2"]}))
        .await
        .problem(422, "vote_not_from_ballots");
    assert!(
        refused["detail"].as_str().unwrap().contains("未经名册核验"),
        "{refused}"
    );
    // The owners choose f-v2 by ballots against the register.
    let closed = wuye_e2e::ballots::owners_choose(&w, "c-owners", &id, &bid["f-v2"]).await;
    let vote_id = closed["id"].as_str().unwrap().to_string();
    let ranking = w.get(&format!("/{id}/ranking"), mine).await.json();
    assert_eq!(ranking[0]["firm_id"], "f-v2");
    assert_eq!(ranking[0]["chosen_by_vote"], true);
    w.post(&award, mine, &json!({"bid_id": bid["f-v1"]}))
        .await
        .problem(409, "vote_required");
    let a = w.post(&award, mine, &json!({"bid_id": bid["f-v2"]})).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["award"]["vote_id"], vote_id.as_str());
    w.stop().await;
}

/// A valid opened bid of the `c-rate` tender (another compound than `c-owners`).
async fn bid_of_other(w: &World) -> String {
    sqlx::query_scalar("SELECT b.id FROM bid b JOIN tender t ON t.id = b.tender_id WHERE t.compound_id = 'c-rate' LIMIT 1")
        .fetch_one(&w.tender.pool)
        .await
        .unwrap()
}

/// The whole path through the real catalog: a firm applies and is recommended, a compound
/// is entered in the ledger, both reach tender through the feed; the firm bids; blacklisted
/// in the catalog, it is refused within seconds; and at award time tender asks the catalog
/// directly, so a blacklisting its copy has not seen yet still stops the award.
async fn catalog_firms_bid_and_the_award_asks_the_catalog(backend: Backend) {
    let app = spawn_app(backend).await;
    let association = app.token(Role::Association, Scope::City);
    let catalog = |path: &str| format!("{}/catalog{path}", app.catalog_url);
    let tenders = |path: &str| format!("{}/tenders{path}", app.tender_url);
    let created = |a: Answer| {
        assert!(a.status.is_success(), "{}", a.body);
        a.json()["id"].as_str().unwrap().to_string()
    };
    let recommend =
        json!({"action": "recommend", "reason": "审核通过", "review_date": "2099-12-31"});
    let mut firms = Vec::new();
    for (name, n) in [("锦城物业", 501), ("蓉安物业", 502)] {
        let id = created(
            app.send(
                Method::POST,
                &catalog("/firms"),
                None,
                Some(&firm_body(name, n)),
            )
            .await,
        );
        let a = app
            .send(
                Method::POST,
                &catalog(&format!("/firms/{id}/standing")),
                Some(&association),
                Some(&recommend),
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        firms.push(id);
    }
    let compound = created(
        app.send(
            Method::POST,
            &catalog("/compounds"),
            Some(&association),
            Some(&compound_body("JJ-TENDER-1", JINGUANYI)),
        )
        .await,
    );
    app.tender_follows_catalog().await;

    let committee = app.token(Role::Committee, Scope::Compound(compound.clone()));
    let body = tender_body(
        &compound,
        json!({"fee_model": "commission", "enquiry_deadline": from_now(3_000),
            "bid_deadline": from_now(3_000), "opening_at": from_now(3_000)}),
    );
    let id = created(
        app.send(Method::POST, &tenders(""), Some(&committee), Some(&body))
            .await,
    );
    let a = app
        .send(
            Method::POST,
            &tenders(&format!("/{id}/publish")),
            Some(&committee),
            Some(&json!({})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let mut bids = Vec::new();
    for (firm, fee) in firms.iter().zip([150, 170]) {
        let token = app.token(Role::Firm, Scope::Firm(firm.clone()));
        bids.push(created(
            app.send(
                Method::POST,
                &tenders(&format!("/{id}/bids")),
                Some(&token),
                Some(&bid_body(fee, fee * 42_000 * 12)),
            )
            .await,
        ));
    }

    // Opened at the deadline; the cheaper bid ranks first.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let view = app.get(&tenders(&format!("/{id}")), None).await.json();
        if view["status"] == "evaluation" {
            break;
        }
        assert!(Instant::now() < deadline, "not opened: {view}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The winner is blacklisted in the catalog's tables but the change has not reached
    // tender's copy (as if the feed lagged): the award asks the catalog and is refused.
    let catalog_db = db::connect(&app.catalog_db).await.unwrap();
    sqlx::query("UPDATE firm SET blacklist_from = $1 WHERE id = $2")
        .bind("2020-01-01")
        .bind(&firms[0])
        .execute(&catalog_db.pool)
        .await
        .unwrap();
    let award = tenders(&format!("/{id}/award"));
    let a = app
        .send(
            Method::POST,
            &award,
            Some(&committee),
            Some(&json!({"bid_id": bids[0]})),
        )
        .await;
    a.problem(422, "firm_blacklisted");

    // Passed over with a reason, the next bid wins.
    let a = app
        .send(
            Method::POST,
            &award,
            Some(&committee),
            Some(&json!({"bid_id": bids[1], "skipped": [{"bid_id": bids[0], "reason": "中标候选人已被列入黑名单"}]})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["award"]["firm_id"], firms[1].as_str());
    catalog_db.pool.close().await;
    app.stop().await;
}
