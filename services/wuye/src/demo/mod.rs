//! The demo data of `wuye up --demo`: a synthetic, clearly marked set of firms, compounds
//! and accounts on top of the real reference places, loaded through the services' own HTTP
//! API (so the demo obeys every rule a real user does).
//!
//! Everything synthetic carries 【演示】 in its name. The generator is seeded, so every
//! fresh data folder gets the same demo.

mod ballots;
mod history;
mod incentives;
mod kit;
mod money_budget;
mod money_fund;
mod owners;
mod plans;

use anyhow::Context;
use reqwest::{Client, Method};
use serde_json::{Value, json};
use shared::auth::{Identity, Role, Scope, TokenKeys};
use shared::domain::{check_char, districts, streets_of};

pub use history::load_history;
pub use kit::Bases;
use kit::{
    CLOSED_BID_WINDOW_MS, DEMO_DISTRICTS, Demo, LEDGER_HEADER, demo_bid, demo_money, demo_terms,
    demo_token, first_district, post_csv, quarter_of,
};

/// The password of every demo account.
/// The seed of the demo's generator; the ledger is the first thing drawn from it.
const LEDGER_SEED: u64 = 0x5EED_2026_0000_0001;

pub const DEMO_PASSWORD: &str = "wuye-demo-2026";

/// A demo account, as printed at start-up.
#[derive(Debug, Clone)]
pub struct DemoAccount {
    pub username: String,
    pub role_zh: &'static str,
    pub scope_zh: String,
}

/// A small deterministic generator (xorshift64*), so the demo is the same every time.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    /// Uniform in [-1, 1).
    fn unit(&mut self) -> f64 {
        (self.below(2_000_001) as f64 / 1_000_000.0) - 1.0
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const FIRM_WORDS: [&str; 12] = [
    "锦城", "蓉安", "天府", "芙蓉", "浣花", "望江", "金沙", "青城", "锦绣", "安居", "和美", "康居",
];
const SPECIALITIES: [&str; 8] = [
    "电梯维保",
    "消防设施维护",
    "垃圾分类",
    "停车管理",
    "绿化养护",
    "二次供水",
    "安防监控",
    "保洁服务",
];
const COMPOUND_WORDS: [&str; 10] = [
    "红星", "建设", "光华", "玉林", "桂花", "水井", "东风", "和平", "幸福", "文化",
];

struct Api {
    client: Client,
    base: String,
    token: String,
}

impl Api {
    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        kit::answer(req, path).await
    }

    async fn post(&self, path: &str, body: Value) -> anyhow::Result<Value> {
        self.send(Method::POST, path, Some(body)).await
    }
}

/// True when the demo has been loaded into this catalog already.
async fn already_loaded(api: &Api) -> anyhow::Result<bool> {
    let page = api
        .send(Method::GET, "/catalog/accounts?q=demo.xiehui", None)
        .await?;
    Ok(page["total"].as_i64().unwrap_or(0) > 0)
}

/// Loads the demo through the running services at `base`; returns the demo accounts.
pub async fn load(base: &str, keys: &TokenKeys) -> anyhow::Result<Vec<DemoAccount>> {
    let token = keys.issue(&Identity {
        account_id: "demo-loader".into(),
        name: "演示数据加载".into(),
        role: Role::Association,
        scope: Scope::City,
        token_id: String::new(),
    })?;
    let api = Api {
        client: Client::new(),
        base: base.trim_end_matches('/').to_string(),
        token,
    };
    let accounts = demo_accounts();
    if already_loaded(&api).await? {
        return Ok(accounts);
    }
    let mut rng = Seeded(LEDGER_SEED);

    // Compounds: one ledger import, as a district office would do it.
    let (csv, first_code) = ledger_csv(&mut rng);
    let import = format!(
        "{}/catalog/compounds/import?format=csv&mode=strict",
        api.base
    );
    post_csv(&api.client, &import, &api.token, csv)
        .await
        .context("the demo ledger")?;
    let committee_compound = api
        .send(
            Method::GET,
            &format!("/catalog/compounds?q={first_code}"),
            None,
        )
        .await?["items"][0]["id"]
        .as_str()
        .context("the demo committee's compound")?
        .to_string();

    // Firms, with standing, credit and whitelist the association has recorded.
    let today = shared::domain::roster::china_today();
    let day = |offset: i32| {
        shared::domain::roster::format_date(
            time::Date::from_julian_day(today.to_julian_day() + offset).expect("a date"),
        )
    };
    let all_districts: Vec<_> = districts().iter().map(|d| d.code.as_str()).collect();
    for i in 0..24u32 {
        let district = districts()
            .iter()
            .find(|d| d.code.as_str() == DEMO_DISTRICTS[i as usize % DEMO_DISTRICTS.len()])
            .expect("a demo district");
        let mut served = vec![district.code.as_str()];
        served.push(*rng.pick(all_districts.as_slice()));
        served.dedup();
        let prefix = format!("91510100MA6{i:06}");
        let credit_code = format!("{prefix}{}", check_char(&prefix).expect("a valid prefix"));
        let spec_a = rng.pick(&SPECIALITIES);
        let spec_b = rng.pick(&SPECIALITIES);
        let name = format!(
            "【演示】成都{}{}物业服务有限公司",
            FIRM_WORDS[i as usize % FIRM_WORDS.len()],
            if i >= FIRM_WORDS.len() as u32 {
                "民生"
            } else {
                ""
            }
        );
        let capacity = 2000 + rng.below(20) * 500;
        let mut body = json!({
            "name": name,
            "credit_code": credit_code,
            "legal_representative": "张演示",
            "contact_phone": format!("138{:08}", 10_000_000 + i),
            "ownership": if i % 4 == 0 { "soe" } else { "private" },
            "base_address": format!("{}演示路 {} 号", district.name, 10 + i),
            "location": {
                "lon": district.seat.lon() + rng.unit() * 0.04,
                "lat": district.seat.lat() + rng.unit() * 0.03,
            },
            "districts_served": served,
            "service_radius_km": 5.0 + rng.below(20) as f64,
            "service_models": if i % 3 == 0 { json!(["professional", "trust"]) } else if i % 3 == 1 { json!(["professional", "community"]) } else { json!(["professional"]) },
            "fee_models": if i % 2 == 0 { json!(["commission", "trust"]) } else { json!(["lump_sum", "commission"]) },
            "grades": [1 + (i % 3), 2 + (i % 3)],
            "capacity_households": capacity,
            "households_served": capacity / 3,
            "staff_count": 30 + rng.below(200),
            "profile": format!(
                "【演示数据】本企业深耕成都老旧小区物业服务 {} 年，擅长{}和{}，提供 24 小时报修响应，坚持收支公开、酬金制透明管理。",
                3 + i % 12, spec_a, spec_b
            ),
            "low_profit_commitment": i % 4 == 0,
        });
        if i == 0 {
            body["account"] = json!({"username": "demo.firm", "password": DEMO_PASSWORD});
        }
        let firm = api.post("/catalog/firms", body).await?;
        let id = firm["id"].as_str().context("a firm id")?.to_string();
        let standing = |action: &str, extra: Value| {
            let mut b = json!({"action": action, "reason": "【演示】协会审核"});
            if let (Some(obj), Some(more)) = (b.as_object_mut(), extra.as_object()) {
                obj.extend(more.clone());
            }
            b
        };
        let path = format!("/catalog/firms/{id}/standing");
        match i {
            20 | 21 => {} // still applicants, waiting in the review queue
            _ => {
                api.post(
                    &path,
                    standing("recommend", json!({"review_date": day(365)})),
                )
                .await?;
            }
        }
        match i {
            5 | 11 => {
                api.post(
                    &path,
                    standing("suspend", json!({"rectify_by": day(30), "reason": "【演示】住户投诉较多，列入重点监管"})),
                )
                .await?;
            }
            17 => {
                api.post(
                    &path,
                    standing(
                        "blacklist",
                        json!({"from": day(0), "reason": "【演示】整改期满仍未达标，列入黑名单"}),
                    ),
                )
                .await?;
            }
            _ => {}
        }
        if i % 5 == 0 {
            api.post(
                &format!("/catalog/firms/{id}/credit-events"),
                json!({"kind": "good", "points": 5, "reason": "【演示】年度考评优秀", "source": "市物业管理协会", "date": day(-30)}),
            )
            .await?;
            api.post(
                &format!("/catalog/firms/{id}/whitelist"),
                json!({"on": true, "reason": "【演示】服务质量稳定，列入检查白名单"}),
            )
            .await?;
        }
        if i % 7 == 3 {
            api.post(
                &format!("/catalog/firms/{id}/credit-events"),
                json!({"kind": "bad", "points": 8, "reason": "【演示】消防通道占用未及时整改", "source": "街道检查", "date": day(-10)}),
            )
            .await?;
        }
    }

    // Accounts of the officials and a committee.
    for (username, role, scope) in [
        ("demo.xiehui", "association", None),
        ("demo.chengdu", "city_official", None),
        (
            "demo.jinjiang",
            "district_official",
            Some("510104".to_string()),
        ),
        (
            "demo.jinguanyi",
            "street_official",
            Some("510104017".to_string()),
        ),
        ("demo.committee", "committee", Some(committee_compound)),
    ] {
        api.post(
            "/catalog/accounts",
            json!({
                "username": username,
                "display_name": format!("【演示】{username}"),
                "password": DEMO_PASSWORD,
                "role": role,
                "scope_id": scope,
            }),
        )
        .await?;
    }

    // The demo street's work plan for this year, written by its street official.
    let street_token = keys.issue(&Identity {
        account_id: "demo-loader-street".into(),
        name: "【演示】demo.jinguanyi".into(),
        role: Role::StreetOfficial,
        scope: Scope::Street("510104017".into()),
        token_id: String::new(),
    })?;
    plans::PlanDemo {
        http: api.client.clone(),
        catalog: api.base.clone(),
        street_token: street_token.clone(),
        street: "510104017".into(),
    }
    .load()
    .await?;
    incentives::IncentivesDemo {
        http: api.client.clone(),
        catalog: api.base.clone(),
        street: "510104017".into(),
        street_token,
        district_token: demo_token(
            keys,
            Role::DistrictOfficial,
            Scope::District("510104".into()),
        )?,
    }
    .load()
    .await?;
    Ok(accounts)
}

fn demo_accounts() -> Vec<DemoAccount> {
    vec![
        DemoAccount {
            username: "demo.xiehui".into(),
            role_zh: "物业管理协会",
            scope_zh: "全市".into(),
        },
        DemoAccount {
            username: "demo.chengdu".into(),
            role_zh: "市级工作人员",
            scope_zh: "全市".into(),
        },
        DemoAccount {
            username: "demo.jinjiang".into(),
            role_zh: "区县工作人员",
            scope_zh: "锦江区".into(),
        },
        DemoAccount {
            username: "demo.jinguanyi".into(),
            role_zh: "街道工作人员",
            scope_zh: "锦江区锦官驿街道".into(),
        },
        DemoAccount {
            username: "demo.committee".into(),
            role_zh: "小区自治组织",
            scope_zh: "【演示】锦官驿街道 DEMO-510104017-01".into(),
        },
        DemoAccount {
            username: "demo.firm".into(),
            role_zh: "物业服务企业",
            scope_zh: "【演示】成都锦城物业服务有限公司".into(),
        },
    ]
}

/// A ledger CSV of synthetic old compounds in the demo districts; returns it and the
/// code of the first compound (锦官驿街道), whose committee gets a demo account.
fn ledger_csv(rng: &mut Seeded) -> (String, String) {
    let mut out = LEDGER_HEADER.join(",");
    out.push('\n');
    let mut first = String::new();
    for district_code in DEMO_DISTRICTS {
        let district = districts()
            .iter()
            .find(|d| d.code.as_str() == district_code)
            .expect("a demo district");
        let streets: Vec<_> = streets_of(&district.code).collect();
        for (s, street) in streets.iter().take(4).enumerate() {
            for n in 1..=5 {
                let code = format!("DEMO-{}-{n:02}", street.code.as_str());
                if first.is_empty() {
                    first = code.clone();
                }
                let households = 40 + rng.below(600);
                let management = match rng.below(10) {
                    0..=4 => "无物业",
                    5..=6 => "自管",
                    7..=8 => "物业企业",
                    _ => "其他",
                };
                let governance = match rng.below(4) {
                    0 => ("无", String::new()),
                    1 => ("院委会", "2022-03-15".to_string()),
                    2 => ("物业管理委员会", "2023-06-01".to_string()),
                    _ => ("业主委员会", "2021-09-20".to_string()),
                };
                let row = [
                    code.clone(),
                    format!(
                        "【演示】{}{}小区",
                        COMPOUND_WORDS[(s * 5 + n) % COMPOUND_WORDS.len()],
                        street.name.trim_end_matches("街道").trim_end_matches('镇')
                    ),
                    format!("{}{}演示巷 {} 号", district.name, street.name, n * 3),
                    district.code.as_str().to_string(),
                    street.code.as_str().to_string(),
                    format!("{}社区", street.name.trim_end_matches("街道")),
                    format!("{:.5}", district.seat.lon() + rng.unit() * 0.05),
                    format!("{:.5}", district.seat.lat() + rng.unit() * 0.04),
                    (1980 + rng.below(24)).to_string(),
                    (1 + households / 60).to_string(),
                    households.to_string(),
                    (households * 70 + rng.below(2000)).to_string(),
                    management.to_string(),
                    if rng.below(3) == 0 { "否" } else { "是" }.to_string(),
                    if rng.below(2) == 0 { "否" } else { "是" }.to_string(),
                    if rng.below(3) == 0 { "是" } else { "否" }.to_string(),
                    rng.below(4).to_string(),
                    rng.below(60).to_string(),
                    if rng.below(5) == 0 { "2" } else { "0" }.to_string(),
                    governance.0.to_string(),
                    governance.1,
                    if rng.below(8) == 0 { "否" } else { "是" }.to_string(),
                    "是".to_string(),
                ];
                out.push_str(&row.join(","));
                out.push('\n');
            }
        }
    }
    (out, first)
}

/// The demo policy `wuye up` uses while it loads the tenders that must already be past
/// their deadlines (opened, in evaluation, contracted, unsuccessful): bids close and
/// awards leave their notice a few seconds after they are made, for real, through the
/// API. The service itself then runs with the configured policy (20 days, 5 days by
/// default), and the demo's live stages (a tender open for bids, an award in notice) are
/// loaded under it.
pub fn demo_policy(configured: &tender::TenderPolicy) -> tender::TenderPolicy {
    tender::TenderPolicy {
        min_bid_window: std::time::Duration::from_secs(2),
        notice_period: std::time::Duration::from_secs(2),
        scheduler_tick: std::time::Duration::from_millis(200),
        ..configured.clone()
    }
}

/// The demo compounds used for tenders: five on 锦官驿街道 and one on the next street of
/// 锦江区 (ledger codes).
fn tender_compound_codes() -> ([String; 5], String) {
    let district = first_district();
    let streets: Vec<_> = streets_of(&district.code).take(2).collect();
    let first = streets[0].code.as_str();
    let codes = [1, 2, 3, 4, 5].map(|n| format!("DEMO-{first}-{n:02}"));
    (codes, format!("DEMO-{}-01", streets[1].code.as_str()))
}

/// The demo tenders that must already be past their deadlines: one contracted (with a
/// published budget, accounts and a satisfaction survey), one in evaluation (rated, scored),
/// one opened and waiting for its award (awarded later by [`load_live_tenders`]), one
/// cancelled with a sealed bid, one unsuccessful. Needs the short [`demo_policy`]; loaded
/// once (skipped when the first demo compound already has a tender).
pub async fn load_closed_tenders(bases: &Bases, keys: &TokenKeys) -> anyhow::Result<()> {
    let demo = Demo::new(bases, keys)?;
    let (codes, _) = tender_compound_codes();
    let mut compounds = Vec::new();
    for code in &codes {
        compounds.push(demo.compound(code).await?);
    }
    if !demo.tenders_of(&compounds[0].0).await?.is_empty() {
        return Ok(());
    }
    let firms = demo.eligible_firms(DEMO_DISTRICTS[0]).await?;
    anyhow::ensure!(firms.len() >= 2, "the demo needs two firms serving 锦江区");

    let now = shared::db::now_ms();
    let deadline = now + CLOSED_BID_WINDOW_MS;
    let terms = |area: i64| demo_terms(area, deadline, deadline - 1_000);
    let [a, b, c, d, e] = [0, 1, 2, 3, 4].map(|i| compounds[i].clone());
    let a_id = demo.open_tender(&a.0, terms(a.1)).await?;
    let b_id = demo.open_tender(&b.0, terms(b.1)).await?;
    let mut rated = terms(c.1);
    rated["evaluation_method"] = json!("rated");
    rated["price_weight"] = json!(40);
    rated["criteria"] =
        json!([{"name": "服务方案", "weight": 40}, {"name": "人员配置", "weight": 20}]);
    let c_id = demo.open_tender(&c.0, rated).await?;
    let d_id = demo.open_tender(&d.0, terms(d.1)).await?;
    let e_id = demo.open_tender(&e.0, terms(e.1)).await?;
    for (i, firm) in firms.iter().take(3).enumerate() {
        let fee = 140 + 10 * i as i64;
        demo.bid(&a_id, firm, &demo_bid(fee, a.1, false)).await?;
        demo.bid(&b_id, firm, &demo_bid(fee + 5, b.1, false))
            .await?;
        demo.bid(&c_id, firm, &demo_bid(fee, c.1, true)).await?;
    }
    demo.bid(&e_id, &firms[0], &demo_bid(150, e.1, false))
        .await?;
    demo.tender(
        Method::POST,
        &format!("/{e_id}/cancel"),
        &demo.committee(&e.0)?,
        Some(&json!({"reason": "【演示数据】业主大会决定改为先行维修改造，暂缓选聘物业"})),
    )
    .await?;
    for id in [&a_id, &b_id, &c_id, &d_id] {
        demo.opened(id).await?;
    }

    // A: awarded, out of notice (demo policy), contracted; then its money and satisfaction.
    let awarded = demo.award_top(&a_id, &a.0).await?;
    let notice_ends = tender::clock::parse_rfc3339(
        awarded["award"]["notice_ends_at"]
            .as_str()
            .unwrap_or_default(),
    )?;
    let wait = notice_ends - shared::db::now_ms() + 100;
    if wait > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(wait as u64)).await;
    }
    let today = shared::domain::roster::china_today();
    // The contract starts on the day it is signed (no earlier than the award), so its
    // accounts and satisfaction are for the current quarter, the one it serves.
    let (start, quarter) = (today, quarter_of(today));
    let committee = demo.committee(&a.0)?;
    let contract = demo
        .tender(
            Method::POST,
            &format!("/{a_id}/contract"),
            &committee,
            Some(
                &json!({"start_date": shared::domain::roster::format_date(start),
                "remuneration": money_fund::demo_remuneration()}),
            ),
        )
        .await?;
    let cid = contract["id"].as_str().context("a contract id")?;
    let annual = contract["annual_price_fen"].as_i64().unwrap_or(0);
    let firm = demo.firm(contract["firm_id"].as_str().unwrap_or_default())?;
    let disclosures = format!("/contracts/{cid}/disclosures");
    demo.tender(
        Method::POST,
        &disclosures,
        &firm,
        Some(&demo_money("budget", &today.year().to_string(), annual, 0)),
    )
    .await?;
    demo.tender(
        Method::POST,
        &disclosures,
        &committee,
        Some(&demo_money("accounts", &quarter, annual / 4 * 92 / 100, 0)),
    )
    .await?;
    // Its service fund's first month (酬金制: remuneration 8 % of fee income).
    money_fund::FundDemo {
        http: demo.http.clone(),
        tender: demo.bases.tender.clone(),
        compound: a.0.clone(),
        firm_token: firm.clone(),
        committee_token: committee.clone(),
        annual_fen: annual,
        day: shared::domain::roster::format_date(start),
    }
    .load()
    .await?;
    // Surveys answered by most households, never more than the compound has.
    let survey = |households: i64, [s, b, d]: [i64; 3]| {
        let asked = households * 3 / 5;
        [s, b, d].map(|share| asked * share / 100)
    };
    let [sat, basic, dis] = survey(demo.households(&a.0).await?, [58, 33, 9]);
    demo.tender(
        Method::POST,
        "/satisfaction",
        &committee,
        Some(&json!({"compound_id": a.0, "period": quarter,
            "satisfied": sat, "basically_satisfied": basic, "dissatisfied": dis})),
    )
    .await?;
    // A compound without a firm is surveyed too.
    let [sat, basic, dis] = survey(demo.households(&d.0).await?, [20, 35, 45]);
    demo.tender(
        Method::POST,
        "/satisfaction",
        &demo.committee(&d.0)?,
        Some(&json!({"compound_id": d.0, "period": quarter,
            "satisfied": sat, "basically_satisfied": basic, "dissatisfied": dis})),
    )
    .await?;

    // C: the committee's scores of the rated evaluation.
    let c_committee = demo.committee(&c.0)?;
    let bids = demo
        .tender(Method::GET, &format!("/{c_id}/opening"), &c_committee, None)
        .await?;
    let scores: Vec<Value> = bids["bids"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|b| b["valid"] == true)
        .enumerate()
        .map(|(i, b)| {
            json!({"bid_id": b["bid_id"], "points": {"服务方案": 36 - 4 * i as i64, "人员配置": 15 + i as i64}})
        })
        .collect();
    demo.tender(
        Method::PUT,
        &format!("/{c_id}/scores"),
        &c_committee,
        Some(&json!({ "scores": scores })),
    )
    .await?;
    Ok(())
}

/// The demo's live stages, under the configured policy: the award of the opened price-only
/// tender (so it is in its public notice), and a tender open for bids with two sealed bids
/// (its bid deadline at least the minimum bidding window away, and no sooner than 30
/// days). Loaded once.
pub async fn load_live_tenders(
    bases: &Bases,
    keys: &TokenKeys,
    min_bid_window: std::time::Duration,
) -> anyhow::Result<()> {
    let demo = Demo::new(bases, keys)?;
    let (codes, open_code) = tender_compound_codes();
    let (b, _) = demo.compound(&codes[1]).await?;
    for t in demo.tenders_of(&b).await? {
        if t["status"] == "evaluation" {
            let id = t["id"].as_str().context("a tender id")?;
            demo.award_top(id, &b).await?;
        }
    }
    let (f, area) = demo.compound(&open_code).await?;
    if !demo.tenders_of(&f).await?.is_empty() {
        return Ok(());
    }
    let day = 86_400_000;
    let window = i64::try_from(min_bid_window.as_millis()).unwrap_or(i64::MAX / 2);
    let now = shared::db::now_ms();
    let deadline = now + window.max(30 * day - day) + day;
    let enquiry = (now + 10 * day).min(deadline);
    let id = demo
        .open_tender(&f, demo_terms(area, deadline, enquiry))
        .await?;
    // A material change while open (an OCDS `tenderAmendment`), before any bid.
    demo.tender(
        Method::PATCH,
        &format!("/{id}"),
        &demo.committee(&f)?,
        Some(&json!({"needs": "【演示数据】需要秩序维护（门岗 24 小时值守）、楼道和公共区域保洁、垃圾分类收运、绿化养护、共用设施设备日常维护，以及每年一次外墙和屋面渗漏排查；每季度公开收支。"})),
    )
    .await?;
    // The firms after the first: the first holds the two awarded compounds, and capacity
    // is cumulative.
    let firms = demo.eligible_firms(DEMO_DISTRICTS[0]).await?;
    for (i, firm) in firms.iter().skip(1).take(2).enumerate() {
        demo.bid(&id, firm, &demo_bid(145 + 10 * i as i64, area, false))
            .await?;
    }
    Ok(())
}

/// The demo's owners, loaded once: the demo committee's compound gets its owner register
/// (one unit per household of its ledger row), imported by its committee. Answers the
/// compound's id.
pub async fn load_owners(bases: &Bases, keys: &TokenKeys) -> anyhow::Result<String> {
    let demo = Demo::new(bases, keys)?;
    let (_, first_code) = ledger_csv(&mut Seeded(LEDGER_SEED));
    let (compound_id, _) = demo.compound(&first_code).await?;
    let compound = demo
        .catalog_get(&format!("/compounds/{compound_id}"))
        .await?;
    let street = compound["street"]
        .as_str()
        .context("the demo compound's street")?;
    let owners = owners::OwnersDemo {
        http: demo.http.clone(),
        tender: demo.bases.tender.clone(),
        committee: demo.committee(&compound_id)?,
        street: demo_token(keys, Role::StreetOfficial, Scope::Street(street.into()))?,
        households: u32::try_from(compound["households"].as_i64().unwrap_or(0)).unwrap_or(0),
        compound_id,
    };
    owners.load_register().await?;
    owners.load_decisions().await?;
    Ok(owners.compound_id)
}
