//! Review and audit: a recommended firm's material profile changes reach the association's
//! review queue (and ordinary edits do not); the association rejects a squatted
//! application so the real firm can apply; published budgets and accounts are corrected
//! by new versions that leave the old ones public; and the audit trails of firms and
//! tenders are read by those entitled to them, and refused to everyone else.

use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use wuye_e2e::fixtures::{compound_body, credit_code, firm_body};
use wuye_e2e::{Answer, Backend, TestApp, both_backends, pages, spawn_app};

use super::ocds::{all_releases, package_validator};
use wuye_e2e::fixtures::{JINGUANYI, JINJIANG, WUHOU, merged};
use wuye_e2e::tender::{World, from_now};
use wuye_e2e::tender::{contracted, money_body};
use wuye_e2e::{assert_fields, field_code};

both_backends!(
    material_profile_changes_reach_the_review_queue,
    rejecting_an_application_frees_its_credit_code,
    a_firms_audit_trail_is_read_by_the_association_officials_and_itself,
    a_tenders_audit_trail_is_read_in_scope_and_keeps_bids_sealed,
    corrections_supersede_and_every_version_stays_public,
);

/// Another street of Jinjiang district than the compounds' (锦官驿 is 510104017).
const OTHER_JINJIANG_STREET: &str = "510104018";

async fn call(
    app: &TestApp,
    method: Method,
    path: &str,
    token: Option<&str>,
    body: &Value,
) -> Answer {
    app.send(
        method,
        &format!("{}{path}", app.catalog_url),
        token,
        Some(body),
    )
    .await
}

fn association(app: &TestApp) -> String {
    app.token(Role::Association, Scope::City)
}

fn firm_token(app: &TestApp, id: &str) -> String {
    app.token(Role::Firm, Scope::Firm(id.into()))
}

/// Applies with `body`; the new firm's id.
async fn applied(app: &TestApp, body: &Value) -> String {
    let a = call(app, Method::POST, "/catalog/firms", None, body).await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.json()["id"].as_str().unwrap().to_string()
}

async fn recommend(app: &TestApp, id: &str) {
    let a = call(
        app,
        Method::POST,
        &format!("/catalog/firms/{id}/standing"),
        Some(&association(app)),
        &json!({"action": "recommend", "reason": "资料审核通过", "review_date": "2099-12-31"}),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
}

async fn audit(app: &TestApp, id: &str, token: &str) -> Value {
    let a = app
        .catalog_get(&format!("/catalog/firms/{id}/audit?limit=200"), Some(token))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()
}

fn actions(audit: &Value) -> Vec<String> {
    audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap().to_string())
        .collect()
}

async fn pending_ids(app: &TestApp) -> Vec<String> {
    let a = app
        .catalog_get("/catalog/firms?review=pending", Some(&association(app)))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap().to_string())
        .collect()
}

async fn material_profile_changes_reach_the_review_queue(backend: Backend) {
    let app = spawn_app(backend).await;
    let assoc = association(&app);
    let body = firm_body("锦城物业", 101);
    let id = applied(&app, &body).await;
    let own = firm_token(&app, &id);
    let put = format!("/catalog/firms/{id}");

    // An applicant's edits, even material ones, are not a change to a recommended firm.
    let a = call(
        &app,
        Method::PUT,
        &put,
        Some(&own),
        &merged(body.clone(), json!({"grades": [1, 2, 3]})),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.json().get("review_pending_since").is_none(), "{}", a.body);
    recommend(&app, &id).await;

    // Non-material edits of a recommended firm (phone, profile text) do not queue.
    let plain = merged(
        body.clone(),
        json!({"grades": [1, 2, 3], "contact_phone": "13900001111", "profile": "新的企业简介：专注老旧小区。"}),
    );
    let a = call(&app, Method::PUT, &put, Some(&own), &plain).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.json().get("review_pending_since").is_none(), "{}", a.body);
    assert!(pending_ids(&app).await.is_empty());
    assert!(!actions(&audit(&app, &id, &assoc).await).contains(&"profile_changed".to_string()));

    // Grades and radius are material: recorded old → new, and the firm waits for review.
    let material = merged(
        plain.clone(),
        json!({"grades": [1, 2, 3, 4], "service_radius_km": 30.0}),
    );
    let a = call(&app, Method::PUT, &put, Some(&own), &material).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(
        a.json()["review_pending_since"].as_i64().is_some(),
        "{}",
        a.body
    );
    assert_eq!(pending_ids(&app).await, vec![id.clone()]);
    let trail = audit(&app, &id, &assoc).await;
    let change = &trail["items"][0];
    assert_eq!(change["action"], "profile_changed", "{trail}");
    let fields: Vec<&str> = change["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, vec!["grades", "service_radius_km"], "{trail}");
    assert_eq!(change["changes"][0]["old"], "1级、2级、3级");
    assert_eq!(change["changes"][0]["new"], "1级、2级、3级、4级");
    assert_eq!(change["changes"][1]["old"], "15");
    assert_eq!(change["changes"][1]["new"], "30");
    assert_eq!(change["author_name"], "测试账号");
    assert!(change["at"].as_i64().unwrap() > 0);
    let a = app
        .catalog_get("/catalog/firms?review=bogus", Some(&assoc))
        .await;
    assert_fields(&a, &["review"]);

    // Only the association confirms the review.
    let review = format!("/catalog/firms/{id}/profile-review");
    call(&app, Method::POST, &review, None, &json!({}))
        .await
        .problem(401, "unauthenticated");
    for token in [
        own.clone(),
        firm_token(&app, "someone-else"),
        app.token(Role::DistrictOfficial, Scope::District(JINJIANG.into())),
    ] {
        call(&app, Method::POST, &review, Some(&token), &json!({}))
            .await
            .problem(403, "forbidden");
    }
    let a = call(
        &app,
        Method::POST,
        &review,
        Some(&assoc),
        &json!({"reason": "等级变更属实"}),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(a.json().get("review_pending_since").is_none(), "{}", a.body);
    assert!(pending_ids(&app).await.is_empty());
    call(&app, Method::POST, &review, Some(&assoc), &json!({}))
        .await
        .problem(409, "no_pending_review");
    let trail = audit(&app, &id, &assoc).await;
    assert_eq!(trail["items"][0]["action"], "profile_reviewed");
    assert_eq!(trail["items"][0]["reason"], "等级变更属实");

    // Acting on the standing also ends the review.
    let bigger = merged(material.clone(), json!({"capacity_households": 9000}));
    let a = call(&app, Method::PUT, &put, Some(&own), &bigger).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(pending_ids(&app).await, vec![id.clone()]);
    let a = call(
        &app,
        Method::POST,
        &format!("/catalog/firms/{id}/standing"),
        Some(&assoc),
        &json!({"action": "suspend", "reason": "服务能力虚报", "rectify_by": "2099-01-01"}),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(pending_ids(&app).await.is_empty());

    // The association's own material edit is recorded but does not queue.
    let a = call(
        &app,
        Method::PUT,
        &put,
        Some(&assoc),
        &merged(bigger, json!({"districts_served": ["510104"]})),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert!(pending_ids(&app).await.is_empty());
    let trail = audit(&app, &id, &assoc).await;
    assert_eq!(trail["items"][0]["action"], "profile_changed");
    assert_eq!(trail["items"][0]["changes"][0]["field"], "districts_served");

    // The association's queue page shows a pending change.
    let a = call(
        &app,
        Method::PUT,
        &put,
        Some(&own),
        &merged(material, json!({"fee_models": ["trust"]})),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let (status, _, html) = pages::get(&app, "/association", Some(&assoc)).await;
    assert_eq!(status, 200);
    assert!(html.contains("资料变更待复核（1）"), "{html}");
    assert!(html.contains(&format!("/association/firms/{id}#form-review")));
    let (status, _, html) =
        pages::get(&app, &format!("/association/firms/{id}"), Some(&assoc)).await;
    assert_eq!(status, 200);
    assert!(html.contains("资料变更待复核"), "{html}");
    assert!(html.contains("收费方式：酬金制、信托制 → 信托制"), "{html}");
    let (status, location, _) = pages::post(
        &app,
        &format!("/association/firms/{id}/review"),
        Some(&assoc),
        &[("_csrf", pages::CSRF), ("reason", "")],
    )
    .await;
    assert_eq!(status, 303, "{location}");
    assert!(pending_ids(&app).await.is_empty());
    app.stop().await;
}

async fn rejecting_an_application_frees_its_credit_code(backend: Backend) {
    let app = spawn_app(backend).await;
    let assoc = association(&app);
    let code = credit_code(202);
    let squatter = merged(
        firm_body("冒名物业", 202),
        json!({"account": {"username": "squatter", "password": "squatter-password-1"}}),
    );
    let id = applied(&app, &squatter).await;
    let real = merged(firm_body("真实物业", 202), json!({}));
    assert_eq!(real["credit_code"], code);
    call(&app, Method::POST, "/catalog/firms", None, &real)
        .await
        .problem(409, "duplicate_credit_code");
    let login = json!({"username": "squatter", "password": "squatter-password-1"});
    assert_eq!(
        call(&app, Method::POST, "/catalog/session", None, &login)
            .await
            .status,
        200
    );

    // Only the association rejects, and always with a reason.
    let reject = format!("/catalog/firms/{id}/rejection");
    call(
        &app,
        Method::POST,
        &reject,
        None,
        &json!({"reason": "冒用"}),
    )
    .await
    .problem(401, "unauthenticated");
    for token in [
        firm_token(&app, &id),
        app.token(Role::StreetOfficial, Scope::Street(JINGUANYI.into())),
    ] {
        call(
            &app,
            Method::POST,
            &reject,
            Some(&token),
            &json!({"reason": "冒用"}),
        )
        .await
        .problem(403, "forbidden");
    }
    let a = call(
        &app,
        Method::POST,
        &reject,
        Some(&assoc),
        &json!({"reason": "  "}),
    )
    .await;
    assert_fields(&a, &["reason"]);
    call(
        &app,
        Method::POST,
        "/catalog/firms/nope/rejection",
        Some(&assoc),
        &json!({"reason": "冒用"}),
    )
    .await
    .problem(404, "not_found");

    let a = call(
        &app,
        Method::POST,
        &reject,
        Some(&assoc),
        &json!({"reason": "冒用他人统一社会信用代码"}),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let firm = a.json();
    assert_eq!(firm["rejection"]["reason"], "冒用他人统一社会信用代码");
    assert_eq!(
        firm["credit_code"], code,
        "the record keeps the code it applied with"
    );
    call(
        &app,
        Method::POST,
        &reject,
        Some(&assoc),
        &json!({"reason": "再次"}),
    )
    .await
    .problem(409, "already_rejected");

    // The squatter's account is disabled; the real firm can now apply with its code.
    assert_eq!(
        call(&app, Method::POST, "/catalog/session", None, &login)
            .await
            .status,
        401
    );
    let real_id = applied(&app, &real).await;
    assert_ne!(real_id, id);

    // The rejected record stays (with its history) but no longer changes.
    let a = app.catalog_get(&format!("/catalog/firms/{id}"), None).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.json()["rejection"]["reason"], "冒用他人统一社会信用代码");
    call(
        &app,
        Method::PUT,
        &format!("/catalog/firms/{id}"),
        Some(&assoc),
        &squatter,
    )
    .await
    .problem(409, "application_rejected");
    call(
        &app,
        Method::POST,
        &format!("/catalog/firms/{id}/standing"),
        Some(&assoc),
        &json!({"action": "recommend", "reason": "误操作", "review_date": "2099-12-31"}),
    )
    .await
    .problem(409, "application_rejected");
    assert_eq!(
        actions(&audit(&app, &id, &assoc).await),
        vec!["rejected", "apply"]
    );

    // The roster and the queue leave it out; `rejected=true` lists it.
    let listed = |a: Answer| -> Vec<String> {
        a.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["id"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        listed(
            app.catalog_get("/catalog/firms?standing=applicant", None)
                .await
        ),
        vec![real_id.clone()]
    );
    assert_eq!(
        listed(app.catalog_get("/catalog/firms?rejected=true", None).await),
        vec![id.clone()]
    );
    assert_fields(
        &app.catalog_get("/catalog/firms?rejected=maybe", None).await,
        &["rejected"],
    );

    // A firm on the roster is not an application to reject.
    recommend(&app, &real_id).await;
    call(
        &app,
        Method::POST,
        &format!("/catalog/firms/{real_id}/rejection"),
        Some(&assoc),
        &json!({"reason": "冒用"}),
    )
    .await
    .problem(409, "not_pending");

    // The association's page shows the rejection and offers no more actions.
    let (status, _, html) =
        pages::get(&app, &format!("/association/firms/{id}"), Some(&assoc)).await;
    assert_eq!(status, 200);
    assert!(html.contains("入库申请已于"), "{html}");
    assert!(!html.contains("form-recommend"), "{html}");
    app.stop().await;
}

async fn a_firms_audit_trail_is_read_by_the_association_officials_and_itself(backend: Backend) {
    let app = spawn_app(backend).await;
    let id = applied(&app, &firm_body("审计物业", 303)).await;
    recommend(&app, &id).await;
    let a = call(
        &app,
        Method::POST,
        &format!("/catalog/firms/{id}/credit-events"),
        Some(&association(&app)),
        &json!({"kind": "bad", "points": 5, "reason": "垃圾清运不及时", "source": "街道检查",
            "date": shared::domain::roster::format_date(shared::domain::roster::china_today())}),
    )
    .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let path = format!("/catalog/firms/{id}/audit");

    app.catalog_get(&path, None)
        .await
        .problem(401, "unauthenticated");
    for token in [
        firm_token(&app, "another-firm"),
        app.token(Role::Committee, Scope::Compound("c1".into())),
    ] {
        app.catalog_get(&path, Some(&token))
            .await
            .problem(403, "forbidden");
    }
    app.catalog_get("/catalog/firms/nope/audit", Some(&association(&app)))
        .await
        .problem(404, "not_found");

    for token in [
        association(&app),
        app.token(Role::DistrictOfficial, Scope::District(WUHOU.into())),
        app.token(Role::StreetOfficial, Scope::Street(JINGUANYI.into())),
    ] {
        let trail = audit(&app, &id, &token).await;
        assert_eq!(actions(&trail), vec!["bad", "recommend", "apply"]);
        assert_eq!(trail["items"][0]["summary"], "扣5 分（街道检查）");
        assert_eq!(trail["items"][1]["summary"], "申请中 → 推荐");
        assert_eq!(trail["items"][1]["author_name"], "测试账号");
    }
    // The firm reads its own trail, without who recorded it.
    let own = audit(&app, &id, &firm_token(&app, &id)).await;
    assert_eq!(own["total"], 3);
    assert!(own["items"][1]["author_name"].is_null(), "{own}");

    // Paginated, with a bounded limit.
    let a = app
        .catalog_get(
            &format!("{path}?limit=1&offset=1"),
            Some(&association(&app)),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["total"], 3);
    assert_eq!(actions(&a.json()), vec!["recommend"]);
    assert_fields(
        &app.catalog_get(&format!("{path}?limit=500"), Some(&association(&app)))
            .await,
        &["limit"],
    );

    // The association's firm page shows the trail.
    let (status, _, html) = pages::get(
        &app,
        &format!("/association/firms/{id}"),
        Some(&association(&app)),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("审计记录") && html.contains("扣5 分（街道检查）"),
        "{html}"
    );
    app.stop().await;
}

async fn a_tenders_audit_trail_is_read_in_scope_and_keeps_bids_sealed(backend: Backend) {
    let w = World::new(backend).await;
    let seq = w.firms(&[("f-a1", json!({}))]).await;
    w.applied(seq).await;
    w.compound("c-audit", json!({})).await;
    let times = json!({"enquiry_deadline": from_now(3_000), "bid_deadline": from_now(3_000),
        "opening_at": from_now(3_000)});
    let t = w.open_tender("c-audit", times).await;
    let id = t["id"].as_str().unwrap().to_string();
    let bid = w
        .post(
            &format!("/{id}/bids"),
            Some(&w.firm_token("f-a1")),
            &wuye_e2e::tender::bid_body(150, 150 * 28_000 * 12),
        )
        .await;
    assert_eq!(bid.status, 201, "{}", bid.body);
    let path = format!("/{id}/audit");

    // Who may not read it.
    w.get(&path, None).await.problem(401, "unauthenticated");
    for token in [
        w.firm_token("f-a1"),
        w.committee("c-elsewhere"),
        w.app.token(
            Role::StreetOfficial,
            Scope::Street(OTHER_JINJIANG_STREET.into()),
        ),
        w.app
            .token(Role::DistrictOfficial, Scope::District(WUHOU.into())),
    ] {
        w.get(&path, Some(&token)).await.problem(403, "forbidden");
    }
    w.get("/nope/audit", Some(&w.association()))
        .await
        .problem(404, "not_found");
    assert_fields(
        &w.get(&format!("{path}?limit=0"), Some(&w.association()))
            .await,
        &["limit"],
    );

    // Who may; before the opening, nothing about the bid, not even a count.
    let entities = |a: &Answer| -> Vec<String> {
        a.json()["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["entity"].as_str().unwrap().to_string())
            .collect()
    };
    for token in [
        w.association(),
        w.committee("c-audit"),
        w.app
            .token(Role::DistrictOfficial, Scope::District(JINJIANG.into())),
        w.app
            .token(Role::StreetOfficial, Scope::Street(JINGUANYI.into())),
    ] {
        let a = w.get(&path, Some(&token)).await;
        assert_eq!(a.status, 200, "{}", a.body);
        assert!(!entities(&a).contains(&"bid".to_string()), "{}", a.body);
        assert!(entities(&a).contains(&"tender".to_string()), "{}", a.body);
        assert!(!a.body.contains("f-a1"), "{}", a.body);
    }
    let before = w.get(&path, Some(&w.association())).await.json()["total"]
        .as_i64()
        .unwrap();

    // After the opening the bid's row is there.
    assert_eq!(w.scheduler_moved(&id, 15).await, "evaluation");
    let a = w.get(&path, Some(&w.association())).await;
    assert!(entities(&a).contains(&"bid".to_string()), "{}", a.body);
    assert!(a.json()["total"].as_i64().unwrap() > before);

    // The tender's page shows the trail to the association, not to the public.
    let (status, _, html) =
        pages::get(&w.app, &format!("/tender/{id}"), Some(&w.association())).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("审计记录") && html.contains("投标文件"),
        "{html}"
    );
    let (status, _, html) = pages::get(&w.app, &format!("/tender/{id}"), None).await;
    assert_eq!(status, 200);
    assert!(!html.contains("审计记录"), "{html}");
    w.stop().await;
}

async fn corrections_supersede_and_every_version_stays_public(backend: Backend) {
    let w = World::with_history(backend).await;
    // A compound the catalog holds too, for its public page.
    let a = call(
        &w.app,
        Method::POST,
        "/catalog/compounds",
        Some(&w.association()),
        &compound_body("FIX-1", JINGUANYI),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let compound = a.json()["id"].as_str().unwrap().to_string();
    let (tender_id, cid) = contracted(&w, &compound, &[("f-c1", 150), ("f-c2", 160)]).await;
    let firm = w.firm_token("f-c1");
    let committee = w.committee(&compound);
    let first = w
        .post(
            &format!("/contracts/{cid}/disclosures"),
            Some(&firm),
            &money_body("budget", "2026"),
        )
        .await;
    assert_eq!(first.status, 201, "{}", first.body);
    let old = first.json()["id"].as_str().unwrap().to_string();
    assert_eq!(first.json()["version"], 1);
    // Publishing the same period again is still refused: a correction is the way.
    w.post(
        &format!("/contracts/{cid}/disclosures"),
        Some(&committee),
        &money_body("budget", "2026"),
    )
    .await
    .problem(409, "already_published");

    // A correction: the whole figures again, the same kind and period, and why.
    let fixed = merged(
        money_body("budget", "2026"),
        json!({
            "reason": "停车收益漏计 3000 元",
            "income": {"fee_fen": 15_000_000, "parking_fen": 1_500_000, "advertising_fen": 300_000, "other_fen": 0},
            "total_income_fen": 16_800_000, "closing_balance_fen": 2_600_000,
        }),
    );
    let path = format!("/disclosures/{old}/corrections");
    w.call(Method::POST, &path, None, Some(&fixed))
        .await
        .problem(401, "unauthenticated");
    for token in [
        w.firm_token("f-c2"),
        w.committee("c-other"),
        w.association(),
        w.app
            .token(Role::DistrictOfficial, Scope::District(JINJIANG.into())),
    ] {
        w.post(&path, Some(&token), &fixed)
            .await
            .problem(403, "forbidden");
    }
    w.post("/disclosures/nope/corrections", Some(&firm), &fixed)
        .await
        .problem(404, "not_found");
    let a = w
        .post(
            &path,
            Some(&firm),
            &merged(
                fixed.clone(),
                json!({"reason": null, "period": "2027", "total_income_fen": 1}),
            ),
        )
        .await;
    assert_fields(&a, &["reason", "period", "total_income_fen"]);
    assert_eq!(field_code(&a, "period"), "not_editable");
    let a = w
        .post(
            &path,
            Some(&firm),
            &merged(fixed.clone(), json!({"kind": "accounts"})),
        )
        .await;
    assert_eq!(field_code(&a, "kind"), "not_editable");

    // The committee corrects what the firm published.
    let a = w.post(&path, Some(&committee), &fixed).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let new = a.json();
    let new_id = new["id"].as_str().unwrap().to_string();
    assert_eq!(new["version"], 2);
    assert_eq!(new["supersedes"], old.as_str());
    assert_eq!(new["published_by"], "committee");
    assert_eq!(new["correction_reason"], "停车收益漏计 3000 元");
    assert!(new["superseded_by"].is_null());
    w.post(&path, Some(&firm), &fixed)
        .await
        .problem(409, "already_superseded");

    // Both stay public, the old one marked superseded.
    let was = w.get(&format!("/disclosures/{old}"), None).await.json();
    assert_eq!(was["superseded_by"], new_id.as_str());
    assert!(was["superseded_at"].as_str().is_some());
    assert_eq!(was["total_income_fen"], 16_500_000);
    assert_eq!(was["published_by"], "firm");
    let versions = w
        .get(&format!("/disclosures/{new_id}/versions"), None)
        .await
        .json();
    let ids: Vec<&str> = versions
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![old.as_str(), new_id.as_str()]);
    let current = w
        .get(&format!("/contracts/{cid}/disclosures"), None)
        .await
        .json();
    assert_eq!(current.as_array().unwrap().len(), 1);
    assert_eq!(current[0]["id"], new_id.as_str());
    let all = w
        .get(&format!("/contracts/{cid}/disclosures?versions=all"), None)
        .await
        .json();
    assert_eq!(all.as_array().unwrap().len(), 2);
    let listed = w
        .get(&format!("/disclosures?compound={compound}"), None)
        .await
        .json();
    assert_eq!(listed["total"], 1);
    let listed = w
        .get(
            &format!("/disclosures?compound={compound}&versions=all"),
            None,
        )
        .await
        .json();
    assert_eq!(listed["total"], 2);
    assert_fields(
        &w.get("/disclosures?versions=some", None).await,
        &["versions"],
    );

    // The feed, the audit trail and the OCDS release say so too.
    assert!(
        w.tender_feed()
            .await
            .iter()
            .any(|c| c["topic"] == "disclosure"
                && c["kind"] == "corrected"
                && c["entity_id"] == new_id.as_str())
    );
    let trail = w
        .get(
            &format!("/{tender_id}/audit?limit=200"),
            Some(&w.association()),
        )
        .await
        .json();
    assert!(
        trail["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["entity"] == "disclosure" && e["action"] == "corrected"),
        "{trail}"
    );
    let v = package_validator();
    let releases = all_releases(&w.app, &v, 100).await;
    let last = releases
        .iter()
        .rfind(|r| {
            r["tag"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t == "implementationUpdate")
        })
        .expect("an implementationUpdate release");
    let contract = &last["contracts"][0];
    assert_eq!(
        contract["amendments"][0]["rationale"],
        "停车收益漏计 3000 元"
    );
    let docs = contract["implementation"]["documents"].as_array().unwrap();
    assert_eq!(docs.len(), 2);
    assert!(
        docs[0]["title"].as_str().unwrap().contains("已更正"),
        "{docs:?}"
    );

    // The compound's public page shows the current figures and the earlier ones marked 已更正.
    let (status, _, html) = pages::get(&w.app, &format!("/compounds/{compound}"), None).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("168,000.00") && html.contains("165,000.00"),
        "{html}"
    );
    assert!(
        html.contains("已更正") && html.contains("更正后（第 2 版）"),
        "{html}"
    );
    w.stop().await;
}
