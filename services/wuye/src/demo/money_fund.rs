//! The demo's service fund (物业服务资金): the demo's contracted 酬金制 compound keeps its
//! fund's first month through the tender API as its firm and committee would: fee income,
//! common revenue pooled (parking, advertising), the month's spending and the firm's
//! remuneration at the 8 % of fee income its contract agrees. The contract starts on the day
//! the demo signs it, so every transaction is of that day (the API refuses earlier ones).

use reqwest::{Client, Method};
use serde_json::{Value, json};

use super::kit;

/// Who records: the tender API's base URL and the two parties' tokens.
pub struct FundDemo {
    pub http: Client,
    /// Base URL of tender (its API is under `/tenders`).
    pub tender: String,
    pub compound: String,
    pub firm_token: String,
    pub committee_token: String,
    /// The contract's annual price, 分: the fee income is a month of it.
    pub annual_fen: i64,
    /// The day to book, `YYYY-MM-DD`.
    pub day: String,
}

/// The remuneration the demo's 酬金制 contract agrees: 8 % of fee income.
pub fn demo_remuneration() -> Value {
    json!({"kind": "percentage", "basis_points": 800})
}

impl FundDemo {
    async fn record(
        &self,
        token: &str,
        category: &str,
        amount_fen: i64,
        counterparty: &str,
    ) -> anyhow::Result<()> {
        let url = format!(
            "{}/tenders/compounds/{}/fund/transactions",
            self.tender, self.compound
        );
        let body = json!({
            "day": self.day, "category": category, "amount_fen": amount_fen,
            "counterparty": counterparty, "memo": "【演示数据】",
        });
        let req = self
            .http
            .request(Method::POST, &url)
            .bearer_auth(token)
            .json(&body);
        kit::answer(req, &url).await.map(drop)
    }

    /// Records the month: fee income (92 % collected), parking and advertising, spending by
    /// category, and the remuneration (8 % of the fee income).
    pub async fn load(&self) -> anyhow::Result<()> {
        let fee = self.annual_fen / 12 * 92 / 100;
        let (firm, committee) = (&self.firm_token, &self.committee_token);
        self.record(firm, "fee", fee, "业主缴费（本月汇总）")
            .await?;
        self.record(committee, "parking", fee * 6 / 100, "【演示】停车管理公司")
            .await?;
        self.record(
            committee,
            "advertising",
            fee * 2 / 100,
            "【演示】电梯广告公司",
        )
        .await?;
        for (category, share, payee) in [
            ("personnel", 45, "物业服务人员工资"),
            ("cleaning", 14, "【演示】保洁公司"),
            ("greening", 5, "【演示】园林绿化公司"),
            ("security", 15, "【演示】保安服务公司"),
            ("energy", 6, "国网成都供电公司"),
        ] {
            self.record(firm, category, fee * share / 100, payee)
                .await?;
        }
        self.record(firm, "remuneration", fee * 8 / 100, "物业服务企业酬金")
            .await
    }
}
