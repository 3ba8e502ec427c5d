//! The demo loader's kit: the services' API as each role (the [`Demo`] client with tokens the
//! catalog's key signs), where the services are ([`Bases`]), the demo's ledger format and
//! districts, and the terms, bids and figures its tenders and contracts use.

use anyhow::Context;
use reqwest::{Client, Method};
use serde_json::{Value, json};
use shared::auth::{Identity, Role, Scope, TokenKeys};

/// The ledger's column headers (the catalog's import format).
pub(super) const LEDGER_HEADER: [&str; 23] = [
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
pub(super) const DEMO_DISTRICTS: [&str; 6] =
    ["510104", "510105", "510106", "510107", "510108", "510116"];

/// The first demo district (锦江区), where the demo's tenders and its past year are.
pub(super) fn first_district() -> &'static shared::domain::District {
    shared::domain::districts()
        .iter()
        .find(|d| d.code.as_str() == DEMO_DISTRICTS[0])
        .expect("the first demo district")
}

/// Sends `req` and requires a success: its JSON answer (Null when none). `what` names the call
/// in errors (its URL or path).
pub(super) async fn answer(req: reqwest::RequestBuilder, what: &str) -> anyhow::Result<Value> {
    let res = req
        .send()
        .await
        .with_context(|| format!("calling {what}"))?;
    let status = res.status();
    let text = res.text().await.unwrap_or_default();
    anyhow::ensure!(status.is_success(), "{what} answered {status}: {text}");
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// Posts a CSV file to `url` as `token`: the JSON answer (Null when none), success required.
pub(super) async fn post_csv(
    http: &Client,
    url: &str,
    token: &str,
    csv: String,
) -> anyhow::Result<Value> {
    let req = http
        .post(url)
        .bearer_auth(token)
        .header(reqwest::header::CONTENT_TYPE, "text/csv")
        .body(csv);
    answer(req, url).await
}

/// Where the demo finds the services (one base for `wuye up`, separate ones in tests).
#[derive(Debug, Clone)]
pub struct Bases {
    /// Base URL of the catalog (its API is under `/catalog`).
    pub catalog: String,
    /// Base URL of the tender service (its API is under `/tenders`).
    pub tender: String,
}

impl Bases {
    /// Both services behind one base URL, as `wuye up` runs them.
    pub fn one(base: &str) -> Self {
        let base = base.trim_end_matches('/').to_string();
        Self {
            catalog: base.clone(),
            tender: base,
        }
    }
}

/// How long the demo waits for the tender service to follow the catalog, or for a
/// deadline to pass.
pub(super) const PATIENCE: std::time::Duration = std::time::Duration::from_secs(90);

/// Bids close this long after a demo tender is published in the demo policy.
pub(super) const CLOSED_BID_WINDOW_MS: i64 = 6_000;

pub(super) struct Demo<'k> {
    pub(super) http: Client,
    pub(super) bases: Bases,
    pub(super) keys: &'k TokenKeys,
    pub(super) association: String,
}

pub(super) fn demo_token(keys: &TokenKeys, role: Role, scope: Scope) -> anyhow::Result<String> {
    keys.issue(&Identity {
        account_id: format!("demo-loader-{role:?}").to_lowercase(),
        name: "演示数据加载".into(),
        role,
        scope,
        token_id: String::new(),
    })
}

impl<'k> Demo<'k> {
    pub(super) fn new(bases: &Bases, keys: &'k TokenKeys) -> anyhow::Result<Self> {
        let association = demo_token(keys, Role::Association, Scope::City)?;
        Ok(Self {
            http: Client::new(),
            bases: Bases {
                catalog: bases.catalog.trim_end_matches('/').to_string(),
                tender: bases.tender.trim_end_matches('/').to_string(),
            },
            keys,
            association,
        })
    }

    pub(super) fn committee(&self, compound: &str) -> anyhow::Result<String> {
        demo_token(self.keys, Role::Committee, Scope::Compound(compound.into()))
    }

    pub(super) fn firm(&self, firm: &str) -> anyhow::Result<String> {
        demo_token(self.keys, Role::Firm, Scope::Firm(firm.into()))
    }

    /// Calls the API; the status and the JSON answer (Null when there is none).
    pub(super) async fn call(
        &self,
        method: Method,
        url: &str,
        token: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<(reqwest::StatusCode, Value)> {
        let mut req = self.http.request(method, url).bearer_auth(token);
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await.with_context(|| format!("calling {url}"))?;
        let status = res.status();
        let text = res.text().await.unwrap_or_default();
        Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
    }

    /// Calls the tender API and requires success.
    pub(super) async fn tender(
        &self,
        method: Method,
        path: &str,
        token: &str,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let url = format!("{}/tenders{path}", self.bases.tender);
        let (status, v) = self.call(method, &url, token, body).await?;
        anyhow::ensure!(status.is_success(), "{url} answered {status}: {v}");
        Ok(v)
    }

    pub(super) async fn catalog_get(&self, path: &str) -> anyhow::Result<Value> {
        let url = format!("{}/catalog{path}", self.bases.catalog);
        let (status, v) = self
            .call(Method::GET, &url, &self.association, None)
            .await?;
        anyhow::ensure!(status.is_success(), "{url} answered {status}: {v}");
        Ok(v)
    }

    /// The demo compound with this ledger code: `(id, floor area m²)`.
    pub(super) async fn compound(&self, code: &str) -> anyhow::Result<(String, i64)> {
        let page = self.catalog_get(&format!("/compounds?q={code}")).await?;
        let c = &page["items"][0];
        Ok((
            c["id"].as_str().context("a demo compound")?.to_string(),
            c["floor_area_m2"].as_i64().unwrap_or(10_000),
        ))
    }

    /// A demo compound's households (a survey's respondents may not exceed them).
    pub(super) async fn households(&self, id: &str) -> anyhow::Result<i64> {
        let c = self.catalog_get(&format!("/compounds/{id}")).await?;
        c["households"].as_i64().context("a compound's households")
    }

    /// Recommended firms serving `district` that offer what the demo tenders ask
    /// (professional service, commission fee model, grade 2).
    pub(super) async fn eligible_firms(&self, district: &str) -> anyhow::Result<Vec<String>> {
        let page = self
            .catalog_get(&format!(
                "/firms?district={district}&standing=recommended&model=professional&limit=100"
            ))
            .await?;
        let has =
            |f: &Value, key: &str, v: Value| f[key].as_array().is_some_and(|a| a.contains(&v));
        Ok(page["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|f| has(f, "fee_models", json!("commission")) && has(f, "grades", json!(2)))
            .filter_map(|f| f["id"].as_str().map(str::to_string))
            .collect())
    }

    /// The tenders of a compound (any status), as the association sees them.
    pub(super) async fn tenders_of(&self, compound: &str) -> anyhow::Result<Vec<Value>> {
        let page = self
            .tender(
                Method::GET,
                &format!("?compound={compound}&limit=200"),
                &self.association,
                None,
            )
            .await?;
        Ok(page["items"].as_array().cloned().unwrap_or_default())
    }

    /// Creates and publishes a tender, waiting for tender to have followed the compound.
    pub(super) async fn open_tender(&self, compound: &str, terms: Value) -> anyhow::Result<String> {
        let token = self.committee(compound)?;
        let mut body = terms;
        body["compound_id"] = json!(compound);
        let url = format!("{}/tenders", self.bases.tender);
        let started = std::time::Instant::now();
        let created = loop {
            let (status, v) = self.call(Method::POST, &url, &token, Some(&body)).await?;
            if status.is_success() {
                break v;
            }
            let following = v["errors"]
                .as_array()
                .is_some_and(|e| e.iter().any(|e| e["code"] == "unknown_compound"));
            anyhow::ensure!(
                following && started.elapsed() < PATIENCE,
                "creating a demo tender: {status} {v}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        };
        let id = created["id"].as_str().context("a tender id")?.to_string();
        self.tender(Method::POST, &format!("/{id}/publish"), &token, None)
            .await?;
        Ok(id)
    }

    /// Submits a bid; false when the firm may not bid (the reason is logged). Waits for
    /// tender to have followed the firm's standing.
    pub(super) async fn bid(
        &self,
        tender: &str,
        firm: &str,
        body: &Value,
    ) -> anyhow::Result<Option<String>> {
        let token = self.firm(firm)?;
        let url = format!("{}/tenders/{tender}/bids", self.bases.tender);
        let started = std::time::Instant::now();
        loop {
            let (status, v) = self.call(Method::POST, &url, &token, Some(body)).await?;
            if status.is_success() {
                return Ok(v["id"].as_str().map(str::to_string));
            }
            let code = v["code"].as_str().unwrap_or_default();
            let following = matches!(code, "firm_unknown" | "firm_not_recommended");
            if !(following && started.elapsed() < PATIENCE) {
                tracing::info!(firm, code, "demo firm does not bid");
                return Ok(None);
            }
            tokio::time::sleep(std::time::Duration::from_millis(250)).await;
        }
    }

    /// Waits until the tender is no longer open (the scheduler opened its bids).
    pub(super) async fn opened(&self, tender: &str) -> anyhow::Result<Value> {
        let started = std::time::Instant::now();
        loop {
            let v = self
                .tender(Method::GET, &format!("/{tender}"), &self.association, None)
                .await?;
            if v["status"] != "open" {
                return Ok(v);
            }
            anyhow::ensure!(
                started.elapsed() < PATIENCE,
                "demo tender {tender} did not open"
            );
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
    }

    /// Awards a tender in evaluation to its top-ranked bid; returns the tender view.
    pub(super) async fn award_top(&self, tender: &str, compound: &str) -> anyhow::Result<Value> {
        let token = self.committee(compound)?;
        let ranking = self
            .tender(Method::GET, &format!("/{tender}/ranking"), &token, None)
            .await?;
        let top = ranking[0]["bid_id"].as_str().context("a ranked bid")?;
        self.tender(
            Method::POST,
            &format!("/{tender}/award"),
            &token,
            Some(&json!({"bid_id": top})),
        )
        .await
    }
}

/// The demo tenders' terms: professional service, commission (酬金制), grade 2, three
/// years, at 1.50 元/㎡·月 on the compound's floor area.
pub(super) fn demo_terms(
    floor_area_m2: i64,
    bid_deadline_ms: i64,
    enquiry_deadline_ms: i64,
) -> Value {
    let at = tender::clock::to_rfc3339;
    json!({
        "service_model": "professional",
        "fee_model": "commission",
        "grade": 2,
        "term_months": 36,
        "annual_budget_fen": floor_area_m2 * 150 * 12,
        "proposed_fee": 150,
        "needs": "【演示数据】需要秩序维护（门岗 24 小时值守）、楼道和公共区域保洁、垃圾分类收运、绿化养护和共用设施设备日常维护；每季度公开收支。",
        "enquiry_deadline": at(enquiry_deadline_ms),
        "bid_deadline": at(bid_deadline_ms),
        "opening_at": at(bid_deadline_ms),
        "evaluation_method": "price_only",
    })
}

pub(super) fn demo_bid(fee: i64, floor_area_m2: i64, rated: bool) -> Value {
    let mut b = json!({
        "fee": fee,
        "annual_price_fen": fee * floor_area_m2 * 12,
        "staffing_plan": "【演示数据】项目经理 1 人，秩序维护 4 人，保洁 3 人，绿化 1 人，维修 1 人。",
        "service_plan": "【演示数据】按二级标准服务；报修 30 分钟响应；每季度公开收支并接受业主监督。",
    });
    if rated {
        b["criteria_answers"] = json!([
            {"name": "服务方案", "answer": "【演示数据】分区网格化管理，楼栋长制度。"},
            {"name": "人员配置", "answer": "【演示数据】持证上岗，本地用工为主。"},
        ]);
    }
    b
}

/// The name of the quarter containing `day`, e.g. `2026-Q4`.
pub(super) fn quarter_of(day: time::Date) -> String {
    format!("{}-Q{}", day.year(), (u8::from(day.month()) - 1) / 3 + 1)
}

/// Splits `total` 分 by per-mille `shares` (the last takes the remainder), so the parts add
/// up exactly.
pub(super) fn split(total: i64, shares: &[i64]) -> Vec<i64> {
    let mut parts: Vec<i64> = shares.iter().map(|s| total * s / 1000).collect();
    let used: i64 = parts.iter().sum();
    if let Some(last) = parts.last_mut() {
        *last += total - used;
    }
    parts
}

/// A budget or accounts whose numbers add up: fee income plus 8% common revenue, spent
/// 96% by category.
pub(super) fn demo_money(kind: &str, period: &str, fee_income: i64, opening: i64) -> Value {
    let common = split(fee_income * 8 / 100, &[700, 250, 50]);
    let income = fee_income + common.iter().sum::<i64>();
    let spending = split(income * 96 / 100, &[480, 140, 60, 160, 80, 60, 20]);
    let spent: i64 = spending.iter().sum();
    json!({
        "kind": kind,
        "period": period,
        "income": {"fee_fen": fee_income, "parking_fen": common[0], "advertising_fen": common[1], "other_fen": common[2]},
        "total_income_fen": income,
        "spending": {
            "personnel_fen": spending[0], "cleaning_fen": spending[1], "greening_fen": spending[2],
            "security_fen": spending[3], "maintenance_fen": spending[4], "energy_fen": spending[5],
            "other_fen": spending[6],
        },
        "total_spending_fen": spent,
        "opening_balance_fen": opening,
        "closing_balance_fen": opening + income - spent,
        "note": "【演示数据】酬金制：物业服务资金属全体业主所有，结余滚存下期使用。",
    })
}
