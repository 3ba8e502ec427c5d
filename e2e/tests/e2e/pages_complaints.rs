//! Complaints, questions and the guided termination on the pages: a losing bidder lodges a
//! complaint from its tender page, the committee answers it on its workbench, the firm
//! escalates and the street official decides on the complaints page (in a real browser);
//! a firm asks a question that the committee answers; who may open which page and form;
//! the public tender page shows decided complaints without the complainant.

use reqwest::StatusCode;
use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use wuye_e2e::browser::Browser;
use wuye_e2e::fixtures::{JINGUANYI, JINJIANG};
use wuye_e2e::pages::{CSRF, get, post};
use wuye_e2e::tender::{World, from_now, opened_with_bids};
use wuye_e2e::{Backend, Options, both_backends};

both_backends!(
    complaint_lodged_answered_escalated_and_decided_in_a_browser,
    complaint_pages_refuse_whoever_may_not_act,
);

async fn world(backend: Backend) -> World {
    World::with(
        backend,
        Options {
            verify_award_with_catalog: false,
            // The browser takes its time: the notice stays open.
            notice_period_secs: 600,
            ..Options::default()
        },
    )
    .await
}

/// An awarded tender of `compound` (lowest fee wins) with these bidders; its id.
async fn awarded(w: &World, compound: &str, bidders: &[(&str, i64)]) -> String {
    let (id, bids) = opened_with_bids(w, compound, json!({}), bidders, json!([])).await;
    let (winner, _) = bidders.iter().min_by_key(|(_, fee)| *fee).unwrap();
    let a = w
        .post(
            &format!("/{id}/award"),
            Some(&w.committee(compound)),
            &json!({"bid_id": bids[*winner]}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    id
}

/// The complaints of tender `id` as `token` reads them.
async fn complaints(w: &World, id: &str, token: &str) -> Vec<Value> {
    w.get(&format!("/{id}/complaints"), Some(token))
        .await
        .json()
        .as_array()
        .unwrap()
        .clone()
}

async fn complaint_lodged_answered_escalated_and_decided_in_a_browser(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let tag = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres(_) => "postgres",
    };
    let w = world(backend).await;
    let web = w.app.web_url.clone();
    let id = awarded(&w, "c-brw", &[("f-b1", 150), ("f-b2", 140)]).await;
    let firm = w.firm_token("f-b1");
    let committee = w.committee("c-brw");
    let street = w
        .app
        .token(Role::StreetOfficial, Scope::Street(JINGUANYI.into()));

    // The losing bidder lodges a complaint from its tender page.
    browser.act_as(&web, Some(&firm)).await.unwrap();
    browser
        .open(&format!("{web}/firm/tenders/{id}"))
        .await
        .unwrap();
    browser
        .fill("#grounds", "中标企业的人员配置方案明显不足以达到三级标准。")
        .await
        .unwrap();
    browser
        .click("#complaint-form button[type=submit]")
        .await
        .unwrap();
    browser.wait_for("已提出质疑").await.unwrap();
    let cid = complaints(&w, &id, &committee).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // The committee answers it on the workbench: not upheld.
    browser.act_as(&web, Some(&committee)).await.unwrap();
    browser
        .open(&format!("{web}/committee/tenders/{id}"))
        .await
        .unwrap();
    browser
        .fill(
            &format!("#complaint-answer-{cid}"),
            "人员配置符合三级标准要求。",
        )
        .await
        .unwrap();
    browser
        .click(&format!("#complaint-{cid} form button[type=submit]"))
        .await
        .unwrap();
    browser.wait_for("已答复质疑").await.unwrap();
    browser
        .screenshot(&format!("complaint-answered-{tag}"))
        .await
        .unwrap();

    // The firm escalates to the street.
    browser.act_as(&web, Some(&firm)).await.unwrap();
    browser
        .open(&format!("{web}/firm/tenders/{id}"))
        .await
        .unwrap();
    browser
        .fill(
            &format!("#escalate-{cid}"),
            "委员会的答复没有回应人员配置的问题。",
        )
        .await
        .unwrap();
    browser
        .click(&format!(
            "#complaint-{cid} form.escalate button[type=submit]"
        ))
        .await
        .unwrap();
    let text = browser.wait_for("已申请复核").await.unwrap();
    assert!(text.contains("街道复核中"), "{text}");

    // The street official decides on the complaints page: upheld.
    browser.act_as(&web, Some(&street)).await.unwrap();
    browser
        .open(&format!("{web}/official/complaints"))
        .await
        .unwrap();
    browser
        .click(&format!("#complaint-{cid} input[name=upheld][value=true]"))
        .await
        .unwrap();
    browser
        .fill(&format!("#decision-{cid}"), "经街道复核，质疑成立。")
        .await
        .unwrap();
    browser
        .click(&format!("#complaint-{cid} form button[type=submit]"))
        .await
        .unwrap();
    browser.wait_for("质疑成立，定标已撤销").await.unwrap();
    browser
        .screenshot(&format!("complaint-decided-{tag}"))
        .await
        .unwrap();
    assert_eq!(
        w.get(&format!("/{id}"), None).await.json()["status"],
        "evaluation"
    );

    // The public tender page shows it, without the complainant.
    browser.act_as(&web, None).await.unwrap();
    browser.open(&format!("{web}/tender/{id}")).await.unwrap();
    let text = browser.wait_for("质疑与答复").await.unwrap();
    assert!(text.contains("经街道复核，质疑成立。"), "{text}");
    let html = browser.client.source().await.unwrap();
    let complaints_part = html.split("id=\"complaints\"").nth(1).unwrap_or_default();
    assert!(!complaints_part.contains("f-b1"), "{complaints_part}");

    // A firm asks a question about an open tender; the committee answers it.
    let committee = w.compound("c-brq", json!({})).await;
    let t = w
        .open_tender(
            "c-brq",
            json!({"enquiry_deadline": from_now(300_000), "bid_deadline": from_now(300_000),
                "opening_at": from_now(300_000)}),
        )
        .await;
    let open = t["id"].as_str().unwrap().to_string();
    browser.act_as(&web, Some(&firm)).await.unwrap();
    browser
        .open(&format!("{web}/firm/tenders/{open}"))
        .await
        .unwrap();
    browser
        .fill("#question", "电梯维保费用是否包含在物业费内？")
        .await
        .unwrap();
    browser
        .click("#question-form button[type=submit]")
        .await
        .unwrap();
    let text = browser.wait_for("已提交问题").await.unwrap();
    assert!(text.contains("本企业的提问，待答复"), "{text}");
    let qid = w
        .get(&format!("/{open}/questions"), Some(&committee))
        .await
        .json()[0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    browser.act_as(&web, Some(&committee)).await.unwrap();
    browser
        .open(&format!("{web}/committee/tenders/{open}"))
        .await
        .unwrap();
    browser
        .fill(&format!("#answer-{qid}"), "包含，按合同约定执行。")
        .await
        .unwrap();
    browser
        .click(&format!(
            "form[action='/committee/tenders/{open}/questions/{qid}/answer'] button"
        ))
        .await
        .unwrap();
    browser.wait_for("已答复，答复内容已公开").await.unwrap();
    browser
        .act_as(&web, Some(&w.firm_token("f-b2")))
        .await
        .unwrap();
    browser
        .open(&format!("{web}/firm/tenders/{open}"))
        .await
        .unwrap();
    let text = browser.wait_for("包含，按合同约定执行。").await.unwrap();
    assert!(text.contains("电梯维保费用是否包含在物业费内"));
    browser.close().await;
    w.stop().await;
}

async fn complaint_pages_refuse_whoever_may_not_act(backend: Backend) {
    let w = world(backend).await;
    let id = awarded(&w, "c-pref", &[("f-r1", 150), ("f-r2", 140), ("f-r3", 160)]).await;
    let app = &w.app;
    let (r1, r3) = (w.firm_token("f-r1"), w.firm_token("f-r3"));
    let committee = w.committee("c-pref");
    let firm_page = format!("/firm/tenders/{id}");

    // A bidder lodges through the page form; a blank one keeps the form with the reason.
    let (status, _, body) = post(
        app,
        &format!("{firm_page}/complaints"),
        Some(&r1),
        &[("_csrf", CSRF), ("grounds", "短")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("质疑理由应为 5–5000 个字符"), "{body}");
    let grounds = [
        ("_csrf", CSRF),
        ("grounds", "中标企业的报价低于成本，无法保证服务质量。"),
    ];
    let (status, _, body) =
        post(app, &format!("{firm_page}/complaints"), Some(&r1), &grounds).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    // Without the CSRF field: refused.
    let (status, _, _) = post(
        app,
        &format!("{firm_page}/complaints"),
        Some(&r1),
        &grounds[1..],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A firm that did not bid: the API's refusal, on the page.
    let (status, _, body) = post(
        app,
        &format!("{firm_page}/complaints"),
        Some(&w.firm_token("f-none")),
        &grounds,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let cid = complaints(&w, &id, &committee).await[0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Another bidder sees no undecided complaint of r1's.
    let (_, _, theirs) = get(app, &firm_page, Some(&r3)).await;
    assert!(!theirs.contains("低于成本"), "{theirs}");

    // The committee answers on the workbench; another committee cannot.
    let answer = [
        ("_csrf", CSRF),
        ("upheld", "false"),
        ("answer", "报价经核算不低于成本。"),
    ];
    let path = format!("/committee/tenders/{id}/complaints/{cid}/answer");
    let (status, _, _) = post(app, &path, Some(&w.committee("c-else")), &answer).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, body) = post(app, &path, Some(&committee), &answer).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");

    // Decided: public without the complainant; the other bidder reads it the same way.
    // (Bidders are public in the opening record; the complaints section names none.)
    let section = |page: &str| {
        page.split("id=\"complaints\"")
            .nth(1)
            .unwrap_or_default()
            .to_string()
    };
    let (_, _, public) = get(app, &format!("/tender/{id}"), None).await;
    let complaints_part = section(&public);
    assert!(complaints_part.contains("报价经核算不低于成本"), "{public}");
    assert!(!complaints_part.contains("f-r1"), "{complaints_part}");
    let (_, _, theirs) = get(app, &firm_page, Some(&r3)).await;
    let complaints_part = section(&theirs);
    assert!(
        complaints_part.contains("低于成本") && !complaints_part.contains("f-r1"),
        "{theirs}"
    );

    // Only the complaining firm escalates.
    let why = [("_csrf", CSRF), ("grounds", "答复没有给出成本核算依据。")];
    let escalate = format!("{firm_page}/complaints/{cid}/escalate");
    let (status, _, body) = post(app, &escalate, Some(&r3), &why).await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    let (status, _, body) = post(app, &escalate, Some(&r1), &why).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (status, _, body) = post(app, &escalate, Some(&r1), &why).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(body.contains("复核申请正在处理中"), "{body}");

    // The complaints page: officials only; the street decides, nobody else.
    let (status, location, _) = get(app, "/official/complaints", None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with("/signin"), "{location}");
    let (status, _, _) = get(app, "/official/complaints", Some(&r1)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let street = app.token(Role::StreetOfficial, Scope::Street(JINGUANYI.into()));
    let city = app.token(Role::CityOfficial, Scope::City);
    let district = app.token(Role::DistrictOfficial, Scope::District(JINJIANG.into()));
    let other_street = app.token(Role::StreetOfficial, Scope::Street("510107001".into()));
    let (status, _, page) = get(app, "/official/complaints", Some(&street)).await;
    assert_eq!(status, 200, "{page}");
    assert!(
        page.contains("低于成本") && page.contains("作出复核决定"),
        "{page}"
    );
    for reader in [&city, &district] {
        let (status, _, page) = get(app, "/official/complaints", Some(reader)).await;
        assert_eq!(status, 200, "{page}");
        assert!(!page.contains("作出复核决定"), "{page}");
    }
    let (_, _, page) = get(app, "/official/complaints", Some(&other_street)).await;
    assert!(!page.contains("低于成本"), "{page}");
    let decide = format!("/official/complaints/{id}/{cid}/decide");
    let decision = [
        ("_csrf", CSRF),
        ("upheld", "true"),
        ("decision", "质疑成立。"),
    ];
    for token in [&city, &district, &other_street] {
        let (status, _, body) = post(app, &decide, Some(token), &decision).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    }
    let still = complaints(&w, &id, &committee).await;
    assert_eq!(still[0]["stage"], "escalated_to_street");
    let (status, _, body) = post(app, &decide, Some(&street), &decision).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    w.stop().await;
}
