//! The demo data of `wuye up --demo`: a synthetic, clearly marked set of firms, compounds
//! and accounts on top of the real reference places, loaded through the services' own HTTP
//! API (so the demo obeys every rule a real user does).
//!
//! Everything synthetic carries 【演示】 in its name. The generator is seeded, so every
//! fresh data folder gets the same demo.

use anyhow::Context;
use reqwest::{Client, Method};
use serde_json::{Value, json};
use shared::auth::{Identity, Role, Scope, TokenKeys};
use shared::domain::{check_char, districts, streets_of};

/// The password of every demo account.
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

/// The ledger's column headers (the catalog's import format).
const LEDGER_HEADER: [&str; 23] = [
    "小区编码",
    "小区名称",
    "地址",
    "区县代码",
    "街道代码",
    "社区",
    "经度",
    "纬度",
    "建成年份",
    "楼栋数",
    "户数",
    "建筑面积",
    "管理方式",
    "消防设施",
    "视频监控",
    "门禁",
    "垃圾分类投放点",
    "停车位",
    "电梯",
    "自治组织",
    "自治组织成立日期",
    "符合条件且业主自愿",
    "是否老旧小区",
];

/// Districts the demo puts compounds in (the central ones and two outer ones).
const DEMO_DISTRICTS: [&str; 6] = ["510104", "510105", "510106", "510107", "510108", "510116"];

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
        let res = req
            .send()
            .await
            .with_context(|| format!("calling {path}"))?;
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        anyhow::ensure!(status.is_success(), "{path} answered {status}: {text}");
        Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
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
    let mut rng = Seeded(0x5EED_2026_0000_0001);

    // Compounds: one ledger import, as a district office would do it.
    let (csv, first_code) = ledger_csv(&mut rng);
    let report = api
        .client
        .post(format!(
            "{}/catalog/compounds/import?format=csv&mode=strict",
            api.base
        ))
        .bearer_auth(&api.token)
        .header(reqwest::header::CONTENT_TYPE, "text/csv")
        .body(csv)
        .send()
        .await?;
    anyhow::ensure!(
        report.status().is_success(),
        "the demo ledger was refused: {}",
        report.text().await.unwrap_or_default()
    );
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
