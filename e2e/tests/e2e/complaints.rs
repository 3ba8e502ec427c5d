//! Complaints (质疑) end to end through the API: lodged by a bidder in the notice period,
//! answered by the committee, escalated (复核) by the complaining firm to the street and
//! then the district, each level deciding once; upheld at the last level reopens
//! evaluation. Every refusal: another firm, a non-bidder, the committee, officials out of
//! reach, the city official (reads only), anonymous, a second escalation, a closed window.
//! The complainant's id and name never reach a public read (API list, OCDS).

use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use wuye_e2e::fixtures::{JINGUANYI, JINJIANG};
use wuye_e2e::tender::{World, ms, opened_with_bids, sleep_until};
use wuye_e2e::{Backend, Options, assert_fields, both_backends};

both_backends!(complaints_escalate_to_the_street_then_the_district);

/// The seconds a bidder has to escalate after an answer, in this test's world.
const WINDOW_SECS: u64 = 3;

async fn complaints_escalate_to_the_street_then_the_district(backend: Backend) {
    let w = World::with(
        backend,
        Options {
            verify_award_with_catalog: false,
            escalation_window_secs: WINDOW_SECS,
            ..Options::default()
        },
    )
    .await;
    let (id, bid) = opened_with_bids(
        &w,
        "c-esc",
        json!({}),
        &[("f-e1", 150), ("f-e2", 140), ("f-e3", 160)],
        json!([]),
    )
    .await;
    let committee = w.committee("c-esc");
    let mine = Some(committee.as_str());
    let a = w
        .post(
            &format!("/{id}/award"),
            mine,
            &json!({"bid_id": bid["f-e2"]}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let notice_ends = ms(&a.json()["award"]["notice_ends_at"]);

    let (e1, e3) = (w.firm_token("f-e1"), w.firm_token("f-e3"));
    let street = w
        .app
        .token(Role::StreetOfficial, Scope::Street(JINGUANYI.into()));
    let other_street = w
        .app
        .token(Role::StreetOfficial, Scope::Street("510107001".into()));
    let district = w
        .app
        .token(Role::DistrictOfficial, Scope::District(JINJIANG.into()));
    let other_district = w
        .app
        .token(Role::DistrictOfficial, Scope::District("510107".into()));
    let city = w.app.token(Role::CityOfficial, Scope::City);
    let complaints = format!("/{id}/complaints");

    // Lodged by bidders only, during the notice.
    let lodge = |token: String, grounds: &'static str| {
        let w = &w;
        let complaints = complaints.clone();
        async move {
            w.post(&complaints, Some(&token), &json!({ "grounds": grounds }))
                .await
        }
    };
    let a = lodge(e1.clone(), "中标企业的人员配置方案明显不足以达到三级标准。").await;
    assert_eq!(a.status, 201, "{}", a.body);
    let ca = a.json()["id"].as_str().unwrap().to_string();
    assert_eq!(a.json()["stage"], "lodged");
    let a = lodge(e3.clone(), "中标企业的报价低于成本，无法保证服务质量。").await;
    let cb = a.json()["id"].as_str().unwrap().to_string();
    lodge(w.firm_token("f-stranger"), "我没有投标但也有意见。")
        .await
        .problem(403, "forbidden");

    // Undecided: nobody but the parties sees them.
    assert_eq!(w.get(&complaints, None).await.json(), json!([]));
    let own = w.get(&complaints, Some(&e1)).await.json();
    assert_eq!(own.as_array().unwrap().len(), 1);
    assert_eq!(own[0]["firm_id"], "f-e1");
    let all = w.get(&complaints, mine).await.json();
    assert_eq!(all.as_array().unwrap().len(), 2);

    // Escalation waits for the answer.
    let escalate = |cid: &str| format!("{complaints}/{cid}/escalate");
    let decide = |cid: &str| format!("{complaints}/{cid}/decide");
    let why = json!({"grounds": "委员会的答复没有回应人员配置的问题。"});
    w.post(&escalate(&ca), Some(&e1), &why)
        .await
        .problem(409, "not_answered");

    // B is answered and its window lapses.
    let no = |text: &str| json!({"upheld": false, "answer": text});
    let a = w
        .post(
            &format!("{complaints}/{cb}/answer"),
            mine,
            &no("报价经核算不低于成本。"),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["stage"], "answered");
    assert_eq!(a.json()["outcome"], false);
    sleep_until(ms(&a.json()["answered_at"]) + WINDOW_SECS as i64 * 1000).await;
    w.post(&escalate(&cb), Some(&e3), &why)
        .await
        .problem(409, "escalation_closed");

    // A is answered; decided complaints are public, without the complainant.
    let a = w
        .post(
            &format!("{complaints}/{ca}/answer"),
            mine,
            &no("人员配置符合三级标准要求。"),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    let public = w.get(&complaints, None).await;
    assert_eq!(public.json().as_array().unwrap().len(), 2);
    for who in ["f-e1", "f-e3"] {
        assert!(!public.body.contains(who), "{}", public.body);
    }
    let other_firm = w.get(&complaints, Some(&w.firm_token("f-e2"))).await;
    assert!(!other_firm.body.contains("f-e1"), "{}", other_firm.body);

    // Only the complaining firm escalates, once per level.
    assert_fields(
        &w.post(&escalate(&ca), Some(&e1), &json!({"grounds": "不服"}))
            .await,
        &["grounds"],
    );
    w.post(&escalate(&ca), Some(&e3), &why)
        .await
        .problem(403, "forbidden");
    w.post(&escalate(&ca), mine, &why)
        .await
        .problem(403, "forbidden");
    w.post(&escalate(&ca), None, &why)
        .await
        .problem(401, "unauthenticated");
    let a = w.post(&escalate(&ca), Some(&e1), &why).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["stage"], "escalated_to_street");
    assert_eq!(a.json()["escalations"][0]["level"], "street");
    w.post(&escalate(&ca), Some(&e1), &why)
        .await
        .problem(409, "escalation_pending");

    // The contract waits for it, even after the notice.
    sleep_until(notice_ends).await;
    w.post(
        &format!("/{id}/contract"),
        mine,
        &json!({"start_date": "2026-12-31"}),
    )
    .await
    .problem(409, "complaints_pending");

    // The street official of the compound's street decides; nobody else.
    let not_upheld = json!({"upheld": false, "decision": "经街道复核，答复并无不当。"});
    for token in [
        &district,
        &other_street,
        &city,
        &e1,
        &committee,
        &w.association(),
    ] {
        w.post(&decide(&ca), Some(token), &not_upheld)
            .await
            .problem(403, "forbidden");
    }
    w.post(&decide(&ca), None, &not_upheld)
        .await
        .problem(401, "unauthenticated");
    let listed = w.get("/complaints/escalated", Some(&street)).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["id"], ca.as_str());
    assert_eq!(listed[0]["compound_name"], "望江小区");
    assert_eq!(
        w.get("/complaints/escalated", Some(&other_street))
            .await
            .json(),
        json!([])
    );
    w.get("/complaints/escalated", Some(&e1))
        .await
        .problem(403, "forbidden");
    w.get("/complaints/escalated", None)
        .await
        .problem(401, "unauthenticated");
    let a = w.post(&decide(&ca), Some(&street), &not_upheld).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["stage"], "street_decided");
    assert_eq!(a.json()["outcome"], false);
    w.post(&decide(&ca), Some(&street), &not_upheld)
        .await
        .problem(409, "already_decided");

    // Then the district, whose decision is final; upheld reopens evaluation.
    let a = w.post(&escalate(&ca), Some(&e1), &why).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["stage"], "escalated_to_district");
    let upheld = json!({"upheld": true, "decision": "经区县复核，质疑成立。"});
    for token in [&street, &other_district, &city] {
        w.post(&decide(&ca), Some(token), &upheld)
            .await
            .problem(403, "forbidden");
    }
    let a = w.post(&decide(&ca), Some(&district), &upheld).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["stage"], "district_decided");
    assert_eq!(a.json()["outcome"], true);
    let view = w.get(&format!("/{id}"), None).await.json();
    assert_eq!(view["status"], "evaluation");
    let awards = w.get(&format!("/{id}/awards"), None).await.json();
    assert_eq!(awards[0]["status"], "revoked");
    assert!(
        awards[0]["revoked_reason"]
            .as_str()
            .unwrap()
            .contains("区县复核"),
        "{awards}"
    );
    w.post(&escalate(&ca), Some(&e1), &why)
        .await
        .problem(409, "already_upheld");

    // The city reads every level; the firm reads its own across tenders.
    let city_list = w.get("/complaints/escalated", Some(&city)).await.json();
    assert_eq!(city_list.as_array().unwrap().len(), 2, "{city_list}");
    let own = w.get("/complaints/mine", Some(&e1)).await.json();
    assert_eq!(own.as_array().unwrap().len(), 1);
    assert_eq!(own[0]["stage"], "district_decided");
    w.get("/complaints/mine", mine)
        .await
        .problem(403, "forbidden");

    // Public reads never name the complainant: the list, the OCDS releases.
    let public = w.get(&complaints, None).await;
    assert!(public.body.contains("经区县复核，质疑成立。"));
    let releases = w
        .app
        .get(
            &format!("{}/tenders/ocds/releases?limit=100", w.app.tender_url),
            None,
        )
        .await;
    assert_eq!(releases.status, 200, "{}", releases.body);
    for who in ["f-e1", "f-e3"] {
        assert!(!public.body.contains(who), "{}", public.body);
    }
    // OCDS names bidders (public once opened) but carries no complaint to tie one to.
    assert!(!releases.body.contains(ca.as_str()));
    assert!(!releases.body.contains("人员配置方案明显不足"));

    // The feed carries every step with the tender, the stage and the outcome.
    let feed = w.tender_feed().await;
    let steps: Vec<(String, Value, Value)> = feed
        .iter()
        .filter(|c| c["topic"] == "complaint" && c["entity_id"] == ca.as_str())
        .map(|c| {
            assert_eq!(c["payload"]["tender_id"], id.as_str());
            (
                c["kind"].as_str().unwrap().to_string(),
                c["payload"]["stage"].clone(),
                c["payload"]["outcome"].clone(),
            )
        })
        .collect();
    assert_eq!(
        steps,
        vec![
            ("lodged".into(), json!("lodged"), Value::Null),
            ("answered".into(), json!("answered"), json!(false)),
            (
                "escalated".into(),
                json!("escalated_to_street"),
                Value::Null
            ),
            ("decided".into(), json!("street_decided"), json!(false)),
            (
                "escalated".into(),
                json!("escalated_to_district"),
                Value::Null
            ),
            ("decided".into(), json!("district_decided"), json!(true)),
        ]
    );
    w.stop().await;
}
