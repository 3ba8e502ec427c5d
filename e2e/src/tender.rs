//! The tender service as the tests drive it: [`World`] (the services, with direct handles
//! on the catalog's and tender's databases; firms and compounds reach tender as changes in
//! the catalog's outbox, as in production), valid bodies, instants as the API writes them,
//! and the steps many tests share (a tender opened with bids, a contract signed).

use std::time::{Duration, Instant};

use ::tender::clock::{parse_rfc3339, to_rfc3339};
use reqwest::Method;
use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use shared::db::{self, Db, now_ms};
use shared::feed::{Notifier, WriteTx};

use crate::app::{Answer, Options, TestApp, spawn_app_with};
use crate::backend::Backend;
use crate::fixtures::{JINGUANYI, JINJIANG, merged};

/// The services plus direct handles on the catalog's and tender's databases.
pub struct World {
    pub app: TestApp,
    pub catalog: Db,
    pub tender: Db,
}

/// An instant `ms` from now, as the API takes it.
pub fn from_now(ms: i64) -> String {
    to_rfc3339(now_ms() + ms)
}

/// An instant the API wrote, in milliseconds since the epoch.
pub fn ms(v: &Value) -> i64 {
    parse_rfc3339(v.as_str().unwrap_or_else(|| panic!("not an instant: {v}"))).unwrap()
}

impl World {
    /// Firms here are injected into the catalog's feed, not kept in its tables, so the
    /// award's direct look-up in the catalog is off (tested on its own below).
    pub async fn new(backend: Backend) -> Self {
        Self::with(
            backend,
            Options {
                verify_award_with_catalog: false,
                ..Options::default()
            },
        )
        .await
    }

    /// A world whose tests replay a past (contracts that started months ago): contract
    /// dates may lie up to ten years back. Such a test moves the award back underneath the
    /// API ([`World::award_on`]); the production window is tested in `rules.rs`.
    pub async fn with_history(backend: Backend) -> Self {
        Self::with(
            backend,
            Options {
                verify_award_with_catalog: false,
                backdate_window_days: 3650,
                ..Options::default()
            },
        )
        .await
    }

    /// A world with these options.
    pub async fn with(backend: Backend, options: Options) -> Self {
        let app = spawn_app_with(backend, options).await;
        let catalog = db::connect(&app.catalog_db).await.unwrap();
        let tender = db::connect(&app.tender_db).await.unwrap();
        Self {
            app,
            catalog,
            tender,
        }
    }

    pub async fn stop(self) {
        self.catalog.pool.close().await;
        self.tender.pool.close().await;
        self.app.stop().await;
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/tenders{path}", self.app.tender_url)
    }

    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> Answer {
        self.app.send(method, &self.url(path), token, body).await
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> Answer {
        self.call(Method::GET, path, token, None).await
    }

    pub async fn post(&self, path: &str, token: Option<&str>, body: &Value) -> Answer {
        self.call(Method::POST, path, token, Some(body)).await
    }

    pub fn committee(&self, compound: &str) -> String {
        self.app
            .token(Role::Committee, Scope::Compound(compound.into()))
    }

    pub fn firm_token(&self, firm: &str) -> String {
        self.app.token(Role::Firm, Scope::Firm(firm.into()))
    }

    pub fn association(&self) -> String {
        self.app.token(Role::Association, Scope::City)
    }

    /// Writes a change into the catalog's outbox, as the catalog does; returns its seq.
    pub async fn catalog_change(&self, topic: &str, id: &str, payload: &Value) -> i64 {
        let mut tx = WriteTx::begin(&self.catalog, &Notifier::default())
            .await
            .unwrap();
        let seq = tx.emit(topic, id, "applied", payload).await.unwrap();
        tx.commit().await.unwrap();
        seq
    }

    /// Waits until tender's follower has applied the catalog change `seq`.
    pub async fn applied(&self, seq: i64) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let cursor: Option<i64> =
                sqlx::query_scalar("SELECT seq FROM feed_cursor WHERE source = 'catalog'")
                    .fetch_optional(&self.tender.pool)
                    .await
                    .unwrap();
            if cursor.unwrap_or(0) >= seq {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "tender did not apply catalog change {seq}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn firm_payload(id: &str, overrides: Value) -> Value {
        merged(
            json!({
                "id": id, "name": format!("{id}物业"), "credit_code": "91350100M000100Y43",
                "ownership": "private", "location": {"lon": 104.081, "lat": 30.658},
                "districts_served": [JINJIANG], "service_radius_km": 5.0,
                "service_models": ["professional", "trust"],
                "fee_models": ["lump_sum", "commission", "trust"], "grades": [1, 2, 3, 4, 5],
                "capacity_households": 10_000, "households_served": 1_000,
                "low_profit_commitment": true, "credit": {"score": 90, "grade": "AAA"},
                "whitelisted": false,
                "standing_record": {"stage": "recommended", "review_date": "2099-12-31"},
            }),
            overrides,
        )
    }

    /// Emits firms without waiting; returns the last seq.
    pub async fn firms(&self, firms: &[(&str, Value)]) -> i64 {
        let mut seq = 0;
        for (id, overrides) in firms {
            seq = self
                .catalog_change("firm", id, &Self::firm_payload(id, overrides.clone()))
                .await;
        }
        seq
    }

    /// A compound known to tender (in Jinjiang, 320 households, unless overridden), published
    /// whole as the catalog publishes it (so matching, which follows the same feed, reads it
    /// too); the token of its committee.
    pub async fn compound(&self, id: &str, overrides: Value) -> String {
        let payload = merged(
            json!({
                "id": id, "code": id, "name": "望江小区", "address": "锦江区望江路 1 号",
                "district": JINJIANG, "street": JINGUANYI, "community": "望江社区",
                "location": {"lon": 104.085, "lat": 30.650}, "year_built": 1995, "buildings": 6,
                "households": 320, "floor_area_m2": 28_000, "management": "none",
                "facilities": {"fire_safety": true, "video_surveillance": false,
                    "access_control": false, "garbage_sorting_points": 2, "parking_spaces": 10,
                    "elevators": 0},
                "governance_body": "owners_committee", "governance_formed_on": "2021-06-18",
                "eligible_and_willing": true, "is_old": true, "created_at": 1, "updated_at": 2,
            }),
            overrides,
        );
        let seq = self.catalog_change("compound", id, &payload).await;
        self.applied(seq).await;
        self.committee(id)
    }

    /// Creates and publishes a price-only tender; returns its view.
    pub async fn open_tender(&self, compound: &str, overrides: Value) -> Value {
        let token = self.committee(compound);
        let created = self
            .post("", Some(&token), &tender_body(compound, overrides))
            .await;
        assert_eq!(created.status, 201, "{}", created.body);
        let id = created.json()["id"].as_str().unwrap().to_string();
        let published = self
            .post(&format!("/{id}/publish"), Some(&token), &json!({}))
            .await;
        assert_eq!(published.status, 200, "{}", published.body);
        published.json()
    }

    /// Moves the tender's standing award back to `instant` (RFC 3339), underneath the API,
    /// so a contract may start on a past day as in a replayed history.
    pub async fn award_on(&self, tender: &str, instant: &str) {
        sqlx::query(
            "UPDATE award SET awarded_at = $2 WHERE tender_id = $1 AND status = 'in_notice'",
        )
        .bind(tender)
        .bind(parse_rfc3339(instant).unwrap())
        .execute(&self.tender.pool)
        .await
        .unwrap();
    }

    /// The stored status, read underneath the API (so no read can trigger a transition).
    pub async fn stored_status(&self, tender: &str) -> String {
        sqlx::query_scalar("SELECT status FROM tender WHERE id = $1")
            .bind(tender)
            .fetch_one(&self.tender.pool)
            .await
            .unwrap()
    }

    /// Waits, without calling the API, until the scheduler has moved the tender off `open`.
    pub async fn scheduler_moved(&self, tender: &str, secs: u64) -> String {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let status = self.stored_status(tender).await;
            if status != "open" {
                return status;
            }
            assert!(
                Instant::now() < deadline,
                "tender {tender} still open after {secs}s"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The tender feed (as a service), every change.
    pub async fn tender_feed(&self) -> Vec<Value> {
        let page = self
            .app
            .feed(&self.app.tender_url, "/tenders", 0, 1000, 0)
            .await;
        assert_eq!(page.status, 200, "{}", page.body);
        page.json()["changes"].as_array().unwrap().clone()
    }

    /// The kinds of the `tender` changes of one tender, in order.
    pub async fn tender_kinds(&self, tender: &str) -> Vec<String> {
        self.tender_feed()
            .await
            .iter()
            .filter(|c| c["topic"] == "tender" && c["entity_id"] == tender)
            .map(|c| c["kind"].as_str().unwrap().to_string())
            .collect()
    }
}

/// A valid price-only tender for `compound`: enquiries for 2 s, bids for 4 s, opening at
/// the deadline; `overrides` replace any field.
pub fn tender_body(compound: &str, overrides: Value) -> Value {
    merged(
        json!({
            "compound_id": compound, "service_model": "professional", "fee_model": "lump_sum",
            "grade": 3, "term_months": 36, "annual_budget_fen": 60_480_000, "proposed_fee": 180,
            "needs": "需要秩序维护、保洁、绿化养护和共用设施设备日常维护，电梯 0 部。",
            "enquiry_deadline": from_now(2_000), "bid_deadline": from_now(4_000),
            "opening_at": from_now(4_000), "evaluation_method": "price_only",
        }),
        overrides,
    )
}

/// A valid bid at `fee` (分/㎡·月) with its annual price.
pub fn bid_body(fee: i64, annual_price_fen: i64) -> Value {
    json!({
        "fee": fee, "annual_price_fen": annual_price_fen,
        "staffing_plan": "项目经理 1 人，秩序维护 4 人，保洁 3 人，绿化 1 人。",
        "service_plan": "按三级标准提供服务，每月公示收支。",
    })
}

/// Opens a tender for `compound` with these bidders, awards it to the lowest fee, waits out
/// the notice and signs a contract starting on 1 January 2026 (the award moved back to
/// 31 December 2025, so `w` must be a [`World::with_history`]); returns the tender and
/// contract ids.
pub async fn contracted(w: &World, compound: &str, bidders: &[(&str, i64)]) -> (String, String) {
    contracted_with(w, compound, (json!({}), json!({})), bidders, json!({})).await
}

/// [`contracted`] with `tender` overriding the tender's terms (e.g. its `fee_model`), `bid`
/// merged into every bid (e.g. a `remuneration`) and `contract` the contract's body.
pub async fn contracted_with(
    w: &World,
    compound: &str,
    (tender, bid): (Value, Value),
    bidders: &[(&str, i64)],
    contract: Value,
) -> (String, String) {
    let (id, bids) = opened_with(w, compound, tender, bidders, bid).await;
    let (winner, _) = bidders.iter().min_by_key(|(_, fee)| *fee).unwrap();
    let committee = w.committee(compound);
    let a = w
        .post(
            &format!("/{id}/award"),
            Some(&committee),
            &json!({"bid_id": bids[*winner]}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    sleep_until(ms(&a.json()["award"]["notice_ends_at"])).await;
    w.award_on(&id, "2025-12-31T10:00:00+08:00").await;
    let c = w
        .post(
            &format!("/{id}/contract"),
            Some(&committee),
            &merged(json!({"start_date": "2026-01-01"}), contract),
        )
        .await;
    assert_eq!(c.status, 201, "{}", c.body);
    (id, c.json()["id"].as_str().unwrap().to_string())
}

/// Accounts (or a budget) whose numbers add up: income 165 000 元, spending 140 000 元.
pub fn money_body(kind: &str, period: &str) -> Value {
    json!({
        "kind": kind, "period": period,
        "income": {"fee_fen": 15_000_000, "parking_fen": 1_200_000, "advertising_fen": 300_000, "other_fen": 0},
        "total_income_fen": 16_500_000,
        "spending": {"personnel_fen": 8_000_000, "cleaning_fen": 2_000_000, "greening_fen": 500_000,
            "security_fen": 1_500_000, "maintenance_fen": 1_000_000, "energy_fen": 900_000, "other_fen": 100_000},
        "total_spending_fen": 14_000_000,
        "opening_balance_fen": -200_000,
        "closing_balance_fen": 2_300_000,
        "note": "物业服务费收缴率 92%。",
    })
}

/// Sleeps until the instant `at_ms` (milliseconds since the epoch) has passed.
pub async fn sleep_until(at_ms: i64) {
    let wait = at_ms - now_ms();
    if wait > 0 {
        tokio::time::sleep(Duration::from_millis(wait as u64)).await;
    }
}

/// Opens a tender for `compound`, lets the `(firm, fee)` pairs bid, and waits for the
/// opening; returns the tender id and the bid ids by firm.
pub async fn opened_with_bids(
    w: &World,
    compound: &str,
    overrides: Value,
    bidders: &[(&str, i64)],
    criteria_answers: Value,
) -> (String, std::collections::BTreeMap<String, String>) {
    opened_with(
        w,
        compound,
        overrides,
        bidders,
        json!({"criteria_answers": criteria_answers}),
    )
    .await
}

/// [`opened_with_bids`] with `bid` merged into every bid's body.
pub async fn opened_with(
    w: &World,
    compound: &str,
    overrides: Value,
    bidders: &[(&str, i64)],
    bid: Value,
) -> (String, std::collections::BTreeMap<String, String>) {
    let firms: Vec<(&str, Value)> = bidders.iter().map(|(f, _)| (*f, json!({}))).collect();
    let seq = w.firms(&firms).await;
    w.applied(seq).await;
    w.compound(compound, json!({})).await;
    let times = json!({"enquiry_deadline": from_now(2_500), "bid_deadline": from_now(2_500),
        "opening_at": from_now(2_500)});
    let t = w.open_tender(compound, merged(times, overrides)).await;
    let id = t["id"].as_str().unwrap().to_string();
    let mut bids = std::collections::BTreeMap::new();
    for (firm, fee) in bidders {
        let body = merged(bid_body(*fee, fee * 28_000 * 12), bid.clone());
        let a = w
            .post(&format!("/{id}/bids"), Some(&w.firm_token(firm)), &body)
            .await;
        assert_eq!(a.status, 201, "{}", a.body);
        bids.insert(
            firm.to_string(),
            a.json()["id"].as_str().unwrap().to_string(),
        );
    }
    assert_eq!(w.scheduler_moved(&id, 15).await, "evaluation");
    (id, bids)
}

/// Records the compound's passing typed vote to dismiss its firm (解聘物业服务企业), held
/// today (the compound has no owner register, so a tally may be typed); returns its id:
/// what a termination rests on.
pub async fn dismissal_vote(app: &TestApp, compound: &str) -> String {
    let committee = app.token(Role::Committee, Scope::Compound(compound.into()));
    let today = ::tender::clock::format_date(shared::clock::china_today());
    let a = app
        .send(
            Method::POST,
            &format!("{}/tenders/votes", app.tender_url),
            Some(&committee),
            Some(&json!({
                "compound_id": compound, "matter": "dismiss_firm",
                "subject": "解聘物业服务企业", "total_owners": 300, "total_area_m2": 30_000,
                "participating_owners": 250, "participating_area_m2": 25_000,
                "approving_owners": 200, "approving_area_m2": 20_000,
                "held_on": today, "document_ref": "业主大会决定〔解聘〕1号",
            })),
        )
        .await;
    assert_eq!(a.status, 201, "{}", a.body);
    assert_eq!(a.json()["passed"], true, "{}", a.body);
    a.json()["id"].as_str().unwrap().to_string()
}
