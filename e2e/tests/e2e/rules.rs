//! Tender rules that cannot be gamed (issue 10): capacity is cumulative over the contracts
//! and awards a firm holds on the platform, checked at bid and again inside the award;
//! the annual price is derived from the fee and the compound's floor area, and a bid above
//! the budget is flagged to the committee; a survey cannot have more respondents than the
//! compound has households and is credited to the firm that served that quarter; contract
//! dates are neither before the award nor backdated beyond the configured window, and
//! every contract change is audited.

use reqwest::Method;
use serde_json::{Value, json};
use shared::domain::roster::china_today;
use tender::clock::format_date;
use wuye_e2e::{Backend, both_backends};

use wuye_e2e::fixtures::merged;
use wuye_e2e::tender::{World, bid_body, dismissal_vote, from_now, ms, sleep_until};
use wuye_e2e::{assert_fields, field_code};

both_backends!(
    capacity_counts_what_the_firm_already_holds_here,
    the_annual_price_is_derived_and_a_bid_above_budget_is_flagged,
    satisfaction_is_bounded_by_households_and_credited_to_that_quarters_firm,
    contract_dates_are_not_before_the_award_nor_backdated_beyond_the_window,
);

/// A day `days` before today, as the API takes it.
fn days_ago(days: i64) -> String {
    format_date(shared::clock::china_date(
        shared::db::now_ms() - days * 86_400_000,
    ))
}

/// The quarter containing `day` (`YYYY-MM-DD`), e.g. `2026-Q4`.
fn quarter_of(day: &str) -> String {
    let month: u32 = day[5..7].parse().unwrap();
    format!("{}-Q{}", &day[..4], (month - 1) / 3 + 1)
}

/// Opens a price-only tender for `compound` whose bids open in 2.5 s; its id.
async fn open_soon(w: &World, compound: &str, overrides: Value) -> String {
    let times = json!({"enquiry_deadline": from_now(2_500), "bid_deadline": from_now(2_500),
        "opening_at": from_now(2_500)});
    let t = w.open_tender(compound, merged(times, overrides)).await;
    t["id"].as_str().unwrap().to_string()
}

/// Submits a bid priced fee × 28 000 ㎡ × 12 (the default compound's area); its id.
async fn bid(w: &World, tender: &str, firm: &str, fee: i64) -> String {
    let a = w
        .post(
            &format!("/{tender}/bids"),
            Some(&w.firm_token(firm)),
            &bid_body(fee, fee * 336_000),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.json()["id"].as_str().unwrap().to_string()
}

/// Awards a tender in evaluation to `bid` as its committee; the tender view.
async fn award(w: &World, tender: &str, compound: &str, bid: &str) -> Value {
    let a = w
        .post(
            &format!("/{tender}/award"),
            Some(&w.committee(compound)),
            &json!({ "bid_id": bid }),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()
}

/// Signs the contract of an awarded tender out of its notice; the contract.
async fn sign(w: &World, tender: &str, compound: &str, body: Value) -> Value {
    let a = w
        .post(
            &format!("/{tender}/contract"),
            Some(&w.committee(compound)),
            &body,
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.json()
}

async fn capacity_counts_what_the_firm_already_holds_here(backend: Backend) {
    let w = World::new(backend).await;
    // Declared: capacity 1 000 households, none served elsewhere; rivals with room.
    let seq = w
        .firms(&[
            (
                "f-cap",
                json!({"capacity_households": 1_000, "households_served": 0}),
            ),
            ("f-rival", json!({})),
        ])
        .await;
    w.applied(seq).await;
    for c in ["c-cap1", "c-cap2", "c-cap3"] {
        w.compound(c, json!({"households": 800})).await;
    }
    // Two 800-household tenders bid at the same time: each bid alone fits.
    let t1 = open_soon(&w, "c-cap1", json!({})).await;
    let t2 = open_soon(&w, "c-cap2", json!({})).await;
    let b1 = bid(&w, &t1, "f-cap", 150).await;
    let b2 = bid(&w, &t2, "f-cap", 150).await;
    bid(&w, &t2, "f-rival", 160).await;
    assert_eq!(w.scheduler_moved(&t1, 15).await, "evaluation");
    assert_eq!(w.scheduler_moved(&t2, 15).await, "evaluation");

    // The first award holds 800 households; the second award is refused inside its
    // transaction, naming the numbers.
    let awarded = award(&w, &t1, "c-cap1", &b1).await;
    let a = w
        .post(
            &format!("/{t2}/award"),
            Some(&w.committee("c-cap2")),
            &json!({ "bid_id": b2 }),
        )
        .await;
    let p = a.problem(422, "capacity_exceeded");
    let detail = p["detail"].as_str().unwrap();
    assert!(
        detail.contains("承接能力不足：已服务 800 户")
            && detail.contains("＋本小区 800 户，超过申报能力 1000 户"),
        "{detail}"
    );
    assert_eq!(w.stored_status(&t2).await, "evaluation");

    // A new bid is refused too, while the award is in notice and once it is signed.
    let t3 = open_soon(&w, "c-cap3", json!({})).await;
    let refused = w
        .post(
            &format!("/{t3}/bids"),
            Some(&w.firm_token("f-cap")),
            &bid_body(150, 150 * 336_000),
        )
        .await;
    let p = refused.problem(422, "capacity_exceeded");
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("已服务 800 户（自报 0 户＋本平台在服务及公示中的中标 800 户）＋本小区 800 户，超过申报能力 1000 户"),
        "{}",
        refused.body
    );
    sleep_until(ms(&awarded["award"]["notice_ends_at"])).await;
    sign(
        &w,
        &t1,
        "c-cap1",
        json!({"start_date": format_date(china_today())}),
    )
    .await;
    w.post(
        &format!("/{t3}/bids"),
        Some(&w.firm_token("f-cap")),
        &bid_body(150, 150 * 336_000),
    )
    .await
    .problem(422, "capacity_exceeded");
    // The rival, with room, is awarded the second tender once the full firm is skipped.
    let ranking = w
        .get(&format!("/{t2}/ranking"), Some(&w.committee("c-cap2")))
        .await
        .json();
    let rival = ranking[1]["bid_id"].as_str().unwrap();
    let a = w
        .post(
            &format!("/{t2}/award"),
            Some(&w.committee("c-cap2")),
            &json!({"bid_id": rival, "skipped": [{"bid_id": b2, "reason": "承接能力不足"}]}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    w.stop().await;
}

async fn the_annual_price_is_derived_and_a_bid_above_budget_is_flagged(backend: Backend) {
    let w = World::new(backend).await;
    let seq = w
        .firms(&[
            ("f-p1", json!({})),
            ("f-p2", json!({})),
            ("f-p3", json!({})),
        ])
        .await;
    w.applied(seq).await;
    // 28 000 ㎡; budget 604 800 元 a year (1.80 元/㎡·月).
    w.compound("c-price", json!({})).await;
    let t = open_soon(&w, "c-price", json!({"annual_budget_fen": 60_480_000})).await;
    let bids = format!("/{t}/bids");

    // 1 分/㎡·月 with an annual price of 10¹² 分: refused on the price, with the sum.
    let a = w
        .post(
            &bids,
            Some(&w.firm_token("f-p1")),
            &bid_body(1, 1_000_000_000_000),
        )
        .await;
    assert_fields(&a, &["annual_price_fen"]);
    assert_eq!(field_code(&a, "annual_price_fen"), "price_mismatch");
    let message = a.field_error("annual_price_fen").unwrap();
    assert!(
        message.contains("28000 ㎡") && message.contains("3360.00 元"),
        "{message}"
    );
    // Without a typed price it is derived; within a square metre's rounding it is
    // accepted and stored as derived.
    let mut untyped = bid_body(150, 0);
    untyped.as_object_mut().unwrap().remove("annual_price_fen");
    let a = w.post(&bids, Some(&w.firm_token("f-p1")), &untyped).await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.json()["annual_price_fen"], 50_400_000);
    assert_eq!(a.json()["above_budget"], false);
    let a = w
        .post(
            &bids,
            Some(&w.firm_token("f-p2")),
            &bid_body(190, 190 * 336_000 + 2_000),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.json()["annual_price_fen"], 63_840_000);
    // A replacement is checked the same way.
    let mine = format!("/{t}/bids/mine");
    let a = w
        .call(
            Method::PUT,
            &mine,
            Some(&w.firm_token("f-p2")),
            Some(&bid_body(190, 190 * 336_000 + 2_281)),
        )
        .await;
    assert_eq!(field_code(&a, "annual_price_fen"), "price_mismatch");
    bid(&w, &t, "f-p3", 180).await;
    assert_eq!(w.scheduler_moved(&t, 15).await, "evaluation");

    // The committee sees which bids exceed the budget: API and bids side by side.
    let committee = w.committee("c-price");
    let list = w.get(&bids, Some(&committee)).await.json();
    let flags: Vec<(i64, bool)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["fee"].as_i64().unwrap(),
                b["above_budget"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(flags, vec![(150, false), (180, false), (190, true)]);
    let ranking = w
        .get(&format!("/{t}/ranking"), Some(&committee))
        .await
        .json();
    assert_eq!(ranking[2]["fee"], 190);
    assert_eq!(ranking[2]["above_budget"], true);
    assert_eq!(ranking[0]["above_budget"], false);
    let (status, _, page) =
        wuye_e2e::pages::get(&w.app, &format!("/committee/tenders/{t}"), Some(&committee)).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(
        page.matches("超出预算").count(),
        2,
        "bids and ranking: {page}"
    );
    w.stop().await;
}

async fn satisfaction_is_bounded_by_households_and_credited_to_that_quarters_firm(
    backend: Backend,
) {
    // Contracts here started months ago: the awards are moved back underneath the API.
    let w = World::with_history(backend).await;
    let seq = w.firms(&[("f-old", json!({})), ("f-new", json!({}))]).await;
    w.applied(seq).await;
    let survey = |compound: &str, period: &str, s: i64, b: i64, d: i64| {
        json!({"compound_id": compound, "period": period,
            "satisfied": s, "basically_satisfied": b, "dissatisfied": d})
    };

    // A 30-household compound cannot answer for a million residents, nor for 31.
    let small = w.compound("c-small", json!({"households": 30})).await;
    let today = format_date(china_today());
    let current = quarter_of(&today);
    let a = w
        .post(
            "/satisfaction",
            Some(&small),
            &survey("c-small", &current, 1_000_000, 0, 0),
        )
        .await;
    assert_fields(&a, &["respondents"]);
    assert_eq!(field_code(&a, "respondents"), "exceeds_households");
    assert!(a.field_error("respondents").unwrap().contains("30 户"));
    let a = w
        .post(
            "/satisfaction",
            Some(&small),
            &survey("c-small", &current, 20, 10, 1),
        )
        .await;
    assert_eq!(field_code(&a, "respondents"), "exceeds_households");
    let a = w
        .post(
            "/satisfaction",
            Some(&small),
            &survey("c-small", &current, 20, 9, 1),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert!(a.json()["firm_id"].is_null(), "no firm served it");

    // f-old served c-hist from 1 January 2026 until 10 August 2026; f-new from 11 August.
    let hist = w.compound("c-hist", json!({})).await;
    let t1 = open_soon(&w, "c-hist", json!({})).await;
    let b1 = bid(&w, &t1, "f-old", 150).await;
    assert_eq!(w.scheduler_moved(&t1, 15).await, "evaluation");
    let awarded = award(&w, &t1, "c-hist", &b1).await;
    sleep_until(ms(&awarded["award"]["notice_ends_at"])).await;
    w.award_on(&t1, "2025-12-20T10:00:00+08:00").await;
    let old = sign(&w, &t1, "c-hist", json!({"start_date": "2026-01-01"})).await;
    let vote = dismissal_vote(&w.app, "c-hist").await;
    let a = w
        .post(
            &format!("/contracts/{}/terminate", old["id"].as_str().unwrap()),
            Some(&hist),
            &json!({"reason": "业主大会决定解聘", "terminated_on": "2026-08-10", "vote_id": vote}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let t2 = open_soon(&w, "c-hist", json!({})).await;
    let b2 = bid(&w, &t2, "f-new", 150).await;
    assert_eq!(w.scheduler_moved(&t2, 15).await, "evaluation");
    let awarded = award(&w, &t2, "c-hist", &b2).await;
    sleep_until(ms(&awarded["award"]["notice_ends_at"])).await;
    w.award_on(&t2, "2026-08-10T10:00:00+08:00").await;
    let new = sign(&w, &t2, "c-hist", json!({"start_date": "2026-08-11"})).await;

    // Each quarter's survey counts for the firm that served it: not today's firm.
    let credited = |period: String| {
        let (w, hist) = (&w, &hist);
        async move {
            let a = w
                .post(
                    "/satisfaction",
                    Some(hist),
                    &survey("c-hist", &period, 100, 50, 10),
                )
                .await;
            assert_eq!(a.status, 201, "{period}: {}", a.body);
            (a.json()["firm_id"].clone(), a.json()["contract_id"].clone())
        }
    };
    assert_eq!(
        credited("2026-Q2".into()).await,
        (json!("f-old"), old["id"].clone())
    );
    // 2026-Q3: f-old 41 days, f-new 51 days.
    assert_eq!(
        credited("2026-Q3".into()).await,
        (json!("f-new"), new["id"].clone())
    );
    assert_eq!(
        credited(current.clone()).await,
        (json!("f-new"), new["id"].clone())
    );
    // Before the platform knew any contract: no firm is credited.
    assert_eq!(credited("2025-Q3".into()).await, (json!(null), json!(null)));
    let old_firm = w.get("/satisfaction?firm=f-old", None).await.json();
    assert_eq!(old_firm["surveys"], 1);
    assert_eq!(old_firm["items"][0]["period"], "2026-Q2");
    // The feed names the same firm, so matching credits it.
    let feed = w.tender_feed().await;
    let q2 = feed
        .iter()
        .find(|c| c["topic"] == "satisfaction" && c["payload"]["period"] == "2026-Q2")
        .unwrap();
    assert_eq!(q2["payload"]["firm_id"], "f-old");
    w.stop().await;
}

async fn contract_dates_are_not_before_the_award_nor_backdated_beyond_the_window(backend: Backend) {
    // The production window: 30 days.
    let w = World::new(backend).await;
    let seq = w.firms(&[("f-date", json!({}))]).await;
    w.applied(seq).await;
    let committee = w.compound("c-date", json!({})).await;
    let t = open_soon(&w, "c-date", json!({})).await;
    let b = bid(&w, &t, "f-date", 150).await;
    assert_eq!(w.scheduler_moved(&t, 15).await, "evaluation");
    let awarded = award(&w, &t, "c-date", &b).await;
    sleep_until(ms(&awarded["award"]["notice_ends_at"])).await;
    let contract = format!("/{t}/contract");

    // Awarded today: service cannot start, nor the contract be signed, before it.
    let a = w
        .post(
            &contract,
            Some(&committee),
            &json!({"start_date": days_ago(1), "signed_on": days_ago(1)}),
        )
        .await;
    assert_fields(&a, &["start_date", "signed_on"]);
    assert_eq!(field_code(&a, "start_date"), "before_award");
    assert_eq!(field_code(&a, "signed_on"), "before_award");

    // Awarded 40 days ago (moved underneath the API): 35 days back is beyond the window,
    // 20 days back is within it.
    w.award_on(&t, &format!("{}T10:00:00+08:00", days_ago(40)))
        .await;
    let a = w
        .post(
            &contract,
            Some(&committee),
            &json!({"start_date": days_ago(35), "signed_on": days_ago(31)}),
        )
        .await;
    assert_fields(&a, &["start_date", "signed_on"]);
    assert_eq!(field_code(&a, "start_date"), "backdated");
    assert!(
        a.field_error("start_date").unwrap().contains("30 天"),
        "{}",
        a.body
    );
    let a = w
        .post(
            &contract,
            Some(&committee),
            &json!({"start_date": days_ago(41)}),
        )
        .await;
    assert_eq!(field_code(&a, "start_date"), "before_award");
    let signed = sign(
        &w,
        &t,
        "c-date",
        json!({"start_date": days_ago(20), "signed_on": days_ago(21)}),
    )
    .await;
    let cid = signed["id"].as_str().unwrap().to_string();
    assert_eq!(signed["start_date"], days_ago(20).as_str());

    // Termination: not before the start, not beyond the window.
    let terminate = format!("/contracts/{cid}/terminate");
    let vote = dismissal_vote(&w.app, "c-date").await;
    let reason = |on: String| json!({"reason": "合同双方协商一致提前终止", "terminated_on": on, "vote_id": vote});
    let a = w
        .post(&terminate, Some(&committee), &reason(days_ago(21)))
        .await;
    assert_eq!(field_code(&a, "terminated_on"), "before_start");
    // A contract that started long ago (its start moved back underneath the API) still
    // cannot be ended more than 30 days back: that would rewrite the coverage history.
    sqlx::query("UPDATE contract SET start_date = $2 WHERE id = $1")
        .bind(&cid)
        .bind(days_ago(200))
        .execute(&w.tender.pool)
        .await
        .unwrap();
    let a = w
        .post(&terminate, Some(&committee), &reason(days_ago(31)))
        .await;
    assert_eq!(field_code(&a, "terminated_on"), "backdated");
    let a = w
        .post(&terminate, Some(&committee), &reason(days_ago(30)))
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["terminated_on"], days_ago(30).as_str());

    // Every change is in the audit trail, in order; the refusals wrote nothing.
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT action, actor_role, detail FROM audit_event WHERE entity = 'contract' \
         AND entity_id = $1 ORDER BY at, id",
    )
    .bind(&cid)
    .fetch_all(&w.tender.pool)
    .await
    .unwrap();
    let actions: Vec<&str> = rows.iter().map(|(a, _, _)| a.as_str()).collect();
    assert_eq!(actions, vec!["signed", "terminated"]);
    assert!(rows.iter().all(|(_, role, _)| role == "committee"));
    let signed_detail: Value = serde_json::from_str(&rows[0].2).unwrap();
    assert_eq!(signed_detail["start_date"], days_ago(20).as_str());
    assert_eq!(signed_detail["signed_on"], days_ago(21).as_str());
    let terminated_detail: Value = serde_json::from_str(&rows[1].2).unwrap();
    assert_eq!(terminated_detail["terminated_on"], days_ago(30).as_str());
    w.stop().await;
}

#[test]
fn quarters_are_named_from_their_days() {
    assert_eq!(quarter_of("2026-12-01"), "2026-Q4");
    assert_eq!(quarter_of("2027-01-31"), "2027-Q1");
    assert_eq!(quarter_of("2026-09-30"), "2026-Q3");
}
