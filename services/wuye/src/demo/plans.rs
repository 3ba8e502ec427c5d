//! The demo street's work plan (工作方案) for this year: the demo street official plans its
//! compounds (up to eight; the demo ledger has five there) with each stage due through the
//! year, and records 动员 for the first five and 自治组织 for the first three, through the
//! catalog API as a street would.
//! The other stages (votes, tenders, contracts) fill themselves from the demo's own records,
//! and the district's monthly dispatch and the bulletin are computed from everything loaded.

use anyhow::Context;
use reqwest::{Client, Method};
use serde_json::{Value, json};
use shared::domain::roster::{china_today, format_date};

use super::kit;

/// Who loads the plan: the catalog's base URL and the street official's token.
pub struct PlanDemo {
    pub http: Client,
    /// Base URL of the catalog (its API is under `/catalog`).
    pub catalog: String,
    pub street_token: String,
    pub street: String,
}

impl PlanDemo {
    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> anyhow::Result<Value> {
        let mut req = self
            .http
            .request(method, format!("{}/catalog{path}", self.catalog))
            .bearer_auth(&self.street_token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        kit::answer(req, path).await
    }

    /// Writes the plan and the street's records.
    pub async fn load(&self) -> anyhow::Result<()> {
        let listed = self
            .call(
                Method::GET,
                &format!("/compounds?street={}&limit=8", self.street),
                None,
            )
            .await?;
        let compounds: Vec<String> = listed["items"]
            .as_array()
            .context("the demo street's compounds")?
            .iter()
            .filter_map(|c| c["id"].as_str().map(str::to_string))
            .collect();
        let today = china_today();
        let year = today.year();
        let dues: Vec<String> = ["03-31", "06-30", "08-31", "09-30", "10-31", "12-31"]
            .iter()
            .map(|d| format!("{year}-{d}"))
            .collect();
        let path = format!("/plans/{}/{year}", self.street);
        self.call(
            Method::PUT,
            &path,
            Some(json!({
                "target_compounds": compounds.len().min(6),
                "target_rate_percent": 100,
                "dues": {"survey": dues[0], "mobilisation": dues[1], "self_governance": dues[2],
                    "owners_vote": dues[3], "tender": dues[4], "contract": dues[5]},
                "compounds": compounds,
            })),
        )
        .await?;
        let done_on = format_date(today);
        for (i, id) in compounds.iter().enumerate().take(5) {
            self.call(
                Method::POST,
                &format!("{path}/stages"),
                Some(
                    json!({"compound_id": id, "stage": "mobilisation", "done_on": done_on,
                    "note": "【演示】召开业主动员会，入户征询意愿，同意引入物业服务的占 78%"}),
                ),
            )
            .await?;
            if i < 3 {
                self.call(
                    Method::POST,
                    &format!("{path}/stages"),
                    Some(
                        json!({"compound_id": id, "stage": "self_governance", "done_on": done_on,
                        "note": "【演示】业主委员会选举产生，已向街道备案（备案号 JGY-2026-0xx）"}),
                    ),
                )
                .await?;
            }
        }
        Ok(())
    }
}
