//! Work plans (工作方案) and the progress list (动态推进清单), on hand-checked data through
//! the real APIs: a street's plan with six compounds, one at every stage, the platform's
//! stages filled by a real typed vote, tenders and a contract, the street's own stages
//! recorded, exactly one overdue stage; the filters; the district's and the city's
//! roll-ups; and every refusal beyond an official's area.

use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use shared::db::now_ms;
use shared::domain::roster::{Date, china_today, format_date};
use tender::clock::{parse_rfc3339, to_rfc3339};
use wuye_e2e::fixtures::{JINGUANYI, JINJIANG, compound_body, firm_body};
use wuye_e2e::{Answer, Backend, TestApp, both_backends, spawn_app};

both_backends!(
    a_streets_plan_fills_its_stages_from_the_platforms_records,
    the_quarterly_bulletin_flags_the_bottom_three_twice_in_a_row,
    a_street_official_makes_its_plan_in_a_browser,
    a_vote_from_ballots_fills_the_owners_vote_stage,
);

const DONGHU: &str = "510104018";
const QINGYANG: &str = "510105";
const CAOSHIJIE: &str = "510105002";

/// `day` moved by `n` days, as `YYYY-MM-DD`.
fn plus(day: Date, n: i32) -> String {
    format_date(Date::from_julian_day(day.to_julian_day() + n).unwrap())
}

struct World {
    app: TestApp,
}

impl World {
    fn association(&self) -> String {
        self.app.token(Role::Association, Scope::City)
    }

    fn street(&self, code: &str) -> String {
        self.app
            .token(Role::StreetOfficial, Scope::Street(code.into()))
    }

    fn district(&self, code: &str) -> String {
        self.app
            .token(Role::DistrictOfficial, Scope::District(code.into()))
    }

    async fn call(
        &self,
        method: Method,
        url: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Answer {
        self.app.send(method, url, token, body).await
    }

    async fn ok(&self, method: Method, url: &str, token: Option<&str>, body: &Value) -> Value {
        let a = self.call(method, url, token, Some(body)).await;
        assert!(a.status.is_success(), "{url}: {} {}", a.status, a.body);
        a.json()
    }

    fn catalog(&self, path: &str) -> String {
        format!("{}/catalog{path}", self.app.catalog_url)
    }

    fn tenders(&self, path: &str) -> String {
        format!("{}/tenders{path}", self.app.tender_url)
    }

    fn matching(&self, path: &str) -> String {
        format!("{}/match{path}", self.app.matching_url)
    }

    fn plan_url(&self, street: &str, year: i32) -> String {
        self.catalog(&format!("/plans/{street}/{year}"))
    }

    async fn followed(&self) {
        let app = &self.app;
        app.wait_followed(&app.matching_db, "catalog", &app.catalog_url, "/catalog")
            .await;
        app.wait_followed(&app.matching_db, "tender", &app.tender_url, "/tenders")
            .await;
    }

    /// A compound entered by the association; its id.
    async fn compound(&self, code: &str, street: &str) -> String {
        let c = self
            .ok(
                Method::POST,
                &self.catalog("/compounds"),
                Some(&self.association()),
                &compound_body(code, street),
            )
            .await;
        c["id"].as_str().unwrap().to_string()
    }

    /// A firm applied and recommended; its id.
    async fn firm(&self, name: &str, n: u32) -> String {
        let f = self
            .ok(
                Method::POST,
                &self.catalog("/firms"),
                None,
                &firm_body(name, n),
            )
            .await;
        let id = f["id"].as_str().unwrap().to_string();
        self.ok(
            Method::POST,
            &self.catalog(&format!("/firms/{id}/standing")),
            Some(&self.association()),
            &json!({"action": "recommend", "reason": "审核通过", "review_date": "2099-12-31"}),
        )
        .await;
        id
    }

    /// A price-only tender of `compound` created and published; its id.
    async fn tender(&self, compound: &str) -> String {
        self.app.tender_follows_catalog().await;
        let committee = self
            .app
            .token(Role::Committee, Scope::Compound(compound.into()));
        let at = to_rfc3339(now_ms() + 2_500);
        let t = self
            .ok(
                Method::POST,
                &self.tenders(""),
                Some(&committee),
                &json!({
                    "compound_id": compound, "service_model": "professional", "fee_model": "commission",
                    "grade": 3, "term_months": 36, "annual_budget_fen": 60_480_000, "proposed_fee": 180,
                    "needs": "需要秩序维护、保洁、绿化养护和共用设施设备日常维护。",
                    "enquiry_deadline": at, "bid_deadline": at, "opening_at": at,
                    "evaluation_method": "price_only",
                }),
            )
            .await;
        let id = t["id"].as_str().unwrap().to_string();
        self.ok(
            Method::POST,
            &self.tenders(&format!("/{id}/publish")),
            Some(&committee),
            &json!({}),
        )
        .await;
        id
    }

    /// `compound`'s tender driven to a contract with `firm`, starting today; the contract.
    async fn contract(&self, compound: &str, tender: &str, firm: &str) -> Value {
        let committee = self
            .app
            .token(Role::Committee, Scope::Compound(compound.into()));
        let token = self.app.token(Role::Firm, Scope::Firm(firm.into()));
        let bid = self
            .ok(
                Method::POST,
                &self.tenders(&format!("/{tender}/bids")),
                Some(&token),
                &json!({"fee": 150, "annual_price_fen": 150 * 42_000 * 12,
                    "staffing_plan": "项目经理 1 人，秩序维护 4 人，保洁 3 人。",
                    "service_plan": "按三级标准提供服务，每月公示收支。"}),
            )
            .await;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let view = self
                .app
                .get(&self.tenders(&format!("/{tender}")), None)
                .await
                .json();
            if view["status"] == "evaluation" {
                break;
            }
            assert!(Instant::now() < deadline, "not opened: {view}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let awarded = self
            .ok(
                Method::POST,
                &self.tenders(&format!("/{tender}/award")),
                Some(&committee),
                &json!({"bid_id": bid["id"]}),
            )
            .await;
        let notice_ends =
            parse_rfc3339(awarded["award"]["notice_ends_at"].as_str().unwrap()).unwrap();
        let wait = notice_ends - now_ms() + 50;
        if wait > 0 {
            tokio::time::sleep(Duration::from_millis(wait as u64)).await;
        }
        self.ok(
            Method::POST,
            &self.tenders(&format!("/{tender}/contract")),
            Some(&committee),
            &json!({"start_date": format_date(china_today())}),
        )
        .await
    }

    /// A typed owners' vote of `compound` on the service model, held on `held_on`.
    async fn vote(&self, compound: &str, approving: i64, held_on: &str) -> Value {
        let committee = self
            .app
            .token(Role::Committee, Scope::Compound(compound.into()));
        self.app.tender_follows_catalog().await;
        self.ok(
            Method::POST,
            &self.tenders("/votes"),
            Some(&committee),
            &json!({
                "compound_id": compound, "matter": "choose_service_model",
                "subject": "选择专业化物业服务", "total_owners": 300, "total_area_m2": 30_000,
                "participating_owners": 200, "participating_area_m2": 20_000,
                "approving_owners": approving, "approving_area_m2": approving * 100,
                "held_on": held_on, "document_ref": "表决〔2026〕1号",
            }),
        )
        .await
    }

    /// The progress list as `token` reads it.
    async fn progress(&self, query: &str, token: &str) -> Answer {
        self.app
            .get(
                &self.matching(&format!("/plans/progress?{query}")),
                Some(token),
            )
            .await
    }
}

/// The progress list's compound ids, in order.
fn ids(progress: &Value) -> Vec<String> {
    progress["compounds"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["compound_id"].as_str().unwrap().to_string())
        .collect()
}

/// `(stage, done_on, link id, overdue)` of stage `i` of item `c`.
fn stage(c: &Value, i: usize) -> (Value, Value, Value, Value) {
    let s = &c["stages"][i];
    (
        s["stage"].clone(),
        s["done_on"].clone(),
        s["link"]["id"].clone(),
        s["overdue"].clone(),
    )
}

async fn a_streets_plan_fills_its_stages_from_the_platforms_records(backend: Backend) {
    let w = World {
        app: spawn_app(backend).await,
    };
    let today = china_today();
    let year = today.year();
    let street = w.street(JINGUANYI);

    // Six compounds of 锦官驿街道, one of 东湖街道.
    let mut c = Vec::new();
    for i in 1..=6 {
        c.push(w.compound(&format!("JGY-P{i}"), JINGUANYI).await);
    }
    let elsewhere = w.compound("DH-P1", DONGHU).await;
    let firm = w.firm("锦城物业服务有限公司", 7).await;

    let dues = json!({
        "survey": plus(today, -30), "mobilisation": plus(today, -1),
        "self_governance": plus(today, 30), "owners_vote": plus(today, 30),
        "tender": plus(today, 30), "contract": plus(today, 60),
    });
    let plan =
        json!({"target_compounds": 4, "target_rate_percent": 70, "dues": dues, "compounds": c});

    // Refusals beyond the street: anonymous, a committee, another street, the district
    // (reads only), another district.
    let url = w.plan_url(JINGUANYI, year);
    let put = |token: Option<String>| {
        let (w, url, plan) = (&w, url.clone(), plan.clone());
        async move {
            w.call(Method::PUT, &url, token.as_deref(), Some(&plan))
                .await
        }
    };
    assert_eq!(put(None).await.status, 401);
    put(Some(
        w.app.token(Role::Committee, Scope::Compound(c[0].clone())),
    ))
    .await
    .problem(403, "forbidden");
    put(Some(w.street(DONGHU))).await.problem(403, "forbidden");
    put(Some(w.district(JINJIANG)))
        .await
        .problem(403, "forbidden");
    put(Some(w.district(QINGYANG)))
        .await
        .problem(403, "forbidden");
    w.app
        .get(&url, Some(&street))
        .await
        .problem(404, "not_found");

    // Every bad field at once.
    let mut bad = plan.clone();
    bad["target_rate_percent"] = json!(101);
    bad["dues"]["tender"] = json!(plus(today, 10));
    bad["dues"]["contract"] = json!("2026-02-30");
    bad["compounds"] = json!([c[0], c[0], elsewhere, "no-such-compound"]);
    let a = w.call(Method::PUT, &url, Some(&street), Some(&bad)).await;
    a.problem(422, "validation_failed");
    for f in ["target_rate_percent", "dues.contract", "compounds[1]"] {
        assert!(a.field_error(f).is_some(), "no error for {f}: {}", a.body);
    }
    let a = w
        .call(
            Method::PUT,
            &url,
            Some(&street),
            Some(&json!({"target_compounds": 1, "target_rate_percent": 30,
            "dues": dues, "compounds": [elsewhere, "no-such-compound"]})),
        )
        .await;
    assert_eq!(
        wuye_e2e::field_code(&a, "compounds[0]"),
        "compound_not_in_street"
    );
    assert_eq!(wuye_e2e::field_code(&a, "compounds[1]"), "unknown_compound");
    let mut early = plan.clone();
    early["dues"]["tender"] = json!(plus(today, 10));
    let a = w.call(Method::PUT, &url, Some(&street), Some(&early)).await;
    assert_eq!(
        wuye_e2e::field_code(&a, "dues.tender"),
        "due_before_previous_stage"
    );

    // The street makes its plan; the district and the association read it.
    let saved = w.ok(Method::PUT, &url, Some(&street), &plan).await;
    assert_eq!(
        (saved["version"].clone(), saved["compounds"].clone()),
        (json!(1), json!(c))
    );
    for reader in [w.district(JINJIANG), w.association()] {
        assert_eq!(
            w.app.get(&url, Some(&reader)).await.json()["target_compounds"],
            4
        );
    }
    for outsider in [w.street(DONGHU), w.district(QINGYANG)] {
        w.app
            .get(&url, Some(&outsider))
            .await
            .problem(403, "forbidden");
    }
    // A stale version is refused; the same plan again changes nothing.
    let mut stale = plan.clone();
    stale["version"] = json!(7);
    w.call(Method::PUT, &url, Some(&street), Some(&stale))
        .await
        .problem(409, "stale_version");
    assert_eq!(
        w.ok(Method::PUT, &url, Some(&street), &plan).await["version"],
        1
    );

    // The street records what only people know: 动员 for c2–c6, 自治组织 for c3–c6.
    let stages = format!("{url}/stages");
    let record = |compound: &str, stage: &str, note: &str| json!({"compound_id": compound, "stage": stage, "done_on": plus(today, -3), "note": note});
    for (i, id) in c.iter().enumerate().skip(1) {
        w.ok(
            Method::POST,
            &stages,
            Some(&street),
            &record(id, "mobilisation", "召开动员会，意愿征询同意率 82%"),
        )
        .await;
        if i >= 2 {
            w.ok(
                Method::POST,
                &stages,
                Some(&street),
                &record(id, "self_governance", "业主委员会成立，备案〔2026〕3号"),
            )
            .await;
        }
    }
    let a = w
        .call(
            Method::POST,
            &stages,
            Some(&street),
            Some(&json!({"compound_id": c[0], "stage": "contract",
        "done_on": plus(today, 1), "note": " "})),
        )
        .await;
    a.problem(422, "validation_failed");
    assert_eq!(wuye_e2e::field_code(&a, "stage"), "stage_from_records");
    assert_eq!(wuye_e2e::field_code(&a, "done_on"), "in_the_future");
    assert!(a.field_error("note").is_some(), "{}", a.body);
    let a = w
        .call(
            Method::POST,
            &stages,
            Some(&street),
            Some(&record(&elsewhere, "mobilisation", "不在方案中")),
        )
        .await;
    assert_eq!(wuye_e2e::field_code(&a, "compound_id"), "not_in_plan");
    w.call(
        Method::POST,
        &stages,
        Some(&w.district(JINJIANG)),
        Some(&record(&c[0], "mobilisation", "区县代填")),
    )
    .await
    .problem(403, "forbidden");

    // The platform's own records: c4 a passing vote; c5 a failing vote and a tender;
    // c6 a passing vote, a tender and a contract.
    let held_on = plus(today, -2);
    let passing = w.vote(&c[3], 101, &held_on).await;
    assert_eq!(passing["passed"], true);
    assert_eq!(w.vote(&c[4], 90, &held_on).await["passed"], false);
    let open_tender = w.tender(&c[4]).await;
    w.vote(&c[5], 150, &held_on).await;
    let contracted_tender = w.tender(&c[5]).await;
    let contract = w.contract(&c[5], &contracted_tender, &firm).await;
    w.followed().await;

    let all = w
        .progress(&format!("street={JINGUANYI}&year={year}"), &street)
        .await;
    assert_eq!(all.status, 200, "{}", all.body);
    let p = all.json();
    assert_eq!(ids(&p), c, "the plan's order");
    assert_eq!(
        (
            p["target_compounds"].clone(),
            p["counts"]["planned"].clone()
        ),
        (json!(4), json!(6))
    );
    let at: Vec<i64> = p["counts"]["at_stage"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["compounds"].as_i64().unwrap())
        .collect();
    assert_eq!(at, vec![1, 1, 1, 1, 1, 1], "one compound at every stage");
    assert_eq!(
        (
            p["counts"]["overdue"].clone(),
            p["counts"]["contracted"].clone()
        ),
        (json!(1), json!(1))
    );
    let items = p["compounds"]["items"].as_array().unwrap();
    let current: Vec<&str> = items.iter().map(|i| i["stage"].as_str().unwrap()).collect();
    assert_eq!(
        current,
        [
            "survey",
            "mobilisation",
            "self_governance",
            "owners_vote",
            "tender",
            "contract"
        ]
    );
    // c1: in the ledger today, 动员 overdue since yesterday: the one overdue stage.
    assert_eq!(
        stage(&items[0], 0),
        (
            json!("survey"),
            json!(format_date(today)),
            json!(c[0]),
            json!(false)
        )
    );
    assert_eq!(
        stage(&items[0], 1),
        (json!("mobilisation"), Value::Null, Value::Null, json!(true))
    );
    assert_eq!(items[0]["overdue"], true);
    assert!(items[1..].iter().all(|i| i["overdue"] == false));
    assert_eq!(
        items[1]["stages"][1]["note"],
        "召开动员会，意愿征询同意率 82%"
    );
    // c4: the vote's day and id; c5: the failing vote does not count, the tender does.
    assert_eq!(
        stage(&items[3], 3),
        (
            json!("owners_vote"),
            json!(held_on),
            passing["id"].clone(),
            json!(false)
        )
    );
    assert_eq!(stage(&items[4], 3).1, Value::Null);
    assert_eq!(
        stage(&items[4], 4),
        (
            json!("tender"),
            json!(format_date(today)),
            json!(open_tender),
            json!(false)
        )
    );
    assert_eq!(
        stage(&items[5], 5),
        (
            json!("contract"),
            json!(format_date(today)),
            contract["id"].clone(),
            json!(false)
        )
    );
    assert_eq!(items[5]["stages"][5]["link"]["kind"], "contract");

    // Filters and pages.
    let only = |q: &str| {
        let (w, street, q) = (
            &w,
            street.clone(),
            format!("street={JINGUANYI}&year={year}&{q}"),
        );
        async move {
            let a = w.progress(&q, &street).await;
            assert_eq!(a.status, 200, "{}", a.body);
            a.json()
        }
    };
    assert_eq!(ids(&only("stage=tender").await), vec![c[4].clone()]);
    assert_eq!(ids(&only("overdue=true").await), vec![c[0].clone()]);
    assert_eq!(ids(&only("overdue=false").await).len(), 5);
    let second = only("limit=2&offset=2").await;
    assert_eq!(
        (ids(&second), second["compounds"]["total"].clone()),
        (vec![c[2].clone(), c[3].clone()], json!(6))
    );
    let a = w
        .progress(
            &format!("street={JINGUANYI}&year=1999&stage=done&overdue=maybe&limit=0"),
            &street,
        )
        .await;
    a.problem(422, "validation_failed");
    for f in ["year", "stage", "overdue", "limit"] {
        assert!(a.field_error(f).is_some(), "no error for {f}: {}", a.body);
    }
    // Without `street` a street official reads its own; others must name one.
    assert_eq!(
        ids(&w.progress(&format!("year={year}"), &street).await.json()),
        c
    );
    let a = w
        .progress(&format!("year={year}"), &w.district(JINJIANG))
        .await;
    assert_eq!(wuye_e2e::field_code(&a, "street"), "required");
    assert_eq!(
        w.progress(
            &format!("street={JINGUANYI}&year={year}"),
            &w.district(JINJIANG)
        )
        .await
        .status,
        200
    );
    for outsider in [w.street(DONGHU), w.district(QINGYANG)] {
        w.progress(&format!("street={JINGUANYI}&year={year}"), &outsider)
            .await
            .problem(403, "forbidden");
    }
    w.progress(&format!("street={DONGHU}&year={year}"), &w.street(DONGHU))
        .await
        .problem(404, "not_found");
    let committee = w.app.token(Role::Committee, Scope::Compound(c[0].clone()));
    w.progress(&format!("street={JINGUANYI}&year={year}"), &committee)
        .await
        .problem(403, "forbidden");
    assert_eq!(
        w.app
            .get(
                &w.matching(&format!("/plans/progress?street={JINGUANYI}")),
                None
            )
            .await
            .status,
        401
    );

    // The district's roll-up of its streets, the city's of its districts.
    let rollup = |q: String, token: String| {
        let w = &w;
        async move {
            w.app
                .get(&w.matching(&format!("/plans/rollup?{q}")), Some(&token))
                .await
        }
    };
    let d = rollup(format!("year={year}"), w.district(JINJIANG))
        .await
        .json();
    assert_eq!(
        (d["level"].clone(), d["total"]["plans"].clone()),
        (json!("district"), json!(1))
    );
    let row = d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == JINGUANYI)
        .unwrap();
    assert_eq!(
        (
            row["plans"].clone(),
            row["target_compounds"].clone(),
            row["counts"]["planned"].clone(),
            row["counts"]["overdue"].clone(),
            row["counts"]["contracted"].clone()
        ),
        (json!(1), json!(4), json!(6), json!(1), json!(1))
    );
    let donghu = d["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == DONGHU)
        .unwrap();
    assert_eq!(donghu["plans"], 0);
    let city = rollup(format!("year={year}"), w.association()).await.json();
    assert_eq!(city["level"], "city");
    let jinjiang = city["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == JINJIANG)
        .unwrap();
    assert_eq!(
        (
            jinjiang["plans"].clone(),
            jinjiang["counts"]["planned"].clone()
        ),
        (json!(1), json!(6))
    );
    assert_eq!(city["total"]["counts"]["contracted"], 1);
    let qingyang = rollup(format!("year={year}&district={QINGYANG}"), w.association())
        .await
        .json();
    assert_eq!(qingyang["total"]["plans"], 0);
    rollup(
        format!("year={year}&district={QINGYANG}"),
        w.district(JINJIANG),
    )
    .await
    .problem(403, "forbidden");
    let own = rollup(format!("year={year}"), street.clone()).await.json();
    assert_eq!(
        (own["level"].clone(), own["rows"].as_array().unwrap().len()),
        (json!("street"), 1)
    );
    rollup(format!("year={year}"), w.street(CAOSHIJIE)).await;
    rollup(format!("year={year}&district={JINJIANG}"), street.clone())
        .await
        .problem(403, "forbidden");

    // The monthly dispatch of 锦江区 for this month: 7 eligible old compounds entered today,
    // c6 covered by its contract (1/7), none at the end of last month.
    let month = format!("{year}-{:02}", u8::from(today.month()));
    let monthly = |q: String, token: String| {
        let w = &w;
        async move {
            w.app
                .get(&w.matching(&format!("/reports/monthly?{q}")), Some(&token))
                .await
        }
    };
    let firm_token = w.association();
    w.ok(
        Method::POST,
        &w.catalog(&format!("/firms/{firm}/standing")),
        Some(&firm_token),
        &json!({"action": "blacklist", "reason": "严重违约，拒不整改", "from": format_date(today)}),
    )
    .await;
    w.followed().await;
    let m = monthly(format!("month={month}"), w.district(JINJIANG)).await;
    assert_eq!(m.status, 200, "{}", m.body);
    let m = m.json();
    assert_eq!(
        (m["level"].clone(), m["as_of"].clone()),
        (json!("district"), json!(format_date(today)))
    );
    assert_eq!(
        (
            m["coverage"]["covered"].clone(),
            m["coverage"]["eligible"].clone(),
            m["coverage"]["percent"].clone()
        ),
        (json!(1), json!(7), json!("14.29%"))
    );
    assert_eq!(
        (
            m["previous"]["eligible"].clone(),
            m["covered_change"].clone()
        ),
        (json!(0), json!(1))
    );
    let needed: Vec<(Value, Value)> = m["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| (t["needed"].clone(), t["gap_compounds"].clone()))
        .collect();
    // ceil(30 % × 7) = 3, ceil(70 % × 7) = 5, 7.
    assert_eq!(
        needed,
        vec![
            (json!(3), json!(2)),
            (json!(5), json!(4)),
            (json!(7), json!(6))
        ]
    );
    let jgy = m["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == JINGUANYI)
        .unwrap();
    assert_eq!(
        (
            jgy["coverage"]["covered"].clone(),
            jgy["coverage"]["eligible"].clone(),
            jgy["covered_change"].clone(),
            jgy["plans"]["planned"].clone(),
            jgy["plans"]["overdue"].clone()
        ),
        (json!(1), json!(6), json!(1), json!(6), json!(1))
    );
    let dh = m["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == DONGHU)
        .unwrap();
    assert_eq!(
        (
            dh["coverage"]["eligible"].clone(),
            dh["plans"]["planned"].clone()
        ),
        (json!(1), json!(0))
    );
    assert_eq!(
        (
            m["plans"]["planned"].clone(),
            m["plans"]["contracted"].clone()
        ),
        (json!(6), json!(1))
    );
    assert_eq!(m["overdue_total"], 1);
    assert_eq!(m["overdue"][0]["compound_id"], json!(c[0]));
    assert_eq!(
        m["overdue"][0]["overdue"],
        json!([format!("动员（{}）", plus(today, -1))])
    );
    assert_eq!(m["new_contracts"].as_array().unwrap().len(), 1);
    assert_eq!(m["new_contracts"][0]["contract_id"], contract["id"]);
    assert_eq!(m["terminations"], json!([]));
    assert_eq!(m["blacklisted"].as_array().unwrap().len(), 1);
    assert_eq!(m["blacklisted"][0]["compound_id"], json!(c[5]));
    // The owners end the contract today: a termination of the month, off the blacklist's list.
    let committee6 = w.app.token(Role::Committee, Scope::Compound(c[5].clone()));
    let vote = wuye_e2e::tender::dismissal_vote(&w.app, &c[5]).await;
    w.ok(
        Method::POST,
        &w.tenders(&format!(
            "/contracts/{}/terminate",
            contract["id"].as_str().unwrap()
        )),
        Some(&committee6),
        &json!({"reason": "物业企业被列入黑名单", "terminated_on": format_date(today), "vote_id": vote}),
    )
    .await;
    w.followed().await;
    let m = monthly(format!("month={month}"), w.association())
        .await
        .json();
    assert_eq!(m["level"], "city");
    assert_eq!(m["terminations"][0]["contract_id"], contract["id"]);
    assert_eq!(m["terminations"][0]["reason"], "物业企业被列入黑名单");
    assert_eq!(m["blacklisted"], json!([]));
    let jj = m["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == JINJIANG)
        .unwrap();
    assert_eq!(
        (
            jj["coverage"]["covered"].clone(),
            jj["plans"]["planned"].clone()
        ),
        (json!(1), json!(6))
    );
    // A street official's own street; refusals beyond the area and for bad months.
    let own = monthly(String::new(), street.clone()).await.json();
    assert_eq!(
        (own["level"].clone(), own["rows"].as_array().unwrap().len()),
        (json!("street"), 1)
    );
    monthly(format!("district={JINJIANG}"), street.clone())
        .await
        .problem(403, "forbidden");
    monthly(format!("district={QINGYANG}"), w.district(JINJIANG))
        .await
        .problem(403, "forbidden");
    let a = monthly(format!("month={}-13", year), w.district(JINJIANG)).await;
    assert_eq!(wuye_e2e::field_code(&a, "month"), "invalid_month");
    let a = monthly(format!("month={}-01", year + 1), w.district(JINJIANG)).await;
    assert_eq!(wuye_e2e::field_code(&a, "month"), "in_the_future");
    monthly(String::new(), committee)
        .await
        .problem(403, "forbidden");
    assert_eq!(
        w.app
            .get(&w.matching("/reports/monthly"), None)
            .await
            .status,
        401
    );

    // The pages: the street's plan and list, the district's roll-up and a street's list
    // read-only, the reports with their print stylesheet, both XLSX read back.
    let (status, html) = page(
        &w.app,
        &format!("/official/plan?year={year}"),
        Some(&street),
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("动态推进清单")
            && html.contains("JGY-P1号院")
            && html.contains("保存工作方案")
    );
    assert!(html.contains("召开动员会，意愿征询同意率 82%"));
    let (status, html) = page(
        &w.app,
        &format!("/official/plan?year={year}"),
        Some(&w.district(JINJIANG)),
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("工作方案汇总")
            && html.contains(&format!(
                "/official/plan?street={JINGUANYI}&amp;year={year}"
            )),
        "{html}"
    );
    let (status, html) = page(
        &w.app,
        &format!("/official/plan?year={year}&street={JINGUANYI}"),
        Some(&w.district(JINJIANG)),
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("动态推进清单") && !html.contains("保存工作方案"),
        "{html}"
    );
    assert_eq!(
        page(
            &w.app,
            &format!("/official/plan?street={CAOSHIJIE}"),
            Some(&w.district(JINJIANG))
        )
        .await
        .0,
        403
    );
    // The association reads the city's roll-up of its districts and any street's list.
    let (status, html) = page(
        &w.app,
        &format!("/official/plan?year={year}"),
        Some(&w.association()),
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("成都市 · 工作方案与推进清单") && html.contains("锦江区"),
        "{html}"
    );
    let (status, html) = page(
        &w.app,
        &format!("/official/plan?year={year}&street={JINGUANYI}"),
        Some(&w.association()),
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("JGY-P6号院") && !html.contains("保存工作方案"),
        "{html}"
    );
    let committee = w.app.token(Role::Committee, Scope::Compound(c[0].clone()));
    assert_eq!(
        page(&w.app, "/official/plan", Some(&committee)).await.0,
        403
    );
    assert_eq!(
        page(&w.app, "/official/reports", Some(&committee)).await.0,
        403
    );
    let refused = reqwest::Client::new()
        .post(format!("{}/official/plan", w.app.web_url))
        .header(reqwest::header::COOKIE, cookies(&w.district(JINJIANG)))
        .form(&[
            ("_csrf", CSRF),
            ("year", &year.to_string()),
            ("target_compounds", "1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 403);

    let (status, bytes) = download(
        &w.app,
        &format!("/official/plan/export?year={year}"),
        &street,
    )
    .await;
    assert_eq!(status, 200);
    let rows = sheet(bytes);
    assert_eq!(
        rows[0][..3],
        ["小区", "小区ID", "当前阶段"].map(String::from)
    );
    assert_eq!(rows.len(), 7, "a header and six compounds");
    let current: Vec<&str> = rows[1..].iter().map(|r| r[2].as_str()).collect();
    assert_eq!(
        current,
        ["摸底", "动员", "自治组织", "业主表决", "招标", "签约"]
    );
    assert_eq!(
        (rows[1][1].as_str(), rows[1][4].as_str()),
        (c[0].as_str(), "逾期")
    );
    assert!(rows[1][9].starts_with("动员（时限"), "{:?}", rows[1]);
    assert!(!rows[6][8].is_empty(), "the contract's day: {:?}", rows[6]);

    let (status, html) = page(
        &w.app,
        &format!("/official/reports?month={month}&period={year}-Q1"),
        Some(&w.district(JINJIANG)),
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("@media print")
            && html.contains("每月调度")
            && html.contains("14.29%（1/7）"),
        "{html}"
    );
    assert!(
        html.contains("季度通报") && html.contains("物业企业被列入黑名单"),
        "{html}"
    );
    let (status, html) = page(
        &w.app,
        &format!("/official/reports?month={month}"),
        Some(&w.association()),
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains(&format!("成都市 {month} 每月调度")), "{html}");
    let (status, bytes) = download(
        &w.app,
        &format!("/official/reports/export?month={month}"),
        &w.district(JINJIANG),
    )
    .await;
    assert_eq!(status, 200);
    let rows = sheet(bytes);
    let jgy = rows
        .iter()
        .find(|r| r[0] == "锦官驿街道")
        .expect("锦官驿街道's row");
    // 老旧小区, 符合条件且自愿, 已覆盖, 覆盖率, 本月新增覆盖, …, 方案列入小区, 逾期小区.
    assert_eq!(
        jgy[1..8],
        ["6", "6", "1", "16.67%", "1", "5", "6"].map(String::from),
        "{jgy:?}"
    );
    assert_eq!(rows.last().unwrap()[0], "锦江区合计");

    w.app.stop().await;
}

/// A CSRF token the test's browser holds.
const CSRF: &str = "0123456789abcdef0123456789abcdef0123";

fn cookies(token: &str) -> String {
    format!("wuye_csrf={CSRF}; wuye_session={token}")
}

/// A page as a signed-in browser gets it: status and body.
async fn page(app: &TestApp, path: &str, token: Option<&str>) -> (reqwest::StatusCode, String) {
    let mut req = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
        .get(format!("{}{path}", app.web_url));
    if let Some(t) = token {
        req = req.header(reqwest::header::COOKIE, cookies(t));
    }
    let res = req.send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

/// A download from the pages: status and bytes.
async fn download(app: &TestApp, path: &str, token: &str) -> (reqwest::StatusCode, Vec<u8>) {
    let res = reqwest::Client::new()
        .get(format!("{}{path}", app.web_url))
        .header(reqwest::header::COOKIE, cookies(token))
        .send()
        .await
        .unwrap();
    (res.status(), res.bytes().await.unwrap().to_vec())
}

/// An XLSX file's first sheet read back with calamine, every cell as text.
fn sheet(bytes: Vec<u8>) -> Vec<Vec<String>> {
    use calamine::{Reader, Xlsx};
    let mut book: Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    let range = book.worksheet_range_at(0).unwrap().unwrap();
    range
        .rows()
        .map(|r| r.iter().map(|c| c.to_string()).collect())
        .collect()
}

/// A satisfaction survey record in tender's `satisfaction` shape, written into tender's
/// outbox as tender writes it (surveys of past quarters cannot be taken through the API).
async fn survey(tender_db: &shared::db::Db, id: &str, street: &str, period: &str, satisfied: i64) {
    let payload = json!({
        "id": id, "compound_id": format!("c-{id}"), "street_code": street, "district_code": &street[..6],
        "contract_id": null, "firm_id": null, "period": period,
        "satisfied": satisfied, "basically_satisfied": 0, "dissatisfied": 10 - satisfied,
        "recorded_at": to_rfc3339(now_ms()),
    });
    let mut tx = shared::feed::WriteTx::begin(tender_db, &shared::feed::Notifier::default())
        .await
        .unwrap();
    tx.emit("satisfaction", id, "recorded", &payload)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

/// The quarterly bulletin on hand-checked surveys: five streets of 锦江区 and five
/// districts, two quarters; the ranking, the bottom three, the "twice in a row" flag at
/// street and district level, the low-satisfaction measure and the year's ranking.
async fn the_quarterly_bulletin_flags_the_bottom_three_twice_in_a_row(backend: Backend) {
    let app = spawn_app(backend).await;
    let tender_db = shared::db::connect(&app.tender_db).await.unwrap();
    // 锦江区's streets, 10 respondents each: Q1 90/80/70/60/50 %, Q2 50/90/80/40/60 %.
    let streets = [JINGUANYI, DONGHU, "510104019", "510104022", "510104023"];
    for (i, (street, (q1, q2))) in streets
        .iter()
        .zip([(9, 5), (8, 9), (7, 8), (6, 4), (5, 6)])
        .enumerate()
    {
        survey(&tender_db, &format!("jj{i}-q1"), street, "2026-Q1", q1).await;
        survey(&tender_db, &format!("jj{i}-q2"), street, "2026-Q2", q2).await;
    }
    // 青羊 95/95, 金牛 60/50, 武侯 80/90, 成华 50/70 (one compound of 20 respondents each:
    // two records of 10).
    for (street, q1, q2) in [
        (CAOSHIJIE, 19, 19),
        ("510106024", 12, 10),
        ("510107001", 16, 18),
        ("510108002", 10, 14),
    ] {
        for (period, n) in [("2026-Q1", q1), ("2026-Q2", q2)] {
            let half = n / 2;
            survey(
                &tender_db,
                &format!("{street}-{period}-a"),
                street,
                period,
                half,
            )
            .await;
            survey(
                &tender_db,
                &format!("{street}-{period}-b"),
                street,
                period,
                n - half,
            )
            .await;
        }
    }
    app.wait_followed(&app.matching_db, "tender", &app.tender_url, "/tenders")
        .await;
    let bulletin = |q: &str| {
        let (app, q) = (&app, q.to_string());
        async move {
            let a = app
                .get(
                    &format!("{}/match/reports/bulletin?{q}", app.matching_url),
                    None,
                )
                .await;
            assert_eq!(a.status, 200, "{}", a.body);
            a.json()
        }
    };
    let b = bulletin("period=2026-Q2").await;
    assert_eq!(
        (b["measure"].clone(), b["previous_period"].clone()),
        (json!("satisfaction"), json!("2026-Q1"))
    );
    let rank = |list: &Value| -> Vec<(String, u64, bool, bool)> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["code"].as_str().unwrap().to_string(),
                    i["rank"].as_u64().unwrap(),
                    i["bottom_three"].as_bool().unwrap(),
                    i["notify"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    // Q2 districts: 青羊 95, 武侯 90, 成华 70, 锦江 (5+9+8+4+6)/50 = 64, 金牛 50; in Q1
    // 青羊 95, 武侯 80, 锦江 70, 金牛 60, 成华 50: 锦江, 金牛 and 成华 twice in the bottom three.
    assert_eq!(
        rank(&b["districts"]),
        vec![
            ("510105".into(), 1, false, false),
            ("510107".into(), 2, false, false),
            ("510108".into(), 3, true, true),
            (JINJIANG.into(), 4, true, true),
            ("510106".into(), 5, true, true),
        ]
    );
    assert_eq!(b["districts"][3]["percent"], "64%");
    assert_eq!(
        b["bottom_three_districts"],
        json!(["成华区", "锦江区", "金牛区"])
    );
    assert_eq!(b["notified_districts"].as_array().unwrap().len(), 3);
    // Q2 streets: 东湖 90, 锦华路 80, 书院街 60, 锦官驿 50, 春熙路 40; Q1's bottom three were
    // 锦华路, 春熙路, 书院街: 春熙路 and 书院街 are notified.
    let jj: Vec<(String, u64, bool, bool)> = rank(&b["streets"])
        .into_iter()
        .filter(|s| s.0.starts_with(JINJIANG))
        .collect();
    assert_eq!(
        jj,
        vec![
            (DONGHU.into(), 1, false, false),
            ("510104019".into(), 2, false, false),
            ("510104023".into(), 3, true, true),
            (JINGUANYI.into(), 4, true, false),
            ("510104022".into(), 5, true, true),
        ]
    );
    let notified: Vec<&str> = b["notified_streets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"].as_str().unwrap())
        .collect();
    assert_eq!(notified, vec!["510104023", "510104022"]);
    // The year so far (Q1 + Q2): 青羊 95, 武侯 85, 锦江 67, 成华 60, 金牛 55; nothing the
    // year before, so nobody is notified.
    let year: Vec<(String, u64)> = rank(&b["year_districts"])
        .into_iter()
        .map(|(c, r, _, n)| {
            assert!(!n);
            (c, r)
        })
        .collect();
    assert_eq!(
        year,
        vec![
            ("510105".into(), 1),
            ("510107".into(), 2),
            (JINJIANG.into(), 3),
            ("510108".into(), 4),
            ("510106".into(), 5)
        ]
    );
    assert_eq!(b["year_districts"][2]["percent"], "67%");
    // The other measure: a compound below 60 % is low. Q2: 锦官驿 (50 %) and 春熙路 (40 %) are
    // low, so 3 of 锦江's 5 compounds are not; 金牛's one compound (50 %) is low.
    let low = bulletin("period=2026-Q2&measure=low_satisfaction").await;
    assert_eq!(low["measure"], "low_satisfaction");
    let jinjiang = low["districts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == JINJIANG)
        .unwrap();
    assert_eq!(
        (
            jinjiang["rank"].clone(),
            jinjiang["percent"].clone(),
            jinjiang["dissatisfied"].clone()
        ),
        (json!(4), json!("60%"), json!(2))
    );
    let jinniu = low["districts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "510106")
        .unwrap();
    assert_eq!(
        (jinniu["rank"].clone(), jinniu["percent"].clone()),
        (json!(5), json!("0%"))
    );
    // Refusals.
    let a = app
        .get(
            &format!(
                "{}/match/reports/bulletin?period=2026-Q5&measure=best",
                app.matching_url
            ),
            None,
        )
        .await;
    a.problem(422, "validation_failed");
    assert_eq!(wuye_e2e::field_code(&a, "period"), "invalid_period");
    assert_eq!(wuye_e2e::field_code(&a, "measure"), "invalid_measure");
    // The public page of the bulletin.
    let (status, html) = page(&app, "/bulletin?period=2026-Q2", None).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("连续两次排名后三位，予以通报：成华区、锦江区、金牛区；"),
        "{html}"
    );
    assert!(
        html.contains("春熙路街道") && html.contains("2026 年度排名"),
        "{html}"
    );
    tender_db.pool.close().await;
    app.stop().await;
}

/// In the browser: a street official makes its plan, records 动员 for one compound and
/// reads the progress list, filtered to the overdue compound.
async fn a_street_official_makes_its_plan_in_a_browser(backend: Backend) {
    let Some(browser) = wuye_e2e::browser::Browser::start().await else {
        return;
    };
    let w = World {
        app: spawn_app(backend.clone()).await,
    };
    let tag = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres(_) => "postgres",
    };
    w.ok(
        Method::POST,
        &w.catalog("/accounts"),
        Some(&w.association()),
        &json!({"username": "jgy.plan", "display_name": "锦官驿街道 李干事",
            "password": "a-long-enough-password", "role": "street_official", "scope_id": JINGUANYI}),
    )
    .await;
    let mut c = Vec::new();
    for i in 1..=3 {
        c.push(w.compound(&format!("JGY-B{i}"), JINGUANYI).await);
    }
    let year = china_today().year();
    let url = |p: &str| format!("{}{p}", w.app.web_url);
    browser
        .open(&url("/signin?next=/official/plan"))
        .await
        .unwrap();
    browser.fill("#username", "jgy.plan").await.unwrap();
    browser
        .fill("#password", "a-long-enough-password")
        .await
        .unwrap();
    browser
        .click("form[action='/signin'] button[type=submit]")
        .await
        .unwrap();
    let text = browser.wait_for("工作方案与推进清单").await.unwrap();
    assert!(
        text.contains(&format!("尚未制定 {year} 年度工作方案")),
        "{text}"
    );

    // A bad target is refused beside its field, what was typed kept.
    browser.fill("#target_compounds", "两个").await.unwrap();
    browser.fill("#target_rate_percent", "70").await.unwrap();
    browser
        .click(&format!("input[name=compound][value='{}']", c[0]))
        .await
        .unwrap();
    browser
        .click(&format!("input[name=compound][value='{}']", c[1]))
        .await
        .unwrap();
    browser
        .click("#plan-form button[type=submit]")
        .await
        .unwrap();
    browser.wait_for("请填写整数").await.unwrap();
    browser.fill("#target_compounds", "2").await.unwrap();
    browser
        .click("#plan-form button[type=submit]")
        .await
        .unwrap();
    browser.wait_for("工作方案已保存").await.unwrap();
    let plan = w
        .app
        .get(&w.plan_url(JINGUANYI, year), Some(&w.street(JINGUANYI)))
        .await
        .json();
    assert_eq!(
        (plan["target_compounds"].clone(), plan["compounds"].clone()),
        (json!(2), json!([c[0], c[1]]))
    );

    // Record 动员 for the first compound (the form's first); the list shows it.
    w.followed().await;
    browser
        .open(&url(&format!("/official/plan?year={year}")))
        .await
        .unwrap();
    browser.wait_for("动态推进清单").await.unwrap();
    browser
        .fill("#note", "召开动员会 2 次，意愿征询同意率 85%")
        .await
        .unwrap();
    browser
        .click("#stage-form button[type=submit]")
        .await
        .unwrap();
    browser.wait_for("阶段已记录").await.unwrap();
    w.followed().await;
    browser
        .open(&url(&format!("/official/plan?year={year}")))
        .await
        .unwrap();
    let text = browser.wait_for("意愿征询同意率 85%").await.unwrap();
    assert!(text.contains("列入 2 个小区"), "{text}");
    browser
        .screenshot(&format!("plan-progress-{tag}"))
        .await
        .unwrap();
    // Filtered by stage: 动员 shows the first compound with its note, 摸底 only the other.
    browser
        .open(&url(&format!(
            "/official/plan?year={year}&stage=mobilisation"
        )))
        .await
        .unwrap();
    browser.wait_for("意愿征询同意率 85%").await.unwrap();
    browser
        .open(&url(&format!("/official/plan?year={year}&stage=survey")))
        .await
        .unwrap();
    let text = browser.wait_for("动态推进清单").await.unwrap();
    assert!(!text.contains("意愿征询同意率 85%"), "{text}");
    browser.close().await;
    w.app.stop().await;
}

/// 业主表决 filled by a vote from ballots: a register of three units, a closed vote on the
/// service model where every unit approves (two online with their codes, one on paper).
async fn a_vote_from_ballots_fills_the_owners_vote_stage(backend: Backend) {
    use wuye_e2e::ballots::{close, notices, open_vote, register, unit};
    let w = wuye_e2e::tender::World::new(backend).await;
    let association = w.app.token(Role::Association, Scope::City);
    let created = w
        .app
        .send(
            Method::POST,
            &format!("{}/catalog/compounds", w.app.catalog_url),
            Some(&association),
            Some(&compound_body("JGY-V1", JINGUANYI)),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let compound = created.json()["id"].as_str().unwrap().to_string();
    w.app.tender_follows_catalog().await;
    register(
        &w,
        &[
            unit(&compound, "101", "90", Some("张三")),
            unit(&compound, "102", "90", Some("李四")),
            unit(&compound, "103", "90", Some("王五")),
        ],
    )
    .await;
    let vote = open_vote(
        &w,
        &compound,
        json!({"matter": "choose_service_model", "question": "是否引入专业化物业服务"}),
        3,
    )
    .await;
    let id = vote["id"].as_str().unwrap().to_string();
    let codes = notices(&w, &id).await;
    for room in ["101", "102"] {
        let a = w
            .post(
                "/owner-code/ballot",
                None,
                &json!({"code": codes[&format!("{compound}-{room}")], "choice": "approve"}),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
    }
    let a = w
        .post(
            &format!("/ballot-votes/{id}/paper-ballots"),
            Some(&w.committee(&compound)),
            &json!({"unit_id": format!("{compound}-103"), "choice": "approve", "paper_ref": "纸票-003"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let closed = close(&w, &compound, &vote).await;
    assert_eq!(closed["result"]["passed"], true, "{closed}");

    let today = china_today();
    let year = today.year();
    let street = w
        .app
        .token(Role::StreetOfficial, Scope::Street(JINGUANYI.into()));
    let y = |m: &str| format!("{year}-{m}");
    let plan = w
        .app
        .send(
            Method::PUT,
            &format!("{}/catalog/plans/{JINGUANYI}/{year}", w.app.catalog_url),
            Some(&street),
            Some(&json!({"target_compounds": 1, "target_rate_percent": 100,
                "dues": {"survey": y("12-31"), "mobilisation": y("12-31"), "self_governance": y("12-31"),
                    "owners_vote": y("12-31"), "tender": y("12-31"), "contract": y("12-31")},
                "compounds": [compound]})),
        )
        .await;
    assert_eq!(plan.status, 200, "{}", plan.body);
    let app = &w.app;
    app.wait_followed(&app.matching_db, "catalog", &app.catalog_url, "/catalog")
        .await;
    app.wait_followed(&app.matching_db, "tender", &app.tender_url, "/tenders")
        .await;
    let p = app
        .get(
            &format!("{}/match/plans/progress?year={year}", app.matching_url),
            Some(&street),
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    let item = &p.json()["compounds"]["items"][0];
    assert_eq!(item["stage"], "owners_vote", "{item}");
    assert_eq!(
        stage(item, 3),
        (
            json!("owners_vote"),
            json!(format_date(today)),
            json!(id),
            json!(false)
        )
    );
    assert_eq!(item["stages"][3]["link"]["kind"], "vote");
    w.stop().await;
}
