//! Termination on the owners' decision and the street's guided action: a blacklisted
//! firm's compound appears on the attention list; the street records its notice
//! to the committee; the owners decide by ballot to dismiss the firm; the committee ends
//! the contract on that vote (linked, public); the compound leaves the list. Every step's
//! state comes from records; every refusal on the way.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use wuye_e2e::ballots::{close, notices, open_vote, register, unit};
use wuye_e2e::fixtures::{JINGUANYI, JINJIANG};
use wuye_e2e::tender::{World, contracted};
use wuye_e2e::{Backend, both_backends};

both_backends!(a_blacklisted_firms_contract_is_ended_on_a_ballot_vote);

/// The street's attention list once `done` holds for it (matching follows the feeds).
async fn attention_until(w: &World, token: &str, done: impl Fn(&Value) -> bool) -> Value {
    let until = Instant::now() + Duration::from_secs(20);
    loop {
        let a = w
            .app
            .get(
                &format!("{}/match/attention", w.app.matching_url),
                Some(token),
            )
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        let list = a.json();
        if done(&list) {
            return list;
        }
        assert!(Instant::now() < until, "never: {list}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn a_blacklisted_firms_contract_is_ended_on_a_ballot_vote(backend: Backend) {
    let w = World::with_history(backend).await;
    let (_, cid) = contracted(&w, "c-term", &[("f-t1", 150), ("f-t2", 160)]).await;
    let committee = w.committee("c-term");
    let street = w
        .app
        .token(Role::StreetOfficial, Scope::Street(JINGUANYI.into()));
    let other_street = w
        .app
        .token(Role::StreetOfficial, Scope::Street("510107001".into()));
    let district = w
        .app
        .token(Role::DistrictOfficial, Scope::District(JINJIANG.into()));
    let city = w.app.token(Role::CityOfficial, Scope::City);

    // The firm is blacklisted: the compound is on the street's list, with its contract.
    let seq = w
        .firms(&[(
            "f-t1",
            json!({"standing_record": {"stage": "recommended", "review_date": "2099-12-31",
                "blacklist_from": "2025-01-01", "blacklist_reason": "严重违约"}}),
        )])
        .await;
    w.applied(seq).await;
    // (This world's compounds reach tender only, so matching lists them citywide; the
    // street's own list is matching's area rule, tested in `statistics.rs`.)
    let assoc = w.association();
    let list = attention_until(&w, &assoc, |l| {
        l["compounds_with_blacklisted_firm"]
            .as_array()
            .is_some_and(|a| !a.is_empty())
    })
    .await;
    assert_eq!(
        list["compounds_with_blacklisted_firm"][0]["contract_id"],
        cid.as_str()
    );

    // Step 1: the street records that it notified the committee; nobody else may.
    let notices_path = format!("/contracts/{cid}/committee-notices");
    let note = json!({"note": "已于今日电话及书面通知业委会主任"});
    for token in [&other_street, &district, &city, &committee] {
        w.post(&notices_path, Some(token), &note)
            .await
            .problem(403, "forbidden");
    }
    w.post(&notices_path, None, &note)
        .await
        .problem(401, "unauthenticated");
    assert_eq!(
        wuye_e2e::field_code(
            &w.post(&notices_path, Some(&street), &json!({"note": " "}))
                .await,
            "note"
        ),
        "length"
    );
    let a = w.post(&notices_path, Some(&street), &note).await;
    assert_eq!(a.status, 201, "{}", a.body);

    // The guidance, step by step, for those in reach.
    let guidance = format!("/contracts/{cid}/guidance");
    for token in [&w.firm_token("f-t1"), &other_street] {
        w.get(&guidance, Some(token))
            .await
            .problem(403, "forbidden");
    }
    let g = w.get(&guidance, Some(&street)).await.json();
    assert_eq!(g["notices"].as_array().unwrap().len(), 1, "{g}");
    assert_eq!(g["owners_decisions"], json!([]));
    assert_eq!(g["terminated"], false);

    // Without a passing decision the committee cannot end the contract.
    let terminate = format!("/contracts/{cid}/terminate");
    let reason = json!({"reason": "物业企业被列入黑名单"});
    assert_eq!(
        wuye_e2e::field_code(
            &w.post(&terminate, Some(&committee), &reason).await,
            "vote_id"
        ),
        "vote_required"
    );

    // Step 2: the owners vote by ballot to dismiss the firm; an open vote is no basis.
    register(
        &w,
        &[
            unit("c-term", "101", "90", Some("张三")),
            unit("c-term", "102", "90", Some("李四")),
            unit("c-term", "103", "90", Some("王五")),
        ],
    )
    .await;
    let vote = open_vote(
        &w,
        "c-term",
        json!({"matter": "dismiss_firm", "question": "是否同意解聘现物业服务企业"}),
        3,
    )
    .await;
    let vid = vote["id"].as_str().unwrap().to_string();
    let codes = notices(&w, &vid).await;
    for room in ["101", "102"] {
        let a = w
            .post(
                "/owner-code/ballot",
                None,
                &json!({"code": codes[&format!("c-term-{room}")], "choice": "approve"}),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
    }
    let with_vote = json!({"reason": "物业企业被列入黑名单", "vote_id": vid});
    assert_eq!(
        wuye_e2e::field_code(
            &w.post(&terminate, Some(&committee), &with_vote).await,
            "vote_id"
        ),
        "vote_not_passing"
    );
    let closed = close(&w, "c-term", &vote).await;
    assert_eq!(closed["result"]["passed"], true, "{closed}");
    let g = w.get(&guidance, Some(&district)).await.json();
    assert_eq!(g["owners_decisions"][0]["id"], vid.as_str(), "{g}");
    assert_eq!(g["owners_decisions"][0]["kind"], "ballot");

    // Step 3: the committee ends the contract on it; the vote is linked and public.
    w.post(&terminate, Some(&w.firm_token("f-t1")), &with_vote)
        .await
        .problem(403, "forbidden");
    let a = w.post(&terminate, Some(&committee), &with_vote).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["termination_vote_id"], vid.as_str());
    assert_eq!(a.json()["termination_vote_kind"], "ballot");
    let public = w.get(&format!("/contracts/{cid}"), None).await.json();
    assert_eq!(public["termination_vote_id"], vid.as_str());
    let g = w.get(&guidance, Some(&city)).await.json();
    assert_eq!(g["terminated"], true);
    w.post(&notices_path, Some(&street), &note)
        .await
        .problem(409, "contract_not_active");

    // The compound leaves the street's list (matching follows the contract feed).
    attention_until(&w, &assoc, |l| {
        l["compounds_with_blacklisted_firm"] == json!([])
    })
    .await;
    let feed = w.tender_feed().await;
    assert!(
        feed.iter()
            .any(|c| c["topic"] == "committee_notice" && c["kind"] == "recorded"),
        "the notice is in the feed"
    );
    w.stop().await;
}
