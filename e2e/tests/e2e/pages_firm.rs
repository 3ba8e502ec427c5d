//! Firm pages: application, nearby tenders, sealed bids with countdown, results, contracts, accounts.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use reqwest::{Method, StatusCode};
use serde_json::json;
use shared::auth::{Role, Scope};
use shared::db::now_ms;
use wuye_e2e::browser::Browser;
use wuye_e2e::fixtures::{compound_body, firm_body};
use wuye_e2e::pages::{CSRF, get, post};
use wuye_e2e::{Backend, TestApp, both_backends, spawn_app};

use wuye_e2e::fixtures::JINGUANYI;
use wuye_e2e::tender::{from_now, tender_body};

both_backends!(
    firm_pages_show_only_the_firms_own_bid,
    two_firms_bid_replace_and_withdraw_in_a_browser,
    the_serving_firm_replies_to_survey_comments_on_its_page,
);

/// Two recommended firms with accounts, a compound near them and an open tender there,
/// indexed by matching.
struct Setup {
    app: TestApp,
    /// `(firm id, username, password)`.
    firms: Vec<(String, String, String)>,
    tender: String,
    compound: String,
    deadline_ms: i64,
}

async fn setup(backend: Backend, bid_window_ms: i64) -> Setup {
    let app = spawn_app(backend).await;
    let association = app.token(Role::Association, Scope::City);
    let catalog = |p: &str| format!("{}/catalog{p}", app.catalog_url);
    let mut firms = Vec::new();
    for (name, n, user) in [
        ("锦城物业服务有限公司", 601, "jincheng"),
        ("蓉安物业服务有限公司", 602, "rongan"),
    ] {
        let password = format!("{user}-password-2026");
        let mut body = firm_body(name, n);
        body["account"] = json!({"username": user, "password": password});
        let a = app
            .send(Method::POST, &catalog("/firms"), None, Some(&body))
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        let id = a.json()["id"].as_str().unwrap().to_string();
        let a = app
            .send(
                Method::POST,
                &catalog(&format!("/firms/{id}/standing")),
                Some(&association),
                Some(&json!({"action": "recommend", "reason": "审核通过", "review_date": "2099-12-31"})),
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        firms.push((id, user.to_string(), password));
    }
    let a = app
        .send(
            Method::POST,
            &catalog("/compounds"),
            Some(&association),
            Some(&compound_body("JJ-PAGES-1", JINGUANYI)),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let compound = a.json()["id"].as_str().unwrap().to_string();
    app.tender_follows_catalog().await;

    let committee = app.token(Role::Committee, Scope::Compound(compound.clone()));
    let tenders = |p: &str| format!("{}/tenders{p}", app.tender_url);
    let deadline = from_now(bid_window_ms);
    let body = tender_body(
        &compound,
        json!({"fee_model": "commission", "enquiry_deadline": deadline,
            "bid_deadline": deadline, "opening_at": deadline,
            "title": "JJ-PAGES-1号院物业服务招标"}),
    );
    let a = app
        .send(Method::POST, &tenders(""), Some(&committee), Some(&body))
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let tender = a.json()["id"].as_str().unwrap().to_string();
    let a = app
        .send(
            Method::POST,
            &tenders(&format!("/{tender}/publish")),
            Some(&committee),
            Some(&json!({})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let deadline_ms =
        tender::clock::parse_rfc3339(a.json()["bid_deadline"].as_str().unwrap()).unwrap();

    // Matching indexes the firms and the open tender from the feeds.
    for (id, _, _) in &firms {
        let token = app.token(Role::Firm, Scope::Firm(id.clone()));
        let until = Instant::now() + Duration::from_secs(20);
        loop {
            let a = app
                .get(
                    &format!("{}/match/firms/{id}/tenders", app.matching_url),
                    Some(&token),
                )
                .await;
            if a.status == 200
                && a.json()["items"]
                    .as_array()
                    .is_some_and(|items| items.iter().any(|i| i["tender_id"] == tender.as_str()))
            {
                break;
            }
            assert!(
                Instant::now() < until,
                "matching never listed the tender: {}",
                a.body
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    Setup {
        app,
        firms,
        tender,
        compound,
        deadline_ms,
    }
}

async fn firm_pages_show_only_the_firms_own_bid(backend: Backend) {
    let s = setup(backend, 60_000).await;
    let app = &s.app;
    let page = format!("/firm/tenders/{}", s.tender);
    let a = app.token(Role::Firm, Scope::Firm(s.firms[0].0.clone()));
    let b = app.token(Role::Firm, Scope::Firm(s.firms[1].0.clone()));

    // Anonymous visitors are sent to sign in; other roles are refused.
    for path in ["/firm", page.as_str(), "/firm/profile"] {
        let (status, location, _) = get(app, path, None).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
        assert!(location.starts_with("/signin?next=%2Ffirm"), "{location}");
        let committee = app.token(Role::Committee, Scope::Compound("x".into()));
        let (status, _, _) = get(app, path, Some(&committee)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
    }

    // The firm's home lists the nearby tender with its distance and reasons.
    let (status, _, home) = get(app, "/firm", Some(&a)).await;
    assert_eq!(status, 200, "{home}");
    assert!(
        home.contains("JJ-PAGES-1号院物业服务招标") && home.contains("公里"),
        "{home}"
    );
    assert!(home.contains(&format!("href=\"/firm/tenders/{}\"", s.tender)));

    // A form without its token is refused; a bad amount keeps what was typed.
    let bid = [
        ("fee", "1.66"),
        ("annual_price", "836640"),
        ("staffing_plan", "项目经理 1 人，秩序维护 4 人，保洁 3 人。"),
        ("service_plan", "按三级标准服务，每月公示收支。"),
    ];
    let (status, _, _) = post(app, &format!("{page}/bid"), Some(&a), &bid).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let mut wrong = vec![("_csrf", CSRF)];
    wrong.extend(bid);
    wrong[1] = ("fee", "一块六");
    let (status, _, body) = post(app, &format!("{page}/bid"), Some(&a), &wrong).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("id=\"fee-error\">请填写物业费单价"), "{body}");
    assert!(body.contains("value=\"一块六\"") && body.contains("每月公示收支"));

    // Firm A bids through the page.
    let mut form = vec![("_csrf", CSRF)];
    form.extend(bid);
    let (status, location, body) = post(app, &format!("{page}/bid"), Some(&a), &form).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (_, _, mine) = get(app, &location, Some(&a)).await;
    assert!(
        mine.contains("已密封提交投标") && mine.contains("id=\"my-fee\">1.66 元"),
        "{mine}"
    );
    assert!(mine.contains("距截止还有"));

    // Firm B sees the tender but nothing of A's bid, and cannot withdraw it.
    let (status, _, theirs) = get(app, &page, Some(&b)).await;
    assert_eq!(status, 200);
    assert!(
        !theirs.contains("1.66") && !theirs.contains("836640"),
        "{theirs}"
    );
    assert!(!theirs.contains("本企业的投标") && theirs.contains("密封提交投标"));
    let (status, _, body) = post(
        app,
        &format!("{page}/bid/withdraw"),
        Some(&b),
        &[("_csrf", CSRF)],
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    assert!(body.contains("没有有效投标"));
    let (_, _, home_b) = get(app, "/firm", Some(&b)).await;
    assert!(home_b.contains("尚未投标"), "{home_b}");
    let still = app
        .get(
            &format!("{}/tenders/{}/bids/mine", app.tender_url, s.tender),
            Some(&a),
        )
        .await;
    assert_eq!(still.status, 200, "A's bid is untouched");
    assert_eq!(still.json()["fee"], 166);

    // A's home lists its bid; the list of a firm's own bids is for firms only.
    let (_, _, home) = get(app, "/firm", Some(&a)).await;
    assert!(
        home.contains("已密封提交") && home.contains("密封中，等待开标"),
        "{home}"
    );
    let committee = app.token(Role::Committee, Scope::Compound(s.compound.clone()));
    app.get(
        &format!("{}/tenders/bids/mine", app.tender_url),
        Some(&committee),
    )
    .await
    .problem(403, "forbidden");
    let mine = app
        .get(&format!("{}/tenders/bids/mine", app.tender_url), Some(&b))
        .await;
    assert_eq!(mine.json(), json!([]), "B has no bid");

    // The firm edits its own profile: a refusal keeps what was typed.
    let (status, _, form) = get(app, "/firm/profile", Some(&a)).await;
    assert_eq!(status, 200);
    assert!(
        form.contains("value=\"锦城物业服务有限公司\"") && form.contains("value=\"13812345678\"")
    );
    let code = wuye_e2e::fixtures::credit_code(601);
    let profile = |phone: &'static str| {
        vec![
            ("_csrf", CSRF),
            ("name", "锦城物业服务有限公司"),
            ("credit_code", code.as_str()),
            ("legal_representative", "王建国"),
            ("contact_phone", phone),
            ("ownership", "soe"),
            ("base_address", "成都市锦江区红星路三段 1 号"),
            ("office_street", "510104017"),
            ("lon", "104.081"),
            ("lat", "30.658"),
            ("districts_served", "510104"),
            ("districts_served", "510105"),
            ("service_radius_km", "15"),
            ("service_models", "professional"),
            ("service_models", "trust"),
            ("fee_models", "commission"),
            ("fee_models", "trust"),
            ("grades", "2"),
            ("grades", "3"),
            ("capacity_households", "5000"),
            ("households_served", "1300"),
            ("staff_count", "85"),
            (
                "profile",
                "专注老旧小区物业服务十年，擅长电梯维保和加装电梯后的运维。",
            ),
            ("low_profit_commitment", "true"),
        ]
    };
    let (status, _, body) = post(app, "/firm/profile", Some(&a), &profile("12345")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("id=\"contact_phone-error\""), "{body}");
    assert!(body.contains("value=\"12345\"") && body.contains("加装电梯后的运维"));
    // The office street picked is kept selected.
    assert!(
        body.contains("<option value=\"510104017\" selected>锦江区 · 锦官驿街道</option>"),
        "{body}"
    );
    let (status, location, body) =
        post(app, "/firm/profile", Some(&a), &profile("13812345679")).await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{body}");
    let (_, _, home) = get(app, &location, Some(&a)).await;
    assert!(home.contains("已保存企业信息"), "{home}");
    let firm = app
        .catalog_get(&format!("/catalog/firms/{}", s.firms[0].0), Some(&a))
        .await
        .json();
    assert_eq!(firm["contact_phone"], "13812345679");
    assert_eq!(firm["staff_count"], 85);
    assert_eq!(firm["office_street"], "510104017");
    s.app.stop().await;
}

/// Signs in through the form; `next` is where to land.
async fn sign_in(browser: &Browser, web: &str, user: &str, password: &str, next: &str) {
    browser
        .open(&format!("{web}/signin?next={next}"))
        .await
        .unwrap();
    browser.fill("#username", user).await.unwrap();
    browser.fill("#password", password).await.unwrap();
    browser
        .click("form[action='/signin'] button[type=submit]")
        .await
        .unwrap();
}

async fn fill_bid(browser: &Browser, fee: &str, price: &str) {
    browser.fill("#fee", fee).await.unwrap();
    browser.fill("#annual_price", price).await.unwrap();
    browser
        .fill(
            "#staffing_plan",
            "项目经理 1 人，秩序维护 4 人，保洁 3 人，绿化 1 人。",
        )
        .await
        .unwrap();
    browser
        .fill(
            "#service_plan",
            "按三级标准提供服务，电梯和消防设施每月巡检，每季度公示收支。",
        )
        .await
        .unwrap();
    browser
        .click("#bid-form button[type=submit]")
        .await
        .unwrap();
}

async fn two_firms_bid_replace_and_withdraw_in_a_browser(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let tag = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres(_) => "postgres",
    };
    let s = setup(backend, 40_000).await;
    let web = s.app.web_url.clone();
    let page = format!("{web}/firm/tenders/{}", s.tender);

    // Firm A: its home lists the tender nearby with distance and reasons.
    let (_, user, password) = &s.firms[0];
    sign_in(&browser, &web, user, password, "/firm").await;
    let text = browser.wait_for("附近适合投标的招标项目").await.unwrap();
    assert!(text.contains("JJ-PAGES-1号院物业服务招标"), "{text}");
    let row = browser
        .client
        .find(Locator::Css("#nearby-tenders tbody tr"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(row.contains("公里") && row.contains("匹配度"), "{row}");
    browser
        .screenshot(&format!("firm-home-{tag}"))
        .await
        .unwrap();

    // The tender page counts down to the deadline; A bids, then replaces its bid.
    browser
        .click(&format!("a[href='/firm/tenders/{}']", s.tender))
        .await
        .unwrap();
    let text = browser.wait_for("距截止还有").await.unwrap();
    assert!(text.contains("秒") && text.contains("招标条件"), "{text}");
    let first = browser
        .client
        .find(Locator::Css("#countdown-left"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    browser
        .screenshot(&format!("firm-tender-bid-{tag}"))
        .await
        .unwrap();
    fill_bid(&browser, "1.65", "831600").await;
    browser.wait_for("已密封提交投标").await.unwrap();
    // The countdown ticks in the page.
    let until = Instant::now() + Duration::from_secs(5);
    loop {
        let now = browser
            .client
            .find(Locator::Css("#countdown-left"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        if now != first {
            break;
        }
        assert!(
            Instant::now() < until,
            "the countdown did not move from {first}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    fill_bid(&browser, "1.60", "806400").await;
    let text = browser.wait_for("已替换投标").await.unwrap();
    assert!(
        text.contains("第 2 版") && text.contains("1.60 元/㎡·月"),
        "{text}"
    );
    browser
        .screenshot(&format!("firm-bid-placed-{tag}"))
        .await
        .unwrap();
    browser
        .click("form[action='/signout'] button")
        .await
        .unwrap();
    browser.wait_for("登录").await.unwrap();

    // Firm B: bids, withdraws, and bids again.
    let (_, user, password) = &s.firms[1];
    sign_in(&browser, &web, user, password, "/firm").await;
    browser.wait_for("附近适合投标的招标项目").await.unwrap();
    browser
        .click(&format!("a[href='/firm/tenders/{}']", s.tender))
        .await
        .unwrap();
    browser.wait_for("距截止还有").await.unwrap();
    let text = browser.text().await.unwrap();
    assert!(!text.contains("1.60"), "B never sees A's bid");
    fill_bid(&browser, "1.70", "856800").await;
    browser.wait_for("已密封提交投标").await.unwrap();
    browser.click("#withdraw-form button").await.unwrap();
    let text = browser.wait_for("已撤回投标").await.unwrap();
    assert!(!text.contains("本企业的投标"));
    fill_bid(&browser, "1.68", "846720").await;
    let text = browser.wait_for("已密封提交投标").await.unwrap();
    assert!(
        text.contains("1.68 元/㎡·月") && text.contains("第 1 版"),
        "{text}"
    );

    // After the deadline the form is gone (the page reloads itself when time is up).
    let until = Instant::now()
        + Duration::from_millis((s.deadline_ms - now_ms()).max(0) as u64)
        + Duration::from_secs(15);
    loop {
        let text = browser.text().await.unwrap_or_default();
        if text.contains("投标已截止") && !text.contains("距截止还有") {
            break;
        }
        assert!(Instant::now() < until, "the deadline never showed: {text}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    browser.open(&page).await.unwrap();
    browser.wait_for("投标已截止").await.unwrap();
    assert!(
        browser
            .client
            .find(Locator::Css("#bid-form"))
            .await
            .is_err(),
        "no bid form after the deadline"
    );
    // After the opening, the opening record and the firm's result.
    let until = Instant::now() + Duration::from_secs(15);
    loop {
        browser.open(&page).await.unwrap();
        let text = browser.text().await.unwrap();
        if text.contains("开标记录") {
            assert!(
                text.contains("共 2 份投标") && text.contains("1.60") && text.contains("1.68"),
                "{text}"
            );
            break;
        }
        assert!(Instant::now() < until, "never opened: {text}");
        tokio::time::sleep(Duration::from_millis(300)).await;
    }

    // The committee awards A (the lowest fee) and signs the contract after the notice.
    let app = &s.app;
    let tenders = |p: &str| format!("{}/tenders/{}{p}", app.tender_url, s.tender);
    let a_token = app.token(Role::Firm, Scope::Firm(s.firms[0].0.clone()));
    let winner = app.get(&tenders("/bids/mine"), Some(&a_token)).await.json();
    let committee = app.token(Role::Committee, Scope::Compound(s.compound.clone()));
    let a = app
        .send(
            Method::POST,
            &tenders("/award"),
            Some(&committee),
            Some(&json!({"bid_id": winner["id"]})),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let today = shared::domain::roster::format_date(shared::domain::roster::china_today());
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let a = app
            .send(
                Method::POST,
                &tenders("/contract"),
                Some(&committee),
                Some(&json!({"start_date": today})),
            )
            .await;
        if a.status == 201 {
            break;
        }
        a.problem(409, "notice_period_running");
        assert!(Instant::now() < until, "the notice period never ended");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // B sees it did not win; A sees its contract and publishes the month's accounts.
    browser.open(&format!("{web}/firm")).await.unwrap();
    browser
        .wait_for("未中标（中标企业：锦城物业服务有限公司）")
        .await
        .unwrap();
    browser
        .click("form[action='/signout'] button")
        .await
        .unwrap();
    browser.wait_for("共 20 个区（市）县").await.unwrap();
    let (_, user, password) = &s.firms[0];
    sign_in(&browser, &web, user, password, "/firm").await;
    let text = browser.wait_for("中标，已签约").await.unwrap();
    assert!(
        text.contains("服务合同与信息公开") && text.contains("履行中"),
        "{text}"
    );
    browser.click("details.publish summary").await.unwrap();
    browser
        .fill("input[name='period']", &today[..7])
        .await
        .unwrap();
    for (name, value) in [
        ("income.fee_fen", "30000"),
        ("income.parking_fen", "1200.50"),
        ("spending.personnel_fen", "20000"),
        ("spending.cleaning_fen", "五千"),
    ] {
        browser
            .fill(&format!("input[name='{name}']"), value)
            .await
            .unwrap();
    }
    browser
        .click("form[action^='/firm/contracts/'] button[type=submit]")
        .await
        .unwrap();
    browser
        .wait_for("请填写金额（元），最多两位小数")
        .await
        .unwrap();
    let kept = browser
        .client
        .find(Locator::Css("input[name='income.parking_fen']"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("1200.50"));
    browser
        .fill("input[name='spending.cleaning_fen']", "5000")
        .await
        .unwrap();
    browser
        .click("form[action^='/firm/contracts/'] button[type=submit]")
        .await
        .unwrap();
    let text = browser.wait_for("收支情况。").await.unwrap();
    // 30,000 + 1,200.50 − 25,000 = 6,200.50 (opening balance 0).
    assert!(
        text.contains("31,200.50") && text.contains("6,200.50"),
        "{text}"
    );
    browser
        .client
        .execute(
            "document.getElementById('contracts-h').scrollIntoView();",
            vec![],
        )
        .await
        .unwrap();
    browser
        .screenshot(&format!("firm-contract-{tag}"))
        .await
        .unwrap();

    // Its own accounts have a 更正 link to the form with the published figures; without a
    // reason the correction is refused beside the field, the typed figure kept.
    browser.click("a.correct").await.unwrap();
    browser.wait_for("更正原因").await.unwrap();
    browser
        .fill("input[name='income.fee_fen']", "31000")
        .await
        .unwrap();
    browser
        .click("form[action^='/firm/disclosures/'] button[type=submit]")
        .await
        .unwrap();
    browser.wait_for("请填写更正原因").await.unwrap();
    let kept = browser
        .client
        .find(Locator::Css("input[name='income.fee_fen']"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("31000"));
    browser
        .fill("textarea[name='reason']", "物业费实收 31000 元")
        .await
        .unwrap();
    browser
        .click("form[action^='/firm/disclosures/'] button[type=submit]")
        .await
        .unwrap();
    let text = browser
        .wait_for(&format!("已更正 {} 收支情况。", &today[..7]))
        .await
        .unwrap();
    // 31,000 + 1,200.50 − 25,000 = 7,200.50, the second version.
    assert!(
        text.contains("32,200.50") && text.contains("7,200.50") && text.contains("第 2 版"),
        "{text}"
    );
    browser.close().await;
    s.app.stop().await;
}

/// 业主意见 (`/firm/comments`): the serving firm sees the comments of its compounds' surveys
/// per unit and replies once, in public; a bad reply is named beside its comment; a firm
/// that does not serve the compound sees none and is refused; another role has no page.
async fn the_serving_firm_replies_to_survey_comments_on_its_page(backend: Backend) {
    use wuye_e2e::ballots::{register, unit};
    use wuye_e2e::tender::{World, contracted};
    let w = World::with_history(backend).await;
    let c = "c-pcom";
    contracted(&w, c, &[("f-pc1", 150), ("f-pc2", 160)]).await;
    register(
        &w,
        &[
            unit(c, "101", "80", Some("张三")),
            unit(c, "102", "80", Some("李四")),
        ],
    )
    .await;
    let committee = w.committee(c);
    let now = now_ms();
    let survey = w
        .post(
            &format!("/compounds/{c}/unit-surveys"),
            Some(&committee),
            &json!({"period": "2026-Q2", "opens_at": tender::clock::to_rfc3339(now),
                "closes_at": tender::clock::to_rfc3339(now + 600_000)}),
        )
        .await;
    assert_eq!(survey.status, 201, "{}", survey.body);
    let sid = survey.json()["id"].as_str().unwrap().to_string();
    for (room, rating, comment) in [
        ("101", "dissatisfied", "电梯经常停运"),
        ("102", "satisfied", "保洁很好"),
    ] {
        let a = w
            .post(
                &format!("/unit-surveys/{sid}/paper-answers"),
                Some(&committee),
                &json!({"unit_id": format!("{c}-{room}"), "rating": rating,
                    "comment": comment, "paper_ref": format!("问卷-{room}")}),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
    }
    let shown = w.get(&format!("/unit-surveys/{sid}"), None).await.json();
    let comment = shown["comments"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["comment"] == "电梯经常停运")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let app = &w.app;
    let serving = w.firm_token("f-pc1");
    let other = w.firm_token("f-pc2");
    let action = format!("/firm/comments/{sid}/{comment}");

    // The serving firm's page: both comments, a form for each.
    let (status, _, page) = get(app, "/firm/comments", Some(&serving)).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert!(
        page.contains("电梯经常停运") && page.contains("保洁很好"),
        "{page}"
    );
    assert!(page.contains(&format!("action=\"{action}\"")), "{page}");
    assert!(
        !page.contains("张三") && !page.contains("c-pcom-101"),
        "no unit: {page}"
    );

    // Another firm sees none of them and is refused the reply.
    let (status, _, page) = get(app, "/firm/comments", Some(&other)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("电梯经常停运"), "{page}");
    let (status, _, page) = post(
        app,
        &action,
        Some(&other),
        &[("_csrf", CSRF), ("text", "我们来回复")],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    assert!(
        page.contains("只有该季度为本小区服务的物业服务企业可以回复意见"),
        "{page}"
    );
    // Without the form's token, or as a committee: refused.
    let (status, _, _) = post(app, &action, Some(&serving), &[("text", "x")]).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = get(app, "/firm/comments", Some(&committee)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, location, _) = get(app, "/firm/comments", None).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with("/signin"), "{location}");

    // A blank reply is named beside its comment, what was typed kept.
    let (status, _, page) = post(
        app,
        &action,
        Some(&serving),
        &[("_csrf", CSRF), ("text", "   ")],
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains(&format!("id=\"reply-{comment}-error\"")),
        "{page}"
    );

    // The reply, once; then shown instead of the form, and in public.
    let reply = "已更换电梯主板，并加密维保，欢迎监督。";
    let (status, location, _) = post(
        app,
        &action,
        Some(&serving),
        &[("_csrf", CSRF), ("text", reply)],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.starts_with("/firm/comments?done="), "{location}");
    let (_, _, page) = get(app, "/firm/comments", Some(&serving)).await;
    assert!(page.contains(reply), "{page}");
    assert!(!page.contains(&format!("action=\"{action}\"")), "{page}");
    let (status, _, page) = post(
        app,
        &action,
        Some(&serving),
        &[("_csrf", CSRF), ("text", "再次回复")],
    )
    .await;
    assert_eq!(status, StatusCode::CONFLICT, "{page}");
    assert!(page.contains("该意见已经回复过"), "{page}");
    let shown = w.get(&format!("/unit-surveys/{sid}"), None).await.json();
    assert!(shown.to_string().contains(reply), "{shown}");
    w.stop().await;
}
