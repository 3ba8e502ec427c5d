//! Incentives (激励) through the real APIs: demonstration compounds (标杆示范) proposed by
//! a street, confirmed by its district, public once confirmed, withdrawn with the history
//! kept; 以奖代补 subsidies recorded by a district, corrected by new records, public and
//! summed in matching's monthly report; the annual 百佳示范小区 list ranked from surveys
//! and contracts, selected and published by the city official; and every refusal (wrong
//! role, out of reach, the city official except the 百佳 selection, anonymous, bad input).

use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use wuye_e2e::fixtures::{JINGUANYI, JINJIANG, compound_body};
use wuye_e2e::{Answer, Backend, TestApp, assert_fields, both_backends, spawn_app};

both_backends!(
    a_street_proposes_and_its_district_confirms_a_demonstration,
    demonstration_writes_are_refused_beyond_the_callers_reach,
    a_district_records_a_subsidy_and_the_monthly_report_sums_it,
    subsidy_writes_are_refused_beyond_the_callers_reach,
    the_city_selects_and_publishes_the_best_hundred_from_the_candidates,
    a_street_proposes_and_the_district_confirms_in_a_browser,
    incentive_pages_record_subsidies_and_show_the_lists,
    priority_firms_are_whitelisted_in_good_standing_with_credit,
);

const DONGHU: &str = "510104018";
const QINGYANG: &str = "510105";
const CAOSHIJIE: &str = "510105002";

struct World {
    app: TestApp,
}

impl World {
    async fn new(backend: Backend) -> Self {
        World {
            app: spawn_app(backend).await,
        }
    }

    fn token(&self, role: Role, scope: Scope) -> String {
        self.app.token(role, scope)
    }

    fn street(&self, code: &str) -> String {
        self.token(Role::StreetOfficial, Scope::Street(code.into()))
    }

    fn district(&self, code: &str) -> String {
        self.token(Role::DistrictOfficial, Scope::District(code.into()))
    }

    fn city(&self) -> String {
        self.token(Role::CityOfficial, Scope::City)
    }

    fn association(&self) -> String {
        self.token(Role::Association, Scope::City)
    }

    fn url(&self, path: &str) -> String {
        format!("{}/catalog{path}", self.app.catalog_url)
    }

    async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Answer {
        self.app.send(method, &self.url(path), token, body).await
    }

    async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Answer {
        self.call(Method::POST, path, token, Some(body)).await
    }

    async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.call(Method::GET, path, token, None).await
    }

    /// A compound entered by the association; its id.
    async fn compound(&self, code: &str, street: &str) -> String {
        let a = self
            .post(
                "/compounds",
                Some(&self.association()),
                &compound_body(code, street),
            )
            .await;
        assert!(a.status.is_success(), "{} {}", a.status, a.body);
        a.json()["id"].as_str().unwrap().to_string()
    }
}

fn proposal(compound: &str, model: &str) -> Value {
    json!({
        "compound_id": compound,
        "model": model,
        "merits": "信托制物业：业主共有资金独立账户，收支每月公开。",
        "points": ["物业费与公共收益进入共管账户", "每月公示收支明细", "业主可随时查阅凭证"]
    })
}

async fn a_street_proposes_and_its_district_confirms_a_demonstration(backend: Backend) {
    let w = World::new(backend).await;
    let compound = w.compound("DM-001", JINGUANYI).await;
    let street = w.street(JINGUANYI);
    let district = w.district(JINJIANG);

    let proposed = w
        .post(
            "/demonstrations",
            Some(&street),
            &proposal(&compound, "trust"),
        )
        .await;
    assert_eq!(proposed.status.as_u16(), 201, "{}", proposed.body);
    let d = proposed.json();
    let id = d["id"].as_str().unwrap().to_string();
    assert_eq!(d["status"], "proposed");
    assert_eq!(d["model_name"], "信托制物业");
    assert_eq!(d["compound_name"], "DM-001号院");
    assert_eq!(d["points"].as_array().unwrap().len(), 3);

    // Not public while proposed: neither listed nor readable by the public.
    let public = w.get("/demonstrations?model=trust", None).await;
    assert_eq!(public.json()["total"], 0, "{}", public.body);
    w.get(&format!("/demonstrations/{id}"), None)
        .await
        .problem(404, "not_found");
    // The district sees it among its area's proposals; another district does not.
    let area = w
        .get("/demonstrations/area?status=proposed", Some(&district))
        .await
        .json();
    assert_eq!(area["total"], 1);
    let other = w
        .get("/demonstrations/area", Some(&w.district(QINGYANG)))
        .await
        .json();
    assert_eq!(other["total"], 0);

    let confirmed = w
        .post(
            &format!("/demonstrations/{id}/decision"),
            Some(&district),
            &json!({"decision": "confirm"}),
        )
        .await;
    assert_eq!(confirmed.status.as_u16(), 200, "{}", confirmed.body);
    assert_eq!(confirmed.json()["status"], "confirmed");

    // Public now, per service model, without the accounts that acted.
    let public = w.get("/demonstrations?model=trust", None).await.json();
    assert_eq!(public["total"], 1);
    let item = &public["items"][0];
    assert_eq!(item["id"], id);
    assert_eq!(
        item["merits"],
        "信托制物业：业主共有资金独立账户，收支每月公开。"
    );
    let steps = item["history"].as_array().unwrap();
    assert_eq!(steps.len(), 2);
    assert!(steps.iter().all(|s| s.get("by").is_none()), "{item}");
    assert_eq!(steps[1]["by_role"], "district_official");
    assert_eq!(
        w.get("/demonstrations?model=professional", None)
            .await
            .json()["total"],
        0
    );
    let by_compound = w
        .get(&format!("/demonstrations?compound={compound}"), None)
        .await
        .json();
    assert_eq!(by_compound["total"], 1);
    // Officials in reach see who acted.
    let full = w
        .get(&format!("/demonstrations/{id}"), Some(&street))
        .await
        .json();
    assert!(full["history"][0]["by"].is_string(), "{full}");

    // Published on the feed after each step.
    let head = w
        .app
        .feed(&w.app.catalog_url, "/catalog", 0, 1, 0)
        .await
        .json()["head"]
        .as_i64()
        .unwrap();
    let feed = w
        .app
        .feed(&w.app.catalog_url, "/catalog", head - 20, 100, 0)
        .await
        .json();
    let kinds: Vec<&str> = feed["changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["topic"] == "demonstration")
        .map(|c| c["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["proposed", "confirmed"]);

    // A second proposal of the same compound and model is refused while this one stands.
    w.post(
        "/demonstrations",
        Some(&street),
        &proposal(&compound, "trust"),
    )
    .await
    .problem(409, "already_demonstration");

    // Withdrawn by the street: off the public list, kept as history.
    let withdrawn = w
        .post(
            &format!("/demonstrations/{id}/withdrawal"),
            Some(&street),
            &json!({"reason": "整改期间暂停示范"}),
        )
        .await;
    assert_eq!(withdrawn.status.as_u16(), 200, "{}", withdrawn.body);
    assert_eq!(
        w.get("/demonstrations?model=trust", None).await.json()["total"],
        0
    );
    let kept = w
        .get("/demonstrations/area?status=withdrawn", Some(&district))
        .await
        .json();
    assert_eq!(kept["total"], 1);
    let steps: Vec<&str> = kept["items"][0]["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["kind"].as_str().unwrap())
        .collect();
    assert_eq!(steps, ["proposed", "confirmed", "withdrawn"]);
    assert_eq!(kept["items"][0]["history"][2]["reason"], "整改期间暂停示范");
    // Nothing more happens to a withdrawn one; it may be proposed afresh.
    w.post(
        &format!("/demonstrations/{id}/decision"),
        Some(&district),
        &json!({"decision": "confirm"}),
    )
    .await
    .problem(409, "not_proposed");
    w.post(
        &format!("/demonstrations/{id}/withdrawal"),
        Some(&district),
        &json!({"reason": "再次撤销"}),
    )
    .await
    .problem(409, "not_open");
    let again = w
        .post(
            "/demonstrations",
            Some(&street),
            &proposal(&compound, "trust"),
        )
        .await;
    assert_eq!(again.status.as_u16(), 201, "{}", again.body);
    // Declined with a reason.
    let again_id = again.json()["id"].as_str().unwrap().to_string();
    let declined = w
        .post(
            &format!("/demonstrations/{again_id}/decision"),
            Some(&district),
            &json!({"decision": "decline", "reason": "整改尚未完成"}),
        )
        .await
        .json();
    assert_eq!(declined["status"], "declined");
    assert_eq!(declined["history"][1]["reason"], "整改尚未完成");
    w.get(&format!("/demonstrations/{again_id}"), None)
        .await
        .problem(404, "not_found");
}

async fn demonstration_writes_are_refused_beyond_the_callers_reach(backend: Backend) {
    let w = World::new(backend).await;
    let compound = w.compound("DM-002", JINGUANYI).await;
    let elsewhere = w.compound("DM-003", CAOSHIJIE).await;
    let street = w.street(JINGUANYI);
    let body = proposal(&compound, "professional");

    // Who may propose: the compound's own street official only.
    w.post("/demonstrations", None, &body)
        .await
        .problem(401, "unauthenticated");
    for token in [
        w.city(),
        w.association(),
        w.district(JINJIANG),
        w.token(Role::Committee, Scope::Compound(compound.clone())),
        w.token(Role::Firm, Scope::Firm("f1".into())),
    ] {
        w.post("/demonstrations", Some(&token), &body)
            .await
            .problem(403, "forbidden");
    }
    // A street official of the same district but another street.
    w.post("/demonstrations", Some(&w.street(DONGHU)), &body)
        .await
        .problem(403, "forbidden");
    w.post(
        "/demonstrations",
        Some(&street),
        &proposal(&elsewhere, "professional"),
    )
    .await
    .problem(403, "forbidden");
    // Bad input: every field named in Chinese; the rights come first.
    let bad = w
        .post(
            "/demonstrations",
            Some(&street),
            &json!({"model": " ", "merits": "", "points": ["", "长".repeat(201)]}),
        )
        .await;
    assert_fields(
        &bad,
        &["compound_id", "model", "merits", "points[0]", "points[1]"],
    );
    assert_eq!(bad.field_error("merits").as_deref(), Some("请填写示范亮点"));
    assert_eq!(
        bad.field_error("points[1]").as_deref(),
        Some("每条具体做法不能超过 200 字")
    );
    assert_fields(
        &w.post("/demonstrations", Some(&street), &json!({})).await,
        &["points"],
    );
    let unknown = w
        .post(
            "/demonstrations",
            Some(&street),
            &proposal("no-such-compound", "professional"),
        )
        .await;
    assert_fields(&unknown, &["compound_id"]);
    let unknown_model = w
        .post(
            "/demonstrations",
            Some(&street),
            &proposal(&compound, "no_such_model"),
        )
        .await;
    assert_fields(&unknown_model, &["model"]);
    assert_eq!(
        unknown_model.field_error("model").as_deref(),
        Some("没有这个服务方式")
    );
    let bad_json = w
        .app
        .send(
            Method::POST,
            &w.url("/demonstrations"),
            Some(&street),
            Some(&json!({"points": "一条"})),
        )
        .await;
    assert_eq!(bad_json.status.as_u16(), 400, "{}", bad_json.body);

    let d = w.post("/demonstrations", Some(&street), &body).await;
    assert_eq!(d.status.as_u16(), 201, "{}", d.body);
    let id = d.json()["id"].as_str().unwrap().to_string();
    let decision = format!("/demonstrations/{id}/decision");
    let confirm = json!({"decision": "confirm"});

    // Who may decide: the district official of the compound's district only.
    w.post(&decision, None, &confirm)
        .await
        .problem(401, "unauthenticated");
    for token in [
        street.clone(),
        w.city(),
        w.association(),
        w.district(QINGYANG),
    ] {
        w.post(&decision, Some(&token), &confirm)
            .await
            .problem(403, "forbidden");
    }
    w.post(
        "/demonstrations/nope/decision",
        Some(&w.district(JINJIANG)),
        &confirm,
    )
    .await
    .problem(404, "not_found");
    let no_reason = w
        .post(
            &decision,
            Some(&w.district(JINJIANG)),
            &json!({"decision": "decline"}),
        )
        .await;
    assert_fields(&no_reason, &["reason"]);
    assert_eq!(
        no_reason.field_error("reason").as_deref(),
        Some("不予确认须填写理由")
    );
    assert_fields(
        &w.post(
            &decision,
            Some(&w.district(JINJIANG)),
            &json!({"decision": "yes", "reason": "长".repeat(501)}),
        )
        .await,
        &["decision", "reason"],
    );

    // Who may withdraw: the street or district of the compound, never the city.
    let withdrawal = format!("/demonstrations/{id}/withdrawal");
    let reason = json!({"reason": "撤销"});
    w.post(&withdrawal, None, &reason)
        .await
        .problem(401, "unauthenticated");
    for token in [
        w.city(),
        w.association(),
        w.street(DONGHU),
        w.district(QINGYANG),
    ] {
        w.post(&withdrawal, Some(&token), &reason)
            .await
            .problem(403, "forbidden");
    }
    assert_fields(
        &w.post(&withdrawal, Some(&street), &json!({"reason": "  "}))
            .await,
        &["reason"],
    );

    // Reads: the area list for officials only; the city reads the whole city.
    w.get("/demonstrations/area", None)
        .await
        .problem(401, "unauthenticated");
    w.get(
        "/demonstrations/area",
        Some(&w.token(Role::Firm, Scope::Firm("f1".into()))),
    )
    .await
    .problem(403, "forbidden");
    assert_eq!(
        w.get("/demonstrations/area", Some(&w.city())).await.json()["total"],
        1
    );
    assert_eq!(
        w.get("/demonstrations/area", Some(&w.street(DONGHU)))
            .await
            .json()["total"],
        0
    );
    assert_fields(
        &w.get("/demonstrations/area?status=maybe", Some(&w.city()))
            .await,
        &["status"],
    );
    // Nothing was written by a refused call.
    let only = w.get("/demonstrations/area", Some(&w.city())).await.json();
    assert_eq!(only["items"][0]["history"].as_array().unwrap().len(), 1);
}

fn subsidy(compound: &str, amount_fen: i64) -> Value {
    json!({
        "compound_id": compound,
        "amount_fen": amount_fen,
        "reason": "信托制物业服务成效突出",
        "period_from": "2026-01-01",
        "period_to": "2026-06-30",
        "document_number": "锦住建〔2026〕12号"
    })
}

/// The monthly report's `subsidies` of the row `code`.
fn row_subsidies(report: &Value, code: &str) -> (i64, i64) {
    let row = report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["code"] == code)
        .unwrap_or_else(|| panic!("no row {code}: {report}"));
    (
        row["subsidies"]["count"].as_i64().unwrap(),
        row["subsidies"]["amount_fen"].as_i64().unwrap(),
    )
}

async fn a_district_records_a_subsidy_and_the_monthly_report_sums_it(backend: Backend) {
    let w = World::new(backend).await;
    let first = w.compound("SB-001", JINGUANYI).await;
    let second = w.compound("SB-002", DONGHU).await;
    let district = w.district(JINJIANG);

    let recorded = w
        .post("/subsidies", Some(&district), &subsidy(&first, 5_000_000))
        .await;
    assert_eq!(recorded.status.as_u16(), 201, "{}", recorded.body);
    let s = recorded.json();
    let id = s["id"].as_str().unwrap().to_string();
    assert_eq!(s["amount_fen"], 5_000_000);
    assert_eq!(s["document_number"], "锦住建〔2026〕12号");
    assert_eq!(s["compound_name"], "SB-001号院");
    assert!(s["corrected_by"].is_null());
    let other = w
        .post("/subsidies", Some(&district), &subsidy(&second, 3_000_000))
        .await;
    assert_eq!(other.status.as_u16(), 201, "{}", other.body);

    // A correction is a new record; the old one stays, marked.
    let mut fix = subsidy(&first, 4_000_000);
    fix["corrects"] = json!(id);
    fix["correction_reason"] = json!("金额按批复文件更正");
    let corrected = w.post("/subsidies", Some(&district), &fix).await;
    assert_eq!(corrected.status.as_u16(), 201, "{}", corrected.body);
    let fix_id = corrected.json()["id"].as_str().unwrap().to_string();
    let old = w.get(&format!("/subsidies/{id}"), None).await.json();
    assert_eq!(old["corrected_by"], fix_id);
    assert_eq!(old["amount_fen"], 5_000_000);
    w.post("/subsidies", Some(&district), &fix)
        .await
        .problem(409, "already_corrected");
    let mut elsewhere = subsidy(&second, 1);
    elsewhere["corrects"] = json!(fix_id);
    elsewhere["correction_reason"] = json!("错");
    assert_fields(
        &w.post("/subsidies", Some(&district), &elsewhere).await,
        &["corrects"],
    );

    // Public: every record of the compound, and the current ones.
    let all = w
        .get(&format!("/subsidies?compound={first}"), None)
        .await
        .json();
    assert_eq!(all["total"], 2);
    let current = w
        .get(&format!("/subsidies?compound={first}&current=true"), None)
        .await
        .json();
    assert_eq!(current["total"], 1);
    assert_eq!(current["items"][0]["amount_fen"], 4_000_000);
    assert_eq!(current["items"][0]["corrects"], id);
    assert_fields(&w.get("/subsidies?current=maybe", None).await, &["current"]);

    // Matching follows the feed; the monthly report sums the records that count.
    w.app
        .wait_followed(
            &w.app.matching_db,
            "catalog",
            &w.app.catalog_url,
            "/catalog",
        )
        .await;
    let url = format!("{}/match/reports/monthly", w.app.matching_url);
    let report = w.app.get(&url, Some(&district)).await;
    assert_eq!(report.status.as_u16(), 200, "{}", report.body);
    let report = report.json();
    assert_eq!(row_subsidies(&report, JINGUANYI), (1, 4_000_000));
    assert_eq!(row_subsidies(&report, DONGHU), (1, 3_000_000));
    assert_eq!(report["subsidies"]["amount_fen"], 7_000_000);
    let city = w.app.get(&url, Some(&w.city())).await.json();
    assert_eq!(row_subsidies(&city, JINJIANG), (2, 7_000_000));
    assert_eq!(row_subsidies(&city, QINGYANG), (0, 0));
    // Last month had none.
    let earlier = format!("{url}?month=2025-01");
    assert_eq!(
        w.app.get(&earlier, Some(&district)).await.json()["subsidies"]["amount_fen"],
        0
    );
}

async fn subsidy_writes_are_refused_beyond_the_callers_reach(backend: Backend) {
    let w = World::new(backend).await;
    let compound = w.compound("SB-003", JINGUANYI).await;
    let body = subsidy(&compound, 100_000);
    w.post("/subsidies", None, &body)
        .await
        .problem(401, "unauthenticated");
    for token in [
        w.city(),
        w.association(),
        w.street(JINGUANYI),
        w.district(QINGYANG),
        w.token(Role::Committee, Scope::Compound(compound.clone())),
        w.token(Role::Firm, Scope::Firm("f1".into())),
    ] {
        w.post("/subsidies", Some(&token), &body)
            .await
            .problem(403, "forbidden");
    }
    let district = w.district(JINJIANG);
    let bad = w
        .post(
            "/subsidies",
            Some(&district),
            &json!({"compound_id": compound, "amount_fen": 0, "reason": " ",
                "period_from": "2026-06-30", "period_to": "2026-01-01", "document_number": "文".repeat(101)}),
        )
        .await;
    assert_fields(
        &bad,
        &["amount_fen", "reason", "period_to", "document_number"],
    );
    assert_eq!(
        bad.field_error("amount_fen").as_deref(),
        Some("补助金额应大于 0 且不超过 1000 万元")
    );
    assert_eq!(
        bad.field_error("period_to").as_deref(),
        Some("截止日期不能早于起始日期")
    );
    assert_fields(
        &w.post(
            "/subsidies",
            Some(&district),
            &subsidy(&compound, 1_000_000_001),
        )
        .await,
        &["amount_fen"],
    );
    assert_fields(
        &w.post(
            "/subsidies",
            Some(&district),
            &subsidy("no-such-compound", 100),
        )
        .await,
        &["compound_id"],
    );
    let mut unknown = subsidy(&compound, 100);
    unknown["corrects"] = json!("no-such-record");
    unknown["correction_reason"] = json!("更正");
    assert_fields(
        &w.post("/subsidies", Some(&district), &unknown).await,
        &["corrects"],
    );
    // Nothing was recorded by a refused call.
    assert_eq!(w.get("/subsidies", None).await.json()["total"], 0);
}

async fn the_city_selects_and_publishes_the_best_hundred_from_the_candidates(backend: Backend) {
    use wuye_e2e::tender::{World as Tenders, contracted};
    let w = Tenders::with_history(backend).await;
    let year = shared::clock::china_today().year();
    // Two compounds served since 1 January 2026; a third surveyed but never served; a
    // fourth served and surveyed but not an old compound.
    for c in ["c-best-1", "c-best-2", "c-best-3"] {
        w.compound(c, json!({})).await;
    }
    w.compound("c-best-new", json!({})).await;
    contracted(&w, "c-best-1", &[("f-b1", 150), ("f-b2", 160)]).await;
    contracted(&w, "c-best-2", &[("f-b3", 150), ("f-b4", 160)]).await;
    contracted(&w, "c-best-new", &[("f-b5", 150), ("f-b6", 160)]).await;
    // (contracting publishes the compound again: the ledger's correction comes after.)
    w.compound("c-best-new", json!({"is_old": false})).await;
    let survey = |c: &str, satisfied: i64, dissatisfied: i64| {
        json!({"compound_id": c, "period": format!("{year}-Q3"), "satisfied": satisfied,
            "basically_satisfied": 0, "dissatisfied": dissatisfied})
    };
    for (c, yes, no) in [
        ("c-best-1", 80, 20),
        ("c-best-2", 95, 5),
        ("c-best-3", 100, 0),
        ("c-best-new", 100, 0),
    ] {
        let a = w
            .post("/satisfaction", Some(&w.committee(c)), &survey(c, yes, no))
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
    }
    // Tender's own record: no feed needs to reach another service first.
    let app = &w.app;
    let url = |p: &str| format!("{}/tenders/best/{year}{p}", app.tender_url);
    let city = app.token(Role::CityOfficial, Scope::City);

    // Ranked by satisfaction, then months served; the unserved compound and the new one
    // are no candidates.
    let candidates = app.get(&url("/candidates"), Some(&city)).await;
    assert_eq!(candidates.status.as_u16(), 200, "{}", candidates.body);
    let items = candidates.json()["items"].as_array().unwrap().clone();
    let ids: Vec<&str> = items
        .iter()
        .map(|c| c["compound_id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["c-best-2", "c-best-1"]);
    assert_eq!(items[0]["satisfaction_basis_points"], 9500);
    assert_eq!(items[0]["rank"], 1);
    assert_eq!(items[0]["served_since"], "2026-01-01");
    assert!(
        items[0]["months_served"].as_i64().unwrap() >= 1,
        "{}",
        items[0]
    );
    app.get(&url("/candidates"), None)
        .await
        .problem(401, "unauthenticated");
    app.get(&url("/candidates"), Some(&w.firm_token("f-b1")))
        .await
        .problem(403, "forbidden");

    // Only the city official selects and publishes: the one write it makes.
    let body = json!({"compounds": ["c-best-2", "c-best-1"]});
    app.send(Method::PUT, &url(""), None, Some(&body))
        .await
        .problem(401, "unauthenticated");
    for token in [
        app.token(Role::Association, Scope::City),
        app.token(Role::DistrictOfficial, Scope::District(JINJIANG.into())),
        app.token(Role::StreetOfficial, Scope::Street(JINGUANYI.into())),
        w.committee("c-best-1"),
        w.firm_token("f-b1"),
    ] {
        app.send(Method::PUT, &url(""), Some(&token), Some(&body))
            .await
            .problem(403, "forbidden");
        app.send(
            Method::POST,
            &url("/publication"),
            Some(&token),
            None::<&Value>,
        )
        .await
        .problem(403, "forbidden");
    }
    // From the candidates only, at most 100, none twice.
    let not_candidate = app
        .send(
            Method::PUT,
            &url(""),
            Some(&city),
            Some(&json!({"compounds": ["c-best-1", "c-best-3"]})),
        )
        .await;
    assert_fields(&not_candidate, &["compounds[1]"]);
    assert_eq!(
        not_candidate.field_error("compounds[1]").as_deref(),
        Some("该小区不在本年度候选名单中")
    );
    let twice = app
        .send(
            Method::PUT,
            &url(""),
            Some(&city),
            Some(&json!({"compounds": ["c-best-1", "c-best-1"]})),
        )
        .await;
    assert_fields(&twice, &["compounds[1]"]);
    let many: Vec<String> = (0..101).map(|i| format!("c{i}")).collect();
    assert_fields(
        &app.send(
            Method::PUT,
            &url(""),
            Some(&city),
            Some(&json!({"compounds": many})),
        )
        .await,
        &["compounds"],
    );
    // Nothing public before publication.
    app.get(&url(""), None).await.problem(404, "not_found");

    let selected = app
        .send(Method::PUT, &url(""), Some(&city), Some(&body))
        .await;
    assert_eq!(selected.status.as_u16(), 200, "{}", selected.body);
    assert!(selected.json()["published_at"].is_null());
    app.get(&url(""), None).await.problem(404, "not_found");
    assert_eq!(
        app.get(&url(""), Some(&city)).await.json()["entries"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let published = app
        .send(
            Method::POST,
            &url("/publication"),
            Some(&city),
            None::<&Value>,
        )
        .await;
    assert_eq!(published.status.as_u16(), 200, "{}", published.body);
    let public = app.get(&url(""), None).await;
    assert_eq!(public.status.as_u16(), 200, "{}", public.body);
    let list = public.json();
    assert!(list["published_at"].is_string());
    let entries = list["entries"].as_array().unwrap();
    assert_eq!(entries[0]["compound_id"], "c-best-2");
    assert_eq!(entries[0]["satisfaction_basis_points"], 9500);
    assert_eq!(entries[1]["satisfaction_basis_points"], 8000);
    assert_eq!(entries[1]["rank"], 2);
    // Fixed once published.
    app.send(Method::PUT, &url(""), Some(&city), Some(&body))
        .await
        .problem(409, "already_published");
    app.send(
        Method::POST,
        &url("/publication"),
        Some(&city),
        None::<&Value>,
    )
    .await
    .problem(409, "already_published");
    w.stop().await;
}

async fn a_street_proposes_and_the_district_confirms_in_a_browser(backend: Backend) {
    let Some(browser) = wuye_e2e::browser::Browser::start().await else {
        return;
    };
    let tag = match backend {
        Backend::Sqlite => "sqlite",
        Backend::Postgres(_) => "postgres",
    };
    let w = World::new(backend).await;
    for (username, name, role, scope) in [
        (
            "jgy.demo",
            "锦官驿街道 李干事",
            "street_official",
            JINGUANYI,
        ),
        ("jj.demo", "锦江区 王科长", "district_official", JINJIANG),
    ] {
        let a = w
            .post(
                "/accounts",
                Some(&w.association()),
                &json!({"username": username, "display_name": name,
                    "password": "a-long-enough-password", "role": role, "scope_id": scope}),
            )
            .await;
        assert_eq!(a.status.as_u16(), 201, "{}", a.body);
    }
    let compound = w.compound("DM-B01", JINGUANYI).await;
    let url = |p: &str| format!("{}{p}", w.app.web_url);
    let sign_in = |user: &'static str| {
        let browser = &browser;
        async move {
            browser
                .open(&url("/signin?next=/official/demonstrations"))
                .await
                .unwrap();
            browser.fill("#username", user).await.unwrap();
            browser
                .fill("#password", "a-long-enough-password")
                .await
                .unwrap();
            browser
                .click("form[action='/signin'] button[type=submit]")
                .await
                .unwrap();
            browser.wait_for("标杆示范小区").await.unwrap();
        }
    };

    // The street proposes; an empty form is refused beside its fields.
    sign_in("jgy.demo").await;
    browser.click("#propose button[type=submit]").await.unwrap();
    browser.wait_for("请选择小区").await.unwrap();
    browser
        .click(&format!("#compound_id option[value='{compound}']"))
        .await
        .unwrap();
    browser.click("#model option[value='trust']").await.unwrap();
    browser
        .fill("#merits", "共管账户、收支每月公开")
        .await
        .unwrap();
    browser
        .fill("#points", "物业费进入共管账户\n每月公示收支明细")
        .await
        .unwrap();
    browser.click("#propose button[type=submit]").await.unwrap();
    let text = browser.wait_for("已推荐，等待区县确认").await.unwrap();
    assert!(text.contains("待区县确认"), "{text}");
    browser
        .screenshot(&format!("demonstration-proposed-{tag}"))
        .await
        .unwrap();
    browser.click("header.site .who form button").await.unwrap();

    // The district confirms.
    let area = w
        .get("/demonstrations/area", Some(&w.district(JINJIANG)))
        .await
        .json();
    let id = area["items"][0]["id"].as_str().unwrap().to_string();
    assert_eq!(
        area["items"][0]["points"].as_array().unwrap().len(),
        2,
        "{area}"
    );
    sign_in("jj.demo").await;
    browser
        .click(&format!("#d-{id} form.decision button[value=confirm]"))
        .await
        .unwrap();
    browser.wait_for("已确认为标杆示范小区").await.unwrap();
    browser.click("header.site .who form button").await.unwrap();

    // The public sees it on the list per service model and on the compound's page.
    browser
        .open(&url("/demonstration?model=trust"))
        .await
        .unwrap();
    let text = browser.wait_for("DM-B01号院").await.unwrap();
    assert!(
        text.contains("共管账户、收支每月公开") && text.contains("每月公示收支明细"),
        "{text}"
    );
    browser
        .screenshot(&format!("demonstration-list-{tag}"))
        .await
        .unwrap();
    browser
        .open(&url(&format!("/compounds/{compound}")))
        .await
        .unwrap();
    let text = browser.wait_for("信托制物业标杆示范").await.unwrap();
    assert!(text.contains("共管账户、收支每月公开"), "{text}");
    browser.close().await;
}

/// The district's subsidy form as a browser posts it.
fn subsidy_form<'a>(compound: &'a str, amount: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("_csrf", wuye_e2e::pages::CSRF),
        ("compound_id", compound),
        ("amount", amount),
        ("reason", "公益性物业服务示范"),
        ("period_from", "2026-01-01"),
        ("period_to", "2026-12-31"),
        ("document_number", "锦住建〔2026〕8号"),
    ]
}

async fn incentive_pages_record_subsidies_and_show_the_lists(backend: Backend) {
    use wuye_e2e::pages::{CSRF, get, post};
    let w = World::new(backend).await;
    let app = &w.app;
    let compound = w.compound("SB-P01", JINGUANYI).await;
    let district = w.district(JINJIANG);

    // What is typed wrong comes back beside its field; nobody but the district records.
    let (status, _, body) = post(
        app,
        "/official/subsidies",
        Some(&district),
        &subsidy_form(&compound, "五万"),
    )
    .await;
    assert_eq!(status.as_u16(), 422, "{body}");
    assert!(body.contains("请按元填写金额，最多两位小数"), "{body}");
    for token in [w.street(JINGUANYI), w.city(), w.district(QINGYANG)] {
        let (status, _, body) = post(
            app,
            "/official/subsidies",
            Some(&token),
            &subsidy_form(&compound, "50000"),
        )
        .await;
        assert_eq!(status.as_u16(), 403, "{body}");
    }
    let (status, location, _) = post(
        app,
        "/official/subsidies",
        None,
        &subsidy_form(&compound, "50000"),
    )
    .await;
    assert_eq!(status.as_u16(), 303);
    assert!(location.starts_with("/signin"), "{location}");
    let no_csrf: Vec<_> = subsidy_form(&compound, "50000")
        .into_iter()
        .filter(|(k, _)| *k != "_csrf")
        .collect();
    let (status, _, _) = post(app, "/official/subsidies", Some(&district), &no_csrf).await;
    assert!(!status.is_success() && !status.is_redirection(), "{status}");
    assert_eq!(w.get("/subsidies", None).await.json()["total"], 0);

    let (status, location, body) = post(
        app,
        "/official/subsidies",
        Some(&district),
        &subsidy_form(&compound, "50000"),
    )
    .await;
    assert_eq!(status.as_u16(), 303, "{body}");
    assert!(
        location.starts_with("/official/subsidies?done="),
        "{location}"
    );
    let (_, _, page) = get(app, &location, Some(&district)).await;
    assert!(
        page.contains("补助已登记") && page.contains("50,000.00"),
        "{page}"
    );

    // The public sees it on the compound's page; the lists are public too.
    let (status, _, page) = get(app, &format!("/compounds/{compound}"), None).await;
    assert_eq!(status.as_u16(), 200);
    assert!(
        page.contains("以奖代补资金")
            && page.contains("50,000.00")
            && page.contains("锦住建〔2026〕8号"),
        "{page}"
    );
    let (status, _, page) = get(app, "/priority-firms", None).await;
    assert_eq!(status.as_u16(), 200);
    assert!(page.contains("信用等级 B 级及以上"), "{page}");
    let (status, _, page) = get(app, "/best", None).await;
    assert_eq!(status.as_u16(), 200);
    assert!(page.contains("名单尚未公布"), "{page}");

    // The 百佳 selection page: the city selects; a district reads and may not post.
    let (status, _, page) = get(app, "/official/best", Some(&w.city())).await;
    assert_eq!(status.as_u16(), 200, "{page}");
    assert!(page.contains("候选小区"), "{page}");
    let (status, _, _) = post(
        app,
        "/official/best",
        Some(&district),
        &[("_csrf", CSRF), ("year", "2026")],
    )
    .await;
    assert_eq!(status.as_u16(), 403);
}

async fn priority_firms_are_whitelisted_in_good_standing_with_credit(backend: Backend) {
    use shared::domain::roster::china_today;
    let w = World::new(backend).await;
    let assoc = w.association();
    let mut ids = Vec::new();
    for (name, n) in [("优先物业", 31), ("普通物业", 32), ("整改物业", 33)] {
        let f = w
            .post("/firms", None, &wuye_e2e::fixtures::firm_body(name, n))
            .await;
        assert_eq!(f.status.as_u16(), 201, "{}", f.body);
        let id = f.json()["id"].as_str().unwrap().to_string();
        let r = w
            .post(
                &format!("/firms/{id}/standing"),
                Some(&assoc),
                &json!({"action": "recommend", "reason": "审核通过", "review_date": "2099-12-31"}),
            )
            .await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.body);
        ids.push(id);
    }
    // The first and the third are whitelisted; the third is then suspended.
    for id in [&ids[0], &ids[2]] {
        let r = w
            .post(
                &format!("/firms/{id}/whitelist"),
                Some(&assoc),
                &json!({"on": true, "reason": "检查优秀"}),
            )
            .await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    }
    let rectify_by = shared::domain::roster::format_date(
        time::Date::from_julian_day(china_today().to_julian_day() + 30).unwrap(),
    );
    let r = w
        .post(
            &format!("/firms/{}/standing", ids[2]),
            Some(&assoc),
            &json!({"action": "suspend", "reason": "多次投诉", "rectify_by": rectify_by}),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);

    let listed = w.get("/priority-firms", None).await;
    assert_eq!(listed.status.as_u16(), 200, "{}", listed.body);
    let listed = listed.json();
    let found: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert_eq!(found, [ids[0].as_str()], "{listed}");
    let grade = listed["items"][0]["credit"]["grade"].as_str().unwrap();
    assert!(["AAA", "AA", "A", "B"].contains(&grade), "{grade}");
    assert_fields(&w.get("/priority-firms?limit=0", None).await, &["limit"]);
}
