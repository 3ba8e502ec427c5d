//! Matching's statistics: coverage (覆盖率) per street, district and city against the
//! targets, its history, the satisfaction ranking (满意度排名) with the bottom-three-twice
//! flag, and the officials' attention lists, on hand-checked data.
//!
//! The first scenario goes through the real catalog and tender APIs (firms applied and
//! recommended, compounds entered by the association, a tender driven to a signed contract,
//! a blacklisting, a termination). History (coverage on past days, several survey periods)
//! would take months through the API, so the other scenarios write changes into the
//! catalog's and tender's outboxes with `WriteTx`, dated in the past, with the real payload
//! types (`catalog::compounds::Compound`, `tender::award::Contract`) or, for surveys, the
//! agreed `satisfaction` shape.

use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::Method;
use serde::Serialize;
use serde_json::{Value, json};
use shared::auth::{Role, Scope};
use shared::db::{self, Db, now_ms};
use shared::domain::roster::{Date, china_today, format_date, parse_date};
use shared::feed::{Change, Consumer, Notifier, WriteTx, feed_url};
use tender::clock::{parse_rfc3339, to_rfc3339};
use wuye_e2e::fixtures::{compound_body, firm_body};
use wuye_e2e::{Answer, Backend, TestApp, both_backends, spawn_app};

both_backends!(
    coverage_and_attention_through_the_real_apis,
    coverage_history_from_dated_changes,
    satisfaction_ranking_and_the_bottom_three_flag,
    the_live_coverage_history_tallies_as_a_fresh_read,
);

const JINJIANG: &str = "510104";
const JINGUANYI: &str = "510104017";
const DONGHU: &str = "510104018";
const QINGYANG: &str = "510105";
const CAOSHIJIE: &str = "510105002";

/// `base` with the keys of `overrides` replaced.
fn merged(mut base: Value, overrides: Value) -> Value {
    if let (Some(b), Value::Object(o)) = (base.as_object_mut(), overrides) {
        for (k, v) in o {
            b.insert(k, v);
        }
    }
    base
}

/// `day` moved by `n` days, as `YYYY-MM-DD`.
fn plus(day: Date, n: i32) -> String {
    format_date(Date::from_julian_day(day.to_julian_day() + n).unwrap())
}

fn date(s: &str) -> Date {
    parse_date(s).unwrap()
}

/// Noon in Chengdu (04:00 UTC) on `day`, in ms since the epoch.
fn noon_ms(day: &str) -> i64 {
    const UNIX_EPOCH_JULIAN_DAY: i64 = 2_440_588;
    (i64::from(date(day).to_julian_day()) - UNIX_EPOCH_JULIAN_DAY) * 86_400_000 + 4 * 3_600_000
}

/// `(covered, eligible, old compounds, percent)` of one area's figures.
fn fig(v: &Value) -> (i64, i64, i64, Value) {
    (
        v["covered"]
            .as_i64()
            .unwrap_or_else(|| panic!("no figures: {v}")),
        v["eligible"].as_i64().unwrap(),
        v["old_compounds"].as_i64().unwrap(),
        v["percent"].clone(),
    )
}

/// The entry with `code` in a list of area figures.
fn area<'a>(list: &'a Value, code: &str) -> &'a Value {
    list.as_array()
        .unwrap()
        .iter()
        .find(|a| a["code"] == code)
        .unwrap_or_else(|| panic!("{code} not in {list}"))
}

fn assert_fields(a: &Answer, fields: &[&str]) {
    a.problem(422, "validation_failed");
    for f in fields {
        assert!(a.field_error(f).is_some(), "no error for `{f}`: {}", a.body);
    }
}

/// The services, with handles on the source databases for dated changes.
struct World {
    app: TestApp,
    catalog: Db,
    tender: Db,
}

impl World {
    async fn new(backend: Backend) -> Self {
        let app = spawn_app(backend).await;
        let catalog = db::connect(&app.catalog_db).await.unwrap();
        let tender = db::connect(&app.tender_db).await.unwrap();
        Self {
            app,
            catalog,
            tender,
        }
    }

    async fn stop(self) {
        self.catalog.pool.close().await;
        self.tender.pool.close().await;
        self.app.stop().await;
    }

    fn association(&self) -> String {
        self.app.token(Role::Association, Scope::City)
    }

    async fn call(&self, method: Method, url: String, token: Option<&str>, body: &Value) -> Answer {
        self.app.send(method, &url, token, Some(body)).await
    }

    /// `POST` that must succeed; the answer's JSON.
    async fn post_ok(&self, url: String, token: Option<&str>, body: &Value) -> Value {
        let a = self.call(Method::POST, url, token, body).await;
        assert!(a.status.is_success(), "{}", a.body);
        a.json()
    }

    fn catalog_url(&self, path: &str) -> String {
        format!("{}/catalog{path}", self.app.catalog_url)
    }

    fn tender_url(&self, path: &str) -> String {
        format!("{}/tenders{path}", self.app.tender_url)
    }

    async fn matching(&self, path: &str, token: Option<&str>) -> Answer {
        self.app
            .get(&format!("{}/match{path}", self.app.matching_url), token)
            .await
    }

    /// `GET /match/coverage?{query}`, which must succeed.
    async fn coverage(&self, query: &str) -> Value {
        let a = self.matching(&format!("/coverage?{query}"), None).await;
        assert_eq!(a.status, 200, "{}", a.body);
        a.json()
    }

    async fn followed(&self) {
        self.app
            .wait_followed(
                &self.app.matching_db,
                "catalog",
                &self.app.catalog_url,
                "/catalog",
            )
            .await;
        self.app
            .wait_followed(
                &self.app.matching_db,
                "tender",
                &self.app.tender_url,
                "/tenders",
            )
            .await;
    }

    /// A firm applied and recommended through the catalog; its id.
    async fn recommended_firm(&self, name: &str, n: u32) -> String {
        let firm = self
            .post_ok(self.catalog_url("/firms"), None, &firm_body(name, n))
            .await;
        let id = firm["id"].as_str().unwrap().to_string();
        self.standing(
            &id,
            json!({"action": "recommend", "reason": "审核通过", "review_date": "2099-12-31"}),
        )
        .await;
        id
    }

    async fn standing(&self, firm: &str, action: Value) {
        self.post_ok(
            self.catalog_url(&format!("/firms/{firm}/standing")),
            Some(&self.association()),
            &action,
        )
        .await;
    }

    /// A compound entered by the association; its id.
    async fn compound(&self, code: &str, street: &str, overrides: Value) -> String {
        let body = merged(compound_body(code, street), overrides);
        let c = self
            .post_ok(
                self.catalog_url("/compounds"),
                Some(&self.association()),
                &body,
            )
            .await;
        c["id"].as_str().unwrap().to_string()
    }

    /// Drives a price-only tender for `compound` to a signed contract with the cheapest of
    /// `bidders` (`(firm id, fee)`), starting on `start_date`; the contract.
    async fn contract(&self, compound: &str, bidders: &[(&str, i64)], start_date: &str) -> Value {
        self.app.tender_follows_catalog().await;
        let committee = self
            .app
            .token(Role::Committee, Scope::Compound(compound.into()));
        let at = to_rfc3339(now_ms() + 2_500);
        let tender = self
            .post_ok(
                self.tender_url(""),
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
        let id = tender["id"].as_str().unwrap().to_string();
        self.post_ok(
            self.tender_url(&format!("/{id}/publish")),
            Some(&committee),
            &json!({}),
        )
        .await;
        let mut bids = Vec::new();
        for (firm, fee) in bidders {
            let token = self.app.token(Role::Firm, Scope::Firm((*firm).into()));
            let bid = self
                .post_ok(
                    self.tender_url(&format!("/{id}/bids")),
                    Some(&token),
                    &json!({"fee": fee, "annual_price_fen": fee * 42_000 * 12,
                        "staffing_plan": "项目经理 1 人，秩序维护 4 人，保洁 3 人。",
                        "service_plan": "按三级标准提供服务，每月公示收支。"}),
                )
                .await;
            bids.push((*fee, bid["id"].as_str().unwrap().to_string()));
        }
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let view = self
                .app
                .get(&self.tender_url(&format!("/{id}")), None)
                .await
                .json();
            if view["status"] == "evaluation" {
                break;
            }
            assert!(Instant::now() < deadline, "not opened: {view}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        bids.sort();
        let awarded = self
            .post_ok(
                self.tender_url(&format!("/{id}/award")),
                Some(&committee),
                &json!({"bid_id": bids[0].1}),
            )
            .await;
        let notice_ends =
            parse_rfc3339(awarded["award"]["notice_ends_at"].as_str().unwrap()).unwrap();
        let wait = notice_ends - now_ms() + 50;
        if wait > 0 {
            tokio::time::sleep(Duration::from_millis(wait as u64)).await;
        }
        self.post_ok(
            self.tender_url(&format!("/{id}/contract")),
            Some(&committee),
            &json!({"start_date": start_date}),
        )
        .await
    }

    /// Writes a change into a source's outbox as if it had been written at noon on `day`.
    async fn dated_change(
        &self,
        source: &Db,
        day: &str,
        topic: &str,
        id: &str,
        kind: &str,
        payload: &impl Serialize,
    ) -> i64 {
        let mut tx = WriteTx::begin(source, &Notifier::default()).await.unwrap();
        let seq = tx.emit(topic, id, kind, payload).await.unwrap();
        sqlx::query("UPDATE outbox SET created_at = $1 WHERE seq = $2")
            .bind(noon_ms(day))
            .bind(seq)
            .execute(&mut *tx.conn())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        seq
    }

    /// A compound as the catalog publishes it (validated by the catalog's own rules),
    /// written on `day`.
    async fn dated_compound(
        &self,
        day: &str,
        id: &str,
        code: &str,
        street: &str,
        overrides: Value,
    ) {
        let input: catalog::compounds::CompoundInput =
            serde_json::from_value(merged(compound_body(code, street), overrides)).unwrap();
        let facts = catalog::compounds::validate(&input).unwrap();
        let at = noon_ms(day);
        let compound = catalog::compounds::Compound {
            id: id.into(),
            facts,
            created_at: at,
            updated_at: at,
        };
        self.dated_change(&self.catalog, day, "compound", id, "updated", &compound)
            .await;
    }

    /// A contract as tender publishes it, written on `day`.
    async fn dated_contract(
        &self,
        day: &str,
        id: &str,
        compound: &str,
        start: &str,
        end: &str,
        terminated_on: Option<&str>,
    ) {
        let contract = tender::award::Contract {
            id: id.into(),
            tender_id: format!("t-{id}"),
            compound_id: compound.into(),
            firm_id: "f-dated".into(),
            firm_name: "锦城物业".into(),
            service_model: "professional".into(),
            fee_model: "commission".into(),
            fee: 150,
            annual_price_fen: 150 * 42_000 * 12,
            term_months: 36,
            start_date: tender::clock::parse_date(start).unwrap(),
            end_date: tender::clock::parse_date(end).unwrap(),
            signed_on: tender::clock::parse_date(day).unwrap(),
            signed_at: to_rfc3339(noon_ms(day)),
            status: if terminated_on.is_some() {
                tender::award::ContractStatus::Terminated
            } else {
                tender::award::ContractStatus::Active
            },
            terminated_on: terminated_on.map(|d| tender::clock::parse_date(d).unwrap()),
            termination_reason: terminated_on.map(|_| "业主共同决定解除合同".to_string()),
            termination_vote_id: None,
            termination_vote_kind: None,
            remuneration: None,
            fee_in_force: None,
        };
        let kind = if terminated_on.is_some() {
            "terminated"
        } else {
            "signed"
        };
        self.dated_change(&self.tender, day, "contract", id, kind, &contract)
            .await;
    }

    /// A satisfaction survey record in the agreed `satisfaction` shape.
    async fn survey(
        &self,
        id: &str,
        compound: &str,
        street: &str,
        period: &str,
        (satisfied, basically, dissatisfied): (i64, i64, i64),
    ) {
        let payload = json!({
            "id": id, "compound_id": compound, "street_code": street, "district_code": &street[..6],
            "contract_id": null, "firm_id": null, "period": period,
            "satisfied": satisfied, "basically_satisfied": basically, "dissatisfied": dissatisfied,
            "recorded_at": to_rfc3339(now_ms()),
        });
        self.dated_change(
            &self.tender,
            &format_date(china_today()),
            "satisfaction",
            id,
            "recorded",
            &payload,
        )
        .await;
    }

    /// Applies both feeds' changes again through matching's own follower, into the same
    /// tables, under a new cursor name (`replay-…`): every change when `stale_only` is false,
    /// else only the changes that a later change of the same entity has superseded (an
    /// old page arriving late). Returns how many changes were applied.
    async fn replay(&self, name: &str, stale_only: bool) -> usize {
        let matching = db::connect(&self.app.matching_db).await.unwrap();
        let mut applied = 0;
        for (base, prefix, source) in [
            (
                &self.app.catalog_url,
                "/catalog",
                matching::follow::Source::Catalog,
            ),
            (
                &self.app.tender_url,
                "/tenders",
                matching::follow::Source::Tender,
            ),
        ] {
            let consumer = Consumer::new(
                &format!("replay-{name}-{prefix}"),
                feed_url(base, prefix),
                matching.clone(),
                self.app.service_token(),
                matching::follow::Follower::new(source, vec![Arc::new(matching::replica::Tables)]),
            );
            let page = self.app.feed(base, prefix, 0, 1000, 0).await;
            let changes: Vec<Change> =
                serde_json::from_value(page.json()["changes"].clone()).unwrap();
            let page: Vec<Change> = if stale_only {
                changes
                    .iter()
                    .filter(|c| {
                        changes.iter().any(|later| {
                            later.topic == c.topic
                                && later.entity_id == c.entity_id
                                && later.seq > c.seq
                        })
                    })
                    .cloned()
                    .collect()
            } else {
                changes
            };
            applied += consumer.apply_page(&page).await.unwrap();
        }
        matching.pool.close().await;
        applied
    }

    /// What a replay must not change: matching's tables and three answers.
    async fn replay_state(&self) -> (Vec<(String, i64, i64)>, Value, Value) {
        (
            self.table_state().await,
            self.coverage(&format!("as_of=2024-07-31&district={JINJIANG}"))
                .await,
            self.matching("/coverage/history?from=2023-06-01&to=2027-06-30", None)
                .await
                .json(),
        )
    }

    /// Row counts and the highest seq of matching's tables.
    async fn table_state(&self) -> Vec<(String, i64, i64)> {
        let matching = db::connect(&self.app.matching_db).await.unwrap();
        let mut out = Vec::new();
        for table in [
            "catalog_district",
            "catalog_street",
            "catalog_firm",
            "catalog_compound",
            "catalog_compound_version",
            "tender_contract",
            "tender_satisfaction",
        ] {
            let (n, seq): (i64, i64) = sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT COUNT(*), CAST(COALESCE(MAX(seq), 0) AS BIGINT) FROM {table}"
            )))
            .fetch_one(&matching.pool)
            .await
            .unwrap();
            out.push((table.to_string(), n, seq));
        }
        matching.pool.close().await;
        out
    }
}

/// The whole path through the real services: firms recommended, a ledger of compounds
/// with different management and eligibility, a tender to a signed contract, a
/// ledger update, a blacklisting and a suspension, a termination; coverage, targets, gaps
/// and attention lists checked after each, as soon as matching has followed.
async fn coverage_and_attention_through_the_real_apis(backend: Backend) {
    let w = World::new(backend).await;
    let today = china_today();
    let (yesterday, now) = (plus(today, -1), format_date(today));

    let jincheng = w.recommended_firm("锦城物业", 601).await;
    let rongan = w.recommended_firm("蓉安物业", 602).await;
    let tianfu = w.recommended_firm("天府物业", 603).await;

    // 锦官驿街道: JJ-1 (no service yet), JJ-2 (self-managed by its owners' committee:
    // covered), JJ-3 (none), JJ-4 (self-managed without a body: not covered), JJ-5 (served
    // by a firm but not eligible and willing: not counted), JJ-6 (not old: not counted).
    let jj1 = w.compound("JJ-1", JINGUANYI, json!({})).await;
    w.compound("JJ-2", JINGUANYI, json!({"management": "self_managed"}))
        .await;
    let jj3 = w.compound("JJ-3", JINGUANYI, json!({})).await;
    w.compound("JJ-4", JINGUANYI, json!({"management": "self_managed", "governance_body": "none", "governance_formed_on": null}))
        .await;
    w.compound(
        "JJ-5",
        JINGUANYI,
        json!({"management": "property_firm", "eligible_and_willing": false}),
    )
    .await;
    w.compound("JJ-6", JINGUANYI, json!({"is_old": false}))
        .await;
    // 东湖街道: DH-1 served by a firm (covered), DH-2 none. 草市街街道 (青羊区): CS-1 none.
    w.compound("DH-1", DONGHU, json!({"management": "property_firm"}))
        .await;
    w.compound("DH-2", DONGHU, json!({})).await;
    w.compound("CS-1", CAOSHIJIE, json!({})).await;
    w.followed().await;

    // Today: 锦官驿 1/4, 东湖 1/2, 锦江区 2/6, 青羊区 0/1, city 2/7; the 2025 target (100%)
    // stays in force after its date.
    let r = w
        .coverage(&format!("as_of={now}&district={JINJIANG}"))
        .await;
    assert_eq!(r["as_of"], now.as_str());
    assert_eq!(
        r["target"],
        json!({"due": "2025-12-31", "rate": 1.0, "percent": "100%"})
    );
    assert_eq!(fig(&r["city"]), (2, 7, 8, json!("28.57%")));
    assert_eq!(r["city"]["rate"], 0.2857);
    assert_eq!(r["city"]["gap"], 0.7143);
    assert_eq!(r["city"]["gap_compounds"], 5);
    assert_eq!(r["city"]["target_met"], false);
    assert_eq!(r["city"]["name"], "成都市");
    assert_eq!(r["districts"].as_array().unwrap().len(), 20);
    assert_eq!(
        fig(area(&r["districts"], JINJIANG)),
        (2, 6, 7, json!("33.33%"))
    );
    assert_eq!(fig(area(&r["districts"], QINGYANG)), (0, 1, 1, json!("0%")));
    let wuhou = area(&r["districts"], "510107");
    assert_eq!(fig(wuhou), (0, 0, 0, Value::Null));
    assert_eq!(wuhou["rate"], Value::Null);
    assert_eq!(wuhou["gap_compounds"], 0);
    assert_eq!(
        r["streets"].as_array().unwrap().len(),
        11,
        "every street of 锦江区"
    );
    let s1 = area(&r["streets"], JINGUANYI);
    assert_eq!(fig(s1), (1, 4, 5, json!("25%")));
    assert_eq!(
        (s1["name"].as_str(), s1["district_code"].as_str()),
        (Some("锦官驿街道"), Some(JINJIANG))
    );
    assert_eq!(
        (s1["gap"].as_f64(), s1["gap_compounds"].as_i64()),
        (Some(0.75), Some(3))
    );
    assert_eq!(fig(area(&r["streets"], DONGHU)), (1, 2, 2, json!("50%")));
    // Nothing was in the ledger yesterday.
    let r = w.coverage(&format!("as_of={yesterday}")).await;
    assert_eq!(fig(&r["city"]), (0, 0, 0, Value::Null));
    assert_eq!(r["streets"], json!([]));
    // One street only; refusals of bad parameters, every field at once.
    let r = w.coverage(&format!("street={JINGUANYI}")).await;
    assert_eq!(r["as_of"], now.as_str(), "as_of defaults to today");
    assert_eq!(r["streets"].as_array().unwrap().len(), 1);
    assert_fields(
        &w.matching(
            "/coverage?as_of=2026-02-30&district=999999&street=12345",
            None,
        )
        .await,
        &["as_of", "district", "street"],
    );
    let a = w
        .matching(
            &format!("/coverage?district={JINJIANG}&street={CAOSHIJIE}"),
            None,
        )
        .await;
    assert_fields(&a, &["street"]);
    assert_eq!(
        a.field_error("street").as_deref(),
        Some("草市街街道不属于锦江区")
    );

    // A tender for JJ-1 ends in a contract from today: 锦官驿 2/4, 锦江区 3/6, city 3/7.
    let contract = w
        .contract(&jj1, &[(&jincheng, 150), (&rongan, 170)], &now)
        .await;
    assert_eq!(contract["firm_id"], jincheng.as_str());
    let end = contract["end_date"].as_str().unwrap().to_string();
    w.followed().await;
    let r = w.coverage(&format!("as_of={now}&street={JINGUANYI}")).await;
    assert_eq!(fig(&r["city"]), (3, 7, 8, json!("42.86%")));
    assert_eq!(
        fig(area(&r["districts"], JINJIANG)),
        (3, 6, 7, json!("50%"))
    );
    assert_eq!(fig(area(&r["streets"], JINGUANYI)), (2, 4, 5, json!("50%")));
    // The contract covers through its last day, not after; not before its first.
    assert_eq!(fig(&w.coverage(&format!("as_of={end}")).await["city"]).0, 3);
    assert_eq!(
        fig(&w.coverage(&format!("as_of={}", plus(date(&end), 1))).await["city"]).0,
        2
    );

    // The ledger now says a firm serves JJ-3: visible once matching has followed.
    let body = merged(
        compound_body("JJ-3", JINGUANYI),
        json!({"management": "property_firm"}),
    );
    let a = w
        .call(
            Method::PUT,
            w.catalog_url(&format!("/compounds/{jj3}")),
            Some(&w.association()),
            &body,
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.body);
    w.followed().await;
    let r = w.coverage(&format!("as_of={now}&street={JINGUANYI}")).await;
    assert_eq!(fig(&r["city"]), (4, 7, 8, json!("57.14%")));
    assert_eq!(fig(area(&r["streets"], JINGUANYI)), (3, 4, 5, json!("75%")));
    assert_eq!(
        fig(&w.coverage(&format!("as_of={yesterday}")).await["city"]).0,
        0
    );

    // Attention: nothing yet.
    let association = w.association();
    let a = w.matching("/attention", Some(&association)).await;
    assert_eq!(a.status, 200, "{}", a.body);
    assert_eq!(a.json()["firms_under_supervision"], json!([]));
    assert_eq!(a.json()["compounds_with_blacklisted_firm"], json!([]));

    // The contracted firm is blacklisted, another is put under supervision.
    w.standing(
        &jincheng,
        json!({"action": "blacklist", "reason": "严重违约，拒不整改", "from": now}),
    )
    .await;
    let rectify_by = plus(today, 30);
    w.standing(
        &rongan,
        json!({"action": "suspend", "reason": "服务质量差，限期整改", "rectify_by": rectify_by}),
    )
    .await;
    w.followed().await;
    let district = w
        .app
        .token(Role::DistrictOfficial, Scope::District(JINJIANG.into()));
    let street = w
        .app
        .token(Role::StreetOfficial, Scope::Street(JINGUANYI.into()));
    let other_street = w
        .app
        .token(Role::StreetOfficial, Scope::Street(DONGHU.into()));
    let other_district = w
        .app
        .token(Role::DistrictOfficial, Scope::District("510107".into()));
    let lists = |token: String| {
        let w = &w;
        async move {
            let a = w.matching("/attention", Some(&token)).await;
            assert_eq!(a.status, 200, "{}", a.body);
            a.json()
        }
    };
    let firm_ids = |v: &Value| -> Vec<String> {
        v["firms_under_supervision"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["firm_id"].as_str().unwrap().to_string())
            .collect()
    };
    let compound_ids = |v: &Value| -> Vec<String> {
        v["compounds_with_blacklisted_firm"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["compound_id"].as_str().unwrap().to_string())
            .collect()
    };
    let all = lists(association.clone()).await;
    assert_eq!(
        (all["level"].as_str(), all["as_of"].as_str()),
        (Some("city"), Some(now.as_str()))
    );
    assert_eq!(firm_ids(&all), vec![rongan.clone()]);
    let supervised = &all["firms_under_supervision"][0];
    assert_eq!(supervised["firm_name"], "蓉安物业");
    assert_eq!(supervised["rectify_by"], rectify_by.as_str());
    assert_eq!(supervised["rectification_overdue"], false);
    assert_eq!(supervised["contracts"], json!([]));
    assert_eq!(compound_ids(&all), vec![jj1.clone()]);
    let flagged = &all["compounds_with_blacklisted_firm"][0];
    assert_eq!(flagged["compound_name"], "JJ-1号院");
    assert_eq!(flagged["street_code"], JINGUANYI);
    assert_eq!(flagged["firm_id"], jincheng.as_str());
    assert_eq!(flagged["firm_name"], "锦城物业");
    assert_eq!(flagged["contract_id"], contract["id"]);
    assert_eq!(flagged["blacklist_from"], now.as_str());
    assert_eq!(flagged["blacklist_to"], Value::Null);
    assert_eq!(flagged["blacklist_reason"], "严重违约，拒不整改");
    // 蓉安 serves 锦江区 and 青羊区: the district and both its streets see it; JJ-1 is seen
    // by 锦江区 and 锦官驿 only; 武侯区 sees neither.
    let d = lists(district).await;
    assert_eq!(
        (d["level"].as_str(), d["name"].as_str()),
        (Some("district"), Some("锦江区"))
    );
    assert_eq!(
        (firm_ids(&d), compound_ids(&d)),
        (vec![rongan.clone()], vec![jj1.clone()])
    );
    let s = lists(street).await;
    assert_eq!(
        (firm_ids(&s), compound_ids(&s)),
        (vec![rongan.clone()], vec![jj1.clone()])
    );
    let s2 = lists(other_street).await;
    assert_eq!(
        (firm_ids(&s2), compound_ids(&s2)),
        (vec![rongan.clone()], vec![])
    );
    let d2 = lists(other_district).await;
    assert_eq!((firm_ids(&d2), compound_ids(&d2)), (vec![], vec![]));
    // Officials only.
    w.matching("/attention", None)
        .await
        .problem(401, "unauthenticated");
    for token in [
        w.app.token(Role::Committee, Scope::Compound(jj1.clone())),
        w.app.token(Role::Firm, Scope::Firm(tianfu.clone())),
        w.app
            .token(Role::DistrictOfficial, Scope::District("999999".into())),
        w.app
            .token(Role::StreetOfficial, Scope::District(JINJIANG.into())),
    ] {
        w.matching("/attention", Some(&token))
            .await
            .problem(403, "forbidden");
    }
    // Blacklisting alone does not end coverage.
    assert_eq!(fig(&w.coverage(&format!("as_of={now}")).await["city"]).0, 4);

    // The owners end the contract in ten days: JJ-1 is off the list at once, and covered
    // through its last day of service.
    let last_day = plus(today, 10);
    let committee = w.app.token(Role::Committee, Scope::Compound(jj1.clone()));
    let vote = wuye_e2e::tender::dismissal_vote(&w.app, &jj1).await;
    w.post_ok(
        w.tender_url(&format!(
            "/contracts/{}/terminate",
            contract["id"].as_str().unwrap()
        )),
        Some(&committee),
        &json!({"reason": "物业企业被列入黑名单", "terminated_on": last_day, "vote_id": vote}),
    )
    .await;
    w.followed().await;
    assert_eq!(
        lists(association).await["compounds_with_blacklisted_firm"],
        json!([])
    );
    assert_eq!(
        fig(&w.coverage(&format!("as_of={last_day}")).await["city"]).0,
        4
    );
    let after = w.coverage(&format!("as_of={}", plus(today, 11))).await;
    assert_eq!(fig(&after["city"]), (3, 7, 8, json!("42.86%")));
    w.stop().await;
}

/// A ledger and contracts written over 2023–2025 (changes dated in the past): coverage on
/// chosen days, the monthly, quarterly and yearly series against the 30/70/100% targets,
/// parameter refusals, and a replay of both feeds that changes nothing.
async fn coverage_history_from_dated_changes(backend: Backend) {
    let w = World::new(backend).await;
    // 2023-06-15: A–D in 锦官驿 and E in 东湖 with no service; G in 草市街 served by a firm.
    for (id, street) in [
        ("A", JINGUANYI),
        ("B", JINGUANYI),
        ("C", JINGUANYI),
        ("D", JINGUANYI),
        ("E", DONGHU),
    ] {
        w.dated_compound("2023-06-15", id, &format!("H-{id}"), street, json!({}))
            .await;
    }
    w.dated_compound(
        "2023-06-15",
        "G",
        "H-G",
        CAOSHIJIE,
        json!({"management": "property_firm"}),
    )
    .await;
    // 2023-11-20: B's owners manage it themselves.
    w.dated_compound(
        "2023-11-20",
        "B",
        "H-B",
        JINGUANYI,
        json!({"management": "self_managed"}),
    )
    .await;
    // 2024-02-20: A contracts from 2024-03-01; 2024-04-25: D from 2024-05-01.
    w.dated_contract("2024-02-20", "K1", "A", "2024-03-01", "2027-02-28", None)
        .await;
    w.dated_contract("2024-04-25", "K2", "D", "2024-05-01", "2027-04-30", None)
        .await;
    // 2024-07-10: a firm serves C.
    w.dated_compound(
        "2024-07-10",
        "C",
        "H-C",
        JINGUANYI,
        json!({"management": "property_firm"}),
    )
    .await;
    // 2024-10-05: K2 ended early, its last day of service 2024-09-30.
    w.dated_contract(
        "2024-10-05",
        "K2",
        "D",
        "2024-05-01",
        "2027-04-30",
        Some("2024-09-30"),
    )
    .await;
    // 2025-03-01: E's owners are no longer willing; 2025-08-01: H joins 东湖.
    w.dated_compound(
        "2025-03-01",
        "E",
        "H-E",
        DONGHU,
        json!({"eligible_and_willing": false}),
    )
    .await;
    w.dated_compound("2025-08-01", "H", "H-H", DONGHU, json!({}))
        .await;
    w.followed().await;

    // The city month by month (A B C D E G; E leaves the count in March 2025).
    let h = w
        .matching(
            "/coverage/history?from=2023-06-01&to=2025-03-31&step=month",
            None,
        )
        .await;
    assert_eq!(h.status, 200, "{}", h.body);
    let h = h.json();
    assert_eq!(
        (h["level"].as_str(), h["name"].as_str(), h["step"].as_str()),
        (Some("city"), Some("成都市"), Some("month"))
    );
    let points: Vec<(String, i64, i64, String)> = h["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["date"].as_str().unwrap().to_string(),
                p["covered"].as_i64().unwrap(),
                p["eligible"].as_i64().unwrap(),
                p["target"]["percent"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let expected: Vec<(String, i64, i64, String)> = [
        ("2023-06-30", 1, 6, "30%"),
        ("2023-07-31", 1, 6, "30%"),
        ("2023-08-31", 1, 6, "30%"),
        ("2023-09-30", 1, 6, "30%"),
        ("2023-10-31", 1, 6, "30%"),
        ("2023-11-30", 2, 6, "30%"),
        ("2023-12-31", 2, 6, "30%"),
        ("2024-01-31", 2, 6, "70%"),
        ("2024-02-29", 2, 6, "70%"),
        ("2024-03-31", 3, 6, "70%"),
        ("2024-04-30", 3, 6, "70%"),
        ("2024-05-31", 4, 6, "70%"),
        ("2024-06-30", 4, 6, "70%"),
        ("2024-07-31", 5, 6, "70%"),
        ("2024-08-31", 5, 6, "70%"),
        ("2024-09-30", 5, 6, "70%"),
        ("2024-10-31", 4, 6, "70%"),
        ("2024-11-30", 4, 6, "70%"),
        ("2024-12-31", 4, 6, "70%"),
        ("2025-01-31", 4, 6, "100%"),
        ("2025-02-28", 4, 6, "100%"),
        ("2025-03-31", 4, 5, "100%"),
    ]
    .into_iter()
    .map(|(d, c, e, t)| (d.to_string(), c, e, t.to_string()))
    .collect();
    assert_eq!(points, expected);
    let p = |i: usize| &h["points"][i];
    // 2023-06-30: 1/6 against 30%: short by 13.33 points, one compound.
    assert_eq!(
        (
            p(0)["percent"].as_str(),
            p(0)["gap"].as_f64(),
            p(0)["gap_compounds"].as_i64(),
            p(0)["target_met"].as_bool()
        ),
        (Some("16.67%"), Some(0.1333), Some(1), Some(false))
    );
    // 2023-12-31: 2/6 reaches 30%; 2024-12-31: 4/6 misses 70% by one compound.
    assert_eq!(
        (p(6)["gap"].as_f64(), p(6)["target_met"].as_bool()),
        (Some(0.0), Some(true))
    );
    assert_eq!(p(6)["target"]["due"], "2023-12-31");
    assert_eq!(
        (
            p(18)["percent"].as_str(),
            p(18)["gap"].as_f64(),
            p(18)["gap_compounds"].as_i64()
        ),
        (Some("66.67%"), Some(0.0333), Some(1))
    );
    assert_eq!(
        (
            p(19)["target"]["due"].as_str(),
            p(19)["gap_compounds"].as_i64()
        ),
        (Some("2025-12-31"), Some(2))
    );
    assert_eq!(p(21)["percent"], "80%");

    // 锦官驿 quarter by quarter: B self-managed, A and D contracted, C served, D ended.
    let h = w
        .matching(
            &format!(
                "/coverage/history?street={JINGUANYI}&from=2023-01-01&to=2024-12-31&step=quarter"
            ),
            None,
        )
        .await
        .json();
    assert_eq!(
        (h["level"].as_str(), h["code"].as_str()),
        (Some("street"), Some(JINGUANYI))
    );
    let series: Vec<(i64, i64)> = h["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["covered"].as_i64().unwrap(),
                p["eligible"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        series,
        vec![
            (0, 0),
            (0, 4),
            (0, 4),
            (1, 4),
            (2, 4),
            (3, 4),
            (4, 4),
            (3, 4)
        ]
    );
    assert_eq!(h["points"][0]["rate"], Value::Null);
    assert_eq!(h["points"][6]["percent"], "100%");
    // 青羊区 year by year, the last point cut at `to`.
    let h = w
        .matching(
            &format!(
                "/coverage/history?district={QINGYANG}&from=2023-01-01&to=2025-06-30&step=year"
            ),
            None,
        )
        .await
        .json();
    let dates: Vec<&str> = h["points"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["date"].as_str().unwrap())
        .collect();
    assert_eq!(dates, vec!["2023-12-31", "2024-12-31", "2025-06-30"]);
    assert!(
        h["points"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["percent"] == "100%")
    );

    // Chosen days with the district's streets.
    let r = w
        .coverage(&format!("as_of=2024-07-31&district={JINJIANG}"))
        .await;
    assert_eq!(
        r["target"],
        json!({"due": "2024-12-31", "rate": 0.7, "percent": "70%"})
    );
    assert_eq!(fig(&r["city"]), (5, 6, 6, json!("83.33%")));
    assert_eq!(
        fig(area(&r["districts"], JINJIANG)),
        (4, 5, 5, json!("80%"))
    );
    assert_eq!(
        fig(area(&r["districts"], QINGYANG)),
        (1, 1, 1, json!("100%"))
    );
    let s1 = area(&r["streets"], JINGUANYI);
    assert_eq!(
        (fig(s1), s1["target_met"].as_bool()),
        ((4, 4, 4, json!("100%")), Some(true))
    );
    let s2 = area(&r["streets"], DONGHU);
    assert_eq!(fig(s2), (0, 1, 1, json!("0%")));
    assert_eq!(
        (s2["gap"].as_f64(), s2["gap_compounds"].as_i64()),
        (Some(0.7), Some(1))
    );
    // K2's last day of service, then the day after.
    assert_eq!(fig(&w.coverage("as_of=2024-09-30").await["city"]).0, 5);
    assert_eq!(fig(&w.coverage("as_of=2024-10-01").await["city"]).0, 4);
    // 2025-03-31: E is old but no longer counted; 东湖 has nothing to count.
    let r = w
        .coverage(&format!("as_of=2025-03-31&street={DONGHU}"))
        .await;
    let s2 = area(&r["streets"], DONGHU);
    assert_eq!(fig(s2), (0, 0, 1, Value::Null));
    assert_eq!(s2["target_met"], Value::Null);
    // After K1's term: A is uncovered; H counts.
    assert_eq!(
        fig(&w.coverage("as_of=2027-03-01").await["city"]),
        (3, 6, 7, json!("50%"))
    );

    // Refusals.
    assert_fields(
        &w.matching("/coverage/history?step=week&from=2024-13-01", None)
            .await,
        &["step", "from"],
    );
    assert_fields(
        &w.matching("/coverage/history?from=2024-05-01&to=2024-04-30", None)
            .await,
        &["to"],
    );
    let a = w
        .matching(
            "/coverage/history?from=1900-01-01&to=2026-01-01&step=month",
            None,
        )
        .await;
    assert_fields(&a, &["from"]);
    assert_eq!(a.json()["errors"][0]["code"], "too_many_points");
    assert_fields(
        &w.matching(
            &format!("/coverage/history?district={QINGYANG}&street={DONGHU}"),
            None,
        )
        .await,
        &["street"],
    );
    // Defaults: the city from 1 January of the first target's year to today.
    let h = w.matching("/coverage/history", None).await.json();
    assert_eq!(
        (h["from"].as_str(), h["to"].as_str()),
        (
            Some("2023-01-01"),
            Some(format_date(china_today()).as_str())
        )
    );

    // Re-applying pages changes nothing: first only the superseded changes (B's, C's and
    // E's first versions, K2 before its termination), then both feeds from the start.
    let before = w.replay_state().await;
    assert_eq!(w.replay("stale", true).await, 4);
    assert_eq!(w.replay_state().await, before);
    let applied = w.replay("all", false).await;
    assert_eq!(applied, wuye_e2e::REFERENCE_CHANGES as usize + 10 + 3);
    assert_eq!(w.replay_state().await, before);
    // Ten compound changes, each version kept once.
    let versions = before
        .0
        .iter()
        .find(|(t, _, _)| t == "catalog_compound_version")
        .unwrap()
        .1;
    assert_eq!(versions, 10);
    w.stop().await;
}

/// Surveys of two quarters for five streets of 锦江区, two of 青羊区 and three other
/// districts: ranks with ties, respondent weighting, the bottom three with ties at the
/// boundary, the twice-in-a-row flag, a corrected record, filters and refusals.
async fn satisfaction_ranking_and_the_bottom_three_flag(backend: Backend) {
    let w = World::new(backend).await;
    let (q2, q3) = ("2026-Q2", "2026-Q3");
    // (compound, street, period, (满意, 基本满意, 不满意)).
    type Survey<'a> = (&'a str, &'a str, &'a str, (i64, i64, i64));
    let surveys: &[Survey] = &[
        // 2026-Q2, 锦江区: 春熙路 95%, 书院街 90%, 锦官驿 80%, 东湖 50%, 锦华路 50%.
        ("JGY-a", "510104017", q2, (30, 10, 10)),
        ("DH-a", "510104018", q2, (20, 5, 25)),
        ("JHL-a", "510104019", q2, (15, 5, 20)),
        ("CXL-a", "510104022", q2, (90, 5, 5)),
        ("SYJ-a", "510104023", q2, (40, 5, 5)),
        // 2026-Q3: 东湖 90%, 书院街 90%, 锦官驿 75% (two compounds, 50/60 and 25/40),
        // 春熙路 70%, 锦华路 50% (after a correction).
        ("JGY-a", "510104017", q3, (40, 10, 10)),
        ("JGY-b", "510104017", q3, (20, 5, 15)),
        ("DH-a", "510104018", q3, (30, 15, 5)),
        ("JHL-a", "510104019", q3, (30, 10, 0)),
        ("CXL-a", "510104022", q3, (50, 20, 30)),
        ("SYJ-a", "510104023", q3, (18, 9, 3)),
        // 青羊区: two streets only.
        ("CSJ-a", "510105002", q2, (45, 5, 0)),
        ("CSJ-a", "510105002", q3, (10, 0, 10)),
        ("XYH-a", "510105003", q3, (9, 1, 0)),
        // 金牛区, 武侯区, 成华区.
        ("XAL-a", "510106024", q2, (35, 5, 10)),
        ("XAL-a", "510106024", q3, (30, 10, 40)),
        ("JXJ-a", "510107001", q2, (10, 10, 30)),
        ("JXJ-a", "510107001", q3, (40, 10, 0)),
        ("CH-a", "510108002", q2, (30, 10, 10)),
        ("CH-a", "510108002", q3, (60, 20, 20)),
    ];
    for (compound, street, period, votes) in surveys {
        let id = format!("{compound}-{period}");
        w.survey(&id, compound, street, period, *votes).await;
    }
    // 锦华路's Q3 record is corrected: the newer change replaces it.
    w.survey("JHL-a-2026-Q3", "JHL-a", "510104019", q3, (10, 10, 20))
        .await;
    w.followed().await;

    let ranking = |query: String| {
        let w = &w;
        async move {
            let a = w
                .matching(&format!("/satisfaction/ranking?{query}"), None)
                .await;
            assert_eq!(a.status, 200, "{}", a.body);
            a.json()
        }
    };
    type Row = (String, u64, u64, String, bool, bool, bool);
    let rows = |v: &Value| -> Vec<Row> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| {
                (
                    i["code"].as_str().unwrap().to_string(),
                    i["rank"].as_u64().unwrap(),
                    i["group_size"].as_u64().unwrap(),
                    i["percent"].as_str().unwrap().to_string(),
                    i["bottom_three"].as_bool().unwrap(),
                    i["bottom_three_previous"].as_bool().unwrap(),
                    i["notify"].as_bool().unwrap(),
                )
            })
            .collect()
    };
    let row = |code: &str, rank, size, pct: &str, now, before, notify| -> Row {
        (code.into(), rank, size, pct.into(), now, before, notify)
    };

    // Streets, within their districts.
    let r = ranking(format!("period={q3}&level=street")).await;
    assert_eq!(
        (
            r["period"].as_str(),
            r["previous_period"].as_str(),
            r["level"].as_str()
        ),
        (Some(q3), Some(q2), Some("street"))
    );
    assert!(r["rule"].as_str().unwrap().contains("所属区县内排名"));
    assert_eq!(
        rows(&r),
        vec![
            row("510104018", 1, 5, "90%", false, true, false),
            row("510104023", 1, 5, "90%", false, false, false),
            row("510104017", 3, 5, "75%", true, true, true),
            row("510104022", 4, 5, "70%", true, false, false),
            row("510104019", 5, 5, "50%", true, true, true),
            row("510105003", 1, 2, "100%", false, false, false),
            row("510105002", 2, 2, "50%", false, false, false),
            row("510106024", 1, 1, "50%", false, false, false),
            row("510107001", 1, 1, "100%", false, false, false),
            row("510108002", 1, 1, "80%", false, false, false),
        ]
    );
    let jgy = &r["items"][2];
    assert_eq!(
        (
            jgy["name"].as_str(),
            jgy["district_name"].as_str(),
            jgy["compounds"].as_i64(),
            jgy["respondents"].as_i64()
        ),
        (Some("锦官驿街道"), Some("锦江区"), Some(2), Some(100))
    );
    assert_eq!(
        (
            jgy["satisfied"].as_i64(),
            jgy["basically_satisfied"].as_i64(),
            jgy["dissatisfied"].as_i64()
        ),
        (Some(60), Some(15), Some(25))
    );
    assert_eq!(
        (jgy["rate"].as_f64(), jgy["previous_rank"].as_u64()),
        (Some(0.75), Some(3))
    );
    let jhl = &r["items"][4];
    assert_eq!(
        (jhl["respondents"].as_i64(), jhl["previous_rank"].as_u64()),
        (Some(40), Some(4))
    );
    // One district's streets.
    let r = ranking(format!("period={q3}&level=street&district={QINGYANG}")).await;
    assert_eq!(rows(&r).len(), 2);

    // Districts, citywide (default level): 武侯 100%, 成华 80%, 锦江 237/320, 青羊 20/30, 金牛 50%;
    // in 2026-Q2: 青羊 100%, 金牛 and 成华 80%, 锦江 225/290, 武侯 40%.
    let r = ranking(format!("period={q3}")).await;
    assert_eq!(r["level"], "district");
    assert_eq!(
        rows(&r),
        vec![
            row("510107", 1, 5, "100%", false, true, false),
            row("510108", 2, 5, "80%", false, true, false),
            row("510104", 3, 5, "74.06%", true, true, true),
            row("510105", 4, 5, "66.67%", true, false, false),
            row("510106", 5, 5, "50%", true, true, true),
        ]
    );
    assert_eq!(
        (
            r["items"][2]["name"].as_str(),
            r["items"][2]["compounds"].as_i64()
        ),
        (Some("锦江区"), Some(6))
    );
    assert!(r["items"][2].get("district_code").is_none());
    let r = ranking(format!("period={q2}")).await;
    let q2_ranks: Vec<(String, u64, String)> =
        rows(&r).into_iter().map(|x| (x.0, x.1, x.3)).collect();
    assert_eq!(
        q2_ranks,
        vec![
            ("510105".into(), 1, "100%".into()),
            ("510106".into(), 2, "80%".into()),
            ("510108".into(), 2, "80%".into()),
            ("510104".into(), 4, "77.59%".into()),
            ("510107".into(), 5, "40%".into()),
        ]
    );
    // No earlier quarter: nobody is flagged twice.
    assert!(rows(&r).iter().all(|x| !x.5 && !x.6));
    // A period without surveys.
    assert_eq!(ranking("period=2025-Q1".into()).await["items"], json!([]));

    // Refusals.
    assert_fields(
        &w.matching("/satisfaction/ranking", None).await,
        &["period"],
    );
    assert_fields(
        &w.matching(
            "/satisfaction/ranking?period=2026-Q5&level=city&district=99",
            None,
        )
        .await,
        &["period", "level", "district"],
    );

    // Freshness: a new survey moves 金牛区 once matching has followed.
    w.survey("XAL-b-2026-Q3", "XAL-b", "510106024", q3, (80, 0, 0))
        .await;
    w.followed().await;
    let r = ranking(format!("period={q3}")).await;
    let jinniu = r["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["code"] == "510106")
        .unwrap();
    // (40 + 80) / (80 + 80) = 75%: now above 锦江区.
    assert_eq!(
        (jinniu["percent"].as_str(), jinniu["rank"].as_u64()),
        (Some("75%"), Some(3))
    );

    // The district official's dashboard shows the same street ranking with the flags: 锦官驿
    // and 锦华路 bottom three twice (to be notified), 春熙路 bottom three this quarter only,
    // 东湖 neither.
    let token = w
        .app
        .token(Role::DistrictOfficial, Scope::District("510104".into()));
    let page = reqwest::Client::new()
        .get(format!("{}/official/coverage?period={q3}", w.app.web_url))
        .header("cookie", format!("wuye_session={token}"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    let page = page.text().await.unwrap();
    let row_of = |street: &str| -> String {
        page.split("<tr")
            .find(|r| r.contains(&format!("<td>{street}")))
            .unwrap_or_else(|| panic!("no row for {street}: {page}"))
            .to_string()
    };
    for flagged in ["锦官驿街道", "锦华路街道"] {
        assert!(row_of(flagged).contains("连续两次排名后三位"), "{flagged}");
    }
    let once = row_of("春熙路街道");
    assert!(
        once.contains("本期后三位") && !once.contains("连续两次"),
        "{once}"
    );
    let clear = row_of("东湖街道");
    assert!(!clear.contains("后三位"), "{clear}");
    assert!(page.contains("<svg"), "the ranking chart");
    w.stop().await;
}

/// Matching's in-memory coverage history (`matching::live_coverage`, what every coverage
/// figure reads) tallies exactly as a fresh read of the tables, for the city, a district
/// and a street on several days, after it was first read and again after versions were
/// appended and a contract was terminated.
async fn the_live_coverage_history_tallies_as_a_fresh_read(backend: Backend) {
    use matching::coverage::{self, Area};
    use shared::domain::{DistrictCode, StreetCode};
    let url = wuye_e2e::fresh_database(&backend, "matching")
        .await
        .unwrap();
    let db = db::connect(&url).await.unwrap();
    db.migrate(&matching::MIGRATOR).await.unwrap();
    let version =
        |compound: &str, seq: i64, on: &str, street: &str, management: &str, old: bool| {
            sqlx::query(
            "INSERT INTO catalog_compound_version (compound_id, seq, effective_on, district_code, \
             street_code, management, governance_body, eligible_and_willing, is_old, removed) \
             VALUES ($1, $2, $3, $4, $5, $6, 'owners_committee', TRUE, $7, FALSE)",
        )
        .bind(compound.to_string())
        .bind(seq)
        .bind(on.to_string())
        .bind(street[..6].to_string())
        .bind(street.to_string())
        .bind(management.to_string())
        .bind(old)
        };
    let contract = |id: &str, compound: &str, seq: i64, status: &str, terminated: Option<&str>| {
        sqlx::query(
            "INSERT INTO tender_contract (id, tender_id, compound_id, firm_id, firm_name, service_model, \
             fee_model, start_date, end_date, signed_on, status, terminated_on, seq, updated_at) \
             VALUES ($1, 't', $2, 'f', '某物业', 'professional', 'commission', '2025-03-01', \
             '2028-02-29', '2025-02-20', $3, $4, $5, 0) \
             ON CONFLICT (id) DO UPDATE SET status = excluded.status, \
             terminated_on = excluded.terminated_on, seq = excluded.seq",
        )
        .bind(id.to_string())
        .bind(compound.to_string())
        .bind(status.to_string())
        .bind(terminated.map(str::to_string))
        .bind(seq)
    };
    let areas = [
        Area::City,
        Area::District(DistrictCode::parse(JINJIANG).unwrap()),
        Area::Street(StreetCode::parse(JINGUANYI).unwrap()),
    ];
    let days =
        ["2024-12-31", "2025-03-01", "2025-06-30", "2026-01-15"].map(|d| parse_date(d).unwrap());
    let live = matching::live_coverage::LiveHistory::default();
    let same = |live: matching::live_coverage::LiveHistory, db: Db| async move {
        let mut conn = db.pool.acquire().await.unwrap();
        for area in &areas {
            for day in days {
                let fresh = coverage::load(&mut conn, area, day)
                    .await
                    .unwrap()
                    .tally(area, day);
                let kept = live.read(&db, |h| h.tally(area, day)).await.unwrap();
                assert_eq!(kept, fresh, "{area:?} on {day}");
            }
        }
    };
    version("a", 1, "2024-06-01", JINGUANYI, "none", true)
        .execute(&db.pool)
        .await
        .unwrap();
    version("b", 2, "2024-06-01", DONGHU, "property_firm", true)
        .execute(&db.pool)
        .await
        .unwrap();
    version("c", 3, "2024-06-01", CAOSHIJIE, "none", true)
        .execute(&db.pool)
        .await
        .unwrap();
    contract("k", "a", 1, "active", None)
        .execute(&db.pool)
        .await
        .unwrap();
    same(live.clone(), db.clone()).await;
    let before = live
        .read(&db, |h| h.tally(&Area::City, days[2]))
        .await
        .unwrap();

    // Later: b changes hands to nobody, a new compound, c leaves the old ones, a's contract
    // ends early.
    version("b", 4, "2025-04-01", DONGHU, "none", true)
        .execute(&db.pool)
        .await
        .unwrap();
    version("d", 5, "2025-05-01", JINGUANYI, "self_managed", true)
        .execute(&db.pool)
        .await
        .unwrap();
    version("c", 6, "2025-05-02", CAOSHIJIE, "none", false)
        .execute(&db.pool)
        .await
        .unwrap();
    contract("k", "a", 7, "terminated", Some("2025-05-31"))
        .execute(&db.pool)
        .await
        .unwrap();
    same(live.clone(), db.clone()).await;
    let after = live
        .read(&db, |h| h.tally(&Area::City, days[2]))
        .await
        .unwrap();
    assert_ne!(before, after, "the appended rows changed the figures");
    db.pool.close().await;
}
