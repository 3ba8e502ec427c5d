//! Committee pages and the public compound/tender pages: the invitations API, the pages'
//! refusals and form errors over HTTP, and a committee's whole journey in a browser (vote,
//! tender, matched firms and an invitation, bids side by side, scores, award, contract, and
//! the public pages showing the result).

use std::time::{Duration, Instant};

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use wuye_e2e::browser::Browser;
use wuye_e2e::fixtures::{compound_body, firm_body};
use wuye_e2e::{Answer, Backend, TestApp, both_backends, spawn_app};

use wuye_e2e::fixtures::{JINGUANYI, merged};
use wuye_e2e::tender::{bid_body, from_now, tender_body};

both_backends!(
    invitations_api,
    committee_pages_refuse_and_keep_typed_values,
    committee_journey_in_a_browser,
    owners_vote_award_through_the_pages,
);

fn association(app: &TestApp) -> String {
    app.token(Role::Association, Scope::City)
}

fn committee(app: &TestApp, compound: &str) -> String {
    app.token(Role::Committee, Scope::Compound(compound.into()))
}

fn firm_token(app: &TestApp, firm: &str) -> String {
    app.token(Role::Firm, Scope::Firm(firm.into()))
}

async fn post(app: &TestApp, url: String, token: Option<&str>, body: &Value) -> Answer {
    app.send(Method::POST, &url, token, Some(body)).await
}

/// A firm applied through the catalog (firm_body plus `overrides`), recommended if asked.
async fn firm(app: &TestApp, name: &str, n: u32, overrides: Value, recommend: bool) -> String {
    let a = post(
        app,
        format!("{}/catalog/firms", app.catalog_url),
        None,
        &merged(firm_body(name, n), overrides),
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

async fn compound(app: &TestApp, code: &str) -> String {
    let a = post(
        app,
        format!("{}/catalog/compounds", app.catalog_url),
        Some(&association(app)),
        &compound_body(code, JINGUANYI),
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.json()["id"].as_str().unwrap().to_string()
}

/// A tender the firms of `firm_body` may bid for (professional, commission, grade 3).
fn fitting_tender(compound: &str, overrides: Value) -> Value {
    tender_body(
        compound,
        merged(
            json!({"fee_model": "commission", "needs": "需要电梯维保、消防设施管理和日常保洁。",
                "enquiry_deadline": from_now(3_600_000), "bid_deadline": from_now(7_200_000),
                "opening_at": from_now(7_200_000)}),
            overrides,
        ),
    )
}

/// Creates (and, if asked, publishes) a tender; returns its id.
async fn tender(app: &TestApp, compound: &str, body: &Value, publish: bool) -> String {
    let token = committee(app, compound);
    let a = post(
        app,
        format!("{}/tenders", app.tender_url),
        Some(&token),
        body,
    )
    .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let id = a.json()["id"].as_str().unwrap().to_string();
    if publish {
        let p = post(
            app,
            format!("{}/tenders/{id}/publish", app.tender_url),
            Some(&token),
            &json!({}),
        )
        .await;
        assert_eq!(p.status, 200, "{}", p.body);
    }
    id
}

fn firm_ids(a: &Answer) -> Vec<String> {
    a.json()
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {}", a.body))
        .iter()
        .map(|i| i["firm_id"].as_str().unwrap().to_string())
        .collect()
}

async fn invitations_api(backend: Backend) {
    let app = spawn_app(backend).await;
    let near = firm(&app, "锦城物业", 1, json!({}), true).await;
    let other = firm(&app, "蓉安物业", 2, json!({}), true).await;
    let applicant = firm(&app, "申请中物业", 3, json!({}), false).await;
    let a = compound(&app, "inv-a").await;
    let b = compound(&app, "inv-b").await;
    app.tender_follows_catalog().await;
    let open = tender(&app, &a, &fitting_tender(&a, json!({})), true).await;
    let draft = tender(&app, &b, &fitting_tender(&b, json!({})), false).await;
    let url = |t: &str| format!("{}/tenders/{t}/invitations", app.tender_url);
    let (ca, cb) = (committee(&app, &a), committee(&app, &b));

    // The committee invites a recommended firm: 201, and the same again answers the one
    // invitation (200, same id).
    let first = post(
        &app,
        url(&open),
        Some(&ca),
        &json!({"firm_id": near, "message": "欢迎贵公司参与投标"}),
    )
    .await;
    assert_eq!(first.status, 201, "{}", first.body);
    let inv = first.json();
    assert_eq!(inv["firm_name"], "锦城物业");
    assert_eq!(inv["message"], "欢迎贵公司参与投标");
    let again = post(&app, url(&open), Some(&ca), &json!({"firm_id": near})).await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(again.json()["id"], inv["id"]);
    let second = post(&app, url(&open), Some(&ca), &json!({"firm_id": other})).await;
    assert_eq!(second.status, 201, "{}", second.body);

    // Another compound's committee may not invite for this tender; a firm not on the
    // roster, or unknown, is refused with the reason on `firm_id`.
    post(&app, url(&open), Some(&cb), &json!({"firm_id": near}))
        .await
        .problem(403, "forbidden");
    let refused = post(&app, url(&open), Some(&ca), &json!({"firm_id": applicant})).await;
    refused.problem(422, "firm_not_recommended");
    assert!(
        refused
            .field_error("firm_id")
            .is_some_and(|m| m.contains("推荐名录")),
        "{}",
        refused.body
    );
    post(
        &app,
        url(&open),
        Some(&ca),
        &json!({"firm_id": "no-such-firm"}),
    )
    .await
    .problem(422, "firm_unknown");
    // Only while the tender takes bids: not on a draft.
    post(&app, url(&draft), Some(&cb), &json!({"firm_id": near}))
        .await
        .problem(409, "tender_not_open");
    // A firm cannot invite; nobody anonymous.
    post(
        &app,
        url(&open),
        Some(&firm_token(&app, &near)),
        &json!({"firm_id": other}),
    )
    .await
    .problem(403, "forbidden");
    post(&app, url(&open), None, &json!({"firm_id": near}))
        .await
        .problem(401, "unauthenticated");

    // Reading: the committee sees every invitation, a firm only its own, others 403,
    // anonymous 401.
    let all = app.get(&url(&open), Some(&ca)).await;
    assert_eq!(all.status, 200, "{}", all.body);
    assert_eq!(firm_ids(&all), vec![near.clone(), other.clone()]);
    let own = app.get(&url(&open), Some(&firm_token(&app, &near))).await;
    assert_eq!(firm_ids(&own), vec![near.clone()]);
    let none = app
        .get(&url(&open), Some(&firm_token(&app, &applicant)))
        .await;
    assert_eq!(none.status, 200);
    assert!(firm_ids(&none).is_empty());
    app.get(&url(&open), Some(&cb))
        .await
        .problem(403, "forbidden");
    app.get(&url(&open), Some(&association(&app)))
        .await
        .problem(403, "forbidden");
    app.get(&url(&open), None)
        .await
        .problem(401, "unauthenticated");
    // Another committee's draft stays invisible.
    app.get(&url(&draft), Some(&ca))
        .await
        .problem(404, "not_found");

    // A firm's own invitations across tenders.
    let mine_url = format!("{}/tenders/invitations/mine", app.tender_url);
    let mine = app.get(&mine_url, Some(&firm_token(&app, &other))).await;
    assert_eq!(mine.status, 200, "{}", mine.body);
    let list = mine.json();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["tender_id"], open.as_str());
    assert_eq!(list[0]["compound_id"], a.as_str());
    app.get(&mine_url, Some(&ca))
        .await
        .problem(403, "forbidden");
    app.get(&mine_url, None)
        .await
        .problem(401, "unauthenticated");
    // The invited firm sees it on its workbench with a link to bid; a firm never invited
    // sees no invitations there.
    let invited = Visitor::new(&app, Some(firm_token(&app, &near))).await;
    let (status, page, _) = invited.get("/firm").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        page.contains("收到的投标邀请") && page.contains("欢迎贵公司参与投标"),
        "{page}"
    );
    assert!(page.contains(&format!("href=\"/firm/tenders/{open}\"")));
    let never = Visitor::new(&app, Some(firm_token(&app, &applicant))).await;
    let (status, page, _) = never.get("/firm").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains("收到的投标邀请"));

    // Each invitation is one change in tender's feed, in the same transaction.
    let feed = app
        .feed(&app.tender_url, "/tenders", 0, 1000, 0)
        .await
        .json();
    let invited: Vec<&Value> = feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["topic"] == "tender_invitation")
        .collect();
    assert_eq!(invited.len(), 2, "{feed}");
    assert!(invited.iter().all(|c| c["kind"] == "invited"));
    app.stop().await;
}

// ---------------------------------------------------------------------------------------
// Over HTTP

/// A client that keeps redirects visible, with a CSRF cookie and token from the sign-in
/// page, and optionally a session.
struct Visitor {
    client: Client,
    base: String,
    cookies: String,
    csrf: String,
}

impl Visitor {
    async fn new(app: &TestApp, session: Option<String>) -> Self {
        let client = Client::builder().redirect(Policy::none()).build().unwrap();
        let res = client
            .get(format!("{}/signin", app.web_url))
            .send()
            .await
            .unwrap();
        let set = res
            .headers()
            .get_all(SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find(|v| v.starts_with("wuye_csrf="))
            .expect("a CSRF cookie")
            .to_string();
        let pair = set.split(';').next().unwrap().to_string();
        let csrf = pair.split_once('=').unwrap().1.to_string();
        let cookies = match session {
            Some(t) => format!("{pair}; wuye_session={t}"),
            None => pair,
        };
        Self {
            client,
            base: app.web_url.clone(),
            cookies,
            csrf,
        }
    }

    async fn get(&self, path: &str) -> (StatusCode, String, Option<String>) {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookies)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let location = res
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        (status, res.text().await.unwrap(), location)
    }

    async fn post(
        &self,
        path: &str,
        form: &[(&str, &str)],
        with_csrf: bool,
    ) -> (StatusCode, String, Option<String>) {
        let mut fields: Vec<(&str, &str)> = form.to_vec();
        if with_csrf {
            fields.push(("_csrf", &self.csrf));
        }
        let res = self
            .client
            .post(format!("{}{path}", self.base))
            .header(COOKIE, &self.cookies)
            .form(&fields)
            .send()
            .await
            .unwrap();
        let status = res.status();
        let location = res
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string);
        (status, res.text().await.unwrap(), location)
    }
}

async fn committee_pages_refuse_and_keep_typed_values(backend: Backend) {
    let app = spawn_app(backend).await;
    let bidder = firm(&app, "锦城物业", 1, json!({}), true).await;
    let a = compound(&app, "page-a").await;
    let b = compound(&app, "page-b").await;
    app.tender_follows_catalog().await;
    let open = tender(
        &app,
        &a,
        &fitting_tender(&a, json!({"title": "望江小区物业服务招标"})),
        true,
    )
    .await;
    // A sealed bid with a price that must never appear before the opening.
    let bid = post(
        &app,
        format!("{}/tenders/{open}/bids", app.tender_url),
        Some(&firm_token(&app, &bidder)),
        &bid_body(173, 87_192_000),
    )
    .await;
    assert_eq!(bid.status, 201, "{}", bid.body);

    // Anonymous: redirected to sign in, then back.
    let anonymous = Visitor::new(&app, None).await;
    for path in [
        "/committee",
        &format!("/committee/tenders/{open}"),
        "/committee/tenders/new",
    ] {
        let (status, _, location) = anonymous.get(path).await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{path}");
        let location = location.unwrap();
        assert!(
            location.starts_with("/signin?next=%2Fcommittee"),
            "{location}"
        );
    }
    // A firm: 403.
    let firm_visitor = Visitor::new(&app, Some(firm_token(&app, &bidder))).await;
    let (status, page, _) = firm_visitor.get("/committee").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("无权"), "{page}");
    // Another compound's committee: 403 on this compound's tender pages, and its
    // actions are refused too (the API refuses them as well).
    let other = Visitor::new(&app, Some(committee(&app, &b))).await;
    for path in [
        format!("/committee/tenders/{open}"),
        format!("/committee/tenders/{open}/edit"),
    ] {
        let (status, page, _) = other.get(&path).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{path}");
        assert!(!page.contains("投标文件对比"));
    }
    let (status, _, _) = other
        .post(
            &format!("/committee/tenders/{open}/invitations"),
            &[("firm_id", bidder.as_str())],
            true,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // The own committee sees its tender.
    let own = Visitor::new(&app, Some(committee(&app, &a))).await;
    let (status, page, _) = own.get(&format!("/committee/tenders/{open}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("望江小区物业服务招标") && page.contains("距投标截止还有"));
    assert!(
        !page.contains("871,920.00"),
        "no sealed price on the committee page"
    );

    // A post without the CSRF field is refused, and nothing is created.
    let (status, page, _) = own
        .post(
            "/committee/votes",
            &[("matter", "other"), ("total_owners", "10")],
            false,
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(page.contains("表单已过期或来源不明"));
    let votes = app
        .get(
            &format!("{}/tenders/votes?compound={a}", app.tender_url),
            None,
        )
        .await;
    assert_eq!(votes.json()["total"], 0);

    // The tender form: a value the page cannot read is refused beside its field, and
    // every typed value is kept.
    let new_b = Visitor::new(&app, Some(committee(&app, &b))).await;
    let form = |fee: &'static str, budget: &'static str| {
        vec![
            ("title", "玉林小区物业服务招标"),
            ("service_model", "professional"),
            ("fee_model", "commission"),
            ("grade", "3"),
            ("term_months", "36"),
            ("annual_budget_yuan", budget),
            ("proposed_fee_yuan", fee),
            ("needs", "需要加装电梯后的维保服务"),
            ("enquiry_deadline", "2099-01-01 10:00"),
            ("bid_deadline", "2099-02-01 10:00"),
            ("opening_at", "2099-02-01 10:00"),
            ("evaluation_method", "price_only"),
            ("price_weight", ""),
            ("criteria", ""),
        ]
    };
    let (status, page, _) = new_b
        .post("/committee/tenders", &form("1.2.3", "604800"), true)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.contains("id=\"proposed_fee_yuan-error\""), "{page}");
    assert!(page.contains("value=\"1.2.3\""));
    assert!(page.contains("value=\"玉林小区物业服务招标\""));
    assert!(page.contains("需要加装电梯后的维保服务"));
    // A value the API refuses (a zero budget): its message beside the budget input.
    let (status, page, _) = new_b
        .post("/committee/tenders", &form("1.80", "0"), true)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let at = page
        .find("id=\"annual_budget_yuan-error\"")
        .unwrap_or_else(|| panic!("no budget error: {page}"));
    assert!(page[at..].starts_with("id=\"annual_budget_yuan-error\">年度预算必须大于 0"));
    assert!(page.contains("aria-describedby=\"annual_budget_yuan-error\""));
    assert!(page.contains("value=\"1.80\"") && page.contains("value=\"2099-02-01 10:00\""));
    // Fixed, it is saved as a draft and the browser is sent to it.
    let (status, _, location) = new_b
        .post("/committee/tenders", &form("1.80", "604800"), true)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let location = location.unwrap();
    assert!(location.starts_with("/committee/tenders/"));
    let draft = location
        .trim_start_matches("/committee/tenders/")
        .split('?')
        .next()
        .unwrap()
        .to_string();

    // A draft is not public.
    let (status, _, _) = anonymous.get(&format!("/tender/{draft}")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Editing the draft (PATCH): the form shows the terms; only the changed fee is sent.
    let (status, page, _) = new_b.get(&format!("/committee/tenders/{draft}/edit")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("value=\"604800.00\"") && page.contains("value=\"1.80\""));
    let mut edited = form("1.95", "604800.00");
    for (k, v) in edited.iter_mut() {
        if *k == "enquiry_deadline" || *k == "bid_deadline" || *k == "opening_at" {
            *v = match *k {
                "enquiry_deadline" => "2099-01-01 10:00:00",
                _ => "2099-02-01 10:00:00",
            };
        }
    }
    let (status, _, location) = new_b
        .post(&format!("/committee/tenders/{draft}/edit"), &edited, true)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location:?}");
    let stored = app
        .get(
            &format!("{}/tenders/{draft}", app.tender_url),
            Some(&committee(&app, &b)),
        )
        .await
        .json();
    assert_eq!(stored["proposed_fee"], 195);
    assert_eq!(stored["annual_budget_fen"], 60_480_000);
    // Cancelling needs a reason, shown beside its input; then the draft is cancelled.
    let (status, page, _) = new_b
        .post(
            &format!("/committee/tenders/{draft}/cancel"),
            &[("reason", "")],
            true,
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("id=\"cancel-reason-error\">终止原因应为 2–500 个字符"),
        "{page}"
    );
    let (status, _, _) = new_b
        .post(
            &format!("/committee/tenders/{draft}/cancel"),
            &[("reason", "业主大会决定暂缓选聘")],
            true,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // Q&A: a firm asks (through the API); the committee answers on its page; the answer
    // is public, the asker never named.
    let asked = post(
        &app,
        format!("{}/tenders/{open}/questions", app.tender_url),
        Some(&firm_token(&app, &bidder)),
        &json!({"question": "现有门卫室是否可作为物业服务用房？"}),
    )
    .await;
    assert_eq!(asked.status, 201, "{}", asked.body);
    let qid = asked.json()["id"].as_str().unwrap().to_string();
    let (_, page, _) = own.get(&format!("/committee/tenders/{open}")).await;
    assert!(page.contains("现有门卫室是否可作为物业服务用房？"));
    assert!(page.contains(&format!("/questions/{qid}/answer")));
    let (status, _, _) = own
        .post(
            &format!("/committee/tenders/{open}/questions/{qid}/answer"),
            &[("answer", "可以，门卫室无偿提供给中标企业使用。")],
            true,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);

    // The public tender page before the deadline: terms, no bidder, no price.
    let (status, page, _) = anonymous.get(&format!("/tender/{open}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("望江小区物业服务招标") && page.contains("距投标截止还有"));
    assert!(page.contains("开标前投标文件密封"));
    assert!(page.contains("门卫室无偿提供给中标企业使用"));
    for secret in ["871,920.00", "1.73 元", "锦城物业"] {
        assert!(!page.contains(secret), "{secret} leaked before the opening");
    }
    // The public compound page links the tender.
    let (status, page, _) = anonymous.get(&format!("/compounds/{a}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(&format!("href=\"/tender/{open}\"")));
    app.stop().await;
}

// ---------------------------------------------------------------------------------------
// In the browser

/// Reloads `url` until its text contains `needle` (at most `secs`).
async fn reload_until(browser: &Browser, url: &str, needle: &str, secs: u64) -> String {
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        browser.open(url).await.unwrap();
        let text = browser.text().await.unwrap();
        if text.contains(needle) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "{url} never showed {needle:?}: {text}"
        );
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}

/// Beijing time `ms_from_now` from now, as the tender form takes it (`2026-12-01 18:00:05`).
fn local(ms_from_now: i64) -> String {
    let at = tender::clock::to_rfc3339(shared::db::now_ms() + ms_from_now);
    at[..19].replace('T', " ")
}

async fn committee_journey_in_a_browser(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let app = spawn_app(backend.clone()).await;
    let tag = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres(_) => "postgres",
    };
    let shot = |name: &str| format!("{name}-{tag}");
    let jincheng = firm(
        &app,
        "成都锦城物业服务有限公司",
        1,
        json!({"location": {"lon": 104.084, "lat": 30.653}}),
        true,
    )
    .await;
    let rongan = firm(
        &app,
        "四川蓉安物业管理有限公司",
        2,
        json!({"location": {"lon": 104.090, "lat": 30.660},
            "profile": "深耕锦江区老旧院落，提供秩序维护、保洁绿化和电梯维保。"}),
        true,
    )
    .await;
    let c = compound(&app, "wj001").await;
    let account = post(
        &app,
        format!("{}/catalog/accounts", app.catalog_url),
        Some(&association(&app)),
        &json!({"username": "wangjiang", "display_name": "wj001号院业委会", "password": "committee-pass-2026",
            "role": "committee", "scope_id": c}),
    )
    .await;
    assert_eq!(account.status, 201, "{}", account.body);
    app.tender_follows_catalog().await;
    let url = |p: &str| format!("{}{p}", app.web_url);

    // Signing in as the committee lands on its workbench.
    browser.open(&url("/committee")).await.unwrap();
    browser.wait_for("登录").await.unwrap();
    browser.fill("#username", "wangjiang").await.unwrap();
    browser
        .fill("#password", "committee-pass-2026")
        .await
        .unwrap();
    browser
        .click("form[action='/signin'] button[type=submit]")
        .await
        .unwrap();
    let text = browser.wait_for("小区自治组织工作台").await.unwrap();
    assert!(text.contains("wj001号院") && text.contains("小区概况"));
    browser.screenshot(&shot("committee-home")).await.unwrap();

    // A passing owners' vote typed as totals (a decision of before the register), and why
    // it passes; the workbench links the votes from ballots instead.
    assert!(
        browser
            .client
            .find(fantoccini::Locator::Css("a[href='/committee/votes']"))
            .await
            .is_ok()
    );
    browser
        .open(&url("/committee/typed-votes/new"))
        .await
        .unwrap();
    browser.wait_for("录入业主共同决定").await.unwrap();
    browser
        .fill("#subject", "选择专业化物业服务并公开招标选聘物业服务企业")
        .await
        .unwrap();
    for (field, value) in [
        ("#total_owners", "480"),
        ("#total_area_m2", "42000"),
        ("#participating_owners", "400"),
        ("#participating_area_m2", "36000"),
        ("#approving_owners", "352"),
        ("#approving_area_m2", "31500"),
        ("#document_ref", "业主大会决议〔2026〕1 号"),
    ] {
        browser.fill(field, value).await.unwrap();
    }
    browser
        .click("form[action='/committee/typed-votes'] button[type=submit]")
        .await
        .unwrap();
    let text = browser.wait_for("本次表决形成业主共同决定").await.unwrap();
    assert!(text.contains("通过") && text.contains("83.3%") && !text.contains("不满足"));
    browser.screenshot(&shot("vote-result")).await.unwrap();

    // A tender: first refused (a zero budget) with the message beside the field and the
    // typed values kept, then saved and published.
    browser.open(&url("/committee/tenders/new")).await.unwrap();
    browser.wait_for("发起物业服务招标").await.unwrap();
    let fill_form = async |budget: &str| {
        browser.fill("#annual_budget_yuan", budget).await.unwrap();
        browser.fill("#proposed_fee_yuan", "1.80").await.unwrap();
        browser
            .fill(
                "#needs",
                "需要电梯维保、消防设施管理和日常保洁，每月公示收支。",
            )
            .await
            .unwrap();
        browser
            .fill("#enquiry_deadline", &local(30_000))
            .await
            .unwrap();
        browser.fill("#bid_deadline", &local(40_000)).await.unwrap();
        browser.fill("#opening_at", &local(40_000)).await.unwrap();
        browser
            .click("#evaluation_method option[value=rated]")
            .await
            .unwrap();
        browser.fill("#price_weight", "40").await.unwrap();
        browser
            .fill("#criteria", "服务方案 40\n人员配置 20")
            .await
            .unwrap();
        browser
            .click("form[action='/committee/tenders'] button[type=submit]")
            .await
            .unwrap();
    };
    fill_form("0").await;
    browser.wait_for("年度预算必须大于 0").await.unwrap();
    let kept = browser
        .client
        .find(fantoccini::Locator::Css("#criteria"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some("服务方案 40\n人员配置 20"));
    let error = browser
        .client
        .find(fantoccini::Locator::Css("#annual_budget_yuan-error"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(error, "年度预算必须大于 0");
    browser
        .screenshot(&shot("tender-form-error"))
        .await
        .unwrap();
    fill_form("604800").await;
    browser.wait_for("已保存招标草稿").await.unwrap();
    let detail = browser.client.current_url().await.unwrap();
    let tender_id = detail
        .path()
        .trim_start_matches("/committee/tenders/")
        .to_string();
    browser
        .click("form#publish button[type=submit]")
        .await
        .unwrap();
    browser.wait_for("已发布招标公告").await.unwrap();

    // The matched firms with their reasons; invite one.
    let detail_url = url(&format!("/committee/tenders/{tender_id}"));
    let text = reload_until(&browser, &detail_url, "四川蓉安物业管理有限公司", 20).await;
    assert!(text.contains("成都锦城物业服务有限公司"));
    assert!(text.contains("公里") && text.contains("邀请投标"));
    browser.screenshot(&shot("matched-firms")).await.unwrap();
    browser
        .click(&format!(
            "form[action$='/invitations']:has(input[value='{rongan}']) button"
        ))
        .await
        .unwrap();
    let text = browser
        .wait_for("已邀请四川蓉安物业管理有限公司投标")
        .await
        .unwrap();
    assert!(text.contains("已邀请"));
    let invited = app
        .get(
            &format!("{}/tenders/invitations/mine", app.tender_url),
            Some(&firm_token(&app, &rongan)),
        )
        .await
        .json();
    assert_eq!(invited[0]["tender_id"], tender_id.as_str());

    // Two firms bid (through the API), before the deadline.
    for (firm, fee, price) in [(&jincheng, 175, 88_200_000), (&rongan, 168, 84_672_000)] {
        let mut body = bid_body(fee, price);
        body["criteria_answers"] = json!([
            {"name": "服务方案", "answer": "三级服务标准，电梯维保 24 小时响应。"},
            {"name": "人员配置", "answer": "项目经理 1 人，维修 2 人，保洁 3 人。"}
        ]);
        let a = post(
            &app,
            format!("{}/tenders/{tender_id}/bids", app.tender_url),
            Some(&firm_token(&app, firm)),
            &body,
        )
        .await;
        assert_eq!(a.status, 201, "{}", a.body);
    }
    // Before the deadline, the public page shows no bidder and no price.
    browser
        .open(&url(&format!("/tender/{tender_id}")))
        .await
        .unwrap();
    let text = browser.wait_for("距投标截止还有").await.unwrap();
    assert!(!text.contains("1.68 元") && !text.contains("蓉安"));

    // The deadline passes; the bids open; the committee sees them side by side.
    let text = reload_until(&browser, &detail_url, "投标文件对比", 60).await;
    assert!(text.contains("1.75 元/㎡·月") && text.contains("1.68 元/㎡·月"));
    assert!(text.contains("电梯维保 24 小时响应"));
    browser
        .screenshot(&shot("bids-side-by-side"))
        .await
        .unwrap();

    // Scores (rated), then the ranking.
    let inputs = browser
        .client
        .find_all(fantoccini::Locator::Css("input[name^='pts:']"))
        .await
        .unwrap();
    assert_eq!(inputs.len(), 4);
    for input in inputs {
        let name = input.attr("name").await.unwrap().unwrap();
        let jc = name.contains(&bid_of(&app, &tender_id, &jincheng).await);
        let points = match (name.ends_with(":0"), jc) {
            (true, true) => "38",
            (true, false) => "30",
            (false, true) => "18",
            (false, false) => "15",
        };
        input.clear().await.unwrap();
        input.send_keys(points).await.unwrap();
    }
    browser
        .click("form[action$='/scores'] button[type=submit]")
        .await
        .unwrap();
    let text = browser.wait_for("已保存评分").await.unwrap();
    assert!(text.contains("评标排名"));

    // Award to the top-ranked bid.
    browser
        .click("form[action$='/award'] button[type=submit]")
        .await
        .unwrap();
    let text = browser.wait_for("已定标").await.unwrap();
    assert!(text.contains("公示期"));
    browser.screenshot(&shot("award")).await.unwrap();
    let winner = app
        .get(&format!("{}/tenders/{tender_id}", app.tender_url), None)
        .await
        .json()["award"]["firm_name"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(
        winner, "成都锦城物业服务有限公司",
        "the better-scored bid wins"
    );

    // The citywide coverage figure on the home page before the contract: the compound is
    // old, eligible and willing, and not yet served.
    reload_until(&browser, &url("/"), "全市覆盖率", 10).await;
    let text = browser.text().await.unwrap();
    assert!(
        text.contains("已覆盖 0 个 ÷ 符合条件且业主自愿 1 个"),
        "{text}"
    );

    // After the 2 s notice period, the contract.
    reload_until(&browser, &detail_url, "可以签订合同", 10).await;
    // Service starts today (the form proposes the first of next month), so the coverage
    // figure counts the compound at once. Date inputs are set by script: typing into them
    // depends on the browser's locale.
    let today = shared::domain::roster::format_date(shared::domain::roster::china_today());
    browser
        .client
        .execute(
            "document.getElementById('start_date').value = arguments[0];",
            vec![json!(today)],
        )
        .await
        .unwrap();
    browser
        .click("form[action$='/contract'] button[type=submit]")
        .await
        .unwrap();
    browser.wait_for("已签订物业服务合同").await.unwrap();

    // The public pages show the result.
    browser
        .open(&url(&format!("/compounds/{c}")))
        .await
        .unwrap();
    let text = browser.wait_for("物业服务").await.unwrap();
    assert!(text.contains(&winner) && text.contains("履行中"));
    browser.screenshot(&shot("public-compound")).await.unwrap();
    browser
        .open(&url(&format!("/tender/{tender_id}")))
        .await
        .unwrap();
    let text = browser.wait_for("定标结果").await.unwrap();
    assert!(text.contains(&winner) && text.contains("开标记录") && text.contains("物业服务合同"));
    browser.screenshot(&shot("public-tender")).await.unwrap();
    // The coverage figure moves once matching has read the contract from tender's feed.
    reload_until(
        &browser,
        &url("/"),
        "已覆盖 1 个 ÷ 符合条件且业主自愿 1 个",
        15,
    )
    .await;
    browser
        .screenshot(&shot("home-coverage-moved"))
        .await
        .unwrap();
    browser.close().await;

    // After the contract: a satisfaction survey and a budget, through the pages' forms
    // (over HTTP), shown on the public compound page.
    let own = Visitor::new(&app, Some(committee(&app, &c))).await;
    let quarter = {
        let today = &tender::clock::to_rfc3339(shared::db::now_ms())[..7];
        let month: u32 = today[5..7].parse().unwrap();
        format!("{}-Q{}", &today[..4], (month - 1) / 3 + 1)
    };
    let (status, _, location) = own
        .post(
            "/committee/satisfaction",
            &[
                ("period", quarter.as_str()),
                ("satisfied", "300"),
                ("basically_satisfied", "100"),
                ("dissatisfied", "20"),
            ],
            true,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    assert!(location.unwrap().contains("done="));
    let contract = app
        .get(
            &format!("{}/tenders/contracts?compound={c}", app.tender_url),
            None,
        )
        .await
        .json()["items"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let budget = |total_spending: &'static str| {
        vec![
            ("kind", "budget"),
            ("period", "2027"),
            ("income.fee_fen", "600000"),
            ("income.parking_fen", "0"),
            ("income.advertising_fen", "0"),
            ("income.other_fen", "0"),
            ("total_income_fen", "600000"),
            ("spending.personnel_fen", "300000"),
            ("spending.cleaning_fen", "100000"),
            ("spending.greening_fen", "0"),
            ("spending.security_fen", "0"),
            ("spending.maintenance_fen", "0"),
            ("spending.energy_fen", "0"),
            ("spending.other_fen", "0"),
            ("total_spending_fen", total_spending),
            ("opening_balance_fen", "0"),
            ("closing_balance_fen", "200000"),
            ("note", "按合同约定编制"),
        ]
    };
    let path = format!("/committee/contracts/{contract}/disclosures");
    // Totals that do not add up: the message beside the total, the typed figures kept.
    let (status, page, _) = own.post(&path, &budget("500000"), true).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.contains("id=\"total_spending-error\""),
        "no error beside the total: {page}"
    );
    assert!(page.contains("value=\"500000\"") && page.contains("按合同约定编制"));
    let (status, _, _) = own.post(&path, &budget("400000"), true).await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    // Another compound's committee cannot publish for this contract.
    let stranger = Visitor::new(&app, Some(committee(&app, "another-compound"))).await;
    let (status, _, _) = stranger.post(&path, &budget("400000"), true).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (_, page, _) = Visitor::new(&app, None)
        .await
        .get(&format!("/compounds/{c}"))
        .await;
    assert!(page.contains("95.2%"), "the survey's rate");
    assert!(page.contains("年度预算") && page.contains("600,000.00"));
    app.stop().await;
}

/// The id of `firm`'s bid in the opened tender (read as the committee).
async fn bid_of(app: &TestApp, tender: &str, firm: &str) -> String {
    let t: Value = app
        .get(
            &format!("{}/tenders/{tender}/opening", app.tender_url),
            None,
        )
        .await
        .json();
    t["bids"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["firm_id"] == firm)
        .and_then(|b| b["bid_id"].as_str())
        .unwrap()
        .to_string()
}

/// An `owners_vote` tender through the pages: after opening, the committee's tender page
/// links the form that opens a 选聘物业服务企业 vote on it (the tender chosen); the award is
/// refused while no closed vote chose a bid; the owners vote (paper ballots recorded on the
/// vote's page, each naming the bid); once closed the award form awards exactly the bid
/// the owners chose, and the award links the vote it rests on.
async fn owners_vote_award_through_the_pages(backend: Backend) {
    use wuye_e2e::tender::{World, ms, opened_with_bids};
    let w = World::new(backend).await;
    let (id, bid) = opened_with_bids(
        &w,
        "c-owners",
        json!({"evaluation_method": "owners_vote"}),
        &[("f-v1", 150), ("f-v2", 160)],
        json!([]),
    )
    .await;
    let chosen = bid["f-v2"].clone();
    let token = w.committee("c-owners");
    // Three units, three owners.
    let register = w
        .app
        .client
        .post(format!(
            "{}/tenders/compounds/c-owners/register/import?format=csv&mode=strict",
            w.app.tender_url
        ))
        .bearer_auth(&token)
        .body(
            "楼栋,单元,房号,专有部分面积(㎡),业主姓名,联系电话,状态\n\
             1栋,,101,80,张三,,\n1栋,,102,90,李四,,\n1栋,,103,100,王五,,\n",
        )
        .send()
        .await
        .unwrap();
    assert_eq!(register.status(), 200);
    let page = Visitor::new(&w.app, Some(token.clone())).await;
    let (status, html, _) = page.get(&format!("/committee/tenders/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{html}");
    let link = format!("/committee/votes/new?matter=choose_firm&amp;tender={id}");
    assert!(
        html.contains("业主表决定标") && html.contains(&link),
        "{html}"
    );
    let (status, form, _) = page.get(&link.replace("&amp;", "&")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        form.contains(&format!("<option value=\"{id}\" selected>")),
        "{form}"
    );

    // No closed vote yet: the award is refused, with why.
    let (status, html, _) = page
        .post(
            &format!("/committee/tenders/{id}/award"),
            &[("bid_id", chosen.as_str()), ("reason", "")],
            true,
        )
        .await;
    assert!(status.is_client_error(), "{status}: {html}");
    assert!(html.contains("role=\"alert\""), "{html}");

    // The vote (its period is short, so it is opened through the API), the paper ballots
    // recorded on its page, the close.
    let v = w
        .post(
            "/compounds/c-owners/ballot-votes",
            Some(&token),
            &json!({"matter": "choose_firm", "question": "选聘哪家物业服务企业？", "tender_id": id,
                "opens_at": from_now(-60_000), "closes_at": from_now(4_000)}),
        )
        .await;
    assert_eq!(v.status, 201, "{}", v.body);
    let v = v.json();
    let vid = v["id"].as_str().unwrap().to_string();
    let units = w
        .get("/compounds/c-owners/register?limit=10", Some(&token))
        .await
        .json();
    for (i, unit) in units["units"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .enumerate()
    {
        let pick = format!("option:{chosen}");
        let paper_ref = format!("XP-{i}");
        let (status, html, _) = page
            .post(
                &format!("/committee/votes/{vid}/paper-ballots"),
                &[
                    ("unit_id", unit["id"].as_str().unwrap()),
                    ("pick", &pick),
                    ("paper_ref", &paper_ref),
                ],
                true,
            )
            .await;
        assert_eq!(status, StatusCode::SEE_OTHER, "{html}");
    }
    let wait = ms(&v["closes_at"]) - shared::db::now_ms() + 300;
    if wait > 0 {
        tokio::time::sleep(Duration::from_millis(wait as u64)).await;
    }
    let (status, _, location) = page
        .post(&format!("/committee/votes/{vid}/close"), &[], true)
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let (_, result, _) = page.get(&location.unwrap()).await;
    assert!(
        result.contains("本次表决形成业主共同决定：选定 <strong>f-v2物业"),
        "{result}"
    );

    let (status, _, location) = page
        .post(
            &format!("/committee/tenders/{id}/award"),
            &[("bid_id", chosen.as_str()), ("reason", "")],
            true,
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{location:?}");
    let awards = w
        .app
        .get(
            &format!("{}/tenders/{id}/awards", w.app.tender_url),
            Some(&token),
        )
        .await;
    assert!(awards.body.contains(&chosen), "{}", awards.body);
    let (_, public, _) = page.get(&format!("/tender/{id}")).await;
    assert!(
        public.contains(&format!("href=\"/votes/{vid}\" id=\"award-vote\"")),
        "the award links the vote it rests on: {public}"
    );
    w.stop().await;
}
