//! Transparency (信息公开) and satisfaction (满意度): a contract's budgets and accounts,
//! published by its firm or committee and checked to add up; residents' satisfaction
//! surveys per quarter, summarised per compound, firm, street and district; every refusal,
//! and the `disclosure` and `satisfaction` feed topics.

use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use wuye_e2e::{Backend, both_backends};

use wuye_e2e::fixtures::{JINGUANYI, JINJIANG, merged};
use wuye_e2e::tender::{World, contracted, dismissal_vote, money_body};
use wuye_e2e::{assert_fields, field_code};

both_backends!(
    budgets_and_accounts_add_up_and_only_the_parties_publish,
    satisfaction_is_recorded_per_quarter_and_summarised,
);

/// A street of Wuhou district (another street than the default compounds').
const JIANGXIJIE: &str = "510107001";

async fn budgets_and_accounts_add_up_and_only_the_parties_publish(backend: Backend) {
    let w = World::with_history(backend).await;
    let (tender_id, cid) = contracted(&w, "c-open", &[("f-d1", 150), ("f-d2", 160)]).await;
    let path = format!("/contracts/{cid}/disclosures");
    let firm = w.firm_token("f-d1");
    let committee = w.committee("c-open");

    // Who may publish: the contract's firm and the compound's committee, no one else.
    let budget = money_body("budget", "2026");
    let a = w.call(Method::POST, &path, None, Some(&budget)).await;
    a.problem(401, "unauthenticated");
    for token in [
        w.firm_token("f-d2"),
        w.committee("c-other"),
        w.association(),
        w.app
            .token(Role::DistrictOfficial, Scope::District(JINJIANG.into())),
        w.app
            .token(Role::StreetOfficial, Scope::Street(JINGUANYI.into())),
    ] {
        w.post(&path, Some(&token), &budget)
            .await
            .problem(403, "forbidden");
    }
    w.post("/contracts/nope/disclosures", Some(&firm), &budget)
        .await
        .problem(404, "not_found");

    // The numbers must add up; every mistake is named on its field.
    let wrong = merged(
        money_body("accounts", "2026-Q3"),
        json!({"total_income_fen": 16_500_001, "total_spending_fen": 13_000_000, "closing_balance_fen": 0}),
    );
    let a = w.post(&path, Some(&firm), &wrong).await;
    assert_fields(
        &a,
        &[
            "total_income_fen",
            "total_spending_fen",
            "closing_balance_fen",
        ],
    );
    assert_eq!(field_code(&a, "total_income_fen"), "sum_mismatch");
    assert_eq!(field_code(&a, "closing_balance_fen"), "balance_mismatch");
    assert!(
        a.field_error("closing_balance_fen")
            .unwrap()
            .contains("23000.00 元"),
        "{}",
        a.body
    );
    let a = w
        .post(
            &path,
            Some(&firm),
            &merged(
                money_body("report", "2026-Q5"),
                json!({"spending": {"cleaning_fen": -1}}),
            ),
        )
        .await;
    assert_fields(&a, &["kind", "period", "spending.cleaning_fen"]);
    let a = w
        .post(&path, Some(&firm), &money_body("budget", "2026-Q1"))
        .await;
    assert_eq!(field_code(&a, "period"), "budget_period_not_year");
    let a = w
        .post(&path, Some(&firm), &money_body("budget", "2030"))
        .await;
    assert_eq!(field_code(&a, "period"), "outside_contract_term");
    let a = w
        .post(&path, Some(&firm), &money_body("accounts", "2027-Q1"))
        .await;
    assert_eq!(field_code(&a, "period"), "period_not_begun");
    let a = w
        .post(
            &path,
            Some(&firm),
            &merged(
                money_body("accounts", "2026-Q3"),
                json!({"income": {"fee_fen": 1, "parkin_fen": 2}}),
            ),
        )
        .await;
    assert!(a.status.is_client_error(), "{}", a.body);

    // The budget by the firm, the quarter's accounts by the committee.
    let a = w.post(&path, Some(&firm), &budget).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let b = a.json();
    assert_eq!(b["kind"], "budget");
    assert_eq!(b["kind_label"], "年度预算");
    assert_eq!(b["published_by"], "firm");
    assert_eq!(b["period_start"], "2026-01-01");
    assert_eq!(b["period_end"], "2026-12-31");
    assert_eq!(b["common_revenue_fen"], 1_500_000);
    assert_eq!(b["tender_id"], tender_id.as_str());
    assert_eq!(b["firm_id"], "f-d1");
    let a = w
        .post(&path, Some(&committee), &money_body("accounts", "2026-Q3"))
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let q3 = a.json();
    assert_eq!(q3["published_by"], "committee");
    assert_eq!(q3["period_end"], "2026-09-30");

    // Published figures are not rewritten.
    w.post(&path, Some(&firm), &budget)
        .await
        .problem(409, "already_published");
    w.post(&path, Some(&firm), &money_body("accounts", "2026-Q3"))
        .await
        .problem(409, "already_published");
    w.post(&path, Some(&firm), &money_body("accounts", "2026-08"))
        .await
        .problem(409, "period_overlaps");
    let a = w
        .post(&path, Some(&firm), &money_body("accounts", "2026-10"))
        .await;
    assert_eq!(a.status, 201, "{}", a.body);

    // Public reads: per contract, per compound, per firm, one by one.
    let list = w.get(&path, None).await;
    assert_eq!(list.status, 200, "{}", list.body);
    let list = list.json();
    let periods: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["period"].as_str().unwrap())
        .collect();
    assert_eq!(periods, vec!["2026", "2026-Q3", "2026-10"]);
    assert_eq!(
        w.get(&format!("{path}?kind=budget"), None)
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
    assert_fields(&w.get(&format!("{path}?kind=plan"), None).await, &["kind"]);
    w.get("/contracts/nope/disclosures", None)
        .await
        .problem(404, "not_found");
    let page = w.get("/disclosures?compound=c-open", None).await.json();
    assert_eq!(page["total"], 3);
    assert_eq!(
        w.get("/disclosures?firm=f-d1&kind=accounts", None)
            .await
            .json()["total"],
        2
    );
    assert_eq!(
        w.get("/disclosures?period=2026-Q3", None).await.json()["items"][0]["id"],
        q3["id"]
    );
    assert_eq!(
        w.get("/disclosures?compound=c-elsewhere", None)
            .await
            .json()["total"],
        0
    );
    assert_fields(
        &w.get(
            "/disclosures?kind=x&period=Q3&limit=0&contract_status=over",
            None,
        )
        .await,
        &["kind", "period", "limit", "contract_status"],
    );
    let one = w
        .get(
            &format!("/disclosures/{}", q3["id"].as_str().unwrap()),
            None,
        )
        .await;
    assert_eq!(one.json()["total_income_fen"], 16_500_000);
    w.get("/disclosures/nope", None)
        .await
        .problem(404, "not_found");

    // After an early termination, nothing after its last day.
    let vote = dismissal_vote(&w.app, "c-open").await;
    let t = w
        .post(
            &format!("/contracts/{cid}/terminate"),
            Some(&committee),
            &json!({"reason": "合同双方协商一致提前终止", "terminated_on": "2026-10-31", "vote_id": vote}),
        )
        .await;
    assert_eq!(t.status, 200, "{}", t.body);
    let a = w
        .post(&path, Some(&firm), &money_body("accounts", "2026-11"))
        .await;
    assert_eq!(field_code(&a, "period"), "outside_contract_term");
    assert_eq!(
        w.get("/disclosures?contract_status=terminated", None)
            .await
            .json()["total"],
        3
    );

    // The feed: one `disclosure` change per publication, the disclosure as payload.
    let feed = w.tender_feed().await;
    let changes: Vec<&Value> = feed.iter().filter(|c| c["topic"] == "disclosure").collect();
    assert_eq!(changes.len(), 3);
    assert!(changes.iter().all(|c| c["kind"] == "published"));
    assert_eq!(changes[1]["payload"], q3);
    w.stop().await;
}

async fn satisfaction_is_recorded_per_quarter_and_summarised(backend: Backend) {
    let w = World::with_history(backend).await;
    let (_, cid) = contracted(&w, "c-s1", &[("f-s1", 150)]).await;
    w.compound("c-s2", json!({"name": "锦官小区"})).await;
    w.compound(
        "c-s3",
        json!({"name": "浆洗街小区", "district": "510107", "street": JIANGXIJIE}),
    )
    .await;
    let survey = |compound: &str, period: &str, s: i64, b: i64, d: i64| {
        json!({"compound_id": compound, "period": period,
            "satisfied": s, "basically_satisfied": b, "dissatisfied": d})
    };

    // Only the compound's own committee records its survey.
    let body = survey("c-s1", "2026-Q3", 60, 30, 10);
    w.call(Method::POST, "/satisfaction", None, Some(&body))
        .await
        .problem(401, "unauthenticated");
    for token in [
        w.firm_token("f-s1"),
        w.committee("c-s2"),
        w.association(),
        w.app
            .token(Role::DistrictOfficial, Scope::District(JINJIANG.into())),
        w.app
            .token(Role::StreetOfficial, Scope::Street(JINGUANYI.into())),
    ] {
        w.post("/satisfaction", Some(&token), &body)
            .await
            .problem(403, "forbidden");
    }

    // Counts, quarter and compound are checked, each on its field.
    let s1 = w.committee("c-s1");
    let a = w
        .post(
            "/satisfaction",
            Some(&s1),
            &survey("c-s1", "2026", -1, 2_000_000, 0),
        )
        .await;
    assert_fields(&a, &["period", "satisfied", "basically_satisfied"]);
    assert_eq!(field_code(&a, "period"), "invalid_quarter");
    let a = w
        .post(
            "/satisfaction",
            Some(&s1),
            &survey("c-s1", "2026-Q3", 0, 0, 0),
        )
        .await;
    assert_eq!(field_code(&a, "respondents"), "no_respondents");
    let a = w
        .post(
            "/satisfaction",
            Some(&s1),
            &survey("c-s1", "2027-Q2", 1, 0, 0),
        )
        .await;
    assert_eq!(field_code(&a, "period"), "period_not_begun");
    let a = w
        .post(
            "/satisfaction",
            Some(&w.committee("c-unknown")),
            &survey("c-unknown", "2026-Q3", 1, 0, 0),
        )
        .await;
    assert_eq!(field_code(&a, "compound_id"), "unknown_compound");

    // Recorded, linked to the active contract and its firm.
    let a = w.post("/satisfaction", Some(&s1), &body).await;
    assert_eq!(a.status, 201, "{}", a.body);
    let first = a.json();
    assert_eq!(first["contract_id"], cid.as_str());
    assert_eq!(first["firm_id"], "f-s1");
    assert_eq!(first["street_code"], JINGUANYI);
    assert_eq!(first["district_code"], JINJIANG);
    assert_eq!(first["respondents"], 100);
    assert_eq!(first["rate"], 0.9);
    // One survey per compound and quarter.
    w.post(
        "/satisfaction",
        Some(&s1),
        &survey("c-s1", "2026-Q3", 1, 1, 1),
    )
    .await
    .problem(409, "survey_exists");
    let a = w
        .post(
            "/satisfaction",
            Some(&s1),
            &survey("c-s1", "2026-Q2", 40, 40, 20),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let a = w
        .post(
            "/satisfaction",
            Some(&w.committee("c-s2")),
            &survey("c-s2", "2026-Q3", 1, 1, 1),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert!(a.json()["contract_id"].is_null() && a.json()["firm_id"].is_null());
    let a = w
        .post(
            "/satisfaction",
            Some(&w.committee("c-s3")),
            &survey("c-s3", "2026-Q3", 5, 0, 5),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);

    // Summaries: per compound, firm, street, district and quarter, counts pooled.
    let get = |q: &'static str| {
        let w = &w;
        async move {
            let a = w.get(&format!("/satisfaction{q}"), None).await;
            assert_eq!(a.status, 200, "{q}: {}", a.body);
            a.json()
        }
    };
    let c1 = get("?compound=c-s1").await;
    assert_eq!(c1["surveys"], 2);
    assert_eq!(c1["respondents"], 200);
    assert_eq!(c1["rate"], 0.85);
    assert_eq!(c1["by_period"][0]["period"], "2026-Q2");
    assert_eq!(c1["by_period"][0]["rate"], 0.8);
    assert_eq!(c1["by_period"][1]["rate"], 0.9);
    assert_eq!(c1["items"][0]["period"], "2026-Q3");
    let firm = get("?firm=f-s1&period=2026-Q3").await;
    assert_eq!(
        (firm["surveys"].clone(), firm["rate"].clone()),
        (json!(1), json!(0.9))
    );
    // The street: 61 + 31 of 103 → 0.8932.
    let street = get("?street=510104017&period=2026-Q3").await;
    assert_eq!(street["surveys"], 2);
    assert_eq!(street["satisfied"], 61);
    assert_eq!(street["rate"], 0.8932);
    let district = get("?district=510107").await;
    assert_eq!(
        (district["surveys"].clone(), district["rate"].clone()),
        (json!(1), json!(0.5))
    );
    let all = get("?period=2026-Q3&limit=2").await;
    assert_eq!(all["surveys"], 3);
    assert_eq!(all["items"].as_array().unwrap().len(), 2);
    let none = get("?compound=c-none").await;
    assert_eq!(none["surveys"], 0);
    assert!(none["rate"].is_null());
    assert_fields(
        &w.get(
            "/satisfaction?street=123&district=51&period=2026&limit=500",
            None,
        )
        .await,
        &["street", "district", "period", "limit"],
    );

    // The feed payload: exactly the agreed fields.
    let feed = w.tender_feed().await;
    let changes: Vec<&Value> = feed
        .iter()
        .filter(|c| c["topic"] == "satisfaction")
        .collect();
    assert_eq!(changes.len(), 4);
    assert!(changes.iter().all(|c| c["kind"] == "recorded"));
    let payload = &changes[0]["payload"];
    let mut keys: Vec<&str> = payload
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        vec![
            "basically_satisfied",
            "compound_id",
            "contract_id",
            "dissatisfied",
            "district_code",
            "firm_id",
            "id",
            "period",
            "recorded_at",
            "satisfied",
            "street_code",
        ]
    );
    assert_eq!(
        payload,
        &json!({
            "id": first["id"], "compound_id": "c-s1", "street_code": JINGUANYI,
            "district_code": JINJIANG, "contract_id": cid, "firm_id": "f-s1",
            "period": "2026-Q3", "satisfied": 60, "basically_satisfied": 30, "dissatisfied": 10,
            "recorded_at": first["recorded_at"],
        })
    );
    assert!(changes[2]["payload"]["contract_id"].is_null());
    w.stop().await;
}
