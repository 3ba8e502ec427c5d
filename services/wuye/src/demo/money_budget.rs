//! The demo's budget and fees (issue 17, part A): the demo committee's compound (酬金制,
//! with its register) drafts this year's budget, puts it to the owners (a vote from ballots
//! on `approve_budget`, recorded on paper, which passes), and once approved bills every unit
//! for each month of the year up to this one, then imports the payments of about nine
//! units in ten as a CSV file. A handful of calls: the service does the per-unit work.

use anyhow::Context;
use reqwest::Method;
use serde_json::{Value, json};
use shared::clock::china_today;

use super::owners::OwnersDemo;

/// Spending by category, remuneration, common revenue and carry-in of the demo's budget,
/// in 分, per household (so the fee comes out near 1.5 元/㎡·月 whatever the register).
fn budget_body(households: i64) -> Value {
    let h = households.max(1);
    json!({
        "spending": {
            "personnel_fen": 90_000 * h, "cleaning_fen": 24_000 * h, "greening_fen": 8_000 * h,
            "security_fen": 30_000 * h, "maintenance_fen": 20_000 * h, "energy_fen": 12_000 * h,
            "other_fen": 4_000 * h,
        },
        "common_revenue": {"parking_fen": 18_000 * h, "advertising_fen": 4_000 * h, "other_fen": 2_000 * h},
        "remuneration_fen": 15_000 * h,
        "carry_in_fen": 3_000 * h,
        "note": "【演示】酬金制：企业酬金按年度固定金额计，盈余或亏损归全体业主，结转下一年度。",
    })
}

impl OwnersDemo {
    /// Drafts this year's budget and opens the owners' vote on it (open for `window_ms`),
    /// put to that vote; the paper ballots are recorded by [`OwnersDemo::approve_budget`].
    /// Answers the vote's id and when it closes.
    pub async fn put_budget_to_vote(&self, window_ms: i64) -> anyhow::Result<(String, i64)> {
        let year = china_today().year();
        let path = format!("/compounds/{}/budgets/{year}", self.compound_id);
        self.tender_call(
            Method::PUT,
            &path,
            Some(&self.committee),
            Some(&budget_body(i64::from(self.households))),
        )
        .await?;
        let closes = shared::clock::now_ms() + window_ms;
        let vote = self
            .open_vote(
                "approve_budget",
                &format!("【演示】是否同意本小区{year}年度物业服务预算（确定物业费标准）"),
                closes,
            )
            .await?;
        self.tender_call(
            Method::POST,
            &format!("{path}/vote"),
            Some(&self.committee),
            Some(&json!({"vote_id": vote})),
        )
        .await?;
        Ok((vote, closes))
    }

    /// Records the budget vote's paper ballots: nine units in ten take part, all but one in
    /// eight approve.
    pub async fn approve_budget(&self, vote: &str) -> anyhow::Result<()> {
        let units = self.units().await?;
        for (i, unit) in units.iter().enumerate().filter(|(i, _)| i % 10 != 9) {
            let body = json!({"unit_id": unit["id"], "choice": if i % 8 == 7 { "oppose" } else { "approve" },
                "paper_ref": format!("预算表决票-{:04}", i + 1)});
            let path = format!("/ballot-votes/{vote}/paper-ballots");
            self.tender_call(Method::POST, &path, Some(&self.committee), Some(&body))
                .await?;
        }
        Ok(())
    }

    /// The register's units (id, label parts), in its order.
    async fn units(&self) -> anyhow::Result<Vec<Value>> {
        let mut out = Vec::new();
        loop {
            let path = format!(
                "/compounds/{}/register?limit=200&offset={}",
                self.compound_id,
                out.len()
            );
            let page = self
                .tender_call(Method::GET, &path, Some(&self.committee), None)
                .await?;
            let items = page["units"]["items"].as_array().context("the units")?;
            out.extend(items.iter().cloned());
            if items.is_empty() || out.len() as u64 >= page["units"]["total"].as_u64().unwrap_or(0)
            {
                return Ok(out);
            }
        }
    }

    /// Bills every month of this year up to this one at the approved fee and imports the
    /// payments of about nine units in ten (paid on the 15th of the month after, or today).
    pub async fn load_fees(&self) -> anyhow::Result<()> {
        let today = china_today();
        let year = today.year();
        let this_month = u8::from(today.month());
        let bills = format!("/compounds/{}/fees/bills", self.compound_id);
        for m in 1..=this_month {
            self.tender_call(
                Method::POST,
                &bills,
                Some(&self.committee),
                Some(&json!({"month": format!("{year}-{m:02}")})),
            )
            .await?;
        }
        let arrears = format!(
            "/compounds/{}/fees/arrears?from={year}-01&to={year}-12&limit=200",
            self.compound_id
        );
        let parts: std::collections::HashMap<String, (String, String, String)> = self
            .units()
            .await?
            .iter()
            .map(|u| {
                let text = |k: &str| u[k].as_str().unwrap_or_default().to_string();
                (
                    text("label"),
                    (text("building"), text("unit"), text("room")),
                )
            })
            .collect();
        let mut csv = String::from("楼栋,单元,房号,月份,金额(元),缴费日期,收据号\n");
        let mut offset = 0;
        loop {
            let page = self
                .tender_call(
                    Method::GET,
                    &format!("{arrears}&offset={offset}"),
                    Some(&self.committee),
                    None,
                )
                .await?;
            let items = page["items"].as_array().context("the arrears")?;
            for (i, bill) in items.iter().enumerate() {
                let n = offset + i;
                if n % 10 == 3 {
                    continue;
                }
                let month = bill["month"].as_str().unwrap_or_default();
                let m: u8 = month.get(5..).and_then(|s| s.parse().ok()).unwrap_or(1);
                let paid_on = if m >= this_month {
                    tender::clock::format_date(today)
                } else {
                    format!("{year}-{:02}-15", m + 1)
                };
                let Some((building, unit, room)) =
                    parts.get(bill["unit_label"].as_str().unwrap_or_default())
                else {
                    continue;
                };
                let yuan = shared::domain::Fen::new(bill["owed_fen"].as_i64().unwrap_or(0))
                    .to_yuan_string();
                csv.push_str(&format!(
                    "{building},{unit},{room},{month},{yuan},{paid_on},演示-{month}-{n:05}\n"
                ));
            }
            offset += items.len();
            if items.is_empty() || offset as u64 >= page["total"].as_u64().unwrap_or(0) {
                break;
            }
        }
        let url = format!(
            "{}/tenders/compounds/{}/fees/payments/import?format=csv&mode=good_rows",
            self.tender, self.compound_id
        );
        super::kit::post_csv(&self.http, &url, &self.committee, csv).await?;
        Ok(())
    }
}
