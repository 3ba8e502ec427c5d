//! The demo's incentives: a compound of the demo street proposed by its street official as a
//! demonstration (标杆示范) of 公益/保障型物业 and confirmed by the district official, and a
//! 以奖代补 subsidy the district recorded for it, through the catalog API as they would.

use anyhow::Context;
use reqwest::{Client, Method};
use serde_json::{Value, json};
use shared::domain::roster::china_today;

use super::kit;

/// Who loads them: the catalog's base URL and the two officials' tokens.
pub struct IncentivesDemo {
    pub http: Client,
    /// Base URL of the catalog (its API is under `/catalog`).
    pub catalog: String,
    pub street: String,
    pub street_token: String,
    pub district_token: String,
}

impl IncentivesDemo {
    async fn call(
        &self,
        token: &str,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> anyhow::Result<Value> {
        let mut req = self
            .http
            .request(method, format!("{}/catalog{path}", self.catalog))
            .bearer_auth(token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        kit::answer(req, path).await
    }

    pub async fn load(&self) -> anyhow::Result<()> {
        let listed = self
            .call(
                &self.street_token,
                Method::GET,
                &format!("/compounds?street={}&limit=1", self.street),
                None,
            )
            .await?;
        let compound = listed["items"][0]["id"]
            .as_str()
            .context("a compound of the demo street")?
            .to_string();
        let proposed = self
            .call(
                &self.street_token,
                Method::POST,
                "/demonstrations",
                Some(json!({
                    "compound_id": compound, "model": "community",
                    "merits": "【演示】街道兜底引入公益性物业，低收费保基本，居民议事会每月评议服务。",
                    "points": ["物业费按每月每平方米 0.5 元收取，收支每季度公开",
                               "居民议事会每月评议，评议结果与服务费挂钩",
                               "社区志愿者参与楼栋巡查和垃圾分类督导"]
                })),
            )
            .await?;
        let id = proposed["id"].as_str().context("the demonstration's id")?;
        self.call(
            &self.district_token,
            Method::POST,
            &format!("/demonstrations/{id}/decision"),
            Some(json!({"decision": "confirm", "reason": "【演示】经区住建局实地查看确认"})),
        )
        .await?;
        let year = china_today().year();
        self.call(
            &self.district_token,
            Method::POST,
            "/subsidies",
            Some(json!({
                "compound_id": compound, "amount_fen": 5_000_000,
                "reason": "【演示】公益性物业服务示范以奖代补",
                "period_from": format!("{year}-01-01"), "period_to": format!("{year}-12-31"),
                "document_number": format!("【演示】锦住建〔{year}〕8号")
            })),
        )
        .await?;
        Ok(())
    }
}
