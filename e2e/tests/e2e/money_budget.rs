//! The budget sets the fee (issue 17, part A) over HTTP: a budget approved by a vote from
//! ballots sets a fee standard derived from its figures and the register, each term shown;
//! bills follow it, idempotent per unit and month; payments recorded and imported (a dry
//! run naming a bad row, a repeated reference, a payment recorded already, a unit without
//! a bill); the collection rate of the compound and its street on hand-checked figures;
//! arrears for the committee and the serving firm only. A vote that fails leaves the
//! budget a draft that sets no fee. The contract follows the approved fee: its fee in force.

use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use shared::clock::china_today;
use wuye_e2e::ballots::{close, open_vote, register, street, unit};
use wuye_e2e::browser::Browser;
use wuye_e2e::fixtures::JINGUANYI;
use wuye_e2e::pages::{self, CSRF};
use wuye_e2e::tender::{World, contracted};
use wuye_e2e::{Answer, Backend, both_backends};

both_backends!(
    a_budget_approved_by_ballots_sets_the_fee_that_bills_follow,
    a_failed_vote_leaves_the_budget_a_draft_without_a_fee,
    the_serving_firm_keeps_the_fees_and_nobody_else_sees_arrears,
    a_committee_drafts_its_budget_in_a_browser,
    the_contract_follows_the_approved_fee,
);

fn year() -> i32 {
    china_today().year()
}

fn today() -> String {
    tender::clock::format_date(china_today())
}

/// Spending 60 000 元 (personnel 50 000, cleaning 10 000), remuneration 6 000 元, expected
/// common revenue 4 000 元 (parking 3 000, advertising 1 000), carry-in 2 000 元:
/// 60 000 元 is to be raised.
fn budget_body() -> Value {
    json!({
        "spending": {"personnel_fen": 5_000_000, "cleaning_fen": 1_000_000},
        "total_spending_fen": 6_000_000,
        "common_revenue": {"parking_fen": 300_000, "advertising_fen": 100_000},
        "remuneration_fen": 600_000,
        "carry_in_fen": 200_000,
        "note": "酬金制：酬金按年度固定金额计。",
    })
}

/// 101 (100 ㎡, 张三), 102 (80.50 ㎡, 李四), 201 (60 ㎡, 王五), 202 (59.50 ㎡, unsold):
/// 300.00 ㎡, 4 owners by head.
async fn hand_checked_register(w: &World, c: &str) {
    register(
        w,
        &[
            unit(c, "101", "100", Some("张三")),
            unit(c, "102", "80.50", Some("李四")),
            unit(c, "201", "60", Some("王五")),
            unit(c, "202", "59.50", None),
        ],
    )
    .await;
}

async fn put_budget(w: &World, c: &str, token: &str, body: &Value) -> Answer {
    w.call(
        Method::PUT,
        &format!("/compounds/{c}/budgets/{}", year()),
        Some(token),
        Some(body),
    )
    .await
}

async fn link(w: &World, c: &str, vote: &str) -> Answer {
    w.post(
        &format!("/compounds/{c}/budgets/{}/vote", year()),
        Some(&w.committee(c)),
        &json!({"vote_id": vote}),
    )
    .await
}

async fn paper(w: &World, vote: &str, c: &str, room: &str, choice: &str) {
    let a = w
        .post(
            &format!("/ballot-votes/{vote}/paper-ballots"),
            Some(&w.committee(c)),
            &json!({"unit_id": format!("{c}-{room}"), "choice": choice,
                "paper_ref": format!("纸票-{room}")}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
}

async fn bills(w: &World, c: &str, token: &str, month: &str) -> Answer {
    w.post(
        &format!("/compounds/{c}/fees/bills"),
        Some(token),
        &json!({"month": month}),
    )
    .await
}

async fn pay(w: &World, c: &str, bill: &str, amount: i64, reference: &str) -> Answer {
    w.post(
        &format!("/compounds/{c}/fees/payments"),
        Some(&w.committee(c)),
        &json!({"bill_id": bill, "amount_fen": amount, "paid_on": today(),
            "reference": reference}),
    )
    .await
}

async fn import(w: &World, c: &str, mode: &str, csv: &str) -> Answer {
    let res = w
        .app
        .client
        .post(w.url(&format!(
            "/compounds/{c}/fees/payments/import?format=csv&mode={mode}"
        )))
        .bearer_auth(w.committee(c))
        .header(reqwest::header::CONTENT_TYPE, "text/csv")
        .body(csv.to_string())
        .send()
        .await
        .unwrap();
    let status = res.status();
    Answer {
        status,
        content_type: String::new(),
        body: res.text().await.unwrap(),
    }
}

/// The committee's arrears: `{unit label: owed}` for January.
async fn arrears(w: &World, c: &str, token: &str) -> Vec<(String, i64)> {
    let y = year();
    let a = w
        .get(
            &format!("/compounds/{c}/fees/arrears?from={y}-01&to={y}-01"),
            Some(token),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            (
                i["unit_label"].as_str().unwrap().to_string(),
                i["owed_fen"].as_i64().unwrap(),
            )
        })
        .collect()
}

fn bill_of(items: &[Value], label: &str) -> String {
    items
        .iter()
        .find(|i| i["unit_label"] == label)
        .unwrap_or_else(|| panic!("no bill of {label}"))["bill_id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn collection(w: &World, c: &str) -> Value {
    let y = year();
    let a = w
        .get(
            &format!("/compounds/{c}/fees/collection?from={y}-01&to={y}-01"),
            None,
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()
}

/// The budget drafted, put to a vote, approved; the fee it sets (hand-checked); January
/// billed twice (the second time only the unit added since); payments one by one and from
/// a file; the collection rate.
async fn a_budget_approved_by_ballots_sets_the_fee_that_bills_follow(backend: Backend) {
    let w = World::new(backend).await;
    let c = "c-budget";
    let committee = w.compound(c, json!({"name": "预算小区"})).await;
    hand_checked_register(&w, c).await;
    let y = year();
    let january = format!("{y}-01");

    // Drafted: a draft, whose fee is what it would be, not the compound's fee.
    let a = put_budget(&w, c, &committee, &budget_body()).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let draft = a.json();
    assert_eq!(draft["state"], "draft");
    assert_eq!(draft["state_label"], "草案");
    assert_eq!(draft["fee_standard_fen"], Value::Null);
    // (60 000 + 6 000 − 4 000 − 2 000 = 60 000 元) = 6 000 000 分 ÷ 300 ㎡ ÷ 12
    // = 1 666.6666 分/㎡·月, rounded up to 1 667.
    let fee = &draft["fee"];
    assert_eq!(fee["spending_fen"], 6_000_000);
    assert_eq!(fee["remuneration_fen"], 600_000);
    assert_eq!(fee["common_revenue_fen"], 400_000);
    assert_eq!(fee["carry_in_fen"], 200_000);
    assert_eq!(fee["to_raise_fen"], 6_000_000);
    assert_eq!(fee["area_centi"], 30_000);
    assert_eq!(fee["exact_fen_per_m2_month"], "1666.6666");
    assert_eq!(fee["fee_fen_per_m2_month"], 1_667);
    assert!(
        fee["explanation"]
            .as_str()
            .unwrap()
            .contains("÷ 专有部分面积 300.00 ㎡ ÷ 12 个月 = 1666.6666 分/㎡·月，向上取整为 1667 分/㎡·月（16.67 元/㎡·月）"),
        "{fee}"
    );
    // A stated total that does not add up is refused, naming the field.
    let a = put_budget(
        &w,
        c,
        &committee,
        &wuye_e2e::fixtures::merged(budget_body(), json!({"total_spending_fen": 6_000_001})),
    )
    .await;
    assert_eq!(
        a.problem(422, "validation_failed")["errors"][0]["code"],
        "total_mismatch"
    );
    // No fee yet: no bills.
    bills(&w, c, &committee, &january)
        .await
        .problem(409, "no_approved_budget");

    // Put to the owners: 101, 102 and 201 approve on paper (3 of 4 owners, 240.50 of
    // 300 ㎡ take part, all approve).
    let vote = open_vote(
        &w,
        c,
        json!({"matter": "approve_budget", "question": format!("是否同意{y}年度物业服务预算")}),
        3,
    )
    .await;
    let vid = vote["id"].as_str().unwrap();
    let a = link(&w, c, vid).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["state"], "voting");
    // Locked while the owners vote.
    put_budget(
        &w,
        c,
        &committee,
        &json!({"spending": {"personnel_fen": 1}}),
    )
    .await
    .problem(409, "budget_locked");
    for room in ["101", "102", "201"] {
        paper(&w, vid, c, room, "approve").await;
    }
    let closed = close(&w, c, &vote).await;
    assert_eq!(closed["result"]["passed"], true, "{closed}");

    // Approved: the fee is the compound's, over the register the vote was measured against.
    let approved = w
        .get(&format!("/compounds/{c}/budgets/{y}"), None)
        .await
        .json();
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["state_label"], "已批准");
    assert_eq!(approved["vote"]["passed"], true);
    assert_eq!(approved["fee_standard_fen"], 1_667);
    let list = w.get(&format!("/compounds/{c}/budgets"), None).await.json();
    assert_eq!(list.as_array().unwrap().len(), 1);

    // January: 101 10 000 × 1 667 / 100 = 166 700; 102 8 050 × 1 667 / 100 = 134 193.5 →
    // 134 194; 201 100 020; 202 5 950 × 1 667 / 100 = 99 186.5 → 99 187; Σ 500 101 分.
    let a = bills(&w, c, &committee, &january).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let run = a.json();
    assert_eq!(
        (&run["created"], &run["already_billed"], &run["billed_fen"]),
        (&json!(4), &json!(0), &json!(500_101))
    );
    assert_eq!(run["fee_fen_per_m2_month"], 1_667);
    // A unit added since (301, 100 ㎡): only it is billed the second time (166 700), and
    // the fee stays the approved one.
    register(&w, &[unit(c, "301", "100", Some("赵六"))]).await;
    let run = bills(&w, c, &committee, &january).await.json();
    assert_eq!(
        (&run["created"], &run["already_billed"], &run["billed_fen"]),
        (&json!(1), &json!(4), &json!(666_801))
    );
    let again = w
        .get(&format!("/compounds/{c}/budgets/{y}"), None)
        .await
        .json();
    assert_eq!(again["fee_standard_fen"], 1_667);

    // Payments one by one: 101 in full, 102 100 000 of 134 194.
    let owed = w
        .get(
            &format!("/compounds/{c}/fees/arrears?from={january}&to={january}"),
            Some(&committee),
        )
        .await
        .json();
    let items = owed["items"].as_array().unwrap().clone();
    assert_eq!(owed["total"], 5);
    let a = pay(&w, c, &bill_of(&items, "1栋1单元101"), 166_700, "R-001").await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.json()["owed_after_fen"], 0);
    let a = pay(&w, c, &bill_of(&items, "1栋1单元102"), 100_000, "R-002").await;
    assert_eq!(a.json()["owed_after_fen"], 34_194);
    // The same receipt again; more than owed.
    pay(&w, c, &bill_of(&items, "1栋1单元101"), 1, "R-001")
        .await
        .problem(409, "duplicate_payment");
    let a = pay(&w, c, &bill_of(&items, "1栋1单元102"), 34_195, "R-003").await;
    assert_eq!(
        a.problem(422, "validation_failed")["errors"][0]["code"],
        "exceeds_owed"
    );

    // A file: 201 in full (1 000.20 元); a bad amount; a reference twice; R-001 as recorded
    // already; a unit without a bill.
    let d = today();
    let csv = format!(
        "楼栋,单元,房号,月份,金额（元）,缴费日期,收据号\n\
         1栋,1单元,201,{january},1000.20,{d},R-101\n\
         1栋,1单元,202,{january},一百,{d},R-102\n\
         1栋,1单元,301,{january},500,{d},R-103\n\
         1栋,1单元,301,{january},500,{d},R-103\n\
         1栋,1单元,101,{january},1667.00,{d},R-001\n\
         1栋,1单元,999,{january},1,{d},R-104\n"
    );
    let dry = import(&w, c, "dry_run", &csv).await;
    assert_eq!(dry.status, 200, "{}", dry.body);
    let report = dry.json();
    assert_eq!(report["committed"], false);
    assert_eq!(
        (
            &report["rows_total"],
            &report["recorded"],
            &report["recorded_fen"],
            &report["already_recorded"]
        ),
        (&json!(6), &json!(1), &json!(100_020), &json!(1))
    );
    let bad: Vec<(i64, String, String)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["line"].as_i64().unwrap(),
                e["column"].as_str().unwrap().to_string(),
                e["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        bad,
        [
            (3, "金额(元)".into(), "invalid_amount".into()),
            (4, "收据号".into(), "duplicate_reference".into()),
            (7, "月份".into(), "no_bill".into()),
        ]
    );
    // Nothing written by the dry run, nor by a refused strict import.
    assert_eq!(collection(&w, c).await["paid_fen"], 266_700);
    let strict = import(&w, c, "strict", &csv).await;
    assert_eq!(strict.status, 422, "{}", strict.body);
    assert_eq!(strict.json()["recorded"], 0);
    assert_eq!(collection(&w, c).await["paid_fen"], 266_700);
    // The good rows; the same file again records nothing.
    let good = import(&w, c, "good_rows", &csv).await.json();
    assert_eq!(
        (&good["committed"], &good["recorded"]),
        (&json!(true), &json!(1))
    );
    let again = import(&w, c, "good_rows", &csv).await.json();
    assert_eq!(
        (&again["recorded"], &again["already_recorded"]),
        (&json!(0), &json!(2))
    );

    // 收缴率: paid 166 700 + 100 000 + 100 020 = 366 720 of 666 801 billed:
    // 366 720 × 10 000 ÷ 666 801 = 5 499.69 → 5 499 basis points, 54.99%.
    let rate = collection(&w, c).await;
    assert_eq!(
        (
            &rate["billed_fen"],
            &rate["paid_fen"],
            &rate["rate_basis_points"],
            &rate["rate_text"]
        ),
        (
            &json!(666_801),
            &json!(366_720),
            &json!(5_499),
            &json!("54.99%")
        )
    );
    assert!(!rate.to_string().contains("1栋"), "{rate}");
    // The street's: the same compound, the only one billing there.
    let street_rate = w
        .get(
            &format!("/fee-collection?street={JINGUANYI}&from={january}&to={january}"),
            None,
        )
        .await;
    assert_eq!(street_rate.status, 200, "{}", street_rate.body);
    let street_rate = street_rate.json();
    assert_eq!(street_rate["rate_text"], "54.99%");
    assert_eq!(street_rate["compounds"][0]["compound_name"], "预算小区");
    assert!(!street_rate.to_string().contains("1栋"), "{street_rate}");
    // Arrears: 102 34 194, 202 99 187, 301 166 700 (201 paid by the file).
    assert_eq!(
        arrears(&w, c, &committee).await,
        [
            ("1栋1单元102".to_string(), 34_194),
            ("1栋1单元202".to_string(), 99_187),
            ("1栋1单元301".to_string(), 166_700),
        ]
    );
    // An approved budget is not revised.
    put_budget(&w, c, &committee, &budget_body())
        .await
        .problem(409, "budget_locked");

    // The pages: the committee's desk shows the state, the arithmetic and the arrears; the
    // street's collection page the rate and no unit; a firm that does not serve the
    // compound is refused its desk, a visitor sent to sign in.
    let (status, _, html) = pages::get(&w.app, "/committee/money", Some(&committee)).await;
    assert_eq!(status, 200, "{html}");
    for text in [
        "已批准",
        "向上取整为 1667 分/㎡·月",
        "16.67 元/㎡·月",
        "54.99%",
        "1栋1单元202",
    ] {
        assert!(html.contains(text), "{text} missing");
    }
    let (status, _, html) =
        pages::get(&w.app, &format!("/fees?street={JINGUANYI}&year={y}"), None).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("预算小区") && html.contains("54.99%"),
        "{html}"
    );
    assert!(!html.contains("1栋"), "{html}");
    let stranger = w.firm_token("f-stranger");
    let (status, _, _) = pages::get(
        &w.app,
        &format!("/firm/compounds/{c}/money"),
        Some(&stranger),
    )
    .await;
    assert_eq!(status, 403);
    let (status, location, _) = pages::get(&w.app, "/committee/money", None).await;
    assert_eq!(
        (status.as_u16(), location.starts_with("/signin")),
        (303, true)
    );
    w.stop().await;
}

/// A vote that fails leaves the budget a draft: no fee, no bills; the draft may be revised
/// and must be put to a new vote (the failed one, held before the revision, is refused),
/// and only a vote on `approve_budget` of the compound is accepted.
async fn a_failed_vote_leaves_the_budget_a_draft_without_a_fee(backend: Backend) {
    let w = World::new(backend).await;
    let c = "c-draft";
    let committee = w.compound(c, json!({})).await;
    hand_checked_register(&w, c).await;
    let y = year();
    assert_eq!(
        put_budget(&w, c, &committee, &budget_body()).await.status,
        201
    );
    // A vote on another matter is refused.
    let other = open_vote(&w, c, json!({"matter": "amend_covenant"}), 60).await;
    let a = link(&w, c, other["id"].as_str().unwrap()).await;
    assert_eq!(
        a.problem(422, "validation_failed")["errors"][0]["code"],
        "vote_not_for_budget"
    );
    let a = link(&w, c, "no-such-vote").await;
    assert_eq!(
        a.problem(422, "validation_failed")["errors"][0]["code"],
        "vote_unknown"
    );

    // 101 and 102 oppose, 201 approves: fails.
    let vote = open_vote(&w, c, json!({"matter": "approve_budget"}), 3).await;
    let vid = vote["id"].as_str().unwrap();
    assert_eq!(link(&w, c, vid).await.status, 200);
    paper(&w, vid, c, "101", "oppose").await;
    paper(&w, vid, c, "102", "oppose").await;
    paper(&w, vid, c, "201", "approve").await;
    let closed = close(&w, c, &vote).await;
    assert_eq!(closed["result"]["passed"], false, "{closed}");

    let b = w
        .get(&format!("/compounds/{c}/budgets/{y}"), None)
        .await
        .json();
    assert_eq!(b["state"], "draft");
    assert_eq!(b["vote"]["passed"], false);
    assert_eq!(b["fee_standard_fen"], Value::Null);
    bills(&w, c, &committee, &format!("{y}-01"))
        .await
        .problem(409, "no_approved_budget");
    // The failed vote cannot be linked again; the draft may be revised (version 2), and the
    // old vote, held before the revision, cannot approve it.
    let a = link(&w, c, vid).await;
    assert_eq!(
        a.problem(422, "validation_failed")["errors"][0]["code"],
        "vote_not_passing"
    );
    // Revised on the committee's page (amounts in 元): the remuneration halved.
    let year_text = y.to_string();
    let (status, location, html) = pages::post(
        &w.app,
        "/committee/money/budget",
        Some(&committee),
        &[
            ("_csrf", CSRF),
            ("year", &year_text),
            ("s_personnel_fen", "50000"),
            ("s_cleaning_fen", "10,000.00"),
            ("r_parking_fen", "3000"),
            ("r_advertising_fen", "1000"),
            ("remuneration", "3000"),
            ("carry_in", "2000"),
            ("note", "酬金制：酬金按年度固定金额计。"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{html}");
    assert!(location.starts_with("/committee/money?year="), "{location}");
    let mut revised = budget_body();
    revised["remuneration_fen"] = json!(300_000);
    let b = w
        .get(&format!("/compounds/{c}/budgets/{y}"), None)
        .await
        .json();
    assert_eq!(
        (&b["version"], &b["state"], &b["remuneration_fen"]),
        (&json!(2), &json!("draft"), &json!(300_000))
    );
    // A line the page cannot read is named beside its input, nothing saved.
    let (status, _, html) = pages::post(
        &w.app,
        "/committee/money/budget",
        Some(&committee),
        &[
            ("_csrf", CSRF),
            ("year", &year_text),
            ("s_personnel_fen", "五万"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("请填写金额（元）"), "{html}");
    let a = link(&w, c, vid).await;
    assert_eq!(
        a.problem(422, "validation_failed")["errors"][0]["code"],
        "vote_before_revision"
    );
    // Unchanged figures write nothing.
    let a = put_budget(&w, c, &committee, &revised).await;
    assert_eq!((a.status.as_u16(), &a.json()["version"]), (200, &json!(2)));
    w.stop().await;
}

/// The firm of the compound's current contract drafts and bills and reads arrears, but
/// does not put the budget to a vote; everyone else is refused the arrears and the writes:
/// anonymous callers (an owner's code is not a token), another compound's committee,
/// another firm, the street official, the association.
async fn the_serving_firm_keeps_the_fees_and_nobody_else_sees_arrears(backend: Backend) {
    let w = World::with_history(backend).await;
    let c = "c-served";
    contracted(&w, c, &[("f-serving", 250), ("f-other", 300)]).await;
    hand_checked_register(&w, c).await;
    let y = year();
    let firm = w.firm_token("f-serving");
    let a = put_budget(&w, c, &firm, &budget_body()).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert!(
        a.json()["drafted_by"]
            .as_str()
            .unwrap()
            .contains("物业服务企业"),
        "{}",
        a.body
    );
    let vote = open_vote(&w, c, json!({"matter": "approve_budget"}), 60).await;
    let a = w
        .post(
            &format!("/compounds/{c}/budgets/{y}/vote"),
            Some(&firm),
            &json!({"vote_id": vote["id"]}),
        )
        .await;
    a.problem(403, "forbidden");
    assert_eq!(arrears(&w, c, &firm).await, []);

    let path = format!("/compounds/{c}/fees/arrears");
    assert_eq!(w.get(&path, None).await.status, 401);
    assert_eq!(w.get(&path, Some("8KQ2-7MZX-4HPD")).await.status, 401);
    let others = [
        w.committee("c-elsewhere"),
        w.firm_token("f-other"),
        street(&w),
        w.association(),
        w.app.token(Role::CityOfficial, Scope::City),
    ];
    for token in &others {
        let a = w.get(&path, Some(token)).await;
        assert_eq!(a.status, 403, "{}", a.body);
        for (method, write, body) in [
            (
                Method::PUT,
                format!("/compounds/{c}/budgets/{y}"),
                budget_body(),
            ),
            (
                Method::POST,
                format!("/compounds/{c}/fees/bills"),
                json!({"month": format!("{y}-01")}),
            ),
            (
                Method::POST,
                format!("/compounds/{c}/fees/payments"),
                json!({"bill_id": "x", "amount_fen": 1, "paid_on": today(), "reference": "R"}),
            ),
        ] {
            let a = w.call(method, &write, Some(token), Some(&body)).await;
            assert_eq!(a.status, 403, "{write}: {}", a.body);
        }
    }
    // The budget itself is public, and so is the rate.
    assert_eq!(
        w.get(&format!("/compounds/{c}/budgets/{y}"), None)
            .await
            .status,
        200
    );
    assert_eq!(
        w.get(&format!("/compounds/{c}/fees/collection"), None)
            .await
            .status,
        200
    );
    w.stop().await;
}

/// The committee drafts the year's budget on its desk in a browser (amounts in 元) and sees
/// it as a draft with the fee it would set: the hand-checked register and figures above,
/// 1 667 分/㎡·月.
async fn a_committee_drafts_its_budget_in_a_browser(backend: Backend) {
    let Some(browser) = Browser::start().await else {
        return;
    };
    let w = World::new(backend).await;
    let c = "c-browser";
    let committee = w.compound(c, json!({})).await;
    hand_checked_register(&w, c).await;
    let web = w.app.web_url.clone();
    browser.act_as(&web, Some(&committee)).await.unwrap();
    browser
        .open(&format!("{web}/committee/money"))
        .await
        .unwrap();
    browser.wait_for("尚未编制预算").await.unwrap();
    for (field, value) in [
        ("#s_personnel_fen", "50000"),
        ("#s_cleaning_fen", "10000"),
        ("#r_parking_fen", "3000"),
        ("#r_advertising_fen", "1000"),
        ("#remuneration", "6000"),
        ("#carry_in", "2000"),
    ] {
        browser.fill(field, value).await.unwrap();
    }
    browser
        .click("form[action='/committee/money/budget'] button[type=submit]")
        .await
        .unwrap();
    let text = browser.wait_for("预算已保存（草案）").await.unwrap();
    assert!(text.contains("草案"), "{text}");
    assert!(text.contains("向上取整为 1667 分/㎡·月"), "{text}");
    assert!(text.contains("尚未经业主表决通过"), "{text}");
    let b = w
        .get(&format!("/compounds/{c}/budgets/{}", year()), None)
        .await
        .json();
    assert_eq!(b["fee"]["fee_fen_per_m2_month"], 1_667, "{b}");
    browser.close().await;
    w.stop().await;
}

/// The contract's fee in force is the year's approved fee standard, with its source, beside
/// the fee agreed at award: absent while the budget is a draft or its vote failed; once a
/// vote passes, the API (one contract and the list) and the public compound page show it.
async fn the_contract_follows_the_approved_fee(backend: Backend) {
    let w = World::with_history(backend).await;
    // A compound the catalog holds too, for its public page.
    let a = w
        .app
        .send(
            Method::POST,
            &format!("{}/catalog/compounds", w.app.catalog_url),
            Some(&w.association()),
            Some(&wuye_e2e::fixtures::compound_body("FOLLOWS-1", JINGUANYI)),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let c = &a.json()["id"].as_str().unwrap().to_string();
    let (_, kid) = contracted(&w, c, &[("f-serving", 250), ("f-other", 300)]).await;
    hand_checked_register(&w, c).await;
    let committee = w.committee(c);
    let y = year();
    let contract = || async {
        let a = w.get(&format!("/contracts/{kid}"), None).await;
        assert_eq!(a.status, 200, "{}", a.body);
        a.json()
    };
    let k = contract().await;
    assert_eq!((&k["fee"], k.get("fee_in_force")), (&json!(250), None));
    assert_eq!(
        put_budget(&w, c, &committee, &budget_body()).await.status,
        201
    );
    assert_eq!(
        contract().await.get("fee_in_force"),
        None,
        "a draft sets no fee"
    );

    // A failed vote does not change it.
    let vote = open_vote(&w, c, json!({"matter": "approve_budget"}), 3).await;
    let vid = vote["id"].as_str().unwrap();
    assert_eq!(link(&w, c, vid).await.status, 200);
    paper(&w, vid, c, "101", "oppose").await;
    paper(&w, vid, c, "102", "oppose").await;
    paper(&w, vid, c, "201", "approve").await;
    assert_eq!(close(&w, c, &vote).await["result"]["passed"], false);
    assert_eq!(
        contract().await.get("fee_in_force"),
        None,
        "a failed vote sets no fee"
    );

    // Revised and approved: 1 667 分/㎡·月 (as in the first test) is in force, from the
    // year's budget and its vote; the fee agreed at award stays.
    let mut revised = budget_body();
    revised["note"] = json!("修订后再次表决。");
    assert_eq!(put_budget(&w, c, &committee, &revised).await.status, 200);
    let vote = open_vote(&w, c, json!({"matter": "approve_budget"}), 3).await;
    let passed = vote["id"].as_str().unwrap();
    assert_eq!(link(&w, c, passed).await.status, 200);
    for room in ["101", "102", "201"] {
        paper(&w, passed, c, room, "approve").await;
    }
    assert_eq!(close(&w, c, &vote).await["result"]["passed"], true);
    let budget = w
        .get(&format!("/compounds/{c}/budgets/{y}"), None)
        .await
        .json();
    let k = contract().await;
    assert_eq!(k["fee"], 250);
    assert_eq!(
        k["fee_in_force"],
        json!({"fee": 1_667, "year": y, "budget_id": budget["id"], "vote_id": passed})
    );
    let listed = w
        .get(&format!("/contracts?compound={c}"), None)
        .await
        .json();
    assert_eq!(listed["items"][0]["fee_in_force"]["fee"], 1_667);
    let (status, _, html) = pages::get(&w.app, &format!("/compounds/{c}"), None).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!(
            "<dd id=\"fee-in-force\">16.67 元/㎡·月（{y} 年度预算经业主表决通过后的收费标准）</dd>"
        )),
        "{html}"
    );
    assert!(html.contains("中标约定物业费"), "{html}");
    w.stop().await;
}
