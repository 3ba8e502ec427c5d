//! The demo's owners' decisions, taken the way a compound takes them: the committee opens a
//! vote, the street prints one notice with a one-time code per unit, some owners vote
//! online with their code, the committee records the paper ballots, and the result is
//! counted from the ballots against the register. One vote is closed (passed), one still
//! open; a survey per unit of the quarter is answered the same way and closed.
//!
//! Owner codes are throttled per client address (30 a minute by default), so most ballots
//! and answers are on paper, as they are in an old compound; on a 429 the demo waits as
//! told.

use std::time::Duration;

use anyhow::Context;
use reqwest::Method;
use serde_json::{Value, json};
use shared::clock::now_ms;
use tender::clock::to_rfc3339;

use super::owners::OwnersDemo;

/// How long the demo's closed vote and survey stay open before they are closed.
const PAST_WINDOW_MS: i64 = 3_000;
/// How many owners of each vote or survey use their code online.
const ONLINE_BALLOTS: usize = 10;
const ONLINE_OPEN_VOTE: usize = 4;
const ONLINE_ANSWERS: usize = 6;

impl OwnersDemo {
    /// Calls the tender API as `token` (none: an owner with a code) and requires success;
    /// a 429 is waited out once.
    pub(super) async fn tender_call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<&Value>,
    ) -> anyhow::Result<Value> {
        let url = format!("{}/tenders{path}", self.tender);
        for attempt in 0..2 {
            let mut req = self.http.request(method.clone(), &url);
            if let Some(t) = token {
                req = req.bearer_auth(t);
            }
            if let Some(b) = body {
                req = req.json(b);
            }
            let res = req.send().await.with_context(|| format!("calling {url}"))?;
            let status = res.status();
            let wait = res
                .headers()
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse::<u64>().ok())
                .unwrap_or(60)
                .min(61);
            let text = res.text().await.unwrap_or_default();
            if status == reqwest::StatusCode::TOO_MANY_REQUESTS && attempt == 0 {
                tokio::time::sleep(Duration::from_secs(wait)).await;
                continue;
            }
            anyhow::ensure!(status.is_success(), "{url} answered {status}: {text}");
            return Ok(serde_json::from_str(&text).unwrap_or(Value::Null));
        }
        unreachable!("the loop answers on its second attempt")
    }

    /// The street prints the notices of a vote or survey: `(unit_id, code)` in the
    /// register's order.
    async fn notices(&self, path: &str) -> anyhow::Result<Vec<(String, String)>> {
        let printed = self
            .tender_call(Method::POST, path, Some(&self.street), Some(&json!({})))
            .await?;
        Ok(printed["notices"]
            .as_array()
            .context("the notices")?
            .iter()
            .filter_map(|n| Some((n["unit_id"].as_str()?.into(), n["code"].as_str()?.into())))
            .collect())
    }

    /// Opens a vote of the compound.
    pub(super) async fn open_vote(
        &self,
        matter: &str,
        question: &str,
        closes_at: i64,
    ) -> anyhow::Result<String> {
        let body = json!({"matter": matter, "question": question,
            "opens_at": to_rfc3339(now_ms()), "closes_at": to_rfc3339(closes_at)});
        let path = format!("/compounds/{}/ballot-votes", self.compound_id);
        let vote = self
            .tender_call(Method::POST, &path, Some(&self.committee), Some(&body))
            .await?;
        Ok(vote["id"].as_str().context("a vote id")?.to_string())
    }

    /// Casts the ballots of a vote: the first `online` units with their codes, then paper
    /// ballots for the units `paper` picks; `choice` says how each unit (by index) votes.
    async fn cast(
        &self,
        vote: &str,
        codes: &[(String, String)],
        online: usize,
        paper: impl Fn(usize) -> bool,
        choice: impl Fn(usize) -> &'static str,
    ) -> anyhow::Result<()> {
        for (i, (unit, code)) in codes.iter().enumerate() {
            if i < online {
                let body = json!({"code": code, "choice": choice(i)});
                self.tender_call(Method::POST, "/owner-code/ballot", None, Some(&body))
                    .await?;
            } else if paper(i) {
                let body = json!({"unit_id": unit, "choice": choice(i),
                    "paper_ref": format!("表决票-{:04}", i + 1)});
                let path = format!("/ballot-votes/{vote}/paper-ballots");
                self.tender_call(Method::POST, &path, Some(&self.committee), Some(&body))
                    .await?;
            }
        }
        Ok(())
    }

    /// A closed vote that passed, an open one with a few ballots in, and a closed survey
    /// per unit; loaded once (skipped when the compound has votes already).
    pub async fn load_decisions(&self) -> anyhow::Result<()> {
        let path = format!("/compounds/{}/ballot-votes", self.compound_id);
        let existing = self
            .tender_call(Method::GET, &path, Some(&self.committee), None)
            .await?;
        if existing["total"].as_u64().unwrap_or(0) > 0 {
            return Ok(());
        }
        let closes = now_ms() + PAST_WINDOW_MS;
        let past = self
            .open_vote(
                "amend_covenant",
                "【演示】是否同意修订《管理规约》第十二条：在小区东侧空地增设电动自行车集中充电区，禁止入户充电",
                closes,
            )
            .await?;
        let codes = self
            .notices(&format!("/ballot-votes/{past}/notices"))
            .await?;
        // Nine units in ten take part; of them about three in four approve.
        self.cast(
            &past,
            &codes,
            ONLINE_BALLOTS,
            |i| i % 10 != 9,
            |i| match i % 8 {
                6 => "oppose",
                7 => "abstain",
                _ => "approve",
            },
        )
        .await?;
        // The survey's window starts when it is opened: casting the vote's ballots may have
        // taken most of the vote's window on a busy machine.
        let survey_closes = now_ms() + PAST_WINDOW_MS;
        let survey = self.survey(survey_closes).await?;
        // This year's budget, put to the owners in the same window (money_budget.rs).
        let (budget, budget_closes) = self.put_budget_to_vote(PAST_WINDOW_MS).await?;
        self.approve_budget(&budget).await?;
        tokio::time::sleep(Duration::from_millis(
            u64::try_from(closes.max(survey_closes).max(budget_closes) - now_ms() + 200)
                .unwrap_or(0),
        ))
        .await;
        for path in [
            format!("/ballot-votes/{past}/close"),
            format!("/unit-surveys/{survey}/close"),
            format!("/ballot-votes/{budget}/close"),
        ] {
            self.tender_call(Method::POST, &path, Some(&self.committee), Some(&json!({})))
                .await?;
        }
        self.load_fees().await?;

        let open = self
            .open_vote(
                "common_parts_use",
                "【演示】是否同意利用小区公共区域设置智能快递柜，所得收益纳入小区公共收益",
                now_ms() + 14 * 24 * 3_600_000,
            )
            .await?;
        let codes = self
            .notices(&format!("/ballot-votes/{open}/notices"))
            .await?;
        self.cast(
            &open,
            &codes,
            ONLINE_OPEN_VOTE,
            |i| i % 6 == 0,
            |_| "approve",
        )
        .await
    }

    /// A survey per unit of this quarter (of the one before when this quarter's survey is
    /// in already), open until `closes`, answered online and on paper, with comments.
    async fn survey(&self, closes: i64) -> anyhow::Result<String> {
        let today = shared::clock::china_today();
        let q = (u8::from(today.month()) - 1) / 3 + 1;
        let before = if q == 1 {
            format!("{}-Q4", today.year() - 1)
        } else {
            format!("{}-Q{}", today.year(), q - 1)
        };
        let path = format!("/compounds/{}/unit-surveys", self.compound_id);
        let mut created = None;
        let mut refusals = Vec::new();
        for period in [format!("{}-Q{q}", today.year()), before] {
            let body = json!({"period": period, "opens_at": to_rfc3339(now_ms()),
                "closes_at": to_rfc3339(closes)});
            match self
                .tender_call(Method::POST, &path, Some(&self.committee), Some(&body))
                .await
            {
                Ok(s) => {
                    created = Some(s);
                    break;
                }
                Err(e) => refusals.push(format!("{period}: {e:#}")),
            }
        }
        let survey = created.with_context(|| {
            format!(
                "a survey per unit of this quarter or the one before ({})",
                refusals.join("; ")
            )
        })?;
        let id = survey["id"].as_str().context("a survey id")?.to_string();
        let codes = self.notices(&format!("/unit-surveys/{id}/notices")).await?;
        let rating = |i: usize| match i % 7 {
            5 => "basically_satisfied",
            6 => "dissatisfied",
            _ => "satisfied",
        };
        let comment = |i: usize| match i % 12 {
            6 => Some("电梯维修响应太慢，希望缩短到两天内"),
            11 => Some("希望夜间增加一次巡逻"),
            _ => None,
        };
        for (i, (unit, code)) in codes.iter().enumerate() {
            if i < ONLINE_ANSWERS {
                let body = json!({"code": code, "rating": rating(i), "comment": comment(i)});
                self.tender_call(Method::POST, "/owner-code/survey", None, Some(&body))
                    .await?;
            } else if i % 3 != 2 {
                let body = json!({"unit_id": unit, "rating": rating(i), "comment": comment(i),
                    "paper_ref": format!("问卷-{:04}", i + 1)});
                let path = format!("/unit-surveys/{id}/paper-answers");
                self.tender_call(Method::POST, &path, Some(&self.committee), Some(&body))
                    .await?;
            }
        }
        Ok(id)
    }
}
