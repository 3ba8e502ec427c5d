//! Votes from ballots as the tests drive them: a register written underneath the API (as
//! an import would leave it), a vote opened by the committee, notices printed by the
//! street, ballots cast with codes and on paper, the vote closed; the steps an
//! `owners_vote` award needs.

use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use shared::db::now_ms;
use shared::domain::{ExclusiveArea, Holder, Owner, PhoneNumber, UnitLabel};
use tender::clock::to_rfc3339;
use tender::owners::register::{self, Source, Unit};

use crate::fixtures::JINGUANYI;
use crate::tender::{World, ms, sleep_until};

/// A unit of `compound`'s register: room `room` of 1栋1单元, `area` in ㎡ (`"89.57"`),
/// held by `owner` (a name; `None` for the developer, unsold).
pub fn unit(compound: &str, room: &str, area: &str, owner: Option<&str>) -> Unit {
    let holder = match owner {
        Some(name) => Holder::owners(vec![
            Owner::new(name, Some(PhoneNumber::parse("13800000001").unwrap())).unwrap(),
        ])
        .unwrap(),
        None => Holder::Developer,
    };
    Unit {
        id: format!("{compound}-{room}"),
        compound_id: compound.into(),
        label: UnitLabel::parse("1栋", "1单元", room).unwrap(),
        area: ExclusiveArea::parse(area).unwrap(),
        holder,
        version: 1,
        removed: false,
        updated_by: "test".into(),
        updated_at: now_ms(),
    }
}

/// Writes `units` into tender's register (as an import would).
pub async fn register(w: &World, units: &[Unit]) {
    let mut conn = w.tender.pool.acquire().await.unwrap();
    for u in units {
        register::save(&mut conn, None, u, &Source::Import("test".into()))
            .await
            .unwrap();
    }
}

/// The token of the street official of the test compounds' street (锦官驿).
pub fn street(w: &World) -> String {
    w.app
        .token(Role::StreetOfficial, Scope::Street(JINGUANYI.into()))
}

/// Opens a vote of `compound` open from now for `secs` seconds; answers its view.
pub async fn open_vote(w: &World, compound: &str, body: Value, secs: i64) -> Value {
    let body = crate::fixtures::merged(
        json!({"matter": "other", "question": "是否同意修订《管理规约》第三条",
            "opens_at": to_rfc3339(now_ms()), "closes_at": to_rfc3339(now_ms() + secs * 1000)}),
        body,
    );
    let a = w
        .post(
            &format!("/compounds/{compound}/ballot-votes"),
            Some(&w.committee(compound)),
            &body,
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    a.json()
}

/// The street prints the notices: `{unit_id: code}`.
pub async fn notices(w: &World, vote: &str) -> std::collections::BTreeMap<String, String> {
    let a = w
        .post(
            &format!("/ballot-votes/{vote}/notices"),
            Some(&street(w)),
            &json!({}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()["notices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["unit_id"].as_str().unwrap().to_string(),
                n["code"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

/// Waits out the vote's period and closes it; answers the closed view.
pub async fn close(w: &World, compound: &str, vote: &Value) -> Value {
    sleep_until(ms(&vote["closes_at"]) + 50).await;
    let id = vote["id"].as_str().unwrap();
    let a = w
        .post(
            &format!("/ballot-votes/{id}/close"),
            Some(&w.committee(compound)),
            &json!({}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    a.json()
}

/// For an `owners_vote` tender of `compound` in evaluation: a register of three units,
/// a `choose_firm` vote where two owners choose `bid` with their codes and one on paper,
/// closed; answers the closed vote (passed, `chosen_option` = `bid`).
pub async fn owners_choose(w: &World, compound: &str, tender: &str, bid: &str) -> Value {
    register(
        w,
        &[
            unit(compound, "101", "90", Some("张三")),
            unit(compound, "102", "90", Some("李四")),
            unit(compound, "103", "90", Some("王五")),
        ],
    )
    .await;
    let vote = open_vote(
        w,
        compound,
        json!({"matter": "choose_firm", "question": "选聘物业服务企业", "tender_id": tender}),
        3,
    )
    .await;
    let id = vote["id"].as_str().unwrap();
    let codes = notices(w, id).await;
    for room in ["101", "102"] {
        let a = w
            .post(
                "/owner-code/ballot",
                None,
                &json!({"code": codes[&format!("{compound}-{room}")], "choice": "approve",
                    "option_id": bid}),
            )
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
    }
    let a = w
        .post(
            &format!("/ballot-votes/{id}/paper-ballots"),
            Some(&w.committee(compound)),
            &json!({"unit_id": format!("{compound}-103"), "choice": "approve", "option_id": bid,
                "paper_ref": "纸票-003"}),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    let closed = close(w, compound, &vote).await;
    assert_eq!(closed["result"]["passed"], true, "{closed}");
    assert_eq!(closed["result"]["chosen_option"], bid, "{closed}");
    closed
}
