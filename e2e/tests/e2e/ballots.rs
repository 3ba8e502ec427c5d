//! Votes from ballots (表决) and surveys per unit over HTTP: a hand-checked register (one
//! owner of two units, the developer's two unsold units), votes cast with codes from the
//! street and on paper, closed and counted at art. 278's boundaries; the refusals (who may
//! act, used and revoked codes, late and second ballots, sealed votes); the participation
//! list without choices; objections reaching the street; a survey counted from its answers.
//! The award on a ballot vote (and its refusal on a typed one) is in `tender.rs`.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use shared::db::now_ms;
use tender::clock::to_rfc3339;
use wuye_e2e::ballots::{close, notices, open_vote, register, street, unit};
use wuye_e2e::tender::World;
use wuye_e2e::{Backend, Options, both_backends, spawn_app_with};

both_backends!(
    votes_are_counted_from_ballots_against_the_register_at_the_boundaries,
    codes_and_ballots_are_refused_with_clear_errors,
    a_survey_is_counted_from_one_answer_per_unit,
    the_serving_firm_answers_a_comment_publicly,
    a_large_register_gets_one_distinct_code_per_unit,
    the_area_lists_hold_the_votes_and_surveys_of_the_caller_s_area,
);

/// 张三 holds 101 and 102 (50 ㎡ each), the developer 201 and 202 unsold (50 ㎡ each), 李四,
/// 王五, 赵六 and 钱七 one unit of 100 ㎡ each: 8 units, 6 owners by head, 600 ㎡.
async fn hand_checked_register(w: &World, c: &str) {
    register(
        w,
        &[
            unit(c, "101", "50", Some("张三")),
            unit(c, "102", "50.00", Some("张三")),
            unit(c, "201", "50", None),
            unit(c, "202", "50", None),
            unit(c, "301", "100", Some("李四")),
            unit(c, "302", "100", Some("王五")),
            unit(c, "303", "100", Some("赵六")),
            unit(c, "304", "100", Some("钱七")),
        ],
    )
    .await;
}

/// Casts `choice` for `room` of compound `c` with its code.
async fn cast(w: &World, codes: &BTreeMap<String, String>, c: &str, room: &str, choice: &str) {
    let a = w
        .post(
            "/owner-code/ballot",
            None,
            &json!({"code": codes[&format!("{c}-{room}")], "choice": choice}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.json()["channel"], "online");
    assert_eq!(a.json()["unit_label"], format!("1栋1单元{room}"));
}

/// Records a paper ballot for `room` of compound `c`.
async fn paper(w: &World, vote: &str, c: &str, room: &str, choice: &str) -> wuye_e2e::Answer {
    w.post(
        &format!("/ballot-votes/{vote}/paper-ballots"),
        Some(&w.committee(c)),
        &json!({"unit_id": format!("{c}-{room}"), "choice": choice,
            "paper_ref": format!("纸票-{room}")}),
    )
    .await
}

fn result(v: &Value) -> (i64, i64, i64, i64, bool, usize) {
    let r = &v["result"];
    (
        r["participating_owners"].as_i64().unwrap(),
        r["participating_area_centi"].as_i64().unwrap(),
        r["approving_owners"].as_i64().unwrap(),
        r["approving_area_centi"].as_i64().unwrap(),
        r["passed"].as_bool().unwrap(),
        r["reasons"].as_array().unwrap().len(),
    )
}

/// Four votes at once on the hand-checked register, each cast partly with codes and partly
/// on paper, closed and counted:
/// - exactly two thirds take part (4 of 6 owners: 张三 with both units, 李四, 王五, 赵六;
///   400 of 600 ㎡) and exactly half approve (张三 and 李四: 2 of 4, 200 of 400 ㎡): fails
///   on both approval conditions, by head and by area;
/// - the same with 赵六 approving too: passes;
/// - 张三 votes one unit only (4 owners but 350 ㎡ take part): fails on the area alone;
/// - 张三's two units vote differently: 张三 takes part (4 owners, 400 ㎡) and approves
///   nothing by head, while by area each unit counts for its own ballot: 3 of 4 owners,
///   350 of 400 ㎡ approve.
///
/// And on a second register, participation failing by head alone, and passing with one
/// more owner.
async fn votes_are_counted_from_ballots_against_the_register_at_the_boundaries(backend: Backend) {
    let w = World::new(backend).await;
    let c = "c-ballot";
    w.compound(c, json!({})).await;
    hand_checked_register(&w, c).await;
    let mut votes = Vec::new();
    for _ in 0..4 {
        votes.push(open_vote(&w, c, json!({"matter": "amend_covenant"}), 4).await);
    }
    let v = &votes[0];
    assert_eq!(
        v["register"],
        json!({"units": 8, "owners": 6, "area_centi": 60_000})
    );
    assert_eq!(v["state"], "open");
    assert_eq!(v["matter_label"], "制定和修改管理规约");
    assert!(v.get("result").is_none(), "{v}");
    let ids: Vec<String> = votes
        .iter()
        .map(|v| v["id"].as_str().unwrap().to_string())
        .collect();

    // 1: exactly half approve. Codes for 101, 102, 301; paper for 302 and 303.
    let codes = notices(&w, &ids[0]).await;
    assert_eq!(codes.len(), 8);
    cast(&w, &codes, c, "101", "approve").await;
    cast(&w, &codes, c, "102", "approve").await;
    cast(&w, &codes, c, "301", "approve").await;
    assert_eq!(paper(&w, &ids[0], c, "302", "oppose").await.status, 201);
    assert_eq!(paper(&w, &ids[0], c, "303", "abstain").await.status, 201);
    // 2: one more approves.
    let codes = notices(&w, &ids[1]).await;
    for room in ["101", "102", "301", "303"] {
        cast(&w, &codes, c, room, "approve").await;
    }
    assert_eq!(paper(&w, &ids[1], c, "302", "oppose").await.status, 201);
    // 3: 张三 votes 101 only: 350 ㎡ take part.
    for room in ["101", "301", "302", "303"] {
        assert_eq!(paper(&w, &ids[2], c, room, "approve").await.status, 201);
    }
    // 4: 张三's units differ.
    let codes = notices(&w, &ids[3]).await;
    cast(&w, &codes, c, "101", "approve").await;
    cast(&w, &codes, c, "102", "oppose").await;
    for room in ["301", "302", "303"] {
        cast(&w, &codes, c, room, "approve").await;
    }
    let turnout = w
        .get(&format!("/ballot-votes/{}", ids[0]), None)
        .await
        .json();
    assert_eq!(
        turnout["turnout"],
        json!({"units_voted": 5, "online": 3, "paper": 2})
    );

    let mut closed = Vec::new();
    for v in &votes {
        closed.push(close(&w, c, v).await);
    }
    assert_eq!(result(&closed[0]), (4, 40_000, 2, 20_000, false, 2));
    let reasons = closed[0]["result"]["reasons"].to_string();
    assert!(
        reasons.contains("（200.00/400.00 平方米）") && reasons.contains("（2/4 人）"),
        "{reasons}"
    );
    assert_eq!(closed[0]["result"]["opposing_owners"], 1);
    assert_eq!(closed[0]["result"]["abstaining_area_centi"], 10_000);
    assert_eq!(result(&closed[1]), (4, 40_000, 3, 30_000, true, 0));
    assert_eq!(result(&closed[2]), (4, 35_000, 4, 35_000, false, 1));
    assert!(
        closed[2]["result"]["reasons"][0]
            .as_str()
            .unwrap()
            .contains("专有部分面积未达到总面积的三分之二（350.00/600.00 平方米）"),
        "{}",
        closed[2]
    );
    // 张三 split: takes part (4 owners, 400 ㎡), approves nothing by head; by area 101's
    // 50 ㎡ approve: 3 of 4 owners, 350 of 400 ㎡.
    assert_eq!(result(&closed[3]), (4, 40_000, 3, 35_000, true, 0));
    assert_eq!(closed[3]["result"]["split_owners"], 1);
    assert_eq!(closed[3]["result"]["opposing_area_centi"], 5_000);
    assert_eq!(closed[3]["state"], "closed");

    // By head alone: 甲 holds 400 ㎡, 乙…己 100 ㎡ each (6 owners, 900 ㎡). 甲, 乙 and 丙 are
    // exactly two thirds of the area but half the owners: fails on the head count only;
    // with 丁 too it passes.
    let h = "c-heads";
    w.compound(h, json!({})).await;
    let mut units = vec![unit(h, "101", "400", Some("甲"))];
    for (i, name) in ["乙", "丙", "丁", "戊", "己"].iter().enumerate() {
        units.push(unit(h, &format!("20{i}"), "100", Some(name)));
    }
    register(&w, &units).await;
    let three = open_vote(&w, h, json!({}), 3).await;
    let four = open_vote(&w, h, json!({}), 3).await;
    for (v, rooms) in [
        (&three, &["101", "200", "201"][..]),
        (&four, &["101", "200", "201", "202"][..]),
    ] {
        let id = v["id"].as_str().unwrap();
        for room in rooms {
            assert_eq!(paper(&w, id, h, room, "approve").await.status, 201);
        }
    }
    let three = close(&w, h, &three).await;
    assert_eq!(result(&three), (3, 60_000, 3, 60_000, false, 1));
    assert!(
        three["result"]["reasons"][0]
            .as_str()
            .unwrap()
            .contains("人数未达到业主总人数的三分之二（3/6 人）"),
        "{three}"
    );
    assert_eq!(
        result(&close(&w, h, &four).await),
        (4, 70_000, 4, 70_000, true, 0)
    );

    // The public sees counts and results, never a ballot; the list too.
    for body in [
        w.get(&format!("/ballot-votes/{}", ids[0]), None).await.body,
        w.get(&format!("/compounds/{c}/ballot-votes"), None)
            .await
            .body,
    ] {
        assert!(
            !body.contains("\"choice\"") && !body.contains("纸票") && !body.contains("c-ballot-3"),
            "{body}"
        );
    }
    let list = w
        .get(&format!("/compounds/{c}/ballot-votes"), None)
        .await
        .json();
    assert_eq!(list["total"], 4);
    // The ballot list for checking: the committee, the street, the association.
    for token in [w.committee(c), street(&w), w.association()] {
        let a = w
            .get(&format!("/ballot-votes/{}/ballots", ids[0]), Some(&token))
            .await;
        assert_eq!(a.status, 200, "{}", a.body);
        let ballots = a.json();
        assert_eq!(ballots.as_array().unwrap().len(), 5);
        let paper = ballots
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["unit_label"] == "1栋1单元302")
            .unwrap();
        assert_eq!(paper["channel"], "paper");
        assert_eq!(paper["choice"], "oppose");
        assert_eq!(paper["paper_ref"], "纸票-302");
        assert!(
            paper["recorded_by"]
                .as_str()
                .unwrap()
                .contains("小区自治组织"),
            "{paper}"
        );
    }
    w.stop().await;
}

async fn codes_and_ballots_are_refused_with_clear_errors(backend: Backend) {
    let w = World::new(backend).await;
    let (c, other) = ("c-refuse", "c-other");
    w.compound(c, json!({})).await;
    w.compound(other, json!({})).await;
    let committee = w.committee(c);

    // An empty register cannot vote; bad requests are named field by field.
    let opening = format!("/compounds/{c}/ballot-votes");
    let now = now_ms();
    let body = |over: Value| {
        wuye_e2e::fixtures::merged(
            json!({"matter": "other", "question": "是否同意",
                "opens_at": to_rfc3339(now), "closes_at": to_rfc3339(now + 60_000)}),
            over,
        )
    };
    w.post(&opening, Some(&committee), &body(json!({})))
        .await
        .problem(422, "register_empty");
    hand_checked_register(&w, c).await;
    let a = w
        .post(
            &opening,
            Some(&committee),
            &body(json!({"question": "问".repeat(501),
                "closes_at": to_rfc3339(now + 61 * 86_400_000), "matter": "choose_firm"})),
        )
        .await;
    wuye_e2e::assert_fields(&a, &["question", "closes_at", "tender_id"]);
    assert_eq!(wuye_e2e::field_code(&a, "closes_at"), "period_too_long");
    let a = w
        .post(
            &opening,
            Some(&committee),
            &body(json!({"closes_at": to_rfc3339(now - 1000)})),
        )
        .await;
    assert_eq!(wuye_e2e::field_code(&a, "closes_at"), "closes_before_opens");
    // Typed totals only for decisions taken before the register existed.
    let typed = |held_on: &str| {
        json!({"compound_id": c, "matter": "other", "total_owners": 6, "total_area_m2": 600,
            "participating_owners": 5, "participating_area_m2": 500, "approving_owners": 5,
            "approving_area_m2": 500, "held_on": held_on, "document_ref": "表决〔2025〕1号"})
    };
    let today = shared::domain::roster::format_date(shared::clock::china_today());
    w.post("/votes", Some(&committee), &typed(&today))
        .await
        .problem(409, "register_exists");
    let a = w
        .post("/votes", Some(&committee), &typed("2025-01-10"))
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.json()["verified_label"], "未经名册核验");
    let a = w
        .post(
            &opening,
            Some(&committee),
            &body(json!({"matter": "choose_firm", "tender_id": "no-such-tender"})),
        )
        .await;
    assert_eq!(wuye_e2e::field_code(&a, "tender_id"), "unknown_tender");
    // Only the compound's committee opens a vote.
    for token in [street(&w), w.committee(other), w.association()] {
        w.post(&opening, Some(&token), &body(json!({})))
            .await
            .problem(403, "forbidden");
    }
    w.post(&opening, None, &body(json!({})))
        .await
        .problem(401, "unauthenticated");

    let vote = open_vote(&w, c, json!({}), 4).await;
    let id = vote["id"].as_str().unwrap();
    let later = open_vote(
        &w,
        c,
        json!({"opens_at": to_rfc3339(now_ms() + 3_600_000),
            "closes_at": to_rfc3339(now_ms() + 7_200_000)}),
        0,
    )
    .await;
    assert_eq!(later["state"], "scheduled");
    // Only the street prints the notices: the committee, which counts, is refused.
    let print = format!("/ballot-votes/{id}/notices");
    for token in [committee.clone(), w.association(), w.committee(other)] {
        w.post(&print, Some(&token), &json!({}))
            .await
            .problem(403, "forbidden");
    }
    let first = notices(&w, id).await;
    let codes = notices(&w, id).await;
    let code = |room: &str| codes[&format!("{c}-{room}")].clone();
    // A reprinted notice replaces the unit's code; unknown and malformed codes look alike.
    for stale in [
        first[&format!("{c}-101")].clone(),
        "0000-0000-0000".into(),
        "not a code".into(),
    ] {
        w.post("/owner-code", None, &json!({"code": stale}))
            .await
            .problem(404, "code_unknown");
        w.post(
            "/owner-code/ballot",
            None,
            &json!({"code": stale, "choice": "approve"}),
        )
        .await
        .problem(404, "code_unknown");
    }

    // The code shows its unit and vote only.
    let seen = w
        .post(
            "/owner-code",
            None,
            &json!({"code": code("101").to_lowercase()}),
        )
        .await;
    assert_eq!(seen.status, 200, "{}", seen.body);
    let seen = seen.json();
    assert_eq!(seen["unit"]["label"], "1栋1单元101");
    assert_eq!(seen["unit"]["compound_name"], "望江小区");
    assert_eq!(seen["vote"]["id"], id);
    assert_eq!(seen["can_vote"], true);
    assert_eq!(seen["ballot"], Value::Null);
    assert_eq!(seen["survey"], Value::Null);

    // A bad choice is named; a used code, a second ballot and paper after online refused.
    let a = w
        .post(
            "/owner-code/ballot",
            None,
            &json!({"code": code("101"), "choice": "yes", "option_id": "x"}),
        )
        .await;
    wuye_e2e::assert_fields(&a, &["choice", "option_id"]);
    cast(&w, &codes, c, "101", "approve").await;
    let again = w
        .post(
            "/owner-code/ballot",
            None,
            &json!({"code": code("101"), "choice": "oppose"}),
        )
        .await
        .problem(409, "unit_already_voted");
    assert!(
        again["detail"].as_str().unwrap().contains("网上表决"),
        "{again}"
    );
    paper(&w, id, c, "101", "oppose")
        .await
        .problem(409, "unit_already_voted");
    assert_eq!(paper(&w, id, c, "301", "oppose").await.status, 201);
    paper(&w, id, c, "301", "approve")
        .await
        .problem(409, "unit_already_voted");
    w.post(
        "/owner-code/ballot",
        None,
        &json!({"code": code("301"), "choice": "approve"}),
    )
    .await
    .problem(409, "unit_already_voted");
    // A unit not in this vote's register, or someone else recording paper.
    let a = w
        .post(
            &format!("/ballot-votes/{id}/paper-ballots"),
            Some(&committee),
            &json!({"unit_id": "c-other-101", "choice": "approve", "paper_ref": "纸票-x"}),
        )
        .await;
    a.problem(404, "not_found");
    let a = w
        .post(
            &format!("/ballot-votes/{id}/paper-ballots"),
            Some(&street(&w)),
            &json!({"unit_id": format!("{c}-302"), "choice": "approve", "paper_ref": "纸票-y"}),
        )
        .await;
    a.problem(403, "forbidden");
    // The counted ballot seen with the code: channel and time, never the choice.
    let seen = w
        .post("/owner-code", None, &json!({"code": code("101")}))
        .await
        .json();
    assert_eq!(seen["ballot"]["channel"], "online");
    assert_eq!(seen["ballot"]["counted"], false);
    assert_eq!(seen["can_vote"], false);
    assert!(!seen.to_string().contains("approve"), "{seen}");

    // Participation: which units took part and how, never a choice.
    let p = w
        .post(
            "/owner-code/participation",
            None,
            &json!({"code": code("304")}),
        )
        .await;
    assert_eq!(p.status, 200, "{}", p.body);
    let units = p.json()["units"].as_array().unwrap().clone();
    assert_eq!(units.len(), 8);
    let of = |label: &str| {
        units
            .iter()
            .find(|u| u["unit_label"] == label)
            .unwrap()
            .clone()
    };
    assert_eq!(
        of("1栋1单元101"),
        json!({"unit_label": "1栋1单元101", "took_part": true, "channel": "online"})
    );
    assert_eq!(of("1栋1单元301")["channel"], "paper");
    assert_eq!(
        of("1栋1单元304"),
        json!({"unit_label": "1栋1单元304", "took_part": false})
    );
    assert!(
        !p.body.contains("approve") && !p.body.contains("oppose"),
        "{}",
        p.body
    );

    // 钱七 (304) did not vote and objects: the objection reaches the street.
    let o = w
        .post(
            "/owner-code/objection",
            None,
            &json!({"code": code("304"), "text": "我家 301 的邻居说他没有投票，请核实纸质表决票。"}),
        )
        .await;
    assert_eq!(o.status, 201, "{}", o.body);
    w.post(
        "/owner-code/objection",
        None,
        &json!({"code": code("304"), "text": "长".repeat(1001)}),
    )
    .await
    .problem(422, "validation_failed");
    let objections = format!("/ballot-votes/{id}/objections");
    for token in [street(&w), committee.clone(), w.association()] {
        let list = w.get(&objections, Some(&token)).await;
        assert_eq!(list.status, 200, "{}", list.body);
        assert_eq!(list.json()["total"], 1);
        assert_eq!(list.json()["items"][0]["unit_label"], "1栋1单元304");
    }
    for token in [w.committee(other), w.firm_token("f-x")] {
        w.get(&objections, Some(&token))
            .await
            .problem(403, "forbidden");
        w.get(&format!("/ballot-votes/{id}/ballots"), Some(&token))
            .await
            .problem(403, "forbidden");
    }

    // Before it opens nobody votes; before it ends nobody closes it.
    let later_id = later["id"].as_str().unwrap();
    let later_codes = notices(&w, later_id).await;
    w.post(
        "/owner-code/ballot",
        None,
        &json!({"code": later_codes[&format!("{c}-101")], "choice": "approve"}),
    )
    .await
    .problem(409, "vote_not_open");
    w.post(
        &format!("/ballot-votes/{id}/close"),
        Some(&committee),
        &json!({}),
    )
    .await
    .problem(409, "vote_still_open");

    // A late ballot is refused; paper cast in time may still be recorded while counting.
    wuye_e2e::tender::sleep_until(wuye_e2e::tender::ms(&vote["closes_at"]) + 50).await;
    let late = w
        .post(
            "/owner-code/ballot",
            None,
            &json!({"code": code("302"), "choice": "approve"}),
        )
        .await
        .problem(409, "vote_not_open");
    assert!(late["detail"].as_str().unwrap().contains("逾期"), "{late}");
    w.post(&print, Some(&street(&w)), &json!({}))
        .await
        .problem(409, "vote_not_open");
    assert_eq!(paper(&w, id, c, "302", "approve").await.status, 201);
    w.post(
        &format!("/ballot-votes/{id}/close"),
        Some(&street(&w)),
        &json!({}),
    )
    .await
    .problem(403, "forbidden");
    let closed = close(&w, c, &vote).await;
    assert_eq!(closed["turnout"]["units_voted"], 3);
    // Sealed: nothing added or changed.
    paper(&w, id, c, "303", "approve")
        .await
        .problem(409, "vote_closed");
    w.post(
        "/owner-code/ballot",
        None,
        &json!({"code": code("303"), "choice": "approve"}),
    )
    .await
    .problem(409, "vote_closed");
    w.post(
        &format!("/ballot-votes/{id}/close"),
        Some(&committee),
        &json!({}),
    )
    .await
    .problem(409, "vote_closed");
    w.post(&print, Some(&street(&w)), &json!({}))
        .await
        .problem(409, "vote_closed");
    let seen = w
        .post("/owner-code", None, &json!({"code": code("101")}))
        .await
        .json();
    assert_eq!(seen["ballot"]["counted"], true);
    assert_eq!(seen["vote"]["state"], "closed");
    w.stop().await;
}

/// A quarter's survey: codes from the street, answers online and on paper, at most one per
/// unit; the counts come from the answers and, once closed, are the quarter's published
/// survey; comments are public without units. A second survey (typed or per unit) of the
/// quarter is refused.
async fn a_survey_is_counted_from_one_answer_per_unit(backend: Backend) {
    let w = World::new(backend).await;
    let c = "c-survey";
    w.compound(c, json!({})).await;
    hand_checked_register(&w, c).await;
    let committee = w.committee(c);
    let now = now_ms();
    let a = w
        .post(
            &format!("/compounds/{c}/unit-surveys"),
            Some(&committee),
            &json!({"period": "2026Q3", "opens_at": to_rfc3339(now),
                "closes_at": to_rfc3339(now + 3_000)}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let survey = a.json();
    assert_eq!(survey["period"], "2026-Q3");
    assert_eq!(survey["units"], 8);
    let sid = survey["id"].as_str().unwrap();
    w.post(
        &format!("/compounds/{c}/unit-surveys"),
        Some(&committee),
        &json!({"period": "2026-Q3", "opens_at": to_rfc3339(now),
            "closes_at": to_rfc3339(now + 3_000)}),
    )
    .await
    .problem(409, "survey_exists");
    let print = format!("/unit-surveys/{sid}/notices");
    w.post(&print, Some(&committee), &json!({}))
        .await
        .problem(403, "forbidden");
    let a = w.post(&print, Some(&street(&w)), &json!({})).await;
    assert_eq!(a.status, 200, "{}", a.body);
    let codes: BTreeMap<String, String> = a.json()["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["unit_label"].as_str().unwrap().to_string(),
                n["code"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let code = |room: &str| codes[&format!("1栋1单元{room}")].clone();
    let answer = |room: &str, rating: &str, comment: Option<&str>| json!({"code": code(room), "rating": rating, "comment": comment});
    let seen = w
        .post("/owner-code", None, &json!({"code": code("101")}))
        .await
        .json();
    assert_eq!(seen["survey"]["can_answer"], true, "{seen}");
    assert_eq!(seen["vote"], Value::Null);
    for (room, rating, comment) in [
        ("101", "satisfied", None),
        ("102", "basically_satisfied", Some("电梯维修太慢")),
        ("301", "dissatisfied", Some("绿化没人管")),
    ] {
        let a = w
            .post("/owner-code/survey", None, &answer(room, rating, comment))
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
    }
    w.post(
        "/owner-code/survey",
        None,
        &answer("101", "dissatisfied", None),
    )
    .await
    .problem(409, "unit_already_answered");
    // A survey code is no vote code.
    w.post(
        "/owner-code/ballot",
        None,
        &json!({"code": code("302"), "choice": "approve"}),
    )
    .await
    .problem(404, "code_unknown");
    let a = w
        .post(
            &format!("/unit-surveys/{sid}/paper-answers"),
            Some(&committee),
            &json!({"unit_id": format!("{c}-302"), "rating": "satisfied", "paper_ref": "问卷-302"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    w.post(
        &format!("/unit-surveys/{sid}/paper-answers"),
        Some(&committee),
        &json!({"unit_id": format!("{c}-301"), "rating": "satisfied", "paper_ref": "问卷-301"}),
    )
    .await
    .problem(409, "unit_already_answered");

    let shown = w.get(&format!("/unit-surveys/{sid}"), None).await;
    assert_eq!(shown.status, 200);
    let shown = shown.json();
    assert_eq!(
        shown["counts"],
        json!({"satisfied": 2, "basically_satisfied": 1, "dissatisfied": 1,
            "respondents": 4, "online": 3, "paper": 1})
    );
    assert_eq!(shown["rate"], 0.75);
    assert_eq!(shown["comments"].as_array().unwrap().len(), 2);
    assert!(!shown.to_string().contains("1栋1单元"), "{shown}");

    wuye_e2e::tender::sleep_until(wuye_e2e::tender::ms(&survey["closes_at"]) + 50).await;
    let closed = w
        .post(
            &format!("/unit-surveys/{sid}/close"),
            Some(&committee),
            &json!({}),
        )
        .await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    assert_eq!(closed.json()["state"], "closed");
    let published = w
        .get(&format!("/satisfaction?compound={c}"), None)
        .await
        .json();
    assert_eq!(published["surveys"], 1, "{published}");
    assert_eq!(published["respondents"], 4, "{published}");
    assert_eq!(published["items"][0]["period"], "2026-Q3");
    assert_eq!(published["items"][0]["verified"], true, "{published}");
    // Typed totals: never for the quarter surveyed, nor for any quarter since the register
    // existed; a quarter before it is recorded, marked 未经名册核验.
    let typed = |period: &str| {
        json!({"compound_id": c, "period": period, "satisfied": 1,
            "basically_satisfied": 0, "dissatisfied": 0})
    };
    w.post("/satisfaction", Some(&committee), &typed("2026-Q3"))
        .await
        .problem(409, "survey_exists");
    w.post("/satisfaction", Some(&committee), &typed("2026-Q4"))
        .await
        .problem(409, "register_exists");
    let a = w
        .post("/satisfaction", Some(&committee), &typed("2025-Q4"))
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.json()["verified"], false);
    assert_eq!(a.json()["verified_label"], "未经名册核验");
    w.stop().await;
}

/// A comment of a survey is answered publicly by the firm whose contract served the
/// quarter, once; another firm and the committee are refused; the published survey is
/// credited to that firm.
async fn the_serving_firm_answers_a_comment_publicly(backend: Backend) {
    let w = World::with_history(backend).await;
    let c = "c-reply";
    // f-serve wins (lowest fee) and serves from 1 January 2026.
    wuye_e2e::tender::contracted(&w, c, &[("f-serve", 150), ("f-other", 160)]).await;
    hand_checked_register(&w, c).await;
    let committee = w.committee(c);
    let now = now_ms();
    let a = w
        .post(
            &format!("/compounds/{c}/unit-surveys"),
            Some(&committee),
            &json!({"period": "2026-Q2", "opens_at": to_rfc3339(now),
                "closes_at": to_rfc3339(now + 2_000)}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let survey = a.json();
    let sid = survey["id"].as_str().unwrap();
    let a = w
        .post(
            &format!("/unit-surveys/{sid}/paper-answers"),
            Some(&committee),
            &json!({"unit_id": format!("{c}-301"), "rating": "dissatisfied",
                "comment": "垃圾清运不及时", "paper_ref": "问卷-301"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let shown = w.get(&format!("/unit-surveys/{sid}"), None).await.json();
    let comment = shown["comments"][0]["id"].as_str().unwrap().to_string();
    let reply = format!("/unit-surveys/{sid}/comments/{comment}/reply");
    let text = json!({"text": "已增加每日清运一次，欢迎监督。"});
    for token in [w.firm_token("f-other"), committee.clone()] {
        w.post(&reply, Some(&token), &text)
            .await
            .problem(403, "forbidden");
    }
    w.post(
        &format!("/unit-surveys/{sid}/comments/no-such-answer/reply"),
        Some(&w.firm_token("f-serve")),
        &text,
    )
    .await
    .problem(404, "not_found");
    let a = w.post(&reply, Some(&w.firm_token("f-serve")), &text).await;
    assert_eq!(a.status, 200, "{}", a.body);
    w.post(&reply, Some(&w.firm_token("f-serve")), &text)
        .await
        .problem(409, "already_replied");
    let shown = w.get(&format!("/unit-surveys/{sid}"), None).await.json();
    assert_eq!(
        shown["comments"][0]["reply"]["text"],
        "已增加每日清运一次，欢迎监督。"
    );
    wuye_e2e::tender::sleep_until(wuye_e2e::tender::ms(&survey["closes_at"]) + 50).await;
    let closed = w
        .post(
            &format!("/unit-surveys/{sid}/close"),
            Some(&committee),
            &json!({}),
        )
        .await;
    assert_eq!(closed.status, 200, "{}", closed.body);
    let published = w
        .get(&format!("/satisfaction?compound={c}"), None)
        .await
        .json();
    assert_eq!(published["items"][0]["firm_id"], "f-serve", "{published}");
    assert_eq!(published["items"][0]["dissatisfied"], 1, "{published}");
    w.stop().await;
}

/// 1,201 units (written several hundred to a statement): every unit of the vote gets its
/// own notice and a distinct code, and a reprint replaces every code.
async fn a_large_register_gets_one_distinct_code_per_unit(backend: Backend) {
    let w = World::new(backend).await;
    let c = "c-large";
    w.compound(c, json!({})).await;
    let units: Vec<_> = (0..1201)
        .map(|i| unit(c, &format!("{}", 1000 + i), "60", Some(&format!("业主{i}"))))
        .collect();
    register(&w, &units).await;
    let vote = open_vote(&w, c, json!({}), 60).await;
    assert_eq!(vote["register"]["units"], 1201);
    assert_eq!(vote["register"]["owners"], 1201);
    let id = vote["id"].as_str().unwrap();
    let first = notices(&w, id).await;
    let second = notices(&w, id).await;
    assert_eq!(first.len(), 1201);
    let distinct: std::collections::BTreeSet<&String> = second.values().collect();
    assert_eq!(distinct.len(), 1201);
    let (unit_id, code) = second.iter().nth(700).unwrap();
    let seen = w.post("/owner-code", None, &json!({"code": code})).await;
    assert_eq!(seen.status, 200, "{}", seen.body);
    assert_eq!(seen.json()["unit"]["unit_id"], unit_id.as_str());
    w.post("/owner-code", None, &json!({"code": first[unit_id]}))
        .await
        .problem(404, "code_unknown");
    w.stop().await;
}

/// Owner codes are counted per client address: past the limit, 429 with `Retry-After`,
/// before any code is looked up.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn owner_codes_are_throttled_per_client() {
    let app = spawn_app_with(
        Backend::Sqlite,
        Options {
            owner_code_requests_per_minute: 3,
            ..Options::default()
        },
    )
    .await;
    let url = format!("{}/tenders/owner-code", app.tender_url);
    let body = json!({"code": "0000-0000-0000"});
    for _ in 0..3 {
        app.send(reqwest::Method::POST, &url, None, Some(&body))
            .await
            .problem(404, "code_unknown");
    }
    let a = app
        .send(reqwest::Method::POST, &url, None, Some(&body))
        .await;
    a.problem(429, "rate_limited");
    app.stop().await;
}

/// `GET /tenders/ballot-votes` and `GET /tenders/unit-surveys`: one paged list of the votes
/// and surveys of the caller's area (a street's, a district's, the city's, a committee's
/// compound's; a firm's surveys of its contracts' compounds), each with its compound; the
/// objections counted for those who check ballots only; a firm refused the votes.
async fn the_area_lists_hold_the_votes_and_surveys_of_the_caller_s_area(backend: Backend) {
    const DONGHU: &str = "510104018";
    let w = World::new(backend).await;
    w.compound("c-area-1", json!({"name": "锦官小区"})).await;
    w.compound("c-area-2", json!({"name": "东湖小区", "street": DONGHU}))
        .await;
    register(
        &w,
        &[
            unit("c-area-1", "101", "80", Some("张三")),
            unit("c-area-2", "101", "90", Some("李四")),
        ],
    )
    .await;
    let mine = open_vote(
        &w,
        "c-area-1",
        json!({"question": "是否同意增设充电桩"}),
        60,
    )
    .await;
    let theirs = open_vote(&w, "c-area-2", json!({"question": "是否同意改造绿地"}), 60).await;
    let now = now_ms();
    let survey = w
        .post(
            "/compounds/c-area-1/unit-surveys",
            Some(&w.committee("c-area-1")),
            &json!({"period": "2026-Q2", "opens_at": to_rfc3339(now),
                "closes_at": to_rfc3339(now + 60_000)}),
        )
        .await;
    assert_eq!(survey.status, 201, "{}", survey.body);
    // An owner of 锦官小区 objects to the participation list.
    let codes = notices(&w, mine["id"].as_str().unwrap()).await;
    let objected = w
        .post(
            "/owner-code/objection",
            None,
            &json!({"code": codes["c-area-1-101"], "text": "我没有投票，却显示已投票"}),
        )
        .await;
    assert_eq!(objected.status.as_u16() / 100, 2, "{}", objected.body);

    let listed = |path: &'static str, token: String| {
        let w = &w;
        async move {
            let a = w.get(path, Some(&token)).await;
            assert_eq!(a.status, 200, "{}", a.body);
            a.json()
        }
    };
    let ids = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_string())
            .collect()
    };
    let (mine_id, theirs_id) = (
        mine["id"].as_str().unwrap().to_string(),
        theirs["id"].as_str().unwrap().to_string(),
    );
    // The street: its compound's vote only, with the compound and the objection.
    let v = listed("/ballot-votes", street(&w)).await;
    assert_eq!(ids(&v), vec![mine_id.clone()], "{v}");
    assert_eq!(v["total"], 1);
    assert_eq!(v["items"][0]["compound_name"], "锦官小区");
    assert_eq!(v["items"][0]["street_code"], wuye_e2e::fixtures::JINGUANYI);
    assert_eq!(v["items"][0]["objections"], 1, "{v}");
    assert_eq!(v["items"][0]["question"], "是否同意增设充电桩");
    assert!(!v.to_string().contains("张三"), "no owner: {v}");
    // 东湖街道: its own; the district and the city: both, the latest first; the district
    // official does not check ballots, so no objection count.
    let donghu = w
        .app
        .token(Role::StreetOfficial, Scope::Street(DONGHU.into()));
    assert_eq!(
        ids(&listed("/ballot-votes", donghu.clone()).await),
        vec![theirs_id.clone()]
    );
    let district = w.app.token(
        Role::DistrictOfficial,
        Scope::District(wuye_e2e::fixtures::JINJIANG.into()),
    );
    let v = listed("/ballot-votes", district.clone()).await;
    assert_eq!(v["total"], 2, "{v}");
    assert!(
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["objections"].is_null()),
        "{v}"
    );
    let v = listed("/ballot-votes", w.association()).await;
    assert_eq!(v["total"], 2, "{v}");
    assert!(ids(&v).contains(&mine_id) && ids(&v).contains(&theirs_id));
    // A committee: its compound's.
    assert_eq!(
        ids(&listed("/ballot-votes", w.committee("c-area-2")).await),
        vec![theirs_id.clone()]
    );
    // Paged; a bad page is named; a firm has no area; signing in is required.
    let v = listed("/ballot-votes?limit=1&offset=1", district.clone()).await;
    assert_eq!((v["total"].as_i64(), ids(&v).len()), (Some(2), 1));
    w.get("/ballot-votes?limit=0", Some(&district))
        .await
        .problem(422, "validation_failed");
    w.get("/ballot-votes", Some(&w.firm_token("f-x")))
        .await
        .problem(403, "forbidden");
    w.get("/ballot-votes", None)
        .await
        .problem(401, "unauthenticated");

    // The surveys the same way; a firm sees those of the compounds it has a contract with
    // (none here).
    let s = listed("/unit-surveys", street(&w)).await;
    assert_eq!(s["total"], 1, "{s}");
    assert_eq!(s["items"][0]["compound_name"], "锦官小区");
    assert_eq!(s["items"][0]["period"], "2026-Q2");
    assert_eq!(listed("/unit-surveys", donghu).await["total"], 0);
    assert_eq!(listed("/unit-surveys", district).await["total"], 1);
    assert_eq!(
        listed("/unit-surveys", w.committee("c-area-2")).await["total"],
        0
    );
    assert_eq!(
        listed("/unit-surveys", w.firm_token("f-x")).await["total"],
        0
    );
    w.get("/unit-surveys", None)
        .await
        .problem(401, "unauthenticated");
    w.stop().await;
}
